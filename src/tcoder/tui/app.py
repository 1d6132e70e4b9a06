"""The `tcoder code` application: asks the coder's name if needed, lists the
transcripts or opens one, and routes the app-wide commands (help, palette, quit)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Sequence

from textual import events
from textual.app import App
from textual.binding import BindingType
from textual.screen import Screen

from tcoder.codebook import Codebook
from tcoder.errors import Problem, TcoderError
from tcoder.session import CodingSession
from tcoder.study import Study, TranscriptRef
from tcoder.tui.keymap import bindings, keymap_from
from tcoder.tui.keyorder import KeyHandled, KeyOrder
from tcoder.tui.palette import TcoderCommands
from tcoder.tui.screens.coding import CodingScreen
from tcoder.tui.screens.dialogs import CoderNameDialog, ConfirmDialog, MemoDialog, MessageDialog
from tcoder.tui.screens.help import HelpScreen
from tcoder.tui.screens.transcripts import TranscriptListScreen

if TYPE_CHECKING:
    from tcoder.search.autocode import Plan
    from tcoder.search.autocode_write import Applied

#: A save slower than this (a network folder, a busy disk) moves later saves to a thread.
SLOW_SAVE_SECONDS = 0.05


class TcoderApp(App[int]):
    #: what opening a transcript from the list does, as its hint line says
    list_purpose = "for coding"

    TITLE = "tcoder"
    CSS = """
    Screen { background: $surface; }
    Footer { height: 1; }
    Toast { max-width: 60; }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("app")
    #: tcoder's commands only (not Textual's colour themes, screenshots...), on every screen
    COMMANDS = {TcoderCommands}

    def __init__(self, study: Study, coder: str | None = None, transcript: TranscriptRef | None = None, *,
                 cursor_blink: bool = True, partners: Sequence[str] = ()) -> None:
        """``partners``: other coders whose spans are drawn over this coder's, live (``--with``)."""
        super().__init__()
        self.study = study
        self.coder = coder
        self.start_transcript = transcript
        self.partners = [p for p in partners if p != coder]
        self.cursor_blink = cursor_blink
        #: command id -> keys as this user has them (defaults with tcoder.yaml's remaps)
        self.key_map = study.settings.key_map()
        #: problems to print after the app has closed (then `tcoder code` exits 1)
        self.problems: list[Problem] = []
        self._study_search: Screen | None = None
        self._query_screen: Screen | None = None
        self.set_keymap(keymap_from(study.settings))
        self.key_order = KeyOrder(self, super().on_event)

    async def on_event(self, event: events.Event) -> None:
        """Typed keys are handled one after another, in order (see tcoder.tui.keyorder)."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self.key_order.typed(event)
        elif isinstance(event, KeyHandled):
            event.stop()
            await self.key_order.handled(event)
        else:
            await super().on_event(event)

    # ------------------------------------------------------------ starting

    def on_mount(self) -> None:
        if self.coder is None:
            self.push_screen(CoderNameDialog(), self._coder_chosen)
        else:
            self._begin()

    def _coder_chosen(self, name: str | None) -> None:
        if not name:
            self.exit(return_code=0)
            return
        self.coder = name
        self._begin()

    @property
    def coder_name(self) -> str:
        """The coder's name; asked for before any transcript opens."""
        if self.coder is None:
            raise RuntimeError("the coder's name is not known yet")
        return self.coder

    def _transcript_list(self) -> TranscriptListScreen:
        return TranscriptListScreen(self.study, self.coder_name, self.open_transcript, self.list_purpose)

    def _begin(self) -> None:
        if self.start_transcript is not None:
            self.open_transcript(self.start_transcript)
        else:
            self.push_screen(self._transcript_list())

    def open_transcript(self, ref: TranscriptRef, select: tuple[int, int] | None = None) -> None:
        try:
            # A change is saved before its frame is drawn, so the screen never shows
            # a change that is not on disk yet; if the disk proves slow, saves move to
            # a thread that runs right after each frame.
            session = CodingSession(self.study, ref, self.coder_name, schedule_save=self.call_after_refresh,
                                    slow_save_seconds=SLOW_SAVE_SECONDS)
        except TcoderError as exc:
            if self._list_screen() is None:
                self.problems.extend(exc.problems)
                self.exit(return_code=1)
            else:
                self.push_screen(MessageDialog(f"Cannot open {ref.name}", exc.problems))
            return
        partners = []
        for name in self.partners:
            if name == self.coder:
                continue
            try:
                partners.append(CodingSession(self.study, ref, name, read_only=True))
            except TcoderError as exc:
                self.notify(f"{name}'s annotations are not shown: {exc.problems[0]}", title="--with",
                            severity="warning", timeout=10, markup=False)
        self.push_screen(CodingScreen(session, no_color=self.no_color, partners=partners, select=select))

    def _list_screen(self) -> TranscriptListScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, TranscriptListScreen):
                return screen
        return None

    def show_transcript_list(self) -> None:
        screen = self.screen
        name = screen.session.ref.name if isinstance(screen, CodingScreen) else None
        listing = self._list_screen()
        if isinstance(screen, CodingScreen):
            self.pop_screen()
        if listing is None:
            self.push_screen(self._transcript_list())
        elif name:
            listing.refresh_transcript(name)

    # ------------------------------------------------------------ searching the study

    def action_search_study(self) -> None:
        """Show the study search (the same one, with its last results, each time)."""
        from tcoder.tui.screens.query_screen import QueryScreen
        from tcoder.tui.screens.study_search import StudySearchScreen

        if isinstance(self.screen, QueryScreen):
            self.pop_screen()  # one finding screen at a time
        elif not isinstance(self.screen, (CodingScreen, TranscriptListScreen)):
            return  # a dialog is open: it keeps the keys
        if self._study_search is None:
            self._study_search = StudySearchScreen(self.study)
            self.install_screen(self._study_search, "study-search")
        self.push_screen("study-search")

    def action_query_study(self) -> None:
        """Show the coding query screen (the same one, with its last results, each time)."""
        from tcoder.tui.screens.query_screen import QueryScreen
        from tcoder.tui.screens.study_search import StudySearchScreen

        if isinstance(self.screen, StudySearchScreen):
            self.pop_screen()  # one finding screen at a time
        elif not isinstance(self.screen, (CodingScreen, TranscriptListScreen)):
            return  # a dialog is open: it keeps the keys
        if self._query_screen is None:
            self._query_screen = QueryScreen(self.study)
            self.install_screen(self._query_screen, "coding-query")
        self.push_screen("coding-query")

    def open_transcript_at(self, name: str, start: int, end: int) -> None:
        """Open a transcript in the coding screen with a passage selected (from the study search
        or a query). A coding screen already open on it is reused: one session per file."""
        from tcoder.tui.screens.query_screen import QueryScreen
        from tcoder.tui.screens.study_search import StudySearchScreen

        if isinstance(self.screen, (StudySearchScreen, QueryScreen)):
            self.pop_screen()
        screen = self.screen
        if isinstance(screen, CodingScreen):
            if screen.session.ref.name == name:
                screen.show_passage(start, end)
                return
            self.pop_screen()
        ref = next((r for r in self.study.transcripts if r.name == name), None)
        if ref is not None:
            self.open_transcript(ref, select=(start, end))

    def apply_autocode(self, plan: Plan) -> Applied:
        """Apply an autocode batch (from the study search's review list) as one step. This
        app's own coding sessions on the batch's files are saved first, written as part of
        the batch (they hold the files' locks), and merge the new passages afterwards."""
        from tcoder.codebook_ops import default_who
        from tcoder.search.autocode_write import apply_plan

        names = {c.transcript for c in plan.to_apply}
        mine = [s for s in self.screen_stack if isinstance(s, CodingScreen) and not s.session.read_only
                and s.session.coder == plan.coder and s.session.ref.name in names]
        for screen in mine:
            screen.session.save()
            screen.session.flush()
        applied = apply_plan(self.study, plan, who=default_who(self.study.root),
                             held=[s.session.path for s in mine])
        for screen in mine:
            screen.session.reload()
            screen.redraw()
        corpora = [getattr(s, "corpus", None) for s in (self._study_search, self._query_screen)]
        for name in names:
            for corpus in corpora:
                if corpus is not None:
                    corpus.forget(name, plan.coder)
            listing = self._list_screen()
            if listing is not None:
                listing.refresh_transcript(name)
        if applied.operation is not None:
            self.notify(applied.summary(), title="Coded from results", timeout=10, markup=False)
        return applied

    # ------------------------------------------------------------ app-wide commands

    def _codebook(self) -> Codebook | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, CodingScreen):
                return screen.session.codebook
        try:
            return self.study.codebook
        except TcoderError:
            return None

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self._codebook(), self.key_map))

    def action_list_memos(self) -> None:
        from tcoder.tui.screens.memos import MemoListScreen

        if isinstance(self.screen, MemoListScreen):
            self.pop_screen()
            return
        self.push_screen(MemoListScreen(self.study, self.coder))

    def action_list_themes(self) -> None:
        from tcoder.tui.screens.themes import ThemesScreen

        if isinstance(self.screen, ThemesScreen):
            self.pop_screen()
            return
        self.push_screen(ThemesScreen(self.study, self.coder))

    def _sessions(self) -> list[CodingSession]:
        return [s.session for s in self.screen_stack if isinstance(s, CodingScreen)]

    async def action_quit(self) -> None:
        unsaved = [s for s in self._sessions() if s.dirty and not s.read_only]
        for s in unsaved:
            s.save()
            s.flush()
        unsaved = [s for s in unsaved if s.dirty]
        memo_open = isinstance(self.screen, MemoDialog) and self.screen.changed
        if not unsaved and not memo_open:
            self._close_sessions()
            self.exit(return_code=0)
            return
        if unsaved:
            question = (f"Your last changes to {', '.join(s.path.name for s in unsaved)} could not be saved "
                        f"({unsaved[0].save_state.message}). Quit anyway and lose them?")
        else:
            question = "The memo you are writing is not saved yet. Quit anyway and lose it?"

        def answer(yes: bool | None) -> None:
            if yes:
                self._close_sessions()
                self.exit(return_code=0)

        self.push_screen(ConfirmDialog("Quit?", question), answer)

    def _close_sessions(self) -> None:
        for session in self._sessions():
            session.close()

    def on_unmount(self) -> None:
        self._close_sessions()

"""The `tcoder code` application: asks the coder's name if needed, lists the
transcripts or opens one, and routes the app-wide commands (help, palette, quit)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, ClassVar, Sequence

from textual import events
from textual.app import App
from textual.binding import BindingType
from textual.screen import Screen

from tcoder.codebook import Codebook
from tcoder.errors import Problem, TcoderError
from tcoder.gcpause import keep_as_long_lived, release_long_lived
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
    from textual.dom import DOMNode

    from tcoder.search.autocode import Plan
    from tcoder.search.autocode_write import Applied


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
        #: the finding screens (study search, query, retrieval, matrix), kept with their results
        self._finding: dict[str, Screen] = {}
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

    # ------------------------------------------------------------ keys in the order typed

    def on_key(self, event: events.Key) -> None:
        """Codebook letters, handled here rather than on the coding screen.

        A key goes from the focused widget up through the screen to the app, one queue
        at a time, and commands' bindings are looked up only when it reaches the app.
        When keys queue up (a paste, SSH sending several in one packet, type-ahead while
        the disk is slow), a letter handled on the way up would overtake the selection
        keys typed before it and code the previous passage. Handled here, every key
        takes effect in the order it was typed. Runs before the bindings of the same
        key; a letter is never bound to a command on the coding screen."""
        screen = self.screen
        if isinstance(screen, CodingScreen) and screen.code_key(event.key, event.character):
            event.stop()
            event.prevent_default()  # no binding lookup for a codebook letter

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
            # A change is drawn first ("saving…" on the status line), then written and
            # fsynced on the saving thread, in order, newest state only ("saved" once on
            # disk); quitting and closing wait for the pending save.
            release_long_lived()
            session = CodingSession(self.study, ref, self.coder_name, background_save=True,
                                    schedule_save=self.call_after_refresh, read_large_later=True)
            keep_as_long_lived()
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

    def transcript_unreadable(self, screen: CodingScreen, exc: TcoderError) -> None:
        """The annotation file a coding screen read after showing the transcript cannot be
        read: as when opening it fails, say why (or exit with the problems when nothing else is open)."""
        if self._list_screen() is None:
            self.problems.extend(exc.problems)
            self.exit(return_code=1)
            return
        if self.screen is screen:
            self.pop_screen()
        self.push_screen(MessageDialog(f"Cannot open {screen.session.ref.name}", exc.problems))

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

    @staticmethod
    def _finding_types() -> tuple[type[Screen], ...]:
        from tcoder.tui.screens.matrix_screen import MatrixScreen
        from tcoder.tui.screens.query_screen import QueryScreen
        from tcoder.tui.screens.retrieval import RetrievalScreen
        from tcoder.tui.screens.study_search import StudySearchScreen

        return (StudySearchScreen, QueryScreen, RetrievalScreen, MatrixScreen)

    def _show_finding(self, name: str, make: Callable[[], Screen]) -> Screen | None:
        """Show a finding screen (the same one, with its last results, each time); one
        finding screen at a time, opened over the transcript list or a coding screen."""
        if isinstance(self.screen, self._finding_types()):
            if self.screen is self._finding.get(name):
                return None
            self.pop_screen()
        elif not isinstance(self.screen, (CodingScreen, TranscriptListScreen)):
            return None  # a dialog is open: it keeps the keys
        self._note_new_annotation_files()
        screen = self._finding.get(name)
        if screen is None:
            screen = self._finding[name] = make()
            self.install_screen(screen, name)
            self.push_screen(name)
            return screen
        self.push_screen(name)
        again = getattr(screen, "show_again", None)
        if callable(again):
            again()  # the coding done meanwhile shows: a shown list is never stale
        return screen

    def _note_new_annotation_files(self) -> None:
        """The study learns of the annotation files the open coding screens created since it
        was listed (a coder's first code in a transcript), so finding screens include them."""
        for screen in self.screen_stack:
            if isinstance(screen, CodingScreen) and screen.session.study is self.study:
                ref = screen.session.ref
                if screen.session.coder not in self.study.annotation_files(ref):
                    self.study.track_annotation_file(ref, screen.session.coder)

    @property
    def _study_search(self) -> Screen | None:
        return self._finding.get("study-search")

    @property
    def _query_screen(self) -> Screen | None:
        return self._finding.get("coding-query")

    def action_search_study(self) -> None:
        """Show the study search."""
        from tcoder.tui.screens.study_search import StudySearchScreen

        self._show_finding("study-search", lambda: StudySearchScreen(self.study))

    def action_query_study(self) -> None:
        """Show the coding query screen."""
        from tcoder.tui.screens.query_screen import QueryScreen

        self._show_finding("coding-query", lambda: QueryScreen(self.study))

    def action_retrieve_code(self) -> None:
        """Show the retrieval browser (it asks for a code the first time)."""
        from tcoder.tui.screens.retrieval import RetrievalScreen

        self._show_finding("retrieval", lambda: RetrievalScreen(self.study, self.coder,
                                                                session_for=self.session_for))

    def action_matrix_study(self) -> None:
        """Show the matrix screen."""
        from tcoder.tui.screens.matrix_screen import MatrixScreen

        self._show_finding("matrix", lambda: MatrixScreen(self.study, self.coder))

    def session_for(self, name: str, coder: str) -> tuple[CodingSession, bool]:
        """A coding session of ``coder``'s file of a transcript, for a change made from a
        finding screen: the open coding screen's own (redrawn after the change), else a new
        one that the caller closes (True)."""
        for screen in self.screen_stack:
            if isinstance(screen, CodingScreen) and screen.session.ref.name == name \
                    and screen.session.coder == coder and not screen.session.read_only:
                self.call_later(screen.redraw)
                return screen.session, False
        session = CodingSession(self.study, self.study.find(name), coder)
        return session, True

    def open_transcript_at(self, name: str, start: int, end: int) -> None:
        """Open a transcript in the coding screen with a passage selected (from the study search
        or a query). A coding screen already open on it is reused: one session per file."""
        if isinstance(self.screen, self._finding_types()):
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
        corpora = [getattr(s, "corpus", None) for s in self._finding.values()]
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

    def undo_autocode(self, op_id: str) -> None:
        """Take back an autocode batch as one step. This app's coding sessions on its files are
        saved first, take part (they hold the files' locks) and read the files back afterwards;
        a file changed since the batch makes the undo refuse, with nothing changed."""
        from tcoder.changeset import find_operation
        from tcoder.codebook_ops import default_who
        from tcoder.search.autocode_write import undo_autocode

        operation = find_operation(self.study.root, op_id)
        coder = str(operation.meta.get("coder") or "")
        names = {str(n) for n in operation.meta.get("transcripts") or []}
        mine = [s for s in self.screen_stack if isinstance(s, CodingScreen) and not s.session.read_only
                and s.session.coder == coder and s.session.ref.name in names]
        for screen in mine:
            screen.session.save()
            screen.session.flush()
        try:
            undo_autocode(self.study, op_id, who=default_who(self.study.root), held=[s.session.path for s in mine])
        finally:
            for screen in mine:
                screen.session.adopt_disk()  # the older version the undo wrote back is the change asked for
                screen.redraw()
            corpora = [getattr(s, "corpus", None) for s in self._finding.values()]
            for name in names:
                for corpus in corpora:
                    if corpus is not None:
                        corpus.forget(name, coder)
                listing = self._list_screen()
                if listing is not None:
                    listing.refresh_transcript(name)

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
        self.push_screen(HelpScreen(self._codebook(), self.key_map, getattr(self.screen, "command_title", None)))

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
        # ctrl+q is handled as soon as it arrives, while a key typed just before it (a code
        # key, then ctrl+q, read together) may still be on its way from the focused widget up
        # to the app, whose bindings apply it: follow the same way, so its change is applied
        # and saved before quitting.
        start = self.focused or self.screen
        self._quit_after(list(start.ancestors_with_self))

    def _quit_after(self, way: list[DOMNode]) -> object:
        if not way:
            return self._quit()
        way[0].call_later(self._quit_after, way[1:])
        return None

    async def _quit(self) -> None:
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

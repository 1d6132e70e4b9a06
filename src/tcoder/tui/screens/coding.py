"""The coding screen: the transcript, the codebook and details panels, the status line.

It dispatches keys to the session (the core) and redraws: letters and digits
apply the codebook's codes; commands come from the key table. Every change is
saved by the session at once; the status line says so, or says why not.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import ClassVar, Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Label

from tcoder.annotations import Annotation
from tcoder.apprentice import APPRENTICE
from tcoder.apprentice.lane import DISMISSED_FIELD, Suggestion, open_suggestions
from tcoder.errors import TcoderError
from tcoder.gcpause import keep_as_long_lived, return_free_memory
from tcoder.merge import CONFLICT_FIELD
from tcoder.numbers import fixed, plural, verb_for
from tcoder.quotes import shorten
from tcoder.session import POLL_SECONDS, RECHECK_SECONDS, ApplyResult, CodingSession, SessionError, Step
from tcoder.session.history import ABSENT, HeaderChange
from tcoder.tui.keymap import bindings, keys_for
from tcoder.tui.live import FilesChanged, FolderWatcher, WatchFailed, WatchStarted
from tcoder.tui.screens.codebook_dev import CodebookDevelopment
from tcoder.tui.screens.dialogs import ChoiceDialog, MemoDialog, MessageDialog, SearchDialog
from tcoder.tui.screens.picker import ALL_CODES, NEW_CODE, CodePicker
from tcoder.tui.widgets.codebook_panel import CodebookPanel
from tcoder.tui.widgets.details_panel import DetailsPanel
from tcoder.tui.widgets.lane_header import LaneHeader
from tcoder.tui.widgets.status_bar import KEEP, StatusBar
from tcoder.tui.widgets.transcript_view import SpanLayer, TranscriptView
from tcoder.tui.wrap import inert

#: How often the memo files are looked at for changes made elsewhere (their marks follow).
MEMO_POLL_SECONDS = 2.0

#: Below this width the side panels start hidden (they toggle with F2 and F4).
PANELS_MIN_WIDTH = 100
MESSAGE_SECONDS = 6.0
MESSAGE_MIN_SECONDS = 1.5
#: The details panel follows the cursor once it rests this long, so held keys stay fast.
DETAILS_DELAY = 0.08
#: A large annotation file is read this long after the transcript's first frame is drawn,
#: so that the frame reaches the terminal first.
READ_AFTER_FRAME_SECONDS = 0.05


def annotation_label(session: CodingSession, a: Annotation) -> Text:
    codebook = session.codebook
    code = codebook.codes.get(a.code)
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append("\u2588 ", style=code.color if code else "grey50")
    out.append(inert(code.name if code else a.code), style="bold")
    quote = shorten(session.transcript.text[a.start:a.end], 50)
    out.append(f"  \u201c{inert(quote)}\u201d", style="dim")
    return out


class Saved(Message):
    """The session finished writing the file (posted from the saving thread)."""


class CodingScreen(CodebookDevelopment, Screen):
    """The coding screen. A screen built on it (the compare screen) changes what it shows
    and does through these hooks, and only these, each documented where it is defined:

    - ``SIDE_PANELS``: its side panels' ids, titles and help (``compose`` yields them);
    - :meth:`span_layers`: whose spans the transcript view draws;
    - :meth:`apply_here`: what coding a selection by hand does;
    - :meth:`fill_panels`: how the side panels show what is under the cursor;
    - :meth:`cursor_moved`, :meth:`status_shown`, :meth:`history_stepped`,
      :meth:`followed_changed`: called after the cursor moved, the status line was drawn,
      an undo or redo, and other coders' files changed.
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("screen")
    #: The side panels, by the command that shows or hides them: (the box's id, the
    #: command's title and help on this screen). A screen built on this one (the compare
    #: screen) names its own panels here.
    SIDE_PANELS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "toggle_codebook": ("codebook-box", "Codebook panel", "show or hide the codebook panel"),
        "toggle_details": ("details-box", "Details panel",
                           "show or hide the code definition and the annotations under the cursor"),
    }
    DEFAULT_CSS = """
    CodingScreen #main { height: 1fr; }
    CodingScreen #transcript { width: 1fr; height: 1fr; }
    CodingScreen #side { width: 40; height: 1fr; border-left: solid $primary; }
    CodingScreen #codebook-box { height: 1fr; }
    CodingScreen #details-box { height: 1fr; border-top: solid $primary; }
    CodingScreen .panel-title { text-style: bold; background: $panel; width: 1fr; }
    CodingScreen #banner { display: none; height: auto; width: 1fr; background: $warning 60%;
                           color: $text; padding: 0 1; }
    CodingScreen.-read-only #banner { display: block; }
    CodingScreen #anchor-banner { display: none; height: auto; width: 1fr; background: $warning 60%;
                                  color: $text; padding: 0 1; }
    CodingScreen.-orphans #anchor-banner { display: block; }
    """

    def __init__(self, session: CodingSession, *, no_color: bool = False,
                 partners: Sequence[CodingSession] = (), select: tuple[int, int] | None = None) -> None:
        """``partners`` are other coders' read-only sessions drawn over this coder's
        spans (``tcoder code --with``); they follow their files live. ``select``: a passage
        to select (and scroll to) on opening, such as a search hit."""
        super().__init__()
        self.initial_selection = select
        self.session = session
        self.no_color = no_color
        self.partners: list[CodingSession] = list(partners)
        #: files changed on disk are noticed by watching the folder (else by polling)
        self.watching = False
        self._watcher: FolderWatcher | None = None
        self._recheck_timer: Timer | None = None
        self.last_code: str | None = None
        self.search_query = ""
        self._message = ""
        self._message_until = 0.0
        self._message_problem = False
        self._panels_user: dict[str, bool] = {}
        self._here_ids: tuple[str, ...] | None = None
        self._memo_marks: list[tuple[int, int]] = []  # passages memos link to, marked ✎ in the view
        self._memo_signature: tuple = ()  # the memo files as last read
        self._memo_titles: list[tuple[int, int, str]] = []  # those passages with their memos' titles
        self._details_timer: Timer | None = None
        self._shown_suggestion: Suggestion | None = None  # the apprentice's suggestion the last step showed
        #: the open suggestions for (apprentice session, its revision, this session's revision), and each one's place
        self._open_cache: tuple[tuple[int, int, int], list[Suggestion], dict[Suggestion, int]] | None = None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        view = TranscriptView(self.session.transcript, self.session.codebook, self.span_layers(),
                              no_color=self.no_color, id="transcript")
        yield Label("", id="banner")
        yield Label("", id="anchor-banner")
        if self.partners:
            names = ", ".join(p.coder for p in self.partners)
            legend = [(f" text: tinted = {self.session.coder}'s codes, ", ""), ("italic", "italic"),
                      (f" = {names}'s", "")]
            yield LaneHeader(view, legend, {p.coder for p in self.partners}, id="lanes")
        with Horizontal(id="main"):
            yield view
            with Vertical(id="side"):
                with Vertical(id="codebook-box"):
                    yield Label("Codebook \u00b7 key \u00b7 uses here", classes="panel-title")
                    yield CodebookPanel(self.session.codebook, id="codebook")
                with Vertical(id="details-box"):
                    yield DetailsPanel(id="details")
        yield StatusBar(id="status")
        yield Footer()

    def span_layers(self) -> list[SpanLayer]:
        """Hook: the layers of spans the transcript view draws, in lane order. Here this coder's
        spans tinted and each partner's in italics, with a lane of its own."""
        return [SpanLayer(self.session.coder, self.session),
                *(SpanLayer(p.coder, p, style="italic") for p in self.partners)]

    @property
    def followed(self) -> list[CodingSession]:
        """Other coders' sessions shown here, which follow their files."""
        return self.partners

    @property
    def view(self) -> TranscriptView:
        return self.query_one("#transcript", TranscriptView)

    def on_mount(self) -> None:
        self.view.focus()
        self.view.on_move = self._view_moved
        self._apply_panel_layout()
        self._show_read_only()
        if self.session.loading:
            # A large file: the transcript is drawn first, the annotations read right after
            # (a moment after: reading holds the interpreter, and the frame is still being written).
            self._update_status([])
            self.call_after_refresh(lambda: self.set_timer(READ_AFTER_FRAME_SECONDS, self._finish_loading))
        else:
            self._show_anchoring()
            self._update_all(now=True)
        if self.initial_selection is not None:
            self.show_passage(*self.initial_selection)
        self.set_interval(POLL_SECONDS, self._poll_disk, name="disk-poll")
        self.set_interval(MEMO_POLL_SECONDS, self._poll_memos, name="memo-poll")
        self._watcher = FolderWatcher(self, self.session.path.parent, self.session.ref.stem)
        self._watcher.start()
        self.watch_codebook()
        self.session.on_saved = self._post_saved
        if self.session.transcript.warnings:
            self.notify(" ".join(self.session.transcript.warnings), title="Transcript encoding",
                        severity="warning", markup=False)
        if not self.session.loading:
            self._notify_file_state()

    def _finish_loading(self) -> None:
        """Read the annotations put off until the transcript was on screen, and show them."""
        try:
            self.session.finish_loading()
        except TcoderError as exc:
            self.app.transcript_unreadable(self, exc)
            return
        keep_as_long_lived()
        return_free_memory()
        self.view.spans_changed()
        self._show_anchoring()
        self._update_all(now=True)
        self.mark_memos()  # passages of annotations that memos link to
        self._notify_file_state()

    def _notify_file_state(self) -> None:
        """Merge conflicts and problems found in the annotation file, once it is read."""
        problems = self.session.load_problems
        conflicts = self.session.conflicts
        if conflicts and not self.session.read_only:
            self.notify(f"{plural(len(conflicts), 'unresolved merge conflict')} in {self.session.path.name}. On each "
                        f"(marked in the details panel), {keys_for(self.app, 'conflict_keep')} keeps the version "
                        f"in place and {keys_for(self.app, 'conflict_take_other')} takes the other.",
                        title="Merge conflicts", severity="warning", timeout=15, markup=False)
        if problems:
            self.notify(f"{plural(len(problems), 'problem')} in {self.session.path.name}: "
                        f"{problems[0].message}" + (" \u2026" if len(problems) > 1 else "")
                        + " (tcoder check lists them all)", title="Annotations", severity="warning",
                        timeout=10, markup=False)

    def _post_saved(self) -> None:
        self.post_message(Saved())

    def on_screen_resume(self) -> None:
        self.mark_memos()

    def _poll_memos(self) -> None:
        """Memo files written, changed or removed elsewhere (an editor, git) update the marks."""
        from tcoder.tui.screens.memos import memo_signature, refresh_memo_paths

        if not self.is_current:
            return
        refresh_memo_paths(self.session.study)
        if memo_signature(self.session.study) != self._memo_signature:
            self.mark_memos()

    def mark_memos(self) -> None:
        """Mark the codes that memos are written about (codebook panel) and the passages (a ✎ left
        of the gutter, on each row of a passage or annotation a memo links to)."""
        from tcoder.memoset import load_memos
        from tcoder.tui.screens.memos import memo_signature, refresh_memo_paths

        panels = self.query(CodebookPanel)
        if not panels:  # the compare screen shows agreement there instead
            return
        study = self.session.study
        refresh_memo_paths(study)
        self._memo_signature = memo_signature(study)
        memos = load_memos(study)
        codes = {code for memo in memos for code in memo.targets("code")}
        panels.first().set_memo_codes(codes)
        titled = self._memo_ranges(memos)
        if titled != self._memo_titles:
            self._memo_titles = titled
            self._update_panels(self._here(), force=True, now=True)
        ranges = sorted({(s, e) for s, e, _ in titled})
        if ranges != self._memo_marks:
            self._memo_marks = ranges
            self.view.set_row_flags(self._memo_flag if ranges else None)
            for header in self.query(LaneHeader):
                header.refresh()

    def _memo_ranges(self, memos) -> list[tuple[int, int, str]]:
        """[start, end) and title of every passage of this transcript that a memo links to, directly
        or through an annotation of a coder shown here."""
        name = self.session.ref.name
        shown = {s.coder: s for s in (self.session, *self.partners)}
        out: set[tuple[int, int, str]] = set()
        for memo in memos:
            title = f"{memo.display_title} ({memo.kind}, {memo.author or 'no author'})"
            for link in memo.links:
                if (link.kind == "passage" and link.target == name and not link.orphaned
                        and link.start is not None and link.end is not None):
                    out.add((link.start, link.end, title))
                elif link.kind == "annotation" and link.transcript == name and link.coder in shown:
                    found = next((a for a in shown[link.coder].annotations if a.id == link.target), None)
                    if found is not None:
                        out.add((found.start, found.end, title))
        return sorted(out)

    def _memo_flag(self, start: int, end: int) -> tuple[str, str] | None:
        for s, e in self._memo_marks:
            if s < end and e > start:
                return ("\u270e", "memo")
            if s >= end:
                break
        return None

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self.stop_watching_codebook()
        self.session.on_saved = None
        self.session.close()
        for other in self.followed:
            other.close()

    def on_saved(self, message: Saved) -> None:
        self._show_disk_report()
        state = self.session.save_state
        if state.status == "failed":
            self.flash(state.message, problem=True)
        else:
            self._update_status()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_panel_layout()

    def _apply_panel_layout(self) -> None:
        wide = self.size.width >= PANELS_MIN_WIDTH
        shown = []
        for command, (box, _, _) in self.SIDE_PANELS.items():
            display = self._panels_user.get(command, wide)
            self.query_one(f"#{box}").display = display
            shown.append(display)
        side = self.query_one("#side")
        side.display = any(shown)
        side.styles.width = 40 if wide else max(26, self.size.width * 2 // 5)

    def _show_read_only(self) -> None:
        banner = self.query_one("#banner", Label)
        if self.session.read_only:
            banner.update(Text(inert(self.session.read_only_reason)))
            self.add_class("-read-only")
        else:
            self.remove_class("-read-only")

    def _show_anchoring(self) -> None:
        """A banner, as long as the screen is open, when the transcript changed since the file
        was written and some annotations could not be placed again (or were placed elsewhere)."""
        anchors = self.session.anchors
        orphaned = [r for r in anchors if r.status == "orphaned"]
        relocated = [r for r in anchors if r.relocated]
        if not orphaned and not relocated:
            return
        check = "tcoder check lists each one, with the reason"
        parts = [f"The transcript changed since {self.session.path.name} was written."]
        if orphaned:
            no_quote = sum(1 for r in orphaned if not r.annotation.quote)
            parts.append(f"{plural(len(orphaned), 'annotation')} could not be placed on it again"
                         + (f" ({no_quote} without a stored quote, so where they belong cannot be checked)"
                            if no_quote else "")
                         + ": they are kept, not shown, and left out of agreement and reports.")
        if relocated:
            parts.append(f"{plural(len(relocated), 'annotation', 'was')} placed elsewhere or on an edited passage: "
                         "look at them.")
        parts.append(check + ".")
        self.query_one("#anchor-banner", Label).update(Text(inert(" ".join(parts))))
        self.add_class("-orphans")

    # ------------------------------------------------------------ state shown

    def current_code(self, here: list[Annotation]) -> str | None:
        for a in here:
            if a.code in self.session.codebook.codes:
                return a.code
        return self.last_code

    def _here(self) -> list[Annotation]:
        view = self.view
        sel = view.selection
        point = sel[0] if sel else view.cursor
        here = self.session.at(point)
        if view.code_filter is not None:
            here = [a for a in here if a.code in view.code_filter]
        return here

    def _update_all(self, *, now: bool = False) -> None:
        """Status line at once; panels at once when ``now``, else once the cursor rests."""
        here = self._here()
        self._update_status(here)
        self._update_panels(here, force=True, now=now)

    def _memos_here(self) -> tuple[str, ...]:
        """The titles of the memos about the passage at the cursor (or the selection's start)."""
        view = self.view
        sel = view.selection
        point = sel[0] if sel else view.cursor
        return tuple(dict.fromkeys(title for s, e, title in self._memo_titles if s <= point < e))

    def _update_panels(self, here: list[Annotation], force: bool = False, now: bool = False) -> None:
        ids = (*(a.id for a in here), *self._memos_here())
        if not force and ids == self._here_ids:
            return
        self._here_ids = ids
        if now:
            self._show_panels()
            return
        if self._details_timer is not None:
            self._details_timer.stop()
        self._details_timer = self.set_timer(DETAILS_DELAY, self._show_panels)

    def _show_panels(self) -> None:
        self._details_timer = None
        self.fill_panels()

    def fill_panels(self) -> None:
        """Hook: show in the side panels (those on display) what is under the cursor. Here the
        codebook with this transcript's counts, and the code and annotations at the cursor."""
        session = self.session
        here = self._here()
        current = self.current_code(here)
        if self.query_one("#codebook-box").display:
            self.query_one(CodebookPanel).update_state(session.codebook, session.counts(), current,
                                                       self.view.code_filter)
        if self.query_one("#details-box").display:
            self.query_one(DetailsPanel).show(session.codebook, current, here, session.transcript, session.coder,
                                              memos=self._memos_here())

    def _update_status(self, here: list[Annotation] | None = None) -> None:
        session = self.session
        view = self.view
        here = self._here() if here is None else here
        line, col = session.transcript.line_col(view.cursor)
        # the transcript stays in view, whatever the message: a long one is cut short instead
        left = [(session.ref.name, KEEP), (session.coder, 2), (f"{line}:{col}", 6)]
        sel = view.selection
        if sel:
            left.append((f"{sel[1] - sel[0]} selected", 7))
        if time.monotonic() < self._message_until and self._message:
            left.append((self._message, 8))
        elif here:
            names = [session.codebook.display_name(a.code) for a in here]
            left.append(("here: " + ", ".join(dict.fromkeys(names)), 3))
        right = []
        if view.code_filter is not None:
            right.append(("filter on", 5))
        if session.coding_status.done:
            right.append(("done \u2713", KEEP))  # short, and what the coder just asked for
        state = session.save_state
        if session.loading:
            right.append((f"reading {session.path.name}\u2026", 9))
        elif session.read_only:
            right.append(("READ-ONLY", 9))
        elif state.status == "failed":
            right.append(("NOT SAVED", 9))
        elif state.status == "saving":
            right.append(("saving\u2026", 9))
        elif state.status == "saved" and state.at is not None:
            right.append((f"saved {state.at:%H:%M:%S}", 9))
        else:
            right.append(("no changes", 9))
        if self.partners:
            right.append(("with " + ", ".join(p.coder for p in self.partners), 6))
        right.append((f"{keys_for(self.app, 'help')} help", 4))
        status = self.query_one(StatusBar)
        status.show(left, right)
        status.set_class(state.status == "failed" or (time.monotonic() < self._message_until
                                                      and self._message_problem), "-problem")
        status.set_class(session.read_only, "-read-only")
        self.status_shown()

    def status_shown(self) -> None:
        """Hook: the status line was just drawn (after every key, save and message); a screen
        built on this one updates its own status widgets here."""

    @property
    def status_message(self) -> str:
        """The last short message shown in the status line (it stays there a few seconds, or
        until the cursor moves on)."""
        return self._message

    def flash(self, message: str, *, problem: bool = False) -> None:
        """A short message in the status line."""
        self._message = message
        self._message_problem = problem
        self._message_until = time.monotonic() + MESSAGE_SECONDS
        self._update_status()
        self.set_timer(MESSAGE_SECONDS + 0.05, self._update_status)

    def _view_moved(self, view: TranscriptView) -> None:
        changed = self.cursor_moved(view)
        if self._message and time.monotonic() > self._message_until - MESSAGE_SECONDS + MESSAGE_MIN_SECONDS:
            self._message_until = 0.0  # moving on clears a message once it has been seen
        here = self._here()
        self._update_status(here)
        self._update_panels(here, force=changed)

    def cursor_moved(self, view: TranscriptView) -> bool:
        """Hook: the cursor or selection moved, before the status line and panels follow it.
        True when what the panels show changed with it even if the annotations under the
        cursor did not (they are filled again); here never."""
        return False

    def on_codebook_panel_code_clicked(self, event: CodebookPanel.CodeClicked) -> None:
        self.last_code = event.code_id
        self.redraw(text=False, now=True)

    # ------------------------------------------------------------ codebook keys

    def code_key(self, key: str, character: str | None) -> bool:
        """Apply the code whose key was pressed; False for a key that is not a letter or
        digit (a command's). The app calls this when the key reaches it, at the same
        stage as every command's binding (see ``TcoderApp.on_key``), so that a letter
        typed after a selection key codes what that key selected."""
        ch = character
        if not ch or len(ch) != 1 or not ch.isascii() or not ch.isalnum() or "+" in key:
            return False  # not a code key (alt+g, for one, carries the character g)
        code = self.session.codebook.by_key.get(ch)
        if code is None:
            self.flash(f"no code has the key {ch!r} ({keys_for(self.app, 'help')} lists the keys)", problem=True)
            return True
        self.apply_code(code.id)
        return True

    # ------------------------------------------------------------ coding actions

    def redraw(self, span: tuple[int, int] | None = None, *, text: bool = True, now: bool = False) -> None:
        """Show a change: the transcript's rows of ``span`` (every row when None; none with
        ``text=False``, when only panels are affected), then the status line and the panels
        for what is under the cursor now (at once with ``now``, else once the cursor rests)."""
        if text:
            if span is None:
                self.view.spans_changed()
            else:
                self.view.refresh_span(*span)
        self._here_ids = None
        self._update_all(now=now)

    def _refuse(self, exc: TcoderError) -> None:
        if self.session.read_only:
            self._read_only_refusal()
        else:
            self.flash(exc.problems[0].message, problem=True)

    def apply_code(self, code_id: str) -> None:
        view = self.view
        sel = view.selection
        if sel is None:
            self._explain_selection()
            return
        try:
            result = self.apply_here(code_id, *sel)
        except SessionError as exc:
            self._refuse(exc)
            return
        self.last_code = code_id
        a = result.annotation
        name = self.session.codebook[code_id].name
        message = f"coded {name} ({plural(a.end - a.start, 'character')})"
        if result.warnings:
            message += "; " + "; ".join(result.warnings)
        self.redraw((a.start, a.end))
        self._after_save(message, problem=bool(result.warnings))

    def apply_here(self, code_id: str, start: int, end: int) -> ApplyResult:
        """Hook: code [start, end) by hand with ``code_id`` (a code key, the picker, in-vivo).
        Here it codes this coder's file."""
        return self.session.apply(code_id, start, end)

    def _explain_selection(self) -> None:
        self.flash(f"select text first: shift+arrows, '{keys_for(self.app, 'select_sentence')}' a sentence, "
                   f"'{keys_for(self.app, 'select_turn')}' a turn", problem=True)

    def _after_save(self, message: str, problem: bool = False) -> None:
        # The change is already being written on the saving thread; the screen does
        # not wait for the disk (a network home folder can be slow): the status line
        # says "saving…" now and "saved" when the file is on disk.
        state = self.session.save_state
        if state.status == "failed":
            self.flash(state.message, problem=True)
        else:
            self.flash(message + (f"; {state.message}" if state.message else ""), problem=problem)

    def action_pick_code(self) -> None:
        if self._read_only_refusal():
            return
        if self.view.selection is None:
            self._explain_selection()
            return

        def chosen(code_id: str | None) -> None:
            if code_id and code_id.startswith(NEW_CODE):
                self.new_code_form(code_id[len(NEW_CODE):], apply_to_selection=True)
            elif code_id:
                self.apply_code(code_id)

        self.app.push_screen(CodePicker(self.session.codebook, "apply", self.last_code), chosen)

    def _read_only_refusal(self) -> bool:
        if self.session.read_only:
            self.flash(self.session.read_only_short or "read-only (see the banner above)", problem=True)
            return True
        return False

    def _with_target(self, verb: str, then) -> None:
        """Run ``then(annotation)`` on the annotation under the cursor, asking which if several."""
        if self._read_only_refusal():
            return
        here = self._here()
        if not here:
            self.flash(f"no annotation under the cursor to {verb}", problem=True)
            return
        if len(here) == 1:
            then(here[0])
            return
        choices = [(a.id, annotation_label(self.session, a)) for a in here]

        def chosen(annotation_id: str | None) -> None:
            annotation = self.session.get(annotation_id) if annotation_id else None
            if annotation is not None:
                then(annotation)

        self.app.push_screen(ChoiceDialog(f"Which annotation to {verb}?", choices), chosen)

    def action_remove_annotation(self) -> None:
        def remove(a: Annotation) -> None:
            try:
                self.session.remove(a.id)
            except SessionError as exc:
                self._refuse(exc)
                return
            self.redraw((a.start, a.end))
            name = self.session.codebook.display_name(a.code)
            self._after_save(f"removed {name} ({keys_for(self.app, 'undo')} undoes)")

        self._with_target("remove", remove)

    def action_conflict_keep(self) -> None:
        self._settle_conflict(keep_other=False)

    def action_conflict_take_other(self) -> None:
        self._settle_conflict(keep_other=True)

    def _settle_conflict(self, keep_other: bool) -> None:
        if self._read_only_refusal():
            return
        here = [a for a in self._here() if CONFLICT_FIELD in a.extra]
        if not here:
            left = len(self.session.conflicts)
            self.flash(f"no merge conflict under the cursor ({left} in this file)" if left
                       else "no merge conflict in this file", problem=bool(left))
            return
        a = here[0]
        try:
            kept = self.session.resolve_conflict(a.id, keep_other=keep_other)
        except SessionError as exc:
            self._refuse(exc)
            return
        self.redraw((min(a.start, kept.start if kept else a.start), max(a.end, kept.end if kept else a.end)))
        left = len(self.session.conflicts)
        what = "deleted it" if kept is None else ("took the other version" if keep_other else "kept this version")
        self._after_save(f"merge conflict settled: {what}; {left} left ({keys_for(self.app, 'undo')} undoes)")

    def action_recode_annotation(self) -> None:
        def recode(a: Annotation) -> None:
            def chosen(code_id: str | None) -> None:
                if not code_id:
                    return
                if code_id.startswith(NEW_CODE):
                    self.new_code_form(code_id[len(NEW_CODE):], then=chosen)
                    return
                try:
                    new = self.session.recode(a.id, code_id)
                except SessionError as exc:
                    self._refuse(exc)
                    return
                self.last_code = code_id
                self.redraw((new.start, new.end))
                self._after_save(f"recoded to {self.session.codebook[code_id].name}")

            self.app.push_screen(CodePicker(self.session.codebook, "recode", a.code), chosen)

        self._with_target("recode", recode)

    def action_edit_memo(self) -> None:
        def edit(a: Annotation) -> None:
            name = self.session.codebook.display_name(a.code)

            def done(memo: str | None) -> None:
                if memo is None:
                    return
                try:
                    self.session.set_memo(a.id, memo)
                except SessionError as exc:
                    self._refuse(exc)
                    return
                self.redraw(text=False)
                self._after_save("memo saved" if memo.strip() else "memo cleared")

            self.app.push_screen(MemoDialog(f"Memo on {name}", a.memo or ""), done)

        self._with_target("write a memo on", edit)

    def action_toggle_done(self) -> None:
        """Mark the transcript done for this coder, or reopen it (one undoable step, saved at once)."""
        from tcoder.coding_status import DONE, IN_PROGRESS

        if self._read_only_refusal():
            return
        was_done = self.session.coding_status.done
        try:
            self.session.set_coding_status(IN_PROGRESS if was_done else DONE)
        except SessionError as exc:
            self._refuse(exc)
            return
        again = keys_for(self.app, "toggle_done")
        if was_done:
            message = (f"reopened: in progress, so agreement leaves your coding of it out until you mark it done "
                       f"({again})")
        else:
            message = (f"marked done: agreement, compare and reports count your coding of it ({again} reopens, "
                       f"{keys_for(self.app, 'undo')} undoes)")
        self._after_save(message)

    def action_toggle_exemplar(self) -> None:
        def toggle(a: Annotation) -> None:
            try:
                new = self.session.set_exemplar(a.id, not a.exemplar)
            except SessionError as exc:
                self._refuse(exc)
                return
            self.redraw((new.start, new.end))
            name = self.session.codebook.display_name(a.code)
            self._after_save((f"marked as an exemplar of {name}" if new.exemplar else "no longer an exemplar")
                             + f" ({keys_for(self.app, 'undo')} undoes)")

        self._with_target("mark as an exemplar", toggle)

    def action_new_memo(self) -> None:
        """A memo on what is at hand: the code here, the selection, the annotations here, the transcript."""
        from tcoder.memos import Link, annotation_link, code_link, new_memo, passage_link
        from tcoder.tui.screens.memos import MemoEditorScreen

        session = self.session
        name = session.ref.name
        options: list[tuple[str, str, list[Link]]] = []
        code = self.current_code(self._here())
        if code and code in session.codebook:
            options.append(("code", f"a memo on the code {session.codebook[code].name}", [code_link(code)]))
        sel = self.view.selection
        if sel:
            quote = " ".join(session.transcript.text[sel[0]:sel[1]].split())
            short = quote if len(quote) <= 50 else quote[:49] + "\u2026"
            options.append(("passage", f"a memo on the selected passage \u201c{short}\u201d",
                            [passage_link(name, sel[0], sel[1], session.transcript.text)]))
        here = self._here()
        if here:
            options.append(("passage", f"a memo on the {plural(len(here), 'annotation')} here",
                            [annotation_link(a.id, name, session.coder) for a in here]))
        options.append(("transcript", f"a memo on {name}", [Link("transcript", name)]))
        options.append(("journal", "a journal entry (about this transcript)", [Link("transcript", name)]))
        options.append(("project", "a project memo", []))
        choices = [(str(i), Text(inert(label))) for i, (_, label, _) in enumerate(options)]

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            kind, _, links = options[int(choice)]
            memo = new_memo(kind, author=session.coder, links=links)
            self.app.push_screen(MemoEditorScreen(session.study, memo, session.coder))

        self.app.push_screen(ChoiceDialog("Write a memo on what?", choices), chosen)

    def _history(self, undo: bool) -> None:
        if self._read_only_refusal():
            return
        if undo and self.undo_last_operation_if_latest():
            return
        try:
            step = self.session.undo() if undo else self.session.redo()
        except SessionError as exc:
            self._refuse(exc)
            return
        if step is None:
            self.flash("nothing to undo" if undo else "nothing to redo")
            return
        focus = step.focus
        if focus is not None:
            self.view.move_to(focus.start)
        self.redraw()
        self.history_stepped(step, undo)
        self._after_save(("undone: " if undo else "redone: ") + step.label)

    def history_stepped(self, step: Step, undo: bool) -> None:
        """Hook: ``step`` of this session's history was just undone (``undo``) or redone, and
        the screen redrawn."""

    def action_undo(self) -> None:
        self._history(True)

    def action_redo(self) -> None:
        self._history(False)

    # ------------------------------------------------------------ finding

    def action_search(self) -> None:
        def done(query: str | None) -> None:
            if query is None:
                return
            self.search_query = query
            count = self.view.set_search(query)
            if not query:
                self.flash("search cleared")
                return
            if not count:
                self.flash(f"not found: {query}", problem=True)
                return
            self._goto_match(True, plural(count, "match") + (" (showing the first 100,000)"
                                                                if count >= 100_000 else ""))

        self.app.push_screen(SearchDialog(self.search_query), done)

    def _goto_match(self, forward: bool, note: str = "") -> None:
        found = self.view.find_match(forward)
        if found is None:
            self.flash(f"no search yet ({keys_for(self.app, 'search')} searches)" if not self.search_query
                       else f"not found: {self.search_query}", problem=True)
            return
        start, end, wrapped = found
        self.view.select(start, end)
        self.view.scroll_cursor_visible()
        message = note or ("wrapped to the " + ("start" if forward else "end") if wrapped else "")
        if message:
            self.flash(message)

    def show_passage(self, start: int, end: int) -> None:
        """Select a passage (a search hit, a retrieved quote) and bring it to the middle of the view."""
        limit = len(self.session.transcript.text)
        start, end = max(0, min(start, limit)), max(0, min(end, limit))
        self.view.select(start, end)
        self.view.move_to(end, select=True, center=True)
        self.view.focus()

    # ------------------------------------------------------------ the apprentice's lane

    def _apprentice(self) -> CodingSession | None:
        """The apprentice's session when it is shown (``--with apprentice``)."""
        return next((p for p in self.partners if p.coder == APPRENTICE), None)

    def _open_suggestions(self) -> list[Suggestion] | None:
        apprentice = self._apprentice()
        if apprentice is None:
            self.flash("no apprentice lane: open the transcript with 'tcoder code STUDY --with apprentice' after "
                       "'tcoder suggest run'", problem=True)
            return None
        key = (id(apprentice), apprentice.revision, self.session.revision)
        cached = self._open_cache
        if cached is None or cached[0] != key:  # both files as they were: the same list (every key press)
            pending = open_suggestions(apprentice.annotations, self.session.annotations,
                                       self.session.header_field(DISMISSED_FIELD))
            cached = self._open_cache = (key, pending, {s: i for i, s in enumerate(pending)})
        return cached[1]

    def _suggestion_here(self) -> Suggestion | None:
        """The open suggestion the selection (or cursor) is on: the one shown by the last step if it
        is still open, else the least certain one under the cursor."""
        pending = self._open_suggestions()
        if pending is None:
            return None
        shown = self._shown_suggestion
        places = self._open_cache[2] if self._open_cache is not None else {}
        if shown is not None and shown in places and self.view.selection == (shown.start, shown.end):
            return shown
        point = self.view.selection[0] if self.view.selection else self.view.cursor
        here = [s for s in pending if s.start <= point < s.end]
        if not here:
            self.flash(f"no open suggestion here: {keys_for(self.app, 'next_suggestion')} goes to the next one",
                       problem=True)
            return None
        return here[0]

    def action_next_suggestion(self) -> None:
        pending = self._open_suggestions()
        if pending is None:
            return
        if not pending:
            self._shown_suggestion = None
            self.flash("no open suggestions left on this transcript: each is accepted, coded or dismissed")
            return
        current = self._shown_suggestion
        places = self._open_cache[2] if self._open_cache is not None else {}
        position = places.get(current) if current is not None else None
        index = position + 1 if position is not None else 0
        chosen = pending[index % len(pending)]
        self._shown_suggestion = chosen
        self.show_passage(chosen.start, chosen.end)
        name = self.session.codebook.display_name(chosen.code)
        self.flash(f"suggestion {index % len(pending) + 1} of {len(pending)}: {name} (score {fixed(chosen.score, 2)}); "
                   f"{keys_for(self.app, 'accept_suggestion')} accepts, {keys_for(self.app, 'dismiss_suggestion')} "
                   "dismisses")

    def action_accept_suggestion(self) -> None:
        if self._read_only_refusal():
            return
        chosen = self._suggestion_here()
        if chosen is None:
            return
        if chosen.code not in self.session.codebook:
            self.flash(f"the suggested code {chosen.code!r} is no longer in the codebook", problem=True)
            return
        try:
            result = self.session.apply(chosen.code, chosen.start, chosen.end, extra=chosen.accepted_extra())
        except SessionError as exc:
            self._refuse(exc)
            return
        self.last_code = chosen.code
        self.redraw((chosen.start, chosen.end))
        name = self.session.codebook.display_name(chosen.code)
        message = f"accepted {name} from the apprentice ({keys_for(self.app, 'undo')} undoes)"
        if result.warnings:
            message += "; " + "; ".join(result.warnings)
        self._after_save(message, problem=bool(result.warnings))

    def action_dismiss_suggestion(self) -> None:
        if self._read_only_refusal():
            return
        chosen = self._suggestion_here()
        if chosen is None:
            return
        before = self.session.header_field(DISMISSED_FIELD, ABSENT)
        after = [*(before if isinstance(before, list) else []), chosen.dismissal()]
        try:
            self.session.commit("dismiss a suggestion", [], [HeaderChange(DISMISSED_FIELD, before, after)])
        except SessionError as exc:
            self._refuse(exc)
            return
        self.redraw((chosen.start, chosen.end))
        name = self.session.codebook.display_name(chosen.code)
        self._after_save(f"dismissed the suggestion {name} ({keys_for(self.app, 'undo')} undoes)")

    def action_search_next(self) -> None:
        self._goto_match(True)

    def action_search_previous(self) -> None:
        self._goto_match(False)

    def _jump_annotation(self, forward: bool) -> None:
        view = self.view
        index = self.session.index
        codes = set(view.code_filter) if view.code_filter is not None else None
        found = index.next_after(view.cursor, codes) if forward else index.previous_before(view.cursor, codes)
        if found is None:
            self.flash("no further annotation" if forward else "no annotation before this one")
            return
        view.move_to(found.start)

    def action_next_annotation(self) -> None:
        self._jump_annotation(True)

    def action_previous_annotation(self) -> None:
        self._jump_annotation(False)

    def action_next_uncoded_turn(self) -> None:
        view = self.view
        codes = set(view.code_filter) if view.code_filter is not None else None
        offset = self.session.next_uncoded_turn(view.cursor, codes)
        if offset is None:
            skipped = sorted(self.session.uncoded_turn_selection().reasons)
            self.flash("every turn after this one has an annotation"
                       + (f" (turns of {', '.join(skipped)} are skipped)" if skipped else ""))
            return
        view.move_to(offset)

    def action_filter_code(self) -> None:
        def chosen(code_id: str | None) -> None:
            if code_id is None:
                return
            view = self.view
            if code_id == ALL_CODES:
                view.set_filter(None)
                self.flash("showing every code")
            else:
                codebook = self.session.codebook
                view.set_filter(codebook.descendants(code_id))
                self.flash(f"showing only {codebook[code_id].name}"
                           + (" and its codes" if codebook[code_id].children else ""))
                self.last_code = code_id
            self.redraw(text=False)

        # With a filter on, "show all codes" comes first and is highlighted; else the code in view.
        current = None if self.view.code_filter is not None else self.current_code(self._here())
        self.app.push_screen(CodePicker(self.session.codebook, "filter", current), chosen)

    # ------------------------------------------------------------ panels and files

    def _toggle(self, command: str) -> None:
        box = self.query_one(f"#{self.SIDE_PANELS[command][0]}")
        self._panels_user[command] = not box.display
        self._apply_panel_layout()
        self.redraw(text=False, now=True)

    def action_toggle_codebook(self) -> None:
        self._toggle("toggle_codebook")

    def action_toggle_details(self) -> None:
        self._toggle("toggle_details")

    def command_title(self, command_id: str, title: str, help_text: str) -> tuple[str, str]:
        """A command's title and help as this screen names them (its side panels)."""
        panel = self.SIDE_PANELS.get(command_id)
        return (panel[1], panel[2]) if panel else (title, help_text)

    def action_reload_codebook(self) -> None:
        study = self.session.study
        try:
            codebook = study.reload_codebook()
        except TcoderError as exc:
            self.app.push_screen(MessageDialog("The codebook has errors", exc.problems,
                                               "Still using the codebook as it was before. Fix the file and "
                                               f"reload again ({keys_for(self.app, 'reload_codebook')})."))
            return
        mapped = self.session.remap_codes()  # old ids (a rename or merge made elsewhere) under the new codes
        self.view.set_codebook(codebook)
        unknown = {a.code for a in self.session.annotations if a.code not in codebook.codes}
        self.redraw(text=False)
        message = f"codebook reloaded: {plural(len(codebook), 'code')}"
        if mapped:
            message += f"; {plural(mapped, 'annotation')} here now {verb_for(mapped, 'shows')} under their new codes (saved with your next change)"
        if unknown:
            message += f"; {plural(len(unknown), 'code')} used here {verb_for(len(unknown), 'is')} no longer in it (kept, shown as ?)"
        self.flash(message, problem=bool(unknown))

    def action_save_now(self) -> None:
        if self._read_only_refusal():
            return
        self.session.reload()
        state = self.session.save(force=True)
        self._show_disk_report()
        self.redraw()
        if state.status == "failed":
            self.flash(state.message, problem=True)
        else:
            self.flash(f"saved {self.session.path.name}" + (f"; {state.message}" if state.message else ""))

    def action_list_transcripts(self) -> None:
        from tcoder.tui.app import TcoderApp  # the app imports this screen

        if isinstance(self.app, TcoderApp):
            self.app.show_transcript_list()

    # ------------------------------------------------------------ the file on disk

    def _poll_disk(self) -> None:
        """The session's periodic check (the lock, a failed save, and files changed on
        disk when the folder cannot be watched), then what it found is shown."""
        if self.session.poll(watching=self.watching):
            self._show_read_only()
            self.redraw()
            self.notify("The other window has closed: you can code here now.", title="Writable")
            return
        self.check_codebook_on_disk()  # one stat a second; the watch usually sees it first
        if not self.watching:
            self._sync_followed(self.followed)
        self._show_disk_report()
        self._update_status()

    def on_watch_started(self, message: WatchStarted) -> None:
        self.watching = True
        self._check_files(None)  # anything saved before the watch began

    def on_watch_failed(self, message: WatchFailed) -> None:
        self.watching = False  # the one-second poll takes over

    def on_files_changed(self, message: FilesChanged) -> None:
        self._check_files(message.paths)

    def _check_files(self, paths: set[Path] | None) -> None:
        """Merge this coder's file if it changed (our own saves are recognised and
        ignored by the session) and redraw the other coders' spans that changed."""
        session = self.session
        if paths is not None:  # the same files however they were named (relative, through a symlink)
            paths = paths | {Path(os.path.realpath(p)) for p in paths}
            mine = {session.path, Path(os.path.realpath(session.path))}
            followed = [o for o in self.followed if {o.path, Path(os.path.realpath(o.path))} & paths]
        if (paths is None or mine & paths) and not session.file_changed():
            # Our own save is being written: look again once it is on disk.
            if self._recheck_timer is not None:
                self._recheck_timer.stop()
            self._recheck_timer = self.set_timer(RECHECK_SECONDS, lambda: self._check_files({session.path}))
        self._sync_followed(self.followed if paths is None else followed)
        self._show_disk_report()
        self._update_status()

    def _sync_followed(self, sessions: list[CodingSession]) -> None:
        changed = []
        for other in sessions:
            before = other.revision
            other.sync()
            report = other.take_report()
            if report is not None and report.problems:  # e.g. half-edited by hand: keep showing the last good one
                self.notify(f"{other.coder}'s file cannot be read; still showing it as it was: "
                            f"{report.problems[0]}", title=other.path.name, severity="warning", timeout=8,
                            markup=False)
            if other.revision != before:
                changed.append(other)
        if changed:
            self.followed_changed(changed)

    def followed_changed(self, sessions: list[CodingSession]) -> None:
        """Hook: the files of ``sessions`` (of :attr:`followed`) changed on disk and were read
        again. Here their spans are redrawn."""
        self.redraw()

    def _show_disk_report(self) -> None:
        """Redraw and say so when the file on disk was merged in (by the poll or by a save)."""
        report = self.session.take_report()
        if report is None:
            return
        self.redraw()
        self.notify(report.summary(), title=self.session.path.name,
                    severity="error" if report.problems else "information", timeout=8, markup=False)

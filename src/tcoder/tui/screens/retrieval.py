"""The retrieval browser: every passage of a code (or a theme, a code with its sub-codes)
across the study, for one coder, several or the consensus, each with its context,
memo and citation; recode, remove, write a memo or mark an exemplar in place.

It is also how a codebook is reviewed for consistency: sort by length or by coder,
and show only the passages one coder coded and another did not. The passages come
from :func:`tcoder.search.retrieval.retrieve`; changes go through a coding session of
the passage's file (the open coding screen's own when there is one, so one session
writes each file), and only the app's coder changes their own passages.
"""

from __future__ import annotations

from typing import Callable, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from tcoder.annotations import Annotation, autocode_query
from tcoder.errors import TcoderError
from tcoder.numbers import plural
from tcoder.search.corpus import Coded, Corpus
from tcoder.search.kwic import cut_right, flat
from tcoder.search.retrieval import SORTS, Retrieval, Retrieved, Sort, retrieve
from tcoder.session import CodingSession
from tcoder.study import CONSENSUS, Study
from tcoder.textsafe import inert_lines
from tcoder.tui.keymap import binding
from tcoder.tui.wrap import inert

#: How much text around a passage the context panel shows, either side.
CONTEXT_CHARS = 240
#: A session for (transcript, coder): the app's open coding screen's, else a new one (closed by the caller)
SessionFor = Callable[[str, str], tuple[CodingSession, bool]]


class RetrievalScreen(Screen):
    DEFAULT_CSS = """
    RetrievalScreen #retrieval-title { height: 1; width: 1fr; background: $panel; text-style: bold; padding: 0 1; }
    RetrievalScreen #retrieval-options { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    RetrievalScreen #retrieval-status { height: auto; max-height: 2; width: 1fr; padding: 0 1; }
    RetrievalScreen DataTable { height: 1fr; width: 1fr; }
    RetrievalScreen #retrieval-context { height: 9; border-top: solid $primary; padding: 0 1; overflow-y: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", priority=True),
        Binding("alt+c", "choose_code", "Code\u2026", priority=True),
        Binding("alt+x", "toggle_exact", "Sub-codes", priority=True),
        Binding("alt+w", "cycle_coders", "Coders", priority=True),
        Binding("alt+m", "cycle_missing", "Not coded by", priority=True),
        Binding("alt+o", "cycle_sort", "Sort", priority=True),
        # the coding screen's keys for the same actions (remapped with them)
        binding("recode_annotation", action="recode", show=True),
        binding("remove_annotation", action="remove", show=True),
        binding("edit_memo", action="memo", show=True),
        binding("toggle_exemplar", action="exemplar", show=True),
    ]

    def __init__(self, study: Study, coder: str | None, corpus: Corpus | None = None,
                 session_for: SessionFor | None = None, code: str | None = None) -> None:
        super().__init__()
        self.study = study
        self.coder = coder
        self.corpus = corpus or Corpus(study)
        self.session_for = session_for
        self.code = code
        self.exact = False
        self.sort: Sort = "position"
        self.coder_choice = 0  # index into coder_choices()
        self.missing_from: str | None = None
        self.result: Retrieval | None = None
        self.rows: list[Retrieved] = []
        self._filled_width: int | None = None  # the passage column's width when the rows were last drawn

    def compose(self) -> ComposeResult:
        yield Label("", id="retrieval-title")
        yield Label("", id="retrieval-options")
        yield Label("", id="retrieval-status")
        yield DataTable(id="retrieved", cursor_type="row", zebra_stripes=True)
        yield Static("", id="retrieval-context")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title in (("transcript", "Transcript"), ("line", "Line"), ("coder", "Coder"), ("speaker", "Speaker"),
                           ("marks", "\u2605 \u270e"), ("also", "Also coded by"), ("passage", "Passage")):
            table.add_column(title, key=key)
        if self.code is None:
            self.action_choose_code()
        else:
            self.refresh_passages()

    # ------------------------------------------------------------ choices

    def coder_choices(self) -> list[list[str]]:
        """Every coder but consensus together, then each coder alone (consensus included)."""
        coders = self.study.coders
        coding = [c for c in coders if c != CONSENSUS]
        choices = [coding] if len(coding) > 1 else []
        choices.extend([c] for c in coders)
        return choices or [[]]

    @property
    def coders(self) -> list[str]:
        choices = self.coder_choices()
        return choices[self.coder_choice % len(choices)]

    def action_choose_code(self) -> None:
        from tcoder.tui.screens.picker import CodePicker

        def chosen(code: str | None) -> None:
            if code and code in self.study.codebook:
                self.code = code
                # once this screen is back and laid out (the table measures its columns by its size)
                self.call_after_refresh(self.refresh_passages)
            elif self.code is None:
                self.dismiss(None)

        try:
            codebook = self.study.codebook
        except TcoderError as exc:
            self.status(str(exc.problems[0]), problem=True)
            return
        self.app.push_screen(CodePicker(codebook, "apply", current=self.code,
                                        title="Retrieve the passages of (a theme brings its sub-codes)"), chosen)

    def action_toggle_exact(self) -> None:
        self.exact = not self.exact
        self.refresh_passages()

    def action_cycle_coders(self) -> None:
        self.coder_choice = (self.coder_choice + 1) % len(self.coder_choices())
        if self.missing_from in self.coders:
            self.missing_from = None
        self.refresh_passages()

    def action_cycle_missing(self) -> None:
        others = [c for c in self.study.coders if c not in self.coders]
        options: list[str | None] = [None, *others]
        index = options.index(self.missing_from) if self.missing_from in options else 0
        self.missing_from = options[(index + 1) % len(options)]
        self.refresh_passages()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.refresh_passages()

    # ------------------------------------------------------------ listing

    def status(self, message: str, problem: bool = False) -> None:
        self.query_one("#retrieval-status", Label).update(Text(inert(message), style="bold red" if problem else ""))

    def show_again(self) -> None:
        """Shown again after coding elsewhere: list the passages as the files now hold them."""
        here = self.current()
        self.refresh_passages(keep=(here[1].coder, here[1].coded.annotation.id) if here else None)

    def refresh_passages(self, keep: tuple[str, str] | None = None) -> None:
        """Retrieve again and list; the cursor stays on ``keep`` = (coder, annotation id) if it is still there."""
        code = self.code
        if code is None:
            return
        codebook = self.study.codebook
        if code not in codebook:
            self.status(f"the code {code!r} is no longer in the codebook; choose another (alt+c)", problem=True)
            return
        name = codebook.display_name(code)
        children = "" if self.exact or not codebook[code].children else " and its sub-codes"
        self.query_one("#retrieval-title", Label).update(Text(inert(f"Passages of {name}{children}")))
        coders = self.coders
        missing = f"only those {self.missing_from} did not code" if self.missing_from else "all"
        self.query_one("#retrieval-options", Label).update(Text(inert(
            f"coders: {', '.join(coders) or 'none yet'} (alt+w) \u00b7 {missing} (alt+m) \u00b7 sort: {self.sort} (alt+o) "
            f"\u00b7 sub-codes {'left out' if self.exact else 'included'} (alt+x)")))
        if not coders:
            self.status("nobody has coded this study yet")
            return
        try:
            result = retrieve(self.study, code, coders, exact=self.exact, sort=self.sort,
                              missing_from=self.missing_from, corpus=self.corpus)
        except (TcoderError, ValueError) as exc:
            self.status(str(exc.problems[0]) if isinstance(exc, TcoderError) else str(exc), problem=True)
            return
        self.result = result
        self.rows = list(result.passages)
        self._fill(keep)

    def _fill(self, keep: tuple[str, str] | None = None) -> None:
        table = self.query_one(DataTable)
        table.clear()
        width = self._filled_width = self._passage_width()
        cursor = 0
        for i, r in enumerate(self.rows):
            table.add_row(*self._cells(r, width), key=str(i))
            if keep is not None and (r.coder, r.coded.annotation.id) == keep:
                cursor = i
        problems = self.corpus.problems
        note = f"; {plural(len(problems), 'file')} could not be read: {problems[0]}" if problems else ""
        assert self.result is not None
        self.status(self.result.summary() + note, problem=bool(problems))
        if self.rows:
            table.move_cursor(row=cursor)
            table.focus()
        self._show_context()

    def on_resize(self, event: events.Resize) -> None:
        """A wider or narrower terminal: the passages are cut again to fit it."""
        if self.rows and self._filled_width not in (None, self._passage_width()):
            here = self.current()
            self._fill_keeping(here[0] if here else 0)

    def _passage_width(self) -> int:
        # the app's size: this screen may not be laid out yet (its code chosen before it shows)
        return max(20, self.app.size.width - 62)

    def _cells(self, r: Retrieved, width: int) -> list[Text]:
        a = r.coded.annotation
        transcript = self.corpus.transcript(r.transcript)
        text = transcript.text[r.start:r.end] if transcript is not None else (a.quote or "")
        marks = ("\u2605" if a.exemplar else " ") + " " + ("\u270e" if a.memo else " ")
        also = ", ".join(r.also_coded_by) or "-"
        return [Text(inert(r.transcript.rsplit("/", 1)[-1])), Text(str(r.line), justify="right"), Text(inert(r.coder)),
                Text(cut_right(flat(r.speaker or ""), 12)), Text(marks), Text(cut_right(flat(also), 16)),
                Text(cut_right(flat(text), width))]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_context()

    def current(self) -> tuple[int, Retrieved] | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return table.cursor_row, self.rows[table.cursor_row]

    def _show_context(self) -> None:
        panel = self.query_one("#retrieval-context", Static)
        here = self.current()
        if here is None:
            panel.update("")
            return
        r = here[1]
        a = r.coded.annotation
        transcript = self.corpus.transcript(r.transcript)
        out = Text()
        out.append(inert(r.citation()), style="bold")
        code = self.study.codebook.display_name(a.code)
        out.append(inert(f"  [{code}]"), style="italic")
        if a.exemplar:
            out.append("  \u2605 exemplar", style="bold")
        query = autocode_query(a)
        if query is not None:
            out.append(inert(f"  autocoded: {query}"), style="dim")
        if a.memo:  # before the context, so it is never scrolled out of sight
            out.append("\nmemo: ", style="bold")
            out.append(inert_lines(a.memo))
        out.append("\n")
        if transcript is not None:
            text = transcript.text
            lo, hi = max(0, r.start - CONTEXT_CHARS), min(len(text), r.end + CONTEXT_CHARS)
            out.append(inert_lines(("\u2026" if lo else "") + text[lo:r.start]), style="dim")
            out.append(inert_lines(text[r.start:r.end]), style="bold reverse")
            out.append(inert_lines(text[r.end:hi] + ("\u2026" if hi < len(text) else "")), style="dim")
        panel.update(out)

    # ------------------------------------------------------------ opening and changing a passage

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        here = self.current()
        if here is None:
            return
        open_at = getattr(self.app, "open_transcript_at", None)
        if open_at is not None:
            open_at(here[1].transcript, here[1].start, here[1].end)

    def _change(self, verb: str, change: Callable[[CodingSession, Annotation], Annotation | None]) -> None:
        """Make one change to the current passage through a session of its file, then show it."""
        here = self.current()
        if here is None:
            return
        index, r = here
        if self.coder is None or r.coder != self.coder or self.session_for is None:
            self.status(f"this is {r.coder}'s passage: only {r.coder} can {verb} it (you are "
                        f"{self.coder or 'not named'})", problem=True)
            return
        try:
            session, opened = self.session_for(r.transcript, r.coder)
        except TcoderError as exc:
            self.status(str(exc.problems[0]), problem=True)
            return
        try:
            if session.read_only:
                self.status(session.read_only_reason, problem=True)
                return
            try:
                after = change(session, r.coded.annotation)
            except TcoderError as exc:
                self.status(str(exc.problems[0]), problem=True)
                return
            state = session.save()
            if state.status == "failed":
                self.status(state.message, problem=True)
        finally:
            if opened:
                session.close()
        self.corpus.forget(r.transcript, r.coder)
        if after is None or after.code not in (self.result.codes if self.result else []):
            del self.rows[index]
            self._fill_keeping(index)
            self.status(f"{verb}: {r.citation()}; it is no longer listed here")
            return
        r.coded = Coded(r.transcript, r.coder, after)
        table = self.query_one(DataTable)
        for key, cell in zip(("transcript", "line", "coder", "speaker", "marks", "also", "passage"),
                             self._cells(r, self._passage_width()), strict=True):
            table.update_cell(str(index), key, cell)
        self._show_context()
        self.status(f"{verb}: {r.citation()}")

    def _fill_keeping(self, index: int) -> None:
        table = self.query_one(DataTable)
        table.clear()
        width = self._filled_width = self._passage_width()
        for i, r in enumerate(self.rows):
            table.add_row(*self._cells(r, width), key=str(i))
        if self.rows:
            table.move_cursor(row=min(index, len(self.rows) - 1))
        self._show_context()

    def action_recode(self) -> None:
        from tcoder.tui.screens.picker import CodePicker

        here = self.current()
        if here is None:
            return

        def chosen(code: str | None) -> None:
            if code and code in self.study.codebook:
                self._change("recoded", lambda s, a: s.recode(a.id, code))

        self.app.push_screen(CodePicker(self.study.codebook, "recode", current=here[1].coded.code), chosen)

    def action_remove(self) -> None:
        from tcoder.tui.screens.dialogs import ConfirmDialog

        here = self.current()
        if here is None:
            return
        r = here[1]

        def answer(yes: bool | None) -> None:
            if yes:
                self._change("removed", lambda s, a: (s.remove(a.id), None)[1])

        self.app.push_screen(ConfirmDialog("Remove this passage?", f"{r.citation()}: remove its code "
                                           f"{self.study.codebook.display_name(r.coded.code)}?"), answer)

    def action_memo(self) -> None:
        from tcoder.tui.screens.dialogs import MemoDialog

        here = self.current()
        if here is None:
            return
        r = here[1]

        def done(memo: str | None) -> None:
            if memo is not None:
                self._change("memo saved", lambda s, a: s.set_memo(a.id, memo))

        self.app.push_screen(MemoDialog(f"Memo on {r.citation()}", r.coded.annotation.memo or ""), done)

    def action_exemplar(self) -> None:
        here = self.current()
        if here is None:
            return
        marked = not here[1].coded.annotation.exemplar
        self._change("marked as an exemplar" if marked else "no longer an exemplar",
                     lambda s, a: s.set_exemplar(a.id, marked))

    def action_close(self) -> None:
        self.dismiss(None)

"""Coding queries from the TUI: type a query, read its passages, open one in context.

The same language as ``tcoder query`` (docs/search.md#the-query-language): an error
shows the query with a caret under its place; a query can be saved by name in
tcoder.yaml (ctrl+s) and a saved one run as ``@name``. A query that is just a code
(``curriculum-advocacy``, or ``EXACT curriculum-advocacy`` without its sub-codes)
lists that code's passages across the study: with the sort key (by position,
length or coder) and ``WHERE coder = ...`` this is how a codebook is reviewed.
The query runs in a worker thread; enter on a passage opens it in the coding
screen.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label

from tcoder.errors import TcoderError
from tcoder.numbers import fixed
from tcoder.search.corpus import Corpus
from tcoder.search.kwic import cut_right, flat
from tcoder.search.query import CompiledQuery, Passage, QueryResult
from tcoder.search.query_syntax import QueryError
from tcoder.study import Study
from tcoder.tui.wrap import inert

SORTS = ("position", "length", "coder")


class QueryScreen(Screen):
    DEFAULT_CSS = """
    QueryScreen #query-title { height: 1; width: 1fr; background: $panel; text-style: bold; padding: 0 1; }
    QueryScreen Input { height: 3; }
    QueryScreen #query-saved { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    QueryScreen #query-status { height: auto; max-height: 3; width: 1fr; padding: 0 1; }
    QueryScreen DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", priority=True),
        Binding("alt+o", "cycle_sort", "Sort", priority=True),
        Binding("ctrl+s", "save", "Save as\u2026", priority=True),
        Binding("tab", "focus_next", "Next field", show=False),
    ]

    def __init__(self, study: Study, corpus: Corpus | None = None) -> None:
        super().__init__()
        self.study = study
        self.corpus = corpus or Corpus(study)
        self.result: QueryResult | None = None
        self._last_query: CompiledQuery | None = None
        self.passages: list[Passage] = []
        self.sort = "position"
        self.running = False

    def compose(self) -> ComposeResult:
        yield Label(Text(inert(f"Coding query on {self.study.root.name}")), id="query-title")
        yield Input(placeholder="e.g. institutional-resistance SAME TURN emotional-toll WHERE group = intervention",
                    id="query")
        yield Input(placeholder="name to save the query as (ctrl+s), letters, digits, - and _", id="save-name")
        yield Label("", id="query-saved")
        yield Label("", id="query-status")
        yield DataTable(id="passages", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title in (("transcript", "Transcript"), ("line", "Line"), ("coder", "Coder"),
                           ("speaker", "Speaker"), ("codes", "Codes"), ("quote", "Passage")):
            table.add_column(title, key=key)
        self._show_saved()
        self.status(Text("type a query and press enter; esc closes"))
        self.query_one("#query", Input).focus()

    def _show_saved(self) -> None:
        saved = self.study.settings.queries
        text = ("saved: " + "  ".join(f"@{n}" for n in saved)) if saved else "no saved queries yet"
        self.query_one("#query-saved", Label).update(Text(inert(text) + f"   (sort: {self.sort}, alt+o)"))

    def status(self, text: Text) -> None:
        self.query_one("#query-status", Label).update(text)

    # ------------------------------------------------------------ running

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "save-name":
            self.action_save()
        else:
            self.run_query()

    def _compile(self) -> CompiledQuery | None:
        text = self.query_one("#query", Input).value.strip()
        saved = self.study.settings.queries
        try:
            if text.startswith("@") and text[1:] in saved:
                return CompiledQuery(self.study, saved[text[1:]], saved, name=text[1:])
            return CompiledQuery(self.study, text, saved)
        except QueryError as exc:
            message = Text(inert(str(exc)), style="bold red")
            pointer = exc.pointer()
            if pointer:
                message.append("\n" + inert(pointer.splitlines()[0]) + "\n" + pointer.splitlines()[1],
                               style="red")
            self.status(message)
        except TcoderError as exc:
            self.status(Text(inert(str(exc.problems[0])), style="bold red"))
        return None

    def show_again(self) -> None:
        """Shown again after coding elsewhere: a query that was run runs again on the files as they are now."""
        if self._last_query is not None and self.result is not None and not self.running:
            self._start(self._last_query)

    def run_query(self) -> None:
        query = self._compile()
        if query is None:
            return
        self._start(query)

    def _start(self, query: CompiledQuery) -> None:
        self._last_query = query
        self.running = True
        self.status(Text("running\u2026"))
        self.query_one(DataTable).clear()
        self.worker(query)

    @work(thread=True, exclusive=True, group="coding-query")
    def worker(self, query: CompiledQuery) -> None:
        try:
            result = query.run(self.corpus)
        except TcoderError as exc:
            self.app.call_from_thread(self._failed, str(exc.problems[0]))
            return
        self.app.call_from_thread(self._show, result)

    def _failed(self, message: str) -> None:
        self.running = False
        self.status(Text(inert(message), style="bold red"))

    def _ordered(self, passages: list[Passage]) -> list[Passage]:
        names = {r.name: i for i, r in enumerate(self.study.transcripts)}
        if self.sort == "length":
            return sorted(passages, key=lambda p: (-(p.end - p.start), names.get(p.transcript, 0), p.start))
        if self.sort == "coder":
            return sorted(passages, key=lambda p: (p.coder, names.get(p.transcript, 0), p.start))
        return list(passages)

    def _show(self, result: QueryResult) -> None:
        self.running = False
        self.result = result
        self.passages = self._ordered(result.passages)
        table = self.query_one(DataTable)
        table.clear()
        codebook = self.study.codebook
        width = max(30, self.size.width - 70)
        for i, p in enumerate(self.passages):
            transcript = self.study.transcript(p.transcript)
            line, _ = transcript.line_col(p.start)
            names = ", ".join(codebook[c].name if c in codebook else c for c in p.codes)
            table.add_row(Text(inert(p.transcript.rsplit("/", 1)[-1])), Text(str(line), justify="right"),
                          Text(inert(p.coder)), Text(cut_right(flat(transcript.speaker_at(p.start) or ""), 14)),
                          Text(cut_right(flat(names), 28)),
                          Text(cut_right(flat(transcript.text[p.start:p.end]), width)), key=str(i))
        self.status(Text(inert(f"{result.query.canonical}: {result.summary()} ({fixed(result.seconds, 2)} s)")))
        if self.passages:
            table.focus()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._show_saved()
        if self.result is not None:
            self._show(self.result)

    # ------------------------------------------------------------ saving, opening, closing

    def action_save(self) -> None:
        from tcoder.search.saved import SavedQueryError, save_query
        from tcoder.settings import load_settings

        name = self.query_one("#save-name", Input).value.strip()
        text = self.query_one("#query", Input).value.strip()
        if not name:
            self.query_one("#save-name", Input).focus()
            self.status(Text("type a name for the query, then ctrl+s (or enter)"))
            return
        if self._compile() is None:
            return
        try:
            save_query(self.study.root, name, text, replace=True)
            self.study.settings.queries.update(load_settings(self.study.root).queries)
        except (SavedQueryError, QueryError) as exc:
            self.status(Text(inert(str(exc)), style="bold red"))
            return
        except TcoderError as exc:
            self.status(Text(inert(str(exc.problems[0])), style="bold red"))
            return
        self._show_saved()
        self.status(Text(inert(f"saved as @{name} in tcoder.yaml")))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        index = int(event.row_key.value or 0)
        if 0 <= index < len(self.passages):
            p = self.passages[index]
            open_at = getattr(self.app, "open_transcript_at", None)
            if open_at is not None:
                open_at(p.transcript, p.start, p.end)

    def action_close(self) -> None:
        self.dismiss(None)

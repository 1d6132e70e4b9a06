"""Search the whole study from the TUI: a pattern, its options and filters, hits in context.

The search runs in a worker thread and shows hits as each transcript is searched;
esc stops it at once (the screen stops listening; a regular expression still
running in the background ends at its time limit without holding up the screen,
because the ``regex`` module releases the interpreter while it matches). Enter on
a hit opens the transcript in the coding screen with the hit selected.

Code from results: space marks hits; alt+k asks for a code and shows the review list
(tcoder.tui.screens.autocode_review) of the marked hits, or of all of them, before
anything is coded.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label

from tcoder.errors import TcoderError
from tcoder.numbers import fixed, plural
from tcoder.search.autocode_write import Applied
from tcoder.search.corpus import Corpus
from tcoder.search.engine import FilterError, FoldCache, Hit, SearchFilters, SearchRun, TranscriptHits, run_search
from tcoder.search.kwic import concordance, cut_right, flat
from tcoder.search.pattern import CompiledPattern, Mode, PatternError, SearchPattern
from tcoder.study import Study
from tcoder.tui.wrap import inert

FILTER_HELP = ("filters: speaker=Amara participant=amara transcript=interviews/* inside=CODE outside=CODE "
               "coder=alice ATTRIBUTE=VALUE (commas: either value)")


def parse_filters(text: str) -> SearchFilters:
    """The filter line: space-separated NAME=VALUE[,VALUE] (quotes not needed; values have no spaces)."""
    fields: dict[str, list[str]] = {}
    for item in text.split():
        name, eq, value = item.partition("=")
        if not eq or not name or not value:
            raise FilterError(f"{item!r} is not NAME=VALUE; {FILTER_HELP}")
        fields.setdefault(name.strip(), []).extend(v for v in value.split(",") if v)
    known = {"speaker", "participant", "transcript", "inside", "outside", "coder"}
    return SearchFilters(transcripts=fields.pop("transcript", []), speakers=fields.pop("speaker", []),
                         participants=fields.pop("participant", []), inside=fields.pop("inside", []),
                         outside=fields.pop("outside", []), coders=fields.pop("coder", None) or None,
                         attributes={k: v for k, v in fields.items() if k not in known})


class StudySearchScreen(Screen):
    DEFAULT_CSS = """
    StudySearchScreen #search-title { height: 1; width: 1fr; background: $panel; text-style: bold; padding: 0 1; }
    StudySearchScreen Input { height: 3; }
    StudySearchScreen #search-options { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    StudySearchScreen #search-status { height: 1; width: 1fr; padding: 0 1; }
    StudySearchScreen DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop_or_close", "Stop / close", priority=True),
        # priority: the pattern field would otherwise take alt+w as a 'w'
        Binding("alt+w", "mode('word')", "Whole word", priority=True),
        Binding("alt+r", "mode('regex')", "Regex", priority=True),
        Binding("alt+c", "toggle_case", "Case", priority=True),
        Binding("alt+a", "toggle_accents", "Accents", priority=True),
        Binding("alt+l", "toggle_labels", "Labels", priority=True),
        Binding("alt+k", "code_hits", "Code hits\u2026", priority=True),
        Binding("ctrl+z", "undo_batch", "Undo batch", show=False),
        Binding("space", "mark_hit", "Mark", show=False),
        Binding("tab", "focus_next", "Next field", show=False),
    ]

    def __init__(self, study: Study, corpus: Corpus | None = None, folds: FoldCache | None = None) -> None:
        super().__init__()
        self.study = study
        self.corpus = corpus or Corpus(study)
        self.folds = folds or FoldCache()
        self.mode: Mode = "plain"
        self.match_case = False
        self.match_accents = False
        self.include_labels = False
        self.run: SearchRun | None = None
        self.hits: list[Hit] = []
        self.searching = False
        self._cancel: threading.Event | None = None
        self._generation = 0
        self.marked: set[int] = set()  # hits marked to code (indexes into self.hits)
        self.source = ""  # what was searched, as text, for an autocode batch
        self.last_batch: Applied | None = None  # the batch coded from these results, until undone

    def compose(self) -> ComposeResult:
        yield Label(Text(inert(f"Search {self.study.root.name}: every transcript")), id="search-title")
        yield Input(placeholder="what to look for (enter searches)", id="pattern")
        yield Input(placeholder=FILTER_HELP, id="filters")
        yield Label("", id="search-options")
        yield Label("", id="search-status")
        yield DataTable(id="hits", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("", key="mark")
        table.add_column("Transcript", key="transcript")
        table.add_column("Line", key="line")
        table.add_column("Speaker", key="speaker")
        table.add_column("Hit in context", key="context")
        self._show_options()
        self.status("type a pattern and press enter; esc closes")
        self.query_one("#pattern", Input).focus()

    # ------------------------------------------------------------ options

    def _show_options(self) -> None:
        kind = {"plain": "text", "word": "whole word", "regex": "regular expression"}[self.mode]
        parts = [kind, "case " + ("matched" if self.match_case else "ignored"),
                 "accents " + ("matched" if self.match_accents else "ignored"),
                 "labels " + ("searched" if self.include_labels else "skipped")]
        self.query_one("#search-options", Label).update(Text(" \u00b7 ".join(parts) + "   (tab: filters / hits)"))

    def action_mode(self, mode: str) -> None:
        self.mode = "plain" if self.mode == mode else mode  # type: ignore[assignment]
        self._show_options()

    def action_toggle_case(self) -> None:
        self.match_case = not self.match_case
        self._show_options()

    def action_toggle_accents(self) -> None:
        self.match_accents = not self.match_accents
        self._show_options()

    def action_toggle_labels(self) -> None:
        self.include_labels = not self.include_labels
        self._show_options()

    def status(self, message: str, problem: bool = False) -> None:
        self.query_one("#search-status", Label).update(Text(inert(message), style="bold red" if problem else ""))

    # ------------------------------------------------------------ searching

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.start_search()

    def start_search(self) -> None:
        text = self.query_one("#pattern", Input).value
        try:
            pattern = CompiledPattern(SearchPattern(text, self.mode, self.match_case, self.match_accents))
            filters = parse_filters(self.query_one("#filters", Input).value)
        except PatternError as exc:
            self.status(f"{exc}", problem=True)
            return
        except FilterError as exc:
            self.status(str(exc), problem=True)
            return
        filters = SearchFilters(**{**filters.__dict__, "include_labels": self.include_labels})
        self.source = "; ".join([f"search {pattern.spec.describe()}", *filters.describe()])
        self.marked = set()
        self.stop()
        self._generation += 1
        self._cancel = threading.Event()
        self.hits = []
        self.run = None
        table = self.query_one(DataTable)
        table.clear()
        self.searching = True
        self.status("searching\u2026 (esc stops)")
        self.search_worker(pattern, filters, self._cancel, self._generation)

    @work(thread=True, exclusive=True, group="study-search")
    def search_worker(self, pattern: CompiledPattern, filters: SearchFilters, cancel: threading.Event,
                      generation: int) -> None:
        def part(run: SearchRun, found: TranscriptHits) -> None:
            if not cancel.is_set():
                self.app.call_from_thread(self._show_part, generation, run, found)

        try:
            run = run_search(self.study, pattern, filters, corpus=self.corpus, folds=self.folds,
                             cancel=cancel.is_set, on_part=part)
        except FilterError as exc:
            message = str(exc)
            self.app.call_from_thread(self._failed, generation, message)
            return
        except TcoderError as exc:
            message = str(exc.problems[0])
            self.app.call_from_thread(self._failed, generation, message)
            return
        if not cancel.is_set():
            self.app.call_from_thread(self._finished, generation, run)

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.searching = False
            self.status(message, problem=True)

    def _show_part(self, generation: int, run: SearchRun, found: TranscriptHits) -> None:
        if generation != self._generation or not found.hits:
            if generation == self._generation:
                self.status(f"searching\u2026 {run.searched} of {plural(run.total, 'transcript')}, {plural(len(self.hits), 'hit')} "
                            "(esc stops)")
            return
        table = self.query_one(DataTable)
        text = self.study.transcript(found.transcript).text
        width = max(40, self.size.width - 40)
        left_width = width * 2 // 5
        for hit in found.hits:
            kwic = concordance(text, hit.start, hit.end, 80)
            left, match, right = kwic.parts(left_width, max(8, width // 5), max(8, width - left_width - width // 5))
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(left)
            line.append(match, style="reverse bold")
            line.append(right)
            table.add_row(Text(""), Text(inert(found.transcript.rsplit("/", 1)[-1])),
                          Text(str(hit.line), justify="right"), Text(cut_right(flat(hit.speaker or ""), 14)), line,
                          key=str(len(self.hits)))
            self.hits.append(hit)
        self.status(f"searching\u2026 {run.searched} of {plural(run.total, 'transcript')}, {plural(len(self.hits), 'hit')} (esc stops)")

    def _finished(self, generation: int, run: SearchRun) -> None:
        if generation != self._generation:
            return
        self.searching = False
        self.run = run
        per = ", ".join(f"{name.rsplit('/', 1)[-1]} {n}" for name, n in list(run.per_transcript.items())[:6])
        more = ", \u2026" if len(run.per_transcript) > 6 else ""
        self.status(f"{run.summary()} ({fixed(run.seconds, 2)} s)" + (f": {per}{more}" if per else ""),
                    problem=bool(run.timed_out or run.problems))
        if self.hits:
            self.query_one(DataTable).focus()

    def stop(self) -> bool:
        """Stop a running search; True if one was running."""
        if self.searching and self._cancel is not None:
            self._cancel.set()
            self._generation += 1
            self.searching = False
            self.status(f"stopped: {plural(len(self.hits), 'hit')} so far")
            return True
        return False

    def action_stop_or_close(self) -> None:
        if not self.stop():
            self.dismiss(None)

    # ------------------------------------------------------------ coding from results

    def action_mark_hit(self) -> None:
        table = self.query_one(DataTable)
        if not self.hits or not table.has_focus:
            return
        index = table.cursor_row
        if index in self.marked:
            self.marked.discard(index)
        else:
            self.marked.add(index)
        table.update_cell(str(index), "mark", Text("*" if index in self.marked else "", style="bold"))
        if index + 1 < table.row_count:
            table.move_cursor(row=index + 1)
        self.status(f"{len(self.marked):,} of {plural(len(self.hits), 'hit')} marked; alt+k codes "
                    + ("the marked ones" if self.marked else "them all"))

    def action_code_hits(self) -> None:
        """Choose a code, then review the passages the marked hits (or all) would code."""
        from tcoder.tui.screens.autocode_review import AutocodeReviewScreen
        from tcoder.tui.screens.picker import CodePicker

        if self.searching:
            self.status("wait for the search to finish (or esc to stop it), then code its hits", problem=True)
            return
        if not self.hits:
            self.status("no hits to code: search first", problem=True)
            return
        coder = getattr(self.app, "coder", None)
        apply = getattr(self.app, "apply_autocode", None)
        if not coder or apply is None:
            self.status("coding from results needs the coding app (tcoder code)", problem=True)
            return
        chosen = [self.hits[i] for i in sorted(self.marked)] or list(self.hits)
        try:
            codebook = self.study.codebook
        except TcoderError as exc:
            self.status(str(exc.problems[0]), problem=True)
            return
        what = f"{plural(len(chosen), 'marked hit')}" if self.marked \
            else f"all {plural(len(chosen), 'hit')}"

        def picked(code: str | None) -> None:
            if code and code in codebook:
                self.app.push_screen(AutocodeReviewScreen(self.study, chosen, code, coder, self.source, apply,
                                                          self.corpus), self._reviewed)

        self.app.push_screen(CodePicker(codebook, "apply", title=f"Code {what} with"), picked)

    def _reviewed(self, applied: Applied | None) -> None:
        if applied is None:
            self.status("nothing was coded")
            return
        if applied.operation is not None:
            self.last_batch = applied
        undo = "ctrl+z undoes this batch: " if applied.operation is not None else ""
        self.status(undo + applied.summary(), problem=bool(applied.left_out))

    def action_undo_batch(self) -> None:
        """Take back the batch last coded from these results, every file byte for byte, after asking."""
        from tcoder.tui.screens.dialogs import ConfirmDialog

        batch = self.last_batch
        undo = getattr(self.app, "undo_autocode", None)
        if batch is None or batch.operation is None or undo is None:
            self.status("no batch coded from these results to undo (tcoder undo --list shows the study's "
                        "operations)", problem=True)
            return
        operation = batch.operation

        def answer(yes: bool | None) -> None:
            if not yes:
                self.status("the batch stays coded")
                return
            try:
                undo(operation.id)
            except TcoderError as exc:
                self.status(str(exc.problems[0]), problem=True)
                return
            self.last_batch = None
            self.status(f"undone: {operation.label}; every file is as it was before the batch")

        self.app.push_screen(ConfirmDialog("Undo the batch?", f"Take back '{operation.label}' "
                                           f"({plural(batch.coded, 'passage')} in {plural(batch.files, 'file')})? "
                                           "Every file goes back to what it was before the batch."), answer)

    # ------------------------------------------------------------ opening a hit

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        index = int(event.row_key.value or 0)
        if 0 <= index < len(self.hits):
            hit = self.hits[index]
            open_at = getattr(self.app, "open_transcript_at", None)
            if open_at is not None:
                open_at(hit.transcript, hit.start, hit.end)


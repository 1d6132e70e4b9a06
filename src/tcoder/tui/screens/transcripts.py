"""The list of a study's transcripts: name, length, turns, my annotations, who has coded it.

Names show at once; the other columns are filled by a worker thread that reads
each transcript and annotation file, so a large study opens without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label
from textual.widgets.data_table import ColumnKey

from tcoder.annotations import read_annotations
from tcoder.coding_status import FileStatus, file_status, state_label, status_of_file
from tcoder.errors import TcoderError
from tcoder.numbers import plural
from tcoder.study import CONSENSUS, Study, TranscriptRef
from tcoder.tui.wrap import inert

PENDING = "\u2026"
STATUS_SHOWN = {"no file": "\u00b7"}
STATUS_STYLE = {"done": "green", "in progress": "yellow", "unmarked": "dim"}


@dataclass(slots=True)
class TranscriptStats:
    words: int | None = None
    turns: int | None = None
    mine: int | None = None
    coders: tuple[str, ...] = ()
    done: frozenset[str] = frozenset()  # coders who marked the transcript done
    status: str = "no file"  # my coding status: done, in progress, unmarked, no file
    problem: str = ""
    mine_problem: str = ""  # why my file cannot be read (what opening it would say)
    memos: int = 0  # memos and journal entries about the transcript (or passages in it)


def transcript_stats(study: Study, ref: TranscriptRef, coder: str) -> TranscriptStats:
    stats = TranscriptStats()
    coders = set(study.coders_of(ref))
    mine_path = ref.annotation_path(coder)
    statuses: dict[str, FileStatus | None] = {}
    if mine_path.exists():
        coders.add(coder)
        try:  # read as everything reads it: a file no command would take shows as such
            mine = read_annotations(mine_path)
            stats.mine, statuses[coder] = len(mine.annotations), file_status(mine)
        except TcoderError as exc:
            stats.mine, stats.mine_problem = None, exc.problems[0].message
    else:
        stats.mine = 0
    stats.coders = tuple(sorted(coders, key=lambda c: (c == CONSENSUS, c)))
    for other in stats.coders:
        if other not in statuses:  # others' files: their headers only
            statuses[other] = status_of_file(ref.annotation_path(other))
    stats.done = frozenset(c for c, s in statuses.items() if s is not None and s.done)
    stats.status = state_label(statuses.get(coder))
    try:
        transcript = study.transcript(ref)
        stats.words = transcript.word_count
        stats.turns = len(transcript.turns)
    except TcoderError as exc:
        stats.problem = exc.problems[0].message
    return stats


class TranscriptListScreen(Screen):
    DEFAULT_CSS = """
    TranscriptListScreen #list-title { height: 1; width: 1fr; background: $panel; text-style: bold;
                                       padding: 0 1; }
    TranscriptListScreen #list-hint { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    TranscriptListScreen DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, study: Study, coder: str, open_transcript: Callable[[TranscriptRef], object],
                 purpose: str = "for coding") -> None:
        """``open_transcript`` is called with the transcript chosen (enter)."""
        super().__init__()
        self.study = study
        self.coder = coder
        self.open_transcript = open_transcript
        self.purpose = purpose  # what enter does, for the hint line
        self.stats: dict[str, TranscriptStats] = {}

    def compose(self) -> ComposeResult:
        try:
            title = self.study.codebook.title
        except TcoderError:
            title = ""
        heading = f"{self.study.root.name}" + (f" \u00b7 {title}" if title else "") + f" \u00b7 coder {self.coder}"
        yield Label(Text(inert(heading)), id="list-title")
        unread = [p for p in self.study.problems if p.severity == "error"]
        missing = (f" \u00b7 {plural(len(unread), 'file or folder')} could not be read (tcoder check lists them)"
                   if unread else "")
        yield Label(f"{plural(len(self.study.transcripts), 'transcript')}{missing} \u00b7 enter opens one {self.purpose}",
                    id="list-hint")
        yield DataTable(id="transcripts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Transcript", key="name")
        table.add_column("Words", key="words")
        table.add_column("Turns", key="turns")
        table.add_column("Mine", key="mine")
        table.add_column("My status", key="status")
        table.add_column("Coded by (\u2713 done)", key="coders")
        table.add_column("Memos", key="memos")
        for ref in self.study.transcripts:
            table.add_row(Text(inert(ref.name)), PENDING, PENDING, PENDING, PENDING, PENDING, PENDING, key=ref.name)
        table.focus()
        self.load_stats()

    @work(thread=True, exclusive=True, group="transcript-stats")
    def load_stats(self, only: str | None = None) -> None:
        from tcoder.memoset import load_memos
        from tcoder.tui.screens.memos import refresh_memo_paths

        refresh_memo_paths(self.study)
        memos = load_memos(self.study)
        for ref in self.study.transcripts:
            if only is not None and ref.name != only:
                continue
            stats = transcript_stats(self.study, ref, self.coder)
            stats.memos = len(memos.linked_to("transcript", ref.name))
            self.app.call_from_thread(self._show_stats, ref.name, stats)

    def _show_stats(self, name: str, stats: TranscriptStats) -> None:
        self.stats[name] = stats
        table = self.query_one(DataTable)

        def cell(column: str, value: Text | str) -> None:
            # Widen a column only for a value wider than it: asking Textual to fit every
            # value re-measures the whole column whenever one is narrower, which made
            # filling a list of 3,200 transcripts take minutes.
            width = value.cell_len if isinstance(value, Text) else cell_len(value)
            wider = width > table.columns[ColumnKey(column)].content_width
            table.update_cell(name, column, value, update_width=wider)

        if stats.problem:
            cell("words", Text("unreadable", style="bold red"))
            cell("turns", "")
        else:
            cell("words", Text(f"{stats.words:,}", justify="right"))
            cell("turns", Text(f"{stats.turns:,}", justify="right"))
        if stats.mine_problem:
            cell("mine", Text("unreadable", style="bold red"))
        else:
            cell("mine", Text("?" if stats.mine is None else f"{stats.mine:,}", justify="right"))
        cell("status", Text(STATUS_SHOWN.get(stats.status, stats.status), style=STATUS_STYLE.get(stats.status, "")))
        coders = Text()
        for i, coder in enumerate(stats.coders):
            coders.append(", " if i else "")
            coders.append(inert(coder))
            if coder in stats.done:
                coders.append(" \u2713", style="green")
        cell("coders", coders if stats.coders else Text("\u2014"))
        cell("memos", Text(f"{stats.memos:,}" if stats.memos else "\u00b7", justify="right"))

    def refresh_transcript(self, name: str) -> None:
        """Recount one row (after coding it)."""
        self.load_stats(only=name)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        name = event.row_key.value
        ref = next((r for r in self.study.transcripts if r.name == name), None)
        if ref is not None:
            self.open_transcript(ref)

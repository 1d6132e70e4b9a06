"""The matrix screen: codes (or themes) by transcripts, participants or attribute values,
each cell shaded by its count, and the quotes behind the cell under the cursor.

The same matrix as ``tcoder matrix`` (tcoder.search.matrix), built in a worker thread.
Coders are never pooled silently: the screen starts with the consensus when the study
has it, else the only coder, else this app's coder; alt+w goes through each coder
alone and then all of them pooled, and the line under the title always names them.
enter on a cell moves to its passages; enter on a passage opens it in the coding screen.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from tcoder.errors import TcoderError
from tcoder.numbers import plural
from tcoder.search.corpus import Coded, Corpus
from tcoder.search.kwic import cut_right, flat
from tcoder.search.matrix import MEASURES, Matrix, MatrixError, Measure, build_matrix
from tcoder.study import CONSENSUS, Study
from tcoder.tui.wrap import inert

ROW_KINDS = ("codes", "themes")


def coder_choices(study: Study, me: str | None = None) -> list[list[str]]:
    """The coders a matrix can rest on, the default first: the consensus, or the only
    coder, or this app's coder; then each other coder alone; then every coder but the
    consensus pooled (said so on the screen)."""
    every = study.coders
    if not every:
        return [[]]
    first = CONSENSUS if CONSENSUS in every else me if me in every else every[0]
    choices = [[first], *([c] for c in every if c != first)]
    coding = [c for c in every if c != CONSENSUS]
    if len(coding) > 1:
        choices.append(coding)
    return choices


def shade(value: int, top: int) -> str:
    """A background that deepens with the value (a heat map readable in 16 colours too)."""
    if value <= 0 or top <= 0:
        return ""
    level = min(4, 1 + (4 * value - 1) // top)
    return ["", "on #1d3a57", "on #28537d", "on #3470a8", "on #4a8fd4"][level]


class MatrixScreen(Screen):
    DEFAULT_CSS = """
    MatrixScreen #matrix-title { height: 1; width: 1fr; background: $panel; text-style: bold; padding: 0 1; }
    MatrixScreen #matrix-options { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    MatrixScreen #matrix-notes { height: auto; max-height: 3; width: 1fr; padding: 0 1; }
    MatrixScreen #matrix { height: 2fr; }
    MatrixScreen #cell-passages { height: 1fr; border-top: solid $primary; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", priority=True),
        Binding("alt+r", "cycle_rows", "Codes/themes", priority=True),
        Binding("alt+l", "cycle_columns", "Columns", priority=True),
        Binding("alt+m", "cycle_measure", "Measure", priority=True),
        Binding("alt+w", "cycle_coders", "Coders", priority=True),
        Binding("tab", "focus_next", "Matrix / passages", show=False),
    ]

    def __init__(self, study: Study, coder: str | None = None, corpus: Corpus | None = None) -> None:
        super().__init__()
        self.study = study
        self.me = coder
        self.corpus = corpus or Corpus(study)
        self.rows: str = "codes"
        self.columns = "transcripts"
        self.measure: Measure = "passages"
        self.coder_choice = 0
        self.matrix: Matrix | None = None
        self.cell_items: list[Coded] = []
        self.building = False
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Label("", id="matrix-title")
        yield Label("", id="matrix-options")
        yield Label("", id="matrix-notes")
        yield DataTable(id="matrix", cursor_type="cell")
        yield DataTable(id="cell-passages", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        passages = self.query_one("#cell-passages", DataTable)
        for key, title in (("transcript", "Transcript"), ("line", "Line"), ("coder", "Coder"), ("speaker", "Speaker"),
                           ("passage", "Passage")):
            passages.add_column(title, key=key)
        self.rebuild()

    # ------------------------------------------------------------ choices

    def column_choices(self) -> list[str]:
        out = ["transcripts"]
        if self.study.participants.defined:
            out.append("participants")
        for name in [*self.study.participants.columns, *self.study.attributes.columns]:
            if name not in out:
                out.append(name)
        return out

    @property
    def coders(self) -> list[str]:
        choices = coder_choices(self.study, self.me)
        return choices[self.coder_choice % len(choices)]

    def action_cycle_rows(self) -> None:
        self.rows = ROW_KINDS[(ROW_KINDS.index(self.rows) + 1) % len(ROW_KINDS)]
        self.rebuild()

    def action_cycle_columns(self) -> None:
        choices = self.column_choices()
        index = choices.index(self.columns) if self.columns in choices else -1
        self.columns = choices[(index + 1) % len(choices)]
        self.rebuild()

    def action_cycle_measure(self) -> None:
        self.measure = MEASURES[(MEASURES.index(self.measure) + 1) % len(MEASURES)]
        self.rebuild()

    def action_cycle_coders(self) -> None:
        self.coder_choice = (self.coder_choice + 1) % len(coder_choices(self.study, self.me))
        self.rebuild()

    # ------------------------------------------------------------ building

    def _describe_choices(self) -> None:
        coders = self.coders
        who = (f"{', '.join(coders)} pooled" if len(coders) > 1 else coders[0] if coders else "nobody yet")
        column = self.columns if self.columns in ("transcripts", "participants") else f"values of {self.columns}"
        self.query_one("#matrix-title", Label).update(Text(inert(
            f"Matrix: {self.rows} x {column}, counting {self.measure}")))
        self.query_one("#matrix-options", Label).update(Text(inert(
            f"rows {self.rows} (alt+r) \u00b7 columns {self.columns} (alt+l) \u00b7 {self.measure} (alt+m) "
            f"\u00b7 coders: {who} (alt+w)")))

    def notes(self, text: str, problem: bool = False) -> None:
        self.query_one("#matrix-notes", Label).update(Text(inert(text), style="bold red" if problem else ""))

    def show_again(self) -> None:
        """Shown again after coding elsewhere: count again from the files as they are now."""
        self.rebuild()

    def rebuild(self) -> None:
        self._describe_choices()
        if not self.coders:
            self.notes("nobody has coded this study yet")
            return
        self._generation += 1
        self.building = True
        self.notes("counting\u2026")
        self.builder(self._generation, self.rows, self.columns, self.measure, list(self.coders))

    @work(thread=True, exclusive=True, group="matrix")
    def builder(self, generation: int, rows: str, columns: str, measure: Measure, coders: list[str]) -> None:
        try:
            matrix = build_matrix(self.study, self.corpus, coders=coders, rows=rows,  # type: ignore[arg-type]
                                  columns=columns, measure=measure)
        except (MatrixError, TcoderError) as exc:
            message = str(exc.problems[0]) if isinstance(exc, TcoderError) else str(exc)
            self.app.call_from_thread(self._failed, generation, message)
            return
        self.app.call_from_thread(self._show, generation, matrix)

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.building = False
            # the last matrix's counts must not stand under the title of this one
            self.matrix = None
            self.query_one("#matrix", DataTable).clear(columns=True)
            self._show_cell()
            self.notes(message, problem=True)

    def _show(self, generation: int, matrix: Matrix) -> None:
        if generation != self._generation:
            return
        self.building = False
        self.matrix = matrix
        table = self.query_one("#matrix", DataTable)
        table.clear(columns=True)
        table.add_column("", key="__row__")
        # transcripts by file name, attribute values by the value (the title names the attribute)
        short = ([label.rsplit("/", 1)[-1] for label in matrix.column_labels] if matrix.column_kind == "transcripts"
                 else matrix.column_names())
        # keyed by place: a column's name may be anything a user wrote, even "__row__"
        for number, label in enumerate(short):
            table.add_column(Text(inert(cut_right(flat(label), 16))), key=f"column {number}")
        values = matrix.table()
        top = max((v for row in values for v in row), default=0)
        for row_id, label, row in zip(matrix.rows, matrix.row_labels, values, strict=True):
            cells = [Text(inert(cut_right(label.rstrip(), 30)), no_wrap=True)]
            cells.extend(Text(str(v) if v else "\u00b7", justify="right", style=shade(v, top)) for v in row)
            table.add_row(*cells, key=row_id)
        notes = " ".join(matrix.describe()[1:])
        problems = self.corpus.problems
        if problems:
            notes += f" {plural(len(problems), 'file')} could not be read: {problems[0]}"
        self.notes(notes, problem=bool(problems))
        if matrix.rows and matrix.columns:
            table.move_cursor(row=0, column=1)
        table.focus()
        self._show_cell()

    # ------------------------------------------------------------ a cell's passages

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        if event.data_table.id == "matrix":
            self._show_cell()

    def current_cell(self) -> tuple[str, str] | None:
        matrix = self.matrix
        if matrix is None or not matrix.rows or not matrix.columns:
            return None
        table = self.query_one("#matrix", DataTable)
        row, column = table.cursor_coordinate
        if column < 1 or row >= len(matrix.rows) or column - 1 >= len(matrix.columns):
            return None
        return matrix.rows[row], matrix.columns[column - 1]

    def _show_cell(self) -> None:
        passages = self.query_one("#cell-passages", DataTable)
        passages.clear()
        self.cell_items = []
        where = self.current_cell()
        if where is None or self.matrix is None:
            return
        cell = self.matrix.cell(*where)
        width = max(20, self.size.width - 50)
        for i, item in enumerate(cell.items):
            transcript = self.corpus.transcript(item.transcript)
            if transcript is None:
                continue
            line, _ = transcript.line_col(item.start)
            passages.add_row(Text(inert(item.transcript.rsplit("/", 1)[-1])), Text(str(line), justify="right"),
                             Text(inert(item.coder)), Text(cut_right(flat(transcript.speaker_at(item.start) or ""), 12)),
                             Text(cut_right(flat(transcript.text[item.start:item.end]), width)), key=str(i))
            self.cell_items.append(item)
        self.refresh_bindings()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        if event.data_table.id == "matrix" and self.cell_items:
            self.query_one("#cell-passages", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "cell-passages":
            return
        index = int(event.row_key.value or 0)
        if 0 <= index < len(self.cell_items):
            item = self.cell_items[index]
            open_at = getattr(self.app, "open_transcript_at", None)
            if open_at is not None:
                open_at(item.transcript, item.start, item.end)

    def action_close(self) -> None:
        if self.query_one("#cell-passages", DataTable).has_focus:
            self.query_one("#matrix", DataTable).focus()  # back to the matrix first
            return
        self.dismiss(None)

"""Report output: a Rich table, CSV, Markdown or a self-contained HTML page.

Transcript text is data, never markup: HTML escapes it, Markdown backslash-escapes
whatever would break a table or be read as formatting, and the Rich table shows
cells as plain ``Text`` (markup and highlighting off).

Nor does it drive the terminal: the table (title, heads, cells, notes) always shows
control characters as visible glyphs (:func:`tcoder.textsafe.inert`), and CSV,
Markdown or HTML go through :func:`tcoder.textsafe.for_stream`, so a terminal sees
glyphs while a file or a pipe gets the data exactly.
"""

from __future__ import annotations

import html
import io
import math
import shutil
import sys
from typing import TYPE_CHECKING, Iterable, Iterator

from tcoder.outputs import write_output  # noqa: F401 - re-exported
from tcoder.reports.columns import Columns
from tcoder.reports.markup import html_notes, html_page, md_block, md_cell, md_escape  # noqa: F401 - re-exported
from tcoder.reports.markup import plain as _plain

if TYPE_CHECKING:  # imported where a frame is drawn: a table of plain Columns needs no pandas
    import pandas as pd

FORMATS = ("table", "csv", "json", "md", "html")

def cell(value: object, decimals: int | None = None) -> str:
    """A value as shown: '' for missing, floats compactly or with ``decimals`` places."""
    if decimals is not None and isinstance(value, float) and not math.isnan(value):
        return f"{value:.{decimals}f}"
    return _plain(value)


def _heads(frame: pd.DataFrame | Columns) -> tuple[list[str], list[bool]]:
    """The table's column names, and which columns hold numbers."""
    if isinstance(frame, Columns):
        return list(frame.names), list(frame.numeric)
    import pandas as pd

    return [str(c) for c in frame.columns], [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]


def _rows(frame: pd.DataFrame | Columns) -> Iterator[tuple]:
    return frame.rows() if isinstance(frame, Columns) else frame.itertuples(index=False)


def _column(frame: pd.DataFrame | Columns, i: int) -> Iterable:
    return frame.values[i] if isinstance(frame, Columns) else frame.iloc[:, i]


def _decimals(frame: pd.DataFrame | Columns, decimals: dict[str, int] | None) -> list[int | None]:
    return [(decimals or {}).get(c) for c in _heads(frame)[0]]


def md_table(frame: pd.DataFrame | Columns, decimals: dict[str, int] | None = None) -> str:
    columns, numeric = _heads(frame)
    places = _decimals(frame, decimals)
    out = ["| " + " | ".join(md_cell(c) for c in columns) + " |",
           "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for row in _rows(frame):
        out.append("| " + " | ".join(md_cell(cell(v, d)) for v, d in zip(row, places, strict=True)) + " |")
    return "\n".join(out) + "\n"


def html_table(frame: pd.DataFrame | Columns, classes: str = "", decimals: dict[str, int] | None = None) -> str:
    columns, numeric = _heads(frame)
    places = _decimals(frame, decimals)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in _rows(frame):
        cells = "".join(f'<td class="num">{html.escape(cell(v, d))}</td>' if n
                        else f"<td>{html.escape(cell(v, d))}</td>" for v, n, d in zip(row, numeric, places, strict=True))
        body.append(f"<tr>{cells}</tr>")
    cls = f' class="{html.escape(classes)}"' if classes else ""
    return f"<table{cls}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n"


#: Rows drawn at a time by :func:`rich_table_chunks` (Rich keeps every row of a table it draws).
TABLE_CHUNK = 400


def rich_table_text(frame: pd.DataFrame | Columns, title: str | None = None, width: int | None = None,
                    decimals: dict[str, int] | None = None) -> str:
    """The frame as a Rich table, rendered to text. Title, heads and cells are ``Text`` objects
    (no markup, no highlighting) with control characters shown as glyphs."""
    return "".join(rich_table_chunks(frame, title, width, decimals))


def rich_table_chunks(frame: pd.DataFrame | Columns, title: str | None = None, width: int | None = None,
                      decimals: dict[str, int] | None = None, chunk: int = TABLE_CHUNK) -> Iterator[str]:
    """:func:`rich_table_text` piece by piece: the same text, drawn :data:`TABLE_CHUNK` rows at
    a time, so a long table starts showing at once and never holds every row's drawing.

    Rich sizes columns from every cell; here each column's widest line and longest word are
    measured as Rich measures a ``Text`` (what its widths depend on), the widths are computed
    once by Rich from a stand-in table with those measurements, and each chunk is drawn with
    them: the first with the title and heads, the others without, and the edges between
    chunks left out."""
    from rich.text import Text

    from tcoder.textsafe import inert, inert_lines

    places = _decimals(frame, decimals)
    width = width or _width()
    names, numeric = _heads(frame)
    heads = [Text(inert_lines(name)) for name in names]
    justify = ["right" if n else "left" for n in numeric]
    columns = [[inert(cell(v, d)) for v in _column(frame, i)] for i, d in enumerate(places)]
    rows = len(frame)
    if rows <= min(chunk, 2):
        yield _draw(heads, justify, title, [[Text(c[r]) for c in columns] for r in range(rows)], width)
        return

    measured = [measure_column(texts) for texts in columns]
    widths = measured_widths(heads, justify, title, measured, width)
    for first in range(0, rows, chunk):
        last = min(rows, first + chunk)
        yield draw_rows(heads, justify, title, [[c[r] for c in columns] for r in range(first, last)], width, widths,
                        first=first == 0, last=last == rows)


def measure_column(texts: Iterable[str]) -> tuple[int, int]:
    """(longest word, widest line) of a column's cells, as rich.text.Text.__rich_measure__ measures
    each (a column's widths depend on nothing else); the measures of parts of a column combine by max."""
    from rich.cells import cell_len

    widest = longest = 0
    for text in texts:
        if text.isascii() and text.isprintable():  # one line, one cell per character
            widest = max(widest, len(text))
            longest = max(longest, max(map(len, text.split()), default=len(text)))
            continue
        lines = text.splitlines()
        line_max = max(cell_len(line) for line in lines) if lines else 0
        words = text.split()
        word_max = max(cell_len(word) for word in words) if words else line_max
        widest, longest = max(widest, line_max), max(longest, word_max)
    return longest, widest


def measured_widths(heads: list, justify: list[str], title: str | None, measured: list[tuple[int, int]],
                    width: int) -> list[int]:
    """The column widths Rich gives a table whose columns measure ``measured`` (from a stand-in table)."""
    from rich.text import Text

    stand_in = [[Text("x" * low) for low, _ in measured], [Text(("x " * high)[:high]) for _, high in measured]]
    return _measured_widths(heads, justify, title, stand_in, width)


def draw_rows(heads: list, justify: list[str], title: str | None, body: list[list[str]], width: int,
              widths: list[int], first: bool, last: bool) -> str:
    """Some rows of a long table, drawn with its widths: the first with the title and heads, the
    edges between pieces left out, so the pieces put together are the whole table's text."""
    from rich.text import Text

    if len(body) > 2:
        fast = _plain_rows(heads, justify, title, body, width, widths)
        if fast is not None:
            return (draw_rows(heads, justify, title, body[:1], width, widths, first, last=False) + fast
                    + draw_rows(heads, justify, title, body[-1:], width, widths, first=False, last=last))
    text = _draw(heads, justify, title if first else None, [[Text(c) for c in row] for row in body], width, widths,
                 show_header=first)
    lines = text.split("\n")  # ends with "" after the last newline
    if not first:
        lines = lines[1:]  # the top edge
    if not last:
        lines = lines[:-2] + [""]  # the bottom edge
    return "\n".join(lines)


def _plain_rows(heads: list, justify: list[str], title: str | None, body: list[list[str]], width: int,
                widths: list[int]) -> str | None:
    """The rows between the first and the last, each on one line: a row whose cells are printable
    ASCII that fits its column is laid out here as Rich lays it out (a space each side, the text
    to its side, a bar between cells), runs of the others drawn by Rich. The first row laid out
    here is drawn by Rich too and compared; None (draw them all with Rich) if the two differ, or
    if most rows need Rich anyway."""
    inner = [w - 2 for w in widths]
    right = [side == "right" for side in justify]
    lines: list[str | None] = []
    for row in body[1:-1]:
        plain = all(cell.isascii() and cell.isprintable() and len(cell) <= room and not (r and cell.endswith(" "))
                    for cell, room, r in zip(row, inner, right, strict=True))
        lines.append("\u2502" + "\u2502".join(f" {cell.rjust(room) if r else cell.ljust(room)} " for cell, room, r
                                             in zip(row, inner, right, strict=True)) + "\u2502\n" if plain else None)
    laid = [i for i, line in enumerate(lines) if line is not None]
    if 2 * len(laid) < len(lines):
        return None
    if laid and draw_rows(heads, justify, title, [body[1 + laid[0]]], width, widths, False, False) != lines[laid[0]]:
        return None
    out: list[str] = []
    waiting: list[list[str]] = []  # a run of rows for Rich
    for row, line in zip(body[1:-1], lines, strict=True):
        if line is None:
            waiting.append(row)
            continue
        if waiting:
            out.append(draw_rows(heads, justify, title, waiting, width, widths, first=False, last=False))
            waiting = []
        out.append(line)
    if waiting:
        out.append(draw_rows(heads, justify, title, waiting, width, widths, first=False, last=False))
    return "".join(out)


def _fixed_widths_table():
    """A Rich table class whose column widths, once computed (or given), are kept."""
    from rich.table import Table

    class FixedWidths(Table):
        widths: list[int] | None = None

        def _calculate_column_widths(self, console, options):
            if self.widths is None:
                self.widths = super()._calculate_column_widths(console, options)
            return self.widths

    return FixedWidths


def _draw(heads: list, justify: list[str], title: str | None, body: list[list], width: int,
          widths: list[int] | None = None, show_header: bool = True) -> str:
    """Draw a table (with ``widths`` as its column widths, when given) and return its text."""
    table = _fill(heads, justify, title, body, show_header)
    table.widths = widths
    buffer = io.StringIO()
    _console(width, buffer).print(table)
    return buffer.getvalue()


def _measured_widths(heads: list, justify: list[str], title: str | None, body: list[list], width: int) -> list[int]:
    """The column widths Rich gives a table of ``body`` rows at ``width``."""
    table = _fill(heads, justify, title, body)
    _console(width, io.StringIO()).print(table)
    assert table.widths is not None
    return table.widths


def _fill(heads: list, justify: list[str], title: str | None, body: list[list], show_header: bool = True):
    from rich.text import Text

    from tcoder.textsafe import inert

    table = _fixed_widths_table()(title=Text(inert(title)) if title else None, show_lines=False,
                                  show_header=show_header)
    for head, side in zip(heads, justify, strict=True):
        # a head may break into lines on purpose ("alice\nn"); nothing else may act on the terminal
        table.add_column(head, justify=side, overflow="fold")
    for row in body:
        table.add_row(*row)
    return table


def _console(width: int, buffer: io.StringIO):
    from rich.console import Console

    return Console(file=buffer, width=width, markup=False, highlight=False, emoji=False, color_system=None,
                   force_terminal=False)


class TextStream:
    """A long report's text as it is drawn (``pieces``, then ``tail``): written piece by piece,
    so it starts showing at once; ``page``: through the user's pager on a terminal."""

    def __init__(self, pieces: Iterable[str], tail: str = "", page: bool = False) -> None:
        self.pieces, self.tail, self.page = pieces, tail, page

    def __iter__(self) -> Iterator[str]:
        yield from self.pieces
        if self.tail:
            yield self.tail

    def text(self) -> str:
        return "".join(self)


def write_stream(stream: TextStream, path: str | None) -> None:
    """To -o FILE (atomically, as :func:`write_output`), or to standard output as it is drawn:
    through the pager (``$PAGER``, else ``less``) when standard output is a terminal and the
    stream asks for it, so the first page shows at once and quitting the pager stops the drawing."""
    from tcoder.textsafe import for_stream, is_terminal

    if path and str(path) != "-":
        write_output(stream.text(), path)
        return
    if stream.page and is_terminal(sys.stdout) and _page(stream):
        return
    for piece in stream:
        sys.stdout.write(for_stream(piece, sys.stdout))
        sys.stdout.flush()


def _page(stream: TextStream) -> bool:
    """Pipe the stream through the pager; False when there is none to run."""
    import os
    import shlex
    import signal
    import subprocess

    from tcoder.textsafe import inert_lines

    command = shlex.split(os.environ.get("PAGER") or "less")
    if not command or command[0] == "cat" or shutil.which(command[0]) is None:
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # leave at once when it fits one screen; keep the screen on quitting
    try:
        pager = subprocess.Popen(command, stdin=subprocess.PIPE, env=env, text=True, encoding="utf-8",
                                 errors="replace")
    except OSError:
        return False
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c belongs to the pager now
    try:
        assert pager.stdin is not None
        for piece in stream:
            pager.stdin.write(inert_lines(piece))
        pager.stdin.close()
    except (BrokenPipeError, OSError):
        pass  # the pager was quit: nothing more to draw
    finally:
        try:
            if pager.stdin is not None:
                pager.stdin.close()
        except OSError:
            pass
        pager.wait()
        signal.signal(signal.SIGINT, previous)
    return True


def _width() -> int:
    if not sys.stdout.isatty():  # a file or a pipe: wide enough that columns need not wrap
        return 160
    return max(80, shutil.get_terminal_size((120, 24)).columns)


def table_notes(notes: Iterable[str]) -> str:
    """Notes under a terminal table, one per line, control characters as glyphs."""
    from tcoder.textsafe import inert

    return "".join(f"{inert(n)}\n" for n in notes)


def render_frame(frame: pd.DataFrame | Columns, fmt: str, title: str, notes: Iterable[str] = (),
                 decimals: dict[str, int] | None = None) -> str:
    """``decimals``: column -> places for the table, Markdown and HTML (CSV keeps full precision)."""
    notes = list(notes)
    if fmt == "csv":
        return frame.csv() if isinstance(frame, Columns) else frame.to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        return json_text(frame, title, notes)
    if fmt == "md":
        text = f"# {md_escape(title)}\n\n" + md_table(frame, decimals)
        return text + "".join(f"\n{md_escape(n)}\n" for n in notes)
    if fmt == "html":
        return html_page(title, html_table(frame, decimals=decimals) + html_notes(notes))
    text = rich_table_text(frame, title, decimals=decimals)
    return text + table_notes(notes)



def json_value(value: object) -> object:
    """A cell as JSON: numbers at full precision, missing values as null."""
    if value is None:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalars
        return json_value(value.item())
    return value


def json_text(frame: pd.DataFrame | Columns, title: str, notes: Iterable[str] = ()) -> str:
    """``{"title", "columns", "rows", "notes"}``: one object per row, every digit kept."""
    import json

    columns = _heads(frame)[0]
    rows = [{c: json_value(v) for c, v in zip(columns, row, strict=False)} for row in _rows(frame)]
    return json.dumps({"title": title, "columns": columns, "rows": rows,
                       "notes": list(notes)}, ensure_ascii=False, indent=1) + "\n"

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
from typing import Iterable

import pandas as pd

from tcoder.outputs import write_output  # noqa: F401 - re-exported
from tcoder.reports.markup import html_notes, html_page, md_block, md_cell, md_escape  # noqa: F401 - re-exported
from tcoder.reports.markup import plain as _plain

FORMATS = ("table", "csv", "json", "md", "html")

def cell(value: object, decimals: int | None = None) -> str:
    """A value as shown: '' for missing, floats compactly or with ``decimals`` places."""
    if decimals is not None and isinstance(value, float) and not math.isnan(value):
        return f"{value:.{decimals}f}"
    return _plain(value)


def _decimals(frame: pd.DataFrame, decimals: dict[str, int] | None) -> list[int | None]:
    return [(decimals or {}).get(str(c)) for c in frame.columns]


def md_table(frame: pd.DataFrame, decimals: dict[str, int] | None = None) -> str:
    columns = [str(c) for c in frame.columns]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    places = _decimals(frame, decimals)
    out = ["| " + " | ".join(md_cell(c) for c in columns) + " |",
           "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for row in frame.itertuples(index=False):
        out.append("| " + " | ".join(md_cell(cell(v, d)) for v, d in zip(row, places, strict=True)) + " |")
    return "\n".join(out) + "\n"


def html_table(frame: pd.DataFrame, classes: str = "", decimals: dict[str, int] | None = None) -> str:
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    places = _decimals(frame, decimals)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(f'<td class="num">{html.escape(cell(v, d))}</td>' if n
                        else f"<td>{html.escape(cell(v, d))}</td>" for v, n, d in zip(row, numeric, places, strict=True))
        body.append(f"<tr>{cells}</tr>")
    cls = f' class="{html.escape(classes)}"' if classes else ""
    return f"<table{cls}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n"


def rich_table_text(frame: pd.DataFrame, title: str | None = None, width: int | None = None,
                    decimals: dict[str, int] | None = None) -> str:
    """The frame as a Rich table, rendered to text. Title, heads and cells are ``Text`` objects
    (no markup, no highlighting) with control characters shown as glyphs."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tcoder.textsafe import inert, inert_lines

    places = _decimals(frame, decimals)
    table = Table(title=Text(inert(title)) if title else None, show_lines=False)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        # a head may break into lines on purpose ("alice\nn"); nothing else may act on the terminal
        table.add_column(Text(inert_lines(str(column))), justify="right" if numeric else "left", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(Text(inert(cell(v, d))) for v, d in zip(row, places, strict=True)))
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or _width(), markup=False, highlight=False, emoji=False,
                      color_system=None, force_terminal=False)
    console.print(table)
    return buffer.getvalue()


def _width() -> int:
    if not sys.stdout.isatty():  # a file or a pipe: wide enough that columns need not wrap
        return 160
    return max(80, shutil.get_terminal_size((120, 24)).columns)


def table_notes(notes: Iterable[str]) -> str:
    """Notes under a terminal table, one per line, control characters as glyphs."""
    from tcoder.textsafe import inert

    return "".join(f"{inert(n)}\n" for n in notes)


def render_frame(frame: pd.DataFrame, fmt: str, title: str, notes: Iterable[str] = (),
                 decimals: dict[str, int] | None = None) -> str:
    """``decimals``: column -> places for the table, Markdown and HTML (CSV keeps full precision)."""
    notes = list(notes)
    if fmt == "csv":
        return frame.to_csv(index=False, lineterminator="\n")
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


def json_text(frame: pd.DataFrame, title: str, notes: Iterable[str] = ()) -> str:
    """``{"title", "columns", "rows", "notes"}``: one object per row, every digit kept."""
    import json

    rows = [{str(c): json_value(v) for c, v in zip(frame.columns, row, strict=False)} for row in frame.itertuples(index=False)]
    return json.dumps({"title": title, "columns": [str(c) for c in frame.columns], "rows": rows,
                       "notes": list(notes)}, ensure_ascii=False, indent=1) + "\n"

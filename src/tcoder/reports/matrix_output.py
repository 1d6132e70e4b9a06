"""A matrix as text and files: a terminal table, CSV, Markdown, HTML with shaded cells,
and an Excel workbook (openpyxl) with a colour scale and a sheet of notes.

Every format carries the notes that say what a cell counts and whose coding it
rests on (:meth:`tcoder.search.matrix.Matrix.describe`).
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

from tcoder.reports.markup import html_notes, html_page, md_cell, md_escape
from tcoder.search.kwic import cells, cut_right, flat
from tcoder.search.matrix import Matrix
from tcoder.textsafe import inert

MATRIX_FORMATS = ("table", "csv", "md", "html", "xlsx")


def title(matrix: Matrix) -> str:
    return f"{matrix.row_kind.capitalize()} x {matrix.column_kind} ({matrix.measure})"


def short_heads(matrix: Matrix) -> list[str]:
    """Column heads for narrow outputs: transcripts by file name without the folder."""
    if matrix.column_kind == "transcripts":
        return [c.rsplit("/", 1)[-1] for c in matrix.column_labels]
    return list(matrix.column_labels)


def render_csv(matrix: Matrix) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "name", *matrix.column_names()])
    for row, values in zip(matrix.rows, matrix.table(), strict=True):
        writer.writerow([row, matrix.row_labels[matrix.rows.index(row)].strip(), *values])
    return buffer.getvalue()


def render_md(matrix: Matrix) -> str:
    heads = ["code", *short_heads(matrix)]
    out = [f"# {md_escape(title(matrix))}", "",
           "| " + " | ".join(md_cell(h) for h in heads) + " |",
           "|---|" + "---:|" * len(matrix.columns)]
    for label, values in zip(matrix.row_labels, matrix.table(), strict=True):
        name = md_cell(label.strip())
        indent = "\u2003" * ((len(label) - len(label.lstrip(" "))) // 2)
        out.append(f"| {indent}{name} | " + " | ".join(str(v) for v in values) + " |")
    out.append("")
    out.extend(md_escape(n) + "  " for n in matrix.describe())
    return "\n".join(out) + "\n"


def _shade(value: int, top: int) -> str:
    """A background from white to the palette's blue, by the cell's share of the largest value."""
    share = value / top if top else 0
    r, g, b = (int(255 - (255 - c) * share * 0.85) for c in (0x00, 0x72, 0xB2))
    ink = "#fff" if share > 0.6 else "#222"
    return f"background:#{r:02x}{g:02x}{b:02x};color:{ink}"


def render_html(matrix: Matrix) -> str:
    table = matrix.table()
    top = max((v for row in table for v in row), default=0)
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in short_heads(matrix))
    body = []
    for label, values in zip(matrix.row_labels, table, strict=True):
        depth = (len(label) - len(label.lstrip(" "))) // 2
        cells_html = "".join(f'<td class="num" style="{_shade(v, top)}">{v}</td>' for v in values)
        body.append(f'<tr><th style="text-align:left;padding-left:{0.5 + depth}rem">{esc(label.strip())}</th>'
                    f"{cells_html}</tr>")
    content = (f"<table>\n<thead><tr><th>code</th>{head}</tr></thead>\n<tbody>\n" + "\n".join(body)
               + "\n</tbody>\n</table>\n" + html_notes(matrix.describe()))
    return html_page(title(matrix), content)


def render_table(matrix: Matrix, width: int = 120) -> str:
    """The matrix for a terminal. When its columns do not fit, they are numbered and listed below."""
    table = matrix.table()
    labels = [flat(label) for label in matrix.row_labels]
    label_width = min(40, max([cells(x) for x in labels] + [4]))
    heads = [flat(h) for h in short_heads(matrix)]
    value_width = max([len(str(v)) for row in table for v in row] + [1])
    natural = [max(value_width, cells(h)) for h in heads]
    legend: list[str] = []
    if label_width + sum(w + 2 for w in natural) > width:
        legend = [f"{i}: {h}" for i, h in enumerate(heads, 1)]
        heads = [str(i) for i in range(1, len(heads) + 1)]
        natural = [max(value_width, len(h)) for h in heads]
    out = [inert(title(matrix)), ""]
    out.append(" " * label_width + "".join("  " + h.rjust(w) for h, w in zip(heads, natural, strict=True)))
    for label, values in zip(labels, table, strict=True):
        label = cut_right(label, label_width)
        out.append(label + " " * (label_width - cells(label))
                   + "".join("  " + str(v).rjust(w) for v, w in zip(values, natural, strict=True)))
    out.append("")
    if legend:
        out.append("Columns: " + "; ".join(legend))
    out.extend(inert(n) for n in matrix.describe())
    return "\n".join(out) + "\n"


def write_xlsx(matrix: Matrix, path: str | Path) -> None:
    """An Excel workbook: the matrix (frozen heads, a colour scale) and a sheet of notes."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import ColorScaleRule
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from tcoder.atomicio import atomic_write_bytes

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Matrix"
    sheet.append(["code", "name", *matrix.column_labels])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row, label, values in zip(matrix.rows, matrix.row_labels, matrix.table(), strict=True):
        sheet.append([_xlsx_text(row), _xlsx_text(label.strip()), *values])
        sheet.cell(sheet.max_row, 2).alignment = Alignment(indent=(len(label) - len(label.lstrip(" "))) // 2)
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 36
    if matrix.rows and matrix.columns:
        last = f"{get_column_letter(2 + len(matrix.columns))}{1 + len(matrix.rows)}"
        sheet.conditional_formatting.add(f"C2:{last}", ColorScaleRule(start_type="num", start_value=0,
                                                                       start_color="FFFFFF", end_type="max",
                                                                       end_color="2B6CB0"))
    notes = workbook.create_sheet("Notes")
    notes.append([title(matrix)])
    for line in matrix.describe():
        notes.append([_xlsx_text(line)])
    notes.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _xlsx_text(value: str) -> str:
    """Text Excel stores as text: control characters it refuses are dropped, and a leading
    '=', '+', '-' or '@' (which a spreadsheet would run as a formula) is quoted."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def render(matrix: Matrix, fmt: str, width: int = 120) -> str:
    if fmt == "csv":
        return render_csv(matrix)
    if fmt == "md":
        return render_md(matrix)
    if fmt == "html":
        return render_html(matrix)
    return render_table(matrix, width)

"""Excel (.xlsx) output for tabular reports, with openpyxl.

One sheet per table of a :class:`~tcoder.reports.document.Document`, each with its
header row bold, frozen and filterable; numbers as numbers (the decimals a table shows
become the cell's number format; the value keeps 16 significant digits, one more than
Excel shows), text as text. A last
sheet, *Notes*, holds the report's title and what each table rests on, so the tables
stay clean data a statistics program can read.

Text from a study is data: a quote that begins with ``=`` stays text, never a formula,
and characters a workbook cannot hold (control characters) become U+FFFD and are
counted, so the caller can say so.
"""

from __future__ import annotations

import io
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tcoder.reports.document import Document, Paragraph, Table

#: XML 1.0 forbids these even escaped (openpyxl refuses them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: A fixed creation date, so the same report gives the same workbook properties.
_FIXED_DATE = datetime(2000, 1, 1)
MAX_WIDTH = 60


@dataclass
class XlsxResult:
    data: bytes
    replaced: int = 0  # characters a workbook cannot hold, replaced by U+FFFD
    sheets: int = 0


def tables_of(document: Document) -> list[Table]:
    return [b for b in document.blocks if isinstance(b, Table)]


def sheet_names(tables: list[Table]) -> list[str]:
    """A name per table: its ``sheet``, else its caption, shortened to Excel's 31 characters,
    without the characters Excel refuses, and unique (Excel compares names without case)."""
    seen: set[str] = {"notes"}
    out = []
    for i, table in enumerate(tables, 1):
        base = _SHEET_FORBIDDEN.sub(" ", table.sheet or table.caption or f"Table {i}").strip().strip("'") or f"Table {i}"
        base = re.sub(r"\s+", " ", base)[:31].strip()
        name, n = base, 1
        while name.casefold() in seen:
            n += 1
            suffix = f" ({n})"
            name = base[:31 - len(suffix)].rstrip() + suffix
        seen.add(name.casefold())
        out.append(name)
    return out


_CANONICAL_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
#: a coefficient as a paper prints it, without the leading zero ('.724', '-.004')
_PAPER_NUMBER = re.compile(r"-?\.[0-9]+")


def number_columns(table: Table) -> set[int]:
    """Text columns whose every value is a plain number ('24', '3.5'; not '007' or '1e3'):
    attribute values such as age, written as numbers so a spreadsheet can compute with them.
    A column the table declares numeric may also hold coefficients as a paper prints them."""
    out = set()
    for c in range(len(table.columns)):
        if c in table.text:
            continue
        values = [row[c] for row in table.rows if c < len(row) and row[c] not in (None, "")]
        texts = [v for v in values if isinstance(v, str)]
        if not texts or len(texts) < len(values):
            continue
        if all(_CANONICAL_NUMBER.fullmatch(v) or (c in table.numeric and _PAPER_NUMBER.fullmatch(v))
               for v in texts):
            out.add(c)
    return out


def _as_number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _number(value: Any) -> Any:
    """numpy scalars as Python ones; NaN and infinities as empty cells."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _Writer:
    def __init__(self) -> None:
        self.replaced = 0

    def clean(self, text: str) -> str:
        cleaned, count = _NOT_XML.subn("\ufffd", text)
        self.replaced += count
        return cleaned

    def put(self, sheet: Any, row: int, column: int, value: Any, places: int | None = None) -> int:
        """Write one typed cell; returns the width its text needs."""
        value = _number(value)
        if value is None:
            return 0
        if isinstance(value, bool) or isinstance(value, (int, float)):
            cell = sheet.cell(row=row, column=column, value=value)
            if isinstance(value, float) and places is not None:
                cell.number_format = "0" if places == 0 else "0." + "0" * places
            shown = f"{value:.{places}f}" if isinstance(value, float) and places is not None else str(value)
            return len(shown)
        text = self.clean(str(value))
        cell = sheet.cell(row=row, column=column, value=text)
        cell.data_type = "s"  # text stays text: '=...' is never a formula
        if "\n" in text or len(text) > MAX_WIDTH:
            from openpyxl.styles import Alignment

            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return max((len(line) for line in text.split("\n")), default=0)


def render_xlsx(document: Document) -> XlsxResult:
    """The document's tables as the bytes of an .xlsx workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    writer = _Writer()
    book = Workbook()
    for empty in list(book.worksheets):  # the sheet a new workbook starts with
        book.remove(empty)
    tables = tables_of(document)
    names = sheet_names(tables)
    for table, name in zip(tables, names, strict=True):
        sheet = book.create_sheet(name)
        widths = [0] * len(table.columns)
        for c, column in enumerate(table.columns, 1):
            widths[c - 1] = writer.put(sheet, 1, c, str(column))
            sheet.cell(row=1, column=c).font = Font(bold=True)
        numbers = number_columns(table)
        for r, values in enumerate(table.rows, 2):
            for c, value in enumerate(values, 1):
                places = table.places.get(c - 1)
                if c - 1 in numbers and isinstance(value, str) and value:
                    if places is None and "." in value:  # the decimals the text showed
                        places = len(value) - value.index(".") - 1
                    value = _as_number(value)
                widths[c - 1] = max(widths[c - 1], writer.put(sheet, r, c, value, places))
        for c, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(c)].width = min(MAX_WIDTH, max(8, width + 2))
        sheet.freeze_panes = "A2"
        if table.columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    notes = book.create_sheet("Notes")
    lines: list[tuple[str, str]] = [(document.title, "")]
    if document.subtitle:
        lines.append((document.subtitle, ""))
    for table, name in zip(tables, names, strict=True):
        lines.append(("", ""))
        lines.append((name, table.caption))
        lines.extend(("", note) for note in table.notes)
    for block in document.blocks:
        if isinstance(block, Paragraph) and block.style == "note":
            lines.append(("", "".join(p if isinstance(p, str) else p.text for p in block.parts)))
    for r, (first, second) in enumerate(lines, 1):
        writer.put(notes, r, 1, first)
        writer.put(notes, r, 2, second)
    notes.cell(row=1, column=1).font = Font(bold=True)
    notes.column_dimensions["A"].width = 32
    notes.column_dimensions["B"].width = 100
    properties = book.properties
    properties.title = writer.clean(document.title)
    properties.creator = "tcoder"
    properties.created = properties.modified = _FIXED_DATE
    buffer = io.BytesIO()
    book.save(buffer)
    return XlsxResult(buffer.getvalue(), writer.replaced, len(tables))


def write_xlsx(document: Document, path: str | os.PathLike[str]) -> XlsxResult:
    """Write the workbook atomically (the old file or the new one survives a crash)."""
    from tcoder.atomicio import atomic_write_bytes

    result = render_xlsx(document)
    atomic_write_bytes(path, result.data)
    return result

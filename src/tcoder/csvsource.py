"""Read hand-edited CSV tables with the place of every cell.

Study tables (participants, speakers) are typed in spreadsheets and text
editors, so a message about a cell names its line and column. Separators
(comma, semicolon, tab) are recognised, and the bytes are decoded as
transcripts are (a spreadsheet's Windows-1252 export works, with a warning).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from tcoder.errors import Problem, TcoderError
from tcoder.transcript import decode_bytes


@dataclass
class CsvRow:
    line: int  # 1-based line where the row starts
    cells: list[str]  # stripped of surrounding white space
    columns: list[int]  # 1-based column where each cell starts

    def column_of(self, index: int) -> int | None:
        return self.columns[index] if index < len(self.columns) else None


@dataclass
class CsvTable:
    path: Path
    header: list[str]
    rows: list[CsvRow] = field(default_factory=list)
    delimiter: str = ","
    warnings: list[Problem] = field(default_factory=list)


def read_csv_table(path: Path) -> CsvTable:
    """The table in ``path``; a file that cannot be read or decoded raises :class:`TcoderError`."""
    from tcoder.safeio import TABLE_LIMIT, read_file

    decoded = decode_bytes(read_file(path, limit=TABLE_LIMIT, what="the table"), path, coded=False)
    return parse_csv_table(decoded.text, path, [Problem(w, path, severity="warning") for w in decoded.warnings])


def parse_csv_table(text: str, path: Path, warnings: list[Problem] | None = None) -> CsvTable:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    delimiter = dialect.delimiter
    lines = text.split("\n")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"')
    header: list[str] | None = None
    table = CsvTable(path, [], delimiter=delimiter, warnings=list(warnings or []))
    previous_end = 0
    try:
        for cells in reader:
            start_line = previous_end + 1
            previous_end = reader.line_num
            if header is None:
                header = [c.strip() for c in cells]
                if header and header[0].startswith("\ufeff"):
                    header[0] = header[0][1:]
                table.header = header
                continue
            if not any(c.strip() for c in cells):
                continue
            table.rows.append(CsvRow(start_line, [c.strip() for c in cells],
                                     _cell_columns(lines, start_line, delimiter)))
    except csv.Error as exc:
        raise TcoderError(Problem(f"not a readable CSV table: {exc}", path, reader.line_num)) from None
    return table


def _cell_columns(lines: list[str], line: int, delimiter: str) -> list[int]:
    """Where each cell of the row starting at ``line`` begins (1-based columns of that line);
    cells on continuation lines of a quoted multi-line cell get the column where they start."""
    columns = [1]
    quoted = False
    row = line - 1
    text = lines[row] if row < len(lines) else ""
    i = 0
    while True:
        if i >= len(text):
            if not quoted or row + 1 >= len(lines):
                break
            row += 1
            text, i = lines[row], 0
            continue
        ch = text[i]
        if ch == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                i += 2
                continue
            quoted = not quoted
        elif ch == delimiter and not quoted:
            columns.append(i + 2)
        i += 1
    return columns

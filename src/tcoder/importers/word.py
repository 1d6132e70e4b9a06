"""Word documents (.docx), read with python-docx, in the layouts transcripts come in:

- paragraphs ``Name: text``; a paragraph without a label continues the current turn;
- Otter's layout: a ``Jane Doe  0:03`` paragraph, then the turn's paragraphs;
- a table with a speaker column, an optional time column and a text column
  (a header row such as ``Speaker | Time | Text`` is recognised and skipped).

Paragraphs and tables are read in document order. Headers, footers, comments
and text boxes are not part of the transcript and are not read.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

from tcoder.errors import Problem, TcoderError
from tcoder.importers.documents import left_out_warnings, paragraph_cues, table_cues
from tcoder.importers.model import Cue

if TYPE_CHECKING:
    from docx.table import Table, _Cell


def parse_docx(data: bytes, path: str | os.PathLike[str] | None = None,
               warnings: list[str] | None = None) -> list[Cue]:
    """Cues in document order; notes about text left out go to ``warnings``."""
    from docx import Document
    from docx.table import Table

    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        raise TcoderError(Problem(
            f"cannot open this as a Word document ({type(exc).__name__}: {exc}). It may be damaged, or not "
            "a .docx at all: open it in Word or LibreOffice and save it again as .docx.", path)) from None
    cues: list[Cue] = []
    tables = 0
    left_out: dict[str, list[int]] = {}  # columns left out -> the tables they are in
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            tables += 1
            cues.extend(table_cues(_docx_rows(block), tables, left_out))
        else:
            cues.extend(paragraph_cues(block.text))
    if warnings is not None:
        warnings.extend(left_out_warnings(left_out))
    if not any(cue.text.strip() for cue in cues):
        raise TcoderError(Problem("the document contains no text", path))
    return cues


def _cell_lines(cell: _Cell) -> list[str]:
    return [line.strip() for p in cell.paragraphs for line in p.text.split("\n") if line.strip()]


def _docx_rows(table: Table) -> list[list[list[str]]]:
    rows = []
    for row in table.rows:
        seen, cells = set(), []
        for cell in row.cells:  # a merged cell is repeated once per grid column it spans
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(_cell_lines(cell))
        rows.append(cells)
    return rows

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

    check_package(data, path)
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


#: A Word file is a zip of XML parts that python-docx reads whole into memory. The text of
#: the longest transcript is a few megabytes of XML; these bounds leave a wide margin and
#: keep a 1.6 MB file that inflates to gigabytes from being opened at all.
DOCX_PART_LIMIT = 128 * 1024 ** 2
DOCX_TOTAL_LIMIT = 256 * 1024 ** 2


def check_package(data: bytes, path: str | os.PathLike[str] | None) -> None:
    """Refuse a .docx whose parts would expand past the limits, before python-docx opens it.
    Python's zip reader never inflates a part past the size its directory declares (a part
    that lies fails its checksum), so the declared sizes bound the memory."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return  # not a zip: python-docx says so in its own words below
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise TcoderError(Problem(f"the Word file's part {info.filename!r} is compressed in a way Word never "
                                      "uses (it could expand without bound); it is not opened", path))
        if info.file_size > DOCX_PART_LIMIT:
            raise TcoderError(Problem(
                f"the Word file's part {info.filename!r} expands to {info.file_size / 1024 ** 2:,.0f} MB, more than "
                f"tcoder reads ({DOCX_PART_LIMIT // 1024 ** 2} MB); it is not opened. A transcript this long "
                "(or a file made to look like one) should be split", path))
        total += info.file_size
    if total > DOCX_TOTAL_LIMIT:
        raise TcoderError(Problem(f"the Word file expands to {total / 1024 ** 2:,.0f} MB, more than tcoder reads "
                                  f"({DOCX_TOTAL_LIMIT // 1024 ** 2} MB); it is not opened", path))


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

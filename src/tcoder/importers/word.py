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
from collections import Counter
from typing import TYPE_CHECKING

from tcoder.errors import Problem, TcoderError
from tcoder.importers import otter
from tcoder.importers.model import Cue, parse_clock, split_label

if TYPE_CHECKING:
    from docx.table import Table, _Cell

_HEADER_WORDS = {
    "speaker": {"speaker", "speakers", "name", "who", "participant", "person", "role"},
    "time": {"time", "timestamp", "time stamp", "timecode", "start", "start time", "begin"},
    "text": {"text", "transcript", "transcription", "utterance", "content", "speech", "dialogue",
             "what was said", "words", "response"},
}


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
            cues.extend(_table_cues(block, tables, left_out))
        else:
            cues.extend(_paragraph_cues(block.text))
    if warnings is not None:
        for names, numbers in left_out.items():  # one warning per kind, not one per table
            where = f"table {numbers[0]}" if len(numbers) == 1 else f"{len(numbers)} tables ({_ranges(numbers)})"
            warnings.append(f"{where}: column(s) {names} are neither speaker, time nor text and were left out")
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


def _paragraph_cues(text: str) -> list[Cue]:
    """A paragraph's lines (a manual line break splits them) as cues, each its own paragraph."""
    cues = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        found = otter.header(line)
        if found:
            cues.append(Cue("", found[0], found[1], new_paragraph=True))
            continue
        speaker, start, rest = split_label(line)
        cues.append(Cue(rest, speaker, start, new_paragraph=True))
    return cues


def _cell_lines(cell: _Cell) -> list[str]:
    return [line.strip() for p in cell.paragraphs for line in p.text.split("\n") if line.strip()]


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3, 5"``."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def _table_cues(table: Table, number: int, left_out: dict[str, list[int]]) -> list[Cue]:
    rows = []
    for row in table.rows:
        seen, cells = set(), []
        for cell in row.cells:  # a merged cell is repeated once per grid column it spans
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(_cell_lines(cell))
        rows.append(cells)
    width = Counter(len(r) for r in rows).most_common(1)[0][0] if rows else 0
    if width < 2:  # a one-column table is a frame around ordinary paragraphs
        return [cue for r in rows for cell in r for line in cell for cue in _paragraph_cues(line)]
    roles = _header_roles(rows[0], width)
    if roles:
        rows = rows[1:]
    else:
        roles = _guess_roles([r for r in rows if len(r) == width], width)
    unused = [c for c in range(width) if c not in roles.values()
              and any(len(r) == width and r[c] for r in rows)]
    if unused:
        left_out.setdefault(", ".join(str(c + 1) for c in unused), []).append(number)
    cues: list[Cue] = []
    for row in rows:
        if len(row) != width:  # a merged row such as a section heading
            cues.extend(cue for cell in row for line in cell for cue in _paragraph_cues(line))
            continue
        speaker = " ".join(row[roles["speaker"]]) if "speaker" in roles else ""
        start = parse_clock(" ".join(row[roles["time"]])) if "time" in roles else None
        if speaker and (found := otter.header(speaker)):  # "Jane Doe  0:03" in one cell
            speaker, start = found[0] or "", found[1]
        lines = row[roles["text"]]
        cues.append(Cue(lines[0] if lines else "", speaker or None, start, new_paragraph=True))
        cues.extend(Cue(line, None, None, new_paragraph=True) for line in lines[1:])
    return cues


def _header_roles(row: list[list[str]], width: int) -> dict[str, int]:
    """Columns named by a header row, or {} when the first row is not one."""
    if len(row) != width:
        return {}
    roles: dict[str, int] = {}
    for column, lines in enumerate(row):
        label = " ".join(lines).strip(" :").lower()
        role = next((r for r, words in _HEADER_WORDS.items() if label in words), None)
        if role and role not in roles:
            roles[role] = column
        elif len(label.split()) > 3:  # a sentence: this row is speech, not column names
            return {}
    return roles if "text" in roles else {}


def _guess_roles(rows: list[list[list[str]]], width: int) -> dict[str, int]:
    """Time: a column of times. Text: the column with the longest cells. Speaker:
    the first other column."""
    roles: dict[str, int] = {}
    for column in range(width):
        values = [" ".join(r[column]) for r in rows if r[column]]
        if values and sum(parse_clock(v) is not None for v in values) >= 0.6 * len(values):
            roles["time"] = column
            break
    others = [c for c in range(width) if c != roles.get("time")]
    length = {c: sum(len(" ".join(r[c])) for r in rows) for c in others}
    roles["text"] = max(others, key=lambda c: (length[c], c))
    speaker = [c for c in others if c != roles["text"]]
    if speaker:
        roles["speaker"] = speaker[0]
    return roles


"""Soft wrap of a transcript into screen rows, and the text as it may reach a terminal.

The transcript view never turns text into widgets: it keeps, for a given width,
the offset where each screen row starts and renders only the rows on screen.
Transcript text is data, so what is drawn is :func:`inert`: control characters
become visible glyphs (ESC shows as ␛) one for one, so offsets and columns stay
aligned and nothing in a transcript can drive the terminal.
"""

from __future__ import annotations

import bisect
from functools import lru_cache

from rich.cells import cell_len, get_character_cell_size

from tcoder.textsafe import INERT_TABLE, inert  # noqa: F401 - re-exported for the screens


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Cells one (inert) character takes; zero-width characters count as 0."""
    return get_character_cell_size(ch)


def _single_cell_set() -> frozenset[str]:
    ranges = ((0x20, 0x7E), (0xA0, 0x2FF), (0x370, 0x482), (0x1E00, 0x1EFF), (0x2010, 0x2027),
              (0x2030, 0x205E), (0x2400, 0x2426))
    return frozenset(ch for lo, hi in ranges for ch in map(chr, range(lo, hi + 1)) if char_width(ch) == 1)


#: True when every character of a string takes exactly one cell (Latin, Greek,
#: Cyrillic, common punctuation, our control glyphs): then columns are offsets.
single_cell = _single_cell_set().issuperset


def wrap_line(text: str, start: int, end: int, width: int) -> list[int]:
    """Offsets where the rows of ``text[start:end]`` (one line, no newline) begin,
    breaking after white space where possible, so no row is wider than ``width``."""
    width = max(1, width)
    line = inert(text[start:end])
    if single_cell(line):
        return [start] if end - start <= width else _wrap_single(line, start, width)
    return [start] if cell_len(line) <= width else _wrap_cells(line, start, width)


def _wrap_single(line: str, base: int, width: int) -> list[int]:
    """Wrap a line whose characters all take one cell (tabs already shown as spaces)."""
    rows = [base]
    pos = 0
    end = len(line)
    rfind = line.rfind
    while end - pos > width:
        brk = rfind(" ", pos + 1, pos + width)
        pos = brk + 1 if brk >= 0 else pos + width
        rows.append(base + pos)
    return rows


def _wrap_cells(line: str, base: int, width: int) -> list[int]:
    rows = [base]
    row_start = 0
    used = 0
    last_space = -1
    for i, ch in enumerate(line):
        w = char_width(ch)
        if used + w > width and i > row_start:
            cut = last_space + 1 if last_space >= row_start else i
            rows.append(base + cut)
            used = sum(char_width(c) for c in line[cut:i])
            row_start = cut
            last_space = -1
            if used + w > width and i > row_start:  # the word after that space still does not fit
                rows.append(base + i)
                used = 0
                row_start = i
        used += w
        if ch == " ":
            last_space = i
    return rows


class WrapIndex:
    """Screen rows of a whole text at one width: ``starts[r]`` and ``ends[r]``
    are the offsets row ``r`` covers (``ends`` excludes the newline)."""

    def __init__(self, text: str, width: int, line_starts: list[int] | None = None):
        self.text = text
        self.width = max(1, width)
        starts: list[int] = []
        ends: list[int] = []
        self.line_of_row: list[int] = []
        n = len(text)
        if line_starts is None:
            line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        ascii_text = text.isascii()
        for number, ls in enumerate(line_starts):
            le = line_starts[number + 1] - 1 if number + 1 < len(line_starts) else n
            if le - ls <= self.width and (ascii_text or single_cell(inert(text[ls:le]))):
                starts.append(ls)
                ends.append(le)
                self.line_of_row.append(number)
                continue
            rows = wrap_line(text, ls, le, self.width)
            starts.extend(rows)
            ends.extend(rows[1:])
            ends.append(le)
            self.line_of_row.extend([number] * len(rows))
        self.starts = starts
        self.ends = ends

    def __len__(self) -> int:
        return len(self.starts)

    def row_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def is_last_row_of_line(self, row: int) -> bool:
        return row + 1 >= len(self.starts) or self.line_of_row[row + 1] != self.line_of_row[row]

    def column_of(self, offset: int) -> int:
        """The screen column (in cells) of ``offset`` within its row."""
        row = self.row_of(offset)
        start = self.starts[row]
        segment = inert(self.text[start:offset])
        return len(segment) if single_cell(segment) else cell_len(segment)

    def offset_at(self, row: int, column: int) -> int:
        """The offset shown at ``column`` of ``row`` (clamped to the row; the
        line's end on its last row, so the cursor can sit after the last character)."""
        row = max(0, min(row, len(self.starts) - 1))
        start, end = self.starts[row], self.ends[row]
        last = end if self.is_last_row_of_line(row) else max(start, end - 1)
        segment = inert(self.text[start:end])
        if single_cell(segment):
            return min(start + max(0, column), last)
        used = 0
        for i, ch in enumerate(segment):
            w = char_width(ch)
            if used + w > column:
                return min(start + i, last)
            used += w
        return last

"""Soft wrap of a transcript into screen rows, and the text as it may reach a terminal.

The transcript view never turns text into widgets: it keeps, for a given width,
the offset where each screen row starts and renders only the rows on screen.
Transcript text is data, so what is drawn is :func:`inert`: control characters
become visible glyphs (ESC shows as ␛) one for one, so offsets and columns stay
aligned and nothing in a transcript can drive the terminal.
"""

from __future__ import annotations

import bisect
import re
import time
from array import array
from collections import OrderedDict
from functools import lru_cache
from itertools import accumulate
from typing import Callable, Sequence

from rich.cells import cell_len, get_character_cell_size

from tcoder.textsafe import INERT_TABLE, inert  # noqa: F401 - re-exported for the screens

#: Characters :func:`inert` replaces; most lines have none, and translating a
#: non-ASCII string costs a table lookup per character.
_ACTS = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(INERT_TABLE)) + "]")


def _shown(line: str) -> str:
    """:func:`inert` of a line, without copying one that has nothing to replace."""
    return line.translate(INERT_TABLE) if _ACTS.search(line) else line


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
    """Wrap a line with wide or zero-width characters: from each row's start, jump
    (by bisection over the running cell count) to the first character that does not
    fit, then break after the last space before it, or at it."""
    widths = list(map(char_width, line))
    cells = list(accumulate(widths))  # cells[k]: the cells of line[:k + 1]
    n = len(line)
    rows = [base]
    row_start = 0
    while True:
        before = cells[row_start - 1] if row_start else 0
        i = bisect.bisect_right(cells, before + width, row_start + 1)
        if i >= n:
            return rows
        space = line.rfind(" ", row_start, i)
        cut = space + 1 if space >= 0 else i
        rows.append(base + cut)
        row_start = cut
        used = cells[i - 1] - (cells[cut - 1] if cut else 0)
        if used + widths[i] > width and i > row_start:  # the word after that space still does not fit
            rows.append(base + i)
            row_start = i


#: Per text (held, so its id stays its own): which lines take one cell per character.
#: That does not depend on the width, so a resize only breaks lines again.
_SINGLE_LINES: OrderedDict[int, tuple[str, list[bool]]] = OrderedDict()
#: The last few wraps, by text and width: resizing back to a width costs nothing.
_WRAPS: OrderedDict[tuple[int, int], WrapIndex] = OrderedDict()
_KEEP_TEXTS = 2
_KEEP_WRAPS = 6


def _single_cell_lines(text: str, line_starts: list[int]) -> list[bool]:
    hit = _SINGLE_LINES.get(id(text))
    if hit is not None and hit[0] is text:
        _SINGLE_LINES.move_to_end(id(text))
        return hit[1]
    ends = [*(ls - 1 for ls in line_starts[1:]), len(text)]
    flags = [single_cell(_shown(text[ls:le])) for ls, le in zip(line_starts, ends, strict=True)]
    _SINGLE_LINES[id(text)] = (text, flags)
    while len(_SINGLE_LINES) > _KEEP_TEXTS:
        _SINGLE_LINES.popitem(last=False)
    return flags


def wrap_index(text: str, width: int, line_starts: list[int] | None = None) -> WrapIndex:
    """The :class:`WrapIndex` of ``text`` at ``width``, kept for the last few widths."""
    hit = kept_wrap(text, width)
    if hit is not None:
        return hit
    index = WrapIndex(text, width, line_starts)
    keep_wrap(index)
    return index


def kept_wrap(text: str, width: int) -> WrapIndex | None:
    """The whole text's wrap at ``width`` if it is one of the last few made."""
    key = (id(text), max(1, width))
    hit = _WRAPS.get(key)
    if hit is not None and hit.text is text:
        _WRAPS.move_to_end(key)
        return hit
    return None


def keep_wrap(index: WrapIndex) -> None:
    """Keep a whole text's wrap (see :func:`kept_wrap`)."""
    if index.exact_lines is not None:
        raise ValueError("only a wrap of the whole text is kept")
    _WRAPS[(id(index.text), index.width)] = index
    while len(_WRAPS) > _KEEP_WRAPS:
        _WRAPS.popitem(last=False)


def _line_starts(text: str, line_starts: list[int] | None) -> list[int]:
    if line_starts is None:
        line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    return line_starts


def _wrap_lines(text: str, width: int, line_starts: list[int], one_cell: Callable[[int], bool],
                first: int, last: int, rows: tuple[list[int], list[int], list[int]]) -> None:
    """Append the rows of lines ``first`` to ``last`` (excluded) to ``rows`` (starts, ends,
    line of each row); ``one_cell(number)``: whether that line takes one cell per character."""
    starts, ends, line_of_row = rows
    n = len(text)
    count = len(line_starts)
    for number in range(first, last):
        ls = line_starts[number]
        le = line_starts[number + 1] - 1 if number + 1 < count else n
        single = one_cell(number)
        if le - ls <= width and single:
            starts.append(ls)
            ends.append(le)
            line_of_row.append(number)
            continue
        if single:
            wrapped = _wrap_single(_shown(text[ls:le]), ls, width)
        else:
            wrapped = _wrap_cells(_shown(text[ls:le]), ls, width)  # one row when it fits
        starts.extend(wrapped)
        ends.extend(wrapped[1:])
        ends.append(le)
        line_of_row.extend([number] * len(wrapped))


def _one_cell_of(text: str, line_starts: list[int], whole: bool) -> Callable[[int], bool]:
    """Whether line ``number`` takes one cell per character: for the whole text, from the
    flags kept per text; for a few lines, line by line."""
    if text.isascii():
        return lambda number: True
    if whole:
        return _single_cell_lines(text, line_starts).__getitem__
    hit = _SINGLE_LINES.get(id(text))
    if hit is not None and hit[0] is text:
        return hit[1].__getitem__
    n = len(text)

    def one_cell(number: int) -> bool:
        ls = line_starts[number]
        le = line_starts[number + 1] - 1 if number + 1 < len(line_starts) else n
        return single_cell(_shown(text[ls:le]))

    return one_cell


def _compact(rows: tuple[list[int], list[int], list[int]]) -> tuple[Sequence[int], Sequence[int], Sequence[int]]:
    """The rows as machine integers: a wrap is kept per width, and a list of Python ints
    costs five times the memory (about 10 MB for 5 MB of text)."""
    return array("q", rows[0]), array("q", rows[1]), array("q", rows[2])


class WrapIndex:
    """Screen rows of a text at one width: ``starts[r]`` and ``ends[r]`` are the offsets
    row ``r`` covers (``ends`` excludes the newline).

    Made with :meth:`around`, only some lines are wrapped (``exact_lines``, first and
    last excluded): every other line is one row, as if it fitted. A screen draws such an
    index while the whole text is wrapped a little at a time (:class:`WrapBuilder`);
    the rows of the wrapped lines are those of the whole text's wrap."""

    def __init__(self, text: str, width: int, line_starts: list[int] | None = None):
        self.text = text
        self.width = width = max(1, width)
        line_starts = _line_starts(text, line_starts)
        rows: tuple[list[int], list[int], list[int]] = ([], [], [])
        _wrap_lines(text, width, line_starts, _one_cell_of(text, line_starts, True), 0, len(line_starts), rows)
        self.starts, self.ends, self.line_of_row = _compact(rows)
        #: the lines wrapped, when not all are (see :meth:`around`)
        self.exact_lines: tuple[int, int] | None = None

    @classmethod
    def around(cls, text: str, width: int, line_starts: list[int], offset: int, rows_before: int,
               rows_after: int) -> "WrapIndex":
        """Wrap only the lines around ``offset``: back until ``rows_before`` rows and forward
        until ``rows_after`` rows (or the text's ends); each other line is one row."""
        width = max(1, width)
        one_cell = _one_cell_of(text, line_starts, False)
        count = len(line_starts)
        here = max(0, bisect.bisect_right(line_starts, offset) - 1)
        after: tuple[list[int], list[int], list[int]] = ([], [], [])
        last = here
        while last < count and len(after[0]) < rows_after:
            _wrap_lines(text, width, line_starts, one_cell, last, last + 1, after)
            last += 1
        before: list[tuple[list[int], list[int], list[int]]] = []
        first, above = here, 0
        while first > 0 and above < rows_before:
            line: tuple[list[int], list[int], list[int]] = ([], [], [])
            _wrap_lines(text, width, line_starts, one_cell, first - 1, first, line)
            before.append(line)
            above += len(line[0])
            first -= 1
        n = len(text)
        starts = line_starts[:first]
        ends = [ls - 1 for ls in line_starts[1:first + 1]]
        line_of_row = list(range(first))
        for line in reversed(before):
            starts += line[0]
            ends += line[1]
            line_of_row += line[2]
        starts += after[0]
        ends += after[1]
        line_of_row += after[2]
        starts += line_starts[last:]
        ends += [ls - 1 for ls in line_starts[last + 1:]]
        if last < count:
            ends.append(n)
        line_of_row += range(last, count)
        index = cls.__new__(cls)
        index.text, index.width = text, width
        index.starts, index.ends, index.line_of_row = starts, ends, line_of_row
        index.exact_lines = (first, last)
        return index

    def is_exact(self, first_row: int, last_row: int) -> bool:
        """Whether rows ``first_row`` to ``last_row`` (included) are those of the whole wrap."""
        if self.exact_lines is None:
            return True
        lines = self.line_of_row
        if not lines:
            return True
        first_row = max(0, min(first_row, len(lines) - 1))
        last_row = max(0, min(last_row, len(lines) - 1))
        lo, hi = self.exact_lines
        return lo <= lines[first_row] and lines[last_row] < hi

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


class WrapBuilder:
    """Wraps a whole text a few lines at a time (:meth:`step`), so that a screen can keep
    answering keys while it wraps a long transcript at a new width."""

    def __init__(self, text: str, width: int, line_starts: list[int]):
        self.text = text
        self.width = max(1, width)
        self._line_starts = line_starts
        self._next = 0
        self._rows: tuple[list[int], list[int], list[int]] = ([], [], [])
        self._flags: list[bool] | None = None if text.isascii() else []
        hit = _SINGLE_LINES.get(id(text))
        self._known = hit[1] if hit is not None and hit[0] is text else None  # flags made before
        self.index: WrapIndex | None = None  # set once every line is wrapped

    def step(self, seconds: float) -> bool:
        """Wrap lines for about ``seconds``; True once the whole text is wrapped."""
        if self.index is not None:
            return True
        text, line_starts, flags, known = self.text, self._line_starts, self._flags, self._known
        count = len(line_starts)
        n = len(text)
        deadline = time.perf_counter() + seconds

        def one_cell(number: int) -> bool:
            if flags is None:
                return True
            if known is not None:
                return known[number]
            ls = line_starts[number]
            le = line_starts[number + 1] - 1 if number + 1 < count else n
            flag = single_cell(_shown(text[ls:le]))
            flags.append(flag)
            return flag

        while self._next < count:
            last = min(count, self._next + 64)
            _wrap_lines(text, self.width, line_starts, one_cell, self._next, last, self._rows)
            self._next = last
            if time.perf_counter() >= deadline:
                break
        if self._next < count:
            return False
        if flags is not None and known is None:
            _SINGLE_LINES[id(text)] = (text, flags)
            while len(_SINGLE_LINES) > _KEEP_TEXTS:
                _SINGLE_LINES.popitem(last=False)
        index = WrapIndex.__new__(WrapIndex)
        index.text, index.width = text, self.width
        index.starts, index.ends, index.line_of_row = _compact(self._rows)
        self._rows = ([], [], [])
        index.exact_lines = None
        self.index = index
        keep_wrap(index)
        return True

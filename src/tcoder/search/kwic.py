"""Keyword in context: a hit with a little text either side, on one line, for lists.

White space (line breaks included) is shown as single spaces, control
characters as visible glyphs, and widths are counted in terminal cells (a CJK
character takes two), so a column of hits lines up in a terminal and in a
fixed-width file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from tcoder.textsafe import inert

_SPACE = re.compile(r"\s+")
ELLIPSIS = "\u2026"


@lru_cache(maxsize=8192)
def char_cells(ch: str) -> int:
    """Terminal cells of one character: 2 for wide (CJK) ones, 0 for combining marks and
    format characters, else 1."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cells(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(char_cells(c) for c in text)


def flat(text: str) -> str:
    """One line: white space runs as one space, control characters as glyphs."""
    return inert(_SPACE.sub(" ", text))


def cut_left(text: str, width: int) -> str:
    """The end of ``text`` in at most ``width`` cells, with an ellipsis when cut."""
    if cells(text) <= width:
        return text
    out: list[str] = []
    used = 1
    for ch in reversed(text):
        w = char_cells(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return ELLIPSIS + "".join(reversed(out))


def cut_right(text: str, width: int) -> str:
    """The start of ``text`` in at most ``width`` cells, with an ellipsis when cut."""
    if cells(text) <= width:
        return text
    out: list[str] = []
    used = 1
    for ch in text:
        w = char_cells(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + ELLIPSIS


@dataclass(frozen=True, slots=True)
class Concordance:
    """A hit in context, each part on one line."""

    left: str
    match: str
    right: str

    def parts(self, left_width: int, match_width: int | None = None,
              right_width: int = 40) -> tuple[str, str, str]:
        """The three parts cut to their widths, the left one padded to ``left_width`` cells."""
        left = cut_left(self.left, left_width)
        match = self.match if match_width is None else cut_right(self.match, match_width)
        right = cut_right(self.right, right_width)
        return " " * (left_width - cells(left)) + left, match, right

    def line(self, left_width: int, match_width: int | None = None, right_width: int = 40) -> str:
        """The three parts on one line, every hit starting at the same column."""
        return "".join(self.parts(left_width, match_width, right_width))


def concordance(text: str, start: int, end: int, context: int = 60) -> Concordance:
    """``text[start:end]`` with up to ``context`` characters either side (before flattening)."""
    left = flat(text[max(0, start - context):start])
    right = flat(text[end:end + context])
    if start - context > 0 and left:
        left = ELLIPSIS + left.lstrip()
    if end + context < len(text) and right:
        right = right.rstrip() + ELLIPSIS
    return Concordance(left, flat(text[start:end]), right)

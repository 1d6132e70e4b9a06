"""Text with its accents (diacritics) set aside, and the way back to the original offsets.

A search that ignores accents runs on a *folded* copy of the text: every
character that decomposes into a base letter plus combining marks (``é`` is
``e`` + U+0301) becomes its base letter, a few letters that do not decompose
but are read as accented (``ø ł đ ħ ı``) become their plain form, and combining
marks written on their own (decomposed text, Arabic harakat, Hebrew niqqud) are
dropped. Hangul syllables and other characters whose decomposition is more than
one base character are kept as they are, so the folded text never grows.

Dropping marks makes the folded text shorter; :class:`Folded` maps an offset in
it back to the original text, so hits are always reported in canonical offsets.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

#: Letters read as accented that Unicode does not decompose.
_EXTRA = {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H", "ı": "i",
          "ŧ": "t", "Ŧ": "T"}


_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")


@lru_cache(maxsize=8192)
def fold_char(ch: str) -> str:
    """One character without its accents: a base character, ``''`` for a lone combining mark,
    or the character itself."""
    if ch in _EXTRA:
        return _EXTRA[ch]
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
        return ""
    decomposed = unicodedata.normalize("NFD", ch)
    if decomposed == ch:
        return ch
    base = "".join(c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Mn")
    return base if len(base) == 1 else ch


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and where its characters came from.

    ``drops`` lists, in order, the folded position at which each removed character
    would have stood; ``original(f)`` adds the number of removals at or before ``f``.
    Removed marks right after a matched character therefore belong to the match
    (``cafe`` + U+0301 is matched whole), and marks before a match's first
    character stay outside it."""

    text: str
    drops: tuple[int, ...] = field(default=())

    def original(self, folded_offset: int) -> int:
        if not self.drops:
            return folded_offset
        return folded_offset + bisect.bisect_right(self.drops, folded_offset)


def fold(text: str) -> Folded:
    """The folded text of ``text`` with its offset map (ASCII text is returned as it is)."""
    if text.isascii():
        return Folded(text)
    table: dict[int, str | None] = {}
    for ch in set(_ASCII_RUNS.sub("", text)):  # runs of ASCII removed in C: only the rest is looked at
        folded = fold_char(ch)
        if folded != ch:
            table[ord(ch)] = folded or None
    if not table:
        return Folded(text)
    dropped = [chr(c) for c, v in table.items() if v is None]
    drops: tuple[int, ...] = ()
    if dropped:
        marks = re.compile("[" + "".join(re.escape(c) for c in sorted(dropped)) + "]")
        drops = tuple(m.start() - k for k, m in enumerate(marks.finditer(text)))
    # one str.replace per distinct character runs in C; str.translate with a dict
    # calls back into Python for every character of the text
    for code, value in table.items():
        text = text.replace(chr(code), value or "")
    return Folded(text, drops)


def fold_plain(text: str) -> str:
    """Just the folded text (for patterns and for comparing names)."""
    return fold(text).text

"""Passages of text shown on one line: in messages, lists, tables and hints.

Only the display is shortened; files and reports that give quotes in full do not
use this. Control characters are left to the caller (:mod:`tcoder.textsafe`).
"""

from __future__ import annotations

ELLIPSIS = "\u2026"


def one_line(text: str) -> str:
    """Every run of white space (line breaks included) as one space, none at either end."""
    return " ".join(text.split())


def shorten(text: str, width: int, *, middle: bool = False) -> str:
    """``text`` on one line in at most ``width`` characters: cut at the end with an
    ellipsis, or with ``middle`` in the middle, keeping how it starts and how it ends."""
    text = one_line(text)
    if len(text) <= width:
        return text
    if not middle:
        return text[: width - 1] + ELLIPSIS
    half = (width - 1) // 2
    return text[:half].rstrip() + ELLIPSIS + text[len(text) - (width - 1 - half):].lstrip()


def withheld(text: str) -> str:
    """What stands for a quote in a redacted report or export: its length, never its words."""
    from tcoder.numbers import plural

    return f"[quote withheld: {plural(len(text.split()), 'word')}]"

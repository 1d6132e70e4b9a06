"""Text from users' files as it may reach a terminal.

Transcripts, code names, memos and file names are data. Rich markup in them is
never interpreted (callers print them as plain text), and control characters
never reach the terminal: :func:`inert` replaces each one, one for one, with a
visible glyph (ESC shows as ␛), so nothing in a study can move the cursor, clear
the screen, set a title or reorder a line.

Files and pipes get the data exactly: use :func:`for_stream`, which makes text
inert only when the stream is a terminal.
"""

from __future__ import annotations

from typing import IO


def _inert_table() -> dict[int, str]:
    table = {c: chr(0x2400 + c) for c in range(0x20)}  # C0 controls: the Control Pictures block
    table[0x09] = " "  # a tab is shown as one space
    table[0x7F] = "\u2421"  # DEL: ␡
    for c in range(0x80, 0xA0):  # C1 controls (CSI, OSC... in 8-bit form)
        table[c] = "\u2426"
    # Bidirectional overrides and isolates, and line/paragraph separators, which
    # can reorder or break the terminal's line.
    for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029):
        table[c] = "\u2426"
    return table


INERT_TABLE = _inert_table()
_KEEP_NEWLINES = dict(INERT_TABLE)
del _KEEP_NEWLINES[0x0A]


def inert(text: str) -> str:
    """``text`` with every character that could act on a terminal replaced by a visible glyph, one for one."""
    return text.translate(INERT_TABLE)


def inert_lines(text: str) -> str:
    """Like :func:`inert`, but line breaks stay line breaks (for multi-line output)."""
    return text.translate(_KEEP_NEWLINES)


def is_terminal(stream: IO[str] | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def for_stream(text: str, stream: IO[str] | None) -> str:
    """``text`` made inert when ``stream`` is a terminal; exact otherwise."""
    return inert_lines(text) if is_terminal(stream) else text

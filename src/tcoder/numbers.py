"""Numbers as tables and messages print them."""

from __future__ import annotations


def fixed(value: float, places: int = 3) -> str:
    """``value`` with ``places`` decimals, never ``-0.000``: a figure that rounds to zero is
    zero, whatever side of it the unrounded value lay (an alpha of -0.0004 reads 0.000)."""
    text = f"{value:.{places}f}"
    if text.startswith("-") and not text.strip("-0."):
        return text[1:]
    return text


__all__ = ["fixed"]

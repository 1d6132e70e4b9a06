"""Drawing a widget's rows without Textual's per-row styling, where that styling changes nothing.

Textual passes every row a widget draws through its styles cache (borders, padding,
tint, opacity, hatch), about 30 microseconds a row even when the widget has none of
them, and keeps the result per row number only: a scrolled view gets every row styled
again. For a widget with none of those styles the row is its own cells, padded to the
widget's width, with the app's line filters (true colour for ANSI colours, NO_COLOR)
applied; a strip keeps its filtered and padded forms, so a row drawn again is looked up.
Tests compare these rows with Textual's own.
"""

from __future__ import annotations

from typing import Callable

from rich.style import Style as RichStyle
from textual.color import Color
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget

_inner_styles: dict[tuple[Color, Color], RichStyle] = {}


def is_plain(widget: Widget) -> bool:
    """True when the widget's styles change nothing of its rows: no border, outline,
    padding, tint, opacity or hatch (how the transcript view and scroll bars are styled)."""
    styles = widget.styles
    return (not any(edge for edge, _ in styles.border) and not any(edge for edge, _ in styles.outline)
            and not any(styles.padding) and not styles.tint.a and styles.opacity == 1.0
            and styles.text_opacity == 1.0 and (not styles.has_rule("hatch") or styles.hatch == "none"))


def plain_lines(widget: Widget, crop: Region, line: Callable[[int], Strip]) -> list[Strip]:
    """The rows of ``crop`` (widget coordinates) as Textual's styles cache draws them for a
    plain widget (see :func:`is_plain`), ``line(y)`` giving row y's cells."""
    base_background, background = widget.background_colors
    key = (base_background, background)
    inner = _inner_styles.get(key)
    if inner is None:
        inner = _inner_styles[key] = Style(background=base_background + background).rich_style
    width, height = widget.size
    filters = widget.get_line_filters()
    out = []
    for y in crop.line_range:
        strip = line(y) if y < height else Strip.blank(width, inner)
        strip = strip.adjust_cell_length(width, inner)
        for line_filter in filters:
            strip = strip.apply_filter(line_filter, background)
        out.append(strip)
    x1, x2 = crop.column_span
    if (x1, x2) != (0, width):
        out = [strip.crop(x1, x2) for strip in out]
    return out


__all__ = ["is_plain", "plain_lines"]

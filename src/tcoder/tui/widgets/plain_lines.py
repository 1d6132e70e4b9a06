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

from typing import Any, Callable

from rich.style import Style as RichStyle
from textual.color import Color
from textual.geometry import Region, Size
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


class KeptRows(Widget):
    """A Line-API widget whose rows reach the screen through :func:`plain_lines` (when it is
    plain), keeping the rows last handed over, by row on screen, as Textual's styles cache
    does: a row is asked for again (``_row_source``) only once Textual marks it for drawing
    (a refresh of it or of the whole widget, scrolling, a new size or theme)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._shown: dict[int, Strip] = {}
        self._shown_size: Size | None = None
        self._refreshed: set[int] = set()
        super().__init__(*args, **kwargs)

    def _row_source(self) -> Callable[[int], Strip]:
        """A function drawing row ``y`` of the widget as things stand."""
        return self.render_line

    def render_lines(self, crop: Region) -> list[Strip]:
        if not is_plain(self):
            return super().render_lines(crop)
        shown, refreshed = self._shown, self._refreshed
        if self._shown_size != self.size:
            shown.clear()
            self._shown_size = self.size
        source: Callable[[int], Strip] | None = None

        def line(y: int) -> Strip:
            nonlocal source
            strip = shown.get(y)
            if strip is None or y in refreshed:
                if source is None:
                    source = self._row_source()
                strip = shown[y] = source(y)
            return strip

        strips = plain_lines(self, crop, line)
        refreshed.difference_update(crop.line_range)
        return strips

    def _set_dirty(self, *regions: Region) -> None:
        # Where Textual marks rows of its styles cache for drawing again, the kept rows follow.
        if regions:
            for region in regions:
                self._refreshed.update(region.line_range)
        else:
            self._shown.clear()
        super()._set_dirty(*regions)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._shown.clear()


__all__ = ["KeptRows", "is_plain", "plain_lines"]

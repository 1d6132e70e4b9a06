"""A vertical scroll bar drawn from a handful of ready strips.

Textual's own scroll bar renders its whole height through Rich whenever its thumb
moves: about 2 ms for a 38-row bar, on every page of a long transcript. The bar has
at most five kinds of cell (above the thumb, the thumb, its two ends, below it), so
this one makes one strip per kind and repeats it. The cells are the same as
Textual's (same glyphs, styles and mouse actions); a test compares both.
"""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget

from tcoder.tui.widgets.plain_lines import is_plain, plain_lines

_BACK = Color.parse("#555555")
_BAR = Color.parse("bright_magenta")


class StripScrollBar(ScrollBar):
    """A scroll bar whose vertical form repeats one strip per kind of cell."""

    _key: tuple | None = None
    _strips: list[Strip] | None = None

    def __init__(self, vertical: bool = True, name: str | None = None, *, thickness: int = 1) -> None:
        super().__init__(vertical, name, thickness=thickness)
        self._made: dict[tuple[Segment, Style], Strip] = {}  # one strip per kind of cell, kept across moves

    def render_lines(self, crop: Region) -> list[Strip]:
        if not self.vertical or self.renderer is not ScrollBarRender or not is_plain(self):
            return super().render_lines(crop)
        strips = self._bar_strips()
        blank = Strip.blank(self.size.width, self.visual_style.rich_style)
        return plain_lines(self, crop, lambda y: strips[y] if 0 <= y < len(strips) else blank)

    def _bar_strips(self) -> list[Strip]:
        """The bar's rows: what ``ScrollBarRender`` yields, styled as Textual styles a widget's render."""
        bar = self.render()
        assert isinstance(bar, ScrollBarRender)
        width, height = self.size
        style = bar.style if isinstance(bar.style, Style) else self.app.console.get_style(bar.style)
        base = self.visual_style.rich_style
        key = (width, height, bar.virtual_size, bar.window_size, bar.position, style, base)
        if key == self._key and self._strips is not None:
            return self._strips
        segments = bar.render_bar(size=height, virtual_size=bar.virtual_size, window_size=bar.window_size,
                                  position=bar.position, thickness=width, vertical=True,
                                  back_color=style.bgcolor or _BACK, bar_color=style.color or _BAR)
        made = self._made
        if len(made) > 64:
            made.clear()
        strips = []
        for segment in segments.segments:
            strip = made.get((segment, base))
            if strip is None:
                text, seg_style, _ = segment
                made[segment, base] = strip = Strip([Segment(text, base + seg_style if seg_style else base)])
            strips.append(strip)
        self._key, self._strips = key, strips
        return strips


def strip_scrollbar(widget: Widget) -> ScrollBar:
    """``widget``'s vertical scroll bar, made as Textual makes it (``Widget.vertical_scrollbar``)
    but a :class:`StripScrollBar`: a widget's property of that name returns this."""
    if widget._vertical_scrollbar is None:
        bar = widget._vertical_scrollbar = StripScrollBar(vertical=True, name="vertical",
                                                          thickness=widget.scrollbar_size_vertical)
        bar.display = False
        widget.app._start_widget(widget, bar)
    return widget._vertical_scrollbar


__all__ = ["StripScrollBar", "strip_scrollbar"]

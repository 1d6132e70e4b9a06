"""One row above the transcript view naming its gutter's lanes (one per coder shown),
and saying how the text shows each layer, when a screen shows more than one coder."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tcoder.tui.widgets.transcript_view import MARKERS_PER_LAYER, TranscriptView
from tcoder.tui.wrap import inert

#: The flag column's heading (the compare screen's disagreement flags).
FLAG_HEADING = "\u2260"


class LaneHeader(Widget):
    """Lane names aligned with the gutter below; ``italic`` names the lanes whose
    spans are drawn in italics, ``legend`` says what tint and italics mean."""

    DEFAULT_CSS = """
    LaneHeader { height: 1; width: 1fr; background: $panel; color: $text-muted; }
    """

    def __init__(self, view: TranscriptView, legend: list[tuple[str, str]], italic: set[str], *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view
        self.legend = legend  # (text, style) pieces after the lane names
        self.italic = italic

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="crop")
        if self.view.flag_width:
            line.append(FLAG_HEADING.ljust(self.view.flag_width), style="bold")
        column = self.view.flag_width
        for start, name in self.view.lane_labels():
            line.append(" " * max(0, start - column))
            label = inert(name)[:MARKERS_PER_LAYER].ljust(MARKERS_PER_LAYER)
            line.append(label, style="bold italic" if name in self.italic else "bold")
            line.append("\u2502")
            column = start + MARKERS_PER_LAYER + 1
        for text, style in self.legend:
            line.append(inert(text), style=style)
        return line


__all__ = ["FLAG_HEADING", "LaneHeader"]

"""The status line: where the cursor is, what is selected, and whether the work is saved."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tcoder.tui.wrap import inert

Part = tuple[str, int]  # text, priority (higher stays longer when the line is narrow)
SEPARATOR = " \u2502 "
#: Parts of this priority or more are never dropped, only cut short (messages, the save state).
KEEP = 8


def fit_parts(left: list[Part], right: list[Part], width: int) -> tuple[str, str]:
    """Join the parts that fit in ``width``, dropping the lowest priorities first and
    cutting the left side short if what must stay does not fit."""
    left, right = list(left), list(right)

    def length() -> int:
        lt = SEPARATOR.join(t for t, _ in left)
        rt = SEPARATOR.join(t for t, _ in right)
        return len(lt) + len(rt) + 2

    while length() > width:
        candidates = [(p, i, side) for side, parts in (("l", left), ("r", right))
                      for i, (_, p) in enumerate(parts) if p < KEEP]
        if not candidates:
            break
        _, i, side = min(candidates)
        (left if side == "l" else right).pop(i)
    left_text = SEPARATOR.join(t for t, _ in left)
    right_text = SEPARATOR.join(t for t, _ in right)
    room = max(0, width - len(right_text) - 2)
    if len(left_text) > room:
        left_text = left_text[: max(0, room - 1)] + "\u2026"
    return left_text, right_text


class StatusBar(Widget):
    """One line of parts: ``left`` (position, selection, messages) and ``right`` (save state).

    Plain text only: file names and code names are data and are never read as markup.
    """

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $foreground; }
    StatusBar.-problem { background: $error; color: $text; }
    StatusBar.-read-only { background: $warning 60%; color: $text; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.left: list[Part] = []
        self.right: list[Part] = []

    def show(self, left: list[Part], right: list[Part]) -> None:
        left = [(inert(t), p) for t, p in left]
        right = [(inert(t), p) for t, p in right]
        if (left, right) != (self.left, self.right):
            self.left, self.right = left, right
            self.refresh()

    @property
    def text(self) -> str:
        left, right = fit_parts(self.left, self.right, max(1, self.size.width))
        return left + " " + right

    def render(self) -> Text:
        width = self.size.width
        left, right = fit_parts(self.left, self.right, max(1, width))
        line = Text(" " + left, no_wrap=True, overflow="ellipsis")
        line.append(" " * max(1, width - len(left) - len(right) - 2))
        line.append(right, style="bold")
        return line

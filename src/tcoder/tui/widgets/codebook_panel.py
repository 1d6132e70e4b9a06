"""The codebook tree with keys, colours and how often each code is used in this transcript.

A Line-API view like the transcript: one row per code, rendered only when on
screen and cached, so updating counts or the highlighted code as the cursor
moves redraws a row or two, never the whole tree.

Focused (its command key, or a click), it has a cursor of its own: the arrows
move it, enter asks what to do with the code (edit, rename, merge, split, move,
delete...), a letter does it at once (:data:`ACTION_KEYS`), escape goes back to
the transcript. Letters never code anything while the panel has the focus.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from tcoder.codebook import Codebook
from tcoder.tui.widgets.plain_lines import KeptRows
from tcoder.tui.widgets.strip_scrollbar import strip_scrollbar
from tcoder.tui.wrap import inert

#: In the focused panel: letter -> (action, what it does). The coding screen carries them out.
ACTION_KEYS: dict[str, tuple[str, str]] = {
    "e": ("edit", "edit the definition, key and colour"),
    "n": ("new", "a new code under this one (or beside it)"),
    "r": ("rename", "rename: a new id (every coder's files follow)"),
    "m": ("merge", "merge into another code"),
    "s": ("split", "split into two codes, passage by passage"),
    "v": ("move", "move under another parent"),
    "d": ("delete", "delete"),
    "h": ("history", "the codebook's history"),
    "u": ("undo", "undo the last codebook operation"),
}


class CodebookPanel(KeptRows, ScrollView, can_focus=False):
    """Keys go to the transcript until the panel's command focuses it (it can take the
    focus only then, so a click shows a code's definition and the letters still code)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"codebook-panel--current", "codebook-panel--count",
                                             "codebook-panel--cursor"}
    DEFAULT_CSS = """
    CodebookPanel { height: 1fr; width: 1fr; overflow-y: auto; overflow-x: hidden;
                    scrollbar-size-vertical: 1; background: $surface; }
    CodebookPanel > .codebook-panel--current { background: $accent 40%; text-style: bold; }
    CodebookPanel > .codebook-panel--cursor { background: $primary; color: $text; text-style: bold; }
    CodebookPanel > .codebook-panel--count { color: $text-muted; }
    CodebookPanel:focus { background: $boost; }
    """

    class CodeClicked(Message):
        def __init__(self, code_id: str) -> None:
            super().__init__()
            self.code_id = code_id

    class ActionRequested(Message):
        """Enter (``action`` None: ask which) or an action's letter on the code at the panel's cursor."""

        def __init__(self, code_id: str | None, action: str | None) -> None:
            super().__init__()
            self.code_id = code_id
            self.action = action

    class Left(Message):
        """Escape: the focus goes back to the transcript."""

    def __init__(self, codebook: Codebook, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.codebook = codebook
        self.rows: list[str] = list(codebook.codes)
        self.counts: Counter[str] = Counter()
        self.current: str | None = None
        self.code_filter: frozenset[str] | None = None
        self.with_memos: frozenset[str] = frozenset()  # codes that memos are written about (marked ✎)
        self.cursor_row = 0  # the panel's own cursor, shown while it has the focus
        self._cache: LRUCache[tuple, Strip] = LRUCache(512)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The scroll bar, drawn from ready strips (it moves as the panel follows the cursor's code)."""
        return strip_scrollbar(self)

    def set_memo_codes(self, codes: set[str] | frozenset[str]) -> None:
        """Mark the codes that memos are about."""
        codes = frozenset(codes)
        if codes != self.with_memos:
            self.with_memos = codes
            self._cache.clear()
            self.refresh()

    def on_mount(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def update_state(self, codebook: Codebook, counts: Counter[str], current: str | None,
                     code_filter: frozenset[str] | None) -> None:
        if codebook is not self.codebook:
            cursor_code = self.cursor_code
            self.codebook = codebook
            self.rows = list(codebook.codes)
            self._cache.clear()
            self.virtual_size = Size(self.size.width, len(self.rows))
            if cursor_code in codebook.codes:
                self.cursor_row = codebook.order[cursor_code]
            self.cursor_row = max(0, min(self.cursor_row, len(self.rows) - 1))
            self.refresh()
        old_current, old_counts = self.current, self.counts
        rows: set[str] = set()
        if code_filter != self.code_filter:
            self.refresh()
        elif counts != old_counts:
            for code_id in set(counts) ^ set(old_counts) | {c for c in counts if counts[c] != old_counts.get(c)}:
                if code_id in self.codebook.codes:
                    rows.add(code_id)
                    rows.update(a.id for a in self.codebook.ancestors(code_id))
        if current != old_current:
            rows.update(c for c in (old_current, current) if c in self.codebook.codes)
        self.counts, self.current, self.code_filter = Counter(counts), current, code_filter
        for code_id in rows:
            self.refresh_line(self.codebook.order[code_id])
        if current != old_current and current in self.codebook.codes and not self.has_focus:
            self._scroll_to_row(self.codebook.order[current])

    def _scroll_to_row(self, row: int) -> None:
        top = int(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        if height and not top <= row < top + height:
            self.scroll_to(y=max(0, row - height // 2), animate=False, immediate=True)

    def subtree_count(self, code_id: str) -> int:
        return sum(self.counts.get(c, 0) for c in self.codebook.descendants(code_id))

    def row_text(self, code_id: str, width: int) -> Text:
        code = self.codebook[code_id]
        own = self.counts.get(code_id, 0)
        count = str(own) if not code.children else f"{own}/{self.subtree_count(code_id)}"
        if count in ("0", "0/0"):
            count = "\u00b7"
        hidden = self.code_filter is not None and code_id not in self.code_filter
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("  " * code.depth)
        line.append("\u2588 ", style=code.color)
        line.append(code.key or " ", style="bold")
        line.append(" ")
        name = inert(code.name) + (" \u2299" if code.exclusive else "") + (" \u270e" if code_id in self.with_memos
                                                                           else "")
        room = max(1, width - line.cell_len - len(count) - 1)
        if len(name) > room:
            name = name[: max(1, room - 1)] + "\u2026"
        line.append(name, style="dim" if hidden else ("bold" if code.children else ""))
        line.append(" " * max(1, width - line.cell_len - len(count)))
        line.append(count, style=self.get_component_rich_style("codebook-panel--count", partial=True))
        return line

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if row >= len(self.rows):
            return Strip.blank(width, base)
        code_id = self.rows[row]
        current = code_id == self.current
        cursor = self.has_focus and row == self.cursor_row
        key = (row, width, code_id, current, cursor, self.counts.get(code_id, 0),
               self.subtree_count(code_id) if self.codebook[code_id].children else 0,
               self.code_filter is not None and code_id in self.code_filter, self.code_filter is None)
        strip = self._cache.get(key)
        if strip is None:
            style = base
            if cursor:
                style += self.get_component_rich_style("codebook-panel--cursor")
            elif current:
                style += self.get_component_rich_style("codebook-panel--current")
            segments = list(self.row_text(code_id, width).render(self.app.console))
            strip = Strip(Segment.apply_style(segments, style), ).extend_cell_length(width, style).crop(0, width)
            self._cache[key] = strip
        return strip

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_offset.y) + event.y
        if 0 <= row < len(self.rows):
            self.cursor_row = row
            self.refresh()
            self.post_message(self.CodeClicked(self.rows[row]))

    # ------------------------------------------------------------ the panel's own cursor

    @property
    def cursor_code(self) -> str | None:
        return self.rows[self.cursor_row] if 0 <= self.cursor_row < len(self.rows) else None

    def focus_on(self, code_id: str | None) -> None:
        """Take the focus with the cursor on ``code_id`` (or where it was)."""
        if code_id in self.codebook.codes:
            self.cursor_row = self.codebook.order[code_id]
        self.can_focus = True
        self.focus()
        self.refresh()
        self._scroll_to_row(self.cursor_row)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def release_focus(self) -> None:
        """Give up the focus for good (until the panel's command again): clicks and tab leave it alone."""
        self.can_focus = False
        self.refresh()

    def move_cursor(self, delta: int | None = None, to: int | None = None) -> None:
        if not self.rows:
            return
        row = to if to is not None else self.cursor_row + (delta or 0)
        self.cursor_row = max(0, min(len(self.rows) - 1, row))
        self.refresh()
        self._scroll_to_row(self.cursor_row)
        code = self.cursor_code
        if code is not None:
            self.post_message(self.CodeClicked(code))

    def on_key(self, event: events.Key) -> None:
        page = max(1, self.scrollable_content_region.height - 1)
        moves = {"up": -1, "down": 1, "pageup": -page, "pagedown": page}
        key = event.key
        if key in moves:
            self.move_cursor(moves[key])
        elif key == "home":
            self.move_cursor(to=0)
        elif key == "end":
            self.move_cursor(to=len(self.rows) - 1)
        elif key == "enter":
            self.post_message(self.ActionRequested(self.cursor_code, None))
        elif key == "escape":
            self.post_message(self.Left())
        elif event.character and len(event.character) == 1 and event.character.isalnum():
            action = ACTION_KEYS.get(event.character)
            self.post_message(self.ActionRequested(self.cursor_code, action[0] if action else "?" + event.character))
        else:
            return
        event.stop()
        event.prevent_default()

"""The transcript view: a Line-API ScrollView that draws only the rows on screen.

Rows come from a soft-wrap index (:class:`~tcoder.tui.wrap.WrapIndex`); each row
is rendered into a Strip from the text, the speaker labels and the coded spans
of one or more layers (a layer is one coder's annotations), and kept in an LRU
cache. The cursor and the selection are part of a row's cache key, so moving the
cursor re-renders only the rows it leaves and enters.

Coded text gets its code's colour as a tinted background, text covered by two
or more codes is underlined, and a gutter left of each row lists the codes on
it by key (or initial) so codes stay readable with NO_COLOR or 16 colours.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from typing import Callable, ClassVar, Iterable, Literal, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.timer import Timer

from tcoder.annotations import Annotation
from tcoder.codebook import Codebook
from tcoder.gcpause import collect_if_due
from tcoder.session import SpanIndex
from tcoder.transcript import Transcript
from tcoder.tui.keymap import bindings
from tcoder.tui.navigation import Navigator
from tcoder.tui.widgets.plain_lines import KeptRows, is_plain, plain_lines
from tcoder.tui.widgets.strip_scrollbar import strip_scrollbar
from tcoder.tui.wrap import WrapBuilder, WrapIndex, inert, kept_wrap, wrap_index

MARKERS_PER_LAYER = 4
UNKNOWN_CODE_COLOUR = "#999999"
MAX_SEARCH_MATCHES = 100_000
#: A text this long or longer is wrapped at a new width visible part first: the lines around
#: the cursor at once, the whole text a few milliseconds at a time between keys.
LAZY_WRAP_CHARS = 300_000
#: Wrapping the whole text in the background: this long at a time, every WRAP_STEP_EVERY seconds.
WRAP_STEP_SECONDS = 0.005
WRAP_STEP_EVERY = 0.01
#: Screens of rows wrapped above and below the part shown until the whole text is wrapped.
SCREENS_BEFORE, SCREENS_AFTER = 2, 3
#: Rendered rows kept (each with the forms the screen made of it: padded, filtered, cut),
#: a dozen screens: enough to page back and forth and move about without drawing again.
ROWS_KEPT = 512
#: This long after a move (once its frame is out) the view is at rest: after a page key the
#: next page in that direction is drawn, so that paging on only looks its rows up, and a
#: pass of the cycle collector about to fall due runs then rather than within a key's frame.
PREFETCH_AFTER = 0.015


class SpanSource(Protocol):
    """Anything with annotations to draw: a CodingSession, or a fixed set (:class:`FixedSpans`)."""

    @property
    def index(self) -> SpanIndex: ...

    @property
    def revision(self) -> int: ...


class FixedSpans:
    """A set of annotations that does not change (another coder's file in a comparison)."""

    def __init__(self, annotations: Iterable[Annotation]):
        self.index = SpanIndex(a for a in annotations if not a.orphaned)
        self.revision = 0


#: How a layer's spans show in the text: tinted with the code's colour, or in italics
#: (a partner's or the consensus's spans drawn over the tinted ones). Every layer also
#: has its own lane in the gutter.
LayerStyle = Literal["tint", "italic"]


@dataclass(frozen=True, slots=True)
class SpanLayer:
    """One coder's spans in the view; ``name`` labels the layer's gutter column."""

    name: str
    source: SpanSource
    style: LayerStyle = "tint"


#: A row's flag in the flag column: (glyph, kind); kind picks the style:
#: "open", "done", "current" (the compare screen's disagreements) or "memo".
RowFlag = tuple[str, str]
FLAG_WIDTH = 2


def code_marker(codebook: Codebook, code_id: str) -> str:
    """The gutter letter of a code: its key, else the first letter of its name; '?' if unknown."""
    code = codebook.codes.get(code_id)
    if code is None:
        return "?"
    if code.key:
        return code.key
    initial = next((c for c in code.name if c.isalnum()), "\u2022")
    return inert(initial)


def _runs(rows: list[int]) -> Iterable[tuple[int, int]]:
    """Consecutive runs in sorted row numbers, as (first, last)."""
    if not rows:
        return
    start = prev = rows[0]
    for row in rows[1:]:
        if row == prev + 1:
            prev = row
        else:
            yield start, prev
            start = prev = row
    yield start, prev


class TranscriptView(KeptRows, ScrollView, can_focus=True):
    """Read-only, selectable view of a transcript with coded spans."""

    ALLOW_SELECT = False
    BINDINGS: ClassVar[list[BindingType]] = bindings("view")
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript-view--speaker",
        "transcript-view--cursor",
        "transcript-view--selection",
        "transcript-view--search",
        "transcript-view--gutter",
        "transcript-view--control",
        "transcript-view--focus",
        "transcript-view--flag-open",
        "transcript-view--flag-done",
        "transcript-view--flag-current",
        "transcript-view--flag-memo",
    }
    DEFAULT_CSS = """
    TranscriptView {
        overflow-y: scroll;
        overflow-x: hidden;
        background: $surface;
        color: $foreground;
        scrollbar-size-vertical: 1;
    }
    TranscriptView > .transcript-view--speaker { color: $accent; text-style: bold; }
    TranscriptView > .transcript-view--cursor { text-style: reverse; }
    TranscriptView > .transcript-view--selection { background: $primary 70%; color: $text; }
    TranscriptView > .transcript-view--search { background: $warning 45%; }
    TranscriptView > .transcript-view--gutter { color: $text-muted; }
    TranscriptView > .transcript-view--control { color: $error; }
    TranscriptView > .transcript-view--focus { background: $error 30%; text-style: bold; }
    TranscriptView > .transcript-view--flag-open { color: $error; text-style: bold; }
    TranscriptView > .transcript-view--flag-done { color: $success; }
    TranscriptView > .transcript-view--flag-current { color: $text; background: $error 70%; text-style: bold; }
    TranscriptView > .transcript-view--flag-memo { color: $accent; text-style: bold; }
    """

    class Moved(Message):
        """The cursor or the selection changed (posted when no ``on_move`` callback is set)."""

        def __init__(self, view: "TranscriptView") -> None:
            super().__init__()
            self.view = view

        @property
        def control(self) -> "TranscriptView":
            return self.view

    def __init__(self, transcript: Transcript, codebook: Codebook, layers: Iterable[SpanLayer] = (), *,
                 no_color: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.transcript = transcript
        self.text = transcript.text
        self.codebook = codebook
        self.span_layers: list[SpanLayer] = list(layers)
        self.no_color = no_color
        self.navigator = Navigator(transcript)
        #: called whenever the cursor or the selection changes; without it a Moved message is posted
        self.on_move: Callable[[TranscriptView], None] | None = None
        self.cursor = 0
        self.selection_anchor: int | None = None
        self.code_filter: frozenset[str] | None = None
        #: a passage drawn highlighted (the current disagreement of a comparison)
        self.focus_range: tuple[int, int] | None = None
        #: with a function here, a flag column left of the lanes shows (glyph, kind) per row
        self.row_flags: Callable[[int, int], RowFlag | None] | None = None
        self._goal_column: int | None = None
        self._wrap: WrapIndex | None = None
        self._wrapping: WrapBuilder | None = None  # the whole text at the current width, in steps
        self._wrap_timer: Timer | None = None
        self._replacing = False  # a wrap is being replaced by another (see _replace_wrap)
        self._placed_for_width: int | None = None  # the wrap width the cursor was last scrolled into view for
        self._turn_starts = [t.start for t in transcript.turns]
        self._match_starts: list[int] = []
        self._match_ends: list[int] = []
        self._generation = 0  # bumped when anything drawn changes except cursor and selection
        self._row_cache: LRUCache[tuple, Strip] = LRUCache(ROWS_KEPT)
        self._style_cache: dict[tuple, Style] = {}
        self._code_styles: dict[str, tuple[Style, Style]] = {}
        self._gutter_cache: dict[tuple[str, ...], list[Segment]] = {}
        self._base_style: Style | None = None
        self._rest_timer: Timer | None = None
        self._paging = 0  # the direction of the page key being handled (0: none, or selecting)

    # ------------------------------------------------------------ geometry

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The scroll bar, drawn from ready strips (it moves on every page)."""
        return strip_scrollbar(self)

    @property
    def flag_width(self) -> int:
        return FLAG_WIDTH if self.row_flags is not None else 0

    @property
    def gutter_width(self) -> int:
        return self.flag_width + (MARKERS_PER_LAYER + 1) * max(1, len(self.span_layers))

    def lane_labels(self) -> list[tuple[int, str]]:
        """(column, name) of each layer's lane in the gutter, for a header above the view."""
        return [(self.flag_width + i * (MARKERS_PER_LAYER + 1), layer.name)
                for i, layer in enumerate(self.span_layers)]

    @property
    def text_width(self) -> int:
        """Cells for text on a row; one cell is kept free for the cursor after a line's end."""
        return max(8, self.scrollable_content_region.width - self.gutter_width - 1)

    @property
    def wrap(self) -> WrapIndex:
        width = self.text_width
        if self._wrap is None or self._wrap.width != width:
            self._set_wrap(self._wrap_at(width))
        assert self._wrap is not None
        return self._wrap

    def _set_wrap(self, index: WrapIndex) -> None:
        self._wrap = index
        self._row_cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(index))

    def _wrap_at(self, width: int) -> WrapIndex:
        """The whole text's rows at ``width`` if known (or quick to make); else the rows
        around the cursor, while the whole text is wrapped in steps (see :meth:`_wrap_step`)."""
        kept = kept_wrap(self.text, width)
        if kept is not None:
            return kept
        if len(self.text) < LAZY_WRAP_CHARS:
            return wrap_index(self.text, width, self.transcript.line_starts)
        if self._wrapping is None or self._wrapping.width != width:
            self._wrapping = WrapBuilder(self.text, width, self.transcript.line_starts)
        if self._wrap_timer is None:
            self._wrap_timer = self.set_interval(WRAP_STEP_EVERY, self._wrap_step, name="wrap")
        return self._around(width, self.cursor, 0)

    def _around(self, width: int, offset: int, extra: int) -> WrapIndex:
        height = max(1, self.scrollable_content_region.height)
        return WrapIndex.around(self.text, width, self.transcript.line_starts, offset,
                                SCREENS_BEFORE * height + extra, SCREENS_AFTER * height + extra)

    def _wrap_step(self) -> None:
        """Wrap some more of the whole text; once done, draw from it (the row at the top stays)."""
        builder = self._wrapping
        if builder is None or not builder.step(WRAP_STEP_SECONDS):
            return
        self._wrapping = None
        if self._wrap_timer is not None:
            self._wrap_timer.stop()
            self._wrap_timer = None
        if builder.index is not None and self._wrap is not None and self._wrap.width == builder.width:
            self._replace_wrap(builder.index)

    def _replace_wrap(self, index: WrapIndex) -> None:
        """Draw from ``index`` (the same width), keeping the text at the top of the view there."""
        old = self._wrap
        top = int(self.scroll_offset.y)
        offset = old.starts[min(top, len(old) - 1)] if old is not None and len(old) else 0
        self._set_wrap(index)
        self._replacing = True  # the caller scrolls where it wants next
        try:
            self.scroll_to(y=index.row_of(offset), animate=False, immediate=True)
        finally:
            self._replacing = False
        self.refresh()

    def _exact_near(self, offset: int, rows: int) -> None:
        """Make the rows from ``rows`` above to ``rows`` below ``offset``'s those of the whole
        text, while only part of it is wrapped (wrapping more around ``offset`` if needed)."""
        wrap = self.wrap
        if wrap.exact_lines is None:
            return
        row = wrap.row_of(offset)
        if not wrap.is_exact(row - rows, row + rows):
            self._replace_wrap(self._around(wrap.width, offset, rows))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._wrap_what_is_shown(int(new_value))

    def _wrap_what_is_shown(self, top: int) -> None:
        """While only part of the text is wrapped: when the rows on screen from ``top`` on
        reach past it (scrolled there, or a taller window), wrap the lines there first."""
        wrap = self._wrap
        if wrap is not None and wrap.exact_lines is not None and len(wrap) and not self._replacing:
            height = max(1, self.scrollable_content_region.height)
            if not wrap.is_exact(top, top + height - 1):
                offset = wrap.starts[min(top, len(wrap) - 1)]
                self._replace_wrap(self._around(wrap.width, offset, 0))

    def on_resize(self, event: events.Resize) -> None:
        # The wrap index may already have been rebuilt for the new width while
        # rendering, so compare with the width the cursor was last placed for.
        width = self.wrap.width
        self._wrap_what_is_shown(int(self.scroll_offset.y))  # taller: more rows on screen
        if width != self._placed_for_width:
            self._placed_for_width = width
            self._goal_column = None
            self.scroll_cursor_visible(center=True)
            self.call_after_refresh(self.scroll_cursor_visible)  # once the new virtual size applies

    @property
    def cursor_row(self) -> int:
        return self.wrap.row_of(self.cursor)

    # ------------------------------------------------------------ what to draw

    def set_layers(self, layers: Iterable[SpanLayer]) -> None:
        self.span_layers = list(layers)
        self._wrap = None
        self.spans_changed()

    def set_codebook(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._code_styles.clear()
        self._style_cache.clear()
        self._gutter_cache.clear()
        self.spans_changed()

    def set_focus_range(self, span: tuple[int, int] | None) -> None:
        """Highlight a passage (or none); redraws only when it changes."""
        if span != self.focus_range:
            self.focus_range = span
            self.spans_changed()

    def set_row_flags(self, flags: Callable[[int, int], RowFlag | None] | None) -> None:
        """Show (or, with None, hide) the flag column; the text is wrapped again for its width."""
        if flags is None and self.row_flags is None:
            return
        self.row_flags = flags
        self._wrap = None
        self._row_cache.clear()
        self.spans_changed()

    def set_filter(self, codes: Iterable[str] | None) -> None:
        self.code_filter = frozenset(codes) if codes is not None else None
        self.spans_changed()

    def spans_changed(self) -> None:
        """Redraw after the annotations changed (layers with a revision are noticed anyway)."""
        self._generation += 1
        self.refresh()

    def refresh_span(self, start: int, end: int) -> None:
        """Redraw only the rows on screen that show [start, end) (after one annotation changed)."""
        top = int(self.scroll_offset.y)
        first, last = self.wrap.row_of(start), self.wrap.row_of(end)
        region = self.scrollable_content_region
        lo, hi = max(first, top), min(last, top + region.height - 1)
        if lo <= hi:
            self.refresh(Region(0, lo - top, region.width, hi - lo + 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None
        self._style_cache.clear()
        self._code_styles.clear()
        self._gutter_cache.clear()
        self._row_cache.clear()

    @property
    def base_style(self) -> Style:
        """The widget's own style (background and text colour), computed once per style change."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    # ------------------------------------------------------------ selection

    @property
    def selection(self) -> tuple[int, int] | None:
        if self.selection_anchor is None or self.selection_anchor == self.cursor:
            return None
        return (min(self.selection_anchor, self.cursor), max(self.selection_anchor, self.cursor))

    def select(self, start: int, end: int) -> None:
        """Select [start, end) with the cursor at the end."""
        self._set(end, anchor=start)

    def move_to(self, offset: int, *, select: bool = False, keep_goal: bool = False,
                center: bool = False) -> None:
        if select:
            anchor = self.cursor if self.selection_anchor is None else self.selection_anchor
        else:
            anchor = None
        self._set(offset, anchor, keep_goal=keep_goal, center=center)

    def _set(self, offset: int, anchor: int | None, *, keep_goal: bool = False, center: bool = False) -> None:
        offset = max(0, min(len(self.text), offset))
        old_cursor, old_selection = self.cursor, self.selection
        self.cursor = offset
        self.selection_anchor = anchor
        if not keep_goal:
            self._goal_column = None
        if not self.scroll_cursor_visible(center=center):
            self._refresh_changed(old_cursor, old_selection)
        self._rest_after_move()
        if self.on_move is not None:
            self.on_move(self)  # at once, so what follows the cursor is drawn in the same frame
        else:
            self.post_message(self.Moved(self))

    def _refresh_changed(self, old_cursor: int, old_selection: tuple[int, int] | None) -> None:
        """Repaint only the rows whose cursor or selection changed (over SSH every row counts)."""
        wrap = self.wrap
        new_selection = self.selection
        ranges = [(old_cursor, old_cursor), (self.cursor, self.cursor)]
        if old_selection is None or new_selection is None:
            ranges.extend(sel for sel in (old_selection, new_selection) if sel is not None)
        else:  # what was added or removed at either end
            (os_, oe), (ns, ne) = old_selection, new_selection
            ranges.extend([(min(os_, ns), max(os_, ns)), (min(oe, ne), max(oe, ne))])
        top = int(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        width = self.scrollable_content_region.width
        rows: set[int] = set()
        for start, end in ranges:
            lo = max(top, wrap.row_of(start))
            hi = min(top + height - 1, wrap.row_of(end))
            rows.update(range(lo, hi + 1))
        for first, last in _runs(sorted(rows)):
            self.refresh(Region(0, first - top, width, last - first + 1))

    def scroll_cursor_visible(self, *, center: bool = False) -> bool:
        """Scroll so the cursor's row is on screen; True if the view scrolled."""
        self._exact_near(self.cursor, max(1, self.scrollable_content_region.height))
        row = self.cursor_row
        top = int(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height)
        if top <= row < top + height and not center:
            return False
        if center:
            target = max(0, row - height // 3)
        elif row < top:
            target = row
        else:
            target = row - height + 1
        if target == top:
            return False
        self.scroll_to(y=target, animate=False, immediate=True)
        return True

    # ------------------------------------------------------------ moving

    def _vertical(self, rows: int, select: bool) -> None:
        self._exact_near(self.cursor, abs(rows) + 1)
        wrap = self.wrap
        if self._goal_column is None:
            self._goal_column = wrap.column_of(self.cursor)
        target = wrap.row_of(self.cursor) + rows
        if target < 0:
            offset = 0
        elif target >= len(wrap):
            offset = len(self.text)
        else:
            offset = wrap.offset_at(target, self._goal_column)
        self.move_to(offset, select=select, keep_goal=True)

    def _page_step(self, direction: int) -> tuple[int, int]:
        """A page in ``direction``: the rows the cursor moves and the view's new top row (the
        view moves a screen less one row, so one row stays in sight, and stops at the ends)."""
        height = self.scrollable_content_region.height
        step = max(1, height - 1)
        max_top = max(0, len(self.wrap) - height)
        return step, max(0, min(max_top, int(self.scroll_offset.y) + direction * step))

    def _page(self, direction: int, select: bool) -> None:
        step, new_top = self._page_step(direction)
        if new_top != int(self.scroll_offset.y):
            self.scroll_to(y=new_top, animate=False, immediate=True)
        self._paging = 0 if select else direction
        try:
            self._vertical(direction * step, select)
        finally:
            self._paging = 0

    def _rest_after_move(self) -> None:
        """(Re)start the wait for the view to be at rest after this move."""
        if self._rest_timer is not None:
            self._rest_timer.stop()
        direction = self._paging
        self._rest_timer = self.set_timer(PREFETCH_AFTER, lambda: self._at_rest(direction), name="rest")

    def _at_rest(self, direction: int) -> None:
        self._rest_timer = None
        if direction:
            self._prefetch(direction)
        collect_if_due()

    def _prefetch(self, direction: int) -> None:
        """Draw the next page in ``direction`` into the row cache, in the form the screen
        takes it, so that paging on finds its rows ready (a page has every row new)."""
        if self.selection is not None or not is_plain(self):
            return
        height = self.scrollable_content_region.height
        wrap = self.wrap
        _, new_top = self._page_step(direction)
        if new_top == int(self.scroll_offset.y) or (wrap.exact_lines is not None
                                                     and not wrap.is_exact(new_top, new_top + height - 1)):
            return
        strips = plain_lines(self, Region(0, 0, self.size.width, height), self._row_source(new_top))
        self._cut_like_the_screen(strips)

    def _cut_like_the_screen(self, strips: list[Strip]) -> None:
        """Cut rows (from the view's top) where the screen will cut them, at the edges of the
        widgets beside and over the view (a strip keeps its pieces). This follows how
        Textual's compositor composes a frame (``Compositor._render_chops``); should that
        change, the pieces are only made again when the frame is drawn."""
        try:
            compositor = self.screen._compositor
            region, clip = compositor.visible_widgets[self]
            cuts = compositor.cuts
        except (AttributeError, KeyError):
            return
        shown = region.intersection(clip)
        first, last = shown.column_span
        skip = shown.y - region.y
        for y, strip in zip(shown.line_range, strips[skip:], strict=False):
            if 0 <= y < len(cuts):
                strip.divide([cut - shown.x for cut in cuts[y] if last >= cut >= first][1:])

    def action_cursor_left(self) -> None:
        sel = self.selection
        self.move_to(sel[0] if sel else self.cursor - 1)

    def action_cursor_right(self) -> None:
        sel = self.selection
        self.move_to(sel[1] if sel else self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._vertical(-1, False)

    def action_cursor_down(self) -> None:
        self._vertical(1, False)

    def action_select_left(self) -> None:
        self.move_to(self.cursor - 1, select=True)

    def action_select_right(self) -> None:
        self.move_to(self.cursor + 1, select=True)

    def action_select_up(self) -> None:
        self._vertical(-1, True)

    def action_select_down(self) -> None:
        self._vertical(1, True)

    def action_word_left(self) -> None:
        self.move_to(self.navigator.word_left(self.cursor))

    def action_word_right(self) -> None:
        self.move_to(self.navigator.word_right(self.cursor))

    def action_select_word_left(self) -> None:
        self.move_to(self.navigator.word_left(self.cursor), select=True)

    def action_select_word_right(self) -> None:
        self.move_to(self.navigator.word_right(self.cursor), select=True)

    def action_previous_sentence(self) -> None:
        self.move_to(self.navigator.previous_sentence(self.cursor))

    def action_next_sentence(self) -> None:
        self.move_to(self.navigator.next_sentence(self.cursor))

    def action_select_previous_sentence(self) -> None:
        self.move_to(self.navigator.previous_sentence(self.cursor), select=True)

    def action_select_next_sentence(self) -> None:
        sentence = self.navigator.sentence_at(self.cursor)
        if sentence and sentence[0] <= self.cursor < sentence[1]:
            self.move_to(sentence[1], select=True)
        else:
            nxt = self.navigator.sentence_at(self.navigator.next_sentence(self.cursor))
            self.move_to(nxt[1] if nxt else len(self.text), select=True)

    def action_previous_turn(self) -> None:
        self.move_to(self.navigator.previous_turn(self.cursor), center=False)

    def action_next_turn(self) -> None:
        self.move_to(self.navigator.next_turn(self.cursor))

    def action_select_previous_turn(self) -> None:
        self.move_to(self.navigator.previous_turn(self.cursor), select=True)

    def action_select_next_turn(self) -> None:
        turn = self.navigator.turn_at(self.cursor)
        if turn is not None:
            body = self.navigator.turn_body(turn)
            if self.cursor < body[1]:
                self.move_to(body[1], select=True)
                return
        nxt = self.navigator.turn_at(self.navigator.next_turn(self.cursor))
        self.move_to(self.navigator.turn_body(nxt)[1] if nxt else len(self.text), select=True)

    def _row_bounds(self) -> tuple[int, int]:
        wrap = self.wrap
        row = wrap.row_of(self.cursor)
        end = wrap.ends[row]
        if not wrap.is_last_row_of_line(row):
            end = max(wrap.starts[row], end - 1)
        return wrap.starts[row], end

    def action_line_start(self) -> None:
        self.move_to(self._row_bounds()[0])

    def action_line_end(self) -> None:
        self.move_to(self._row_bounds()[1])

    def action_select_line_start(self) -> None:
        self.move_to(self._row_bounds()[0], select=True)

    def action_select_line_end(self) -> None:
        self.move_to(self._row_bounds()[1], select=True)

    def action_page_up(self) -> None:
        self._page(-1, False)

    def action_page_down(self) -> None:
        self._page(1, False)

    def action_select_page_up(self) -> None:
        self._page(-1, True)

    def action_select_page_down(self) -> None:
        self._page(1, True)

    def action_document_start(self) -> None:
        self.move_to(0)

    def action_document_end(self) -> None:
        self.move_to(len(self.text))

    def action_select_sentence(self) -> None:
        nav = self.navigator
        sel = self.selection
        if sel is not None:
            at_start = nav.sentence_at(sel[0])
            at_end = nav.sentence_at(max(sel[0], sel[1] - 1))
            if at_start and at_end and at_start[0] == sel[0] and at_end[1] == sel[1]:
                # Grow by the next sentence, but never into another speaker's turn.
                nxt = nav.sentence_after(sel)
                if nxt is not None and nav.turn_index(nxt[0]) == nav.turn_index(sel[1] - 1):
                    self.select(sel[0], nxt[1])
                else:
                    self.app.bell()
                return
        sentence = nav.sentence_at(self.cursor)
        if sentence is not None:
            self.select(*sentence)

    def action_select_turn(self) -> None:
        nav = self.navigator
        turn = nav.turn_at(self.cursor)
        if turn is None:
            nxt = nav.turn_at(nav.next_turn(self.cursor))
            if nxt is None:
                return
            turn = nxt
        start, end = nav.turn_body(turn)
        sel = self.selection
        if sel is not None and sel[1] == end and sel[0] <= start:
            nxt = nav.turn_at(nav.next_turn(end))
            if nxt is not None and nxt.index > turn.index:
                self.select(sel[0], nav.turn_body(nxt)[1])
            return
        if start < end:
            self.select(start, end)

    def action_clear_selection(self) -> None:
        if self.selection_anchor is not None:
            self.move_to(self.cursor)

    # ------------------------------------------------------------ search

    def set_search(self, query: str | None) -> int:
        """Highlight every match of ``query`` (literal, case-insensitive); returns how many."""
        self._match_starts, self._match_ends = [], []
        if query:
            pattern = re.compile(re.escape(query), re.IGNORECASE)
            for i, m in enumerate(pattern.finditer(self.text)):
                if i >= MAX_SEARCH_MATCHES:
                    break
                self._match_starts.append(m.start())
                self._match_ends.append(m.end())
        self.spans_changed()
        return len(self._match_starts)

    def find_match(self, forward: bool = True) -> tuple[int, int, bool] | None:
        """The next (or previous) match from the cursor: (start, end, wrapped around)."""
        starts = self._match_starts
        if not starts:
            return None
        sel = self.selection
        here = sel[0] if sel else self.cursor
        if forward:
            i = bisect.bisect_right(starts, here)
            wrapped = i >= len(starts)
            i = 0 if wrapped else i
        else:
            i = bisect.bisect_left(starts, here) - 1
            wrapped = i < 0
            i = len(starts) - 1 if wrapped else i
        return starts[i], self._match_ends[i], wrapped

    # ------------------------------------------------------------ mouse

    def offset_at_point(self, x: int, y: int) -> int:
        wrap = self.wrap
        row = int(self.scroll_offset.y) + y
        if row >= len(wrap):
            return len(self.text)
        return wrap.offset_at(row, max(0, x - self.gutter_width))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        self.focus()
        offset = self.offset_at_point(event.x, event.y)
        self.move_to(offset, select=event.shift)
        self._drag_from = self.selection_anchor if event.shift else offset
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        anchor = getattr(self, "_drag_from", None)
        if anchor is None:
            return
        self._set(self.offset_at_point(event.x, event.y), anchor)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self._drag_from = None
        self.release_mouse()

    # ------------------------------------------------------------ rendering

    def _style(self, key: tuple) -> Style:
        style = self._style_cache.get(key)
        if style is None:
            style = self._style_cache[key] = self._make_style(*key)
        return style

    def _component(self, name: str) -> Style:
        return self.get_component_rich_style(f"transcript-view--{name}", partial=True)

    def _code_style(self, code_id: str) -> tuple[Style, Style]:
        """(tinted background for coded text, bold colour for the gutter marker)."""
        cached = self._code_styles.get(code_id)
        if cached is None:
            code = self.codebook.codes.get(code_id)
            colour = Color.parse(code.color if code and code.color else UNKNOWN_CODE_COLOUR)
            background = self.background_colors[1]
            tint = background.blend(colour, 0.42 if background.brightness < 0.5 else 0.33)
            cached = (Style(bgcolor=tint.rich_color), Style(color=colour.rich_color, bold=True))
            self._code_styles[code_id] = cached
        return cached

    def _make_style(self, label: bool, code: str | None, overlap: bool, match: bool, selected: bool,
                    cursor: bool, control: bool, italic: bool = False, focus: bool = False) -> Style:
        style = self.base_style
        if code is not None:
            style += self._code_style(code)[0]
            if self.no_color:
                style += Style(underline=True)
        if overlap:
            style += Style(underline=True, bold=self.no_color)
        if italic:
            style += Style(italic=True)
        if focus:
            style += self._component("focus")
        if label:
            style += self._component("speaker")
        if control:
            style += self._component("control")
        if match:
            style += self._component("search") + (Style(italic=True, bold=True) if self.no_color else Style())
        if selected:
            style += Style(reverse=True) if self.no_color else self._component("selection")
        if cursor:
            if self.no_color and selected:
                style += Style(reverse=False, bold=True, underline=True)
            else:
                style += self._component("cursor")
        return style

    def render_line(self, y: int) -> Strip:
        return self._row_source()(y)

    def _row_source(self, top: int | None = None) -> Callable[[int], Strip]:
        """A function drawing the view's row ``y`` as things stand (what every row's look
        depends on is read once); with ``top``, as if scrolled there."""
        wrap = self.wrap
        top = int(self.scroll_offset.y) if top is None else top
        width = self.scrollable_content_region.width
        rows = len(wrap)
        starts, ends = wrap.starts, wrap.ends
        sel = self.selection
        cursor = self.cursor
        base = (width, self._generation, tuple(layer.source.revision for layer in self.span_layers))
        cache = self._row_cache

        def line(y: int) -> Strip:
            row = top + y
            if row >= rows:
                return Strip.blank(width, self.base_style)
            start, end = starts[row], ends[row]
            sel_key = None
            if sel is not None and sel[0] < end + 1 and sel[1] > start:
                sel_key = (max(sel[0], start), min(sel[1], end + 1))
            cursor_key = None
            if start <= cursor < end or (cursor == end and (end == start or wrap.is_last_row_of_line(row))):
                cursor_key = cursor - start
            key = (row, base, sel_key, cursor_key)
            strip = cache.get(key)
            if strip is None:
                strip = cache[key] = self._render_row(row, start, end, width, sel_key, cursor_key)
            return strip

        return line

    def _row_spans(self, start: int, end: int) -> list[list[Annotation]]:
        wanted = self.code_filter
        out = []
        for layer in self.span_layers:
            hits = layer.source.index.overlapping(start, max(end, start + 1))
            if wanted is not None:
                hits = [a for a in hits if a.code in wanted]
            out.append(hits)
        return out

    def _render_row(self, row: int, start: int, end: int, width: int, sel: tuple[int, int] | None,
                    cursor: int | None) -> Strip:
        text = self.text
        per_layer = self._row_spans(start, end)
        segments = self._flag(start, end) + self._gutter(per_layer)
        spans: list[Annotation] = []
        italics: list[Annotation] = []
        for layer, hits in zip(self.span_layers, per_layer, strict=True):
            (italics if layer.style == "italic" else spans).extend(
                a for a in hits if a.end > start and a.start < end)
        cuts = {start, end}
        for span in (*spans, *italics):
            cuts.add(max(span.start, start))
            cuts.add(min(span.end, end))
        focus = self.focus_range
        if focus is not None and focus[0] < end and focus[1] > start:
            cuts.update((max(focus[0], start), min(focus[1], end)))
        else:
            focus = None
        label = self._label_range(start, end)
        if label:
            cuts.update(label)
        if sel:
            cuts.update((max(sel[0], start), min(sel[1], end)))
        cursor_at = None if cursor is None else start + cursor
        if cursor_at is not None and cursor_at < end:
            cuts.update((cursor_at, cursor_at + 1))
        match_ranges = self._matches_in(start, end)
        for s, e in match_ranges:
            cuts.update((max(s, start), min(e, end)))
        raw = text[start:end]
        shown = inert(raw)
        if shown != raw:
            controls = [start + i for i, (a, b) in enumerate(zip(raw, shown, strict=True)) if a != b and a != "\t"]
            for c in controls:
                cuts.update((c, c + 1))
            control_set = set(controls)
        else:
            control_set = set()
        points = sorted(c for c in cuts if start <= c <= end)
        for a, b in itertools.pairwise(points):
            covering = [s for s in spans if s.start <= a < s.end]
            code = min(covering, key=lambda s: s.end - s.start).code if covering else None
            key = (
                bool(label and label[0] <= a < label[1]),
                code,
                len({s.code for s in covering}) > 1 or len(covering) > 1,
                any(s <= a < e for s, e in match_ranges),
                bool(sel and sel[0] <= a < sel[1]),
                cursor_at == a,
                a in control_set,
                any(s.start <= a < s.end for s in italics),
                bool(focus and focus[0] <= a < focus[1]),
            )
            segments.append(Segment(shown[a - start:b - start], self._style(key)))
        if cursor_at is not None and cursor_at == end:
            segments.append(Segment(" ", self._style((False, None, False, False, False, True, False, False,
                                                      False))))
        length = sum(segment.cell_length for segment in segments)
        if length < width:  # padded to the view's width, as Strip.extend_cell_length pads (one Strip, not three)
            segments.append(Segment(" " * (width - length), self.base_style))
        elif length > width:
            return Strip(segments, length).crop(0, width)
        return Strip(segments, width)

    def _flag(self, start: int, end: int) -> list[Segment]:
        if self.row_flags is None:
            return []
        flag = self.row_flags(start, max(end, start + 1))
        if flag is None:
            return [Segment(" " * FLAG_WIDTH, self.base_style)]
        glyph, kind = flag
        glyph = inert(glyph)[:FLAG_WIDTH - 1]
        style = self.base_style + self._component(f"flag-{kind}")
        return [Segment(glyph, style), Segment(" " * (FLAG_WIDTH - len(glyph)), self.base_style)]

    def _gutter(self, per_layer: list[list[Annotation]]) -> list[Segment]:
        segments: list[Segment] = []
        order = self.codebook.order
        for hits in per_layer or [[]]:
            codes = tuple(sorted({a.code for a in hits}, key=lambda c: (order.get(c, len(order)), c)))
            cached = self._gutter_cache.get(codes)
            if cached is None:
                cached = self._gutter_cache[codes] = self._gutter_segments(codes)
            segments.extend(cached)
        return segments

    def _gutter_segments(self, codes: tuple[str, ...]) -> list[Segment]:
        base = self.base_style + self._component("gutter")
        if len(codes) > MARKERS_PER_LAYER:
            shown, more = codes[: MARKERS_PER_LAYER - 1], True
        else:
            shown, more = codes, False
        out = [Segment(code_marker(self.codebook, code), self.base_style + self._code_style(code)[1])
               for code in shown]
        if more:
            out.append(Segment("+", base))
        out.append(Segment(" " * (MARKERS_PER_LAYER - len(out)) + "\u2502", base))
        return out

    def _label_range(self, start: int, end: int) -> tuple[int, int] | None:
        i = bisect.bisect_right(self._turn_starts, end) - 1
        for turn in self.transcript.turns[max(0, i - 1): i + 1]:
            if turn.speaker is None:
                continue
            label_end = turn.body_start
            while label_end > turn.start and self.text[label_end - 1] in " \t":
                label_end -= 1
            lo, hi = max(turn.start, start), min(label_end, end)
            if lo < hi:
                return (lo, hi)
        return None

    def _matches_in(self, start: int, end: int) -> list[tuple[int, int]]:
        if not self._match_starts:
            return []
        i = bisect.bisect_left(self._match_ends, start + 1)
        out = []
        while i < len(self._match_starts) and self._match_starts[i] < end:
            out.append((self._match_starts[i], self._match_ends[i]))
            i += 1
        return out


__all__ = ["FLAG_WIDTH", "FixedSpans", "LayerStyle", "RowFlag", "SpanLayer", "SpanSource", "TranscriptView",
           "code_marker"]

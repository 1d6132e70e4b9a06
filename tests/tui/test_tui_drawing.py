"""How the coding screen hands rows to Textual: the transcript's rows and the scroll bar
bypass Textual's per-row styling, and the next page is drawn before it is asked for.
Each shortcut must give the cells Textual's own path gives."""

from __future__ import annotations

import pytest
from textual.cache import LRUCache
from textual.geometry import Region
from textual.widget import Widget

from tuikit import TUI_CODEBOOK, make_app, run_app

LONG_TEXT = "".join(f"P{i % 3}: " + "word " * (5 + i % 40) + f"line {i}.\n\n" for i in range(400))


def _long_study(study_builder):
    study_builder.codebook(TUI_CODEBOOK)
    study_builder.transcript("interviews/P01.txt", LONG_TEXT)
    spans = []
    for i in range(0, 390, 3):
        start = LONG_TEXT.index(f"line {i}.")
        spans.append(("personal" if i % 2 else "curriculum", max(0, start - 30), start + 8))
        if i % 9 == 0:
            spans.append(("witnessing", start - 12, start + 20))  # overlaps: underlined
    study_builder.annotations("interviews/P01.txt", "alice", spans)
    return study_builder


def _cells(strips) -> list[list]:
    return [list(strip) for strip in strips]


def _textual_rows(widget, crop: Region):
    """The rows as Textual's own path draws them (its styles cache, nothing kept)."""
    widget._styles_cache.clear()
    return Widget.render_lines(widget, crop)


def test_scroll_bar_draws_the_cells_textual_draws(study_builder):
    _long_study(study_builder)

    async def scenario(pilot):
        from tcoder.tui.widgets.strip_scrollbar import StripScrollBar

        view = pilot.app.screen.view
        bar = view.vertical_scrollbar
        assert isinstance(bar, StripScrollBar) and bar.display
        width, height = bar.size
        whole = Region(0, 0, width, height)
        positions = sorted({0, 1, 7, 40, 333, len(view.wrap) // 2, len(view.wrap) - height})
        for state in ("plain", "hover", "grabbed"):
            bar.mouse_over = state == "hover"
            bar.grabbed = None
            for y in positions:
                view.scroll_to(y=y, animate=False, immediate=True)
                await pilot.pause()
                bar._render_content()
                expected = _cells(_textual_rows(bar, whole))
                assert _cells(bar.render_lines(whole)) == expected, (state, y)
                assert _cells(bar.render_lines(Region(0, 5, width, 9))) == expected[5:14], (state, y)
                thumb = {y for y, row in enumerate(expected) if any(s.style and s.style.reverse for s in row)}
                assert thumb, "the thumb is drawn"

    run_app(make_app(study_builder.root), scenario)


@pytest.mark.parametrize("no_color", [False, True])
def test_transcript_rows_reach_the_screen_as_textual_draws_them(study_builder, monkeypatch, no_color):
    """Coded, overlapping, selected rows and the cursor's: the same cells with and without
    Textual's styles cache, whole or in part (a crop), in colour and with NO_COLOR (the
    app's line filters)."""
    _long_study(study_builder)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)

    async def scenario(pilot):
        view = pilot.app.screen.view
        assert pilot.app.no_color == no_color
        width, height = view.size
        for where in ("line 30.", "line 90.", "line 201."):
            view.move_to(LONG_TEXT.index(where))
            await pilot.press("shift+down", "shift+down", "shift+right")
            for crop in (Region(0, 0, width, height), Region(0, 3, width, 10), Region(4, 0, width - 9, height)):
                assert _cells(view.render_lines(crop)) == _cells(_textual_rows(view, crop)), (where, crop)

    run_app(make_app(study_builder.root), scenario)


def test_paging_on_finds_the_next_page_drawn(study_builder):
    """After a page key the next page in that direction is drawn while the screen rests:
    the following page key draws only the cursor's row, and what it shows is what a view
    drawing every row afresh shows."""
    _long_study(study_builder)

    async def scenario(pilot):
        from tcoder.tui.widgets.transcript_view import PREFETCH_AFTER

        view = pilot.app.screen.view
        drawn: list[int] = []
        real = view._render_row

        def counting(row, *args):
            drawn.append(row)
            return real(row, *args)

        view._render_row = counting
        width, height = view.size
        await pilot.press("pagedown")  # the first page has nothing drawn before it
        for key in ("pagedown", "pagedown", "pagedown", "pageup", "pageup"):
            await pilot.pause(PREFETCH_AFTER + 0.1)
            drawn.clear()
            top = int(view.scroll_offset.y)
            await pilot.press(key)  # (the next page may be drawn meanwhile)
            new_top = int(view.scroll_offset.y)
            assert new_top != top, key
            on_screen = [row for row in drawn if new_top <= row < new_top + height]
            assert len(on_screen) <= 1, (key, on_screen)  # the row the cursor lands on
            shown = _cells(view.render_lines(Region(0, 0, width, height)))
            kept, view._row_cache = view._row_cache, LRUCache(64)  # every row drawn afresh
            assert shown == _cells(_textual_rows(view, Region(0, 0, width, height))), key
            view._row_cache = kept

    run_app(make_app(study_builder.root), scenario)


def test_side_panels_reach_the_screen_as_textual_draws_them(study_builder):
    """The codebook and details panels keep the rows they drew until Textual marks them for
    drawing again; what they hand over is what Textual's own path draws, as the cursor moves
    from code to code and after a code is applied."""
    _long_study(study_builder)

    async def scenario(pilot):
        from tcoder.tui.widgets.codebook_panel import CodebookPanel
        from tcoder.tui.widgets.details_panel import DetailsPanel

        screen = pilot.app.screen
        panels = [screen.query_one(CodebookPanel), screen.query_one(DetailsPanel)]
        for where in ("line 30.", "line 31.", "line 90.", "line 201."):
            screen.view.move_to(LONG_TEXT.index(where) - 3)
            await pilot.pause(0.2)  # the panels follow once the cursor rests
            if where == "line 90.":
                await pilot.press("shift+right", "shift+right", "o")
                await pilot.pause(0.2)
                assert "Community outreach" in panels[1].text
            for panel in panels:
                width, height = panel.size
                crop = Region(0, 0, width, height)
                kept = _cells(panel.render_lines(crop))
                panel._shown.clear()
                assert kept == _cells(panel.render_lines(crop)), (type(panel).__name__, where)  # not stale
                assert kept == _cells(_textual_rows(panel, crop)), (type(panel).__name__, where)

    run_app(make_app(study_builder.root), scenario)

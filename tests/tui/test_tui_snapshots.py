"""Snapshots of the main screens at 80x24 and 120x40 (the cursor never blinks in them).

Update after a deliberate change with ``pytest tests/tui --snapshot-update`` and look
at the SVG files under __snapshots__ before committing them.
"""

from __future__ import annotations

import pytest

from tuikit import TUI_TRANSCRIPT, make_app

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES)
def test_transcript_list(snap_compare, tui_study, size):
    app = make_app(tui_study.root, transcript=None)
    assert snap_compare(app, terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_coding_screen(snap_compare, tui_study, size):
    async def place_cursor(pilot) -> None:
        view = pilot.app.screen.query_one("#transcript")
        view.select(TUI_TRANSCRIPT.index("grandmother"), TUI_TRANSCRIPT.index(". I saw"))
        await _settle(pilot)

    app = make_app(tui_study.root)
    assert snap_compare(app, terminal_size=size, run_before=place_cursor)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, tui_study, size):
    app = make_app(tui_study.root)
    assert snap_compare(app, terminal_size=size, press=["f1"], run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_code_picker(snap_compare, tui_study, size):
    app = make_app(tui_study.root)
    keys = ["right_curly_bracket", "full_stop", "space", "a", "d", "v"]
    assert snap_compare(app, terminal_size=size, press=keys, run_before=_settle)

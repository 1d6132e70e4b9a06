"""Snapshots of the compare screen at 80x24 and 120x40: lanes, flags, the current
disagreement, the agreement and disagreement panels (the side panels show at 120x40).

Update after a deliberate change with ``pytest tests/tui/test_compare_snapshots.py
--snapshot-update`` and look at the SVG files under __snapshots__ before committing them.
"""

from __future__ import annotations

import pytest

from tuikit import TUI_TRANSCRIPT, make_compare_app

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def decided_study(tui_study):
    """The TUI study where the consensus already took alice's version of 'personal'."""
    t = TUI_TRANSCRIPT
    tui_study.annotations("interviews/P01.txt", "consensus",
                          [("personal", t.index("my grandmother"), t.index(" That stayed"))])
    return tui_study


@pytest.mark.parametrize("size", SIZES)
def test_compare_screen(snap_compare, decided_study, size):
    async def to_the_second(pilot) -> None:
        await pilot.pause()
        await pilot.press("greater_than_sign")  # from curriculum (the first open one) round to personal
        await pilot.pause(0.3)

    app = make_compare_app(decided_study.root)
    assert snap_compare(app, terminal_size=size, run_before=to_the_second)


@pytest.mark.parametrize("size", SIZES)
def test_decision_dialog(snap_compare, decided_study, size):
    async def open_dialog(pilot) -> None:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause(0.3)

    app = make_compare_app(decided_study.root)
    assert snap_compare(app, terminal_size=size, run_before=open_dialog)

"""The coding query screen: passages of a query, errors with a caret, sorting, saving, opening."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from tcoder.settings import load_settings
from tcoder.tui.screens.coding import CodingScreen
from tcoder.tui.screens.query_screen import QueryScreen
from tuikit import TUI_TRANSCRIPT, make_app, run_app, screen_text, wait_until


async def ask(pilot, screen: QueryScreen, text: str) -> None:
    screen.query_one("#query", Input).value = text
    screen.query_one("#query", Input).focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: not screen.running)


def test_query_lists_passages_and_opens_one(tui_study):
    app = make_app(tui_study.root, transcript=None)

    async def scenario(pilot):
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, QueryScreen))
        screen = app.screen
        await ask(pilot, screen, "motivation")
        table = screen.query_one(DataTable)
        assert table.row_count == 3  # alice's personal and witnessing, bob's personal
        assert "alice 2, bob 1" in screen_text(app)
        await ask(pilot, screen, "motivation WHERE coder = alice")
        assert [p.coder for p in screen.passages] == ["alice", "alice"]
        await pilot.press("alt+o")  # by length: witnessing ("I saw ... clinic.") is the shorter
        lengths = [p.end - p.start for p in screen.passages]
        assert lengths == sorted(lengths, reverse=True) and screen.sort == "length"
        await ask(pilot, screen, "curriculum SAME TURN personal")
        assert screen.passages == []
        await ask(pilot, screen, "curriculm AND personal")
        text = screen_text(app)
        assert "column 1: no code 'curriculm' in the codebook; did you mean 'curriculum'?" in text
        assert "^^^^^^^^^" in text
        await ask(pilot, screen, "curriculum")
        screen.query_one(DataTable).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CodingScreen))
        renal = TUI_TRANSCRIPT.index("We pushed")
        await wait_until(pilot, lambda: app.screen.view.selection == (renal, TUI_TRANSCRIPT.index(" We also")))

    run_app(app, scenario)


def test_saving_a_query_and_running_it_by_name(tui_study):
    app = make_app(tui_study.root, transcript=None)

    async def scenario(pilot):
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, QueryScreen))
        screen = app.screen
        screen.query_one("#query", Input).value = "personal WHERE coder = bob"
        screen.query_one("#save-name", Input).value = "bobs-personal"
        await pilot.press("ctrl+s")
        assert "saved as @bobs-personal" in screen_text(app)
        assert load_settings(tui_study.root).queries == {"bobs-personal": "personal WHERE coder = bob"}
        await ask(pilot, screen, "@bobs-personal")
        assert [p.coder for p in screen.passages] == ["bob"]
        await pilot.press("escape")
        assert not isinstance(app.screen, QueryScreen)

    run_app(app, scenario)


def test_a_query_shown_again_runs_again_on_the_coding_done_meanwhile(tui_study):
    """The query screen lists a coder's first file, and the passages coded since it was last shown."""
    app = make_app(tui_study.root, coder="carol")
    ward = TUI_TRANSCRIPT.index("a ward")

    async def scenario(pilot):
        coding = app.screen
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, QueryScreen))
        screen = app.screen
        await ask(pilot, screen, "personal")
        assert sorted(p.coder for p in screen.passages) == ["alice", "bob"]
        screen.query_one("#query", Input).value = "curriculum"  # typed but not run: not what runs again
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is coding)
        coding.view.select(ward, ward + len("a ward"))
        await pilot.press("p")
        await wait_until(pilot, lambda: (tui_study.root / "interviews/P01.carol.json").exists())
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: app.screen is screen and not screen.running
                       and sorted(p.coder for p in screen.passages) == ["alice", "bob", "carol"])

    run_app(app, scenario)

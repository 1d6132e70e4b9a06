"""The coding screen says, in a banner, when annotations could not be placed again on a
transcript edited since they were written, and never shows them on other words."""

from __future__ import annotations

import json

from tuikit import TUI_TRANSCRIPT, make_app, run_app, screen_text


def _drop_quotes(path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for item in data["annotations"]:
        for field in ("quote", "prefix", "suffix"):
            item.pop(field, None)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_quote_less_annotations_after_an_edit_are_kept_hidden_and_announced(tui_study):
    _drop_quotes(tui_study.root / "interviews" / "P01.alice.json")
    tui_study.transcript("interviews/P01.txt", "[Recording starts]\n" + TUI_TRANSCRIPT)
    app = make_app(tui_study.root)
    seen = {}

    async def scenario(pilot) -> None:
        await pilot.pause()
        seen["screen"] = screen_text(app)
        seen["shown"] = list(app.screen.session.annotations)
        seen["orphaned"] = list(app.screen.session.orphaned)

    run_app(app, scenario)
    flat = " ".join(seen["screen"].split())
    assert "3 annotations could not be placed on it again (3 without a stored quote" in flat, seen["screen"]
    assert "tcoder check lists each one, with the reason" in flat
    assert seen["shown"] == [] and len(seen["orphaned"]) == 3


def test_no_banner_when_every_annotation_was_found_where_the_text_moved_it(tui_study):
    tui_study.transcript("interviews/P01.txt", "[Recording starts]\n" + TUI_TRANSCRIPT)
    app = make_app(tui_study.root)
    seen = {}

    async def scenario(pilot) -> None:
        await pilot.pause()
        seen["screen"] = screen_text(app)
        seen["shown"] = len(app.screen.session.annotations)

    run_app(app, scenario)
    assert "could not be placed" not in seen["screen"] and "placed elsewhere" not in seen["screen"]
    assert seen["shown"] == 3

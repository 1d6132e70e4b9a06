"""The apprentice's lane in the coding screen: step through its suggestions least certain
first, accept one into the coder's own file (marked with the model), dismiss another (recorded
in the coder's header, not offered again); the apprentice's file is only read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tcoder.cli import main
from tuikit import make_app, run_app, screen_text

pytest.importorskip("sklearn")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from signal_study import generate  # noqa: E402


@pytest.fixture
def proposed(tmp_path, capsys) -> Path:
    root = generate(tmp_path / "study", transcripts=10, seed=7)
    for path in (root / "interviews").glob("S010.*.json"):
        path.unlink()
    assert main(["suggest", "train", str(root)]) == 0
    assert main(["suggest", "run", str(root)]) == 0
    capsys.readouterr()
    return root


def test_accept_and_dismiss_write_the_coders_own_file(proposed):
    apprentice_file = proposed / "interviews" / "S010.apprentice.json"
    before = apprentice_file.read_bytes()
    proposals = json.loads(before)["annotations"]
    ranked = sorted(proposals, key=lambda a: (abs(a["suggestion"]["score"] - 0.5), a["start"], a["end"], a["code"]))
    seen = {}

    async def scenario(pilot):
        await pilot.pause(0.2)
        await pilot.press("tilde")
        await pilot.pause(0.1)
        seen["first"] = screen_text(pilot.app)
        await pilot.press("ctrl+a")
        await pilot.pause(0.1)
        await pilot.press("tilde")
        await pilot.pause(0.1)
        await pilot.press("alt+d")
        await pilot.pause(0.1)
        await pilot.press("tilde")
        await pilot.pause(0.1)
        seen["after"] = screen_text(pilot.app)
        pilot.app.screen.session.flush()

    app = make_app(proposed, coder="carol", transcript="interviews/S010.txt")
    app.partners = ["apprentice"]
    run_app(app, scenario)
    assert f"suggestion 1 of {len(proposals)}" in seen["first"]
    assert f"suggestion 1 of {len(proposals) - 2}" in seen["after"]
    carol = json.loads((proposed / "interviews" / "S010.carol.json").read_text())
    [accepted] = carol["annotations"]
    first, second = ranked[0], ranked[1]
    assert (accepted["code"], accepted["start"], accepted["end"]) == (first["code"], first["start"], first["end"])
    assert accepted["from_apprentice"]["model"] == first["suggestion"]["model"]
    assert accepted["from_apprentice"]["score"] == first["suggestion"]["score"]
    assert carol["apprentice_dismissed"] == [{"code": second["code"], "start": second["start"],
                                              "end": second["end"], "model": second["suggestion"]["model"]}]
    assert apprentice_file.read_bytes() == before  # the apprentice's proposals were only read


def test_no_ai_study_refuses_the_lane(proposed, capsys):
    (proposed / "tcoder.yaml").write_text("apprentice: false\n")
    assert main(["code", str(proposed), "S010", "--coder", "carol", "--with", "apprentice"]) == 1
    assert "turns machine suggestions off" in capsys.readouterr().err

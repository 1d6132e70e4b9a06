"""tcoder suggest train|run|evaluate on real studies: a generated one with known lexical
signal, and the sample study."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tcoder.cli import main

pytest.importorskip("sklearn")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from signal_study import MARKERS, RANDOM_CODE, generate  # noqa: E402


@pytest.fixture(scope="module")
def signal_study(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("signal") / "study", transcripts=24, seed=3)


def _human_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.rglob("*.json"))
            if ".apprentice." not in p.name and ".tcoder" not in p.parts}


def test_evaluate_finds_the_marked_codes_reliable_and_not_the_random_one(signal_study, capsys):
    assert main(["suggest", "evaluate", str(signal_study), "--format", "json", "--bootstrap", "500"]) == 0
    result = json.loads(capsys.readouterr().out)
    by_code = {c["code"]: c for c in result["codes"]}
    assert result["folds"] == 10 and result["transcripts"] == 24
    for code in MARKERS:
        assert by_code[code]["alpha"] >= 0.8, by_code[code]
        assert by_code[code]["verdict"] in ("reliable", "tentative")
    assert by_code[RANDOM_CODE]["alpha"] < 0.3
    assert by_code[RANDOM_CODE]["verdict"] not in ("reliable", "tentative")


def test_train_is_deterministic_and_run_writes_only_the_apprentice(tmp_path, capsys):
    root = generate(tmp_path / "study", transcripts=12, seed=5)
    held_out = root / "interviews" / "S012.consensus.json"
    held_out.unlink()  # a transcript nobody has coded yet: the apprentice proposes there
    assert main(["suggest", "train", str(root)]) == 0
    first = capsys.readouterr().out
    model_id = (root / ".tcoder" / "apprentice" / "current").read_text().strip()
    model_bytes = (root / ".tcoder" / "apprentice" / f"{model_id}.json").read_bytes()
    assert model_id in first
    assert main(["suggest", "train", str(root)]) == 0
    assert (root / ".tcoder" / "apprentice" / "current").read_text().strip() == model_id
    assert (root / ".tcoder" / "apprentice" / f"{model_id}.json").read_bytes() == model_bytes
    capsys.readouterr()

    before = _human_files(root)
    assert main(["suggest", "run", str(root)]) == 0
    out = capsys.readouterr().out
    assert "S012.txt" in out
    proposals = root / "interviews" / "S012.apprentice.json"
    data = json.loads(proposals.read_text())
    assert data["coder"] == "apprentice" and data["annotations"]
    model = json.loads(model_bytes)
    text = (root / "interviews" / "S012.txt").read_text()
    for a in data["annotations"]:
        assert a["suggestion"]["model"] == model_id
        assert a["suggestion"]["training"] == model["training"]
        assert 0.5 <= a["suggestion"]["score"] <= 1
        if a["code"] in MARKERS:
            assert any(m in text[a["start"]:a["end"]].lower() for m in MARKERS[a["code"]])
    assert _human_files(root) == before  # no human coder's file was touched
    assert not (root / "interviews" / "S001.apprentice.json").exists()  # trained on: not proposed unless named

    assert main(["undo", str(root)]) == 0
    assert not proposals.exists()
    assert _human_files(root) == before


def test_a_damaged_model_is_refused_with_the_file_named(tmp_path, capsys):
    root = generate(tmp_path / "study", transcripts=6, seed=2)
    assert main(["suggest", "train", str(root)]) == 0
    model_id = (root / ".tcoder" / "apprentice" / "current").read_text().strip()
    path = root / ".tcoder" / "apprentice" / f"{model_id}.json"
    data = json.loads(path.read_text())
    data["codes"]["workload"]["intercept"] += 1
    path.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["suggest", "run", str(root), "S001"]) == 1
    err = capsys.readouterr().err
    assert f"{model_id}.json" in err and "changed after it was saved" in err and "Traceback" not in err


def test_too_little_coding_is_named_and_skipped(tmp_path, capsys):
    root = generate(tmp_path / "study", transcripts=4, seed=4)
    for path in (root / "interviews").glob("*.consensus.json"):  # keep one funding passage in all
        data = json.loads(path.read_text())
        kept = [a for a in data["annotations"] if a["code"] != "funding"]
        if path.name.startswith("S001"):
            kept += [a for a in data["annotations"] if a["code"] == "funding"][:1]
        data["annotations"] = kept
        path.write_text(json.dumps(data))
    assert main(["suggest", "train", str(root)]) == 0
    out = capsys.readouterr().out
    assert "skipped funding: coded on 1 sentence in 1 transcript" in out


def test_the_apprentice_does_not_learn_from_itself(tmp_path, capsys):
    root = generate(tmp_path / "study", transcripts=4, seed=4)
    assert main(["suggest", "train", str(root), "--from", "apprentice"]) == 1
    assert "does not learn from its own proposals" in capsys.readouterr().err


def test_no_ai_setting_turns_every_subcommand_off(tmp_path, capsys):
    root = generate(tmp_path / "study", transcripts=4, seed=4)
    (root / "tcoder.yaml").write_text("apprentice: false\n")
    for sub in ("train", "evaluate", "run"):
        assert main(["suggest", sub, str(root)]) == 1
        err = capsys.readouterr().err
        assert "turns machine suggestions off" in err and "apprentice: false" in err
    assert not (root / ".tcoder" / "apprentice").exists()
    assert not list(root.rglob("*.apprentice.json"))


def test_missing_scikit_learn_names_the_extra(tmp_path, capsys, monkeypatch):
    root = generate(tmp_path / "study", transcripts=4, seed=4)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now fails, as when not installed
    assert main(["suggest", "train", str(root)]) == 1
    assert "pip install 'tcoder[suggest]'" in capsys.readouterr().err


def test_sample_study_evaluation_reports_every_code_or_names_it_skipped(sample_study, capsys):
    assert main(["suggest", "evaluate", str(sample_study), "--format", "json", "--bootstrap", "200"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["transcripts"] == 6 and result["folds"] == 6
    evaluated = {c["code"] for c in result["codes"]}
    assert "motivation" in result["skipped"] and "motivation" not in evaluated
    used = set()
    for path in sample_study.rglob("*.consensus.json"):
        used |= {a["code"] for a in json.loads(path.read_text())["annotations"]}
    assert evaluated | set(result["skipped"]) == used  # nothing left out silently


def test_turn_units_and_a_run_before_any_training(tmp_path, capsys):
    root = generate(tmp_path / "study", transcripts=12, seed=6)
    assert main(["suggest", "run", str(root), "S001"]) == 1
    assert "no apprentice model yet" in capsys.readouterr().err
    assert main(["suggest", "evaluate", str(root), "--unit", "turn", "--format", "json", "--bootstrap", "200"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["unit"] == "turn"
    turns = sum(text.count("\n\n") for text in (p.read_text() for p in (root / "interviews").glob("*.txt")))
    assert 0 < result["units"] <= turns  # whole speaker turns, not sentences
    assert main(["suggest", "train", str(root), "--unit", "turn"]) == 0
    capsys.readouterr()
    assert main(["suggest", "run", str(root), "S001"]) == 0
    capsys.readouterr()
    text = (root / "interviews" / "S001.txt").read_text()
    proposals = json.loads((root / "interviews" / "S001.apprentice.json").read_text())["annotations"]
    assert proposals and all(text[a["start"]:a["end"]].count("\n") == 0 for a in proposals)
    assert all(text[a["start"] - 1] == "\n" or text[:a["start"]].endswith(": ") for a in proposals)

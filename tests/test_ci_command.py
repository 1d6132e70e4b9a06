"""tcoder ci: each kind of problem fails with its file and place; a clean study passes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from studykit import GRAND, MINI_TRANSCRIPT, RENAL, SAMPLE_STUDY, StudyBuilder
from tcoder.annotations import read_annotations, save_annotations

COMPLETE_CODEBOOK = """\
title: Complete
codes:
  - id: personal
    name: Personal experience
    description: Something that happened to the participant.
    include: First-hand incidents.
    exclude: Incidents seen happen to others.
  - id: duty
    name: Professional duty
    description: The work as part of the job.
    include: Statements tying the work to being a doctor.
    exclude: The episodes that led there.
"""


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    b = StudyBuilder(tmp_path / "study")
    b.codebook(COMPLETE_CODEBOOK)
    b.transcript()
    b.annotations("interviews/P01.txt", "alice", [("personal", GRAND, GRAND + 14), ("duty", RENAL, RENAL + 9)])
    return b.root


def ci_json(run_cli, study: Path) -> tuple[int, dict]:
    code, out, err = run_cli("ci", study, "--format", "json")
    return code, json.loads(out)


def test_a_clean_study_passes(run_cli, mini: Path):
    code, out, err = run_cli("ci", mini)
    assert code == 0, err
    assert "OK: 0 problems" in out
    assert "definitions      ok    2 codes need description, include and exclude" in out


def test_the_sample_study_passes(run_cli, tmp_path: Path):
    study = tmp_path / "sample"
    shutil.copytree(SAMPLE_STUDY, study)
    code, data = ci_json(run_cli, study)
    assert code == 0 and data["passed"]
    assert data["counted"]["annotation files"] == 18


def test_a_code_without_an_exclude_rule_fails_at_its_line(run_cli, mini: Path):
    text = COMPLETE_CODEBOOK.replace("    exclude: The episodes that led there.\n", "")
    (mini / "codebook.yaml").write_text(text, encoding="utf-8")
    code, out, err = run_cli("ci", mini)
    assert code == 1 and "FAILED: 1 problem" in out
    line = text.splitlines().index("  - id: duty") + 1
    assert f"codebook.yaml, line {line}: code 'duty' (Professional duty) has no exclude" in err
    # Which fields are required is the study's choice.
    (mini / "tcoder.yaml").write_text("ci:\n  require: [description, include]\n", encoding="utf-8")
    assert run_cli("ci", mini)[0] == 0


def test_a_mistake_in_the_ci_settings_names_its_line(run_cli, mini: Path):
    (mini / "tcoder.yaml").write_text("ci:\n  require: [definition]\n  floor: 2\n", encoding="utf-8")
    code, out, err = run_cli("ci", mini)
    assert code == 1
    assert "tcoder.yaml, line 2, column 12: 'ci.require' names 'definition'" in err
    assert "tcoder.yaml, line 3, column 10: 'ci.floor' must be a number from -1 to 1" in err


def test_an_unknown_code_fails_with_the_annotation(run_cli, mini: Path):
    path = mini / "interviews" / "P01.alice.json"
    af = read_annotations(path)
    af.annotations[0].code = "persnal"
    save_annotations(af, path)
    code, data = ci_json(run_cli, mini)
    assert code == 1
    [problem] = data["problems"]["unknown codes"]
    assert problem["message"].startswith("annotation alice-0000 of alice uses the code 'persnal'")
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if '"alice-0000"' in text)
    assert problem["file"] == str(path) and problem["line"] == line
    assert data["problems"]["other"] == []  # check's own message for it is not repeated


def test_an_orphaned_annotation_fails(run_cli, mini: Path):
    path = mini / "interviews" / "P01.alice.json"
    af = read_annotations(path)
    af.annotations[0].orphaned = True
    save_annotations(af, path)
    code, data = ci_json(run_cli, mini)
    assert code == 1
    [problem] = data["problems"]["orphaned"]
    assert "annotation alice-0000 (personal) of alice is orphaned: its passage 'my grandmother'" in problem["message"]
    assert data["problems"]["other"] == []


def test_a_transcript_changed_without_re_anchoring_fails_until_check_fix(run_cli, mini: Path):
    transcript = mini / "interviews" / "P01.txt"
    transcript.write_text(MINI_TRANSCRIPT.replace("Thanks", "Thank you"), encoding="utf-8")
    code, data = ci_json(run_cli, mini)
    assert code == 1
    [problem] = data["problems"]["re-anchoring"]
    assert problem["message"].startswith("interviews/P01.txt changed after alice's annotations were placed on it")
    assert "2 annotations would move" in problem["message"] and "tcoder check --fix" in problem["message"]
    assert run_cli("check", mini, "--fix")[0] == 0
    assert ci_json(run_cli, mini)[0] == 0


def test_committed_conflict_markers_in_a_transcript_fail(run_cli, mini: Path):
    transcript = mini / "interviews" / "P01.txt"
    text = MINI_TRANSCRIPT.replace("Interviewer: And what did you do about it?\n",
                                   "<<<<<<< HEAD\nInterviewer: And what did you do?\n=======\n"
                                   "Interviewer: And what did you do about it?\n>>>>>>> feature\n")
    transcript.write_text(text, encoding="utf-8")
    run_cli("check", mini, "--fix")
    code, data = ci_json(run_cli, mini)
    assert code == 1
    [problem] = data["problems"]["merge conflicts"]
    assert problem["file"] == str(transcript) and problem["line"] == text.splitlines().index("<<<<<<< HEAD") + 1
    assert "1 conflict of a merge was left unresolved" in problem["message"]


def two_coders(tmp_path: Path, *, same: bool) -> Path:
    study = tmp_path / "sample"
    shutil.copytree(SAMPLE_STUDY, study)
    calibration = "[interviews/P01.txt, interviews/P02.txt]"
    if same:  # bob's files become alice's coding: perfect agreement
        calibration = "['*']"
        for path in study.glob("*/*.alice.json"):
            af = read_annotations(path)
            af.coder = "bob"
            save_annotations(af, path.with_name(path.name.replace(".alice.", ".bob.")))
    (study / "tcoder.yaml").write_text(
        f"ci:\n  calibration: {calibration}\n  floor: 0.667\n  coders: [alice, bob]\n  bootstrap: 1000\n",
        encoding="utf-8")
    return study


def test_calibration_below_the_floor_fails_by_the_interval(run_cli, tmp_path: Path):
    from tcoder.agreement import agreement, gather, result_dict
    from tcoder.study import open_study

    study = two_coders(tmp_path, same=False)
    code, data = ci_json(run_cli, study)
    assert code == 1
    cal = data["calibration"]
    assert cal["coders"] == ["alice", "bob"] and cal["unit"] == "sentence"
    assert cal["transcripts"] == ["interviews/P01.txt", "interviews/P02.txt"]
    # Recomputed here: exactly the codes whose interval reaches below the floor fail.
    s = open_study(study)
    result = result_dict(agreement(gather(s, ["alice", "bob"], ["interviews/P01.txt", "interviews/P02.txt"],
                                          s.turn_rule("agreement")), "sentence", bootstrap=1000, seed=1))
    below = {r["code"] for r in result["codes"] if not r["few"] and r["ci_low"] < 0.667}
    assert below  # the sample's coders disagree on some codes
    failed = {p["message"].split("'")[1] for p in data["problems"]["calibration"]}
    assert failed == below
    assert cal["below"] == len(below)
    assert any("not judged" in n for n in data["notes"])
    # the basis in words, as the methods text gives it: 'resampling speaker turns', not 'turn'
    assert any(n.endswith("seed 1, resampling speaker turns") for n in data["notes"]), data["notes"]


def test_calibration_with_agreeing_coders_passes(run_cli, tmp_path: Path):
    study = two_coders(tmp_path, same=True)
    code, data = ci_json(run_cli, study)
    assert code == 0, data["problems"]
    assert data["calibration"]["judged"] > 0 and data["calibration"]["below"] == 0


def test_a_reflexive_study_has_no_floor(run_cli, tmp_path: Path):
    study = two_coders(tmp_path, same=True)
    text = (study / "tcoder.yaml").read_text()
    (study / "tcoder.yaml").write_text("approach: reflexive\n" + text, encoding="utf-8")
    code, data = ci_json(run_cli, study)
    assert code == 1
    assert "makes no reliability claims" in data["problems"]["calibration"][0]["message"]

"""Reproducibility manifests: what a figure was computed from, and tcoder verify."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

from studykit import SAMPLE_STUDY
from tcoder.annotations import read_annotations, save_annotations
from tcoder.transcript import text_sha256


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    shutil.copytree(SAMPLE_STUDY, root)
    return root


def agree_manifest(run_cli, study: Path, tmp_path: Path) -> tuple[Path, dict]:
    manifest = tmp_path / "alpha.manifest.json"
    code, out, err = run_cli("agree", study, "--unit", "sentence", "--bootstrap", "200", "--seed", "7",
                             "--manifest", manifest)
    assert code == 0, err
    assert f"Wrote {manifest}" in err
    return manifest, json.loads(manifest.read_text(encoding="utf-8"))


def test_the_manifest_records_inputs_options_and_the_numbers_shown(run_cli, study: Path, tmp_path: Path):
    manifest, data = agree_manifest(run_cli, study, tmp_path)
    code, out, err = run_cli("agree", study, "--unit", "sentence", "--bootstrap", "200", "--seed", "7",
                             "--format", "json")
    shown = json.loads(out)
    assert data["format"] == "tcoder-manifest/1" and data["command"] == "agree"
    assert data["coders"] == ["alice", "bob"] and data["seed"] == 7
    assert data["options"]["unit"] == "sentence" and data["options"]["bootstrap"] == 200
    assert data["study"]["path"] == "study" and data["study"]["git"] is None  # not in a repository
    codebook = (study / "codebook.yaml").read_bytes()
    assert data["inputs"]["files"]["codebook"] == {"path": "codebook.yaml",
                                                   "sha256": hashlib.sha256(codebook).hexdigest()}
    p01 = (study / "interviews" / "P01.txt").read_text(encoding="utf-8")
    assert {"name": "interviews/P01.txt", "text_sha256": text_sha256(p01)} in data["inputs"]["transcripts"]
    assert len(data["inputs"]["annotations"]) == 18
    numbers = data["result"]["numbers"]
    for row in shown["codes"]:
        assert numbers[f"codes[{row['code']}].alpha"] == row["alpha"]
        assert numbers[f"codes[{row['code']}].ci_low"] == row["ci_low"]
    assert numbers["overall.alpha"] == shown["overall"]["alpha"]


def test_an_untouched_study_verifies(run_cli, study: Path, tmp_path: Path):
    manifest, data = agree_manifest(run_cli, study, tmp_path)
    code, out, err = run_cli("verify", manifest)
    assert code == 0, out + err
    assert f"Numbers   all {len(data['result']['numbers'])} hold" in out
    assert "VERIFIED: the inputs are those recorded" in out


def test_a_one_character_change_to_a_transcript_fails(run_cli, study: Path, tmp_path: Path):
    manifest, data = agree_manifest(run_cli, study, tmp_path)
    path = study / "interviews" / "P03.txt"
    text = path.read_text(encoding="utf-8")
    at = text.index("Interviewer:") + 1
    path.write_text(text[:at] + "N" + text[at + 1:], encoding="utf-8")  # 'Interviewer' -> 'INterviewer'
    code, out, err = run_cli("verify", manifest)
    assert code == 1
    assert "interviews/P03.txt (transcript): changed (its text_sha256 was" in out
    assert "NOT VERIFIED" in out


def test_a_recoded_annotation_changes_the_numbers_and_verify_names_them(run_cli, study: Path, tmp_path: Path):
    manifest, data = agree_manifest(run_cli, study, tmp_path)
    path = study / "interviews" / "P01.bob.json"
    af = read_annotations(path)
    target = next(a for a in af.annotations if a.code == "emotional-toll")
    target.code = "time-pressure"
    save_annotations(af, path)
    code, out, err = run_cli("verify", manifest, "--format", "json")
    assert code == 1
    result = json.loads(out)
    assert not result["verified"] and not result["numbers_hold"]
    assert any(c.startswith("interviews/P01.bob.json (annotation file)") for c in result["changed_inputs"])
    differing = {d["path"]: d for d in result["differing"]}
    _, now, _ = run_cli("agree", study, "--unit", "sentence", "--bootstrap", "200", "--seed", "7", "--format", "json")
    now_rows = {r["code"]: r for r in json.loads(now)["codes"]}
    for code_id in ("emotional-toll", "time-pressure"):
        d = differing[f"codes[{code_id}].alpha"]
        assert d["recorded"] == data["result"]["numbers"][f"codes[{code_id}].alpha"]
        assert d["recomputed"] == now_rows[code_id]["alpha"]


def test_a_report_manifest_keeps_no_quote_and_records_its_files(run_cli, study: Path, tmp_path: Path):
    report = tmp_path / "segments.csv"
    manifest = tmp_path / "segments.manifest.json"
    code, out, err = run_cli("report", study, "segments", "--format", "csv", "-o", report, "--manifest", manifest)
    assert code == 0, err
    raw = manifest.read_text(encoding="utf-8")
    data = json.loads(raw)
    quotes = [a.quote for a in read_annotations(study / "interviews" / "P01.consensus.json").annotations]
    assert quotes and not any(q in raw for q in quotes if len(q) > 12)
    assert data["coders"] == ["consensus"]
    assert data["outputs"] == [{"file": "segments.csv", "sha256": hashlib.sha256(report.read_bytes()).hexdigest()}]
    assert run_cli("verify", manifest)[0] == 0


def test_a_plot_with_a_manifest(run_cli, study: Path, tmp_path: Path):
    plot, manifest = tmp_path / "freq.svg", tmp_path / "freq.manifest.json"
    code, out, err = run_cli("report", study, "frequencies", "--plot", plot, "--manifest", manifest)
    assert code == 0, err
    data = json.loads(manifest.read_text())
    assert data["outputs"][0]["file"] == "freq.svg" and data["options"]["kind"] == "frequencies"
    code, out, err = run_cli("verify", manifest, "--study", study)
    assert code == 0, out


def test_bad_manifests_and_documents(run_cli, study: Path, tmp_path: Path):
    other = tmp_path / "other.json"
    other.write_text('{"format": "tcoder-agreement/1"}')
    code, out, err = run_cli("verify", other)
    assert code == 1 and "not a tcoder manifest (its format is 'tcoder-agreement/1'" in err
    code, out, err = run_cli("report", study, "memos", "--manifest", tmp_path / "m.json")
    assert code == 2 and "the memos report is a document" in err
    code, out, err = run_cli("agree", study, "--manifest", study / "codebook.yaml")
    assert code == 2  # never over a study's own file


def test_a_plot_drawn_from_an_agreement_file_records_that_file(run_cli, study: Path, tmp_path: Path):
    alpha = tmp_path / "alpha.json"
    code, out, err = run_cli("agree", study, "--unit", "sentence", "--bootstrap", "200", "--format", "json")
    alpha.write_text(out, encoding="utf-8")
    outputs = tmp_path / "figures"
    outputs.mkdir()
    manifest = outputs / "alpha.manifest.json"
    code, out, err = run_cli("report", study, "alpha", "--input", alpha, "--plot", outputs / "alpha.svg",
                             "--manifest", manifest)
    assert code == 0, err
    data = json.loads(manifest.read_text())
    assert data["options"]["input"] == "../alpha.json" and data["coders"] == ["alice", "bob"]
    assert data["inputs"]["files"]["report input"]["sha256"] == hashlib.sha256(alpha.read_bytes()).hexdigest()
    assert run_cli("verify", manifest)[0] == 0
    shown = json.loads(alpha.read_text())
    shown["codes"][0]["alpha"] = 0.5
    alpha.write_text(json.dumps(shown), encoding="utf-8")
    code, out, err = run_cli("verify", manifest)
    assert code == 1 and "../alpha.json (report input): changed" in out
    assert f"rows[{shown['codes'][0]['code']}].alpha" in out
    code, out, err = run_cli("report", study, "alpha", "--input", "-", "--manifest", tmp_path / "m.json")
    assert code == 2 and "standard input cannot be read again" in err


def test_a_matrix_and_its_plot_with_a_manifest(run_cli, study: Path, tmp_path: Path):
    """matrix has no JSON: its numbers are those of its CSV, rows named by their first column."""
    manifest = tmp_path / "matrix.manifest.json"
    code, out, err = run_cli("matrix", study, "--columns", "group", "--plot", tmp_path / "m.svg", "--manifest", manifest)
    assert code == 0, err
    data = json.loads(manifest.read_text())
    _, table, _ = run_cli("matrix", study, "--columns", "group", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert data["coders"] == ["consensus"]
    for row in rows:
        for group in ("control", "intervention"):
            assert data["result"]["numbers"][f"rows[{row['code']}].{group}"] == int(row[group])
    assert run_cli("verify", manifest)[0] == 0

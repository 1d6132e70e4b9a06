"""Provenance of machine suggestions: passages accepted from the apprentice are counted and
said so, or left out (--apprentice exclude) with every figure as without them; the apprentice's
own files join agreement, reports and export only when named or included."""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from tcoder.cli import main

pytest.importorskip("sklearn")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from signal_study import generate  # noqa: E402


@pytest.fixture
def study(tmp_path, capsys) -> Path:
    root = generate(tmp_path / "study", transcripts=8, seed=11)
    assert main(["suggest", "train", str(root)]) == 0
    assert main(["suggest", "run", str(root), "S001", "S002"]) == 0
    capsys.readouterr()
    # alice accepts one proposal on S002: the coding screen writes it so (tests/tui/test_apprentice_lane.py)
    proposal = json.loads((root / "interviews" / "S002.apprentice.json").read_text())["annotations"][0]
    path = root / "interviews" / "S002.alice.json"
    data = json.loads(path.read_text())
    data["annotations"].append({"id": "acce97ed00000001", "code": proposal["code"], "start": proposal["start"],
                                "end": proposal["end"], "from_apprentice": {
                                    "model": proposal["suggestion"]["model"],
                                    "training": proposal["suggestion"]["training"],
                                    "score": proposal["suggestion"]["score"], "accepted": "2026-12-04T17:00:00Z"}})
    path.write_text(json.dumps(data))
    return root


def _agree(root: Path, capsys, *extra: str) -> tuple[dict, str]:
    assert main(["agree", str(root), "--unit", "sentence", "--format", "json", *extra]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_agreement_counts_accepted_passages_and_says_so_or_leaves_them_out(study, tmp_path, capsys):
    counted, notes = _agree(study, capsys)
    assert counted["coders"] == ["alice", "bob"]  # the apprentice is not a coder unless named
    assert "1 passage accepted from the apprentice's proposals is counted as their coders' coding (alice 1)" in notes
    left, notes = _agree(study, capsys, "--apprentice", "exclude")
    assert "1 passage accepted from the apprentice's proposals left out (--apprentice exclude)" in notes
    without = tmp_path / "without"
    shutil.copytree(study, without)
    path = without / "interviews" / "S002.alice.json"
    data = json.loads(path.read_text())
    data["annotations"] = [a for a in data["annotations"] if "from_apprentice" not in a]
    path.write_text(json.dumps(data))
    plain, _ = _agree(without, capsys)
    assert [r["alpha"] for r in left["codes"]] == [r["alpha"] for r in plain["codes"]]
    assert main(["agree", str(study), "--coders", "alice,apprentice", "--apprentice", "exclude"]) == 2


def test_the_apprentice_is_compared_when_named(study, capsys):
    named, _ = _agree(study, capsys, "--coders", "consensus,apprentice", "--transcripts", "S00[12]",
                      "--include-unfinished")
    assert named["coders"] == ["consensus", "apprentice"]


def test_reports_count_leave_out_or_only_show_accepted_passages(study, capsys):
    assert main(["report", str(study), "segments", "--coder", "alice", "--format", "csv", "--apprentice", "only"]) == 0
    captured = capsys.readouterr()
    rows = [line for line in captured.out.splitlines()[1:] if line.strip()]
    assert len(rows) == 1  # alice's one accepted passage, nothing of her own coding
    assert main(["report", str(study), "segments", "--coder", "alice", "--format", "csv", "--apprentice",
                 "exclude"]) == 0
    captured = capsys.readouterr()
    assert "1 passage from the apprentice left out (--apprentice exclude)" in captured.err
    assert main(["report", str(study), "segments", "--coder", "alice", "--format", "csv"]) == 0
    assert "1 passage from the apprentice (accepted from its proposals, or its own) is counted (alice 1)" in \
        capsys.readouterr().err


def test_export_includes_or_excludes_the_apprentice(study, tmp_path, capsys):
    def users(archive: Path) -> str:
        with zipfile.ZipFile(archive) as z:
            return z.read("project.qde").decode("utf-8")

    assert main(["export", str(study), "--qdpx", str(tmp_path / "with.qdpx")]) == 0
    assert 'name="apprentice"' in users(tmp_path / "with.qdpx")
    assert main(["export", str(study), "--qdpx", str(tmp_path / "without.qdpx"), "--apprentice", "exclude"]) == 0
    assert 'name="apprentice"' not in users(tmp_path / "without.qdpx")
    assert 'name="alice"' in users(tmp_path / "without.qdpx")
    with zipfile.ZipFile(tmp_path / "without.qdpx") as z:  # the accepted passage stays identifiable
        assert '"from_apprentice"' in z.read("tcoder.json").decode("utf-8")


def test_methods_states_how_machine_suggestions_were_used(study, tmp_path, capsys):
    out = tmp_path / "methods.md"
    assert main(["methods", str(study), "-o", str(out)]) == 0
    text = out.read_text()
    assert "proposed" in text and "on 2 transcripts" in text
    assert "coders accepted 1 passage from its proposals (1 by alice)" in text

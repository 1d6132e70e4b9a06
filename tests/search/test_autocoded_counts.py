"""Agreement and reports tell autocoded passages from a coder's own: they say how many they
count, leave them out with --autocoded exclude (then every figure is what it was before the
batch) and report only them with --autocoded only."""

from __future__ import annotations

import csv
import io
import json
import shutil

from tcoder.annotations import autocode_query, read_annotations


def _autocode(study, run_cli) -> int:
    code, out, err = run_cli("autocode", study, "institutional-resistance", "--coder", "alice", "--search", "dean",
                             "--word")
    assert code == 0, err
    made = [a for path in study.rglob("*.alice.json") for a in read_annotations(path).annotations
            if autocode_query(a) is not None]
    assert made and all("dean" in (autocode_query(a) or "") for a in made)
    return len(made)


def test_agreement_counts_autocoded_passages_aloud_or_leaves_them_out(sample_study, tmp_path, run_cli):
    before = tmp_path / "before"
    shutil.copytree(sample_study, before)
    n = _autocode(sample_study, run_cli)
    original = json.loads(run_cli("agree", before, "--format", "json")[1])
    counted = json.loads(run_cli("agree", sample_study, "--format", "json")[1])
    left_out = json.loads(run_cli("agree", sample_study, "--format", "json", "--autocoded", "exclude")[1])
    assert counted["excluded"]["autocoded"] == 0
    assert any(note.startswith(f"{n} annotations made by tcoder autocode are counted as their coders' coding "
                               f"(alice {n})") for note in counted["notes"])
    assert left_out["excluded"]["autocoded"] == n
    assert f"{n} annotations made by tcoder autocode left out (--autocoded exclude)" in left_out["notes"]

    def alphas(payload):
        return {row["code"]: row["alpha"] for row in payload["codes"]}

    assert alphas(left_out) == alphas(original)  # as if the batch had never run
    assert alphas(counted)["institutional-resistance"] != alphas(original)["institutional-resistance"]
    assert run_cli("agree", sample_study, "--autocoded", "only")[0] == 2  # agreement of a batch with itself: no


def test_reports_name_the_query_and_can_leave_autocoded_passages_out_or_keep_only_them(sample_study, tmp_path,
                                                                                       run_cli):
    before = tmp_path / "before"
    shutil.copytree(sample_study, before)
    n = _autocode(sample_study, run_cli)

    def segments(study, *options):
        code, out, err = run_cli("report", study, "segments", "--coder", "alice", "--format", "csv", *options)
        assert code == 0, err
        return out, err

    original, _ = segments(before)
    assert "autocode" not in original.splitlines()[0].split(",")  # no column until a batch has run
    counted, warning = segments(sample_study)
    assert f"{n} annotations made by tcoder autocode are counted as their coders' coding (alice {n}" in warning
    rows = list(csv.DictReader(io.StringIO(counted)))
    header = counted.splitlines()[0].split(",")
    assert header[header.index("memo") + 1] == "autocode"
    machine = [r for r in rows if r["autocode"]]
    assert len(machine) == n and {r["code"] for r in machine} == {"institutional-resistance"}
    assert all("dean" in r["quote"].lower() for r in machine)
    left_out, warning = segments(sample_study, "--autocoded", "exclude")
    assert left_out == original  # byte for byte what the study gave before the batch
    assert f"{n} annotations made by tcoder autocode left out (--autocoded exclude)" in warning
    only, _ = segments(sample_study, "--autocoded", "only")
    only_rows = list(csv.DictReader(io.StringIO(only)))
    assert [(r["transcript"], r["start"], r["end"]) for r in only_rows] == \
        [(r["transcript"], r["start"], r["end"]) for r in machine]
    code, before_freq, _ = run_cli("report", before, "frequencies", "--coder", "alice", "--format", "csv")
    code, after_freq, _ = run_cli("report", sample_study, "frequencies", "--coder", "alice", "--format", "csv",
                                  "--autocoded", "exclude")
    assert after_freq == before_freq

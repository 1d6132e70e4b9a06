"""Reports read transcript by transcript (issue 19) say exactly what the whole-study table says.

``report segments --format csv`` is written transcript by transcript and ``report
cooccurrence`` counted transcript by transcript, in forked worker processes; each is
compared here with the same report computed from the whole study at once (the path every
other format takes), on the sample study and on a generated one with autocoded passages
and codes not in the codebook.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from tcoder import parallel
from tcoder.reports import cooccurrence, segments_csv
from tcoder.reports.data import Selection, load
from tcoder.study import open_study

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from generate import generate_study  # noqa: E402


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    """24 transcripts (enough to start workers), one passage made by tcoder autocode, one
    code not in the codebook."""
    root = generate_study(tmp_path / "generated", transcripts=24, chars=240_000, annotations=3_600)
    first = root / "interviews" / "T0001.alice.json"
    data = json.loads(first.read_text(encoding="utf-8"))
    data["annotations"][0]["autocode"] = {"query": "cost"}
    data["annotations"][1]["code"] = "not-in-codebook"
    first.write_text(json.dumps(data), encoding="utf-8")
    return root


def _whole_study(monkeypatch: pytest.MonkeyPatch, run_cli, *args: str) -> tuple[int, str, str]:
    """The report as the whole-study table writes it."""
    with monkeypatch.context() as m:
        m.setattr(segments_csv, "can_stream", lambda study, selection: False)
        m.setattr(cooccurrence, "load_counted", lambda study, selection, unit: load(study, selection))
        return run_cli(*args)


@pytest.mark.parametrize("options", [
    [], ["--pool"], ["--coder", "alice"], ["--coder", "consensus", "--code", "professional-duty"],
    ["--pool", "--redact"], ["--coder", "bob", "--code", "professional-duty", "--exact"],
    ["--coder", "alice", "--include-unfinished"],
])
def test_streamed_segments_csv_is_the_whole_study_table(sample_study: Path, run_cli, monkeypatch, options):
    streamed = run_cli("report", sample_study, "segments", "--format", "csv", *options)
    whole = _whole_study(monkeypatch, run_cli, "report", sample_study, "segments", "--format", "csv", *options)
    assert streamed == whole
    assert streamed[0] == 0 and streamed[1].count("\n") > 1


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("options", [["--pool"], ["--coder", "alice"], ["--coder", "alice", "--autocoded", "exclude"],
                                     ["--coder", "alice", "--code", "theme-2"]])
def test_streamed_segments_csv_in_worker_processes(generated: Path, run_cli, monkeypatch, tmp_path, jobs, options):
    monkeypatch.setenv(parallel.JOBS_VARIABLE, jobs)
    out = tmp_path / "segments.csv"
    code, _, err = run_cli("report", generated, "segments", "--format", "csv", "-o", out, *options)
    whole = _whole_study(monkeypatch, run_cli, "report", generated, "segments", "--format", "csv", *options)
    assert code == 0 and err == whole[2]
    assert out.read_text(encoding="utf-8") == whole[1]
    head = whole[1].split("\n", 1)[0].split(",")
    assert ("autocode" in head) == ("exclude" not in options)  # the column comes with any autocoded passage


def test_a_bad_annotation_in_a_late_transcript_leaves_no_partial_report(generated: Path, run_cli, monkeypatch,
                                                                         tmp_path):
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "2")
    last = generated / "focus-groups" / "T0024.bob.json"
    data = json.loads(last.read_text(encoding="utf-8"))
    data["annotations"][0]["end"] = 10_000_000
    last.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "segments.csv"
    code, stdout, err = run_cli("report", generated, "segments", "--pool", "--format", "csv", "-o", out)
    assert code == 1 and not out.exists() and stdout == ""
    assert "T0024.bob.json" in err and "the report would leave these annotations out" in err
    code, stdout, err = run_cli("report", generated, "segments", "--pool", "--format", "csv")
    assert code == 1 and stdout == ""
    assert list(tmp_path.iterdir()) == [generated]  # no temporary file left beside the report either


@pytest.mark.parametrize("unit", cooccurrence.UNITS)
@pytest.mark.parametrize("selection", [Selection(pool=True, pools=True), Selection(["alice"]),
                                       Selection(["alice"], ["theme-2"]), Selection(["bob"], ["code-3-1", "code-3-2", "code-4-1"], exact=True),
                                       Selection(["alice"], ["not-in-codebook", "code-1-1"])])
def test_cooccurrence_counted_by_transcript_is_counted_over_the_study(generated: Path, monkeypatch, unit, selection):
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "2")
    whole = load(open_study(generated), selection)
    counted = cooccurrence.load_counted(open_study(generated), selection, unit)
    assert counted.codes == whole.codes and counted.coders == whole.coders
    assert [str(w) for w in counted.warnings] == [str(w) for w in whole.warnings]
    expected = cooccurrence.matrices(whole, unit)
    got = cooccurrence.matrices(counted, unit)
    for mine, theirs in zip(got, expected, strict=True):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
        assert mine.attrs == theirs.attrs
    assert int(expected[0].to_numpy().sum()) > 0


@pytest.mark.parametrize("unit", cooccurrence.UNITS)
def test_cooccurrence_report_is_unchanged(sample_study: Path, run_cli, monkeypatch, unit):
    for fmt in ("csv", "md", "table"):
        args = ("report", sample_study, "cooccurrence", "--coder", "consensus", "--unit", unit, "--format", fmt)
        assert run_cli(*args) == _whole_study(monkeypatch, run_cli, *args)


@pytest.mark.parametrize("selection", [Selection(["alice"]), Selection(["alice", "bob"], ["theme-2"], pools=True),
                                       Selection(pool=True, pools=True, left_out_roles=frozenset())])
def test_turns_and_pieces_made_as_transcripts_are_read_are_those_of_the_table(generated: Path, monkeypatch,
                                                                             selection):
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "2")
    counted = load(open_study(generated), selection, quotes=False, counting=True)
    whole = load(open_study(generated), selection)
    pd.testing.assert_frame_equal(counted.turn_rows, whole.turn_rows, check_exact=True)
    pd.testing.assert_frame_equal(counted.pieces, whole.pieces, check_exact=True)
    assert counted.coverage_notes() == whole.coverage_notes() and len(whole.pieces) > 500


@pytest.mark.parametrize("options", [["--by", "group"], ["--by", "participant.group"], [], ["--leave-out", "none"]])
def test_frequencies_and_crosstab_are_unchanged(sample_study: Path, run_cli, monkeypatch, options):
    from tcoder.reports import data

    def whole_table(study, selection, quotes=True, counting=False, **reading):
        return load(study, selection)  # turns and pieces made from the table

    for kind in ("frequencies", "crosstab") if options[:1] == ["--by"] else ("frequencies",):
        args = ("report", sample_study, kind, "--coder", "consensus", "--format", "csv", *options)
        with monkeypatch.context() as m:
            m.setattr(data, "load", whole_table)
            expected = run_cli(*args)
        assert run_cli(*args) == expected and expected[0] == 0


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("options", [["--coder", "alice"], ["--pool", "--code", "theme-2", "--redact"]])
def test_long_terminal_table_drawn_transcript_by_transcript_is_the_whole_table(generated: Path, run_cli, monkeypatch,
                                                                                jobs, options):
    monkeypatch.setenv(parallel.JOBS_VARIABLE, jobs)
    monkeypatch.setattr(segments_csv.table_stream, "__defaults__", (5,))  # batches of 5 transcripts
    drawn = run_cli("report", generated, "segments", *options)
    whole = _whole_study(monkeypatch, run_cli, "report", generated, "segments", *options)
    assert drawn == whole
    assert drawn[0] == 0 and drawn[1].count("\n") > 600 and "Coded segments (" in drawn[1]

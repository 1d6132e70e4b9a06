"""report frequencies counts without pandas (issue 19): the counts are those of a count by hand,
its plain columns print exactly as a pandas frame of the same values, and printing it as text
loads neither pandas nor numpy."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tcoder import parallel
from tcoder.participants import resolve_grouping
from tcoder.reports.columns import Columns
from tcoder.reports.data import Selection, load
from tcoder.reports.frequencies import MEASURES, frequency_table, groups
from tcoder.reports.output import render_frame
from tcoder.study import open_study

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from generate import generate_study  # noqa: E402

NAN = math.nan


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return generate_study(tmp_path_factory.mktemp("freq") / "generated", transcripts=20, chars=120_000,
                          annotations=2_400)


def _by_hand(data, grouping) -> dict[str, list]:
    """Each code's measures per group, from the pieces one at a time: annotations as (coder,
    transcript, id), characters as a set of (transcript, position)."""
    turns, pieces = data.turn_columns, data.piece_columns
    case_of = turns["participant"] if grouping is not None and grouping.level == "participant" else turns["transcript"]
    out: dict[str, list] = {"code": list(data.codes), "code_name": [data.name(c) for c in data.codes]}
    measure = "participants" if grouping is not None and grouping.level == "participant" else "transcripts"
    for group in groups(data, grouping):
        rows = [i for i, r in enumerate(group.rows) if r]
        chars = sum(turns["end"][i] - turns["start"][i] for i in rows)
        nonblank = sum(1 for i in rows if turns["body_end"][i] > turns["body_start"][i])
        cells: dict[str, list] = {m: [] for m in MEASURES}
        for code in data.codes:
            members = set(data.members(code))
            mine = [i for i in range(len(pieces["code"])) if pieces["code"][i] in members
                    and pieces["coder"][i] in group.coders and group.rows[pieces["row"][i]]]
            hit = [i for i in mine if pieces["touches"][i]]
            cases = {case_of[pieces["row"][i]] for i in hit} - {""}
            covered = {(pieces["transcript"][i], x) for i in mine for x in range(pieces["start"][i], pieces["end"][i])}
            cells["annotations"].append(len({(pieces["coder"][i], pieces["transcript"][i], pieces["id"][i])
                                             for i in mine}))
            cells["transcripts"].append(len(cases))
            cells["% cases"].append(round(100.0 * len(cases) / len(group.cases), 1) if group.cases else NAN)
            cells["% chars"].append(round(100.0 * len(covered) / chars, 1) if chars else NAN)
            cells["% turns"].append(round(100.0 * len({pieces["row"][i] for i in hit}) / nonblank, 1)
                                    if nonblank else NAN)
        for m in MEASURES:
            out[f"{group.label} {measure if m == 'transcripts' else m}"] = cells[m]
    return out


@pytest.mark.parametrize("selection, by", [
    (Selection(), None), (Selection(pool=True, pools=True), "group"),
    (Selection(["alice", "bob"], ["theme-2"], pools=True, left_out_roles=frozenset()), "gender"),
    (Selection(["carol"], exact=True), None),
])
def test_counts_are_those_of_a_count_by_hand(generated, selection, by):
    study = open_study(generated)
    grouping = resolve_grouping(study, by) if by else None
    data = load(study, selection, quotes=False, counting=True)
    table = frequency_table(data, grouping)
    expected = _by_hand(data, grouping)
    assert table.names == list(expected)
    for name, cells in zip(table.names, table.values, strict=True):
        assert cells == pytest.approx(expected[name], nan_ok=True), name
    assert sum(table.column(f"{data.coders[0]} annotations" if by is None else table.names[2])) > 100


@pytest.mark.parametrize("selection, by", [
    (Selection(["alice", "bob"], ["theme-1"], pools=True), "group"), (Selection(), None),
    (Selection(pool=True, pools=True, exact=True, left_out_roles=frozenset()), "gender"),
])
def test_counted_as_the_study_is_read_it_counts_what_the_whole_table_counts(generated, monkeypatch, selection, by):
    """Counted transcript by transcript in worker processes (only the counts travel back), and
    from the turns and pieces of the whole study's table of segments."""
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "2")
    study = open_study(generated)
    grouping = resolve_grouping(study, by) if by else None
    counted = load(study, selection, quotes=False, counting=True, tally=grouping)
    whole = load(open_study(generated), selection)
    assert frequency_table(counted, grouping) == frequency_table(whole, grouping)
    assert counted.coverage_notes() == whole.coverage_notes()
    with pytest.raises(RuntimeError, match="not kept"):
        counted.piece_columns  # noqa: B018 - counted, not kept


TRICKY = Columns.of({
    "code": ["a,b", 'say "hi"', "two\nlines", "[bold]x[/bold] | *y*", "é\x1b[31m", ""],
    "count": [3, 0, 12, 7, 1, 100000],
    "share": [33.3, NAN, 100.0, 0.05, 1e-05, 2.0],
    "whole": [1, 2.5, 3, 4, 5, 6],  # whole numbers among floats are floats, as in pandas
    "none": [NAN] * 6,
    "text": ["x", 1, 2.0, None, True, "y"],
})


RECORDS = [{"code": "a", "n": 1, "%": 2.5}, {"code": "b", "n": 3, "%": NAN, "extra": "left out"}]


@pytest.mark.parametrize("columns, frame", [
    (TRICKY, TRICKY.frame()),
    (Columns.of({"code": [], "n": []}), pd.DataFrame({"code": [], "n": []})),
    (Columns.of({}), pd.DataFrame({})),
    (Columns.of_records(["code", "n", "%"], RECORDS), pd.DataFrame(RECORDS, columns=["code", "n", "%"])),
    (Columns.of_records(["code", "n"], []), pd.DataFrame([], columns=["code", "n"])),
], ids=["tricky", "no rows", "empty", "records", "no records"])
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "md", "html"])
def test_plain_columns_print_as_a_frame_of_the_same_values(columns, frame, fmt):
    assert columns.numeric == [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    notes = ["A note, with <markup> & [brackets]."]
    assert render_frame(columns, fmt, "Title", notes, decimals={"share": 2}) == \
        render_frame(frame, fmt, "Title", notes, decimals={"share": 2})


_PROBE = """
import sys
from tcoder.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("pandas", "numpy") if m in sys.modules)
print("\\n" + {marker!r} + " " + " ".join(map(str, [code, *heavy])))
"""


@pytest.mark.parametrize("options", [["--format", "table"], ["--format", "csv"], ["--format", "md"],
                                     ["--format", "json", "--by", "group", "--pool"], ["--format", "html"]])
def test_printing_frequencies_loads_neither_pandas_nor_numpy(generated, options, tmp_path):
    marker = "modules:"
    for jobs in ("1", "2"):  # read here, and by worker processes
        done = subprocess.run([sys.executable, "-c", _PROBE.format(marker=marker), "report", str(generated),
                               "frequencies", *options], capture_output=True, text=True, timeout=120,
                              env={**_environment(), "TCODER_JOBS": jobs})
        last = done.stdout.rstrip("\n").rsplit("\n", 1)[-1]
        assert last == f"{marker} 0", (last, done.stderr[-2000:])
        assert "Code frequencies" in done.stdout or "code,code_name" in done.stdout


def test_a_workbook_of_frequencies_still_has_its_numbers(generated, tmp_path, run_cli):
    from openpyxl import load_workbook

    target = tmp_path / "f.xlsx"
    code, _, err = run_cli("report", generated, "frequencies", "--format", "xlsx", "-o", target)
    assert code == 0, err
    sheet = load_workbook(target)["Frequencies"]
    head = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert head[:3] == ["code", "code_name", "alice annotations"]
    _, csv_text, _ = run_cli("report", generated, "frequencies", "--format", "csv")
    first = csv_text.splitlines()[1].split(",")
    assert [sheet.cell(2, 1).value, sheet.cell(2, 3).value] == [first[0], int(first[2])]


def _environment() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "TCODER_JOBS"}


def test_json_of_frequencies_keeps_missing_values_as_null(generated, run_cli):
    code, out, err = run_cli("report", generated, "frequencies", "--format", "json", "--coder", "alice",
                             "--leave-out", "none")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert all(isinstance(r["alice annotations"], int) for r in rows)
    assert all(r["alice % cases"] is None or isinstance(r["alice % cases"], float) for r in rows)


def test_a_value_that_reads_like_no_value_is_its_own_group(sample_study, run_cli):
    """A participant whose group is written "(no value)" and one with no group are two groups,
    each counted on its own (summed into one, the cases came to 200%)."""
    table = sample_study / "participants.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] == "amara":
            cells[1] = "(no value)"
        elif cells[0] == "tomas":
            cells[1] = ""
        rows.append(",".join(cells))
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run_cli("report", sample_study, "frequencies", "--by", "group", "--format", "json")
    assert code == 0, err
    records = json.loads(out)["rows"]
    for label in ('"(no value)"', "(no value)"):  # one participant each
        assert all(r[f"{label} participants"] <= 1 and r[f"{label} % cases"] in (0, 100) for r in records)
    assert records[0]['"(no value)" annotations'] != records[0]["(no value) annotations"]
    study = open_study(sample_study)
    grouping = resolve_grouping(study, "group")
    data = load(study, Selection(), quotes=False, counting=True)
    table, expected = frequency_table(data, grouping), _by_hand(data, grouping)
    assert table.names == list(expected)
    for name, cells in zip(table.names, table.values, strict=True):
        assert cells == pytest.approx(expected[name], nan_ok=True), name

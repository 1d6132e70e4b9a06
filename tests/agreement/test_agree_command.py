"""`tcoder agree`: output formats, options, exclusions, messages and exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from studykit import MINI_TRANSCRIPT

T = MINI_TRANSCRIPT


def at(phrase: str) -> tuple[int, int]:
    start = T.index(phrase)
    return start, start + len(phrase)


GRANDMOTHER = at("Honestly, it was my grandmother.")
TREATED = at("I saw how she was treated at the clinic.")
RENAL = at("We pushed to change the renal block.")
CLINIC_DAY = at("We also ran a free clinic day in the neighbourhood.")


@pytest.fixture
def coded(mini_study):
    """Three coders on the mini transcript, with a stance domain and some disagreement."""
    mini_study.annotations("interviews/P01.txt", "alice", [
        ("personal", *GRANDMOTHER), ("personal", *TREATED), ("curriculum", *RENAL), ("outreach", *CLINIC_DAY),
        ("stance-high", *RENAL), ("stance-low", *GRANDMOTHER)])
    mini_study.annotations("interviews/P01.txt", "bob", [
        ("personal", *GRANDMOTHER), ("duty", *TREATED), ("curriculum", *RENAL), ("outreach", *CLINIC_DAY),
        ("stance-high", *RENAL), ("stance-high", *GRANDMOTHER)])
    mini_study.annotations("interviews/P01.txt", "carol", [
        ("personal", *GRANDMOTHER), ("personal", *TREATED), ("curriculum", *RENAL), ("curriculum", *CLINIC_DAY),
        ("stance-high", *RENAL)])
    mini_study.annotations("interviews/P01.txt", "consensus", [("personal", *GRANDMOTHER)])
    return mini_study


def agree_json(run_cli, root, *args):
    code, out, err = run_cli("agree", root, "--format", "json", *args)
    assert code == 0, err
    assert "Traceback" not in err
    return json.loads(out), err


def test_json_has_the_keys_of_format_section_6(run_cli, coded):
    result, _ = agree_json(run_cli, coded.root, "--unit", "sentence")
    assert result["unit"] == "sentence"
    assert result["coders"] == ["alice", "bob", "carol"]  # consensus only when named
    assert result["transcripts"] == ["interviews/P01.txt"]
    assert [row["code"] for row in result["codes"]] == ["personal", "duty", "curriculum", "outreach",
                                                        "stance-low", "stance-high"]  # codebook order
    for row in result["codes"]:
        assert set(row) >= {"code", "alpha", "units", "percent_agreement", "verdict", "reason"}
        assert row["units"] == 8  # sentences in the transcript
    (domain,) = result["domains"]
    assert (domain["domain"], domain["level"]) == ("stance", "ordinal")
    assert domain["units"] == 2  # sentences with values from two or more coders
    assert set(result["overall"]) >= {"alpha", "units", "percent_agreement"}
    assert result["n_coders"] == 3
    assert "ci_low" not in result["overall"]


def test_values_match_krippendorff_on_the_materialised_units(run_cli, coded):
    import numpy as np

    from agreement_reference import binary_matrix, reference_alpha
    from tcoder.study import open_study

    result, _ = agree_json(run_cli, coded.root, "--unit", "word")
    study = open_study(coded.root)
    ref = study.transcripts[0]
    pair = [(study.transcript(ref), {c: [(a.code, a.start, a.end) for a in study.load_annotations(ref, c).annotations]
                                     for c in ("alice", "bob", "carol")})]
    for row in result["codes"]:
        matrix = binary_matrix(pair, ["alice", "bob", "carol"], row["code"], "word")
        assert row["alpha"] == pytest.approx(reference_alpha(matrix, "nominal", [0, 1]), abs=1e-9)
        agreeing = sum(np.sum(col == v) * (np.sum(col == v) - 1) for col in matrix.T for v in (0, 1))
        assert row["percent_agreement"] == pytest.approx(100 * agreeing / (matrix.size * 2), abs=1e-9)


def test_bootstrap_adds_interval_keys_to_every_row_and_repeats_with_a_seed(run_cli, coded):
    first, _ = agree_json(run_cli, coded.root, "--unit", "word", "--bootstrap", "1000", "--seed", "7")
    again, _ = agree_json(run_cli, coded.root, "--unit", "word", "--bootstrap", "1000", "--seed", "7")
    assert first == again
    rows = first["codes"] + first["domains"] + [first["overall"]]
    for row in rows:
        assert {"ci_low", "ci_high", "q_667", "q_800"} <= set(row)
        if row["alpha"] is None:
            assert row["ci_low"] is None
        else:
            assert row["ci_low"] <= row["alpha"] <= row["ci_high"]
            assert 0 <= row["q_667"] <= row["q_800"] <= 1
    assert first["bootstrap"] == {"samples": 1000, "seed": 7, "level": 0.95}
    # A row's interval depends on its data and the seed, not on which other rows were asked for.
    more, _ = agree_json(run_cli, coded.root, "--unit", "word", "--bootstrap", "1000", "--seed", "7", "--pairs")
    assert more["codes"] == first["codes"] and more["overall"] == first["overall"]
    other, _ = agree_json(run_cli, coded.root, "--unit", "word", "--bootstrap", "1000", "--seed", "8")
    def draws(result):
        return [(r["ci_low"], r["ci_high"], r["q_667"], r["q_800"]) for r in result["codes"] + [result["overall"]]]
    assert draws(other) != draws(first)


def test_undefined_alpha_is_null_with_a_reason(run_cli, mini_study):
    # Both coders applied 'duty' only to white space: at the word unit nobody coded a word.
    space = T.index(" ")
    mini_study.annotations("interviews/P01.txt", "alice", [("duty", space, space + 1)])
    mini_study.annotations("interviews/P01.txt", "bob", [("duty", space, space + 1)])
    result, _ = agree_json(run_cli, mini_study.root, "--unit", "word", "--bootstrap", "1000")
    (row,) = result["codes"]
    assert row["alpha"] is None and row["verdict"] == "undefined"
    assert "no coder applied" in row["reason"]
    assert row["ci_low"] is None and row["q_800"] is None
    # At the char unit the space itself is coded: both coders agree on it.
    result, _ = agree_json(run_cli, mini_study.root, "--unit", "char")
    assert result["codes"][0]["alpha"] == pytest.approx(1.0)
    code, out, _ = run_cli("agree", mini_study.root, "--unit", "word")
    assert code == 0 and "undefined" in out and "no coder applied" in out


def test_exclusions_are_counted_and_reported(run_cli, mini_study):
    root = mini_study.root
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", *GRANDMOTHER), ("mystery", *TREATED),
                                                          ("duty", len(T) - 5, len(T) + 20)])
    old_text = T.replace("renal block", "anatomy lab")
    mini_study.annotations("interviews/P01.txt", "bob", [("personal", *GRANDMOTHER), ("curriculum", *at("renal"))],
                           text=old_text)  # written against an older text: 'anatomy' is gone
    path = root / "interviews" / "P01.bob.json"
    data = json.loads(path.read_text())
    data["annotations"][1].update(quote="anatomy lab", prefix="xx", suffix="yy")
    path.write_text(json.dumps(data))
    result, err = agree_json(run_cli, root, "--unit", "sentence")
    assert result["excluded"]["unknown_code"] == 1
    assert result["excluded"]["unknown_codes"] == {"mystery": 1}
    assert result["excluded"]["orphaned"] == 1
    assert result["excluded"]["out_of_range"] == 1
    assert [row["code"] for row in result["codes"]] == ["personal"]
    assert "mystery (1)" in err and "orphaned" in err and "beyond the end" in err
    assert any("orphaned" in note for note in result["notes"])


def test_pairs_and_by_transcript(run_cli, coded):
    coded.transcript("interviews/P02.txt", T)
    coded.annotations("interviews/P02.txt", "alice", [("personal", *GRANDMOTHER)])
    coded.annotations("interviews/P02.txt", "bob", [("personal", *GRANDMOTHER)])
    result, _ = agree_json(run_cli, coded.root, "--unit", "sentence", "--pairs", "--by", "transcript")
    assert [p["coders"] for p in result["pairs"]] == [["alice", "bob"], ["alice", "carol"], ["bob", "carol"]]
    assert [p["transcripts"] for p in result["pairs"]] == [2, 1, 1]
    by_name = {t["transcript"]: t for t in result["by_transcript"]}
    assert set(by_name) == {"interviews/P01.txt", "interviews/P02.txt"}
    assert [row["code"] for row in by_name["interviews/P02.txt"]["codes"]] == ["personal"]
    assert by_name["interviews/P02.txt"]["codes"][0]["alpha"] == pytest.approx(1.0)
    code, out, _ = run_cli("agree", coded.root, "--unit", "sentence", "--pairs", "--by", "transcript")
    assert code == 0
    assert "alice & bob" in out and "interviews/P02.txt" in out


def test_transcript_glob_and_coders(run_cli, coded):
    coded.transcript("focus/FG1.txt", T)
    coded.annotations("focus/FG1.txt", "alice", [("duty", *RENAL)])
    coded.annotations("focus/FG1.txt", "bob", [("duty", *RENAL)])
    result, _ = agree_json(run_cli, coded.root, "--transcripts", "FG*")
    assert result["transcripts"] == ["focus/FG1.txt"]
    result, _ = agree_json(run_cli, coded.root, "--coders", "alice,consensus")
    assert result["coders"] == ["alice", "consensus"]
    assert result["transcripts"] == ["interviews/P01.txt"]
    result, _ = agree_json(run_cli, coded.root, "--coders", "carol,bob")
    assert result["skipped_transcripts"] == ["focus/FG1.txt"]  # carol has no file for it


@pytest.mark.parametrize("args, message", [
    (["--coders", "alice,zed"], "no annotation files from zed"),
    (["--coders", "alice"], "at least two coders"),
    (["--transcripts", "nothing*"], "no transcript matches nothing*"),
    (["--bootstrap", "-5"], "--bootstrap"),
    (["--unit", "paragraph"], "invalid choice"),
])
def test_bad_usage_exits_2(run_cli, coded, args, message):
    code, out, err = run_cli("agree", coded.root, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_problems_in_the_study_exit_1(run_cli, mini_study, tmp_path):
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", *GRANDMOTHER)])
    code, _, err = run_cli("agree", mini_study.root)
    assert code == 1 and "two coders" in err
    mini_study.transcript("interviews/P02.txt", T)
    mini_study.annotations("interviews/P02.txt", "bob", [("personal", *GRANDMOTHER)])
    code, _, err = run_cli("agree", mini_study.root)
    assert code == 1 and "no transcript has annotation files from two of the chosen coders" in err
    code, _, err = run_cli("agree", tmp_path / "missing")
    assert code == 1 and "no such folder" in err
    (mini_study.root / "interviews" / "P02.bob.json").write_text("{ not json")
    mini_study.annotations("interviews/P02.txt", "alice", [])
    code, _, err = run_cli("agree", mini_study.root)
    assert code == 1 and "P02.bob.json" in err and "Traceback" not in err


def test_rollup_lifts_children_to_their_theme(run_cli, coded):
    plain, _ = agree_json(run_cli, coded.root, "--unit", "sentence")
    assert "motivation" not in [row["code"] for row in plain["codes"]]
    lifted, _ = agree_json(run_cli, coded.root, "--unit", "sentence", "--rollup")
    rows = {row["code"]: row for row in lifted["codes"]}
    assert lifted["rollup"] is True
    # alice said 'personal' and bob 'duty' for the same sentence: both are 'motivation'.
    assert rows["motivation"]["alpha"] == pytest.approx(1.0)
    assert rows["personal"]["alpha"] == pytest.approx({r["code"]: r for r in plain["codes"]}["personal"]["alpha"])
    assert "strategy" in rows


def test_span_unit_reports_merges_and_no_interval(run_cli, coded):
    coded.annotations("interviews/P01.txt", "carol", [
        ("personal", GRANDMOTHER[0], GRANDMOTHER[1] - 5), ("personal", GRANDMOTHER[0] + 3, GRANDMOTHER[1]),
        ("curriculum", *RENAL)])
    result, err = agree_json(run_cli, coded.root, "--unit", "span", "--bootstrap", "1000")
    rows = {row["code"]: row for row in result["codes"]}
    assert rows["personal"]["merged_overlaps"] == 1
    assert rows["personal"]["characters"] == len(T)
    assert rows["curriculum"]["alpha"] is not None
    assert rows["curriculum"]["ci_low"] is None
    assert "merged" in err
    assert result["domains"] == []


def test_csv_and_table_formats(run_cli, coded):
    code, out, _ = run_cli("agree", coded.root, "--unit", "line", "--format", "csv", "--pairs")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["scope", "transcript", "coders", "kind", "id", "name", "level", "alpha", "ci_low",
                             "ci_high", "q_667", "q_800", "units", "percent_agreement", "verdict", "reason",
                             "coded_units", "few", "interval_method", "cohen_kappa", "fleiss_kappa", "gwet_ac1"]
    study_rows = [r for r in rows if r["scope"] == "study"]
    assert [r["kind"] for r in study_rows][-1] == "overall"
    assert {r["coders"] for r in rows if r["scope"] == "pair"} == {"alice;bob", "alice;carol", "bob;carol"}
    code, out, _ = run_cli("agree", coded.root, "--unit", "line", "--bootstrap", "1000")
    assert code == 0
    assert "95% CI" in out and "stance (ordinal)" in out and "codes pooled \u2020" in out
    assert "reliable" in out


def test_help_does_not_import_numpy():
    script = ("import sys\nfrom tcoder.cli import main\n"
              "try:\n    main(['agree', '--help'])\nexcept SystemExit:\n    pass\n"
              "print('numpy' in sys.modules, 'rich' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False False"
    assert "--bootstrap" in done.stdout


def test_plot_writes_a_figure(run_cli, coded, tmp_path):
    target = tmp_path / "alpha.png"
    code, out, err = run_cli("agree", coded.root, "--unit", "sentence", "--bootstrap", "1000", "--plot", target)
    assert code == 0, err
    assert target.read_bytes().startswith(b"\x89PNG")
    assert f"Wrote {target}" in err.splitlines()  # the message every command gives for a file it wrote
    code, _, err = run_cli("agree", coded.root, "--plot", tmp_path / "alpha.gif")
    assert code == 2 and ".png" in err
    assert not (tmp_path / "alpha.gif").exists()
    code, _, err = run_cli("agree", coded.root, "--plot", tmp_path / "no" / "such" / "folder" / "a.png")
    assert code == 1 and "cannot write the plot" in err and "Traceback" not in err


def test_every_interval_marked_doubtful_is_named_under_the_table(run_cli, sample_study):
    """The table marks an interval that cannot be trusted with '!'; the note under it names
    every such code, those with too few units among them (it once left those out)."""
    code, out, err = run_cli("agree", sample_study, "--unit", "sentence", "--bootstrap", "200", "--seed", "7")
    assert code == 0, err
    marked = [line.split("\u2502")[1].strip() for line in out.splitlines()
              if line.startswith("\u2502") and "!" in line]
    note = next(line for line in (out + err).splitlines() if "cannot be trusted" in line)
    named = note.rsplit(": ", 1)[1].split(", ")
    assert marked and named == marked


def test_a_transcript_table_says_why_an_alpha_is_undefined(run_cli, sample_study):
    code, out, err = run_cli("agree", sample_study, "--by", "transcript", "--unit", "sentence")
    assert code == 0, err
    tables = out.split("unit: sentence")[2:]  # after the main table: one per transcript
    for table in tables:
        undefined = [line.split("\u2502")[1].strip().split(" (")[0] for line in table.splitlines()
                     if line.startswith("\u2502") and line.split("\u2502")[2].strip() == "-"]
        for label in undefined:
            assert f"{label}: alpha undefined (" in table, (label, table)
    assert any("alpha undefined" in table for table in tables)

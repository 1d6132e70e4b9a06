"""`tcoder compare --format json|table`: the disagreements exactly as docs/formats.md#disagreements
defines them, on constructed cases; and the command's usage errors."""

from __future__ import annotations

import json

import pytest

from studykit import ALSO, CLINIC, END, GRAND, MINI_TRANSCRIPT, RENAL, SAW, STAYED

P01 = "interviews/P01.txt"
T = MINI_TRANSCRIPT


@pytest.fixture
def study(study_builder):
    study_builder.codebook()
    study_builder.transcript(P01, T)
    return study_builder


def listing(run_cli, root, *extra):
    code, out, err = run_cli("compare", root, "P01", "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out), err


def test_boundary_missing_and_agreement(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED), ("curriculum", RENAL, ALSO),
                                     ("outreach", CLINIC, END)])
    study.annotations(P01, "bob", [("personal", SAW, STAYED), ("outreach", CLINIC, END)])
    items, _ = listing(run_cli, study.root)
    assert items == [
        {"code": "personal", "start": GRAND, "end": STAYED, "kind": "boundary",
         "coders": {"alice": [[GRAND, STAYED]], "bob": [[SAW, STAYED]]}},
        {"code": "curriculum", "start": RENAL, "end": ALSO, "kind": "missing",
         "coders": {"alice": [[RENAL, ALSO]], "bob": []}},
    ]


def test_clusters_join_overlaps_transitively_but_not_touching_spans(study, run_cli):
    study.annotations(P01, "alice", [("duty", 0, 10), ("duty", 18, 30), ("outreach", 40, 45)])
    study.annotations(P01, "bob", [("duty", 8, 20), ("outreach", 45, 50)])
    items, _ = listing(run_cli, study.root)
    assert items == [
        {"code": "duty", "start": 0, "end": 30, "kind": "boundary",
         "coders": {"alice": [[0, 10], [18, 30]], "bob": [[8, 20]]}},
        {"code": "outreach", "start": 40, "end": 45, "kind": "missing", "coders": {"alice": [[40, 45]], "bob": []}},
        {"code": "outreach", "start": 45, "end": 50, "kind": "missing", "coders": {"alice": [], "bob": [[45, 50]]}},
    ]


def test_three_coders(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED), ("outreach", CLINIC, END)])
    study.annotations(P01, "bob", [("personal", GRAND, STAYED), ("outreach", CLINIC, END)])
    study.annotations(P01, "carol", [("personal", SAW, STAYED)])
    items, _ = listing(run_cli, study.root)
    assert items == [
        {"code": "personal", "start": GRAND, "end": STAYED, "kind": "boundary",
         "coders": {"alice": [[GRAND, STAYED]], "bob": [[GRAND, STAYED]], "carol": [[SAW, STAYED]]}},
        {"code": "outreach", "start": CLINIC, "end": END, "kind": "missing",
         "coders": {"alice": [[CLINIC, END]], "bob": [[CLINIC, END]], "carol": []}},
    ]
    two, _ = listing(run_cli, study.root, "--coders", "alice,bob")
    assert two == []  # alice and bob agree on everything


def test_nested_codes_are_compared_as_coded(study, run_cli):
    """A child code does not stand in for its theme, and a span inside another of the same code counts."""
    study.annotations(P01, "alice", [("motivation", GRAND, STAYED), ("strategy", RENAL, END),
                                     ("curriculum", RENAL, ALSO)])
    study.annotations(P01, "bob", [("personal", GRAND, STAYED), ("strategy", RENAL, END),
                                   ("strategy", CLINIC, END)])
    items, _ = listing(run_cli, study.root)
    assert items == [
        {"code": "motivation", "start": GRAND, "end": STAYED, "kind": "missing",
         "coders": {"alice": [[GRAND, STAYED]], "bob": []}},
        {"code": "personal", "start": GRAND, "end": STAYED, "kind": "missing",
         "coders": {"alice": [], "bob": [[GRAND, STAYED]]}},
        {"code": "curriculum", "start": RENAL, "end": ALSO, "kind": "missing",
         "coders": {"alice": [[RENAL, ALSO]], "bob": []}},
        {"code": "strategy", "start": RENAL, "end": END, "kind": "boundary",
         "coders": {"alice": [[RENAL, END]], "bob": [[RENAL, END], [CLINIC, END]]}},
    ]


def test_a_coder_with_no_file(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED), ("curriculum", RENAL, ALSO)])
    study.annotations(P01, "bob", [("personal", GRAND, STAYED)])
    items, err = listing(run_cli, study.root, "--coders", "alice,dana")
    assert items == [
        {"code": "personal", "start": GRAND, "end": STAYED, "kind": "missing",
         "coders": {"alice": [[GRAND, STAYED]], "dana": []}},
        {"code": "curriculum", "start": RENAL, "end": ALSO, "kind": "missing",
         "coders": {"alice": [[RENAL, ALSO]], "dana": []}},
    ]
    assert "dana has no annotation file" in err


def test_default_coders_leave_out_the_consensus(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    study.annotations(P01, "bob", [("personal", SAW, STAYED)])
    study.annotations(P01, "consensus", [("outreach", CLINIC, END)])
    items, _ = listing(run_cli, study.root)
    assert [sorted(i["coders"]) for i in items] == [["alice", "bob"]]
    with_consensus, _ = listing(run_cli, study.root, "--coders", "alice,consensus")
    assert {i["code"] for i in with_consensus} == {"personal", "outreach"}


def test_unknown_codes_are_left_out_and_said_so(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED), ("no-such-code", RENAL, ALSO)])
    study.annotations(P01, "bob", [("personal", GRAND, STAYED)])
    items, err = listing(run_cli, study.root)
    assert items == [] and "1 annotation left out" in err


def test_no_disagreement_is_an_empty_list(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    study.annotations(P01, "bob", [("personal", GRAND, STAYED)])
    code, out, _ = run_cli("compare", study.root, "P01", "--format", "json")
    assert code == 0 and json.loads(out) == [] and out == "[]\n"


def test_table(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED), ("curriculum", RENAL, ALSO)])
    study.annotations(P01, "bob", [("personal", SAW, STAYED)])
    code, out, _ = run_cli("compare", study.root, "P01", "--format", "table")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "interviews/P01.txt: 2 disagreements among alice, bob (1 boundary, 1 missing)"
    assert lines[1].split() == ["#", "code", "kind", "start", "end", "alice", "bob", "text"]
    assert lines[2].split()[:7] == ["1", "personal", "boundary", str(GRAND), str(STAYED), f"{GRAND}-{STAYED}",
                                    f"{SAW}-{STAYED}"]
    assert lines[2].endswith("my grandmother. I saw how she was treated at the clinic.")
    assert lines[3].split()[:7] == ["2", "curriculum", "missing", str(RENAL), str(ALSO), f"{RENAL}-{ALSO}", "-"]


def test_table_shows_transcript_text_inert(study_builder, run_cli):
    study_builder.codebook()
    text = "P1: we saw \x1b[31mred\x1b[0m text\n"
    study_builder.transcript(P01, text)
    study_builder.annotations(P01, "alice", [("personal", 4, len(text) - 1)])
    study_builder.annotations(P01, "bob", [], status="done")
    code, out, _ = run_cli("compare", study_builder.root, "P01", "--format", "table")
    assert code == 0 and "\x1b" not in out and "\u241b[31mred" in out


@pytest.mark.parametrize("args, message", [
    (["--coders", "alice"], "at least two coders"),
    (["--coders", "alice,Bob Smith"], "not valid"),
    (["--coders", "alice,alice"], "twice"),
    (["--format", "xml"], "invalid choice"),
])
def test_bad_usage_exits_2(study, run_cli, args, message):
    code, _, err = run_cli("compare", study.root, "P01", *args)
    assert code == 2 and message in err


def test_unknown_transcript_and_too_few_coders_are_data_errors(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    code, _, err = run_cli("compare", study.root, "P99", "--format", "json")
    assert code == 1 and "no transcript 'P99'" in err
    code, _, err = run_cli("compare", study.root, "P01", "--format", "json")
    assert code == 1 and "comparing needs two" in err and "P01.txt" in err


def test_the_screen_needs_a_terminal_and_not_the_consensus(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    study.annotations(P01, "bob", [], status="done")
    code, _, err = run_cli("compare", study.root, "P01")
    assert code == 2 and "needs a terminal" in err and "--format" in err
    code, _, err = run_cli("compare", study.root, "P01", "--coders", "alice,consensus")
    assert code == 2 and "consensus is where the decisions go" in err


def test_an_unreadable_annotation_file_is_named(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    (study.root / "interviews/P01.bob.json").write_text('{"format": "tcoder-annotations/1", "annotations": [', "utf-8")
    code, out, err = run_cli("compare", study.root, "P01", "--format", "json")
    assert code == 1 and out == "" and "P01.bob.json" in err and "not valid JSON" in err


def test_coders_none_of_whom_has_a_file_is_a_problem(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    study.annotations(P01, "bob", [("personal", GRAND, STAYED)])
    code, _, err = run_cli("compare", study.root, P01, "--coders", "zed,yan", "--format", "json")
    assert code == 1 and "none of zed, yan has an annotation file" in err and "alice, bob" in err


def test_no_disagreement_is_an_empty_json_list(study, run_cli):
    study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    study.annotations(P01, "bob", [("personal", GRAND, STAYED)])
    code, out, _ = run_cli("compare", study.root, P01, "--format", "json")
    assert code == 0 and out == "[]\n"

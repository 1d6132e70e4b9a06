"""Coding status: a coder marks a transcript done in their own file, and which coders count."""

from __future__ import annotations

import json

import pytest

from studykit import GRAND, MINI_TRANSCRIPT, RENAL, STAYED
from tcoder.annotations import read_annotations
from tcoder.coding_status import (
    DONE,
    IN_PROGRESS,
    UNMARKED,
    coders_for,
    decide,
    file_status,
    parse_status,
)
from tcoder.session import CodingSession
from tcoder.study import open_study

P01 = "interviews/P01.txt"


@pytest.mark.parametrize("state, annotations, policy, counted, words", [
    (DONE, 3, "done", True, ""),
    (DONE, 0, "done", True, "nothing applies"),
    (IN_PROGRESS, 3, "done", False, "still coding"),
    (IN_PROGRESS, 3, "any", True, "still coding"),
    (IN_PROGRESS, 0, "any", False, "not a judgement"),
    (UNMARKED, 3, "done", True, "without a coding status"),
    (UNMARKED, 0, "done", False, "not a judgement"),
    (UNMARKED, 0, "any", False, "not a judgement"),
])
def test_which_files_count(state, annotations, policy, counted, words):
    decision = decide("alice", parse_status(None if state == UNMARKED else {"state": state}), annotations, policy)
    assert decision.counted is counted
    assert words in decision.reason
    assert decide("alice", None, 0, policy).counted is False  # no file


@pytest.mark.parametrize("raw", ["done", {"state": "finished"}, {"state": "done", "changed": 5}, [1]])
def test_an_unreadable_status_is_unmarked_with_a_problem(raw):
    status = parse_status(raw)
    assert status.state == UNMARKED and "status" in status.problem


def test_status_command_marks_and_reopens_in_the_coders_own_file(mini_study, run_cli):
    path = mini_study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    before = path.read_bytes()
    code, out, err = run_cli("status", mini_study.root, "--coder", "alice", "--done", "P01")
    assert code == 0, err
    assert "marked done (1 annotation)" in out
    after = path.read_bytes()
    header = json.loads(after)
    assert header["status"]["state"] == "done" and header["status"]["changed"].endswith("Z")
    # Only the status line was added: the annotations are byte for byte the same.
    assert [line for line in after.decode().splitlines() if '"status"' not in line] == before.decode().splitlines()
    code, out, _ = run_cli("status", mini_study.root, "--coder", "alice", "--done", "P01")
    assert "already marked done" in out
    code, out, _ = run_cli("status", mini_study.root, "--coder", "alice", "--reopen", "P01")
    assert code == 0 and "reopened" in out
    assert file_status(read_annotations(path)).state == IN_PROGRESS


def test_marking_done_without_a_file_records_nothing_applies(mini_study, run_cli):
    code, out, _ = run_cli("status", mini_study.root, "--coder", "bob", "--done", "interviews/*")
    assert code == 0 and "no annotations: counted as 'nothing applies' (new empty file)" in out
    af = read_annotations(mini_study.root / "interviews" / "P01.bob.json")
    assert af.annotations == [] and file_status(af).done and af.coder == "bob"


def test_status_listing_and_json(mini_study, run_cli):
    mini_study.transcript("interviews/P02.txt", MINI_TRANSCRIPT)
    mini_study.annotations(P01, "alice", [("personal", GRAND, STAYED)], status="done")
    mini_study.annotations(P01, "bob", [("personal", GRAND, STAYED)], status="in-progress")
    mini_study.annotations("interviews/P02.txt", "alice", [])
    code, out, _ = run_cli("status", mini_study.root, "--format", "json")
    assert code == 0
    data = json.loads(out)
    rows = {r["transcript"]: r for r in data["transcripts"]}
    assert rows[P01]["coders"]["alice"]["state"] == "done"
    assert rows[P01]["coders"]["bob"] == {"state": "in-progress", "annotations": 1, "changed": "2026-01-01T00:00:00Z",
                                          "counted": False, "note": "still coding (not marked done)"}
    assert rows[P01]["compared"] is False
    assert rows["interviews/P02.txt"]["coders"]["alice"]["counted"] is False
    assert rows["interviews/P02.txt"]["coders"]["bob"]["state"] == "no file"
    code, out, _ = run_cli("status", mini_study.root)
    assert code == 0 and "done 2026-01-01 (1)" in out and "coding (1)" in out and "unmarked (empty)" in out
    assert "Done: alice 1 of 2, bob 0 of 2." in out


@pytest.mark.parametrize("args, message", [
    (["--done", "P01"], "give --coder NAME"),
    (["--coder", "alice", "--done", "P09"], "no transcript matches P09"),
    (["--coder", "Alice", "--done", "P01"], "not valid"),
    (["--coder", "alice", "--done", "P01", "--reopen", "P01"], "not allowed with"),
])
def test_status_usage_errors(mini_study, run_cli, args, message, monkeypatch):
    monkeypatch.delenv("TCODER_CODER", raising=False)
    code, _, err = run_cli("status", mini_study.root, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_a_file_open_in_the_coding_screen_is_not_marked_behind_its_back(mini_study, run_cli):
    mini_study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    study = open_study(mini_study.root)
    with CodingSession(study, P01, "alice"):
        code, _, err = run_cli("status", mini_study.root, "--coder", "alice", "--done", "P01")
    assert code == 1 and "not changed" in err and "close that coding screen" in err


def test_a_new_file_starts_in_progress_and_the_session_marks_it_done_undoably(mini_study):
    study = open_study(mini_study.root)
    path = mini_study.root / "interviews" / "P01.carol.json"
    with CodingSession(study, P01, "carol") as session:
        assert not path.exists()
        session.apply("personal", GRAND, STAYED)
        assert file_status(read_annotations(path)).state == IN_PROGRESS
        session.set_coding_status(DONE)
        assert session.coding_status.done and file_status(read_annotations(path)).done
        session.undo()
        assert file_status(read_annotations(path)).state == IN_PROGRESS
        session.redo()
    assert file_status(read_annotations(path)).done


def test_an_old_file_keeps_no_status_when_edited(mini_study):
    """Files from before coding status stay unmarked until their coder marks them."""
    path = mini_study.annotations(P01, "alice", [("personal", GRAND, STAYED)])
    study = open_study(mini_study.root)
    with CodingSession(study, P01, "alice") as session:
        session.apply("curriculum", RENAL, RENAL + 10)
    assert "status" not in json.loads(path.read_text())


def test_coders_for_keeps_the_loaded_files(mini_study):
    mini_study.annotations(P01, "alice", [("personal", GRAND, STAYED)], status="done")
    mini_study.annotations(P01, "bob", [], status="in-progress")
    study = open_study(mini_study.root)
    decided = coders_for(study, study.find("P01"), ["alice", "bob", "zoe"])
    assert decided.counted == ["alice"]
    assert [s.coder for s in decided.left_out] == ["bob"]
    assert decided.statuses["zoe"].state == "no file"
    assert set(decided.loaded) == {"alice", "bob"}

"""Applying autocode batches: one recorded step, marked annotations, never twice, undone byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from codebookkit import snapshot
from studykit import MINI_TRANSCRIPT, StudyBuilder
from tcoder.annotations import AUTOCODE_FIELD, AnnotationLock, autocode_query, read_annotations
from tcoder.changeset import operations
from tcoder.coding_status import IN_PROGRESS, parse_status
from tcoder.search.autocode import plan_from_hits, plan_from_speakers
from tcoder.search.autocode_write import AUTOCODE_KIND, AutocodeRefused, apply_plan, undo_autocode
from tcoder.search.engine import run_search
from tcoder.search.pattern import CompiledPattern, SearchPattern
from tcoder.study import open_study

T = MINI_TRANSCRIPT
SECOND = "Interviewer: One more.\n\nAmara: The clinic again, and the dean.\n"


def at(phrase: str) -> tuple[int, int]:
    start = T.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def root(mini_study: StudyBuilder):
    mini_study.transcript("interviews/P02.txt", SECOND)
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", *at("I saw how she was treated at the clinic."))])
    return mini_study.root


def hits_of(study, word: str):
    return run_search(study, CompiledPattern(SearchPattern(word, "word"))).hits


def test_a_batch_is_one_operation_with_marked_annotations_and_undone_byte_for_byte(root):
    before = snapshot(root)
    study = open_study(root)
    plan = plan_from_hits(study, hits_of(study, "clinic"), "outreach", "alice", "sentence", "search 'clinic'")
    assert [T[c.start:c.end] for c in plan.candidates[:2]] == [
        "I saw how she was treated at the clinic.", "We also ran a free clinic day in the neighbourhood."]
    applied = apply_plan(study, plan, who="alice", note="first pass")
    assert applied.coded == 3 and applied.files == 2 and not applied.left_out
    (op,) = operations(root)
    assert op.kind == AUTOCODE_KIND and op.id == applied.operation.id and op.who == "alice" and op.note == "first pass"
    assert op.label == "autocode 3 passages as outreach for alice (search 'clinic'; as sentence)"
    assert sorted(f.path for f in op.files) == ["interviews/P01.alice.json", "interviews/P02.alice.json"]
    p01 = read_annotations(root / "interviews/P01.alice.json").annotations
    made = [a for a in p01 if a.code == "outreach"]
    assert len(made) == 2 and all(a.extra[AUTOCODE_FIELD] == {"query": "search 'clinic'; as sentence",
                                                              "operation": op.id} for a in made)
    assert [autocode_query(a) for a in p01 if a.code == "personal"] == [None]  # the coder's own is unmarked
    new_file = read_annotations(root / "interviews/P02.alice.json")
    assert parse_status(new_file.extra["status"]).state == IN_PROGRESS  # not taken for finished coding
    assert "alice" in study.coders_of("interviews/P02.txt")

    again = apply_plan(study, plan_from_hits(study, hits_of(study, "clinic"), "outreach", "alice", "sentence",
                                             "search 'clinic'"), who="alice")
    assert again.coded == 0 and again.operation is None and len(operations(root)) == 1  # never coded twice

    undo_autocode(study, op.id, who="alice")
    assert snapshot(root) == before  # P02's new file is gone, P01's as it was, byte for byte
    assert "alice" not in study.coders_of("interviews/P02.txt")


def test_skipped_passages_and_ones_coded_meanwhile_are_left_out(root):
    study = open_study(root)
    plan = plan_from_hits(study, hits_of(study, "clinic"), "personal", "alice", "hit", "search 'clinic'")
    assert [c.already for c in plan.candidates] == [True, False, False]
    plan.candidates[2].accepted = False
    # meanwhile, the coder codes the second hit's sentence by hand in another window
    from tcoder.session import CodingSession

    with CodingSession(study, "interviews/P01.txt", "alice") as session:
        session.apply("personal", *at("We also ran a free clinic day in the neighbourhood."))
    applied = apply_plan(study, plan, who="alice")
    assert applied.coded == 0 and applied.coded_meanwhile == 1 and applied.operation is None
    assert "2 already coded personal" in applied.summary() and "1 skipped in review" in applied.summary()


def test_a_file_another_window_writes_is_left_out_and_named(root):
    study = open_study(root)
    plan = plan_from_speakers(study, "personal", "alice", speakers=["Amara"])
    lock = AnnotationLock(root / "interviews/P01.alice.json", coder="alice").acquire()
    try:
        applied = apply_plan(study, plan, who="alice")
        assert applied.coded == 1 and applied.files == 1  # P02 only
        (left,) = applied.left_out
        assert left.transcript == "interviews/P01.txt" and left.passages == 2
        assert "is being written by another tcoder (coder alice" in left.reason
        assert "2 in interviews/P01.txt not coded" in applied.summary()
        with pytest.raises(AutocodeRefused):  # its files are free, but hold P02 now
            lock2 = AnnotationLock(root / "interviews/P02.alice.json", coder="alice").acquire()
            try:
                undo_autocode(study, applied.operation.id, who="alice")
            finally:
                lock2.release()
    finally:
        lock.release()
    undo_autocode(study, applied.operation.id, who="alice")
    assert not (root / "interviews/P02.alice.json").exists()


def test_the_command_reviews_skips_applies_and_undoes(root, run_cli):
    before = snapshot(root)
    code, out, err = run_cli("autocode", root, "outreach", "--coder", "bob", "--search", "clinic", "--word",
                             "--as", "hit", "--dry-run")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["1", "new", "interviews/P01.txt:3"] and len(lines) == 4
    assert "Dry run: 3 passages to code outreach for bob in 2 transcripts. Nothing was changed." in out
    assert snapshot(root) == before
    code, out, err = run_cli("autocode", root, "outreach", "--coder", "bob", "--search", "clinic", "--word",
                             "--as", "hit", "--skip", "2", "--why", "clinic mentions")
    assert code == 0, err
    assert "Coded 2 passages as outreach for bob in 2 files (one step: tcoder undo " in out
    assert "1 skipped in review" in out
    (op,) = operations(root)
    assert op.note == "clinic mentions" and op.meta["query"].startswith("search whole word 'clinic'")
    code, out, err = run_cli("undo", root, "--list")
    assert "autocode 2 passages as outreach for bob" in out and "can be undone" in out
    code, out, err = run_cli("undo", root)
    assert code == 0 and "Undone: autocode 2 passages" in out, err
    assert snapshot(root) == before


def test_the_command_refuses_bad_requests_clearly(root, run_cli):
    code, out, err = run_cli("autocode", root, "outreach", "--coder", "bob")
    assert code == 2 and "say what to code" in err
    code, out, err = run_cli("autocode", root, "nope", "--coder", "bob", "--speaker", "Amara")
    assert code == 2 and "no code 'nope'" in err
    code, out, err = run_cli("autocode", root, "outreach", "--coder", "bob", "--search", "(", "--regex")
    assert code == 2 and "^" in err
    code, out, err = run_cli("autocode", root, "outreach", "--coder", "bob", "--search", "x", "--as", "answer")
    assert code == 2 and "--structure" in err
    code, out, err = run_cli("autocode", root, "outreach", "--coder", "bob", "--speaker", "Amara", "--skip", "9")
    assert code == 2 and "the batch has 3 passages" in err
    assert operations(root) == []


def test_a_batch_over_the_limit_asks_for_yes(root, run_cli, monkeypatch):
    from tcoder.search import autocode

    monkeypatch.setattr(autocode, "CONFIRM_ABOVE", 2)
    code, out, err = run_cli("autocode", root, "outreach", "--coder", "bob", "--speaker", "Amara")
    assert code == 1 and "more than 1,000 passages" not in out and "add --yes" in err
    assert operations(root) == []
    code, out, err = run_cli("autocode", root, "outreach", "--coder", "bob", "--speaker", "Amara", "--yes")
    assert code == 0 and "Coded 3 passages" in out


def test_a_batch_killed_at_any_point_is_all_or_nothing(root, tmp_path):
    child = ("import sys\nfrom tcoder import changeset\nfrom tcoder.cli import main\n"
             "code = main(['autocode', sys.argv[1], 'outreach', '--coder', 'alice', '--search', 'clinic'])\n"
             "print(changeset.checkpoints_passed())\nsys.exit(code)\n")
    env = {k: v for k, v in os.environ.items() if k != "TCODER_FAULT_KILL_AT"}

    def run(folder, kill_at=None):
        extra = {"TCODER_FAULT_KILL_AT": str(kill_at)} if kill_at else {}
        return subprocess.run([sys.executable, "-c", child, str(folder)], capture_output=True, text=True,
                              env={**env, **extra}, timeout=120)

    def state_of(folder):
        """Every file; annotation files as their passages (new ids and times differ from run to run)."""
        out = {}
        for name, data in snapshot(folder).items():
            if name.endswith(".json"):
                af = read_annotations(folder / name)
                out[name] = sorted((a.code, a.start, a.end, autocode_query(a)) for a in af.annotations)
            else:
                out[name] = data
        return out

    before = state_of(root)
    reference = tmp_path / "reference"
    shutil.copytree(root, reference)
    done = run(reference)
    assert done.returncode == 0, done.stderr
    points = int(done.stdout.splitlines()[-1])
    after = state_of(reference)
    assert after != before and points >= 5
    outcomes = {}
    for kill_at in sorted({1, 2, points // 2, points - 1, points}):
        folder = tmp_path / f"run{kill_at}"
        shutil.copytree(root, folder)
        killed = run(folder, kill_at)
        assert killed.returncode == -9, killed.stderr
        open_study(folder)  # completes or discards the interrupted batch
        state = state_of(folder)
        assert state in (before, after), f"a mixture after a kill at point {kill_at} of {points}"
        outcomes[kill_at] = "after" if state == after else "before"
    assert outcomes[1] == "before" and outcomes[points] == "after", outcomes

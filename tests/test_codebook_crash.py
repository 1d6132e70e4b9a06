"""A study-wide codebook operation killed (SIGKILL, for real) at random points: the
next run completes it or rolls it back, never half; undo still restores every byte.

The suite kills ten times at crash points and five times at random moments;
``TCODER_CRASH_RUNS=500`` (and ``TCODER_CRASH_SEED``) repeats it as long as you like."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codebookkit import snapshot
from studykit import MINI_CODEBOOK, MINI_TRANSCRIPT, StudyBuilder
from tcoder.changeset import operations, pending
from tcoder.codebook_history import history_path, read_history
from tcoder.codebook_ops import undo_operation
from tcoder.study import open_study

pytestmark = pytest.mark.slow

CHILD = textwrap.dedent("""
    import sys, time
    from tcoder import changeset
    from tcoder.study import open_study
    from tcoder.codebook_ops import merge_codes
    study = open_study(sys.argv[1])
    print("start", flush=True)
    started = time.perf_counter()
    merge_codes(study, ["personal", "curriculum"], "duty", who="crash-test", why="kill -9")
    print(time.perf_counter() - started, changeset.checkpoints_passed(), flush=True)
    """)

TRANSCRIPTS = 24
RUNS = int(os.environ.get("TCODER_CRASH_RUNS", "10"))
CODERS = ("alice", "bob", "carol")


def _study(root: Path) -> None:
    builder = StudyBuilder(root)
    builder.codebook(MINI_CODEBOOK)
    rng = random.Random(7)
    codes = ["personal", "duty", "curriculum", "outreach"]
    for n in range(TRANSCRIPTS):
        name = f"interviews/T{n:03d}.txt"
        builder.transcript(name)
        for coder in CODERS:
            spans = []
            for _ in range(12):
                start = rng.randrange(0, len(MINI_TRANSCRIPT) - 40)
                spans.append((rng.choice(codes), start, start + rng.randint(5, 40)))
            builder.annotations(name, coder, spans)


def _without_history(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if k != "codebook.history.yaml"}


def _child(root: Path, kill_at: int | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("TCODER_FAULT_KILL_AT", None)
    if kill_at is not None:
        env["TCODER_FAULT_KILL_AT"] = str(kill_at)
    return subprocess.Popen([sys.executable, "-c", CHILD, str(root)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, dict[str, bytes], dict[str, bytes], float, int]:
    """The study before, the files after an uninterrupted merge, its duration and crash points."""
    base = tmp_path_factory.mktemp("crash")
    original = base / "original"
    _study(original)
    before = snapshot(original)
    reference = base / "reference"
    shutil.copytree(original, reference)
    child = _child(reference)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    duration, points = out.splitlines()[-1].split()
    after = snapshot(reference)
    assert _without_history(after) != _without_history(before)
    return original, before, after, float(duration), int(points)


def _check(root: Path, before: dict[str, bytes], after: dict[str, bytes]) -> str:
    """Open the study (which completes or discards the interrupted operation) and
    check that every file is all before or all after."""
    study = open_study(root)
    assert not pending(root)
    state = snapshot(root)
    entries = read_history(history_path(root / "codebook.yaml")).entries
    if _without_history(state) == _without_history(before):
        assert entries == [] and "codebook.history.yaml" not in state
        return "before"
    assert _without_history(state) == _without_history(after), "a mixture of before and after"
    assert [e.op for e in entries] == ["merge"] and entries[0].why == "kill -9"
    undo_operation(study, who="crash-test")
    assert snapshot(root) == before
    return "after"


def test_killed_at_random_crash_points_of_a_merge_across_72_files(pristine, tmp_path):
    original, before, after, _, points = pristine
    rng = random.Random(int(os.environ.get("TCODER_CRASH_SEED", "12")))
    # the first points are the journal, the last ones the end: always try those, and random ones between
    middle = [rng.randrange(4, points - 1) for _ in range(max(1, RUNS - 5))]
    chosen = [1, 2, 3, points - 1, points, *middle]
    seen = []
    for point in chosen:
        root = tmp_path / f"at-{point}"
        shutil.copytree(original, root)
        child = _child(root, point)
        child.communicate(timeout=120)
        assert child.returncode == -9, f"point {point} of {points}: not killed"
        outcome = _check(root, before, after)
        seen.append((point, outcome))
        shutil.rmtree(root)
    outcomes = dict(seen)
    assert outcomes[1] == "before" and outcomes[points] == "after"
    assert {outcomes[p] for p in middle} == {"after"}  # killed while writing the files: completed


def test_killed_at_random_moments(pristine, tmp_path):
    """SIGKILL from outside at a random moment of the operation, as a user's kill -9 or a crash would."""
    original, before, after, duration, _ = pristine
    rng = random.Random(int(os.environ.get("TCODER_CRASH_SEED", "5")))
    outcomes = []
    for n in range(max(3, RUNS // 2)):
        root = tmp_path / f"moment-{n}"
        shutil.copytree(original, root)
        child = _child(root)
        assert child.stdout is not None and child.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0, duration * 1.1))
        child.kill()
        child.communicate(timeout=120)
        outcomes.append(_check(root, before, after))
        shutil.rmtree(root)
    assert set(outcomes) <= {"before", "after"}


def test_an_interrupted_operation_is_listed_and_completed_by_any_command(pristine, tmp_path, run_cli):
    original, before, after, _, points = pristine
    root = tmp_path / "any-command"
    shutil.copytree(original, root)
    child = _child(root, points // 2)
    child.communicate(timeout=120)
    assert pending(root)
    assert operations(root)[-1].state == "prepared"
    code, out, err = run_cli("check", root)
    assert "was interrupted; it has now been completed" in err
    assert _without_history(snapshot(root)) == _without_history(after)
    assert operations(root)[-1].recovered

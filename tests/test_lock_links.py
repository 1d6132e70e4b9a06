"""A study-wide operation's file locks as links to its operation lock: another writer
finds each file taken, and a link left by a killed operation ties nothing together."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codebookkit import coded_study
from tcoder.annotations import AnnotationLock, lock_path_of
from tcoder.changeset import journal_folder, operation_lock, operation_lock_links
from tcoder.codebook_ops import Plan, rename_code
from tcoder.study import open_study

pytestmark = pytest.mark.skipif(os.name != "posix", reason="lock links are made on POSIX file systems")


@pytest.fixture
def study_root(tmp_path: Path) -> Path:
    return coded_study(tmp_path / "study").root


def try_lock_elsewhere(path: Path) -> str:
    """Take ``path``'s writer lock in another process: 'taken' or the refusal's message."""
    program = textwrap.dedent(f"""
        from tcoder.annotations import AnnotationLock
        from tcoder.errors import LockedError
        try:
            with AnnotationLock({str(path)!r}, coder="zoe"):
                print("taken")
        except LockedError as exc:
            print(exc.problems[0].message)
        """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


def lock_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.lock"))


def test_a_linked_file_is_taken_for_every_other_writer_until_the_operation_ends(study_root):
    first, second = study_root / "interviews/P01.alice.json", study_root / "interviews/P02.bob.json"
    with operation_lock(study_root, who="dana", purpose="tcoder codebook rename"):
        links = operation_lock_links(study_root)
        assert links is not None
        assert links.link(lock_path_of(first)) and links.link(lock_path_of(second))
        held = os.stat(journal_folder(study_root) / ".lock")
        assert os.stat(lock_path_of(first)).st_ino == held.st_ino and held.st_nlink == 3
        message = try_lock_elsewhere(first)
        assert "being written by another tcoder" in message and "coder dana" in message, message
        assert try_lock_elsewhere(second) != "taken"
        assert try_lock_elsewhere(study_root / "interviews/P01.bob.json") == "taken"  # not part of it
        assert not links.link(lock_path_of(first))  # already there: the caller takes that file's own lock
        links.release()
        assert lock_files(study_root) == [".tcoder/journal/.lock"]
    assert lock_files(study_root) == []
    assert try_lock_elsewhere(first) == "taken"


def test_a_file_held_by_a_live_writer_is_not_linked(study_root):
    path = study_root / "interviews/P01.alice.json"
    with AnnotationLock(path, coder="alice"):
        with operation_lock(study_root):
            links = operation_lock_links(study_root)
            assert links is not None and not links.link(lock_path_of(path))
            assert len(links) == 0


def test_links_left_by_a_killed_operation_tie_nothing_together(study_root):
    first, second = study_root / "interviews/P01.alice.json", study_root / "interviews/P02.bob.json"
    program = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from tcoder.annotations import lock_path_of
        from tcoder.changeset import operation_lock, operation_lock_links
        with operation_lock({str(study_root)!r}, purpose="tcoder codebook merge"):
            links = operation_lock_links({str(study_root)!r})
            assert links.link(lock_path_of(Path({str(first)!r}))) and links.link(lock_path_of(Path({str(second)!r})))
            os.kill(os.getpid(), signal.SIGKILL)
        """)
    killed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    assert os.stat(lock_path_of(first)).st_nlink == 3  # the operation lock and its two links are left
    with AnnotationLock(first, coder="alice"):
        # holding one file's lock holds neither the other file nor the study's operation lock
        assert os.stat(lock_path_of(first)).st_nlink == 1
        assert try_lock_elsewhere(second) == "taken"
        with operation_lock(study_root, timeout=1):
            pass
    assert lock_files(study_root) == []


def test_a_codebook_operation_holds_every_file_it_writes_and_leaves_no_lock_file(study_root, monkeypatch):
    seen: list[str] = []
    apply = Plan.apply

    def apply_while_probing(plan: Plan):
        written = [f.path for f in plan.files]
        assert len(written) >= 6
        seen.extend(try_lock_elsewhere(path) for path in written[:2])
        return apply(plan)

    monkeypatch.setattr(Plan, "apply", apply_while_probing)
    outcome = rename_code(open_study(study_root), "personal", "lived", who="erin")
    assert outcome.applied
    assert len(seen) == 2 and all("being written by another tcoder (coder erin" in m for m in seen), seen
    assert lock_files(study_root) == []

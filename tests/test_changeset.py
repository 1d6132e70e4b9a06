"""Multi-file operations as one step: apply, undo byte for byte, refusals, the record."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tcoder import changeset
from tcoder.changeset import ChangeSet, ChangeSetError, operation_lock, operations, pending, recover, undo


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of a study but tcoder's own state, by relative path."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(".tcoder/"):
            out[rel] = path.read_bytes()
    return out


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    (root / "a").mkdir(parents=True)
    (root / "a" / "one.txt").write_bytes(b"one\r\nwith CRLF and \xc3\xa9\n")
    (root / "a" / "two.json").write_bytes(b'{"x": 1}\n')
    (root / "three.yaml").write_bytes(b"# comment\nkey: value\n")
    return root


def test_apply_changes_every_file_and_undo_restores_them_byte_for_byte(folder):
    before = snapshot(folder)
    with operation_lock(folder):
        change = ChangeSet(folder, "test.edit", "edit three files", who="alice", note="because",
                           meta={"n": 3})
        change.write(folder / "a" / "one.txt", b"ONE\n")
        change.write("a/two.json", b'{"x": 2}\n')
        change.delete(folder / "three.yaml")
        change.write(folder / "b" / "new.txt", b"new file\n")
        op = change.apply()
    assert (folder / "a" / "one.txt").read_bytes() == b"ONE\n"
    assert (folder / "a" / "two.json").read_bytes() == b'{"x": 2}\n'
    assert not (folder / "three.yaml").exists()
    assert (folder / "b" / "new.txt").read_bytes() == b"new file\n"
    recorded = operations(folder)[-1]
    assert (recorded.id, recorded.kind, recorded.label, recorded.who, recorded.note, recorded.state) == \
        (op.id, "test.edit", "edit three files", "alice", "because", "applied")
    assert recorded.meta == {"n": 3}
    assert sorted(f.path for f in recorded.files) == ["a/one.txt", "a/two.json", "b/new.txt", "three.yaml"]
    with operation_lock(folder):
        undone = undo(folder, op.id, who="bob")
    assert snapshot(folder) == before
    assert undone.kind == "undo" and undone.undo_of == op.id
    states = {o.id: o.state for o in operations(folder)}
    assert states == {op.id: "undone", undone.id: "applied"}


def test_unchanged_files_are_left_out(folder):
    with operation_lock(folder):
        change = ChangeSet(folder, "test", "nothing really")
        change.write(folder / "three.yaml", (folder / "three.yaml").read_bytes())
        assert len(change) == 0
        op = change.apply()
    assert op.files == []


def test_apply_refuses_when_a_file_changed_after_it_was_read(folder):
    before = snapshot(folder)
    with operation_lock(folder):
        change = ChangeSet(folder, "test", "edit")
        change.write(folder / "a" / "one.txt", b"mine\n")
        change.write(folder / "three.yaml", b"mine too\n")
        (folder / "three.yaml").write_bytes(b"someone else's edit\n")
        with pytest.raises(ChangeSetError) as info:
            change.apply()
    assert "changed on disk" in str(info.value) and "three.yaml" in str(info.value)
    assert snapshot(folder) == {**before, "three.yaml": b"someone else's edit\n"}
    assert operations(folder) == []


def test_undo_refuses_when_a_file_changed_since_and_names_it(folder):
    with operation_lock(folder):
        change = ChangeSet(folder, "test", "edit two")
        change.write(folder / "a" / "one.txt", b"1\n")
        change.write(folder / "a" / "two.json", b"2\n")
        op = change.apply()
    (folder / "a" / "two.json").write_bytes(b"edited later\n")
    after = snapshot(folder)
    with operation_lock(folder), pytest.raises(ChangeSetError) as info:
        undo(folder, op.id)
    message = str(info.value)
    assert "changed since" in message and "a/two.json" in message and "a/one.txt" not in message
    assert "Nothing was changed" in message
    assert snapshot(folder) == after
    assert operations(folder)[-1].state == "applied"


def test_undo_twice_is_refused(folder):
    with operation_lock(folder):
        change = ChangeSet(folder, "test", "edit")
        change.write(folder / "a" / "one.txt", b"1\n")
        op = change.apply()
        undo(folder, op.id)
        with pytest.raises(ChangeSetError, match="already undone"):
            undo(folder, op.id)


def test_apply_needs_the_operation_lock(folder):
    change = ChangeSet(folder, "test", "edit")
    change.write(folder / "a" / "one.txt", b"1\n")
    with pytest.raises(RuntimeError):
        change.apply()


def test_files_outside_the_study_and_its_state_are_refused(folder, tmp_path):
    change = ChangeSet(folder, "test", "edit")
    with pytest.raises(ChangeSetError, match="outside the study"):
        change.write(tmp_path / "elsewhere.txt", b"x")
    with pytest.raises(ChangeSetError, match="own state"):
        change.write(folder / ".tcoder" / "journal" / "x", b"x")


def test_old_operations_keep_their_record_but_not_their_images(folder, monkeypatch):
    monkeypatch.setattr(changeset, "KEEP_IMAGES", 2)
    ids = []
    for n in range(4):
        with operation_lock(folder):
            change = ChangeSet(folder, "test", f"edit {n}")
            change.write(folder / f"file{n}.txt", f"{n}\n".encode())
            ids.append(change.apply().id)
    recorded = operations(folder)
    assert [o.id for o in recorded] == ids
    assert [o.has_images for o in recorded] == [False, False, True, True]
    with operation_lock(folder), pytest.raises(ChangeSetError, match="can no longer be undone"):
        undo(folder, ids[0])


def test_checking_for_pending_work_is_cheap_and_writes_nothing(folder):
    assert not pending(folder)
    assert recover(folder) == []
    assert not (folder / ".tcoder").exists()


def test_a_second_program_waits_for_the_lock_then_is_told_who_holds_it(folder):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from tcoder.changeset import operation_lock
        with operation_lock({str(folder)!r}, who="carol", purpose="tcoder codebook merge"):
            print("held", flush=True)
            time.sleep(30)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ChangeSetError) as info:
            with operation_lock(folder, timeout=0.3):
                pass
        message = str(info.value)
        assert "another tcoder is changing this study" in message
        assert "carol" in message and "tcoder codebook merge" in message and str(holder.pid) in message
    finally:
        holder.kill()
        holder.wait()
    with operation_lock(folder, timeout=5):  # released with the process, however it ended
        pass


# ---------------------------------------------------------------- kill -9 at every point

CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tcoder import changeset
    root = Path(sys.argv[1])
    with changeset.operation_lock(root):
        change = changeset.ChangeSet(root, "test.rewrite", "rewrite every file")
        for n in range(int(sys.argv[2])):
            change.write(root / f"f{n:03d}.txt", f"new content {n}\\n".encode() * 50)
        change.delete(root / "gone.txt")
        change.write(root / "sub" / "created.txt", b"created\\n")
        change.apply()
    print(changeset.checkpoints_passed())
    """)


def _small_study(root: Path, files: int) -> dict[str, bytes]:
    (root / "sub").mkdir(parents=True)
    for n in range(files):
        (root / f"f{n:03d}.txt").write_bytes(f"old content {n}\n".encode() * 40)
    (root / "gone.txt").write_bytes(b"to be deleted\n")
    return snapshot(root)


def _run_child(root: Path, files: int, kill_at: int | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("TCODER_FAULT_KILL_AT", None)
    if kill_at is not None:
        env["TCODER_FAULT_KILL_AT"] = str(kill_at)
    return subprocess.run([sys.executable, "-c", CHILD, str(root), str(files)], env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.slow
def test_kill_9_at_every_point_leaves_all_before_or_all_after(tmp_path):
    """The process is killed for real (SIGKILL) at each crash point of the protocol in turn;
    the next open completes or discards the operation: never a mixture."""
    files = 4
    reference = tmp_path / "reference"
    before = _small_study(reference, files)
    done = _run_child(reference, files, None)
    assert done.returncode == 0, done.stderr
    total = int(done.stdout.strip())
    after = snapshot(reference)
    assert after != before and total >= files + 6
    outcomes = []
    for point in range(1, total + 1):
        root = tmp_path / f"kill-{point}"
        assert _small_study(root, files) == before
        killed = _run_child(root, files, point)
        assert killed.returncode == -9, (point, killed.stdout, killed.stderr)
        recover(root)
        state = snapshot(root)
        assert state in (before, after), f"killed at point {point}: a mixture of before and after"
        assert not pending(root)
        outcomes.append("after" if state == after else "before")
        if state == after:  # a completed operation is undoable like any other
            op = operations(root)[-1]
            assert op.recovered or point >= total - 1
            with operation_lock(root):
                undo(root, op.id)
            assert snapshot(root) == before
    assert outcomes[0] == "before" and outcomes[-1] == "after"

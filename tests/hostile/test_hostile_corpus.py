"""Hostile and odd files end with a clear message naming the file, in bounded time and
memory, and leave the disk as it was. Each case of the corpus (hostilekit.CASES) runs its
commands in a child process under a memory limit (RLIMIT_AS, as `ulimit -v`) and a time
limit; the figures of a run are in docs/reliability.md (benchmarks/hostile.py)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hostilekit import CASES, Case, base_study, case, dump_runs, fill

from studykit import StudyBuilder

RUNNER = Path(__file__).with_name("run_limited.py")


def snapshot(root: Path, leave_out: set[Path]) -> dict[str, str]:
    """Every entry under ``root`` as it is on disk, without following links or opening
    special files: type, size and content hash (size and time for files too big to hash)."""
    shown: dict[str, str] = {}
    for folder, dirs, files in os.walk(os.fsencode(root)):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            if Path(os.fsdecode(path)) in leave_out:
                continue
            st = os.lstat(path)
            key = os.fsdecode(os.path.relpath(path, os.fsencode(root)))
            if stat.S_ISLNK(st.st_mode):
                shown[key] = "link -> " + os.fsdecode(os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                if st.st_size <= 8 * 1024 * 1024:
                    with open(path, "rb") as f:
                        shown[key] = "file " + hashlib.sha256(f.read()).hexdigest()
                else:
                    shown[key] = f"file {st.st_size} bytes, modified {st.st_mtime_ns}"
            elif stat.S_ISDIR(st.st_mode):
                shown[key] = "folder"
            else:
                shown[key] = f"special {stat.S_IFMT(st.st_mode)}"
    return shown


def run_case(found: Case, study: Path, tmp: Path) -> list[dict]:
    result = subprocess.run([sys.executable, str(RUNNER), str(found.memory_mb), str(found.seconds),
                             dump_runs(found, study, tmp)], capture_output=True, text=True,
                            timeout=found.seconds * len(found.runs) + 60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"the runner itself failed: {result.stderr[-3000:]}"
    return json.loads(result.stdout.splitlines()[-1])


def prepare(found: Case, tmp: Path) -> Path:
    builder = StudyBuilder(tmp / "study")
    base_study(builder)
    found.build(builder, tmp)
    return builder.root


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_hostile_input_ends_with_a_clear_message_in_bounded_time_and_memory(name, tmp_path):
    found = case(name)
    study = prepare(found, tmp_path)
    outputs = {Path(fill([o], study, tmp_path)[0]) for o in found.outputs}
    before = snapshot(tmp_path, outputs)
    outcomes = run_case(found, study, tmp_path)
    for run, outcome in zip(found.runs, outcomes, strict=True):
        said = outcome["out"] + outcome["err"]
        where = f"{name}: tcoder {' '.join(outcome['args'])}"
        assert outcome["status"] == run.status, f"{where} ended with {outcome['status']}:\n{said}"
        assert "Traceback" not in said, f"{where}:\n{said}"
        for words in run.says:
            assert words in said, f"{where} should say {words!r}:\n{said}"
        assert outcome["seconds"] < found.seconds
    assert snapshot(tmp_path, outputs) == before, f"{name}: the disk changed"
    if "not_in" in found.extra:
        target, secret = found.extra["not_in"]  # type: ignore[misc]
        written = Path(fill([target], study, tmp_path)[0])
        assert not written.exists() or secret not in written.read_bytes() or _zip_free_of(written, secret)


def _zip_free_of(path: Path, secret: bytes) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return not any(secret in archive.read(name) for name in archive.namelist())


def test_the_archives_of_the_corpus_are_real(tmp_path):
    """The bombs are valid zips whose directory tells the truth (checked on a small one)."""
    import zipfile
    import zlib

    from hostilekit import Repeated, write_zip

    path = write_zip(tmp_path / "small.zip", {"a.txt": Repeated(b"z", 5 * 1024 * 1024 + 3, b"<", b">"),
                                              "b.txt": b"plain"})
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        data = archive.read("a.txt")
        assert len(data) == 5 * 1024 * 1024 + 5 and data[:2] == b"<z" and data[-2:] == b"z>"
        assert archive.getinfo("a.txt").CRC == zlib.crc32(data)
        assert archive.read("b.txt") == b"plain"
    assert path.stat().st_size < 64 * 1024

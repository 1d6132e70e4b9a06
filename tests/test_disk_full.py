"""A full disk (ENOSPC) is a message naming the file tcoder was writing, and the disk
is as it was: `check --fix` and `export` on a real, tiny file system (a tmpfs of a few
kilobytes, mounted in a private mount namespace, so no privileges are needed)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from studykit import MINI_TRANSCRIPT

# Runs inside `unshare --user --map-root-user --mount`: mount a tiny tmpfs, copy the study
# onto it, fill what is left, then run tcoder and report what happened as JSON.
_SCRIPT = textwrap.dedent("""
    import json, os, shutil, subprocess, sys
    study, mount, command, spare = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "none", mount], check=True)
    target = os.path.join(mount, "study")
    shutil.copytree(study, target)
    with open(os.path.join(mount, "spare"), "wb") as f:  # room kept for small files such as a lock
        f.write(b"s" * spare)
    fd = os.open(os.path.join(mount, "filler"), os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"x" * 512)
    except OSError:
        pass
    os.close(fd)
    os.unlink(os.path.join(mount, "spare"))
    os.sync()
    def tree():
        return {os.path.relpath(os.path.join(d, n), mount): open(os.path.join(d, n), "rb").read().hex()
                for d, _, names in os.walk(mount) for n in names if n != "filler"}
    before = tree()
    args = [a.replace("{study}", target).replace("{mount}", mount) for a in command]
    run = subprocess.run([sys.executable, "-m", "tcoder", *args], capture_output=True, text=True)
    print(json.dumps({"code": run.returncode, "out": run.stdout, "err": run.stderr, "before": before,
                      "after": tree()}))
""")


def on_a_full_disk(tmp_path: Path, study: Path, *command: str, spare: int = 0) -> dict:
    """Run tcoder on a copy of ``study`` on a disk with ``spare`` bytes free (rounded to pages)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    script = tmp_path / "full_disk.py"
    script.write_text(_SCRIPT)
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a private mount namespace here: {probe.stderr.decode().strip()}")
    result = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", sys.executable, str(script),
                             str(study), str(mount), json.dumps(command), str(spare)], capture_output=True,
                            text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def edited(mini_study):
    """A study whose transcript changed after coding, so `check --fix` has offsets to save."""
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 11), ("duty", 50, 90)])
    mini_study.transcript("interviews/P01.txt", "Introduction.\n\n" + MINI_TRANSCRIPT)
    return mini_study.root


@pytest.mark.parametrize("spare, message", [
    (0, "P01.alice.json: cannot create the lock file .P01.alice.json.lock: the disk is full"),
    (4096, "P01.alice.json: the new offsets were not saved: the disk is full"),
], ids=["no room for a lock", "room for the lock only"])
def test_check_fix_on_a_full_disk_names_the_file_and_changes_nothing(edited, tmp_path, spare, message):
    outcome = on_a_full_disk(tmp_path, edited, "check", "{study}", "--fix", spare=spare)
    assert "Traceback" not in outcome["err"]
    assert outcome["code"] == 1
    assert message in outcome["err"], outcome["err"]
    assert ".tmp" not in outcome["err"]
    after = {k: v for k, v in outcome["after"].items() if not k.endswith(".lock")}
    assert after == outcome["before"]  # the old file, whole, and no temporary file


def test_export_on_a_full_disk_names_the_target(edited, tmp_path):
    outcome = on_a_full_disk(tmp_path, edited, "export", "{study}", "--qdpx", "{mount}/study.qdpx")
    assert "Traceback" not in outcome["err"]
    assert outcome["code"] == 1
    assert "study.qdpx: cannot use this path: the disk is full" in outcome["err"] or \
        "study.qdpx: cannot write the project: the disk is full" in outcome["err"], outcome["err"]
    assert ".tmp" not in outcome["err"]
    assert outcome["after"] == outcome["before"]

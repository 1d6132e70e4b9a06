"""Listing a study never skips a file or folder without a word: unreadable folders,
named pipes, devices, links out of the study, links that loop and names that are not
UTF-8 are reported by every command that reads the study, and `check` fails on them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from studykit import MINI_TRANSCRIPT, within
from tcoder.study import open_study


def tcoder(*args, cwd: Path | None = None, unprivileged: bool = False) -> subprocess.CompletedProcess:
    """Run the real command. ``unprivileged``: without the power to read what permissions
    forbid (root has it; tests may run as root), so a folder with mode 000 is unreadable."""
    prefix: list[str] = []
    if unprivileged and os.geteuid() == 0:
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run([*prefix, sys.executable, "-m", "tcoder", *map(str, args)], capture_output=True,
                          text=True, timeout=60, cwd=cwd)


@pytest.fixture
def study(mini_study):
    mini_study.transcript("interviews/P02.txt")
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 11)])
    mini_study.annotations("interviews/P01.txt", "bob", [("personal", 0, 11)])
    return mini_study


@pytest.fixture
def locked_folder(study):
    if os.geteuid() == 0 and subprocess.run(["setpriv", "--version"], capture_output=True).returncode != 0:
        pytest.skip("running as root without setpriv: cannot make a folder unreadable")
    folder = study.root / "focus-groups"
    study.transcript("focus-groups/FG1.txt")
    study.annotations("focus-groups/FG1.txt", "alice", [("duty", 0, 11)])
    study.annotations("focus-groups/FG1.txt", "bob", [("duty", 0, 11)])
    folder.chmod(0)
    yield folder
    folder.chmod(0o755)


def test_an_unreadable_folder_fails_check_and_is_named_by_every_command(study, locked_folder, tmp_path):
    message = "focus-groups: cannot read this folder: permission denied"
    result = tcoder("check", study.root, unprivileged=True)
    assert result.returncode == 1 and message in result.stderr and "left out" in result.stderr
    assert "Traceback" not in result.stderr
    for args in (["agree", study.root], ["report", study.root, "frequencies"],
                 ["export", study.root, "--qdpx", tmp_path / "out.qdpx"]):
        result = tcoder(*args, unprivileged=True)
        assert result.returncode == 0, result.stderr
        assert f"warning: {study.root}/{message}" in result.stderr or message in result.stderr, (args, result.stderr)


def test_a_link_to_a_private_file_outside_the_study_is_never_read_nor_exported(study, run_cli, tmp_path):
    secret = tmp_path / "id_ed25519"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n")
    (study.root / "interviews" / "P09.txt").symlink_to(secret)
    study_obj = open_study(study.root)
    assert [r.name for r in study_obj.transcripts] == ["interviews/P01.txt", "interviews/P02.txt"]
    (problem,) = study_obj.problems
    assert problem.severity == "error" and "symbolic link to" in problem.message and "outside the study" in \
        problem.message
    code, _, err = run_cli("export", study.root, "--qdpx", tmp_path / "out.qdpx")
    assert code == 0 and "P09.txt: not read" in err
    with zipfile.ZipFile(tmp_path / "out.qdpx") as archive:
        assert not any(b"PRIVATE KEY" in archive.read(name) for name in archive.namelist())
    code, _, err = run_cli("check", study.root)
    assert code == 1 and "interviews/P09.txt: not read: it is a symbolic link to" in err


def test_links_inside_the_study_are_read(study):
    (study.root / "archive").mkdir()
    (study.root / "archive" / "P03.txt").write_text(MINI_TRANSCRIPT)
    (study.root / "interviews" / "P04.txt").symlink_to("../archive/P03.txt")
    loaded = open_study(study.root)
    assert "interviews/P04.txt" in [r.name for r in loaded.transcripts] and not loaded.problems
    assert loaded.transcript("interviews/P04.txt").text == MINI_TRANSCRIPT


@pytest.mark.parametrize("make, message", [
    (lambda p: os.mkfifo(p), "it is a named pipe (FIFO), not an ordinary file"),
    (lambda p: p.symlink_to("/dev/zero"), "it is a symbolic link to /dev/zero, outside the study folder"),
    (lambda p: p.symlink_to(p.name), "it is a symbolic link that points to itself"),
    (lambda p: p.symlink_to("gone.txt"), "it is a symbolic link to gone.txt, which does not exist"),
], ids=["fifo", "dev-zero", "self-link", "dangling"])
@pytest.mark.parametrize("name", ["interviews/P09.txt", "interviews/P01.carol.json"])
def test_special_files_are_reported_and_never_block(study, run_cli, make, message, name):
    make(study.root / name)
    with within(20):
        code, _, err = run_cli("check", study.root)
        assert code == 1 and f"{name}: not read: {message}" in err, err
        code, _, err = run_cli("agree", study.root)
        assert code == 0 and f"warning: {study.root}/{name}: not read: {message}" in err.replace("\\", "/"), err


def test_a_link_inside_the_study_to_a_named_pipe_is_refused(study):
    os.mkfifo(study.root / "pipe")
    (study.root / "interviews" / "P09.txt").symlink_to("../pipe")
    (problem,) = open_study(study.root).problems
    assert "symbolic link to ../pipe, which is a named pipe (FIFO)" in problem.message


def test_special_files_that_are_not_study_files_are_left_alone(study):
    os.mkfifo(study.root / "interviews" / "notes.fifo")
    os.mkfifo(study.root / "settings.json")  # not <stem>.<coder>.json: never read
    assert open_study(study.root).problems == []


def test_a_name_that_is_not_utf8_is_reported_with_its_bytes(study, run_cli):
    os.close(os.open(os.path.join(os.fsencode(study.root / "interviews"), b"P\xff.txt"), os.O_CREAT | os.O_WRONLY))
    code, _, err = run_cli("check", study.root)
    assert code == 1 and "interviews/P\\xff.txt: not read: its name is not valid UTF-8" in err
    result = tcoder("check", study.root, "--format", "json")  # a real stdout, strict UTF-8
    assert result.returncode == 1 and "P\\\\xff.txt" in result.stdout and "Traceback" not in result.stderr


def test_a_link_to_a_folder_is_a_warning_not_a_silent_skip(study, run_cli, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "P07.txt").write_text(MINI_TRANSCRIPT)
    (study.root / "more").symlink_to(elsewhere)
    (problem,) = open_study(study.root).problems
    assert problem.severity == "warning" and "does not follow links to folders" in problem.message
    code, _, err = run_cli("check", study.root)
    assert code == 0 and "more: a symbolic link to the folder" in err

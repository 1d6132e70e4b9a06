"""In a real terminal (tmux): create a code while coding, from the picker's "New code"
offer and its form, apply it, use its key at once; then ctrl+z takes it back."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tcoder.annotations import read_annotations
from tcoder.codebook import load_codebook
from tcoder.codebook_history import history_path

pytestmark = pytest.mark.tmux


def _tmux(socket: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=30)


def _wait_for(predicate, timeout: float = 30.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


@pytest.fixture
def tmux_socket():
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    socket = f"tcoder-test-{uuid.uuid4().hex[:8]}"
    yield socket
    _tmux(socket, "kill-server")


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_create_a_code_while_coding_apply_it_and_use_its_key(fresh_tui_study, tmux_socket, size):
    root = fresh_tui_study.root
    codebook_before = (root / "codebook.yaml").read_bytes()
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "interviews/P01.txt", "--coder", "alice"))
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "code", "-x", str(size[0]), "-y", str(size[1]),
                    f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(tmux_socket, "capture-pane", "-t", "code", "-p").stdout

    def key(*names: str, literal: bool = False) -> None:
        _tmux(tmux_socket, "send-keys", "-t", "code", *(["-l"] if literal else []), *names)

    def step(*names: str, then: str, literal: bool = False) -> None:
        key(*names, literal=literal)
        assert _wait_for(lambda: then in screen()), screen()

    assert _wait_for(lambda: "Interviewer: Thanks for" in screen() and "1:1" in screen()), screen()
    for _ in range(11):
        key("S-Right")
    assert _wait_for(lambda: "11 selected" in screen()), screen()
    step("Space", then="Apply a code to the selection")
    step("Hope for change", literal=True, then="New code: Hope for change")
    step("Enter", then="free keys: h")
    assert "hope-for-change" in screen()  # the id, made from the name
    time.sleep(1.0)  # the form takes its focus (on a loaded machine this takes a moment)
    key("Tab")  # to the id
    time.sleep(0.3)
    key("Tab")  # to the key
    time.sleep(0.3)
    step("h", literal=True, then="Key          h")
    key("Enter")

    def created() -> bool:
        path = root / "interviews" / "P01.alice.json"
        return path.exists() and any(a.code == "hope-for-change" for a in read_annotations(path).annotations)

    assert _wait_for(created), screen()
    assert "Hope for change" in screen()  # in the codebook panel (80x24: the status line at least)
    codes = load_codebook(root / "codebook.yaml").codes
    assert "hope-for-change" in codes and codes["hope-for-change"].name == "Hope for change", list(codes)
    annotations = read_annotations(root / "interviews" / "P01.alice.json").annotations
    assert [(a.code, a.start, a.end) for a in annotations] == [("hope-for-change", 0, 11)]

    # the new key codes at once
    step("Escape", then="1:12")
    for _ in range(3):
        key("S-Left")
    assert _wait_for(lambda: "3 selected" in screen()), screen()
    key("h", literal=True)

    def coded() -> list[tuple[str, int, int]]:
        return sorted((a.code, a.start, a.end) for a in read_annotations(root / "interviews" / "P01.alice.json"
                                                                         ).annotations)

    assert _wait_for(lambda: coded() == [("hope-for-change", 0, 11), ("hope-for-change", 8, 11)]), coded()
    # ctrl+z undoes that coding; the codebook change stays (coded since, so it is not "right after")
    step("C-z", then="undone: apply Hope for change")
    step("C-q", then="EXITED 0")
    assert coded() == [("hope-for-change", 0, 11)]
    assert load_codebook(root / "codebook.yaml").codes["hope-for-change"].key == "h"
    assert (root / "codebook.yaml").read_bytes() != codebook_before
    assert history_path(root / "codebook.yaml").exists()


def test_ctrl_z_right_after_an_in_vivo_code_restores_every_file(fresh_tui_study, tmux_socket):
    root = fresh_tui_study.root
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "interviews/P01.txt", "--coder", "alice"))
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "code", "-x", "120", "-y", "40",
                    f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(tmux_socket, "capture-pane", "-t", "code", "-p").stdout

    def step(*names: str, then: str) -> None:
        _tmux(tmux_socket, "send-keys", "-t", "code", *names)
        assert _wait_for(lambda: then in screen()), screen()

    assert _wait_for(lambda: "Interviewer: Thanks for" in screen() and "1:1" in screen()), screen()
    step("}", then="Amara: Honestly")  # the next turn
    step(",", then="selected")  # select the turn
    step('"', then="in-vivo code")
    assert "Honestly" in screen()
    step("C-z", then="undone")
    step("C-q", then="EXITED 0")
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".tcoder" not in p.parts
             and not p.name.endswith(".lock")}
    # the coder's file was created by the first change (it stays, with no annotation); everything else is as before
    made = root / "interviews" / "P01.alice.json"
    assert read_annotations(made).annotations == []
    assert {p: b for p, b in after.items() if p != made} == before

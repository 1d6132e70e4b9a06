"""Keys take effect in the order they were typed, whatever their kind.

Selection keys are bindings and codebook letters are not; when keys queue up (a
paste, SSH sending several keys in one packet, type-ahead while a save is slow)
a letter must still code the passage selected by the keys typed before it. The
keys here go through tmux in one write, into a real terminal, and the file on disk
is read back.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from tcoder.annotations import read_annotations
from tuikit import TUI_TRANSCRIPT

pytestmark = pytest.mark.tmux

#: The first sentence of each turn of TUI_TRANSCRIPT, in order ('.' selects the
#: sentence at the cursor, without the speaker's label; '}' goes to the next turn).
FIRST_SENTENCES = [
    "Thanks for joining.",
    "Honestly, it was my grandmother.",
    "And what did you do about it?",
    "We pushed to change the renal block.",
    "Were there setbacks?",
    "The dean said [bold]no[/bold] at first.",
]


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
    socket = f"tcoder-order-{uuid.uuid4().hex[:8]}"
    yield socket
    _tmux(socket, "kill-server")


def _slow_disk(folder: Path, seconds: float) -> dict[str, str]:
    """Environment for a tcoder process whose disk takes ``seconds`` for every flush
    (a network home folder): a sitecustomize that slows os.fsync in that process only."""
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(textwrap.dedent(f"""\
        import os, time
        _fsync = os.fsync
        def _slow_fsync(fd):
            time.sleep({seconds})
            return _fsync(fd)
        os.fsync = _slow_fsync
        """))
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH", "")]))}


def _code_in_one_write(root: Path, socket: str, keys: str, env: dict[str, str] | None = None) -> list[tuple]:
    """Open P01 for alice, type ``keys`` in one write, quit, and return alice's annotations."""
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "interviews/P01.txt", "--coder", "alice"))
    exports = "".join(f"export {name}={shlex.quote(value)}; " for name, value in (env or {}).items())
    started = _tmux(socket, "new-session", "-d", "-s", "code", "-x", "120", "-y", "40",
                    f"{exports}{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(socket, "capture-pane", "-t", "code", "-p").stdout

    assert _wait_for(lambda: "Interviewer: Thanks for joining" in screen() and "1:1" in screen()), screen()
    typed = _tmux(socket, "send-keys", "-t", "code", "-l", keys)  # one write into the terminal
    assert typed.returncode == 0, typed.stderr
    path = root / "interviews" / "P01.alice.json"
    expected = keys.count("p") + keys.count("w") + keys.count("a")

    def all_saved() -> bool:
        return path.exists() and len(read_annotations(path).annotations) >= expected and "saving" not in screen()

    assert _wait_for(all_saved, timeout=60), screen()
    _tmux(socket, "send-keys", "-t", "code", "C-q")
    assert _wait_for(lambda: "EXITED 0" in screen(), timeout=60), screen()
    annotations = read_annotations(path).annotations
    return sorted((a.code, a.quote) for a in annotations)


def _expected(codes: str) -> list[tuple]:
    names = {"p": "personal", "w": "witnessing", "a": "curriculum"}
    return sorted((names[k], FIRST_SENTENCES[i]) for i, k in enumerate(codes))


def test_a_burst_of_selection_and_code_keys_codes_each_passage_it_selected(fresh_tui_study, tmux_socket):
    # '.' selects the sentence at the cursor, a letter codes it, '}' goes to the next turn.
    codes = "pwapwa"
    keys = "}".join(f".{k}" for k in codes)
    assert all(s in TUI_TRANSCRIPT for s in FIRST_SENTENCES)
    assert _code_in_one_write(fresh_tui_study.root, tmux_socket, keys) == _expected(codes)


def test_keys_typed_ahead_of_a_slow_disk_keep_their_order(fresh_tui_study, tmux_socket, tmp_path):
    codes = "wpawpa"
    keys = "}".join(f".{k}" for k in codes)
    env = _slow_disk(tmp_path / "slowdisk", 0.3)
    assert _code_in_one_write(fresh_tui_study.root, tmux_socket, keys, env) == _expected(codes)

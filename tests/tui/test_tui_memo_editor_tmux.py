"""A memo written through $EDITOR: tcoder suspends, the editor (a small script) writes, tcoder resumes."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tcoder.memoset import load_memos
from tcoder.study import open_study

pytestmark = pytest.mark.tmux

EDITOR_SCRIPT = """\
#!/bin/sh
# an editor that writes a line at the end of the file it is given, as a person would, then quits
printf 'Written in my own editor: the laughter carried the cost.\\n' >> "$1"
"""


def _tmux(socket: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=30)


def _wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_journal_entry_written_in_editor_appears_in_the_list(fresh_tui_study, tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    socket = f"tcoder-test-{uuid.uuid4().hex[:8]}"
    editor = tmp_path / "editor.sh"
    editor.write_text(EDITOR_SCRIPT)
    os.chmod(editor, 0o755)
    root = fresh_tui_study.root
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "interviews/P01.txt", "--coder", "alice"))
    started = _tmux(socket, "new-session", "-d", "-s", "code", "-x", "120", "-y", "40", "-e", f"EDITOR={editor}",
                    "-e", "VISUAL=", f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(socket, "capture-pane", "-t", "code", "-p").stdout

    def keys(*names: str) -> None:
        _tmux(socket, "send-keys", "-t", "code", *names)

    try:
        assert _wait_for(lambda: "Interviewer: Thanks for joining" in screen()), screen()
        keys("F9")
        assert _wait_for(lambda: "Memos and journal" in screen()), screen()
        keys("C-n")
        assert _wait_for(lambda: "Write what?" in screen()), screen()
        keys("Enter")  # a journal entry
        assert _wait_for(lambda: "New journal entry" in screen()), screen()
        time.sleep(1.5)  # the editor's text area takes the keys once it has the focus (slow on a busy machine)
        for ch in "After FG1":  # one key at a time, as typed
            keys("-l", ch)
        assert _wait_for(lambda: "After FG1" in screen()), screen()
        keys("C-x")  # saved first, then handed to the editor; tcoder resumes when it exits
        assert _wait_for(lambda: "Written in my own editor" in screen()), screen()  # the TUI is back, with it
        keys("Escape")
        assert _wait_for(lambda: "1 of 1" in screen() and "Written in my own editor" in screen()), screen()
        keys("C-q")
        assert _wait_for(lambda: "EXITED 0" in screen()), screen()
    finally:
        _tmux(socket, "kill-server")
    memos = load_memos(open_study(root))
    assert [(m.kind, m.author, m.body.strip()) for m in memos] == [
        ("journal", "alice", "After FG1\nWritten in my own editor: the laughter carried the cost.")]

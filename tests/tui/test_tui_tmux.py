"""End to end in a real terminal: tmux runs `tcoder code`, keys are typed, the file is read back."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tcoder.annotations import AnnotationLock, read_annotations

pytestmark = pytest.mark.tmux


def _tmux(socket: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=30)


def _wait_for(predicate, timeout: float = 20.0, step: float = 0.1):
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


def test_shift_right_eleven_times_code_key_and_quit(fresh_tui_study, tmux_socket):
    root = fresh_tui_study.root
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "interviews/P01.txt", "--coder", "alice"))
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "code", "-x", "120", "-y", "40",
                    f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(tmux_socket, "capture-pane", "-t", "code", "-p").stdout

    assert _wait_for(lambda: "Interviewer: Thanks for joining" in screen()), screen()
    assert _wait_for(lambda: "1:1" in screen()), screen()
    for _ in range(11):
        _tmux(tmux_socket, "send-keys", "-t", "code", "S-Right")
    assert _wait_for(lambda: "11 selected" in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", "p")
    assert _wait_for(lambda: "coded Personal experience" in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", "C-q")
    assert _wait_for(lambda: "EXITED 0" in screen()), screen()

    annotations = read_annotations(root / "interviews" / "P01.alice.json").annotations
    assert [(a.code, a.start, a.end, a.quote) for a in annotations] == [("personal", 0, 11, "Interviewer")]
    with AnnotationLock(root / "interviews" / "P01.alice.json"):  # quitting released the lock
        pass
    assert sorted(p.name for p in root.rglob("*.lock")) == []  # and left no lock file to sync to colleagues


def test_a_code_key_and_quit_typed_together_save_the_code(fresh_tui_study, tmux_socket):
    """ctrl+q right behind a code key (one read from the terminal): the change is drawn, saved, then quit."""
    root = fresh_tui_study.root
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "interviews/P01.txt", "--coder", "alice"))
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "code", "-x", "120", "-y", "40",
                    f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(tmux_socket, "capture-pane", "-t", "code", "-p").stdout

    assert _wait_for(lambda: "1:1" in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", *["S-Right"] * 11)
    assert _wait_for(lambda: "11 selected" in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", "p", "C-q")
    assert _wait_for(lambda: "EXITED 0" in screen()), screen()
    annotations = read_annotations(root / "interviews" / "P01.alice.json").annotations
    assert [(a.code, a.start, a.end) for a in annotations] == [("personal", 0, 11)]


def test_search_the_study_then_code_a_hit(fresh_tui_study, tmux_socket):
    root = fresh_tui_study.root
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "--coder", "alice"))
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "code", "-x", "120", "-y", "40",
                    f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(tmux_socket, "capture-pane", "-t", "code", "-p").stdout

    def keys(*names: str) -> None:
        _tmux(tmux_socket, "send-keys", "-t", "code", *names)

    assert _wait_for(lambda: "interviews/P01.txt" in screen()), screen()
    keys("C-t")
    assert _wait_for(lambda: "every transcript" in screen()), screen()
    keys("-l", "clinic")
    keys("Enter")
    assert _wait_for(lambda: "2 hits in 1 of 2 transcripts" in screen()), screen()
    assert "free clinic day" in screen()
    keys("Down", "Enter")  # the second hit: opens P01 with it selected
    assert _wait_for(lambda: "6 selected" in screen()), screen()
    keys("o")
    assert _wait_for(lambda: "coded Community outreach" in screen()), screen()
    keys("C-q")
    assert _wait_for(lambda: "EXITED 0" in screen()), screen()
    from tuikit import TUI_TRANSCRIPT

    hit = TUI_TRANSCRIPT.index("free clinic") + len("free ")
    annotations = read_annotations(root / "interviews" / "P01.alice.json").annotations
    assert [(a.code, a.start, a.end, a.quote) for a in annotations] == [("outreach", hit, hit + 6, "clinic")]


def test_marking_a_transcript_done_in_the_coding_screen_and_the_list(fresh_tui_study, tmux_socket, run_cli):
    """f7 marks the open transcript done in the coder's own file (again: reopens it); the list shows
    the coder's status and ticks every coder who marked a transcript done; agree then counts them."""
    root = fresh_tui_study.root
    fresh_tui_study.annotations("interviews/P01.txt", "bob", [("personal", 0, 11)], status="done")
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "--coder", "alice"))
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "code", "-x", "120", "-y", "40",
                    f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(tmux_socket, "capture-pane", "-t", "code", "-p").stdout

    def row(name: str) -> str:
        return next((line for line in screen().splitlines() if name in line), "")

    def keys(*names: str) -> None:
        for name in names:
            _tmux(tmux_socket, "send-keys", "-t", "code", name)

    assert _wait_for(lambda: "My status" in screen() and "bob \u2713" in row("interviews/P01.txt")), screen()
    assert " \u00b7 " in row("interviews/P01.txt")  # alice has no file yet
    keys("Down", "Enter")  # FG1 first, then P01
    assert _wait_for(lambda: "Interviewer: Thanks for joining" in screen()), screen()
    keys("S-Right", "S-Right", "S-Right")  # code a little: the file is in progress
    assert _wait_for(lambda: "3 selected" in screen()), screen()
    keys("p")
    assert _wait_for(lambda: "coded Personal experience" in screen()), screen()
    code, _, err = run_cli("agree", root, "--format", "json")
    assert code == 1 and "still in progress" in err  # alice is not counted yet
    keys("F7")
    assert _wait_for(lambda: "marked done" in screen() and "done \u2713" in screen()), screen()
    path = root / "interviews" / "P01.alice.json"
    assert read_annotations(path).extra["status"]["state"] == "done"
    code, out, _ = run_cli("agree", root, "--format", "json")
    assert code == 0 and '"alice"' in out
    keys("C-l")
    assert _wait_for(lambda: "done" in row("interviews/P01.txt") and "alice \u2713" in row("interviews/P01.txt")), \
        screen()
    keys("Enter")
    assert _wait_for(lambda: "Interviewer: Thanks for joining" in screen()), screen()
    keys("F7")
    assert _wait_for(lambda: "reopened" in screen()), screen()
    assert read_annotations(path).extra["status"]["state"] == "in-progress"
    keys("C-q")
    assert _wait_for(lambda: "EXITED 0" in screen()), screen()


def test_keys_typed_fast_after_space_all_reach_the_picker(fresh_tui_study, tmux_socket):
    """A burst of keys right behind the key that opens the picker: none lost, none reordered,
    none taken by the coding screen (where letters are code keys)."""
    root = fresh_tui_study.root
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "interviews/P01.txt", "--coder", "carol"))
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "code", "-x", "120", "-y", "40",
                    f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(tmux_socket, "capture-pane", "-t", "code", "-p").stdout

    assert _wait_for(lambda: "1:1" in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", ".")
    assert _wait_for(lambda: "selected" in screen()), screen()
    # one write to the terminal: space, "wpo", three backspaces, "moral injury"
    _tmux(tmux_socket, "send-keys", "-t", "code", "Space", *"wpo", *["BSpace"] * 3, *"moral", "Space", *"injury")
    assert _wait_for(lambda: "\u2502 moral injury " in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", "Escape")
    assert _wait_for(lambda: "Apply a code" not in screen()), screen()
    assert "no changes" in screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", "C-q")
    assert _wait_for(lambda: "EXITED 0" in screen()), screen()
    assert not (root / "interviews" / "P01.carol.json").exists()  # no letter was taken for a code key


# ---------------------------------------------------------------- every default key arrives

_KEY_PROBE = """
import sys
from textual.app import App
from textual.widgets import Static

class Probe(App, inherit_bindings=False):
    ENABLE_COMMAND_PALETTE = False

    def compose(self):
        yield Static("probe ready")

    def on_key(self, event):
        with open(sys.argv[1], "a", encoding="utf-8") as log:
            log.write(event.key + "\\n")

Probe().run()
"""

#: Textual key names -> tmux's names for the same key
_TMUX_NAMES = {
    "question_mark": "?", "space": "Space", "delete": "DC", "backspace": "BSpace", "slash": "/",
    "right_square_bracket": "]", "left_square_bracket": "[", "full_stop": ".", "comma": ",", "escape": "Escape",
    "enter": "Enter", "left": "Left", "right": "Right", "up": "Up", "down": "Down", "home": "Home", "end": "End",
    "pageup": "PPage", "pagedown": "NPage", "left_parenthesis": "(", "right_parenthesis": ")",
    "left_curly_bracket": "{", "right_curly_bracket": "}", "asterisk": "*", "greater_than_sign": ">",
    "less_than_sign": "<", "exclamation_mark": "!", "plus": "+", "ampersand": "&", "equals_sign": "=",
    "minus": "-", "quotation_mark": '"', "tilde": "~",
}


def _tmux_key(key: str) -> str:
    *modifiers, base = key.split("+")
    if base in _TMUX_NAMES:
        base = _TMUX_NAMES[base]
    elif base[0] == "f" and base[1:].isdigit():
        base = base.upper()
    return "".join({"ctrl": "C-", "shift": "S-", "alt": "M-"}[m] for m in modifiers) + base


def test_every_default_key_arrives_in_a_real_terminal_as_the_key_it_is_bound_to(tmp_path, tmux_socket):
    """A binding whose key the terminal never delivers is a command nobody can run
    (shift+f3 and ctrl+shift+g were): each default key is typed into tmux and must reach
    a Textual app as exactly that key. What each key then does is tested on the screens."""
    from tcoder.codebook import COMMAND_KEYS

    probe, log = tmp_path / "probe.py", tmp_path / "keys.log"
    probe.write_text(_KEY_PROBE, "utf-8")
    log.write_text("", "utf-8")
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "keys", "-x", "100", "-y", "30",
                    f"{shlex.quote(sys.executable)} {shlex.quote(str(probe))} {shlex.quote(str(log))}")
    assert started.returncode == 0, started.stderr
    assert _wait_for(lambda: "probe ready" in _tmux(tmux_socket, "capture-pane", "-t", "keys", "-p").stdout)
    wrong = []
    for key in sorted({k for keys in COMMAND_KEYS.values() for k in keys}):
        seen = len(log.read_text("utf-8").splitlines())
        _tmux(tmux_socket, "send-keys", "-t", "keys", _tmux_key(key))
        arrived = _wait_for(lambda seen=seen: log.read_text("utf-8").splitlines()[seen:], timeout=5.0, step=0.02)
        if arrived != [key]:
            wrong.append((key, arrived))
    assert wrong == []


def test_previous_match_keys_work_in_a_real_terminal(fresh_tui_study, tmux_socket):
    root = fresh_tui_study.root
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "interviews/P01.txt", "--coder", "alice"))
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "code", "-x", "120", "-y", "40",
                    f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(tmux_socket, "capture-pane", "-t", "code", "-p").stdout

    assert _wait_for(lambda: "1:1" in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", "/")
    assert _wait_for(lambda: "Search" in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", "-l", "clinic")
    _tmux(tmux_socket, "send-keys", "-t", "code", "Enter")
    assert _wait_for(lambda: "2 matches" in screen()), screen()  # the first match, on row 3
    first = next(line for line in screen().splitlines() if "alice" in line and "selected" in line)
    _tmux(tmux_socket, "send-keys", "-t", "code", "S-F7")  # previous, from the first: wraps to the last
    assert _wait_for(lambda: "wrapped to the end" in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", "M-g")  # previous again: the first
    assert _wait_for(lambda: first.split("\u2502")[2] in screen()), screen()
    _tmux(tmux_socket, "send-keys", "-t", "code", "C-q")
    assert _wait_for(lambda: "EXITED 0" in screen()), screen()


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_search_then_code_from_results_as_one_step(fresh_tui_study, tmux_socket, size):
    """ctrl+t, a search, alt+k, a code, the review list, ctrl+s: every hit's sentence coded
    in one recorded step, in a real terminal of either size."""
    from tcoder.annotations import autocode_query
    from tcoder.changeset import operations

    root = fresh_tui_study.root
    command = " ".join(shlex.quote(part) for part in (
        sys.executable, "-m", "tcoder", "code", str(root), "--coder", "alice"))
    started = _tmux(tmux_socket, "new-session", "-d", "-s", "code", "-x", str(size[0]), "-y", str(size[1]),
                    f"{command}; echo EXITED $?; sleep 30")
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        return _tmux(tmux_socket, "capture-pane", "-t", "code", "-p").stdout

    def keys(*names: str) -> None:
        _tmux(tmux_socket, "send-keys", "-t", "code", *names)

    assert _wait_for(lambda: "interviews/P01.txt" in screen()), screen()
    keys("C-t")
    assert _wait_for(lambda: "every transcript" in screen()), screen()
    keys("-l", "clinic")
    keys("Enter")
    assert _wait_for(lambda: "2 hits in 1 of 2 transcripts" in screen()), screen()
    keys("M-k")
    assert _wait_for(lambda: "Code all 2 hits with" in screen()), screen()
    keys("-l", "outreach")
    keys("Enter")
    assert _wait_for(lambda: "Code from results: Community outreach for alice" in screen()), screen()
    assert _wait_for(lambda: "2 passages to code outreach for alice in 1 transcript" in screen()), screen()
    assert "[x]" in screen() and "I saw how she was treated at" in screen()
    keys("C-s")
    assert _wait_for(lambda: "coded 2 passages as outreach for alice" in screen()), screen()
    keys("Escape")  # closes the search
    assert _wait_for(lambda: "interviews/P01.txt" in screen() and "every transcript" not in screen()), screen()
    keys("C-q")
    assert _wait_for(lambda: "EXITED 0" in screen()), screen()

    from tuikit import TUI_TRANSCRIPT

    annotations = read_annotations(root / "interviews" / "P01.alice.json").annotations
    assert [(a.code, a.quote, autocode_query(a)) for a in annotations] == [
        ("outreach", "I saw how she was treated at the clinic.",
         "search text 'clinic' (case ignored, accents ignored); as sentence"),
        ("outreach", "We also ran a free clinic day in the neighbourhood.",
         "search text 'clinic' (case ignored, accents ignored); as sentence")]
    assert TUI_TRANSCRIPT.count("clinic") == 2
    (op,) = operations(root)
    assert op.kind == "autocode" and op.file_count == 1

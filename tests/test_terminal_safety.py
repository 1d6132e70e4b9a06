"""Text from a study never drives the terminal: control characters in code ids,
file names, memos and messages arrive as visible glyphs when the output is a
terminal, and exactly as they are when it is a file or a pipe."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

from studykit import MINI_TRANSCRIPT

CLEAR_SCREEN = "\x1b[2J"
SET_TITLE = "\x1b]0;pwned\x07"


def _in_terminal(argv: list[str], cwd=None) -> str:
    """Run tcoder with its stdout and stderr on a pseudo-terminal; return what it wrote."""
    main, child = pty.openpty()
    env = dict(os.environ, COLUMNS="200", LINES="50", TERM="xterm-256color")
    proc = subprocess.Popen([sys.executable, "-m", "tcoder", *argv], stdin=subprocess.DEVNULL, stdout=child,
                            stderr=child, cwd=cwd, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


def _poisoned_study(builder):
    builder.codebook()
    builder.transcript()
    builder.transcript("interviews/P\x1b[31m02.txt", MINI_TRANSCRIPT)
    for name in ("interviews/P01.txt", "interviews/P\x1b[31m02.txt"):
        builder.annotations(name, "alice", [("personal", 14, 40), ("zz" + CLEAR_SCREEN, 50, 60)])
        builder.annotations(name, "bob", [("personal", 14, 38), ("outreach" + SET_TITLE, 50, 60)])
    return builder.root


def test_check_in_a_terminal_shows_control_characters_as_glyphs(study_builder):
    root = _poisoned_study(study_builder)
    out = _in_terminal(["check", str(root)])
    assert "Unknown codes" in out
    assert CLEAR_SCREEN not in out and SET_TITLE not in out and "\x1b[31m02" not in out
    assert "zz\u241b[2J" in out and "P\u241b[31m02.alice.json" in out


def test_agree_table_in_a_terminal_shows_control_characters_as_glyphs(study_builder):
    root = _poisoned_study(study_builder)
    out = _in_terminal(["agree", str(root), "--unit", "sentence", "--by", "transcript"])
    assert "Krippendorff" in out
    assert CLEAR_SCREEN not in out and SET_TITLE not in out and "\x1b[31m02" not in out
    assert "P\u241b[31m02.txt" in out  # the per-transcript table's title


def test_data_formats_to_a_pipe_stay_exact(study_builder):
    root = _poisoned_study(study_builder)
    result = subprocess.run([sys.executable, "-m", "tcoder", "check", str(root), "--format", "json"],
                            capture_output=True, text=True)
    data = json.loads(result.stdout)
    assert set(data["unknown_codes"]) == {"zz" + CLEAR_SCREEN, "outreach" + SET_TITLE}


def test_a_closed_pipe_ends_agree_quietly_with_status_0(sample_study):
    proc = subprocess.Popen([sys.executable, "-m", "tcoder", "agree", str(sample_study), "--by", "transcript"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err


def test_import_in_a_terminal_shows_speaker_names_and_file_names_as_glyphs(tmp_path):
    """A crafted caption file: its speaker names and its own name carry escape sequences;
    what `tcoder import` prints about it must not act on the terminal."""
    folder = tmp_path / "in"
    folder.mkdir()
    source = folder / f"call{CLEAR_SCREEN}.vtt"
    source.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ana" + SET_TITLE + ">We asked twice.</v>\n\n"
                      "00:00:02.000 --> 00:00:03.000\n<v Ben>And then?</v>\n", "utf-8")
    out = _in_terminal(["import", str(source)])
    assert "wrote" in out and "2 speakers" in out, out
    assert CLEAR_SCREEN not in out and SET_TITLE not in out
    assert "Ana\u241b]0;pwned\u2407" in out and "call\u241b[2J" in out
    # a second import of the same file is refused; the message quotes the names inertly too
    out = _in_terminal(["import", str(source)])
    assert "already exists" in out and CLEAR_SCREEN not in out and "call\u241b[2J" in out

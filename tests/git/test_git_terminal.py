"""Control characters from users' files never reach a terminal through the git commands.

A memo, a quote, a code id or an id may hold ESC sequences (pasted from another
program, or planted in a shared repository). On a terminal they would clear the
screen, set the window title or hide text. textconv output and the merge
driver's messages are only ever read, so they always show such characters as
glyphs (ESC as ␛); `tcoder review` and `tcoder git resolve` do so on a terminal
and write the exact data into files and pipes.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from gitkit import GitStudy, new_repo
from studykit import MINI_TRANSCRIPT
from tcoder.annotations import AnnotationFile, new_annotation, read_annotations, reanchor, save_annotations
from tcoder.transcript import text_sha256

ESC = "\x1b"
CLEAR = "\x1b[2J\x1b[H"  # clear the screen, cursor home
TITLE = "\x1b]0;owned\x07"  # set the window title
RLO = "\u202e"  # right-to-left override: reorders the rest of the line


def in_terminal(*args: str | Path, cwd: Path) -> tuple[int, str]:
    """Run tcoder with stdout and stderr on a real pseudo-terminal: (exit code, what it showed)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tcoder", *map(str, args)], cwd=cwd,
                                stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the other side closed (Linux)
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    code = proc.wait(timeout=120)
    return code, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


# ---------------------------------------------------------------- textconv: git diff, git log -p


def test_git_diff_shows_control_characters_as_glyphs(repo: GitStudy):
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("one")
    repo.edit("alice", a.id, memo=f"see{CLEAR}this{TITLE}{RLO}end", code=f"duty{ESC}[31m")
    b = repo.code("alice", "outreach", "a free clinic day", memo="plain")

    diff = repo.git("diff").stdout
    log = repo.git("log", "-p", "-1", "--format=").stdout + repo.git("diff", "HEAD").stdout

    assert ESC not in diff + log and "\x07" not in diff + log and RLO not in diff + log
    assert '+duty\u241b[31m  Amara  3:18-3:38  "it was my grandmother"  memo: see\u241b[2J\u241b[Hthis' in diff
    assert f"\u241b]0;owned\u2407\u2426end  #{a.id}" in diff
    assert f'+outreach  Amara  7:57-7:73  "a free clinic day"  memo: plain  #{b.id}' in diff
    # The file itself keeps every character: only the display changes.
    assert repo.read("alice").annotations[0].memo == f"see{CLEAR}this{TITLE}{RLO}end"


def test_a_damaged_file_is_shown_with_glyphs(repo: GitStudy, run_cli):
    path = repo.path_of("alice")
    repo.code("alice", "personal", "it was my grandmother")
    text = path.read_text()
    path.write_text(text.replace('"personal"', f'"personal", "memo": "raw {CLEAR} in JSON"'))

    code, out, err = run_cli("git", "textconv", path)

    assert code == 0
    assert out.startswith("# tcoder: this annotation file cannot be read: it is not valid JSON")
    assert ESC not in out and "raw \u241b[2J\u241b[H in JSON" in out
    assert out.count("\n") == text.count("\n") + 1  # line by line, as in the file
    assert ESC in path.read_text()  # untouched


# ---------------------------------------------------------------- tcoder review


def _review_setup(repo: GitStudy) -> str:
    repo.checkout("feature", new=True)
    added = repo.code("alice", "outreach", "a free clinic day", memo=f"memo{CLEAR}{TITLE}{RLO}x")
    repo.edit("alice", added.id, code=f"outreach{ESC}[8m")
    repo.commit("feature")
    return added.id


def test_review_on_a_terminal_shows_glyphs(repo: GitStudy):
    _review_setup(repo)

    for fmt in ("table", "md", "json"):
        code, shown = in_terminal("review", repo.study, "main..feature", "--format", fmt, cwd=repo.root)
        assert code == 0, shown
        assert ESC not in shown and "\x07" not in shown and RLO not in shown, fmt
    code, shown = in_terminal("review", repo.study, "main..feature", cwd=repo.root)
    assert "outreach\u241b[8m" in shown
    assert 'memo: "memo\u241b[2J\u241b[H\u241b]0;owned\u2407\u2426x"' in shown
    code, shown = in_terminal("review", repo.study, "main..feature", "--format", "md", cwd=repo.root)
    assert "(memo: memo\u241b\\[2J\u241b\\[H\u241b\\]0;owned\u2407\u2426x)" in shown


def test_review_into_a_pipe_or_file_is_exact(repo: GitStudy, run_cli, tmp_path: Path):
    _review_setup(repo)

    code, out, err = run_cli("review", repo.study, "main..feature", "--format", "md")
    assert code == 0, err
    assert f"(memo: memo{ESC}\\[2J{ESC}\\[H{ESC}\\]0;owned\x07{RLO}x)" in out
    code, out, err = run_cli("review", repo.study, "main..feature", "--format", "json")
    [change] = json.loads(out)["changes"]
    assert change["new"]["memo"] == f"memo{CLEAR}{TITLE}{RLO}x" and change["code"] == f"outreach{ESC}[8m"
    target = tmp_path / "review.md"
    with target.open("w") as f:
        done = subprocess.run([sys.executable, "-m", "tcoder", "review", str(repo.study), "main..feature",
                               "--format", "md"], cwd=repo.root, stdout=f, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0, done.stderr
    assert f"memo{ESC}\\[2J{ESC}\\[H" in target.read_text()


# ---------------------------------------------------------------- git resolve and the merge driver


def _conflict_with_escapes(repo: GitStudy):
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    repo.checkout("feature", new=True)
    repo.edit("alice", a.id, code=f"duty{CLEAR}", memo=f"theirs{TITLE}")
    repo.commit("feature")
    repo.checkout("main")
    repo.edit("alice", a.id, code=f"curriculum{ESC}[8m", memo="ours")
    repo.commit("main")
    done = repo.merge("feature")
    assert done.returncode != 0
    return a


def test_resolve_lists_conflicts_with_glyphs_on_a_terminal(repo: GitStudy, run_cli):
    a = _conflict_with_escapes(repo)
    path = repo.path_of("alice")

    code, shown = in_terminal("git", "resolve", path, cwd=repo.root)

    assert code == 1
    assert f"unresolved merge conflict on annotation {a.id}" in shown
    assert ESC not in shown and "\x07" not in shown
    assert "code: ours curriculum\u241b[8m, theirs duty\u241b[2J\u241b[H" in shown
    code, out, err = run_cli("git", "resolve", path)  # a pipe: exact
    assert code == 1 and f"theirs duty{CLEAR}" in out

    code, shown = in_terminal("git", "resolve", path, "--keep", "theirs", cwd=repo.root)
    assert code == 0 and "settled 1 conflict keeping theirs" in shown
    assert repo.read("alice").annotations[0].code == f"duty{CLEAR}"


def test_merge_driver_messages_show_glyphs(repo: GitStudy):
    """A side that cannot be read is named in the merge's output with the offending id."""
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    repo.checkout("feature", new=True)
    path = repo.path_of("alice")
    data = json.loads(path.read_text())
    data["annotations"].append({"id": f"bad{CLEAR}{TITLE}", "code": "duty", "start": 5, "end": 5})
    path.write_text(json.dumps(data))
    repo.commit("feature: an empty span")
    repo.checkout("main")
    repo.code("alice", "duty", "what did you do about it")
    repo.commit("main")

    done = repo.merge("feature")

    assert "not a valid annotation file on one side" in done.stderr
    assert "id bad\u241b[2J\u241b[H\u241b]0;owned\u2407" in done.stderr
    assert ESC not in done.stderr and "\x07" not in done.stderr


def test_merge_driver_notes_name_the_transcript_with_glyphs(tmp_path: Path, git_home: Path):
    """The re-anchoring note names the transcript: a file name with control characters stays inert."""
    repo = new_repo(tmp_path / "repo")
    repo.builder.codebook()
    name = f"P{ESC}[5m01"
    tpath = repo.builder.transcript(f"interviews/{name}.txt", MINI_TRANSCRIPT)
    apath = tpath.with_name(f"{name}.alice.json")
    repo.setup_drivers()
    repo.commit("study")

    def code(quote: str) -> None:
        text = tpath.read_text()
        af = read_annotations(apath) if apath.exists() else AnnotationFile("alice", tpath.name, text_sha256(text))
        start = text.index(quote)
        af.annotations.append(new_annotation("personal", start, start + len(quote), text))
        save_annotations(af, apath)

    code("it was my grandmother")
    repo.commit("coding")
    repo.checkout("feature", new=True)
    tpath.write_text("Interviewer: (Consent recorded.)\n\n" + tpath.read_text())
    af = read_annotations(apath)
    reanchor(af.annotations, tpath.read_text())
    af.text_sha256 = text_sha256(tpath.read_text())
    save_annotations(af, apath)
    repo.commit("feature: transcript edited, annotations re-anchored")
    repo.checkout("main")
    code("I saw how she was treated")
    repo.commit("main: more coding on the old text")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    assert "re-anchored our 2 annotations" in done.stderr
    assert "P\u241b[5m01.txt" in done.stderr and ESC not in done.stderr

"""Output options never write over a study's files, and replace other existing files
only with --force or after a "yes" in a terminal (tcoder.outputs, used by every command)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.fixture
def coded(study_builder):
    study_builder.codebook()
    study_builder.transcript("interviews/P01.txt")
    study_builder.annotations("interviews/P01.txt", "alice", [("personal", 14, 40), ("duty", 20, 60)])
    study_builder.annotations("interviews/P01.txt", "bob", [("personal", 14, 40)])
    study_builder.attributes("transcript,group\nP01,control\n")
    (study_builder.root / "tcoder.yaml").write_text("exclude: ['notes/**']\n")
    return study_builder.root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


STUDY_FILES = {
    "interviews/P01.txt": "a transcript of the study",
    "interviews/P01.alice.json": "an annotation file of the study",
    "codebook.yaml": "the study's codebook",
    "tcoder.yaml": "the study's settings (tcoder.yaml)",
    "attributes.csv": "the study's attributes table",
}


@pytest.mark.parametrize("name", STUDY_FILES)
def test_report_never_writes_over_a_study_file_even_with_force(coded, run_cli, name):
    before = _snapshot(coded)
    for force in ([], ["--force"]):
        code, out, err = run_cli("report", coded, "segments", "--format", "csv", "-o", coded / name, *force)
        assert code == 2, err
        assert f"{name}: not written: this is {STUDY_FILES[name]}" in err
        assert "outside the study folder" in err
    assert _snapshot(coded) == before


def test_a_new_file_the_study_would_read_as_a_transcript_is_refused(coded, run_cli):
    code, out, err = run_cli("report", coded, "segments", "--format", "md", "-o", coded / "summary.md")
    assert code == 2 and "summary.md: not written: this would be read as a transcript of the study" in err
    assert not (coded / "summary.md").exists()
    code, out, err = run_cli("report", coded, "segments", "--format", "md", "-o", coded / "notes" / "x.md")
    assert code == 1 and "does not exist" in err  # excluded in tcoder.yaml: only the missing folder stops it
    (coded / "notes").mkdir()
    code, out, err = run_cli("report", coded, "segments", "--format", "md", "-o", coded / "notes" / "x.md")
    assert code == 0, err
    code, out, err = run_cli("report", coded, "frequencies", "--format", "csv", "-o", coded / "freq.csv")
    assert code == 0 and (coded / "freq.csv").read_text().startswith("code,")


def test_hidden_files_of_the_study_are_refused_and_a_link_is_replaced_not_followed(coded, run_cli, tmp_path):
    code, out, err = run_cli("export", coded, "--qdc", coded / ".git-like.qdc")
    assert code == 2 and "starts with a dot" in err
    link = tmp_path / "report.txt"
    link.symlink_to(coded / "interviews/P01.txt")
    before = _snapshot(coded)
    code, out, err = run_cli("report", coded, "segments", "-o", link, "--force")
    assert code == 0 and not link.is_symlink() and _snapshot(coded) == before


def test_an_existing_file_needs_force_without_a_terminal(coded, run_cli, tmp_path):
    report, plot = tmp_path / "r.csv", tmp_path / "p.png"
    report.write_text("mine")
    plot.write_text("mine")
    for args in (["report", coded, "frequencies", "--format", "csv", "-o", report],
                 ["report", coded, "frequencies", "--plot", plot],
                 ["agree", coded, "--plot", plot]):
        code, out, err = run_cli(*args)
        assert code == 2 and "not written: the file exists; use --force to replace it" in err, (args, err)
    assert report.read_text() == "mine" and plot.read_text() == "mine"
    code, out, err = run_cli("report", coded, "frequencies", "--format", "csv", "-o", report, "--force")
    assert code == 0 and report.read_text().startswith("code,")


def test_export_and_import_qdc_share_the_rule(coded, run_cli, tmp_path):
    qdc = tmp_path / "c.qdc"
    assert run_cli("export", coded, "--qdc", qdc)[0] == 0
    before = _snapshot(coded)
    code, out, err = run_cli("import-qdc", qdc, "-o", coded / "codebook.yaml", "--force")
    assert code == 2 and "codebook.yaml: not written: this is the study's codebook" in err
    code, out, err = run_cli("import-qdc", qdc, "-o", coded / "interviews" / "P01.txt")
    assert code == 2 and "this is a transcript of the study" in err
    assert _snapshot(coded) == before
    code, out, err = run_cli("export", coded, "--qdc", qdc)
    assert code == 2 and "use --force" in err


def _in_terminal(args: list[str], answer: bytes) -> tuple[int, str]:
    """Run tcoder with a real terminal as its standard streams, answer its question."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execv(sys.executable, [sys.executable, "-m", "tcoder", *args])
    output = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"[y/N]" in output:
            os.write(fd, answer + b"\r")
            answered = True
    else:
        os.kill(pid, 9)
        raise AssertionError(f"still running: {output!r}")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


@pytest.mark.parametrize("answer, replaced", [(b"y", True), (b"n", False), (b"", False)])
def test_in_a_terminal_the_command_asks_before_replacing(coded, tmp_path, answer, replaced):
    report = tmp_path / "r.csv"
    report.write_text("mine")
    code, shown = _in_terminal(["report", str(coded), "frequencies", "--format", "csv", "-o", str(report)],
                               answer)
    assert f"{report} exists. Replace it with the report? [y/N]" in shown
    if replaced:
        assert code == 0 and report.read_text().startswith("code,")
    else:
        assert code == 2 and report.read_text() == "mine" and "use --force to replace it" in shown


def test_scripts_never_wait_for_an_answer(coded, tmp_path):
    report = tmp_path / "r.csv"
    report.write_text("mine")
    result = subprocess.run([sys.executable, "-m", "tcoder", "report", str(coded), "frequencies", "-o", str(report)],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "[y/N]" not in result.stderr and report.read_text() == "mine"


def test_a_streamed_output_replaces_the_file_only_when_whole(tmp_path):
    from tcoder.outputs import streamed_output

    target = tmp_path / "report.csv"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError):
        with streamed_output(target) as handle:
            handle.write(b"half of the new")
            raise RuntimeError("a problem found in the last transcript")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]  # no temporary file left

    with streamed_output(target) as handle:
        handle.write(b"a,b\n")
        handle.write(b"1,2\n")
    assert target.read_bytes() == b"a,b\n1,2\n"

    with streamed_output(os.devnull) as handle:  # a device is written into, never replaced
        handle.write(b"x")
    assert os.path.exists(os.devnull) and not Path(os.devnull).is_file()


def test_a_streamed_output_to_a_pipe_is_exact_and_comes_whole_at_the_end():
    script = ("import sys\n"
              "from tcoder.outputs import streamed_output\n"
              "with streamed_output(None) as handle:\n"
              "    handle.write('é\\x1b[31m,\\n'.encode())\n"
              "    print('before', file=sys.stderr, flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    assert done.stdout == "é\x1b[31m,\n".encode()
    assert done.stderr == b"before\n"

"""`tcoder code` on the command line: what it checks before the screen opens, and its exit codes."""

from __future__ import annotations

import subprocess
import sys


def test_help_does_not_import_textual():
    code = ("import sys\nfrom tcoder.cli import main\n"
            "try:\n    main(['code', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('TEXTUAL' if 'textual' in sys.modules else 'LIGHT')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().endswith("LIGHT"), out.stdout + out.stderr
    assert "--coder NAME" in out.stdout and "TCODER_CODER" in out.stdout


def test_bad_coder_name_is_bad_usage(run_cli, tui_study):
    code, _, err = run_cli("code", tui_study.root, "--coder", "Alice Smith")
    assert code == 2 and "--coder" in err and "not valid" in err


def test_bad_coder_name_from_the_environment(run_cli, tui_study, monkeypatch):
    monkeypatch.setenv("TCODER_CODER", "a.b")
    code, _, err = run_cli("code", tui_study.root)
    assert code == 2 and "TCODER_CODER" in err


def test_unknown_transcript_is_a_data_error(run_cli, tui_study):
    code, _, err = run_cli("code", tui_study.root, "P99", "--coder", "alice")
    assert code == 1 and "no transcript 'P99'" in err and "interviews/P01.txt" in err


def test_broken_codebook_is_reported_with_its_place(run_cli, tui_study):
    (tui_study.root / "codebook.yaml").write_text("codes:\n  - {id: a, key: '/'}\n", "utf-8")
    code, _, err = run_cli("code", tui_study.root, "--coder", "alice")
    assert code == 1 and "codebook.yaml, line 2" in err and "kept by tcoder" in err


def test_missing_study(run_cli, tmp_path):
    code, _, err = run_cli("code", tmp_path / "nowhere", "--coder", "alice")
    assert code == 1 and "no such folder" in err


def test_needs_a_terminal(run_cli, tui_study):
    code, _, err = run_cli("code", tui_study.root, "P01", "--coder", "alice")
    assert code == 2 and "needs a terminal" in err

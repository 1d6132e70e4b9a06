"""The shipped pre-commit hook definitions run commands that exist, on the whole study."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from studykit import SAMPLE_STUDY
from tcoder.cli import COMMANDS

REPO = Path(__file__).resolve().parents[1]


def test_each_hook_runs_a_tcoder_command_that_passes_on_the_sample_study(tmp_path: Path):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["tcoder-ci", "tcoder-check"]
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["always_run"] is True
        program, command, *options = shlex.split(hook["entry"])
        assert program == "tcoder" and command in COMMANDS
        # pre-commit appends the hook's args (the study folder) to the entry
        done = subprocess.run([sys.executable, "-m", "tcoder", command, *options, str(SAMPLE_STUDY)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

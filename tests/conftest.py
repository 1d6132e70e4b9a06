"""Shared fixtures: build real studies on disk in a temporary folder.

The helpers themselves live in studykit.py so test modules can import them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import settings as hypothesis_settings

from studykit import MINI_CODEBOOK, MINI_TRANSCRIPT, REPO, SAMPLE_STUDY, StudyBuilder  # noqa: F401

# Property tests explore new random cases on every developer's run; CI (.ci/run sets
# TCODER_HYPOTHESIS=ci) runs the same cases each time, so a red run means the code changed, and
# every case a run has found stays in its test as an explicit @example.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("TCODER_HYPOTHESIS"):
    hypothesis_settings.load_profile(os.environ["TCODER_HYPOTHESIS"])


@pytest.fixture
def study_builder(tmp_path: Path) -> StudyBuilder:
    return StudyBuilder(tmp_path / "study")


@pytest.fixture
def mini_study(study_builder: StudyBuilder) -> StudyBuilder:
    """A one-transcript study with the mini codebook and no annotations yet."""
    study_builder.codebook()
    study_builder.transcript()
    return study_builder


SAMPLE_CODERS = ("alice", "bob", "consensus")


def _not_shipped(folder: str, names: list[str]) -> set[str]:
    """Not part of the study's data: hidden files (.gitignore, locks) and a reader's own
    coding of the sample (README: --coder me)."""
    return {n for n in names if n.startswith(".") or (n.endswith(".json") and n.count(".") >= 2
                                                      and n.rsplit(".", 2)[1] not in SAMPLE_CODERS)}


@pytest.fixture
def sample_study(tmp_path: Path) -> Path:
    """A private copy of the shipped sample study (without anyone else's coding of it)."""
    target = tmp_path / "activism-study"
    shutil.copytree(SAMPLE_STUDY, target, ignore=_not_shipped)
    return target


@pytest.fixture
def run_cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """Run the tcoder command in-process: returns (exit code, stdout, stderr)."""
    from tcoder.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors and --help
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return run

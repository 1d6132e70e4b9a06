"""Fixtures for the git tests (helpers in gitkit.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitkit import TRANSCRIPT, GitStudy, new_repo
from studykit import MINI_TRANSCRIPT


@pytest.fixture
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME in a temporary folder and no system config: nothing from this machine leaks in."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in list(os.environ):
        if name.startswith("GIT_") and name != "GIT_CONFIG_NOSYSTEM" or name.startswith("GITHEAD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    return home


@pytest.fixture
def repo(tmp_path: Path, git_home: Path) -> GitStudy:
    """A repository with the mini study (no annotations yet), drivers set up, one commit."""
    repo = new_repo(tmp_path / "repo")
    repo.builder.codebook()
    repo.builder.transcript(TRANSCRIPT, MINI_TRANSCRIPT)
    repo.setup_drivers()
    repo.commit("study")
    return repo

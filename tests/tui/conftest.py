"""Fixtures for the coding TUI: a study made for these tests (never the shipped sample)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuikit import build_tui_study

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    """Every test of the screens is marked ``tui``: ``pytest -m "not tui and not tmux and not
    browser"`` runs the rest: the core, the commands and the reports."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.tui)


@pytest.fixture
def tui_study(study_builder):
    """A study with the TUI test codebook, two transcripts, and alice's and bob's annotations of P01."""
    return build_tui_study(study_builder)


@pytest.fixture
def fresh_tui_study(study_builder):
    """The same study without any annotation file."""
    return build_tui_study(study_builder, annotations=False)

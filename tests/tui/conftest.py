"""Fixtures for the coding TUI: a study made for these tests (never the shipped sample)."""

from __future__ import annotations

import pytest

from tuikit import build_tui_study


@pytest.fixture
def tui_study(study_builder):
    """A study with the TUI test codebook, two transcripts, and alice's and bob's annotations of P01."""
    return build_tui_study(study_builder)


@pytest.fixture
def fresh_tui_study(study_builder):
    """The same study without any annotation file."""
    return build_tui_study(study_builder, annotations=False)

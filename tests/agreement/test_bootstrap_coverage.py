"""The cluster bootstrap's 95% intervals cover a known alpha about 95% of the time (a small
version of tools/agreement/bootstrap_coverage.py; the full figures are in docs/agreement.md)."""

from __future__ import annotations

import sys

import pytest

from studykit import REPO

sys.path.insert(0, str(REPO / "tools" / "agreement"))

from bootstrap_coverage import Generator, simulate, true_alpha  # noqa: E402


@pytest.mark.slow
def test_resampling_transcripts_covers_the_true_alpha_and_resampling_sentences_does_not():
    generator = Generator()
    truth = true_alpha(generator, transcripts=1000)
    result = simulate(generator, transcripts=30, studies=40, samples=200, truth=truth, seed=7,
                      methods=("unit", "turn", "transcript"))
    coverage = {method: covered for method, (covered, _, _) in result.items()}
    assert coverage["transcript"] >= 0.85
    assert coverage["turn"] >= 0.80
    assert coverage["unit"] < coverage["transcript"]
    assert result["transcript"][1] > result["unit"][1]  # wider, as dependence demands

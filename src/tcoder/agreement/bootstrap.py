"""Bootstrap distribution of alpha, as in Krippendorff's algorithm and Hayes's KALPHA.

Krippendorff, "Algorithm for bootstrapping a distribution of alpha" (2006, revised
2011), and Hayes & Krippendorff (2007), Communication Methods and Measures 1(1),
77-89 (the KALPHA macro). The expected disagreement D_e is held fixed;
each sample draws M pairs of values with replacement from the observed
coincidences (pair (c, k) with probability o_ck / n.., counting (c, k) and (k, c)
together) and gives alpha = 1 - mean(delta^2 of the drawn pairs) / D_e.

M is the number of pairs of values in the data, sum over units of m_u (m_u - 1) / 2,
as Hayes & Krippendorff (2007) describe the macro's bootstrap ("a random sample of
239 pairs of judgments from the available pairs" for their example data). KALPHA
3.0 (2011) further caps M at 25 times the number of non-zero coincidence cells; for
span-coded text, where a code has two values and thousands of units are common,
that cap would draw 100 pairs whatever the size of the data and give intervals
near [-1, 1], so it is not applied (docs/agreement.md explains the choice).

As in KALPHA, a sample alpha below -1 counts as -1; a sample made only of matching
pairs when the data have one value on the diagonal counts as 0; and as many
all-matching samples as chance predicts (n_X * sum_c (o_cc / n..)^M) count as 0.
The 95% interval is read from the order statistics (the floor(.025 X)-th and
(floor(.975 X) + 1)-th of X sorted samples) and q is the share of samples below a
threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tcoder.agreement.coincidence import Reliability

THRESHOLDS = (0.667, 0.800)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    q_667: float  # share of bootstrap samples below .667
    q_800: float  # share below .800
    samples: int
    draws: int  # M, pairs drawn per sample (KALPHA); 0 for the cluster bootstrap
    method: str = "kalpha"  # kalpha, or what was resampled: transcript, turn, unit
    clusters: int = 0  # clusters resampled (cluster bootstrap)
    clusters_used: int = 0  # of those, clusters where some coder used the code
    undefined: int = 0  # samples in which alpha was undefined (left out of the interval)
    warnings: tuple[str, ...] = ()  # why the interval may mislead


def bootstrap(result: Reliability, samples: int, pairs: float, rng: np.random.Generator) -> Interval | None:
    """The bootstrap interval and q values of a defined alpha; ``None`` when alpha is undefined.

    ``pairs`` is the number of pairs of values in the data (the draws per sample).
    """
    alphas = bootstrap_samples(result, samples, pairs, rng)
    if alphas is None:
        return None
    low_index = max(math.floor(0.025 * samples), 1) - 1
    high_index = min(math.floor(0.975 * samples) + 1, samples) - 1
    return Interval(float(alphas[low_index]), float(alphas[high_index]),
                    float(np.mean(alphas < THRESHOLDS[0])), float(np.mean(alphas < THRESHOLDS[1])),
                    samples, max(1, int(round(pairs))), "kalpha")


def bootstrap_samples(result: Reliability, samples: int, pairs: float, rng: np.random.Generator
                      ) -> np.ndarray | None:
    """The sorted bootstrap alphas (KALPHA's corrections applied), or ``None`` when alpha is undefined."""
    if result.alpha is None or samples <= 0 or result.expected <= 0:
        return None
    o, delta = result.coincidences, result.differences
    n = float(o.sum())
    upper = np.triu_indices(len(o))
    # P(c, k) for c <= k: off-diagonal cells count twice (pairs are unordered).
    p = np.where(upper[0] == upper[1], o[upper], 2.0 * o[upper]) / n
    p = np.clip(p, 0.0, None)
    p /= p.sum()
    d = delta[upper]
    draws = max(1, int(round(pairs)))
    counts = rng.multinomial(draws, p, size=samples)
    alphas = 1.0 - (counts @ d) / (result.expected * draws)
    alphas = np.maximum(alphas, -1.0)
    diagonal = np.diag(o)
    perfect = np.isclose(alphas, 1.0, rtol=0.0, atol=1e-12)
    nonzero_diagonal = int(np.count_nonzero(diagonal > 0))
    if nonzero_diagonal == 1:
        alphas[perfect] = 0.0
    elif nonzero_diagonal > 1:
        # Samples expected to consist of one value only (alpha would be 0/0).
        expected_uniform = round(samples * float(np.sum((diagonal / n) ** draws)))
        flip = np.flatnonzero(perfect)[:min(expected_uniform, int(perfect.sum()))]
        alphas[flip] = 0.0
    alphas.sort()
    return alphas

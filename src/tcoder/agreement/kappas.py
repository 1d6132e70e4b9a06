"""Coefficients reviewers ask for beside alpha: Cohen's kappa, Fleiss' kappa and Gwet's AC1.

They are secondary: alpha is the reliability measure tcoder reports and judges
(verdicts, intervals); these are shown only when asked, for readers and journals
that expect them, as point estimates without an interval or a verdict. All three
are for nominal data (a code present or absent, or the values of a nominal domain).

Definitions, with r_uc the number of coders who gave value c to unit u and r_u
their total (Gwet 2014, Handbook of Inter-Rater Reliability, 4th ed., chapters 2-4;
these are the definitions of his irrCAC package):

- percent agreement p_a: the mean, over the units with two or more values, of the
  share of pairs of coders who agree on the unit,
  sum_c r_uc (r_uc - 1) / (r_u (r_u - 1)). (tcoder's "% agree" column weighs units by
  their number of values, as alpha's coincidences do; with the same number of coders
  on every unit the two are equal.)
- pi_c: the mean, over the units with any value, of r_uc / r_u, the share of value c.
- Fleiss' kappa (Fleiss 1971, generalised to missing values): p_e = sum_c pi_c^2;
  kappa = (p_a - p_e) / (1 - p_e).
- Gwet's AC1 (Gwet 2008): p_e = sum_c pi_c (1 - pi_c) / (q - 1) for q values;
  AC1 = (p_a - p_e) / (1 - p_e).
- Cohen's kappa (Cohen 1960), two coders only, from their contingency table over the
  units both gave a value: p_o = share on the diagonal, p_e = sum_c p_c. p_.c (the
  product of each coder's own shares), kappa = (p_o - p_e) / (1 - p_e).

Everything enters as sums that add up over transcripts, turns and codes, so study,
transcript and pair tables come from the same per-cluster arrays as alpha.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

#: The keys of the secondary coefficients, in the order they are shown.
COEFFICIENTS = ("cohen_kappa", "fleiss_kappa", "gwet_ac1")
LABELS = {"cohen_kappa": "Cohen's kappa", "fleiss_kappa": "Fleiss' kappa", "gwet_ac1": "Gwet's AC1"}
TWO_CODERS_ONLY = "Cohen's kappa compares two coders (use --pairs, or --coders with two names)"
NOMINAL_ONLY = "kappa and AC1 are for nominal data; this domain is {level} (alpha uses its level)"
UNITIZING = "kappa and AC1 need units; unitizing (--unit span) has none"


@dataclass(frozen=True)
class RaterSums:
    """What Fleiss' kappa and AC1 are made of, summed over units.

    ``agree``: sum over units with r_u >= 2 of the share of agreeing pairs; ``paired``:
    the number of those units; ``shares`` (V,): sum over units with r_u >= 1 of r_uc / r_u;
    ``rated``: the number of those units."""

    agree: float
    paired: float
    shares: np.ndarray
    rated: float


def rater_sums(counts: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> RaterSums:
    """Sums of value counts (units x values; each row may stand for ``weights`` identical units)."""
    r_uc = np.asarray(counts, dtype=np.float64)
    w = np.ones(len(r_uc)) if weights is None else np.asarray(weights, dtype=np.float64)
    r_u = r_uc.sum(axis=1)
    two, one = r_u >= 2, r_u >= 1
    agree = (r_uc[two] * (r_uc[two] - 1)).sum(axis=1) / (r_u[two] * (r_u[two] - 1))
    shares = (w[one, None] * r_uc[one] / r_u[one, None]).sum(axis=0)
    return RaterSums(float((w[two] * agree).sum()), float(w[two].sum()), shares, float(w[one].sum()))


def binary_rater_sums(histogram: npt.ArrayLike, observers: npt.ArrayLike) -> np.ndarray:
    """Rater sums of presence/absence data from depth histograms, as (G, 4) arrays of
    (agree, paired, share of value 1, rated): ``histogram[g, k]`` units on which exactly k of
    group g's ``observers[g]`` coders applied the code."""
    hist = np.asarray(histogram, dtype=np.float64)
    m = np.asarray(observers, dtype=np.float64)[:, None]
    k = np.arange(hist.shape[1], dtype=np.float64)[None, :]
    units = hist.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pair_share = np.where(m >= 2, (k * (k - 1) + (m - k) * (m - k - 1)) / np.maximum(m * (m - 1), 1), 0.0)
        share = np.where(m >= 1, k / np.maximum(m, 1), 0.0)
    agree = (hist * pair_share).sum(axis=1)
    ones = (hist * share).sum(axis=1)
    flat_m = m[:, 0]
    return np.stack([agree, np.where(flat_m >= 2, units, 0.0), ones, np.where(flat_m >= 1, units, 0.0)], axis=1)


@dataclass(frozen=True)
class Coefficient:
    value: float | None
    observed: float | None  # p_a or p_o
    chance: float | None  # p_e
    reason: str | None = None  # why the value is undefined

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "observed": self.observed, "chance": self.chance, "reason": self.reason}


def _chance_corrected(observed: float, chance: float, no_variation: str) -> Coefficient:
    if chance >= 1.0 - 1e-12:
        return Coefficient(None, observed, chance, no_variation)
    return Coefficient((observed - chance) / (1.0 - chance), observed, chance)


def fleiss_kappa(sums: RaterSums) -> Coefficient:
    if sums.paired <= 0:
        return Coefficient(None, None, None, "no unit has values from two or more coders")
    p_a = sums.agree / sums.paired
    pi = sums.shares / sums.rated
    return _chance_corrected(p_a, float((pi ** 2).sum()), "no variation: every value given is the same")


def gwet_ac1(sums: RaterSums) -> Coefficient:
    if sums.paired <= 0:
        return Coefficient(None, None, None, "no unit has values from two or more coders")
    q = len(sums.shares)
    if q < 2:
        return Coefficient(None, None, None, "AC1 needs at least two values")
    p_a = sums.agree / sums.paired
    pi = sums.shares / sums.rated
    return _chance_corrected(p_a, float((pi * (1 - pi)).sum() / (q - 1)), "no variation")


def cohen_kappa(table: npt.ArrayLike) -> Coefficient:
    """From the two coders' contingency table (first coder's values in rows)."""
    t = np.asarray(table, dtype=np.float64)
    n = float(t.sum())
    if n <= 0:
        return Coefficient(None, None, None, "no unit has values from both coders")
    p_o = float(np.trace(t)) / n
    p_e = float((t.sum(axis=1) * t.sum(axis=0)).sum()) / n ** 2
    return _chance_corrected(p_o, p_e, "no variation: each coder gave one value throughout")


def binary_contingency(units: float, both: float, first: float, second: float) -> np.ndarray:
    """The 2 x 2 table of two coders on presence/absence data: ``both`` units coded by both,
    ``first`` and ``second`` the units each coded (rows: the first coder, absent then present)."""
    n11 = both
    n10, n01 = first - both, second - both
    n00 = units - n11 - n10 - n01
    return np.array([[n00, n01], [n10, n11]], dtype=np.float64)


def from_sums(sums: RaterSums, contingency: np.ndarray | None, cohen_reason: str = TWO_CODERS_ONLY
              ) -> dict[str, Coefficient]:
    """The three coefficients of one row (Cohen's needs the two coders' ``contingency``)."""
    cohen = cohen_kappa(contingency) if contingency is not None else Coefficient(None, None, None, cohen_reason)
    return {"cohen_kappa": cohen, "fleiss_kappa": fleiss_kappa(sums), "gwet_ac1": gwet_ac1(sums)}


def undefined(reason: str) -> dict[str, Coefficient]:
    return {key: Coefficient(None, None, None, reason) for key in COEFFICIENTS}

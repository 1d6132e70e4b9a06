"""Tests, effect sizes and p-values as a paper reports them.

- Independence of a 2 x k table: Fisher's exact test for a 2 x 2 table with an
  expected count below 5, otherwise Pearson's chi-square (Yates-corrected for
  2 x 2), with a warning when expected counts below 5 make it unreliable.
- Effect sizes with 95% intervals: for two groups the risk difference (Newcombe's
  hybrid score interval, method 10 of Newcombe 1998) and the odds ratio (Woolf's
  logit interval, as scipy's ``odds_ratio(kind="sample")``; with a zero cell,
  0.5 is added to every cell and the note says so); for more groups Cramér's V
  with the interval from the noncentral chi-square distribution (Smithson 2003).
- Corrections for multiple comparisons: Holm (1979) and Benjamini-Hochberg (1995).
- ``format_p``: ``< .001``, otherwise three decimals without the leading zero.

References: Newcombe RG (1998) Interval estimation for the difference between
independent proportions. Stat Med 17:873-890. Smithson M (2003) Confidence
Intervals. Sage. Holm S (1979) Scand J Stat 6:65-70. Benjamini Y, Hochberg Y
(1995) J R Stat Soc B 57:289-300.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from tcoder.numbers import fixed

SMALL_EXPECTED = 5.0
Z95 = 1.959963984540054
CORRECTIONS = {"holm": "Holm", "bh": "Benjamini-Hochberg"}


def format_p(p: float | None) -> str:
    """A p-value for print: '< .001', else three decimals without the leading zero ('.032', '1.000')."""
    if p is None or not np.isfinite(p):
        return ""
    if p < 0.001:
        return "< .001"
    text = fixed(p)
    return text[1:] if text.startswith("0.") else text


def independence_test(table) -> dict[str, object]:
    """Test a 2 x k table (rows: with / without the code, columns: groups). Returns test, chi2,
    df, p and a note; chi2 and df are NaN for Fisher's test."""
    from scipy.stats import chi2_contingency, fisher_exact

    table = np.asarray(table, dtype=np.int64)
    result: dict[str, object] = {"test": "", "chi2": np.nan, "df": np.nan, "p": np.nan, "note": ""}
    if table.ndim != 2 or table.shape[1] < 2:
        result["note"] = "only one group: no test" if table.ndim == 2 and table.shape[1] else "no cases: no test"
        return result
    if (table.sum(axis=1) == 0).any() or (table.sum(axis=0) == 0).any():
        result["note"] = ("every case or no case has it: no test" if (table.sum(axis=1) == 0).any()
                          else "a group has no cases: no test")
        return result
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    small = int((expected < SMALL_EXPECTED).sum())
    if table.shape == (2, 2) and small:
        _, p = fisher_exact(table)
        result.update(test="Fisher exact", p=float(p), note=f"expected count below {SMALL_EXPECTED:g} in {small} of 4 cells")
        return result
    chi2, p, dof, _ = chi2_contingency(table, correction=True)
    result.update(test="chi-square (Yates)" if table.shape == (2, 2) else "chi-square",
                  chi2=float(chi2), df=int(dof), p=float(p))
    if small:
        result["note"] = (f"warning: expected count below {SMALL_EXPECTED:g} in {small} of {expected.size} cells; "
                          "the chi-square p-value is unreliable (merge groups or collect more cases)")
    return result


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = 2 * n * p + z * z
    spread = z * math.sqrt(z * z + 4 * n * p * (1 - p))
    denominator = 2 * (n + z * z)
    return ((centre - spread) / denominator, (centre + spread) / denominator)


def risk_difference(a: int, n1: int, b: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """p1 - p2 for a/n1 and b/n2, with Newcombe's hybrid score interval (method 10)."""
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan, math.nan)
    p1, p2 = a / n1, b / n2
    l1, u1 = wilson_interval(a, n1, z)
    l2, u2 = wilson_interval(b, n2, z)
    d = p1 - p2
    return (d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def odds_ratio(a: int, b: int, c: int, d: int) -> tuple[float, float, float, bool]:
    """The odds ratio (a d) / (b c) of [[a, b], [c, d]] with Woolf's 95% interval. A zero cell
    adds 0.5 to every cell (Haldane-Anscombe); the last value says whether it did."""
    from scipy.stats.contingency import odds_ratio as scipy_odds_ratio

    if min(a, b, c, d) > 0:
        result = scipy_odds_ratio([[a, b], [c, d]], kind="sample")
        interval = result.confidence_interval(0.95)
        return (float(result.statistic), float(interval.low), float(interval.high), False)
    if (a + b) == 0 or (c + d) == 0 or (a + c) == 0 or (b + d) == 0:
        return (math.nan, math.nan, math.nan, False)
    a_, b_, c_, d_ = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    log_or = math.log(a_ * d_ / (b_ * c_))
    se = math.sqrt(1 / a_ + 1 / b_ + 1 / c_ + 1 / d_)
    return (math.exp(log_or), math.exp(log_or - Z95 * se), math.exp(log_or + Z95 * se), True)


def cramers_v(table) -> tuple[float, float, float]:
    """Cramér's V of a contingency table with a 95% interval from the noncentral chi-square
    distribution: the noncentrality parameters whose distributions put the observed chi-square at
    their 97.5th and 2.5th percentiles, each turned into V as sqrt(ncp / (N (min(r, c) - 1)))."""
    from scipy.optimize import brentq
    from scipy.stats import chi2_contingency, ncx2

    table = np.asarray(table, dtype=np.float64)
    n = table.sum()
    k = min(table.shape) - 1
    if n == 0 or k < 1 or (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return (math.nan, math.nan, math.nan)
    chi2 = float(chi2_contingency(table, correction=False)[0])
    df = (table.shape[0] - 1) * (table.shape[1] - 1)
    v = math.sqrt(chi2 / (n * k))

    def ncp_for(quantile: float) -> float:
        """The ncp at which P(X <= chi2) = quantile; 0 when even ncp = 0 gives less."""
        if ncx2.cdf(chi2, df, 1e-12) <= quantile:
            return 0.0
        high = max(chi2, 1.0)
        while ncx2.cdf(chi2, df, high) > quantile:
            high *= 2
        return float(brentq(lambda ncp: ncx2.cdf(chi2, df, ncp) - quantile, 1e-12, high, xtol=1e-12))

    low = ncp_for(0.975)
    high = ncp_for(0.025)
    return (v, min(1.0, math.sqrt(low / (n * k))), min(1.0, math.sqrt(high / (n * k))))


def adjust(pvalues: Sequence[float], method: str) -> np.ndarray:
    """Holm or Benjamini-Hochberg adjusted p-values; NaN (no test) stays NaN and is not counted."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m == 0:
        return out
    values = p[ok]
    if method == "holm":
        order = np.argsort(values, kind="stable")
        scaled = (m - np.arange(m)) * values[order]
        adjusted = np.minimum(1.0, np.maximum.accumulate(scaled))
        result = np.empty(m)
        result[order] = adjusted
    elif method == "bh":
        from scipy.stats import false_discovery_control

        result = false_discovery_control(values, method="bh")
    else:
        raise ValueError(f"unknown correction {method!r}; expected one of {', '.join(CORRECTIONS)}")
    out[ok] = result
    return out

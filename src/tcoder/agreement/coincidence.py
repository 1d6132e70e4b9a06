"""Coincidence matrices, difference metrics and alpha (Krippendorff 2011).

Reliability data enter as value counts: one row per unit, one column per value,
each cell the number of coders who gave that value to that unit. Rows may carry
a weight, so a run of identical units (for example 4,000 characters that every
coder left uncoded) is one row of weight 4,000 rather than 4,000 rows; the sums
are the same as for the expanded data.

Formulas and symbols follow Krippendorff (2011) "Computing Krippendorff's
Alpha-Reliability" (coincidence matrices, expected coincidences and the
difference functions of each level), as the ``krippendorff`` package does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import numpy.typing as npt

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")


def coincidences(value_counts: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> np.ndarray:
    """The V x V coincidence matrix of (weighted) value counts.

    A unit with m_u >= 2 values adds n_uc * n_uk / (m_u - 1) to cell (c, k) and
    n_uc * (n_uc - 1) / (m_u - 1) to cell (c, c); units with fewer than two
    values are not pairable and add nothing.
    """
    counts = np.asarray(value_counts, dtype=np.float64)
    if counts.ndim != 2:
        raise ValueError("value_counts must be a units x values array")
    w = np.ones(len(counts)) if weights is None else np.asarray(weights, dtype=np.float64)
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, w, m = counts[pairable], w[pairable], m[pairable]
    scale = w / (m - 1)
    o = (counts * scale[:, None]).T @ counts
    o -= np.diag((counts * scale[:, None]).sum(axis=0))
    return o


def binary_coincidences(histogram: npt.ArrayLike, observers: npt.ArrayLike) -> np.ndarray:
    """Coincidences (o00, o01, o11) of binary data from depth histograms.

    ``histogram[g, k]`` is the number of units of group ``g`` on which exactly
    ``k`` of its ``observers[g]`` coders gave the value 1 (the others gave 0).
    Returns an array of shape (G, 3). Groups with fewer than two observers add nothing.
    """
    hist = np.asarray(histogram, dtype=np.float64)
    m = np.asarray(observers, dtype=np.float64)[:, None]
    k = np.arange(hist.shape[1], dtype=np.float64)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(m >= 2, hist / np.maximum(m - 1, 1), 0.0)
    o11 = (scale * k * (k - 1)).sum(axis=1)
    o00 = (scale * (m - k) * (m - k - 1)).sum(axis=1)
    o01 = (scale * k * (m - k)).sum(axis=1)
    return np.stack([o00, o01, o11], axis=1)


def binary_matrix(o00: float, o01: float, o11: float) -> np.ndarray:
    return np.array([[o00, o01], [o01, o11]], dtype=np.float64)


def difference_matrix(level: Level, values: Sequence[float] | npt.ArrayLike, n_v: npt.ArrayLike) -> np.ndarray:
    """Squared differences delta^2(c, k) for the level of measurement.

    ``values`` must be in ascending order for ordinal, interval and ratio data;
    ``n_v`` are the pairable marginals (column sums of the coincidence matrix),
    which the ordinal metric needs.
    """
    n = np.asarray(n_v, dtype=np.float64)
    size = len(n)
    if level == "nominal":
        return 1.0 - np.eye(size)
    if level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(n)])
        lo = np.minimum.outer(np.arange(size), np.arange(size))
        hi = np.maximum.outer(np.arange(size), np.arange(size))
        between = cum[hi + 1] - cum[lo]  # n_lo + ... + n_hi
        return (between - (n[lo] + n[hi]) / 2.0) ** 2
    v = np.asarray(values, dtype=np.float64)
    diff = np.subtract.outer(v, v)
    if level == "interval":
        return diff ** 2
    if level == "ratio":
        if (v < 0).any():
            raise ValueError("ratio values are 0 or more; a negative value needs the interval level")
        total = np.add.outer(v, v)
        out = np.divide(diff, total, out=np.zeros_like(diff), where=total != 0)
        return out ** 2
    raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")


@dataclass(frozen=True)
class Reliability:
    """Alpha and the quantities it comes from, for one set of reliability data."""

    alpha: float | None
    observed: float  # D_o
    expected: float  # D_e
    pairable: float  # n.., the number of pairable values
    agreement: float | None  # share of pairable value pairs that match
    reason: str | None  # why alpha is undefined, when it is
    coincidences: np.ndarray
    differences: np.ndarray


def reliability(o: npt.ArrayLike, level: Level = "nominal", values: Sequence[float] | None = None,
                no_variation: str | None = None) -> Reliability:
    """Alpha = 1 - D_o / D_e from a coincidence matrix; ``None`` (with a reason) when undefined.

    ``no_variation`` overrides the reason given when every pairable value is the same.
    """
    o = np.asarray(o, dtype=np.float64)
    n_v = o.sum(axis=0)
    n = float(n_v.sum())
    values = list(range(len(n_v))) if values is None else values
    delta = difference_matrix(level, values, n_v)
    if n <= 0:
        return Reliability(None, 0.0, 0.0, 0.0, None,
                           "no unit has values from two or more coders", o, delta)
    agreement = float(np.trace(o) / n)
    d_o = float((o * delta).sum() / n)
    if np.count_nonzero(n_v > 0) < 2:
        return Reliability(None, d_o, 0.0, n, agreement,
                           no_variation or "no variation: every pairable value is the same", o, delta)
    if n <= 1:  # real data pair at least two values; weighted sums can hold less
        return Reliability(None, d_o, 0.0, n, agreement, "fewer than two pairable values", o, delta)
    expected = (np.outer(n_v, n_v) - np.diag(n_v)) / (n - 1)
    d_e = float((expected * delta).sum() / n)
    if not d_e > 0:
        return Reliability(None, d_o, d_e, n, agreement, no_variation or "no variation", o, delta)
    return Reliability(1.0 - d_o / d_e, d_o, d_e, n, agreement, None, o, delta)


def binary_reliability(o00: float, o01: float, o11: float) -> Reliability:
    """Nominal alpha of presence/absence data, with reasons worded for codes."""
    if o11 + o01 == 0:
        reason = "no variation: no coder applied this code to these units"
    elif o00 + o01 == 0:
        reason = "no variation: every coder applied this code to every unit"
    else:
        reason = None
    return reliability(binary_matrix(o00, o01, o11), "nominal", (0, 1), no_variation=reason)

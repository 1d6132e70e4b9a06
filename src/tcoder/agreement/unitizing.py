"""Krippendorff's unitizing alpha, alpha_u, for one code over a character continuum.

Krippendorff (1995) "On the reliability of unitizing contiguous data",
Sociological Methodology 25, 47-76 (definitions p. 51-56, worked example p. 57);
Krippendorff (2004) Content Analysis, 2nd ed., section 12.4 (p. 251-256, example
p. 254). The computation follows DKPro Agreement's
KrippendorffAlphaUnitizingAgreement, whose published test cases it reproduces.

Each coder divides a continuum of length L into units of the code and gaps.
For two coders, every overlapping pair of segments (g, h) adds

- (b_g - b_h)^2 + (e_g - e_h)^2 when both are units,
- l_g^2 when unit g lies inside a gap h (and l_h^2 the other way round),
- nothing otherwise (two gaps, or a unit only partly over a gap).

    D_o = sum over ordered coder pairs / (m (m - 1) L^2)
    D_e = (2 / L) * sum over units g of [ (N - 1)(2 l^3 - 3 l^2 + l) / 3
                                          + l^2 * sum over gaps h with l_h >= l of (l_h - l + 1) ]
          / (m L (m L - 1) - sum over units of l (l - 1))

with m coders, N units of the code from all coders and the gaps of all coders.
alpha_u = 1 - D_o / D_e. Pooled over codes (and transcripts), alpha_u =
1 - sum(L^2 D_o) / sum(L^2 D_e): within one transcript this is DKPro's
1 - mean(D_o) / mean(D_e) over categories; across transcripts it weighs each by
its size, the way pooled coincidences weigh units (D_o and D_e fall as 1 / L).

Everything is computed for many groups (transcript x code) at once; one coder's
units of a group must be sorted and must not overlap (see sweep.merge_overlapping).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from tcoder.agreement.sweep import merge_overlapping, overlap_pairs


@dataclass(frozen=True)
class UnitizingSums:
    """Per group: L^2 * D_o, L^2 * D_e and the number of units (all coders)."""

    observed: np.ndarray
    expected: np.ndarray
    units: np.ndarray


def unitizing_sums(lengths: np.ndarray, observers: np.ndarray, group: np.ndarray, coder: np.ndarray,
                   start: np.ndarray, end: np.ndarray) -> UnitizingSums:
    """D_o and D_e (scaled by L^2) of every group.

    ``lengths[g]`` is the continuum length of group g, ``observers[g, c]`` whether
    coder c codes group g (has a file for its transcript). Units are given as
    parallel arrays; a coder's units in a group must be disjoint.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    observers = np.asarray(observers, dtype=bool)
    groups, coders = observers.shape
    group = np.asarray(group, dtype=np.int64)
    coder = np.asarray(coder, dtype=np.int64)
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    m = observers.sum(axis=1).astype(np.float64)
    units = np.bincount(group, minlength=groups).astype(np.float64)
    observed = _observed_sums(lengths, observers, group, coder, start, end)
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.where(m >= 2, 2.0 * observed / (m * (m - 1)), 0.0)
    expected = _expected_sums(lengths, observers, group, coder, start, end, m, units)
    return UnitizingSums(observed, expected, units)


def _observed_sums(lengths, observers, group, coder, start, end) -> np.ndarray:
    groups, coders = observers.shape
    stride = int(lengths.max(initial=0)) + 1
    total = np.zeros(groups, dtype=np.float64)
    by_coder = []
    for c in range(coders):
        mine = coder == c
        g, s, e = group[mine], start[mine], end[mine]
        order = np.lexsort((s, g))
        by_coder.append((g[order], s[order], e[order]))
    for a in range(coders):
        for b in range(a + 1, coders):
            both = observers[:, a] & observers[:, b]
            ga, sa, ea = _keep(by_coder[a], both)
            gb, sb, eb = _keep(by_coder[b], both)
            # Global coordinates keep groups apart, so one search covers them all.
            ia, jb, count_a = overlap_pairs(ga * stride + sa, ga * stride + ea, gb * stride + sb, gb * stride + eb)
            both_units = (sa[ia] - sb[jb]).astype(np.float64) ** 2 + (ea[ia] - eb[jb]).astype(np.float64) ** 2
            total += np.bincount(ga[ia], weights=both_units, minlength=groups)
            _, _, count_b = overlap_pairs(gb * stride + sb, gb * stride + eb, ga * stride + sa, ga * stride + ea)
            for g, s, e, count in ((ga, sa, ea, count_a), (gb, sb, eb, count_b)):
                alone = count == 0  # inside one of the other coder's gaps
                total += np.bincount(g[alone], weights=(e[alone] - s[alone]).astype(np.float64) ** 2,
                                     minlength=groups)
    return total


def _keep(arrays, mask_by_group):
    g, s, e = arrays
    keep = mask_by_group[g]
    return g[keep], s[keep], e[keep]


def _expected_sums(lengths, observers, group, coder, start, end, m, units) -> np.ndarray:
    groups, coders = observers.shape
    expected = np.zeros(groups, dtype=np.float64)
    if len(start) == 0:
        return expected
    gap_group, gap_length = _gaps(lengths, observers, group, coder, start, end, units)
    stride = int(lengths.max(initial=0)) + 2
    keys = gap_group * stride + gap_length
    order = np.argsort(keys, kind="stable")
    keys, gap_length = keys[order], gap_length[order].astype(np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(gap_length)])
    length = (end - start).astype(np.float64)
    first = np.searchsorted(keys, group * stride + (end - start), side="left")
    stop = np.searchsorted(keys, (group + 1) * stride, side="left")
    count = stop - first
    fitting = (cumulative[stop] - cumulative[first]) - (length - 1.0) * count  # sum of (l_h - l + 1)
    n = units[group]
    per_unit = (n - 1.0) * (2 * length ** 3 - 3 * length ** 2 + length) / 3.0 + length ** 2 * fitting
    numerator = np.bincount(group, weights=per_unit, minlength=groups)
    squares = np.bincount(group, weights=length * (length - 1.0), minlength=groups)
    total_length = m * lengths
    denominator = total_length * (total_length - 1.0) - squares
    with np.errstate(divide="ignore", invalid="ignore"):
        # L^2 * D_e = L^2 * (2 / L) * numerator / denominator
        expected = np.where((m >= 2) & (denominator > 0), 2.0 * lengths * numerator / denominator, 0.0)
    return expected


def _gaps(lengths, observers, group, coder, start, end, units) -> tuple[np.ndarray, np.ndarray]:
    """Every coder's gaps (maximal stretches without a unit) in the groups that have units."""
    groups, coders = observers.shape
    order = np.lexsort((start, group, coder))
    c, g, s, e = coder[order], group[order], start[order], end[order]
    key = c * groups + g
    first = np.ones(len(s), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    last = np.ones(len(s), dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    between = s[1:] - e[:-1]
    inner = ~first[1:]
    parts_group = [g[1:][inner], g[first], g[last]]
    parts_length = [between[inner], s[first], lengths[g[last]] - e[last]]
    # Observers with no unit in a group that others coded see one gap: the whole continuum.
    coded = np.zeros((groups, coders), dtype=bool)
    coded[g, c] = True
    silent_group, _ = np.nonzero(observers & ~coded & (units > 0)[:, None])
    parts_group.append(silent_group)
    parts_length.append(lengths[silent_group])
    gap_group = np.concatenate(parts_group).astype(np.int64)
    gap_length = np.concatenate(parts_length).astype(np.int64)
    positive = gap_length > 0
    return gap_group[positive], gap_length[positive]


@dataclass(frozen=True)
class UnitizingResult:
    alpha: float | None
    observed: float  # D_o
    expected: float  # D_e
    units: int
    merged: int  # spans merged away because one coder's spans of the code overlapped


def unitizing_alpha(length: int, spans: Sequence[Sequence[tuple[int, int]]]) -> UnitizingResult:
    """alpha_u of one code on one continuum [0, length); ``spans[c]`` are coder c's spans.

    Overlapping spans of one coder are merged first; touching spans stay two units.
    """
    coder: list[int] = []
    start: list[int] = []
    end: list[int] = []
    for c, coder_spans in enumerate(spans):
        for span_start, span_end in coder_spans:
            coder.append(c)
            start.append(span_start)
            end.append(span_end)
    key = np.asarray(coder, dtype=np.int64)
    merged_coder, s, e, sources = merge_overlapping(key, np.asarray(start, dtype=np.int64),
                                                    np.asarray(end, dtype=np.int64))
    sums = unitizing_sums(np.array([length]), np.ones((1, len(spans)), dtype=bool),
                          np.zeros(len(s), dtype=np.int64), merged_coder, s, e)
    scale = float(length) ** 2 or 1.0  # an empty continuum: both sums are 0 and alpha is undefined
    d_o, d_e = float(sums.observed[0]) / scale, float(sums.expected[0]) / scale
    alpha = 1.0 - d_o / d_e if d_e > 0 else None
    return UnitizingResult(alpha, d_o, d_e, int(sums.units[0]), int((sources - 1).sum()))

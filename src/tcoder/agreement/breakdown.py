"""Reliability data per transcript and code, computed once and summed as needed.

A breakdown holds, for every (transcript, code), what alpha is made of:
coincidences for segment units, scaled D_o and D_e for unitizing. Study-level,
per-transcript and pooled rows are then sums over its slices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tcoder.agreement.arrays import SpanArrays
from tcoder.agreement.coincidence import binary_coincidences, coincidences
from tcoder.agreement.data import CodingData
from tcoder.agreement.sweep import depth_lengths, merge_overlapping
from tcoder.agreement.unitizing import unitizing_sums
from tcoder.agreement.units import unit_index
from tcoder.codebook import Code, Codebook


@dataclass
class DomainParts:
    """One domain's coincidences per transcript."""

    domain: str
    level: str
    labels: list[str]  # one per value: the value, or the child id when nominal
    values: list[float]  # in ascending order (index for nominal)
    coincidences: np.ndarray  # (T, V, V)
    pairable: np.ndarray  # (T,) units with values from two or more coders
    pairs: np.ndarray  # (T,) pairs of values, sum of m_u (m_u - 1) / 2
    conflicts: np.ndarray  # (T,) units where one coder gave two different values
    used: np.ndarray  # (T,) some coder used a value of the domain


@dataclass
class SegmentBreakdown:
    codes: list[str]
    binary: np.ndarray  # (T, K, 3): o00, o01, o11
    units: np.ndarray  # (T,)
    used: np.ndarray  # (T, K)
    observers: np.ndarray  # (T,) coders with a file
    domains: list[DomainParts] = field(default_factory=list)


@dataclass
class SpanBreakdown:
    codes: list[str]
    observed: np.ndarray  # (T, K): L^2 D_o
    expected: np.ndarray  # (T, K): L^2 D_e
    units: np.ndarray  # (T, K): units of the code (all coders, after merging)
    merged: np.ndarray  # (T, K): spans merged away
    characters: np.ndarray  # (T,)
    char_binary: np.ndarray  # (T, K, 3): character coincidences, for percent agreement
    used: np.ndarray  # (T, K)
    observers: np.ndarray  # (T,)


def _unit_ranges(data: CodingData, arrays: SpanArrays, unit: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spans as unit-index ranges, and the number of units per transcript."""
    if unit == "char":
        return arrays.start, arrays.end, arrays.lengths.copy()
    lo = np.zeros(len(arrays.start), dtype=np.int64)
    hi = np.zeros(len(arrays.start), dtype=np.int64)
    counts = np.zeros(len(data.transcripts), dtype=np.int64)
    order = np.argsort(arrays.transcript, kind="stable")
    bounds = np.searchsorted(arrays.transcript[order], np.arange(len(data.transcripts) + 1))
    for t, tc in enumerate(data.transcripts):
        index = unit_index(tc.transcript, unit)  # type: ignore[arg-type]
        counts[t] = index.count
        mine = order[bounds[t]:bounds[t + 1]]
        if len(mine):
            lo[mine], hi[mine] = index.ranges(arrays.start[mine], arrays.end[mine])
    return lo, hi, counts


def _depth_histograms(arrays: SpanArrays, lo: np.ndarray, hi: np.ndarray, units: np.ndarray) -> np.ndarray:
    """(T * K, coders + 1): units on which exactly k coders applied each code."""
    n_t, n_c = arrays.observers.shape
    n_k = len(arrays.codes)
    keep = hi > lo
    key = (arrays.transcript[keep] * n_c + arrays.coder[keep]) * n_k + arrays.code[keep]
    key, start, end, _ = merge_overlapping(key, lo[keep], hi[keep])
    transcript = key // (n_c * n_k)
    group = transcript * n_k + key % n_k
    hist = depth_lengths(group, start, end, n_t * n_k, n_c)
    hist[:, 0] = np.repeat(units, n_k) - hist[:, 1:].sum(axis=1)
    return hist


def segment_breakdown(data: CodingData, arrays: SpanArrays, unit: str) -> SegmentBreakdown:
    n_t, n_c = arrays.observers.shape
    n_k = len(arrays.codes)
    lo, hi, units = _unit_ranges(data, arrays, unit)
    observers = arrays.observers.sum(axis=1)
    hist = _depth_histograms(arrays, lo, hi, units)
    binary = binary_coincidences(hist, np.repeat(observers, n_k)).reshape(n_t, n_k, 3)
    used = np.zeros((n_t, n_k), dtype=bool)
    used[arrays.transcript, arrays.code] = True
    breakdown = SegmentBreakdown(arrays.codes, binary, units, used, observers)
    if data.codebook is not None:
        for domain in data.codebook.domains:
            breakdown.domains.append(_domain_parts(data.codebook, domain, arrays, lo, hi, units))
    return breakdown


def domain_values(codebook: Codebook, domain: Code) -> tuple[dict[str, int], list[str], list[float]]:
    """Child id -> value index, value labels, and the values in ascending order."""
    children = [codebook[c] for c in domain.children]
    if domain.level == "nominal":
        return ({c.id: i for i, c in enumerate(children)}, [c.id for c in children],
                [float(i) for i in range(len(children))])
    distinct = sorted({float(c.value) for c in children if c.value is not None})
    position = {v: i for i, v in enumerate(distinct)}
    index = {c.id: position[float(c.value)] for c in children if c.value is not None}
    return index, [f"{v:g}" for v in distinct], distinct


def _domain_parts(codebook: Codebook, domain: Code, arrays: SpanArrays, lo: np.ndarray, hi: np.ndarray,
                  units: np.ndarray) -> DomainParts:
    n_t, n_c = arrays.observers.shape
    value_of, labels, values = domain_values(codebook, domain)
    n_v = len(values)
    code_value = np.full(len(arrays.codes), -1, dtype=np.int64)
    for k, code in enumerate(arrays.codes):
        code_value[k] = value_of.get(code, -1)
    value = code_value[arrays.code] if len(arrays.code) else np.zeros(0, dtype=np.int64)
    mine = (value >= 0) & (hi > lo)
    o = np.zeros((n_t, n_v, n_v))
    pairable = np.zeros(n_t)
    pairs = np.zeros(n_t)
    conflicts = np.zeros(n_t)
    used = np.zeros(n_t, dtype=bool)
    used[arrays.transcript[value >= 0]] = True
    for t in np.unique(arrays.transcript[mine]):
        here = mine & (arrays.transcript == t)
        counts, weights, conflict = _value_counts(arrays.coder[here], value[here], lo[here], hi[here],
                                                  np.flatnonzero(arrays.observers[t]), int(units[t]), n_v)
        o[t] = coincidences(counts, weights)
        m = counts.sum(axis=1)
        pairable[t] = weights[m >= 2].sum()
        pairs[t] = (weights * m * (m - 1) / 2)[m >= 2].sum()
        conflicts[t] = conflict
    return DomainParts(domain.id, domain.level, labels, values, o, pairable, pairs, conflicts, used)


def _value_counts(coder: np.ndarray, value: np.ndarray, lo: np.ndarray, hi: np.ndarray, observers: np.ndarray,
                  n_units: int, n_values: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Value counts on the stretches of units where nobody's values change.

    A coder's value on a unit is the domain value whose span codes it; a coder with
    no such span has no value there (missing), and one with two different values
    has none either: the unit counts as a conflict.
    """
    bounds = np.unique(np.concatenate([[0, n_units], lo, hi]))
    lengths = np.diff(bounds).astype(np.float64)
    counts = np.zeros((len(lengths), n_values))
    conflict = 0.0
    first = np.searchsorted(bounds, lo)
    stop = np.searchsorted(bounds, hi)
    for c in observers:
        mine = coder == c
        if not mine.any():
            continue
        steps = np.zeros((len(bounds), n_values))
        np.add.at(steps, (first[mine], value[mine]), 1)
        np.add.at(steps, (stop[mine], value[mine]), -1)
        cover = np.cumsum(steps, axis=0)[:-1] > 0
        given = cover.sum(axis=1)
        counts[given == 1] += cover[given == 1]
        conflict += lengths[given > 1].sum()
    return counts, lengths, conflict


def span_breakdown(data: CodingData, arrays: SpanArrays) -> SpanBreakdown:
    n_t, n_c = arrays.observers.shape
    n_k = len(arrays.codes)
    key = (arrays.transcript * n_c + arrays.coder) * n_k + arrays.code
    key, start, end, sources = merge_overlapping(key, arrays.start, arrays.end)
    transcript = key // (n_c * n_k)
    coder = (key // n_k) % n_c
    group = transcript * n_k + key % n_k
    sums = unitizing_sums(np.repeat(arrays.lengths, n_k), np.repeat(arrays.observers, n_k, axis=0),
                          group, coder, start, end)
    merged = np.bincount(group, weights=sources - 1, minlength=n_t * n_k).reshape(n_t, n_k)
    hist = depth_lengths(group, start, end, n_t * n_k, n_c)
    hist[:, 0] = np.repeat(arrays.lengths, n_k) - hist[:, 1:].sum(axis=1)
    observers = arrays.observers.sum(axis=1)
    char_binary = binary_coincidences(hist, np.repeat(observers, n_k)).reshape(n_t, n_k, 3)
    used = np.zeros((n_t, n_k), dtype=bool)
    used[arrays.transcript, arrays.code] = True
    return SpanBreakdown(arrays.codes, sums.observed.reshape(n_t, n_k), sums.expected.reshape(n_t, n_k),
                         sums.units.reshape(n_t, n_k), merged, arrays.lengths.copy(), char_binary, used, observers)

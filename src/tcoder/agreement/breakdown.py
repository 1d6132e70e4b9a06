"""Reliability data per cluster and code, computed once and summed as needed.

A breakdown holds, for every (cluster, code), what alpha is made of:
coincidences for segment units, scaled D_o and D_e for unitizing. A cluster is
a whole transcript, or one speaker turn of it (the units of a turn), or a
single unit (see :class:`Clusters`); the bootstrap resamples clusters. Study-level,
per-transcript and pooled rows are sums over its slices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tcoder.agreement.arrays import SpanArrays
from tcoder.agreement.coincidence import binary_coincidences
from tcoder.agreement.data import CodingData, TranscriptOutline
from tcoder.agreement.family_rows import code_family
from tcoder.agreement.kappas import binary_rater_sums
from tcoder.agreement.sweep import depth_lengths, merge_overlapping
from tcoder.agreement.unitizing import unitizing_sums
from tcoder.agreement.units import unit_index
from tcoder.codebook import Code, Codebook

CLUSTER_LEVELS = ("transcript", "turn", "unit")


@dataclass
class Clusters:
    """How a study's units fall into clusters: whole transcripts, speaker turns, or single units.

    ``starts`` holds, in global unit coordinates (each transcript's units after the
    previous transcript's), where each cluster begins; ``transcript[c]`` is the
    transcript of cluster c."""

    level: str
    starts: np.ndarray  # (C,)
    transcript: np.ndarray  # (C,)
    offsets: np.ndarray  # (T + 1,) first global unit of each transcript, and the total

    @property
    def count(self) -> int:
        return len(self.starts)

    @property
    def units(self) -> np.ndarray:
        """Units per cluster."""
        return np.diff(np.append(self.starts, self.offsets[-1]))

    def of_transcripts(self, transcripts: np.ndarray) -> np.ndarray:
        """The clusters of the given transcripts (indices into the breakdown's clusters)."""
        return np.flatnonzero(np.isin(self.transcript, transcripts))


@dataclass
class DomainParts:
    """One domain's coincidences per cluster."""

    domain: str
    level: str
    labels: list[str]  # one per value: the value, or the child id when nominal
    values: list[float]  # in ascending order (index for nominal)
    coincidences: np.ndarray  # (C, V, V)
    pairable: np.ndarray  # (C,) units with values from two or more coders
    pairs: np.ndarray  # (C,) pairs of values, sum of m_u (m_u - 1) / 2
    conflicts: np.ndarray  # (C,) units where one coder gave two different values
    used: np.ndarray  # (T,) some coder used a value of the domain (per transcript)
    coded: np.ndarray  # (C,) units where some coder gave a value
    rater: np.ndarray  # (C, V + 3): agree, paired, rated, shares per value (kappas.RaterSums)
    contingency: np.ndarray  # (C, V, V): the two coders' values, where a transcript has exactly two


@dataclass
class SegmentBreakdown:
    codes: list[str]
    clusters: Clusters
    binary: np.ndarray  # (C, K, 3): o00, o01, o11
    units: np.ndarray  # (C,)
    used: np.ndarray  # (T, K): some coder has a span of the code in the transcript
    observers: np.ndarray  # (C,) coders with a file
    coded: np.ndarray  # (C, K): units where some coder applied the code
    passages: np.ndarray  # (C, K): stretches of consecutive units where some coder applied the code
    rater: np.ndarray  # (C, K, 4): agree, paired, share of presence, rated (kappas.binary_rater_sums)
    coder_coded: np.ndarray  # (C, coders, K): units each coder applied the code to
    pair: np.ndarray  # (C,): a * coders + b when exactly coders a < b observe the cluster, else -1
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
    family: np.ndarray  # (T, K, width): the 2016 family's sums of each code against its gaps (family_rows)


def _unit_ranges(data: CodingData, arrays: SpanArrays, unit: str, level: str
                 ) -> tuple[np.ndarray, np.ndarray, Clusters]:
    """Spans as global unit-index ranges, and the clusters of the units."""
    n_t = len(data.transcripts)
    lo = np.zeros(len(arrays.start), dtype=np.int64)
    hi = np.zeros(len(arrays.start), dtype=np.int64)
    counts = np.zeros(n_t, dtype=np.int64)
    local_starts: list[np.ndarray] = []
    order = np.argsort(arrays.transcript, kind="stable")
    bounds = np.searchsorted(arrays.transcript[order], np.arange(n_t + 1))
    for t, tc in enumerate(data.transcripts):
        mine = order[bounds[t]:bounds[t + 1]]
        source = tc.transcript
        if isinstance(source, TranscriptOutline):  # units found and spans placed when gathered
            if source.unit != unit or arrays.unit_lo is None or arrays.unit_hi is None:
                raise ValueError(f"the data was gathered for {source.unit} units, not {unit}")
            count = source.unit_count
            if len(mine):
                lo[mine], hi[mine] = arrays.unit_lo[mine], arrays.unit_hi[mine]
            firsts = source.turn_firsts
        else:
            index = unit_index(source, unit)  # type: ignore[arg-type]
            count = index.count
            if len(mine):
                lo[mine], hi[mine] = index.ranges(arrays.start[mine], arrays.end[mine])
            if level == "turn":
                turn_starts = np.array([turn.start for turn in source.turns], dtype=np.int64)
                firsts = index.first_at(turn_starts) if len(turn_starts) else np.zeros(0, dtype=np.int64)
        counts[t] = count
        if level == "transcript" or count == 0:
            local_starts.append(np.zeros(1, dtype=np.int64))
        elif level == "turn":
            local_starts.append(np.unique(np.concatenate([[0], firsts[firsts < count]])))
        else:
            local_starts.append(np.arange(count, dtype=np.int64))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    shift = offsets[:-1][arrays.transcript] if len(arrays.transcript) else np.zeros(0, dtype=np.int64)
    starts = np.concatenate([offsets[t] + local for t, local in enumerate(local_starts)]) if n_t else \
        np.zeros(0, dtype=np.int64)
    transcript = np.repeat(np.arange(n_t), [len(local) for local in local_starts])
    return lo + shift, hi + shift, Clusters(level, starts.astype(np.int64), transcript, offsets)


def _split(clusters: Clusters, lo: np.ndarray, hi: np.ndarray, *columns: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Cut global unit ranges at cluster starts: (cluster, local lo, local hi, repeated columns)."""
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    columns = tuple(c[keep] for c in columns)
    starts = clusters.starts
    first = np.searchsorted(starts, lo, side="right") - 1
    last = np.searchsorted(starts, hi - 1, side="right") - 1
    if np.array_equal(first, last):  # each range in one cluster (always so for whole transcripts)
        offset = starts[first]
        return first, lo - offset, hi - offset, list(columns)
    pieces = last - first + 1
    index = np.repeat(np.arange(len(lo)), pieces)
    step = np.arange(len(index)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    cluster = first[index] + step
    ends = np.append(starts[1:], clusters.offsets[-1])
    piece_lo = np.maximum(lo[index], starts[cluster]) - starts[cluster]
    piece_hi = np.minimum(hi[index], ends[cluster]) - starts[cluster]
    return cluster, piece_lo, piece_hi, [c[index] for c in columns]


def _depth_histograms(cluster: np.ndarray, coder: np.ndarray, code: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                      units: np.ndarray, n_c: int, n_k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(C * K, coders + 1): units on which exactly k coders applied each code; the
    number of passages (runs of units some coder coded) per (cluster, code); and the
    units each coder coded, (C * coders * K)."""
    n_clusters = len(units)
    key = (cluster * n_c + coder) * n_k + code
    key, start, end, _ = merge_overlapping(key, lo, hi)
    per_coder = np.bincount(key, weights=(end - start).astype(np.float64), minlength=n_clusters * n_c * n_k)
    group = (key // (n_c * n_k)) * n_k + key % n_k
    hist = depth_lengths(group, start, end, n_clusters * n_k, n_c)
    hist[:, 0] = np.repeat(units, n_k) - hist[:, 1:].sum(axis=1)
    union, _, _, _ = merge_overlapping(group, start, end)
    passages = np.bincount(union, minlength=n_clusters * n_k)
    return hist, passages, per_coder


def segment_breakdown(data: CodingData, arrays: SpanArrays, unit: str, level: str = "transcript"
                      ) -> SegmentBreakdown:
    """Coincidences per cluster (``level``: transcript, turn or unit) and code."""
    if level not in CLUSTER_LEVELS:
        raise ValueError(f"unknown cluster level {level!r}; expected one of {', '.join(CLUSTER_LEVELS)}")
    n_t, n_c = arrays.observers.shape
    n_k = len(arrays.codes)
    lo, hi, clusters = _unit_ranges(data, arrays, unit, level)
    units = clusters.units
    cluster, piece_lo, piece_hi, (coder, code) = _split(clusters, lo, hi, arrays.coder, arrays.code)
    observers = arrays.observers.sum(axis=1)[clusters.transcript]
    hist, passages, per_coder = _depth_histograms(cluster, coder, code, piece_lo, piece_hi, units, n_c, n_k)
    n_clusters = clusters.count
    binary = binary_coincidences(hist, np.repeat(observers, n_k)).reshape(n_clusters, n_k, 3)
    rater = binary_rater_sums(hist, np.repeat(observers, n_k)).reshape(n_clusters, n_k, 4)
    coded = hist[:, 1:].sum(axis=1).reshape(n_clusters, n_k)
    used = np.zeros((n_t, n_k), dtype=bool)
    used[arrays.transcript, arrays.code] = True
    breakdown = SegmentBreakdown(arrays.codes, clusters, binary, units, used, observers, coded,
                                 passages.reshape(n_clusters, n_k).astype(np.float64), rater,
                                 per_coder.reshape(n_clusters, n_c, n_k), observer_pairs(arrays.observers)[
                                     clusters.transcript])
    if data.codebook is not None:
        for domain in data.codebook.domains:
            breakdown.domains.append(_domain_parts(data.codebook, domain, arrays, lo, hi, clusters))
    return breakdown


def observer_pairs(observers: np.ndarray) -> np.ndarray:
    """Per transcript: a * coders + b when exactly coders a < b observe it, else -1."""
    n_c = observers.shape[1]
    out = np.full(len(observers), -1, dtype=np.int64)
    for t, row in enumerate(observers):
        who = np.flatnonzero(row)
        if len(who) == 2:
            out[t] = who[0] * n_c + who[1]
    return out


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
                  clusters: Clusters) -> DomainParts:
    n_t, n_c = arrays.observers.shape
    n_clusters = clusters.count
    value_of, labels, values = domain_values(codebook, domain)
    n_v = len(values)
    code_value = np.full(len(arrays.codes), -1, dtype=np.int64)
    for k, code in enumerate(arrays.codes):
        code_value[k] = value_of.get(code, -1)
    value = code_value[arrays.code] if len(arrays.code) else np.zeros(0, dtype=np.int64)
    mine = (value >= 0) & (hi > lo)
    o = np.zeros((n_clusters, n_v, n_v))
    pairable = np.zeros(n_clusters)
    pairs = np.zeros(n_clusters)
    conflicts = np.zeros(n_clusters)
    coded = np.zeros(n_clusters)
    rater = np.zeros((n_clusters, n_v + 3))
    contingency = np.zeros((n_clusters, n_v, n_v))
    used = np.zeros(n_t, dtype=bool)
    used[arrays.transcript[value >= 0]] = True
    # Each transcript's rows and clusters by slicing once-sorted indices, not by comparing every
    # row and cluster with each transcript (which grew with transcripts x spans).
    by_transcript = np.argsort(arrays.transcript, kind="stable")
    row_bounds = np.searchsorted(arrays.transcript[by_transcript], np.arange(n_t + 1))
    cluster_bounds = np.searchsorted(clusters.transcript, np.arange(n_t + 1))  # clusters go transcript by transcript
    for t in np.unique(arrays.transcript[mine]):
        rows = by_transcript[row_bounds[t]:row_bounds[t + 1]]
        here = rows[mine[rows]]  # in the rows' order, as a mask would give them
        own = np.arange(cluster_bounds[t], cluster_bounds[t + 1])
        cuts = clusters.starts[own]
        begin, stop = int(clusters.offsets[t]), int(clusters.offsets[t + 1])
        observing = np.flatnonzero(arrays.observers[t])
        counts, weights, conflict, where, given = _value_counts(arrays.coder[here], value[here], lo[here], hi[here],
                                                                observing, begin, stop, n_v, cuts)
        cluster = own[np.searchsorted(cuts, where, side="right") - 1]
        m = counts.sum(axis=1)
        ok = m >= 2
        scale = np.where(ok, weights / np.maximum(m - 1, 1), 0.0)
        contribution = (counts * scale[:, None])[:, :, None] * counts[:, None, :]
        contribution[:, np.arange(n_v), np.arange(n_v)] -= counts * scale[:, None]
        np.add.at(o, cluster, contribution)
        np.add.at(pairable, cluster, np.where(ok, weights, 0.0))
        np.add.at(pairs, cluster, np.where(ok, weights * m * (m - 1) / 2, 0.0))
        np.add.at(conflicts, cluster, conflict)
        np.add.at(coded, cluster, np.where(m >= 1, weights, 0.0))
        sums = _domain_rater_sums(counts, weights)
        np.add.at(rater, cluster, sums)
        if len(observing) == 2:
            both = (given[:, 0] >= 0) & (given[:, 1] >= 0)
            np.add.at(contingency, (cluster[both], given[both, 0], given[both, 1]), weights[both])
    return DomainParts(domain.id, domain.level, labels, values, o, pairable, pairs, conflicts, used, coded,
                       rater, contingency)


def _domain_rater_sums(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per stretch, (agree, paired, rated, shares...) weighted by its length (kappas.RaterSums)."""
    m = counts.sum(axis=1)
    two, one = m >= 2, m >= 1
    with np.errstate(divide="ignore", invalid="ignore"):
        agree = np.where(two, (counts * (counts - 1)).sum(axis=1) / np.maximum(m * (m - 1), 1), 0.0)
        shares = np.where(one[:, None], counts / np.maximum(m, 1)[:, None], 0.0)
    return np.column_stack([weights * agree, np.where(two, weights, 0.0), np.where(one, weights, 0.0),
                            weights[:, None] * shares])


def _value_counts(coder: np.ndarray, value: np.ndarray, lo: np.ndarray, hi: np.ndarray, observers: np.ndarray,
                  begin: int, stop: int, n_values: int, cuts: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Value counts on the stretches of units where nobody's values change.

    A coder's value on a unit is the domain value whose span codes it; a coder with
    no such span has no value there (missing), and one with two different values
    has none either: the unit counts as a conflict. Stretches never cross a cluster
    start (``cuts``). Returns per stretch: counts (S, V), lengths, conflicting units,
    where the stretch starts, and each observer's value there (S, observers; -1 for none).
    """
    bounds = np.unique(np.concatenate([[begin, stop], cuts, lo, hi]))
    lengths = np.diff(bounds).astype(np.float64)
    counts = np.zeros((len(lengths), n_values))
    conflict = np.zeros(len(lengths))
    first = np.searchsorted(bounds, lo)
    last = np.searchsorted(bounds, hi)
    chosen = np.full((len(lengths), len(observers)), -1, dtype=np.int64)
    for i, c in enumerate(observers):
        mine = coder == c
        if not mine.any():
            continue
        steps = np.zeros((len(bounds), n_values))
        np.add.at(steps, (first[mine], value[mine]), 1)
        np.add.at(steps, (last[mine], value[mine]), -1)
        cover = np.cumsum(steps, axis=0)[:-1] > 0
        given = cover.sum(axis=1)
        counts[given == 1] += cover[given == 1]
        conflict += np.where(given > 1, lengths, 0.0)
        chosen[given == 1, i] = cover[given == 1].argmax(axis=1)
    return counts, lengths, conflict, bounds[:-1], chosen


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
    family = code_family(arrays.lengths, arrays.observers, transcript, coder, key % n_k, start, end, n_k)
    return SpanBreakdown(arrays.codes, sums.observed.reshape(n_t, n_k), sums.expected.reshape(n_t, n_k),
                         sums.units.reshape(n_t, n_k), merged, arrays.lengths.copy(), char_binary, used, observers,
                         family)

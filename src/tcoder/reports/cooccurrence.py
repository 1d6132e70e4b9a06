"""``report cooccurrence``: which codes are applied to the same passages.

Codes are taken as coded (a theme does not absorb its sub-codes here, or every
theme would co-occur with its own children), and only within one coder's
annotations of one transcript: two coders' spans never co-occur.

- ``--unit span`` (default): ``count`` is the number of pairs of overlapping
  annotations; ``jaccard`` is the characters both codes cover divided by the
  characters either covers.
- ``--unit sentence|turn``: a code marks a unit when one of its spans overlaps it;
  ``count`` is the number of units both codes mark and ``jaccard`` is that number
  divided by the units either marks.

The diagonal holds each code's own total (annotations, or units marked), and a
Jaccard of 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tcoder.reports.data import ReportData, filter_codes
from tcoder.segments import sentence_spans, turn_spans

UNITS = ("span", "sentence", "turn")


def matrices(data: ReportData, unit: str = "span") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts, jaccard), code x code, in codebook order."""
    if unit in data.counted.get("cooccurrence", {}):  # counted as the study was read (see study_matrices)
        return data.counted["cooccurrence"][unit]
    codes = list(data.codes)
    index = {c: i for i, c in enumerate(codes)}
    n = len(codes)
    totals = Totals(n)
    frame = filter_codes(data)
    for (transcript, _coder), rows in frame.groupby(["transcript", "coder"], sort=False):
        codes_i = rows["code"].map(index).to_numpy(dtype=np.int64)
        starts, ends = rows["start"].to_numpy(), rows["end"].to_numpy()
        if unit == "span":
            _span_pairs(codes_i, starts, ends, totals)
        else:
            _unit_pairs(_units(data, transcript, unit), codes_i, starts, ends, totals)
    if unit == "span":
        totals.own_counts += np.bincount(frame["code"].map(index).to_numpy(dtype=np.int64), minlength=n)
    return _frames(data, codes, totals, unit)


class Totals:
    """Pair counts, shared characters or units, and each code's own, over codes 0..n-1."""

    def __init__(self, n: int) -> None:
        self.counts = np.zeros((n, n), dtype=np.int64)
        self.both = np.zeros((n, n), dtype=np.int64)  # shared characters or units
        self.own = np.zeros(n, dtype=np.int64)  # characters or units per code
        self.own_counts = np.zeros(n, dtype=np.int64)  # annotations per code (the span diagonal)


def _frames(data: ReportData, codes: list[str], totals: Totals, unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts, both, own = totals.counts, totals.both, totals.own
    n = len(codes)
    if unit == "span":
        np.fill_diagonal(counts, totals.own_counts if n else [])
    union = own[:, None] + own[None, :] - both
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, both / np.where(union > 0, union, 1), np.nan)
    labels = [data.name(c) for c in codes]
    counts_frame = pd.DataFrame(counts, index=codes, columns=codes)
    jaccard_frame = pd.DataFrame(np.round(jaccard, 3), index=codes, columns=codes)
    counts_frame.attrs["labels"] = jaccard_frame.attrs["labels"] = labels
    return counts_frame, jaccard_frame


def _units(data: ReportData, transcript: str, unit: str) -> tuple[np.ndarray, np.ndarray]:
    cache = data.__dict__.setdefault("_units", {})
    key = (transcript, unit)
    if key not in cache:
        cache[key] = _unit_spans(data.transcript(transcript), unit)
    return cache[key]


def _unit_spans(transcript, unit: str) -> tuple[np.ndarray, np.ndarray]:
    spans = sentence_spans(transcript) if unit == "sentence" else turn_spans(transcript)
    return (np.array([s for s, _ in spans], dtype=np.int64), np.array([e for _, e in spans], dtype=np.int64))


def _span_pairs(codes_i, starts, ends, totals: Totals) -> None:
    n = len(totals.own)
    order = np.lexsort((ends, starts))
    codes_i, starts, ends = codes_i[order], starts[order], ends[order]
    # overlapping pairs: each span with the later ones (in start order) that start before it ends
    stops = np.searchsorted(starts, ends, side="left")
    later = np.maximum(stops - np.arange(1, len(starts) + 1), 0)
    if later.any():
        first = np.repeat(np.arange(len(starts)), later)
        # the partner of each pair: i+1, i+2, ... for each span i, in one array
        offsets = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later) + 1
        a, b = codes_i[first], codes_i[first + offsets]
        differ = a != b
        pairs = np.bincount(a[differ] * n + b[differ], minlength=n * n).reshape(n, n)
        totals.counts += pairs + pairs.T
    # characters per code and shared by each pair, over elementary segments between span boundaries
    bounds = np.unique(np.concatenate([starts, ends]))
    widths = np.diff(bounds)
    present, row = np.unique(codes_i, return_inverse=True)
    delta = np.zeros((len(present), len(bounds)), dtype=np.int64)
    np.add.at(delta, (row, np.searchsorted(bounds, starts)), 1)
    np.add.at(delta, (row, np.searchsorted(bounds, ends)), -1)
    shared = _pair_sums(np.cumsum(delta, axis=1)[:, :-1] > 0, widths)
    totals.both[np.ix_(present, present)] += shared
    totals.own[present] += np.diag(shared)


def _pair_sums(marks: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``(marks * weights) @ marks.T`` for a boolean code x segment matrix: for each pair of codes
    the weight of the segments both mark (the diagonal: each code's own), from the few codes
    that mark each segment rather than a dense product (which also wakes BLAS's threads)."""
    k = marks.shape[0]
    segment, row = np.nonzero(marks.T)  # by segment, then code
    weight = weights[segment]
    shared = np.zeros((k, k), dtype=np.int64)
    np.add.at(shared, (row, row), weight)
    if len(segment) < 2:
        return shared
    new = np.empty(len(segment), dtype=bool)
    new[0], new[1:] = True, segment[1:] != segment[:-1]
    sizes = np.diff(np.append(np.flatnonzero(new), len(segment)))
    ends = np.repeat(np.cumsum(sizes), sizes)
    later = ends - np.arange(1, len(segment) + 1)  # the entries after each one in its segment
    if later.any():
        first = np.repeat(np.arange(len(segment)), later)
        partner = first + np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later) + 1
        a, b = row[first], row[partner]
        pairs = np.zeros((k, k), dtype=np.int64)
        np.add.at(pairs, (a, b), weight[first])
        shared += pairs + pairs.T
    return shared


def _unit_pairs(units: tuple[np.ndarray, np.ndarray], codes_i, starts, ends, totals: Totals) -> None:
    unit_starts, unit_ends = units
    present, row = np.unique(codes_i, return_inverse=True)
    # a code marks the units its spans overlap (as data.touched, for every code at once)
    lo = np.searchsorted(unit_ends, starts, side="right")  # first unit ending after the span starts
    hi = np.searchsorted(unit_starts, ends, side="left")  # units starting before the span ends
    ok = lo < hi
    delta = np.zeros((len(present), len(unit_starts) + 1), dtype=np.int64)
    np.add.at(delta, (row[ok], lo[ok]), 1)
    np.add.at(delta, (row[ok], hi[ok]), -1)
    shared = _pair_sums(np.cumsum(delta, axis=1)[:, :-1] > 0, np.ones(len(unit_starts), dtype=np.int64))
    totals.counts[np.ix_(present, present)] += shared
    totals.both[np.ix_(present, present)] += shared
    totals.own[present] += np.diag(shared)


def long_frame(data: ReportData, counts: pd.DataFrame, jaccard: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of codes that co-occur at least once (and each code with itself)."""
    rows = []
    codes = list(counts.index)
    # plain arrays: a lookup in the frames copies their labels each time
    count_of, jaccard_of = counts.to_numpy(), jaccard.to_numpy()
    for i, a in enumerate(codes):
        for j in range(i, len(codes)):
            b = codes[j]
            count = int(count_of[i, j])
            if count == 0 and a != b:
                continue
            rows.append({"code_a": a, "code_b": b, "name_a": data.name(a), "name_b": data.name(b),
                         "count": count, "jaccard": jaccard_of[i, j]})
    return pd.DataFrame(rows, columns=["code_a", "code_b", "name_a", "name_b", "count", "jaccard"])


def display_matrix(matrix: pd.DataFrame, used: list[str]) -> pd.DataFrame:
    """A matrix restricted to codes that occur, with code ids as the column heads."""
    shown = matrix.loc[used, used]
    out = shown.reset_index(names="code")
    return out


def load_counted(study, selection, unit: str = "span") -> ReportData:
    """The report's data with its co-occurrence counted transcript by transcript, in worker
    processes (tcoder.parallel), so the study's segments are never held at once: every code's
    pairs are counted (which codes the report shows is known once every transcript is read,
    and a pair's count does not depend on the other codes), then the report's codes are taken."""
    from tcoder.coding_status import policy_of
    from tcoder.errors import Problem, TcoderError
    from tcoder.parallel import map_ordered
    from tcoder.reports.data import choose_coders, concluded, empty_frame
    from tcoder.reports.rows import Scan, transcript_rows

    coders, coder_note = choose_coders(study, selection)
    known = set(study.codebook.codes)
    wanted = set(coders)
    policy = selection.policy or policy_of(study)
    refs = {ref.name: ref for ref in study.transcripts if any(c in wanted for c in study.coders_of(ref))}

    def count(name: str):
        ref = refs[name]
        found = transcript_rows(study, ref, coders, known, policy, selection.autocoded, selection.apprentice,
                                quotes=False, lines=False)
        units = _unit_spans(study.transcript(ref), unit) if unit != "span" and found.rows else None
        study.forget_transcript(ref)
        rows, found.rows = found.rows, []
        local: dict[str, int] = {}
        for row in rows:
            local.setdefault(row[1], len(local))
        codes = list(local)
        totals = Totals(len(codes))
        by_coder: dict[str, list[tuple]] = {}
        for row in rows:
            by_coder.setdefault(row[0], []).append(row)
        for mine in by_coder.values():
            codes_i = np.array([local[r[1]] for r in mine], dtype=np.int64)
            starts = np.array([r[3] for r in mine], dtype=np.int64)
            ends = np.array([r[4] for r in mine], dtype=np.int64)
            if unit == "span":
                _span_pairs(codes_i, starts, ends, totals)
                totals.own_counts += np.bincount(codes_i, minlength=len(codes))
            else:
                assert units is not None
                _unit_pairs(units, codes_i, starts, ends, totals)
        code_counts = {c: int(totals.own_counts[i]) for i, c in enumerate(codes)} if unit == "span" else {}
        if unit != "span":
            for row in rows:
                code_counts[row[1]] = code_counts.get(row[1], 0) + 1
        return found, code_counts, codes, totals

    scan = Scan(coders)
    seen: dict[str, int] = {}
    parts: list[tuple[list[int], Totals]] = []
    for found, code_counts, codes, totals in map_ordered(count, list(refs)):
        scan.add(found, code_counts)
        if codes:
            parts.append(([seen.setdefault(c, len(seen)) for c in codes], totals))
    if scan.errors:
        raise TcoderError(scan.errors + [Problem("the report would leave these annotations out; fix them first "
                                                 "('tcoder check STUDY' lists every problem)")])
    data = concluded(study, selection, coders, coder_note, scan, empty_frame(["transcript", "coder", "code",
                                                                              "start", "end", "quote"]))
    everything = Totals(len(seen))
    for where, totals in parts:
        at = np.ix_(where, where)
        everything.counts[at] += totals.counts
        everything.both[at] += totals.both
        everything.own[where] += totals.own
        everything.own_counts[where] += totals.own_counts
    # the report's codes, in its order (a code no transcript uses counts zero)
    report = Totals(len(data.codes))
    mine = [i for i, c in enumerate(data.codes) if c in seen]
    theirs = [seen[data.codes[i]] for i in mine]
    report.counts[np.ix_(mine, mine)] = everything.counts[np.ix_(theirs, theirs)]
    report.both[np.ix_(mine, mine)] = everything.both[np.ix_(theirs, theirs)]
    report.own[mine] = everything.own[theirs]
    report.own_counts[mine] = everything.own_counts[theirs]
    data.counted["cooccurrence"] = {unit: _frames(data, list(data.codes), report, unit)}
    return data

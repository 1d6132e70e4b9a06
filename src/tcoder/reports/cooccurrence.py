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

from tcoder.reports.data import ReportData, filter_codes, touched
from tcoder.segments import sentence_spans, turn_spans

UNITS = ("span", "sentence", "turn")


def matrices(data: ReportData, unit: str = "span") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts, jaccard), code x code, in codebook order."""
    codes = list(data.codes)
    index = {c: i for i, c in enumerate(codes)}
    n = len(codes)
    counts = np.zeros((n, n), dtype=np.int64)
    both = np.zeros((n, n), dtype=np.int64)  # shared characters or units
    own = np.zeros(n, dtype=np.int64)  # characters or units per code
    frame = filter_codes(data)
    for (transcript, _coder), rows in frame.groupby(["transcript", "coder"], sort=False):
        codes_i = rows["code"].map(index).to_numpy(dtype=np.int64)
        starts, ends = rows["start"].to_numpy(), rows["end"].to_numpy()
        if unit == "span":
            _span_pairs(codes_i, starts, ends, n, counts, both, own)
        else:
            _unit_pairs(data, transcript, unit, codes_i, starts, ends, n, counts, both, own)
    if unit == "span":
        own_counts = np.bincount(frame["code"].map(index).to_numpy(dtype=np.int64), minlength=n)
        np.fill_diagonal(counts, own_counts if n else [])
    union = own[:, None] + own[None, :] - both
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, both / np.where(union > 0, union, 1), np.nan)
    labels = [data.name(c) for c in codes]
    counts_frame = pd.DataFrame(counts, index=codes, columns=codes)
    jaccard_frame = pd.DataFrame(np.round(jaccard, 3), index=codes, columns=codes)
    counts_frame.attrs["labels"] = jaccard_frame.attrs["labels"] = labels
    return counts_frame, jaccard_frame


def _span_pairs(codes_i, starts, ends, n, counts, both, own) -> None:
    order = np.lexsort((ends, starts))
    codes_i, starts, ends = codes_i[order], starts[order], ends[order]
    # overlapping pairs: a sweep in start order, each span against the later ones that start before it ends
    for i in range(len(starts)):
        j_end = np.searchsorted(starts, ends[i], side="left")
        for j in range(i + 1, j_end):
            a, b = codes_i[i], codes_i[j]
            if a != b:
                counts[a, b] += 1
                counts[b, a] += 1
    # characters per code and shared by each pair, over elementary segments between span boundaries
    bounds = np.unique(np.concatenate([starts, ends]))
    widths = np.diff(bounds)
    present = np.unique(codes_i)
    marks = np.zeros((len(present), len(widths)), dtype=np.int64)
    first, last = np.searchsorted(bounds, starts), np.searchsorted(bounds, ends)
    for row, c in enumerate(present):
        sel = codes_i == c
        delta = np.zeros(len(bounds), dtype=np.int64)
        np.add.at(delta, first[sel], 1)
        np.add.at(delta, last[sel], -1)
        marks[row] = np.cumsum(delta)[:-1] > 0
    shared = (marks * widths) @ marks.T
    both[np.ix_(present, present)] += shared
    own[present] += np.diag(shared)


def _unit_pairs(data, transcript, unit, codes_i, starts, ends, n, counts, both, own) -> None:
    cache = data.__dict__.setdefault("_units", {})
    key = (transcript, unit)
    if key not in cache:
        t = data.transcript(transcript)
        spans = sentence_spans(t) if unit == "sentence" else turn_spans(t)
        cache[key] = (np.array([s for s, _ in spans], dtype=np.int64), np.array([e for _, e in spans], dtype=np.int64))
    unit_starts, unit_ends = cache[key]
    present = np.unique(codes_i)
    marks = np.zeros((len(present), len(unit_starts)), dtype=bool)
    for row, c in enumerate(present):
        sel = codes_i == c
        marks[row] = touched(unit_starts, unit_ends, starts[sel], ends[sel])
    shared = marks.astype(np.int64) @ marks.T.astype(np.int64)
    counts[np.ix_(present, present)] += shared
    both[np.ix_(present, present)] += shared
    own[present] += np.diag(shared)


def long_frame(data: ReportData, counts: pd.DataFrame, jaccard: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of codes that co-occur at least once (and each code with itself)."""
    rows = []
    codes = list(counts.index)
    for i, a in enumerate(codes):
        for b in codes[i:]:
            count = int(counts.at[a, b])
            if count == 0 and a != b:
                continue
            rows.append({"code_a": a, "code_b": b, "name_a": data.name(a), "name_b": data.name(b),
                         "count": count, "jaccard": jaccard.at[a, b]})
    return pd.DataFrame(rows, columns=["code_a", "code_b", "name_a", "name_b", "count", "jaccard"])


def display_matrix(matrix: pd.DataFrame, used: list[str]) -> pd.DataFrame:
    """A matrix restricted to codes that occur, with code ids as the column heads."""
    shown = matrix.loc[used, used]
    out = shown.reset_index(names="code")
    return out

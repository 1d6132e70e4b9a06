"""Independent, deliberately naive implementations that the agreement tests compare against.

- the coders x units matrix, built character by character from docs/formats.md#agreement-data-and-results,
  for the ``krippendorff`` package;
- a line-by-line port of DKPro Agreement's KrippendorffAlphaUnitizingAgreement
  (observed and expected disagreement of one category).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from tcoder.segments import unit_spans
from tcoder.transcript import Transcript


def units_of(transcript: Transcript, unit: str) -> list[tuple[int, int]]:
    if unit == "char":
        return [(i, i + 1) for i in range(len(transcript.text))]
    return unit_spans(transcript, unit)


def codes_unit(text: str, unit: str, unit_span: tuple[int, int], span: tuple[int, int]) -> bool:
    """FORMAT 6: a span codes a unit if it covers a non-white-space character of it
    (for ``char``: if it covers the character, white space included)."""
    us, ue = unit_span
    s, e = span
    lo, hi = max(s, us), min(e, ue)
    if lo >= hi:
        return False
    if unit == "char":
        return True
    return any(not text[i].isspace() for i in range(lo, hi))


def binary_matrix(transcripts: Sequence[tuple[Transcript, dict[str, list[tuple[str, int, int]]]]],
                  coders: Sequence[str], code: str, unit: str) -> np.ndarray:
    """coders x units (all transcripts side by side); NaN where a coder has no file."""
    columns = []
    for transcript, spans in transcripts:
        units = units_of(transcript, unit)
        block = np.full((len(coders), len(units)), np.nan)
        for c, coder in enumerate(coders):
            if coder not in spans:
                continue
            for u, unit_span in enumerate(units):
                block[c, u] = float(any(k == code and codes_unit(transcript.text, unit, unit_span, (s, e))
                                        for k, s, e in spans[coder]))
        columns.append(block)
    return np.concatenate(columns, axis=1) if columns else np.zeros((len(coders), 0))


def domain_matrix(transcripts, coders, values: dict[str, float], unit: str) -> np.ndarray:
    """coders x units of domain values: the value of the child code that codes the unit;
    NaN when none does, when two different ones do, or when the coder has no file."""
    columns = []
    for transcript, spans in transcripts:
        units = units_of(transcript, unit)
        block = np.full((len(coders), len(units)), np.nan)
        for c, coder in enumerate(coders):
            for u, unit_span in enumerate(units):
                given = {values[k] for k, s, e in spans.get(coder, [])
                         if k in values and codes_unit(transcript.text, unit, unit_span, (s, e))}
                if len(given) == 1:
                    block[c, u] = given.pop()
        columns.append(block)
    return np.concatenate(columns, axis=1) if columns else np.zeros((len(coders), 0))


def reference_alpha(matrix: np.ndarray, level: str = "nominal", domain=None) -> float | None:
    """krippendorff.alpha, with None where it refuses or gives NaN (alpha undefined)."""
    import warnings

    import krippendorff

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level, value_domain=domain)
    except ValueError:
        return None
    return None if math.isnan(value) else float(value)


# ---------------------------------------------------------------- DKPro Agreement, ported literally

def _measure_distance(offset1, length1, cat1, offset2, length2, cat2) -> float:
    begin_diff = offset1 - offset2
    length_diff = length1 - length2
    if cat1 is not None and cat2 is not None and -length1 < begin_diff < length2:
        return begin_diff ** 2 + (begin_diff + length_diff) ** 2
    if cat1 is not None and cat2 is None and -length_diff >= begin_diff >= 0:
        return length1 ** 2
    if cat1 is None and cat2 is not None and -length_diff <= begin_diff <= 0:
        return length2 ** 2
    return 0.0


def _segments(units: list[tuple[int, int]], length: int) -> list[tuple[int, int, bool]]:
    """A rater's continuum as (offset, length, is_unit), units sorted and disjoint."""
    out, pos = [], 0
    for s, e in sorted(units):
        if s > pos:
            out.append((pos, s - pos, False))
        out.append((s, e - s, True))
        pos = e
    if pos < length:
        out.append((pos, length - pos, False))
    return out


def dkpro_observed(length: int, raters: Sequence[list[tuple[int, int]]]) -> float:
    r = len(raters)
    total = 0.0
    for a in range(r):
        for b in range(a + 1, r):
            for o1, l1, u1 in _segments(raters[a], length):
                for o2, l2, u2 in _segments(raters[b], length):
                    if o1 < o2 + l2 and o2 < o1 + l1:  # the DKPro sweep visits overlapping pairs
                        total += _measure_distance(o1, l1, "c" if u1 else None, o2, l2, "c" if u2 else None)
    return total * 2.0 / (r * (r - 1) * length * length)


def dkpro_expected(length: int, raters: Sequence[list[tuple[int, int]]]) -> float:
    r = len(raters)
    units = [e - s for spans in raters for s, e in spans]
    n_c = len(units)
    squared = sum(u * (u - 1) for u in units)
    gaps = [seg_len for spans in raters for _, seg_len, is_unit in _segments(spans, length) if not is_unit]
    gaps.sort(reverse=True)
    result = 0.0
    for l1 in units:
        sum1 = (n_c - 1) * (2 * l1 ** 3 - 3 * l1 ** 2 + l1) / 3
        sum2 = 0.0
        for gap in gaps:
            if gap >= l1:
                sum2 += gap - l1 + 1
            else:
                break
        result += sum1 + sum2 * l1 * l1
    return result * (2 / length) / (r * length * (r * length - 1) - squared)


# ---------------------------------------------------------------- the 2016 unitizing family, naively


def family_2016(length: int, coders: Sequence[Sequence[tuple[int, int, int]]], level: str = "nominal",
                values: Sequence[float] | None = None) -> dict:
    """A character-by-character port of Krippendorff, Mathet, Bouvry & Widlöcher (2016) /
    Krippendorff (2019, section 12.6): ``coders[i]`` lists coder i's units as (start, end, value),
    value 1..V, not overlapping. Returns u, binary (|u), cu (c|u), k {value: (k)u}, coverage."""
    m = len(coders)
    n_values = len(values) if values is not None else max([v for units in coders for _, _, v in units], default=0)
    values = list(range(1, n_values + 1)) if values is None else list(values)
    # each coder's segment (id) and value at every position; gaps are value 0, one "segment" per position
    at = []
    for units in coders:
        seg = [None] * length
        for number, (s, e, v) in enumerate(units):
            for x in range(s, e):
                seg[x] = (number, v)
        at.append(seg)
    w = n_values + 1
    ell = [[0.0] * w for _ in range(w)]
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            for x in range(length):
                c = at[i][x][1] if at[i][x] else 0
                k = at[j][x][1] if at[j][x] else 0
                ell[c][k] += 1.0 / (m - 1)
    corr = [0.0] * w
    for units in coders:
        covered = 0
        for s, e, v in units:
            corr[v] += (e - s) ** 2
            covered += e - s
        corr[0] += length - covered
    n = sum(map(sum, ell))
    rows = [sum(r) for r in ell]
    den = n * n - sum(corr)
    eps = [[n * (rows[c] * rows[k] - (corr[c] if c == k else 0)) / den if den > 0 else 0.0 for k in range(w)]
           for c in range(w)]
    out: dict = {}
    off_o = n - sum(ell[c][c] for c in range(w))
    off_e = n - sum(eps[c][c] for c in range(w))
    # with no units at all, off_e is zero up to rounding: undefined, not 1
    out["u"] = 1 - off_o / off_e if off_e > 1e-9 * max(n, 1.0) else None
    bo = sum(ell[0][k] for k in range(1, w))
    be = sum(eps[0][k] for k in range(1, w))
    out["binary"] = 1 - bo / be if be > 0 else None
    # c|u: pairable length of each unit = mean over other coders of its overlap with their units
    pcorr = [0.0] * w
    for i, units in enumerate(coders):
        for s, e, v in units:
            total = sum(1 for j in range(m) if j != i for x in range(s, e) if at[j][x])
            pcorr[v] += (total / (m - 1)) ** 2
    star = [[ell[c][k] for k in range(1, w)] for c in range(1, w)]
    ns = sum(map(sum, star))
    ms = [sum(r) for r in star]
    den_s = ns * ns - sum(pcorr[1:])
    eps_s = [[ns * (ms[c] * ms[k] - (pcorr[c + 1] if c == k else 0)) / den_s if den_s > 0 else 0.0
              for k in range(n_values)] for c in range(n_values)]
    delta = _delta(level, values, ms)
    d_o = sum(delta[c][k] * star[c][k] for c in range(n_values) for k in range(n_values))
    d_e = sum(delta[c][k] * eps_s[c][k] for c in range(n_values) for k in range(n_values))
    out["cu"] = 1 - d_o / d_e if n_values >= 2 and d_e > 0 else None
    out["k"], out["coverage"] = {}, {}
    for k in range(n_values):
        l_k = sum(star[c][k] for c in range(n_values))
        e_k = sum(eps_s[c][k] for c in range(n_values))
        o = sum(delta[c][k] * star[c][k] for c in range(n_values))
        x = sum(delta[c][k] * eps_s[c][k] for c in range(n_values))
        out["k"][k + 1] = 1 - (e_k * o) / (l_k * x) if l_k > 0 and x > 0 else None
        column = sum(ell[c][k + 1] for c in range(w))
        out["coverage"][k + 1] = l_k / column if column > 0 else None
    return out


def _delta(level: str, values: Sequence[float], marginals: Sequence[float]) -> list[list[float]]:
    size = len(values)
    if level == "nominal":
        return [[0.0 if c == k else 1.0 for k in range(size)] for c in range(size)]
    if level == "interval":
        return [[(values[c] - values[k]) ** 2 for k in range(size)] for c in range(size)]
    if level == "ratio":
        return [[((values[c] - values[k]) / (values[c] + values[k])) ** 2 if values[c] + values[k] else 0.0
                 for k in range(size)] for c in range(size)]
    out = [[0.0] * size for _ in range(size)]
    for c in range(size):
        for k in range(size):
            lo, hi = min(c, k), max(c, k)
            between = sum(marginals[lo:hi + 1]) - (marginals[lo] + marginals[hi]) / 2
            out[c][k] = between ** 2
    return out


# ---------------------------------------------------------------- kappas and AC1, unit by unit

def gwet_family(matrix: np.ndarray, categories: Sequence[float] | None = None) -> dict[str, float | None]:
    """Fleiss' kappa and Gwet's AC1 of a coders x units matrix (NaN = no value), written
    out unit by unit from Gwet (2014) as his irrCAC package computes them (``categories``:
    every possible value, as irrCAC's categ.labels; default the values that occur)."""
    values = sorted({float(v) for v in matrix.flatten() if not math.isnan(v)} if categories is None
                    else {float(c) for c in categories})
    rated_units = [u for u in range(matrix.shape[1]) if any(not math.isnan(v) for v in matrix[:, u])]
    paired = agree = 0.0
    shares = dict.fromkeys(values, 0.0)
    for u in rated_units:
        column = [float(v) for v in matrix[:, u] if not math.isnan(v)]
        r = len(column)
        for value in values:
            shares[value] += column.count(value) / r
        if r >= 2:
            paired += 1
            agree += sum(column.count(value) * (column.count(value) - 1) for value in values) / (r * (r - 1))
    if paired == 0 or len(values) < 2:
        return {"fleiss": None, "ac1": None}
    p_a = agree / paired
    pi = [shares[v] / len(rated_units) for v in values]
    pe_fleiss = sum(p ** 2 for p in pi)
    pe_ac1 = sum(p * (1 - p) for p in pi) / (len(values) - 1)
    return {"fleiss": None if pe_fleiss >= 1 else (p_a - pe_fleiss) / (1 - pe_fleiss),
            "ac1": (p_a - pe_ac1) / (1 - pe_ac1)}

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

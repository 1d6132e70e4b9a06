"""Which segment units a span codes (docs/formats.md#agreement-data-and-results).

A coder's value on a unit is 1 when one of their spans covers a non-white-space
character of the unit. For ``char`` every character is a unit, white space
included, and a character counts when the span covers it (white space too).

The other units (word, line, sentence, turn) are sorted, disjoint and trimmed:
each starts and ends with a non-white-space character. So a span codes exactly
the units that meet its non-white-space hull, from its first to its last
non-white-space character, and each span maps to one run of consecutive unit
indices. Agreement then sweeps over unit indices just as over characters.
"""

from __future__ import annotations

import weakref

import numpy as np

from tcoder.agreement.sentences import character_classes, code_points, sentence_bounds, word_runs
from tcoder.segments import SEGMENT_UNITS, Unit, unit_spans
from tcoder.transcript import Transcript


def _as_array(spans: list[tuple[int, int]]) -> np.ndarray:
    return np.asarray(spans, dtype=np.int64).reshape(-1, 2)


def word_bounds(text: str) -> np.ndarray:
    """The words of ``text`` (runs of non-white-space, as :func:`tcoder.segments.word_spans`
    finds them) as an (n, 2) array of [start, end) offsets, without a Python object per
    word: the compare view needs them for every first look at a transcript."""
    return word_runs(character_classes(code_points(text)))


def unit_boundaries(transcript: Transcript, unit: Unit) -> np.ndarray:
    """The units as an (n, 2) array of [start, end) offsets."""
    if unit == "char":
        n = len(transcript.text)
        offsets = np.arange(n, dtype=np.int64)
        return np.stack([offsets, offsets + 1], axis=1)
    if unit not in SEGMENT_UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(SEGMENT_UNITS)}")
    if unit == "sentence":
        return sentence_bounds(transcript.text, transcript.turns)[0]
    return _as_array(unit_spans(transcript, unit))


class UnitIndex:
    """Maps character spans of one transcript to runs of unit indices."""

    def __init__(self, transcript: Transcript, unit: Unit, units: np.ndarray | None = None):
        """``units``: the units' (n, 2) bounds when already known (see tcoder.agreement.data)."""
        self.unit = unit
        if unit == "char":
            self.count = len(transcript.text)
            return
        text = transcript.text
        codes = code_points(text)
        classes = character_classes(codes)
        words = word_runs(classes)
        self._word_start, self._word_end = words[:, 0], words[:, 1]
        if units is None:
            if unit == "word":
                units = words
            elif unit == "sentence":  # found with the words' arrays
                units = sentence_bounds(text, transcript.turns, codes, classes, words)[0]
            else:
                units = unit_boundaries(transcript, unit)
        self._unit_start, self._unit_end = units[:, 0], units[:, 1]
        self.count = len(units)

    def first_at(self, offsets: np.ndarray) -> np.ndarray:
        """The index of the first unit that starts at or after each character offset."""
        offsets = np.asarray(offsets, dtype=np.int64)
        if self.unit == "char":
            return np.minimum(offsets, self.count)
        return np.searchsorted(self._unit_start, offsets, side="left")

    def ranges(self, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[first, stop) unit indices coded by each span; first == stop when it codes none."""
        start = np.asarray(start, dtype=np.int64)
        end = np.asarray(end, dtype=np.int64)
        if self.unit == "char":
            return start, end
        n_words = len(self._word_start)
        if n_words == 0 or self.count == 0:
            zero = np.zeros(len(start), dtype=np.int64)
            return zero, zero
        # First non-white-space offset at or after start, last one before end.
        j = np.searchsorted(self._word_end, start, side="right")
        has_next = j < n_words
        first = np.where(has_next, np.maximum(start, self._word_start[np.minimum(j, n_words - 1)]), end)
        k = np.searchsorted(self._word_start, end, side="left") - 1
        has_prev = k >= 0
        last = np.where(has_prev, np.minimum(end, self._word_end[np.maximum(k, 0)]) - 1, -1)
        some = has_next & has_prev & (first <= last)
        lo = np.searchsorted(self._unit_end, first, side="right")
        hi = np.searchsorted(self._unit_start, last, side="right")
        lo = np.where(some, lo, 0)
        hi = np.where(some, np.maximum(hi, lo), 0)
        return lo, hi


_CACHE: weakref.WeakKeyDictionary[Transcript, dict[str, tuple[str, UnitIndex]]] = weakref.WeakKeyDictionary()


def unit_index(transcript: Transcript, unit: Unit) -> UnitIndex:
    """The unit index of a transcript, kept while the transcript object lives and its text is unchanged
    (pairs of coders and repeated calls from the compare view reuse it)."""
    per_unit = _CACHE.setdefault(transcript, {})
    cached = per_unit.get(unit)
    if cached is not None and cached[0] is transcript.text:
        return cached[1]
    index = UnitIndex(transcript, unit)
    per_unit[unit] = (transcript.text, index)
    return index

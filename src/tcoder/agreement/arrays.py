"""Coding data as parallel numpy arrays: one entry per span."""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from tcoder.agreement.data import CodingData, SpanList, TranscriptOutline
from tcoder.codebook import Codebook


@dataclass
class SpanArrays:
    transcript: np.ndarray  # index into data.transcripts
    coder: np.ndarray  # index into data.coders
    code: np.ndarray  # index into codes
    start: np.ndarray
    end: np.ndarray
    codes: list[str]  # the codes used, in codebook order
    observers: np.ndarray  # (transcripts, coders): the coder has a file for the transcript
    lengths: np.ndarray  # characters per transcript
    #: [first, stop) unit indices of each span, when the data holds outlines (see data.gather)
    unit_lo: np.ndarray | None = None
    unit_hi: np.ndarray | None = None

    def select(self, mask: np.ndarray) -> SpanArrays:
        return SpanArrays(self.transcript[mask], self.coder[mask], self.code[mask], self.start[mask],
                          self.end[mask], self.codes, self.observers, self.lengths,
                          None if self.unit_lo is None else self.unit_lo[mask],
                          None if self.unit_hi is None else self.unit_hi[mask])


def code_order(codes, codebook: Codebook | None) -> list[str]:
    if codebook is None:
        return sorted(codes)
    return sorted(codes, key=codebook.sort_key)


def lifted_codes(code: str, codebook: Codebook | None, rollup: bool) -> list[str]:
    """The codes a span counts for: its own, and with ``rollup`` every ancestor's."""
    if not rollup or codebook is None or code not in codebook:
        return [code]
    return [code] + [ancestor.id for ancestor in codebook.ancestors(code)]


def span_arrays(data: CodingData, rollup: bool = False) -> SpanArrays:
    if data.transcripts and all(isinstance(spans, SpanList) for tc in data.transcripts for spans in tc.spans.values()):
        return _span_arrays_of_lists(data, rollup)
    coder_index = {c: i for i, c in enumerate(data.coders)}
    # One column at a time, as machine integers: a study of a million spans needs no row objects.
    transcript_col, coder_col, start_col, end_col = array("q"), array("q"), array("q"), array("q")
    code_col: list[str] = []
    observers = np.zeros((len(data.transcripts), len(data.coders)), dtype=bool)
    lift_cache: dict[str, list[str]] = {}
    # Units found when the data was gathered (outlines): each row takes its span's units along.
    placed = bool(data.transcripts) and all(isinstance(tc.transcript, TranscriptOutline)
                                            and tc.transcript.unit != "span" for tc in data.transcripts)
    lo_col, hi_col = array("q"), array("q")
    for t, tc in enumerate(data.transcripts):
        for coder, spans in tc.spans.items():
            c = coder_index[coder]
            observers[t, c] = True
            if placed:
                assert isinstance(tc.transcript, TranscriptOutline)
                los, his = (r.tolist() for r in tc.transcript.ranges[coder])
            for i, (code, start, end) in enumerate(spans):
                lifted = lift_cache.get(code)
                if lifted is None:
                    lifted = lift_cache[code] = lifted_codes(code, data.codebook, rollup)
                for target in lifted:
                    transcript_col.append(t)
                    coder_col.append(c)
                    code_col.append(target)
                    start_col.append(start)
                    end_col.append(end)
                    if placed:
                        lo_col.append(los[i])
                        hi_col.append(his[i])
    codes = code_order(set(code_col), data.codebook)
    index = {code: k for k, code in enumerate(codes)}
    n = len(code_col)
    columns = (_ints(transcript_col), _ints(coder_col), np.fromiter((index[c] for c in code_col), np.int64, n),
               _ints(start_col), _ints(end_col))
    lengths = np.array([len(tc.transcript) for tc in data.transcripts], dtype=np.int64)
    if not placed:
        return SpanArrays(*columns, codes, observers, lengths)
    return SpanArrays(*columns, codes, observers, lengths, _ints(lo_col), _ints(hi_col))


def _ints(column: array) -> np.ndarray:
    return np.array(column, dtype=np.int64)




def _span_arrays_of_lists(data: CodingData, rollup: bool) -> SpanArrays:
    """span_arrays for spans gathered as :class:`SpanList` (outlines): the same rows, in the
    same order, one array operation per coder and transcript instead of one step per span."""
    coder_index = {c: i for i, c in enumerate(data.coders)}
    observers = np.zeros((len(data.transcripts), len(data.coders)), dtype=bool)
    lift_cache: dict[str, list[str]] = {}
    names: list[str] = []  # every code a row is for, once
    name_index: dict[str, int] = {}
    placed = all(isinstance(tc.transcript, TranscriptOutline) and tc.transcript.unit != "span"
                 for tc in data.transcripts)
    chunks: list[tuple[np.ndarray, ...]] = []
    for t, tc in enumerate(data.transcripts):
        for coder, spans in tc.spans.items():
            assert isinstance(spans, SpanList)
            c = coder_index[coder]
            observers[t, c] = True
            # Each of the list's codes, lifted: a table of target code indices, one row per code.
            lifted = []
            for code in spans.codes:
                targets = lift_cache.get(code)
                if targets is None:
                    targets = lift_cache[code] = lifted_codes(code, data.codebook, rollup)
                for name in targets:
                    if name not in name_index:
                        name_index[name] = len(names)
                        names.append(name)
                lifted.append([name_index[name] for name in targets])
            width = max((len(row) for row in lifted), default=1)
            table = np.full((len(lifted), width), -1, dtype=np.int64)
            for k, row in enumerate(lifted):
                table[k, :len(row)] = row
            per_span = table[spans.code]  # (spans, width), span-major as the rows go
            keep = per_span >= 0
            repeat = keep.sum(axis=1)
            row_code = per_span[keep]
            columns: list[np.ndarray] = [np.full(len(row_code), t, dtype=np.int64),
                                         np.full(len(row_code), c, dtype=np.int64), row_code,
                                         np.repeat(spans.start, repeat), np.repeat(spans.end, repeat)]
            if placed:
                assert isinstance(tc.transcript, TranscriptOutline)
                lo, hi = tc.transcript.ranges[coder]
                columns += [np.repeat(lo, repeat), np.repeat(hi, repeat)]
            chunks.append(tuple(columns))
    codes = code_order(set(names), data.codebook)
    position = np.array([codes.index(name) for name in names], dtype=np.int64)
    width = 7 if placed else 5
    stacked = [np.concatenate([chunk[j] for chunk in chunks]) if chunks else np.zeros(0, dtype=np.int64)
               for j in range(width)]
    stacked[2] = position[stacked[2]] if len(stacked[2]) else stacked[2]
    lengths = np.array([len(tc.transcript) for tc in data.transcripts], dtype=np.int64)
    return SpanArrays(stacked[0], stacked[1], stacked[2], stacked[3], stacked[4], codes, observers, lengths,
                      stacked[5] if placed else None, stacked[6] if placed else None)

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
    same order, from the lists' arrays joined once (each list numbers its own codes: a table
    turns those numbers into the study's, and lifts them with ``rollup``)."""
    coder_index = {c: i for i, c in enumerate(data.coders)}
    observers = np.zeros((len(data.transcripts), len(data.coders)), dtype=bool)
    placed = all(isinstance(tc.transcript, TranscriptOutline) and tc.transcript.unit != "span"
                 for tc in data.transcripts)
    names: list[str] = []  # every code a row is for, once
    name_index: dict[str, int] = {}
    lifted: list[list[int]] = []  # per code a list uses: the names it counts for
    lifted_index: dict[str, int] = {}
    local: list[int] = []  # each list's own code numbers, in turn, as indices into lifted
    lists: list[SpanList] = []
    where: list[tuple[int, int, int]] = []  # per list: transcript, coder, first entry in local
    ranges: list[tuple[np.ndarray, np.ndarray]] = []
    for t, tc in enumerate(data.transcripts):
        for coder, spans in tc.spans.items():
            assert isinstance(spans, SpanList)
            c = coder_index[coder]
            observers[t, c] = True
            where.append((t, c, len(local)))
            lists.append(spans)
            numbers = list(map(lifted_index.get, spans.codes))
            if None in numbers:
                for code in spans.codes:
                    if code not in lifted_index:
                        lifted_index[code] = len(lifted)
                        targets = []
                        for name in lifted_codes(code, data.codebook, rollup):
                            if name not in name_index:
                                name_index[name] = len(names)
                                names.append(name)
                            targets.append(name_index[name])
                        lifted.append(targets)
                numbers = list(map(lifted_index.__getitem__, spans.codes))
            local.extend(numbers)  # type: ignore[arg-type]
            if placed:
                assert isinstance(tc.transcript, TranscriptOutline)
                ranges.append(tc.transcript.ranges[coder])
    codes = code_order(set(names), data.codebook)
    index_of = {name: i for i, name in enumerate(codes)}
    position = {name: index_of[name] for name in names}
    width = max((len(row) for row in lifted), default=1)
    table = np.full((len(lifted), width), -1, dtype=np.int64)  # code of the study per lifted code and target
    for k, row in enumerate(lifted):
        table[k, :len(row)] = [position[names[n]] for n in row]
    sizes = np.array([len(spans) for spans in lists], dtype=np.int64)

    def joined(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, dtype=np.int64)

    where_array = np.array(where, dtype=np.int64).reshape(-1, 3)
    source = np.array(local, dtype=np.int64)[np.repeat(where_array[:, 2], sizes) + joined([s.code for s in lists])]
    per_span = table[source]  # (spans, width), span-major as the rows go
    keep = per_span >= 0
    repeat = keep.sum(axis=1)

    def spread(column: np.ndarray) -> np.ndarray:
        """One row per span and code it counts for (one code each unless lifted)."""
        return column if width == 1 else np.repeat(column, repeat)

    columns = [spread(np.repeat(where_array[:, 0], sizes)), spread(np.repeat(where_array[:, 1], sizes)),
               per_span[:, 0] if width == 1 else per_span[keep], spread(joined([s.start for s in lists])), spread(joined([s.end for s in lists]))]
    if placed:
        columns += [spread(joined([lo for lo, _ in ranges])), spread(joined([hi for _, hi in ranges]))]
    lengths = np.array([len(tc.transcript) for tc in data.transcripts], dtype=np.int64)
    return SpanArrays(columns[0], columns[1], columns[2], columns[3], columns[4], codes, observers, lengths,
                      columns[5] if placed else None, columns[6] if placed else None)

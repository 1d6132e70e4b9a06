"""Coding data as parallel numpy arrays: one entry per span."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tcoder.agreement.data import CodingData
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

    def select(self, mask: np.ndarray) -> SpanArrays:
        return SpanArrays(self.transcript[mask], self.coder[mask], self.code[mask], self.start[mask],
                          self.end[mask], self.codes, self.observers, self.lengths)


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
    coder_index = {c: i for i, c in enumerate(data.coders)}
    rows: list[tuple[int, int, str, int, int]] = []
    observers = np.zeros((len(data.transcripts), len(data.coders)), dtype=bool)
    lift_cache: dict[str, list[str]] = {}
    for t, tc in enumerate(data.transcripts):
        for coder, spans in tc.spans.items():
            c = coder_index[coder]
            observers[t, c] = True
            for code, start, end in spans:
                lifted = lift_cache.get(code)
                if lifted is None:
                    lifted = lift_cache[code] = lifted_codes(code, data.codebook, rollup)
                for target in lifted:
                    rows.append((t, c, target, start, end))
    codes = code_order({r[2] for r in rows}, data.codebook)
    index = {code: k for k, code in enumerate(codes)}
    n = len(rows)
    columns = (np.fromiter((r[0] for r in rows), np.int64, n), np.fromiter((r[1] for r in rows), np.int64, n),
               np.fromiter((index[r[2]] for r in rows), np.int64, n),
               np.fromiter((r[3] for r in rows), np.int64, n), np.fromiter((r[4] for r in rows), np.int64, n))
    lengths = np.array([len(tc.transcript.text) for tc in data.transcripts], dtype=np.int64)
    return SpanArrays(*columns, codes, observers, lengths)

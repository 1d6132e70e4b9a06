"""How two coders' readings of the same text overlap, as counts to discuss (reflexive approach).

Reflexive thematic analysis does not measure reliability: coders' differences are
material for reflection. These counts say, per code and pair of coders, how much text
both coded, how much only one of them did, and how many of each coder's passages the
other coder's passages touch. They are descriptions, not a coefficient: no chance
correction, no threshold, no verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from tcoder.agreement.data import CodingData


@dataclass
class PairOverlap:
    code: str
    coder_a: str
    coder_b: str
    both: int = 0  # characters both coded with the code
    only_a: int = 0
    only_b: int = 0
    passages_a: int = 0  # coder a's passages with the code
    passages_b: int = 0
    met_a: int = 0  # of coder a's passages, those that coder b's touch
    met_b: int = 0

    def as_dict(self) -> dict:
        return dict(vars(self))


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _length(spans: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in spans)


def _intersection(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Characters in both unions (each list sorted and non-overlapping)."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            total += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _touched(spans: list[tuple[int, int]], others: list[tuple[int, int]]) -> int:
    """How many of ``spans`` share at least one character with the union ``others``."""
    import bisect

    starts = [s for s, _ in others]
    count = 0
    for start, end in spans:
        i = bisect.bisect_left(starts, end) - 1  # the last of the others starting before this span ends
        if i >= 0 and others[i][1] > start:
            count += 1
    return count


def overlaps(data: CodingData, codes: list[str] | None = None) -> list[PairOverlap]:
    """Per code (in codebook order, then others) and pair of coders, summed over the transcripts
    both coders have a file for."""
    found: dict[tuple[str, str, str], PairOverlap] = {}
    seen_codes: list[str] = []
    for coding in data.transcripts:
        by_coder: dict[str, dict[str, list[tuple[int, int]]]] = {}
        for coder, spans in coding.spans.items():
            for code, start, end in spans:
                by_coder.setdefault(coder, {}).setdefault(code, []).append((start, end))
                if code not in seen_codes:
                    seen_codes.append(code)
        present = [c for c in data.coders if c in coding.spans]
        for a, b in combinations(present, 2):
            for code in set(by_coder.get(a, {})) | set(by_coder.get(b, {})):
                if codes is not None and code not in codes:
                    continue
                spans_a, spans_b = by_coder.get(a, {}).get(code, []), by_coder.get(b, {}).get(code, [])
                union_a, union_b = _union(spans_a), _union(spans_b)
                both = _intersection(union_a, union_b)
                row = found.setdefault((code, a, b), PairOverlap(code, a, b))
                row.both += both
                row.only_a += _length(union_a) - both
                row.only_b += _length(union_b) - both
                row.passages_a += len(spans_a)
                row.passages_b += len(spans_b)
                row.met_a += _touched(spans_a, union_b)
                row.met_b += _touched(spans_b, union_a)
    order = {c: i for i, c in enumerate(data.codebook.codes)} if data.codebook is not None else {}
    return sorted(found.values(), key=lambda r: (order.get(r.code, len(order)), r.code, r.coder_a, r.coder_b))

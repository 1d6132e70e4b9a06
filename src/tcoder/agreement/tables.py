"""Rows of agreement results: one per code, one per domain, and the pooled row."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np

from tcoder.agreement.bootstrap import Interval, bootstrap
from tcoder.agreement.breakdown import SegmentBreakdown, SpanBreakdown
from tcoder.agreement.coincidence import Reliability, binary_reliability, reliability
from tcoder.codebook import Codebook

RowKind = Literal["code", "domain", "overall"]

RELIABLE, TENTATIVE = 0.800, 0.667


def verdict(alpha: float | None) -> str:
    """Krippendorff's (2004, p. 241) guidance: rely on alpha >= .800, draw tentative conclusions from .667."""
    if alpha is None:
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "unreliable"


@dataclass
class Row:
    kind: RowKind
    id: str  # code id, domain id, or "overall"
    name: str
    level: str
    alpha: float | None
    units: float
    agreement: float | None  # percent agreement as a share (0-1)
    reason: str | None  # why alpha is undefined
    observed: float  # D_o
    expected: float  # D_e
    detail: dict[str, Any] = field(default_factory=dict)
    reliability: Reliability | None = None  # for the bootstrap (segment units)
    pairs: float = 0.0  # pairs of values in the data: the bootstrap's draws per sample
    interval: Interval | None = None

    @property
    def verdict(self) -> str:
        return verdict(self.alpha)


@dataclass
class Table:
    codes: list[Row]
    domains: list[Row]
    overall: Row

    def rows(self) -> list[Row]:
        return [*self.codes, *self.domains, self.overall]

    def code(self, code_id: str) -> Row | None:
        return next((r for r in self.codes if r.id == code_id), None)

    def domain(self, domain_id: str) -> Row | None:
        return next((r for r in self.domains if r.id == domain_id), None)

    def add_intervals(self, samples: int, seed: int | None, scope: str = "", why_not: str | None = None) -> None:
        """Bootstrap every row. Each row draws from its own stream, seeded by ``seed`` and the
        row's identity, so its interval does not depend on which other rows were asked for."""
        for row in self.rows():
            if row.reliability is not None:
                rng = np.random.default_rng(None if seed is None else
                                            [seed, zlib.crc32(f"{scope}\0{row.kind}\0{row.id}".encode())])
                row.interval = bootstrap(row.reliability, samples, row.pairs, rng)
            elif why_not and row.alpha is not None:
                row.detail.setdefault("interval_note", why_not)


def _name(codebook: Codebook | None, code_id: str) -> str:
    return codebook.display_name(code_id) if codebook is not None else code_id


def _from_reliability(kind: RowKind, row_id: str, name: str, level: str, result: Reliability, units: float,
                      pairs: float, **detail: Any) -> Row:
    return Row(kind, row_id, name, level, result.alpha, units, result.agreement, result.reason,
               result.observed, result.expected, dict(detail), result, pairs)


def segment_table(breakdown: SegmentBreakdown, transcripts: Sequence[int], codebook: Codebook | None) -> Table:
    """Rows for the given transcripts (indices into the breakdown)."""
    ts = np.asarray(transcripts, dtype=np.int64)
    m = breakdown.observers[ts].astype(np.float64)
    units = float(breakdown.units[ts].sum())
    pairs = float((breakdown.units[ts] * m * (m - 1) / 2).sum())
    used = np.asarray(breakdown.used[ts].any(axis=0))
    sums = breakdown.binary[ts].sum(axis=0)  # (K, 3)
    codes = [_from_reliability("code", code, _name(codebook, code), "nominal", binary_reliability(*sums[k]),
                               units, pairs)
             for k, code in enumerate(breakdown.codes) if used[k]]
    pooled = sums[used].sum(axis=0) if used.any() else np.zeros(3)
    overall = _from_reliability("overall", "overall", "All codes", "nominal", binary_reliability(*pooled),
                                units * int(used.sum()), pairs * int(used.sum()))
    if not used.any():
        overall.reason = "no coder applied any code"
    domains = []
    for part in breakdown.domains:
        if not part.used[ts].any():
            continue
        o = part.coincidences[ts].sum(axis=0)
        result = reliability(o, part.level, part.values)  # type: ignore[arg-type]
        conflicts = float(part.conflicts[ts].sum())
        domains.append(_from_reliability("domain", part.domain, _name(codebook, part.domain), part.level, result,
                                         float(part.pairable[ts].sum()), float(part.pairs[ts].sum()),
                                         conflicts=conflicts,
                                         values=part.labels))
    return Table(codes, domains, overall)


def span_table(breakdown: SpanBreakdown, transcripts: Sequence[int], codebook: Codebook | None) -> Table:
    ts = np.asarray(transcripts, dtype=np.int64)
    used = np.asarray(breakdown.used[ts].any(axis=0))
    observed = breakdown.observed[ts].sum(axis=0)
    expected = breakdown.expected[ts].sum(axis=0)
    units = breakdown.units[ts].sum(axis=0)
    merged = breakdown.merged[ts].sum(axis=0)
    chars = breakdown.char_binary[ts].sum(axis=0)
    scale = float((breakdown.characters[ts].astype(np.float64) ** 2).sum())
    characters = int(breakdown.characters[ts].sum())
    codes = []
    for k, code in enumerate(breakdown.codes):
        if used[k]:
            codes.append(_unitizing_row("code", code, _name(codebook, code), observed[k], expected[k], scale,
                                        units[k], chars[k], merged=int(merged[k]), characters=characters))
    overall = _unitizing_row("overall", "overall", "All codes", observed[used].sum(), expected[used].sum(), scale,
                             units[used].sum(), chars[used].sum(axis=0), merged=int(merged[used].sum()),
                             characters=characters)
    return Table(codes, [], overall)


def _unitizing_row(kind: RowKind, row_id: str, name: str, observed: float, expected: float, scale: float,
                   units: float, chars: np.ndarray, **detail: Any) -> Row:
    char_result = binary_reliability(*chars)
    observed, expected = float(observed), float(expected)
    if expected > 0:
        alpha, reason = 1.0 - observed / expected, None
    else:
        alpha, reason = None, "no variation: no coder marked a unit of this code"
    d_o = observed / scale if scale else 0.0
    d_e = expected / scale if scale else 0.0
    return Row(kind, row_id, name, "nominal", alpha, float(units), char_result.agreement, reason, d_o, d_e,
               dict(detail), None)

"""Rows of agreement results: one per code, one per domain, and the pooled row; their verdicts."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np

from tcoder.agreement.bootstrap import Interval, bootstrap
from tcoder.agreement.breakdown import DomainParts, SegmentBreakdown, SpanBreakdown
from tcoder.agreement.coincidence import Reliability, binary_reliability, reliability
from tcoder.agreement.family_rows import DomainFamily, binary_alpha
from tcoder.agreement.kappas import (
    NOMINAL_ONLY,
    TWO_CODERS_ONLY,
    UNITIZING,
    Coefficient,
    RaterSums,
    binary_contingency,
    from_sums,
    undefined,
)
from tcoder.agreement.resampling import Parts, interval_of, resample, stream
from tcoder.codebook import Codebook

RowKind = Literal["code", "domain", "overall"]

RELIABLE, TENTATIVE = 0.800, 0.667
#: A code (or domain) used on fewer units than this, by all coders together, gets no verdict:
#: a few units more or less coded alike move its alpha by more than the interval shows.
MIN_CODED_UNITS = 20
#: At the char and word units the units are not what a coder decides on: the count
#: that matters is the number of coded passages.
MIN_PASSAGES = 20
#: Fewer clusters with the code than this: the interval cannot be trusted to cover.
MIN_CLUSTERS_WITH_CODE = 5

VERDICTS = ("reliable", "tentative", "inconclusive", "unreliable", "too few", "undefined")


def band(alpha: float | None) -> str:
    """Where a point estimate lies against Krippendorff's minimums (for colours, not verdicts):
    ``high`` (>= .800), ``middle`` (.667 to .800), ``low`` or ``undefined``."""
    if alpha is None:
        return "undefined"
    if alpha >= RELIABLE:
        return "high"
    if alpha >= TENTATIVE:
        return "middle"
    return "low"


def verdict(alpha: float | None, interval: Interval | None = None, few: bool = False) -> str | None:
    """Krippendorff's (2004, p. 241-242) guidance, applied to the interval, as he recommends.

    - ``reliable``: the whole 95% interval is at or above .800;
    - ``tentative``: the whole interval is at or above .667 (tentative conclusions only);
    - ``unreliable``: alpha itself is below .667;
    - ``inconclusive``: alpha is at or above .667 but the interval reaches below .667, or the
      interval rests on too few clusters: more coded data are needed to tell;
    - ``too few``: the code was used on too few units for any verdict;
    - ``undefined``: alpha has no value.

    Without an interval there is no verdict (None): a point estimate alone cannot support one.
    """
    if alpha is None:
        return "undefined"
    if interval is None:
        return None
    if few:
        return "too few"
    if alpha < TENTATIVE:
        return "unreliable"
    if not trustworthy(interval):
        return "inconclusive"
    if interval.low >= RELIABLE:
        return "reliable"
    if interval.low >= TENTATIVE:
        return "tentative"
    return "inconclusive"


def trustworthy(interval: Interval) -> bool:
    """Whether an interval can support a verdict: a cluster bootstrap needs the code in enough clusters."""
    if interval.method == "kalpha":
        return True
    return interval.clusters_used >= MIN_CLUSTERS_WITH_CODE


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
    reliability: Reliability | None = None  # for the KALPHA bootstrap (segment units)
    pairs: float = 0.0  # pairs of values in the data: the KALPHA bootstrap's draws per sample
    interval: Interval | None = None
    coded: float = 0.0  # units on which some coder used the code (a value of the domain)
    passages: float = 0.0  # coded stretches of consecutive units (codes)
    few: bool = False  # used on too few units (or passages) for a verdict
    parts: Parts | None = None  # per cluster, for the cluster bootstrap
    secondary: dict[str, Coefficient] | None = None  # Cohen's and Fleiss' kappa, Gwet's AC1 (kappas.py)

    @property
    def verdict(self) -> str | None:
        if self.kind == "overall":
            return None  # the pooled row is descriptive: it hides the codes it pools
        return verdict(self.alpha, self.interval, self.few)

    @property
    def band(self) -> str:
        return band(self.alpha)


@dataclass
class Table:
    codes: list[Row]
    domains: list[Row]
    overall: Row
    cluster_level: str = "transcript"  # what one part of a row is: a transcript, a turn or a unit
    cluster_transcript: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    unit: str = ""
    unitizing_domains: list[DomainFamily] = field(default_factory=list)  # --unit span: the 2016 family per domain

    def rows(self) -> list[Row]:
        return [*self.codes, *self.domains, self.overall]

    def code(self, code_id: str) -> Row | None:
        return next((r for r in self.codes if r.id == code_id), None)

    def domain(self, domain_id: str) -> Row | None:
        return next((r for r in self.domains if r.id == domain_id), None)

    def add_intervals(self, samples: int, seed: int | None, scope: str = "", why_not: str | None = None,
                      method: str = "kalpha") -> str | None:
        """Bootstrap every row: ``kalpha`` (pairs of values, Hayes & Krippendorff 2007), or a cluster
        bootstrap of ``transcript`` or ``turn`` clusters. Returns why there are no intervals, if so."""
        if method == "kalpha":
            for row in self.rows():
                if row.reliability is not None:
                    rng = np.random.default_rng(None if seed is None else
                                                [seed, zlib.crc32(f"{scope}\0{row.kind}\0{row.id}".encode())])
                    row.interval = bootstrap(row.reliability, samples, row.pairs, rng)
                elif why_not and row.alpha is not None:
                    row.detail.setdefault("interval_note", why_not)
            return None
        rows = [r for r in self.rows() if r.parts is not None and r.alpha is not None]
        if not rows:
            return None
        if method == "transcript" and self.cluster_level != "transcript":
            transcripts, groups = np.unique(self.cluster_transcript, return_inverse=True)
            parts = [r.parts.summed(groups, len(transcripts)) for r in rows if r.parts is not None]
        elif method == self.cluster_level:
            parts = [r.parts for r in rows if r.parts is not None]
        else:
            raise ValueError(f"cannot resample {method}s from a table of {self.cluster_level} clusters")
        n_clusters = len(parts[0].values)
        if n_clusters < 2:
            what = {"transcript": "transcript", "turn": "speaker turn", "unit": "unit"}[method]
            return f"only one {what} to resample"
        drawn = resample(parts, samples, stream(seed, scope))
        for row, part, alphas in zip(rows, parts, drawn, strict=True):
            row.interval = interval_of(alphas, samples, method, n_clusters, int(part.used.sum()),
                                       self._warnings(row, part, method))
        return None

    def _warnings(self, row: Row, part: Parts, method: str) -> list[str]:
        used = int(part.used.sum())
        what = {"transcript": "transcript", "turn": "turn", "unit": "unit"}[method]
        if row.kind != "overall" and used < MIN_CLUSTERS_WITH_CODE:
            return [f"used in only {used} {what}(s): too few to resample; the interval cannot be trusted"]
        return []


def _name(codebook: Codebook | None, code_id: str) -> str:
    return codebook.display_name(code_id) if codebook is not None else code_id


def _from_reliability(kind: RowKind, row_id: str, name: str, level: str, result: Reliability, units: float,
                      pairs: float, **detail: Any) -> Row:
    return Row(kind, row_id, name, level, result.alpha, units, result.agreement, result.reason,
               result.observed, result.expected, dict(detail), result, pairs)


def too_few(unit: str, coded: float, passages: float) -> bool:
    """Whether a code's alpha rests on too few coded units (passages at the char and word units)."""
    if unit in ("char", "word"):
        return passages < MIN_PASSAGES
    return coded < MIN_CODED_UNITS


def segment_table(breakdown: SegmentBreakdown, transcripts: Sequence[int], codebook: Codebook | None,
                  unit: str = "") -> Table:
    """Rows for the given transcripts (indices into the breakdown)."""
    ts = np.asarray(transcripts, dtype=np.int64)
    cs = breakdown.clusters.of_transcripts(ts)
    m = breakdown.observers[cs].astype(np.float64)
    units = float(breakdown.units[cs].sum())
    pairs = float((breakdown.units[cs] * m * (m - 1) / 2).sum())
    used = np.asarray(breakdown.used[ts].any(axis=0))
    per_cluster = breakdown.binary[cs]  # (C, K, 3)
    sums = per_cluster.sum(axis=0)  # (K, 3)
    coded = breakdown.coded[cs]  # (C, K)
    passages = breakdown.passages[cs].sum(axis=0)
    codes = []
    secondaries = _code_secondaries(breakdown, cs)
    for k, code in enumerate(breakdown.codes):
        if not used[k]:
            continue
        row = _from_reliability("code", code, _name(codebook, code), "nominal", binary_reliability(*sums[k]),
                                units, pairs)
        row.coded, row.passages = float(coded[:, k].sum()), float(passages[k])
        row.few = too_few(unit, row.coded, row.passages)
        row.parts = Parts("binary", per_cluster[:, k, :], coded[:, k] > 0)
        row.secondary = secondaries[k]
        codes.append(row)
    pooled = per_cluster[:, used, :].sum(axis=1) if used.any() else np.zeros((len(cs), 3))
    overall = _from_reliability("overall", "overall", "All codes", "nominal", binary_reliability(*pooled.sum(axis=0)),
                                units * int(used.sum()), pairs * int(used.sum()), codes=int(used.sum()))
    overall.coded = float(coded[:, used].sum())
    overall.parts = Parts("binary", pooled, coded[:, used].sum(axis=1) > 0)
    if not used.any():
        overall.reason = "no coder applied any code"
    domains = []
    for part in breakdown.domains:
        if not part.used[ts].any():
            continue
        o = part.coincidences[cs].sum(axis=0)
        result = reliability(o, part.level, part.values)  # type: ignore[arg-type]
        conflicts = float(part.conflicts[cs].sum())
        row = _from_reliability("domain", part.domain, _name(codebook, part.domain), part.level, result,
                                float(part.pairable[cs].sum()), float(part.pairs[cs].sum()),
                                conflicts=conflicts, values=part.labels)
        row.coded = float(part.coded[cs].sum())
        row.few = row.coded < MIN_CODED_UNITS if unit not in ("char", "word") else False
        row.parts = Parts("matrix", part.coincidences[cs], part.coded[cs] > 0, part.level, part.values)
        row.secondary = _domain_secondary(part, breakdown.pair[cs], cs)
        domains.append(row)
    return Table(codes, domains, overall, breakdown.clusters.level, breakdown.clusters.transcript[cs], unit)


def _one_pair(pairs: np.ndarray) -> int | None:
    """The pair of coders (a * coders + b) every cluster shares, or None."""
    if len(pairs) == 0 or (pairs < 0).any() or (pairs != pairs[0]).any():
        return None
    return int(pairs[0])


def _code_secondaries(breakdown: SegmentBreakdown, cs: np.ndarray) -> list[dict[str, Coefficient]]:
    """The secondary coefficients of every code at once (one pass over the clusters)."""
    sums = breakdown.rater[cs].sum(axis=0)  # (K, 4)
    pair = _one_pair(breakdown.pair[cs])
    first = second = None
    units = float(breakdown.units[cs].sum())
    if pair is not None:
        a, b = divmod(pair, breakdown.coder_coded.shape[1])
        first = breakdown.coder_coded[cs, a, :].sum(axis=0)
        second = breakdown.coder_coded[cs, b, :].sum(axis=0)
    out = []
    for k, (agree, paired, ones, rated) in enumerate(sums.tolist()):
        table = None
        if first is not None and second is not None:
            # with two coders, agree = units coded by neither + units coded by both
            both = (first[k] + second[k] - (units - agree)) / 2.0
            table = binary_contingency(units, both, float(first[k]), float(second[k]))
        out.append(from_sums(RaterSums(agree, paired, np.array([rated - ones, ones]), rated), table))
    return out


def _domain_secondary(part: DomainParts, pairs: np.ndarray, cs: np.ndarray) -> dict[str, Coefficient]:
    if part.level != "nominal":
        return undefined(NOMINAL_ONLY.format(level=part.level))
    agree, paired, rated = part.rater[cs, :3].sum(axis=0)
    sums = RaterSums(float(agree), float(paired), part.rater[cs, 3:].sum(axis=0), float(rated))
    table = part.contingency[cs].sum(axis=0) if _one_pair(pairs) is not None else None
    return from_sums(sums, table, TWO_CODERS_ONLY)


def span_table(breakdown: SpanBreakdown, transcripts: Sequence[int], codebook: Codebook | None) -> Table:
    ts = np.asarray(transcripts, dtype=np.int64)
    used = np.asarray(breakdown.used[ts].any(axis=0))
    observed = breakdown.observed[ts]  # (T, K)
    expected = breakdown.expected[ts]
    units = breakdown.units[ts].sum(axis=0)
    merged = breakdown.merged[ts].sum(axis=0)
    chars = breakdown.char_binary[ts].sum(axis=0)
    scale = float((breakdown.characters[ts].astype(np.float64) ** 2).sum())
    characters = int(breakdown.characters[ts].sum())
    present = breakdown.units[ts] > 0  # (T, K): the code has units there
    codes = []
    for k, code in enumerate(breakdown.codes):
        if used[k]:
            row = _unitizing_row("code", code, _name(codebook, code), observed[:, k].sum(), expected[:, k].sum(),
                                 scale, units[k], chars[k], merged=int(merged[k]), characters=characters)
            row.coded = row.passages = float(units[k])
            row.few = row.coded < MIN_PASSAGES
            row.parts = Parts("ratio", np.stack([observed[:, k], expected[:, k]], axis=1), present[:, k])
            row.detail["binary_u_alpha"] = binary_alpha(breakdown.family[ts, k].sum(axis=0))
            codes.append(row)
    overall = _unitizing_row("overall", "overall", "All codes", observed[:, used].sum(), expected[:, used].sum(),
                             scale, units[used].sum(), chars[used].sum(axis=0), merged=int(merged[used].sum()),
                             characters=characters, codes=int(used.sum()))
    overall.coded = overall.passages = float(units[used].sum())
    overall.parts = Parts("ratio", np.stack([observed[:, used].sum(axis=1), expected[:, used].sum(axis=1)], axis=1),
                          np.asarray(present[:, used].any(axis=1)))
    return Table(codes, [], overall, "transcript", ts.copy(), "span")


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
               dict(detail), None, secondary=undefined(UNITIZING) if kind != "overall" else None)

"""The JSON form of agreement results (docs/formats.md#agreement-data-and-results; every key in docs/agreement.md#output-formats).

Keys are stable: other tools (the report plots among them) read them. New keys
may be added; existing ones keep their meaning.
"""

from __future__ import annotations

import math
from typing import Any

from tcoder.agreement.compute import AgreementResult, PairTable
from tcoder.agreement.tables import Row, Table

FORMAT_ID = "tcoder-agreement/1"


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _count(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def row_dict(row: Row, intervals: bool = False) -> dict[str, Any]:
    """One row; with ``intervals`` the bootstrap keys are always there (null when there is no interval)."""
    key = {"code": "code", "domain": "domain"}.get(row.kind)
    out: dict[str, Any] = {key: row.id, "name": row.name} if key else {}
    if row.kind == "domain":
        out["level"] = row.level
    out["alpha"] = _number(row.alpha)
    out["units"] = _count(row.units)
    out["percent_agreement"] = None if row.agreement is None else 100.0 * row.agreement
    out["verdict"] = row.verdict
    out["reason"] = row.reason
    if "merged" in row.detail:
        out["merged_overlaps"] = row.detail["merged"]
    if "characters" in row.detail:
        out["characters"] = row.detail["characters"]
    if "conflicts" in row.detail:
        out["conflicts"] = _count(row.detail["conflicts"])
    if "values" in row.detail:
        out["values"] = row.detail["values"]
    if row.interval is not None:
        out.update(ci_low=row.interval.low, ci_high=row.interval.high,
                   q_667=row.interval.q_667, q_800=row.interval.q_800)
    elif intervals:
        out.update(ci_low=None, ci_high=None, q_667=None, q_800=None)
    return out


def table_dict(table: Table, intervals: bool = False) -> dict[str, Any]:
    return {"codes": [row_dict(r, intervals) for r in table.codes],
            "domains": [row_dict(r, intervals) for r in table.domains],
            "overall": row_dict(table.overall, intervals)}


def notes(result: AgreementResult) -> list[str]:
    """Plain sentences about what was left out or merged, for the output."""
    out = []
    ex = result.excluded
    if ex.orphaned:
        out.append(f"{ex.orphaned} orphaned annotation(s) left out: their passage is no longer in the transcript "
                   "(see tcoder check)")
    if ex.unknown_code:
        listed = ", ".join(f"{code} ({n})" for code, n in sorted(ex.unknown_codes.items()))
        out.append(f"{ex.unknown_code} annotation(s) with codes not in the codebook left out: {listed}")
    if ex.out_of_range:
        out.append(f"{ex.out_of_range} annotation(s) beyond the end of their transcript left out (see tcoder check)")
    if ex.moved:
        out.append(f"{ex.moved} annotation(s) re-anchored in memory on changed transcripts "
                   "(tcoder check --fix saves them)")
    data = result.data
    if data is not None:
        from tcoder.coding_status import summarise

        for line in summarise(data.left_out):
            out.append(f"left out: {line}")
        for line in summarise(data.unmarked):
            out.append(f"counted: {line}; mark it with 'tcoder status --done'")
        for line in summarise(data.done_empty):
            out.append(f"counted: {line}")
    if result.skipped:
        out.append(f"{len(result.skipped)} transcript(s) skipped: fewer than two of the chosen coders count there "
                   "(a file marked done, or unmarked with annotations)")
    merged = result.table.overall.detail.get("merged", 0)
    if merged:
        out.append(f"{merged} span(s) merged into another of the same coder and code because they overlapped "
                   "(unitizing needs disjoint units; see merged_overlaps per code)")
    conflicts = [r for r in result.table.domains if r.detail.get("conflicts")]
    for row in conflicts:
        out.append(f"domain {row.id}: {_count(row.detail['conflicts'])} unit(s) where one coder gave two values "
                   "count as missing for that coder")
    if result.unit == "span" and result.bootstrap:
        out.append("no bootstrap interval for unitizing alpha (KALPHA resamples coincidences, which alpha_u has not)")
    return out


def result_dict(result: AgreementResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "format": FORMAT_ID,
        "unit": result.unit,
        "coders": result.coders,
        "n_coders": len(result.coders),
        "transcripts": result.transcripts,
        "skipped_transcripts": result.skipped,
        "rollup": result.rollup,
    }
    intervals = result.bootstrap > 0
    out.update(table_dict(result.table, intervals))
    out["excluded"] = result.excluded.as_dict()
    out["reanchored"] = result.excluded.moved
    out["notes"] = notes(result)
    if result.left_out is not None:
        out["left_out"] = result.left_out
    if result.bootstrap:
        out["bootstrap"] = {"samples": result.bootstrap, "seed": result.seed, "level": 0.95}
    if result.by_transcript:
        out["by_transcript"] = [{"transcript": name, **table_dict(t, intervals)} for name, t in result.by_transcript]
    if result.pairs:
        out["pairs"] = [pair_dict(p, intervals) for p in result.pairs]
    return out


def pair_dict(pair: PairTable, intervals: bool = False) -> dict[str, Any]:
    return {"coders": list(pair.coders), "transcripts": pair.transcripts, **table_dict(pair.table, intervals)}

"""The JSON form of agreement results (docs/formats.md#agreement-data-and-results; every key in docs/agreement.md#output-formats).

Keys are stable: other tools (the report plots among them) read them. New keys
may be added; existing ones keep their meaning.
"""

from __future__ import annotations

import math
from typing import Any

from tcoder.agreement.compute import AgreementResult, PairTable
from tcoder.agreement.tables import Row, Table
from tcoder.numbers import plural, verb_for

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
    out["coded_units"] = _count(row.coded)
    if row.kind == "code":
        out["passages"] = _count(row.passages)
        out["few"] = row.few
    elif row.kind == "domain":
        out["few"] = row.few
    else:
        out["pooled_codes"] = row.detail.get("codes", 0)
    out["percent_agreement"] = None if row.agreement is None else 100.0 * row.agreement
    out["verdict"] = row.verdict
    out["reason"] = row.reason
    if "merged" in row.detail:
        out["merged_overlaps"] = row.detail["merged"]
    if "characters" in row.detail:
        out["characters"] = row.detail["characters"]
    if "binary_u_alpha" in row.detail:
        out["binary_u_alpha"] = row.detail["binary_u_alpha"]
    if "conflicts" in row.detail:
        out["conflicts"] = _count(row.detail["conflicts"])
    if "values" in row.detail:
        out["values"] = row.detail["values"]
    if row.secondary is not None:
        out["other_coefficients"] = {key: value.as_dict() for key, value in row.secondary.items()}
    iv = row.interval
    if iv is not None:
        out.update(ci_low=iv.low, ci_high=iv.high, q_667=iv.q_667, q_800=iv.q_800)
        out["interval"] = {"method": iv.method, "clusters": iv.clusters, "clusters_with_code": iv.clusters_used,
                           "undefined_samples": iv.undefined, "warnings": list(iv.warnings)}
    elif intervals:
        out.update(ci_low=None, ci_high=None, q_667=None, q_800=None)
        out["interval"] = None
    return out


def table_dict(table: Table, intervals: bool = False) -> dict[str, Any]:
    out = {"codes": [row_dict(r, intervals) for r in table.codes],
           "domains": [row_dict(r, intervals) for r in table.domains],
           "overall": row_dict(table.overall, intervals)}
    if table.unit == "span":
        out["unitizing_domains"] = [f.as_dict() for f in table.unitizing_domains]
    return out


def notes(result: AgreementResult) -> list[str]:
    """Plain sentences about what was left out or merged, for the output."""
    out = []
    ex = result.excluded
    if ex.orphaned:
        out.append(f"{plural(ex.orphaned, 'orphaned annotation')} left out: their passage is no longer in the transcript "
                   "(see tcoder check)")
    if ex.unknown_code:
        listed = ", ".join(f"{code} ({n})" for code, n in sorted(ex.unknown_codes.items()))
        out.append(f"{plural(ex.unknown_code, 'annotation')} with codes not in the codebook left out: {listed}")
    if ex.out_of_range:
        out.append(f"{plural(ex.out_of_range, 'annotation')} beyond the end of their transcript left out (see tcoder check)")
    if ex.moved:
        out.append(f"{plural(ex.moved, 'annotation')} re-anchored in memory on changed transcripts "
                   "(tcoder check --fix saves them)")
    if ex.autocoded:
        out.append(f"{plural(ex.autocoded, 'annotation')} made by tcoder autocode left out (--autocoded exclude)")
    data = result.data
    if data is not None and data.autocoded_counted:
        total = sum(data.autocoded_counted.values())
        who = ", ".join(f"{c} {n}" for c, n in sorted(data.autocoded_counted.items()))
        out.append(f"{plural(total, 'annotation')} made by tcoder autocode {verb_for(total, 'is')} counted as "
                   f"their coders' coding ({who}); "
                   "--autocoded exclude leaves them out")
    if ex.apprentice:
        out.append(f"{plural(ex.apprentice, 'passage')} accepted from the apprentice's proposals left out "
                   "(--apprentice exclude)")
    if data is not None and data.apprentice_counted:
        total = sum(data.apprentice_counted.values())
        who = ", ".join(f"{c} {n}" for c, n in sorted(data.apprentice_counted.items()))
        out.append(f"{plural(total, 'passage')} accepted from the apprentice's proposals {verb_for(total, 'is')} "
                   f"counted as their coders' coding ({who}); --apprentice exclude leaves them out")
    if data is not None:
        from tcoder.coding_status import summarise

        for line in summarise(data.left_out):
            out.append(f"left out: {line}")
        for line in summarise(data.unmarked):
            out.append(f"counted: {line}; mark it with 'tcoder status --done'")
        for line in summarise(data.done_empty):
            out.append(f"counted: {line}")
    if result.skipped:
        out.append(f"{plural(len(result.skipped), 'transcript')} skipped: fewer than two of the chosen coders count there "
                   "(a file marked done, or unmarked with annotations)")
    merged = result.table.overall.detail.get("merged", 0)
    if merged:
        out.append(f"{plural(merged, 'span')} merged into another of the same coder and code because they overlapped "
                   "(unitizing needs disjoint units; see merged_overlaps per code)")
    conflicts = [r for r in result.table.domains if r.detail.get("conflicts")]
    for row in conflicts:
        out.append(f"domain {row.id}: {plural(_count(row.detail['conflicts']), 'unit')} where one coder gave two values "
                   "count as missing for that coder")
    for family in result.table.unitizing_domains:
        if family.reason:
            out.append(f"domain {family.domain}: no 2016 family: "
                       f"{family.reason}")
    if result.unit == "span":
        out.append("alpha is Krippendorff's 1995/2004 unitizing alpha_u (with its interval and verdict); "
                   "|u-alpha is its 2016 revision (Krippendorff et al. 2016), shown beside it without interval "
                   "or verdict")
    out.extend(interval_notes(result))
    unused = unused_codes(result)
    if unused:
        out.append(f"{plural(len(unused), 'code')} of the codebook {verb_for(len(unused), 'was')} used by no counted coder in these transcripts, so "
                   f"they have no alpha: {', '.join(unused)}")
    if result.rollup:
        themes = [r.id for r in result.table.codes if r.detail.get("rolled_up")]
        out.append("--rollup: a span also counts for every theme above its code"
                   + (f" (theme rows: {', '.join(themes)})" if themes else "")
                   + "; the pooled row counts each span once, under its own code")
    few = [r.id for r in result.table.codes + result.table.domains if r.few and r.alpha is not None]
    if few:
        what = "passages" if result.unit in ("char", "word", "span") else f"{result.unit}s"
        out.append(f"{plural(len(few), 'code or domain')} used on fewer than 20 {what} by all coders together {verb_for(len(few), 'gets')} no "
                   f"verdict (too few): {', '.join(few)}")
    return out


def interval_notes(result: AgreementResult) -> list[str]:
    """How the intervals were made, and what makes them less than trustworthy."""
    out = list(result.interval_notes)
    if not result.bootstrap:
        return out
    table = result.table
    method = result.resample
    if method == "kalpha":
        if result.unit in ("char", "word"):
            out.append(f"the KALPHA bootstrap treats every {result.unit} as independent, but coders mark passages, "
                       f"not {result.unit}s: these intervals are far too narrow (use --resample transcript or turn)")
        else:
            out.append("the KALPHA bootstrap treats units as independent; sentences and turns cluster in "
                       "transcripts, so the intervals are too narrow (use --resample transcript or turn)")
    elif method == "turn":
        out.append(f"intervals resample speaker turns: {result.resample_reason}" if result.resample_reason != "as asked"
                   else "intervals resample speaker turns, which does not capture differences between transcripts")
    elif method == "transcript":
        n = len(result.transcripts)
        out.append(f"intervals resample whole transcripts ({n} of them)"
                   + (f": {result.resample_reason}" if result.resample_reason not in ("as asked", "") else ""))
    if method in ("turn", "transcript") and result.unit == "char":
        out.append("at --unit char the interval comes from resampling clusters, not characters (characters are not "
                   "independent units); alpha still weighs long passages more than short ones")
    shaky = [r.id for r in table.rows() if interval_doubtful(r)]
    if shaky:
        out.append(f"{plural(len(shaky), 'interval')} cannot be trusted (the code is in too few clusters, or alpha was "
                   f"undefined in many resamples; see 'interval' in JSON): {', '.join(shaky)}")
    return out


def interval_doubtful(row: Row) -> bool:
    """Whether a row's interval cannot be trusted (tables mark it '!', and the notes name it)."""
    return row.interval is not None and bool(row.interval.warnings)


def unused_codes(result: AgreementResult) -> list[str]:
    """Codes of the codebook (not domains) that no counted coder used in the compared transcripts."""
    data = result.data
    if data is None or data.codebook is None:
        return []
    seen = {r.id for r in result.table.codes}
    domains = {d.id for d in data.codebook.domains}
    return [c.id for c in data.codebook if c.id not in seen and c.id not in domains]


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
    out["unused_codes"] = unused_codes(result)
    if result.bootstrap:
        out["bootstrap"] = {"samples": result.bootstrap, "seed": result.seed, "level": 0.95}
        out["resampling"] = {"method": result.resample, "reason": result.resample_reason}
    if result.by_transcript:
        out["by_transcript"] = [{"transcript": name, **table_dict(t, intervals)} for name, t in result.by_transcript]
    if result.pairs:
        out["pairs"] = [pair_dict(p, intervals) for p in result.pairs]
    from tcoder import __version__
    from tcoder.agreement.methods import methods

    out["methods"] = methods(result, __version__)
    return out


def pair_dict(pair: PairTable, intervals: bool = False) -> dict[str, Any]:
    return {"coders": list(pair.coders), "transcripts": pair.transcripts, **table_dict(pair.table, intervals)}

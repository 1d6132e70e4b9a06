"""``tcoder agree --format md``: a Markdown report that opens with the methods sentence."""

from __future__ import annotations

from typing import Any, TextIO

from tcoder.agreement import AgreementResult, Row, Table
from tcoder.commands.agree_output import KAPPA_HEADERS, KAPPA_NOTE, VERDICT_RULE, kappa_text
from tcoder.numbers import fixed, plural
from tcoder.reports.markup import md_cell, md_escape

RESAMPLED = {"transcript": "whole transcripts", "turn": "speaker turns", "kalpha": "pairs of values (KALPHA)"}


def _number(value: float | None) -> str:
    return "–" if value is None else fixed(value)


def _label(row: Row, depth: int) -> str:
    if row.kind == "overall":
        return f"*{row.detail.get('codes', 0)} codes pooled* †"
    if row.kind == "domain":
        return f"{md_cell(row.id)} ({row.level})"
    return "&nbsp;&nbsp;" * depth + md_cell(row.id)


def _table(result: AgreementResult, table: Table, kappa: bool) -> list[str]:
    intervals = result.bootstrap > 0
    codebook = result.data.codebook if result.data is not None else None
    span = result.unit == "span"
    headers = ["Code", "alpha"] + (["\\|u-alpha 2016"] if span else []) + ["Used"] + (["95% CI", "q<.800"] if intervals else []) + ["% agree"] \
        + (["Verdict"] if intervals else []) + (list(KAPPA_HEADERS.values()) if kappa else [])
    lines = ["| " + " | ".join(headers) + " |",
             "| " + " | ".join("---" if h in ("Code", "Verdict") else "---:" for h in headers) + " |"]
    for row in table.rows():
        depth = codebook[row.id].depth if codebook is not None and row.kind == "code" and row.id in codebook else 0
        used = row.passages if result.unit in ("char", "word") and row.kind == "code" else row.coded
        cells = [_label(row, depth), _number(row.alpha)] + ([_number(row.detail.get("binary_u_alpha"))] if span else [])
        cells.append(f"{used:,.0f}" + ("\\*" if row.few else ""))
        if intervals:
            iv = row.interval
            cells += [f"{fixed(iv.low)} to {fixed(iv.high)}" + (" !" if iv.warnings else "") if iv else "–",
                      fixed(iv.q_800) if iv else "–"]
        cells.append("–" if row.agreement is None else f"{fixed(100 * row.agreement, 1)}%")
        if intervals:
            cells.append(row.verdict or "–")
        if kappa:
            cells += [kappa_text(row, key, "–") for key in KAPPA_HEADERS]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _fields(methods: dict[str, Any]) -> list[str]:
    interval = methods["interval"]
    share = methods["share_of_characters"]
    rows = [
        ("Coefficient", f"{methods['coefficient']}: {methods['coefficient_version']}"),
        ("Unit", methods["unit"] + (f" ({methods['units_per_code']:,} per code)"
                                    if methods["units_per_code"] is not None else "")),
        ("Coders", f"{methods['n_coders']}: {', '.join(methods['coders'])}"),
        ("Transcripts compared", f"{methods['transcripts_compared']} of {methods['transcripts_considered']}"),
        ("Share of the corpus double-coded",
         "unknown" if share is None else
         f"{fixed(100 * share, 1)}% of the characters ({methods['characters_compared']:,} of "
         f"{methods['characters_considered']:,})"),
        ("Turns excluded", ", ".join(methods["left_out_roles"]) or "none"),
        ("Codes and domains", f"{plural(methods['codes'], 'code')}, {plural(methods['domains'], 'domain')}"
         + (" (sub-codes rolled up into their themes)" if methods["rollup"] else "")),
        ("Interval", "none (no verdicts)" if interval is None else
         f"95% percentile interval, {interval['method']} resampling {RESAMPLED[interval['resampled']]}, "
         f"{interval['samples']:,} samples"),
        ("Seed", "–" if interval is None else str(interval["seed"])),
        ("Verdicts", methods["verdict_rule"] or "none without an interval"),
        ("Program", f"tcoder {methods['tcoder_version']}"),
    ]
    lines = ["| Item | Value |", "| --- | --- |"]
    lines += [f"| {name} | {md_cell(str(value))} |" for name, value in rows]
    if methods["unreadable_transcripts"]:
        lines.append(f"| Unreadable transcripts (not in the share) | "
                     f"{md_cell(', '.join(methods['unreadable_transcripts']))} |")
    return lines


def write_markdown(result: AgreementResult, payload: dict[str, Any], out: TextIO, kappa: bool = False) -> None:
    """The report: methods sentence, the table, notes, and the methods fields."""
    methods = payload["methods"]
    unit = "span (unitizing alpha)" if result.unit == "span" else result.unit
    lines = ["# Inter-coder agreement", "",
             "## Methods", "", md_escape(methods["sentence"]) + " " + md_escape(methods["results"]), "",
             f"## Krippendorff's alpha, unit: {unit}", ""]
    lines += _table(result, result.table, kappa)
    lines.append("")
    what = "passages" if result.unit in ("char", "word", "span") else f"{result.unit}s"
    lines.append(f"Used: the {what} on which some coder used the code; \\* fewer than 20: too few for a verdict. "
                 "† The pooled row describes the codebook as a whole and gets no verdict; report alpha per code.")
    if result.bootstrap:
        lines += ["", md_escape(VERDICT_RULE.format(what=what))]
    if kappa:
        lines += ["", md_escape(KAPPA_NOTE)]
    for row in result.table.rows():
        if row.alpha is None and row.reason:
            lines += ["", md_escape(f"{row.id}: alpha undefined ({row.reason})")]
    if result.table.unitizing_domains:
        lines += ["", "### The 2016 unitizing family per domain", "",
                  "Krippendorff, Mathet, Bouvry & Widlöcher (2016); ATLAS.ti's names in brackets; no intervals or "
                  "verdicts.", "",
                  "| Domain | u-alpha | \\|u-alpha (alpha-binary) | c\\|u-alpha (cu-alpha) | (k)u-alpha: coverage |",
                  "| --- | ---: | ---: | ---: | --- |"]
        for family in result.table.unitizing_domains:
            values = "; ".join(f"{md_cell(v['value'])} {_number(v['k_u_alpha'])}: "
                               + ("–" if v["coverage"] is None else f"{fixed(100 * v['coverage'], 0)}%")
                               for v in family.values) or md_cell(family.reason or "")
            lines.append(f"| {md_cell(family.domain)} ({family.level}) | {_number(family.u)} | "
                         f"{_number(family.binary)} | {_number(family.cu)} | {values} |")
    for name, table in result.by_transcript:
        lines += ["", f"### {md_escape(name)}", ""] + _table(result, table, kappa)
    if payload["notes"]:
        lines += ["", "## Notes", ""] + [f"- {md_escape(note)}" for note in payload["notes"]]
    if result.left_out is not None:
        lines += ["", md_escape(result.left_out["note"])]
    lines += ["", "## For the methods section", ""] + _fields(methods)
    out.write("\n".join(lines) + "\n")

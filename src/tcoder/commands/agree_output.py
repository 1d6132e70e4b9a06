"""Output of ``tcoder agree``: Rich tables and CSV (JSON comes from tcoder.agreement.serialize)."""

from __future__ import annotations

import csv
from typing import TextIO

from tcoder.agreement import AgreementResult, Row, Table
from tcoder.agreement.serialize import interval_doubtful
from tcoder.codebook import Codebook
from tcoder.numbers import fixed
from tcoder.textsafe import inert

VERDICT_STYLE = {"reliable": "green", "tentative": "yellow", "inconclusive": "yellow", "unreliable": "red",
                 "too few": "dim", "undefined": "dim"}
BAND_STYLE = {"high": "green", "middle": "yellow", "low": "red", "undefined": "dim"}
CSV_COLUMNS = ("scope", "transcript", "coders", "kind", "id", "name", "level", "alpha", "ci_low", "ci_high",
               "q_667", "q_800", "units", "percent_agreement", "verdict", "reason", "coded_units", "few",
               "interval_method", "cohen_kappa", "fleiss_kappa", "gwet_ac1")
KAPPA_HEADERS = {"cohen_kappa": "Cohen κ", "fleiss_kappa": "Fleiss κ", "gwet_ac1": "AC1"}
KAPPA_NOTE = ("Cohen's kappa (two coders), Fleiss' kappa and Gwet's AC1 are shown because readers ask for them; "
              "they are secondary to alpha: point estimates without interval or verdict, nominal data only. AC1 "
              "stays near 1 for a rarely used code whatever the coders do with it, because its chance agreement "
              "shrinks as absence dominates; report alpha (docs/agreement.md#other-coefficients-cohens-kappa-fleiss-kappa-gwets-ac1).")
UNIT_WORDS = {"char": "characters", "word": "words", "line": "lines", "sentence": "sentences", "turn": "turns",
              "span": "units"}
VERDICT_RULE = ("Verdicts (Krippendorff 2004, pp. 241-242, applied to the interval): reliable = the whole 95% "
                "interval is at or above .800; tentative = at or above .667; unreliable = alpha below .667; "
                "inconclusive = alpha at or above .667 but the interval reaches below it, or rests on fewer than "
                "5 clusters with the code; too few = used on fewer than 20 {what}.")


def _alpha(value: float | None) -> str:
    return "-" if value is None else fixed(value)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{fixed(100 * value, 1)}%"


def _units(value: float) -> str:
    return f"{value:,.0f}"


def _label(row: Row, codebook: Codebook | None) -> str:
    if row.kind == "overall":
        return f"{row.detail.get('codes', 0)} codes pooled \u2020"
    if row.kind == "domain":
        return f"{inert(row.id)} ({row.level})"
    depth = codebook[row.id].depth if codebook is not None and row.id in codebook else 0
    return "  " * depth + inert(row.id)


def _few_what(unit: str) -> str:
    return "passages" if unit in ("char", "word", "span") else UNIT_WORDS.get(unit, "units")


def print_tables(result: AgreementResult, codebook: Codebook | None, file: TextIO | None = None,
                 kappa: bool = False) -> None:
    from tcoder.console import make_console

    console = make_console(file)
    if not console.is_terminal:
        console.width = 160  # redirected output: keep rows on one line
    unit = "span (unitizing alpha)" if result.unit == "span" else result.unit
    console.print(f"Coders: {', '.join(result.coders)}. Transcripts: {len(result.transcripts)}"
                  + (f" ({len(result.skipped)} skipped)" if result.skipped else "") + "."
                  + (" Child codes also count for their themes (--rollup)." if result.rollup else ""))
    if result.left_out is not None:
        console.print(inert(result.left_out["note"]), style="dim")
    intervals = result.bootstrap > 0
    title = f"Krippendorff's alpha, unit: {unit}"
    console.print(_main_table(result.table, codebook, title, intervals, result.unit, kappa))
    _print_reasons(console, result.table)
    if result.table.unitizing_domains:
        console.print(_family_table(result.table))
    for name, table in result.by_transcript:
        console.print(_main_table(table, codebook, f"{inert(name)}, unit: {unit}", intervals, result.unit, kappa))
        _print_reasons(console, table)
    if result.pairs:
        console.print(_pairs_table(result, codebook))
    what = _few_what(result.unit)
    used = ("Used: passages (units of the code, all coders) of each code" if result.unit == "span" else
            f"Used: {UNIT_WORDS.get(result.unit, 'units')} on which some coder used the code")
    console.print(f"{used}; * fewer than 20 {what}: too few for a verdict.", style="dim")
    if intervals:
        method = {"transcript": "whole transcripts", "turn": "speaker turns",
                  "kalpha": "pairs of values (KALPHA)"}.get(result.resample, result.resample)
        console.print(VERDICT_RULE.format(what=what) + f" Intervals: 95%, {result.bootstrap:,} bootstrap samples "
                      f"resampling {method}, seed {result.seed}; q = share of samples below .800.", style="dim")
    else:
        console.print("No verdicts: a point estimate alone cannot say whether alpha is reliably above .800 or "
                      ".667 (Krippendorff 2004, p. 242); add --bootstrap 1000 for intervals and verdicts.",
                      style="dim")
    console.print("\u2020 Pooled: every code's units in one coincidence matrix. Common codes dominate it and it can "
                  "hide codes that are unreliable: it describes the codebook as a whole and gets no verdict; "
                  "report alpha per code" + (" (with --rollup it still counts each span once, under its own code)"
                                             if result.rollup else "") + ".", style="dim")
    if kappa:
        console.print(KAPPA_NOTE, style="dim")


def kappa_text(row: Row, key: str, missing: str = "-") -> str:
    """A secondary coefficient as shown in tables: ``missing`` when undefined or not computed."""
    value = row.secondary[key].value if row.secondary is not None else None
    return missing if value is None else fixed(value)


def _main_table(table: Table, codebook: Codebook | None, title: str, intervals: bool, unit: str,
                kappa: bool = False):
    from rich.table import Table as RichTable
    from rich.text import Text

    out = RichTable(title=title, title_justify="left")
    out.add_column("Code", no_wrap=True)
    out.add_column("alpha", justify="right", no_wrap=True)
    if unit == "span":
        out.add_column("|u-alpha 2016", justify="right", no_wrap=True, style="dim")
    out.add_column("Used", justify="right", no_wrap=True)
    if intervals:
        out.add_column("95% CI", justify="right", no_wrap=True)
        out.add_column("q<.800", justify="right", no_wrap=True)
    out.add_column("% agree", justify="right", no_wrap=True)
    if intervals:
        out.add_column("Verdict", no_wrap=True)
    if kappa:
        for header in KAPPA_HEADERS.values():
            out.add_column(header, justify="right", no_wrap=True, style="dim")
    sections = [table.codes, table.domains, [table.overall]]
    for s, rows in enumerate(sections):
        for i, row in enumerate(rows):
            used = row.passages if unit in ("char", "word") and row.kind == "code" else row.coded
            used_text = _units(used) + ("*" if row.few and row.kind != "overall" else " ")
            cells = [Text(_label(row, codebook), style="bold" if row.kind == "overall" else ""), Text(_alpha(row.alpha))]
            if unit == "span":
                cells.append(Text(_alpha(row.detail.get("binary_u_alpha"))))
            cells.append(Text(used_text, style="yellow" if row.few else ""))
            if intervals:
                iv = row.interval
                shaky = interval_doubtful(row)
                cells += [Text((f"{fixed(iv.low)} to {fixed(iv.high)}" if iv else "-") + ("!" if shaky else " "),
                               style="yellow" if shaky else ""),
                          Text(fixed(iv.q_800) if iv else "-")]
            cells.append(Text(_percent(row.agreement)))
            if intervals:
                word = row.verdict or "-"
                cells.append(Text(word, style=VERDICT_STYLE.get(word, "dim")))
            if kappa:
                cells += [Text(kappa_text(row, key)) for key in KAPPA_HEADERS]
            last_in_section = i == len(rows) - 1 and any(sections[s + 1:])
            out.add_row(*cells, end_section=last_in_section)
    return out


def _family_table(table: Table):
    """--unit span: the 2016 family of each domain (ATLAS.ti's names in brackets)."""
    from rich.table import Table as RichTable
    from rich.text import Text

    out = RichTable(title="2016 unitizing family per domain (Krippendorff et al. 2016); no intervals or verdicts",
                    title_justify="left")
    for header in ("Domain", "u-alpha", "|u-alpha (alpha-binary)", "c|u-alpha (cu-alpha)", "(k)u-alpha: coverage"):
        out.add_column(header, no_wrap=header != "(k)u-alpha: coverage", justify="left" if header in (
            "Domain", "(k)u-alpha: coverage") else "right")
    for family in table.unitizing_domains:
        values = "; ".join(f"{inert(v['value'])} {_alpha(v['k_u_alpha'])}: "
                           + ("-" if v["coverage"] is None else f"{fixed(100 * v['coverage'], 0)}%")
                           for v in family.values) or inert(family.reason or "")
        out.add_row(Text(f"{inert(family.domain)} ({family.level})"), Text(_alpha(family.u)),
                    Text(_alpha(family.binary)), Text(_alpha(family.cu)), Text(values))
    return out


def _print_reasons(console, table: Table) -> None:
    for row in table.rows():
        if row.alpha is None and row.reason:
            console.print(inert(f"{row.id}: alpha undefined ({row.reason})"), style="dim")


def _pairs_table(result: AgreementResult, codebook: Codebook | None):
    from rich.table import Table as RichTable
    from rich.text import Text

    out = RichTable(title="Alpha for each pair of coders", title_justify="left")
    out.add_column("Code", no_wrap=True)
    for pair in result.pairs:
        out.add_column(" & ".join(pair.coders), justify="right", no_wrap=True)
    order: list[tuple[str, str]] = []
    for row in result.table.rows():
        order.append((row.kind, row.id))
    for kind, row_id in order:
        label_row = next(r for r in result.table.rows() if r.kind == kind and r.id == row_id)
        cells = [Text(_label(label_row, codebook), style="bold" if kind == "overall" else "")]
        for pair in result.pairs:
            match = next((r for r in pair.table.rows() if r.kind == kind and r.id == row_id), None)
            value = match.alpha if match else None
            style = BAND_STYLE[match.band] if match else "dim"
            cells.append(Text(_alpha(value), style=style))
        out.add_row(*cells)
    return out


def _csv_row(scope: str, transcript: str, coders: str, row: Row) -> dict:
    iv = row.interval
    return {"scope": scope, "transcript": transcript, "coders": coders, "kind": row.kind, "id": row.id,
            "name": row.name, "level": row.level, "alpha": "" if row.alpha is None else repr(float(row.alpha)),
            "ci_low": "" if iv is None else repr(iv.low), "ci_high": "" if iv is None else repr(iv.high),
            "q_667": "" if iv is None else repr(iv.q_667), "q_800": "" if iv is None else repr(iv.q_800),
            "units": f"{row.units:g}",
            "percent_agreement": "" if row.agreement is None else repr(100.0 * row.agreement),
            "verdict": row.verdict or "", "reason": row.reason or "", "coded_units": f"{row.coded:g}",
            "few": "yes" if row.few else "", "interval_method": iv.method if iv is not None else "",
            **{key: _secondary_csv(row, key) for key in KAPPA_HEADERS}}


def _secondary_csv(row: Row, key: str) -> str:
    value = row.secondary[key].value if row.secondary is not None else None
    return "" if value is None else repr(float(value))


def write_csv(result: AgreementResult, out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    everyone = ";".join(result.coders)
    for row in result.table.rows():
        writer.writerow(_csv_row("study", "", everyone, row))
    for name, table in result.by_transcript:
        for row in table.rows():
            writer.writerow(_csv_row("transcript", name, everyone, row))
    for pair in result.pairs:
        for row in pair.table.rows():
            writer.writerow(_csv_row("pair", "", ";".join(pair.coders), row))

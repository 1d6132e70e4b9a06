"""What a methods section needs to say about an agreement result, and one sentence saying it.

Reviewers ask: which coefficient (and which version of unitizing alpha), what unit,
how many coders, transcripts and units, how much of the corpus was double-coded,
how the interval was made (and its seed), and which program computed it. Everything
here comes from the result itself, so the sentence cannot drift from the table.
"""

from __future__ import annotations

import statistics
from typing import Any

from tcoder.agreement.compute import AgreementResult
from tcoder.agreement.data import original_length
from tcoder.agreement.tables import MIN_CODED_UNITS, RELIABLE, TENTATIVE
from tcoder.numbers import fixed, word_for

UNIT_NOUNS = {"char": ("character", "characters"), "word": ("word", "words"), "line": ("line", "lines"),
              "sentence": ("sentence", "sentences"), "turn": ("speaker turn", "speaker turns"),
              "span": ("character", "characters")}
RESAMPLED = {"transcript": "whole transcripts", "turn": "speaker turns",
             "kalpha": "pairs of values (the KALPHA bootstrap of Hayes & Krippendorff 2007)"}
NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def _count(n: int) -> str:
    return NUMBER_WORDS.get(n, f"{n:,}")


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def _percent(share: float | None) -> str:
    if share is None:
        return "an unknown share"
    value = 100 * share
    return f"{fixed(value, 0)}%" if value >= 10 or value == 0 else f"{fixed(value, 1)}%"


def _alpha(value: float) -> str:
    text = fixed(value)
    return text.replace("0.", ".", 1) if abs(value) < 1 else text


def _names(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def corpus(result: AgreementResult) -> dict[str, Any]:
    """Transcripts and characters compared against those considered (the share double-coded)."""
    data = result.data
    compared_chars = 0
    if data is not None:
        if data.selections:
            compared_chars = sum(original_length(s.transcript) for s in data.selections)
        else:
            compared_chars = sum(len(tc.transcript) for tc in data.transcripts)
    considered = len(result.transcripts) + len(result.skipped)
    total_chars = data.corpus_characters if data is not None else 0
    return {"transcripts_compared": len(result.transcripts), "transcripts_considered": considered,
            "share_of_transcripts": _share(len(result.transcripts), considered),
            "characters_compared": compared_chars, "characters_considered": total_chars,
            "share_of_characters": _share(compared_chars, total_chars),
            "unreadable_transcripts": list(data.corpus_unknown) if data is not None else []}


def verdict_counts(result: AgreementResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in result.table.codes:
        word = row.verdict
        if word is not None:
            counts[word] = counts.get(word, 0) + 1
    return counts


def methods(result: AgreementResult, version: str) -> dict[str, Any]:
    """The fields of a methods section, and the ``sentence`` and ``results`` to paste."""
    unit = result.unit
    singular, plural = UNIT_NOUNS.get(unit, (unit, unit + "s"))
    span = unit == "span"
    codes = result.table.codes
    units_per_code = int(codes[0].units) if codes and not span else None
    if span:
        coefficient = "Krippendorff's unitizing alpha (alpha_u)"
        version_note = ("alpha_u of Krippendorff (1995, 2004); the 2016 family (Krippendorff, Mathet, Bouvry & "
                        "Widlöcher 2016: |u-alpha per code; u-, |u-, c|u- and (k)u-alpha per domain) is shown "
                        "beside it without intervals or verdicts")
    else:
        coefficient = "Krippendorff's alpha"
        version_note = ("alpha (Krippendorff 2011): each code nominal (present or absent on a unit); domains at "
                        "their level of measurement")
    interval = None
    if result.bootstrap:
        interval = {"method": "kalpha bootstrap" if result.resample == "kalpha" else "cluster bootstrap",
                    "resampled": result.resample, "samples": result.bootstrap, "seed": result.seed,
                    "level": 0.95, "percentile": True}
    where = corpus(result)
    roles = sorted(set(result.left_out["speakers"].values())) if result.left_out and result.left_out.get("turns") \
        else []
    alphas = [r.alpha for r in codes if r.alpha is not None]
    fields: dict[str, Any] = {
        "coefficient": coefficient,
        "coefficient_version": version_note,
        "unit": unit,
        "units_per_code": units_per_code,
        "coders": list(result.coders),
        "n_coders": len(result.coders),
        **where,
        "left_out_roles": roles,
        "codes": len(codes),
        "domains": len(result.table.domains),
        "rollup": result.rollup,
        "interval": interval,
        "verdict_rule": (f"Krippendorff (2004): reliable when the whole 95% interval is at or above "
                         f"{_alpha(RELIABLE)}, tentative at or above {_alpha(TENTATIVE)}; no verdict for codes used on fewer than "
                         f"{MIN_CODED_UNITS} {'passages' if unit in ('char', 'word', 'span') else plural}")
        if interval else None,
        "verdicts": verdict_counts(result) if interval else None,
        "alpha_range": [min(alphas), max(alphas)] if alphas else None,
        "alpha_median": statistics.median(alphas) if alphas else None,
        "tcoder_version": version,
    }
    fields["sentence"] = _sentence(result, fields, singular, plural)
    fields["results"] = _results(result, fields, plural)
    return fields


def _sentence(result: AgreementResult, f: dict[str, Any], singular: str, plural: str) -> str:
    n = f["n_coders"]
    who = f"{_count(n)} coders ({_names(f['coders'])})"
    compared, considered = f["transcripts_compared"], f["transcripts_considered"]
    share = f["share_of_characters"]
    if compared == considered:  # "all six transcripts", not "six of six"
        corpus_part = ("the one transcript" if compared == 1 else "both transcripts" if compared == 2
                       else f"all {_count(compared)} transcripts")
    else:
        corpus_part = f"{_count(compared)} of {_count(considered)} {word_for(considered, 'transcript')}"
    if result.unit == "span":
        what = ("Krippendorff's unitizing alpha (alpha_u; Krippendorff 1995, 2004) on the character continuum of "
                "each code")
        units = ""
    else:
        what = ("Krippendorff's alpha for the presence of each code (nominal)"
                + (" and for each set of mutually exclusive codes at its level of measurement"
                   if f["domains"] else "")
                + f", with the {singular} as the unit")
        units = f"{f['units_per_code']:,} {plural} per code" if f["units_per_code"] is not None else ""
    excluded = ""
    if f["left_out_roles"]:
        excluded = f"{_names([r for r in f['left_out_roles']])} turns excluded"
    detail = "; ".join(p for p in (f"{_percent(share)} of the corpus by length", units, excluded) if p)
    sentence = (f"Inter-coder reliability was assessed with {what}, for {who} who independently coded "
                f"{corpus_part}" + (f" ({detail})" if detail else ""))
    interval = f["interval"]
    if interval:
        if interval["resampled"] == "kalpha":
            how = f"the KALPHA bootstrap (Hayes & Krippendorff 2007; {interval['samples']:,} samples, seed {interval['seed']})"
        else:
            how = (f"a cluster bootstrap resampling {RESAMPLED[interval['resampled']]} "
                   f"({interval['samples']:,} samples, seed {interval['seed']})")
        sentence += f"; 95% confidence intervals came from {how}"
    if result.rollup:
        sentence += "; a code's row also counts the passages coded with its sub-codes"
    return sentence + f"; computed with tcoder {f['tcoder_version']}."


def _results(result: AgreementResult, f: dict[str, Any], plural: str) -> str:
    if f["alpha_range"] is None:
        return "Alpha was undefined for every code."
    low, high = f["alpha_range"]
    text = (f"Across {f['codes']} codes, alpha ranged from {_alpha(low)} to {_alpha(high)} "
            f"(median {_alpha(f['alpha_median'])})")
    verdicts = f["verdicts"]
    if not verdicts:
        return text + "; without confidence intervals, no code can be called reliable."
    parts = []
    what = "passages" if result.unit in ("char", "word", "span") else plural
    for word, label in (("reliable", "reliable (the whole 95% interval at or above .800)"),
                        ("tentative", "tentatively reliable (the whole interval at or above .667)"),
                        ("inconclusive", "inconclusive (alpha at or above .667, the interval reaching below it)"),
                        ("unreliable", "unreliable (alpha below .667)"),
                        ("too few", f"used on too few {what} (fewer than {MIN_CODED_UNITS}) for a verdict"),
                        ("undefined", "undefined")):
        n = verdicts.get(word, 0)
        if n:
            parts.append(f"{n} {'was' if n == 1 else 'were'} {label}")
    return text + f"; judged by their intervals against Krippendorff's (2004) minimums, {_names(parts)}."

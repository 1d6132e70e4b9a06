"""Agreement of a whole study, per transcript, per pair of coders, and for one transcript fast."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Iterable, Literal, Mapping

import numpy as np

from tcoder.agreement.arrays import span_arrays
from tcoder.agreement.breakdown import segment_breakdown, span_breakdown
from tcoder.agreement.data import (
    CodedSpan,
    CodingData,
    Exclusions,
    TranscriptCoding,
    TranscriptOutline,
    clean_spans,
)
from tcoder.agreement.tables import Table, segment_table, span_table
from tcoder.codebook import Codebook
from tcoder.numbers import plural
from tcoder.segments import SEGMENT_UNITS
from tcoder.transcript import Transcript

AgreementUnit = Literal["char", "word", "line", "sentence", "turn", "span"]
UNITS: tuple[str, ...] = (*SEGMENT_UNITS, "span")

NO_UNITIZING_INTERVAL = ("no interval: the KALPHA bootstrap resamples a coincidence matrix, "
                         "which unitizing alpha does not have (resample transcripts instead)")
#: What the bootstrap can resample: whole transcripts, speaker turns, or (KALPHA) pairs of values.
RESAMPLE_METHODS = ("auto", "transcript", "turn", "kalpha")
#: ``auto`` resamples transcripts when at least this many are compared, otherwise turns.
AUTO_MIN_TRANSCRIPTS = 20


@dataclass
class PairTable:
    coders: tuple[str, str]
    transcripts: int
    table: Table


@dataclass
class AgreementResult:
    unit: str
    coders: list[str]
    transcripts: list[str]
    table: Table
    by_transcript: list[tuple[str, Table]] = field(default_factory=list)
    pairs: list[PairTable] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    excluded: Exclusions = field(default_factory=Exclusions)
    rollup: bool = False
    bootstrap: int = 0
    seed: int | None = None
    left_out: dict | None = None  # turns left out by the turn rule, and the units they held
    data: CodingData | None = None  # what the result was computed from (coders left out and why)
    resample: str = ""  # what the bootstrap resampled: transcript, turn or kalpha
    resample_reason: str = ""  # why (for auto)
    interval_notes: list[str] = field(default_factory=list)  # tables without intervals, and why


def resample_method(method: str, unit: str, transcripts: int) -> tuple[str, str]:
    """The bootstrap's method for ``auto`` (and checks of the others): (method, reason)."""
    if method not in RESAMPLE_METHODS:
        raise ValueError(f"unknown resampling {method!r}; expected one of {', '.join(RESAMPLE_METHODS)}")
    if unit == "span" and method in ("turn", "kalpha"):
        raise ValueError(f"--unit span cannot resample {'turns' if method == 'turn' else 'pairs of values (KALPHA)'}: "
                         "unitizing alpha compares whole transcripts' continua; resample transcripts")
    if method != "auto":
        return method, "as asked"
    if unit == "span" or transcripts >= AUTO_MIN_TRANSCRIPTS:
        why = ("unitizing alpha is computed per transcript" if unit == "span" and transcripts < AUTO_MIN_TRANSCRIPTS
               else f"{transcripts} transcripts compared (at least {AUTO_MIN_TRANSCRIPTS})")
        return "transcript", why
    return "turn", (f"only {plural(transcripts, 'transcript')} compared (fewer than {AUTO_MIN_TRANSCRIPTS}): speaker turns "
                    "are resampled instead, which does not capture differences between transcripts")


def compute_table(data: CodingData, unit: str, rollup: bool = False,
                  by_transcript: bool = False, level: str = "transcript") -> tuple[Table, list[tuple[str, Table]]]:
    """The pooled table of ``data`` and, if asked, one table per transcript. ``level`` is what a
    cluster of the bootstrap is (transcript, turn or unit)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")
    arrays = span_arrays(data, rollup)
    everything = range(len(data.transcripts))
    if unit == "span":
        span = span_breakdown(data, arrays)
        table = span_table(span, everything, data.codebook)
        table.unitizing_domains = domain_families(data, arrays)
        per_transcript = [(tc.name, span_table(span, [t], data.codebook))
                          for t, tc in enumerate(data.transcripts)] if by_transcript else []
        if rollup:
            _mark_rolled_up([table, *(t for _, t in per_transcript)], data.codebook)
            table.overall = span_table(span_breakdown(data, span_arrays(data)), everything, data.codebook).overall
        return table, per_transcript
    segments = segment_breakdown(data, arrays, unit, level)
    table = segment_table(segments, everything, data.codebook, unit)
    per_transcript = [(tc.name, segment_table(segments, [t], data.codebook, unit))
                      for t, tc in enumerate(data.transcripts)] if by_transcript else []
    if rollup:
        _mark_rolled_up([table, *(t for _, t in per_transcript)], data.codebook)
        # The pooled row counts each span once, under its own code, with or without --rollup.
        plain = segment_breakdown(data, span_arrays(data), unit, level)
        table.overall = segment_table(plain, everything, data.codebook, unit).overall
        for t_index, (_, t) in enumerate(per_transcript):  # empty unless by transcript
            t.overall = segment_table(plain, [t_index], data.codebook, unit).overall
    return table, per_transcript


def domain_families(data: CodingData, arrays) -> list:
    """The 2016 family of every domain used (--unit span), pooled over the compared transcripts."""
    from tcoder.agreement.breakdown import domain_values
    from tcoder.agreement.family_rows import domain_family

    if data.codebook is None:
        return []
    out = []
    for domain in data.codebook.domains:
        value_of, labels, values = domain_values(data.codebook, domain)
        code_value = np.array([value_of.get(code, -1) for code in arrays.codes], dtype=np.int64)
        value = code_value[arrays.code] if len(arrays.code) else np.zeros(0, dtype=np.int64)
        mine = value >= 0
        if not mine.any():
            continue
        out.append(domain_family(domain.id, domain.level, labels, values, arrays.lengths, arrays.observers,
                                 arrays.transcript[mine], arrays.coder[mine], value[mine], arrays.start[mine],
                                 arrays.end[mine]))
    return out


def _mark_rolled_up(tables: list[Table], codebook: Codebook | None) -> None:
    """With --rollup, the rows of codes with sub-codes count the sub-codes' spans too: say so on them."""
    if codebook is None:
        return
    for table in tables:
        for row in table.codes:
            if row.id in codebook and codebook[row.id].children:
                row.detail["rolled_up"] = True


def agreement(data: CodingData, unit: AgreementUnit = "char", *, rollup: bool = False, by_transcript: bool = False,
              pairs: bool = False, bootstrap: int = 0, seed: int | None = 1, resample: str = "auto") -> AgreementResult:
    """Alpha per code, per domain and pooled, with optional breakdowns and bootstrap intervals.

    ``resample`` is what the bootstrap draws: ``transcript`` (whole transcripts), ``turn``
    (speaker turns), ``kalpha`` (pairs of values, as Hayes & Krippendorff's KALPHA), or
    ``auto`` (transcripts when at least :data:`AUTO_MIN_TRANSCRIPTS` are compared, otherwise
    turns; tables of one transcript resample its turns).
    """
    method, why = resample_method(resample, unit, len(data.transcripts)) if bootstrap > 0 else ("", "")
    per_transcript_method = "turn" if method == "transcript" and resample == "auto" and unit != "span" else method
    needs_turns = method == "turn" or (by_transcript and per_transcript_method == "turn")
    level = "turn" if needs_turns else "transcript"
    table, per_transcript = compute_table(data, unit, rollup, by_transcript, level)
    result = AgreementResult(unit, data.counted_coders, [tc.name for tc in data.transcripts], table,
                             per_transcript, skipped=list(data.skipped), excluded=data.excluded, rollup=rollup,
                             bootstrap=bootstrap, seed=seed, left_out=left_out_summary(data, unit), data=data,
                             resample=method, resample_reason=why)
    if pairs:
        for a, b in combinations(data.counted_coders, 2):
            sub = data.restricted([a, b])
            pair_table, _ = compute_table(sub, unit, rollup, level=level)
            result.pairs.append(PairTable((a, b), len(sub.transcripts), pair_table))
    if bootstrap > 0:
        why_not = NO_UNITIZING_INTERVAL if unit == "span" else None
        note = table.add_intervals(bootstrap, seed, "study", why_not, method)
        if note:
            result.interval_notes.append(f"no intervals for the study: {note}")
        for name, t in per_transcript:
            note = t.add_intervals(bootstrap, seed, f"transcript:{name}", why_not, per_transcript_method)
            if note:
                result.interval_notes.append(f"no intervals for {name}: {note}")
        for pair in result.pairs:
            note = pair.table.add_intervals(bootstrap, seed, "pair:" + ",".join(pair.coders), why_not, method)
            if note:
                result.interval_notes.append(f"no intervals for {' & '.join(pair.coders)}: {note}")
    return result


def transcript_agreement(transcript: Transcript | str, spans: Mapping[str, Iterable[CodedSpan]],
                         unit: AgreementUnit = "char", codebook: Codebook | None = None,
                         rollup: bool = False) -> Table:
    """Per-code alpha for one transcript, for the compare view.

    ``spans`` maps each coder (with a file) to their (code, start, end) spans. With
    a codebook, codes not in it are left out and domains get their own rows.
    Undefined alphas are ``None`` with a reason. Fast: a 50,000-character
    transcript takes a few milliseconds.
    """
    if isinstance(transcript, str):
        transcript = Transcript(transcript)
    excluded = Exclusions()
    clean = {coder: clean_spans(list(s), len(transcript.text), codebook, excluded) for coder, s in spans.items()}
    data = CodingData(list(clean), [TranscriptCoding(transcript, clean)] if len(clean) >= 2 else [], codebook,
                      excluded=excluded)
    table, _ = compute_table(data, unit, rollup)
    return table


def code_alphas(transcript: Transcript | str, spans: Mapping[str, Iterable[CodedSpan]],
                unit: AgreementUnit = "char", codebook: Codebook | None = None) -> dict[str, float | None]:
    """Just the alpha of each code used in one transcript (``None`` when undefined)."""
    table = transcript_agreement(transcript, spans, unit, codebook)
    return {row.id: row.alpha for row in table.codes}


def left_out_summary(data: CodingData, unit: str) -> dict | None:
    """What the turn rule took out of the transcripts that count: turns, their speakers and
    reasons, the units (or characters, for span) they held, and annotations wholly inside them."""
    if data.rule is None:
        return None
    from tcoder.agreement.units import unit_index
    from tcoder.turnrule import describe

    units_removed = 0
    for selection, tc in zip(data.selections, data.transcripts, strict=False):
        if selection.everything_counts:
            continue
        outline = tc.transcript
        if isinstance(outline, TranscriptOutline):
            if outline.unit != unit:
                raise ValueError(f"the data was gathered for {outline.unit} units, not {unit}")
            units_removed += outline.removed_units
        elif unit in ("span", "char"):
            units_removed += len(selection.transcript) - len(outline)
        else:
            units_removed += unit_index(selection.transcript, unit).count - unit_index(outline, unit).count  # type: ignore[arg-type]
    what = "characters" if unit in ("span", "char") else f"{unit} units"
    turns = sum(len(s.left_out) for s in data.selections)
    annotations = data.excluded.in_left_out_turns
    extra = (f", holding {units_removed:,} {what}" if turns else "") + (
        f" and {plural(annotations, 'annotation')} entirely inside them" if annotations else "")
    speakers: dict[str, str] = {}
    for selection in data.selections:
        speakers.update(selection.reasons)
    return {"roles": sorted(data.rule.left_out_roles), "skip_speakers": sorted(data.rule.skip_speakers),
            "turns": turns, "units": units_removed, "unit": unit, "annotations": annotations,
            "speakers": dict(sorted(speakers.items())),
            "note": describe(data.selections, data.rule, "agreement", extra)}

"""``report frequencies``: how often each code occurs, per coder side by side or by group.

For each code (with its sub-codes unless ``--exact``) and each group: the number of
annotations, of cases with at least one, that number as a share of the group's
cases, and the share of the group's characters and speaker turns that the code
covers. Only counted turns enter (tcoder.turnrule: by default not the turns of
interviewers, moderators and observers), in numerators and denominators alike.

Without ``--by`` each chosen coder is a group whose cases are the transcripts that
coder has a file for. With ``--by ATTRIBUTE`` the groups are the attribute's values
and the chosen coders are pooled (a passage counts once if any of them coded it);
cases are transcripts for a transcript attribute and participants for a
participant attribute, whose turns are then the group's text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import compress
from operator import add

from tcoder.numbers import plural, verb_for
from tcoder.participants import Grouping
from tcoder.reports.columns import Columns
from tcoder.reports.data import ReportData

MEASURES = ("annotations", "transcripts", "% cases", "% chars", "% turns")


@dataclass
class Group:
    label: str
    coders: list[str]
    rows: list[bool]  # over data.turn_columns: the group's counted turns
    cases: list[str]  # the group's cases (transcripts or participant ids)


def case_measure(grouping: Grouping | None) -> str:
    return "participants" if grouping is not None and grouping.level == "participant" else "transcripts"


def groups(data: ReportData, grouping: Grouping | None) -> list[Group]:
    turns = data.turn_columns
    counted = turns["counted"]

    def among(column: str, members: list[str]) -> list[bool]:
        chosen = set(members)
        return [bool(c) and value in chosen for c, value in zip(counted, turns[column], strict=True)]

    if grouping is None:
        out = []
        for coder in data.coders:
            mine = [t for t in data.transcripts if t in data.files[coder]]
            out.append(Group(coder, [coder], among("transcript", mine), mine))
        return out
    if grouping.level == "transcript":
        values = data.attribute(grouping.attribute)
        out = []
        for value in sorted(set(values.values()), key=lambda v: (v == "", v)):
            members = [t for t in data.transcripts if values[t] == value]
            out.append(Group(value or "(no value)", data.coders, among("transcript", members), members))
        return out
    people = data.study.participants
    order = {p: i for i, p in enumerate(people.people)}
    present = sorted({p for p, c in zip(turns["participant"], counted, strict=True) if c and p},
                     key=lambda p: (order.get(p, len(order)), p))
    value_of = {p: people.attributes_of(p).get(grouping.attribute, "") for p in present}
    out = []
    for value in sorted(set(value_of.values()), key=lambda v: (v == "", v)):
        members = [p for p in present if value_of[p] == value]
        out.append(Group(value or "(no value)", data.coders, among("participant", members), members))
    return out


def frequency_table(data: ReportData, grouping: Grouping | None = None) -> Columns:
    """One row per code of the report: code, code_name, then each group's measures (columns
    "GROUP annotations", "GROUP transcripts" or "GROUP participants", "GROUP % cases", ...).

    Counted with sets and sorted spans over the pieces (tcoder.reports.casedata), each code's
    from those of the codes it stands for: a passage counts once however many of them it has."""
    turns = data.turn_columns
    pieces = data.piece_columns
    case_of_row = turns["participant"] if grouping is not None and grouping.level == "participant" \
        else turns["transcript"]
    p_row, touches = pieces["row"], pieces["touches"]
    row_of, touches_of, annotation_of = p_row.__getitem__, touches.__getitem__, pieces["annotation"].__getitem__
    # spans placed one transcript after another, so spans of different transcripts never meet
    base = list(map(_row_base(turns).__getitem__, p_row))
    span_of = list(zip(map(add, pieces["start"], base), map(add, pieces["end"], base), strict=True)).__getitem__
    by_coder: dict[str, dict[str, list[int]]] = {}  # coder -> code as coded -> its pieces
    for i, (coder, code) in enumerate(zip(pieces["coder"], pieces["code"], strict=True)):
        codes = by_coder.get(coder)
        if codes is None:
            codes = by_coder[coder] = {}
        mine = codes.get(code)
        if mine is None:
            codes[code] = [i]
        else:
            mine.append(i)
    measure = case_measure(grouping)
    result: dict[str, list] = {"code": list(data.codes), "code_name": [data.name(c) for c in data.codes]}
    members = {code: list(dict.fromkeys(data.members(code))) for code in data.codes}
    for group in groups(data, grouping):
        in_group = group.rows.__getitem__
        chosen: dict[str, list[int]] = {}  # code as coded -> the group's pieces of it
        for coder in dict.fromkeys(group.coders):
            for code, mine in by_coder.get(coder, {}).items():
                kept = list(compress(mine, map(in_group, map(row_of, mine))))
                if kept:
                    chosen.setdefault(code, []).extend(kept)
        # an annotation has one code: a code's annotations add up those of the codes it stands for
        annotations = {code: len(set(map(annotation_of, kept))) for code, kept in chosen.items()}
        hit_rows = {code: set(map(row_of, compress(kept, map(touches_of, kept)))) for code, kept in chosen.items()}
        total_chars = sum(e - s for s, e, r in zip(turns["start"], turns["end"], group.rows, strict=True) if r)
        total_turns = sum(1 for lo, hi, r in zip(turns["body_start"], turns["body_end"], group.rows, strict=True)
                          if r and hi > lo)
        n_cases = len(group.cases)
        columns: dict[str, list] = {m: [] for m in MEASURES}
        for code in data.codes:
            present = [m for m in members[code] if m in chosen]
            rows = _union(hit_rows, present)
            cases = len(set(map(case_of_row.__getitem__, rows)) - {""})
            columns["annotations"].append(sum(annotations[m] for m in present))
            columns["transcripts"].append(cases)
            columns["% cases"].append(_pct(cases, n_cases))
            spans = list(map(span_of, chosen[present[0]])) if present else []
            for m in present[1:]:
                spans.extend(map(span_of, chosen[m]))
            columns["% chars"].append(_pct(covered_length(spans), total_chars))
            columns["% turns"].append(_pct(len(rows), total_turns))
        for m in MEASURES:
            result[f"{group.label} {measure if m == 'transcripts' else m}"] = columns[m]
    return Columns.of(result)


def _union(sets: dict[str, set], codes: list[str]) -> set:
    if len(codes) == 1:
        return sets[codes[0]]
    return set().union(*(sets[c] for c in codes))


def covered_length(spans: list[tuple[int, int]]) -> int:
    """Characters covered by the union of spans (start, end)."""
    total = 0
    run_start = run_end = -1
    for start, end in sorted(spans):
        if start >= run_end:  # a new run: the span begins past everything before it
            total += run_end - run_start
            run_start, run_end = start, end
        elif end > run_end:
            run_end = end
    return total + run_end - run_start


def _row_base(turns: dict[str, list]) -> list[int]:
    """An offset per turn row that makes positions unique across transcripts (for unions of spans):
    the lengths of the transcripts before its own (each as far as its last turn reaches)."""
    reach: dict[str, int] = {}
    for name, end in zip(turns["transcript"], turns["end"], strict=True):
        reach[name] = max(reach.get(name, end), end)
    offset: dict[str, int] = {}
    total = 0
    for name, length in reach.items():
        offset[name] = total
        total += length
    return [offset[name] for name in turns["transcript"]]


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else math.nan


def describe(data: ReportData, grouping: Grouping | None) -> list[str]:
    measure = case_measure(grouping)
    lines = [f"{g.label}: {len(g.cases)} {measure}" for g in groups(data, grouping)]
    rule = "each code counts its sub-codes" if not data.exact else "each code counts only itself (--exact)"
    listed = "; ".join(lines) or ("none (no transcript has an annotation file of the chosen coders)"
                                  if grouping else "none (no coder has an annotation file)")
    what = (f"Cases are {measure}" + (f" ({grouping.attribute} is a {grouping.level} attribute)" if grouping else
                                      " each coder has a file for") + ".")
    notes = [f"Groups: {listed}. {what} {rule.capitalize()}."]
    if grouping is not None and grouping.level == "participant":
        turns = data.turn_columns
        unidentified = sum(1 for counted, participant, lo, hi in zip(
            turns["counted"], turns["participant"], turns["body_start"], turns["body_end"], strict=True)
            if counted and participant == "" and hi > lo)
        if unidentified:
            notes.append(f"{plural(unidentified, 'counted turn')} of speakers without a participant id {verb_for(unidentified, 'is')} in no group "
                         "(tcoder participants fill).")
    return notes + data.coverage_notes()


SHORT = dict(zip(MEASURES, ("n", "cases", "% cases", "% chars", "% turns"), strict=False))


def table_text(data: ReportData, table: Columns, grouping: Grouping | None, notes: list[str]) -> str:
    """The terminal table: each group's measures side by side under its name when that fits the
    terminal, else one row per code and group, so any number of coders stays readable at 120 columns."""
    from tcoder.reports.output import _width, rich_table_text, table_notes

    width = _width()
    measure = case_measure(grouping)
    labels = [g.label for g in groups(data, grouping)]
    names = [data.label(c) for c in table.column("code")]

    def column(label: str, m: str) -> str:
        return f"{label} {measure if m == 'transcripts' else m}"

    def head(m: str) -> str:
        return measure if m == "transcripts" else SHORT[m]

    # each numeric column needs its widest head line or value, plus 3 for borders and padding
    needed = max((len(n) for n in names), default=4) + 4 + sum(
        max(len(label), len(head(m)), 6) + 3 for label in labels for m in MEASURES)
    if needed <= width:
        wide: dict[str, list] = {"code": names}
        for label in labels:
            for m in MEASURES:
                wide[f"{label}\n{head(m)}"] = table.column(column(label, m))
        return rich_table_text(Columns.of(wide), "Code frequencies", width) + table_notes(notes)
    who = "coder" if grouping is None else grouping.attribute
    rows = []
    for i, name in enumerate(names):
        for k, label in enumerate(labels):
            row: dict[str, object] = {"code": name if k == 0 else "", who: label}
            for m in MEASURES:
                row[head(m)] = table.column(column(label, m))[i]
            rows.append(row)
    long = Columns.of_records(["code", who, *(head(m) for m in MEASURES)], rows)
    return rich_table_text(long, "Code frequencies", width) + table_notes(notes)

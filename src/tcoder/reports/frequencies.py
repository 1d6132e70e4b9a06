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
from dataclasses import dataclass, field
from itertools import compress
from typing import Iterable

from tcoder.attributes import value_name
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
    key: str = ""  # what the group is: its coder, or its attribute value ("": none); labels are for reading


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
            out.append(Group(coder, [coder], among("transcript", mine), mine, coder))
        return out
    if grouping.level == "transcript":
        values = data.attribute(grouping.attribute)
        out = []
        for value in sorted(set(values.values()), key=lambda v: (v == "", v)):
            members = [t for t in data.transcripts if values[t] == value]
            out.append(Group(value_name(value), data.coders, among("transcript", members), members, value))
        return out
    people = data.study.participants
    order = {p: i for i, p in enumerate(people.people)}
    present = sorted({p for p, c in zip(turns["participant"], counted, strict=True) if c and p},
                     key=lambda p: (order.get(p, len(order)), p))
    value_of = {p: people.attributes_of(p).get(grouping.attribute, "") for p in present}
    out = []
    for value in sorted(set(value_of.values()), key=lambda v: (v == "", v)):
        members = [p for p in present if value_of[p] == value]
        out.append(Group(value_name(value), data.coders, among("participant", members), members, value))
    return out


@dataclass
class Tally:
    """The measures of some transcripts, by group (its key) and code: they add up over transcripts."""

    #: (group, code) -> [annotations, characters covered, turns touched, the cases touched]
    counts: dict[tuple[str, str], list] = field(default_factory=dict)
    chars: dict[str, int] = field(default_factory=dict)  # group -> characters of its counted turns
    turns: dict[str, int] = field(default_factory=dict)  # group -> its counted non-blank turns

    def add(self, other: Tally) -> None:
        for key, (n, chars, turns, cases) in other.counts.items():
            mine = self.counts.get(key)
            if mine is None:
                self.counts[key] = [n, chars, turns, set(cases)]
            else:
                mine[0] += n
                mine[1] += chars
                mine[2] += turns
                mine[3] |= cases
        for totals, more in ((self.chars, other.chars), (self.turns, other.turns)):
            for label, n in more.items():
                totals[label] = totals.get(label, 0) + n


def tally(turns: dict[str, list], pieces: dict[str, list], row_groups: list[list[str]], pooled: bool,
          members: dict[str, list[str]], case_of_row: list[str]) -> Tally:
    """The measures of one transcript's turns and pieces (tcoder.reports.casedata). ``row_groups``:
    the groups each turn belongs to; a piece counts in its coder's group (``pooled``: in the groups
    of its turn) when its turn belongs to it. ``members``: the codes each code of the report stands for."""
    out = Tally()
    _add_turns(out, turns, row_groups)
    _add_pieces(out, pieces, row_groups, pooled, members, case_of_row)
    return out


def _add_turns(out: Tally, turns: dict[str, list], row_groups: list[list[str]]) -> None:
    for lo, hi, start, end, keys in zip(turns["body_start"], turns["body_end"], turns["start"], turns["end"],
                                        row_groups, strict=True):
        for key in keys:
            out.chars[key] = out.chars.get(key, 0) + end - start
            out.turns[key] = out.turns.get(key, 0) + (hi > lo)


def _add_pieces(out: Tally, pieces: dict[str, list], row_groups: list[list[str]], pooled: bool,
                members: dict[str, list[str]], case_of_row: list[str]) -> None:
    """Count one transcript's pieces (``row`` indexes ``row_groups`` and ``case_of_row``) with sets
    and unions of sorted spans: a passage counts once however many of a code's members it has (or,
    pooled, however many coders coded it)."""
    p_row = pieces["row"]
    row_of, start_of, end_of, annotation_of = (pieces[c].__getitem__ for c in ("row", "start", "end", "annotation"))
    touches_of, case_of = pieces["touches"].__getitem__, case_of_row.__getitem__
    by_group: dict[str, dict[str, list[int]]] = {}  # group -> code as coded -> its pieces, by start
    coder_of, code_of = pieces["coder"].__getitem__, pieces["code"].__getitem__
    for i in sorted(range(len(p_row)), key=start_of):
        coder, code, row = coder_of(i), code_of(i), row_of(i)
        keys = row_groups[row]
        for key in (keys if pooled else (coder,) if coder in keys else ()):
            codes = by_group.get(key)
            if codes is None:
                codes = by_group[key] = {}
            mine = codes.get(code)
            if mine is None:
                codes[code] = [i]
            else:
                mine.append(i)
    counts = out.counts
    for key, codes in by_group.items():
        for code, stands_for in members.items():
            if len(stands_for) == 1:
                chosen = codes.get(stands_for[0])
                if chosen is None:
                    continue
            else:
                present = [m for m in stands_for if m in codes]
                if not present:
                    continue
                chosen = codes[present[0]] if len(present) == 1 else sorted((i for m in present for i in codes[m]),
                                                                             key=start_of)
            rows = set(map(row_of, compress(chosen, map(touches_of, chosen))))
            cases = set(map(case_of, rows))
            cases.discard("")
            counts[(key, code)] = [len(set(map(annotation_of, chosen))),
                                   covered_length(map(start_of, chosen), map(end_of, chosen)),
                                   len(rows), cases]


def transcripts_tally(study, transcripts: list[tuple[str, dict[str, list], dict[str, list], list[str]]],
                      grouping: Grouping | None, members: dict[str, list[str]]) -> Tally:
    """The tally of some transcripts as they are read (tcoder.reports.data.load), counted at once:
    for each its name, its turns and pieces as tcoder.reports.casedata makes them, and the coders
    whose file of it counts. ``members``: the codes each code of the codebook stands for (a code
    not in it stands for itself). Turns belong to the groups :func:`groups` puts them in."""
    participant = grouping is not None and grouping.level == "participant"
    turns: dict[str, list] = {c: [] for c in ("start", "end", "body_start", "body_end")}
    pieces: dict[str, list] = {c: [] for c in ("coder", "code", "row", "start", "end", "touches", "annotation")}
    row_groups: list[list[str]] = []
    case_of_row: list[str] = []
    offset = 0  # each transcript's positions after the last of the one before, so their spans never meet
    for name, table, cut, coders in transcripts:
        rows, first = len(row_groups), len(pieces["coder"])
        counted = table["counted"]
        if grouping is None:
            row_groups.extend(list(coders) if c else [] for c in counted)
        elif grouping.level == "transcript":
            value = [study.attributes.of(name).get(grouping.attribute, "")]
            row_groups.extend(value if c else [] for c in counted)
        else:
            people = study.participants
            row_groups.extend([people.attributes_of(p).get(grouping.attribute, "")] if c and p else []
                              for c, p in zip(counted, table["participant"], strict=True))
        case_of_row.extend(table["participant"] if participant else table["transcript"])
        for column, cells in turns.items():
            cells.extend(table[column])
        for column in ("coder", "code", "touches"):
            pieces[column].extend(cut[column])
        pieces["row"].extend([rows + k for k in cut["row"]])
        pieces["annotation"].extend([first + k for k in cut["annotation"]])
        pieces["start"].extend([offset + k for k in cut["start"]])
        pieces["end"].extend([offset + k for k in cut["end"]])
        offset += max(table["end"], default=0)
    unknown = {code: [code] for code in dict.fromkeys(pieces["code"]) if code not in members}
    return tally(turns, pieces, row_groups, grouping is not None, {**members, **unknown} if unknown else members,
                 case_of_row)


def frequency_table(data: ReportData, grouping: Grouping | None = None) -> Columns:
    """One row per code of the report: code, code_name, then each group's measures (columns
    "GROUP annotations", "GROUP transcripts" or "GROUP participants", "GROUP % cases", ...),
    from the tally made as the study was read (tcoder.reports.data.load) or from its turns and pieces."""
    counted = data.__dict__.get("_tally")
    group_list = groups(data, grouping)
    total = counted[1] if counted is not None and counted[0] == grouping else _tally_of(data, grouping, group_list)
    measure = case_measure(grouping)
    result: dict[str, list] = {"code": list(data.codes), "code_name": [data.name(c) for c in data.codes]}
    none = [0, 0, 0, set()]
    for group in group_list:
        chars, turns, n_cases = total.chars.get(group.key, 0), total.turns.get(group.key, 0), len(group.cases)
        columns: dict[str, list] = {m: [] for m in MEASURES}
        for code in data.codes:
            annotations, covered, touched, cases = total.counts.get((group.key, code), none)
            columns["annotations"].append(annotations)
            columns["transcripts"].append(len(cases))
            columns["% cases"].append(_pct(len(cases), n_cases))
            columns["% chars"].append(_pct(covered, chars))
            columns["% turns"].append(_pct(touched, turns))
        for m in MEASURES:
            result[f"{group.label} {measure if m == 'transcripts' else m}"] = columns[m]
    return Columns.of(result)


def _tally_of(data: ReportData, grouping: Grouping | None, group_list: list[Group]) -> Tally:
    """The tally of the report's turns and pieces, transcript by transcript."""
    turns, pieces = data.turn_columns, data.piece_columns
    row_groups: list[list[str]] = [[] for _ in turns["transcript"]]
    for group in group_list:
        for row in compress(range(len(row_groups)), group.rows):
            row_groups[row].append(group.key)
    members = {code: list(dict.fromkeys(data.members(code))) for code in data.codes}
    case_of_row = turns["participant"] if grouping is not None and grouping.level == "participant" \
        else turns["transcript"]
    total = Tally()
    _add_turns(total, turns, row_groups)
    names = pieces["transcript"]
    first = 0
    for last in range(1, len(names) + 1):  # a transcript's pieces are consecutive
        if last == len(names) or names[last] != names[first]:
            one = Tally()
            _add_pieces(one, {c: values[first:last] for c, values in pieces.items()}, row_groups,
                        grouping is not None, members, case_of_row)
            total.add(one)
            first = last
    return total


def covered_length(starts: Iterable[int], ends: Iterable[int]) -> int:
    """Characters covered by the union of spans, given in order of start."""
    total = 0
    run_start = run_end = -1
    for start, end in zip(starts, ends, strict=True):
        if start >= run_end:  # a new run: the span begins past everything before it
            total += run_end - run_start
            run_start, run_end = start, end
        elif end > run_end:
            run_end = end
    return total + run_end - run_start


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

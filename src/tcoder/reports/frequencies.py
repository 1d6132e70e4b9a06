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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tcoder.numbers import plural, verb_for
from tcoder.participants import Grouping
from tcoder.reports.data import ReportData, covered_length

MEASURES = ("annotations", "transcripts", "% cases", "% chars", "% turns")


@dataclass
class Group:
    label: str
    coders: list[str]
    rows: np.ndarray  # bool over data.turn_rows: the group's counted turns
    cases: list[str]  # the group's cases (transcripts or participant ids)


def case_measure(grouping: Grouping | None) -> str:
    return "participants" if grouping is not None and grouping.level == "participant" else "transcripts"


def groups(data: ReportData, grouping: Grouping | None) -> list[Group]:
    turns = data.turn_rows
    counted = turns["counted"].to_numpy()

    def among(column: str, members: list[str]) -> np.ndarray:
        return turns[column].isin(members).to_numpy(dtype=bool)  # hashed: np.isin sorts strings

    if grouping is None:
        out = []
        for coder in data.coders:
            mine = [t for t in data.transcripts if t in data.files[coder]]
            out.append(Group(coder, [coder], counted & among("transcript", mine), mine))
        return out
    if grouping.level == "transcript":
        values = data.attribute(grouping.attribute)
        out = []
        for value in sorted(set(values.values()), key=lambda v: (v == "", v)):
            members = [t for t in data.transcripts if values[t] == value]
            out.append(Group(value or "(no value)", data.coders, counted & among("transcript", members), members))
        return out
    people = data.study.participants
    participant = turns["participant"].to_numpy()
    order = {p: i for i, p in enumerate(people.people)}
    present = sorted({p for p in participant[counted] if p}, key=lambda p: (order.get(p, len(order)), p))
    value_of = {p: people.attributes_of(p).get(grouping.attribute, "") for p in present}
    out = []
    for value in sorted(set(value_of.values()), key=lambda v: (v == "", v)):
        members = [p for p in present if value_of[p] == value]
        out.append(Group(value or "(no value)", data.coders, counted & among("participant", members), members))
    return out


def frequencies_frame(data: ReportData, grouping: Grouping | None = None) -> pd.DataFrame:
    turns = data.turn_rows
    pieces = data.pieces
    case_of_row = (turns["participant"] if grouping is not None and grouping.level == "participant"
                   else turns["transcript"]).to_numpy()
    widths = (turns["end"] - turns["start"]).to_numpy()
    nonblank = (turns["body_end"] > turns["body_start"]).to_numpy()
    base = _row_base(turns)
    piece_row = pieces["row"].to_numpy()
    # codes, annotations and cases as small integers, so each code's selection and counts are
    # array lookups and bin counts rather than set operations on strings (60 codes x groups)
    code_number, code_values = pd.factorize(pieces["code"])
    position = {code: i for i, code in enumerate(code_values)}
    key_number, key_values = pd.factorize(pieces["coder"] + "\x00" + pieces["transcript"] + "\x00" + pieces["id"])
    case_number, case_values = pd.factorize(pd.Series(case_of_row, dtype=object))
    blank_case = [i for i, case in enumerate(case_values) if case == ""]
    touches = pieces["touches"].to_numpy(dtype=bool)
    g_start = pieces["start"].to_numpy() + base[piece_row] if len(pieces) else np.zeros(0, dtype=np.int64)
    g_end = pieces["end"].to_numpy() + base[piece_row] if len(pieces) else np.zeros(0, dtype=np.int64)
    measure = case_measure(grouping)
    result: dict[str, list] = {"code": list(data.codes), "code_name": [data.name(c) for c in data.codes]}
    member_masks = {}
    for code in data.codes:
        mask = np.zeros(len(code_values), dtype=bool)
        mask[[position[m] for m in data.members(code) if m in position]] = True
        member_masks[code] = mask
    for group in groups(data, grouping):
        in_group = (group.rows[piece_row] & pieces["coder"].isin(group.coders).to_numpy(dtype=bool) if len(pieces)
                    else np.zeros(0, bool))
        total_chars = int(widths[group.rows].sum())
        total_turns = int((group.rows & nonblank).sum())
        n_cases = len(group.cases)
        columns: dict[str, list] = {m: [] for m in MEASURES}
        for code in data.codes:
            sel = in_group & member_masks[code][code_number]
            hit = sel & touches
            columns["annotations"].append(_distinct(key_number[sel], len(key_values)))
            case_hits = case_number[piece_row[hit]]
            cases = _distinct(case_hits, len(case_values), blank_case)
            columns["transcripts"].append(cases)
            columns["% cases"].append(_pct(cases, n_cases))
            columns["% chars"].append(_pct(covered_length(g_start[sel], g_end[sel]), total_chars))
            columns["% turns"].append(_pct(_distinct(piece_row[hit], len(turns)), total_turns))
        for m in MEASURES:
            result[f"{group.label} {measure if m == 'transcripts' else m}"] = columns[m]
    return pd.DataFrame(result)


def _distinct(numbers: np.ndarray, size: int, ignore: list[int] = ()) -> int:  # type: ignore[assignment]
    """How many different values ``numbers`` (each in 0..size-1) holds, leaving out ``ignore``."""
    if not len(numbers):
        return 0
    seen = np.zeros(size, dtype=bool)
    seen[numbers] = True
    if ignore:
        seen[ignore] = False
    return int(np.count_nonzero(seen))


def _row_base(turns: pd.DataFrame) -> np.ndarray:
    """An offset per turn row that makes positions unique across transcripts (for unions of spans)."""
    lengths = turns.groupby("transcript", sort=False)["end"].max()
    starts = lengths.cumsum() - lengths
    return turns["transcript"].map(starts).to_numpy(dtype=np.int64)


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else np.nan


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
        unidentified = int((data.turn_rows["counted"] & (data.turn_rows["participant"] == "")
                            & (data.turn_rows["body_end"] > data.turn_rows["body_start"])).sum())
        if unidentified:
            notes.append(f"{plural(unidentified, 'counted turn')} of speakers without a participant id {verb_for(unidentified, 'is')} in no group "
                         "(tcoder participants fill).")
    return notes + data.coverage_notes()


SHORT = dict(zip(MEASURES, ("n", "cases", "% cases", "% chars", "% turns"), strict=False))


def table_text(data: ReportData, frame: pd.DataFrame, grouping: Grouping | None, notes: list[str]) -> str:
    """The terminal table: each group's measures side by side under its name when that fits the
    terminal, else one row per code and group, so any number of coders stays readable at 120 columns."""
    from tcoder.reports.output import _width, rich_table_text, table_notes

    width = _width()
    measure = case_measure(grouping)
    labels = [g.label for g in groups(data, grouping)]
    names = [data.label(c) for c in frame["code"]]

    def column(label: str, m: str) -> str:
        return f"{label} {measure if m == 'transcripts' else m}"

    def head(m: str) -> str:
        return measure if m == "transcripts" else SHORT[m]

    # each numeric column needs its widest head line or value, plus 3 for borders and padding
    needed = max((len(n) for n in names), default=4) + 4 + sum(
        max(len(label), len(head(m)), 6) + 3 for label in labels for m in MEASURES)
    if needed <= width:
        wide = pd.DataFrame({"code": names})
        for label in labels:
            for m in MEASURES:
                wide[f"{label}\n{head(m)}"] = frame[column(label, m)]
        return rich_table_text(wide, "Code frequencies", width) + table_notes(notes)
    who = "coder" if grouping is None else grouping.attribute
    rows = []
    for i, name in enumerate(names):
        for k, label in enumerate(labels):
            row: dict[str, object] = {"code": name if k == 0 else "", who: label}
            for m in MEASURES:
                row[head(m)] = frame.iloc[i][column(label, m)]
            rows.append(row)
    long = pd.DataFrame(rows, columns=["code", who, *(head(m) for m in MEASURES)])
    return rich_table_text(long, "Code frequencies", width) + table_notes(notes)

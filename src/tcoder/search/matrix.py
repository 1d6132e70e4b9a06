"""Matrices: codes (or themes) by cases, participants or attribute values, with the
passages behind every cell.

A cell counts, within its row's codes and its column's text:

- ``passages``: stretches of coded text; passages of the row's codes that overlap or
  touch count once (so a row standing for a code and its sub-codes, or for several
  pooled coders, never counts one stretch twice);
- ``participants``: people (speakers.csv, role participant) with coded text in the cell;
- ``words``: words in the cell's coded text, each word once.

Columns of participants (or of a participant attribute) look at each passage turn by
turn: the part in a participant's turn belongs to that participant, and parts in
turns of interviewers, moderators and observers belong to no column (they are
counted in :attr:`Matrix.left_out`). Columns of transcripts (or of a transcript
attribute) take passages whole. Every cell keeps its annotations, so a screen can
open its quotes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal, Sequence

from tcoder.attributes import NO_VALUE, value_name
from tcoder.numbers import plural, verb_for
from tcoder.participants import PARTICIPANT, GroupingError, resolve_grouping
from tcoder.search.corpus import Coded, Corpus
from tcoder.search.engine import merge_spans
from tcoder.study import Study

Measure = Literal["passages", "participants", "words"]
MEASURES: tuple[Measure, ...] = ("passages", "participants", "words")
#: The key of the column of cases with no value of the attribute: an empty value is no value,
#: so no value's column can have this key (outputs name it NO_VALUE, see Matrix.column_names).
MISSING = ""


class MatrixError(ValueError):
    """A matrix asked for something the study does not have."""


@dataclass
class Cell:
    """One cell: its counts (``words`` and ``participants`` are filled only when they are the
    matrix's measure) and the annotations behind it."""

    passages: int = 0
    words: int = 0
    participants: set[str] = field(default_factory=set)
    items: list[Coded] = field(default_factory=list)  # the annotations behind the cell

    def value(self, measure: Measure) -> int:
        if measure == "passages":
            return self.passages
        if measure == "words":
            return self.words
        return len(self.participants)


@dataclass
class Matrix:
    rows: list[str]  # code ids
    row_labels: list[str]
    columns: list[str]  # transcript names, participant ids or attribute values
    column_labels: list[str]
    cells: dict[tuple[str, str], Cell]
    measure: Measure
    coders: list[str]
    row_kind: str  # "codes" | "themes"
    column_kind: str  # "transcripts" | "participants" | "transcript attribute X" | "participant attribute X"
    left_out: int = 0  # coded parts in turns of non-participants, under participant columns
    notes: list[str] = field(default_factory=list)

    def cell(self, row: str, column: str) -> Cell:
        return self.cells.get((row, column)) or Cell()

    def value(self, row: str, column: str) -> int:
        return self.cell(row, column).value(self.measure)

    def column_names(self) -> list[str]:
        """The columns as outputs name them: transcripts, participant ids, attribute values
        (the cases with no value as "(no value)", a value written so quoted)."""
        if self.column_kind in ("transcripts", "participants"):
            return list(self.columns)
        return [value_name(c) for c in self.columns]

    def table(self) -> list[list[int]]:
        return [[self.value(r, c) for c in self.columns] for r in self.rows]

    def describe(self) -> list[str]:
        what = {"passages": "passages (overlapping passages of a row count once)",
                "participants": "participants with coded text",
                "words": "words of coded text (each word once)"}[self.measure]
        pooled = (f"pooled: {', '.join(self.coders)} (a passage counts once if any of them coded it)"
                  if len(self.coders) > 1 else ", ".join(self.coders) or "none")
        lines = [f"{self.row_kind.capitalize()} x {self.column_kind}: {what}.", f"Coders: {pooled}."]
        if self.left_out:
            lines.append(f"{plural(self.left_out, 'coded part')} in turns of interviewers, moderators or observers "
                         f"{verb_for(self.left_out, 'belongs')} to no participant and {verb_for(self.left_out, 'is')} not counted.")
        return lines + self.notes


def _words(text: str, spans: list[tuple[int, int]]) -> int:
    return sum(len(text[s:e].split()) for s, e in spans)


def build_matrix(study: Study, corpus: Corpus | None = None, *, coders: Sequence[str],
                 rows: Literal["codes", "themes"] = "codes", codes: Sequence[str] | None = None,
                 columns: str = "transcripts", measure: Measure = "passages", exact: bool = False,
                 transcripts: Sequence[str] | None = None) -> Matrix:
    """The matrix of ``rows`` x ``columns`` ('transcripts', 'participants' or an attribute name)."""
    if measure not in MEASURES:
        raise MatrixError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    corpus = corpus or Corpus(study)
    codebook = study.codebook
    unknown = [c for c in coders if c not in study.coders]
    if unknown:
        raise MatrixError(f"no annotation files of coder {', '.join(map(repr, unknown))}; the study has "
                          f"{', '.join(study.coders) or 'none yet'}")
    if rows == "themes":
        row_ids = [c for c in (codes or codebook.roots)]
    else:
        row_ids = list(codes) if codes else list(codebook.codes)
    missing = [c for c in row_ids if c not in codebook]
    if missing:
        raise MatrixError(f"no code {', '.join(map(repr, missing))} in the codebook")
    members = {r: set(codebook.descendants(r)) if (rows == "themes" or not exact) else {r} for r in row_ids}
    labels = [("  " * codebook[r].depth if rows == "codes" and not codes else "") + codebook[r].name
              for r in row_ids]
    names = [r.name for r in study.transcripts] if transcripts is None else list(transcripts)
    people = study.participants

    # the columns, and how a piece of coded text finds its column
    level = "transcript"
    attribute: str | None = None
    if columns == "transcripts":
        column_keys, column_labels, column_kind = names, names, "transcripts"
    elif columns == "participants":
        if not people.defined:
            raise MatrixError(f"participant columns need to know who speaks: the study has no "
                              f"{study.settings.speakers} ('tcoder participants fill' starts one)")
        level = "participant"
        column_keys = people.cases(names)
        column_labels = column_keys
        column_kind = "participants"
    else:
        try:
            grouping = resolve_grouping(study, columns)
        except GroupingError as exc:
            raise MatrixError(str(exc)) from None
        attribute = grouping.attribute
        level = grouping.level
        if level == "participant":
            values = people.values(attribute, people.cases(names))
            column_kind = f"participant attribute {attribute}"
        else:
            values = sorted({study.attributes.of(n).get(attribute, "") for n in names} - {""})
            column_kind = f"transcript attribute {attribute}"
        column_keys = values + [MISSING]
        column_labels = [f"{attribute} = {value_name(v)}" if v != MISSING else f"{attribute}: {NO_VALUE}"
                         for v in column_keys]

    by_row: dict[tuple[str, str], dict[str, list[tuple[int, int]]]] = {}  # (row, column) -> transcript -> spans
    whose: dict[tuple[str, str], dict[str, set[str]]] = {}  # (row, column) -> transcript -> participants
    cells: dict[tuple[str, str], Cell] = {}
    left_out = 0
    code_rows: dict[str, list[str]] = {}
    for r, codes_of_row in members.items():
        for c in codes_of_row:
            code_rows.setdefault(c, []).append(r)
    for name in names:
        transcript = corpus.transcript(name)
        if transcript is None:
            continue
        turns = transcript.turns
        starts = [t.start for t in turns]
        transcript_key = None
        if level == "transcript":
            transcript_key = name if attribute is None else (study.attributes.of(name).get(attribute) or MISSING)
        for coder in corpus.coders_of(name):
            if coder not in coders:
                continue
            for a in corpus.annotations(name, coder):
                row_list = code_rows.get(a.code)
                if not row_list:
                    continue
                coded = Coded(name, coder, a)
                if level == "transcript":
                    assert transcript_key is not None
                    pieces: list[tuple[str, int, int, str | None]] = [(transcript_key, a.start, a.end, None)]
                else:
                    pieces = []
                    i = max(0, bisect.bisect_right(starts, a.start) - 1)
                    while i < len(turns) and turns[i].start < a.end:
                        turn = turns[i]
                        s, e = max(a.start, turn.body_start), min(a.end, turn.end)
                        i += 1
                        if s >= e or not transcript.text[s:e].strip():
                            continue
                        entry = people.entry(name, turn.speaker)
                        if entry is None or entry.role != PARTICIPANT or not entry.participant:
                            left_out += 1
                            continue
                        key = entry.participant if attribute is None else (
                            people.attributes_of(entry.participant).get(attribute) or MISSING)
                        pieces.append((key, s, e, entry.participant))
                for row in row_list:
                    for key, s, e, person in pieces:
                        where = (row, key)
                        cell = cells.get(where)
                        if cell is None:
                            cell = cells[where] = Cell()
                        if not cell.items or cell.items[-1] is not coded:
                            cell.items.append(coded)
                        by_row.setdefault(where, {}).setdefault(name, []).append((s, e))
                        if person is not None:
                            whose.setdefault(where, {}).setdefault(name, set()).add(person)
    turn_starts: dict[str, list[int]] = {}
    for where, per_transcript in by_row.items():
        cell = cells[where]
        for name, spans in per_transcript.items():
            merged = merge_spans(spans)
            transcript = corpus.transcript(name)
            assert transcript is not None
            cell.passages += len(merged)
            if measure == "words":
                cell.words += _words(transcript.text, merged)
            if measure != "participants":
                continue
            if level == "participant":
                cell.participants |= whose.get(where, {}).get(name, set())
            else:
                if name not in turn_starts:
                    turn_starts[name] = [t.start for t in transcript.turns]
                starts = turn_starts[name]
                for s, e in merged:
                    i = max(0, bisect.bisect_right(starts, s) - 1)
                    for turn in transcript.turns[i:]:
                        if turn.start >= e:
                            break
                        entry = people.entry(name, turn.speaker)
                        if entry is not None and entry.role == PARTICIPANT and entry.participant:
                            cell.participants.add(entry.participant)
    if attribute is not None and column_keys[-1] == MISSING and not any(k[1] == MISSING for k in cells):
        column_keys = column_keys[:-1]
        column_labels = column_labels[:-1]
    notes = []
    if attribute is not None:
        if level == "participant":
            sizes = {k: sum(1 for p in people.cases(names)
                            if (people.attributes_of(p).get(attribute) or MISSING) == k) for k in column_keys}
            what = "participants"
        else:
            sizes = {k: sum(1 for n in names if (study.attributes.of(n).get(attribute) or MISSING) == k)
                     for k in column_keys}
            what = "transcripts"
        notes.append(f"Cases per column ({what}): " + ", ".join(f"{value_name(k)} {v}" for k, v in sizes.items())
                     + ".")
    return Matrix(row_ids, labels, list(column_keys), list(column_labels), cells, measure, list(coders),
                  rows, column_kind, left_out, notes)

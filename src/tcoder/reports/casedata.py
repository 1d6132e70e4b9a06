"""Turns, cases and groups for reports: who said what, and which turns count.

Every report that counts (frequencies, crosstab) works on the same two tables:

- the **turns** of the report's transcripts, each with its speaker, participant id
  and whether it counts under the study's turn rule (tcoder.turnrule: by default
  interviewers', moderators' and observers' turns do not);
- the **pieces**: each annotation cut at turn boundaries, one row per counted turn
  it covers (so a passage running from a question into the answer belongs to the
  answer only, and one running across two focus-group speakers to both).

A case is a transcript when the grouping attribute is a transcript attribute
(``attributes.csv``) and a participant when it is a participant attribute
(``participants.csv``): a participant "has" a code when one of their counted turns
carries it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from tcoder.participants import PARTICIPANT
from tcoder.segments import trim_span

if TYPE_CHECKING:  # imported where used: workers reading transcripts need neither
    import pandas as pd


TURN_COLUMNS = ("transcript", "turn", "start", "end", "body_start", "body_end", "speaker", "participant", "role",
                "counted")
PIECE_COLUMNS = ("coder", "code", "id", "transcript", "row", "start", "end", "touches", "annotation")


def turn_columns(data) -> dict[str, list]:
    """One row per turn of the report's transcripts, as columns: transcript, turn, start, end (its
    text, label included), body_start, body_end (trimmed of white space; empty for a blank turn),
    speaker, participant ('' if none), role, counted. Text before the first label is a turn with no
    speaker. (:func:`turns_frame` makes them a table.)"""
    columns: dict[str, list] = {c: [] for c in TURN_COLUMNS}
    for name in data.transcripts:
        for column, values in transcript_turns(data.study, name, data.rule).items():
            columns[column].extend(values)
    return columns


def transcript_turns(study, name: str, rule, selection=None) -> dict[str, list]:
    """The turn table's columns for one transcript (``selection``: its turns that count under ``rule``)."""
    transcript = study.transcript(name)
    text = transcript.text
    selection = selection or study.turn_selection(name, rule)
    participants = study.participants
    columns: dict[str, list] = {c: [] for c in TURN_COLUMNS}
    turns = [(t.start, t.end, t.speaker, selection.counts(t)) for t in transcript.turns]
    first = turns[0][0] if turns else len(text)
    if first > 0 or not turns:
        turns.insert(0, (0, first, None, True))
    for i, (start, end, speaker, counted) in enumerate(turns):
        lo, hi = trim_span(text, start, end)
        entry = participants.entry(name, speaker)
        columns["transcript"].append(name)
        columns["turn"].append(i)
        columns["start"].append(start)
        columns["end"].append(end)
        columns["body_start"].append(lo)
        columns["body_end"].append(hi)
        columns["speaker"].append(speaker or "")
        columns["participant"].append(entry.participant if entry and entry.role == PARTICIPANT else "")
        columns["role"].append(entry.role if entry else "")
        columns["counted"].append(counted)
    return columns


def turns_frame(columns: dict[str, list]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(columns)
    for c in ("turn", "start", "end", "body_start", "body_end"):
        frame[c] = frame[c].astype("int64")
    frame["counted"] = frame["counted"].astype(bool)
    return frame


def piece_columns(frame: pd.DataFrame, turns: dict[str, list]) -> tuple[dict[str, list], int]:
    """Each annotation of ``frame`` cut at the counted turns it covers, as columns: coder, code, id,
    transcript, row (index into the ``turns`` columns), start, end, touches (the piece meets the
    turn's non-blank text), annotation (a number the annotation's pieces share, and no other
    annotation's: the index of its first piece). Returns the pieces and the number of annotations entirely in turns that
    do not count. (:func:`pieces_frame` makes them a table.)"""
    out: dict[str, list] = {c: [] for c in PIECE_COLUMNS}
    left_out = 0
    rows_of: dict[str, range] = {}  # a transcript's turns are consecutive rows
    names = turns["transcript"]
    first = 0
    for i in range(1, len(names) + 1):
        if i == len(names) or names[i] != names[first]:
            rows_of[names[first]] = range(first, i)
            first = i
    for name, rows in frame.groupby("transcript", sort=False):
        mine = rows_of.get(name)
        if mine is None:
            continue
        cut, left = transcript_pieces(name, rows["coder"].tolist(), rows["code"].tolist(), rows["id"].tolist(),
                                      rows["start"].tolist(), rows["end"].tolist(),
                                      {c: turns[c][mine.start:mine.stop] for c in ("start", "end", "body_start",
                                                                                  "body_end", "counted")})
        renumber(cut, mine.start, len(out["coder"]))
        for column, values in cut.items():
            out[column].extend(values)
        left_out += len(left)
    return out, left_out


def transcript_pieces(name: str, coders: list[str], codes: list[str], ids: list[str], starts: list[int],
                      ends: list[int], turns: dict[str, list]) -> tuple[dict[str, list], list[str]]:
    """One transcript's pieces (``row``: the turn's number in the transcript; ``annotation``: the index
    of its first piece in these), and the codes of the annotations entirely in turns that do not count."""
    out: dict[str, list] = {c: [] for c in PIECE_COLUMNS}
    left_out: list[str] = []
    t_starts, t_ends = turns["start"], turns["end"]
    body_start, body_end, counted = turns["body_start"], turns["body_end"], turns["counted"]
    for coder, code, aid, s, e in zip(coders, codes, ids, starts, ends, strict=True):
        kept = False
        first = len(out["coder"])
        # the turns the annotation may cover: from the last starting at or before it to the first
        # starting at or after its end
        for k in range(max(bisect_right(t_starts, s) - 1, 0), bisect_left(t_starts, e)):
            lo, hi = max(s, t_starts[k]), min(e, t_ends[k])
            if lo >= hi or not counted[k]:
                continue
            kept = True
            out["coder"].append(coder)
            out["code"].append(code)
            out["id"].append(aid)
            out["transcript"].append(name)
            out["row"].append(k)
            out["start"].append(lo)
            out["end"].append(hi)
            out["touches"].append(lo < body_end[k] and hi > body_start[k])
            out["annotation"].append(first)
        if not kept:
            left_out.append(code)
    return out, left_out


def renumber(cut: dict[str, list], rows: int, pieces: int) -> None:
    """One transcript's pieces placed after ``rows`` turns and ``pieces`` pieces of the transcripts before it."""
    cut["row"] = [rows + k for k in cut["row"]]
    cut["annotation"] = [pieces + k for k in cut["annotation"]]


def pieces_frame(out: dict[str, list]) -> pd.DataFrame:
    import pandas as pd

    if not out["coder"]:
        types = {"row": "int64", "start": "int64", "end": "int64", "touches": bool, "annotation": "int64"}
        return pd.DataFrame({c: pd.Series([], dtype=types.get(c, object)) for c in out})
    return pd.DataFrame(out)

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

import numpy as np
import pandas as pd

from tcoder.participants import PARTICIPANT
from tcoder.segments import trim_span


def turn_table(data) -> pd.DataFrame:
    """One row per turn of the report's transcripts: transcript, turn, start, end (its text, label
    included), body_start, body_end (trimmed of white space; empty for a blank turn), speaker,
    participant ('' if none), role, counted. Text before the first label is a turn with no speaker."""
    study = data.study
    rule = data.rule
    participants = study.participants
    columns: dict[str, list] = {c: [] for c in ("transcript", "turn", "start", "end", "body_start", "body_end",
                                                 "speaker", "participant", "role", "counted")}
    for name in data.transcripts:
        transcript = study.transcript(name)
        text = transcript.text
        selection = study.turn_selection(name, rule)
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
    frame = pd.DataFrame(columns)
    for c in ("turn", "start", "end", "body_start", "body_end"):
        frame[c] = frame[c].astype("int64")
    frame["counted"] = frame["counted"].astype(bool)
    return frame


def pieces(frame: pd.DataFrame, turns: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Each annotation of ``frame`` cut at the counted turns it covers: columns coder, code, id,
    transcript, row (index into ``turns``), start, end, touches (the piece meets the turn's non-blank
    text). Returns the pieces and the number of annotations entirely in turns that do not count."""
    out: dict[str, list] = {c: [] for c in ("coder", "code", "id", "transcript", "row", "start", "end", "touches")}
    left_out = 0
    by_transcript = {name: group for name, group in turns.groupby("transcript", sort=False)}
    for name, rows in frame.groupby("transcript", sort=False):
        table = by_transcript.get(name)
        if table is None:
            continue
        turn_starts = table["start"].to_numpy()
        # the turns each annotation may cover, found for all of the transcript's annotations at once
        firsts = np.maximum(np.searchsorted(turn_starts, rows["start"].to_numpy(), side="right") - 1, 0).tolist()
        lasts = np.searchsorted(turn_starts, rows["end"].to_numpy(), side="left").tolist()
        starts = turn_starts.tolist()
        ends = table["end"].to_numpy().tolist()
        body_start = table["body_start"].to_numpy().tolist()
        body_end = table["body_end"].to_numpy().tolist()
        counted = table["counted"].to_numpy().tolist()
        index = table.index.to_numpy().tolist()
        for coder, code, aid, s, e, first, last in zip(rows["coder"].tolist(), rows["code"].tolist(),
                                                       rows["id"].tolist(), rows["start"].tolist(),
                                                       rows["end"].tolist(), firsts, lasts, strict=True):
            kept = False
            for k in range(first, last):
                lo, hi = max(s, starts[k]), min(e, ends[k])
                if lo >= hi or not counted[k]:
                    continue
                kept = True
                out["coder"].append(coder)
                out["code"].append(code)
                out["id"].append(aid)
                out["transcript"].append(name)
                out["row"].append(index[k])
                out["start"].append(lo)
                out["end"].append(hi)
                out["touches"].append(lo < body_end[k] and hi > body_start[k])
            if not kept:
                left_out += 1
    if not out["coder"]:
        types = {"row": "int64", "start": "int64", "end": "int64", "touches": bool}
        return pd.DataFrame({c: pd.Series([], dtype=types.get(c, object)) for c in out}), left_out
    return pd.DataFrame(out), left_out

"""``report frequencies``: how often each code occurs, per coder side by side.

For each code (with its sub-codes unless ``--exact``) and each group: the number
of annotations, of transcripts with at least one, that number as a share of the
group's cases (transcripts), and the share of the group's characters and speaker
turns that the code covers. A coder's group is the transcripts that coder has a
file for; with ``--by ATTRIBUTE`` the groups are the attribute's values and the
chosen coders are pooled (a passage counts once if any of them coded it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tcoder.reports.data import ReportData, covered_length, touched

MEASURES = ("annotations", "transcripts", "% cases", "% chars", "% turns")


def groups(data: ReportData, by: str | None) -> list[tuple[str, list[str], list[str]]]:
    """(label, coders, transcripts) per group."""
    if by is None:
        return [(coder, [coder], [t for t in data.transcripts if t in data.files[coder]]) for coder in data.coders]
    values = data.attribute(by)
    out = []
    for value in sorted({v for v in values.values()}, key=lambda v: (v == "", v)):
        members = [t for t in data.transcripts if values[t] == value]
        out.append((value or "(no value)", data.coders, members))
    return out


def frequencies_frame(data: ReportData, by: str | None = None) -> pd.DataFrame:
    frame = data.frame
    result: dict[str, list] = {"code": list(data.codes), "code_name": [data.name(c) for c in data.codes]}
    for label, coders, transcripts in groups(data, by):
        sub = frame[frame["coder"].isin(coders) & frame["transcript"].isin(transcripts)]
        total_chars = sum(len(data.transcript(t).text) for t in transcripts)
        total_turns = sum(len(data.turns(t)[0]) for t in transcripts)
        spans: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
        for (t, code), rows in sub.groupby(["transcript", "code"], sort=False):
            spans.setdefault(t, {})[code] = (rows["start"].to_numpy(), rows["end"].to_numpy())
        columns: dict[str, list] = {m: [] for m in MEASURES}
        for code in data.codes:
            members = data.members(code)
            n_annotations = n_transcripts = chars = turns = 0
            for t, by_code in spans.items():
                parts = [by_code[m] for m in members if m in by_code]
                if not parts:
                    continue
                starts = np.concatenate([p[0] for p in parts])
                ends = np.concatenate([p[1] for p in parts])
                n_annotations += len(starts)
                n_transcripts += 1
                chars += covered_length(starts, ends)
                turn_starts, turn_ends = data.turns(t)
                turns += int(touched(turn_starts, turn_ends, starts, ends).sum())
            columns["annotations"].append(n_annotations)
            columns["transcripts"].append(n_transcripts)
            columns["% cases"].append(_pct(n_transcripts, len(transcripts)))
            columns["% chars"].append(_pct(chars, total_chars))
            columns["% turns"].append(_pct(turns, total_turns))
        for measure in MEASURES:
            result[f"{label} {measure}"] = columns[measure]
    return pd.DataFrame(result)


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else np.nan


def describe(data: ReportData, by: str | None) -> list[str]:
    lines = []
    for label, _, transcripts in groups(data, by):
        lines.append(f"{label}: {len(transcripts)} transcript(s)")
    rule = "each code counts its sub-codes" if not data.exact else "each code counts only itself (--exact)"
    pooled = f"; coders pooled: {', '.join(data.coders) or 'none'}" if by else ""
    listed = "; ".join(lines) or ("none (no transcript has an annotation file of the chosen coders)" if by
                                  else "none (no coder has an annotation file)")
    return [f"Groups: {listed}. {rule.capitalize()}{pooled}."]

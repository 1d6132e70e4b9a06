"""Search results as text: keyword-in-context lines for the terminal, CSV, Markdown,
JSON, and Word (through the shared document writer).

Every format says what was searched, with which options and filters, how many
hits each transcript has, and what was left out (a time limit, unreadable files).
Transcript text is data: escaped for Markdown, exact in CSV and JSON.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tcoder.numbers import fixed, plural
from tcoder.reports.markup import md_cell, md_escape
from tcoder.search.engine import Hit, SearchRun
from tcoder.search.kwic import Concordance, cells, concordance, cut_right, flat
from tcoder.study import Study
from tcoder.textsafe import inert

HIT_FORMATS = ("table", "csv", "md", "json", "docx")


def _contexts(study: Study, run: SearchRun, context: int) -> list[Concordance]:
    return [concordance(study.transcript(h.transcript).text, h.start, h.end, context) for h in run.hits]


def describe(run: SearchRun) -> list[str]:
    lines = [f"Search: {run.pattern.spec.describe()}"]
    filters = run.filters.describe()
    if filters:
        lines.append("Only " + "; ".join(filters))
    return lines


def per_transcript(run: SearchRun) -> list[tuple[str, int]]:
    return list(run.per_transcript.items())


def render_table(study: Study, run: SearchRun, width: int = 120, context: int = 60,
                 highlight: bool = False) -> str:
    """Keyword-in-context lines grouped by transcript, each hit at the same column.

    With ``highlight`` the hit is wrapped in reverse-video escape codes (for a terminal:
    the text around it has already been made inert)."""
    out: list[str] = []
    where_width = max([len(f"{h.line}:{h.column}") for h in run.hits] + [4])
    speakers = [flat(h.speaker or "") for h in run.hits]
    speaker_width = min(14, max([cells(s) for s in speakers] + [0]))
    room = max(30, width - where_width - speaker_width - 6)
    left_width = room * 2 // 5
    match_width = max(8, room // 5)
    right_width = max(8, room - left_width - match_width)
    current = None
    for hit, kwic, speaker in zip(run.hits, _contexts(study, run, context), speakers, strict=True):
        if hit.transcript != current:
            current = hit.transcript
            n = run.per_transcript.get(current, 0)
            out.append(f"{flat(current)}  ({plural(n, 'hit')})")
        speaker = cut_right(speaker, speaker_width)
        speaker += " " * (speaker_width - cells(speaker))
        where = f"{hit.line}:{hit.column}".rjust(where_width)
        left, match, right = kwic.parts(left_width, match_width, right_width)
        line = f"{left}\x1b[7m{match}\x1b[27m{right}" if highlight else left + match + right
        out.append(f"  {where}  {speaker}  {line}")
    out.append("")
    out.extend(inert(line) for line in describe(run))
    out.append(inert(run.summary()) + f" ({fixed(run.seconds, 2)} s)")
    for problem in run.problems:
        out.append(inert(f"not searched: {problem}"))
    return "\n".join(out) + "\n"


def rows(study: Study, run: SearchRun, context: int = 60) -> list[dict[str, Any]]:
    """One mapping per hit: place, speaker, context and the transcript's attributes."""
    columns = study.attributes.columns
    out = []
    for hit, kwic in zip(run.hits, _contexts(study, run, context), strict=True):
        row: dict[str, Any] = {"transcript": hit.transcript, "line": hit.line, "column": hit.column,
                               "start": hit.start, "end": hit.end, "speaker": hit.speaker or "",
                               "participant": hit.participant or "",
                               "left": kwic.left, "match": study.transcript(hit.transcript).text[hit.start:hit.end],
                               "right": kwic.right}
        values = study.attributes.of(hit.transcript)
        for column in columns:
            if column not in row:
                row[column] = values.get(column, "")
        out.append(row)
    return out


def render_csv(study: Study, run: SearchRun, context: int = 60) -> str:
    data = rows(study, run, context)
    fixed = ["transcript", "line", "column", "start", "end", "speaker", "participant", "left", "match", "right"]
    columns = fixed + [c for c in study.attributes.columns if c not in fixed]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue()


def render_json(study: Study, run: SearchRun, context: int = 60) -> str:
    spec = run.pattern.spec
    document = {
        "search": {"pattern": spec.text, "mode": spec.mode, "match_case": spec.match_case,
                   "match_accents": spec.match_accents},
        "filters": run.filters.describe(),
        "complete": run.complete,
        "summary": run.summary(),
        "per_transcript": dict(run.per_transcript),
        "transcripts_searched": run.searched,
        "transcripts_total": run.total,
        "not_searched": [str(p) for p in run.problems],
        "hits": rows(study, run, context),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def render_md(study: Study, run: SearchRun, context: int = 60) -> str:
    out = ["# Search results", ""]
    out.extend(md_escape(line) + "  " for line in describe(run))
    out.append(md_escape(run.summary()))
    out.append("")
    current = None
    for hit, kwic in zip(run.hits, _contexts(study, run, context), strict=True):
        if hit.transcript != current:
            current = hit.transcript
            n = run.per_transcript.get(current, 0)
            out += ["", f"## {md_escape(current)} ({n})", "", "| line | speaker | before | hit | after |",
                    "|---:|---|---:|---|---|"]
        out.append(f"| {hit.line} | {md_cell(hit.speaker or '')} | {md_cell(kwic.left)} | "
                   f"**{md_cell(kwic.match)}** | {md_cell(kwic.right)} |")
    for problem in run.problems:
        out += ["", f"Not searched: {md_escape(str(problem))}"]
    return "\n".join(out) + "\n"


def docx_items(study: Study, run: SearchRun, context: int = 60) -> tuple[list[str], list[tuple[str, list[Hit],
                                                                                              list[Concordance]]]]:
    """What a Word document of the results holds: the description lines, then per transcript
    its hits and their contexts."""
    groups: dict[str, tuple[list[Hit], list[Concordance]]] = {}
    for hit, kwic in zip(run.hits, _contexts(study, run, context), strict=True):
        hits, kwics = groups.setdefault(hit.transcript, ([], []))
        hits.append(hit)
        kwics.append(kwic)
    return describe(run) + [run.summary()], [(name, h, k) for name, (h, k) in groups.items()]

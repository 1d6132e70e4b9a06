"""One transcript's coded segments, as plain rows, with everything a report says about them.

Reports read the study one transcript at a time through :func:`transcript_rows`: the
whole-study table (tcoder.reports.data.load) is these rows put together, and reports that
stream (the segments CSV, co-occurrence) take them transcript by transcript, in worker
processes, so neither time nor memory has to hold the whole study at once. The result is
plain data that pickles: rows as tuples, problems and counts.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tcoder.annotations import autocode_query, counts_under
from tcoder.apprentice.provenance import counts_under as apprentice_counts_under
from tcoder.apprentice.provenance import machine_made
from tcoder.coding_status import UNMARKED, CoderStatus, decide, file_status
from tcoder.errors import Problem, TcoderError
from tcoder.numbers import plural

if TYPE_CHECKING:
    from tcoder.study import Study, TranscriptRef
    from tcoder.turnrule import LeftOutTurns

#: The fields of a row, in order: the columns of docs/formats.md#coded-segments that come from
#: the annotation (transcript, code name and case attributes are added by who uses them), its id
#: and line, and the autocode query ('' when a coder coded it).
ROW_FIELDS = ("coder", "code", "speaker", "start", "end", "quote", "memo", "id", "line", "query")


@dataclass
class TranscriptRows:
    """One transcript's rows (in the order the files hold them, coder by coder) and its counts."""

    name: str
    rows: list[tuple] = field(default_factory=list)
    counted: list[str] = field(default_factory=list)  # coders whose file counts
    errors: list[Problem] = field(default_factory=list)
    orphaned: int = 0
    unknown_codes: dict[str, int] = field(default_factory=dict)
    left_out: list[tuple[str, CoderStatus]] = field(default_factory=list)
    unmarked: list[tuple[str, CoderStatus]] = field(default_factory=list)
    machine: dict[str, int] = field(default_factory=dict)  # coder -> annotations made by tcoder autocode
    machine_left_out: int = 0
    accepted: dict[str, int] = field(default_factory=dict)  # coder -> passages from the apprentice
    accepted_left_out: int = 0
    #: counting reports: its turns, its annotations cut at them and the codes of those in no counted
    #: turn (tcoder.reports.casedata)
    cases: tuple[dict[str, list], dict[str, list], list[str], LeftOutTurns] | None = None
    code_counts: dict[str, int] | None = None  # rows per code, when the rows themselves are not kept


def transcript_rows(study: Study, ref: TranscriptRef, coders: list[str], known: set[str], policy: str,
                    autocoded: str = "include", apprentice: str = "include", quotes: bool = True,
                    lines: bool = True) -> TranscriptRows:
    """The segments of the chosen ``coders`` on one transcript (``quotes``: with their text;
    ``lines``: with their line numbers, else 0)."""
    out = TranscriptRows(ref.name)
    wanted = set(coders)
    present = [c for c in study.coders_of(ref) if c in wanted]
    if not present:
        return out
    transcript = study.transcript(ref)
    text = transcript.text
    length = len(text)
    turns = transcript.turns
    starts = [t.start for t in turns]
    line_starts = transcript.line_starts if lines else []
    rows = out.rows
    for coder in present:
        try:
            loaded = study.load_annotations(ref, coder, known)
        except TcoderError as exc:
            out.errors.extend(exc.problems)
            continue
        status = decide(coder, file_status(loaded.file), len(loaded.annotations), policy)  # type: ignore[arg-type]
        if not status.counted:
            out.left_out.append((ref.name, status))
            continue
        if status.state == UNMARKED:
            out.unmarked.append((ref.name, status))
        out.counted.append(coder)
        for a in loaded.file.annotations:
            if a.orphaned:
                out.orphaned += 1
                continue
            if a.end > length:
                out.errors.append(Problem(f"annotation {a.id} ({a.code}) spans [{a.start}, {a.end}) but the "
                                          f"transcript has only {plural(length, 'character')}", loaded.path))
                continue
            if not apprentice_counts_under(a, coder, apprentice):
                out.accepted_left_out += 1
                continue
            if machine_made(a, coder):
                out.accepted[coder] = out.accepted.get(coder, 0) + 1
            query = autocode_query(a) if a.extra else None  # its marker is an extra field
            if not counts_under(a, autocoded):
                out.machine_left_out += query is not None
                continue
            if query is not None:
                out.machine[coder] = out.machine.get(coder, 0) + 1
            code = a.code
            if code not in known:
                out.unknown_codes[code] = out.unknown_codes.get(code, 0) + 1
            start = a.start
            i = bisect.bisect_right(starts, start) - 1
            speaker = turns[i].speaker if i >= 0 and start < turns[i].end else None
            rows.append((coder, code, speaker or "", start, a.end, text[start:a.end] if quotes else "",
                         a.memo or "", a.id, bisect.bisect_right(line_starts, start) if lines else 0, query or ""))
    return out


class Scan:
    """What the transcripts' rows say, added up over the study (files that count, problems, counts)."""

    def __init__(self, coders: list[str]) -> None:
        self.files: dict[str, set[str]] = {c: set() for c in coders}
        self.errors: list[Problem] = []
        self.orphaned = 0
        self.unknown_codes: dict[str, int] = {}
        self.left_out: list[tuple[str, CoderStatus]] = []
        self.unmarked: list[tuple[str, CoderStatus]] = []
        self.machine: dict[str, int] = {}
        self.machine_left_out = 0
        self.accepted: dict[str, int] = {}
        self.accepted_left_out = 0
        self.code_counts: dict[str, int] = {}  # code -> rows
        self.rows = 0

    def add(self, found: TranscriptRows, code_counts: dict[str, int] | None = None) -> None:
        """Count one transcript in (``code_counts``: its rows per code, when its rows were not kept)."""
        for coder in found.counted:
            self.files[coder].add(found.name)
        self.errors.extend(found.errors)
        self.orphaned += found.orphaned
        _add(self.unknown_codes, found.unknown_codes)
        self.left_out.extend(found.left_out)
        self.unmarked.extend(found.unmarked)
        _add(self.machine, found.machine)
        self.machine_left_out += found.machine_left_out
        _add(self.accepted, found.accepted)
        self.accepted_left_out += found.accepted_left_out
        if code_counts is None:
            code_counts = {}
            for row in found.rows:
                code_counts[row[1]] = code_counts.get(row[1], 0) + 1
        _add(self.code_counts, code_counts)
        self.rows += sum(code_counts.values())


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for key, n in more.items():
        total[key] = total.get(key, 0) + n

"""``report segments --format csv`` written transcript by transcript.

The CSV lists segments in reading order (transcript, then position), so each transcript's
rows can be read, sorted and written on their own: transcripts are read in worker processes
(tcoder.parallel), their rows written as they arrive, in order, and let go. Memory holds a
few transcripts, not the study, and the bytes are those of the whole-study table
(tcoder.reports.segments), column for column. The rows go to a temporary file first, so an
annotation problem found in the last transcript still leaves no partial report behind.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from tcoder.annotations import AUTOCODE_FIELD
from tcoder.coding_status import policy_of
from tcoder.errors import Problem, TcoderError
from tcoder.reports.rows import Scan, TranscriptRows, transcript_rows

if TYPE_CHECKING:
    from tcoder.reports.data import ReportData, Selection
    from tcoder.study import Study

#: Column names that would make the whole-study table hide or move a column: a study whose
#: attributes use one is written by that table instead.
_RESERVED = {"transcript", "coder", "code", "code_name", "speaker", "start", "end", "quote", "memo", "id", "line",
             "participant", "role", AUTOCODE_FIELD}


def can_stream(study: Study, selection: Selection) -> bool:
    """Whether this selection's CSV can be written transcript by transcript: every code asked
    for is a codebook id (a name, or a code only the annotations use, is resolved against the
    whole study), and no attribute is named like a segment column."""
    if selection.codes is not None and not all(c in study.codebook for c in selection.codes):
        return False
    names = set(study.attributes.columns) | set(study.participants.columns)
    return not names & _RESERVED


@dataclass
class _Piece:
    """One transcript's CSV rows, and what it says about the study (its rows let go)."""

    found: TranscriptRows
    code_counts: dict[str, int]
    data: bytes
    part: str | None = None  # the file a worker wrote its rows to, instead of sending them


class _Columns:
    """How a row of the whole-study table gets its participant, role and attribute columns."""

    def __init__(self, study: Study) -> None:
        self.people = study.participants
        self.attributes = study.attributes
        self.who = self.people.defined
        self.transcript_columns = list(dict.fromkeys(self.attributes.columns))
        self.people_columns = list(dict.fromkeys(self.people.columns))
        self.names = self.transcript_columns + [c for c in self.people_columns if c not in self.transcript_columns]

    def head(self, machine: bool) -> list[str]:
        return (["transcript", "coder", "code", "code_name", "speaker"] + (["participant", "role"] if self.who else [])
                + ["start", "end", "quote", "memo"] + ([AUTOCODE_FIELD] if machine else []) + self.names)

    def values(self, transcript: str, speaker: str) -> tuple[list[str], list[str]]:
        """(participant and role, the attribute columns) for a speaker of a transcript."""
        entry = self.people.entry(transcript, speaker or None)
        participant = (entry.participant or "") if entry else ""
        own = self.attributes.of(transcript) if self.transcript_columns else {}
        values = {c: own.get(c, "") for c in self.transcript_columns}
        if participant:
            mine = self.people.attributes_of(participant)
            for c in self.people_columns:
                values[c] = mine.get(c, "")
        else:
            for c in self.people_columns:
                values.setdefault(c, "")
        return ([participant, (entry.role or "") if entry else ""] if self.who else []), [values[c] for c in self.names]


def write(study: Study, selection: Selection, coders: list[str], coder_note: str, path: str | None,
          redact: bool, before_writing: Callable[[ReportData, int], None]) -> ReportData:
    """Write the CSV to ``path`` (None or '-': standard output); ``before_writing(data, rows)``
    says what the report rests on once every transcript is read, before the text goes out."""
    from tcoder.reports.data import select_codes

    codebook = study.codebook
    known = set(codebook.codes)
    wanted = set(coders)
    policy = selection.policy or policy_of(study)
    chosen = None if selection.codes is None else set(select_codes(codebook, selection, []))
    names = {cid: c.name for cid, c in codebook.codes.items()}
    columns = _Columns(study)
    refs = sorted((ref for ref in study.transcripts if any(c in wanted for c in study.coders_of(ref))),
                  key=lambda ref: ref.name)
    by_name = {ref.name: ref for ref in refs}
    if redact:
        from tcoder.quotes import withheld

    def piece(name: str, machine_column: bool) -> _Piece:
        found, code_counts, rows = _in_reading_order(study, by_name[name], coders, known, policy, selection)
        if found.errors:
            return _Piece(found, code_counts, b"")
        lines: list[str] = []
        # the cells before the offsets, and the attributes, are the same for many rows: written once
        heads: dict[tuple[str, str, str], str] = {}
        tails: dict[str, str] = {}
        for coder, code, speaker, start, end, quote, memo, _id, _line, query in rows:
            if chosen is not None and code not in chosen:
                continue
            head = heads.get((coder, code, speaker))
            if head is None:
                who, attributes = columns.values(name, speaker)
                head = heads[coder, code, speaker] = ",".join(
                    _cell(f) for f in (name, coder, code, names.get(code, code), speaker, *who))
                tails[speaker] = "".join("," + _cell(v) for v in attributes)
            lines.append(f"{head},{start},{end},{_cell(withheld(quote) if redact else quote)},{_cell(memo)}"
                         f"{',' + _cell(query) if machine_column else ''}{tails[speaker]}")
        lines.append("")
        data = _encoded("\n".join(lines) if len(lines) > 1 else "")
        if os.getpid() != here and data:
            # from a worker, through a file the main process appends in the kernel: not pickled, piped and copied
            part = os.path.join(parts, f"{position[name]}.csv")
            with open(part, "wb") as stream:
                stream.write(data)
            return _Piece(found, code_counts, b"", part)
        return _Piece(found, code_counts, data)

    def spool(handle: IO[bytes], machine_column: bool) -> Scan:
        from tcoder.parallel import map_ordered

        scan = Scan(coders)
        handle.write(_line(columns.head(machine_column)))
        for done in map_ordered(lambda name: piece(name, machine_column), list(by_name)):
            scan.add(done.found, done.code_counts)
            if done.part is not None:
                if not scan.errors:
                    _append(handle, done.part)
                os.unlink(done.part)
            elif not scan.errors:
                handle.write(done.data)
        return scan

    here = os.getpid()
    position = {name: i for i, name in enumerate(by_name)}
    parts = tempfile.mkdtemp(prefix="tcoder-segments-")
    try:
        return _written(path, spool, study, selection, coders, coder_note, columns, before_writing)
    finally:
        shutil.rmtree(parts, ignore_errors=True)


def _written(path, spool, study, selection, coders, coder_note, columns, before_writing) -> ReportData:
    from tcoder.outputs import streamed_output
    from tcoder.reports.data import concluded, empty_frame

    with streamed_output(path) as handle:
        scan = spool(handle, False)
        if scan.machine and not scan.errors:
            # passages made by tcoder autocode are among them: every row gets the autocode column
            handle.seek(0)
            handle.truncate()
            scan = spool(handle, True)
        if scan.errors:
            raise TcoderError(scan.errors + [Problem("the report would leave these annotations out; fix them first "
                                                     "('tcoder check STUDY' lists every problem)")])
        data = concluded(study, selection, coders, coder_note, scan, empty_frame(columns.head(bool(scan.machine))))
        before_writing(data, scan.rows)
    return data


def _append(handle: IO[bytes], part: str) -> None:
    """Append a file to ``handle``, copied by the kernel where it can."""
    handle.flush()
    with open(part, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        sent = 0
        try:
            while sent < size:
                done = os.sendfile(handle.fileno(), source.fileno(), sent, size - sent)
                if not done:
                    break
                sent += done
        except OSError:
            if sent:
                raise
        if sent < size:  # no sendfile for these files: copied through memory
            source.seek(sent)
            shutil.copyfileobj(source, handle, 1 << 20)


def _line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return _encoded(buffer.getvalue())


def _quoted_characters() -> tuple[str, ...]:
    """The characters that make Python's CSV writer quote a field (as pandas writes CSV: minimal
    quoting, LF line ends), asked of the writer itself, so a cell is written as it writes it."""
    quoted = []
    for c in ',"\n\r':
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(["a", f"a{c}b"])
        if buffer.getvalue().startswith('a,"'):
            quoted.append(c)
    return tuple(quoted)


_QUOTED = _quoted_characters()


def _cell(value: str) -> str:
    """One CSV cell as the csv module writes it (about three times faster than its writer on long quotes)."""
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    for c in _QUOTED:
        if c in value:
            return '"' + value + '"'
    return value


def _encoded(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: shown as \udNNN, as every report writes it
        from tcoder.errors import printable

        return printable(text).encode("utf-8")



#: The terminal table's columns (the quote shortened to TABLE_QUOTE characters).
TABLE_COLUMNS = ["transcript", "coder", "code", "speaker", "start", "end", "quote"]


def _in_reading_order(study: Study, ref, coders: list[str], known: set[str], policy,
                      selection: Selection) -> tuple[TranscriptRows, dict[str, int], list]:
    """One transcript's segment rows (taken out of what was found, which keeps its counts and
    errors), how many of each code, and the rows in reading order, as the whole-study table
    sorts them: start, end, code, coder (stable). The transcript is let go."""
    found = transcript_rows(study, ref, coders, known, policy, selection.autocoded, selection.apprentice,
                            lines=False)
    study.forget_transcript(ref)
    rows, found.rows = found.rows, []
    code_counts: dict[str, int] = {}
    for row in rows:
        code_counts[row[1]] = code_counts.get(row[1], 0) + 1
    rows.sort(key=lambda r: (r[3], r[4], r[1], r[0]))
    return found, code_counts, rows


def table_stream(study: Study, selection: Selection, coders: list[str], coder_note: str, redact: bool,
                 batch: int = 256):
    """The terminal table of ``report segments`` drawn transcript by transcript: a first pass in
    the workers measures every column (Rich's widths depend on each column's longest word and
    widest line only) and counts the rows, then each transcript's rows are drawn in a worker with
    those widths, a batch of transcripts at a time, so a paged table never holds more than a
    batch's drawing. Returns (the report's data, the rows, the shortened quotes, the pieces of
    text) or None when the table is short enough to draw at once (the whole-study table does)."""
    from rich.text import Text

    from tcoder.parallel import map_ordered
    from tcoder.reports.data import concluded, empty_frame, select_codes
    from tcoder.reports.output import TABLE_CHUNK, _width, cell, draw_rows, measure_column, measured_widths
    from tcoder.reports.segments import TABLE_QUOTE
    from tcoder.textsafe import inert, inert_lines

    known = set(study.codebook.codes)
    wanted = set(coders)
    policy = selection.policy or policy_of(study)
    chosen = None if selection.codes is None else set(select_codes(study.codebook, selection, []))
    refs = {ref.name: ref for ref in sorted((r for r in study.transcripts if any(c in wanted for c in study.coders_of(r))),
                                            key=lambda r: r.name)}
    if redact:
        from tcoder.quotes import withheld

    def cells(name: str) -> tuple[TranscriptRows, dict[str, int], list[list[str]], int]:
        found, code_counts, rows = _in_reading_order(study, refs[name], coders, known, policy, selection)
        shown, long = [], 0
        for coder, code, speaker, start, end, quote, *_ in rows:
            if chosen is not None and code not in chosen:
                continue
            quote = withheld(quote) if redact else quote
            if len(quote) > TABLE_QUOTE:
                quote, long = quote[:TABLE_QUOTE - 1] + "\u2026", long + 1
            shown.append([inert(cell(v)) for v in (name, coder, code, speaker, start, end, quote)])
        return found, code_counts, shown, long

    def measure(name: str) -> tuple[TranscriptRows, dict[str, int], list[tuple[int, int]], int, int]:
        found, code_counts, shown, long = cells(name)
        measured = [measure_column([row[i] for row in shown]) for i in range(len(TABLE_COLUMNS))]
        return found, code_counts, measured, len(shown), long

    scan = Scan(coders)
    measured = [(0, 0)] * len(TABLE_COLUMNS)
    sizes: dict[str, int] = {}
    total = shortened = 0
    for name, (found, code_counts, mine, rows, long) in zip(refs, map_ordered(measure, list(refs)), strict=True):
        scan.add(found, code_counts)
        measured = [(max(a, c), max(b, d)) for (a, b), (c, d) in zip(measured, mine, strict=True)]
        if rows:
            sizes[name] = rows
        total += rows
        shortened += long
    if scan.errors:
        raise TcoderError(scan.errors + [Problem("the report would leave these annotations out; fix them first "
                                                 "('tcoder check STUDY' lists every problem)")])
    data = concluded(study, selection, coders, coder_note, scan, empty_frame(TABLE_COLUMNS))
    if total <= TABLE_CHUNK:
        return None
    width = _width()
    title = f"Coded segments ({total})"
    heads = [Text(inert_lines(c)) for c in TABLE_COLUMNS]
    justify = ["right" if c in ("start", "end") else "left" for c in TABLE_COLUMNS]
    widths = measured_widths(heads, justify, title, measured, width)
    names = list(sizes)

    def draw(name: str) -> str:
        return draw_rows(heads, justify, title, cells(name)[2], width, widths, first=name == names[0],
                         last=name == names[-1])

    def pieces():
        for start in range(0, len(names), batch):  # a batch at a time: a paused pager holds one batch
            yield from map_ordered(draw, names[start:start + batch])

    return data, total, shortened, pieces()

"""``tcoder participants fill``: rows for every speaker found in the transcripts.

Rows already in ``speakers.csv`` and ``participants.csv`` are kept byte for byte;
new rows are appended. Roles are guessed from the label (``Interviewer``,
``Moderator``, ``Observer``...; everyone else is a participant) and ids from
the name, the same name meaning the same person across transcripts unless it
is a generic label such as ``Speaker 2``. A participant who is the only
participant of a transcript with a row in ``attributes.csv`` gets that row's
values for the columns both files share (a one-to-one interview's attributes
are its participant's). Everything guessed is listed for review.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from tcoder.atomicio import atomic_write_text
from tcoder.participants import PARTICIPANT, SPEAKER_COLUMNS
from tcoder.study import Study

_ROLE_PATTERNS = (
    ("moderator", re.compile(r"\b(moderator|facilitator|mod)\b", re.IGNORECASE)),
    ("interviewer", re.compile(r"\b(interviewer|researcher|int|iv|q)\b|^i$", re.IGNORECASE)),
    ("observer", re.compile(r"\b(observer|note[- ]?taker|scribe)\b", re.IGNORECASE)),
)
_GENERIC = re.compile(r"^(speaker|participant|respondent|person|p|r|s)[\s_-]*\d+$", re.IGNORECASE)


def guess_role(label: str) -> str:
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(label):
            return role
    return PARTICIPANT


def slug(text: str) -> str:
    """An id easy to type: lower case, accents dropped (Tomás -> tomas), other runs of symbols as '-'."""
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", "-", folded.strip().lower()).strip("-") or "speaker"


@dataclass
class FillPlan:
    speaker_rows: list[list[str]] = field(default_factory=list)  # transcript, speaker, participant, role
    people_rows: list[list[str]] = field(default_factory=list)  # participant, attribute values...
    people_columns: list[str] = field(default_factory=list)
    seeded: dict[str, str] = field(default_factory=dict)  # participant -> transcript its values came from
    unreadable: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.speaker_rows and not self.people_rows


def plan_fill(study: Study) -> FillPlan:
    """The rows that ``fill`` would add (nothing is written)."""
    from tcoder.errors import TcoderError

    participants = study.participants
    plan = FillPlan()
    plan.people_columns = list(participants.columns) if participants.path is not None else list(
        study.attributes.columns)
    known_people = set(participants.people)
    new_people: dict[str, str] = {}  # id -> transcript of first appearance
    only_participant: dict[str, str] = {}  # id -> transcript where they are its single participant
    for ref in study.transcripts:
        try:
            transcript = study.transcript(ref)
        except TcoderError:
            plan.unreadable.append(ref.name)
            continue
        listed = participants.entries.get(ref.name, {})
        added_here: list[str] = []
        for label in transcript.speakers:
            if label in listed:
                continue
            role = guess_role(label)
            pid = ""
            if role == PARTICIPANT:
                pid = slug(f"{ref.stem}-{label}") if _GENERIC.match(label) else slug(label)
                if pid not in known_people and pid not in new_people:
                    new_people[pid] = ref.name
                added_here.append(pid)
            plan.speaker_rows.append([ref.name, label, pid, role])
        everyone = [e.participant for e in listed.values() if e.role == PARTICIPANT] + added_here
        if len(everyone) == 1 and added_here:
            only_participant[added_here[0]] = ref.name
    attributes = study.attributes
    for pid in new_people:
        values = {}
        source = only_participant.get(pid)
        if source is not None and attributes.of(source):
            values = attributes.of(source)
            plan.seeded[pid] = source
        plan.people_rows.append([pid] + [values.get(c, "") for c in plan.people_columns])
    return plan


def write_fill(study: Study, plan: FillPlan) -> list[Path]:
    """Append the planned rows (creating the files with their headers if needed); returns the files written."""
    written = []
    people_path = study.root / study.settings.participants
    speakers_path = study.root / study.settings.speakers
    if plan.people_rows:
        append_rows(people_path, ["participant"] + plan.people_columns, plan.people_rows)
        written.append(people_path)
    if plan.speaker_rows:
        append_rows(speakers_path, list(SPEAKER_COLUMNS), plan.speaker_rows)
        written.append(speakers_path)
    return written


def append_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Rows added at the end of a CSV file (its bytes, separator, line ends and byte-order mark
    kept), or a new file with a header."""
    atomic_write_text(path, appended_rows(path, header, rows))


def appended_rows(path: Path, header: list[str], rows: list[list[str]]) -> str:
    """The text of a CSV file with ``rows`` added at its end (see :func:`append_rows`)."""
    from tcoder.errors import Problem, TcoderError

    old = ""
    bom = ""
    delimiter = ","
    if path.exists():
        from tcoder.csvsource import read_csv_table

        delimiter = read_csv_table(path).delimiter
        from tcoder.safeio import TABLE_LIMIT, read_file

        raw = read_file(path, limit=TABLE_LIMIT, what="the table")
        try:
            old = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise TcoderError(Problem("not UTF-8: save it as UTF-8 (\"CSV UTF-8\" in a spreadsheet) before tcoder "
                                      "adds rows to it", path)) from None
        if old.startswith("\ufeff"):
            bom, old = "\ufeff", old[1:]
    newline = "\r\n" if "\r\n" in old else "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    if not old.strip():
        old = ""
        writer.writerow(header)
    writer.writerows(rows)
    prefix = old if not old or old.endswith("\n") else old + newline
    return bom + prefix + buffer.getvalue()

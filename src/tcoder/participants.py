"""Who speaks: ``participants.csv`` (one row per person, with attributes) and
``speakers.csv`` (one row per speaker label in each transcript: which person it
is and in what role).

```csv
participant,group,gender,year_of_study,age
amara,intervention,woman,MS3,27
```

```csv
transcript,speaker,participant,role
interviews/P01.txt,Interviewer,rk,interviewer
interviews/P01.txt,Amara,amara,participant
focus-groups/FG1.txt,Amara,amara,participant
```

A person can speak in several transcripts (an interview and a focus group);
their role is given per transcript. Transcripts are named as in
``attributes.csv`` (path, file name or unambiguous stem). ``tcoder
participants fill`` writes the rows of every speaker found so nobody types
them. Which turns count for agreement, uncoded-turn jumps and reports is
decided from these roles in :mod:`tcoder.turnrule`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

from tcoder.attributes import transcript_resolver
from tcoder.csvsource import CsvRow, CsvTable, read_csv_table
from tcoder.errors import Problem, TcoderError
from tcoder.numbers import plural
from tcoder.yamlsource import suggest

PARTICIPANT = "participant"
ROLES = ("participant", "interviewer", "moderator", "observer")
PARTICIPANTS_FILE = "participants.csv"
SPEAKERS_FILE = "speakers.csv"
SPEAKER_COLUMNS = ("transcript", "speaker", "participant", "role")


@dataclass(frozen=True, slots=True)
class SpeakerEntry:
    """One row of speakers.csv: a speaker label in one transcript."""

    transcript: str  # study-relative name
    speaker: str  # the label as it appears in the transcript, without the colon
    participant: str  # a participant id; '' for a non-participant role left anonymous
    role: str
    line: int = 0
    column: int | None = None  # of the speaker cell


@dataclass
class Participants:
    """The study's people and who speaks where. Empty when the study has neither file."""

    path: Path | None = None  # participants.csv, when it exists
    speakers_path: Path | None = None  # speakers.csv, when it exists
    columns: list[str] = field(default_factory=list)  # attribute names (without 'participant')
    people: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> attribute values
    entries: dict[str, dict[str, SpeakerEntry]] = field(default_factory=dict)  # transcript -> label -> entry

    @property
    def defined(self) -> bool:
        """Whether the study says who speaks (it has a speakers file)."""
        return self.speakers_path is not None

    def entry(self, transcript: str, speaker: str | None) -> SpeakerEntry | None:
        if speaker is None:
            return None
        return self.entries.get(transcript, {}).get(speaker)

    def role(self, transcript: str, speaker: str | None) -> str | None:
        found = self.entry(transcript, speaker)
        return found.role if found else None

    def participant(self, transcript: str, speaker: str | None) -> str | None:
        found = self.entry(transcript, speaker)
        return found.participant or None if found else None

    def attributes_of(self, participant: str) -> dict[str, str]:
        return self.people.get(participant, {})

    def in_transcript(self, transcript: str, role: str = PARTICIPANT) -> list[str]:
        """The ids of the people with ``role`` in a transcript, in file order, once each."""
        seen: dict[str, None] = {}
        for e in self.entries.get(transcript, {}).values():
            if e.role == role and e.participant:
                seen.setdefault(e.participant, None)
        return list(seen)

    def cases(self, transcripts: Iterable[str] | None = None) -> list[str]:
        """People who take part as participants (in the given transcripts), in participants.csv order."""
        wanted = None if transcripts is None else set(transcripts)
        found = {e.participant for t, by_label in self.entries.items() if wanted is None or t in wanted
                 for e in by_label.values() if e.role == PARTICIPANT and e.participant}
        return [p for p in self.people if p in found] + sorted(found - set(self.people))

    def values(self, column: str, people: Iterable[str] | None = None) -> list[str]:
        chosen = self.people if people is None else people
        return sorted({self.attributes_of(p).get(column, "") for p in chosen} - {""})


def read_participants(root: Path, people_file: str, speakers_file: str,
                      transcripts: list[str]) -> tuple[Participants, list[Problem]]:
    """Read both files (either may be missing) and check them against each other and the
    study's transcripts. Problems name the file, line and column; rows with errors are left out."""
    result = Participants()
    problems: list[Problem] = []
    people_path, speakers_path = root / people_file, root / speakers_file
    if os.path.lexists(people_path):  # a pipe or a broken link is reported, not skipped
        table = _read(people_path, problems)
        if table is not None:
            _people(table, result, problems)
    if os.path.lexists(speakers_path):
        table = _read(speakers_path, problems)
        if table is not None:
            _speakers(table, result, transcripts, problems)
    elif result.path is not None:
        problems.append(Problem(f"{people_file} lists people but there is no {speakers_file} saying who speaks "
                                "in which transcript; 'tcoder participants fill STUDY' writes it", people_path,
                                severity="warning"))
    return result, problems


def _read(path: Path, problems: list[Problem]) -> CsvTable | None:
    try:
        table = read_csv_table(path)
    except TcoderError as exc:
        problems.extend(exc.problems)
        return None
    problems.extend(table.warnings)
    return table


def _people(table: CsvTable, result: Participants, problems: list[Problem]) -> None:
    path = table.path
    header = table.header
    if not header or header[0].lower() != "participant":
        problems.append(Problem("the first column must be 'participant' (each person's id)", path, 1, 1))
        return
    result.path = path
    columns = header[1:]
    for i, name in enumerate(columns):
        if not name:
            problems.append(Problem(f"column {i + 2} has no name", path, 1))
            return
        if name in columns[:i] or name.lower() == "participant":
            problems.append(Problem(f"the column {name!r} appears twice", path, 1))
            return
    result.columns = columns
    first_line: dict[str, int] = {}
    for row in table.rows:
        if len(row.cells) != len(header):
            problems.append(Problem(f"this row has {len(row.cells)} cells but the header has {len(header)}",
                                    path, row.line))
            continue
        pid = row.cells[0]
        if not pid:
            problems.append(Problem("the participant id is empty", path, row.line, 1))
            continue
        if pid in first_line:
            problems.append(Problem(f"the participant id {pid!r} is used twice (lines {first_line[pid]} and "
                                    f"{row.line}); give each person one row", path, row.line, 1))
            continue
        first_line[pid] = row.line
        result.people[pid] = dict(zip(columns, row.cells[1:], strict=False))


def _speakers(table: CsvTable, result: Participants, transcripts: list[str], problems: list[Problem]) -> None:
    path = table.path
    header = [h.lower() for h in table.header]
    missing = [c for c in ("transcript", "speaker", "role") if c not in header]
    unknown = [h for h in header if h not in SPEAKER_COLUMNS]
    if missing or unknown:
        what = []
        if missing:
            what.append(f"no {', '.join(map(repr, missing))} column")
        what.extend(f"unknown column {h!r}{suggest(h, SPEAKER_COLUMNS)}" for h in unknown)
        problems.append(Problem(f"{'; '.join(what)}; the columns are {', '.join(SPEAKER_COLUMNS)}", path, 1, 1))
        return
    result.speakers_path = path
    at = {name: header.index(name) for name in SPEAKER_COLUMNS if name in header}
    resolve = transcript_resolver(transcripts)
    seen: dict[tuple[str, str], int] = {}
    roles_of: dict[tuple[str, str], tuple[str, int]] = {}  # (transcript, participant) -> (role, line)
    for row in table.rows:
        if len(row.cells) != len(header):
            problems.append(Problem(f"this row has {len(row.cells)} cells but the header has {len(header)}",
                                    path, row.line))
            continue

        def cell(name: str, row: CsvRow = row) -> str:
            return row.cells[at[name]] if name in at else ""

        def column(name: str, row: CsvRow = row) -> int | None:
            return row.column_of(at[name]) if name in at else None

        named, speaker, pid, role = cell("transcript"), cell("speaker"), cell("participant"), cell("role").lower()
        transcript, why = resolve(named)
        if transcript is None:
            problems.append(Problem(f"{named!r} {why}" if named else "the transcript is empty", path, row.line,
                                    column("transcript")))
            continue
        if not speaker:
            problems.append(Problem("the speaker label is empty", path, row.line, column("speaker")))
            continue
        if role not in ROLES:
            problems.append(Problem(f"unknown role {cell('role')!r}{suggest(role, ROLES)}; a role is one of "
                                    f"{', '.join(ROLES)}", path, row.line, column("role")))
            continue
        key = (transcript, speaker)
        if key in seen:
            problems.append(Problem(f"the speaker {speaker!r} of {transcript} has two rows (lines {seen[key]} and "
                                    f"{row.line})", path, row.line, column("speaker")))
            continue
        if role == PARTICIPANT and not pid:
            problems.append(Problem(f"the speaker {speaker!r} of {transcript} is a participant but has no "
                                    "participant id", path, row.line, column("participant")))
            continue
        if pid and result.path is not None and pid not in result.people:
            problems.append(Problem(f"no participant {pid!r} in {result.path.name}{suggest(pid, list(result.people))}"
                                    f"; add a row for them there", path, row.line, column("participant")))
            continue
        if pid:
            earlier = roles_of.get((transcript, pid))
            if earlier is not None and earlier[0] != role:
                problems.append(Problem(f"{pid!r} has two roles in {transcript}: {earlier[0]} (line {earlier[1]}) "
                                        f"and {role}; a person has one role in a transcript", path, row.line,
                                        column("role")))
                continue
            roles_of[(transcript, pid)] = (role, row.line)
        seen[key] = row.line
        result.entries.setdefault(transcript, {})[speaker] = SpeakerEntry(transcript, speaker, pid, role, row.line,
                                                                                     column("speaker"))


def speaker_problems(participants: Participants, transcript: str, speakers: list[str]) -> list[Problem]:
    """Rows for labels that never speak in the transcript (errors) and labels that speak
    but have no row (warnings): both mean the file and the transcript disagree."""
    if not participants.defined:
        return []
    path = participants.speakers_path
    listed = participants.entries.get(transcript, {})
    problems = []
    spoken = set(speakers)
    for label, e in listed.items():
        if label not in spoken:
            heard = ", ".join(speakers) or "no labelled turns"
            problems.append(Problem(f"the speaker {label!r} never speaks in {transcript}{suggest(label, speakers)} "
                                    f"(its speakers: {heard})", path, e.line, e.column))
    unlisted = [s for s in speakers if s not in listed]
    if unlisted:
        problems.append(Problem(f"{transcript}: {plural(len(unlisted), 'speaker')} not in {path.name if path else ''}: "
                                f"{', '.join(unlisted)}; their turns count as a participant's with no id "
                                "('tcoder participants fill' adds them)", path, severity="warning"))
    return problems


# ---------------------------------------------------------------- attributes by level

Level = Literal["transcript", "participant"]


@dataclass(frozen=True)
class Grouping:
    """What ``--by`` names: an attribute and whether it belongs to transcripts or participants."""

    attribute: str
    level: Level

    @property
    def cases(self) -> str:
        return "participants" if self.level == "participant" else "transcripts"


class GroupingError(ValueError):
    pass


class GroupingFilesError(TcoderError):
    """The file an attribute comes from has errors: groups by it would rest on rows that
    were ignored (a second row of a transcript, a row with too few cells). A problem in the
    study's files, not in the command line: not a GroupingError, so it reaches the user as
    every TcoderError does (exit 1; a screen shows it)."""


def resolve_grouping(study, name: str) -> Grouping:
    """``--by NAME``: a participant attribute when participants.csv has the column (people are the
    cases), else a transcript attribute. ``participant.NAME`` or ``transcript.NAME`` choose outright."""
    return _usable(study, _grouping(study, name))


def _grouping(study, name: str) -> Grouping:
    participant_columns = study.participants.columns
    transcript_columns = study.attributes.columns
    prefix, dot, rest = name.partition(".")
    if dot and prefix in ("participant", "transcript"):
        columns = participant_columns if prefix == "participant" else transcript_columns
        if rest not in columns:
            raise GroupingError(f"no {prefix} attribute {rest!r}; {_have(study)}")
        return Grouping(rest, prefix)  # type: ignore[arg-type]
    if name in participant_columns:
        if not study.participants.defined:
            raise GroupingError(f"{name!r} is a participant attribute but the study has no "
                                f"{study.settings.speakers} saying who speaks ('tcoder participants fill')")
        return Grouping(name, "participant")
    if name in transcript_columns:
        return Grouping(name, "transcript")
    raise GroupingError(f"no attribute {name!r}; {_have(study)}")


def _usable(study, grouping: Grouping) -> Grouping:
    """The grouping, unless the files its values come from have errors (what check calls
    errors: a row read twice or not at all), when the groups cannot be told."""
    problems = study.participant_problems if grouping.level == "participant" else study.attribute_problems
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        files = "the speakers and participants files" if grouping.level == "participant" else "attributes.csv"
        raise GroupingFilesError(errors + [Problem(
            f"{files} {'have' if grouping.level == 'participant' else 'has'} errors (above), so the groups of "
            f"{grouping.attribute!r} "
            "would rest on rows tcoder ignored: fix them first ('tcoder check STUDY' lists them)")])
    return grouping


def _have(study) -> str:
    people = ", ".join(study.participants.columns) or "none"
    transcripts = ", ".join(study.attributes.columns) or "none (there is no attributes.csv)"
    return f"participant attributes: {people}; transcript attributes: {transcripts}"

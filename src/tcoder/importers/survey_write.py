"""Writing an imported survey into a study: documents, speakers.csv rows, participants.csv.

Documents are written first (each atomically, never over an existing file), then the
speaker rows are appended, then participants.csv gets the respondents: new ids as new
rows, new columns added to every row, and a respondent already there (interviewed
too) gets the new columns filled in. A value that contradicts one already there stops
the import before anything is written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tcoder.atomicio import atomic_write_text
from tcoder.errors import Problem, TcoderError
from tcoder.importers.survey import SurveyPlan
from tcoder.participants import SPEAKER_COLUMNS
from tcoder.participants_fill import append_rows
from tcoder.study import Study


def merged_people(study: Study, plan: SurveyPlan) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The columns and rows participants.csv will have; raises TcoderError on a contradiction."""
    people = study.participants
    columns = list(people.columns) + [c for c in plan.closed if c not in people.columns]
    rows = {pid: dict(values) for pid, values in people.people.items()}
    problems = []
    for pid, answers in plan.people.items():
        row = rows.setdefault(pid, {})
        for column, value in answers.items():
            old = row.get(column, "")
            if old and value and old != value:
                problems.append(Problem(f"participant {pid!r} has {column} = {old!r} there but the survey says "
                                        f"{value!r}; settle it in one of the files and import again",
                                        study.root / study.settings.participants))
            elif value:
                row[column] = value
    if problems:
        raise TcoderError(problems)
    return columns, rows


def write_survey(study: Study, plan: SurveyPlan) -> list[Path]:
    columns, rows = merged_people(study, plan)  # checked before anything is written
    written = []
    for name, text in plan.documents.items():
        path = study.root / name
        if path.exists():
            raise TcoderError(Problem("already exists; tcoder never replaces a transcript", path))
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
        written.append(path)
    speakers = study.root / study.settings.speakers
    append_rows(speakers, list(SPEAKER_COLUMNS), plan.speaker_rows)
    written.append(speakers)
    people_path = study.root / study.settings.participants
    _write_people(people_path, columns, rows)
    written.append(people_path)
    return written


def _write_people(path: Path, columns: list[str], rows: dict[str, dict[str, str]]) -> None:
    """participants.csv with every row (its separator and line ends kept when it exists)."""
    delimiter, newline, bom = ",", "\n", ""
    if path.exists():
        from tcoder.csvsource import read_csv_table

        delimiter = read_csv_table(path).delimiter
        raw = path.read_bytes()
        newline = "\r\n" if b"\r\n" in raw else "\n"
        bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(["participant", *columns])
    for pid, values in rows.items():
        writer.writerow([pid, *(values.get(c, "") for c in columns)])
    atomic_write_text(path, bom + buffer.getvalue())

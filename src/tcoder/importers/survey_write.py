"""Writing an imported survey into a study: documents, speakers.csv rows, participants.csv.

The documents (never over an existing file), the speaker rows appended to speakers.csv
and participants.csv with the respondents (new ids as new rows, new columns added to
every row, a respondent already there, interviewed too, with the new columns filled in)
are written as one operation (tcoder.changeset): crash-safe, recorded, and undone byte
for byte with ``tcoder undo``. A value that contradicts one already there stops the
import before anything is written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tcoder.changeset import ChangeSet, Operation, operation_lock
from tcoder.errors import Problem, TcoderError
from tcoder.importers.survey import SurveyPlan
from tcoder.participants import SPEAKER_COLUMNS
from tcoder.participants_fill import appended_rows
from tcoder.study import Study

#: The kind of operation a survey import records (see ``tcoder undo``).
SURVEY_KIND = "survey.import"


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


def write_survey(study: Study, plan: SurveyPlan, *, label: str = "import a survey", who: str = "") -> Operation:
    """Write the survey's documents, speaker rows and participants as one recorded operation."""
    root = study.root
    with operation_lock(root, who=who, purpose="a survey import"):
        columns, rows = merged_people(study, plan)  # checked before anything is written
        change = ChangeSet(root, SURVEY_KIND, label, who=who,
                           meta={"documents": len(plan.documents), "participants": len(plan.people)})
        for name, text in plan.documents.items():
            path = root / name
            if path.exists():
                raise TcoderError(Problem("already exists; tcoder never replaces a transcript", path))
            change.write(path, text.encode("utf-8"), before=None)
        speakers = root / study.settings.speakers
        change.write(speakers, appended_rows(speakers, list(SPEAKER_COLUMNS), plan.speaker_rows).encode("utf-8"))
        people_path = root / study.settings.participants
        change.write(people_path, _people_text(people_path, columns, rows).encode("utf-8"))
        return change.apply()


def _people_text(path: Path, columns: list[str], rows: dict[str, dict[str, str]]) -> str:
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
    return bom + buffer.getvalue()

"""Surveys become participants: one row per respondent in a CSV or XLSX export.

Each respondent becomes a participant (``participants.csv``) whose closed answers
are attributes; each open answer becomes a short document to code, one per
respondent and question (``survey/<question>/<id>.txt``) or one per respondent
with every open answer (``survey/<id>.txt``). In a document each question is a
turn of the speaker ``Survey`` (role interviewer, so its text holds no agreement
units and the uncoded-turn jump passes over it) and each answer a turn of the
respondent (role participant), all listed in ``speakers.csv``. So qualitative
codes of the open answers can be crosstabbed against survey groups.

Qualtrics exports (a second header row of question texts and a third of
``{"ImportId": ...}``) are recognised: the question texts head the documents.
A column is open when its answers read like prose (long, varied text); the
command shows the classification and ``--open`` / ``--closed`` / ``--skip``
override it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from tcoder.errors import Problem, TcoderError

SURVEY_SPEAKER = "Survey"
_ID_NAMES = re.compile(r"^(response[\s_-]*id|respondent([\s_-]*id)?|participant([\s_-]*id)?|id|record[\s_-]*id"
                       r"|_?uuid)$", re.IGNORECASE)
_UNSAFE_LABEL = re.compile(r"[:\n\r]|^[\[(*_\s]")


@dataclass
class Survey:
    path: Path
    columns: list[str]  # column names
    questions: dict[str, str]  # column -> question text (Qualtrics' second row), when known
    rows: list[dict[str, str]]  # one per respondent
    first_line: int  # the line (or spreadsheet row) of the first respondent
    warnings: list[Problem] = field(default_factory=list)


def read_survey(path: Path, sheet: str | None = None) -> Survey:
    """A CSV or XLSX export; one row per respondent after the header row or rows."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _xlsx_rows(path, sheet)
        warnings: list[Problem] = []
    else:
        from tcoder.safeio import TABLE_LIMIT, read_file
        from tcoder.transcript import decode_bytes

        decoded = decode_bytes(read_file(path, limit=TABLE_LIMIT, what="the survey"), path, coded=False)
        warnings = [Problem(w, path, severity="warning") for w in decoded.warnings]
        sample = decoded.text[:8192]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
        except csv.Error:
            dialect = csv.excel
        try:
            table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(decoded.text), delimiter=dialect.delimiter)]
        except csv.Error as exc:
            raise TcoderError(Problem(f"not a readable CSV table: {exc}", path)) from None
    table = [row for row in table if any(cell for cell in row)]
    if not table:
        raise TcoderError(Problem("the survey has no rows", path))
    header = table[0]
    for i, name in enumerate(header):
        if not name:
            raise TcoderError(Problem(f"column {i + 1} has no name in the header row", path, 1, None))
        if name in header[:i]:
            raise TcoderError(Problem(f"the column {name!r} appears twice in the header row", path, 1, None))
    questions: dict[str, str] = {}
    start = 1
    if len(table) >= 3 and any(cell.startswith('{"ImportId"') for cell in table[2]):
        questions = {c: q for c, q in zip(header, table[1], strict=False) if q and q != c}
        start = 3
    rows = []
    for number, row in enumerate(table[start:], start + 1):
        if len(row) > len(header) and any(row[len(header):]):
            raise TcoderError(Problem(f"this row has {len(row)} cells but the header has {len(header)}", path,
                                      number))
        rows.append({c: (row[i] if i < len(row) else "") for i, c in enumerate(header)})
    return Survey(path, header, questions, rows, start + 1, warnings)


def _xlsx_rows(path: Path, sheet: str | None) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise TcoderError(Problem(f"not a readable Excel workbook ({exc})", path)) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise TcoderError(Problem(f"no sheet {sheet!r}; it has {', '.join(book.sheetnames)}", path))
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        return [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()


def looks_open(answers: list[str]) -> bool:
    """Prose rather than a choice: long on average, or mostly several words and mostly different."""
    given = [a for a in answers if a]
    if not given:
        return False
    mean = sum(len(a) for a in given) / len(given)
    wordy = sum(1 for a in given if len(a.split()) >= 4) / len(given)
    varied = len(set(given)) / len(given)
    return mean >= 40 or (wordy >= 0.5 and varied >= 0.8)


#: Qualtrics' own columns: identifying ones and bookkeeping, never attributes unless asked for.
QUALTRICS_METADATA = ("StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
                      "Finished", "RecordedDate", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
                      "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel",
                      "UserLanguage", "Q_RecaptchaScore", "Q_RelevantIDDuplicate", "Q_BallotBoxStuffing")


def guess_id_column(survey: Survey) -> str | None:
    for column in survey.columns:
        if _ID_NAMES.match(column.strip()):
            return column
    return None


@dataclass
class SurveyPlan:
    id_column: str
    closed: list[str]
    open: list[str]
    skipped: list[str]
    per: str  # "question" or "respondent"
    folder: str
    documents: dict[str, str] = field(default_factory=dict)  # study-relative path -> text
    people: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> closed answers
    speaker_rows: list[list[str]] = field(default_factory=list)
    empty_answers: int = 0
    split_warnings: list[str] = field(default_factory=list)


def plan_survey(survey: Survey, id_column: str, closed: list[str], open_: list[str], skipped: list[str],
                per: str, folder: str) -> SurveyPlan:
    """Everything the import would write; raises TcoderError for ids that cannot be used."""
    from tcoder.participants_fill import slug
    from tcoder.transcript import find_turns

    plan = SurveyPlan(id_column, closed, open_, skipped, per, folder.strip("/") or "survey")
    problems = []
    seen: dict[str, int] = {}
    for number, row in enumerate(survey.rows, survey.first_line):
        rid = row[id_column]
        if not rid:
            problems.append(Problem(f"the respondent id ({id_column}) is empty", survey.path, number))
            continue
        if rid in seen:
            problems.append(Problem(f"the respondent id {rid!r} appears twice (rows {seen[rid]} and {number})",
                                    survey.path, number))
            continue
        if _UNSAFE_LABEL.search(rid) or len(rid) > 40:
            problems.append(Problem(f"the respondent id {rid!r} cannot be a speaker label (at most 40 characters, "
                                    "no colon or line break, not starting with a bracket, '*', '_' or a space)",
                                    survey.path, number))
            continue
        seen[rid] = number
        plan.people[rid] = {c: row[c] for c in closed}
        answers = [(c, row[c]) for c in open_ if row[c]]
        plan.empty_answers += sum(1 for c in open_ if not row[c])
        documents: list[tuple[str, list[tuple[str, str]]]] = []
        if per == "respondent":
            if answers:
                documents.append((f"{plan.folder}/{_file_name(rid)}.txt", answers))
        else:
            documents.extend((f"{plan.folder}/{slug(c)}/{_file_name(rid)}.txt", [(c, a)]) for c, a in answers)
        for name, parts in documents:
            if name in plan.documents:
                problems.append(Problem(f"the respondent id {rid!r} gives the file name {name} that another "
                                        "respondent's id gives too; make the ids differ in letters or digits",
                                        survey.path, number))
                continue
            turns = []
            for column, answer in parts:
                question = survey.questions.get(column, column)
                prompt = " ".join(question.split()) if question == column else \
                    f"{column}. {' '.join(question.split())}"
                turns.append(f"{SURVEY_SPEAKER}: {prompt}\n\n{rid}: {answer.strip()}\n")
            text = "\n".join(turns)
            found = [t.speaker for t in find_turns(text)]
            expected = [s for _ in parts for s in (SURVEY_SPEAKER, rid)]
            if found != expected:
                odd = sorted({s for s in found if s} - {SURVEY_SPEAKER, rid})
                plan.split_warnings.append(f"{name}: a line of {rid}'s answer reads as a speaker label "
                                           f"({', '.join(odd) or 'a label'}:); the answer is kept as it is, and "
                                           "tcoder check lists the extra speaker")
            plan.documents[name] = text
            plan.speaker_rows.append([name, SURVEY_SPEAKER, "", "interviewer"])
            plan.speaker_rows.append([name, rid, rid, "participant"])
    if problems:
        raise TcoderError(problems)
    return plan


def _file_name(rid: str) -> str:
    return re.sub(r"[^\w.-]+", "_", rid).strip("._") or "respondent"

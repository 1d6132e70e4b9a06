"""tcoder import-survey STUDY FILE: respondents become participants, open answers documents to code."""

from __future__ import annotations

import argparse
import sys

from tcoder.errors import display_path
from tcoder.numbers import plural

HELP = "import a survey (CSV or XLSX): respondents become participants, open answers short documents to code"
DESCRIPTION = """Import a survey export with one row per respondent (CSV, or XLSX through openpyxl;
Qualtrics exports with their question-text and ImportId rows are recognised).

  - each respondent becomes a participant in participants.csv, with the closed answers as
    attributes (a respondent whose id is already there gets the new columns filled in);
  - each open answer becomes a short document to code: one per respondent and question
    (survey/<question>/<id>.txt, the default) or one per respondent (--per respondent);
    the question is a turn of the speaker 'Survey' (role interviewer) and the answer a
    turn of the respondent, both listed in speakers.csv.

Columns are classified by their answers (prose is open, choices and numbers closed) and
the classification is printed; --open, --closed and --skip override it. Qualtrics'
identifying and bookkeeping columns (IPAddress, RecipientEmail, StartDate...) are skipped
unless named with --closed. Nothing is written with --dry-run, and existing documents
are never replaced.

Example:
  tcoder import-survey my-study exports/survey.xlsx --id ResponseId --open q7,q9
  tcoder report my-study crosstab --by year --code barriers"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("file", metavar="FILE", help="the survey export (.csv, .tsv or .xlsx)")
    parser.add_argument("--id", dest="id_column", metavar="COLUMN",
                        help="the column of respondent ids (default: ResponseId, respondent_id, id...)")
    parser.add_argument("--open", metavar="COL[,COL]", help="columns of open answers (documents to code)")
    parser.add_argument("--closed", metavar="COL[,COL]", help="columns of closed answers (attributes)")
    parser.add_argument("--skip", metavar="COL[,COL]", help="columns to leave out")
    parser.add_argument("--per", choices=("question", "respondent"), default="question",
                        help="one document per respondent and question (default) or per respondent")
    parser.add_argument("--folder", default="survey", help="folder of the documents in the study (default: survey)")
    parser.add_argument("--sheet", help="XLSX: the sheet to read (default: the first)")
    parser.add_argument("--dry-run", action="store_true", help="show what would be written, write nothing")


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _usage(message: str) -> int:
    print(f"tcoder import-survey: error: {message}", file=sys.stderr)
    return 2


def _warn(message: str) -> None:
    """A warning quoting the file (column names, values): inert on a terminal."""
    from tcoder.textsafe import for_stream

    print(for_stream(message, sys.stderr), file=sys.stderr)


def _say(message: str) -> None:
    from tcoder.textsafe import for_stream

    print(for_stream(message, sys.stdout))


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tcoder.errors import Problem, TcoderError
    from tcoder.importers.survey import QUALTRICS_METADATA, guess_id_column, looks_open, plan_survey, read_survey
    from tcoder.study import open_study

    study = open_study(args.study)
    errors = [p for p in study.participant_problems if p.severity == "error"]
    if errors:
        raise TcoderError(errors + [Problem("fix the participants and speakers files first ('tcoder check STUDY'); "
                                            "nothing was written")])
    survey = read_survey(Path(args.file), args.sheet)
    for warning in survey.warnings:
        _warn(f"warning: {warning}")
    columns = survey.columns
    named = {"--open": _names(args.open), "--closed": _names(args.closed), "--skip": _names(args.skip)}
    for option, names in named.items():
        unknown = [n for n in names if n not in columns]
        if unknown:
            from tcoder.yamlsource import suggest

            return _usage(f"{option}: no column {unknown[0]!r}{suggest(unknown[0], columns)}; the columns are "
                          f"{', '.join(columns)}")
    id_column = args.id_column or guess_id_column(survey)
    if id_column is None:
        return _usage(f"which column holds the respondent ids? name it with --id (the columns are "
                      f"{', '.join(columns)})")
    if id_column not in columns:
        return _usage(f"--id: no column {id_column!r}; the columns are {', '.join(columns)}")
    skipped = list(named["--skip"])
    closed, open_ = [], []
    for column in columns:
        if column == id_column or column in skipped:
            continue
        if column in named["--open"]:
            open_.append(column)
        elif column in named["--closed"]:
            closed.append(column)
        elif column in QUALTRICS_METADATA:
            skipped.append(column)
        elif looks_open([row[column] for row in survey.rows]):
            open_.append(column)
        else:
            closed.append(column)
    if "participant" in closed:
        return _usage("a closed column is named 'participant', the id column of participants.csv; --skip it or "
                      "rename it in the export")
    plan = plan_survey(survey, id_column, closed, open_, skipped, args.per, args.folder)
    existing = [document for document in plan.documents if (study.root / document).exists()]
    if existing:
        raise TcoderError([Problem("already exists; tcoder never replaces a transcript (import into another "
                                   "--folder, or move it away)", study.root / document) for document in existing[:5]])
    _say(f"Survey {args.file}: {plural(len(survey.rows), 'respondent')}, ids from {id_column}.")
    _say(f"  closed -> attributes ({len(closed)}): {', '.join(closed) or 'none'}")
    _say(f"  open -> documents ({len(open_)}): {', '.join(open_) or 'none'}")
    if skipped:
        _say(f"  left out ({len(skipped)}): {', '.join(skipped)}")
    per = "respondent and question" if args.per == "question" else "respondent"
    _say(f"{'Would write' if args.dry_run else 'Wrote'} {plural(len(plan.documents), 'document')} in {plan.folder}/ (one per "
         f"{per}; {plural(plan.empty_answers, 'empty answer')} left out), {plural(len(plan.people), 'participant')} and "
         f"{plural(len(plan.speaker_rows), 'speaker row')}.")
    for split in plan.split_warnings:
        _warn(f"warning: {split}")
    if args.dry_run:
        return 0
    from tcoder.codebook_ops import default_who
    from tcoder.importers.survey_write import write_survey

    operation = write_survey(study, plan, label=f"import the survey {Path(args.file).name}",
                             who=default_who(study.root))
    _say(f"Recorded as operation {operation.id}; 'tcoder undo {display_path(study.root)}' takes it back, byte for byte.")
    _say(f"Next: tcoder code {display_path(study.root)} to code the answers; tcoder report {display_path(study.root)} crosstab --by ATTRIBUTE "
         "to compare the codes across survey groups.")
    return 0

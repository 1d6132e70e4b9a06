"""tcoder participants list|fill STUDY: who speaks in which transcript, in what role."""

from __future__ import annotations

import argparse
import sys

from tcoder.errors import display_path
from tcoder.numbers import plural

HELP = "participants: who speaks in each transcript (role, participant id), and fill in the speakers found"
DESCRIPTION = """Who speaks: speakers.csv maps each speaker label of each transcript to a participant
id and a role (participant, interviewer, moderator, observer); participants.csv holds
each person's attributes (group, gender, year of study...). See docs/formats.md.

  tcoder participants list STUDY          every speaker of every transcript: id, role, turns
  tcoder participants fill STUDY          add rows for the speakers not yet described
  tcoder participants fill STUDY --dry-run   show them without writing

Turns of speakers whose role is not participant are left out of agreement units, the
coding screen's next-uncoded-turn jump and report denominators (tcoder.yaml's
left_out_roles changes which roles)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="participants_command", metavar="SUBCOMMAND")
    listing = sub.add_parser("list", help="every speaker of every transcript, with id, role and turns")
    listing.add_argument("study", metavar="STUDY", help="the study folder")
    listing.add_argument("--format", choices=("table", "csv"), default="table", help="output format")
    fill = sub.add_parser("fill", help="add rows for the speakers found in the transcripts",
                          description="Append a row to speakers.csv for every speaker label not in it yet (role "
                                      "guessed from the label, id from the name), and to participants.csv for "
                                      "every new participant id. Existing rows are kept as they are. Review the "
                                      "guesses afterwards: the same name in two transcripts is taken to be the "
                                      "same person.")
    fill.add_argument("study", metavar="STUDY", help="the study folder")
    fill.add_argument("--dry-run", action="store_true", help="show the rows without writing them")
    parser.set_defaults(participants_parser=parser)


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "participants_command", None)
    if command is None:
        args.participants_parser.print_help(sys.stderr)
        return 2
    return _fill(args) if command == "fill" else _list(args)


def _say(message: str) -> None:
    from tcoder.textsafe import for_stream

    print(for_stream(message, sys.stdout), file=sys.stdout)


def _fill(args: argparse.Namespace) -> int:
    from tcoder.errors import Problem, TcoderError
    from tcoder.participants_fill import plan_fill, write_fill
    from tcoder.study import open_study

    study = open_study(args.study)
    errors = [p for p in study.participant_problems if p.severity == "error"]
    if errors:
        raise TcoderError(errors + [Problem(f"fix {study.settings.speakers} and {study.settings.participants} first "
                                            "('tcoder check STUDY' lists every problem); nothing was written")])
    plan = plan_fill(study)
    for name in plan.unreadable:
        print(f"warning: {name} could not be read, so its speakers are not listed ('tcoder check' says why)",
              file=sys.stderr)
    if plan.empty:
        _say(f"Every speaker of the {plural(len(study.transcripts), 'transcript')} is already in {study.settings.speakers}.")
        return 0
    verb = "Would add" if args.dry_run else "Added"
    _say(f"{verb} {plural(len(plan.speaker_rows), 'speaker row')} to {study.settings.speakers}:")
    for transcript, label, pid, role in plan.speaker_rows:
        _say(f"  {transcript}: {label} -> {pid or '(no id)'} ({role})")
    if plan.people_rows:
        _say(f"{verb} {plural(len(plan.people_rows), 'participant')} to {study.settings.participants}: "
             + ", ".join(row[0] for row in plan.people_rows))
    for pid, source in plan.seeded.items():
        _say(f"  {pid}: attributes copied from {source}'s row in {study.settings.attributes}")
    if not args.dry_run:
        write_fill(study, plan)
        _say("Roles and ids are guesses: check them (the same name in two transcripts is taken to be one "
             "person), then fill in the attributes.")
    return 0


def _list(args: argparse.Namespace) -> int:
    from collections import Counter

    from tcoder.errors import TcoderError
    from tcoder.study import open_study

    study = open_study(args.study)
    for problem in study.participant_problems:
        print(f"{problem.severity}: {problem}", file=sys.stderr)
    participants = study.participants
    rows = []
    for ref in study.transcripts:
        try:
            transcript = study.transcript(ref)
        except TcoderError as exc:
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            continue
        turns = Counter(t.speaker for t in transcript.turns if t.speaker)
        for label in transcript.speakers:
            entry = participants.entry(ref.name, label)
            rows.append([ref.name, label, entry.participant if entry else "", entry.role if entry else "",
                         str(turns[label])])
    header = ["transcript", "speaker", "participant", "role", "turns"]
    if args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return 0
    from rich.table import Table
    from rich.text import Text

    from tcoder.console import make_console
    from tcoder.textsafe import inert

    table = Table(title=f"Speakers ({len(rows)})", title_justify="left")
    for name in header:
        table.add_column(name, justify="right" if name == "turns" else "left")
    for row in rows:
        table.add_row(*(Text(inert(c or ("(not described)" if i == 3 else ""))) for i, c in enumerate(row)))
    make_console().print(table)
    if not participants.defined:
        print(f"No {study.settings.speakers} yet: 'tcoder participants fill {display_path(study.root)}' writes it.")
    return 0

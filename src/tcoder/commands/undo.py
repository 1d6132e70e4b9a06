"""tcoder undo STUDY [OPERATION] [--list]: take back a study-wide operation, byte for byte."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural

HELP = ("list the study-wide operations (codebook changes, autocode batches, survey imports...) and undo one, "
        "byte for byte")
DESCRIPTION = """Operations that change many files in one step (a codebook rename, merge or split
across every coder's files, an autocode batch, a survey import) are recorded in the study's journal
(.tcoder/journal/, see docs/formats.md#tcoders-journal-tcoder). This command lists
them and undoes one: every file it wrote goes back to its content before, byte for
byte, as one step that is itself crash-safe and recorded.

  tcoder undo my-study --list          the operations, newest last, and whether each can be undone
  tcoder undo my-study                 undo the latest operation that is not undone
  tcoder undo my-study 20261203T...    undo this one

An undo is refused, with nothing changed, when a file the operation wrote has changed
since (each such file is named): undoing would lose that work. A codebook operation
is undone as 'tcoder codebook undo' does (files open in a live coding session are
refused), and so is an autocode batch while another window writes one of its
files. Only the last 20 operations keep what undo needs."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("operation", metavar="OPERATION", nargs="?",
                        help="the operation's id (from --list; default: the latest one not undone)")
    parser.add_argument("--list", action="store_true", help="list the operations instead of undoing one")
    parser.add_argument("--why", metavar="TEXT", default="", help="the reason, recorded with the undo")
    parser.add_argument("--coder", metavar="NAME",
                        help="who undoes it, for the record (default: git's user.name, else your login name)")


def _say(message: str) -> None:
    from tcoder.textsafe import for_stream

    print(for_stream(message, sys.stdout))


def _state(op) -> str:
    if op.kind == "undo":
        return f"undoes {op.undo_of}"
    if op.state == "undone":
        return f"undone {op.undone_at or ''}".strip()
    if op.state == "prepared":
        return "interrupted (completed when the study is next opened)"
    if op.kind == "deidentify":
        return "taken back with its key: tcoder deidentify --restore"
    return "can be undone" if op.has_images else "applied (too old to undo)"


def run(args: argparse.Namespace) -> int:
    from tcoder.changeset import find_operation, latest, operation_lock, operations, undo
    from tcoder.codebook_ops import KIND_PREFIX, default_who, undo_operation
    from tcoder.errors import Problem, TcoderError
    from tcoder.search.autocode_write import AUTOCODE_KIND, undo_autocode
    from tcoder.study import open_study

    study = open_study(args.study)
    if args.list:
        ops = operations(study.root)
        if not ops:
            _say("No study-wide operations are recorded in this study.")
        for op in ops:
            _say(f"{op.id}  {op.when}  {op.who or '-'}  {op.label}  ({plural(op.file_count, 'file')}; {_state(op)})")
        return 0
    who = args.coder or default_who(study.root)
    if args.operation:
        target = find_operation(study.root, args.operation)
    else:
        found = latest(study.root)
        if found is None:
            raise TcoderError(Problem("there is no operation to undo (tcoder undo --list shows them all)",
                                      study.root))
        target = found
    if target.kind == "undo":
        raise TcoderError(Problem(f"{target.id} is itself an undo; undo the operation it took back "
                                  "again with its own command instead", study.root))
    if target.kind == "deidentify":
        raise TcoderError(Problem(f"{target.id} is a de-identification: it is taken back with its key, "
                                  "'tcoder deidentify STUDY --key KEY --restore' (the journal keeps no copy of the "
                                  "identified files)", study.root))
    if target.kind.startswith(KIND_PREFIX):
        done = undo_operation(study, target.id, who=who, why=args.why)
    elif target.kind == AUTOCODE_KIND:
        done = undo_autocode(study, target.id, who=who, why=args.why)
    else:
        with operation_lock(study.root, who=who, purpose="an undo"):
            done = undo(study.root, target.id, who=who, note=args.why)
    _say(f"Undone: {target.label} ({plural(len(done.files), 'file')} restored byte for byte; recorded as {done.id})")
    return 0

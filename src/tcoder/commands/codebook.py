"""tcoder codebook new|edit|rename|merge|split|move|delete|log|undo: develop the codebook across the study."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural

HELP = "develop the codebook: new, edit, rename, merge, split, move, delete codes across every coder's files; log; undo"
DESCRIPTION = """Change the codebook and every coder's annotation files (consensus included) as one
step: crash-safe (an interrupted operation is completed on the next run, never left half done),
undoable byte for byte with 'tcoder codebook undo', and recorded in the codebook's history
(codebook.history.yaml beside the codebook) with who, when and why (--why).

  tcoder codebook new STUDY NAME [--parent CODE] [--key K] [--description TEXT] ...
  tcoder codebook edit STUDY CODE [--name NAME] [--description TEXT] [--key K] [--color C] ...
  tcoder codebook rename STUDY OLD NEW [--name NAME]
  tcoder codebook merge STUDY CODE [CODE...] --into TARGET [--name NAME]
  tcoder codebook split STUDY CODE --into B,C [--name B=NAME] (--assign FILE.csv | --default B)
  tcoder codebook move STUDY CODE (--under PARENT | --top) [--position N]
  tcoder codebook delete STUDY CODE [--delete-annotations]
  tcoder codebook log STUDY [--format text|md|json]
  tcoder codebook undo STUDY [--id ID] [--list]

--dry-run prints what would change, per coder and file, and writes nothing. A file open in
another coder's live coding session is left as it is: its old ids are read under the new codes
and written when that session saves. See docs/codebook.md."""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")


def _options(parser: argparse.ArgumentParser, *, dry_run: bool = True) -> None:
    parser.add_argument("--why", metavar="TEXT", default="",
                        help="the reason, recorded in the codebook's history (and in `codebook log --format md`)")
    parser.add_argument("--coder", metavar="NAME",
                        help="who makes the change, for the history (default: $TCODER_CODER, git's user.name, "
                             "else your login name)")
    if dry_run:
        parser.add_argument("--dry-run", action="store_true",
                            help="print what would change, per coder and file; write nothing")


def _definition(parser: argparse.ArgumentParser, *, editing: bool = False) -> None:
    parser.add_argument("--description", metavar="TEXT", help="what the code means")
    parser.add_argument("--include", metavar="TEXT", help="when to use it")
    parser.add_argument("--exclude", metavar="TEXT", help="when not to use it")
    parser.add_argument("--example", dest="examples", metavar="QUOTE", action="append",
                        help="an example quote (repeat for several)" + ("; replaces the examples" if editing else ""))
    parser.add_argument("--key", metavar="K", help="the letter or digit that applies it in the coding screen")
    parser.add_argument("--color", "--colour", dest="color", metavar="COLOUR",
                        help="e.g. '#0072B2' or blue (default: a colour-blind-safe palette)")
    parser.add_argument("--value", metavar="NUMBER",
                        help="for a value of an exclusive domain: the number it stands for")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="codebook_command", metavar="SUBCOMMAND")

    new = sub.add_parser("new", help="add a code", description="Add a code to the codebook (under --parent, or at "
                         "the top level). Its id is made from the name unless given.")
    _common(new)
    new.add_argument("name", metavar="NAME", help="the code's name, as coders see it")
    new.add_argument("--id", dest="code_id", metavar="ID", help="its id (default: made from the name)")
    new.add_argument("--parent", metavar="CODE", help="the code (theme) it belongs under")
    _definition(new)
    _options(new)

    edit = sub.add_parser("edit", help="change a code's name, definition, key or colour",
                          description="Change a code's name, definition, key, colour or domain value. An empty "
                                      "value ('') removes a field; --no-key and --no-color remove the key or colour.")
    _common(edit)
    edit.add_argument("code", metavar="CODE", help="the code's id")
    edit.add_argument("--name", metavar="NAME", help="its new name")
    _definition(edit, editing=True)
    edit.add_argument("--no-key", action="store_true", help="remove its key")
    edit.add_argument("--no-color", "--no-colour", dest="no_color", action="store_true",
                      help="remove its colour (the palette gives one)")
    _options(edit)

    rename = sub.add_parser("rename", help="change a code's id everywhere",
                            description="Give a code a new id in the codebook and in every coder's annotation files.")
    _common(rename)
    rename.add_argument("old", metavar="OLD", help="the code's id now")
    rename.add_argument("new", metavar="NEW", help="its new id")
    rename.add_argument("--name", metavar="NAME", help="also give it this name")
    _options(rename)

    merge = sub.add_parser("merge", help="merge codes into one",
                           description="Merge codes into TARGET: their passages (every coder's) get TARGET and they "
                                       "leave the codebook; their child codes move under TARGET. A TARGET that does "
                                       "not exist is created where the first code was (give --name). Passages of "
                                       "one file that end up with the same code on shared text are combined, as "
                                       "when a code is applied twice (their text united, memos kept).")
    _common(merge)
    merge.add_argument("codes", metavar="CODE", nargs="+", help="the codes to merge")
    merge.add_argument("--into", required=True, metavar="TARGET", help="the code they become")
    merge.add_argument("--name", metavar="NAME", help="the name of TARGET when it is new")
    _options(merge)

    split = sub.add_parser("split", help="split a code into two or more",
                           description="Split CODE into the codes of --into (new ones are created beside it, named by "
                                       "--name). Each of CODE's passages, every coder's, goes to one of them or to "
                                       "several: list them with --write-assignments FILE.csv, fill in the 'to' column "
                                       "(a code id, several joined by '+', or 'both'), and apply with --assign "
                                       "FILE.csv; --default gives passages the file leaves out. The coding screen "
                                       "has a review screen for the same choice (see docs/codebook.md).")
    _common(split)
    split.add_argument("code", metavar="CODE", help="the code to split")
    split.add_argument("--into", required=True, metavar="B,C", help="the codes it becomes (CODE itself may be one)")
    split.add_argument("--name", dest="names", metavar="ID=NAME", action="append", default=[],
                       help="the name of a new code of --into (repeat for each)")
    split.add_argument("--assign", metavar="FILE.csv", help="where each passage goes (see above)")
    split.add_argument("--default", metavar="B[+C]", help="where passages the --assign file leaves out go")
    split.add_argument("--write-assignments", metavar="FILE.csv",
                       help="write every passage of CODE (coder, transcript, quote) to fill in; changes nothing")
    _options(split)

    move = sub.add_parser("move", help="move a code under another parent",
                          description="Move a code (with its own codes) under another code, or to the top level. "
                                      "Annotation files do not change: they store ids.")
    _common(move)
    move.add_argument("code", metavar="CODE", help="the code to move")
    where = move.add_mutually_exclusive_group(required=True)
    where.add_argument("--under", metavar="PARENT", help="its new parent")
    where.add_argument("--top", action="store_true", help="make it a top-level code (a theme)")
    move.add_argument("--position", type=int, metavar="N", help="its place among its new siblings (1 = first; "
                                                                "default: last)")
    _options(move)

    delete = sub.add_parser("delete", help="remove a code",
                            description="Remove a code. Refused while annotations use it (it lists them per coder): "
                                        "merge it into another code to keep them, or confirm deleting them with "
                                        "--delete-annotations.")
    _common(delete)
    delete.add_argument("code", metavar="CODE", help="the code to delete")
    delete.add_argument("--delete-annotations", action="store_true",
                        help="also delete every coder's annotations of it")
    _options(delete)

    log = sub.add_parser("log", help="the codebook's history",
                         description="List every recorded change to the codebook. --format md writes an appendix "
                                     "for a methods section: the changes with dates, coders and reasons, and the "
                                     "coding tree now, marking codes created during coding.")
    _common(log)
    log.add_argument("--format", choices=("text", "md", "json"), default="text", help="output format")
    log.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of the standard output")

    undo = sub.add_parser("undo", help="undo the last codebook operation, byte for byte",
                          description="Restore the codebook, its history and every annotation file an operation "
                                      "wrote, byte for byte. Refused when one of them changed since, when a file it "
                                      "wrote is open in a coding session, or when a code it created has been used "
                                      "since. --list shows the operations tcoder can undo.")
    _common(undo)
    undo.add_argument("--id", dest="op_id", metavar="ID", help="the operation (default: the last one)")
    undo.add_argument("--list", action="store_true", help="list the recorded codebook operations")
    _options(undo, dry_run=False)
    parser.set_defaults(codebook_parser=parser)


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "codebook_command", None)
    if command is None:
        args.codebook_parser.print_help(sys.stderr)
        return 2
    from tcoder.commands.coder_options import OptionError, coder_name
    from tcoder.study import open_study

    who = getattr(args, "coder", None)
    import os

    try:
        if who:
            coder_name(who, "--coder")
    except OptionError as exc:
        print(f"tcoder codebook: error: {exc}", file=sys.stderr)
        return 2
    who = who or os.environ.get("TCODER_CODER") or None
    study = open_study(args.study)
    for note in study.recovered:
        _say(f"note: {note}", sys.stderr)
    try:
        return {"new": _new, "edit": _edit, "rename": _rename, "merge": _merge, "split": _split, "move": _move,
                "delete": _delete, "log": _log, "undo": _undo}[command](args, study, who)
    except _Usage as exc:
        print(f"tcoder codebook {command}: error: {exc}", file=sys.stderr)
        return 2


class _Usage(Exception):
    """Bad usage found after parsing (exit 2)."""


def _say(message: str, file=None) -> None:
    from tcoder.textsafe import for_stream

    file = file or sys.stdout
    print(for_stream(message, file), file=file)


def _report(outcome, args: argparse.Namespace) -> int:
    from tcoder.errors import display_path

    for line in outcome.plan.summary(applied=outcome.applied):
        _say(line)
    if outcome.applied:
        _say(f"Undo with: tcoder codebook undo {display_path(outcome.plan.study.root) or '.'}")
    else:
        _say("Nothing was written (--dry-run).")
    return 0


def _value(text: str | None):
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _new(args, study, who) -> int:
    from tcoder.codebook_ops import new_code

    outcome = new_code(study, args.name, code_id=args.code_id, parent=args.parent, key=args.key,
                       description=args.description or "", include=args.include or "", exclude=args.exclude or "",
                       examples=args.examples or (), color=args.color, value=_value(args.value), who=who,
                       why=args.why, dry_run=args.dry_run)
    return _report(outcome, args)


def _edit(args, study, who) -> int:
    from tcoder.codebook_ops import edit_code

    changes: dict = {}
    for name in ("name", "description", "include", "exclude", "key", "color"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.examples is not None:
        changes["examples"] = args.examples
    if args.value is not None:
        changes["value"] = _value(args.value) if args.value != "" else None
    if args.no_key:
        if "key" in changes:
            raise _Usage("--key and --no-key together")
        changes["key"] = None
    if args.no_color:
        if "color" in changes:
            raise _Usage("--color and --no-color together")
        changes["color"] = None
    if not changes:
        raise _Usage("nothing to change: give --name, --description, --include, --exclude, --example, --key, "
                     "--color or --value")
    return _report(edit_code(study, args.code, changes, who=who, why=args.why, dry_run=args.dry_run), args)


def _rename(args, study, who) -> int:
    from tcoder.codebook_ops import rename_code

    return _report(rename_code(study, args.old, args.new, name=args.name, who=who, why=args.why,
                               dry_run=args.dry_run), args)


def _merge(args, study, who) -> int:
    from tcoder.codebook_ops import merge_codes

    return _report(merge_codes(study, args.codes, args.into, name=args.name, who=who, why=args.why,
                               dry_run=args.dry_run), args)


def _targets(text: str, option: str) -> list[str]:
    items = [t.strip() for t in text.replace("+", ",").split(",") if t.strip()]
    if not items:
        raise _Usage(f"{option} needs code ids, e.g. {option} burnout,anger")
    return items


def _split(args, study, who) -> int:
    from tcoder.codebook_ops import split_code, split_passages

    targets = _targets(args.into, "--into")
    names: dict[str, str] = {}
    for item in args.names:
        code, eq, name = item.partition("=")
        if not eq or not code.strip() or not name.strip():
            raise _Usage(f"--name {item!r}: write ID=NAME, e.g. --name burnout=Burnout")
        names[code.strip()] = name.strip()
    if args.write_assignments:
        return _write_assignments(study, args.code, targets, args.write_assignments, split_passages)
    if not args.assign and not args.default:
        raise _Usage("say where the passages go: --assign FILE.csv (write one with --write-assignments FILE.csv), "
                     "--default CODE, or both")
    assignment = _read_assignments(args.assign, targets) if args.assign else {}
    default = _targets(args.default, "--default") if args.default else None
    if default == ["both"]:
        default = targets
    outcome = split_code(study, args.code, targets, assignment, names=names, default=default, who=who,
                         why=args.why, dry_run=args.dry_run)
    return _report(outcome, args)


_ASSIGN_COLUMNS = ("annotation", "to", "coder", "transcript", "start", "end", "quote")


def _write_assignments(study, code: str, targets: list[str], output: str, split_passages) -> int:
    import csv
    import io

    from tcoder.errors import display_path
    from tcoder.outputs import check_output, write_output

    check_output(output, what="the assignments", study_root=study.root)
    passages = split_passages(study, code)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_ASSIGN_COLUMNS)
    for p in passages:
        a = p.annotation
        writer.writerow([a.id, "", p.coder, p.transcript, a.start, a.end, " ".join((a.quote or "").split())])
    write_output(buffer.getvalue(), output, what="the assignments")
    _say(f"Wrote {display_path(output)}: {plural(len(passages), 'passage')} of {code!r}. Fill in the 'to' column with "
         f"{' or '.join(targets)} (several joined by '+', or 'both'), then run the split with --assign "
         f"{display_path(output)}.")
    return 0


def _read_assignments(path: str, targets: list[str]) -> dict[str, list[str]]:
    import csv
    import io
    from pathlib import Path

    from tcoder.errors import Problem, TcoderError
    from tcoder.transcript import decode_bytes

    try:
        text = decode_bytes(Path(path).read_bytes(), path).text
    except OSError as exc:
        raise TcoderError(Problem(f"cannot read the assignments: {exc.strerror}", path)) from None
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(rows, [])]
    if "annotation" not in header or "to" not in header:
        raise TcoderError(Problem("the assignments file needs the columns 'annotation' and 'to' (write one with "
                                  "--write-assignments)", path, 1))
    ident, to = header.index("annotation"), header.index("to")
    out: dict[str, list[str]] = {}
    for number, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(ident, to):
            raise TcoderError(Problem("this row has too few cells", path, number))
        value = row[to].strip()
        if not value:
            continue
        chosen = targets if value.lower() == "both" else [t.strip() for t in value.replace(",", "+").split("+")
                                                          if t.strip()]
        wrong = [t for t in chosen if t not in targets]
        if wrong:
            raise TcoderError(Problem(f"{', '.join(wrong)} is not one of the codes of --into ({', '.join(targets)})",
                                      path, number))
        out[row[ident].strip()] = chosen
    return out


def _move(args, study, who) -> int:
    from tcoder.codebook_ops import move_code

    if args.position is not None and args.position < 1:
        raise _Usage("--position counts from 1")
    index = args.position - 1 if args.position is not None else None
    return _report(move_code(study, args.code, None if args.top else args.under, index=index, who=who, why=args.why,
                             dry_run=args.dry_run), args)


def _delete(args, study, who) -> int:
    from tcoder.codebook_ops import delete_code

    return _report(delete_code(study, args.code, delete_annotations=args.delete_annotations, who=who, why=args.why,
                               dry_run=args.dry_run), args)


def _log(args, study, who) -> int:
    import json

    from tcoder.codebook import load_codebook
    from tcoder.codebook_history import history_path, read_history
    from tcoder.errors import TcoderError
    from tcoder.reports import codebook_log

    history = read_history(history_path(study.codebook_path))
    try:
        codebook = load_codebook(study.codebook_path)
    except TcoderError:
        if args.format == "md":
            raise
        codebook = None
    if args.format == "json":
        text = json.dumps(codebook_log.as_json(history), ensure_ascii=False, indent=2) + "\n"
    elif args.format == "md":
        assert codebook is not None
        text = codebook_log.as_markdown(history, codebook, study.settings.codebook)
    else:
        text = codebook_log.as_text(history, codebook)
    for problem in history.problems:
        _say(f"{problem.severity}: {problem}", sys.stderr)
    if args.output:
        from tcoder.errors import display_path
        from tcoder.outputs import check_output, write_output

        check_output(args.output, what="the log", study_root=study.root)
        write_output(text, args.output, what="the log")
        _say(f"Wrote {display_path(args.output)}")
        return 0
    from tcoder.textsafe import for_stream

    sys.stdout.write(for_stream(text, sys.stdout))
    return 0


def _undo(args, study, who) -> int:
    from tcoder.changeset import operations
    from tcoder.codebook_ops import KIND_PREFIX, undo_operation

    if args.list:
        ops = [op for op in operations(study.root) if op.kind.startswith(KIND_PREFIX)]
        if not ops:
            _say("No codebook operations recorded in this study.")
        for op in ops:
            state = {"applied": "undo possible" if op.has_images else "applied (too old to undo)",
                     "undone": f"undone {op.undone_at or ''}".strip(), "prepared": "interrupted"}[op.state]
            _say(f"{op.id}  {op.when}  {op.who or '-'}  {op.label}  [{state}]")
        return 0
    done = undo_operation(study, args.op_id, who=who, why=args.why)
    _say(f"Undone: {done.label[len('undo '):]} ({plural(len(done.files), 'file')} restored byte for byte)")
    return 0

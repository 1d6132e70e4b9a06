"""tcoder git setup|textconv|merge|resolve: the git drivers for annotation files."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural, word_for

HELP = "git integration: readable diffs and merges of annotation files (setup, textconv, merge, resolve)"
DESCRIPTION = """Make git read and merge annotation files as coding, not as JSON.

  tcoder git setup [STUDY] [--global]   once per clone (or once with --global)
  tcoder git resolve FILE [--keep ours|theirs] [--id ID]
                                        list or settle merge conflicts in a file

git itself runs the other two, as set up:
  tcoder git textconv FILE              one readable line per annotation (git diff, git log -p)
  tcoder git merge %O %A %B %P          three-way merge by annotation id

See docs/git.md for what diffs look like, how merges behave and how to settle a conflict."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="git_command", metavar="SUBCOMMAND")
    setup = sub.add_parser("setup", help="route annotation files to the tcoder diff and merge drivers",
                           description="Add the tcoder lines to STUDY/.gitattributes (annotation files -> "
                                       "tcoder drivers; transcripts text eol=lf) and STUDY/.gitignore (writer "
                                       "locks, temporary files), and set diff.tcoder.textconv and "
                                       "merge.tcoder.driver in git config. Running it again changes nothing.")
    setup.add_argument("study", metavar="STUDY", nargs="?", default=".",
                       help="the study folder, or the repository's top folder for several studies "
                            "(default: the current folder)")
    setup.add_argument("--global", dest="global_config", action="store_true",
                       help="set the driver commands in your global git config (all repositories) instead "
                            "of this repository's")
    textconv = sub.add_parser("textconv", help="print an annotation file as one line per annotation (git runs it)")
    textconv.add_argument("file", metavar="FILE")
    merge = sub.add_parser("merge", help="three-way merge of an annotation file by annotation id (git runs it)")
    for name, text in (("base", "%%O: the common ancestor"), ("ours", "%%A: ours; the result is written here"),
                       ("theirs", "%%B: theirs"), ("path", "%%P: the file's path in the merge")):
        merge.add_argument(name, metavar=name.upper(), help=text)
    resolve = sub.add_parser("resolve", help="list or settle the merge conflicts left in an annotation file",
                             description="Without --keep, list the unresolved conflicts (exit 1 if there are "
                                         "any). With --keep, settle them (all, or those given with --id) and "
                                         "save the file; then 'git add' it.")
    resolve.add_argument("file", metavar="FILE", help="the annotation file")
    resolve.add_argument("--keep", choices=("ours", "theirs"),
                         help="the version to keep (theirs may be a deletion)")
    resolve.add_argument("--id", dest="ids", action="append", metavar="ID",
                         help="settle only this annotation (repeat for several); the header's conflict, if "
                              "any, is settled when no --id is given")
    parser.set_defaults(git_parser=parser)


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "git_command", None)
    if command is None:
        args.git_parser.print_help(sys.stderr)
        return 2
    return {"setup": _setup, "textconv": _textconv, "merge": _merge, "resolve": _resolve}[command](args)


def _say(message: str, file=None) -> None:
    """Print a message that may name the user's files or quote their content:
    control characters become visible glyphs on a terminal (exact into files and pipes)."""
    from tcoder.textsafe import for_stream

    file = file or sys.stdout
    print(for_stream(message, file), file=file)


def _setup(args: argparse.Namespace) -> int:
    from tcoder.errors import display_path
    from tcoder.gitdriver.setup import driver_prefix, setup

    report = setup(args.study, args.global_config)
    for name, lines in report.added.items():
        target = display_path(report.folder / name)
        if lines:
            _say(f"{target}: added {', '.join(lines)}")
        else:
            _say(f"{target}: already set up")
    where = "your global git config" if report.scope == "global" else "this repository's git config"
    if report.config_set:
        print(f"{where}: set {', '.join(report.config_set)}")
    else:
        print(f"{where}: already set up")
    _say(f"The drivers run {driver_prefix()} (this tcoder, by absolute path); run setup again if you "
         "move or reinstall it.")
    for note in report.notes:
        _say(note, sys.stderr)
    if any(report.added.values()):
        print("Commit .gitattributes and .gitignore so everyone gets them; each person runs "
              "'tcoder git setup' once in their clone (git does not share config).")
    return 0


def _textconv(args: argparse.Namespace) -> int:
    from tcoder.gitdriver.textconv import textconv

    out = textconv(args.file)
    stream = getattr(sys.stdout, "buffer", None)
    if stream is not None:
        sys.stdout.flush()
        stream.write(out)
        stream.flush()
    else:
        sys.stdout.write(out.decode("utf-8", "replace"))
    return 0


def _merge(args: argparse.Namespace) -> int:
    from tcoder.gitdriver.merge import run_driver

    return run_driver(args.base, args.ours, args.theirs, args.path)


def _resolve(args: argparse.Namespace) -> int:
    from tcoder.annotations import AnnotationLock, read_annotations, save_annotations
    from tcoder.errors import Problem, TcoderError, display_path
    from tcoder.merge import (
        ConflictRecordError,
        conflict_problems,
        header_conflict,
        resolve_conflict,
        resolve_header_conflict,
        unresolved,
    )

    path = args.file
    if args.keep is None:
        af = read_annotations(path)
        with open(path, encoding="utf-8-sig") as f:
            raw = f.read()
        problems = conflict_problems(af, path, raw)
        for problem in problems:  # they quote code ids, memos and quotes from the file
            _say(str(problem))
        if not problems:
            _say(f"{display_path(path)}: no unresolved conflicts")
        return 1 if problems else 0
    with AnnotationLock(path, purpose="git resolve"):
        af = read_annotations(path)
        ids = args.ids or [a.id for a in unresolved(af)]
        known = {a.id for a in unresolved(af)}
        missing = [i for i in ids if i not in known]
        if missing:
            raise TcoderError(Problem(f"no unresolved conflict on {word_for(len(missing), 'annotation')} {', '.join(missing)}", path))
        settled = 0
        for annotation_id in ids:
            try:
                resolve_conflict(af, annotation_id, args.keep)
            except ConflictRecordError as exc:
                raise TcoderError(Problem(f"annotation {annotation_id}: unreadable conflict record ({exc}); "
                                          "remove its \"conflict\" field by hand", path)) from None
            settled += 1
        if not args.ids and header_conflict(af) is not None:
            resolve_header_conflict(af, args.keep)
            settled += 1
        save_annotations(af, path)
    left = len(unresolved(af)) + (header_conflict(af) is not None)
    _say(f"{display_path(path)}: settled {plural(settled, 'conflict')} keeping {args.keep}"
         + (f"; {left} left" if left else "; now run: git add " + display_path(path)))
    return 0

"""tcoder export STUDY --qdpx FILE | --qdc FILE: REFI-QDA project or codebook."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural

HELP = "export to REFI-QDA: a .qdpx project (NVivo, ATLAS.ti, MAXQDA, QualCoder) or a .qdc codebook"
DESCRIPTION = """Export the study in the REFI-QDA exchange format (www.qdasoftware.org).

  --qdpx FILE  the whole project: coders as users, the codebook tree (colours and
               definitions), attributes.csv as variables and cases, every transcript
               as a text source with each annotation as a coded selection, memos as notes
  --qdc FILE   the codebook alone
  --codebook-csv FILE  the codebook as CSV, for Taguette (tag, description, id, parent...)

Positions are Unicode code points over the canonical text; sources are UTF-8 without
a byte-order mark. --for nvivo|maxqda|atlasti|qualcoder writes what that program expects
where it differs (NVivo counts UTF-16 code units; ATLAS.ti and MAXQDA count a CRLF as
one position). Each transcript's source is named by its file name, its folder kept in
the variable 'tcoder folder'; each selection stores its text in its name, and a memo
goes both into a Note and into the selection's Description. GUIDs are derived from the project name and the ids (UUID version 5),
so exporting the same study again gives the same file. The archive also carries
tcoder.json so that 'tcoder import-qdpx' restores the study exactly; --plain leaves it
out. See docs/refi-qda.md for what maps to what and how to open the file in each program."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--qdpx", metavar="FILE", help="write a REFI-QDA project (.qdpx)")
    target.add_argument("--qdc", metavar="FILE", help="write a REFI-QDA codebook (.qdc)")
    target.add_argument("--codebook-csv", metavar="FILE",
                        help="write the codebook as CSV (tag, description, id, parent, key, color), the form "
                             "Taguette imports; 'tcoder import-codebook-csv' reads it back")
    parser.add_argument("--name", metavar="NAME",
                        help="project name, also the seed of the GUIDs (default: the study folder's name)")
    parser.add_argument("--for", dest="target", metavar="PROGRAM", default="standard",
                        choices=("standard", "nvivo", "maxqda", "atlasti", "qualcoder"),
                        help="write the text files and positions the way PROGRAM expects where it differs from the "
                             "standard: nvivo (UTF-16 positions, CRLF), maxqda and atlasti (CRLF counted as one), "
                             "qualcoder (the standard: no BOM, LF); default: standard")
    parser.add_argument("--apprentice", choices=("include", "exclude"), default="include",
                        help="--qdpx: the apprentice's proposals go into the project as the coder 'apprentice' "
                             "(default) or stay in the study (exclude)")
    parser.add_argument("--coders", metavar="A,B,...",
                        help="--qdpx: only these coders' coding leaves the study (e.g. alice,bob,consensus; default: "
                             "every coder's, a scratch coder's included); the others are counted and named")
    parser.add_argument("--redact", action="store_true",
                        help="--qdc, --codebook-csv: withhold the codes' examples (they quote the transcripts); a "
                             ".qdpx project carries the transcripts themselves, so it has no --redact")
    parser.add_argument("--plain", action="store_true",
                        help="leave out tcoder.json (the import then makes new code and annotation ids)")
    parser.add_argument("--validate", action="store_true",
                        help="check the written file against the official REFI-QDA schemas")
    parser.add_argument("--force", action="store_true",
                        help="replace FILE if it exists (never a study's own file); without it, a terminal asks first")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tcoder.errors import warn_study_problems
    from tcoder.study import open_study

    target = Path(args.qdpx or args.qdc or args.codebook_csv)
    wanted = ".qdpx" if args.qdpx else ".qdc" if args.qdc else ".csv"
    if target.suffix.lower() != wanted:
        print(f"tcoder export: error: {target} should end in {wanted}", file=sys.stderr)
        return 2
    from tcoder.outputs import check_output

    what = "the project" if args.qdpx else "the codebook"
    if args.redact and args.qdpx:
        print("tcoder export: error: --redact withholds the codebook's examples of --qdc and --codebook-csv; a .qdpx "
              "project carries the transcripts themselves (de-identify the study first: tcoder deidentify)",
              file=sys.stderr)
        return 2
    if args.coders is not None and not args.qdpx:
        print("tcoder export: error: --coders chooses whose coding goes into a --qdpx project; a codebook "
              "carries no coding", file=sys.stderr)
        return 2
    check_output(target, what=what, force=args.force, study_root=args.study)
    study = open_study(args.study)
    warn_study_problems(study)
    if args.redact:
        _withhold_examples(study)
    if args.coders is not None:
        from tcoder.commands.coder_options import OptionError, coder_names

        try:
            args.coders = coder_names(args.coders, "--coders", minimum=1)
        except OptionError as exc:
            print(f"tcoder export: error: {exc}", file=sys.stderr)
            return 2
        missing = [c for c in args.coders if c not in study.coders]
        if missing:
            print(f"tcoder export: error: --coders: no annotation files from {', '.join(missing)} in this study "
                  f"(coders: {', '.join(study.coders) or 'none yet'})", file=sys.stderr)
            return 2
    if args.apprentice == "exclude":
        from tcoder.apprentice import APPRENTICE

        if args.coders is not None and APPRENTICE in args.coders:
            print("tcoder export: error: --apprentice exclude leaves the apprentice out: do not name it in --coders",
                  file=sys.stderr)
            return 2
        if APPRENTICE in study.coders:
            args.coders = [c for c in (args.coders or study.coders) if c != APPRENTICE]
    try:
        return _export(args, study, target)
    except OSError as exc:  # a full disk, a folder that became read-only: the target is as it was
        from tcoder.errors import Problem, TcoderError
        from tcoder.safeio import os_error_message

        raise TcoderError(Problem(f"cannot write {what}: {os_error_message(exc)}; nothing was changed",
                                  target)) from None


def _export(args: argparse.Namespace, study, target) -> int:
    from tcoder.errors import display_path
    from tcoder.textsafe import for_stream

    if args.qdpx:
        from tcoder.refi.export import write_qdpx

        summary = write_qdpx(study, target, args.name, plain=args.plain, target=args.target, coders=args.coders)
        for problem in summary.warnings:
            print(for_stream(f"warning: {problem}", sys.stderr), file=sys.stderr)
        for coder, (files, annotations) in sorted(summary.left_out.items()):
            print(for_stream(f"left out (--coders): {coder}'s {plural(annotations, 'annotation')} in "
                             f"{plural(files, 'file')}", sys.stdout))
        print(for_stream(f"Wrote {display_path(target)}: {plural(summary.sources, 'transcript')}, {plural(summary.codes, 'code')}, "
                         f"{plural(len(summary.coders), 'coder')} ({', '.join(summary.coders) or 'none'}), "
                         f"{plural(summary.annotations, 'annotation')}, {_memos(summary)}, {plural(summary.cases, 'case')}"
                         + (f", {plural(summary.sets, 'set')}" if summary.sets else "")
                         + (f", {plural(summary.themes, 'theme')}" if summary.themes else ""), sys.stdout))
        if args.target != "standard":
            from tcoder.refi.export import TARGETS

            chosen = TARGETS[args.target]
            print(for_stream(f"For {chosen.label}: positions counted as {chosen.convention.describe()}; text files "
                             f"with {'CRLF' if chosen.crlf else 'LF'} line ends"
                             f"{' and a byte-order mark' if chosen.bom else ''}.", sys.stdout))
    elif args.codebook_csv:
        from tcoder.atomicio import atomic_write_text
        from tcoder.codebook_csv import codebook_csv

        codebook = study.codebook
        atomic_write_text(target, codebook_csv(codebook))
        print(for_stream(f"Wrote {display_path(target)}: {plural(len(codebook), 'code')} (import it in Taguette with "
                         "'Import codebook')", sys.stdout))
        if args.validate:
            print("tcoder export: error: --validate checks REFI-QDA files (.qdpx, .qdc) only", file=sys.stderr)
            return 2
        return 0
    else:
        from tcoder.refi.export import write_qdc

        summary = write_qdc(study, target, args.name)
        for problem in summary.warnings:
            print(for_stream(f"warning: {problem}", sys.stderr), file=sys.stderr)
        print(for_stream(f"Wrote {display_path(target)}: {plural(summary.codes, 'code')}", sys.stdout))
    if args.validate:
        from tcoder.refi.validate import validate_file

        validate_file(target)
        print("Valid against the REFI-QDA schema.")
    return 0


def _withhold_examples(study) -> None:
    """The study's codebook, as this export sees it, with each example withheld."""
    from dataclasses import replace

    from tcoder.codebook import Codebook
    from tcoder.quotes import withheld

    codebook = study.codebook
    codes = {cid: replace(code, examples=tuple(withheld(e) for e in code.examples))
             for cid, code in codebook.codes.items()}
    study.__dict__["codebook"] = Codebook(codes, codebook.title, codebook.description, codebook.path,
                                          codebook.source_sha256)
    n = sum(len(code.examples) for code in codes.values())
    print(f"{plural(n, 'example')} withheld (--redact)", file=sys.stderr)


def _memos(summary) -> str:
    """The notes written, as a user counts them: memo files (memos and journal entries, as
    'tcoder check' counts them) and the memos of single annotations."""
    on_annotations = summary.notes - summary.memo_files
    parts = [plural(summary.memo_files, "memo file")] if summary.memo_files else []
    if on_annotations or not parts:
        parts.append(plural(on_annotations, "annotation memo"))
    return " and ".join(parts)

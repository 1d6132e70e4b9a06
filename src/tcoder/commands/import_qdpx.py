"""tcoder import-qdpx FILE.qdpx --into DIR: a REFI-QDA project as a new study."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural, verb_for

HELP = "turn a REFI-QDA project (.qdpx) into a new study folder"
DESCRIPTION = """Read a REFI-QDA project (.qdpx, from NVivo, ATLAS.ti, MAXQDA, QualCoder, qc or tcoder)
and write a study into DIR: each text source as a transcript, the code tree as
codebook.yaml, one annotation file per user and transcript, notes on coded selections
as memos, and variables and cases as attributes.csv.

A project exported by tcoder comes back exactly (ids, codes, offsets, memos, coders).
DIR must be new or empty: nothing is ever written over. The archive is read without
extracting it; entries with absolute paths or '..' are refused, and so are archives
that expand past --max-size.

Codings and notes that have no place in a study (on a source whose text is missing or
not text, or on a selection outside its text) are counted per source. If there are
any, nothing is written unless --partial: then the rest is imported and every count
is printed as a warning."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.qdpx", help="the REFI-QDA project")
    parser.add_argument("--into", metavar="DIR", required=True, help="the new study folder (new or empty)")
    parser.add_argument("--max-size", metavar="MB", type=float, default=512,
                        help="refuse archives whose project and texts expand to more than this many megabytes "
                             "(default 512; audio, video and pictures in the archive are never read and do not "
                             "count)")
    parser.add_argument("--partial", action="store_true",
                        help="import what can be placed even if some codings or notes cannot be (each count is "
                             "printed); without it such a project is refused and nothing is written")


def run(args: argparse.Namespace) -> int:
    from tcoder.errors import display_path
    from tcoder.refi.importer import import_qdpx
    from tcoder.textsafe import for_stream

    if args.max_size <= 0:
        print("tcoder import-qdpx: error: --max-size must be positive", file=sys.stderr)
        return 2
    summary = import_qdpx(args.file, args.into, int(args.max_size * 1024 * 1024), partial=args.partial)
    for problem in summary.warnings:
        print(for_stream(f"warning: {problem}", sys.stderr), file=sys.stderr)
    for line in summary.moved:
        print(for_stream(f"moved: {line}", sys.stderr), file=sys.stderr)
    for line in summary.unmatched:
        print(for_stream(f"warning: not on its text: {line}", sys.stderr), file=sys.stderr)
    how = "restored exactly from tcoder.json" if summary.exact else "read from project.qde"
    lost = ""
    if summary.lost_codings or summary.lost_notes:
        lost = f" ({plural(summary.lost_codings, 'coding')} and {plural(summary.lost_notes, 'note')} left out: see the warnings)"
    print(for_stream(f"Wrote {display_path(summary.into)} ({how}): {plural(summary.transcripts, 'transcript')}, "
                     f"{plural(summary.codes, 'code')}, {plural(len(summary.coders), 'coder')} ({', '.join(summary.coders) or 'none'}), "
                     f"{plural(summary.annotations, 'annotation')}, {plural(summary.memos, 'memo')}, "
                     f"{plural(summary.attributes, 'attribute')}"
                     + (f", {plural(summary.memo_files, 'memo file')} in memos/" if summary.memo_files else "")
                     + (f", {plural(summary.document_sets, 'document set')} as set: columns" if summary.document_sets else "")
                     + (f", {plural(summary.code_sets, 'set')} of codes as candidate themes in themes.yaml"
                        if summary.code_sets else "")
                     + (f", {plural(summary.themes, 'theme')} in themes.yaml" if summary.themes else "")
                     + lost, sys.stdout))
    print(for_stream(summary.positions[:1].upper() + summary.positions[1:] + ".", sys.stdout))
    if summary.with_text:
        print(for_stream(f"In place: {summary.in_place:,} of {plural(summary.with_text, 'coding')} whose selection stores "
                         f"its text {verb_for(summary.in_place, 'was')} on that text at their positions"
                         + (f"; {plural(len(summary.moved), 'selection', 'was')} moved to where their text is"
                            if summary.moved else "")
                         + (f"; {plural(len(summary.unmatched), 'selection')} whose text is nowhere in the transcript {verb_for(len(summary.unmatched), 'was')} "
                            "kept at their positions and flagged for 'tcoder check'" if summary.unmatched else ""),
                         sys.stdout))
    if summary.transcripts:
        print(for_stream(f"Next: tcoder check {display_path(summary.into)}", sys.stdout))
    else:
        print(for_stream(f"The project has no text sources: {display_path(summary.into)} holds the codebook"
                         + (" and memos" if summary.memo_files else "") + ". Next: add transcripts (tcoder import "
                         f"FILE --into {display_path(summary.into)}), then tcoder check {display_path(summary.into)}",
                         sys.stdout))
    return 0

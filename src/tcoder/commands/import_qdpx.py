"""tcoder import-qdpx FILE.qdpx --into DIR: a REFI-QDA project as a new study."""

from __future__ import annotations

import argparse
import sys

HELP = "turn a REFI-QDA project (.qdpx) into a new study folder"
DESCRIPTION = """Read a REFI-QDA project (.qdpx, from NVivo, ATLAS.ti, MAXQDA, QualCoder, qc or tcoder)
and write a study into DIR: each text source as a transcript, the code tree as
codebook.yaml, one annotation file per user and transcript, notes on coded selections
as memos, and variables and cases as attributes.csv.

A project exported by tcoder comes back exactly (ids, codes, offsets, memos, coders).
DIR must be new or empty: nothing is ever written over. The archive is read without
extracting it; entries with absolute paths or '..' are refused, and so are archives
that expand past --max-size."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.qdpx", help="the REFI-QDA project")
    parser.add_argument("--into", metavar="DIR", required=True, help="the new study folder (new or empty)")
    parser.add_argument("--max-size", metavar="MB", type=float, default=2048,
                        help="refuse archives that expand to more than this many megabytes (default 2048)")


def run(args: argparse.Namespace) -> int:
    from tcoder.errors import display_path
    from tcoder.refi.importer import import_qdpx

    if args.max_size <= 0:
        print("tcoder import-qdpx: error: --max-size must be positive", file=sys.stderr)
        return 2
    summary = import_qdpx(args.file, args.into, int(args.max_size * 1024 * 1024))
    for problem in summary.warnings:
        print(f"warning: {problem}", file=sys.stderr)
    how = "restored exactly from tcoder.json" if summary.exact else "read from project.qde"
    print(f"Wrote {display_path(summary.into)} ({how}): {summary.transcripts} transcripts, {summary.codes} codes, "
          f"{len(summary.coders)} coders ({', '.join(summary.coders) or 'none'}), {summary.annotations} annotations, "
          f"{summary.memos} memos, {summary.attributes} attributes")
    print(f"Next: tcoder check {display_path(summary.into)}")
    return 0

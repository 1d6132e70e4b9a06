"""tcoder review STUDY REV1..REV2: coding changes between two revisions."""

from __future__ import annotations

import argparse
import sys

HELP = "coding changes between two git revisions, per coder and code (--format md for a pull request)"
DESCRIPTION = """List the annotations added, removed and changed between two revisions, per coder
and code, with their quotes. The files are read from git; the work tree is not touched.

  tcoder review . main..HEAD
  tcoder review . main...my-branch --format md    # a pull request: changes since the branch left main

Exit status: 0, or 1 when an annotation file could not be read at a revision."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder (inside a git repository)")
    parser.add_argument("range", metavar="REV1..REV2",
                        help="two revisions: REV1..REV2, REV1...REV2 (from where REV2 left REV1), REV1.. (to HEAD)")
    parser.add_argument("--format", choices=("table", "md", "json"), default="table", help="output format")


def run(args: argparse.Namespace) -> int:
    from tcoder.errors import print_problems
    from tcoder.gitdriver.review import RangeError, review
    from tcoder.gitdriver.review_output import FORMATS
    from tcoder.textsafe import for_stream

    try:
        result = review(args.study, args.range)
    except RangeError as exc:
        print(f"tcoder review: error: {exc}", file=sys.stderr)
        return 2
    # Quotes, memos, code ids and file names come from the users' files: exact
    # into a file or a pipe, control characters shown as glyphs on a terminal.
    sys.stdout.write(for_stream(FORMATS[args.format](result), sys.stdout))
    print_problems(result.problems)
    return 1 if any(p.severity == "error" for p in result.problems) else 0

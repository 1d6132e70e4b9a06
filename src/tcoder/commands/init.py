"""tcoder init [DIR]: start a study folder."""

from __future__ import annotations

import argparse
import sys

HELP = "start a study: a commented codebook, settings, attributes, .gitignore; optionally import transcripts and git"
DESCRIPTION = """Start a study in DIR (default: the current folder; created if needed):

  codebook.yaml    a commented codebook: the template (example codes to replace), --empty for
                   inductive coding, or --codebook FILE.yaml|FILE.qdc (a REFI-QDA codebook)
  tcoder.yaml      the settings, every one commented
  attributes.csv   one row per transcript, to add columns such as group or gender
  .gitignore       tcoder's lock and temporary files and its journal

--import FILE... converts transcripts (any format 'tcoder import' reads; 'Name: text' .txt and .md
files are copied as they are) into DIR/transcripts (or --into). --git makes DIR a git repository
(unless it is in one), sets up tcoder's diff and merge drivers and commits the new study.
Nothing is written if an input cannot be used, nor into a folder that is already a study."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", nargs="?", default=".", help="the study folder (default: here)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--codebook", metavar="FILE", help="start from this codebook (.yaml, or .qdc from another "
                                                            "program)")
    source.add_argument("--empty", action="store_true", help="start with an empty codebook (inductive coding)")
    parser.add_argument("--title", metavar="TEXT", help="the study's title (default: from the folder's name)")
    parser.add_argument("--import", dest="imports", metavar="FILE", nargs="+", default=[],
                        help="transcripts to bring in (.vtt, .srt, .docx, Otter text, 'Name: text' .txt or .md...)")
    parser.add_argument("--into", metavar="SUBDIR", default="transcripts",
                        help="the folder of the study imported transcripts go to (default: transcripts)")
    parser.add_argument("--git", action="store_true",
                        help="make the study a git repository with tcoder's drivers, and commit it")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tcoder.errors import display_path
    from tcoder.study_init import StudyPlan, create_study

    plan = StudyPlan(Path(args.folder), codebook=Path(args.codebook) if args.codebook else None, empty=args.empty,
                     title=args.title, imports=[Path(f) for f in args.imports], into=args.into, git=args.git)
    report = create_study(plan)
    out = sys.stdout
    from tcoder.textsafe import for_stream

    def say(text: str, file=out) -> None:
        print(for_stream(text, file), file=file)

    say(f"Started the study in {display_path(report.folder) or '.'}:")
    width = max(len(name) for name, _ in report.written)
    for name, what in report.written:
        say(f"  {name:<{width}}  {what}")
    for warning in report.warnings:
        say(f"warning: {warning}", sys.stderr)
    for line in report.git:
        say(f"  git: {line}")
    folder = display_path(report.folder) or "."
    say(f"Next: add transcripts (tcoder import ... --into {folder}/{plan.into}), then "
        f"tcoder code {folder} --coder YOUR-NAME" if not report.transcripts else
        f"Next: tcoder code {folder} --coder YOUR-NAME")
    return 0

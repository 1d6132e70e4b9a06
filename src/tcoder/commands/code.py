"""tcoder code STUDY [--coder NAME] [TRANSCRIPT]: the coding TUI."""

from __future__ import annotations

import argparse
import os
import sys

HELP = "code transcripts in the terminal (keyboard-first span coding)"
DESCRIPTION = """Open the coding screen. Without TRANSCRIPT it lists the study's transcripts
(length, turns, your annotation count, who has coded each) to choose from.

Select text with shift+arrows (or the sentence and turn keys) and press a code's
letter or digit; space picks any code by name. Every change is saved at once to
<transcript>.<coder>.json. F1 shows every key; ctrl+q quits.

The coder name comes from --coder, else the TCODER_CODER environment variable,
else the program asks once. --with bob draws bob's spans over yours (in italics,
with a gutter lane of their own) and shows his changes within a second of his
saving them, without touching his file. See docs/coding.md for the keys,
remapping them in tcoder.yaml, working over SSH and NO_COLOR, and
docs/compare.md for coding in pairs."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("transcript", metavar="TRANSCRIPT", nargs="?",
                        help="a transcript to open (path in the study, file name or stem); "
                             "default: choose from a list")
    parser.add_argument("--coder", metavar="NAME",
                        help="your coder name (default: $TCODER_CODER, else you are asked)")
    parser.add_argument("--with", dest="partners", metavar="CODER[,CODER...]",
                        help="also show these coders' spans, updated live as they save (read-only)")


def run(args: argparse.Namespace) -> int:
    from tcoder.commands.coder_options import OptionError, coder_name, coder_names
    from tcoder.commands.screen import run_screen
    from tcoder.errors import Problem, StudyError
    from tcoder.study import open_study

    coder = args.coder or os.environ.get("TCODER_CODER") or None
    try:
        if coder is not None:
            coder_name(coder, "--coder" if args.coder else "TCODER_CODER")
        partners = coder_names(args.partners, "--with", not_you=coder)
    except OptionError as exc:
        print(f"tcoder code: error: {exc}", file=sys.stderr)
        return 2
    study = open_study(args.study)
    _ = study.codebook  # a broken codebook is reported here, with file, line and column
    from tcoder.apprentice import APPRENTICE, check_allowed

    if APPRENTICE in partners:
        check_allowed(study)  # the study's "no AI" rule: no apprentice lane either
    if not study.transcripts:
        raise StudyError(Problem("the study has no transcripts (*.txt or *.md files); add some or check "
                                 "'transcripts:' in tcoder.yaml", study.root))
    ref = study.find(args.transcript) if args.transcript else None

    def make_app():
        from tcoder.tui.app import TcoderApp

        return TcoderApp(study, coder, ref, partners=partners)

    return run_screen("code", "coding", make_app)

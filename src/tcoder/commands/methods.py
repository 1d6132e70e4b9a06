"""tcoder methods STUDY: a methods section and its appendix, from the study's own facts."""

from __future__ import annotations

import argparse
import sys

HELP = "a methods section and appendix (md, html, docx) written from the study's data, with a COREQ/SRQR checklist"
DESCRIPTION = """A methods section and an appendix, written from what the study holds:

  data          transcripts and words, one-to-one interviews and focus groups (from
                speakers.csv: one participant or several), participants
  coding        the coders, how many transcripts each coded, the share coded by two or more
  codebook      size and shape of the tree, definitions and criteria, its recorded history
  reliability   Krippendorff's alpha as 'tcoder agree' computes it (--unit, --bootstrap, --seed),
                the range and verdicts; how the consensus came about, passage by passage
                (agreed, kept, union, intersection, left out...) from adjudication records
  analysis      the themes, the audit trail (memos, journal, histories, git) and the
                software: tcoder and Python versions, the study's commit
  appendix      the coding tree with definitions, alpha per code, consensus passages per
                transcript, the codebook's changes, and a COREQ (items 24-29) and SRQR
                (items 11-13) checklist saying which items the text covers and which the
                authors must add

A study that follows the reflexive approach (approach: reflexive in tcoder.yaml) gets
reflexive wording and no reliability figures. Nothing is written that the files do not
show: participant checking, how themes were derived and the paradigm are left to the
authors, and the checklist says so.

Examples:
  tcoder methods my-study > methods.md
  tcoder methods my-study --format docx -o methods.docx
  tcoder methods my-study --unit sentence --bootstrap 5000 --format html -o methods.html"""

FORMATS = ("md", "html", "docx", "xlsx")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tcoder.commands.agree import UNITS

    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("--format", choices=FORMATS, default="md", help="md (default), html, docx or xlsx (the appendix tables; docx and xlsx need -o)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of the screen (never over a study's own files)")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists; without it, a terminal asks")
    parser.add_argument("--coders", metavar="A,B,...", help="coders compared for reliability (default: every coder "
                                                              "except consensus)")
    parser.add_argument("--unit", choices=UNITS, default="char", help="unit of the reliability figures (default: char)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap samples for the 95%% intervals behind the verdicts (default: 1000; 0: none)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the bootstrap (default: 1)")
    parser.add_argument("--redact", action="store_true",
                        help="withhold the codebook's examples in the appendix ('[quote withheld: N words]'): they "
                             "quote the transcripts")
    parser.add_argument("--include-unfinished", action="store_true",
                        help="also count coders who have not marked a transcript done")


def _usage(message: str) -> int:
    print(f"tcoder methods: error: {message}", file=sys.stderr)
    return 2


def _say(message: str) -> None:
    from tcoder.textsafe import for_stream

    print(for_stream(message, sys.stderr), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.bootstrap < 0:
        return _usage("--bootstrap must be 0 or more")
    if not 0 <= args.seed < 2 ** 63:
        return _usage(f"--seed must be a whole number from 0 to {2 ** 63 - 1:,} (it was {args.seed})")
    from tcoder.reports.tabular import needs_file

    if needs_file(args.format, args.output):
        return _usage(f"--format {args.format} writes a file: give -o FILE.{args.format}")
    from tcoder.outputs import check_output

    check_output(args.output, what="the methods section", force=args.force, study_root=args.study)
    from tcoder.errors import warn_study_problems
    from tcoder.reports.methods_facts import gather_facts
    from tcoder.study import open_study

    study = open_study(args.study)
    warn_study_problems(study)
    facts = gather_facts(study, args.include_unfinished)
    for note in facts.notes:
        _say(f"note: {note}")
    agreement, rows = None, []
    if not facts.reflexive:
        coders = _coders(args, study)
        if isinstance(coders, int):
            return coders
        agreement, rows = _agreement(args, study, coders)
    from tcoder.reports.methods_text import methods_document

    document = methods_document(facts, agreement, rows, study.root.name, redact=args.redact)
    return _write(document, args)


def _coders(args: argparse.Namespace, study) -> list[str] | int:
    from tcoder.apprentice import APPRENTICE
    from tcoder.commands.coder_options import OptionError, coder_names
    from tcoder.study import CONSENSUS

    if not args.coders:
        return [c for c in study.coders if c not in (CONSENSUS, APPRENTICE)]
    try:
        coders = coder_names(args.coders, "--coders")
    except OptionError as exc:
        return _usage(str(exc))
    unknown = [c for c in coders if c not in study.coders]
    if unknown:
        return _usage(f"no annotation files from {', '.join(unknown)} in this study (coders: "
                      f"{', '.join(study.coders) or 'none yet'})")
    if len(coders) < 2:
        return _usage("--coders needs at least two coders")
    return coders


def _agreement(args: argparse.Namespace, study, coders: list[str]):
    """The agreement result's methods fields and its rows, as 'tcoder agree' computes them;
    (None, []) when no transcript has two coders to compare."""
    if len(coders) < 2:
        return None, []
    from tcoder import __version__
    from tcoder.agreement import agreement, gather
    from tcoder.agreement.methods import methods
    from tcoder.coding_status import policy_of
    from tcoder.errors import TcoderError
    from tcoder.reports.methods_text import agreement_rows

    errors = [p for p in study.participant_problems if p.severity == "error"]
    if errors:
        raise TcoderError(errors)
    data = gather(study, coders, None, study.turn_rule("agreement"), policy_of(study, args.include_unfinished))
    if not data.transcripts:
        _say("note: no transcript has files from two coders that count; the text reports no reliability")
        return None, []
    result = agreement(data, args.unit, bootstrap=args.bootstrap, seed=args.seed)
    fields = methods(result, __version__)
    return fields, agreement_rows(result)


def _write(document, args: argparse.Namespace) -> int:
    from tcoder.reports.tabular import write_document

    write_document(document, args.format, args.output, _say, what="the methods section")
    return 0

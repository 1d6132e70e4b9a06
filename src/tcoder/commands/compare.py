"""tcoder compare STUDY TRANSCRIPT [--coders a,b,...] [--format json|table]: coders side by side,
adjudication into the consensus, or the list of disagreements."""

from __future__ import annotations

import argparse
import json
import sys

from tcoder.numbers import plural

HELP = "compare coders side by side and decide a consensus (or list the disagreements)"
DESCRIPTION = """Show the transcript with every chosen coder's spans, their disagreements marked
and counted, per-code alpha for this transcript and how many disagreements are
resolved. For each disagreement, accept one coder's version, the union, the
intersection or none (enter), or code it by hand with the usual coding keys:
the result goes to the consensus coder's file (<transcript>.consensus.json),
saved at once and undoable. Reopening continues where you left off.

With --format json or table, print the disagreements instead (docs/formats.md, Disagreements:
for each code, overlapping spans of different coders form a cluster; 'missing'
when a chosen coder has no span in it, 'boundary' when the spans differ).

Default --coders: the coders who marked the transcript done (tcoder status), except
consensus; --include-unfinished adds those still coding. Other coders' saves show
up live. See docs/compare.md."""

FORMATS = ("json", "table")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("transcript", metavar="TRANSCRIPT",
                        help="the transcript (path in the study, file name or stem)")
    parser.add_argument("--coders", metavar="A,B[,C...]",
                        help="coders to compare (default: those with a file for it who marked it done, "
                             "except consensus)")
    parser.add_argument("--include-unfinished", action="store_true",
                        help="with the default coders, also compare those who have not marked the transcript done")
    parser.add_argument("--format", choices=FORMATS,
                        help="print the disagreements as JSON or a table instead of opening the screen")
    parser.add_argument("--unit", default="char", choices=("char", "word", "line", "sentence", "turn", "span"),
                        help="unit of the per-code alpha in the agreement panel (default: char)")


def _coders(args: argparse.Namespace) -> list[str] | None | int:
    """The coders named with --coders (None when not given); 2 (bad usage) after a message."""
    from tcoder.commands.coder_options import OptionError, coder_names

    if args.coders is None:
        return None
    try:
        return coder_names(args.coders, "--coders", minimum=2, unique=True)
    except OptionError as exc:
        print(f"tcoder compare: error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    from tcoder.adjudication import CONSENSUS, default_coders_explained
    from tcoder.coding_status import CoderStatus, policy_of
    from tcoder.errors import Problem, StudyError, warn_study_problems
    from tcoder.study import open_study
    from tcoder.textsafe import inert

    chosen = _coders(args)
    if isinstance(chosen, int):
        return chosen
    study = open_study(args.study)
    warn_study_problems(study)
    codebook = study.codebook  # a broken codebook is reported here, with file, line and column
    ref = study.find(args.transcript)
    policy = policy_of(study, args.include_unfinished)
    left_out: list[CoderStatus] = []
    if chosen is not None:
        coders = chosen
    else:
        coders, left_out = default_coders_explained(study, ref, policy)
        for status in left_out:
            print(inert(f"note: {ref.name}: {status.coder} left out: {status.reason}"), file=sys.stderr)
    with_files = set(study.coders_of(ref))
    if chosen is not None and not with_files & set(coders):
        raise StudyError(Problem(f"none of {', '.join(coders)} has an annotation file for {ref.name} "
                                 f"(coders with files: {', '.join(sorted(with_files)) or 'none'})", ref.path))
    if len(coders) < 2:
        unfinished = (" (or mark their coding done with 'tcoder status --coder NAME --done TRANSCRIPT', or add "
                      "--include-unfinished)") if left_out else ""
        raise StudyError(Problem(
            f"{ref.name} has annotation files that count from {plural(len(coders), 'coder')} ({', '.join(coders) or 'none'})"
            f" besides the consensus; comparing needs two. Name them with --coders{unfinished}", ref.path))
    if args.format:
        return _print(study, ref, coders, codebook, args.format)
    if CONSENSUS in coders:
        print("tcoder compare: error: the consensus is where the decisions go, so it cannot be one of the "
              "coders compared on the screen (use --format json or table to list its disagreements)",
              file=sys.stderr)
        return 2
    from tcoder.commands.screen import run_screen

    def make_app():
        from tcoder.tui.compare_app import CompareApp

        return CompareApp(study, ref, coders if chosen is not None else None, unit=args.unit, policy=policy)

    return run_screen("compare", "compare", make_app, "; use --format json or table to print the disagreements")


def _print(study, ref, coders: list[str], codebook, fmt: str) -> int:
    from tcoder.adjudication import find_disagreements, usable_annotations
    from tcoder.textsafe import inert

    transcript = study.transcript(ref)
    files = study.annotation_files(ref)
    annotations = {}
    left_out = 0
    for coder in coders:
        loaded = study.load_annotations(ref, coder, set(codebook.codes))
        kept, dropped = usable_annotations(loaded.file.annotations, len(transcript.text), codebook)
        annotations[coder] = kept
        left_out += dropped
    disagreements = find_disagreements(annotations, coders)
    for coder in coders:
        if coder not in files:
            print(inert(f"note: {coder} has no annotation file for {ref.name}: every span of the others is "
                        f"'missing' for {coder}"), file=sys.stderr)
    if left_out:
        print(f"note: {plural(left_out, 'annotation')} left out: orphaned, beyond the end of the text, or with a code "
              "not in the codebook ('tcoder check' lists them)", file=sys.stderr)
    if fmt == "json":
        items = [json.dumps(d.to_dict(), ensure_ascii=False) for d in disagreements]
        sys.stdout.write("[\n" + ",\n".join("  " + item for item in items) + "\n]\n" if items else "[]\n")
        return 0
    _print_table(ref.name, transcript.text, coders, disagreements)
    return 0


def _print_table(name: str, text: str, coders: list[str], disagreements) -> None:
    from collections import Counter

    from tcoder.quotes import shorten
    from tcoder.textsafe import inert

    kinds = Counter(d.kind for d in disagreements)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    print(inert(f"{name}: {plural(len(disagreements), 'disagreement')} among {', '.join(coders)}"
                + (f" ({summary})" if summary else "")))
    if not disagreements:
        return
    header = ["#", "code", "kind", "start", "end", *coders, "text"]
    rows = []
    for i, d in enumerate(disagreements, 1):
        cells = [str(i), d.code, d.kind, str(d.start), str(d.end)]
        cells += [", ".join(f"{s}-{e}" for s, e in d.spans(c)) or "-" for c in coders]
        cells.append(shorten(text[d.start:d.end], 60))
        rows.append([inert(cell) for cell in cells])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    numeric = {0, 3, 4}
    for row in [header, *rows]:
        cells = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
                 for i, cell in enumerate(row[:-1])]
        print("  ".join([*cells, row[-1]]).rstrip())

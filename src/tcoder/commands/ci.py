"""tcoder ci STUDY: fail when a study is not fit to merge or publish (for pre-commit hooks and CI services)."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural

HELP = "fail (exit 1) when coding is not fit to merge: definitions, unknown codes, orphans, conflicts, calibration"
DESCRIPTION = """Check a study as a pre-commit hook or a CI service would, and fail with a message
naming the file and place of every problem:

  definitions      a code without a description, include or exclude rule (which
                   fields are required: 'ci: require:' in tcoder.yaml)
  unknown codes    an annotation using a code the codebook does not have
  orphaned         an annotation whose passage is no longer in its transcript
  merge conflicts  files git has not merged, conflict markers committed in any file
                   of the study, tcoder's own unresolved conflict records
  re-anchoring     a transcript changed without its annotations being re-anchored
                   ('tcoder check --fix' does it)
  calibration      agreement on the declared calibration transcripts whose 95%
                   interval reaches below the declared floor ('ci: calibration:'
                   and 'floor:' in tcoder.yaml)
  other            every other error 'tcoder check' finds

Exit status: 0 when every check passes, 1 when one fails, 2 on bad usage. Nothing is
written. See docs/sharing.md#tcoder-ci for the settings, a pre-commit hook and a CI
workflow."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", nargs="?", default=".", help="the study folder (default: .)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    from tcoder.ci import KINDS, run_ci, summary_lines
    from tcoder.errors import display_path, print_problems
    from tcoder.study import open_study
    from tcoder.textsafe import for_stream

    study = open_study(args.study)
    report = run_ci(study)
    out = sys.stdout
    if args.format == "json":
        import json

        cal = report.calibration
        data = {
            "study": str(study.root),
            "passed": not report.failed,
            "problems": {kind: [{"message": p.message, "file": None if p.path is None else str(p.path),
                                 "line": p.line} for p in report.problems[kind]] for kind in KINDS},
            "counted": report.counted,
            "calibration": None if cal is None else {
                "coders": cal.coders, "unit": cal.unit, "transcripts": cal.transcripts, "floor": cal.floor,
                "judged": cal.judged, "below": cal.below, "not_judged": cal.not_judged},
            "notes": report.notes,
        }
        json.dump(data, out, indent=2, ensure_ascii=False)
        print(file=out)
        return 1 if report.failed else 0
    print(for_stream(f"tcoder ci {display_path(study.root)}", out), file=out)
    for line in summary_lines(report):
        print(f"  {line}", file=out)
    for note in report.notes:
        print(for_stream(f"note: {note}", out), file=out)
    for kind in KINDS:
        if report.problems[kind]:
            out.flush()
            print(f"\n{kind}:", file=sys.stderr)
            print_problems(report.problems[kind])
    total = sum(len(v) for v in report.problems.values())
    print(f"{'FAILED' if total else 'OK'}: {plural(total, 'problem')}", file=out)
    return 1 if report.failed else 0

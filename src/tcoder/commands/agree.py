"""tcoder agree STUDY: Krippendorff's alpha per code, per domain and pooled (docs/formats.md#agreement-data-and-results)."""

from __future__ import annotations

import argparse
import sys

HELP = "inter-coder agreement: Krippendorff's alpha per code and domain, with bootstrap intervals"
DESCRIPTION = """Krippendorff's alpha between coders, per code (presence/absence on each unit)
and per domain (exclusive codes, at the domain's level of measurement), with the
number of units each code was used on and percent agreement beside it.

Units: char (every character), word, line, sentence, turn, or span for
Krippendorff's unitizing alpha (alpha_u) on the character continuum.

In a study that follows the reflexive approach (approach: reflexive in tcoder.yaml)
there is no alpha: agree shows how the coders' readings overlap, per code and pair,
as material to discuss. Otherwise:
--kappa adds Cohen's kappa (two coders), Fleiss' kappa and Gwet's AC1, secondary
to alpha: no interval, no verdict. --format md writes a Markdown report that opens
with a ready-to-paste methods sentence and lists what a methods section needs
(coefficient, unit, coders, transcripts, share double-coded, interval, seed, version).
With --bootstrap N, a 95% interval and q, the share of bootstrap samples below
.800 and .667, from a cluster bootstrap that resamples whole transcripts (when
20 or more are compared) or speaker turns (--resample chooses; kalpha resamples
pairs of values as Hayes & Krippendorff's KALPHA does, which treats units as
independent). Verdicts need the interval: reliable when the whole interval is at
or above .800, tentative at or above .667, unreliable when alpha is below .667,
inconclusive otherwise, and 'too few' for codes used on fewer than 20 units.
Undefined alphas are shown as '-' (null in JSON) with the reason. By default
only coders who marked a transcript done count (see tcoder status).
See docs/agreement.md.

Examples:
  tcoder agree my-study --unit sentence --bootstrap 5000
  tcoder agree my-study --coders alice,bob --pairs
  tcoder agree my-study --unit sentence --bootstrap 5000 --format md > reliability.md
  tcoder agree my-study --unit span --format json > alpha.json"""

UNITS = ("char", "word", "line", "sentence", "turn", "span")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("--coders", metavar="A,B,...",
                        help="coders to compare (default: every coder except consensus)")
    parser.add_argument("--unit", choices=UNITS, default="char",
                        help="unit of analysis (default: char); span = unitizing alpha")
    parser.add_argument("--transcripts", metavar="GLOB", action="append",
                        help="only transcripts matching this glob (path, file name or stem); repeatable")
    parser.add_argument("--by", choices=("transcript",), help="also one row per transcript and code")
    parser.add_argument("--pairs", action="store_true", help="also alpha for every pair of coders")
    parser.add_argument("--include-unfinished", action="store_true",
                        help="also count coders who have not marked a transcript done (tcoder status); "
                             "default: only files marked done, and unmarked files with annotations")
    parser.add_argument("--autocoded", choices=("include", "exclude"), default="include",
                        help="annotations made by tcoder autocode: count them as their coder's coding (default; the "
                             "notes say how many) or leave them out")
    parser.add_argument("--apprentice", choices=("include", "exclude"), default="include",
                        help="passages coders accepted from the apprentice's proposals: count them as their coder's "
                             "coding (default; the notes say how many) or leave them out (docs/apprentice.md)")
    parser.add_argument("--rollup", action="store_true",
                        help="a span of a child code also counts for its parent themes (theme-level alpha)")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N",
                        help="bootstrap samples for 95%% intervals and q (e.g. 5000; default: none)")
    parser.add_argument("--resample", choices=("auto", "transcript", "turn", "kalpha"), default="auto",
                        help="what the bootstrap draws: whole transcripts, speaker turns, or pairs of values "
                             "(KALPHA); auto: transcripts when 20 or more are compared, else turns")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the bootstrap, 0 or more (default: 1)")
    parser.add_argument("--leave-out", metavar="ROLES",
                        help="roles whose turns hold no units, e.g. interviewer,moderator, or 'none' to count "
                             "every speaker (default: every role but participant, or left_out_roles in tcoder.yaml)")
    parser.add_argument("--format", choices=("table", "csv", "json", "md", "docx", "xlsx"), default="table",
                        help="output format; md: a Markdown report with the methods sentence and the fields a methods "
                             "section needs; docx: the same in Word; xlsx: every table as a sheet (both need -o)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="--format docx or xlsx: the file to write (never over a study's own files)")
    parser.add_argument("--kappa", action="store_true",
                        help="also show Cohen's kappa (two coders), Fleiss' kappa and Gwet's AC1 beside alpha, for "
                             "readers who ask for them (always in JSON and CSV); alpha stays the measure judged")
    parser.add_argument("--plot", metavar="FILE",
                        help="also draw alpha per code with its interval to FILE (.png, .svg or .pdf)")
    parser.add_argument("--plot-size", choices=("single", "double"), default="double",
                        help="the plot's width: one journal column (85 mm) or two (174 mm, the default)")
    parser.add_argument("--force", action="store_true",
                        help="replace the plot FILE (or -o FILE) if it exists; without it, a terminal asks first")
    from tcoder.commands.manifest_run import add_manifest_argument

    add_manifest_argument(parser)


def _usage(message: str) -> int:
    print(f"tcoder agree: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from tcoder.commands.manifest_run import with_manifest

    return with_manifest(args, sys.modules[__name__], "agree", _run, [args.plot, getattr(args, "output", None)])


def _run(args: argparse.Namespace) -> int:
    from tcoder.agreement import agreement, gather, result_dict
    from tcoder.agreement.data import matches
    from tcoder.apprentice import APPRENTICE
    from tcoder.coding_status import policy_of
    from tcoder.commands.coder_options import OptionError, coder_names
    from tcoder.errors import Problem, StudyError, warn_study_problems
    from tcoder.study import CONSENSUS, open_study
    from tcoder.textsafe import for_stream

    if args.bootstrap < 0:
        return _usage("--bootstrap must be 0 or more")
    if args.format in ("docx", "xlsx"):
        if not args.output or args.output == "-":
            return _usage(f"--format {args.format} writes a file: give -o FILE.{args.format}")
        from tcoder.outputs import check_output

        check_output(args.output, force=args.force, study_root=args.study)
    elif args.output:
        return _usage("-o is for --format docx and xlsx; other formats go to standard output")
    if not 0 <= args.seed < 2 ** 63:
        return _usage(f"--seed must be a whole number from 0 to {2 ** 63 - 1:,} (it was {args.seed})")
    if args.unit == "span" and args.resample in ("turn", "kalpha"):
        return _usage("--unit span resamples whole transcripts (unitizing alpha compares each transcript's "
                      f"continuum); --resample {args.resample} does not apply")
    if args.plot:
        from tcoder.reports.plots import PLOT_SUFFIXES

        if not args.plot.lower().endswith(PLOT_SUFFIXES):
            return _usage(f"--plot writes {', '.join(PLOT_SUFFIXES)} files; give FILE one of these suffixes")
        from tcoder.outputs import check_output

        check_output(args.plot, what="the plot", force=args.force, study_root=args.study)
    from tcoder.turnrule import parse_roles

    try:
        roles = parse_roles(args.leave_out) if args.leave_out is not None else None
    except ValueError as exc:
        return _usage(f"--leave-out: {exc}")
    study = open_study(args.study)
    warn_study_problems(study)
    errors = [p for p in study.participant_problems if p.severity == "error"]
    if errors:
        from tcoder.errors import TcoderError

        raise TcoderError(errors + [Problem("agreement needs to know whose turns count; fix the speakers and "
                                            "participants files first ('tcoder check STUDY')")])
    known = study.coders
    if args.coders:
        try:
            coders = coder_names(args.coders, "--coders")
        except OptionError as exc:
            return _usage(str(exc))
        unknown = [c for c in coders if c not in known]
        if unknown:
            have = ", ".join(known) or "none yet"
            return _usage(f"no annotation files from {', '.join(unknown)} in this study (coders: {have})")
        if len(coders) < 2:
            return _usage("--coders needs at least two coders")
    else:
        coders = [c for c in known if c not in (CONSENSUS, APPRENTICE)]
        if len(coders) < 2:
            have = ", ".join(coders) or "none"
            raise StudyError(Problem(f"agreement needs annotation files from two coders; this study has {have}"
                                     + (" (and consensus, which is left out unless named in --coders)"
                                        if CONSENSUS in known else "")
                                     + (" (the apprentice's proposals are compared only when named in --coders)"
                                        if APPRENTICE in known else ""), study.root))
    if args.transcripts and not any(matches(r.name, args.transcripts) for r in study.transcripts):
        return _usage(f"no transcript matches {' or '.join(args.transcripts)}")
    if args.apprentice == "exclude" and APPRENTICE in coders:
        return _usage("--apprentice exclude leaves the apprentice out: do not name it in --coders")
    policy = policy_of(study, args.include_unfinished)
    data = gather(study, coders, args.transcripts, study.turn_rule("agreement", roles), policy, args.autocoded,
                  args.apprentice, unit=None if study.settings.reflexive else args.unit)
    if not data.transcripts:
        unfinished = [s for _, s in data.left_out if s.state == "in-progress"]
        hint = (" (some have files still in progress: mark them done with 'tcoder status --coder NAME --done "
                "TRANSCRIPT', or add --include-unfinished)" if unfinished else "")
        raise StudyError(Problem(f"no transcript has annotation files from two of the chosen coders "
                                 f"({', '.join(coders)}) that count{hint}, so there is nothing to compare",
                                 study.root))
    if study.settings.reflexive:
        from tcoder.commands import agree_reflexive

        return agree_reflexive.run(args, data)
    result = agreement(data, args.unit, rollup=args.rollup, by_transcript=args.by == "transcript",
                       pairs=args.pairs, bootstrap=args.bootstrap, seed=args.seed, resample=args.resample)
    payload = result_dict(result)
    for note in payload["notes"]:
        print(for_stream(f"note: {note}", sys.stderr), file=sys.stderr)
    if result.left_out is not None and args.format == "csv":  # CSV stays data: the note goes beside it
        print(for_stream(f"note: {result.left_out['note']}", sys.stderr), file=sys.stderr)
    if args.bootstrap and args.bootstrap < 1000:
        print("note: fewer than 1,000 bootstrap samples give unstable intervals; KALPHA uses at least 1,000",
              file=sys.stderr)
    if args.format == "json":
        import json

        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        print()
    elif args.format == "csv":
        from tcoder.commands.agree_output import write_csv

        write_csv(result, sys.stdout)
    elif args.format in ("docx", "xlsx"):
        from tcoder.reports.agreement_doc import agreement_document
        from tcoder.reports.tabular import write_document

        write_document(agreement_document(result, payload, args.format), args.format, args.output,
                       lambda m: print(for_stream(m, sys.stderr), file=sys.stderr))
    elif args.format == "md":
        from tcoder.commands.agree_markdown import write_markdown

        write_markdown(result, payload, sys.stdout, kappa=args.kappa)
    else:
        from tcoder.commands.agree_output import print_tables

        print_tables(result, data.codebook, kappa=args.kappa)
    if args.plot:
        _plot(payload, args.plot, data.codebook, args.plot_size)
    return 0


def _plot(payload: dict, path: str, codebook=None, size: str = "double") -> None:
    from tcoder.errors import Problem, TcoderError
    from tcoder.reports.plots import plot_alpha
    from tcoder.safeio import os_error_message

    try:
        plot_alpha(payload, path, codebook=codebook, size=size)
    except OSError as exc:
        raise TcoderError(Problem(f"cannot write the plot: {os_error_message(exc)}; nothing was changed",
                                  path)) from None
    print(f"Wrote {path}", file=sys.stderr)

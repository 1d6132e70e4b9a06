"""tcoder autocode STUDY CODE --coder NAME ...: code many passages at once, as one undoable step."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural

HELP = "code every search hit, a speaker's turns or the answers to a question at once (one undoable step)"
DESCRIPTION = """Code many passages with CODE for one coder, as one step: crash-safe, recorded in
the study's journal and undone byte for byte with 'tcoder undo'. Each annotation made
carries the query it came from (the 'autocode' field, docs/formats.md#annotation-files),
so reports and agreement can tell it from a coder's own coding.

What to code (one of):
  --search PATTERN      each hit of a study-wide search (the options of 'tcoder search':
                        --word, --regex, --case, --accents, --labels and the filters), coded
                        --as hit (the words found), sentence (default) or turn
  --speaker / --participant alone
                        every turn of these speakers or participants
  --structure PATTERN   by the transcripts' structure: --as turn (each turn that matches),
                        answer (the turns answering a matching turn, such as a question of
                        the interview guide) or section (from each matching line, a heading,
                        to the next)

Review first: --dry-run lists the passages, numbered, each marked new or already coded;
--skip N[,N] leaves those numbers out when applying. A passage the coder already coded
with CODE is never coded again. Above 1,000 passages the batch asks for --yes.

Examples:
  tcoder autocode STUDY institutional-resistance --coder alice --search dean --word --dry-run
  tcoder autocode STUDY institutional-resistance --coder alice --search dean --word --skip 3,5
  tcoder autocode STUDY interviewer-prompt --coder alice --speaker Interviewer
  tcoder autocode STUDY q-motivation --coder alice --structure 'why did you' --as answer
  tcoder undo STUDY                    take the batch back"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("code", metavar="CODE", help="the code to apply (its id)")
    parser.add_argument("--coder", required=True, metavar="NAME", help="whose annotation files get the passages")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--search", metavar="PATTERN", help="code the hits of this search")
    what.add_argument("--structure", metavar="PATTERN", help="code by the structure this pattern finds")
    parser.add_argument("--as", dest="target", choices=("hit", "sentence", "turn", "answer", "section"),
                        help="what to code around each hit: hit, sentence (default for --search) or turn; "
                             "for --structure: turn (default), answer or section")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--word", action="store_true", help="whole words only")
    mode.add_argument("--regex", action="store_true", help="PATTERN is a regular expression")
    parser.add_argument("--case", action="store_true", help="match upper and lower case exactly")
    parser.add_argument("--accents", action="store_true", help="match accents exactly (é is not e)")
    parser.add_argument("--labels", action="store_true", help="also search speaker labels")
    parser.add_argument("--transcript", action="append", metavar="NAME[,NAME]",
                        help="only these transcripts (paths, file names, stems or globs)")
    parser.add_argument("--speaker", action="append", metavar="NAME[,NAME]",
                        help="with --search: only hits in these speakers' turns; alone: code every turn of them")
    parser.add_argument("--participant", action="append", metavar="ID[,ID]",
                        help="as --speaker, by participant id (speakers.csv)")
    parser.add_argument("--where", action="append", metavar="ATTRIBUTE=VALUE[,VALUE]",
                        help="with --search: only hits whose participant or transcript has this value")
    parser.add_argument("--inside", action="append", metavar="CODE[,CODE]",
                        help="with --search: only hits inside passages coded CODE (any coder's)")
    parser.add_argument("--outside", action="append", metavar="CODE[,CODE]",
                        help="with --search: only hits outside every passage coded CODE (any coder's)")
    parser.add_argument("--dry-run", action="store_true", help="list the passages, numbered; change nothing")
    parser.add_argument("--skip", action="append", metavar="N[,N]",
                        help="leave out these passages (numbers from --dry-run)")
    parser.add_argument("--yes", action="store_true", help="apply a batch of more than 1,000 passages")
    parser.add_argument("--why", metavar="TEXT", default="", help="the reason, recorded with the operation")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS",
                        help="stop a search that runs longer (default 10)")


def _say(message: str, stream=None) -> None:
    from tcoder.textsafe import for_stream

    stream = stream or sys.stdout
    print(for_stream(message, stream), file=stream)


def _skips(values: list[str] | None) -> set[int]:
    from tcoder.commands.search import split

    out = set()
    for item in split(values):
        if not item.isdigit() or int(item) < 1:
            raise ValueError(f"--skip takes passage numbers from --dry-run (1, 2, ...), not {item!r}")
        out.add(int(item))
    return out


def run(args: argparse.Namespace) -> int:
    from tcoder.commands.search import parse_where, split, usage
    from tcoder.search.autocode import AutocodeError, Plan, plan_from_hits, plan_from_speakers, plan_from_structure
    from tcoder.search.autocode_write import apply_plan
    from tcoder.search.corpus import Corpus
    from tcoder.search.engine import FilterError, SearchFilters, run_search, select_transcripts
    from tcoder.search.pattern import CompiledPattern, Mode, PatternError, SearchPattern
    from tcoder.study import open_study

    try:
        skips = _skips(args.skip)
        where = parse_where(args.where)
    except ValueError as exc:
        return usage("autocode", str(exc))
    speakers, participants = split(args.speaker), split(args.participant)
    pattern_text = args.search if args.search is not None else args.structure
    if pattern_text is None and not (speakers or participants):
        return usage("autocode", "say what to code: --search PATTERN, --speaker/--participant, or --structure PATTERN")
    if args.search is not None and args.target in ("answer", "section"):
        return usage("autocode", "--as answer and --as section go with --structure; a search codes hit, sentence "
                                 "or turn")
    if args.structure is not None and args.target in ("hit", "sentence"):
        return usage("autocode", "--structure codes turn, answer or section")
    if pattern_text is None and args.target is not None:
        return usage("autocode", "--as goes with --search or --structure; --speaker alone codes whole turns")
    if args.time_limit <= 0:
        return usage("autocode", "--time-limit must be more than 0 seconds")
    pattern = None
    if pattern_text is not None:
        mode: Mode = "regex" if args.regex else "word" if args.word else "plain"
        try:
            pattern = CompiledPattern(SearchPattern(pattern_text, mode, args.case, args.accents))
        except PatternError as exc:
            pointer = exc.pointer()
            return usage("autocode", f"{exc}" + (f"\n{pointer}" if pointer else ""))
    study = open_study(args.study)
    corpus = Corpus(study)
    try:
        plan: Plan
        if args.search is not None:
            assert pattern is not None
            filters = SearchFilters(transcripts=split(args.transcript), speakers=speakers, participants=participants,
                                    attributes=where, inside=split(args.inside), outside=split(args.outside),
                                    include_labels=args.labels)
            result = run_search(study, pattern, filters, corpus=corpus, time_limit=args.time_limit)
            if not result.complete:
                _say(f"The search did not complete ({result.summary()}); nothing was coded. Narrow the pattern "
                     "or raise --time-limit.", sys.stderr)
                return 1
            described = "; ".join([f"search {pattern.spec.describe()}", *filters.describe()])
            plan = plan_from_hits(study, result.hits, args.code, args.coder, args.target or "sentence", described,
                                  corpus)
        else:
            names = select_transcripts(study, split(args.transcript)) if args.transcript else None
            if args.structure is not None:
                assert pattern is not None
                plan = plan_from_structure(study, pattern, args.code, args.coder, args.target or "turn", names,
                                           corpus)
            else:
                plan = plan_from_speakers(study, args.code, args.coder, speakers=speakers, participants=participants,
                                          transcripts=names, corpus=corpus)
    except (AutocodeError, FilterError) as exc:
        return usage("autocode", str(exc))
    if max(skips, default=0) > len(plan.candidates):
        return usage("autocode", f"--skip {max(skips)}: the batch has {plural(len(plan.candidates), 'passage')}")
    for number in skips:
        plan.candidates[number - 1].accepted = False
    if args.dry_run or not plan.to_apply:
        _list(study, plan)
    for problem in corpus.problems:
        _say(f"not searched: {problem}", sys.stderr)
    if args.dry_run:
        _say(f"Dry run: {plan.summary()}. Nothing was changed.")
        return 0
    if not plan.to_apply:
        _say(f"Nothing to code: {plan.summary()}.")
        return 0
    if plan.needs_confirmation and not args.yes:
        _say(f"{plan.summary()}. That is more than 1,000 passages: review them with --dry-run, then add --yes.",
             sys.stderr)
        return 1
    from tcoder.codebook_ops import default_who

    applied = apply_plan(study, plan, who=default_who(study.root), note=args.why)
    _say(applied.summary()[:1].upper() + applied.summary()[1:] + ".")
    return 1 if applied.left_out else 0


def _list(study, plan) -> None:
    from tcoder.search.kwic import cut_right, flat

    width = 100
    for number, c in enumerate(plan.candidates, 1):
        text = study.transcript(c.transcript).text[c.start:c.end]
        state = "already coded" if c.already else "skip" if not c.accepted else "new"
        _say(f"{number:>5}  {state:<13} {c.transcript}:{c.line}  {cut_right(flat(c.speaker or '-'), 14)}  "
             f"{cut_right(flat(text), width)}")

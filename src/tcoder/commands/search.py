"""tcoder search STUDY PATTERN: find text in every transcript, keyword in context."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural, verb_for

HELP = "find text in every transcript (plain, whole word or regular expression), keyword in context"
DESCRIPTION = """Search every transcript of the study and list the hits as keyword-in-context
lines (the hit aligned, context either side, transcript, line and speaker), grouped and
counted per transcript.

Case and accents are ignored unless --case or --accents: 'jose' finds 'José'. In plain
and whole-word searches, any run of spaces or line breaks matches any other, and
straight and curly apostrophes and quotes match each other. Speaker labels
('Interviewer:') are not searched unless --labels.

Filters: --transcript (paths, file names, stems or globs such as 'interviews/*'),
--speaker, --participant (ids of speakers.csv), --where ATTRIBUTE=VALUE (a participant
attribute judges the speaker of each hit, a transcript attribute its transcript), --inside CODE (the hit lies in a
passage coded CODE or a sub-code) and --outside CODE (it touches none), judged by every
coder's annotations or those of --coder.

Regular expressions use Python's syntax (the 'regex' module). A pattern that runs
longer than --time-limit seconds (default 10) is stopped and the results so far are
shown with a note.

Examples:
  tcoder search STUDY dean --word
  tcoder search STUDY 'white coat|short coat' --regex --inside motivation --format md -o coats.md
  tcoder search STUDY "didn't" --speaker Amara --where group=intervention"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("pattern", metavar="PATTERN", help="what to look for")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--word", action="store_true", help="whole words only")
    mode.add_argument("--regex", action="store_true", help="PATTERN is a regular expression")
    parser.add_argument("--case", action="store_true", help="match upper and lower case exactly")
    parser.add_argument("--accents", action="store_true", help="match accents exactly (é is not e)")
    parser.add_argument("--transcript", action="append", metavar="NAME[,NAME]",
                        help="only these transcripts (paths, file names, stems or globs)")
    parser.add_argument("--speaker", action="append", metavar="NAME[,NAME]", help="only turns of these speakers")
    parser.add_argument("--participant", action="append", metavar="ID[,ID]",
                        help="only turns of these participants (speakers.csv)")
    parser.add_argument("--where", action="append", metavar="ATTRIBUTE=VALUE[,VALUE]",
                        help="only hits whose participant (participants.csv) or transcript (attributes.csv) "
                             "has this value; participant.NAME or transcript.NAME choose the level")
    parser.add_argument("--inside", action="append", metavar="CODE[,CODE]",
                        help="only hits inside passages coded CODE (or a sub-code)")
    parser.add_argument("--outside", action="append", metavar="CODE[,CODE]",
                        help="only hits outside every passage coded CODE (or a sub-code)")
    parser.add_argument("--coder", action="append", metavar="NAME[,NAME]",
                        help="whose coding --inside and --outside look at (default: every coder)")
    parser.add_argument("--exact", action="store_true", help="--inside/--outside codes without their sub-codes")
    parser.add_argument("--labels", action="store_true", help="also search speaker labels")
    parser.add_argument("--context", type=int, default=60, metavar="N",
                        help="characters of context either side (default 60)")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS",
                        help="stop a search that runs longer (default 10)")
    parser.add_argument("--format", choices=("table", "csv", "md", "json", "docx"), default="table",
                        help="output format (docx needs -o FILE.docx)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the results to FILE")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing output file (never a study's own); without it, a terminal asks first")


def split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def usage(command: str, message: str) -> int:
    from tcoder.textsafe import for_stream

    print(for_stream(f"tcoder {command}: error: {message}", sys.stderr), file=sys.stderr)
    return 2


def write_word(write, document, output: str, summary: str) -> None:
    """A Word document to ``output``: a path that cannot be written is the user's problem."""
    from tcoder.errors import Problem, TcoderError

    try:
        written = write(document, output)
    except OSError as exc:
        raise TcoderError(Problem(f"cannot write the document here: {exc.strerror or exc}", output)) from None
    note = (f"; {plural(written.replaced, 'character')} Word cannot hold {verb_for(written.replaced, 'was')} replaced by \ufffd" if written.replaced
            else "")
    print(f"Wrote {output}: {summary}{note}", file=sys.stderr)


def parse_where(values: list[str] | None) -> dict[str, list[str]]:
    """ATTRIBUTE=VALUE[,VALUE] options as a mapping; raises ValueError for a malformed one."""
    out: dict[str, list[str]] = {}
    for item in values or []:
        name, eq, rest = item.partition("=")
        if not eq or not name.strip() or not rest.strip():
            raise ValueError(f"--where takes ATTRIBUTE=VALUE (e.g. group=intervention), not {item!r}")
        out.setdefault(name.strip(), []).extend(v.strip() for v in rest.split(",") if v.strip())
    return out


def run(args: argparse.Namespace) -> int:
    from tcoder.outputs import check_output
    from tcoder.search.engine import FilterError, SearchFilters, run_search
    from tcoder.search.pattern import CompiledPattern, Mode, PatternError, SearchPattern
    from tcoder.study import open_study

    if args.format == "docx" and not args.output:
        return usage("search", "--format docx writes a file: add -o FILE.docx")
    if args.context < 0:
        return usage("search", "--context must be 0 or more")
    if args.time_limit <= 0:
        return usage("search", "--time-limit must be more than 0 seconds")
    check_output(args.output, what="the results", force=args.force, study_root=args.study)
    mode: Mode = "regex" if args.regex else "word" if args.word else "plain"
    try:
        pattern = CompiledPattern(SearchPattern(args.pattern, mode, args.case, args.accents))
    except PatternError as exc:
        pointer = exc.pointer()
        return usage("search", f"{exc}" + (f"\n{pointer}" if pointer else ""))
    try:
        where = parse_where(args.where)
    except ValueError as exc:
        return usage("search", str(exc))
    study = open_study(args.study)
    filters = SearchFilters(transcripts=split(args.transcript), speakers=split(args.speaker),
                            participants=split(args.participant), attributes=where,
                            inside=split(args.inside), outside=split(args.outside),
                            coders=split(args.coder) or None, exact_codes=args.exact, include_labels=args.labels)
    try:
        result = run_search(study, pattern, filters, time_limit=args.time_limit)
    except FilterError as exc:
        return usage("search", str(exc))
    write_hits(study, result, args.format, args.output, args.context)
    return 0


def write_hits(study, result, fmt: str, output: str | None, context: int) -> None:
    from tcoder.outputs import write_output
    from tcoder.reports import hits
    from tcoder.textsafe import is_terminal

    if fmt == "docx":
        from tcoder.reports.search_docx import hits_document, write

        assert output is not None
        write_word(write, hits_document(study, result, context), output, result.summary())
        return
    if fmt == "table":
        import shutil

        terminal = not output and is_terminal(sys.stdout)
        width = shutil.get_terminal_size((120, 24)).columns if terminal else 160
        text = hits.render_table(study, result, width, context, highlight=terminal)
        if terminal:
            sys.stdout.write(text)  # every part from the study is inert already; the escapes are ours
            return
    elif fmt == "csv":
        text = hits.render_csv(study, result, context)
    elif fmt == "md":
        text = hits.render_md(study, result, context)
    else:
        text = hits.render_json(study, result, context)
    write_output(text, output, what="the results")
    if fmt != "table" and (output or not result.complete):
        print(result.summary(), file=sys.stderr)

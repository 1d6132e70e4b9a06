"""tcoder query STUDY EXPR: coding queries (Boolean, proximity, by attribute), saved by name."""

from __future__ import annotations

import argparse
import sys

HELP = "coding queries: codes combined with AND, OR, NOT, SAME TURN, WITHIN n TURNS OF..., saved by name"
DESCRIPTION = """Find the passages where codes combine. Each coder's annotations are queried on
their own and every passage says whose coding it rests on.

  A AND B                  the text coded by both        A OR B      the passages of either
  NOT A                    the text of the turns A does not cover (X AND NOT A: X outside A)
  A SAME SENTENCE B        sentences holding a passage of each (SAME TURN: turns)
  A OVERLAPS B             passages of A that overlap one of B (INSIDE, CONTAINS likewise)
  A WITHIN 2 TURNS OF B    passages of A with one of B at most 2 turns away (0: same turn)
  A FOLLOWED BY B          passages of A followed by one of B in the same or next turn
                           (FOLLOWED BY WITHIN 3 TURNS B: up to 3 turns later)
  ... WHERE group = intervention AND coder IN (alice, bob) AND speaker != Interviewer

A code is its id or, in quotes, its name; it includes its sub-codes unless written
EXACT code. ANY is every code. Keywords may be lower case. @NAME uses a query saved in
tcoder.yaml under 'queries:'. Parentheses group; NOT binds tighter than AND, AND
tighter than OR, and the relations tighter than NOT.

Examples:
  tcoder query STUDY 'institutional-resistance SAME TURN emotional-toll'
  tcoder query STUDY 'curriculum-advocacy WHERE group = intervention' --save advocacy-intervention
  tcoder query STUDY @advocacy-intervention --format md -o advocacy.md
  tcoder query STUDY --list"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("expr", metavar="EXPR", nargs="?", help="the query, or @NAME for a saved one")
    parser.add_argument("--coder", action="append", metavar="NAME[,NAME]", help="only these coders' annotations")
    parser.add_argument("--transcript", action="append", metavar="NAME[,NAME]",
                        help="only these transcripts (paths, file names, stems or globs)")
    parser.add_argument("--save", metavar="NAME", help="save EXPR under NAME in tcoder.yaml (after checking it)")
    parser.add_argument("--replace", action="store_true", help="with --save: replace a query of that name")
    parser.add_argument("--delete", metavar="NAME", help="remove the saved query NAME from tcoder.yaml")
    parser.add_argument("--list", action="store_true", help="list the saved queries")
    parser.add_argument("--format", choices=("table", "csv", "md", "html", "json", "docx"), default="table",
                        help="output format (docx needs -o FILE.docx)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the results to FILE")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing output file (never a study's own); without it, a terminal asks first")


def resolve_query(study, expr: str):
    """A query from its text or a saved query's name: '@NAME' (or a bare NAME that is saved and
    is not a code) runs the saved query as written, WHERE included."""
    from tcoder.search.query import CompiledQuery

    saved = study.settings.queries
    name = expr[1:] if expr.startswith("@") and expr[1:] in saved else None
    if name is None and expr in saved:
        try:
            in_codebook = expr in study.codebook
        except Exception:  # noqa: BLE001 - a broken codebook is reported when the query compiles
            in_codebook = False
        if not in_codebook:
            name = expr
    if name is not None:
        return CompiledQuery(study, saved[name], saved, name=name)
    return CompiledQuery(study, expr, saved)


def query_error_text(exc) -> str:
    pointer = exc.pointer()
    return str(exc) + (f"\n{pointer}" if pointer else "")


def run(args: argparse.Namespace) -> int:
    from tcoder.commands.search import split, usage
    from tcoder.outputs import check_output
    from tcoder.search.engine import FilterError, select_transcripts
    from tcoder.search.query_syntax import QueryError
    from tcoder.study import open_study

    study = open_study(args.study)
    if args.list:
        return _list(study)
    if args.delete:
        from tcoder.search.saved import delete_query

        if not delete_query(study.root, args.delete):
            return usage("query", f"no saved query named {args.delete!r}")
        print(f"Removed the saved query {args.delete!r} from tcoder.yaml", file=sys.stderr)
        return 0
    if args.format == "docx" and not args.output:
        return usage("query", "--format docx writes a file: add -o FILE.docx")
    if not args.expr:
        return usage("query", "give a query (e.g. 'curriculum-advocacy AND emotional-toll'), @NAME, or --list")
    check_output(args.output, what="the results", force=args.force, study_root=args.study)
    try:
        query = resolve_query(study, args.expr)
    except QueryError as exc:
        return usage("query", query_error_text(exc))
    coders = split(args.coder) or None
    if coders:
        unknown = [c for c in coders if c not in study.coders]
        if unknown:
            return usage("query", f"no annotation files of coder {', '.join(map(repr, unknown))}; the study has "
                                  f"{', '.join(study.coders) or 'none yet'}")
    try:
        names = select_transcripts(study, split(args.transcript)) if args.transcript else None
    except FilterError as exc:
        return usage("query", str(exc))
    if args.save:
        from tcoder.search.saved import SavedQueryError, save_query

        try:
            path = save_query(study.root, args.save, args.expr, replace=args.replace)
        except SavedQueryError as exc:
            return usage("query", str(exc))
        print(f"Saved as @{args.save} in {path.name}", file=sys.stderr)
    result = query.run(coders=coders, transcripts=names)
    from tcoder.outputs import write_output
    from tcoder.reports.passages import render

    width = 160
    if args.format == "table" and not args.output:
        import shutil

        from tcoder.textsafe import is_terminal

        if is_terminal(sys.stdout):
            width = shutil.get_terminal_size((120, 24)).columns
    title = f"Query: {query.name}" if query.name else "Query results"
    if args.format == "docx":
        from tcoder.commands.search import write_word
        from tcoder.reports.search_docx import passages_document, write

        write_word(write, passages_document(result, title), args.output, result.summary())
        return 0
    write_output(render(result, args.format, title, width), args.output, what="the results")
    if args.format != "table" and args.output:
        print(f"Wrote {args.output}: {result.summary()}", file=sys.stderr)
    return 0


def _list(study) -> int:
    from tcoder.textsafe import for_stream

    saved = study.settings.queries
    if not saved:
        print("No saved queries; save one with --save NAME (they live under 'queries:' in tcoder.yaml).")
        return 0
    width = max(len(n) for n in saved)
    for name, text in saved.items():
        print(for_stream(f"@{name.ljust(width)}  {text}", sys.stdout))
    return 0

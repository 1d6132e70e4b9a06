"""``tcoder report STUDY memos|themes``: the writing of the analysis, as a document or a map."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural, verb_for

DOCUMENT_FORMATS = ("md", "html", "docx")
MAP_FORMATS = ("svg", "png", "dot", "mermaid")
FORMATS = {"memos": DOCUMENT_FORMATS, "themes": DOCUMENT_FORMATS + MAP_FORMATS}
BINARY = ("docx", "png")


def _usage(message: str) -> int:
    print(f"tcoder report: error: {message}", file=sys.stderr)
    return 2


def _say(message: str) -> None:
    from tcoder.textsafe import for_stream

    print(for_stream(message, sys.stderr), file=sys.stderr)


def check_format(args: argparse.Namespace) -> str | None:
    """What is wrong with the format asked for, or None. The default for these kinds is Markdown."""
    if args.format == "table":
        args.format = "md"
    allowed = FORMATS[args.kind]
    if args.format not in allowed:
        return f"{args.kind} is written as {', '.join(allowed)}, not {args.format}"
    if args.format in BINARY and (not args.output or args.output == "-"):
        return f"--format {args.format} writes a file: give -o FILE.{args.format}"
    if args.plot:
        return f"{args.kind} has no --plot; --format {'svg or png' if args.kind == 'themes' else 'md, html or docx'}"
    return None


def run(args: argparse.Namespace, split) -> int:
    wrong = check_format(args)
    if wrong:
        return _usage(wrong)
    from tcoder.errors import TcoderError
    from tcoder.memoset import load_memos
    from tcoder.study import open_study
    from tcoder.themes import read_themes

    study = open_study(args.study)
    try:
        codebook = study.codebook
    except TcoderError:
        if args.kind == "themes":
            raise
        codebook = None
    memos = load_memos(study)
    for found in memos.problems:
        _say(f"{found.severity}: {found}")
    if args.kind == "memos":
        return _memos(args, study, memos, codebook, split)
    themes = read_themes(study.themes_path)
    return _themes(args, study, memos, themes, split)


def _write(document, args: argparse.Namespace) -> None:
    from pathlib import Path

    from tcoder.reports.output import write_output

    if getattr(args, "redact", False):
        from tcoder.reports.document import redact_quotes

        n = redact_quotes(document)
        _say(f"{plural(n, 'quote')} withheld (--redact)")

    if args.format == "docx":
        from tcoder.errors import Problem, TcoderError
        from tcoder.reports.docx import write_docx

        try:
            result = write_docx(document, args.output)
        except OSError as exc:
            raise TcoderError(Problem(f"cannot write the report here: {exc.strerror or exc}", args.output)) from None
        if result.replaced:
            _say(f"warning: {plural(result.replaced, 'character')} Word cannot hold (control characters) {verb_for(result.replaced, 'was')} replaced by "
                 "U+FFFD in the document")
        _say(f"Wrote {args.output}")
        return
    if args.format == "md":
        from tcoder.reports.document import render_markdown

        target = Path(args.output) if args.output and args.output != "-" else None
        write_output(render_markdown(document, target), args.output)
    else:
        from tcoder.reports.document import render_html

        write_output(render_html(document), args.output)


def _memos(args, study, memos, codebook, split) -> int:
    from tcoder.reports.memoreport import memos_document

    codes = None
    if args.code:
        from tcoder.commands.memo import _resolve_code

        codes = [_resolve_code(study, c) for c in split(args.code)]
    chosen = memos.select(kinds=split(args.memo_kind), authors=split(args.author), codes=codes,
                          transcripts=[study.find(t).name for t in split(args.transcript) or []] or None,
                          themes=split(args.theme), text=args.search)
    filters = ", ".join(f"{name} {', '.join(values)}" for name, values in (
        ("kind", split(args.memo_kind)), ("author", split(args.author)), ("code", codes),
        ("transcript", split(args.transcript)), ("theme", split(args.theme)),
        ("search", [args.search] if args.search else None)) if values)
    _write(memos_document(study, memos, chosen, codebook, _themes_or_none(study), filters), args)
    return 0


def _themes_or_none(study):
    from tcoder.errors import TcoderError
    from tcoder.themes import read_themes

    try:
        return read_themes(study.themes_path)
    except TcoderError:
        return None


def _themes(args, study, memos, themes, split) -> int:
    from tcoder.reports.thememap import draw_map, theme_graph, to_dot, to_mermaid

    wanted = split(args.status)
    graph_themes = themes
    if wanted:
        from tcoder.themes import STATUSES

        unknown = [s for s in wanted if s not in STATUSES]
        if unknown:
            return _usage(f"--status: {', '.join(unknown)} is not one of {', '.join(STATUSES)}")
    chosen = [t for t in themes if not wanted or t.status in wanted]
    if wanted:
        graph_themes = themes.copy()
        graph_themes.themes = {t.id: t for t in chosen}
    graph = theme_graph(graph_themes, study.codebook)
    if not len(themes):
        _say("note: the study has no themes yet ('tcoder theme new STUDY NAME' creates one)")
    if args.format in MAP_FORMATS:
        title = f"Thematic map: {study.root.name}"
        if args.format == "dot":
            text = to_dot(graph, title)
        elif args.format == "mermaid":
            text = to_mermaid(graph)
        else:
            data = draw_map(graph, args.format, title)
            if args.format == "png":
                from tcoder.atomicio import atomic_write_bytes
                from tcoder.errors import Problem, TcoderError

                try:
                    atomic_write_bytes(args.output, data)
                except OSError as exc:
                    raise TcoderError(Problem(f"cannot write the map here: {exc.strerror or exc}",
                                              args.output)) from None
                _say(f"Wrote {args.output}")
                return 0
            text = data.decode("utf-8")
        from tcoder.reports.output import write_output

        write_output(text, args.output)
        if args.format == "svg" and args.output:
            _say(f"Wrote {args.output}")  # a figure, as the PNG map and every plot say
        return 0
    return _themes_document(args, study, memos, themes, chosen, graph, split)


def _themes_document(args, study, memos, themes, chosen, graph, split) -> int:
    from tcoder.participants import GroupingError, resolve_grouping
    from tcoder.reports.data import Selection, UsageError, load
    from tcoder.reports.document import Figure
    from tcoder.reports.thememap import draw_map
    from tcoder.reports.themereport import theme_counts, themes_document
    from tcoder.themelog import history_path, read_history

    by = args.by
    notes: list[str] = []
    if by is None and "group" in (*study.participants.columns, *study.attributes.columns):
        by = "group"
        notes.append("Counts by group (the study's 'group' attribute; --by chooses another).")
    try:
        grouping = resolve_grouping(study, by) if by else None
    except GroupingError as exc:
        return _usage(str(exc))
    from tcoder.turnrule import parse_roles

    roles = parse_roles(args.leave_out) if args.leave_out is not None else None
    try:
        data = load(study, Selection(split(args.coder), None, args.exact, args.pool, True, roles,
                                     autocoded=args.autocoded))
    except UsageError as exc:
        return _usage(str(exc))
    for problem in data.warnings:
        _say(f"warning: {problem}")
    counts = theme_counts(data, themes)
    from tcoder.reports.frequencies import describe

    notes += describe(counts, grouping)
    notes.append("A code counts with its sub-codes; the theme's row counts a passage once whichever of its codes "
                 "it has. Exemplar quotes are those any coder marked, whoever the counts rest on.")
    figure = None
    if len(graph.nodes):
        title = f"Thematic map: {study.root.name}"
        figure = Figure("Thematic map: themes, sub-themes and the codes that inform them; fill and border show "
                        "each theme's status.",
                        svg=_inline_svg(draw_map(graph, "svg", title)) if args.format == "html" else None,
                        png=draw_map(graph, "png", title) if args.format in ("docx", "md") and args.output
                        and args.output != "-" else None, alt="Thematic map")
    history = read_history(history_path(study.themes_path))
    for problem in history.problems:
        _say(f"{problem.severity}: {problem}")
    cite = split([args.cite]) if args.cite else None
    document = themes_document(study, themes, counts, grouping, notes, memos, history.entries, chosen, figure, cite)
    _write(document, args)
    return 0


def _inline_svg(data: bytes) -> str:
    """matplotlib's SVG without its XML declaration and doctype, to sit inside an HTML page."""
    text = data.decode("utf-8")
    at = text.find("<svg")
    return text[at:] if at >= 0 else text

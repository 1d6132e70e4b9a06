"""tcoder report STUDY segments|frequencies|cooccurrence|crosstab|alpha."""

from __future__ import annotations

import argparse
import sys

HELP = "reports: coded segments, code frequencies, co-occurrence, crosstabs and the sample table by group, plots"
KINDS = ("segments", "frequencies", "cooccurrence", "crosstab", "cases", "alpha", "memos", "themes", "codebook")
POOLING_KINDS = ("cooccurrence", "crosstab")
DESCRIPTION = """Reports on the coded study, as a table, CSV, Markdown or HTML.

  segments      every coded passage: transcript, coder, code, speaker, offsets, quote, memo
                and the case attributes (Markdown and HTML group quotes by theme and code)
  frequencies   per code: annotations, transcripts, % of cases, % of characters and of
                speaker turns coded; coders side by side (or attribute values with --by)
  cooccurrence  code x code overlaps within a unit (--unit span|sentence|turn), with the
                Jaccard coefficient
  crosstab      codes x the values of --by ATTRIBUTE: cases with the code, %, the test, p,
                and effect sizes with 95% intervals (Table 2); --correct holm|bh
  cases         the cases' attributes by --by ATTRIBUTE: n (%) or mean ± SD per group, with
                the test and n per group (Table 1); --median for median [IQR]
  alpha         Krippendorff's alpha per code from 'tcoder agree --format json' (--input)
  memos         memos and the reflexive journal as one document (md, html, docx), grouped
                by kind, with their links and quoted passages; filters as 'tcoder memo list'
  themes        each theme with its concept, definition, codes and their frequencies by group
                (--by; default the 'group' attribute), exemplar quotes with citations, memos
                and history (md, html, docx); or the thematic map (--format svg|png|dot|mermaid)
  codebook      the codebook for an appendix: each code numbered in the tree with its
                definition, when to use it and when not, examples, and how often it was coded

Every report can be written as Word (--format docx -o FILE.docx: headings, real tables,
quotes in Word's Quote style with their citations) and every table as Excel (--format
xlsx -o FILE.xlsx: one sheet per table, numbers typed, notes on their own sheet).

A code given with --code stands for itself and its sub-codes, unless --exact. Cases are
participants when --by names a participant attribute (participants.csv) and transcripts
when it names a transcript attribute (attributes.csv). Coders are never pooled silently:
without --coder, reports use consensus when the study has it; reports that add coders up
otherwise need --coder a,b or --pool. Turns of interviewers, moderators and observers are
left out of counts and denominators (--leave-out). segments --query NAME lists the passages
of a coding query saved in tcoder.yaml (or written out), each coder's on their own (see
'tcoder query --help'). --plot FILE.png|svg|pdf draws
frequency bars, a co-occurrence heatmap, crosstab bars or alpha with its intervals.

Example: tcoder agree STUDY --bootstrap 1000 --format json > alpha.json
         tcoder report STUDY alpha --input alpha.json --plot alpha.png"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help=" | ".join(KINDS))
    parser.add_argument("--coder", action="append", metavar="NAME[,NAME]",
                        help="these coders (repeat or separate with commas; several are pooled where a report "
                             "adds them up; default: consensus if the study has it)")
    parser.add_argument("--pool", action="store_true",
                        help="pool every coder but consensus (a passage counts once if any of them coded it)")
    parser.add_argument("--include-unfinished", action="store_true",
                        help="also count coders who have not marked a transcript done (default: files marked "
                             "done, and unmarked files with annotations)")
    parser.add_argument("--autocoded", choices=("include", "exclude", "only"), default="include",
                        help="annotations made by tcoder autocode: count them as their coder's coding (default; a "
                             "warning says how many, and segments get an autocode column with the query), leave "
                             "them out, or report only them")
    parser.add_argument("--apprentice", choices=("include", "exclude", "only"), default="include",
                        help="machine suggestions: passages coders accepted from the apprentice (and its own "
                             "proposals, with --coder apprentice) count as coding (default; a warning says how "
                             "many), are left out, or are the only ones reported")
    parser.add_argument("--code", action="append", metavar="CODE[,CODE]",
                        help="only these codes, each with its sub-codes (by id or name)")
    parser.add_argument("--exact", action="store_true", help="a code stands for itself only, not its sub-codes")
    parser.add_argument("--by", metavar="ATTRIBUTE",
                        help="group by a participant attribute (people are the cases) or a transcript attribute "
                             "(transcripts are); participant.NAME or transcript.NAME choose outright")
    parser.add_argument("--cite", metavar="ATTR[,ATTR]",
                        help="segments: cite each quote with its speaker and these participant attributes "
                             "('Amara, MS3, intervention')")
    parser.add_argument("--leave-out", metavar="ROLES",
                        help="roles whose turns are left out of counts, e.g. interviewer,moderator, or 'none' "
                             "(default: every role but participant, or left_out_roles in tcoder.yaml)")
    parser.add_argument("--correct", choices=("holm", "bh"),
                        help="crosstab: adjust p-values for multiple comparisons (Holm or Benjamini-Hochberg)")
    parser.add_argument("--median", action="store_true", help="cases: median [IQR] and rank tests for numbers")
    parser.add_argument("--unit", choices=("span", "sentence", "turn"), default="span",
                        help="co-occurrence within overlapping spans, a sentence or a speaker turn (default span)")
    parser.add_argument("--format", choices=("table", "csv", "json", "md", "html", "docx", "xlsx", "svg", "png", "dot",
                                             "mermaid"), default="table",
                        help="output format (CSV and JSON keep every digit; docx and xlsx need -o FILE)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report to FILE instead of the screen (never over a study's own files)")
    parser.add_argument("--plot", metavar="FILE", help="also draw a figure (.png, .svg or .pdf)")
    parser.add_argument("--plot-size", choices=("single", "double"), default="double",
                        help="the figure's width: one journal column (85 mm) or two (174 mm, the default)")
    parser.add_argument("--force", action="store_true",
                        help="replace FILE (and the plot) if it exists; without it, a terminal asks first")
    from tcoder.commands.manifest_run import add_manifest_argument

    add_manifest_argument(parser)
    analysis = parser.add_argument_group("memos and themes")
    analysis.add_argument("--kind", dest="memo_kind", action="append", metavar="KIND[,KIND]",
                          help="memos: only these kinds (project, code, transcript, participant, passage, theme, "
                               "journal)")
    analysis.add_argument("--author", action="append", metavar="NAME[,NAME]", help="memos: only by these authors")
    analysis.add_argument("--transcript", action="append", metavar="T[,T]", help="memos: only linked to these")
    analysis.add_argument("--theme", action="append", metavar="ID[,ID]", help="memos: only linked to these themes")
    analysis.add_argument("--search", metavar="WORDS", help="memos: only those containing WORDS")
    analysis.add_argument("--status", action="append", metavar="STATUS[,STATUS]",
                          help="themes: only themes with these statuses (default: every theme)")
    parser.add_argument("--query", metavar="NAME|EXPR",
                        help="segments: the passages of a coding query (a name saved in tcoder.yaml, or a query)")
    parser.add_argument("--redact", action="store_true",
                        help="withhold every quote: segments, memos, themes and the codebook's examples show "
                             "'[quote withheld: N words]' in place of the passage (memo text and names are not "
                             "changed: see 'tcoder deidentify')")
    parser.add_argument("--input", metavar="FILE",
                        help="alpha: the JSON of 'tcoder agree --format json' ('-' for standard input)")


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _usage(message: str) -> int:
    print(f"tcoder report: error: {message}", file=sys.stderr)
    return 2


def _say(message: str) -> None:
    """A message on standard error; text from the study shows its control characters as glyphs there."""
    from tcoder.textsafe import for_stream

    print(for_stream(message, sys.stderr), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from tcoder.commands.manifest_run import with_manifest

    if getattr(args, "manifest", None):
        if args.kind in ("memos", "themes"):
            return _usage(f"--manifest records the numbers of a report; the {args.kind} report is a document")
        if args.input == "-":
            return _usage("--manifest needs --input FILE: standard input cannot be read again to check the numbers")
    return with_manifest(args, sys.modules[__name__], "report", _run, [args.output, args.plot])


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.kind not in ("memos", "themes"):
        if args.format in ("svg", "png", "dot", "mermaid"):
            return _usage(f"--format {args.format} draws the thematic map (report themes); {args.kind} is written "
                          "as table, csv, json, md, html, docx or xlsx")
        from tcoder.reports.tabular import needs_file

        if needs_file(args.format, args.output):
            return _usage(f"--format {args.format} writes a file: give -o FILE.{args.format}")
    elif args.format == "xlsx":
        return _usage(f"{args.kind} is a document, not a table: write it as md, html or docx")

    if args.plot:
        from tcoder.reports.plots import PLOT_SUFFIXES

        if Path(args.plot).suffix.lower() not in PLOT_SUFFIXES:
            return _usage(f"--plot writes {', '.join(PLOT_SUFFIXES)} files; {args.plot} has another suffix")
        if args.kind in ("segments", "cases", "codebook"):
            return _usage(f"{args.kind} has no plot; plot frequencies, cooccurrence, crosstab or alpha")
    if args.kind in ("crosstab", "cases") and not args.by:
        return _usage(f"{args.kind} needs --by ATTRIBUTE (a column of participants.csv or attributes.csv)")
    from tcoder.turnrule import parse_roles

    try:
        roles = parse_roles(args.leave_out) if args.leave_out is not None else None
    except ValueError as exc:
        return _usage(f"--leave-out: {exc}")
    from tcoder.outputs import check_output

    # a path that must not or cannot be written is refused before any work is done
    check_output(args.output, force=args.force, study_root=args.study)
    check_output(args.plot, what="the plot", force=args.force, study_root=args.study)
    if args.kind == "alpha":
        return _alpha(args)
    if args.query is not None:
        if args.kind != "segments":
            return _usage("--query selects passages for the segments report; use it with 'segments'")
        return _query_segments(args)
    if args.kind in ("memos", "themes"):
        from tcoder.commands import report_analysis

        return report_analysis.run(args, _split)

    from tcoder.errors import Problem, TcoderError, warn_study_problems
    from tcoder.participants import GroupingError, resolve_grouping
    from tcoder.reports.data import Selection, UsageError, load
    from tcoder.study import open_study

    study = open_study(args.study)
    warn_study_problems(study)
    errors = [p for p in study.participant_problems if p.severity == "error"]
    if errors:
        raise TcoderError(errors + [Problem("reports need to know who speaks; fix the speakers and participants "
                                            "files first ('tcoder check STUDY')")])
    for problem in study.participant_problems:
        _say(f"{problem.severity}: {problem}")
    try:
        args.grouping = resolve_grouping(study, args.by) if args.by else None
    except GroupingError as exc:
        return _usage(str(exc))
    for problem in study.attribute_problems:
        _say(f"{problem.severity}: {problem}")
    if args.kind == "cases":
        return _cases(args, study)
    pools = args.kind in POOLING_KINDS or (args.kind == "frequencies" and bool(args.by))
    selection = Selection(_split(args.coder), _split(args.code), args.exact, args.pool, pools, roles,
                          "any" if args.include_unfinished else None, args.autocoded, args.apprentice)
    if args.kind == "segments" and args.format == "csv" and not args.by and not args.cite:
        from tcoder.reports import segments_csv

        if segments_csv.can_stream(study, selection):
            return _segments_csv(args, study, selection)
    if args.kind == "segments" and args.format == "table" and not args.by:
        from tcoder.reports import segments_csv

        if segments_csv.can_stream(study, selection):
            done = _segments_table(args, study, selection)
            if done is not None:
                return done
    try:
        if args.kind == "cooccurrence":  # counted transcript by transcript, the segments not kept
            from tcoder.reports.cooccurrence import load_counted

            data = load_counted(study, selection, args.unit)
        else:  # counts need no quotes
            data = load(study, selection, quotes=args.kind not in ("frequencies", "crosstab"),
                        counting=args.kind in ("frequencies", "crosstab", "codebook"), meanwhile=_meanwhile(args),
                        **({"tally": args.grouping} if args.kind in ("frequencies", "codebook") else {}))
    except UsageError as exc:
        return _usage(str(exc))
    args.coders_used = list(data.coders)  # for a manifest
    if args.redact:
        from tcoder.quotes import withheld

        data.frame["quote"] = [withheld(q) for q in data.frame["quote"]]
        if args.kind == "segments":
            from tcoder.numbers import plural

            _say(f"{plural(len(data.frame), 'quote')} withheld (--redact)")
    for problem in data.warnings:
        _say(f"warning: {problem}")
    empty = data.empty_note()
    if empty and args.format == "csv":
        _say(f"note: {empty}")  # CSV is data: the note goes beside it, the headers stay
    if args.format == "csv" and data.coder_note and args.kind != "segments":
        _say(f"note: {data.coder_note}")
    try:
        text = _render(args, data, [empty] if empty and args.format != "csv" else [])
    except UsageError as exc:
        return _usage(str(exc))
    _write(text, args)
    if args.plot:
        _say(f"Wrote {args.plot}")
    return 0


def _meanwhile(args: argparse.Namespace):
    """What to import while worker processes read the study: the frequencies report printed as
    text needs no pandas (tcoder.reports.columns), only Rich for a terminal table; the others pandas."""
    if args.kind == "frequencies" and args.format in ("table", "csv", "json", "md", "html") and not args.plot \
            and not args.redact:
        return _import_rich if args.format == "table" else _import_nothing
    return None


def _import_rich() -> None:
    import rich.table  # noqa: F401 - the terminal table is drawn with it


def _import_nothing() -> None:
    pass


def _segments_csv(args: argparse.Namespace, study, selection) -> int:
    """report segments --format csv, written transcript by transcript (tcoder.reports.segments_csv);
    the same messages as every report, once the study is read."""
    from tcoder.reports import segments_csv
    from tcoder.reports.data import UsageError, choose_coders

    try:
        coders, coder_note = choose_coders(study, selection)
    except UsageError as exc:
        return _usage(str(exc))

    def before_writing(data, rows: int) -> None:
        args.coders_used = list(data.coders)  # for a manifest
        if args.redact:
            from tcoder.numbers import plural

            _say(f"{plural(rows, 'quote')} withheld (--redact)")
        for problem in data.warnings:
            _say(f"warning: {problem}")
        empty = data.empty_note()
        if empty:
            _say(f"note: {empty}")  # CSV is data: the note goes beside it, the headers stay

    segments_csv.write(study, selection, coders, coder_note, args.output, args.redact, before_writing)
    return 0


def _segments_table(args: argparse.Namespace, study, selection) -> int | None:
    """report segments as a long terminal table, drawn transcript by transcript (None: the table is
    short, and is drawn at once as every report is)."""
    from tcoder.numbers import plural, verb_for
    from tcoder.reports import segments_csv
    from tcoder.reports.data import UsageError, choose_coders
    from tcoder.reports.output import TextStream
    from tcoder.reports.segments import SLOW_TABLE_ROWS, TABLE_QUOTE

    try:
        coders, coder_note = choose_coders(study, selection)
    except UsageError as exc:
        return _usage(str(exc))
    drawn = segments_csv.table_stream(study, selection, coders, coder_note, args.redact)
    if drawn is None:
        return None
    data, total, shortened, pieces = drawn
    args.coders_used = list(data.coders)  # for a manifest
    if args.redact:
        rows = sum(data.code_counts.values())
        _say(f"{plural(rows, 'quote')} withheld (--redact)")
    for problem in data.warnings:
        _say(f"warning: {problem}")
    empty = data.empty_note()
    notes = ([empty] if empty else []) + ([data.coder_note] if data.coder_note else [])
    if total > SLOW_TABLE_ROWS:
        print(f"note: a table of {total:,} segments is drawn as it is shown (page by page on a terminal); "
              "--format csv, md or html is much faster, and --code or --coder narrow the report", file=sys.stderr)
    if shortened:
        notes.append(f"{plural(shortened, 'quote')} longer than {TABLE_QUOTE} characters "
                     f"{verb_for(shortened, 'is')} shortened in this table; --format csv, md or html show every "
                     "quote in full.")
    _write(TextStream(pieces, "".join(f"{n}\n" for n in notes), page=total > SLOW_TABLE_ROWS), args)
    return 0


def _write(report, args: argparse.Namespace) -> None:
    """A report's text to the screen or -o FILE; a document (docx, xlsx) to its file."""
    if isinstance(report, str):
        from tcoder.reports.output import write_output

        write_output(report, args.output)
        return
    from tcoder.reports.output import TextStream, write_stream

    if isinstance(report, TextStream):
        write_stream(report, args.output)
        return
    from tcoder.reports.tabular import write_document

    write_document(report, args.format, args.output, _say)


def _tables(title: str, *tables, notes: list[str] | None = None):
    """A report of one or more tables as a document; notes go under the last table."""
    from tcoder.reports.document import Document

    blocks = list(tables)
    if notes:
        blocks[-1].notes = list(blocks[-1].notes) + list(notes)
    return Document(title, blocks)


def _query_segments(args: argparse.Namespace) -> int:
    """report segments --query: the passages a coding query finds, as the segments report shows them."""
    from tcoder.commands.query import query_error_text, resolve_query
    from tcoder.errors import warn_study_problems
    from tcoder.outputs import write_output
    from tcoder.reports.passages import render
    from tcoder.search.query_syntax import QueryError
    from tcoder.study import open_study

    study = open_study(args.study)
    warn_study_problems(study)
    try:
        query = resolve_query(study, args.query)
    except QueryError as exc:
        return _usage(query_error_text(exc))
    from tcoder.reports.data import Selection, UsageError, choose_coders

    try:
        coders, _ = choose_coders(study, Selection(_split(args.coder), pool=args.pool))
    except UsageError as exc:
        return _usage(str(exc))
    result = query.run(coders=coders)
    label = f"@{query.name}" if query.name else query.canonical
    if args.format in ("docx", "xlsx"):
        from tcoder.reports.passages import document

        _write(document(result, args.format, f"Coded segments: {label}", redact=args.redact), args)
        return 0
    write_output(render(result, args.format, f"Coded segments: {label}", redact=args.redact), args.output)
    return 0


def _codebook_of(study: str):
    """The study's codebook for a plot's labels, or None when it cannot be read (the plot then
    names codes as the agreement JSON does)."""
    from tcoder.errors import TcoderError
    from tcoder.study import open_study

    try:
        return open_study(study).codebook
    except TcoderError:
        return None


def _plot(draw, *arguments, **options) -> None:
    """Draw a figure; a file that cannot be written is the user's problem (exit 1), not a traceback."""
    from tcoder.errors import Problem, TcoderError
    from tcoder.safeio import os_error_message

    path = arguments[-1] if "path" not in options else options["path"]
    try:
        draw(*arguments, **options)
    except OSError as exc:
        raise TcoderError(Problem(f"cannot write the plot: {os_error_message(exc)}; nothing was changed",
                                  path)) from None


def _tree_names(frame, data):
    """The table view's code names, indented by depth in the code tree (CSV keeps plain names)."""
    return frame.assign(code_name=[data.label(c) for c in frame["code"]])


def _render(args: argparse.Namespace, data, notes: list[str]):
    """The report as text, or as a document for docx and xlsx."""
    from tcoder.reports.output import render_frame
    from tcoder.reports.plots import code_labels
    from tcoder.reports.tabular import frame_table

    binary = args.format in ("docx", "xlsx")
    if args.kind == "codebook":
        from tcoder.reports.codebook_doc import codebook_document, codebook_frame
        from tcoder.reports.frequencies import describe, frequency_table

        frame = codebook_frame(data, frequency_table(data, args.grouping).frame())
        notes = describe(data, args.grouping) + notes
        if args.redact:  # examples quote the transcripts
            from tcoder.numbers import plural
            from tcoder.quotes import withheld

            examples = sum(len(text.split("\n")) for text in frame["examples"] if text)
            frame["examples"] = ["\n".join(withheld(e) for e in text.split("\n")) if text else ""
                                 for text in frame["examples"]]
            _say(f"{plural(examples, 'example')} withheld (--redact)")
        if args.format in ("md", "html") or binary:
            from tcoder.reports.document import redact_quotes, render_html, render_markdown

            document = codebook_document(data, frame, args.format, notes)
            if args.redact:
                redact_quotes(document)
            if binary:
                return document
            return render_markdown(document) if args.format == "md" else render_html(document)
        return render_frame(frame, args.format, "Codebook", notes)
    if args.kind == "segments":
        from tcoder.reports import segments

        if binary:
            return segments.document(data, args.format, args.grouping, notes,
                                     _split([args.cite] if args.cite else None))
        return segments.render(data, args.format, args.grouping, notes, _split([args.cite] if args.cite else None))
    if args.kind == "frequencies":
        from tcoder.reports.frequencies import describe, frequency_table

        table = frequency_table(data, args.grouping)
        if args.plot:
            from tcoder.reports.plots import plot_frequencies

            groups = [c[: -len(" annotations")] for c in table.names if c.endswith(" annotations")]
            sizes = None
            if args.grouping is not None:  # groups of cases: each one's n in the legend
                from tcoder.reports.frequencies import groups as case_groups

                sizes = {g.label: len(g.cases) for g in case_groups(data, args.grouping)}
            _plot(plot_frequencies, code_labels(list(data.codes), data.codebook),
                  {g: table.column(f"{g} annotations") for g in groups}, args.plot, size=args.plot_size,
                  group_n=sizes)
        notes = describe(data, args.grouping) + notes
        if binary:
            frame = table.frame()
            shown = frame if args.format == "xlsx" else _tree_names(frame, data)
            return _tables("Code frequencies", frame_table(shown, "Code frequencies", sheet="Frequencies"),
                           notes=notes)
        if args.format == "table":
            from tcoder.reports.frequencies import table_text

            return table_text(data, table, args.grouping, notes)
        return render_frame(table, args.format, "Code frequencies", notes)
    if args.kind == "cooccurrence":
        from tcoder.reports.cooccurrence import display_matrix, long_frame, matrices

        counts, jaccard = matrices(data, args.unit)
        used = [c for c in counts.index if counts.at[c, c] > 0]
        if args.plot:
            from tcoder.reports.plots import plot_heatmap

            _plot(plot_heatmap, code_labels(used, data.codebook), jaccard.loc[used, used].to_numpy(), args.plot,
                  title=f"Code co-occurrence (Jaccard, unit: {args.unit})", size=args.plot_size)
        what = {"span": "overlapping annotation pairs; Jaccard over characters",
                "sentence": "sentences marked by both codes; Jaccard over sentences",
                "turn": "speaker turns marked by both codes; Jaccard over turns"}[args.unit]
        notes = [f"Unit: {args.unit} ({what}). Codes as coded, within one coder's annotations; "
                 "codes that do not occur are left out."] + notes + ([data.coder_note] if data.coder_note else [])
        if args.format in ("csv", "json"):
            return render_frame(long_frame(data, counts, jaccard), args.format, "Code co-occurrence", notes)
        title = "Code co-occurrence"
        if binary:
            tables = [frame_table(display_matrix(counts, used), f"{title}: counts ({args.unit})", sheet="Counts"),
                      frame_table(display_matrix(jaccard, used), f"{title}: Jaccard ({args.unit})",
                                  decimals={c: 3 for c in used}, sheet="Jaccard")]
            if args.format == "xlsx":
                tables.append(frame_table(long_frame(data, counts, jaccard), f"{title}: pairs", sheet="Pairs"))
            return _tables(title, *tables, notes=notes)
        if args.format in ("md", "html"):
            from tcoder.reports.output import html_notes, html_page, html_table, md_escape, md_table

            if args.format == "md":
                return (f"# {title}\n\n## Counts\n\n" + md_table(display_matrix(counts, used))
                        + "\n## Jaccard\n\n" + md_table(display_matrix(jaccard, used))
                        + "".join(f"\n{md_escape(n)}\n" for n in notes))
            return html_page(title, "<h2>Counts</h2>\n" + html_table(display_matrix(counts, used))
                             + "<h2>Jaccard</h2>\n" + html_table(display_matrix(jaccard, used)) + html_notes(notes))
        numbered = [f"{i}. {data.name(c)}" for i, c in enumerate(used, 1)]
        legend = [str(i) for i in range(1, len(used) + 1)]

        def numbered_matrix(matrix):
            shown = matrix.loc[used, used].copy()
            shown.columns = legend
            shown.insert(0, "code", numbered)
            return shown

        return (render_frame(numbered_matrix(counts), "table", f"{title}: counts")
                + render_frame(numbered_matrix(jaccard), "table", f"{title}: Jaccard", notes))
    from tcoder.reports.crosstab import crosstab_frame, display_frame

    frame, crosstab_notes = crosstab_frame(data, args.grouping, args.correct)
    values = [c[: -len(" %")] for c in frame.columns if c.endswith(" %")]
    if args.plot:
        from tcoder.reports.plots import plot_frequencies

        # each group's n in the legend, and each bar's count of it
        group_n = {v: int(frame[f"{v} N"].max()) for v in values if len(frame)}
        _plot(plot_frequencies, code_labels(list(data.codes), data.codebook),
              {v: frame[f"{v} %"].fillna(0).tolist() for v in values},
              args.plot, xlabel=f"% of {args.grouping.cases} with the code", title=f"Codes by {args.by}",
              size=args.plot_size, group_n=group_n, counts={v: [int(n) for n in frame[f"{v} n"]] for v in values})
    notes = crosstab_notes + data.coverage_notes() + notes
    title = f"Codes by {args.grouping.attribute} ({args.grouping.cases})"
    if args.format == "xlsx":  # the numbers, typed, as CSV has them
        return _tables(title, frame_table(frame, title, sheet="Crosstab"), notes=notes)
    if args.format == "docx":
        return _tables(title, frame_table(display_frame(data, frame, values), title), notes=notes)
    if args.format in ("csv", "json"):
        return render_frame(frame, args.format, title, notes)
    return render_frame(display_frame(data, frame, values), args.format, title, notes)


def _cases(args: argparse.Namespace, study) -> int:
    from tcoder.reports.cases import cases_table
    from tcoder.reports.output import render_frame, write_output

    shown, data, notes = cases_table(study, args.grouping, args.median)
    title = f"Characteristics of the {args.grouping.cases} by {args.grouping.attribute}"
    if args.format in ("docx", "xlsx"):
        from tcoder.reports.tabular import frame_table

        frame = data if args.format == "xlsx" else shown
        _write(_tables(title, frame_table(frame, title, sheet="Cases"), notes=list(notes)), args)
        return 0
    frame = data if args.format in ("csv", "json") else shown
    write_output(render_frame(frame, args.format, title, notes), args.output)
    return 0


#: Alpha and its interval as 'tcoder agree' shows them: three decimals (CSV keeps every digit).
ALPHA_DECIMALS = {c: 3 for c in ("alpha", "ci_low", "ci_high", "q_667", "q_800")}


def _alpha(args: argparse.Namespace) -> int:
    import json

    from tcoder.errors import Problem, TcoderError

    if not args.input:
        return _usage("alpha needs --input FILE: the output of 'tcoder agree STUDY --format json' "
                      "(add --bootstrap N for intervals), or '-' to read it from standard input")
    source = "standard input" if args.input == "-" else args.input
    try:
        raw = sys.stdin.read() if args.input == "-" else open(args.input, encoding="utf-8").read()
    except OSError as exc:
        raise TcoderError(Problem(f"cannot read it: {exc.strerror}", source)) from None
    except UnicodeDecodeError as exc:
        raise TcoderError(Problem(f"not UTF-8 text ({exc.reason} at byte {exc.start}); expected the output of "
                                  "'tcoder agree --format json'", source)) from None
    try:
        result = json.loads(raw)
    except ValueError as exc:
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        raise TcoderError(Problem(f"not JSON ({getattr(exc, 'msg', exc)}); expected the output of "
                                  "'tcoder agree --format json'", source, line, column)) from None
    import pandas as pd

    from tcoder.reports.output import render_frame, write_output
    from tcoder.reports.plots import agreement_problems, alpha_rows, plot_alpha

    problems = agreement_problems(result)
    if problems:
        raise TcoderError([Problem(f"{p}", source) for p in problems] + [Problem(
            "expected the JSON of 'tcoder agree --format json': 'codes' and 'domains' are lists of rows with "
            "'code' or 'domain' and a numeric or null 'alpha'; 'overall' is one such row",
            source)])
    rows = alpha_rows(result)
    if not rows:
        raise TcoderError(Problem("no 'codes', 'domains' or 'overall' alpha in it; expected the output of "
                                  "'tcoder agree --format json'", source))
    columns = ["label", "alpha", "ci_low", "ci_high", "q_667", "q_800", "units"]
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
    frame = frame.dropna(axis=1, how="all").rename(columns={"label": "code"})
    for column in ALPHA_DECIMALS:
        if column in frame.columns:
            frame[column] = frame[column].astype(float)
    if args.plot:
        _plot(plot_alpha, result, args.plot, codebook=_codebook_of(args.study), size=args.plot_size)
        _say(f"Wrote {args.plot}")
    title = f"Krippendorff's alpha (unit: {result.get('unit') or '?'}; coders: {', '.join(result.get('coders') or [])})"
    if args.format in ("docx", "xlsx"):
        from tcoder.reports.tabular import frame_table

        _write(_tables(title, frame_table(frame, title, decimals=ALPHA_DECIMALS, sheet="Alpha")), args)
        return 0
    write_output(render_frame(frame, args.format, title, decimals=ALPHA_DECIMALS), args.output)
    return 0

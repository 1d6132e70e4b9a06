"""tcoder matrix STUDY: codes (or themes) x cases, participants or attribute values."""

from __future__ import annotations

import argparse
import sys

HELP = "a matrix of codes or themes by transcripts, participants or attribute values, with counts"
DESCRIPTION = """Count coded text in every cell of codes (or themes) by transcripts, participants
or the values of an attribute:

  --measure passages       stretches of coded text (overlapping passages of a row count once)
  --measure participants   people with coded text in the cell (speakers.csv, role participant)
  --measure words          words of coded text, each word once

Rows are every code (each with its sub-codes unless --exact), the codebook's themes
(its top-level codes, with everything below them) with --rows themes, or the codes given
with --code. Columns: --columns transcripts (default), participants, or an attribute name
(a participant attribute of participants.csv splits passages by speaker turn; a
transcript attribute of attributes.csv takes transcripts whole; participant.NAME or
transcript.NAME choose the level).

Coders: consensus when the study has it, else the only coder; with several coders and
no consensus, name them with --coder (pooled: a passage counts once if any of them coded
it) or pool them all with --pool.

Formats: table, csv, md, html (shaded cells), xlsx (-o FILE.xlsx, with a colour scale), docx;
--plot FILE.png|svg|pdf draws the shaded matrix.

Examples:
  tcoder matrix STUDY --rows themes --columns group --measure participants
  tcoder matrix STUDY --columns participants --format xlsx -o matrix.xlsx --plot matrix.png"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("--rows", choices=("codes", "themes"), default="codes", help="codes (default) or themes")
    parser.add_argument("--code", action="append", metavar="CODE[,CODE]", help="only these codes as rows")
    parser.add_argument("--exact", action="store_true", help="a code row counts the code itself, not its sub-codes")
    parser.add_argument("--columns", default="transcripts", metavar="transcripts|participants|ATTRIBUTE",
                        help="what the columns are (default transcripts)")
    parser.add_argument("--measure", choices=("passages", "participants", "words"), default="passages",
                        help="what a cell counts (default passages)")
    parser.add_argument("--coder", action="append", metavar="NAME[,NAME]",
                        help="whose coding (several are pooled); default consensus")
    parser.add_argument("--pool", action="store_true", help="pool every coder but consensus")
    parser.add_argument("--transcript", action="append", metavar="NAME[,NAME]",
                        help="only these transcripts (paths, file names, stems or globs)")
    parser.add_argument("--format", choices=("table", "csv", "md", "html", "xlsx", "docx"), default="table",
                        help="output format (xlsx and docx need -o)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the matrix to FILE")
    parser.add_argument("--plot", metavar="FILE", help="also draw the shaded matrix (.png, .svg or .pdf)")
    parser.add_argument("--plot-size", choices=("single", "double"), default="double",
                        help="the plot's width: one journal column (85 mm) or two (174 mm, the default)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing output file (never a study's own); without it, a terminal asks first")
    from tcoder.commands.manifest_run import add_manifest_argument

    add_manifest_argument(parser)


def run(args: argparse.Namespace) -> int:
    from tcoder.commands.manifest_run import with_manifest

    return with_manifest(args, sys.modules[__name__], "matrix", _run, [args.output, args.plot])


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tcoder.commands.search import split, usage
    from tcoder.outputs import check_output
    from tcoder.search.engine import FilterError, select_transcripts
    from tcoder.search.matrix import MatrixError, build_matrix
    from tcoder.study import open_study

    if args.format in ("xlsx", "docx") and not args.output:
        return usage("matrix", f"--format {args.format} writes a file: add -o FILE.{args.format}")
    if args.plot:
        from tcoder.reports.plots import PLOT_SUFFIXES

        if Path(args.plot).suffix.lower() not in PLOT_SUFFIXES:
            return usage("matrix", f"--plot writes {', '.join(PLOT_SUFFIXES)} files; {args.plot} has another suffix")
    check_output(args.output, what="the matrix", force=args.force, study_root=args.study)
    check_output(args.plot, what="the plot", force=args.force, study_root=args.study)
    from tcoder.reports.data import Selection, UsageError, choose_coders

    study = open_study(args.study)
    try:
        coders, _ = choose_coders(study, Selection(split(args.coder) or None, pool=args.pool, pools=True))
        args.coders_used = list(coders)  # for a manifest
        names = select_transcripts(study, split(args.transcript)) if args.transcript else None
        matrix = build_matrix(study, coders=coders, rows=args.rows, codes=split(args.code) or None,
                              columns=args.columns, measure=args.measure, exact=args.exact, transcripts=names)
    except (UsageError, MatrixError, FilterError) as exc:
        return usage("matrix", str(exc))
    from tcoder.outputs import write_output
    from tcoder.reports import matrix_output

    if args.format == "xlsx":
        try:
            matrix_output.write_xlsx(matrix, args.output)
        except OSError as exc:
            from tcoder.errors import Problem, TcoderError

            raise TcoderError(Problem(f"cannot write the matrix here: {exc.strerror or exc}", args.output)) from None
        print(f"Wrote {args.output}", file=sys.stderr)
    elif args.format == "docx":
        from tcoder.commands.search import write_word
        from tcoder.reports.search_docx import matrix_document, write

        write_word(write, matrix_document(matrix), args.output, matrix_output.title(matrix))
    else:
        width = 160
        if args.format == "table" and not args.output:
            import shutil

            from tcoder.textsafe import is_terminal

            if is_terminal(sys.stdout):
                width = shutil.get_terminal_size((120, 24)).columns
        write_output(matrix_output.render(matrix, args.format, width), args.output, what="the matrix")
    if args.plot:
        from tcoder.errors import Problem, TcoderError
        from tcoder.reports.plots import code_labels, plot_matrix

        rows = (code_labels(matrix.rows, study.codebook) if all(r in study.codebook.codes for r in matrix.rows)
                else [label.strip() for label in matrix.row_labels])  # codes by name, qualified where names repeat
        try:
            plot_matrix(rows, matrix_output.short_heads(matrix), matrix.table(),
                        args.plot, matrix_output.title(matrix), args.measure, size=args.plot_size)
        except OSError as exc:
            raise TcoderError(Problem(f"cannot write the plot here: {exc.strerror or exc}", args.plot)) from None
        print(f"Wrote {args.plot}", file=sys.stderr)
    return 0

"""tcoder report STUDY segments|frequencies|cooccurrence|crosstab|alpha."""

from __future__ import annotations

import argparse
import sys

HELP = "reports: coded segments, code frequencies, co-occurrence, crosstabs by attribute, plots"
KINDS = ("segments", "frequencies", "cooccurrence", "crosstab", "alpha")
DESCRIPTION = """Reports on the coded study, as a table, CSV, Markdown or HTML.

  segments      every coded passage: transcript, coder, code, speaker, offsets, quote, memo
                and the case attributes (Markdown and HTML group quotes by theme and code)
  frequencies   per code: annotations, transcripts, % of cases, % of characters and of
                speaker turns coded; coders side by side (or attribute values with --by)
  cooccurrence  code x code overlaps within a unit (--unit span|sentence|turn), with the
                Jaccard coefficient
  crosstab      codes x the values of --by ATTRIBUTE: cases with the code and %, with a
                chi-square or Fisher exact test
  alpha         Krippendorff's alpha per code from 'tcoder agree --format json' (--input)

A code given with --code stands for itself and its sub-codes, unless --exact. Cases are
transcripts (attributes.csv has one row per transcript). --plot FILE.png|svg|pdf draws
frequency bars, a co-occurrence heatmap, crosstab bars or alpha with its intervals.

Example: tcoder agree STUDY --bootstrap 1000 --format json > alpha.json
         tcoder report STUDY alpha --input alpha.json --plot alpha.png"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help=" | ".join(KINDS))
    parser.add_argument("--coder", action="append", metavar="NAME[,NAME]",
                        help="only these coders (repeat or separate with commas; default: all)")
    parser.add_argument("--code", action="append", metavar="CODE[,CODE]",
                        help="only these codes, each with its sub-codes (by id or name)")
    parser.add_argument("--exact", action="store_true", help="a code stands for itself only, not its sub-codes")
    parser.add_argument("--by", metavar="ATTRIBUTE", help="a column of attributes.csv to group by")
    parser.add_argument("--unit", choices=("span", "sentence", "turn"), default="span",
                        help="co-occurrence within overlapping spans, a sentence or a speaker turn (default span)")
    parser.add_argument("--format", choices=("table", "csv", "md", "html"), default="table", help="output format")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of the screen")
    parser.add_argument("--plot", metavar="FILE", help="also draw a figure (.png, .svg or .pdf)")
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
    from pathlib import Path

    if args.plot:
        from tcoder.reports.plots import PLOT_SUFFIXES

        if Path(args.plot).suffix.lower() not in PLOT_SUFFIXES:
            return _usage(f"--plot writes {', '.join(PLOT_SUFFIXES)} files; {args.plot} has another suffix")
        if args.kind == "segments":
            return _usage("segments has no plot; plot frequencies, cooccurrence, crosstab or alpha")
    if args.kind == "crosstab" and not args.by:
        return _usage("crosstab needs --by ATTRIBUTE (a column of attributes.csv)")
    from tcoder.reports.destination import check_output_path

    # a path that cannot be written is refused before any work is done
    check_output_path(args.output)
    check_output_path(args.plot, "the plot")
    if args.kind == "alpha":
        return _alpha(args)

    from tcoder.reports.data import Selection, UsageError, load
    from tcoder.study import open_study

    study = open_study(args.study)
    if args.by and args.by not in study.attributes.columns:
        have = ", ".join(study.attributes.columns) or "none (there is no attributes.csv)"
        return _usage(f"no attribute {args.by!r}; the study's attributes are: {have}")
    for problem in study.attribute_problems:
        _say(f"{problem.severity}: {problem}")
    try:
        data = load(study, Selection(_split(args.coder), _split(args.code), args.exact))
    except UsageError as exc:
        return _usage(str(exc))
    for problem in data.warnings:
        _say(f"warning: {problem}")
    empty = data.empty_note()
    if empty and args.format == "csv":
        _say(f"note: {empty}")  # CSV is data: the note goes beside it, the headers stay
    text = _render(args, data, [empty] if empty and args.format != "csv" else [])
    from tcoder.reports.output import write_output

    write_output(text, args.output)
    if args.plot:
        _say(f"Wrote {args.plot}")
    return 0


def _plot(draw, *arguments, **options) -> None:
    """Draw a figure; a file that cannot be written is the user's problem (exit 1), not a traceback."""
    from tcoder.errors import Problem, TcoderError

    path = arguments[-1] if "path" not in options else options["path"]
    try:
        draw(*arguments, **options)
    except OSError as exc:
        raise TcoderError(Problem(f"cannot write the plot here: {exc.strerror or exc}", path)) from None


def _tree_names(frame, data):
    """The table view's code names, indented by depth in the code tree (CSV keeps plain names)."""
    return frame.assign(code_name=[data.label(c) for c in frame["code"]])


def _render(args: argparse.Namespace, data, notes: list[str]) -> str:
    from tcoder.reports.output import render_frame

    if args.kind == "segments":
        from tcoder.reports import segments

        return segments.render(data, args.format, args.by, notes)
    if args.kind == "frequencies":
        from tcoder.reports.frequencies import describe, frequencies_frame

        frame = frequencies_frame(data, args.by)
        if args.plot:
            from tcoder.reports.plots import plot_frequencies

            groups = [c[: -len(" annotations")] for c in frame.columns if c.endswith(" annotations")]
            _plot(plot_frequencies, [data.name(c) for c in data.codes],
                  {g: frame[f"{g} annotations"].tolist() for g in groups}, args.plot)
        if args.format == "table":  # narrower: names only, each group's measures under its name
            from tcoder.reports.frequencies import MEASURES

            short = dict(zip(MEASURES, ("n", "transcr.", "% cases", "% chars", "% turns")))
            heads = {"code_name": "code"}
            for column in frame.columns:
                for measure in MEASURES:
                    if column.endswith(" " + measure):
                        heads[column] = f"{column[: -len(measure) - 1]}\n{short[measure]}"
            frame = _tree_names(frame, data).drop(columns="code").rename(columns=heads)
        return render_frame(frame, args.format, "Code frequencies", describe(data, args.by) + notes)
    if args.kind == "cooccurrence":
        from tcoder.reports.cooccurrence import display_matrix, long_frame, matrices

        counts, jaccard = matrices(data, args.unit)
        used = [c for c in counts.index if counts.at[c, c] > 0]
        if args.plot:
            from tcoder.reports.plots import plot_heatmap

            _plot(plot_heatmap, [data.name(c) for c in used], jaccard.loc[used, used].to_numpy(), args.plot,
                  title=f"Code co-occurrence (Jaccard, unit: {args.unit})")
        what = {"span": "overlapping annotation pairs; Jaccard over characters",
                "sentence": "sentences marked by both codes; Jaccard over sentences",
                "turn": "speaker turns marked by both codes; Jaccard over turns"}[args.unit]
        notes = [f"Unit: {args.unit} ({what}). Codes as coded, within one coder's annotations; "
                 "codes that do not occur are left out."] + notes
        if args.format == "csv":
            return render_frame(long_frame(data, counts, jaccard), "csv", "")
        title = "Code co-occurrence"
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
    from tcoder.reports.crosstab import crosstab_frame

    frame, crosstab_notes = crosstab_frame(data, args.by)
    if args.plot:
        from tcoder.reports.plots import plot_frequencies

        values = [c[: -len(" %")] for c in frame.columns if c.endswith(" %")]
        _plot(plot_frequencies, [data.name(c) for c in data.codes],
              {v: frame[f"{v} %"].fillna(0).tolist() for v in values},
              args.plot, xlabel="% of cases with the code", title=f"Codes by {args.by}")
    if args.format == "table":
        frame = _tree_names(frame, data)
    return render_frame(frame, args.format, f"Codes by {args.by}", crosstab_notes + notes)


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
        _plot(plot_alpha, result, args.plot)
        _say(f"Wrote {args.plot}")
    title = f"Krippendorff's alpha (unit: {result.get('unit') or '?'}; coders: {', '.join(result.get('coders') or [])})"
    write_output(render_frame(frame, args.format, title, decimals=ALPHA_DECIMALS), args.output)
    return 0

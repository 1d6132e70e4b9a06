"""``tcoder agree`` in a study that follows the reflexive approach (``approach: reflexive``).

Reflexive thematic analysis treats two coders' readings as material to discuss, not as
measurements to check against each other. Here ``agree`` shows, per code and pair of
coders, how much text both coded, how much only one did, and how many of each one's
passages the other's touch, with no coefficient, no threshold and no verdict, and says
so under the table.
"""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import fixed, plural

NOTE = ("Reflexive approach (approach: reflexive in tcoder.yaml): these counts show where the coders' readings "
        "meet and differ, as material to discuss. They are not a measure of reliability: no agreement coefficient "
        "is computed and no passage is a disagreement to resolve.")


def run(args: argparse.Namespace, data) -> int:
    from tcoder.agreement.overlap import overlaps
    from tcoder.textsafe import for_stream

    rows = overlaps(data)
    print(for_stream(f"note: {NOTE}", sys.stderr), file=sys.stderr)
    if args.bootstrap or args.plot or args.unit != "char" or args.pairs or args.rollup or args.kappa:
        print("note: --unit, --bootstrap, --pairs, --rollup, --kappa and --plot are for reliability and are not used "
              "in the reflexive approach", file=sys.stderr)
    if args.format == "md":
        print("note: --format md writes a reliability report with a methods sentence, which the reflexive approach "
              "does not have; the overlap table follows", file=sys.stderr)
    if args.format in ("docx", "xlsx"):
        from tcoder.reports.agreement_doc import reflexive_document
        from tcoder.reports.tabular import write_document

        write_document(reflexive_document(rows, data, NOTE), args.format, args.output,
                       lambda m: print(for_stream(m, sys.stderr), file=sys.stderr))
        return 0
    if args.format == "json":
        import json

        json.dump({"approach": "reflexive", "coders": data.coders, "transcripts": [t.name for t in data.transcripts],
                   "note": NOTE, "codes": [r.as_dict() for r in rows]}, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    if args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        fields = ["code", "coder_a", "coder_b", "both", "only_a", "only_b", "passages_a", "passages_b", "met_a",
                  "met_b"]
        writer.writerow(fields)
        for r in rows:
            writer.writerow([getattr(r, f) for f in fields])
        return 0
    _table(rows, data)
    return 0


def _pct(part: int, whole: int) -> str:
    return f"{fixed(100 * part / whole, 0)}%" if whole else "-"


def _table(rows, data) -> None:
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tcoder.textsafe import for_stream, inert

    codebook = data.codebook
    title = f"How the coders' readings overlap ({plural(len(data.transcripts), 'transcript')})"
    table = Table(title=Text(title))
    for head in ("Code", "Coders", "Both", "Only first", "Only second", "First's passages met", "Second's passages met"):
        table.add_column(head, justify="left" if head in ("Code", "Coders") else "right")
    for r in rows:
        name = codebook[r.code].name if codebook is not None and r.code in codebook else r.code
        union = r.both + r.only_a + r.only_b
        table.add_row(Text(inert(name)), Text(f"{r.coder_a} / {r.coder_b}"), f"{r.both:,} ({_pct(r.both, union)})",
                      f"{r.only_a:,}", f"{r.only_b:,}", f"{r.met_a} of {r.passages_a}", f"{r.met_b} of {r.passages_b}")
    buffer = io.StringIO()
    width = 160 if not sys.stdout.isatty() else None
    Console(file=buffer, width=width, markup=False, highlight=False, emoji=False, color_system=None).print(table)
    sys.stdout.write(for_stream(buffer.getvalue(), sys.stdout))
    print(for_stream(f"Material to discuss, not a reliability measure. Coders: {', '.join(data.coders)}. Both, only "
                     "first, only second: characters coded with the "
                     "code by both coders, by the first alone, by the second alone (the percentage is of the text "
                     "either coded). Passages met: how many of a coder's passages share text with the other's.",
                     sys.stdout))

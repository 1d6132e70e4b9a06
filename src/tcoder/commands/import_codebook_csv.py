"""tcoder import-codebook-csv FILE.csv: a codebook CSV (tcoder's or Taguette's) as YAML."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural

HELP = "convert a codebook CSV (from 'tcoder export --codebook-csv' or Taguette) into a YAML codebook"
DESCRIPTION = """Read a codebook written as CSV and write it as a tcoder codebook (YAML).

A CSV from 'tcoder export --codebook-csv' (columns tag, description, id, parent, key,
color) comes back with its ids, tree, keys and colours. A CSV exported by Taguette
(tag, description, number of highlights, number of documents) is read by its tag paths:
'Parent.Child' becomes a child code when 'Parent' is an earlier row; ids are made from
the names. The description is split back into definition, include, exclude and examples
where it has those labels."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.csv", help="the codebook CSV")
    parser.add_argument("-o", "--output", metavar="FILE.yaml",
                        help="where to write the codebook ('-' for standard output; default: FILE.yaml beside "
                             "the .csv)")
    parser.add_argument("--force", action="store_true", help="replace the output file if it exists")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tcoder.codebook import codebook_to_yaml
    from tcoder.codebook_csv import read_codebook_csv
    from tcoder.errors import display_path
    from tcoder.textsafe import for_stream

    source = Path(args.file)
    output = args.output or str(source.with_suffix(".yaml"))
    if output != "-":
        from tcoder.outputs import check_output

        check_output(output, what="the codebook", force=args.force)  # before reading: a bad path costs nothing
    codebook = read_codebook_csv(source)
    text = codebook_to_yaml(codebook)
    if output == "-":
        sys.stdout.write(for_stream(text, sys.stdout))
        return 0
    from tcoder.outputs import write_output

    write_output(text, output, what="the codebook")
    print(for_stream(f"Wrote {display_path(output)}: {plural(len(codebook), 'code')}, {len(codebook.roots)} top-level",
                     sys.stdout))
    return 0

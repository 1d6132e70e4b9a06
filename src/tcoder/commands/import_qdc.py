"""tcoder import-qdc FILE.qdc: a REFI-QDA codebook as a tcoder YAML codebook."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural, verb_for

HELP = "convert a REFI-QDA codebook (.qdc) into a YAML codebook"
DESCRIPTION = """Read a REFI-QDA codebook (.qdc, from NVivo, ATLAS.ti, MAXQDA, QualCoder or tcoder)
and write it as a tcoder codebook (YAML). The code tree, names, colours and descriptions
are kept; a description written by tcoder is split back into definition, include, exclude
and examples. Sets of codes become themes.yaml beside the codebook: themes tcoder exported
as they were, other programs' code groups and code sets as candidate themes. Code ids are
made from the names. Keys, exclusive domains and levels have
no place in a .qdc and are not restored (see docs/refi-qda.md)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.qdc", help="the REFI-QDA codebook")
    parser.add_argument("-o", "--output", metavar="FILE.yaml",
                        help="where to write the codebook ('-' for standard output; default: FILE.yaml beside "
                             "the .qdc)")
    parser.add_argument("--force", action="store_true", help="replace the output file if it exists")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tcoder.codebook import codebook_to_yaml
    from tcoder.errors import display_path
    from tcoder.refi.importer import read_qdc_with_sets
    from tcoder.textsafe import for_stream

    source = Path(args.file)
    output = args.output or str(source.with_suffix(".yaml"))
    if output != "-":
        from tcoder.outputs import check_output

        check_output(output, what="the codebook", force=args.force)  # before reading: a bad path costs nothing
    codebook, code_sets, candidates = read_qdc_with_sets(source)
    text = codebook_to_yaml(codebook)
    if output == "-":
        sys.stdout.write(for_stream(text, sys.stdout))
        if code_sets:
            print(f"warning: {display_path(source)}: {plural(len(code_sets), 'set')} of codes {verb_for(len(code_sets), 'is')} not written with -o -; "
                  "give a file to keep them as themes in themes.yaml beside it", file=sys.stderr)
        return 0
    from tcoder.outputs import write_output

    sets_path = Path(output).with_name("themes.yaml")
    if code_sets:
        check_output(sets_path, what=f"the codebook's {plural(len(code_sets), 'set')} of codes (as themes)", force=args.force)
    write_output(text, output, what="the codebook")
    print(for_stream(f"Wrote {display_path(output)}: {plural(len(codebook), 'code')}, {len(codebook.roots)} top-level",
                     sys.stdout))
    if code_sets:
        from tcoder.refi.importer import themes_text

        write_output(themes_text(code_sets), str(sets_path), what="the themes")
        restored = len(code_sets) - candidates
        parts = ([f"{plural(restored, 'theme')} as tcoder exported them (status, sub-themes, concept, definition)"]
                 if restored else [])
        parts += [f"{plural(candidates, 'set')} of codes (code groups) as candidate themes"] if candidates else []
        print(for_stream(f"Wrote {display_path(sets_path)}: {'; '.join(parts)}", sys.stdout))
    return 0

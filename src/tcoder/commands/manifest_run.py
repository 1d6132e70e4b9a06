"""Running a command again for its numbers: what ``--manifest FILE`` records and
``tcoder verify`` recomputes (docs/sharing.md#reproducibility-manifests).

Both run the command's own ``run`` with the options it was given, writing JSON to
memory, so a manifest's numbers and a verification's come from one path: the
numbers a report, a table or a plot showed are those of its JSON form.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

#: Options that say where output goes, not what is computed: never recorded or replayed.
NOT_RECORDED = ("study", "output", "plot", "force", "manifest", "format")
#: The role of a file given with --input among a manifest's inputs.
INPUT_ROLE = "report input"
#: Commands whose results a manifest can record, by the name verify finds them under.
MODULES = {"agree": "tcoder.commands.agree", "report": "tcoder.commands.report", "matrix": "tcoder.commands.matrix"}


def _parser(module: ModuleType) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    module.add_arguments(parser)
    return parser


def options_of(module: ModuleType, args: argparse.Namespace) -> dict[str, Any]:
    """The options that decide what the command computed, as JSON values."""
    out: dict[str, Any] = {}
    for action in _parser(module)._actions:
        if action.dest in NOT_RECORDED or action.dest == argparse.SUPPRESS:
            continue
        out[action.dest] = getattr(args, action.dest, action.default)
    out["format_shown"] = getattr(args, "format", None)
    return out


class RecomputeFailed(Exception):
    def __init__(self, code: int, messages: str):
        super().__init__(messages)
        self.code, self.messages = code, messages


def recompute(module: ModuleType, options: dict[str, Any],
              study: str | Path) -> tuple[Any, str, argparse.Namespace]:
    """Run the command again with ``options`` on ``study`` and return its JSON result, the
    notes it printed and the arguments as the command left them (``coders_used``). Raises :class:`RecomputeFailed` when it fails (its messages
    kept); a problem in the study's files is raised as the command raises it."""
    parser = _parser(module)
    args = argparse.Namespace()
    for action in parser._actions:
        if action.dest != argparse.SUPPRESS:
            setattr(args, action.dest, action.default)
    dests = {action.dest for action in parser._actions}
    for key, value in options.items():
        if key in dests and key not in NOT_RECORDED:
            setattr(args, key, value)
    formats = next((a.choices for a in parser._actions if a.dest == "format"), None) or ()
    form = "json" if "json" in formats else "csv"  # a command without JSON gives its numbers as CSV
    args.study, args.format, args.output, args.plot, args.manifest, args.force = str(study), form, None, None, None, False
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = int(module.run(args) or 0)
    if code != 0:
        raise RecomputeFailed(code, err.getvalue().strip())
    if form == "csv":
        return {"rows": _csv_rows(out.getvalue())}, err.getvalue(), args
    try:
        return json.loads(out.getvalue()), err.getvalue(), args
    except ValueError:
        raise RecomputeFailed(1, "the command did not write JSON") from None


def _csv_rows(text: str) -> list[dict[str, Any]]:
    """CSV rows as objects, numbers as numbers (a manifest keeps numbers only)."""
    import csv

    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append({key: _number(value) for key, value in row.items()})
    return rows


def _number(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def with_manifest(args: argparse.Namespace, module: ModuleType, command: str,
                  body: Callable[[argparse.Namespace], int], written: list[str | None]) -> int:
    """Run a command (``body``); with ``--manifest FILE``, first make sure FILE may be written
    (before any work), then record what the command computed beside the files it ``written``."""
    manifest = getattr(args, "manifest", None)
    if manifest:
        from tcoder.outputs import check_output

        check_output(manifest, what="the manifest", force=args.force, study_root=args.study)
    code = body(args)
    if code == 0 and manifest:
        write_manifest(args, module, command, written)
    return code


def write_manifest(args: argparse.Namespace, module: ModuleType, command: str, written: list[str | None]) -> None:
    """Record what the command just computed in ``args.manifest`` (the numbers are those of
    its JSON form, computed again here), beside the files it wrote."""
    from tcoder.atomicio import atomic_write_bytes
    from tcoder.errors import Problem, TcoderError
    from tcoder.manifest import build, canonical_json, sha256_file
    from tcoder.study import open_study

    options = options_of(module, args)
    try:
        result, _, again = recompute(module, options, args.study)
    except RecomputeFailed as exc:
        raise TcoderError(Problem(f"the manifest was not written: computing the numbers again failed: "
                                  f"{exc.messages}", args.manifest)) from None
    coders: list[str] | None = getattr(again, "coders_used", None)
    if coders is None and isinstance(result, dict) and isinstance(result.get("coders"), list):
        coders = [str(c) for c in result["coders"]]
    path = Path(args.manifest)
    study = open_study(args.study)
    outputs = [Path(p) for p in written if p and p != "-"]
    source = options.get("input")
    if source and not coders:  # the agreement result report alpha draws from names its coders
        try:
            given = json.loads(Path(source).read_text(encoding="utf-8")).get("coders")
        except (OSError, ValueError, AttributeError):
            given = None
        if isinstance(given, list):
            coders = [str(c) for c in given]
    if source:  # a file the result is computed from (report alpha --input): kept relative to the manifest
        options["input"] = relative_to_manifest(Path(source), path)
    data = build(study, command=command, options=options, result=result, coders=coders or [], outputs=outputs,
                 manifest_path=path)
    if source:
        data["inputs"]["files"][INPUT_ROLE] = {"path": options["input"], "sha256": sha256_file(Path(source))}
    atomic_write_bytes(path, canonical_json(data))
    print(f"Wrote {path} (the manifest: inputs by digest, options and {len(data['result']['numbers'])} numbers; "
          f"'tcoder verify {path}' checks them)", file=sys.stderr)


def add_manifest_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--manifest", metavar="FILE",
                        help="also write a reproducibility manifest to FILE (.json): tcoder version, the study's "
                             "commit and whether it was clean, the codebook's and each transcript's digest, "
                             "coders, options, seed and the numbers shown; 'tcoder verify FILE' checks them later")


def relative_to_manifest(path: Path, manifest: Path) -> str:
    import os

    try:
        return Path(os.path.relpath(path.resolve(), manifest.resolve().parent)).as_posix()
    except ValueError:  # another drive
        return str(path.resolve())

"""tcoder status STUDY [--coder C] [--done T | --reopen T]: who has finished coding what."""

from __future__ import annotations

import argparse
import os
import sys

from tcoder.numbers import plural

HELP = "coding status: which coders have marked which transcripts done (and mark them)"
DESCRIPTION = """List, for every transcript, each coder's coding status: done (marked finished),
in progress, or unmarked (a file from before coding status existed), with the
number of annotations; and whether agreement can compare the transcript.

Agreement, compare and reports count, by default, only coders who marked a
transcript done; an empty file that is not marked done (coding something and
undoing it leaves one) never counts. Unmarked files with annotations count, and
the commands say so.

Mark a transcript done, or reopen it, for one coder (--coder, else
$TCODER_CODER):

  tcoder status my-study --coder alice --done P01
  tcoder status my-study --coder alice --done 'interviews/*'
  tcoder status my-study --coder alice --reopen P01

The mark is stored in the coder's own annotation file (its header), so it never
conflicts with anyone else's work. See docs/coding.md#coding-status."""

FORMATS = ("table", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("--coder", metavar="NAME",
                        help="only this coder; the coder who marks with --done/--reopen (default: $TCODER_CODER)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--done", metavar="TRANSCRIPT", action="append",
                        help="mark these transcripts done (path, file name, stem or glob); repeatable")
    action.add_argument("--reopen", metavar="TRANSCRIPT", action="append",
                        help="mark these transcripts in progress again; repeatable")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")


def _usage(message: str) -> int:
    print(f"tcoder status: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from tcoder.commands.coder_options import OptionError, coder_name
    from tcoder.study import open_study

    coder = args.coder or os.environ.get("TCODER_CODER") or None
    try:
        if coder is not None:
            coder_name(coder, "--coder" if args.coder else "TCODER_CODER")
    except OptionError as exc:
        return _usage(str(exc))
    study = open_study(args.study)
    if args.done or args.reopen:
        if coder is None:
            return _usage("--done and --reopen mark transcripts for one coder: give --coder NAME "
                          "(or set TCODER_CODER)")
        return _mark(study, coder, args.done or args.reopen, "done" if args.done else "in-progress")
    return _list(study, coder, args.format)


def _resolve(study, names: list[str]):
    """Transcripts named by path, file name, stem or glob, in study order; (refs, unmatched names)."""
    from tcoder.agreement.data import matches
    from tcoder.errors import TcoderError

    chosen: dict[str, object] = {}
    unmatched = []
    for name in names:
        if any(ch in name for ch in "*?["):
            hits = [r for r in study.transcripts if matches(r.name, [name])]
        else:
            try:
                hits = [study.find(name)]
            except TcoderError:
                hits = []
        if not hits:
            unmatched.append(name)
        for ref in hits:
            chosen[ref.name] = ref
    return [r for r in study.transcripts if r.name in chosen], unmatched


def _mark(study, coder: str, names: list[str], state: str) -> int:
    from tcoder.coding_status import DONE, mark
    from tcoder.errors import LockedError
    from tcoder.textsafe import inert

    refs, unmatched = _resolve(study, names)
    if unmatched:
        listed = ", ".join(r.name for r in study.transcripts[:8]) + (", ..." if len(study.transcripts) > 8 else "")
        return _usage(f"no transcript matches {' or '.join(unmatched)} (the study has {listed or 'none'})")
    failed = 0
    for ref in refs:
        try:
            result = mark(study, ref, coder, state)
        except LockedError as exc:
            failed += 1
            print(inert(f"{ref.name}: not changed: the file {exc.problems[0].message}; close that coding "
                        "screen first"), file=sys.stderr)
            continue
        if not result.changed:
            what = "already marked done" if state == DONE else "already in progress"
            print(inert(f"{ref.name}: {coder}: {what}"))
        elif state == DONE:
            detail = (f"{plural(result.annotations, 'annotation')}" if result.annotations
                      else "no annotations: counted as 'nothing applies'"
                      + (" (new empty file)" if result.previous is None else ""))
            print(inert(f"{ref.name}: {coder}: marked done ({detail})"))
        else:
            print(inert(f"{ref.name}: {coder}: reopened (in progress; left out of agreement until marked done)"))
    return 1 if failed else 0


def _list(study, coder: str | None, fmt: str) -> int:
    import json

    from tcoder.coding_status import coders_for, policy_of
    from tcoder.errors import TcoderError
    from tcoder.study import CONSENSUS

    policy = policy_of(study)
    coders = [coder] if coder else study.coders
    rows = []
    problems = []
    for ref in study.transcripts:
        try:
            decided = coders_for(study, ref, coders, policy)
        except TcoderError as exc:
            problems.extend(exc.problems)
            continue
        compared = [c for c in decided.counted if c != CONSENSUS]
        rows.append({"transcript": ref.name,
                     "coders": {c: {"state": s.state, "annotations": s.annotations, "changed": s.changed,
                                    "counted": s.counted, "note": s.reason or None}
                                for c, s in decided.statuses.items()},
                     "compared": len(compared) >= 2})
    if fmt == "json":
        json.dump({"format": "tcoder-status/1", "policy": policy, "coders": coders, "transcripts": rows},
                  sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        _print_table(rows, coders, coder is not None, policy)
    if problems:
        from tcoder.errors import print_problems

        print_problems(problems)
        return 1
    return 0


def _cell(entry: dict) -> tuple[str, str]:
    state, n = entry["state"], entry["annotations"]
    if state == "no file":
        return "-", "dim"
    if state == "done":
        day = (entry["changed"] or "")[:10]
        return (f"done {day}".strip() + (f" ({n})" if n else " (none apply)")), "green"
    if state == "in-progress":
        return (f"coding ({n})" if n else "coding (empty)"), "yellow"
    return (f"unmarked ({n})" if n else "unmarked (empty)"), ("" if n else "dim")


def _print_table(rows: list[dict], coders: list[str], one_coder: bool, policy: str) -> None:
    from rich.table import Table
    from rich.text import Text

    from tcoder.console import make_console
    from tcoder.textsafe import inert

    console = make_console()
    if not console.is_terminal:
        console.width = 160
    table = Table(title="Coding status", title_justify="left")
    table.add_column("Transcript", no_wrap=True)
    for coder in coders:
        table.add_column(inert(coder), no_wrap=True)
    if not one_coder:
        table.add_column("Agreement", no_wrap=True)
    for row in rows:
        cells = [Text(inert(row["transcript"]))]
        for coder in coders:
            text, style = _cell(row["coders"][coder])
            cells.append(Text(text, style=style))
        if not one_coder:
            cells.append(Text("compared" if row["compared"] else "not yet (needs two coders done)",
                              style="" if row["compared"] else "dim"))
        table.add_row(*cells)
    console.print(table)
    done = {c: sum(1 for r in rows if r["coders"][c]["state"] == "done") for c in coders}
    console.print(inert("Done: " + ", ".join(f"{c} {n} of {len(rows)}" for c, n in done.items()) + "."))
    if policy == "any":
        console.print("tcoder.yaml sets include_unfinished: coders still coding count too.", style="dim")
    else:
        console.print("Agreement, compare and reports count coders who marked a transcript done, and unmarked "
                      "files with annotations (from before coding status existed).", style="dim")

"""tcoder check STUDY: validate the codebook, transcripts and annotation files."""

from __future__ import annotations

import argparse
import json
import sys

from tcoder.numbers import plural, verb_for, word_for

HELP = "validate a study: codebook, transcripts, annotation files (exit 1 on errors)"
DESCRIPTION = """Validate a study and print a short report: transcripts, coders, annotations per
coder, orphaned spans, unknown codes, memos and themes, and every problem with its file
and place (memo files, links that point nowhere, themes linking unknown codes, cycles
of sub-themes).

Exit status: 0 when there are no errors (warnings allowed), 1 when there are errors
(invalid codebook, unreadable transcripts or annotation files, unknown codes, spans
out of range or orphaned), 2 on bad usage. Nothing of the study is changed unless --fix
is given; what a check found in a transcript with large annotation files is kept in the
study's .tcoder/check.jsonl and taken again while every file it rests on stays byte for
byte the same."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("--fix", action="store_true",
                        help="save re-anchored offsets of annotations and of memos' passage links whose "
                             "transcript changed (orphaned ones are kept and flagged), merge annotations of one "
                             "code on overlapping text into one, write the current code ids of annotations "
                             "pending migration, and remove temporary files left by interrupted saves")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument("--quiet", "-q", action="store_true", help="print problems only")


def run(args: argparse.Namespace) -> int:
    from tcoder.check import (
        check_study,
        merge_overlapping,
        remove_leftover_temp_files,
        save_moved_memos,
        save_reanchored,
    )
    from tcoder.errors import Problem, display_path, print_problems
    from tcoder.safeio import mb
    from tcoder.study import open_study
    from tcoder.textsafe import for_stream

    study = open_study(args.study)
    report = check_study(study, fixing=args.fix)
    written = save_reanchored(report) if args.fix and (report.reanchored or report.pending) else []
    if args.fix and report.memos_moved:
        written += save_moved_memos(report)
    merged = merge_overlapping(report) if args.fix and report.overlapping else []
    cleanup = remove_leftover_temp_files(study) if args.fix else None
    if cleanup is not None:
        report.problems.extend(cleanup.problems)
        report.problems.extend(Problem("a save may still be writing this temporary file; kept", path,
                                       severity="warning") for path in cleanup.kept)
    if args.format == "json":
        data = report.as_dict()
        data["fixed"] = written
        data["merged"] = [{"file": path, "groups": n} for path, n in merged]
        if cleanup is not None:
            data["removed_temporary_files"] = cleanup.removed
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 1 if report.errors else 0
    out = sys.stdout
    if not args.quiet:
        print(for_stream(f"Study       {display_path(study.root)}", out), file=out)
        print(f"Codebook    {report.codebook_summary}", file=out)
        print(f"Transcripts {report.transcripts} ({report.words:,} words, {report.characters:,} characters)",
              file=out)
        if report.coders:
            print("Coders", file=out)
            width = max(len(c) for c in report.coders)
            for coder, s in report.coders.items():
                orphan = f", {s.orphaned} orphaned" if s.orphaned else ""
                print(f"  {coder:<{width}}  {s.files:>4} {word_for(s.files, 'file'):<5}  "
                      f"{s.annotations:>6} {word_for(s.annotations, 'annotation')}, "
                      f"{s.done} done{orphan}", file=out)
        else:
            print("Coders      none yet (code with 'tcoder code STUDY')", file=out)
        print(for_stream(f"Participants {report.participants_summary}", out), file=out)
        print(f"Orphaned    {report.orphaned}", file=out)
        unknown = ", ".join(f"{c} ({n})" for c, n in report.unknown_codes.most_common()) or "0"
        print(for_stream(f"Unknown codes {unknown}", out), file=out)
        if report.memos or report.journal_entries or report.themes:
            print(f"Memos       {plural(report.memos, 'memo')}, {plural(report.journal_entries, 'journal entry')}; "
                  f"themes: {report.themes}", file=out)
        if report.moved:
            verb = "saved" if written else "not yet saved: run with --fix"
            print(f"Re-anchored {plural(report.moved, 'annotation')} on changed transcripts ({verb})", file=out)
        if report.memos_moved:
            verb = "saved" if args.fix else "not yet saved: run with --fix"
            print(f"Re-anchored passage links in {plural(len(report.memos_moved), 'memo')} ({verb})", file=out)
        for path, n in merged:
            print(for_stream(f"Merged      {plural(n, 'group')} of overlapping annotations of one code in "
                             f"{display_path(path)}", out), file=out)
        if report.pending:
            count = sum(len(loaded.pending_migration) for loaded in report.pending)
            verb = ("written with their current codes (--fix)" if written else
                    "read under their current codes; written when next saved, or now with --fix")
            print(f"Pending migration {plural(count, 'annotation')} in {plural(len(report.pending), 'file')} {verb_for(count, 'carries')} code ids the "
                  f"codebook's history has changed since ({verb}):", file=out)
            for line in report.pending_lines():
                print(for_stream(f"  {line}", out), file=out)
        if cleanup is not None and cleanup.removed:
            print(f"Removed     {plural(cleanup.removed, 'temporary file')} ({mb(cleanup.freed)}) left by interrupted "
                  "saves", file=out)
    print_problems(report.problems)
    if not args.quiet:
        n_err, n_warn = len(report.errors), len(report.warnings)
        status = "OK" if not n_err else "FAILED"
        print(f"{status}: {plural(n_err, 'error')}, {plural(n_warn, 'warning')}", file=out)
    return 1 if report.errors else 0

"""tcoder deidentify STUDY --key KEY: replace names and other identifiers with pseudonyms, and back."""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural

HELP = "replace names and other identifiers with consistent pseudonyms from a key kept outside the study (and back)"
DESCRIPTION = """Replace every identifier the key lists (names, places, institutions) with its
pseudonym, in every transcript, annotation file (quotes, context, memos), memo and
journal entry, the attributes, participants and speakers tables, tcoder.yaml, the
codebook and the themes, as one step: completed or rolled back if interrupted.
Annotations and memo passage links move with their words.

The key is YAML, kept outside the study and outside any git work tree:

  pseudonyms:
    Amara Okafor: Participant 1
    Amara: Participant 1
    Houston: a large city

Identifiers are matched as whole words, exactly as written (list variants such as
'Tomás' and 'Tomas' separately); longer ones first. tcoder writes KEY.restore.json
beside the key, with the original files: --restore puts them back byte for byte.
The study's git history still holds the identifiers; share a copy without it.
See docs/sharing.md#de-identification.

Examples:
  tcoder deidentify my-study --key ~/secure/activism-key.yaml --dry-run
  tcoder deidentify my-study --key ~/secure/activism-key.yaml
  tcoder deidentify my-study --key ~/secure/activism-key.yaml --restore"""


#: each kind of file the plan counts, as one of it reads ('1 transcript', '3 annotation files')
KIND_NOUNS = {"transcripts": "transcript", "annotation files": "annotation file", "memos": "memo",
              "tables and settings": "table or settings file"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("--key", metavar="KEY", required=True,
                        help="the key: YAML with 'pseudonyms:', identifier -> pseudonym (outside the study and git)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be replaced, change nothing")
    parser.add_argument("--restore", action="store_true",
                        help="put the original files back from KEY.restore.json, byte for byte")
    parser.add_argument("--coder", metavar="NAME", help="who does it, for the study's journal "
                                                        "(default: git's user.name, else your login name)")


def _say(message: str, file=None) -> None:
    from tcoder.textsafe import for_stream

    out = file or sys.stdout
    print(for_stream(message, out), file=out)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tcoder.codebook_ops import default_who
    from tcoder.deidentify import deidentify, read_key, restore
    from tcoder.errors import display_path
    from tcoder.study import open_study

    if args.restore and args.dry_run:
        print("tcoder deidentify: error: --restore has no --dry-run", file=sys.stderr)
        return 2
    study = open_study(args.study)
    key = read_key(Path(args.key))
    who = args.coder or default_who(study.root)
    if args.restore:
        done = restore(study, key, who=who)
        if done.operation is None:
            _say("Nothing to restore: every file the restore file records is as it was before de-identification.")
        else:
            _say(f"Restored {plural(done.files, 'file')} byte for byte from {display_path(key.restore_path)} "
                 f"(recorded as {done.operation.id})")
        return 0
    result = deidentify(study, key, who=who, dry_run=args.dry_run)
    p = result.plan
    total = sum(p.counts.values())
    kinds = ", ".join(plural(n, KIND_NOUNS.get(kind, kind)) for kind, n in p.kinds.items())
    verb = "Would replace" if args.dry_run else "Replaced"
    _say(f"{verb} {plural(total, 'occurrence')} of {plural(len(p.counts), 'identifier')} in {plural(len(p.changes), 'file')}"
         + (f" ({kinds})" if kinds else "") + f"; {plural(p.annotations_moved, 'annotation')} and "
         f"{plural(p.links_moved, 'memo passage link')} move with their words")
    if p.counts:
        width = max(len(n) for n in p.counts)
        for name, n in p.counts.most_common():
            _say(f"  {name:<{width}}  {n:>6}  -> {key.pseudonyms[name]}")
    for name in p.unmatched:
        _say(f"note: {name!r} is not in the study", sys.stderr)
    if p.unlisted_speakers:
        _say(f"note: {plural(len(p.unlisted_speakers), 'speaker label')} the key does not list, each left as it "
             f"is (add the names among them to the key): {', '.join(p.unlisted_speakers)}", sys.stderr)
    for warning in p.warnings:
        _say(f"warning: {warning}", sys.stderr)
    if args.dry_run:
        _say("Nothing was changed (--dry-run).")
        return 0
    if result.operation is not None:
        _say(f"The original files are in {display_path(key.restore_path)}: keep it with the key, outside the study "
             f"and outside git; 'tcoder deidentify {display_path(study.root)} --key {display_path(key.path)} "
             "--restore' puts them back. Recorded as " + result.operation.id)
    if result.pruned:
        _say(f"note: the journal's copies of earlier file contents held the identifiers and were deleted: "
             f"{plural(result.pruned, 'operation')} (this one included) can no longer be taken back with 'tcoder undo'",
             sys.stderr)
    if result.not_forgotten:
        _say(f"warning: {result.not_forgotten}: delete it by hand before sharing the study", sys.stderr)
    _git_warning(study.root)
    return 0


def _git_warning(root) -> None:
    from tcoder.gitdriver.gitcmd import GitError, git_text, toplevel

    try:
        if toplevel(root) is None:
            return
        if not git_text(["log", "-1", "--format=%H", "--", "."], root, check=False).strip():
            return
    except GitError:
        return
    _say("warning: the study's git history still holds the identifiers (every earlier commit); share a copy "
         "without the history (a new repository, or 'tcoder export'), not this repository", sys.stderr)

"""tcoder verify MANIFEST: do the numbers a manifest recorded still hold?"""

from __future__ import annotations

import argparse
import sys

from tcoder.numbers import plural

HELP = "check a reproducibility manifest: are the inputs unchanged and do its numbers still come out?"
DESCRIPTION = """Read a manifest written by 'tcoder agree ... --manifest FILE' or 'tcoder report ...
--manifest FILE', compare the study's inputs with the digests it recorded (the codebook,
settings and tables, each transcript's text_sha256, each annotation file), compute the
result again with the recorded options and seed, and compare every number.

Exit status: 0 when the inputs are unchanged and every number holds (VERIFIED), 1 when
an input changed or a number differs (each named), 2 on bad usage. The study is found
where the manifest recorded it (relative to the manifest) unless --study says where.
See docs/sharing.md#reproducibility-manifests."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", metavar="MANIFEST", help="the manifest (.json)")
    parser.add_argument("--study", metavar="STUDY", help="the study folder (default: where the manifest says)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    import importlib
    from pathlib import Path

    from tcoder.commands.manifest_run import INPUT_ROLE, MODULES, RecomputeFailed, recompute
    from tcoder.errors import Problem, StudyError, TcoderError
    from tcoder.manifest import Comparison, compare_inputs, compare_numbers, git_state, inputs, read, sha256_file
    from tcoder.study import open_study

    path = Path(args.manifest)
    manifest = read(path)
    command = manifest["command"]
    if command not in MODULES:
        raise TcoderError(Problem(f"the manifest records the command {command!r}, which verify cannot run "
                                  f"(it runs {', '.join(MODULES)})", path))
    if args.study:
        root = Path(args.study)
    else:
        recorded = (manifest.get("study") or {}).get("path")
        if not isinstance(recorded, str):
            raise StudyError(Problem("the manifest does not say where the study is; give --study STUDY", path))
        root = path.parent / recorded
        if not root.is_dir():
            raise StudyError(Problem(f"the study is not where the manifest recorded it ({recorded}, relative to the "
                                     "manifest); give --study STUDY", path))
    study = open_study(root)
    comparison = Comparison()
    options = dict(manifest["options"])
    now = inputs(study)
    if isinstance(options.get("input"), str):  # report alpha --input FILE, relative to the manifest
        source = path.parent / options["input"]
        options["input"] = str(source)
        now["files"][INPUT_ROLE] = {"path": manifest["options"]["input"], "sha256": sha256_file(source)}
    compare_inputs(manifest["inputs"], now, comparison)
    failure = None
    try:
        result, notes, _ = recompute(importlib.import_module(MODULES[command]), options, study.root)
    except RecomputeFailed as exc:
        failure = exc.messages or f"the command exited with status {exc.code}"
    except TcoderError as exc:
        failure = "; ".join(str(p) for p in exc.problems)
    else:
        compare_numbers(manifest["result"], result, comparison)
    from tcoder import __version__

    recorded_git = (manifest.get("study") or {}).get("git") or {}
    now_git = git_state(study.root) or {}
    verified = failure is None and comparison.verified
    if args.format == "json":
        import json

        json.dump({"verified": verified, "numbers_hold": failure is None and comparison.numbers_hold,
                   "recompute_failed": failure, "changed_inputs": comparison.changed_inputs,
                   "numbers_compared": comparison.numbers_compared,
                   "differing": [{"path": p, "recorded": a, "recomputed": b} for p, a, b in comparison.differing],
                   "other_content_differs": comparison.other_content_differs,
                   "tcoder": {"recorded": manifest.get("tcoder"), "now": __version__},
                   "commit": {"recorded": recorded_git.get("commit"), "now": now_git.get("commit")}},
                  sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0 if verified else 1
    _print_text(args, manifest, study, comparison, failure, recorded_git, now_git, __version__)
    return 0 if verified else 1


def _print_text(args, manifest, study, comparison, failure, recorded_git, now_git, version) -> None:
    from tcoder.errors import display_path
    from tcoder.textsafe import for_stream

    out = sys.stdout

    def say(text: str) -> None:
        print(for_stream(text, out), file=out)

    options = manifest["options"]
    shown = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in options.items()
                     if k not in ("format_shown",) and v not in (None, False, [], "")
                     and k not in ("kind",))
    kind = f" {options['kind']}" if options.get("kind") else ""
    say(f"Manifest  {display_path(args.manifest)}: tcoder {manifest.get('tcoder')}, {manifest.get('created')}")
    say(f"Command   tcoder {manifest['command']} STUDY{kind} {shown}".rstrip())
    say(f"Study     {display_path(study.root)}; coders {', '.join(manifest.get('coders') or []) or '(none recorded)'}")
    if recorded_git.get("commit"):
        now = now_git.get("commit")
        say(f"Commit    recorded at {recorded_git['commit'][:12]} ({_tree_state(recorded_git)}); now "
            + (f"{now[:12]} ({_tree_state(now_git)})" if now else "not in git"))
    if manifest.get("tcoder") != version:
        say(f"note: the manifest was written by tcoder {manifest.get('tcoder')}; this is tcoder {version}")
    if comparison.changed_inputs:
        say(f"Inputs    {len(comparison.changed_inputs)} changed since the manifest:")
        for line in comparison.changed_inputs:
            say(f"            {line}")
    else:
        say(f"Inputs    unchanged: {plural(comparison.unchanged_transcripts, 'transcript')}, "
            f"{plural(comparison.unchanged_annotation_files, 'annotation file')}, codebook, settings and tables")
    if failure is not None:
        say(f"Numbers   could not be computed again: {failure}")
    elif comparison.differing:
        say(f"Numbers   {len(comparison.differing)} of {comparison.numbers_compared} differ:")
        for number_path, then, now in comparison.differing[:40]:
            say(f"            {number_path}: {_fmt(then)} recorded, {_fmt(now)} now")
        if len(comparison.differing) > 40:
            say(f"            ... and {len(comparison.differing) - 40} more (--format json lists them all)")
    else:
        extra = ("; other content of the result (names, notes, wording) differs"
                 if comparison.other_content_differs else "")
        say(f"Numbers   all {comparison.numbers_compared} hold{extra}")
    if failure is None and comparison.verified:
        say("VERIFIED: the inputs are those recorded and every number comes out as published")
    elif failure is None and comparison.numbers_hold:
        say("NOT VERIFIED: the inputs changed since the manifest, though the numbers computed from them still hold")
    else:
        say("NOT VERIFIED: the published numbers do not hold for the study as it is now")


def _tree_state(git: dict) -> str:
    """Whether the study's files were committed, as the manifest and verify both need to say."""
    if git.get("clean"):
        return "clean"
    return f"with {plural(git.get('changed_count') or 0, 'uncommitted change')}"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)

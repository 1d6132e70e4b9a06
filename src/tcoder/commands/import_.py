"""tcoder import FILE...: captions, documents, speech-to-text output and chats to canonical transcripts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tcoder.numbers import plural

HELP = "convert .vtt, .srt, .docx, .odt, .rtf, .pdf, Whisper .json, noScribe .html, Otter and Zoom chat text"
DESCRIPTION = """Convert transcripts from Zoom and Teams (.vtt), subtitles (.srt), Word (.docx),
LibreOffice (.odt), rich text (.rtf), PDF (its text layer), Whisper, WhisperX and
whisper.cpp (.json), noScribe (.html), Otter (text export) and Zoom chat logs (.txt)
into canonical tcoder transcripts: one 'Name: text' turn per speaker change, a blank
line between turns, UTF-8 with LF newlines. Files without speakers (captions, Whisper
without diarization) keep one line per caption or segment. No word is ever dropped.

Each FILE becomes <stem>.txt beside it, or in --into DIR. Consecutive cues of one
speaker become one turn; cues without a speaker continue the previous turn.
An existing file is never replaced without --force, and an input is never
replaced at all: an Otter .txt imported in its own folder needs --into.

Every file that can be imported is; each one that cannot is reported with its
place. Exit status: 0 when all were imported, 1 when any was not, 2 on bad usage.

Examples:
  tcoder import zoom/P01.vtt                      writes zoom/P01.txt
  tcoder import exports/*.docx --into interviews  writes interviews/<name>.txt
  tcoder import otter/FG1.txt --into interviews --timestamps"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="files to import (.vtt, .srt, .docx, .odt, .rtf, .pdf, .json, .html, Otter or Zoom chat "
                             ".txt)")
    parser.add_argument("--into", metavar="DIR",
                        help="write the transcripts into this folder (created if needed) instead of beside each file")
    parser.add_argument("--timestamps", action="store_true",
                        help="start each turn with its time as [hh:mm:ss] when the source has times")
    parser.add_argument("--encoding", metavar="NAME",
                        help="legacy encoding of inputs that are not UTF-8, e.g. cp1250 (default: detect, "
                             "with a warning naming what was used)")
    parser.add_argument("--force", action="store_true",
                        help="replace transcripts that already exist (never an input file)")


def run(args: argparse.Namespace) -> int:
    from tcoder.errors import Problem, TcoderError, print_problems
    from tcoder.textsafe import for_stream

    if args.encoding:
        import codecs

        try:
            args.encoding = codecs.lookup(args.encoding).name
        except LookupError:
            print(f"tcoder import: error: unknown encoding {args.encoding!r}; use a name such as cp1252, "
                  "cp1250 or latin-1", file=sys.stderr)
            return 2
    into = Path(args.into) if args.into else None
    if into is not None and into.exists() and not into.is_dir():
        print(f"tcoder import: error: --into {args.into}: this is a file, not a folder", file=sys.stderr)
        return 2
    # the same file named twice (a glob and by name) is imported once
    unique: dict[str, Path] = {}
    for name in args.files:
        unique.setdefault(_key(Path(name)), Path(name))
    inputs = list(unique.values())
    planned: dict[str, Path] = {}  # output -> the input it comes from, in this call
    failed = 0
    for source in inputs:
        try:
            line, warnings = _import_one(source, into, inputs, planned, args)
        except TcoderError as exc:
            failed += 1
            print_problems(exc.problems)  # they quote the file: inert on a terminal
            continue
        print_problems([Problem(warning, source, severity="warning") for warning in warnings])
        print(for_stream(line, sys.stdout), file=sys.stdout)  # speaker names and paths come from the file
    if failed and len(inputs) > 1:
        print(f"{failed} of {plural(len(inputs), 'file')} not imported; nothing was written for them", file=sys.stderr)
    return 1 if failed else 0


def _import_one(source: Path, into: Path | None, inputs: list[Path], planned: dict[str, Path],
                args: argparse.Namespace) -> tuple[str, list[str]]:
    """Convert and write one file; returns the line to print and the warnings."""
    from tcoder.annotations import is_annotation_name_of
    from tcoder.atomicio import atomic_write_text
    from tcoder.errors import Problem, TcoderError, display_path
    from tcoder.importers import FORMAT_NAMES, convert

    converted = convert(source, timestamps=args.timestamps, encoding=args.encoding)
    target = (into if into is not None else source.parent) / f"{source.stem}.txt"
    key = _key(target)
    shown = display_path(target)
    for other in inputs:
        if _same_file(target, other):
            hint = (" Use --into DIR to write the transcript to another folder." if other == source
                    else f" ({display_path(other)} is being imported in this call.)")
            raise TcoderError(Problem(f"not imported: {shown} is an input file and is never replaced.{hint}",
                                      source))
    if key in planned:
        raise TcoderError(Problem(
            f"not imported: {display_path(planned[key])} is also written to {shown} in this call; "
            "import one of them with --into another folder", source))
    if target.exists() and not args.force:
        raise TcoderError(Problem(f"not imported: {shown} already exists; use --force to replace it", source))
    warnings = list(converted.warnings)
    if target.exists():
        coded = sorted(p.name for p in target.parent.iterdir() if is_annotation_name_of(p.name, target.stem))
        if coded:
            warnings.append(f"replaced {shown}, which has annotation files ({', '.join(coded)}); run "
                            "'tcoder check STUDY --fix' to re-anchor their spans")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, converted.text)
    except OSError as exc:
        raise TcoderError(Problem(f"cannot write {shown}: {exc.strerror or exc}", source)) from None
    planned[key] = source
    speakers = converted.speakers
    names = f" ({'; '.join(speakers)})" if speakers else ""
    if speakers:
        what = (f"{plural(len(converted.turns), 'turn')}, "
                f"{plural(len(speakers), 'speaker')}{names}")
    else:
        lines = sum(len(t.paragraphs) for t in converted.turns)
        what = f"{plural(lines, 'line')}, no speakers"
    line = f"wrote {shown}: {what} from {FORMAT_NAMES[converted.format]} {display_path(source)}"
    return line, warnings


def _key(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def _same_file(a: Path, b: Path) -> bool:
    if _key(a) == _key(b):
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


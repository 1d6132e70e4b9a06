"""SubRip (.srt) subtitles: numbered blocks of a timing line and text.

::

    12
    00:01:02,500 --> 00:01:05,000
    Interviewer: And what happened then?

A speaker may be named by a ``Name:`` prefix on the cue's first line, where the
file does so consistently (see :func:`tcoder.importers.model.keep_consistent_labels`). Formatting
tags (``<i>``, ``<b>``, ``<u>``, ``<font color=...>``) and ASS override codes
such as ``{\\an8}`` are removed. SubRip defines no character references, so an
``&amp;`` stays as it is.

A small parser rather than pysrt: pysrt has had no release since 2020, decodes
files itself (tcoder decodes every text file the same way), and its error
messages do not name the line; blocks are found by their timing lines, so a
missing blank line or a blank line inside a subtitle does not lose text.
"""

from __future__ import annotations

import os
import re

from tcoder.errors import Problem, TcoderError
from tcoder.importers.model import Cue, parse_clock, split_label

_TIME = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"[ \t]*(?P<start>{_TIME})[ \t]*-->[ \t]*(?P<end>{_TIME})(?:[ \t].*)?")
_INDEX = re.compile(r"[ \t]*\d+[ \t]*")
_TAG = re.compile(r"</?(?:i|b|u|s|font)(?:[ \t][^>]*)?>|\{\\[^}]*\}", re.IGNORECASE)


def looks_like_srt(text: str) -> bool:
    """The first non-blank line is a number followed by a timing line, or a timing line."""
    lines = [line for line in text.split("\n", 40)[:40] if line.strip()]
    if not lines:
        return False
    if _TIMING.fullmatch(lines[0]):
        return True
    return len(lines) > 1 and _INDEX.fullmatch(lines[0]) is not None and _TIMING.fullmatch(lines[1]) is not None


def parse_srt(text: str, path: str | os.PathLike[str] | None = None) -> list[Cue]:
    lines = text.split("\n")
    timings = [i for i, line in enumerate(lines) if _TIMING.fullmatch(line)]
    if not timings:
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        raise TcoderError(Problem(
            "no subtitles found: an .srt file is numbered blocks of a timing line such as "
            "'00:00:01,000 --> 00:00:04,000' and the text", path, first + 1))
    for i in range(timings[0]):
        if lines[i].strip() and not (_INDEX.fullmatch(lines[i]) and i == timings[0] - 1):
            raise TcoderError(Problem(
                f"expected a subtitle number or a timing line, found {lines[i].strip()[:60]!r}", path, i + 1))
    cues: list[Cue] = []
    for k, at in enumerate(timings):
        end = timings[k + 1] if k + 1 < len(timings) else len(lines)
        body = lines[at + 1:end]
        if k + 1 < len(timings) and body and _INDEX.fullmatch(body[-1]):
            body.pop()  # the next block's number
        body = [_TAG.sub("", line).strip() for line in body]
        body = [line for line in body if line]
        if not body:
            continue
        timing = _TIMING.fullmatch(lines[at])
        assert timing is not None  # ``timings`` are the timing lines
        speaker, _, said = split_label(body[0])
        whole = " ".join(body) if speaker is not None else None
        cues.append(Cue(" ".join([said, *body[1:]]), speaker, parse_clock(timing["start"]), line=at, labelled=whole))
    if not cues:
        raise TcoderError(Problem("the subtitles contain no text", path))
    return cues

"""Otter-style text: a header line with the speaker, two spaces (or a tab) and a
time, the turn on the following lines, then a blank line::

    Jane Doe  0:03
    Thanks for making the time today.

    Amara Osei  0:09
    Of course, happy to.

A header with only a time (Otter's layout when it could not tell speakers apart)
continues the previous speaker's turn. The footer "Transcribed by
https://otter.ai" is dropped.
"""

from __future__ import annotations

import os
import re

from tcoder.errors import Problem, TcoderError
from tcoder.importers.model import Cue, parse_clock

_HEADER = re.compile(
    r"[ \t]*(?:(?P<name>\S.*?)(?:[ \t]{2,}|\t))?(?P<time>\d+:\d{2}:\d{2}|\d{1,2}:\d{2})[ \t]*")
_FOOTER = re.compile(r"[ \t]*transcribed by[ \t]+https?://otter\.ai/?[ \t]*", re.IGNORECASE)


def header(line: str) -> tuple[str | None, float] | None:
    """``"Jane Doe  0:03"`` -> ``("Jane Doe", 3.0)``; ``"0:15"`` -> ``(None, 15.0)``; else None."""
    m = _HEADER.fullmatch(line)
    if not m:
        return None
    return (m["name"].strip() if m["name"] else None), parse_clock(m["time"]) or 0.0


def looks_like_otter(text: str) -> bool:
    first = next((line for line in text.split("\n") if line.strip()), "")
    return header(first) is not None


def parse_otter(text: str, path: str | os.PathLike[str] | None = None) -> list[Cue]:
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or header(lines[first]) is None:
        shown = lines[first].strip()[:60] if first is not None else ""
        raise TcoderError(Problem(
            f"not an Otter-style transcript: the first line should be a speaker, two spaces and a time, like "
            f"'Jane Doe  0:03', found {shown!r}. A transcript that already has 'Name: text' turns needs no "
            "import: put the .txt file in the study folder as it is.", path, (first or 0) + 1))
    cues: list[Cue] = []
    for i, line in enumerate(lines):
        if not line.strip() or _FOOTER.fullmatch(line):
            continue
        found = header(line)
        if found:
            speaker, start = found
            cues.append(Cue("", speaker, start, new_paragraph=True, line=i + 1))
        else:
            cues.append(Cue(line, None, None, new_paragraph=True, line=i + 1))
    return cues

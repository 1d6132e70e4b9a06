"""The canonical transcript an import writes, and the check that it reads back right.

Layout: one block per turn, ``Name: text`` (``[hh:mm:ss] Name: text`` with
timestamps), further paragraphs of the turn on their own lines, a blank line
between turns, LF newlines, a final newline.
"""

from __future__ import annotations

import os

from tcoder.errors import Problem, TcoderError
from tcoder.importers.model import Turn, format_clock
from tcoder.numbers import plural
from tcoder.transcript import compile_speaker_pattern, find_turns

_SPEAKER_PATTERN = compile_speaker_pattern(None)


def reads_as_label(line: str) -> bool:
    """Would tcoder take this line as the start of a new turn?"""
    return _SPEAKER_PATTERN.match(line) is not None


def render_transcript(turns: list[Turn], timestamps: bool = False) -> str:
    blocks = []
    for turn in turns:
        lines: list[str] = []
        if turn.speaker is not None:
            stamp = f"[{format_clock(turn.start)}] " if timestamps and turn.start is not None else ""
            lines.append(f"{stamp}{turn.speaker}: {turn.paragraphs[0]}")
            rest = turn.paragraphs[1:]
        else:
            rest = turn.paragraphs
        for paragraph in rest:
            lines.append(paragraph)
            # A paragraph such as "One thing: ..." on a line of its own would be
            # read as a new speaker: it goes on the line before (and so on, as
            # long as the joined line still reads as a label).
            while len(lines) > 1 and reads_as_label(lines[-1]):
                last = lines.pop()
                lines[-1] += " " + last
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def check_reads_back(text: str, turns: list[Turn], timestamps: bool,
                     source: str | os.PathLike[str] | None = None) -> None:
    """Raise unless ``text`` parses (default speaker pattern) into exactly ``turns``:
    the same speakers, times and words, in the same order."""
    found = find_turns(text)
    for i, (want, got) in enumerate(zip(turns, found, strict=False)):
        stamp = format_clock(want.start) if timestamps and want.speaker and want.start is not None else None
        words = text[got.body_start:got.end].split()
        if got.speaker != want.speaker or got.timestamp != stamp or words != want.text.split():
            shown = text[got.start:].split("\n", 1)[0][:60]
            raise TcoderError(Problem(
                f"the converted text would not read back as written: turn {i + 1} "
                f"({_who(want.speaker)}) would be read as {_who(got.speaker)} from {shown!r}. "
                "Nothing was written; edit the "
                "source so that this passage does not look like a speaker label.", source))
    if len(found) != len(turns):
        raise TcoderError(Problem(
            f"the converted text would read back as {plural(len(found), 'turn')} instead of {len(turns)}; "
            "nothing was written", source))


def _who(speaker: str | None) -> str:
    return f"speaker {speaker!r}" if speaker else "text without a speaker"

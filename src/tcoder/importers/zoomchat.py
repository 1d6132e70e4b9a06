"""Zoom's saved meeting chat (``meeting_saved_chat.txt``, ``...newChat.txt``).

Two layouts, as Zoom has written them over the years::

    00:05:16	Ryan Sloan:	Let's try to stay muted unless speaking up
    10:02:33 From  Ana Lima : Thanks everyone!
    10:02:40 From Ana Lima to Ben Cho (Direct Message) : see you after

Each message becomes a line of its sender's turn, with its time; a line that does
not start a message (a message of several lines) continues the message before.
Reactions and replies ("Reacted to ... with 👍") are kept as Zoom wrote them. A
message sent to someone rather than to everyone is marked ``(to NAME)``.
"""

from __future__ import annotations

import os
import re

from tcoder.errors import Problem, TcoderError
from tcoder.importers.model import Cue, parse_clock

_NEW = re.compile(r"(?P<time>\d{1,2}:\d{2}:\d{2})\t(?P<name>[^\t]+?):\t?(?P<text>.*)")
_OLD = re.compile(r"(?P<time>\d{1,2}:\d{2}:\d{2})[ \t]+From[ \t]+(?P<name>.+?)"
                  r"(?:[ \t]+to[ \t]+(?P<to>.+?))?[ \t]*:[ \t]?(?P<text>.*)")
_EVERYONE = re.compile(r"everyone", re.IGNORECASE)


def _message(line: str) -> re.Match[str] | None:
    return _NEW.fullmatch(line) or _OLD.fullmatch(line)


def looks_like_zoom_chat(text: str) -> bool:
    first = next((line for line in text.split("\n", 50)[:50] if line.strip()), "")
    return _message(first.rstrip("\r")) is not None


def parse_zoom_chat(text: str, path: str | os.PathLike[str] | None = None) -> list[Cue]:
    cues: list[Cue] = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        m = _message(line)
        if m is None:
            if not cues:
                raise TcoderError(Problem(
                    "not a Zoom chat: the first line should be a message such as '00:05:16<TAB>Name:<TAB>text' or "
                    f"'10:02:33 From Name : text', found {line.strip()[:60]!r}", path, number))
            cues.append(Cue(line.strip(), None, None, new_paragraph=True, line=number))
            continue
        message = m["text"].strip()
        to = m.groupdict().get("to")
        if to and not _EVERYONE.fullmatch(to.strip()):
            message = f"(to {to.strip()}) {message}"
        cues.append(Cue(message, m["name"].strip(), parse_clock(m["time"]), new_paragraph=True, line=number))
    if not cues:
        raise TcoderError(Problem("the chat has no messages", path))
    return cues

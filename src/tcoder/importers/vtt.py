"""WebVTT captions as Zoom and Microsoft Teams write them.

Zoom puts the speaker in the cue text (``Ayesha Khan: Thanks for joining.``);
Teams uses voice spans (``<v Ayesha Khan>Thanks for joining.</v>``). Both are
read, as are cue identifiers, cue settings, NOTE/STYLE/REGION blocks (skipped),
other tags such as ``<c.yellow>``, ``<i>`` and inline ``<00:00:01.500>`` times
(removed) and HTML character references (unescaped).

A small parser rather than webvtt-py: it reports the line of a malformed cue,
takes text already decoded by tcoder's own decoder (so BOMs, UTF-16 and legacy
encodings behave as for every transcript), keeps every voice of a cue with
several ``<v>`` spans, and tolerates the missing blank lines some exporters
leave, where webvtt-py stops with a generic "invalid format".
"""

from __future__ import annotations

import html
import os
import re

from tcoder.errors import Problem, TcoderError
from tcoder.importers.model import Cue, parse_clock, split_label

_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"[ \t]*(?P<start>{_TIME})[ \t]+-->[ \t]+(?P<end>{_TIME})(?:[ \t].*)?")
_IDENTIFIER = re.compile(r"\d+|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27,}(?:/\d+-\d+)?")
_NOT_A_CUE = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?>|</v>")
# Only WebVTT's own tags (and inline times) are removed: a stray "<" in a
# badly escaped caption stays text rather than eating the words after it.
_TAG = re.compile(r"</?(?:c|i|b|u|ruby|rt|lang)(?:\.[^\s>]*)?(?:[ \t][^>]*)?>|<(?:\d+:)?\d{2}:\d{2}\.\d{3}>")


def looks_like_vtt(text: str) -> bool:
    return _HEADER.fullmatch(text.split("\n", 1)[0]) is not None


def parse_vtt(text: str, path: str | os.PathLike[str] | None = None) -> list[Cue]:
    lines = text.split("\n")
    if not looks_like_vtt(text):
        found = lines[0].strip()[:40]
        raise TcoderError(Problem(
            "not a WebVTT file: the first line must be WEBVTT"
            + (f", found {found!r}" if found else ", found an empty line")
            + ". (A numbered SubRip file would be .srt.)", path, 1))
    i = 1
    while i < len(lines) and lines[i].strip() and "-->" not in lines[i]:
        i += 1  # header metadata such as "Kind: captions"
    cues: list[Cue] = []
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        block_line = i
        if _NOT_A_CUE.fullmatch(lines[i]):
            while i < len(lines) and lines[i].strip():
                i += 1
            continue
        if "-->" not in lines[i]:
            i += 1  # a cue identifier
        timing = _TIMING.fullmatch(lines[i]) if i < len(lines) else None
        if timing is None:
            shown = (repr(lines[i].strip()[:60]) if i < len(lines) and lines[i].strip()
                     else "an empty line" if i < len(lines) else "the end of the file")
            raise TcoderError(Problem(
                f"expected a cue timing line such as '00:00:01.000 --> 00:00:04.000', found {shown}",
                path, i + 1 if i < len(lines) else block_line + 1))
        start = parse_clock(timing["start"])
        i += 1
        payload: list[str] = []
        # A cue ends at a blank line or, when an exporter left the blank line
        # out, at the next timing line (whose identifier, if any, is taken back).
        while i < len(lines) and lines[i].strip() and "-->" not in lines[i]:
            payload.append(lines[i])
            i += 1
        if i < len(lines) and "-->" in lines[i] and payload and _IDENTIFIER.fullmatch(payload[-1].strip()):
            payload.pop()
            i -= 1
        cues.extend(_payload_cues("\n".join(payload), start, block_line + 1))
    if not cues:
        raise TcoderError(Problem("no cues found: a WebVTT cue is a timing line such as "
                                  "'00:00:01.000 --> 00:00:04.000' followed by its text", path))
    return cues


def _payload_cues(payload: str, start: float | None, line: int) -> list[Cue]:
    """One cue per voice span; text outside voice spans may name its speaker with a ``Name:`` label."""
    cues = []
    voice: str | None = None
    tagged = False
    pos = 0
    for m in [*_VOICE.finditer(payload), None]:
        raw = payload[pos:m.start() if m else len(payload)]
        text = html.unescape(_TAG.sub("", raw)).strip()
        if not tagged and text:
            # Zoom's "Name: text"; text after a closing </v> has no speaker of its own
            whole = text
            label, _, text = split_label(text) if pos == 0 else (None, None, text)
            cues.append(Cue(text, label, start, line=line, labelled=whole if label is not None else None))
        elif tagged and (text or voice):  # an empty voice span still says who speaks next
            if voice and voice.startswith("//"):  # noScribe's overlapping speech: the mark stays in the text
                voice, text = voice.lstrip("/").strip() or None, "//" + text
            cues.append(Cue(text, voice, start, line=line))
        if m is not None:
            tagged = m.group(0) != "</v>"
            voice = (html.unescape(m["name"] or "").strip() or None) if tagged else None
            pos = m.end()
    return cues

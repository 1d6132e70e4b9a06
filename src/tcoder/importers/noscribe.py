"""noScribe's transcripts (.html), with speakers and times.

noScribe (an open-source Whisper and pyannote front end much used in qualitative
research) writes its transcript as HTML: one ``<p>`` per speaker turn, its segments
as ``<a name="ts_START_END_SPEAKER">`` anchors (times in milliseconds, speaker such as
``S01``), the text starting with ``S01:`` and, when timestamps were on, a
``[00:01:02]`` after it. Overlapping speech is marked inline (``//S02: Yes. //``)
and kept as it is. The title and the "Transcribed with noScribe" note at the top come
in as text without a speaker.

A turn's time is its first segment's start. Where noScribe wrote its own timestamp
after the speaker, that timestamp stays in the text and ``--timestamps`` adds none.
noScribe's .vtt export is read by the WebVTT importer and its .txt export is already a
``Name: text`` transcript.
"""

from __future__ import annotations

import html
import os
import re
from html.parser import HTMLParser

from tcoder.errors import Problem, TcoderError
from tcoder.importers.model import Cue, normalise_space

_ANCHOR = re.compile(r"ts_(\d+)_(\d+)_(.*)")
_INLINE_TIME = re.compile(r"\[\d{1,2}:\d{2}:\d{2}\]")


def looks_like_noscribe(text: str) -> bool:
    return '<a name="ts_' in text or "<a name='ts_" in text


class _Paragraphs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_body = False
        self.paragraphs: list[dict] = []
        self.current: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        elif not self.in_body:
            return
        elif tag == "p":
            self.current = {"text": "", "anchors": []}
            self.paragraphs.append(self.current)
        elif tag == "br" and self.current is not None:
            self.current["text"] += "\n"
        elif tag == "a" and self.current is not None:
            name = dict(attrs).get("name") or ""
            m = _ANCHOR.fullmatch(name)
            if m:
                self.current["anchors"].append((int(m.group(1)), m.group(3).lstrip("/")))
                text = self.current["text"]
                if text and not text[-1].isspace():  # segments are words apart, as in noScribe's .txt
                    self.current["text"] += " "

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.in_body and self.current is not None:
            self.current["text"] += data


def parse_noscribe(text: str, path: str | os.PathLike[str] | None = None) -> list[Cue]:
    parser = _Paragraphs()
    try:
        parser.feed(text)
        parser.close()
    except (ValueError, AssertionError) as exc:
        raise TcoderError(Problem(f"cannot read this HTML ({exc})", path)) from None
    if not any(p["anchors"] for p in parser.paragraphs):
        raise TcoderError(Problem("an HTML file that is not a noScribe transcript (no 'ts_' segment anchors); "
                                  "save the transcript as .docx or text instead", path))
    cues: list[Cue] = []
    for paragraph in parser.paragraphs:
        words = html.unescape(paragraph["text"])
        lines = [normalise_space(line) for line in words.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        speakers = [s for _, s in paragraph["anchors"] if s]
        speaker = speakers[0] if speakers else None
        start = paragraph["anchors"][0][0] / 1000 if paragraph["anchors"] else None
        first = lines[0]
        if speaker and first.startswith(f"{speaker}:"):  # the label becomes the turn's speaker
            first = first[len(speaker) + 1:].strip()
        elif speaker:  # a paragraph that does not name its speaker continues the turn before
            speaker = None
        if _INLINE_TIME.match(first):
            start = None  # noScribe's own timestamp stays in the text
        cues.append(Cue(first, speaker, start, new_paragraph=True))
        cues.extend(Cue(line, None, None, new_paragraph=True) for line in lines[1:])
    return cues

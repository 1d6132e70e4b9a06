"""Segment units of a transcript as offset ranges (docs/formats.md#speaker-turns-and-segment-units).

``char``: every character; ``word``: runs of non-white space; ``line``: lines
with non-white space (without the newline); ``sentence``: sentences inside
turns (speaker labels excluded); ``turn``: speaker turns with any non-white
space, trailing blank lines trimmed. Every range is ``(start, end)`` with
``end`` exclusive, sorted and non-overlapping.
"""

from __future__ import annotations

import re
from typing import Literal

from tcoder.transcript import Transcript

Unit = Literal["char", "word", "line", "sentence", "turn"]
SEGMENT_UNITS: tuple[Unit, ...] = ("char", "word", "line", "sentence", "turn")
Span = tuple[int, int]



def trim_span(text: str, start: int, end: int) -> Span:
    """[start, end) without white space at either end, as coding trims a selection;
    reversed bounds are put in order and the span is clipped to the text. An empty
    result (start == end) means the span held only white space."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_WORD = re.compile(r"\S+")
_LINE = re.compile(r"^[^\n]*\S[^\n]*$", re.MULTILINE)

# A sentence ends at ., ! or ? (or an ellipsis), possibly followed by closing
# quotes or brackets, then white space; or at a line break.
SENTENCE_TERMINATORS = ".!?\u2026"
SENTENCE_CLOSERS = "\"'\u201d\u2019)]"
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_TERMINATORS)}]+[{re.escape(SENTENCE_CLOSERS)}]*(?=\\s|$)|\n")
_ABBREVIATIONS = frozenset(
    "dr mr mrs ms mx prof st vs e.g i.e cf approx dept fig jr sr mt ft ca al".split()
)
#: Opening quotes and brackets before an abbreviation ("(e.g.") are not part of it.
OPENERS = "(\"'\u201c\u2018"
#: The longest abbreviation: a longer token before a full stop is never one.
LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))


def word_spans(text: str) -> list[Span]:
    return [m.span() for m in _WORD.finditer(text)]


def line_spans(text: str) -> list[Span]:
    return [_trim(text, *m.span()) for m in _LINE.finditer(text)]


def turn_spans(transcript: Transcript) -> list[Span]:
    text = transcript.text
    spans = []
    for turn in transcript.turns:
        start, end = _trim(text, turn.start, turn.end)
        if start < end:
            spans.append((start, end))
    return spans


def sentence_spans(transcript: Transcript) -> list[Span]:
    text = transcript.text
    spans: list[Span] = []
    for turn in transcript.turns:
        spans.extend(sentences_in(text, turn.body_start, turn.end))
    return spans


def sentences_in(text: str, start: int, end: int) -> list[Span]:
    """Sentences in ``text[start:end]``, trimmed of surrounding white space."""
    spans: list[Span] = []
    begin = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.group() != "\n" and _is_abbreviation(text, begin, m.start()):
            continue
        cut = m.end() if m.group() != "\n" else m.start()
        s, e = _trim(text, begin, cut)
        if s < e:
            spans.append((s, e))
        begin = m.end()
    s, e = _trim(text, begin, end)
    if s < e:
        spans.append((s, e))
    return spans


def _is_abbreviation(text: str, begin: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    # Walk back over the token before the dot (a backward regex search from
    # ``begin`` would rescan the whole sentence for every full stop).
    first = dot
    while first > begin and not text[first - 1].isspace():
        first -= 1
    if first == dot:
        return False
    return is_abbreviation(text[first:dot])


def is_abbreviation(token: str) -> bool:
    """Whether the token before a full stop (the non-white-space run ending there) makes it no
    sentence end: single initials ("J. Smith") and known abbreviations ("e.g.", "Dr.").
    tcoder.agreement.sentences asks only about tokens this could accept (at most
    LONGEST_ABBREVIATION long, or starting with one of OPENERS): a rule accepting others
    changes that filter too (tests/agreement/test_sentence_arrays.py compares the two)."""
    token = token.lstrip(OPENERS).lower()
    return (len(token) == 1 and token.isalpha()) or token in _ABBREVIATIONS


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def unit_spans(transcript: Transcript, unit: Unit) -> list[Span]:
    """The units of one kind, in text order."""
    if unit == "char":
        return [(i, i + 1) for i in range(len(transcript.text))]
    if unit == "word":
        return word_spans(transcript.text)
    if unit == "line":
        return line_spans(transcript.text)
    if unit == "sentence":
        return sentence_spans(transcript)
    if unit == "turn":
        return turn_spans(transcript)
    raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(SEGMENT_UNITS)}")

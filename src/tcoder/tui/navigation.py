"""Where word, sentence and turn jumps land: plain functions of the transcript text.

Words are runs of non-white space and sentences are those of
:func:`tcoder.segments.sentences_in` inside each turn, the same units the
agreement measures use, so what a coder selects with these keys is a unit.
"""

from __future__ import annotations

import bisect

from tcoder.segments import Span, sentences_in, trim_span
from tcoder.transcript import Transcript, Turn


class Navigator:
    """Jumps over one transcript; sentence lists are built per turn when first needed."""

    def __init__(self, transcript: Transcript):
        self.transcript = transcript
        self.text = transcript.text
        self._turn_starts = [t.start for t in transcript.turns]
        self._sentences: dict[int, list[Span]] = {}

    # ------------------------------------------------------------ words

    def word_right(self, offset: int) -> int:
        """The end of the word at or after ``offset``."""
        text, n = self.text, len(self.text)
        while offset < n and text[offset].isspace():
            offset += 1
        while offset < n and not text[offset].isspace():
            offset += 1
        return offset

    def word_left(self, offset: int) -> int:
        """The start of the word before ``offset``."""
        text = self.text
        while offset > 0 and text[offset - 1].isspace():
            offset -= 1
        while offset > 0 and not text[offset - 1].isspace():
            offset -= 1
        return offset

    # ------------------------------------------------------------ turns

    def turn_index(self, offset: int) -> int:
        """The index of the turn holding ``offset`` (the one before it in a gap; -1 before the first)."""
        return bisect.bisect_right(self._turn_starts, offset) - 1

    def turn_body(self, turn: Turn) -> Span:
        """The turn's text without its label and surrounding white space."""
        return trim_span(self.text, turn.body_start, turn.end)

    def turn_at(self, offset: int) -> Turn | None:
        i = self.turn_index(offset)
        return self.transcript.turns[i] if i >= 0 else None

    def next_turn(self, offset: int) -> int:
        turns = self.transcript.turns
        i = self.turn_index(offset)
        if i >= 0 and offset < self.turn_body(turns[i])[0]:
            return self.turn_body(turns[i])[0]
        for turn in turns[i + 1:]:
            start, end = self.turn_body(turn)
            if start < end:
                return start
        return len(self.text)

    def previous_turn(self, offset: int) -> int:
        turns = self.transcript.turns
        i = self.turn_index(offset)
        while i >= 0:
            start, end = self.turn_body(turns[i])
            if start < end and start < offset:
                return start
            i -= 1
        return 0

    # ------------------------------------------------------------ sentences

    def sentences_of(self, turn_index: int) -> list[Span]:
        spans = self._sentences.get(turn_index)
        if spans is None:
            turn = self.transcript.turns[turn_index]
            spans = self._sentences[turn_index] = sentences_in(self.text, turn.body_start, turn.end)
        return spans

    def sentence_at(self, offset: int) -> Span | None:
        """The sentence holding ``offset``, else the next one in the same turn, else the previous one."""
        i = self.turn_index(offset)
        if i < 0:
            return self._first_sentence_from(0)
        spans = self.sentences_of(i)
        for start, end in spans:
            if offset < end:
                return (start, end)
        if spans:
            return spans[-1]
        return self._first_sentence_from(i + 1)

    def _first_sentence_from(self, turn_index: int) -> Span | None:
        for i in range(max(0, turn_index), len(self.transcript.turns)):
            spans = self.sentences_of(i)
            if spans:
                return spans[0]
        return None

    def next_sentence(self, offset: int) -> int:
        """The start of the first sentence that begins after ``offset``."""
        turns = self.transcript.turns
        for i in range(max(0, self.turn_index(offset)), len(turns)):
            for start, _ in self.sentences_of(i):
                if start > offset:
                    return start
        return len(self.text)

    def previous_sentence(self, offset: int) -> int:
        """The start of the last sentence that begins before ``offset``."""
        for i in range(self.turn_index(offset), -1, -1):
            for start, _ in reversed(self.sentences_of(i)):
                if start < offset:
                    return start
        return 0

    def sentence_after(self, span: Span) -> Span | None:
        """The sentence following ``span`` (to grow a selection sentence by sentence)."""
        start = self.next_sentence(span[1] - 1 if span[1] > span[0] else span[0])
        if start >= len(self.text):
            return None
        return self.sentence_at(start)

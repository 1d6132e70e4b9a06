"""Sentence units found with arrays are those of tcoder.segments, turn by turn."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tcoder.agreement.sentences import sentence_bounds
from tcoder.agreement.units import unit_boundaries
from tcoder.segments import sentence_spans, sentences_in
from tcoder.transcript import Transcript, compile_speaker_pattern

# Pieces that meet every branch of the rule: labels, terminator runs, closers, abbreviations
# and initials (with openers before them), line breaks, other white space, wide characters.
PIECES = ["A: ", "Bob: ", "\nA: ", "\nInterviewer: ", "e.g.", "Dr.", " J.", "(e.g.", "\u201cMr.", "Approx.",
          "İ.", "a.b.", "i.e", ".", "..", "!", "?", "\u2026", '"', "'", "\u201d", "\u2019", ")", "]", "[", "(",
          " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\x1c", "word", "x", "ab", "é",
          "\U0001f600"]


def _same(text: str, pattern: str | None = None) -> None:
    transcript = Transcript(text, speaker_pattern=compile_speaker_pattern(pattern))
    bounds, per_turn = sentence_bounds(text, transcript.turns)
    assert [tuple(b) for b in bounds.tolist()] == sentence_spans(transcript)
    assert per_turn.tolist() == [len(sentences_in(text, t.body_start, t.end)) for t in transcript.turns]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_the_same_sentences_as_the_rule(pieces):
    _same("".join(pieces))


def test_the_same_sentences_on_many_random_texts():
    rng = random.Random(19)
    for _ in range(3000):
        _same("".join(rng.choice(PIECES) for _ in range(rng.randint(0, 60))))


def test_labels_without_space_and_turns_that_touch():
    # A label pattern that can match nothing makes a body begin where the previous one ends.
    for text in ("A:Hi. B:Yes.\nA:e.g. No!", "x. y.\n\nA:...\nB:\u2026\"", "Q: J. Smith?) no.\nQ:\u201cDr. X.\u201d"):
        _same(text)
        _same(text, r"^(?P<speaker>[A-Z]?):?")
    # Labels that begin with a closing quote, anywhere on a line: a sentence's closers stop at the turn's end.
    for text in ("'A': Hi.'B': Yes.' 'A': No!''B': e.g.'A': x", "'A': \u2026)'B': ok"):
        _same(text, r"'(?P<speaker>\w+)': ")


def test_a_realistic_transcript():
    text = ("Interviewer: So, Dr. Khan said what? Tell me.\n\n"
            "Amara: Well... it started in 2019. J. Smith ran the clinic!\n"
            "We met at 3.30 every week. (e.g. Mondays.) \"Fine,\" she said.' Then?\n")
    _same(text)
    found = unit_boundaries(Transcript(text), "sentence")
    assert [text[s:e] for s, e in found.tolist()][:3] == ["So, Dr. Khan said what?", "Tell me.", "Well..."]


def test_no_turns_no_sentences():
    bounds, per_turn = sentence_bounds("", [])
    assert bounds.shape == (0, 2) and per_turn.shape == (0,)
    assert re.fullmatch(r"\s*", "   \n ") and sentence_bounds("   \n ", Transcript("   \n ").turns)[0].shape == (0, 2)

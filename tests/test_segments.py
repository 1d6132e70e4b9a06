"""Segment units as offset ranges."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcoder.segments import SEGMENT_UNITS, line_spans, sentences_in, unit_spans, word_spans
from tcoder.transcript import Transcript

TEXT = ("Interviewer: So, Dr. Khan said what? Tell me.\n\n"
        "Amara: Well... it started in 2019. J. Smith ran the clinic!\n"
        "We met at 3.30 every week.\n")


def _texts(text, spans):
    return [text[s:e] for s, e in spans]


def test_words():
    assert _texts("  a bc\tdef\n", word_spans("  a bc\tdef\n")) == ["a", "bc", "def"]


def test_lines_skip_blank_ones_and_exclude_the_newline():
    text = "one\n\n   \n two \n"
    assert _texts(text, line_spans(text)) == ["one", "two"]


def test_sentences_are_inside_turns_and_skip_labels_and_abbreviations():
    t = Transcript(TEXT)
    assert _texts(TEXT, unit_spans(t, "sentence")) == [
        "So, Dr. Khan said what?",
        "Tell me.",
        "Well...",
        "it started in 2019.",
        "J. Smith ran the clinic!",
        "We met at 3.30 every week.",
    ]


def test_closing_quotes_stay_with_their_sentence():
    text = 'She said "stop." Then left.'
    assert _texts(text, sentences_in(text, 0, len(text))) == ['She said "stop."', "Then left."]


def test_turns_are_trimmed():
    t = Transcript(TEXT)
    turns = _texts(TEXT, unit_spans(t, "turn"))
    assert turns[0] == "Interviewer: So, Dr. Khan said what? Tell me."
    assert turns[1].startswith("Amara:") and turns[1].endswith("every week.")


def test_chars_cover_every_character():
    t = Transcript("ab \n")
    assert unit_spans(t, "char") == [(0, 1), (1, 2), (2, 3), (3, 4)]


def test_unknown_unit():
    with pytest.raises(ValueError, match="unknown unit"):
        unit_spans(Transcript("x"), "paragraph")  # type: ignore[arg-type]


_WORDS = st.lists(st.sampled_from(["Interviewer:", "P1:", "we", "went.", "Dr.", "why?", "yes!", "\n", "\n\n",
                                   "  ", "ok", "A.", "\u2026", '"quote."']), max_size=60)


@settings(max_examples=150, deadline=None)
@given(words=_WORDS, unit=st.sampled_from(SEGMENT_UNITS))
def test_units_are_sorted_disjoint_and_never_start_or_end_with_white_space(words, unit):
    text = " ".join(words)
    spans = unit_spans(Transcript(text), unit)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        if unit != "char":
            assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end

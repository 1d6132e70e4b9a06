"""One-line quotes for messages and lists, and the other small rules kept in one place."""

from __future__ import annotations

import pytest

from tcoder.codebook import parse_codebook
from tcoder.quotes import one_line, shorten
from tcoder.segments import trim_span


def test_one_line_joins_every_kind_of_white_space():
    assert one_line("  I saw\n\nhow she\twas  treated ") == "I saw how she was treated"


@pytest.mark.parametrize("text, width, middle, shown", [
    ("short enough", 20, False, "short enough"),
    ("abcdefghij", 10, False, "abcdefghij"),
    ("abcdefghijk", 10, False, "abcdefghi\u2026"),
    ("the start and the end", 11, True, "the s\u2026e end"),
    ("word word word word", 9, True, "word\u2026word"),  # no space left beside the ellipsis
])
def test_shorten_keeps_within_the_width(text, width, middle, shown):
    assert shorten(text, width, middle=middle) == shown
    assert len(shorten(text, width, middle=middle)) <= width


@pytest.mark.parametrize("span, trimmed", [
    ((0, 14), (2, 11)),
    ((14, 0), (2, 11)),  # reversed
    ((-5, 99), (2, 11)),  # beyond the text
    ((0, 2), (2, 2)),  # white space only: empty
])
def test_trim_span_takes_white_space_off_both_ends(span, trimmed):
    assert trim_span("  I saw her \n ", *span) == trimmed


def test_display_name_falls_back_to_the_id():
    codebook = parse_codebook("codes:\n  - {id: personal, name: Personal experience}\n", "codebook.yaml")
    assert codebook.display_name("personal") == "Personal experience"
    assert codebook.display_name("gone") == "gone"

"""Soft wrap and the text that may reach the terminal: plain functions, no terminal."""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from tcoder.tui.wrap import WrapIndex, inert, wrap_line


def test_inert_replaces_controls_one_for_one():
    raw = "a\x1b[31mred\x07\tb\x00\x7f\x9b\u202e\u2028z"
    shown = inert(raw)
    assert len(shown) == len(raw)
    assert shown == "a\u241b[31mred\u2407 b\u2400\u2421\u2426\u2426\u2426z"
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) < 0xA0 for c in shown)


def test_rows_break_after_spaces_and_fit_the_width():
    text = "Interviewer: " + "word " * 40
    rows = wrap_line(text, 0, len(text), 30)
    for start, end in zip(rows, rows[1:] + [len(text)], strict=True):
        assert end - start <= 30
        if end < len(text):
            assert text[end - 1] == " "


def test_a_word_longer_than_the_width_is_cut():
    text = "x" * 95
    assert wrap_line(text, 0, 95, 40) == [0, 40, 80]


def test_index_rows_cover_the_text_and_map_offsets_back():
    rng = random.Random(2)
    words = ["a", "clinic", "grandmother", "\u65e5\u672c", "caf\u00e9", "x" * 50]
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 40))) for _ in range(60)]
    text = "\n".join(lines)
    index = WrapIndex(text, 37)
    assert index.starts[0] == 0
    for r in range(len(index)):
        assert index.starts[r] <= index.ends[r]
        assert cell_len(inert(text[index.starts[r]:index.ends[r]])) <= 37
        if not index.is_last_row_of_line(r):
            assert index.ends[r] == index.starts[r + 1]
    for offset in range(0, len(text), 7):
        row = index.row_of(offset)
        assert index.starts[row] <= offset <= index.ends[row]
        assert index.offset_at(row, index.column_of(offset)) == offset or text[offset] == "\n"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab c\u00e9\u65e5\n\t\x1b"), max_size=300), st.integers(3, 50))
@example("aaaa a\u65e5\u65e5", 4)  # a wide character after a break at a space
def test_wrap_never_loses_or_overlaps_text(text, width):
    index = WrapIndex(text, width)
    covered = []
    for r in range(len(index)):
        covered.append(text[index.starts[r]:index.ends[r]])
    assert "".join(covered) == text.replace("\n", "")
    for r in range(len(index)):
        assert cell_len(inert(text[index.starts[r]:index.ends[r]])) <= width


def test_wrapping_a_megabyte_is_quick():
    import time

    text = ("Amara: " + "so we kept going, week after week. " * 60 + "\n\n") * 470  # about 1 MB
    started = time.perf_counter()
    index = WrapIndex(text, 100)
    assert time.perf_counter() - started < 1.0  # a guard; benchmarks/tui.py measures the real figures
    assert len(index) > 9000


def test_a_resize_back_reuses_the_wrap_and_every_width_wraps_as_from_scratch():
    from tcoder.tui.wrap import wrap_index

    rng = random.Random(5)
    words = ["a", "clinic", "\u65e5\u672c", "caf\u00e9", "tab\there", "esc\x1b[31m", "\u201cquoted\u201d"]
    text = "\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(0, 30))) for _ in range(80))
    first = wrap_index(text, 40)
    assert wrap_index(text, 40) is first
    for width in (41, 17, 40, 60):
        index = wrap_index(text, width)
        fresh = WrapIndex("".join(list(text)), width)  # another string: nothing cached for it
        assert (index.starts, index.ends, index.line_of_row) == (fresh.starts, fresh.ends, fresh.line_of_row)
    assert wrap_index(text, 40) is first  # back to a width seen before: not wrapped again
    assert wrap_index(text + "!", 40) is not first  # another text


def _lines_text(seed: int, lines: int = 300) -> str:
    rng = random.Random(seed)
    words = ["a", "clinic", "grandmother", "\u65e5\u672c\u8a9e", "caf\u00e9", "\U0001f600", "x" * 70, "\t", "\x1b[1m"]
    return "\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(0, 60))) for _ in range(lines))


def _line_starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]


def test_rows_wrapped_around_a_place_are_those_of_the_whole_text():
    """A wrap of the lines around an offset (the rest one row per line) has, for the lines it
    wraps, exactly the rows of the whole text's wrap; every other line is one row."""
    for seed in range(6):
        text = _lines_text(seed)
        starts = _line_starts(text)
        for width in (9, 23, 60):
            whole = WrapIndex(text, width, starts)
            rng = random.Random(seed * 100 + width)
            for _ in range(5):
                offset = rng.randrange(len(text) + 1)
                part = WrapIndex.around(text, width, starts, offset, rng.randint(0, 40), rng.randint(1, 60))
                first, last = part.exact_lines
                assert first <= part.line_of_row[part.row_of(offset)] < last
                exact = [(s, e, n) for s, e, n in zip(part.starts, part.ends, part.line_of_row, strict=True)
                         if first <= n < last]
                assert exact == [(s, e, n) for s, e, n in zip(whole.starts, whole.ends, whole.line_of_row,
                                                              strict=True) if first <= n < last]
                rough = [n for n in part.line_of_row if not first <= n < last]
                assert rough == [n for n in range(len(starts)) if not first <= n < last]
                assert len(set(part.line_of_row)) == len(starts)  # every line has its row(s)
                assert part.is_exact(part.row_of(offset), part.row_of(offset))


def test_wrapping_in_steps_gives_the_whole_wrap_and_keeps_it():
    from tcoder.tui.wrap import WrapBuilder, kept_wrap

    text = _lines_text(9, 2000)
    starts = _line_starts(text)
    builder = WrapBuilder(text, 31, starts)
    steps = 1
    while not builder.step(0.0):
        steps += 1
    assert steps > 10  # a few lines a step
    whole = WrapIndex(text, 31, starts)
    index = builder.index
    assert (index.starts, index.ends, index.line_of_row) == (whole.starts, whole.ends, whole.line_of_row)
    assert index.exact_lines is None and kept_wrap(text, 31) is index

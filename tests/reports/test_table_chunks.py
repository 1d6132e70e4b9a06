"""A long terminal table drawn a chunk of rows at a time is the same text as drawn at once."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from tcoder.reports.output import rich_table_chunks, rich_table_text

WORDS = ["we", "pushed", "the", "renal", "block", "résumé", "naïve", "日本語の文", "🙂🙂", "a" * 45,
         "interdisciplinary-curriculum-committee", "\u200b", "tab\there", "new\nline", "[bold]markup[/]", ""]


def frame(rows: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)

    def text(most: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, most)))

    return pd.DataFrame({
        "transcript": [f"interviews/P{rng.randint(1, 120):03d}.txt" for _ in range(rows)],
        "coder\nn": [rng.choice(["alice", "bob", "consensus", ""]) for _ in range(rows)],
        "speaker": [text(2) for _ in range(rows)],
        "start": [rng.randint(0, 10 ** rng.randint(1, 7)) for _ in range(rows)],
        "share": [rng.choice([rng.random() * 100, float("nan")]) for _ in range(rows)],
        "quote": [text(rng.choice([3, 12, 40])) for _ in range(rows)],
    })


@pytest.mark.parametrize("width", [80, 120, 160, 43])
@pytest.mark.parametrize("rows,chunk", [(1, 1), (7, 3), (30, 10), (31, 10), (64, 9)])
def test_chunks_join_to_the_table_drawn_at_once(width, rows, chunk):
    data = frame(rows, seed=rows * 1000 + width)
    whole = "".join(rich_table_chunks(data, "Coded segments (many)", width, {"share": 1}, chunk=10 ** 9))
    pieces = list(rich_table_chunks(data, "Coded segments (many)", width, {"share": 1}, chunk=chunk))
    assert len(pieces) == -(-rows // chunk)
    assert "".join(pieces) == whole
    assert whole.count("\n") > rows  # drawn: every row, the heads and the edges


def test_an_empty_table_and_one_without_a_title():
    empty = frame(0, seed=1)
    assert "".join(rich_table_chunks(empty, None, 100, chunk=2)) == rich_table_text(empty, None, 100)
    data = frame(25, seed=2)
    assert "".join(rich_table_chunks(data, None, 100, chunk=4)) == "".join(
        rich_table_chunks(data, None, 100, chunk=10 ** 9))


def test_a_stream_is_written_whole_to_a_file_and_piece_by_piece_to_a_pipe(tmp_path, capsys):
    from tcoder.reports.output import TextStream, write_stream

    data = frame(50, seed=3)
    whole = rich_table_text(data, "Coded segments (50)", 120) + "a note\n"
    target = tmp_path / "table.txt"
    write_stream(TextStream(rich_table_chunks(data, "Coded segments (50)", 120, chunk=7), "a note\n", page=True),
                 str(target))
    assert target.read_text("utf-8") == whole
    drawn: list[str] = []

    def pieces():
        for piece in rich_table_chunks(data, "Coded segments (50)", 120, chunk=7):
            drawn.append(piece)
            yield piece

    write_stream(TextStream(pieces(), "a note\n", page=True), None)  # standard output is not a terminal here
    assert capsys.readouterr().out == whole and len(drawn) == 8


def _rich_at_once(data: pd.DataFrame, title: str | None, width: int, decimals: dict[str, int] | None = None) -> str:
    """The table as Rich draws it from every cell, with nothing laid out by tcoder."""
    from rich.text import Text

    from tcoder.reports.output import _decimals, _draw, cell
    from tcoder.textsafe import inert, inert_lines

    places = _decimals(data, decimals)
    heads = [Text(inert_lines(str(c))) for c in data.columns]
    justify = ["right" if pd.api.types.is_numeric_dtype(data[c]) else "left" for c in data.columns]
    body = [[Text(inert(cell(v, d))) for v, d in zip(row, places, strict=True)] for row in data.itertuples(index=False)]
    return _draw(heads, justify, title, body, width)


def plain_frame(rows: int, seed: int) -> pd.DataFrame:
    """A table like report frequencies': indented names, whole numbers, shares, some missing."""
    rng = random.Random(seed)
    return pd.DataFrame({
        "code": [("  " * rng.randint(0, 2)) + rng.choice(["Theme 1", "Code 1.10", "x", "", "a b  c"])
                 for _ in range(rows)],
        "alice\nn": [rng.randint(0, 10 ** rng.randint(0, 5)) for _ in range(rows)],
        "coder": [rng.choice(["alice", "bob", "", "carol "]) for _ in range(rows)],
        "% cases": [rng.choice([round(rng.random() * 100, 1), 100.0, float("nan")]) for _ in range(rows)],
    })


@pytest.mark.parametrize("width", [80, 160, 30])
@pytest.mark.parametrize("rows", [0, 1, 2, 3, 5, 40, 199])
@pytest.mark.parametrize("make", [frame, plain_frame])
def test_rows_laid_out_without_rich_are_those_rich_draws(width, rows, make):
    data = make(rows, seed=rows * 7 + width)
    assert rich_table_text(data, "Code frequencies", width, {"share": 1}) == _rich_at_once(
        data, "Code frequencies", width, {"share": 1})
    assert rich_table_text(data, None, width) == _rich_at_once(data, None, width)

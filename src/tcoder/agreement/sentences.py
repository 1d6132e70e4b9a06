"""A transcript's sentence units as arrays, for agreement on large studies.

The rule is :func:`tcoder.segments.sentences_in`'s, applied to every turn at once
with array operations instead of a regular expression and a Python step per match
(the same bounds, in the same order: tests compare the two on real and random text).
Inside each turn's body, a sentence ends

- at a line break (cut before it), or
- after a run of terminators (``. ! ? …``) and the closing quotes or brackets right
  after it, when white space or the end of the turn follows; unless the run starts
  with a full stop that ends an abbreviation or an initial
  (:func:`tcoder.segments.is_abbreviation`).

Each sentence runs from the end of the previous one (or the start of the body) to its
end, trimmed of white space; empty ones are dropped, and what follows the last end in
a turn is its last sentence.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from tcoder.segments import LONGEST_ABBREVIATION, OPENERS, SENTENCE_CLOSERS, SENTENCE_TERMINATORS, is_abbreviation
from tcoder.transcript import Turn

#: Every character str.isspace (and so the regex \s) accepts is at most U+3000; the table
#: reaches past it and past every terminator and closer, its last entry standing for all above.
_TABLE_SIZE = max(0x3000, *map(ord, SENTENCE_TERMINATORS + SENTENCE_CLOSERS)) + 2
# Classes of characters, as bits.
SPACE, NEWLINE, TERMINATOR, CLOSER = 1, 2, 4, 8
_CLASSES: np.ndarray | None = None


def _classes() -> np.ndarray:
    """A class per code point up to the table's last entry, which stands for every code point above."""
    global _CLASSES
    if _CLASSES is None:
        table = np.zeros(_TABLE_SIZE, dtype=np.uint8)
        table[[c for c in range(_TABLE_SIZE - 1) if chr(c).isspace()]] = SPACE
        table[ord("\n")] |= NEWLINE
        table[[ord(c) for c in SENTENCE_TERMINATORS]] = TERMINATOR
        table[[ord(c) for c in SENTENCE_CLOSERS]] = CLOSER
        _CLASSES = table
    return _CLASSES


def code_points(text: str) -> np.ndarray:
    """The text's code points, one uint32 per character (as Python indexes the string)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def character_classes(codes: np.ndarray) -> np.ndarray:
    """For each code point: its class bits (white space, line break, terminator, closer), or 0."""
    return _classes()[np.minimum(codes, _TABLE_SIZE - 1)]


def runs(mask: np.ndarray) -> np.ndarray:
    """The maximal runs of True in ``mask`` as an (n, 2) array of [start, end)."""
    edges = np.diff(np.concatenate(([False], mask, [False])).astype(np.int8))
    return np.stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)], axis=1).astype(np.int64)


def word_runs(classes: np.ndarray) -> np.ndarray:
    """The words (runs of non-white space) of a text, from its :func:`character_classes`."""
    return runs((classes & SPACE) == 0)


_OPENER_CODES = np.array([ord(c) for c in OPENERS], dtype=np.uint32)


def sentence_bounds(text: str, turns: Sequence[Turn], codes: np.ndarray | None = None,
                    classes: np.ndarray | None = None, words: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The sentences of every turn as an (n, 2) array of [start, end), in turn and text
    order (what :func:`tcoder.segments.sentence_spans` returns), and how many each turn has.

    ``codes`` (:func:`code_points`), ``classes`` (:func:`character_classes`) and ``words``
    (:func:`word_runs`) may be passed when already known."""
    empty = np.zeros((0, 2), dtype=np.int64)
    n_turns = len(turns)
    if codes is None:
        codes = code_points(text)
    if classes is None:
        classes = character_classes(codes)
    if words is None:
        words = word_runs(classes)
    if not n_turns:
        return empty, np.zeros(0, dtype=np.int64)
    body_start = np.fromiter((t.body_start for t in turns), np.int64, n_turns)
    body_end = np.fromiter((t.end for t in turns), np.int64, n_turns)
    word_start, word_end = words[:, 0], words[:, 1]

    def turn_of(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions inside a turn's body, and that turn (bodies are sorted and disjoint)."""
        k = np.searchsorted(body_start, positions, side="right") - 1
        inside = k >= 0
        inside[inside] = positions[inside] < body_end[k[inside]]
        return positions[inside], k[inside]

    # Runs of terminators, cut at the start of each body (the search starts there).
    at, k = turn_of(np.flatnonzero(classes == TERMINATOR))
    first = np.ones(len(at), dtype=bool)
    first[1:] = (at[1:] != at[:-1] + 1) | (k[1:] != k[:-1])
    starts = np.flatnonzero(first)
    lasts = np.append(starts[1:], len(at)) - 1 if len(starts) else starts
    run_at, run_turn = at[starts], k[starts]
    after = np.minimum(at[lasts] + 1, body_end[run_turn])
    # Then the closing quotes and brackets right after the run.
    closers = np.concatenate([[[-1, -1]], runs(classes == CLOSER)])  # a first row that holds nothing
    reach = closers[np.searchsorted(closers[:, 0], after, side="right") - 1, 1]
    after = np.where(after < reach, reach, after)
    after = np.minimum(after, body_end[run_turn])
    # An end only where white space or the end of the body follows.
    at_end = after >= body_end[run_turn]
    follows_space = np.zeros(len(after), dtype=bool)
    follows_space[~at_end] = (classes[after[~at_end]] & SPACE) != 0
    ends = at_end | follows_space
    run_at, run_turn, after = run_at[ends], run_turn[ends], after[ends]
    # A full stop after an abbreviation or an initial ends nothing: the token before it is
    # the non-white-space run holding it, from the start of the body at the earliest.
    dots = np.flatnonzero(codes[run_at] == ord("."))
    if len(dots):
        dot = run_at[dots]
        token_start = np.maximum(word_start[np.searchsorted(word_start, dot, side="right") - 1],
                                 body_start[run_turn[dots]])
        length = dot - token_start
        opener = np.zeros(len(dots), dtype=bool)
        some = length > 0
        opener[some] = np.isin(codes[token_start[some]], _OPENER_CODES)
        maybe = np.flatnonzero(some & ((length <= LONGEST_ABBREVIATION) | opener))
        dropped = [dots[i] for i, s, d in zip(maybe.tolist(), token_start[maybe].tolist(), dot[maybe].tolist(),
                                              strict=True) if is_abbreviation(text[s:d])]
        if dropped:
            keep = np.ones(len(run_at), dtype=bool)
            keep[dropped] = False
            run_at, run_turn, after = run_at[keep], run_turn[keep], after[keep]
    # Line breaks end sentences too (the cut is before them).
    breaks, break_turn = turn_of(np.flatnonzero(classes & NEWLINE))
    cut = np.concatenate([after, breaks])
    resume = np.concatenate([after, breaks + 1])
    turn = np.concatenate([run_turn, break_turn])
    position = np.concatenate([run_at, breaks])
    order = np.argsort(position, kind="stable")
    cut, resume, turn = cut[order], resume[order], turn[order]
    # Each sentence begins where the previous end in its turn resumed, or at the body's start;
    # after the last end, the rest of the body is the turn's last sentence.
    begin = np.empty(len(cut), dtype=np.int64)
    if len(cut):
        begin[0] = body_start[turn[0]]
        same = turn[1:] == turn[:-1]
        begin[1:] = np.where(same, resume[:-1], body_start[turn[1:]])
    last_of_turn = np.ones(len(cut), dtype=bool)
    last_of_turn[:-1] = turn[1:] != turn[:-1]
    rest_begin = body_start.copy()
    rest_begin[turn[last_of_turn]] = resume[last_of_turn]
    all_begin = np.concatenate([begin, rest_begin])
    all_cut = np.concatenate([cut, body_end])
    all_turn = np.concatenate([turn, np.arange(n_turns, dtype=np.int64)])
    rest = np.concatenate([np.zeros(len(cut), dtype=np.int8), np.ones(n_turns, dtype=np.int8)])
    order = np.lexsort((rest, all_begin, all_turn))
    all_begin, all_cut, all_turn = all_begin[order], all_cut[order], all_turn[order]
    # Trimmed: from the first non-white space at or after the beginning to the last one before the cut.
    n_words = len(word_start)
    if not n_words:
        return empty, np.zeros(n_turns, dtype=np.int64)
    j = np.searchsorted(word_end, all_begin, side="right")
    s = np.where(j < n_words, np.maximum(all_begin, word_start[np.minimum(j, n_words - 1)]), np.iinfo(np.int64).max)
    m = np.searchsorted(word_start, all_cut, side="left") - 1
    e = np.where(m >= 0, np.minimum(all_cut, word_end[np.maximum(m, 0)]), -1)
    kept = s < e
    bounds = np.stack([s[kept], e[kept]], axis=1)
    return bounds, np.bincount(all_turn[kept], minlength=n_turns).astype(np.int64)

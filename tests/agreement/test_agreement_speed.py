"""Guards against gross regressions in speed and memory (benchmarks/agreement.py has the figures)."""

from __future__ import annotations

import random
import statistics
import time
import tracemalloc

import pytest

from tcoder.agreement import transcript_agreement
from tcoder.transcript import Transcript


def _transcript(chars: int, seed: int = 7) -> Transcript:
    rng = random.Random(seed)
    words = ["we", "the", "clinic", "said", "and", "so", "it", "was", "really", "hard"]
    parts, size, turn = [], 0, 0
    while size < chars:
        sentence = " ".join(rng.choices(words, k=rng.randint(4, 15))).capitalize() + ". "
        if rng.random() < 0.2:
            turn += 1
            sentence = f"\n\nSpeaker {turn % 3}: " + sentence
        parts.append(sentence)
        size += len(sentence)
    return Transcript("".join(parts)[:chars])


def _spans(length: int, coders=("alice", "bob", "carol"), codes=30, shared=100, seed=3):
    rng = random.Random(seed)
    base = [(f"code-{rng.randrange(codes)}", s, s + rng.randint(20, 600))
            for s in (rng.randrange(0, length - 600) for _ in range(shared))]
    return {coder: [(c, max(0, s + rng.randint(-15, 15)), min(length, e + rng.randint(-15, 15)))
                    for c, s, e in base if rng.random() > 0.15] for coder in coders}


@pytest.mark.parametrize("unit", ["char", "sentence", "span"])
def test_compare_view_alpha_of_a_50000_character_transcript_is_fast(unit):
    transcript = _transcript(50_000)
    spans = _spans(len(transcript.text))
    transcript_agreement(transcript, spans, unit)  # warm up (imports)
    times = []
    for _ in range(7):
        fresh = Transcript(transcript.text)  # no cached units: the cost of a first look
        start = time.perf_counter()
        table = transcript_agreement(fresh, spans, unit)
        times.append(time.perf_counter() - start)
    assert len(table.codes) == len({code for coder in spans.values() for code, _, _ in coder}) > 20
    assert statistics.median(times) < 0.050


def test_char_alpha_does_not_build_per_character_arrays():
    """10 million characters: a per-character array of one code would take 80 MB;
    the sweep's memory grows with the spans only."""
    text = "word " * 2_000_000
    transcript = Transcript(text)
    spans = _spans(len(text), codes=30, shared=300)
    tracemalloc.start()
    try:
        table = transcript_agreement(transcript, spans, "char")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.overall.units == len(text) * len(table.codes)
    assert peak < 5_000_000


def test_word_bounds_are_the_regex_words_for_every_kind_of_white_space():
    """The array version of the word rule agrees with segments.word_spans (\\S+) on text
    with every character Python counts as white space, and others around them."""
    import random

    from tcoder.agreement.units import word_bounds
    from tcoder.segments import word_spans

    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace()]
    others = list("abcé–\u200b\u00ad😀\ufeffZ9.") + ["\ud800"]  # a lone surrogate, as surrogateescape keeps
    rng = random.Random(5)
    for _ in range(200):
        text = "".join(rng.choice(spaces if rng.random() < 0.4 else others) for _ in range(rng.randint(0, 60)))
        assert word_bounds(text).tolist() == [list(s) for s in word_spans(text)], repr(text)

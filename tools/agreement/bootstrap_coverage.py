"""How often does a 95% bootstrap interval of alpha cover the true value? A simulation.

    python tools/agreement/bootstrap_coverage.py [--studies 300] [--samples 500] [--transcripts 6,10,20,40]

A generator with a known alpha writes many small studies the way interviews are
coded: transcripts of speaker turns of sentences; in some turns a passage of
consecutive sentences is worth coding; each of two coders finds it with a
probability that depends on the transcript (some interviews are harder), marks
it with a boundary a sentence off now and then, and now and then codes a
sentence nobody else does. Coding is therefore clustered in passages, turns
and transcripts, as it is in real studies.

The true alpha is the alpha of one very large study from the same generator.
For each simulated study, each method's 95% interval (at the sentence unit) is
checked for covering it: the KALPHA bootstrap (pairs of values), resampling
sentences, resampling speaker turns, and resampling transcripts. The table
printed is the share of studies whose interval covers the truth (95% is right;
less means the interval is too narrow), and the mean width. Figures are in
docs/agreement.md; tests/agreement/test_bootstrap_coverage.py runs a small
version of the same simulation.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from tcoder.agreement.compute import compute_table  # noqa: E402
from tcoder.agreement.data import CodingData, TranscriptCoding  # noqa: E402
from tcoder.transcript import Transcript  # noqa: E402

CODERS = ("alice", "bob")
METHODS = ("kalpha", "unit", "turn", "transcript")
LABELS = {"kalpha": "pairs (KALPHA)", "unit": "sentences", "turn": "speaker turns", "transcript": "transcripts"}


@dataclass(frozen=True)
class Generator:
    prevalence: tuple[float, float] = (2.0, 14.0)  # Beta: share of turns with a passage (mean .125)
    detection: tuple[float, float] = (8.0, 2.0)  # Beta: a coder finds a passage (mean .8), per transcript
    turns: tuple[int, int] = (15, 40)
    sentences: tuple[int, int] = (1, 6)
    shift: float = 0.25  # chance that one end of a coder's span is a sentence off
    stray: float = 0.03  # chance per turn that a coder codes a sentence nobody else would

    def transcript(self, rng: np.random.Generator) -> TranscriptCoding:
        prevalence = rng.beta(*self.prevalence)
        detection = rng.beta(*self.detection)
        parts: list[str] = []
        spans: dict[str, list[tuple[str, int, int]]] = {c: [] for c in CODERS}
        pos = 0
        for turn in range(int(rng.integers(*self.turns, endpoint=True))):
            label = f"P{turn % 2 + 1}: "
            pos += len(label)
            parts.append(label)
            sentences = []
            for s in range(int(rng.integers(*self.sentences, endpoint=True))):
                sentence = f"Sentence {s} of turn {turn} says something."
                if s:
                    parts.append(" ")
                    pos += 1
                sentences.append((pos, pos + len(sentence)))
                parts.append(sentence)
                pos += len(sentence)
            parts.append("\n\n")
            pos += 2
            n = len(sentences)
            passage = None
            if rng.random() < prevalence:
                first = int(rng.integers(0, n))
                passage = (first, int(rng.integers(first, n)))
            for coder in CODERS:
                if passage is not None and rng.random() < detection:
                    first, last = passage
                    if rng.random() < self.shift:
                        first = int(np.clip(first + rng.choice((-1, 1)), 0, last))
                    if rng.random() < self.shift:
                        last = int(np.clip(last + rng.choice((-1, 1)), first, n - 1))
                    spans[coder].append(("code", sentences[first][0], sentences[last][1]))
                elif rng.random() < self.stray:
                    s, e = sentences[int(rng.integers(0, n))]
                    spans[coder].append(("code", s, e))
        return TranscriptCoding(Transcript("".join(parts)), spans)

    def study(self, rng: np.random.Generator, transcripts: int) -> CodingData:
        return CodingData(list(CODERS), [self.transcript(rng) for _ in range(transcripts)])


def true_alpha(generator: Generator, transcripts: int = 3000, seed: int = 12345) -> float:
    table, _ = compute_table(generator.study(np.random.default_rng(seed), transcripts), "sentence")
    return float(table.codes[0].alpha)  # type: ignore[arg-type]


def intervals(data: CodingData, samples: int, seed: int, methods=METHODS) -> dict[str, tuple[float, float] | None]:
    """Each method's 95% interval of the code's alpha at the sentence unit."""
    out: dict[str, tuple[float, float] | None] = {}
    for method in methods:
        level = {"kalpha": "transcript", "unit": "unit", "turn": "turn", "transcript": "transcript"}[method]
        table, _ = compute_table(data, "sentence", level=level)
        row = table.codes[0] if table.codes else None
        if row is None or row.alpha is None:
            out[method] = None
            continue
        table.add_intervals(samples, seed, "study", method=method)
        out[method] = (row.interval.low, row.interval.high) if row.interval else None
    return out


def simulate(generator: Generator, transcripts: int, studies: int, samples: int, truth: float,
             seed: int = 1, methods=METHODS) -> dict[str, tuple[float, float, int]]:
    """Per method: (coverage, mean width, studies with an interval)."""
    rng = np.random.default_rng([seed, transcripts])
    hits = {m: 0 for m in methods}
    widths: dict[str, list[float]] = {m: [] for m in methods}
    for k in range(studies):
        found = intervals(generator.study(rng, transcripts), samples, seed + k, methods)
        for method, interval in found.items():
            if interval is None:
                continue
            low, high = interval
            hits[method] += low <= truth <= high
            widths[method].append(high - low)
    return {m: (hits[m] / max(1, len(widths[m])), float(np.mean(widths[m])) if widths[m] else float("nan"),
                len(widths[m])) for m in methods}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=300, help="simulated studies per size (default 300)")
    parser.add_argument("--samples", type=int, default=500, help="bootstrap samples per interval (default 500)")
    parser.add_argument("--transcripts", default="6,10,20,40", help="study sizes (default 6,10,20,40)")
    args = parser.parse_args(argv)
    generator = Generator()
    started = time.perf_counter()
    truth = true_alpha(generator)
    print(f"true alpha (3,000 transcripts): {truth:.4f}")
    print(f"{args.studies} studies per size, {args.samples} bootstrap samples per interval\n")
    header = "| transcripts | " + " | ".join(f"{LABELS[m]}" for m in METHODS) + " |"
    print(header)
    print("|" + " --- |" * (len(METHODS) + 1))
    for size in (int(x) for x in args.transcripts.split(",")):
        result = simulate(generator, size, args.studies, args.samples, truth)
        cells = [f"{result[m][0]:.1%} (width {result[m][1]:.2f})" for m in METHODS]
        print(f"| {size} | " + " | ".join(cells) + " |", flush=True)
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

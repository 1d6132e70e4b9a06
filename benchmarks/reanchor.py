"""Re-anchoring speed: one transcript edited after coding, every annotation placed again.

    python benchmarks/reanchor.py [--sizes 1,5] [--repeat 3]

For a generated transcript of 1 MB with 5,000 annotations and of 5 MB with 50,000 (the
cases of the performance review), each edit below is made and ``reanchor`` is timed
(median of --repeat runs, wall clock and this process's CPU time, which a busy machine
disturbs less), with how many annotations ended exact, moved, fuzzy and
orphaned:

- a sentence inserted near the start (every annotation after it shifts);
- a paragraph deleted in the middle;
- a typo fixed every 10,000 characters;
- a sentence inserted near the start of a transcript whose annotations were written
  without quotes' context (no prefix/suffix): the old offsets are checked first.

A study re-anchors on every read until someone saves the new offsets (``tcoder check
--fix`` or a change in the coding screen), so this time is paid by every open,
``check``, ``agree``, ``report`` and ``export`` of an edited study.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from generate import _spans, _vocabulary, make_text  # noqa: E402
from tcoder.annotations import Annotation, reanchor  # noqa: E402


def coded_text(megabytes: int, annotations: int, seed: int = 11) -> tuple[str, list[Annotation]]:
    rng = random.Random(seed)
    text = make_text(rng, megabytes * 1_000_000, _vocabulary(rng))
    out = []
    for i, (code, start, end) in enumerate(_spans(rng, text, annotations, ["c1", "c2", "c3"])):
        a = Annotation(f"a{i}", code, start, end)
        a.set_context(text)
        out.append(a)
    return text, out


def insert_near_start(text: str) -> str:
    at = text.index("\n\n", 200) + 2
    return text[:at] + "Interviewer: A question added when the recording was checked again.\n\n" + text[at:]


def delete_paragraph(text: str) -> str:
    start = text.index("\n\n", len(text) // 2) + 2
    end = text.index("\n\n", start) + 2
    return text[:start] + text[end:]


def typos(text: str) -> str:
    parts = []
    at = 0
    for pos in range(10_000, len(text), 10_000):
        space = text.find(" ", pos)
        if space < 0:
            break
        parts.append(text[at:space])
        parts.append("  ")  # a doubled space, as a correction often leaves
        at = space + 1
    parts.append(text[at:])
    return "".join(parts)


EDITS = {
    "sentence inserted near the start": insert_near_start,
    "paragraph deleted in the middle": delete_paragraph,
    "typo every 10,000 characters": typos,
}


def measure(text: str, annotations: list[Annotation], edited: str, repeat: int,
            without_context: bool = False) -> tuple[float, float, Counter[str]]:
    """(median wall seconds, median CPU seconds of this process, statuses)."""
    times = []
    cpu = []
    statuses: Counter[str] = Counter()
    for _ in range(repeat):
        copies = [a.copy() for a in annotations]
        if without_context:
            for a in copies:
                a.prefix = a.suffix = None
        started, started_cpu = time.perf_counter(), time.process_time()
        results = reanchor(copies, edited)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        statuses = Counter(r.status for r in results)
    return statistics.median(times), statistics.median(cpu), statuses


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1,5", help="transcript sizes in MB (1 MB: 5,000 annotations; "
                                                   "5 MB: 50,000)")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    print("| transcript | annotations | edit | re-anchoring, wall (s) | CPU (s) | exact/moved | fuzzy | orphaned |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for size in (int(s) for s in args.sizes.split(",")):
        count = 5_000 if size <= 1 else 10_000 * size
        text, annotations = coded_text(size, count)
        cases = [(name, edit(text), False) for name, edit in EDITS.items()]
        cases.append(("sentence inserted, no stored context", insert_near_start(text), True))
        for name, edited, bare in cases:
            seconds, cpu, statuses = measure(text, annotations, edited, args.repeat, bare)
            placed = statuses["unchanged"] + statuses["moved"]
            print(f"| {size} MB | {count:,} | {name} | {seconds:.2f} | {cpu:.2f} | {placed:,} | "
                  f"{statuses['fuzzy']:,} | {statuses['orphaned']:,} |", flush=True)


if __name__ == "__main__":
    main()

"""Time study-wide search, coding queries, matrices and retrieval on the reference study.

    python benchmarks/search.py [--study DIR] [--repeat 5]

Without --study, the reference study (200 transcripts, 5 MB, 3 coders, 60 codes,
60,000 annotations) is generated in a temporary folder. "Cold" figures start from
a freshly opened study (transcripts and annotation files read from disk as part
of the measure); "warm" ones reuse what an open screen keeps (the texts, the
annotations, folded texts). Whole-process figures run the command as a user does.
The table shows the median and the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from generate import generate_study  # noqa: E402
from tcoder.search.corpus import Corpus  # noqa: E402
from tcoder.search.engine import FoldCache, run_search, search  # noqa: E402
from tcoder.search.matrix import build_matrix  # noqa: E402
from tcoder.search.pattern import CompiledPattern, SearchPattern  # noqa: E402
from tcoder.search.query import compile_query  # noqa: E402
from tcoder.search.retrieval import retrieve  # noqa: E402
from tcoder.study import open_study  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float, object]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def first_hit_seconds(root: Path, pattern: CompiledPattern) -> float:
    study = open_study(root)
    start = time.perf_counter()
    for part in search(study, pattern):
        if part.hits:
            return time.perf_counter() - start
    return float("nan")


def process(args: list[str], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "tcoder", *args], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"tcoder {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", type=Path, help="an existing study (default: generate the reference study)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tcoder-bench-"))
    rows: list[tuple[str, float, float, str, str]] = []

    def row(label: str, median: float, best: float, goal: str, note: str = "") -> None:
        rows.append((label, median, best, goal, note))
        print(f"{label:<78} {median * 1000:8.1f} ms {best * 1000:8.1f} ms  {goal:>8}  {note}", flush=True)

    try:
        root = args.study or generate_study(work / "study")
        study = open_study(root)
        words = CompiledPattern(SearchPattern("know", "word"))
        regex = CompiledPattern(SearchPattern(r"\bka\w*lo\b", "regex"))
        first = [first_hit_seconds(root, words) for _ in range(args.repeat)]
        row("search, whole word: first results (cold: study just opened)", statistics.median(first), min(first),
            "< 100 ms")
        median, best, run = timed(lambda: run_search(open_study(root), words), args.repeat)
        row("search, whole word: complete (cold: 200 transcripts read)", median, best, "< 1 s",
            f"{len(run.hits):,} hits")  # type: ignore[attr-defined]
        folds = FoldCache()
        corpus = Corpus(study)
        run_search(study, words, corpus=corpus, folds=folds)
        median, best, run = timed(lambda: run_search(study, words, corpus=corpus, folds=folds), args.repeat)
        row("search, whole word: complete (warm: texts in memory)", median, best, "< 1 s",
            f"{len(run.hits):,} hits")  # type: ignore[attr-defined]
        median, best, run = timed(lambda: run_search(study, regex, corpus=corpus, folds=folds), args.repeat)
        row("search, regular expression: complete (warm)", median, best, "< 1 s",
            f"{len(run.hits):,} hits")  # type: ignore[attr-defined]

        for text in ("code-1-1 SAME TURN code-2-3", "code-1-1 WITHIN 2 TURNS OF code-2-3",
                     "code-1-1 SAME SENTENCE code-2-3"):
            median, best, result = timed(lambda t=text: compile_query(study := open_study(root), t).run(Corpus(study)),
                                         args.repeat)
            row(f"query '{text}' (cold: 600 annotation files read)", median, best, "< 1 s",
                f"{len(result.passages):,} passages")  # type: ignore[attr-defined]
            median, best, result = timed(lambda t=text: compile_query(study, t).run(corpus), args.repeat)
            row(f"query '{text}' (warm)", median, best, "< 1 s",
                f"{len(result.passages):,} passages")  # type: ignore[attr-defined]

        codes = list(study.codebook.codes)[:26]
        median, best, matrix = timed(lambda: build_matrix(study := open_study(root), Corpus(study), coders=["alice"],
                                                          codes=codes), args.repeat)
        row("matrix 26 codes x 200 transcripts, passages (cold)", median, best, "< 1 s")
        for measure in ("passages", "words", "participants"):
            median, best, matrix = timed(lambda m=measure: build_matrix(study, corpus, coders=["alice"], codes=codes,
                                                                        measure=m), args.repeat)
            row(f"matrix 26 codes x 200 transcripts, {measure} (warm)", median, best, "< 1 s")

        theme = study.codebook.roots[0]
        coders = ["alice", "bob"]
        median, best, found = timed(lambda: retrieve(study := open_study(root), theme, coders, corpus=Corpus(study)),
                                    args.repeat)
        count = len(found.passages)  # type: ignore[attr-defined]
        row(f"retrieval of a theme with {count:,} passages (cold)", median, best, "", "")
        median, best, found = timed(lambda: retrieve(study, theme, coders, corpus=corpus), args.repeat)
        row(f"retrieval of a theme with {count:,} passages (warm: the browser's corpus)", median, best, "< 300 ms")

        for label, argv in (
                ("tcoder search STUDY know --word --format csv, whole process", ["search", str(root), "know", "--word",
                                                                               "--format", "csv", "-o",
                                                                               str(work / "s.csv")]),
                ("tcoder query STUDY 'code-1-1 SAME TURN code-2-3', whole process",
                 ["query", str(root), "code-1-1 SAME TURN code-2-3", "--format", "csv", "-o", str(work / "q.csv")]),
                ("tcoder matrix STUDY --coder alice --format csv, whole process",
                 ["matrix", str(root), "--coder", "alice", "--format", "csv", "-o", str(work / "m.csv")])):
            median, best = process(argv, max(1, args.repeat // 2))
            row(label, median, best, "")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Core figures: loading a large study, `tcoder check`, saving, start-up.

    python benchmarks/core.py [--study DIR] [--repeat 5]

Generates the reference study (200 transcripts, 5 MB of text, 3 coders, 60,000
annotations) unless --study names one, then prints a table of medians with the
goals of issue 2.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from generate import generate_study  # noqa: E402
from tcoder.annotations import Annotation, AnnotationFile, save_annotations  # noqa: E402
from tcoder.study import open_study  # noqa: E402


def load_everything(root: Path) -> int:
    study = open_study(root)
    codes = set(study.codebook.codes)
    n = 0
    for ref in study.transcripts:
        for coder in study.coders_of(ref):
            n += len(study.load_annotations(ref, coder, codes).annotations)
    return n


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    tmp = tempfile.TemporaryDirectory()
    root = args.study or generate_study(Path(tmp.name) / "reference")
    tcoder = Path(sys.executable).with_name("tcoder")

    annotations = load_everything(root)
    load = timed(lambda: load_everything(root), args.repeat)
    check = timed(lambda: subprocess.run([str(tcoder), "check", str(root), "-q"], capture_output=True,
                                         check=True), args.repeat)
    text = "word " * 200_000
    items = []
    for i in range(5000):
        a = Annotation(f"{i:016x}", f"code-{i % 60}", i * 150, i * 150 + 120, memo="m" if i % 10 == 0 else None)
        a.set_context(text)
        items.append(a)
    af = AnnotationFile("alice", "T.txt", "0" * 64, items)
    target = Path(tmp.name) / "T.alice.json"
    save = timed(lambda: save_annotations(af, target), max(20, args.repeat))
    version = timed(lambda: subprocess.run([str(tcoder), "--version"], capture_output=True, check=True),
                    max(20, args.repeat))

    rows = [
        ("load study (200 transcripts, 5 MB, %d annotations)" % annotations, load, 1.0),
        ("tcoder check (whole process)", check, 2.0),
        ("save one file of 5,000 annotations (atomic, fsync)", save, 0.030),
        ("tcoder --version (whole process)", version, 0.3),
    ]
    print(f"{'measure':<58} {'median':>9} {'min':>9} {'goal':>8}  ok")
    for name, values, goal in rows:
        median = statistics.median(values)
        print(f"{name:<58} {median * 1000:>7.0f}ms {min(values) * 1000:>7.0f}ms {goal * 1000:>6.0f}ms  "
              f"{'yes' if median < goal else 'NO'}")
    tmp.cleanup()


if __name__ == "__main__":
    main()

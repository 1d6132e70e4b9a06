"""Time reports and REFI-QDA export/import on the reference study.

    python benchmarks/reports.py [--study DIR] [--repeat 3]

Without --study, the reference study (200 transcripts, 5 MB, 3 coders, 60 codes,
60,000 annotations) is generated in a temporary folder. Each command runs as a
user runs it (a new `python -m tcoder` process, start-up included); the table
shows the best and the median of --repeat runs. Goals: `report segments` under
2 s, `export --qdpx` under 5 s.
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

from generate import generate_study  # noqa: E402


def timed(args: list[str], repeat: int, before=None) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "tcoder", *args], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"tcoder {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", type=Path, help="an existing study (default: generate the reference study)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tcoder-bench-"))
    try:
        study = args.study or generate_study(work / "study")
        out = work / "out"
        out.mkdir()
        qdpx = out / "study.qdpx"
        imported = out / "imported"

        def clear_import() -> None:
            shutil.rmtree(imported, ignore_errors=True)

        cases = [
            ("report segments --format csv", ["report", str(study), "segments", "--format", "csv",
                                              "-o", str(out / "s.csv"), "--force"], None, 2.0),
            ("report segments --format md", ["report", str(study), "segments", "--format", "md",
                                             "-o", str(out / "s.md"), "--force"], None, 2.0),
            ("report segments --format html", ["report", str(study), "segments", "--format", "html",
                                               "-o", str(out / "s.html"), "--force"], None, 2.0),
            ("report frequencies --format csv", ["report", str(study), "frequencies", "--format", "csv",
                                                 "-o", str(out / "f.csv"), "--force"], None, None),
            ("report cooccurrence --format csv", ["report", str(study), "cooccurrence", "--format", "csv",
                                                  "--pool", "-o", str(out / "c.csv"), "--force"], None, None),
            ("report crosstab --by group", ["report", str(study), "crosstab", "--by", "group", "--format", "csv",
                                            "--pool", "-o", str(out / "x.csv"), "--force"], None, None),
            ("export --qdpx", ["export", str(study), "--qdpx", str(qdpx), "--force"], None, 5.0),
            ("import-qdpx", ["import-qdpx", str(qdpx), "--into", str(imported)], clear_import, None),
        ]
        print(f"{'command':36} {'best s':>8} {'median s':>9} {'goal s':>7}")
        print("-" * 63)
        for label, command, before, goal in cases:
            best, median = timed(command, args.repeat, before)
            mark = "" if goal is None else (f"{goal:>7.1f}" + ("" if best < goal else "  MISSED"))
            print(f"{label:36} {best:>8.2f} {median:>9.2f} {mark}")
        print(f"\n.qdpx size: {qdpx.stat().st_size / 1024 ** 2:.1f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Codebook development on the reference study: rename, merge, undo.

    python benchmarks/codebook.py [--study DIR] [--repeat 5]

Generates the reference study (200 transcripts, 5 MB of text, 3 coders, 60 codes,
60,000 annotations) unless --study names one. Each measure runs on a fresh copy
and times the whole operation as `tcoder codebook` makes it: reading the codebook
and every annotation file that uses the code, the in-place codebook edit, the
journal (every file's before and after, fsynced), replacing the files and making
them durable, and the record. Prints medians against the goal (under 1 s each), and the
median CPU time of the process (user + system), which a busy machine disturbs less.
"""

from __future__ import annotations

import argparse
import os
import shutil
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
from tcoder.codebook_ops import merge_codes, rename_code, undo_operation  # noqa: E402
from tcoder.study import open_study  # noqa: E402


def fresh_copy(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    subprocess.run(["sync"], check=False)
    return target


CPU: dict[int, list[float]] = {}  # id(times list) -> CPU seconds of each run


def timed(setup, fn, repeat: int) -> tuple[list[float], object]:
    """``setup`` (untimed) then ``fn`` (timed: wall clock, and the process's CPU time in
    :data:`CPU`), ``repeat`` times."""
    times: list[float] = []
    cpu: list[float] = []
    result = None
    for _ in range(repeat):
        state = setup()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn(state)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[id(times)] = cpu
    return times, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    tmp = tempfile.TemporaryDirectory()
    reference = args.study or generate_study(Path(tmp.name) / "reference")
    work = Path(tmp.name) / "work"

    def copy():
        return fresh_copy(reference, work)

    def rename(root: Path):
        return rename_code(open_study(root), "code-1-1", "code-1-1-renamed", who="benchmark")

    def merge(root: Path):
        return merge_codes(open_study(root), ["code-2-1", "code-2-2"], "code-2-3", who="benchmark")

    def merged_copy():
        root = copy()
        merge(root)
        return root

    def undo(root: Path):
        return undo_operation(open_study(root), who="benchmark")

    def dry(root: Path):
        return merge_codes(open_study(root), ["code-2-1", "code-2-2"], "code-2-3", who="benchmark", dry_run=True)

    load_before = os.getloadavg()[0]
    rename_times, renamed = timed(copy, rename, args.repeat)
    merge_times, merged = timed(copy, merge, args.repeat)
    undo_times, _ = timed(merged_copy, undo, args.repeat)
    dry_times, _ = timed(copy, dry, args.repeat)
    rows = [
        (f"rename a code: {renamed.plan.annotations_changed:,} annotations in {len(renamed.plan.files)} files",
         rename_times, 1.0),
        (f"merge two codes into a third: {merged.plan.annotations_changed:,} annotations in "
         f"{len(merged.plan.files)} files", merge_times, 1.0),
        ("undo that merge (every file back, byte for byte)", undo_times, 1.0),
        ("the same merge with --dry-run (plan only)", dry_times, None),
    ]
    print(f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
          f"({os.cpu_count()} cores)")
    print(f"{'measure':<72} {'median':>8} {'min':>8} {'CPU':>8} {'goal':>7}  ok")
    for label, times, goal in rows:
        median = statistics.median(times)
        ok = "" if goal is None else ("yes" if median < goal else "NO")
        goal_text = "" if goal is None else f"< {goal:g} s"
        cpu = statistics.median(CPU[id(times)])
        print(f"{label:<72} {median:>7.3f}s {min(times):>7.3f}s {cpu:>7.3f}s {goal_text:>7}  {ok}")


if __name__ == "__main__":
    main()

"""Growth with study size: batch commands on the reference study and 4 and 16 times it.

    python benchmarks/scale.py [--sizes 1,4,16] [--repeat 1] [--cache DIR]

Each size multiplies the reference study (200 transcripts, 5 MB of text, 3 coders,
60,000 annotations) by adding transcripts: 4x is 800 transcripts, 20 MB and 240,000
annotations; 16x is 3,200 transcripts, 80 MB and 960,000 annotations. Studies are
generated on demand under --cache (default benchmarks/.cache, which git ignores) and
kept for the next run. Each command runs as a user runs it (a new ``python -m tcoder``
process); the table gives its wall clock, its CPU time (its worker processes' included)
and its peak memory (the process's maximum resident set from ``wait4``, or, when it
runs workers, the highest sum of their proportional set sizes if that is larger), and the growth of each against the
previous size, so a command that is not linear shows it (4.0 is linear from 1x to 4x).
The load average is printed with the figures: on a shared machine the CPU time is
the figure to compare. ``check -q`` runs as a first check of the study (what an
earlier check kept in its ``.tcoder/check.jsonl`` is removed before), ``check -q,
again`` as the next one, which takes each unchanged transcript's result from there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate_study  # noqa: E402

GOALS_16X = {  # issue 19: (seconds, MB) at 16x
    "check -q": (3, None),
    "agree --unit sentence": (8, 500),
    "report segments --format csv": (8, 500),
    "report cooccurrence": (10, 500),
    "export --qdpx": (20, 1000),
    "import-qdpx": (None, 1000),
}


def study_of(size: int, cache: Path) -> Path:
    root = cache / f"scale-{size}x"
    done = root / ".generated"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        print(f"generating the {size}x study in {root} ...", file=sys.stderr, flush=True)
        generate_study(root, transcripts=200 * size, chars=5_000_000 * size, annotations=60_000 * size)
        done.write_text("ok\n")
    return root


def run(args: list[str], before=None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak memory in MB of one command.

    CPU time includes the command's worker processes (``wait4`` counts the children a
    process waited for). Peak memory is the larger of the process's own maximum resident
    set and the highest sum, sampled every 50 ms, of the proportional set size of the
    process and its workers (pages they share are divided among them, not counted twice).
    """
    if before:
        before()
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a command that says much never blocks
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "tcoder", *args], stdout=subprocess.DEVNULL,
                                   stderr=errors)
        sampler = TreeMemory(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"tcoder {' '.join(args)} failed ({process.returncode}):\n"
                             f"{errors.read().decode('utf-8', 'replace')[-4000:]}")
    return wall, usage.ru_utime + usage.ru_stime, max(usage.ru_maxrss / 1024, sampler.peak_mb)


class TreeMemory(threading.Thread):
    """The peak, over time, of the memory a process and its worker processes hold together."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_mb = 0.0
        self._done = threading.Event()

    def stop(self) -> None:
        self._done.set()
        self.join()

    def run(self) -> None:
        while not self._done.wait(0.05):
            self.peak_mb = max(self.peak_mb, sum(_pss_kb(p) for p in _tree(self.pid)) / 1024)


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(c) for c in children.read().split())
        except OSError:
            continue  # gone meanwhile
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def commands(study: Path, out: Path) -> list[tuple[str, list[str], object]]:
    qdpx = out / "study.qdpx"
    imported = out / "imported"

    def clear_import() -> None:
        shutil.rmtree(imported, ignore_errors=True)

    def forget_checks() -> None:  # a first check of the study: nothing kept from an earlier one
        (study / ".tcoder" / "check.jsonl").unlink(missing_ok=True)

    return [
        ("check -q", ["check", str(study), "-q"], forget_checks),
        ("check -q, again", ["check", str(study), "-q"], None),  # with what the first kept in .tcoder/check.jsonl
        ("agree --unit sentence", ["agree", str(study), "--unit", "sentence", "--format", "json"], None),
        ("report segments --format csv", ["report", str(study), "segments", "--pool", "--format", "csv", "-o",
                                          str(out / "s.csv"), "--force"], None),
        ("report cooccurrence", ["report", str(study), "cooccurrence", "--pool", "--format", "csv", "-o",
                                 str(out / "c.csv"), "--force"], None),
        ("export --qdpx", ["export", str(study), "--qdpx", str(qdpx), "--force"], None),
        # the 16x archive expands to 1.3 GB, past import-qdpx's guard against zip bombs (512 MB)
        ("import-qdpx", ["import-qdpx", str(qdpx), "--into", str(imported), "--max-size", "8192"], clear_import),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,4,16", help="multiples of the reference study (default 1,4,16)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per command and size (medians shown)")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache", help="where generated studies are kept")
    parser.add_argument("--only", action="append", help="only commands starting with this (repeatable)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    args.cache.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[int, tuple[float, float, float]]] = {}
    load_start = os.getloadavg()[0]
    for size in sizes:
        study = study_of(size, args.cache)
        with tempfile.TemporaryDirectory(prefix="tcoder-scale-") as tmp:
            for label, command, before in commands(study, Path(tmp)):
                if args.only and not any(label.startswith(o) for o in args.only):
                    continue
                runs = [run(command, before) for _ in range(args.repeat)]  # type: ignore[arg-type]
                median = tuple(statistics.median(r[i] for r in runs) for i in range(3))
                results.setdefault(label, {})[size] = median  # type: ignore[assignment]
                print(f"  {size}x {label}: {median[0]:.2f} s wall, {median[1]:.2f} s CPU, {median[2]:.0f} MB",
                      file=sys.stderr, flush=True)
    print(f"load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} cores)")
    head = f"{'command':30}" + "".join(f"{f'{s}x wall':>10}{f'{s}x CPU':>10}{f'{s}x MB':>9}" for s in sizes)
    head += "   growth of CPU (x per step)"
    print(head)
    print("-" * len(head))
    for label, by_size in results.items():
        line = f"{label:30}"
        for s in sizes:
            wall, cpu, mb = by_size.get(s, (float("nan"),) * 3)
            line += f"{wall:>10.2f}{cpu:>10.2f}{mb:>9.0f}"
        steps = []
        for a, b in zip(sizes, sizes[1:], strict=False):
            if a in by_size and b in by_size and by_size[a][1] > 0:
                steps.append(f"{by_size[b][1] / by_size[a][1]:.1f} ({b // a} linear)")
        goal = GOALS_16X.get(label)
        if goal and 16 in by_size:
            seconds, mb = goal
            met = (seconds is None or by_size[16][0] < seconds) and (mb is None or by_size[16][2] < mb)
            steps.append("16x goal " + ("met" if met else "missed"))
        print(line + "   " + ", ".join(steps))


if __name__ == "__main__":
    main()

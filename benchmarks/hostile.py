"""Run the hostile-input corpus (tests/hostile) and print, for each case, how each command
ended, how long it took and the peak memory of its process.

    python benchmarks/hostile.py [--case NAME ...] [--markdown]

Each case builds a small study with one hostile file (tests/hostile/hostilekit.py), then
runs its tcoder commands in a child process under the case's memory limit (RLIMIT_AS, as
``ulimit -v``) and time limit, as the test suite does. The table is the one in
docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path[:0] = [str(TESTS / "hostile"), str(TESTS), str(TESTS.parent / "src")]

from hostilekit import CASES, Case, base_study, dump_runs  # noqa: E402

from studykit import StudyBuilder  # noqa: E402

RUNNER = TESTS / "hostile" / "run_limited.py"


def run_case(found: Case, tmp: Path) -> list[dict]:
    builder = StudyBuilder(tmp / "study")
    base_study(builder)
    found.build(builder, tmp)
    done = subprocess.run([sys.executable, str(RUNNER), str(found.memory_mb), str(found.seconds),
                           dump_runs(found, builder.root, tmp)], capture_output=True, text=True,
                          timeout=found.seconds * len(found.runs) + 60, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"{found.name}: the runner failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def first_message(outcome: dict, tmp: Path) -> str:
    """The first line that names a problem (an error or a warning), shortened, with the
    temporary folder's path left out."""
    for line in (outcome["err"] + "\n" + outcome["out"]).splitlines():
        if "error" in line or "warning" in line or "not " in line:
            line = line.strip().replace(str(tmp) + "/", "")
            return line if len(line) <= 110 else line[:109] + "\u2026"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", action="append", help="run only these cases (repeatable)")
    parser.add_argument("--markdown", action="store_true", help="a Markdown table (for docs/reliability.md)")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.case or c.name in args.case]
    rows = []
    for found in cases:
        with tempfile.TemporaryDirectory() as tmp:
            for outcome in run_case(found, Path(tmp)):
                command = " ".join(a.split("/")[-1] if "/" in a else a for a in outcome["args"])
                rows.append((found.name, command, str(outcome["status"]), f"{outcome['seconds']:.2f}",
                             f"{outcome['peak_mb']:.0f}", f"{found.memory_mb}", first_message(outcome, Path(tmp))))
        print(f"{found.name}: done", file=sys.stderr)
    head = ("case", "command", "exit", "seconds", "peak MB", "limit MB", "first message")
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join(" --- " for _ in head) + "|")
        for row in rows:
            print("| " + " | ".join(cell.replace("|", "\\|") for cell in row[:6]) + " | "
                  + (f"`{row[6]}`" if row[6] else "") + " |")
        return
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(6)]
    for row in [head, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:6], widths, strict=True)) + "  " + row[6])


if __name__ == "__main__":
    main()

"""Time the checking and sharing commands on the reference study.

    python benchmarks/sharing.py [--study DIR] [--repeat 3]

Without --study, the reference study (200 transcripts, 5 MB, 3 coders, 60 codes,
60,000 annotations) is generated in a temporary folder; the commands that change
files run on copies. Each command runs as a user runs it (a new `python -m tcoder`
process, start-up included); the table shows the best and the median of --repeat
runs. The key replaces the four speaker names of the generated transcripts
(about 1 in 7 turns is theirs), so every transcript and annotation file changes.
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

KEY = "pseudonyms:\n  Amara: Participant 1\n  Ben: Participant 2\n  Chloe: Participant 3\n  Dev: Participant 4\n"


def run(args: list[str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tcoder", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"tcoder {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--study", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        study = a.study or generate_study(base / "reference")
        (base / "secure").mkdir()
        key = base / "secure" / "key.yaml"
        key.write_text(KEY, encoding="utf-8")
        manifest = base / "freq.manifest.json"
        rows: list[tuple[str, list[float]]] = []

        def timed(label: str, make_args, before=None, ok: tuple[int, ...] = (0,)) -> None:
            times = []
            for _ in range(a.repeat):
                if before:
                    before()
                times.append(run(make_args(), ok))
            rows.append((label, times))

        timed("ci (no calibration)", lambda: ["ci", str(study)], ok=(0, 1))
        timed("report frequencies", lambda: ["report", str(study), "frequencies", "--coder", "alice", "--format",
                                             "csv"])
        timed("report frequencies --manifest", lambda: ["report", str(study), "frequencies", "--coder", "alice",
                                                        "--format", "csv", "--manifest", str(manifest), "--force"])
        timed("verify (that manifest)", lambda: ["verify", str(manifest), "--study", str(study)])
        copy = base / "copy"

        def fresh() -> None:
            shutil.rmtree(copy, ignore_errors=True)
            (base / "secure" / "key.restore.json").unlink(missing_ok=True)
            shutil.copytree(study, copy)

        timed("deidentify --dry-run", lambda: ["deidentify", str(copy), "--key", str(key), "--dry-run"], fresh)
        timed("deidentify", lambda: ["deidentify", str(copy), "--key", str(key)], fresh)

        def deidentified() -> None:
            fresh()
            run(["deidentify", str(copy), "--key", str(key)])

        timed("deidentify --restore", lambda: ["deidentify", str(copy), "--key", str(key), "--restore"],
              deidentified)
    width = max(len(label) for label, _ in rows)
    print(f"{'command':<{width}}  {'best s':>7}  {'median s':>8}")
    for label, times in rows:
        print(f"{label:<{width}}  {min(times):>7.2f}  {statistics.median(times):>8.2f}")


if __name__ == "__main__":
    main()

"""Time and memory of the apprentice on the reference study (docs/apprentice.md#speed-and-memory).

    python benchmarks/apprentice.py [--study DIR]

Generates the reference study of docs/benchmarks.md (200 transcripts, 5 MB, 60 codes,
under benchmarks/.cache unless --study names one), then runs ``tcoder suggest train
--from alice`` and ``tcoder suggest run`` on twenty transcripts as separate processes,
printing wall time, CPU time and peak memory (maximum resident set) of each, and the
machine's load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))


def _measure(argv: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MiB) of one child process."""
    code = ("import resource, sys, time\nfrom tcoder.cli import main\nt = time.perf_counter()\n"
            f"rc = main({argv!r})\nwall = time.perf_counter() - t\n"
            "u = resource.getrusage(resource.RUSAGE_SELF)\n"
            "print(f'{wall} {u.ru_utime + u.ru_stime} {u.ru_maxrss / 1024}', file=sys.stderr)\n"
            "raise SystemExit(rc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(HERE.parent / "src")})
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    wall, cpu, peak = done.stderr.strip().splitlines()[-1].split()
    return float(wall), float(cpu), float(peak)


def main(argv: list[str] | None = None) -> None:
    from generate import generate_study

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--study", type=Path, default=HERE / ".cache" / "apprentice-reference")
    a = p.parse_args(argv)
    if not (a.study / "codebook.yaml").exists():
        generate_study(a.study)
    names = [f"T{i:04d}" for i in range(181, 201)]
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| step | wall s | CPU s | peak MiB |")
    print("|---|---|---|---|")
    for label, args in (("train (200 transcripts, 5 MB, --from alice)", ["suggest", "train", str(a.study),
                                                                         "--from", "alice"]),
                        ("run (20 transcripts)", ["suggest", "run", str(a.study), *names])):
        wall, cpu, peak = _measure(args)
        print(f"| {label} | {wall:.1f} | {cpu:.1f} | {peak:.0f} |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Agreement benchmarks: character-level alpha by boundary sweep against the
materialised coders x characters matrix, unitizing alpha on a large study, and
the per-transcript function of the compare view.

    python benchmarks/agreement.py [--work DIR] [--repeat 3]

(krippendorff comes with the test extra: pip install -e ".[test]")

1. A study of 2 million characters, 3 coders, 30 codes (24,000 annotations):
   `tcoder agree --unit char` (a fresh process, wall clock) against building a
   coders x characters array per code and calling krippendorff.alpha on it,
   after checking that both give the same alphas (to 1e-9). Goal: 20x faster.
2. The reference study (5 million characters, 3 coders, 60 codes, 60,000
   annotations): `tcoder agree --unit span`, wall clock and peak memory (RSS of
   the process). Goal: under 5 s and 500 MB.
3. transcript_agreement on one 50,000-character transcript (3 coders, 30 codes,
   300 spans), as the compare view calls it. Goal: under 50 ms.
4. The 2016 unitizing family (u-alpha, |u-alpha, c|u-alpha, (k)u-alpha) on the
   reference study: every code of every transcript as a continuum, computed by
   tcoder.agreement.unitizing2016 in a fresh process (reading the study included),
   wall clock and peak memory. Goal: under 5 s and 500 MB.
5. The cluster bootstrap: `tcoder agree --unit sentence --bootstrap 1000` on the
   reference study (whole transcripts resampled, as auto does with 200 of them; and
   speaker turns), whole process. Goal: under 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402

from generate import generate_study  # noqa: E402

# Runs the command in a fresh interpreter and reports that process's own peak RSS
# (VmHWM belongs to the memory of the running program, so, unlike ru_maxrss, it
# does not include pages the child shared with this, larger, parent before exec).
_CHILD = """
import sys
from tcoder.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("peak_rss_kb", line.split()[1], file=sys.stderr)
sys.exit(code)
"""


def run_command(args: list[str]) -> tuple[float, float, dict]:
    """Wall-clock seconds, peak RSS (MB) and parsed JSON of one `tcoder` process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    peak = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("peak_rss_kb")]
    return elapsed, int(peak[0]) / 1024 if peak else float("nan"), json.loads(done.stdout)


def cpu_of(args: list[str]) -> tuple[float, float, float]:
    """Wall-clock and CPU seconds (user + system) and peak RSS (MB) of one `tcoder` process: on a
    shared machine the CPU time is the figure that does not depend on the others' load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, peak, _ = run_command(args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), peak


def best_of(repeat: int, args: list[str]) -> tuple[float, float, dict]:
    runs = [run_command(args) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[0][2]


def materialised_alphas(data) -> tuple[dict[str, float], float]:
    """The naive way: a coders x characters array per code, then krippendorff.alpha."""
    import krippendorff

    start = time.perf_counter()
    offsets = np.cumsum([0] + [len(tc.transcript.text) for tc in data.transcripts])
    total = int(offsets[-1])
    codes = sorted({code for tc in data.transcripts for spans in tc.spans.values() for code, _, _ in spans})
    alphas = {}
    for code in codes:
        matrix = np.full((len(data.coders), total), np.nan)
        for t, tc in enumerate(data.transcripts):
            base = int(offsets[t])
            for c, coder in enumerate(data.coders):
                if coder not in tc.spans:
                    continue
                matrix[c, base:base + len(tc.transcript.text)] = 0.0
                for span_code, s, e in tc.spans[coder]:
                    if span_code == code:
                        matrix[c, base + s:base + e] = 1.0
        alphas[code] = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    return alphas, time.perf_counter() - start


def char_benchmark(root: Path, repeat: int) -> list[tuple[str, str, str]]:
    from tcoder.agreement import agreement, gather
    from tcoder.study import open_study

    study_dir = root / "char-2m"
    if not study_dir.exists():
        generate_study(study_dir, transcripts=80, chars=2_000_000, codes=30, annotations=24_000, seed=1)
    start = time.perf_counter()
    data = gather(open_study(study_dir), ["alice", "bob", "carol"])
    load = time.perf_counter() - start
    ours_times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = agreement(data, "char")
        ours_times.append(time.perf_counter() - start)
    ours = min(ours_times)
    naive, naive_time = materialised_alphas(data)
    worst = max(abs(naive[row.id] - row.alpha) for row in result.table.codes)
    if worst > 1e-9:
        raise SystemExit(f"alphas differ from krippendorff.alpha by {worst:.3g}")
    command, _, _ = best_of(repeat, ["agree", str(study_dir), "--unit", "char", "--format", "json"])
    chars = sum(len(tc.transcript.text) for tc in data.transcripts)
    return [
        ("char: study", f"{chars / 1e6:.1f} M chars", "3 coders, 30 codes, 24,000 annotations"),
        ("char: load annotations (both sides)", f"{load:.2f} s", ""),
        ("char: sweep, from loaded spans", f"{ours * 1000:.0f} ms", ""),
        ("char: materialise + krippendorff.alpha per code", f"{naive_time:.2f} s",
         f"max |difference| {worst:.1e}"),
        ("char: speed-up, computation only", f"{naive_time / ours:.0f}x", "goal >= 20x"),
        ("char: `tcoder agree --unit char` (whole process)", f"{command:.2f} s", ""),
        ("char: speed-up, whole command vs load + materialise", f"{(load + naive_time) / command:.0f}x",
         "goal >= 20x"),
    ]


def span_benchmark(root: Path, repeat: int) -> list[tuple[str, str, str]]:
    study_dir = root / "span-5m"
    if not study_dir.exists():
        generate_study(study_dir, transcripts=200, chars=5_000_000, codes=60, annotations=60_000, seed=1)
    seconds, peak, payload = best_of(repeat, ["agree", str(study_dir), "--unit", "span", "--format", "json"])
    return [
        ("span: study", "5.0 M chars", "3 coders, 60 codes, 60,000 annotations"),
        ("span: `tcoder agree --unit span` (whole process)", f"{seconds:.2f} s", "goal < 5 s"),
        ("span: peak memory (RSS)", f"{peak:.0f} MB", "goal < 500 MB"),
        ("span: pooled alpha_u", f"{payload['overall']['alpha']:.3f}", ""),
    ]


# Every code of every transcript as one continuum of the 2016 family, read from the study in
# this fresh process; prints the pooled |u-alpha of the first code and the peak RSS.
_FAMILY = """
import sys, time
import numpy as np
from tcoder.agreement import gather
from tcoder.agreement.arrays import span_arrays
from tcoder.agreement.sweep import merge_overlapping
from tcoder.agreement.unitizing2016 import FamilySums, family, family_sums
from tcoder.study import open_study
start = time.perf_counter()
data = gather(open_study(sys.argv[1]), ["alice", "bob", "carol"])
arrays = span_arrays(data)
loaded = time.perf_counter() - start
n_t, n_c = arrays.observers.shape
n_k = len(arrays.codes)
key = (arrays.transcript * n_c + arrays.coder) * n_k + arrays.code
key, s, e, _ = merge_overlapping(key, arrays.start, arrays.end)
group = (key // (n_c * n_k)) * n_k + key % n_k
coder = (key // n_k) % n_c
sums = family_sums(np.repeat(arrays.lengths, n_k), np.repeat(arrays.observers, n_k, axis=0), group, coder,
                   np.ones(len(s), dtype=np.int64), s, e, 1)
flat = sums.flat().reshape(n_t, n_k, -1).sum(axis=0)  # pooled over transcripts, per code
result = family(FamilySums.unflat(flat, 1))
elapsed = time.perf_counter() - start
print("codes", n_k, "binary", float(result.binary[0]), "load", loaded, "total", elapsed, "cpu", time.process_time())
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("peak_rss_kb", line.split()[1])
"""


def family_benchmark(root: Path, repeat: int) -> list[tuple[str, str, str]]:
    study_dir = root / "span-5m"
    if not study_dir.exists():
        generate_study(study_dir, transcripts=200, chars=5_000_000, codes=60, annotations=60_000, seed=1)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _FAMILY, str(study_dir)], capture_output=True, text=True,
                              check=True)
        wall = time.perf_counter() - start
        words = dict(zip(done.stdout.split()[::2], done.stdout.split()[1::2], strict=False))
        runs.append((wall, float(words["total"]), float(words["load"]), int(words["peak_rss_kb"]) / 1024,
                     int(words["codes"]), float(words["cpu"])))
    wall, total, load, _, codes, cpu = min(runs)
    peak = max(r[3] for r in runs)
    return [
        ("2016 family: every code of every transcript (whole process)", f"{wall:.2f} s",
         f"goal < 5 s; CPU {cpu:.2f} s"),
        ("2016 family: of which reading the study", f"{load:.2f} s", ""),
        ("2016 family: of which the family itself", f"{(total - load) * 1000:.0f} ms", f"{codes} codes x 200 "
                                                                                      "transcripts"),
        ("2016 family: peak memory (RSS)", f"{peak:.0f} MB", "goal < 500 MB"),
    ]


def bootstrap_benchmark(root: Path, repeat: int) -> list[tuple[str, str, str]]:
    study_dir = root / "span-5m"
    if not study_dir.exists():
        generate_study(study_dir, transcripts=200, chars=5_000_000, codes=60, annotations=60_000, seed=1)
    rows = []
    plain = min(cpu_of(["agree", str(study_dir), "--unit", "sentence", "--format", "json"])
                for _ in range(repeat))
    rows.append(("bootstrap: none, sentence unit (whole process, for comparison)", f"{plain[0]:.2f} s",
                 f"CPU {plain[1]:.2f} s"))
    for resample, what in (("auto", "whole transcripts"), ("turn", "speaker turns")):
        runs = [cpu_of(["agree", str(study_dir), "--unit", "sentence", "--bootstrap", "1000", "--resample",
                        resample, "--format", "json"]) for _ in range(repeat)]
        wall, cpu, _ = min(runs)
        peak = max(r[2] for r in runs)
        rows.append((f"bootstrap: 1,000 samples resampling {what}, sentence unit (whole process)",
                     f"{wall:.2f} s", f"goal < 10 s; CPU {cpu:.2f} s; peak {peak:.0f} MB"))
    return rows


def compare_view_benchmark(repeat: int) -> list[tuple[str, str, str]]:
    import random

    from generate import _vocabulary, make_text
    from tcoder.agreement import transcript_agreement
    from tcoder.transcript import Transcript

    rng = random.Random(7)
    text = make_text(rng, 50_000, _vocabulary(rng))[:50_000]
    codes = [f"code-{i}" for i in range(30)]
    shared = [(rng.choice(codes), s, s + rng.randint(20, 600)) for s in
              (rng.randrange(0, len(text) - 600) for _ in range(100))]
    spans = {coder: [(c, max(0, s + rng.randint(-15, 15)), min(len(text), e + rng.randint(-15, 15)))
                     for c, s, e in shared if rng.random() > 0.15] for coder in ("alice", "bob", "carol")}
    rows = []
    for unit in ("char", "sentence", "span"):
        first, again = [], []
        for _ in range(max(repeat, 5) * 4):
            fresh = Transcript(text)  # a new transcript: its units are found again
            start = time.perf_counter()
            transcript_agreement(fresh, spans, unit)
            first.append(time.perf_counter() - start)
            start = time.perf_counter()
            transcript_agreement(fresh, spans, unit)
            again.append(time.perf_counter() - start)
        rows.append((f"compare view: 50,000 characters, unit {unit}, first call",
                     f"{statistics.median(first) * 1000:.1f} ms", "goal < 50 ms"))
        if unit == "sentence":
            rows.append((f"compare view: 50,000 characters, unit {unit}, repeated",
                         f"{statistics.median(again) * 1000:.1f} ms", "units cached per transcript"))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, help="folder for the generated studies (kept; default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (the best is shown)")
    parser.add_argument("--only", choices=("char", "span", "family", "bootstrap", "compare"), action="append",
                        help="run only these benchmarks (repeatable; default: all)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.work or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        chosen = set(args.only or ("char", "span", "family", "bootstrap", "compare"))
        rows = []
        for name, run in (("char", lambda: char_benchmark(root, args.repeat)),
                          ("span", lambda: span_benchmark(root, args.repeat)),
                          ("family", lambda: family_benchmark(root, args.repeat)),
                          ("bootstrap", lambda: bootstrap_benchmark(root, args.repeat)),
                          ("compare", lambda: compare_view_benchmark(args.repeat))):
            if name in chosen:
                rows += run()
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"Agreement benchmark (Python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    print(f"{'measure':<{width}}  {'result':>{value_width}}  note")
    print(f"{'-' * width}  {'-' * value_width}  ----")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {note}")


if __name__ == "__main__":
    main()

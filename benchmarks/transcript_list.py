"""The transcript list: time to fill every row's counts, for growing studies.

    python benchmarks/transcript_list.py [--transcripts 200,800,3200]

For each size, generates a study (small transcripts, a few annotations each, under
a benchmarks cache folder that git ignores), opens `tcoder code`'s transcript list
headless at 120x40, and times until every row shows its counts, as wall clock and
as the CPU time of the process (which a busy machine disturbs less). Linear growth
keeps the time per transcript flat.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from generate import generate_study  # noqa: E402

CACHE = HERE / ".cache"


def study_of(transcripts: int) -> Path:
    root = CACHE / f"list-{transcripts}"
    if not (root / "codebook.yaml").exists():
        generate_study(root, transcripts=transcripts, chars=transcripts * 2_000, coders=("alice", "bob"),
                       annotations=transcripts * 6)
    return root


def fill_time(root: Path) -> tuple[float, float, int]:
    from tcoder.study import open_study
    from tcoder.tui.app import TcoderApp
    from tcoder.tui.screens.transcripts import TranscriptListScreen

    study = open_study(root)
    app = TcoderApp(study, "alice", None, cursor_blink=False)
    result: dict[str, float] = {}

    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            started, started_cpu = time.perf_counter(), time.process_time()
            while True:
                screen = app.screen
                if isinstance(screen, TranscriptListScreen) and len(screen.stats) == len(study.transcripts):
                    break
                await pilot.pause(0.01)
            await pilot.pause()
            result["wall"] = time.perf_counter() - started
            result["cpu"] = time.process_time() - started_cpu

    asyncio.run(main())
    return result["wall"], result["cpu"], len(study.transcripts)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--transcripts", default="200,800,3200")
    args = p.parse_args(argv)
    print("| transcripts | fill, wall (s) | CPU (s) | CPU per transcript (ms) |")
    print("| ---: | ---: | ---: | ---: |")
    for n in (int(v) for v in args.transcripts.split(",")):
        wall, cpu, count = fill_time(study_of(n))
        print(f"| {count:,} | {wall:.2f} | {cpu:.2f} | {1000 * cpu / count:.2f} |", flush=True)


if __name__ == "__main__":
    main()

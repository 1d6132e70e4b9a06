"""Coding TUI: the CPU time from a key to its frame, which a busy machine does not inflate.

    python benchmarks/tui_frame_cpu.py [--chars 1000000] [--annotations 5000] [--presses 60]
        [--size 120x40]

Runs ``tcoder code`` in-process with Textual's headless driver on a generated study (one
transcript, one coder's file), makes each frame's escape sequences as a terminal's
driver would (they are not written anywhere), and times, in CPU time of the screen's
thread, each key from its arrival at the app to the end of its frame: page down, page
up (from the end of the text), cursor down and shift+down, a key every 60 ms. What
runs between keys (the next page drawn, the side panels once the cursor rests) is not
in these figures; ``benchmarks/tui.py`` gives the CPU per key with it, and wall times.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_study  # noqa: E402

KEYS = ("pagedown", "pageup", "down", "shift+down")


async def _measure(root: Path, key: str, presses: int, size: tuple[int, int]) -> list[float]:
    from textual import events

    from tcoder.study import open_study
    from tcoder.tui.app import TcoderApp

    started: list[float | None] = [None]
    samples: list[float] = []

    class TimedApp(TcoderApp):
        async def on_event(self, event: events.Event) -> None:
            if isinstance(event, events.Key) and started[0] is None:
                started[0] = time.thread_time()
            await super().on_event(event)

        def _display(self, screen, renderable) -> None:  # type: ignore[no-untyped-def]
            if renderable is not None:
                renderable.render_segments(self.console)  # what the terminal's driver writes
            super()._display(screen, renderable)
            if renderable is not None and started[0] is not None:
                samples.append(time.thread_time() - started[0])
                started[0] = None

    study = open_study(root)
    app = TimedApp(study, "alice", study.find("T0001"), cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(3)  # the annotation file read, the text wrapped
        if key == "pageup":
            await pilot.press("ctrl+end")
            await pilot.pause(0.3)
        for _ in range(3):
            await pilot.press(key)
            await pilot.pause(0.1)
        samples.clear()
        started[0] = None
        for _ in range(presses):
            await pilot.press(key)
            await pilot.pause(0.06)
    return samples


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chars", type=int, default=1_000_000)
    p.add_argument("--annotations", type=int, default=5000)
    p.add_argument("--presses", type=int, default=60)
    p.add_argument("--size", default="120x40")
    a = p.parse_args(argv)
    width, height = (int(v) for v in a.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="tcoder-frame-cpu-"))
    try:
        root = generate_study(work / "study", transcripts=1, chars=a.chars, coders=("alice",), codes=60,
                              annotations=a.annotations, seed=4)
        print(f"Coding TUI, key to frame in CPU time of the screen's thread: {a.chars:,} characters, "
              f"{a.annotations:,} annotations, {width}x{height}, Python {sys.version.split()[0]}")
        for key in KEYS:
            ms = sorted(s * 1000 for s in asyncio.run(_measure(root, key, a.presses, (width, height))))
            p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
            print(f"{key:<11} n={len(ms):<4} median {statistics.median(ms):5.2f} ms  p95 {p95:5.2f} ms  "
                  f"max {ms[-1]:5.2f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

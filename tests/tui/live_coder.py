"""One coder at work, as a separate process for the live pairing test:
``python live_coder.py STUDY CODER PARTNER GO_FILE KEYS...``

Runs the coding screen headless (``--with PARTNER``), waits for GO_FILE so both
coders start together, then codes one sentence per key in KEYS (a sentence, the
next turn's sentence...), a little apart, and keeps watching until the partner's
file holds as many annotations as it coded itself, or a few seconds pass. Prints
one JSON line: what this coder coded and what it saw of the partner's spans.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tuikit import make_app  # noqa: E402


def main(root: str, coder: str, partner: str, go_file: str, keys: list[str]) -> None:
    app = make_app(Path(root), coder=coder)
    app.partners = [partner]
    report: dict = {}

    async def scenario(pilot) -> None:
        screen = pilot.app.screen
        while not screen.watching:
            await pilot.pause(0.05)
        while not os.path.exists(go_file):
            await pilot.pause(0.02)
        for key in keys:
            await pilot.press("right_curly_bracket", "full_stop", key)  # next turn, its first sentence, code
            await pilot.pause(0.05)
        [other] = screen.partners
        deadline = time.monotonic() + 8
        while len(other.annotations) < len(keys) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        screen.session.flush()
        report["mine"] = sorted((a.code, a.start, a.end) for a in screen.session.annotations)
        report["seen"] = sorted((a.code, a.start, a.end) for a in other.annotations)

    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await scenario(pilot)

    asyncio.run(run())
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])

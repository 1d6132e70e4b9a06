"""Helpers for the coding TUI's tests: a study made for them, and running the app headless."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Awaitable, Callable

from studykit import StudyBuilder

TUI_CODEBOOK = """\
title: Coding screen test codebook
codes:
  - id: motivation
    name: Motivations
    description: Why the learner became involved.
    codes:
      - id: personal
        name: Personal experience
        key: p
        description: The speaker's own experience of racism.
        include: First-person accounts.
        exclude: Stories about other people (use Witnessing).
        examples: ["I saw how she was treated"]
      - {id: witnessing, name: Witnessing inequity, key: w}
      - {id: duty, name: Professional duty}
  - id: strategy
    name: Strategies
    codes:
      - {id: curriculum, name: Curriculum advocacy, key: a}
      - {id: leaders, name: Advocacy with leaders, key: A}
      - {id: outreach, name: Community outreach, key: o}
  - id: stance
    name: Stance
    exclusive: true
    level: ordinal
    codes:
      - {id: stance-low, name: Low, value: 1, key: "1"}
      - {id: stance-high, name: High, value: 2, key: "2"}
"""

TUI_TRANSCRIPT = """\
Interviewer: Thanks for joining. What got you involved?

Amara: Honestly, it was my grandmother. I saw how she was treated at the clinic. That stayed with me for a long time, and it still does when I walk into a ward.

Interviewer: And what did you do about it?

Amara: We pushed to change the renal block. We also ran a free clinic day in the neighbourhood. Dr. Khan helped us.

Interviewer: Were there setbacks?

Amara: The dean said [bold]no[/bold] at first. Someone pasted \x1b[31mred text\x1b[0m into the chat.

Ben: I joined later.
"""

SECOND_TRANSCRIPT = """\
Moderator: Welcome, everyone.

Chloe: I coordinate the outreach group.
"""


def build_tui_study(builder: StudyBuilder, *, annotations: bool = True) -> StudyBuilder:
    builder.codebook(TUI_CODEBOOK)
    builder.transcript("interviews/P01.txt", TUI_TRANSCRIPT)
    builder.transcript("focus-groups/FG1.txt", SECOND_TRANSCRIPT)
    if annotations:
        text = TUI_TRANSCRIPT
        grandmother = text.index("my grandmother")
        renal = text.index("We pushed")
        builder.annotations("interviews/P01.txt", "alice", [
            ("personal", grandmother, text.index(" That stayed")),
            ("witnessing", text.index("I saw"), text.index(" That stayed")),
            ("curriculum", renal, text.index(" We also")),
        ])
        builder.annotations("interviews/P01.txt", "bob", [("personal", grandmother, grandmother + 14)])
    return builder


def make_app(root: Path, coder: str | None = "alice", transcript: str | None = "interviews/P01.txt"):
    from tcoder.study import open_study
    from tcoder.tui.app import TcoderApp

    study = open_study(root)
    ref = study.find(transcript) if transcript else None
    return TcoderApp(study, coder, ref, cursor_blink=False)


def run_app(app, scenario: Callable[..., Awaitable[None]], size: tuple[int, int] = (120, 40)) -> None:
    """Run ``scenario(pilot)`` against the app headless, then let it close (which flushes saves)."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot)
            await pilot.pause()

    asyncio.run(main())


async def wait_until(pilot, predicate: Callable[[], object], timeout: float = 15.0,
                     what: str | Callable[[], str] = "") -> None:
    """Let the app run until ``predicate()`` is true; fail after ``timeout`` seconds (generous:
    the machine may be busy). Use it instead of fixed pauses: it waits as long as needed and
    no longer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"still not true after {timeout} s: {said or predicate}; the screen shows:\n"
                                 + screen_text(pilot.app))
        await pilot.pause(0.01)


def type_burst(app, keys: list[str]) -> None:
    """Send keys the way a terminal delivers a fast typist's keys: all at once, without
    waiting for any of them to be handled (``pilot.press`` waits after each)."""
    from textual import events
    from textual.keys import _character_to_key  # the key names Textual's own driver gives characters

    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))
        else:
            app.post_message(events.Key(key, " " if key == "space" else None))


def screen_text(app) -> str:
    """What the terminal shows, as plain text, one line per row."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return "\n".join("".join(segment.text for strip in line for segment in strip) for line in update.strips)


def make_compare_app(root: Path, transcript: str = "interviews/P01.txt", coders: list[str] | None = None,
                     unit: str = "char"):
    """`tcoder compare ROOT TRANSCRIPT` as an app to drive with Pilot."""
    from tcoder.study import open_study
    from tcoder.tui.compare_app import CompareApp

    study = open_study(root)
    return CompareApp(study, study.find(transcript), coders, unit=unit, cursor_blink=False)

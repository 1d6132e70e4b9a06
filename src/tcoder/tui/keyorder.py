"""Keys handled in the order they were typed, each one completely before the next.

Textual passes a key to the focused widget and moves on to the next one at
once; a key's bindings run only when it has bubbled back up to the app. A fast
typist's keys therefore overtake each other: ``space`` (open the code picker)
followed at once by ``disill`` reached the coding screen, whose letter keys
apply codes, before the picker was open, and the letters that followed reached
the picker before it had a text box with the focus, where they were dropped.

:class:`KeyOrder` hands the app one key at a time. Behind each key it sends a
:class:`KeyHandled` marker along the same way; the marker reaches the app only
once every widget before it has handled the key (or the app has run its
binding). A key waiting for a screen that is still being built waits until a
widget there has the focus. Nothing typed is lost or reordered.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Awaitable, Callable

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.timer import Timer
from textual.widgets import Input, TextArea

#: A key waits at most this long for a newly opened screen to give a widget the focus.
FOCUS_WAIT_SECONDS = 1.0
#: A marker that has not come back by then was dropped (its widget went away with
#: its screen); the next key goes ahead.
MARKER_WAIT_SECONDS = 3.0
#: How often waiting keys look again.
CHECK_SECONDS = 0.02


class KeyHandled(events.Event, bubble=True, verbose=True):
    """Follows a key to the widget it was sent to, and bubbles up behind it."""


class KeyOrder:
    """The queue of typed keys of one app. ``forward`` is Textual's own handling of a
    key (priority bindings, then the focused widget)."""

    def __init__(self, app: App, forward: Callable[[events.Key], Awaitable[None]]) -> None:
        self.app = app
        self._forward = forward
        self._waiting: deque[events.Key] = deque()
        self._in_flight: DOMNode | None = None
        self._marker: KeyHandled | None = None
        self._since = 0.0
        self._focus_wait_since: float | None = None
        self._timer: Timer | None = None

    @property
    def idle(self) -> bool:
        """Every key typed so far has been handled."""
        return self._in_flight is None and not self._waiting

    async def typed(self, event: events.Key) -> None:
        """A key from the terminal."""
        self._waiting.append(event)
        await self._next()

    async def handled(self, marker: KeyHandled) -> None:
        """A marker came back to the app: the key before it is handled."""
        if marker is self._marker:
            self._in_flight = self._marker = None
            await self._next()

    async def _next(self) -> None:
        app = self.app
        while self._in_flight is None and self._waiting:
            if not app.screen_stack:  # the app is closing
                self._waiting.clear()
                return
            screen = app.screen
            if app.focused is None and not screen.is_mounted:
                # A screen just opened (a dialog): its text box takes the focus once built.
                now = time.monotonic()
                if self._focus_wait_since is None:
                    self._focus_wait_since = now
                if now - self._focus_wait_since < FOCUS_WAIT_SECONDS:
                    self._check_later()
                    return
            self._focus_wait_since = None
            event = self._waiting.popleft()
            follow = self._may_change_screens(event)
            await self._forward(event)
            if not follow:
                continue
            target: DOMNode = app.focused or app.screen
            marker = KeyHandled()
            if target.post_message(marker):
                self._in_flight, self._marker, self._since = target, marker, time.monotonic()
                self._check_later()

    def _may_change_screens(self, event: events.Key) -> bool:
        """Whether the keys after this one must wait until it is handled: a key bound to a
        command may open or close a screen. Text typed into a text box, and keys bound to
        nothing (a code's key), go on at once, as Textual passes them."""
        app = self.app
        if event.is_printable and isinstance(app.focused, (Input, TextArea)):
            return False
        bound = app.screen.active_bindings
        return any(key in bound for key in (event.key, *event.aliases))

    def _check_later(self) -> None:
        if self._timer is None:
            self._timer = self.app.set_timer(CHECK_SECONDS, self._check)

    async def _check(self) -> None:
        self._timer = None
        target = self._in_flight
        if target is not None:
            gone = not target.is_attached or (time.monotonic() - self._since > MARKER_WAIT_SECONDS)
            if not gone:
                self._check_later()
                return
            self._in_flight = self._marker = None
        await self._next()


__all__ = ["KeyHandled", "KeyOrder"]

"""Live updates for the coding and compare screens: the transcript's folder is
watched in a worker thread (see :mod:`tcoder.watch`) and each saved annotation
file is reported to the screen as a message, within a few tens of milliseconds.

The thread is a plain daemon thread rather than a Textual worker: it runs for the
screen's whole life, and Textual's ``workers.wait_for_complete()`` (which tests
use to let a screen settle) would otherwise wait for it forever.

Set ``TCODER_WATCH=poll`` to skip watching and check the files every second
instead (the same fallback the screens use when the folder cannot be watched).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

from textual.message import Message
from textual.screen import Screen

from tcoder.watch import WatchUnavailable, annotation_names, watch_folder


class FilesChanged(Message):
    """Annotation files of the transcript were saved, replaced or deleted."""

    def __init__(self, paths: set[Path]) -> None:
        super().__init__()
        self.paths = paths


class CodebookChanged(Message):
    """The codebook (or its history) was saved, replaced or deleted: by a codebook
    operation in another coder's window, or by hand in an editor."""

    def __init__(self, paths: set[Path]) -> None:
        super().__init__()
        self.paths = paths


class WatchStarted(Message):
    """The folder is being watched: changes now arrive as :class:`FilesChanged`."""


class WatchFailed(Message):
    """The folder cannot be watched; the screen falls back to polling."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def watching_disabled() -> bool:
    return os.environ.get("TCODER_WATCH", "").strip().lower() in ("poll", "off", "0", "no")


class FolderWatcher:
    """Watches the folder of one transcript's annotation files for a screen."""

    def __init__(self, screen: Screen, folder: Path, stem: str) -> None:
        self.screen = screen
        self.folder = folder
        self.wanted: Callable[[str], bool] = annotation_names(stem)
        self.message: Callable[[set[Path]], Message] = FilesChanged
        self.ready: Callable[[], Message] | None = WatchStarted
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if watching_disabled():
            self.screen.post_message(WatchFailed("TCODER_WATCH=poll"))
            return
        self._thread = threading.Thread(target=self._run, name=f"tcoder-watch {self.folder.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        post = self.screen.post_message
        ready = self.ready
        try:
            watch_folder(self.folder, self.wanted, lambda paths: post(self.message(paths)), self._stop,
                         on_ready=(lambda: post(ready())) if ready is not None else None)
        except WatchUnavailable as exc:
            if not self._stop.is_set() and self.ready is not None:
                post(WatchFailed(str(exc)))

    def stop(self) -> None:
        """Stop watching; the thread ends within a few tens of milliseconds."""
        self._stop.set()


class CodebookWatcher(FolderWatcher):
    """Watches the codebook file and its history for a screen (:class:`CodebookChanged`).
    When the folder cannot be watched it says nothing: the screen's one-second poll
    looks at the codebook too."""

    def __init__(self, screen: Screen, codebook_path: Path, history_path: Path) -> None:
        super().__init__(screen, codebook_path.parent, codebook_path.stem)
        names = {codebook_path.name, history_path.name}
        self.wanted = names.__contains__
        self.message = CodebookChanged
        self.ready = None


__all__ = ["CodebookChanged", "CodebookWatcher", "FilesChanged", "FolderWatcher", "WatchFailed", "WatchStarted",
           "watching_disabled"]

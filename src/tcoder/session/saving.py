"""When and where a coding session writes its file.

A change is saved at once, atomically. :class:`SavePolicy` decides how: in the
caller's thread, scheduled right after the screen's next frame, or on a thread
(:class:`BackgroundSaver`) once the disk has proved slow. The session does the
writing and merging; this module only times it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Literal

if TYPE_CHECKING:
    from tcoder.annotations import AnnotationFile

SaveStatus = Literal["saved", "saving", "unchanged", "failed", "read-only"]

#: Writes one snapshot of the file: (the annotations, the session's revision they are of).
Write = Callable[["AnnotationFile", int], None]
#: Runs a callable later, e.g. right after the screen's next frame.
Schedule = Callable[[Callable[[], object]], object]

#: A disk is slow when this many of the last :data:`SLOW_WINDOW` saves took too long (not one hiccup).
SLOW_SAVES = 3
SLOW_WINDOW = 5

#: A file this large takes longer than a frame to encode and write (27 MB with 50,000
#: annotations: 0.15-0.3 s of CPU per save, more for the fsync), so its saves are
#: written on a thread from the first change, not after three frozen frames.
LARGE_FILE_BYTES = 4_000_000


@dataclass(slots=True)
class SaveState:
    """What the status line says about saving."""

    status: SaveStatus = "unchanged"
    at: datetime | None = None
    message: str = ""


class BackgroundSaver:
    """Writes the annotation file on a thread right after each change, so a key
    press is drawn while the file is written and fsynced. Changes that arrive
    while a write is running are written next, newest only; ``flush`` waits for
    everything submitted to be on disk."""

    def __init__(self, write: Write) -> None:
        self._write = write  # runs on the thread
        self._cond = threading.Condition()
        self._pending: tuple[AnnotationFile, int] | None = None
        self._prepare: Callable[[], object] | None = None
        self._busy = False
        self._stopped = False
        self._thread: threading.Thread | None = None

    @property
    def idle(self) -> bool:
        with self._cond:
            return self._pending is None and self._prepare is None and not self._busy

    def submit(self, af: AnnotationFile, revision: int) -> None:
        with self._cond:
            self._pending = (af, revision)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tcoder-save", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def prepare(self, work: Callable[[], object]) -> None:
        """Run ``work`` on the saving thread before the next write (e.g. encoding every
        line of a large file once, so the first save re-encodes only what changed)."""
        with self._cond:
            self._prepare = work
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tcoder-save", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and self._prepare is None and not self._stopped:
                    self._cond.wait()
                prepare, self._prepare = self._prepare, None
                if self._pending is None and prepare is None:
                    return
                job, self._pending = self._pending, None
                self._busy = True
            try:
                if prepare is not None:
                    prepare()
                if job is not None:
                    self._write(*job)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def flush(self, timeout: float | None = 30.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and self._prepare is None and not self._busy,
                                       timeout)

    def stop(self) -> None:
        self.flush()
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)


class SavePolicy:
    """How each change is saved.

    - ``background``: on a thread from the start.
    - ``schedule``: the save of each change runs through it (a screen passes "right
      after the next frame", so a change is drawn first and written a few
      milliseconds later instead of competing with the drawing); without it the
      save runs at once.
    - ``slow_seconds``: saves run in the caller's thread (the change and its save
      land in one frame) until the disk proves slow (:data:`SLOW_SAVES` of the last
      :data:`SLOW_WINDOW` saves took longer than this: a network folder, a busy
      disk); from then on each change is saved on a thread, as ``schedule`` arranges.
      A file of :data:`LARGE_FILE_BYTES` or more is slow to save on any disk:
      :meth:`expect_large` moves its saves to a thread from the start.
    """

    def __init__(self, write: Write, *, background: bool = False, schedule: Schedule | None = None,
                 slow_seconds: float | None = None) -> None:
        self._write = write
        self.saver: BackgroundSaver | None = BackgroundSaver(write) if background else None
        self.schedule = schedule
        self.slow_seconds = slow_seconds
        self._recent: list[float] = []  # the last few save durations

    @property
    def in_background(self) -> bool:
        """Saves are written on a thread (from the start, or since the disk proved slow)."""
        return self.saver is not None

    @property
    def deferred(self) -> bool:
        """A change's save runs later, through ``schedule``, rather than at once."""
        if self.schedule is None:
            return False
        return self.slow_seconds is None or self.saver is not None

    def expect_large(self, size: int, make_prepare: Callable[[], Callable[[], object]]) -> None:
        """The file holds ``size`` bytes: when that is large, save on a thread from the
        first change (when saves would otherwise start in the caller's thread), and run
        the work ``make_prepare()`` returns (made now, in the caller's thread) on the
        saving thread once the screen has drawn its first frame. A small file costs
        nothing here."""
        if size < LARGE_FILE_BYTES:
            return
        if self.saver is None:
            if self.slow_seconds is None:
                return
            self.saver = BackgroundSaver(self._write)
        saver = self.saver
        prepare = make_prepare()
        if self.schedule is not None:
            self.schedule(lambda: saver.prepare(prepare))
        else:
            saver.prepare(prepare)

    def took(self, seconds: float) -> None:
        """A save in the caller's thread took ``seconds``: a slow disk moves later saves to a thread."""
        slow = self.slow_seconds
        if slow is None or self.saver is not None:
            return
        self._recent = [*self._recent[-(SLOW_WINDOW - 1):], seconds]
        if sum(d > slow for d in self._recent) >= SLOW_SAVES:
            self.saver = BackgroundSaver(self._write)

    @property
    def idle(self) -> bool:
        """Nothing is being written on the saving thread right now."""
        return self.saver is None or self.saver.idle

    def flush(self, timeout: float | None = 30.0) -> None:
        """Wait (at most ``timeout`` seconds) until everything submitted is written."""
        if self.saver is not None:
            self.saver.flush(timeout)

    def stop(self) -> None:
        """Finish writing and end the saving thread."""
        if self.saver is not None:
            self.saver.stop()


__all__ = ["LARGE_FILE_BYTES", "BackgroundSaver", "SavePolicy", "SaveState", "SaveStatus"]

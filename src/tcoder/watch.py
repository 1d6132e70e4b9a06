"""Watching a transcript's folder for annotation files saved by others (live pairing).

The folder is watched, not the files: every save replaces an annotation file by
renaming a temporary file over it (a new inode), which a watch on the old file
would never see. watchfiles (inotify on Linux, FSEvents on macOS) reports the
rename within a few tens of milliseconds. :func:`watch_folder` blocks, so the
screens run it in a worker thread and fall back to polling when the operating
system cannot watch (:class:`WatchUnavailable`).
"""

from __future__ import annotations

import os
import threading
from functools import partial
from pathlib import Path
from typing import Callable

from tcoder.annotations import is_annotation_name_of

#: How long watchfiles gathers changes before reporting them, and how often it looks (ms).
DEBOUNCE_MS = 50
STEP_MS = 20
#: With no change for this long the watch reports an empty set; the first one says it is running.
IDLE_MS = 500


class WatchUnavailable(Exception):
    """The folder cannot be watched (no watchfiles, no inotify, too many watches...)."""


def annotation_names(stem: str) -> Callable[[str], bool]:
    """A filter for the annotation files of the transcript ``stem`` (any coder)."""
    return partial(is_annotation_name_of, transcript_stem=stem)


def watch_folder(folder: Path, wanted: Callable[[str], bool], on_change: Callable[[set[Path]], object],
                 stop: threading.Event, on_ready: Callable[[], object] | None = None) -> None:
    """Call ``on_change`` with the paths of wanted files that were written, replaced
    or deleted in ``folder`` (not below it), until ``stop`` is set. ``on_ready`` is
    called once the operating system is watching. Raises :class:`WatchUnavailable`."""
    try:
        from watchfiles import watch
    except ImportError as exc:  # pragma: no cover - watchfiles is a dependency
        raise WatchUnavailable(f"watchfiles is not installed ({exc})") from None

    def keep(change: object, path: str) -> bool:
        return wanted(os.path.basename(path))

    ready = False
    try:
        for changes in watch(folder, watch_filter=keep, debounce=DEBOUNCE_MS, step=STEP_MS, stop_event=stop,
                             rust_timeout=IDLE_MS, yield_on_timeout=True, raise_interrupt=False,
                             recursive=False):
            if not ready:
                ready = True
                if on_ready is not None:
                    on_ready()
            if changes:
                on_change({Path(path) for _, path in changes})
    except (OSError, RuntimeError) as exc:
        raise WatchUnavailable(str(exc) or type(exc).__name__) from None


__all__ = ["DEBOUNCE_MS", "WatchUnavailable", "annotation_names", "watch_folder"]

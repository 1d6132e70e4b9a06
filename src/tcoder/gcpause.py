"""Memory of a large read: pausing Python's cycle collector while many objects are built
at once, keeping them out of its passes, and giving freed memory back to the system.

Building tens of thousands of objects (the annotations of a large file) makes the
collector run again and again over everything already built, each pass longer than
the last: with 50,000 annotations that is most of the time a file takes to read.
The objects built hold no reference cycles, so nothing is lost by collecting once
they are all there (the collector runs as usual afterwards).
"""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """Within the block the cycle collector does not run (if it was on, it is on again after)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def keep_as_long_lived() -> None:
    """Exempt every object alive now from the collector's passes: what a screen has just
    loaded and keeps open (a large annotation file) is then not walked again on every
    full pass while the user works, a pass that took 50-200 ms with 50,000 annotations.
    Objects freed later are still freed (by their counts)."""
    gc.freeze()


def release_long_lived() -> None:
    """Undo :func:`keep_as_long_lived` and collect what it held that is garbage by now
    (a screen closed since, with its cycles), before something else is loaded to keep."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()


def collect_if_due(ahead: int = 4) -> None:
    """At a moment of rest (a screen between keys), run the pass over the middle generation
    that the next few allocations would run anyway, in the middle of whatever comes next
    (2-4 ms with a large study open, within a key's frame otherwise). ``ahead``: how many
    passes over the youngest generation may come first (a key's frame makes about four).
    When the next middle pass may become a full one, nothing is done: Python decides
    that (it weighs what survived since the last full pass), at its usual moment."""
    if not gc.isenabled():
        return
    _young, middle, old = gc.get_count()
    _, middle_threshold, old_threshold = gc.get_threshold()
    if middle + ahead > middle_threshold and old + 1 <= old_threshold:
        gc.collect(1)


def return_free_memory() -> None:
    """Give memory freed after a large read (the parsed JSON, the file's bytes) back to the
    system, where the C library can (glibc's ``malloc_trim``): it otherwise stays with the
    process, tens of megabytes after reading a 27 MB annotation file."""
    global _trim
    if _trim is None:
        _trim = _find_trim()
    if _trim is not False:
        _trim(0)


_trim: Any = None


def _find_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # another C library (musl): nothing to trim
        return False


__all__ = ["collect_if_due", "collector_paused", "keep_as_long_lived", "release_long_lived", "return_free_memory"]

"""The session's view of its file on disk: whether it changed, what a merge with it
did, and how often a screen looks.

A screen either watches the folder (tcoder.watch, through tui/live.py) and calls
:meth:`~tcoder.session.CodingSession.file_changed` on each event, or, when the
folder cannot be watched, relies on :meth:`~tcoder.session.CodingSession.poll`
every :data:`POLL_SECONDS`, which also takes the lock once another window closes
and retries a save that failed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tcoder.errors import Problem
from tcoder.numbers import plural

#: How often a screen polls: the lock, a failed save, and (when the folder cannot be
#: watched) files changed on disk.
POLL_SECONDS = 1.0
#: A change seen while the session's own save is being written is looked at again this much later.
RECHECK_SECONDS = 0.1

#: What identifies one version of a file on disk: (mtime in ns, size, inode); None when it is absent.
DiskStamp = tuple[int, int, int] | None


def disk_stamp(path: Path) -> DiskStamp:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


@dataclass(slots=True)
class SyncReport:
    """What a reload from disk did."""

    added: int = 0
    removed: int = 0
    updated: int = 0
    conflicts: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: what was removed because the file on disk no longer had it: "'quote' (code)", in text order
    removed_passages: list[str] = field(default_factory=list)
    #: the file on disk was a version this session had already read or written (a sync tool
    #: or git wrote an older version back): nothing was taken from it, and the newer
    #: state (this many annotations differ from it) is written again
    stale: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.updated or self.conflicts or self.stale)

    def summary(self) -> str:
        if self.problems:
            return str(self.problems[0].message)
        if self.stale:
            return (f"an older version of the file was written on disk (by a sync tool or git?): it lacks "
                    f"{self.stale} of the changes already saved here, which are kept and saved again")
        parts = []
        for n, word in ((self.added, "added"), (self.removed, "removed"), (self.updated, "changed")):
            if n:
                parts.append(f"{n} {word}")
        text = "file changed on disk; merged by id" + (f" ({', '.join(parts)})" if parts else "")
        if self.removed_passages:
            shown = self.removed_passages[:3]
            more = len(self.removed_passages) - len(shown)
            text += "; removed there: " + ", ".join(shown) + (f" and {more} more" if more else "")
        if self.conflicts:
            text += (f"; {plural(self.conflicts, 'annotation', 'was')} changed both here and on disk: yours stays in "
                     "place and the other version is recorded in the file (tcoder check lists it; settle it "
                     "with 'tcoder git resolve')")
        return text


__all__ = ["DiskStamp", "POLL_SECONDS", "RECHECK_SECONDS", "SyncReport", "disk_stamp"]

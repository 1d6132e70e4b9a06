"""Lock files that leave nothing behind after a clean exit.

One writer per annotation file, one operation per study: each is an operating
system lock (``flock``, through the filelock package) on a small file beside
what it protects, holding who took it. The operating system releases the lock
when its process dies, so a crash leaves a file that the next taker simply
takes over. A clean release removes the file: study folders are often synced
(Dropbox, OneDrive, a shared drive), and a lock file left there would travel to
every colleague's copy.

Removing is safe while the lock is held: a process that opened the old file and
locks it after this one released finds it removed and tries again (filelock
checks that the file it locked is still linked; :meth:`LockFile.acquire`
retries when the file vanished under it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

#: Attempts when the file vanished between opening and locking it (its holder removed it on release).
_ATTEMPTS = 5


class LockFile:
    """An exclusive lock held through the file ``path``. ``describe`` gives who takes it
    (written into the file when the lock is taken, read back by :meth:`holder`)."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float, describe: Callable[[], dict[str, Any]]):
        from filelock import FileLock

        self.path = Path(path)
        self._describe = describe
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file this process locked
        self._lock = FileLock(str(self.path), timeout=timeout, thread_local=False, on_acquired=self._record)

    def _record(self, fd: int) -> None:
        data = json.dumps(self._describe()).encode()
        # Write, then cut to length: truncating to zero first makes ext4 flush the file
        # to disk (its protection for files rewritten that way), which costs milliseconds
        # per lock, and a study-wide operation takes hundreds of locks.
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
        st = os.fstat(fd)
        self._identity = (st.st_dev, st.st_ino)

    def acquire(self) -> None:
        """Take the lock, waiting up to the timeout; :class:`filelock.Timeout` when another
        process holds it; :class:`OSError` when the file cannot be created."""
        from filelock import Timeout

        for attempt in range(_ATTEMPTS):
            try:
                self._lock.acquire()
                return
            except Timeout:
                # A holder that released while we were taking it removed the file: free now.
                if attempt + 1 < _ATTEMPTS and not os.path.lexists(self.path):
                    continue
                raise

    def release(self) -> None:
        """Remove the file (if it is still the one this process locked), then release the lock."""
        if not self._lock.is_locked:
            return
        identity, self._identity = self._identity, None
        if identity is not None:
            try:
                st = os.stat(self.path)
                if (st.st_dev, st.st_ino) == identity:
                    os.unlink(self.path)
            except OSError:
                pass  # gone already, or a read-only folder: the lock is released all the same
        self._lock.release()

    @property
    def is_locked(self) -> bool:
        return self._lock.is_locked

    def holder(self) -> dict[str, Any]:
        """Who holds (or last held) the lock, as written when it was taken; {} when unknown."""
        try:
            info = json.loads(self.path.read_text("utf-8") or "{}")
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}


__all__ = ["LockFile"]

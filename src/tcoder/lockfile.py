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

A study-wide operation locks hundreds of files at once. Creating a lock file
per annotation file costs a new inode each (a large share of a codebook rename
on ext4, more on a busy disk), so :class:`LockLinks` makes each of them a hard
link to one lock the operation already holds (the study's operation lock): a
writer that opens one of those names opens the held lock, finds it taken and
reads who holds it, exactly as with a lock file of its own. A link left by an
operation that was killed is recognised by its link count and removed by the
next taker (:meth:`LockFile.acquire`), so it never ties one file's lock to another's.
"""

from __future__ import annotations

import json
import os
import stat
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

        clear_stale_link(self.path)
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

    @property
    def identity(self) -> tuple[int, int] | None:
        """(device, inode) of the lock file while this process holds it."""
        return self._identity if self._lock.is_locked else None

    def holder(self) -> dict[str, Any]:
        """Who holds (or last held) the lock, as written when it was taken; {} when unknown."""
        try:
            info = json.loads(self.path.read_text("utf-8") or "{}")
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}


def clear_stale_link(path: str | os.PathLike[str]) -> None:
    """Remove ``path`` when it is a link of :class:`LockLinks` that nobody holds: one
    left by an operation that was killed. Taking it would hold the same lock as every
    other file of that operation (and its study's operation lock)."""
    if os.name != "posix":
        return
    import fcntl

    try:
        st = os.lstat(path)
    except OSError:
        return
    if st.st_nlink < 2 or not stat.S_ISREG(st.st_mode):
        return  # an ordinary lock file: filelock takes it over when its holder is gone
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (st.st_dev, st.st_ino):
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # held: a running operation; the caller finds it taken and names the holder
        try:
            now = os.lstat(path)
            if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
                os.unlink(path)
        except OSError:
            pass
    finally:
        os.close(fd)  # releases the probe's lock


class LockLinks:
    """Lock files of many files as hard links to ``held``, a :class:`LockFile` this
    process holds: each costs a directory entry instead of a new file. :meth:`link`
    returns False where a link cannot stand for a lock (not POSIX, a file system
    without hard links, another folder's device, a lock file already there), and the
    caller takes that file's own lock instead."""

    def __init__(self, held: LockFile) -> None:
        self._held = held
        self._identity = held.identity
        self._links: list[Path] = []
        self._usable = os.name == "posix"

    def link(self, path: str | os.PathLike[str]) -> bool:
        identity = self._held.identity
        if not self._usable or identity is None or identity != self._identity:
            return False
        path = Path(path)
        try:
            os.link(self._held.path, path)
        except FileExistsError:
            return False
        except OSError:
            self._usable = False  # no hard links here (or across these folders): per-file locks
            return False
        try:
            st = os.lstat(path)
        except OSError:
            return False
        if (st.st_dev, st.st_ino) != identity:  # cannot happen while the lock is held; never trust it
            return False
        self._links.append(path)
        return True

    def release(self) -> None:
        """Remove every link (before the held lock itself is released)."""
        identity = self._identity
        links, self._links = self._links, []
        for path in links:
            try:
                st = os.lstat(path)
                if (st.st_dev, st.st_ino) == identity:
                    os.unlink(path)
            except OSError:
                pass

    def __len__(self) -> int:
        return len(self._links)


__all__ = ["LockFile", "LockLinks", "clear_stale_link"]

"""Atomic file replacement: a crash leaves the old file or the new one, never a torn one."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to a temporary file in the same folder, fsync it, rename it over
    ``path``, then fsync the folder so the rename itself survives a power cut.

    ``durable=False`` leaves out both fsyncs: the replacement is still atomic for
    every reader and survives the process being killed, and the caller makes it
    durable later in one step (:func:`flush_filesystem`), as a batch of many files does.

    Any failure (a full disk, a read-only folder) removes the temporary file and raises
    :class:`OSError` naming ``path``, the file the user knows, never the temporary one."""
    path = Path(path)
    try:
        _write(path, data, durable)
    except OSError as exc:
        if exc.filename == str(path):
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


def _temporary_beside(path: Path) -> tuple[Path, int | None]:
    """The temporary file a write of ``path`` goes through (same folder, so the rename is atomic;
    a name ``check --fix`` recognises), and the permissions of the file it replaces, if any."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        mode: int | None = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    return tmp, mode


def _write(path: Path, data: bytes, durable: bool) -> None:
    folder = path.parent
    tmp, mode = _temporary_beside(path)
    # 0o666 lets the process umask decide, as for any new file the user creates.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        fsync_folder(folder)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write a large result in pieces (an archive, a long table) that
    replaces ``path`` as :func:`atomic_write_bytes` does once the block ends without an
    error; on an error (or a kill) the old file stays and the temporary one is removed."""
    path = Path(path)
    folder = path.parent
    tmp, mode = _temporary_beside(path)
    try:
        handle = open(tmp, "xb")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.filename != str(path):
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise
    fsync_folder(folder)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """UTF-8, LF newlines as given, no BOM."""
    atomic_write_bytes(path, text.encode("utf-8"))


def fsync_folder(folder: str | os.PathLike[str]) -> None:
    if os.name != "posix":
        return
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def flush_filesystem(folder: str | os.PathLike[str], paths: list[Path] | None = None) -> None:
    """Make every write below ``folder`` durable: one ``syncfs`` of its file system
    where the C library has it (Linux), else an fsync of each of ``paths`` and their folders."""
    if _syncfs(folder):
        return
    for path in paths or ():
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
    for parent in {Path(p).parent for p in paths or ()}:
        fsync_folder(parent)


def _syncfs(folder: str | os.PathLike[str]) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return False
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        return syncfs(fd) == 0
    finally:
        os.close(fd)


def is_leftover_temp(name: str) -> bool:
    """A temporary file an interrupted save left behind (safe to delete)."""
    return name.startswith(".") and name.endswith(".tmp") and name.count(".") >= 4


def leftover_in_use(path: str | os.PathLike[str], now: float | None = None) -> bool:
    """Whether a temporary file may still be being written: its writer (the process id
    in its name) runs on this machine and it changed in the last ten minutes. Anything
    else was left by an interrupted save and is safe to delete."""
    import time

    path = Path(path)
    parts = path.name.split(".")
    try:
        pid = int(parts[-3])
        age = (now if now is not None else time.time()) - os.stat(path, follow_symlinks=False).st_mtime
    except (ValueError, IndexError, OSError):
        return False
    if age > 600:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True

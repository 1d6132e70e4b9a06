"""Reading users' files within bounds.

Every file tcoder reads on a user's behalf goes through :func:`read_file`:

- only ordinary files are read: a named pipe (FIFO) would block for ever, a
  device such as ``/dev/zero`` never ends, a socket cannot be read at all;
- the size is checked before anything is read, so a 1 GB sparse file is refused
  at once instead of being read whole first, and no more than the limit is read
  even if the file grows meanwhile;
- links that point to themselves, to nothing, or to a folder are named as such;
- running out of memory while reading is a message, not a traceback.

Each refusal is a :class:`~tcoder.errors.Problem` naming the file, raised as the
error class the caller asks for. The limits are far above real studies (see
docs/reliability.md) and small enough that a hostile file cannot exhaust memory.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from tcoder.errors import Problem, TcoderError, for_want_of_memory

MB = 1024 * 1024

#: A transcript of ten million words is about 60 MB; nothing real comes close.
TRANSCRIPT_LIMIT = 64 * MB
#: About 200,000 annotations in one coder's file.
ANNOTATION_LIMIT = 64 * MB
#: Codebooks and tcoder.yaml are written by hand: a codebook of 2,000 codes with
#: long definitions is under 1 MB. YAML is slow to parse, so the bound is tight.
YAML_LIMIT = 4 * MB
#: attributes.csv, survey tables and other tables.
TABLE_LIMIT = 64 * MB
#: Files given to ``tcoder import`` and the REFI-QDA importers.
IMPORT_LIMIT = 256 * MB


def mb(size: int) -> str:
    """A size as people read it: '1.2 MB', '0.3 MB', '1,024 MB'."""
    return f"{size / MB:,.1f} MB"


def file_kind(mode: int) -> str | None:
    """What a special file is, in words ('a named pipe (FIFO)'), or None for an ordinary file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device (such as /dev/zero)"
    if stat.S_ISBLK(mode):
        return "a block device (a disk)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not an ordinary file"


def os_error_message(exc: OSError, path: str | os.PathLike[str] | None = None) -> str:
    """Why a file cannot be opened, in words that name links for what they are."""
    code = exc.errno
    if code == errno.ELOOP:
        return ("it is a symbolic link that points to itself (or a loop of links), so it leads nowhere; "
                "remove the link or point it at a file")
    if code == errno.ENOENT and path is not None and os.path.islink(path):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"it is a symbolic link to {target}, which does not exist"
    if code == errno.ENOENT:
        return "no such file"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.EISDIR:
        return "this is a folder, not a file"
    if code == errno.ENOSPC:
        return "the disk is full (no space left on the device)"
    if code == errno.EROFS:
        return "the file system is read-only"
    if code == errno.ENAMETOOLONG:
        return "the name is too long for the file system"
    return exc.strerror or str(exc)


def as_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, without making a copy of one (thousands of files are read in a row)."""
    return path if isinstance(path, Path) else Path(path)


def read_file(path: str | os.PathLike[str], *, limit: int, what: str = "the file",
              error: type[TcoderError] = TcoderError) -> bytes:
    """The bytes of an ordinary file of at most ``limit`` bytes; anything else
    raises ``error`` with a problem naming the file (``what`` is how messages
    call it: 'the transcript', 'the codebook')."""
    path = as_path(path)

    def refuse(message: str) -> TcoderError:
        return error(Problem(message, path))

    try:
        st = os.stat(path)  # before opening: opening some devices does something
    except OSError as exc:
        raise refuse(f"cannot read {what}: {os_error_message(exc, path)}") from None
    kind = file_kind(st.st_mode)
    if kind is not None:
        raise refuse(_special(kind, what))
    if st.st_size > limit:
        raise refuse(_too_big(st.st_size, limit, what))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise refuse(f"cannot read {what}: {os_error_message(exc, path)}") from None
    try:
        st = os.fstat(fd)  # the file opened may not be the one looked at (a race)
        kind = file_kind(st.st_mode)
        if kind is not None:
            raise refuse(_special(kind, what))
        if st.st_size > limit:
            raise refuse(_too_big(st.st_size, limit, what))
        try:
            data = _read_at_most(fd, limit + 1, st.st_size)
        except MemoryError:
            raise for_want_of_memory(refuse(f"not enough memory to read {what} ({mb(st.st_size)})")) from None
        except OSError as exc:
            raise refuse(f"cannot read {what}: {os_error_message(exc, path)}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise refuse(_too_big(len(data), limit, what, growing=True))
    return data


def _read_at_most(fd: int, most: int, expected: int) -> bytes:
    if expected and expected < most:
        # One read of the whole file, plus one to see that it ended.
        first = os.read(fd, expected)
        if len(first) == expected:
            rest = os.read(fd, 1)
            return first + rest if rest else first
        chunks = [first]
        size = len(first)
    else:
        chunks, size = [], 0
    while size < most:
        chunk = os.read(fd, min(1 << 20, most - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_head(path: str | os.PathLike[str], size: int) -> bytes:
    """The first ``size`` bytes of an ordinary file, or b"" for anything that is not
    one or cannot be read (for sniffing a file's kind: never blocks, never raises)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, size)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _special(kind: str, what: str) -> str:
    return (f"{what} is {kind}, not an ordinary file; tcoder reads only ordinary files "
            "(a pipe or a device could block or never end)")


def _too_big(size: int, limit: int, what: str, growing: bool = False) -> str:
    how = "grew past" if growing else "is"
    return (f"{what} {how} {mb(size)}, more than tcoder reads ({mb(limit)}); it is refused without "
            "being read. If it really is this big, split it into several files")


def utf8_problem(data: bytes, exc: UnicodeDecodeError, path: str | os.PathLike[str] | None,
                 what: str = "the file", offset: int = 0) -> Problem:
    """'not UTF-8' with the line and column of the first bad byte (``offset``: bytes
    skipped before ``data``, such as a byte-order mark)."""
    line, column = byte_position(data, exc.start)
    return Problem(f"{what} is not UTF-8: invalid byte 0x{data[exc.start]:02X} at byte {exc.start + offset}; "
                   "save it as UTF-8", path, line, column)


def byte_position(data: bytes, index: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``index``."""
    line_start = data.rfind(b"\n", 0, index) + 1
    line = data.count(b"\n", 0, index) + 1
    column = len(data[line_start:index].decode("utf-8", "replace")) + 1
    return line, column


def decode_utf8(data: bytes, path: str | os.PathLike[str] | None, what: str = "the file",
                error: type[TcoderError] = TcoderError) -> str:
    """UTF-8 (a byte-order mark is dropped); invalid bytes are refused with their line and column."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(utf8_problem(data[bom:], exc, path, what, bom)) from None

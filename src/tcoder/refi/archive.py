"""Reading a .qdpx (a zip archive) without trusting it.

The archive is never extracted: members are read into memory by name. Before
anything is read, every entry name is checked (no absolute paths, no drive
letters, no ``..``) and the declared sizes are added up against a limit; while
reading, the bytes actually inflated are counted too, since a crafted archive
can declare sizes that are not true (a zip bomb).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Protocol

from tcoder.errors import Problem, TcoderError

#: Everything tcoder reads from one archive, expanded: the texts are held in memory
#: until the whole project has been checked, so this must fit in memory.
DEFAULT_MAX_BYTES = 512 * 1024 ** 2
#: project.qde: the XML of the whole project (100,000 codings take about 80 MB; the
#: 960,000 of benchmarks/scale.py's 16x study 735 MB). Above the default --max-size, so
#: it only counts once a user has raised that for an archive they trust.
PROJECT_LIMIT = 1024 ** 3
#: Compression methods of REFI-QDA archives. Others (bzip2, LZMA) are refused: one
#: read of theirs can expand a few bytes into gigabytes before any count can stop it.
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_READ_SUFFIXES = (".qde", ".json", ".txt")
MAX_ENTRIES = 100_000
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 20


class Readable(Protocol):
    """An archive entry read piece by piece (see :meth:`SafeArchive.open`)."""

    def read(self, size: int = ..., /) -> bytes: ...

    def close(self) -> None: ...


def _mb(n: int) -> str:
    return f"{n / 1024 ** 2:,.1f} MB"


def unsafe_reason(name: str) -> str | None:
    """Why an entry name could write or read outside the archive's own folder, if it could."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(posix):
        return "is an absolute path"
    if ".." in posix.split("/"):
        return "climbs out of the archive with '..'"
    if "\x00" in posix:
        return "contains a NUL character"
    return None


class SafeArchive:
    def __init__(self, path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.read_bytes = 0
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise TcoderError(Problem("no such file", self.path)) from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise TcoderError(Problem(f"not a REFI-QDA project: a .qdpx file is a zip archive, and this one "
                                      f"cannot be opened as one ({exc})", self.path)) from None
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            self.close()
            raise TcoderError(Problem(f"the archive has {len(infos):,} entries, more than tcoder accepts "
                                      f"({MAX_ENTRIES:,}); it is refused", self.path))
        for info in infos:
            reason = unsafe_reason(info.filename)
            if reason is None and info.compress_type not in _METHODS:
                reason = (f"is compressed with method {info.compress_type} (REFI-QDA archives use deflate), which "
                          "could expand without bound")
            if reason:
                self.close()
                raise TcoderError(Problem(
                    f"the archive entry {info.filename!r} {reason}; a project archive only holds files inside "
                    "itself, so this file is refused (nothing was written)", self.path))
        # What tcoder may read: the project, its own record and text sources. Audio, video,
        # PDF and pictures are never read, so they do not count.
        declared = sum(i.file_size for i in infos if i.filename.lower().endswith(_READ_SUFFIXES))
        if declared > max_bytes:
            self.close()
            raise TcoderError(Problem(self._too_big(declared), self.path))
        self._infos = {i.filename.replace("\\", "/"): i for i in infos if not i.is_dir()}
        self._folded = {n.lower(): n for n in self._infos}
        self._opened: set[str] = set()  # entries read with open(), their declared sizes counted

    def _too_big(self, size: int) -> str:
        return (f"the archive expands to {_mb(size)} or more, past the limit of {_mb(self.max_bytes)}; it is refused "
                "as a possible zip bomb (nothing was written). If you trust the file, raise the limit with "
                "--max-size")

    @property
    def names(self) -> list[str]:
        return list(self._infos)

    def find(self, name: str) -> str | None:
        """The entry of that name (forward slashes), matching case only if need be."""
        name = name.replace("\\", "/").lstrip("/")
        if name in self._infos:
            return name
        return self._folded.get(name.lower())

    def read(self, name: str, limit: int | None = None, what: str = "entry") -> bytes:
        """An entry's bytes, counting what is inflated against the archive's limit and
        ``limit`` for this entry. The declared size is checked before anything is
        inflated (Python's zip reader never inflates past it), and the count while
        reading stops an entry whose header lies."""
        info = self._infos[name]
        if self.read_bytes + info.file_size > self.max_bytes:
            raise TcoderError(Problem(self._too_big(self.read_bytes + info.file_size), self.path))
        if limit is not None and info.file_size > limit:
            raise TcoderError(Problem(
                f"the archive's {what} {name!r} expands to {_mb(info.file_size)}, more than tcoder reads from one "
                f"{what} ({_mb(limit)}); the archive is refused without reading it (nothing was written)",
                self.path))
        chunks = []
        try:
            with self._zip.open(info) as member:
                while True:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        break
                    self.read_bytes += len(chunk)
                    if self.read_bytes > self.max_bytes:
                        raise TcoderError(Problem(self._too_big(self.read_bytes), self.path))
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise TcoderError(Problem(f"the archive entry {name!r} cannot be read ({exc}); the file may be "
                                      "damaged", self.path)) from None
        return b"".join(chunks)

    def open(self, name: str, limit: int | None = None, what: str = "entry") -> "_Counted":
        """An entry to read piece by piece, with the checks of :meth:`read`. Its declared size
        counts against the archive's limit when it is first opened (an entry read twice
        counts once); reading past that size stops as a header that lies."""
        info = self._infos[name]
        counted = name in self._opened
        if not counted and self.read_bytes + info.file_size > self.max_bytes:
            raise TcoderError(Problem(self._too_big(self.read_bytes + info.file_size), self.path))
        if limit is not None and info.file_size > limit:
            raise TcoderError(Problem(
                f"the archive's {what} {name!r} expands to {_mb(info.file_size)}, more than tcoder reads from one "
                f"{what} ({_mb(limit)}); the archive is refused without reading it (nothing was written)",
                self.path))
        if not counted:
            self._opened.add(name)
            self.read_bytes += info.file_size
        return _Counted(self, name, info)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "SafeArchive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Counted:
    """An archive entry read piece by piece, no further than its declared size."""

    def __init__(self, archive: SafeArchive, name: str, info: zipfile.ZipInfo) -> None:
        self._archive = archive
        self._name = name
        self._left = info.file_size
        try:
            self._member = archive._zip.open(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise self._damaged(exc) from None

    def _damaged(self, exc: BaseException) -> TcoderError:
        return TcoderError(Problem(f"the archive entry {self._name!r} cannot be read ({exc}); the file may be "
                                   "damaged", self._archive.path))

    def read(self, size: int = _CHUNK) -> bytes:
        try:
            chunk = self._member.read(size if size is not None and size >= 0 else _CHUNK)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise self._damaged(exc) from None
        self._left -= len(chunk)
        if self._left < 0:
            archive = self._archive
            raise TcoderError(Problem(archive._too_big(archive.read_bytes - self._left), archive.path))
        return chunk

    def read_all(self) -> bytes:
        chunks = []
        while chunk := self.read(_CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._member.close()

    def __enter__(self) -> "_Counted":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

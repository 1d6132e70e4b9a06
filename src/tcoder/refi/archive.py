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

from tcoder.errors import Problem, TcoderError

DEFAULT_MAX_BYTES = 2 * 1024 ** 3  # 2 GiB of expanded content
MAX_ENTRIES = 100_000
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 20


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
            if reason:
                self.close()
                raise TcoderError(Problem(
                    f"the archive entry {info.filename!r} {reason}; a project archive only holds files inside "
                    "itself, so this file is refused (nothing was written)", self.path))
        declared = sum(i.file_size for i in infos)
        if declared > max_bytes:
            self.close()
            raise TcoderError(Problem(self._too_big(declared), self.path))
        self._infos = {i.filename.replace("\\", "/"): i for i in infos if not i.is_dir()}
        self._folded = {n.lower(): n for n in self._infos}

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

    def read(self, name: str) -> bytes:
        """An entry's bytes, counting what is inflated against the limit."""
        info = self._infos[name]
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

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "SafeArchive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Archive entries deflated apart from the archive, then written into it as ``zipfile`` would.

An export deflates its entries on more than one core: each transcript's text in the worker
that builds it, project.qde and tcoder.json at the same time on two threads (zlib lets go of
the interpreter while it compresses). :func:`write_archive` then writes the deflated bytes
with the headers ``zipfile`` gives an entry written through ``ZipFile.open(info, "w")``, so
the archive is byte for byte the one a single ``zipfile`` pass writes at the same levels
(tests/refi/test_refi_zip_entries.py compares them).

Entries of more than :data:`FAST_FROM` bytes are deflated at zlib's fastest level, see there.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: A fixed time stamp for archive entries, so the same study gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 18  # small: two entries are deflated at once
#: Entries larger than this are deflated at zlib's fastest level. At its default level,
#: project.qde and tcoder.json of a study of a million annotations (770 and 500 MB) take
#: 11-12 s each, 40-75 MB a second, and each is one stream one core must write; at the
#: fastest, 2-3 s for entries 15-18% larger. Smaller entries, which is every entry of a
#: study of up to about 80,000 annotations, keep zlib's default level and their bytes.
FAST_FROM = 64 * 1024 ** 2

#: Part of an entry's content: bytes, or (file, offset, length) in a temporary file.
Piece = bytes | tuple[Path, int, int]


@dataclass
class Deflated:
    """An entry's content deflated as ``zipfile`` deflates it (raw; level: :data:`FAST_FROM`)."""

    name: str
    crc: int
    size: int  # uncompressed
    data: Piece  # the deflated bytes


def _compressor(size: int):
    """Raw deflate, as ``zipfile`` writes an entry of ``size`` bytes (see :data:`FAST_FROM`)."""
    level = zlib.Z_BEST_SPEED if size > FAST_FROM else zlib.Z_DEFAULT_COMPRESSION
    return zlib.compressobj(level, zlib.DEFLATED, -15)


def deflate(name: str, data: bytes) -> Deflated:
    """A small entry, deflated here."""
    compressor = _compressor(len(data))
    return Deflated(name, zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


def _read_pieces(pieces: Sequence[Piece]):
    for piece in pieces:
        if isinstance(piece, bytes):
            yield piece
            continue
        path, offset, length = piece
        with open(path, "rb") as handle:  # its own handle: threads read the same file
            handle.seek(offset)
            while length > 0:
                data = handle.read(min(_CHUNK, length))
                if not data:
                    raise OSError(f"a temporary file of the export ended early ({path})")
                yield data
                length -= len(data)


def deflate_pieces(name: str, pieces: Sequence[Piece], out: Path) -> Deflated:
    """A large entry whose content is in pieces, deflated into the file ``out``."""
    compressor = _compressor(sum(len(p) if isinstance(p, bytes) else p[2] for p in pieces))
    crc = size = 0
    with open(out, "wb") as dest:
        for data in _read_pieces(pieces):
            crc = zlib.crc32(data, crc)
            size += len(data)
            dest.write(compressor.compress(data))
        dest.write(compressor.flush())
        length = dest.tell()
    return Deflated(name, crc, size, (out, 0, length))


def write_archive(out: BinaryIO, entries: Sequence[Deflated]) -> None:
    """The archive of ``entries`` in their order: each entry's local header, as
    ``ZipFile.open(info, "w")`` leaves it once written (CRC and sizes in the header, no data
    descriptor on a file that can seek), then its deflated bytes; ``zipfile`` writes the
    central directory."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.flag_bits = 0
            info.file_size, info.CRC = entry.size, entry.crc
            info.compress_size = len(entry.data) if isinstance(entry.data, bytes) else entry.data[2]
            zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT  # as ZipFile.open decides before writing
            if not zip64 and info.compress_size > zipfile.ZIP64_LIMIT:
                raise RuntimeError("Compressed size too large, try using force_zip64")
            info.header_offset = out.tell()
            out.write(info.FileHeader(zip64))
            for data in _read_pieces([entry.data]):
                out.write(data)
            archive.filelist.append(info)
            archive.NameToInfo[info.filename] = info
            archive.start_dir = out.tell()

"""Entries deflated apart and written by write_archive give the archive zipfile writes itself."""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from pathlib import Path

import pytest

from tcoder.refi import zip_entries
from tcoder.refi.zip_entries import ZIP_TIME, deflate, deflate_pieces, write_archive


def _zipfile_writes(entries: list[tuple[str, bytes]], fast_from: int | None = None) -> bytes:
    """As the export wrote its archive before: one ZipFile.open(info, "w") per entry (an
    entry of more than ``fast_from`` bytes at zlib's fastest level)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.file_size = len(data)
            if fast_from is not None and len(data) > fast_from:
                # the level of this entry alone (Python 3.13 renamed the attribute)
                level_name = "compress_level" if hasattr(info, "compress_level") else "_compresslevel"
                setattr(info, level_name, zlib.Z_BEST_SPEED)
            with archive.open(info, "w") as dest:
                for start in range(0, len(data), 7919):  # in pieces, as the export fed it
                    dest.write(data[start:start + 7919])
    return out.getvalue()


def test_the_archive_is_the_one_zipfile_writes(tmp_path: Path) -> None:
    texts = [
        ("project.qde", ("<Project>" + "<Code name='x'/>" * 20_000 + "</Project>").encode()),
        ("sources/a.txt", "Grüße, “quoted” text\r\n".encode() * 3_000),
        ("sources/empty.txt", b""),
        ("sources/random.txt", os.urandom(300_000)),  # deflate stores what does not compress
        ("tcoder.json", b'{"annotations": {\n' + b'  "g": {"id": "0123456789abcdef"},\n' * 5_000 + b"}}\n"),
    ]
    big = tmp_path / "big"
    big.write_bytes(b"pad" + texts[0][1] + b"pad")
    entries = [deflate_pieces("project.qde", [texts[0][1][:100], (big, 3 + 100, len(texts[0][1]) - 100)],
                              tmp_path / "project.z")]
    entries += [deflate(name, data) for name, data in texts[1:]]
    out = io.BytesIO()
    write_archive(out, entries)
    assert out.getvalue() == _zipfile_writes(texts)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.testzip() is None
        assert [archive.read(n) for n in archive.namelist()] == [data for _, data in texts]


def test_entries_past_the_limit_are_deflated_fastest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past FAST_FROM an entry is deflated at zlib's fastest level (as zipfile writes it at
    that level); up to it, at the default level, so smaller studies keep their archives' bytes."""
    limit = 200_000
    monkeypatch.setattr(zip_entries, "FAST_FROM", limit)
    large = ("<Project>" + "<Code name='x' guid='y'/>\n" * 20_000 + "</Project>").encode()
    small = "Grüße, “quoted” text\r\n".encode() * 3_000
    exact = b"a" * limit  # at the limit, not past it
    assert len(large) > limit > len(small)
    texts = [("project.qde", large), ("sources/a.txt", small), ("sources/b.txt", exact), ("big.txt", large)]
    spooled = tmp_path / "large"
    spooled.write_bytes(large)
    entries = [deflate_pieces("project.qde", [large[:100], (spooled, 100, len(large) - 100)], tmp_path / "p.z"),
               deflate("sources/a.txt", small), deflate("sources/b.txt", exact), deflate("big.txt", large)]
    out = io.BytesIO()
    write_archive(out, entries)
    assert out.getvalue() == _zipfile_writes(texts, fast_from=limit)
    assert out.getvalue() != _zipfile_writes(texts)  # the levels differ for the large entries
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.testzip() is None
        assert [archive.read(n) for n in archive.namelist()] == [data for _, data in texts]

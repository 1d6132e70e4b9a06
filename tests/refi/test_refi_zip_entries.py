"""Entries deflated apart and written by write_archive give the archive zipfile writes itself."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from tcoder.refi.zip_entries import ZIP_TIME, deflate, deflate_pieces, write_archive


def _zipfile_writes(entries: list[tuple[str, bytes]]) -> bytes:
    """As the export wrote its archive before: one ZipFile.open(info, "w") per entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.file_size = len(data)
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

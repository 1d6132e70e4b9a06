"""A .qdpx export holds one transcript at a time, not the study (issue 19: 4.8 GB at 16x before)."""

from __future__ import annotations

import sys
import tracemalloc
import zipfile
from pathlib import Path

from tcoder.refi.export import write_qdpx
from tcoder.study import open_study

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from generate import generate_study  # noqa: E402


def test_export_memory_stays_below_the_size_of_the_text(tmp_path: Path) -> None:
    root = generate_study(tmp_path / "study", transcripts=40, chars=8_000_000, annotations=12_000)
    text_bytes = sum(p.stat().st_size for p in root.rglob("*.txt"))
    study = open_study(root)
    tracemalloc.start()
    try:
        summary = write_qdpx(study, tmp_path / "study.qdpx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.annotations == 12_000
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        names = archive.namelist()
        assert names[0] == "project.qde" and names[-1] == "tcoder.json"
        assert len([n for n in names if n.startswith("sources/")]) == 40
        assert archive.read("project.qde").count(b"<PlainTextSelection ") == 12_000
    # Built in memory, the archive held the text several times over (XML, texts, zip);
    # written entry by entry it holds about one transcript (200,000 characters) and its annotations.
    assert peak < text_bytes / 2, (peak, text_bytes)

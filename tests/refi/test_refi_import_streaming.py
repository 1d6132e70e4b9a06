"""import-qdpx reads project.qde and tcoder.json piece by piece and writes each transcript as
its source is read (issue 19: 4.4 GB at 16x before, the parsed XML beside the parsed record)."""

from __future__ import annotations

import io
import json
import os
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from tcoder.refi import sidecar_stream
from tcoder.refi.export import write_qdpx
from tcoder.refi.importer import import_qdpx
from tcoder.refi.sidecar_stream import KeptAnnotations, NotStreamable, read_head
from tcoder.study import open_study

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from generate import generate_study  # noqa: E402


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".tcoder" not in p.parts and p.name != ".generated"}


def test_import_memory_stays_below_the_size_of_the_project_xml(tmp_path: Path) -> None:
    root = generate_study(tmp_path / "study", transcripts=40, chars=4_000_000, annotations=12_000)
    write_qdpx(open_study(root), tmp_path / "study.qdpx")
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        xml_bytes = archive.getinfo("project.qde").file_size
        record_bytes = archive.getinfo("tcoder.json").file_size
    tracemalloc.start()
    try:
        summary = import_qdpx(tmp_path / "study.qdpx", tmp_path / "imported")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.exact and summary.annotations == 12_000 and summary.transcripts == 40
    assert _tree(tmp_path / "imported") == _tree(root)
    assert not list(tmp_path.glob(".imported.importing-*"))  # the folder it was written in became the study
    # Parsed whole, project.qde took about four times its size, beside the parsed tcoder.json;
    # read source by source, the import holds about one transcript and its selections (and
    # the GUIDs of the record's annotations while it checks them for duplicates).
    assert peak < xml_bytes, (peak, xml_bytes, record_bytes)


def test_a_failed_import_removes_the_transcripts_it_had_written(tmp_path: Path) -> None:
    root = generate_study(tmp_path / "study", transcripts=6, chars=60_000, annotations=300)
    write_qdpx(open_study(root), tmp_path / "study.qdpx")
    with zipfile.ZipFile(tmp_path / "study.qdpx") as src, \
            zipfile.ZipFile(tmp_path / "broken.qdpx", "w", zipfile.ZIP_DEFLATED) as out:
        names = [n for n in src.namelist()]
        last_text = [n for n in names if n.startswith("sources/")][-1]
        xml = src.read("project.qde").decode("utf-8")
        order = [line.split('plainTextPath="internal://')[1].split('"')[0]
                 for line in xml.splitlines() if "<TextSource " in line]
        missing = "sources/" + order[-1]  # the last source in the document: five are written before it
        for name in names:
            if name != missing:
                out.writestr(name, src.read(name))
    assert last_text
    (tmp_path / "into").mkdir()
    from tcoder.errors import TcoderError

    with pytest.raises(TcoderError) as caught:
        import_qdpx(tmp_path / "broken.qdpx", tmp_path / "into")
    assert "nothing was written" in str(caught.value.problems[-1].message)
    assert (tmp_path / "into").is_dir() and not any((tmp_path / "into").iterdir())
    summary = import_qdpx(tmp_path / "broken.qdpx", tmp_path / "into", partial=True)
    assert summary.transcripts == 5 and summary.lost_codings > 0


def _record(annotations: dict, **head) -> bytes:
    return json.dumps({"format": "x", **head, "annotations": annotations, "after": [1.5e3, -2, True, None]},
                      ensure_ascii=False, indent=1).encode("utf-8")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_the_record_read_in_pieces_is_the_record(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sidecar_stream._Text.__init__, "__defaults__", (chunk,))
    annotations = {f"g{i}": {"id": f"{i:016x}", "quote": "é“x”" * i, "score": 1.25e-3 * i} for i in range(40)}
    raw = _record(annotations, text="a\u00e9\n\"q\"", n=12345)
    head = read_head(lambda: io.BytesIO(raw))
    assert head == {"format": "x", "text": "a\u00e9\n\"q\"", "n": 12345, "annotations": None,
                    "after": [1500.0, -2, True, None]}
    kept = KeptAnnotations(lambda: io.BytesIO(raw))
    # in order one at a time; asked out of order, the ones passed wait; asked again, given again
    assert kept.get("g0") == annotations["g0"]
    assert kept.get("g30") == annotations["g30"]
    assert kept.get("g5") == annotations["g5"] and kept.get("g5") == annotations["g5"]
    assert kept.get("nowhere") is None
    assert [kept.get(f"g{i}") for i in range(40)] == list(annotations.values())


@pytest.mark.parametrize("raw", [
    b'{"a": 1, "a": 2}',
    b'{"annotations": {"g": {"id": 1}, "g": {"id": 2}}}',
    b'{"annotations": {"g": {"id": NaN}}}',
    b'{"annotations": {"g": {"q": "\\ud800"}}}',
    b'{"a": 1e999}',
    b'{"a": ' + b"[" * 300 + b"]" * 300 + b"}",
    b'{"a": tru}',
    b'{"a": 1',
    b'{"a": 1} 2',
    b'{"a": "\xff"}',
    b"\xef\xbb\xbf{}",
    b"[1, 2]",
])
def test_a_record_loads_refuses_is_not_read_in_pieces(raw: bytes) -> None:
    with pytest.raises(NotStreamable):
        read_head(lambda: io.BytesIO(raw))


def test_a_record_tcoder_refuses_is_still_said_to_be_invalid(tmp_path: Path) -> None:
    root = generate_study(tmp_path / "study", transcripts=3, chars=30_000, annotations=60)
    write_qdpx(open_study(root), tmp_path / "study.qdpx")
    with zipfile.ZipFile(tmp_path / "study.qdpx") as src, \
            zipfile.ZipFile(tmp_path / "dup.qdpx", "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            data = src.read(name)
            if name == "tcoder.json":  # the first annotation twice
                first = data.index(b'\n  "', data.index(b'"annotations"'))
                end = data.index(b"\n", first + 1)
                data = data[:end] + b"," + data[first:end] + data[end:]
            out.writestr(name, data)
    summary = import_qdpx(tmp_path / "dup.qdpx", tmp_path / "imported")
    assert not summary.exact
    assert any("tcoder.json in the archive is not valid JSON" in w.message for w in summary.warnings)


def test_a_killed_import_leaves_no_study_behind(tmp_path: Path) -> None:
    """Transcripts are written as they are read, into a hidden folder that becomes the study
    only when the import is complete: killed half-way, there is no half a study."""
    import os
    import signal
    import subprocess
    import time

    root = generate_study(tmp_path / "study", transcripts=120, chars=6_000_000, annotations=36_000)
    write_qdpx(open_study(root), tmp_path / "study.qdpx")
    into = tmp_path / "imported"
    process = subprocess.Popen([sys.executable, "-m", "tcoder", "import-qdpx", str(tmp_path / "study.qdpx"),
                                "--into", str(into)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        building: list[Path] = []
        while time.monotonic() < deadline and process.poll() is None:
            building = [p for p in tmp_path.glob(".imported.importing-*") if any(p.rglob("*.json"))]
            if building:
                break
            time.sleep(0.01)
        assert building, "the import never started writing (or finished before it could be stopped)"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    assert not into.exists()
    # run again: the study is whole, and the stopped import's folder is removed, with a word
    leftover = building[0]
    summary = import_qdpx(tmp_path / "study.qdpx", into)
    assert summary.exact and summary.transcripts == 120
    assert not leftover.exists()
    assert [w.message for w in summary.warnings if w.path == leftover] == [
        "removed: the part of a study an import into imported had written when it was stopped before it finished"]
    assert _tree(into) == _tree(root)
    assert not list(into.glob(".*"))


def test_a_folder_of_an_import_still_running_is_left_alone(tmp_path: Path) -> None:
    from tcoder.refi.importer import _remove_stopped_imports

    running = tmp_path / f".imported.importing-{os.getpid()}"
    (running / "interviews").mkdir(parents=True)
    stopped = tmp_path / ".imported.importing-999999999-2"  # no such process
    (stopped / "interviews").mkdir(parents=True)
    unrelated = tmp_path / ".imported.importing-notes"
    unrelated.mkdir()

    warnings = _remove_stopped_imports(tmp_path / "imported")

    assert running.exists() and unrelated.exists() and not stopped.exists()
    assert [(w.path, w.message) for w in warnings] == [(stopped, "removed: the part of a study an import into "
                                                        "imported had written when it was stopped before it finished")]

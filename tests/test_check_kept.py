"""`tcoder check` keeps what it found in each transcript (.tcoder/check/) and takes it
again only for exactly the same bytes of every file a transcript's check rests on."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tcoder import check_cache

P01 = "interviews/P01.txt"
MARK = "KEPT-RESULT-MARK"


@pytest.fixture
def keep_all(monkeypatch):
    """Keep the sample study's (small) transcripts' results too."""
    monkeypatch.setattr(check_cache, "KEEP_FROM_BYTES", 0)


def _entries(root: Path) -> list[Path]:
    return sorted((root / check_cache.FOLDER).glob("*.json"))


def _mark_entries(root: Path) -> None:
    """Add a warning to every kept result, to see which transcripts a check took from them."""
    for path in _entries(root):
        entry = json.loads(path.read_bytes())
        entry["result"]["problems"].append([MARK, None, None, None, "warning"])
        path.write_text(json.dumps(entry), encoding="utf-8")


def _replace_same_size(path: Path, old: bytes, new: bytes) -> None:
    """Change a file's bytes, keeping its size and modification time."""
    assert len(old) == len(new)
    raw = path.read_bytes()
    assert raw.count(old) >= 1
    stat = path.stat()
    path.write_bytes(raw.replace(old, new, 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_second_check_prints_what_the_first_printed(sample_study, run_cli, keep_all):
    for args in ([], ["-q"], ["--format", "json"]):
        first = run_cli("check", sample_study, *args)
        assert len(_entries(sample_study)) == 6  # one per transcript
        assert run_cli("check", sample_study, *args) == first


def test_kept_results_are_taken_as_they_are(sample_study, run_cli, keep_all):
    run_cli("check", sample_study)
    _mark_entries(sample_study)
    code, out, err = run_cli("check", sample_study)
    assert err.count(MARK) == 6 and "6 warnings" in out


def test_a_changed_byte_is_checked_again_whatever_its_time_and_size(sample_study, run_cli, keep_all):
    fresh = run_cli("check", sample_study)
    _mark_entries(sample_study)
    # the same size and modification time, one letter of a code changed: still a different file
    _replace_same_size(sample_study / "interviews" / "P01.alice.json", b'"personal-discrimination"',
                       b'"personal-discriminatioX"')
    code, out, err = run_cli("check", sample_study)
    assert err.count(MARK) == 5 and "P01.alice.json" not in fresh[2]
    assert "P01.alice.json" in err and "'personal-discriminatioX', which is not in the codebook" in err
    _replace_same_size(sample_study / "interviews" / "P02.txt", b"Interviewer:", b"Interviewer;")
    code, out, err = run_cli("check", sample_study)
    assert err.count(MARK) == 4


def test_what_every_transcript_rests_on_is_part_of_the_key(sample_study, run_cli, keep_all):
    run_cli("check", sample_study)
    _mark_entries(sample_study)
    codebook = sample_study / "codebook.yaml"
    text = codebook.read_text(encoding="utf-8")
    codebook.write_text(text.replace("id: disillusionment", "id: disappointment"), encoding="utf-8")
    code, out, err = run_cli("check", sample_study)
    assert MARK not in err and code == 1 and "'disillusionment', which is not in the codebook" in err
    codebook.write_text(text, encoding="utf-8")
    run_cli("check", sample_study)
    _mark_entries(sample_study)
    speakers = sample_study / "speakers.csv"
    speakers.write_bytes(speakers.read_bytes() + b"\n")
    assert MARK not in run_cli("check", sample_study)[2]
    _mark_entries(sample_study)
    (sample_study / "tcoder.yaml").write_text("speaker_pattern: '^(?P<speaker>[A-Z][a-z]+):'\n", encoding="utf-8")
    assert MARK not in run_cli("check", sample_study)[2]


def test_damaged_entries_are_ignored(sample_study, run_cli, keep_all):
    fresh = run_cli("check", sample_study)
    entries = _entries(sample_study)
    entry = json.loads(entries[0].read_bytes())
    wrong = [b"", b"{", b"[]", b'{"format": "tcoder-check-1"}',
             json.dumps({**entry, "result": {**entry["result"], "words": "many"}}).encode(),
             json.dumps({**entry, "result": {**entry["result"], "files": entry["result"]["files"][:1]}}).encode(),
             json.dumps({**entry, "result": {**entry["result"], "problems": [["x", None, None, None, "bad"]]}}).encode(),
             json.dumps({**entry, "format": "tcoder-check-0"}).encode()]
    for raw in wrong:
        for path in entries:
            path.write_bytes(raw)
        assert run_cli("check", sample_study) == fresh
    assert len(_entries(sample_study)) == 6


def test_fix_and_ci_check_everything_again(sample_study, run_cli, keep_all):
    run_cli("check", sample_study)
    _mark_entries(sample_study)
    assert MARK not in run_cli("check", sample_study, "--fix")[2]
    assert MARK not in "".join(run_cli("ci", sample_study)[1:])


def test_a_folder_that_cannot_be_written_keeps_nothing(sample_study, run_cli, keep_all):
    (sample_study / ".tcoder").write_text("not a folder", encoding="utf-8")
    fresh = run_cli("check", sample_study)
    assert fresh[0] == 0 and "Traceback" not in fresh[2]
    assert run_cli("check", sample_study) == fresh


def test_small_transcripts_are_checked_each_time(sample_study, run_cli):
    run_cli("check", sample_study)
    assert not (sample_study / ".tcoder" / "check").exists()

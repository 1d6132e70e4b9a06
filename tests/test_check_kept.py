"""`tcoder check` keeps what it found in each transcript (.tcoder/check.jsonl) and takes it
again only for exactly the same bytes of every file a transcript's check rests on."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tcoder import check_cache

P01 = "interviews/P01.txt"
MARK = "KEPT-RESULT-MARK"


@pytest.fixture
def keep_all(monkeypatch):
    """Keep the sample study's (small) transcripts' results too."""
    monkeypatch.setattr(check_cache, "KEEP_FROM_BYTES", 0)


def _entries(root: Path) -> list[str]:
    """The kept lines, after the header."""
    path = root / check_cache.FILE
    if not path.exists():
        return []
    header, *lines = path.read_text(encoding="ascii").splitlines()
    assert json.loads(header) == {"format": check_cache.FORMAT}
    return lines


def _write_entries(root: Path, lines: list[str]) -> None:
    (root / check_cache.FILE).write_text("\n".join([json.dumps({"format": check_cache.FORMAT}, separators=(",", ":")), *lines]) + "\n", encoding="ascii")


def _mark_entries(root: Path) -> None:
    """Add a warning to every kept result, to see which transcripts a check took from them."""
    marked = []
    for line in _entries(root):
        entry = json.loads(line)
        entry["result"]["problems"].append([MARK, None, None, None, "warning"])
        marked.append(check_cache.entry_line(entry["key"], entry["result"]))
    _write_entries(root, marked)


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
    path = sample_study / check_cache.FILE

    def changed(change) -> list[str]:
        lines = []
        for line in entries:
            entry = json.loads(line)
            key, result = entry["key"], entry["result"]
            change(result)
            lines.append(check_cache.entry_line(key, result))
        return lines

    wrong_lines = [
        [line[:len(line) // 2] for line in entries],  # cut short
        [line.replace('"key":"', '"key":"0', 1) for line in entries],
        changed(lambda r: r.update(words="many")),
        changed(lambda r: r.update(files=r["files"][:1])),
        changed(lambda r: r.update(problems=[["x", None, None, None, "bad"]])),
        changed(lambda r: r["files"][0].update(annotations=-1)),
        changed(lambda r: r.pop("readable")),
    ]
    for lines in wrong_lines:
        _write_entries(sample_study, lines)
        assert run_cli("check", sample_study) == fresh
        assert _entries(sample_study) == entries  # and kept right again
    for raw in (b"", b"\xff\xfe", b'{"format":"tcoder-check-0"}\n' + "\n".join(entries).encode()):
        path.write_bytes(raw)
        assert run_cli("check", sample_study) == fresh
        assert _entries(sample_study) == entries


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


def test_only_the_transcripts_of_the_study_are_kept_and_unchanged_entries_are_not_written_again(
        sample_study, run_cli, keep_all):
    run_cli("check", sample_study)
    path = sample_study / check_cache.FILE
    written = path.stat().st_mtime_ns
    os.utime(path, ns=(written - 10**9, written - 10**9))
    run_cli("check", sample_study)
    assert path.stat().st_mtime_ns == written - 10**9  # every entry taken: nothing written
    for name in ("P04.txt", "P04.alice.json", "P04.bob.json", "P04.consensus.json"):
        (sample_study / "interviews" / name).unlink()
    run_cli("check", sample_study)
    assert len(_entries(sample_study)) == 5


def test_small_transcripts_are_checked_each_time(sample_study, run_cli):
    run_cli("check", sample_study)
    assert not (sample_study / ".tcoder").exists()


def test_other_code_never_takes_what_this_code_kept(tmp_path):
    """Part of every key: the bytes of each module of tcoder (not only its version number)."""
    import shutil

    import tcoder

    package = Path(tcoder.__file__).parent
    copy = tmp_path / "tcoder"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert check_cache.code_digest(copy) == check_cache.code_digest(package)
    check = copy / "check.py"
    check.write_bytes(check.read_bytes() + b"\n")
    check_cache.code_digest.cache_clear()
    assert check_cache.code_digest(copy) != check_cache.code_digest(package)


def test_unknown_codes_come_back_in_the_order_they_were_met(sample_study, run_cli, keep_all):
    """A code not in the codebook is counted per file in the order met: a kept result keeps
    that order, so the next check prints the same list (ties are listed in that order)."""
    import re

    path = sample_study / "interviews" / "P01.alice.json"
    names = iter(["zzz-unknown", "aaa-unknown"])
    path.write_text(re.sub(r'"code": "[^"]+"', lambda m: f'"code": "{next(names)}"', path.read_text("utf-8"),
                           count=2), encoding="utf-8")
    first = run_cli("check", sample_study)
    assert "zzz-unknown (1), aaa-unknown (1)" in first[1]
    for args in ([], ["--format", "json"]):
        assert run_cli("check", sample_study, *args) == run_cli("check", sample_study, *args)
    assert run_cli("check", sample_study) == first


def test_nothing_is_kept_when_what_the_key_rests_on_changes_during_the_check(sample_study, keep_all, monkeypatch):
    import tcoder.check as check_module
    from tcoder.study import open_study

    # tcoder.yaml changed after the study was opened: the check applies what it read then
    study = open_study(sample_study)
    (sample_study / "tcoder.yaml").write_text("speaker_pattern: '^(?P<speaker>[A-Z][a-z]+):'\n", encoding="utf-8")
    check_module.check_study(study)
    assert not (sample_study / check_cache.FILE).exists()

    # speakers.csv changed while the check ran (after the key was read, before keeping)
    speakers = sample_study / "speakers.csv"
    keep = check_module._Kept.keep

    def keep_after_a_change(self, results):
        speakers.write_bytes(speakers.read_bytes() + b"\n")
        keep(self, results)

    monkeypatch.setattr(check_module._Kept, "keep", keep_after_a_change)
    check_module.check_study(open_study(sample_study))
    assert not (sample_study / check_cache.FILE).exists()
    monkeypatch.setattr(check_module._Kept, "keep", keep)
    check_module.check_study(open_study(sample_study))  # nothing changed during this one: kept
    assert len(_entries(sample_study)) == 6


def test_another_version_of_a_library_never_takes_what_this_one_kept(monkeypatch):
    """Part of every key: the installed libraries' versions (a YAML reader that reads
    tcoder.yaml differently after an upgrade must not take older results)."""
    import tcoder

    package = Path(tcoder.__file__).parent
    libraries = check_cache.installed_libraries()
    assert any(name.startswith("ruamel") and name.endswith(".dist-info") for name in libraries)
    check_cache.code_digest.cache_clear()
    now = check_cache.code_digest(package)
    upgraded = [("ruamel_yaml-99.0.dist-info" if n.startswith("ruamel") else n) for n in libraries]
    monkeypatch.setattr(check_cache, "installed_libraries", lambda: upgraded)
    check_cache.code_digest.cache_clear()
    assert check_cache.code_digest(package) != now
    check_cache.code_digest.cache_clear()


def test_what_a_check_found_before_a_de_identification_is_not_written_after_it(sample_study, tmp_path, keep_all,
                                                                              monkeypatch, run_cli):
    """De-identification deletes what a check kept (it may quote the names); a check that
    read the files before it and ends after it must not write its results back."""
    import tcoder.check as check_module
    from tcoder.deidentify import deidentify, read_key
    from tcoder.study import open_study

    interview = sample_study / "interviews" / "P01.txt"
    with interview.open("a", encoding="utf-8") as out:
        out.write("\nZadie: I was there too.\n")  # a speaker only this transcript names
    assert run_cli("check", sample_study, "--fix")[0] == 0
    key_path = tmp_path / "secure" / "key.yaml"
    key_path.parent.mkdir()
    key_path.write_text("pseudonyms:\n  Zadie: Participant Z\n", encoding="utf-8")
    keep = check_module._Kept.keep

    def keep_after_a_de_identification(self, results):
        assert any("Zadie" in (r.new_line or "") for r in results)  # what it would keep names her
        done = deidentify(open_study(sample_study), read_key(key_path))
        assert done.operation is not None
        keep(self, results)

    monkeypatch.setattr(check_module._Kept, "keep", keep_after_a_de_identification)
    check_module.check_study(open_study(sample_study))
    kept = sample_study / check_cache.FILE
    assert not kept.exists()
    assert "Zadie" not in interview.read_text(encoding="utf-8")

    monkeypatch.setattr(check_module._Kept, "keep", keep)
    run_cli("check", sample_study)  # nothing ran during this one: kept
    assert len(_entries(sample_study)) == 6
    assert "Zadie" not in kept.read_text(encoding="ascii")


def test_a_check_ending_while_another_tcoder_changes_the_study_keeps_nothing_and_does_not_wait(
        sample_study, keep_all, run_cli):
    import subprocess
    import sys
    import textwrap
    import time

    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from tcoder.changeset import operation_lock
        with operation_lock({str(sample_study)!r}, who="carol", purpose="tcoder codebook merge"):
            print("held", flush=True)
            time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        code, out, err = run_cli("check", sample_study)
        assert time.monotonic() - started < 10  # the lock's own wait is 30 s
        assert code == 0 and "OK" in out, out + err
        assert not (sample_study / check_cache.FILE).exists()
    finally:
        holder.kill()
        holder.wait()
    run_cli("check", sample_study)
    assert len(_entries(sample_study)) == 6


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="limits the address space with setrlimit")
def test_a_file_read_without_enough_memory_is_not_kept_as_unreadable(sample_study):
    """Running out of memory is the machine's state, not the file's: a check that could not
    read a large annotation file for want of memory does not keep that, and the next check
    with enough memory prints what a new check prints. The limit is swept so that on any
    machine some runs fail reading the file and some fail parsing it."""
    import resource
    import subprocess

    big = sample_study / "interviews" / "P01.alice.json"
    with big.open("a", encoding="utf-8") as out:
        out.write(" " * (60 * 1024 * 1024) + "\n")  # valid JSON, 60 MB
    env = dict(os.environ, TCODER_JOBS="1")

    def check(limit_mb: int | None = None) -> tuple[int, str, str]:
        def limit() -> None:
            if limit_mb is not None:
                resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

        done = subprocess.run([sys.executable, "-m", "tcoder", "check", "-q", str(sample_study)], env=env,
                              capture_output=True, text=True, preexec_fn=limit, timeout=120)
        return done.returncode, done.stdout, done.stderr

    fresh = check()
    assert fresh[0] == 0 and "memory" not in fresh[2], fresh
    kept = sample_study / check_cache.FILE
    failed = 0
    for limit_mb in range(345, 135, -15):  # down to where the file cannot be parsed, then read
        kept.unlink(missing_ok=True)
        limited = check(limit_mb)
        assert "Traceback" not in limited[2]
        failed += "not enough memory to read the annotation file" in limited[2]
        assert check() == fresh, f"after a run limited to {limit_mb} MB"
        if failed == 4:
            break
    assert failed  # the sweep reached the limits where the file cannot be read


def test_which_speakers_rows_are_a_transcripts_depends_on_the_other_transcripts(sample_study, run_cli, keep_all):
    """A speakers row may name its transcript by file name; once another transcript of that
    name exists the row is that one's, so a kept result cannot outlive a change of the
    study's transcripts."""
    with (sample_study / "speakers.csv").open("a", encoding="utf-8") as out:
        out.write("P01.txt,Ghost,,interviewer\n")  # by file name: interviews/P01.txt, the only one
    first = run_cli("check", sample_study)
    assert "'Ghost' never speaks in interviews/P01.txt" in first[2]
    (sample_study / "P01.txt").write_text("Ghost: hello\n", encoding="utf-8")  # the row's own transcript now
    again = run_cli("check", sample_study)
    (sample_study / check_cache.FILE).unlink()
    assert again == run_cli("check", sample_study)
    assert "never speaks" not in again[2]


def test_a_check_begun_while_another_tcoder_changes_the_study_keeps_nothing(sample_study, keep_all, monkeypatch,
                                                                             run_cli):
    """The files a check reads while an operation runs may be half changed by it (and may
    still hold the names a de-identification is replacing): nothing of it is kept, even when
    the operation has ended by the time the check does."""
    import subprocess
    import textwrap

    import tcoder.check as check_module

    (sample_study / ".tcoder" / "journal").mkdir(parents=True)  # as the operation made it
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from tcoder.changeset import operation_lock
        with operation_lock({str(sample_study)!r}, who="carol", purpose="tcoder deidentify"):
            print("held", flush=True)
            time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    keep = check_module._Kept.keep

    def keep_once_the_operation_ended(self, results):
        holder.kill()
        holder.wait()
        keep(self, results)

    monkeypatch.setattr(check_module._Kept, "keep", keep_once_the_operation_ended)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, out, err = run_cli("check", sample_study)
        assert code == 0, out + err
        assert not (sample_study / check_cache.FILE).exists()
    finally:
        holder.kill()
        holder.wait()
    monkeypatch.setattr(check_module._Kept, "keep", keep)
    run_cli("check", sample_study)
    assert len(_entries(sample_study)) == 6


def test_libraries_found_anywhere_python_looks_are_part_of_the_key(tmp_path, monkeypatch):
    """A library from PYTHONPATH, the user's folder or the system's counts as one from the
    virtual environment: upgrading it there must not let older results be taken."""
    folder = tmp_path / "elsewhere"
    (folder / "rapidfuzz-99.0.dist-info").mkdir(parents=True)
    (folder / "legacy_lib-1.0.egg-info").mkdir()
    before = check_cache.installed_libraries()
    monkeypatch.syspath_prepend(str(folder))
    after = check_cache.installed_libraries()
    assert set(after) - set(before) == {"rapidfuzz-99.0.dist-info", "legacy_lib-1.0.egg-info"}

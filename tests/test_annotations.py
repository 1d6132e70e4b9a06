"""Annotation files: reading, canonical writing, atomic saving, the writer lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcoder.annotations import (
    FORMAT_ID,
    Annotation,
    AnnotationFile,
    AnnotationLock,
    NotAnnotations,
    annotation_name,
    annotation_path,
    annotations_from_bytes,
    check_coder_name,
    dumps_annotations,
    is_annotation_name_of,
    looks_like_annotations,
    new_annotation,
    parse_annotations,
    read_annotations,
    save_annotations,
    span_problems,
    split_annotation_name,
    version_digest,
)
from tcoder.errors import AnnotationFileError, LockedError, NotJSONError, TcoderError

EXAMPLE = """\
{
  "format": "tcoder-annotations/1",
  "transcript": "P01.txt",
  "text_sha256": "9f2c",
  "coder": "alice",
  "annotations": [
    {"id": "8c1e0f5a2b7d4e11", "code": "motivation", "start": 120, "end": 185, "quote": "I saw how...", "memo": ""},
    {"id": "0b9d73c2aa514f0e", "code": "stance-for", "start": 300, "end": 342, "quote": "we need..."}
  ]
}
"""


def test_format_example_reads_and_rewrites_byte_for_byte():
    af = parse_annotations(EXAMPLE)
    assert (af.coder, af.transcript, af.text_sha256) == ("alice", "P01.txt", "9f2c")
    assert [(a.code, a.start, a.end) for a in af.annotations] == [("motivation", 120, 185), ("stance-for", 300, 342)]
    assert af.annotations[0].memo == "" and af.annotations[1].memo is None
    assert dumps_annotations(af) == EXAMPLE


def test_canonical_order_and_layout():
    af = AnnotationFile("bob", "P01.txt", "abc", [
        Annotation("z2", "b", 10, 20), Annotation("z1", "a", 10, 20), Annotation("y", "a", 5, 30),
        Annotation("x", "a", 10, 15, quote="caf\u00e9 \u201cq\u201d", memo="line\nbreak"),
    ])
    text = dumps_annotations(af)
    lines = text.splitlines()
    assert lines[:5] == ['{', '  "format": "tcoder-annotations/1",', '  "transcript": "P01.txt",',
                         '  "text_sha256": "abc",', '  "coder": "bob",']
    assert [json.loads(line.rstrip(","))["id"] for line in lines[6:10]] == ["y", "x", "z1", "z2"]
    assert "caf\u00e9 \u201cq\u201d" in text  # UTF-8, not \\u escapes
    assert '"memo": "line\\nbreak"' in text  # one annotation per line, always
    assert text.endswith("  ]\n}\n") and "\r" not in text


def test_empty_file_layout():
    assert dumps_annotations(AnnotationFile("bob", "P.txt", None)).endswith('"annotations": []\n}\n')


def test_unknown_fields_are_kept_in_place_on_rewrite():
    raw = EXAMPLE.replace('"coder": "alice",', '"coder": "alice",\n  "project": {"wave": 2},').replace(
        '"quote": "we need..."', '"quote": "we need...", "confidence": 0.5, "tags": ["x"]')
    af = parse_annotations(raw)
    assert af.extra == {"project": {"wave": 2}}
    assert af.annotations[1].extra == {"confidence": 0.5, "tags": ["x"]}
    assert dumps_annotations(af) == raw


_ids = st.text("0123456789abcdef", min_size=4, max_size=16)
_free_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@st.composite
def annotation_files(draw):
    items = []
    for aid in draw(st.lists(_ids, unique=True, max_size=12)):
        start = draw(st.integers(0, 10_000))
        a = Annotation(aid, draw(st.sampled_from(["a", "b", "code-x", "\u00e9motion"])), start,
                       start + draw(st.integers(1, 500)), quote=draw(st.none() | _free_text),
                       memo=draw(st.none() | _free_text))
        if draw(st.booleans()):
            a.extra = {"zz": draw(_free_text), "n": draw(st.integers())}
        items.append(a)
    return AnnotationFile(draw(st.sampled_from(["alice", "bob-2"])), draw(_free_text),
                          draw(st.none() | st.text("0123456789abcdef", min_size=64, max_size=64)), items)


@settings(max_examples=200, deadline=None)
@given(af=annotation_files())
def test_canonical_writing_is_stable(af):
    """write, read, write gives identical bytes, and nothing is lost."""
    first = dumps_annotations(af)
    again = parse_annotations(first)
    assert dumps_annotations(again) == first
    assert sorted(a.to_dict().items().__repr__() for a in again.annotations) == \
        sorted(a.to_dict().items().__repr__() for a in af.annotations)


def test_save_is_atomic_and_keeps_permissions(tmp_path):
    path = tmp_path / "P01.alice.json"
    af = AnnotationFile("alice", "P01.txt", "x", [Annotation("a1", "c", 0, 3)])
    save_annotations(af, path)
    os.chmod(path, 0o640)
    af.annotations.append(Annotation("a2", "c", 4, 9))
    save_annotations(af, path)
    assert len(read_annotations(path).annotations) == 2
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["P01.alice.json"]  # no temporary file left


_SAVER = textwrap.dedent("""
    import sys
    from tcoder.annotations import Annotation, AnnotationFile, save_annotations
    path = sys.argv[1]
    files = [AnnotationFile("alice", "P01.txt", "sha-" + tag,
                            [Annotation(f"{tag}{i:05d}", "code", i, i + 10, quote="x" * 50) for i in range(n)])
             for tag, n in (("old", 3000), ("new", 4000))]
    cache = {} if sys.argv[2:] == ["cached"] else None  # an editor's save, written block by block
    print("ready", flush=True)
    i = 0
    while True:
        save_annotations(files[i % 2], path, line_cache=cache)
        i += 1
""")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["whole", "cached"])
def test_killing_a_process_in_the_middle_of_saving_never_leaves_a_torn_file(tmp_path, how):
    """SIGKILL a process that saves in a loop, many times: every time the file is
    the old version or the new one, complete (assembled whole, or written block by
    block as an editor with a line cache does)."""
    path = tmp_path / "P01.alice.json"
    seen = set()
    for attempt in range(25):
        proc = subprocess.Popen([sys.executable, "-c", _SAVER, str(path), how], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.02 + (attempt % 7) * 0.013)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not path.exists():
            continue  # killed before the first rename
        af = read_annotations(path)
        assert (af.text_sha256, len(af.annotations)) in {("sha-old", 3000), ("sha-new", 4000)}
        seen.add(af.text_sha256)
    assert seen, "the saver never completed a save; the test proves nothing"


def test_leftover_temporary_files_do_not_disturb_reading(tmp_path):
    path = tmp_path / "P01.alice.json"
    save_annotations(AnnotationFile("alice", "P01.txt", None), path)
    (tmp_path / ".P01.alice.json.123.abcd.tmp").write_text('{"format": "tcoder-ann')
    assert read_annotations(path).annotations == []


# ------------------------------------------------------------------ bad files


def _error(raw: str) -> list[str]:
    with pytest.raises(AnnotationFileError) as exc:
        parse_annotations(raw, "P01.alice.json")
    return [str(p) for p in exc.value.problems]


def test_truncated_file_names_the_place_and_changes_nothing(tmp_path):
    path = tmp_path / "P01.alice.json"
    path.write_text(EXAMPLE[:200], encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(AnnotationFileError) as exc:
        read_annotations(path)
    (problem,) = exc.value.problems
    assert problem.line == 7 and problem.column is not None
    assert "truncated" in problem.message and "git checkout" in problem.message
    assert path.read_bytes() == before


@pytest.mark.parametrize("change, message", [
    (('"start": 300', '"start": 400'), "reversed: end 342 is before start 400"),
    (('"start": 300', '"start": 342'), "empty"),
    (('"start": 300', '"start": -1'), "negative"),
    (('"start": 300', '"start": "300"'), "not a whole number"),
    (('"start": 300', '"start": true'), "not a whole number"),
    (('"start": 300', '"start": 300.5'), "not a whole number"),
    (('"code": "stance-for", ', ''), "'code' is missing"),
    (('"id": "0b9d73c2aa514f0e"', '"id": "8c1e0f5a2b7d4e11"'), "used twice"),
    (('"quote": "we need..."', '"quote": 5'), "'quote' must be a string"),
])
def test_malformed_annotations_are_reported_with_their_line(change, message):
    problems = _error(EXAMPLE.replace(*change))
    assert len(problems) == 1
    assert message in problems[0]
    assert "P01.alice.json, line 8" in problems[0] or "annotation 2" in problems[0]


def test_missing_id_has_no_line_but_a_number():
    (p,) = _error(EXAMPLE.replace('"id": "0b9d73c2aa514f0e", ', ""))
    assert "annotation 2" in p and "'id' is missing" in p


@pytest.mark.parametrize("raw, message", [
    ("[]", "is a JSON object"),
    ('{"annotations": []}', "not a tcoder annotation file"),
    ('{"format": "tcoder-annotations/2", "annotations": []}', "newer than this tcoder reads"),
    ('{"format": "tcoder-annotations/1"}', "'annotations' must be a list"),
    ('{"format": "tcoder-annotations/1", "annotations": [1]}', "must be a JSON object"),
])
def test_structurally_wrong_files(raw, message):
    assert message in _error(raw)[0]


def test_not_utf8(tmp_path):
    path = tmp_path / "P01.alice.json"
    path.write_bytes(EXAMPLE.replace("I saw", "I s\xe9w").encode("latin-1"))
    with pytest.raises(AnnotationFileError, match="not UTF-8"):
        read_annotations(path)


def test_span_problems_report_spans_beyond_the_text_and_unknown_codes():
    af = parse_annotations(EXAMPLE)
    problems = [str(p) for p in span_problems(af, 320, "P01.alice.json", {"motivation"})]
    assert any("spans [300, 342) but the transcript has only 320 characters" in p for p in problems)
    assert any("'stance-for', which is not in the codebook" in p for p in problems)


def test_new_annotation_records_quote_context_and_time():
    text = "x" * 40 + "the passage" + "y" * 40
    a = new_annotation("code", 40, 51, text, memo="why")
    assert a.quote == "the passage" and a.prefix == "x" * 32 and a.suffix == "y" * 32
    assert len(a.id) == 16 and a.created == a.updated and a.created.endswith("Z") and a.memo == "why"


@pytest.mark.parametrize("name", ["alice", "bob_2", "r-3", "consensus"])
def test_valid_coder_names(name):
    assert check_coder_name(name) == name


@pytest.mark.parametrize("name", ["Alice", "al.ice", "-x", "", "a b"])
def test_invalid_coder_names(name):
    with pytest.raises(TcoderError, match="not valid"):
        check_coder_name(name)


# ------------------------------------------------------------------ the writer lock


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path):
    path = tmp_path / "P01.alice.json"
    with AnnotationLock(path, coder="alice"):
        with pytest.raises(LockedError) as exc:
            AnnotationLock(path, coder="alice").acquire()
        assert "another tcoder" in str(exc.value) and "coder alice" in str(exc.value)
        assert exc.value.holder["pid"] == os.getpid()
    with AnnotationLock(path, coder="alice") as again:  # released: free again
        assert again.is_locked


_HOLDER = textwrap.dedent("""
    import sys, time
    from tcoder.annotations import AnnotationLock
    lock = AnnotationLock(sys.argv[1], coder="bob").acquire()
    print("locked", flush=True)
    time.sleep(60)
""")


def test_a_lock_held_by_another_process_and_recovered_when_it_dies(tmp_path):
    path = tmp_path / "P01.bob.json"
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"locked"
        with pytest.raises(LockedError) as exc:
            AnnotationLock(path).acquire()
        assert f"process {proc.pid}" in str(exc.value)
    finally:
        proc.kill()
        proc.wait()
    # The holder died without releasing: its lock file is still there, but stale.
    assert (tmp_path / ".P01.bob.json.lock").exists()
    lock = AnnotationLock(path, coder="carol").acquire()
    try:
        assert lock.holder()["coder"] == "carol"
    finally:
        lock.release()
    assert list(tmp_path.iterdir()) == []  # taken over, then released cleanly: nothing left


def test_a_clean_release_leaves_no_lock_file(tmp_path):
    path = tmp_path / "P01.alice.json"
    with AnnotationLock(path, coder="alice") as lock:
        assert lock.lock_path.exists() and lock.holder()["coder"] == "alice"
    assert list(tmp_path.iterdir()) == []
    again = AnnotationLock(path, coder="bob").acquire()
    assert again.holder()["coder"] == "bob"
    again.release()
    again.release()  # twice is harmless
    assert list(tmp_path.iterdir()) == []


_CONTENDER = textwrap.dedent("""
    import os, sys
    from tcoder.annotations import AnnotationLock
    from tcoder.errors import LockedError
    path, inside, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    held = 0
    while held < rounds:
        lock = AnnotationLock(path, coder=str(os.getpid()))
        try:
            lock.acquire()
        except LockedError:
            continue
        try:
            fd = os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # fails if another holder is inside
            os.close(fd)
            os.unlink(inside)
            held += 1
        finally:
            lock.release()
    print(held)
""")


def test_removing_the_lock_file_on_release_never_lets_two_writers_in(tmp_path):
    """Two processes take and release the lock of one file as fast as they can; each,
    while holding it, creates a marker that must not exist. Removing the lock file on
    release must not let the other in on the removed file while a third copy is held."""
    path, inside = tmp_path / "P01.alice.json", tmp_path / "inside"
    procs = [subprocess.Popen([sys.executable, "-c", _CONTENDER, str(path), str(inside), "300"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        assert out.strip() == b"300"
    assert list(tmp_path.iterdir()) == []


def test_a_lock_that_cannot_be_created_is_a_clear_error(tmp_path):
    (tmp_path / ".P.alice.json.lock").mkdir()  # something in the way, even for root
    with pytest.raises(LockedError, match="cannot create the lock file .P.alice.json.lock"):
        AnnotationLock(tmp_path / "P.alice.json").acquire()


def test_annotation_roundtrip_through_a_file(tmp_path: Path):
    path = tmp_path / "P01.alice.json"
    path.write_text(EXAMPLE, encoding="utf-8")
    af = read_annotations(path)
    assert af.format == FORMAT_ID
    save_annotations(af, path)
    assert path.read_text(encoding="utf-8") == EXAMPLE


def test_a_file_cut_inside_a_string_is_called_truncated():
    (p,) = _error(EXAMPLE[:EXAMPLE.index("I saw how") + 4])
    assert "unterminated string" in p and "ends too early: it looks truncated" in p and "line 7" in p


def test_a_hand_edit_that_breaks_json_is_not_called_truncated():
    (p,) = _error(EXAMPLE.replace('"start": 300,', '"start": 300'))
    assert "expecting ',' delimiter" in p and "edited by hand" in p


# ---------------------------------------------------------------- the file-name rule and recognising the format


@pytest.mark.parametrize("name, split", [
    ("P01.alice.json", ("P01", "alice")),
    ("focus group.2.coder-2.json", ("focus group.2", "coder-2")),
    ("P01.consensus.json", ("P01", "consensus")),
    ("P01.Alice.json", None),  # not a coder name
    ("P01.json", None),  # no coder part
    (".alice.json", None),
    ("P01.alice.txt", None),
    ("P01.alice.JSON", None),
])
def test_annotation_file_names_split_one_way(name, split):
    assert split_annotation_name(name) == split
    if split is not None:
        assert annotation_name(*split) == name
        assert is_annotation_name_of(name, split[0]) and not is_annotation_name_of(name, split[0] + "x")


def test_annotation_path_is_beside_the_transcript(tmp_path):
    assert annotation_path(tmp_path / "interviews" / "P01.md", "bob") == tmp_path / "interviews" / "P01.bob.json"


def test_other_json_is_told_from_annotation_files_damaged_or_not():
    good = dumps_annotations(AnnotationFile("alice", "P01.txt", None, [Annotation("a1", "c", 0, 5)])).encode()
    assert looks_like_annotations(good) and annotations_from_bytes(good).annotations[0].id == "a1"
    for other in (b'{"format": "something else"}', b"not json at all", b"[1, 2]", b"\xff\xfe\x00"):
        assert not looks_like_annotations(other)
        with pytest.raises(NotAnnotations):
            annotations_from_bytes(other)
    with pytest.raises(NotJSONError, match="truncated"):
        annotations_from_bytes(good[:-20])
    with pytest.raises(AnnotationFileError, match="'code' is missing"):
        annotations_from_bytes(good.replace(b'"code": "c", ', b""))


def test_bytes_that_are_not_utf8_are_refused_not_replaced():
    """A side of a merge or a git blob with a Latin-1 byte is reported, never read with
    the byte replaced (the merge would then write the replacement character back)."""
    af = AnnotationFile("alice", "P01.txt", None, [Annotation("a1", "c", 0, 5, memo="caf\u00e9")])
    raw = dumps_annotations(af).encode("utf-8").replace("caf\u00e9".encode(), b"caf\xe9")
    with pytest.raises(AnnotationFileError, match="not UTF-8"):
        annotations_from_bytes(raw)


# ------------------------------------------------------------------ JSON other tools read differently


def _line(annotation: str) -> str:
    return EXAMPLE.replace('{"id": "0b9d73c2aa514f0e", "code": "stance-for", "start": 300, "end": 342, '
                           '"quote": "we need..."}', annotation)


@pytest.mark.parametrize("annotation, message, at", [
    ('{"id": "b", "code": "duty", "start": 300, "end": 342, "code": "personal"}',
     'the key "code" appears twice in one object', '"code": "personal"'),
    ('{"id": "b", "code": "duty", "start": 300, "end": 342, "score": NaN}', "NaN is not a JSON value", "NaN"),
    ('{"id": "b", "code": "duty", "start": 300, "end": 342, "score": -Infinity}',
     "-Infinity is not a JSON value", "-Inf"),
    ('{"id": "b", "code": "duty", "start": 300, "end": 342, "score": 1e400}', "the number 1e400 is too large",
     "1e400"),
    ('{"id": "b", "code": "duty", "start": ' + "3" * 5000 + ', "end": 342}', "a whole number of 5,000 digits",
     "333"),
    ('{"id": "b", "code": "duty", "start": 300, "end": 342, "memo": "half \\ud83d of a pair"}',
     "an escaped lone surrogate (\\ud83d)", "\\ud83d"),
], ids=["duplicate key", "NaN", "-Infinity", "1e400", "5,000 digits", "lone surrogate"])
def test_json_that_other_tools_read_differently_is_refused_with_line_and_column(annotation, message, at):
    (problem,) = _error(_line(annotation))
    column = 4 + annotation.index(at) + 1  # the file indents annotations by four spaces
    assert message in problem and f"P01.alice.json, line 8, column {column}:" in problem, problem


def test_twenty_thousand_levels_of_nesting_are_a_clear_error():
    for deep in ("[" * 20_000 + "]" * 20_000, "[" * 300 + "]" * 300):
        (problem,) = _error(_line('{"id": "b", "code": "duty", "start": 300, "end": 342, "x": ' + deep + "}"))
        assert "nests more than 200 levels deep" in problem and "line 8" in problem


def test_a_pair_of_surrogates_is_one_character_and_fine():
    af = parse_annotations(_line('{"id": "b", "code": "duty", "start": 300, "end": 342, "memo": "\\ud83d\\ude00"}'))
    assert af.annotations[1].memo == "\U0001F600"


def test_nan_is_never_written_back_as_bare_nan(tmp_path):
    path = tmp_path / "P01.alice.json"
    af = parse_annotations(EXAMPLE)
    af.annotations[0].extra["score"] = float("nan")  # as a script might set it
    af.extra["weight"] = float("inf")
    with pytest.raises(AnnotationFileError, match="cannot be saved"):
        save_annotations(af, path)
    assert not path.exists()


def test_a_lone_surrogate_never_crashes_a_save_and_nothing_is_written(tmp_path):
    path = tmp_path / "P01.alice.json"
    path.write_text(EXAMPLE, encoding="utf-8")
    af = parse_annotations(EXAMPLE)
    af.annotations[0].memo = "caf\udce9"  # undecodable bytes, as surrogateescape keeps them
    with pytest.raises(AnnotationFileError) as exc:
        save_annotations(af, path)
    assert "annotation '8c1e0f5a2b7d4e11': its memo holds U+DCE9, an unpaired surrogate" in str(exc.value)
    assert path.read_text(encoding="utf-8") == EXAMPLE
    assert [p.name for p in tmp_path.iterdir()] == ["P01.alice.json"]  # no temporary file left


def test_an_oversized_annotation_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "P01.alice.json"
    with open(path, "wb") as f:
        f.truncate(200 * 1024 ** 2)
    with pytest.raises(AnnotationFileError, match="200.0 MB, more than tcoder reads"):
        read_annotations(path)


@pytest.mark.parametrize("order", ["in file order", "new ones last", "shuffled"])
def test_a_cached_save_writes_block_by_block_the_same_bytes_as_a_whole_one(tmp_path, order):
    """An editor's save (line cache, written a block at a time, sorted in steps) writes the
    canonical bytes, and returns the digest of the bytes on disk."""
    import random

    rng = random.Random(8)
    items = [Annotation(f"{i:016x}", f"code-{i % 7}", s, s + rng.randint(1, 90), quote="\u201cq\u201d " * 3,
                        memo="m" if i % 5 == 0 else None)
             for i, s in enumerate(sorted(rng.randrange(0, 200_000) for _ in range(9000)))]
    items.sort(key=Annotation.sort_key)
    if order == "new ones last":
        items = items[:8000] + sorted(items[8000:], key=lambda a: -a.start)
    elif order == "shuffled":
        rng.shuffle(items)
    af = AnnotationFile("alice", "P01.txt", "sha", items)
    whole, cached = tmp_path / "whole.json", tmp_path / "cached.json"
    save_annotations(af, whole)
    cache: dict = {}
    for _ in range(2):  # encoding every line, then from the cache
        digest = save_annotations(af, cached, line_cache=cache)
        assert cached.read_bytes() == whole.read_bytes()
        assert digest == version_digest(whole.read_bytes())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cached.json", "whole.json"]

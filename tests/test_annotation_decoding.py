"""The fast decoder of well-formed annotation files gives exactly what the full reader
gives, or leaves the file to it: never a file the full reader would refuse or read
otherwise (two equal keys above all, which msgspec alone would take without a word)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcoder.annotation_decoding import decode_well_formed
from tcoder.annotations import (
    FORMAT_ID,
    Annotation,
    AnnotationFile,
    _parse_text,
    encode_annotations,
    parse_annotations,
    read_annotations,
)
from tcoder.errors import AnnotationFileError

HEADER = f'{{\n  "format": "{FORMAT_ID}",\n  "transcript": "P01.txt",\n  "coder": "alice",\n  "annotations": [\n'


def file_with(*rows: str, header: str = HEADER) -> str:
    return header + ",\n".join(f"    {row}" for row in rows) + "\n  ]\n}\n"


def full_reader(text: str) -> AnnotationFile | str:
    try:
        return _parse_text(text, "P01.alice.json")
    except AnnotationFileError as exc:
        return "refused: " + "; ".join(p.message for p in exc.problems)


def same(a: AnnotationFile, b: AnnotationFile) -> bool:
    return ((a.coder, a.transcript, a.text_sha256, a.annotations, a.format, a.extra)
            == (b.coder, b.transcript, b.text_sha256, b.annotations, b.format, b.extra))


def test_a_canonical_file_is_decoded_here_and_equals_the_full_readers_result():
    af = AnnotationFile("alice", "P01.txt", "ab" * 32, [
        Annotation("a1", "hope", 0, 5, quote='She said "no" \\ twice', prefix="", suffix="x\n\ty",
                   memo="caf\u00e9 \U0001f600", created="2026-01-01T00:00:00Z", orphaned=True),
        Annotation("a2", "fear", 3, 9, exemplar=True, updated="2026-02-02T00:00:00Z"),
    ])
    raw = encode_annotations(af)
    fast = decode_well_formed(raw)
    assert fast is not None
    full = full_reader(raw.decode())
    assert isinstance(full, AnnotationFile) and same(fast, full)
    assert fast.annotations[0].quote == 'She said "no" \\ twice'


@pytest.mark.parametrize("row", [
    # two equal keys: the first or the last value would win silently
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "code": "fear"}',
    '{"id": "a1", "code": "hope", "code": "fear", "start": 0, "end": 5}',
    '{"id": "a1", "id": "a2", "code": "hope", "start": 0, "end": 5}',
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "start": 1}',
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "quote": "x", "quote": "y"}',
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "orphaned": true, "orphaned": false}',
    # the escaped quotation marks of a kept value do not hide the dropped key
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "memo": "\\"\\"", "memo": "\\"\\"\\"\\""}',
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "memo": "a\\\\", "memo": "b\\\\\\""}',
])
def test_two_equal_keys_are_left_to_the_full_reader_which_refuses_them(row):
    text = file_with(row)
    assert decode_well_formed(text) is None
    assert decode_well_formed(text.encode()) is None
    with pytest.raises(AnnotationFileError, match="appears twice"):
        parse_annotations(text, "P01.alice.json")


def test_two_equal_keys_in_the_header_are_refused():
    header = HEADER.replace('"coder": "alice"', '"coder": "alice", "coder": "bob"')
    text = file_with('{"id": "a1", "code": "hope", "start": 0, "end": 5}', header=header)
    assert decode_well_formed(text) is None
    with pytest.raises(AnnotationFileError, match="appears twice"):
        parse_annotations(text)


@pytest.mark.parametrize("row", [
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "source": "nvivo"}',  # kept on rewrite
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "extra": {"x": 1}}',  # a field called extra
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "extra": {}}',
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "quote": null}',  # written, but null
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "orphaned": false}',
])
def test_fields_the_canonical_writer_does_not_write_are_read_by_the_full_reader(row):
    text = file_with(row)
    assert decode_well_formed(text) is None
    assert isinstance(full_reader(text), AnnotationFile)


@pytest.mark.parametrize("row", [
    '{"id": "", "code": "hope", "start": 0, "end": 5}',
    '{"id": "a1", "code": "", "start": 0, "end": 5}',
    '{"id": "a1", "code": "hope", "start": 5, "end": 5}',
    '{"id": "a1", "code": "hope", "start": -1, "end": 5}',
    '{"id": "a1", "code": "hope", "start": 0, "end": 5.0}',
    '{"id": "a1", "code": "hope", "start": 0, "end": true}',
    '{"id": "a1", "code": "hope", "start": 0, "end": 1' + "0" * 5000 + "}",
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "memo": 3}',
    '{"id": "a1", "code": "hope", "start": 0, "end": 5, "memo": "\\ud800"}',
    '{"id": "a1", "code": "hope", "start": 0, "end": NaN}',
])
def test_what_the_full_reader_refuses_is_never_decoded_here(row):
    text = file_with(row, '{"id": "a2", "code": "hope", "start": 0, "end": 5}')
    assert decode_well_formed(text) is None
    assert str(full_reader(text)).startswith("refused")


def test_a_repeated_id_and_a_byte_order_mark_go_to_the_full_reader():
    row = '{"id": "a1", "code": "hope", "start": 0, "end": 5}'
    assert decode_well_formed(file_with(row, row)) is None
    assert str(full_reader(file_with(row, row))).startswith("refused")
    assert decode_well_formed(b"\xef\xbb\xbf" + file_with(row).encode()) is None


def test_a_file_read_from_disk_takes_the_fast_way_only_when_it_may(tmp_path: Path):
    path = tmp_path / "P01.alice.json"
    path.write_text(file_with('{"id": "a1", "code": "hope", "start": 0, "end": 5, "code": "fear"}'))
    with pytest.raises(AnnotationFileError) as caught:
        read_annotations(path)
    assert caught.value.problems[0].line == 6 and 'the key "code" appears twice' in caught.value.problems[0].message


# ------------------------------------------------------------------ property

_KEYS = ["id", "code", "start", "end", "quote", "prefix", "suffix", "memo", "created", "updated", "orphaned",
         "exemplar", "extra", "sources"]
_texts = st.text(alphabet=st.sampled_from(['a', ' ', '"', '\\', '\n', '\u00e9', '\U0001f600', ':', ',', '}']),
                 max_size=6)
_values = st.one_of(
    _texts, _texts, st.integers(min_value=-2, max_value=12), st.booleans(), st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=16), st.just({}), st.just({"x": "\\\""}),
    st.just(2 ** 70),
)


@st.composite
def _rows(draw):
    """One annotation as JSON text: usually well formed, sometimes with a key repeated,
    a field of another type or an unknown field."""
    start = draw(st.integers(min_value=0, max_value=8))
    pairs = [("id", draw(st.sampled_from(["a", "b", "c", "d"]))), ("code", draw(st.sampled_from(["x", "y"]))),
             ("start", start), ("end", start + draw(st.integers(min_value=1, max_value=4)))]
    for key in draw(st.lists(st.sampled_from(_KEYS[4:10]), max_size=4, unique=True)):
        pairs.append((key, draw(_texts)))
    for key in draw(st.lists(st.sampled_from(["orphaned", "exemplar"]), max_size=2, unique=True)):
        pairs.append((key, True))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        pairs.insert(draw(st.integers(min_value=0, max_value=len(pairs))), (draw(st.sampled_from(_KEYS)),
                                                                             draw(_values)))
    separator = draw(st.sampled_from([", ", ",", " , "]))
    colon = draw(st.sampled_from([": ", ":", " : "]))
    return "{" + separator.join(json.dumps(k) + colon + json.dumps(v, ensure_ascii=draw(st.booleans()))
                                for k, v in pairs) + "}"


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_rows(), max_size=4), st.booleans())
def test_whatever_is_decoded_here_is_what_the_full_reader_reads(rows, as_bytes):
    text = file_with(*rows)
    fast = decode_well_formed(text.encode() if as_bytes else text)
    if fast is not None:
        full = full_reader(text)
        assert isinstance(full, AnnotationFile), full
        assert same(fast, full)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                          st.sampled_from(["x", "y"]), st.booleans()), max_size=5))
def test_every_canonical_file_without_backslashes_is_decoded_here(items):
    annotations = [Annotation(f"id{i}", code, i, i + 3, quote=text.replace("\\", ""), orphaned=flag)
                   for i, (text, code, flag) in enumerate(items)]
    raw = encode_annotations(AnnotationFile("alice", "P01.txt", None, annotations))
    fast = decode_well_formed(raw)
    assert fast is not None and fast.annotations == sorted(annotations, key=Annotation.sort_key)

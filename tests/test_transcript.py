"""Transcripts: decoding to canonical text, offsets, speaker turns."""

from __future__ import annotations

import codecs
import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit import within
from tcoder.errors import TranscriptError
from tcoder.transcript import (
    Transcript,
    compile_speaker_pattern,
    control_characters,
    count_words,
    decode_bytes,
    find_turns,
    read_transcript,
    text_sha256,
)

# ------------------------------------------------------------------ decoding


def test_utf8_bom_is_dropped():
    d = decode_bytes(codecs.BOM_UTF8 + "P1: caf\u00e9\n".encode())
    assert d.text == "P1: caf\u00e9\n"
    assert d.warnings == ()


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    d = decode_bytes(bom + "Interviewer: h\u00e9llo\r\nP1: \u00e7a va\r\n".encode(codec))
    assert d.text == "Interviewer: h\u00e9llo\nP1: \u00e7a va\n"
    assert d.encoding == "UTF-16"
    assert d.warnings == ()


def test_windows_1252_with_crlf_loads_with_a_warning_naming_the_encoding():
    text = "Interviewer: Caf\u00e9 na\u00efve \u2013 \u201cquoted\u201d\r\nP1: It\u2019s \u20ac5.\r\n"
    d = decode_bytes(text.encode("cp1252"), "P01.txt")
    assert d.text == text.replace("\r\n", "\n")
    assert d.encoding == "Windows-1252"
    assert len(d.warnings) == 1 and "Windows-1252" in d.warnings[0]


def test_short_windows_1252_is_not_mistaken_for_another_code_page():
    assert decode_bytes("P1: caf\u00e9\r\n".encode("cp1252")).text == "P1: caf\u00e9\n"


def test_cyrillic_legacy_text_is_still_detected():
    d = decode_bytes("\u0418\u043d\u0442\u0435\u0440\u0432\u044c\u044e: \u041f\u0440\u0438\u0432\u0435\u0442, "
                     "\u043a\u0430\u043a \u0434\u0435\u043b\u0430? \u0412\u0441\u0451 \u0445\u043e\u0440\u043e"
                     "\u0448\u043e.\n".encode("cp1251"))
    assert d.text.startswith("\u0418\u043d\u0442\u0435\u0440")
    assert d.warnings


def test_lone_carriage_returns_become_newlines():
    assert decode_bytes(b"a\rb\r\nc\n").text == "a\nb\nc\n"


def test_empty_transcript_loads():
    d = decode_bytes(b"")
    assert d.text == "" and d.warnings == ()
    t = Transcript("")
    assert t.turns == [] and t.speakers == [] and t.line_col(0) == (1, 1)


def test_markup_and_ansi_escapes_are_kept_verbatim():
    raw = "P1: I said [bold]no[/] and \x1b[31mred\x1b[0m [laughs]\n"
    assert decode_bytes(raw.encode()).text == raw


def test_binary_file_named_txt_is_refused_naming_the_file():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    with pytest.raises(TranscriptError) as exc:
        decode_bytes(png, "interviews/P09.txt")
    message = str(exc.value)
    assert "interviews/P09.txt" in message and "NUL byte at byte 8" in message


def test_bytes_that_fit_no_encoding_are_refused():
    with pytest.raises(TranscriptError, match="no text encoding fits"):
        decode_bytes(bytes(range(128, 256)) * 20, "x.txt")


def test_mostly_control_characters_is_not_text():
    with pytest.raises(TranscriptError, match="control characters"):
        decode_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 50, "x.txt")


def test_broken_utf16_after_a_bom_names_the_byte():
    with pytest.raises(TranscriptError, match="invalid UTF-16 at byte"):
        decode_bytes(codecs.BOM_UTF16_LE + b"a\x00\x00\xd8")  # lone high surrogate


def test_read_transcript_missing_file(tmp_path):
    with pytest.raises(TranscriptError, match="cannot read"):
        read_transcript(tmp_path / "nope.txt")


def test_sha256_is_of_the_canonical_utf8_text(tmp_path):
    path = tmp_path / "P01.txt"
    path.write_bytes("P1: caf\u00e9\r\n".encode("utf-16"))
    t = read_transcript(path)
    assert t.sha256 == text_sha256("P1: caf\u00e9\n")


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=200)


@settings(max_examples=200, deadline=None)
@given(text=_TEXT, codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]), crlf=st.booleans(),
       data=st.data())
def test_offsets_survive_encode_decode_round_trips(text, codec, crlf, data):
    """Whatever encoding and newline convention a file is saved in, the canonical
    text, and so every offset into it, is the same."""
    stored = text.replace("\n", "\r\n") if crlf else text
    decoded = decode_bytes(stored.encode(codec)).text
    if codec == "utf-8" and text.startswith("\ufeff"):
        text = text[1:]  # a leading BOM character in UTF-8 is, by definition, a BOM
    assert decoded == text
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert decoded[start:end] == text[start:end]


# ------------------------------------------------------------------ turns


@pytest.mark.parametrize("label, name", [
    ("Interviewer:", "Interviewer"),
    ("P1:", "P1"),
    ("Dr. Khan:", "Dr. Khan"),
    ("[00:01:23] Speaker 1:", "Speaker 1"),
    ("(1:02:03) Amara:", "Amara"),
    ("**Moderator:**", "Moderator"),
    ("Participant 3 (F):", "Participant 3 (F)"),
])
def test_speaker_labels(label, name):
    turns = find_turns(f"{label} Hello there.\n")
    assert [t.speaker for t in turns] == [name]
    assert turns[0].start == 0


def test_timestamp_is_captured():
    (turn,) = find_turns("[00:01:23] Speaker 1: Hello\n")
    assert turn.timestamp == "00:01:23"


@pytest.mark.parametrize("line", [
    "10:30 is when we met",  # a time, not a speaker
    "See https://example.org for more",
    "A very long opening phrase that goes on and on and on: then",  # over 40 characters
    "[laughs] Right: that was funny",  # transcriber note first
])
def test_lines_that_are_not_labels(line):
    text = f"Amara: first.\n{line}\n"
    turns = find_turns(text)
    assert [t.speaker for t in turns] == ["Amara"]
    assert turns[0].end == len(text)


def test_turns_run_to_the_next_label_and_keep_continuation_paragraphs():
    text = "Interviewer: Why?\n\nAmara: Because.\n\nAnd another paragraph.\nInterviewer: OK.\n"
    turns = find_turns(text)
    assert [t.speaker for t in turns] == ["Interviewer", "Amara", "Interviewer"]
    assert text[turns[1].start:turns[1].end] == "Amara: Because.\n\nAnd another paragraph.\n"
    assert text[turns[1].body_start:].startswith("Because.")
    assert turns[-1].end == len(text)


def test_text_before_the_first_label_is_a_turn_without_speaker():
    text = "Recorded 3 May.\nInterviewer: Hi.\n"
    turns = find_turns(text)
    assert [(t.speaker, t.start, t.end) for t in turns] == [(None, 0, 16), ("Interviewer", 16, len(text))]


def test_blank_text_before_first_label_is_not_a_turn():
    assert [t.speaker for t in find_turns("\n\nP1: hi\n")] == ["P1"]


_LINES = st.lists(st.sampled_from([
    "Interviewer: Why?", "P1:", "  Amara: yes", "[00:01:23] Speaker 1: Hello", "(1:02:03) Amara: x", "**Moderator:** ok",
    "10:30 is when", "https://example.org", "", " ", "\tBob:\tfine", "Dr. Khan:", "Participant 3 (F): hi", "a: b: c",
    "A very long opening phrase that goes on and on and on: then", "caf\u00e9: \u00e9t\u00e9", ":", "x:y",
]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(lines=_LINES, ending=st.sampled_from(["", "\n", "\n\n"]))
def test_speakers_are_the_labels_of_the_turns_in_first_spoken_order(lines, ending):
    text = "\n".join(lines) + ending
    fresh = Transcript(text).speakers  # found without the turns
    from_turns = list(dict.fromkeys(t.speaker for t in find_turns(text) if t.speaker))
    assert fresh == from_turns


@settings(max_examples=300, deadline=None)
@given(lines=_LINES, ending=st.sampled_from(["", "\n", "\n\n"]))
def test_turns_start_where_a_plain_search_finds_labels(lines, ending):
    """The default labels are looked for from line break to line break: the same as everywhere."""
    text = "\n".join(lines) + ending
    labels = list(compile_speaker_pattern(None).finditer(text))
    turns = find_turns(text)
    labelled = turns[len(turns) - len(labels):]  # after the text before the first label, if any
    assert [(t.start, t.speaker, t.timestamp) for t in labelled] == \
        [(m.start(), m.group("speaker").strip(), m.group("timestamp")) for m in labels]


def test_custom_speaker_pattern():
    pattern = compile_speaker_pattern(r"^(?P<speaker>[A-Z]+)>")
    text = "INT> hello\nRESP> hi: there\n"
    assert [t.speaker for t in find_turns(text, pattern)] == ["INT", "RESP"]


def test_custom_pattern_with_a_plain_group():
    pattern = compile_speaker_pattern(r"^- (\w+) -")
    assert [t.speaker for t in find_turns("- Ann - hi\n- Bob - yo\n", pattern)] == ["Ann", "Bob"]


def test_turn_lookups_and_line_columns():
    t = Transcript("Interviewer: Hi.\nAmara: Hello\nthere.\n")
    assert t.speaker_at(0) == "Interviewer"
    assert t.speaker_at(t.text.index("there")) == "Amara"
    assert t.turn_at(len(t.text)) is t.turns[-1]
    assert t.line_col(t.text.index("there")) == (3, 1)
    assert t.line_col(t.text.index("Hello")) == (2, 8)
    assert t.speakers == ["Interviewer", "Amara"]
    assert t.word_count == 5


# ------------------------------------------------------------------ damaged UTF-8

_UTF8_TEXT = ("Interviewer: Was the caf\u00e9 near the clinic?\n\n"
              "Amara: Yes \u2013 it\u2019s where we met, na\u00efvely hopeful.\n") * 40


def test_a_few_invalid_bytes_keep_a_utf8_transcript_utf8_with_their_line_and_column():
    data = bytearray(_UTF8_TEXT.encode("utf-8"))
    line4 = data.index(b"Interviewer", 10)  # the second question, on line 4
    data[line4 + 4] = 0x92  # a Windows quote where 'r' was
    data[-10] = 0xFF
    decoded = decode_bytes(bytes(data))
    assert decoded.encoding == "UTF-8"
    (warning,) = decoded.warnings
    assert "invalid UTF-8 at line 4, column 5 (byte 0x92)" in warning and "1 more byte (line 120)" in warning
    # Every other character is where it was: only the bad bytes changed, one character each.
    assert len(decoded.text) == len(_UTF8_TEXT)
    assert decoded.text.count("\ufffd") == 2
    assert [i for i, (a, b) in enumerate(zip(decoded.text, _UTF8_TEXT, strict=True)) if a != b] == [
        _UTF8_TEXT.index("Interviewer", 10) + 4, len(_UTF8_TEXT) - 10]


def test_annotations_stay_on_their_passage_when_bytes_are_damaged(tmp_path):
    from tcoder.annotations import new_annotation, reanchor

    quote = "na\u00efvely hopeful"
    annotations = [new_annotation("hope", i, i + len(quote), _UTF8_TEXT)
                   for i in range(len(_UTF8_TEXT)) if _UTF8_TEXT.startswith(quote, i)]
    path = tmp_path / "P01.txt"
    data = bytearray(_UTF8_TEXT.encode("utf-8"))
    data[5] = 0x80
    path.write_bytes(bytes(data))
    transcript = read_transcript(path)
    results = reanchor(annotations, transcript.text)
    assert [r.status for r in results] == ["unchanged"] * len(annotations)


def test_a_legacy_file_with_no_valid_utf8_is_still_read_as_windows_1252():
    text = "Interviewer: Caf\u00e9 cr\u00e8me?\nP1: It\u2019s \u20ac5 \u2013 na\u00efve.\n"
    decoded = decode_bytes(text.encode("cp1252"))
    assert decoded.encoding == "Windows-1252" and decoded.text == text


# ------------------------------------------------------------------ odd files


def test_a_named_pipe_is_refused_at_once_without_blocking(tmp_path):
    fifo = tmp_path / "P01.txt"
    os.mkfifo(fifo)
    with within(5), pytest.raises(TranscriptError, match="named pipe"):
        read_transcript(fifo)


def test_a_link_to_a_device_is_refused_without_reading(tmp_path):
    link = tmp_path / "P01.txt"
    link.symlink_to("/dev/null")  # /dev/zero is in the hostile corpus, run under a memory limit
    with within(5), pytest.raises(TranscriptError, match="character device"):
        read_transcript(link)


def test_a_link_to_itself_is_named_as_such(tmp_path):
    link = tmp_path / "P01.txt"
    link.symlink_to(link)
    with pytest.raises(TranscriptError, match="points to itself"):
        read_transcript(link)


def test_a_huge_sparse_file_is_refused_by_its_size_before_reading(tmp_path):
    from tcoder.safeio import TRANSCRIPT_LIMIT

    path = tmp_path / "P01.txt"
    with open(path, "wb") as f:
        f.truncate(1024 ** 3)  # 1 GB of nothing, taking no space
    started = time.perf_counter()
    with pytest.raises(TranscriptError) as exc:
        read_transcript(path)
    assert time.perf_counter() - started < 0.5
    assert "1,024.0 MB, more than tcoder reads" in str(exc.value) and f"({TRANSCRIPT_LIMIT // 2**20:.1f} MB)" in str(
        exc.value).replace(",", "")


_SOME_TEXT = st.text(st.sampled_from("ab \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x00\x07\x1b\x7f\x85\xa0\u2003\u3000\u00e9"
                                     "\ud83d\udca1"), max_size=40)


@settings(max_examples=500, deadline=None)
@given(text=_SOME_TEXT | st.text(max_size=40))
def test_words_are_counted_as_str_split_splits_them(text):
    assert count_words(text) == len(text.split())


@settings(max_examples=500, deadline=None)
@given(text=_SOME_TEXT | st.text(max_size=40))
def test_control_characters_are_counted_as_the_pattern_finds_them(text):
    from tcoder.transcript import _CONTROL

    assert control_characters(text) == len(_CONTROL.findall(text))

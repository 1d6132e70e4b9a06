"""tcoder import of the documents researchers bring: PDF, .odt, .rtf, speech-to-text JSON,
noScribe transcripts and Zoom chat logs. Real files are in tests/data/import/real/
(SOURCES.md); each test compares every word with an oracle that is not tcoder's code."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

REAL = Path(__file__).parent / "data" / "import" / "real"


def _import(run_cli, source: Path, into: Path, *extra: str) -> tuple[str, str, str]:
    code, out, err = run_cli("import", source, "--into", into, *extra)
    assert code == 0, err
    return (into / f"{source.stem}.txt").read_text("utf-8"), out, err


def _words(text: str) -> Counter:
    return Counter(text.split())


# ---------------------------------------------------------------- PDF


def test_a_pdf_text_layer_comes_in_word_for_word(tmp_path, run_cli):
    text, out, err = _import(run_cli, REAL / "pypdf-crazyones.pdf", tmp_path)
    # pypdf's own expected extraction of its test file, kept in its repository
    assert _words(text) == _words((REAL / "pypdf-crazyones.expected.txt").read_text("utf-8"))
    assert "from PDF" in out


def test_a_scanned_pdf_is_refused_with_advice(tmp_path, run_cli):
    code, out, err = run_cli("import", REAL / "pypdf-imagemagick-CCITTFaxDecode.pdf", "--into", tmp_path)
    assert code == 1
    assert "no page of this PDF has a text layer" in err and "OCR" in err
    assert not list(tmp_path.iterdir())


def test_scanned_pages_in_a_pdf_are_named(tmp_path, run_cli):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.append(str(REAL / "pypdf-crazyones.pdf"))
    writer.append(str(REAL / "pypdf-imagemagick-CCITTFaxDecode.pdf"))
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as handle:
        writer.write(handle)
    text, out, err = _import(run_cli, mixed, tmp_path / "out")
    assert "1 page has no text layer (scanned?) and is not in the transcript: page 2" in err
    assert _words(text) == _words((REAL / "pypdf-crazyones.expected.txt").read_text("utf-8"))


def test_pdf_lines_join_into_paragraphs_and_labels_start_turns():
    from tcoder.importers.pdf import paragraphs

    page = ("Interviewer: Thanks for joining. What got\nyou involved?\n\nAmara: It started in first\nyear, "
            "honestly.\nInterviewer: And then?\n")
    assert paragraphs(page) == ["Interviewer: Thanks for joining. What got you involved?",
                                "Amara: It started in first year, honestly.", "Interviewer: And then?"]


# ---------------------------------------------------------------- OpenDocument


def _odt_words(path: Path) -> Counter:
    """Every paragraph's words from content.xml, read with ElementTree (text:s is a space)."""
    ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    root = ET.fromstring(zipfile.ZipFile(path).read("content.xml"))
    words: Counter = Counter()
    for p in root.iter():
        if p.tag in (f"{{{ns}}}p", f"{{{ns}}}h"):
            parts = []
            for el in p.iter():
                parts.append(" " if el.tag in (f"{{{ns}}}s", f"{{{ns}}}tab", f"{{{ns}}}line-break") else "")
                parts.append(el.text or "" if el is not p else p.text or "")
                if el is not p:
                    parts.append(el.tail or "")
            words.update("".join(parts).split())
    return words


def test_an_odt_comes_in_word_for_word(tmp_path, run_cli):
    text, out, err = _import(run_cli, REAL / "qualcoder-ID2.odt", tmp_path)
    assert _words(text) == _odt_words(REAL / "qualcoder-ID2.odt")
    assert "3 lines, no speakers from OpenDocument" in out


def test_an_odt_with_labels_and_a_speaker_table(tmp_path, run_cli):
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentText()
    document.text.addElement(P(text="Interview P09, 14 March"))
    document.text.addElement(P(text="Interviewer: What does advocacy look like for you?"))
    document.text.addElement(P(text="Bea: Mostly meetings."))
    table = Table()
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for speaker, words in (("Speaker", "Text"), ("Interviewer", "And outside them?"), ("Bea", "Teaching, a bit.")):
        row = TableRow()
        for value in (speaker, words):
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    path = tmp_path / "P09.odt"
    path.write_bytes(buffer.getvalue())
    text, out, err = _import(run_cli, path, tmp_path / "out")
    assert "5 turns, 2 speakers (Interviewer; Bea)" in out  # the title is a turn without a speaker
    assert text.startswith("Interview P09, 14 March\n\nInterviewer: What does advocacy")
    assert "Bea: Teaching, a bit." in text


# ---------------------------------------------------------------- RTF


def test_an_rtf_comes_in_word_for_word_in_its_code_page(tmp_path, run_cli):
    text, out, err = _import(run_cli, REAL / "striprtf-french.rtf", tmp_path)
    assert _words(text) == _words((REAL / "striprtf-french.expected.txt").read_text("utf-8"))
    assert "10‘000" in text and "10´000" in text  # Windows-1252 quotes decoded


def test_an_rtf_with_speaker_labels(tmp_path, run_cli):
    path = tmp_path / "P02.rtf"
    path.write_bytes(b"{\\rtf1\\ansi\\ansicpg1252 {\\b Interviewer:} What happened next?\\par "
                     b"Jos\\'e9: We wrote to the dean.\\par And then we waited.\\par}")
    text, out, err = _import(run_cli, path, tmp_path / "out")
    assert "2 turns, 2 speakers (Interviewer; José)" in out
    assert text == "Interviewer: What happened next?\n\nJosé: We wrote to the dean.\nAnd then we waited.\n"


def test_a_file_named_rtf_that_is_not_rtf(tmp_path, run_cli):
    path = tmp_path / "x.rtf"
    path.write_text("just text", "utf-8")
    code, out, err = run_cli("import", path)
    assert code == 1 and "not an RTF file" in err


# ---------------------------------------------------------------- noScribe


def test_a_noscribe_transcript_keeps_speakers_times_and_every_word(tmp_path, run_cli):
    text, out, err = _import(run_cli, REAL / "noscribe-interview.html", tmp_path)
    assert "3 speakers (S01; S00; S02)" in out
    # noScribe's own plain-text export of the same transcript has the same words
    assert _words(text) == _words((REAL / "noscribe-interview.txt").read_text("utf-8"))
    from tcoder.transcript import find_turns

    turns = [t for t in find_turns(text) if t.speaker]
    assert turns[0].speaker == "S01" and text[turns[0].body_start:].startswith("[00:00:12] Guten Tag")
    assert "//S02: Ist das herrlich." in text  # overlapping speech kept where noScribe marked it


def test_noscribe_webvtt_export_reads_its_voices(tmp_path, run_cli):
    text, out, err = _import(run_cli, REAL / "noscribe-interview.vtt", tmp_path)
    assert "3 speakers (S01; S00; S02)" in out  # noScribe's '<v //S02>' (overlapping speech) is S02
    assert "//Okay, also hat es dann einfach..." in text  # ... and its mark stays in the text


def test_an_html_file_that_is_not_noscribe(tmp_path, run_cli):
    path = tmp_path / "page.html"
    path.write_text("<html><body><p>Hello</p></body></html>", "utf-8")
    code, out, err = run_cli("import", path)
    assert code == 1 and "not a noScribe transcript" in err


# ---------------------------------------------------------------- speech-to-text JSON


def test_a_whisperx_file_without_speakers_gives_a_line_per_segment_with_times(tmp_path, run_cli):
    text, out, err = _import(run_cli, REAL / "whisperx-reference.json", tmp_path, "--timestamps")
    assert text == "[00:00:00] Okay, got it.\n[00:00:07] I don't, I don't know.\n"
    segments = json.loads((REAL / "whisperx-reference.json").read_text("utf-8"))["segments"]
    assert Counter(w for line in text.splitlines() for w in line.split()[1:]) == _words(
        " ".join(s["text"] for s in segments))


def test_diarized_whisperx_segments_become_speaker_turns(tmp_path, run_cli):
    data = {"segments": [
        {"start": 0.5, "end": 2.0, "text": " Thanks for joining.", "speaker": "SPEAKER_00"},
        {"start": 2.1, "end": 4.0, "text": " What got you involved?", "speaker": "SPEAKER_00"},
        {"start": 4.5, "end": 9.0, "text": " My grandmother, honestly.", "speaker": "SPEAKER_01"},
        {"start": 9.5, "end": 11.0, "text": " Go on.", "speaker": "SPEAKER_00"}], "language": "en"}
    path = tmp_path / "P03.json"
    path.write_text(json.dumps(data), "utf-8")
    text, out, err = _import(run_cli, path, tmp_path / "out", "--timestamps")
    assert text == ("[00:00:00] SPEAKER_00: Thanks for joining. What got you involved?\n\n"
                    "[00:00:04] SPEAKER_01: My grandmother, honestly.\n\n[00:00:09] SPEAKER_00: Go on.\n")


def test_whisper_cpp_and_openai_whisper_json(tmp_path, run_cli):
    cpp = {"result": {"language": "en"}, "transcription": [
        {"timestamps": {"from": "00:00:01,000", "to": "00:00:03,000"}, "offsets": {"from": 1000, "to": 3000},
         "text": " First words."},
        {"timestamps": {"from": "00:01:05,000", "to": "00:01:07,000"}, "offsets": {"from": 65000, "to": 67000},
         "text": " Later words."}]}
    path = tmp_path / "cpp.json"
    path.write_text(json.dumps(cpp), "utf-8")
    text, out, err = _import(run_cli, path, tmp_path / "out", "--timestamps")
    assert text == "[00:00:01] First words.\n[00:01:05] Later words.\n"
    openai = {"text": " One. Two.", "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": 1.0, "text": " One.",
                                                 "tokens": [1], "temperature": 0.0, "avg_logprob": -0.2,
                                                 "compression_ratio": 0.9, "no_speech_prob": 0.01},
                                                {"id": 1, "seek": 0, "start": 1.0, "end": 2.0, "text": " Two."}],
              "language": "en"}
    path = tmp_path / "openai.json"
    path.write_text(json.dumps(openai), "utf-8")
    text, out, err = _import(run_cli, path, tmp_path / "out")
    assert text == "One.\nTwo.\n"


def test_json_that_is_not_a_transcript(tmp_path, run_cli):
    path = tmp_path / "x.json"
    path.write_text('{"name": "tcoder", "version": 1}', "utf-8")
    code, out, err = run_cli("import", path)
    assert code == 1 and "not a speech-to-text transcript" in err and "name, version" in err
    path.write_text('{"segments": [', "utf-8")
    code, out, err = run_cli("import", path)
    assert code == 1 and "not valid JSON" in err and "line 1" in err


# ---------------------------------------------------------------- Zoom chat


ZOOM_CHAT = ("00:05:16\tAna Lima:\tLet's try to stay muted unless speaking up\n"
             "00:11:15\tAna Lima:\tGreat point, Ben!\n"
             "00:12:02\tBen Cho:\tReacted to \"Great point, Ben!\" with 👍\n"
             "00:13:44\tCara Diaz:\tOne suggestion: share it with the students.\n"
             "They could see their own data.\n")
OLD_ZOOM_CHAT = ("10:02:33 From  Ana Lima : Thanks everyone!\n"
                 "10:02:40 From Ana Lima to Ben Cho (Direct Message) : see you after\n"
                 "10:03:01 From Ben Cho to Everyone : Bye all\n")


def test_a_zoom_chat_log_keeps_senders_times_and_every_word(tmp_path, run_cli):
    path = tmp_path / "meeting_saved_chat.txt"
    path.write_text(ZOOM_CHAT, "utf-8")
    text, out, err = _import(run_cli, path, tmp_path / "out", "--timestamps")
    assert "3 turns, 3 speakers (Ana Lima; Ben Cho; Cara Diaz)" in out and "from Zoom chat" in out
    assert text.startswith("[00:05:16] Ana Lima: Let's try to stay muted unless speaking up\n"
                           "[00:11:15] Great point, Ben!\n\n[00:12:02] Ben Cho: Reacted to")
    spoken = re.sub(r"^\d\d:\d\d:\d\d\t[^\t]+:\t", "", ZOOM_CHAT, flags=re.MULTILINE)
    written = re.sub(r"^[A-Z][a-z]+ [A-Z][a-z]+: ", "", re.sub(r"\[\d\d:\d\d:\d\d\] ", "", text),
                     flags=re.MULTILINE)
    assert _words(written) == _words(spoken)


def test_an_older_zoom_chat_log_marks_direct_messages(tmp_path, run_cli):
    path = tmp_path / "chat.txt"
    path.write_text(OLD_ZOOM_CHAT, "utf-8")
    text, out, err = _import(run_cli, path, tmp_path / "out")
    assert text == ("Ana Lima: Thanks everyone!\n(to Ben Cho (Direct Message)) see you after\n\n"
                    "Ben Cho: Bye all\n")

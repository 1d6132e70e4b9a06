"""tcoder import: every source format, the merge rules, options, refusals and bad input.

Text fixtures (a Zoom and a Teams .vtt, an .srt, an Otter .txt) live in
tests/data/import/; Word documents are built here with python-docx.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcoder.importers import convert
from tcoder.importers.model import MAX_SPEAKER_LENGTH, Cue, SpeakerNames, merge_cues, parse_clock
from tcoder.importers.writer import check_reads_back, render_transcript
from tcoder.transcript import find_turns, read_transcript

DATA = Path(__file__).parent / "data" / "import"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """A private copy of the text fixtures."""
    target = tmp_path / "inbox"
    shutil.copytree(DATA, target)
    return target


def turns_of(path: Path) -> list[tuple[str | None, str]]:
    """(speaker, body text) of each turn, as tcoder reads the written transcript."""
    transcript = read_transcript(path)
    return [(t.speaker, transcript.text[t.body_start:t.end].strip()) for t in transcript.turns]


def speakers_of(path: Path) -> list[str | None]:
    return [speaker for speaker, _ in turns_of(path)]


def write_docx(path: Path, paragraphs: list[str] = (), table: list[list[str]] | None = None,
               before_table: list[str] = ()) -> Path:
    document = docx.Document()
    for text in before_table:
        document.add_paragraph(text)
    if table is not None:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


# --- WebVTT -------------------------------------------------------------------------------------


def test_zoom_vtt_merges_consecutive_cues_of_one_speaker(inbox: Path, run_cli):
    code, out, err = run_cli("import", inbox / "zoom_P07.vtt")
    assert code == 0, err
    written = inbox / "zoom_P07.txt"
    assert speakers_of(written) == ["Dr. Khan", "Tomás Reyes", "Dr. Khan", "Tomás Reyes", "Dr. Khan", "Tomás Reyes"]
    turns = turns_of(written)
    assert turns[0][1] == ("Okay, I think the recording has started. Thanks for making the time. "
                           "Could you start by telling me what year you're in?")
    # a cue split mid-sentence is joined with one space; "&amp;" is unescaped; a colon inside
    # the text ("One thing stuck with me:") stays text
    assert turns[1][1].endswith("I've been involved with the anti-racism working group since the first week "
                                "of med school, honestly.")
    assert "the clinic & they'd talk past her" in turns[3][1]
    assert turns[3][1].endswith("One thing stuck with me: nobody ever asked her what she thought was wrong.")
    assert out.startswith("wrote ") and "zoom_P07.txt: " in out and "from WebVTT" in out
    assert "6 turns, 2 speakers (Dr. Khan; Tomás Reyes)" in out


def test_teams_vtt_voice_tags_classes_notes_styles_and_entities(inbox: Path, run_cli):
    code, out, err = run_cli("import", inbox / "teams_FG2.vtt")
    assert code == 0, err
    turns = turns_of(inbox / "teams_FG2.txt")
    assert [s for s, _ in turns] == ["Okafor, Chidinma (Facilitator)", "Priya Natarajan", "Marcus Bell",
                                     "Room 4 - Sam Ortiz", "Okafor, Chidinma (Facilitator)"]
    facilitator, priya, marcus, sam, closing = (text for _, text in turns)
    assert facilitator == ("Welcome, everyone. Thanks for joining focus group two. "
                           "Let's go round and say what the word advocacy means to you.")
    # <v.student ...> is a voice with a class; the cue without a voice continues Priya's turn
    assert priya.endswith("The cases we get taught from. Like, every rash is on white skin.")
    # entities unescaped, the inline <00:00:24.100> time removed
    assert marcus == "Yeah, and <honestly> the community side matters as much."
    # an unclosed voice span runs to the end of the cue; &nbsp; is a space
    assert closing == "Thank you. Priya, you mentioned cases earlier?"
    text = (inbox / "teams_FG2.txt").read_text(encoding="utf-8")
    for leftover in ("NOTE", "STYLE", "::cue", "3f1c9a52", "-->", "<v", "<c", "<i>", "</v>"):
        assert leftover not in text
    assert "speaker name 'Room 4: Sam Ortiz' contains a colon; written as 'Room 4 - Sam Ortiz'" in err


def test_vtt_several_voices_in_one_cue_and_header_metadata(tmp_path: Path):
    source = tmp_path / "two.vtt"
    source.write_text("WEBVTT - exported\nKind: captions\nLanguage: en\n\n"
                      "00:01.000 --> 00:04.000 align:start position:10%\n"
                      "<v Ana>Did you go?</v> <v Ben>No, I didn't.</v>\n", encoding="utf-8")
    converted = convert(source)
    assert [(t.speaker, t.text) for t in converted.turns] == [("Ana", "Did you go?"), ("Ben", "No, I didn't.")]


def test_vtt_without_blank_lines_between_cues_loses_no_text(tmp_path: Path):
    source = tmp_path / "tight.vtt"
    source.write_text("WEBVTT\n1\n00:00:01.000 --> 00:00:02.000\nAna: One.\n2\n00:00:02.000 --> 00:00:03.000\n"
                      "Ana: Two.\n00:00:03.000 --> 00:00:04.000\nBen: Three.\n", encoding="utf-8")
    assert [(t.speaker, t.text) for t in convert(source).turns] == [("Ana", "One. Two."), ("Ben", "Three.")]


def test_vtt_text_after_a_closing_voice_tag_continues_that_voice(tmp_path: Path):
    source = tmp_path / "after.vtt"
    source.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ana>We asked twice.</v> The answer: no.\n",
                      encoding="utf-8")
    assert [(t.speaker, t.text) for t in convert(source).turns] == [("Ana", "We asked twice. The answer: no.")]


# --- SubRip -------------------------------------------------------------------------------------


def test_srt_labels_continuations_and_tags(inbox: Path, run_cli):
    code, out, err = run_cli("import", inbox / "subtitles_P03.srt")
    assert code == 0, err
    assert turns_of(inbox / "subtitles_P03.txt") == [
        ("Interviewer", "Can you tell me how the petition got started?"),
        ("Amara Osei", "It started in a group chat, honestly. We were all annoyed about the same lecture."),
        ("Interviewer", "Which lecture was it?"),
        ("Amara Osei", 'The one on hypertension. It said Black patients just "don\'t adhere" and moved on.'),
    ]
    assert "4 turns, 2 speakers (Interviewer; Amara Osei)" in out


def test_srt_dialogue_dash_before_a_name(tmp_path: Path):
    source = tmp_path / "dash.srt"
    source.write_text("1\n00:00:01,000 --> 00:00:02,000\n- Ana: Ready?\n\n2\n00:00:02,000 --> 00:00:03,000\n"
                      "- Ben: Yes.\n", encoding="utf-8")
    assert [(t.speaker, t.text) for t in convert(source).turns] == [("Ana", "Ready?"), ("Ben", "Yes.")]


# --- Otter text ---------------------------------------------------------------------------------


def test_otter_text_in_its_own_folder_needs_into(inbox: Path, run_cli):
    source = inbox / "otter_P05.txt"
    before = source.read_bytes()
    for extra in ([], ["--force"]):
        code, out, err = run_cli("import", source, *extra)
        assert code == 1
        assert "is an input file and is never replaced" in err and "--into" in err
        assert source.read_bytes() == before


def test_otter_text_headers_footer_and_unnamed_blocks(inbox: Path, tmp_path: Path, run_cli):
    code, out, err = run_cli("import", inbox / "otter_P05.txt", "--into", tmp_path / "study" / "interviews")
    assert code == 0, err
    written = tmp_path / "study" / "interviews" / "otter_P05.txt"
    turns = turns_of(written)
    assert [s for s, _ in turns] == ["Jane Doe", "Ben Adeyemi", "Jane Doe", "Ben Adeyemi"]
    # two blocks of one speaker are one turn, each block its own paragraph
    assert turns[1][1] == ("So in first year a friend dragged me to a health fair in the east end, and I just kept "
                           "going back.\nIt was the first time medicine felt like it was about people and not exams.")
    # a header with only a time continues the previous speaker's turn
    assert turns[2][1] == "What did a typical day there look like?\nAnd who was running it back then?"
    # "One thing though: ..." would read as a new speaker on a line of its own: it stays on the line before
    assert turns[3][1] == ("Blood pressure checks mostly, and a lot of listening. "
                           "One thing though: it was never just me, there were six of us.")
    assert "otter.ai" not in written.read_text(encoding="utf-8")


# --- Word ---------------------------------------------------------------------------------------


def test_docx_paragraphs_with_labels_and_continuations(tmp_path: Path, run_cli):
    source = write_docx(tmp_path / "P09.docx", [
        "Interview P09, 14 March",
        "Interviewer: What does advocacy look like for you day to day?",
        "Dr. Lee: Mostly meetings, if I'm honest.",
        "The dean's office, the curriculum committee, that kind of thing.",
        "",
        "Dr. Lee: It's slow work.",
        "Interviewer: Does that ever feel worth it?",
        "Dr. Lee:",
        "Some days. Last year we got the race-based eGFR out of the renal block.",
    ])
    code, out, err = run_cli("import", source)
    assert code == 0, err
    assert turns_of(tmp_path / "P09.txt") == [
        (None, "Interview P09, 14 March"),
        ("Interviewer", "What does advocacy look like for you day to day?"),
        ("Dr. Lee", "Mostly meetings, if I'm honest.\nThe dean's office, the curriculum committee, that kind of "
                    "thing.\nIt's slow work."),
        ("Interviewer", "Does that ever feel worth it?"),
        ("Dr. Lee", "Some days. Last year we got the race-based eGFR out of the renal block."),
    ]
    assert "5 turns, 2 speakers (Interviewer; Dr. Lee)" in out


def test_docx_otter_layout_with_line_breaks(tmp_path: Path):
    document = docx.Document()
    document.add_paragraph("Jane Doe  0:03")
    document.add_paragraph("How did the petition start?")
    paragraph = document.add_paragraph("Amara Osei\t0:09")  # Otter's header, then a manual line break
    paragraph.add_run().add_break()
    paragraph.add_run("In a group chat.")
    document.add_paragraph("1:02:07")
    document.add_paragraph("We were all annoyed.")
    document.save(tmp_path / "otter.docx")
    converted = convert(tmp_path / "otter.docx", timestamps=True)
    assert [(t.speaker, t.start, t.text) for t in converted.turns] == [
        ("Jane Doe", 3.0, "How did the petition start?"),
        ("Amara Osei", 9.0, "In a group chat.\nWe were all annoyed."),
    ]
    assert converted.text.startswith("[00:00:03] Jane Doe: How did")


def test_docx_table_with_header_row(tmp_path: Path, run_cli):
    source = write_docx(tmp_path / "FG1.docx", before_table=["Focus group 1"], table=[
        ["Speaker", "Time", "Text"],
        ["Moderator", "00:00:05", "Welcome, everyone."],
        ["Moderator", "00:00:09", "Let's start with introductions."],
        ["P1:", "[00:00:14]", "I'm in second year."],
        ["", "00:00:17", "And I run the mentoring scheme."],
        ["P2", "00:00:21", "Fourth year, surgery track."],
    ])
    code, out, err = run_cli("import", source, "--timestamps")
    assert code == 0, err
    text = (tmp_path / "FG1.txt").read_text(encoding="utf-8")
    assert text == ("Focus group 1\n\n"
                    "[00:00:05] Moderator: Welcome, everyone.\nLet's start with introductions.\n\n"
                    "[00:00:14] P1: I'm in second year.\nAnd I run the mentoring scheme.\n\n"
                    "[00:00:21] P2: Fourth year, surgery track.\n")
    assert [(t.speaker, t.timestamp) for t in find_turns(text)] == [
        (None, None), ("Moderator", "00:00:05"), ("P1", "00:00:14"), ("P2", "00:00:21")]


def test_docx_table_without_header_row(tmp_path: Path):
    source = write_docx(tmp_path / "P02.docx", table=[
        ["Interviewer", "What made you join the working group?"],
        ["Participant 2", "A classmate asked me, and I had been angry about the dermatology slides for months."],
        ["Interviewer", "Angry how?"],
    ])
    assert [(t.speaker, t.text) for t in convert(source).turns] == [
        ("Interviewer", "What made you join the working group?"),
        ("Participant 2", "A classmate asked me, and I had been angry about the dermatology slides for months."),
        ("Interviewer", "Angry how?"),
    ]


def test_docx_table_extra_columns_are_reported(tmp_path: Path):
    source = write_docx(tmp_path / "notes.docx", table=[
        ["Speaker", "Text", "Coder notes"],
        ["Ana", "We wrote to the dean.", "strategy?"],
    ])
    converted = convert(source)
    assert [(t.speaker, t.text) for t in converted.turns] == [("Ana", "We wrote to the dean.")]
    assert any("column 3" in w and "left out" in w for w in converted.warnings)


def test_docx_times_before_labels_are_kept(tmp_path: Path):
    source = write_docx(tmp_path / "timed.docx", ["[00:01:23] Dr. Lee: Mostly meetings.", "(00:01:30) Ana: Right."])
    assert convert(source, timestamps=True).text == "[00:01:23] Dr. Lee: Mostly meetings.\n\n[00:01:30] Ana: Right.\n"


def test_docx_without_times_warns_about_timestamps(tmp_path: Path, run_cli):
    source = write_docx(tmp_path / "plain.docx", ["Interviewer: Hello.", "Ana: Hi."])
    code, _, err = run_cli("import", source, "--timestamps")
    assert code == 0 and "has no times" in err
    assert (tmp_path / "plain.txt").read_text(encoding="utf-8") == "Interviewer: Hello.\n\nAna: Hi.\n"


def test_text_that_would_read_back_as_another_speaker_is_refused(tmp_path: Path, run_cli):
    # a table row without a speaker at the very top: its "Date: ..." text has nobody to belong to
    # and would read back as a turn of a speaker "Date"
    source = write_docx(tmp_path / "odd.docx", table=[
        ["Speaker", "Text"], ["", "Date: 14 March"], ["Ana", "We started in 2021."]])
    err = _fails(run_cli, source, "would not read back as written", "'Date'")
    assert "Traceback" not in err


# --- options ------------------------------------------------------------------------------------


def test_timestamps_prefix_each_turn_and_read_back(inbox: Path, run_cli):
    code, _, err = run_cli("import", inbox / "zoom_P07.vtt", "--timestamps")
    assert code == 0, err
    text = (inbox / "zoom_P07.txt").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("[00:00:02] Dr. Khan: Okay")
    turns = find_turns(text)
    assert [(t.timestamp, t.speaker) for t in turns] == [
        ("00:00:02", "Dr. Khan"), ("00:00:10", "Tomás Reyes"), ("00:00:20", "Dr. Khan"),
        ("00:00:25", "Tomás Reyes"), ("00:00:36", "Dr. Khan"), ("00:00:40", "Tomás Reyes")]


def test_without_timestamps_no_times_are_written(inbox: Path, run_cli):
    run_cli("import", inbox / "zoom_P07.vtt")
    text = (inbox / "zoom_P07.txt").read_text(encoding="utf-8")
    assert all(t.timestamp is None for t in find_turns(text))
    assert "00:00" not in text


def test_output_is_canonical_utf8_with_lf_and_blank_lines_between_turns(inbox: Path, run_cli):
    run_cli("import", inbox / "subtitles_P03.srt")
    data = (inbox / "subtitles_P03.txt").read_bytes()
    assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf") and data.endswith(b".\n")
    blocks = data.decode("utf-8").rstrip("\n").split("\n\n")
    assert len(blocks) == 4 and all(block.strip() for block in blocks)


def test_into_creates_the_folder(inbox: Path, tmp_path: Path, run_cli):
    target = tmp_path / "new" / "nested"
    code, out, err = run_cli("import", inbox / "zoom_P07.vtt", inbox / "subtitles_P03.srt", "--into", target)
    assert code == 0, err
    assert sorted(p.name for p in target.iterdir()) == ["subtitles_P03.txt", "zoom_P07.txt"]
    assert not (inbox / "zoom_P07.txt").exists()
    assert out.count("wrote ") == 2


def test_into_a_file_is_bad_usage(inbox: Path, run_cli):
    code, _, err = run_cli("import", inbox / "zoom_P07.vtt", "--into", inbox / "otter_P05.txt")
    assert code == 2 and "not a folder" in err


def test_existing_file_is_not_replaced_without_force(inbox: Path, run_cli):
    existing = inbox / "zoom_P07.txt"
    existing.write_text("Interviewer: my edited version\n", encoding="utf-8")
    code, out, err = run_cli("import", inbox / "zoom_P07.vtt")
    assert code == 1
    assert "already exists; use --force to replace it" in err and "zoom_P07.vtt" in err
    assert existing.read_text(encoding="utf-8") == "Interviewer: my edited version\n"
    code, out, err = run_cli("import", inbox / "zoom_P07.vtt", "--force")
    assert code == 0, err
    assert speakers_of(existing)[:2] == ["Dr. Khan", "Tomás Reyes"]


def test_force_over_a_coded_transcript_warns(inbox: Path, run_cli):
    (inbox / "zoom_P07.txt").write_text("Dr. Khan: old\n", encoding="utf-8")
    (inbox / "zoom_P07.alice.json").write_text("{}", encoding="utf-8")
    code, _, err = run_cli("import", inbox / "zoom_P07.vtt", "--force")
    assert code == 0 and "zoom_P07.alice.json" in err and "tcoder check" in err


def test_two_inputs_with_one_output_in_one_call(tmp_path: Path, inbox: Path, run_cli):
    shutil.copy(inbox / "subtitles_P03.srt", tmp_path / "P03.srt")
    shutil.copy(inbox / "zoom_P07.vtt", tmp_path / "P03.vtt")
    code, out, err = run_cli("import", tmp_path / "P03.srt", tmp_path / "P03.vtt", "--force")
    assert code == 1
    assert "P03.srt is also written to" in err
    assert speakers_of(tmp_path / "P03.txt")[0] == "Interviewer"  # the first one, untouched


def test_an_output_that_is_another_input_is_never_replaced(tmp_path: Path, inbox: Path, run_cli):
    shutil.copy(inbox / "zoom_P07.vtt", tmp_path / "P05.vtt")
    shutil.copy(inbox / "otter_P05.txt", tmp_path / "P05.txt")
    before = (tmp_path / "P05.txt").read_bytes()
    code, _, err = run_cli("import", tmp_path / "P05.vtt", tmp_path / "P05.txt", "--force",
                           "--into", tmp_path)
    assert code == 1 and "is an input file and is never replaced" in err
    assert (tmp_path / "P05.txt").read_bytes() == before


def test_a_file_named_twice_is_imported_once(inbox: Path, run_cli):
    code, out, err = run_cli("import", inbox / "zoom_P07.vtt", inbox / ".." / "inbox" / "zoom_P07.vtt")
    assert code == 0, err
    assert out.count("wrote ") == 1


def test_txt_and_extensionless_files_are_recognised_by_content(tmp_path: Path, inbox: Path):
    shutil.copy(inbox / "zoom_P07.vtt", tmp_path / "captions.txt")
    shutil.copy(inbox / "subtitles_P03.srt", tmp_path / "subtitles")
    assert convert(tmp_path / "captions.txt").format == "vtt"
    assert convert(tmp_path / "subtitles").format == "srt"
    shutil.copy(inbox / "teams_FG2.vtt", tmp_path / "teams.srt")  # WebVTT with the wrong extension
    assert convert(tmp_path / "teams.srt").format == "vtt"


# --- encodings ----------------------------------------------------------------------------------


def test_utf16_vtt_and_utf8_bom_srt(tmp_path: Path, inbox: Path, run_cli):
    (tmp_path / "a.vtt").write_bytes((inbox / "zoom_P07.vtt").read_text(encoding="utf-8").encode("utf-16"))
    (tmp_path / "b.srt").write_bytes(b"\xef\xbb\xbf" + (inbox / "subtitles_P03.srt").read_bytes())
    code, out, err = run_cli("import", tmp_path / "a.vtt", tmp_path / "b.srt")
    assert code == 0, err
    assert "warning" not in err
    assert speakers_of(tmp_path / "a.txt")[1] == "Tomás Reyes"
    assert speakers_of(tmp_path / "b.txt")[0] == "Interviewer"


def test_windows_1252_with_crlf_is_read_with_a_warning(tmp_path: Path, run_cli):
    text = ("1\r\n00:00:01,000 --> 00:00:03,000\r\nInterviewer: Qu\u2019est-ce qui vous a motiv\u00e9e ?\r\n\r\n"
            "2\r\n00:00:03,500 --> 00:00:06,000\r\nH\u00e9l\u00e8ne: Ma grand-m\u00e8re, \u00e0 la clinique. "
            "Elle \u00e9tait trait\u00e9e comme si elle n\u2019\u00e9tait pas l\u00e0.\r\n")
    (tmp_path / "fr.srt").write_bytes(text.encode("cp1252"))
    code, out, err = run_cli("import", tmp_path / "fr.srt")
    assert code == 0, err
    assert "warning:" in err and "Windows-1252" in err and "fr.srt" in err
    assert turns_of(tmp_path / "fr.txt") == [
        ("Interviewer", "Qu\u2019est-ce qui vous a motiv\u00e9e ?"),
        ("H\u00e9l\u00e8ne", "Ma grand-m\u00e8re, \u00e0 la clinique. Elle \u00e9tait trait\u00e9e comme si elle "
                             "n\u2019\u00e9tait pas l\u00e0."),
    ]
    assert b"\r" not in (tmp_path / "fr.txt").read_bytes()


# --- bad input ----------------------------------------------------------------------------------


def _fails(run_cli, path: Path, *needles: str, folder: Path | None = None) -> str:
    folder = folder or path.parent
    before = sorted(p.name for p in folder.iterdir())
    code, out, err = run_cli("import", path)
    assert code == 1, (out, err)
    assert path.name in err
    for needle in needles:
        assert needle in err
    assert "Traceback" not in err
    assert sorted(p.name for p in folder.iterdir()) == before, "nothing may be written"
    return err


def test_unknown_format(tmp_path: Path, run_cli):
    (tmp_path / "notes.pages").write_bytes(b"whatever")
    _fails(run_cli, tmp_path / "notes.pages", "unknown format", ".vtt, .srt, .docx")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 old word")
    _fails(run_cli, tmp_path / "old.doc", "save it as .docx")


def test_txt_that_is_not_otter_style(tmp_path: Path, run_cli):
    (tmp_path / "P01.txt").write_text("Interviewer: Hello.\n\nAmara: Hi.\n", encoding="utf-8")
    _fails(run_cli, tmp_path / "P01.txt", "not an Otter-style transcript", "line 1", "needs no import")


def test_vtt_without_header(tmp_path: Path, run_cli):
    (tmp_path / "x.vtt").write_text("1\n00:00:01.000 --> 00:00:02.000\nAna: Hi.\n", encoding="utf-8")
    _fails(run_cli, tmp_path / "x.vtt", "line 1", "must be WEBVTT")


def test_vtt_without_cues(tmp_path: Path, run_cli):
    (tmp_path / "x.vtt").write_text("WEBVTT\n\nNOTE nothing was said\n", encoding="utf-8")
    _fails(run_cli, tmp_path / "x.vtt", "no cues found")


def test_vtt_with_a_broken_timing_line(tmp_path: Path, run_cli):
    (tmp_path / "x.vtt").write_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAna: Hi.\n\n2\n"
                                    "00:00:02 - 00:00:03\nBen: Hello.\n", encoding="utf-8")
    _fails(run_cli, tmp_path / "x.vtt", "line 8", "timing line")


def test_srt_without_subtitles_or_with_junk_before_them(tmp_path: Path, run_cli):
    (tmp_path / "x.srt").write_text("just some notes\n", encoding="utf-8")
    _fails(run_cli, tmp_path / "x.srt", "no subtitles found", "line 1")
    (tmp_path / "y.srt").write_text("Title\n1\n00:00:01,000 --> 00:00:02,000\nHi.\n", encoding="utf-8")
    _fails(run_cli, tmp_path / "y.srt", "line 1", "subtitle number")


def test_corrupt_and_empty_docx(tmp_path: Path, run_cli):
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 this zip was cut off")
    _fails(run_cli, tmp_path / "broken.docx", "cannot open this as a Word document")
    write_docx(tmp_path / "blank.docx", ["", "   "])
    _fails(run_cli, tmp_path / "blank.docx", "no text")


@pytest.mark.parametrize("name", ["empty.vtt", "empty.srt", "empty.txt", "empty.docx"])
def test_empty_files(tmp_path: Path, run_cli, name: str):
    (tmp_path / name).write_bytes(b"" if name != "empty.txt" else b"\n  \n")
    _fails(run_cli, tmp_path / name, "empty")


def test_binary_file_named_txt(tmp_path: Path, run_cli):
    (tmp_path / "audio.txt").write_bytes(b"RIFF\x00\x00WAVEfmt " + bytes(range(256)))
    _fails(run_cli, tmp_path / "audio.txt", "cannot read this as text")


def test_missing_file_and_folder(tmp_path: Path, run_cli):
    code, _, err = run_cli("import", tmp_path / "nope.vtt", tmp_path)
    assert code == 1 and "nope.vtt" in err and "cannot read" in err and "is a folder" in err


def test_good_files_are_imported_when_others_fail(inbox: Path, tmp_path: Path, run_cli):
    (inbox / "bad.vtt").write_text("not a caption file\n", encoding="utf-8")
    (inbox / "broken.docx").write_bytes(b"garbage")
    code, out, err = run_cli("import", inbox / "zoom_P07.vtt", inbox / "bad.vtt", inbox / "broken.docx",
                             inbox / "subtitles_P03.srt")
    assert code == 1
    assert (inbox / "zoom_P07.txt").exists() and (inbox / "subtitles_P03.txt").exists()
    assert not (inbox / "bad.txt").exists() and not (inbox / "broken.txt").exists()
    assert out.count("wrote ") == 2
    assert "bad.vtt, line 1" in err and "broken.docx" in err and "2 of 4 files not imported" in err


# --- speaker names and the read-back guarantee -------------------------------------------------


@pytest.mark.parametrize("raw, cleaned", [
    ("Dr. Khan", "Dr. Khan"),
    ("Room 4: Sam Ortiz", "Room 4 - Sam Ortiz"),
    ("Interviewer:", "Interviewer"),
    ("(Guest) Ana Lima", "Ana Lima (Guest)"),
    ("[Host]", "Host"),
    ("**Ana**", "Ana"),
    ("Khan, Ayesha (Department of Medicine, University Hospital)", "Khan, Ayesha"),
    ("Ayesha Khan, Department of Medicine and Surgery", "Ayesha Khan, Department of Medicine and"),
    ("   ", None),
])
def test_speaker_names_are_cleaned(raw: str, cleaned: str | None):
    names = SpeakerNames()
    assert names.clean(raw) == cleaned
    if cleaned:
        assert len(cleaned) <= MAX_SPEAKER_LENGTH
        assert find_turns(f"{cleaned}: text\n")[0].speaker == cleaned


def test_long_names_are_shortened_with_a_warning(tmp_path: Path):
    source = tmp_path / "long.vtt"
    source.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n"
                      "Khan, Ayesha (Department of Medicine, University Hospital): Hello.\n", encoding="utf-8")
    converted = convert(source)
    assert converted.speakers == ["Khan, Ayesha"]
    assert any("longer than 40 characters" in w for w in converted.warnings)


def test_parse_clock():
    assert parse_clock("0:03") == 3.0
    assert parse_clock("1:02:45") == 3765.0
    assert parse_clock("00:00:24.100") == pytest.approx(24.1)
    assert parse_clock("[00:01:02,5]") == pytest.approx(62.5)
    assert parse_clock("soon") is None


_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
_TRICKY = st.sampled_from(["Dr. Khan", "Room 4: Sam", "(Host) Ana", "[00:01:02] Bo", "**Ana**", "P1:", "x" * 70,
                           "10:30", "_hidden_", "Ana : Ben"])
_NAME = st.one_of(_TRICKY, st.text(_CHARS, min_size=1, max_size=60))
_PLAIN = st.text(_CHARS, min_size=1, max_size=80)
# paragraphs that look like a speaker label, a timestamp or a URL on a line of their own
_WORDS = st.one_of(_PLAIN, st.builds("{}: {}".format, _NAME, _PLAIN), st.builds("[00:01:{:02d}] {}".format,
                   st.integers(0, 59), _PLAIN), st.just("https://example.org/x"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), _NAME), _WORDS, st.booleans(),
                          st.one_of(st.none(), st.floats(0, 359999, allow_nan=False))), min_size=1, max_size=8),
       st.booleans())
def test_written_text_reads_back_as_the_turns_meant(rows, timestamps: bool):
    """Whatever the names and the words (colons, brackets, 'Label:'-looking paragraphs), the canonical
    text reads back with the default speaker pattern as exactly the merged turns."""
    names = SpeakerNames()
    first_speaker = names.clean("Moderator")
    cues = [Cue("opening words", first_speaker, 0.0)]
    cues += [Cue(text, names.clean(raw), start, new_paragraph=new) for raw, text, new, start in rows]
    turns = merge_cues(cues)
    text = render_transcript(turns, timestamps)
    check_reads_back(text, turns, timestamps)  # raises if any turn reads back differently
    assert [t.speaker for t in find_turns(text)] == [t.speaker for t in turns]


# --- start-up cost ------------------------------------------------------------------------------


def test_command_module_imports_only_the_standard_library():
    code = ("import sys, tcoder.commands.import_ as m; "
            "bad = [n for n in ('docx', 'tcoder.importers', 'textual', 'pandas', 'numpy') if n in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_encoding_option_names_the_legacy_encoding(tmp_path, run_cli):
    source = tmp_path / "P08.srt"
    source.write_bytes("1\r\n00:00:01,000 --> 00:00:03,000\r\nPetr: P\u0159\u00edtel \u0159\u00edkal, "
                       "\u017ee to je \u0161patn\u011b.\r\n".encode("cp1250"))
    code, out, err = run_cli("import", source, "--encoding", "cp1250")
    assert code == 0, err
    assert (tmp_path / "P08.txt").read_text(encoding="utf-8") == \
        "Petr: P\u0159\u00edtel \u0159\u00edkal, \u017ee to je \u0161patn\u011b.\n"
    assert "Windows-1250" in err


def test_unknown_encoding_is_bad_usage(tmp_path, run_cli):
    source = tmp_path / "P08.srt"
    source.write_text("1\n00:00:01,000 --> 00:00:03,000\nPetr: hi\n")
    code, _, err = run_cli("import", source, "--encoding", "klingon")
    assert code == 2 and "unknown encoding 'klingon'" in err and not (tmp_path / "P08.txt").exists()

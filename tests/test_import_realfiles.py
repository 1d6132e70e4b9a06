"""tcoder import on caption files written by other programs (tests/data/import/real/SOURCES.md):
nothing is ever deleted, a colon is not a speaker unless the file names speakers, and caption
files without speakers keep their captions and times."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

REAL = Path(__file__).parent / "data" / "import" / "real"
ENCODINGS = {"pysrt-utf-8.srt": "utf-8", "pysrt-windows-1252.srt": "cp1252", "pysrt-bom-utf-8.srt": "utf-8-sig",
             "pysrt-bom-utf-16-le.srt": "utf-16", "pysrt-bom-utf-16-be.srt": "utf-16",
             "pysrt-bom-utf-32-le.srt": "utf-32", "pysrt-bom-utf-32-be.srt": "utf-32"}
_TIMING = re.compile(r"\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")
_TAGS = re.compile(r"</?(?:i|b|u|font)[^>]*>|\{\\[^}]*\}")


def shared_realfile(name: str) -> Path | None:
    """A file of the shared realfiles/ folder beside the repository (or a folder above it)."""
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "realfiles" / name
        if candidate.is_file():
            return candidate
    return None


def caption_words(path: Path, encoding: str) -> Counter:
    """Every word of every caption, read without tcoder: no numbers, timings or formatting tags."""
    lines = path.read_bytes().decode(encoding).lstrip("\ufeff").splitlines()
    words: Counter = Counter()
    for i, line in enumerate(lines):
        following_timing = i + 1 < len(lines) and _TIMING.match(lines[i + 1])
        if not line.strip() or _TIMING.match(line) or line.strip() == "WEBVTT" or (
                line.strip().isdigit() and following_timing):
            continue
        words.update(_TAGS.sub("", line).split())
    return words


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_every_word_of_a_subtitle_file_survives_in_every_encoding(name, tmp_path, run_cli):
    code, out, err = run_cli("import", REAL / name, "--into", tmp_path)
    assert code == 0, err
    written = (tmp_path / name.replace(".srt", ".txt")).read_text("utf-8")
    expected = caption_words(REAL / name, ENCODINGS[name])
    assert Counter(written.split()) == expected  # not one word lost, not one added
    assert "no speakers" in out


def test_clauses_ending_in_a_colon_are_not_speakers(tmp_path, run_cli):
    code, out, err = run_cli("import", REAL / "pysrt-utf-8.srt", "--into", tmp_path)
    assert code == 0, err
    text = (tmp_path / "pysrt-utf-8.txt").read_text("utf-8")
    assert "Et à San Diego, un présentateur les surclassait tous:" in text  # as the caption has it
    assert "9 captions start with words and a colon that do not name a speaker" in err
    from tcoder.transcript import find_turns

    assert [t.speaker for t in find_turns(text) if t.speaker] == []


def test_real_speaker_labels_still_count(tmp_path, run_cli):
    """A file that names its speakers on most captions keeps them (tests/data/import/subtitles_P03.srt)."""
    code, out, err = run_cli("import", Path(__file__).parent / "data" / "import" / "subtitles_P03.srt",
                             "--into", tmp_path)
    assert code == 0, err
    assert "2 speakers (Interviewer; Amara Osei)" in out


def test_a_one_off_label_among_consistent_ones_is_text(tmp_path, run_cli):
    srt = tmp_path / "a.srt"
    cues = ["Ana: Hello.", "Ben: Hi.", "Ana: So, how did it start?", "Ben: Slowly.", "and then all at once.",
            "It was like this: nobody came.", "Ana: Right."]
    srt.write_text("".join(f"{i}\n00:00:{i:02d},000 --> 00:00:{i:02d},900\n{c}\n\n" for i, c in enumerate(cues, 1)),
                   "utf-8")
    code, out, err = run_cli("import", srt)
    assert code == 0, err
    text = (tmp_path / "a.txt").read_text("utf-8")
    assert "2 speakers (Ana; Ben)" in out
    assert "It was like this: nobody came." in text  # once in the file: not a speaker
    assert Counter(text.split()) == Counter(" ".join(cues).split())


def test_zoom_captions_without_speakers_keep_one_line_per_caption_and_times(tmp_path, run_cli):
    real = shared_realfile("GMT20240124-202901_Recording.cc.vtt")
    if real is None:
        pytest.skip("the shared realfiles/ folder is not beside this repository")
    code, out, err = run_cli("import", real, "--into", tmp_path, "--timestamps")
    assert code == 0, err
    assert "no times" not in err
    lines = (tmp_path / "GMT20240124-202901_Recording.cc.txt").read_text("utf-8").splitlines()
    assert len(lines) == 100 and "100 lines, no speakers" in out  # one line per caption
    assert lines[0] == "[00:01:08] This doesn't."
    assert all(re.match(r"\[\d\d:\d\d:\d\d\] ", line) for line in lines)
    words = Counter(w for line in lines for w in line.split()[1:])
    assert words == caption_words(real, "utf-8")

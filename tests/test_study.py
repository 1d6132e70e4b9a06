"""Studies on disk: discovery, settings, attributes, loading annotations."""

from __future__ import annotations

import pytest

from studykit import MINI_TRANSCRIPT, SAMPLE_STUDY
from tcoder.attributes import read_attributes
from tcoder.errors import CodebookError, StudyError, TcoderError
from tcoder.settings import glob_match
from tcoder.study import open_study


def test_discovery(mini_study):
    b = mini_study
    b.transcript("focus-groups/FG1.md", "Moderator: Welcome.\n")
    b.transcript("README.md", "# About this study\n")
    b.transcript(".drafts/P99.txt", "P1: hidden\n")
    b.transcript("interviews/notes.json", '{"not": "annotations"}')
    b.annotations("interviews/P01.txt", "bob", [("personal", 0, 5)])
    b.annotations("interviews/P01.txt", "consensus", [("personal", 0, 5)])
    b.annotations("interviews/P01.txt", "alice", [("personal", 0, 5)])
    study = open_study(b.root)
    assert [r.name for r in study.transcripts] == ["focus-groups/FG1.md", "interviews/P01.txt"]
    assert study.coders == ["alice", "bob", "consensus"]  # consensus last
    assert study.coders_of("interviews/P01.txt") == ["alice", "bob", "consensus"]
    assert study.coders_of("focus-groups/FG1.md") == []
    assert study.problems == [] and study.stray_annotation_files == []


def test_find_by_path_file_name_or_stem(mini_study):
    mini_study.transcript("focus-groups/P01.txt", "P1: hi\n")
    mini_study.transcript("focus-groups/FG1.txt", "P1: hi\n")
    study = open_study(mini_study.root)
    assert study.find("focus-groups/FG1.txt").name == "focus-groups/FG1.txt"
    assert study.find("FG1.txt").name == "focus-groups/FG1.txt"
    assert study.find("FG1").name == "focus-groups/FG1.txt"
    assert study.find(str(mini_study.root / "interviews" / "P01.txt")).name == "interviews/P01.txt"
    with pytest.raises(StudyError, match="matches several transcripts"):
        study.find("P01")
    with pytest.raises(StudyError, match="no transcript 'P77'"):
        study.find("P77")


def test_two_transcripts_with_one_stem_in_a_folder(mini_study):
    mini_study.transcript("interviews/P01.md", "P1: other\n")
    study = open_study(mini_study.root)
    (problem,) = study.problems
    assert "share the stem 'P01'" in problem.message and problem.path.name == "P01.md"
    assert [r.name for r in study.transcripts] == ["interviews/P01.txt"]


def test_stray_annotation_file(mini_study):
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 5)])
    (mini_study.root / "interviews" / "P01.alice.json").rename(mini_study.root / "interviews" / "P02.alice.json")
    study = open_study(mini_study.root)
    assert [p.name for p in study.stray_annotation_files] == ["P02.alice.json"]


def test_load_annotations_for_a_coder_without_a_file(mini_study):
    study = open_study(mini_study.root)
    loaded = study.load_annotations("P01", "carol")
    assert loaded.annotations == [] and not loaded.path.exists()
    assert loaded.file.text_sha256 == study.transcript("P01").sha256


def test_a_transcript_edited_after_coding_is_re_anchored_on_load(mini_study):
    quote = "I saw how she was treated at the clinic."
    start = MINI_TRANSCRIPT.index(quote)
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", start, start + len(quote)),
                                                           ("duty", 0, 12)])
    edited = "[Recording starts]\n" + MINI_TRANSCRIPT.replace("Thanks for joining.", "Thank you so much.")
    mini_study.transcript(text=edited)
    loaded = open_study(mini_study.root).load_annotations("P01", "alice")
    assert loaded.reanchored
    moved = {a.code: edited[a.start:a.end] for a in loaded.annotations}
    assert moved == {"personal": quote}
    # "Interviewer:" recurs, and the text changed on both sides of the coded one (a line
    # inserted before it, its sentence reworded after): it is kept where it was, flagged
    # and reported, rather than put on whichever "Interviewer:" is nearest.
    (duty,) = loaded.orphaned
    assert (duty.code, duty.start, duty.end) == ("duty", 0, 12)
    assert any("duty" in p.message and "not with its context" in p.message for p in loaded.problems)
    assert loaded.file.text_sha256 == open_study(mini_study.root).transcript("P01").sha256


def test_coder_in_header_differs_from_file_name(mini_study):
    path = mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 5)])
    path.write_text(path.read_text().replace('"coder": "alice"', '"coder": "alicia"'))
    loaded = open_study(mini_study.root).load_annotations("P01", "alice")
    assert loaded.file.coder == "alice"
    assert "the name wins" in loaded.problems[0].message and loaded.problems[0].severity == "warning"


def test_missing_codebook_is_a_clear_error(study_builder):
    study_builder.transcript()
    with pytest.raises(StudyError, match="no codebook at codebook.yaml"):
        _ = open_study(study_builder.root).codebook


def test_opening_a_file_or_nothing(tmp_path):
    with pytest.raises(StudyError, match="no such folder"):
        open_study(tmp_path / "nope")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(StudyError, match="a study is a folder"):
        open_study(tmp_path / "f.txt")


def test_reload_codebook_keeps_the_old_one_when_the_new_one_is_broken(mini_study):
    study = open_study(mini_study.root)
    old = study.codebook
    mini_study.codebook("codes:\n  - {id: a, key: '/'}\n")
    with pytest.raises(CodebookError):
        study.reload_codebook()
    assert study.codebook is old
    mini_study.codebook("codes:\n  - {id: only}\n")
    assert list(study.reload_codebook().codes) == ["only"]


# ------------------------------------------------------------------ tcoder.yaml


def test_settings_choose_codebook_transcripts_and_speakers(mini_study):
    mini_study.codebook(name="books/cb.yaml")
    (mini_study.root / "codebook.yaml").unlink()
    mini_study.transcript("drafts/D1.txt", "x\n")
    mini_study.transcript("interviews/P02.txt", "INT> hi\nRESP> hello\n")
    (mini_study.root / "tcoder.yaml").write_text(
        "codebook: books/cb.yaml\ntranscripts: ['interviews/*.txt']\nexclude: ['interviews/P01.txt']\n"
        "speaker_pattern: '^(?P<speaker>[A-Z]+)>'\nkeys: {undo: [ctrl+z, ctrl+w]}\n")
    study = open_study(mini_study.root)
    assert [r.name for r in study.transcripts] == ["interviews/P02.txt"]
    assert len(study.codebook) == 9
    assert study.transcript("P02").speakers == ["INT", "RESP"]
    assert study.settings.key_map()["undo"] == ("ctrl+z", "ctrl+w")


def test_settings_encoding_overrides_detection(mini_study):
    mini_study.transcript("interviews/P01.txt", "")
    (mini_study.root / "interviews" / "P01.txt").write_bytes("P1: P\u0159\u00edtel \u0159\u00edkal.\n".encode("cp1250"))
    (mini_study.root / "tcoder.yaml").write_text("encoding: cp1250\n")
    t = open_study(mini_study.root).transcript("P01")
    assert t.text == "P1: P\u0159\u00edtel \u0159\u00edkal.\n" and "Windows-1250" in t.warnings[0]


@pytest.mark.parametrize("settings, message", [
    ("codebok: x.yaml\n", "did you mean 'codebook'"),
    ("keys: {undoo: ctrl+z}\n", "unknown command 'undoo' (did you mean 'undo'?)"),
    ("keys: {undo: z}\n", "letters and digits belong to the codebook"),
    ("keys: {undo: ctrl+k, redo: ctrl+k}\n", "'ctrl+k' is bound to both 'undo' and 'redo'"),
    ("keys: {search: [ctrl+f, ctrl+z]}\n", "'ctrl+z' is bound to both 'search' and 'undo' (its default key"),
    ("speaker_pattern: '([unclosed'\n", "not a valid regular expression"),
    ("speaker_pattern: '^[A-Z]+:'\n", "needs a group"),
    ("encoding: klingon\n", "unknown encoding"),
    ("encoding: base64\n", "'base64' is not a text encoding"),
    ("encoding: rot13\n", "'rot13' is not a text encoding"),
    ("encoding: [cp1252]\n", "'encoding' must be the name of a text encoding, not [cp1252]"),
    ("transcripts: 5\n", "glob or a list of globs"),
    ("- a list\n", "must be a mapping"),
    ("codebook: [\n", "YAML syntax error"),
])
def test_bad_settings(mini_study, settings, message):
    (mini_study.root / "tcoder.yaml").write_text(settings)
    with pytest.raises(CodebookError) as exc:
        open_study(mini_study.root)
    text = str(exc.value)
    assert message in text and "tcoder.yaml" in text


@pytest.mark.parametrize("pattern, path, expected", [
    ("**/*.txt", "a.txt", True), ("**/*.txt", "x/y/a.txt", True), ("*.txt", "x/a.txt", False),
    ("interviews/**", "interviews/a/b.md", True), ("**/README*", "README.md", True), ("a?.md", "ab.md", True),
])
def test_glob_match(pattern, path, expected):
    assert glob_match(pattern, path) is expected


# ------------------------------------------------------------------ attributes.csv


def test_attributes_match_by_path_name_or_stem(tmp_path):
    csv = tmp_path / "attributes.csv"
    csv.write_text("transcript,group,gender\ninterviews/P01.txt,intervention,woman\nP02.txt,control,man\n"
                   "FG1,control,mixed\nP99,x,y\n\n")
    attributes, problems = read_attributes(csv, ["interviews/P01.txt", "interviews/P02.txt", "fg/FG1.md"])
    assert attributes.columns == ["group", "gender"]
    assert attributes.of("fg/FG1.md") == {"group": "control", "gender": "mixed"}
    assert attributes.values("group") == ["control", "intervention"]
    (p,) = problems
    assert p.severity == "warning" and p.line == 5 and "'P99' is not a transcript" in p.message


def test_attributes_semicolons_and_windows_1252(tmp_path):
    csv = tmp_path / "attributes.csv"
    csv.write_bytes("transcript;site\r\nP01;Z\u00fcrich\r\n".encode("cp1252"))
    attributes, problems = read_attributes(csv, ["P01.txt"])
    assert attributes.of("P01.txt") == {"site": "Z\u00fcrich"}
    assert any("Windows-1252" in p.message for p in problems)
    # a table has no offsets to speak of: the warning says only what to do
    assert not any("Offsets" in p.message for p in problems)


@pytest.mark.parametrize("content, message", [
    ("case,group\nP01,x\n", "first column must be 'transcript'"),
    ("transcript,group,group\n", "appears twice"),
    ("transcript,,b\n", "has no name"),
])
def test_bad_attribute_headers(tmp_path, content, message):
    csv = tmp_path / "attributes.csv"
    csv.write_text(content)
    with pytest.raises(TcoderError, match=message):
        read_attributes(csv, ["P01.txt"])


def test_attribute_rows_with_problems(tmp_path):
    csv = tmp_path / "attributes.csv"
    csv.write_text("transcript,group\nP01,a\nP01.txt,b\nP02,a,extra\n")
    attributes, problems = read_attributes(csv, ["P01.txt", "P02.txt"])
    assert attributes.of("P01.txt") == {"group": "a"}
    assert [(p.line, p.severity) for p in problems] == [(3, "error"), (4, "error")]
    assert "two rows (lines 2 and 3)" in problems[0].message


def test_the_sample_study_is_complete_and_valid():
    study = open_study(SAMPLE_STUDY)
    interviews = [r for r in study.transcripts if r.name.startswith("interviews/")]
    groups = [r for r in study.transcripts if r.name.startswith("focus-groups/")]
    assert len(interviews) >= 4 and len(groups) >= 2
    for ref in study.transcripts:
        t = study.transcript(ref)
        assert 1500 <= t.word_count <= 4000, ref.name
    for ref in groups:
        assert len(study.transcript(ref).speakers) >= 6  # a moderator and at least 5 participants
    codebook = study.codebook
    assert len(codebook) >= 15 and len(codebook.roots) >= 4
    assert any(d.level == "ordinal" for d in codebook.domains)
    assert all(c.description and c.include and c.exclude for c in codebook)
    assert sum(1 for c in codebook if c.key) >= 15
    assert set(study.attributes.columns) >= {"group", "gender", "year_of_study", "prior_activism"}
    assert set(study.attributes.rows) == {r.name for r in study.transcripts}
    counts = {c: 0 for c in ("alice", "bob", "consensus")}
    for ref in study.transcripts:
        for coder in counts:
            loaded = study.load_annotations(ref, coder, set(codebook.codes))
            assert not loaded.reanchored and not loaded.problems
            counts[coder] += len(loaded.annotations)
    assert counts["alice"] >= 150 and counts["bob"] >= 150 and counts["consensus"] >= 150


def test_sample_annotations_are_reproducible_from_the_consensus_key():
    import subprocess
    import sys

    from studykit import REPO

    result = subprocess.run([sys.executable, str(REPO / "tools" / "sample_study" / "make_annotations.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("file_name, suggestion", [
    ("P01.Alice.json", "P01.alice.json"),
    ("P01.bob.smith.json", "P01.bob-smith.json"),
    ("P01.Bob Jones.json", "P01.bob-jones.json"),
])
def test_annotation_files_with_invalid_coder_names_are_reported_not_ignored(mini_study, file_name, suggestion):
    path = mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 5)])
    path.rename(path.with_name(file_name))
    study = open_study(mini_study.root)
    (problem,) = study.problems
    assert problem.path.name == file_name and "is not valid" in problem.message and suggestion in problem.message
    assert study.coders == [] and study.stray_annotation_files == []


def test_other_json_files_are_left_alone(mini_study):
    (mini_study.root / "interviews" / "P01.Settings.json").write_text('{"theme": "dark"}')
    (mini_study.root / "package.json").write_text("{}")
    study = open_study(mini_study.root)
    assert study.problems == [] and study.stray_annotation_files == []


def test_swapping_two_commands_keys_is_allowed(mini_study):
    (mini_study.root / "tcoder.yaml").write_text("keys: {undo: ctrl+y, redo: ctrl+z}\n")
    keys = open_study(mini_study.root).settings.key_map()
    assert keys["undo"] == ("ctrl+y",) and keys["redo"] == ("ctrl+z",)


def test_true_or_false_settings_are_read_and_a_wrong_value_named_with_its_place(tmp_path):
    from pathlib import Path

    from tcoder.settings import parse_settings

    path = Path(tmp_path / "tcoder.yaml")
    settings = parse_settings("include_unfinished: true\napprentice: false\n", path)
    assert settings.include_unfinished is True and settings.apprentice is False
    with pytest.raises(CodebookError) as raised:
        parse_settings("include_unfinished: maybe\napprentice: 0\n", path)
    found = [(p.line, p.message) for p in raised.value.problems]
    assert (1, "'include_unfinished' must be true or false") in found
    assert (2, "'apprentice' must be true or false (false: no machine suggestions)") in found


def test_a_transcript_made_from_given_bytes_is_made_from_them(sample_study):
    """Bytes a caller read (to key what it keeps on them) are what the transcript is made of,
    even when the study read the file before."""
    from tcoder.study import open_study

    study = open_study(sample_study)
    ref = study.find("interviews/P01.txt")
    before = study.transcript(ref).text
    changed = before.replace("I", "We", 1)
    assert changed != before
    assert study.transcript(ref, changed.encode("utf-8")).text == changed
    assert study.transcript(ref).text == changed  # and held as the study's copy from then on

"""Study-wide search: patterns, accents and case, filters, labels, limits, odd transcripts."""

from __future__ import annotations

import time

import pytest

from studykit import MINI_TRANSCRIPT, StudyBuilder
from tcoder.search.engine import FilterError, SearchFilters, run_search, search, select_transcripts
from tcoder.search.fold import fold
from tcoder.search.kwic import cells, concordance
from tcoder.search.pattern import CompiledPattern, PatternError, SearchPattern, SearchTimeout
from tcoder.study import open_study


def found(study, text, mode="plain", case=False, accents=False, **filters):
    run = run_search(study, CompiledPattern(SearchPattern(text, mode, case, accents)), SearchFilters(**filters))
    return [study.transcript(h.transcript).text[h.start:h.end] for h in run.hits], run


def make(builder: StudyBuilder, texts: dict[str, str | bytes]):
    builder.codebook()
    for name, text in texts.items():
        path = builder.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return open_study(builder.root)


# ------------------------------------------------------------------ folding


def test_fold_maps_offsets_back_through_dropped_marks():
    text = "Cafe\u0301 and cafe\u0301s, na\u00efve \u0141\u00f3d\u017a"
    folded = fold(text)
    assert folded.text == "Cafe and cafes, naive Lodz"
    # the first 'e' of 'Cafe' ends at folded 4; the dropped accent belongs to it
    assert folded.original(4) == 5
    start = folded.text.index("cafes")
    assert text[folded.original(start):folded.original(start + 5)] == "cafe\u0301s"


def test_ascii_text_is_not_copied():
    text = "plain ascii " * 10
    assert fold(text).text is text


# ------------------------------------------------------------------ patterns


def test_accents_and_case_are_ignored_unless_asked(study_builder):
    study = make(study_builder, {"a.txt": "Speaker: José met jose and JOSE\u0301 at the café.\n"})
    hits, _ = found(study, "jose")
    assert hits == ["José", "jose", "JOSE\u0301"]
    hits, _ = found(study, "José", accents=True)
    assert hits == ["José"]
    hits, _ = found(study, "jose", case=True)
    assert hits == ["jose"]
    hits, _ = found(study, "CAFE")
    assert hits == ["café"]


def test_whole_words_with_punctuation_and_typographic_quotes(study_builder):
    study = make(study_builder, {"a.txt": "P1: Dr. Khan didn\u2019t go. Deans and the dean's office. Dr.Who\n"})
    assert found(study, "dean", "word")[0] == ["dean"]
    assert found(study, "dean")[0] == ["Dean", "dean"]
    assert found(study, "didn't", "word")[0] == ["didn\u2019t"]
    assert found(study, "Dr.", "word")[0] == ["Dr."]


def test_a_phrase_is_found_across_a_line_break_and_double_spaces(study_builder):
    study = make(study_builder, {"a.txt": "A: the white\ncoat and the white  coat\n"})
    assert found(study, "white coat")[0] == ["white\ncoat", "white  coat"]


def test_crlf_transcripts_report_canonical_offsets(study_builder):
    raw = "Interviewer: first line\r\nAmara: the dean said no\r\n".encode("utf-8")
    study = make(study_builder, {"crlf.txt": raw})
    hits, run = found(study, "dean")
    assert hits == ["dean"]
    hit = run.hits[0]
    assert (hit.line, hit.speaker) == (2, "Amara")
    assert study.transcript("crlf.txt").text[hit.start:hit.end] == "dean"


def test_wide_characters_and_rtl_text(study_builder):
    text = ("\u8a2a\u554f\u8005: \u79c1\u306f\u533b\u5b66\u751f\u3067\u3059\u3002\u533b\u5b66\u306e\u8a71\u3002\n"
            "\u0645\u0631\u064a\u0645: \u0643\u064e\u062a\u064e\u0628\u064e \u0627\u0644\u0637\u0628\u064a\u0628 "
            "\u0643\u062a\u0628\n"
            "\u05e9\u05e8\u05d4: \u05e9\u05b8\u05dc\u05d5\u05b9\u05dd \u05e9\u05dc\u05d5\u05dd\n")
    study = make(study_builder, {"world.txt": text})
    hits, run = found(study, "\u533b\u5b66")
    assert hits == ["\u533b\u5b66", "\u533b\u5b66"]
    assert run.hits[0].speaker == "\u8a2a\u554f\u8005"
    # Arabic harakat and Hebrew niqqud are accents: ignored unless --accents
    assert found(study, "\u0643\u062a\u0628")[0] == ["\u0643\u064e\u062a\u064e\u0628\u064e", "\u0643\u062a\u0628"]
    assert found(study, "\u0643\u062a\u0628", accents=True)[0] == ["\u0643\u062a\u0628"]
    assert found(study, "\u05e9\u05dc\u05d5\u05dd", "word")[0] == ["\u05e9\u05b8\u05dc\u05d5\u05b9\u05dd",
                                                                   "\u05e9\u05dc\u05d5\u05dd"]
    # keyword in context counts cells: two per CJK character
    hit = run.hits[0]
    kwic = concordance(study.transcript("world.txt").text, hit.start, hit.end, 10)
    left, match, right = kwic.parts(12, None, 10)
    assert cells(left) == 12 and cells(match) == 4 and cells(right) <= 10


def test_rtl_controls_in_context_are_inert(study_builder):
    study = make(study_builder, {"a.txt": "A: before \u202eevil\u202c dean after\x1b[2J\n"})
    _, run = found(study, "dean")
    kwic = concordance(study.transcript("a.txt").text, run.hits[0].start, run.hits[0].end)
    assert "\u202e" not in kwic.left and "\x1b" not in kwic.right


def test_invalid_regex_points_at_the_position():
    with pytest.raises(PatternError) as info:
        CompiledPattern(SearchPattern("ab(cd", "regex"))
    assert info.value.position == 5
    assert info.value.pointer().splitlines()[1].index("^") == 2 + 5
    with pytest.raises(PatternError, match="matches empty text"):
        CompiledPattern(SearchPattern("x*", "regex"))
    with pytest.raises(PatternError, match="empty"):
        CompiledPattern(SearchPattern("   "))


def test_a_catastrophic_regex_stops_at_the_time_limit(study_builder):
    study = make(study_builder, {f"t{i}.txt": "A: " + "x" * 3000 + "\n" for i in range(3)})
    pattern = CompiledPattern(SearchPattern(r"(x+x+)+y", "regex"))
    started = time.monotonic()
    run = run_search(study, pattern, time_limit=0.3)
    assert time.monotonic() - started < 3
    assert run.timed_out == "t0.txt" and not run.complete
    assert "time limit" in run.summary()
    with pytest.raises(SearchTimeout):
        list(search(study, pattern, time_limit=0.2))


def test_cancel_stops_between_transcripts(study_builder):
    study = make(study_builder, {f"t{i}.txt": "A: word\n" for i in range(5)})
    seen = []
    run = run_search(study, CompiledPattern(SearchPattern("word")), cancel=lambda: len(seen) >= 2,
                     on_part=lambda r, part: seen.append(part.transcript))
    assert run.cancelled and run.searched == 2 and "cancelled" in run.summary()


def test_hit_cap(study_builder):
    study = make(study_builder, {"a.txt": "A: " + "x " * 50 + "\n", "b.txt": "A: x\n"})
    run = run_search(study, CompiledPattern(SearchPattern("x", "word")), max_hits=10)
    assert len(run.hits) == 10 and run.capped


# ------------------------------------------------------------------ filters


def test_speaker_labels_are_not_searched_unless_asked(mini_study):
    study = open_study(mini_study.root)
    hits, _ = found(study, "amara")
    assert hits == []
    hits, _ = found(study, "amara", include_labels=True)
    assert hits == ["Amara", "Amara"]


def test_filters_by_speaker_transcript_and_attribute(study_builder):
    study_builder.codebook()
    study_builder.transcript("interviews/P01.txt")
    study_builder.transcript("interviews/P02.txt")
    study_builder.transcript("groups/FG1.txt")
    study_builder.attributes("transcript,group\nP01,intervention\nP02,control\nFG1,intervention\n")
    study = open_study(study_builder.root)
    _, run = found(study, "clinic")
    assert run.per_transcript == {"groups/FG1.txt": 2, "interviews/P01.txt": 2, "interviews/P02.txt": 2}
    _, run = found(study, "clinic", transcripts=["interviews/*"])
    assert list(run.per_transcript) == ["interviews/P01.txt", "interviews/P02.txt"]
    _, run = found(study, "clinic", attributes={"group": ["Intervention"]})
    assert list(run.per_transcript) == ["groups/FG1.txt", "interviews/P01.txt"]
    _, run = found(study, "what", speakers=["interviewer"])
    assert [h.speaker for h in run.hits] == ["Interviewer"] * 6
    _, run = found(study, "what", speakers=["Amara"])
    assert run.hits == []
    with pytest.raises(FilterError, match="no attribute 'grp'"):
        found(study, "x", attributes={"grp": ["a"]})
    with pytest.raises(FilterError, match="no transcript 'P09'"):
        select_transcripts(study, ["P09"])


def test_inside_and_outside_coded_passages(mini_study):
    text = MINI_TRANSCRIPT
    clinic_first = text.index("the clinic")
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", text.index("I saw"), text.index(" That"))])
    mini_study.annotations("interviews/P01.txt", "bob", [("outreach", text.index("We also"), len(text) - 1)])
    study = open_study(mini_study.root)
    _, run = found(study, "clinic", inside=["motivation"])  # motivation includes personal
    assert [h.start for h in run.hits] == [clinic_first + 4]
    _, run = found(study, "clinic", inside=["motivation"], exact_codes=True)
    assert run.hits == []
    _, run = found(study, "clinic", outside=["motivation", "outreach"])
    assert run.hits == []
    _, run = found(study, "clinic", outside=["personal"], coders=["bob"])
    assert len(run.hits) == 2
    with pytest.raises(FilterError, match="no code 'nope'"):
        found(study, "clinic", inside=["nope"])
    with pytest.raises(FilterError, match="coder 'carol'"):
        found(study, "clinic", inside=["personal"], coders=["carol"])


def test_an_unreadable_transcript_is_reported_and_the_rest_searched(study_builder):
    study = make(study_builder, {"a.txt": "A: dean\n", "b.txt": b"\x00\x01binary\x00", "c.txt": "A: dean\n"})
    hits, run = found(study, "dean")
    assert hits == ["dean", "dean"]
    assert len(run.problems) == 1 and "b.txt" in str(run.problems[0])
    assert "could not be read" in run.summary()

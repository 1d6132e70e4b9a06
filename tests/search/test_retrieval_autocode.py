"""Retrieval of a code's passages across coders, and autocoding plans."""

from __future__ import annotations

import pytest

from studykit import MINI_TRANSCRIPT, StudyBuilder
from tcoder.search.autocode import (
    AutocodeError,
    plan_from_hits,
    plan_from_speakers,
    plan_from_structure,
)
from tcoder.search.engine import run_search
from tcoder.search.pattern import CompiledPattern, SearchPattern
from tcoder.search.retrieval import RetrievalError, retrieve
from tcoder.study import open_study

T = MINI_TRANSCRIPT


def at(phrase: str) -> tuple[int, int]:
    start = T.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def study(mini_study: StudyBuilder):
    mini_study.annotations("interviews/P01.txt", "alice", [
        ("personal", *at("I saw how she was treated at the clinic.")), ("duty", *at("That stayed with me.")),
        ("curriculum", *at("We pushed to change the renal block."))])
    mini_study.annotations("interviews/P01.txt", "bob", [
        ("personal", *at("she was treated at the clinic. That stayed")),
        ("outreach", *at("We also ran a free clinic day in the neighbourhood."))])
    return open_study(mini_study.root)


def quotes(result):
    return [(r.coder, T[r.start:r.end]) for r in result.passages]


def test_retrieve_a_theme_with_its_children_for_several_coders(study):
    result = retrieve(study, "motivation", ["alice", "bob"])
    assert quotes(result) == [("alice", "I saw how she was treated at the clinic."),
                              ("bob", "she was treated at the clinic. That stayed"),
                              ("alice", "That stayed with me.")]
    first = result.passages[0]
    assert first.also_coded_by == ["bob"] and first.speaker == "Amara" and first.line == 3
    assert first.citation() == "Amara (interviews/P01.txt, line 3; alice)"
    assert result.summary() == "3 passages (alice 2, bob 1)"
    assert retrieve(study, "motivation", ["alice"], exact=True).passages == []


def test_sorting_and_what_one_coder_did_not_code(study):
    by_length = retrieve(study, "motivation", ["alice", "bob"], sort="length")
    assert [r.length for r in by_length.passages] == sorted((r.length for r in by_length.passages), reverse=True)
    by_coder = retrieve(study, "motivation", ["bob", "alice"], sort="coder")
    assert [r.coder for r in by_coder.passages] == ["bob", "alice", "alice"]
    missing = retrieve(study, "strategy", ["alice"], missing_from="bob")
    assert quotes(missing) == [("alice", "We pushed to change the renal block.")]  # bob coded outreach, not curriculum
    assert "that bob did not code" in missing.summary()
    motivation_missing = retrieve(study, "motivation", ["alice"], missing_from="bob")
    assert quotes(motivation_missing) == []  # bob's passage overlaps both of alice's
    with pytest.raises(RetrievalError, match="no code 'nope'"):
        retrieve(study, "nope", ["alice"])
    with pytest.raises(RetrievalError, match="coder 'carol'"):
        retrieve(study, "motivation", ["carol"])


def test_autocode_plan_from_hits_by_target_and_never_twice(study):
    hits = run_search(study, CompiledPattern(SearchPattern("clinic", "word"))).hits
    plan = plan_from_hits(study, hits, "personal", "alice", "hit", "search 'clinic'")
    assert [(T[c.start:c.end], c.already) for c in plan.candidates] == [("clinic", True), ("clinic", False)]
    assert plan.summary() == "1 passage to code personal for alice in 1 transcript; 1 already coded personal " \
                             "(left as they are)"
    sentence = plan_from_hits(study, hits, "outreach", "alice", "sentence", "search 'clinic'")
    assert [T[c.start:c.end] for c in sentence.candidates] == [
        "I saw how she was treated at the clinic.", "We also ran a free clinic day in the neighbourhood."]
    assert sentence.source == "search 'clinic'; as sentence"
    turn = plan_from_hits(study, hits, "outreach", "bob", "turn", "search 'clinic'")
    assert [T[c.start:c.end][:20] for c in turn.candidates] == ["Honestly, it was my ", "We pushed to change "]
    assert [c.already for c in turn.candidates] == [False, False]  # bob's outreach covers only part of a turn
    turn.candidates[0].accepted = False
    assert len(turn.to_apply) == 1 and "1 skipped" in turn.summary()
    with pytest.raises(AutocodeError, match="no code 'nope'"):
        plan_from_hits(study, hits, "nope", "alice", "hit", "x")
    with pytest.raises(AutocodeError, match="not valid"):
        plan_from_hits(study, hits, "duty", "Alice Smith", "hit", "x")


def test_autocode_plan_from_speakers_and_structure(study):
    plan = plan_from_speakers(study, "duty", "carol", speakers=["interviewer"])
    assert [T[c.start:c.end] for c in plan.candidates] == ["Thanks for joining. What got you involved?",
                                                           "And what did you do about it?"]
    assert plan.source == "turns of speaker interviewer"
    answers = plan_from_structure(study, CompiledPattern(SearchPattern("what did you do")), "strategy", "carol",
                                  "answer")
    assert [T[c.start:c.end][:9] for c in answers.candidates] == ["We pushed"]
    turns = plan_from_structure(study, CompiledPattern(SearchPattern("clinic")), "strategy", "carol", "turn")
    assert len(turns.candidates) == 2
    with pytest.raises(AutocodeError, match="name the speakers"):
        plan_from_speakers(study, "duty", "carol")


def test_sections_under_headings(study_builder: StudyBuilder):
    study_builder.codebook()
    text = "## Background\nA: one\n\nB: two\n## Activism\nA: three\n"
    study_builder.transcript("notes.md", text)
    study = open_study(study_builder.root)
    plan = plan_from_structure(study, CompiledPattern(SearchPattern(r"^## ", "regex")), "duty", "me", "section")
    assert [text[c.start:c.end] for c in plan.candidates] == ["## Background\nA: one\n\nB: two",
                                                              "## Activism\nA: three"]

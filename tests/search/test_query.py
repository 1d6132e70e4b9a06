"""The coding query language: grammar and errors with positions, and what each operator returns."""

from __future__ import annotations

import pytest

from studykit import MINI_TRANSCRIPT, StudyBuilder
from tcoder.search.query import compile_query
from tcoder.search.query_syntax import QueryError, parse_query, tokenize, unparse
from tcoder.study import open_study

# ------------------------------------------------------------------ grammar


@pytest.mark.parametrize("text, canonical", [
    ("a AND b OR c", "(a AND b) OR c"),
    ("a OR b AND c", "a OR (b AND c)"),
    ("not a and b", "NOT a AND b"),
    ("NOT a OVERLAPS b", "NOT (a OVERLAPS b)"),
    ("a SAME TURN b OR c", "(a SAME TURN b) OR c"),
    ("a INSIDE b SAME SENTENCE c", "(a INSIDE b) SAME SENTENCE c"),
    ("a within 2 turns of (b or c)", "a WITHIN 2 TURNS OF (b OR c)"),
    ("a FOLLOWED BY b", "a FOLLOWED BY WITHIN 1 TURNS b"),
    ("a followed by within 3 turn b", "a FOLLOWED BY WITHIN 3 TURNS b"),
    ('"Curriculum advocacy" CONTAINS EXACT strategy', '"Curriculum advocacy" CONTAINS EXACT strategy'),
    ("@saved AND ANY", "@saved AND ANY"),
    ('"turn" AND x', '"turn" AND x'),
])
def test_precedence_and_canonical_form(text, canonical):
    assert unparse(parse_query(text).expr) == canonical


def test_where_clause_parses_fields_operators_and_lists():
    q = parse_query("a WHERE group = intervention AND (year >= 3 OR gender NOT IN (woman, 'non-binary'))")
    where = q.where
    assert where.op == "and"
    assert (where.left.field, where.left.op, where.left.values) == ("group", "=", ("intervention",))
    inner = where.right
    assert inner.op == "or"
    assert (inner.left.op, inner.left.values) == (">=", ("3",))
    assert (inner.right.op, inner.right.values) == ("not in", ("woman", "non-binary"))


@pytest.mark.parametrize("text, column, width, message", [
    ("", 1, 1, "the query is empty"),
    ("a AND", 6, 1, "ends too early: expected a code after the keyword AND"),
    ("a AND (b OR c", 7, 1, "'(' is never closed"),
    ("a) b", 2, 1, "')' closes nothing"),
    ("a b", 3, 1, "expected AND, OR or a relation"),
    ("a & b", 3, 1, "write AND"),
    ("a SAME PARAGRAPH b", 8, 9, "expected SENTENCE or TURN after SAME"),
    ("a WITHIN two TURNS OF b", 10, 3, "whole number of turns"),
    ("a WITHIN 2 TURNS b", 18, 1, "expected OF after WITHIN 2 TURNS"),
    ("a WITHIN 2 WORDS OF b", 12, 5, "expected TURNS"),
    ("a FOLLOWED b", 12, 1, "expected BY after FOLLOWED"),
    ("a AND turn", 7, 4, 'written in quotes: "turn"'),
    ('a AND "unclosed', 7, 1, "quote is never closed"),
    ("a WHERE", 8, 1, "expected a condition"),
    ("a WHERE group", 14, 1, "expected =, !=, <, >, <=, >= or IN"),
    ("a WHERE group IN woman", 18, 5, "expected '(' after IN"),
    ("a WHERE group IN (x y)", 21, 1, "expected ',' or ')'"),
    ("a WHERE group = AND", 17, 3, "put it in quotes"),
    ("@ AND b", 1, 1, "saved query"),
])
def test_syntax_errors_point_at_the_place(text, column, width, message):
    with pytest.raises(QueryError) as info:
        parse_query(text)
    error = info.value
    assert message in error.message
    assert error.column == column
    caret_line = error.pointer().splitlines()[1]
    assert caret_line.index("^") == 2 + column - 1
    assert caret_line.count("^") == width


def test_tokens_keep_their_positions():
    tokens = tokenize('x AND "a b" <= 3')
    assert [(t.kind, t.value, t.start) for t in tokens] == [
        ("word", "x", 0), ("keyword", "AND", 2), ("string", "a b", 6), ("op", "<=", 12), ("number", "3", 15),
        ("end", "", 16)]


# ------------------------------------------------------------------ semantics

#           0         1         2         3         4         5         6         7
TEXT = ("Interviewer: Tell me about it.\n"
        "Amara: The dean refused. It hurt a lot. We kept going anyway.\n"
        "Interviewer: And then?\n"
        "Amara: We wrote a memo. The memo went nowhere.\n"
        "Interviewer: Why?\n"
        "Amara: Nobody answered.\n")


def at(phrase: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(phrase, start + 1)
    return start, start + len(phrase)


CODEBOOK = """\
codes:
  - id: resistance
    name: Institutional resistance
    codes:
      - {id: refusal, name: Refusal}
  - id: toll
    name: Emotional toll
  - id: advocacy
    name: Curriculum advocacy
  - id: turn
    name: A code called turn
"""


@pytest.fixture
def study(study_builder: StudyBuilder):
    study_builder.codebook(CODEBOOK)
    study_builder.transcript("P01.txt", TEXT)
    study_builder.transcript("P02.txt", TEXT)
    study_builder.attributes("transcript,group,year\nP01,intervention,3\nP02,control,4\n")
    alice = [("refusal", *at("The dean refused.")), ("toll", *at("It hurt a lot.")),
             ("advocacy", *at("We wrote a memo.")), ("resistance", *at("Nobody answered.")),
             ("toll", *at("The dean refused. It hurt")), ("turn", *at("The memo went nowhere."))]
    study_builder.annotations("P01.txt", "alice", alice)
    study_builder.annotations("P01.txt", "bob", [("toll", *at("We kept going anyway."))])
    study_builder.annotations("P02.txt", "alice", [("advocacy", *at("We wrote a memo.")),
                                                   ("resistance", *at("Nobody answered."))])
    return open_study(study_builder.root)


def spans(study, text, **options):
    result = compile_query(study, text).run(**options)
    return [(p.transcript, p.coder, TEXT[p.start:p.end]) for p in result.passages], result


def test_a_code_includes_its_sub_codes_unless_exact(study):
    found, _ = spans(study, "resistance", coders=["alice"])
    assert found == [("P01.txt", "alice", "The dean refused."), ("P01.txt", "alice", "Nobody answered."),
                     ("P02.txt", "alice", "Nobody answered.")]
    found, _ = spans(study, "EXACT resistance WHERE transcript = P01")
    assert found == [("P01.txt", "alice", "Nobody answered.")]
    found, _ = spans(study, '"Institutional Resistance" WHERE transcript = P02')  # by name, any case
    assert found == [("P02.txt", "alice", "Nobody answered.")]


def test_and_is_the_text_coded_by_both_within_one_coder(study):
    found, _ = spans(study, "refusal AND toll")
    assert found == [("P01.txt", "alice", "The dean refused.")]
    # bob's toll never meets alice's refusal: coders are not mixed
    found, _ = spans(study, "toll AND resistance WHERE coder = bob")
    assert found == []


def test_or_and_not(study):
    found, _ = spans(study, "refusal OR toll WHERE coder = alice")
    assert [f[2] for f in found] == ["The dean refused.", "The dean refused. It hurt", "It hurt a lot."]
    found, _ = spans(study, "toll AND NOT refusal WHERE coder = alice")
    assert [f[2] for f in found] == ["It hurt", "It hurt a lot."]
    found, _ = spans(study, "NOT ANY WHERE coder = bob")
    assert [f[2] for f in found] == ["Tell me about it.", "The dean refused. It hurt a lot.", "And then?",
                                     "We wrote a memo. The memo went nowhere.", "Why?", "Nobody answered."]


def test_same_sentence_and_same_turn_return_the_unit(study):
    found, _ = spans(study, "refusal SAME SENTENCE toll")
    assert found == [("P01.txt", "alice", "The dean refused.")]
    found, _ = spans(study, "refusal SAME TURN toll")
    assert found == [("P01.txt", "alice", "The dean refused. It hurt a lot. We kept going anyway.")]
    found, _ = spans(study, "advocacy SAME TURN resistance")
    assert found == []
    found, result = spans(study, "advocacy SAME TURN \"turn\"")  # a code whose id is a keyword
    assert found == [("P01.txt", "alice", "We wrote a memo. The memo went nowhere.")]
    assert set(result.passages[0].codes) == {"advocacy", "turn"}


def test_positional_relations_return_the_left_passages(study):
    assert spans(study, "refusal INSIDE toll")[0] == [("P01.txt", "alice", "The dean refused.")]
    assert spans(study, "toll CONTAINS refusal")[0] == [("P01.txt", "alice", "The dean refused. It hurt")]
    assert spans(study, "toll OVERLAPS toll")[0] == [("P01.txt", "alice", "The dean refused. It hurt"),
                                                    ("P01.txt", "alice", "It hurt a lot.")]
    assert spans(study, "advocacy OVERLAPS toll")[0] == []


def test_within_turns_and_followed_by(study):
    # advocacy is in turn 3, resistance in turn 5 (two turns later)
    assert spans(study, "advocacy WITHIN 1 TURNS OF resistance")[0] == []
    found, _ = spans(study, "advocacy WITHIN 2 TURNS OF resistance")
    assert found == [("P01.txt", "alice", "We wrote a memo."), ("P02.txt", "alice", "We wrote a memo.")]
    found, _ = spans(study, "resistance WITHIN 2 TURNS OF advocacy WHERE transcript = P02")
    assert found == [("P02.txt", "alice", "Nobody answered.")]  # either direction
    assert spans(study, "advocacy FOLLOWED BY resistance")[0] == []
    found, _ = spans(study, "advocacy FOLLOWED BY WITHIN 2 TURNS resistance WHERE coder = alice")
    assert [f[:2] for f in found] == [("P01.txt", "alice"), ("P02.txt", "alice")]
    assert spans(study, "EXACT resistance FOLLOWED BY WITHIN 5 TURNS advocacy")[0] == []
    # a passage is not its own partner
    assert spans(study, "EXACT resistance WITHIN 0 TURNS OF EXACT resistance")[0] == []


def test_where_by_attribute_speaker_transcript_and_numbers(study):
    found, _ = spans(study, "advocacy WHERE group = Control")
    assert found == [("P02.txt", "alice", "We wrote a memo.")]
    found, _ = spans(study, "advocacy WHERE year > 3.5 OR transcript IN (P01)")
    assert [f[0] for f in found] == ["P01.txt", "P02.txt"]
    found, _ = spans(study, "toll WHERE speaker = amara AND NOT coder = alice")
    assert found == [("P01.txt", "bob", "We kept going anyway.")]
    found, _ = spans(study, "toll WHERE speaker != Amara")
    assert found == []


def test_results_say_whose_coding_they_rest_on(study):
    _, result = spans(study, "toll")
    assert result.coders == ["alice", "bob"]
    assert result.per_coder() == {"alice": 2, "bob": 1}
    assert "alice 2, bob 1" in result.summary()


@pytest.mark.parametrize("text, message, column, width", [
    ("refusl AND toll", "no code 'refusl' in the codebook; did you mean 'refusal'?", 1, 6),
    ("toll WHERE grup = x", "no field 'grup': did you mean 'group'?", 12, 4),
    ("toll WHERE group = interventon", "no transcript has group = 'interventon'; its values are control, "
                                       "intervention", 20, 11),
    ("toll WHERE coder = carol", "no coder 'carol' in this study; it has alice, bob", 20, 5),
    ("toll WHERE transcript = P09", "no transcript 'P09' in this study", 25, 3),
    ("toll WHERE year > many", "> compares numbers; 'many' is not a number", 19, 4),
    ("toll WHERE coder > 2", "coder is compared with = , != or IN, not >", 12, 9),
    ("@nothing AND toll", "no saved query named 'nothing'", 1, 8),
])
def test_names_are_checked_against_the_study(study, text, message, column, width):
    with pytest.raises(QueryError) as info:
        compile_query(study, text)
    assert message in info.value.message
    assert info.value.column == column
    assert info.value.pointer().splitlines()[1].count("^") == width


def test_a_value_written_no_value_is_listed_quoted_among_the_values(study):
    (study.root / "attributes.csv").write_text("transcript,group\nP01,(no value)\nP02,control\n", encoding="utf-8")
    with pytest.raises(QueryError) as info:
        compile_query(open_study(study.root), 'toll WHERE group = "nonsense"')
    assert info.value.message.endswith('its values are "(no value)", control')


def test_saved_queries_compose_and_loops_are_refused(study):
    saved = {"hurt": "toll AND NOT refusal", "loop-a": "@loop-b OR toll", "loop-b": "@loop-a",
             "broken": "toll AND", "scoped": "toll WHERE coder = bob"}
    result = compile_query(study, "@hurt WHERE coder = alice", saved).run()
    assert [TEXT[p.start:p.end] for p in result.passages] == ["It hurt", "It hurt a lot."]
    with pytest.raises(QueryError, match=r"loop \(@loop-a -> @loop-b -> @loop-a\)") as info:
        compile_query(study, "@loop-a", saved)
    assert info.value.saved == "loop-b"
    with pytest.raises(QueryError) as info:
        compile_query(study, "@broken OR advocacy", saved)
    assert info.value.saved == "broken" and "in the saved query 'broken'" in str(info.value)
    with pytest.raises(QueryError, match="has a WHERE clause"):
        compile_query(study, "@scoped AND toll", saved)
    with pytest.raises(QueryError, match="the saved query of that name is written @hurt"):
        compile_query(study, "hurt", saved)


def test_mini_study_sentence_query(mini_study):
    text = MINI_TRANSCRIPT
    mini_study.annotations("interviews/P01.txt", "alice", [
        ("personal", text.index("I saw"), text.index(" That")), ("duty", text.index("she was"), text.index(" at the"))])
    result = compile_query(open_study(mini_study.root), "personal SAME SENTENCE duty").run()
    assert [text[p.start:p.end] for p in result.passages] == ["I saw how she was treated at the clinic."]

"""The one rule for which turns count: agreement units, the uncoded-turn jump, and what each says."""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest

from studykit import MINI_TRANSCRIPT
from tcoder.agreement import agreement, gather
from tcoder.agreement.units import unit_index
from tcoder.session import open_session
from tcoder.study import open_study
from tcoder.turnrule import TurnRule, counted_text, select_turns


def test_roles_decide_which_turns_count(sample_study):
    study = open_study(sample_study)
    selection = study.turn_selection("FG1", study.turn_rule("agreement"))
    assert selection.reasons == {"Moderator": "moderator"}
    assert {t.speaker for t in selection.left_out} == {"Moderator"}
    assert len(selection.left_out) == 13 and "Keisha" in {t.speaker for t in selection.counted}
    every = study.turn_selection("FG1", study.turn_rule("agreement", frozenset()))
    assert every.everything_counts


def test_skip_speakers_override_names_speakers_without_roles(mini_study):
    study = open_study(mini_study.root)
    rule = TurnRule(frozenset(), frozenset({"Interviewer"}))
    selection = select_turns(study.transcript("P01"), study.participants, rule)
    assert selection.reasons == {"Interviewer": "skip_speakers in tcoder.yaml"}
    assert [t.speaker for t in selection.counted] == ["Amara", "Amara"]


def test_counted_text_keeps_units_of_counted_turns_exactly(sample_study):
    study = open_study(sample_study)
    for name in ("P01", "P03", "FG2"):
        selection = study.turn_selection(name, study.turn_rule("agreement"))
        view = counted_text(selection)
        full = selection.transcript
        for unit in ("sentence", "word", "turn", "line"):
            kept = [full.text[s:e] for s, e in _units(full, unit) if _counts(selection, s)]
            assert [view.transcript.text[s:e] for s, e in _units(view.transcript, unit)] == kept, (name, unit)


def _units(transcript, unit):
    from tcoder.segments import unit_spans

    return unit_spans(transcript, unit)


def _counts(selection, offset):
    turn = selection.transcript.turn_at(offset)
    return turn is None or selection.counts(turn)


def _reliability(study, coders, code, unit, leave_out):
    """Coders x units of every transcript (0/1 per unit), computed on the full text, with the units
    in turns of ``leave_out`` speakers dropped: what alpha without those turns must be."""
    columns = []
    for ref in study.transcripts:
        transcript = study.transcript(ref)
        index = unit_index(transcript, unit)
        spans = _units(transcript, unit)
        rows = np.zeros((len(coders), index.count))
        for i, coder in enumerate(coders):
            mine = [a for a in study.load_annotations(ref, coder).annotations if a.code == code]
            if mine:
                lo, hi = index.ranges(np.array([a.start for a in mine]), np.array([a.end for a in mine]))
                for a, b in zip(lo, hi, strict=True):
                    rows[i, a:b] = 1
        keep = [k for k, (s, _) in enumerate(spans)
                if (transcript.turn_at(s) is None or transcript.turn_at(s).speaker not in leave_out)]
        columns.append(rows[:, keep])
    return np.concatenate(columns, axis=1)


@pytest.mark.parametrize("unit", ["sentence", "turn"])
def test_alpha_changes_only_by_the_units_removed(sample_study, unit):
    study = open_study(sample_study)
    coders = ["alice", "bob"]
    with_rule = agreement(gather(study, coders, rule=study.turn_rule("agreement")), unit)
    without = agreement(gather(study, coders, rule=study.turn_rule("agreement", frozenset())), unit)
    for code in ("curriculum-advocacy", "emotional-toll", "personal-discrimination", "community-ties"):
        expected = krippendorff.alpha(_reliability(study, coders, code, unit, {"Interviewer", "Moderator"}),
                                      level_of_measurement="nominal")
        everything = krippendorff.alpha(_reliability(study, coders, code, unit, set()),
                                        level_of_measurement="nominal")
        assert next(r.alpha for r in with_rule.table.codes if r.id == code) == pytest.approx(expected, abs=1e-12)
        assert next(r.alpha for r in without.table.codes if r.id == code) == pytest.approx(everything, abs=1e-12)
    units = {r.units for r in with_rule.table.codes}
    assert units == {with_rule.table.codes[0].units}
    assert without.table.codes[0].units - with_rule.table.codes[0].units == with_rule.left_out["units"]


def test_agree_says_what_it_left_out(sample_study, run_cli):
    code, out, err = run_cli("agree", sample_study, "--unit", "sentence")
    assert code == 0, err
    assert ("Left out of agreement: 114 turns of speakers who are not participants in 6 of 6 transcripts "
            "(interviewer: Interviewer; moderator: Moderator), holding 167 sentence units (--leave-out none "
            "counts them).") in " ".join(out.split())
    code, out, err = run_cli("agree", sample_study, "--unit", "sentence", "--format", "json")
    result = json.loads(out)
    assert result["left_out"]["turns"] == 114 and result["left_out"]["units"] == 167
    assert result["left_out"]["speakers"] == {"Interviewer": "interviewer", "Moderator": "moderator"}
    code, out, err = run_cli("agree", sample_study, "--unit", "sentence", "--format", "json", "--leave-out", "none")
    everything = json.loads(out)
    assert everything["left_out"]["turns"] == 0
    assert everything["codes"][0]["units"] == result["codes"][0]["units"] + 167
    code, out, err = run_cli("agree", sample_study, "--leave-out", "interviewr")
    assert code == 2 and "unknown role 'interviewr' (did you mean 'interviewer'?)" in err


def test_a_span_across_a_left_out_turn_is_clipped(mini_study):
    study = open_study(mini_study.root)
    mini_study.speakers("transcript,speaker,participant,role\nP01,Interviewer,,interviewer\nP01,Amara,a,participant\n")
    study = open_study(mini_study.root)
    selection = study.turn_selection("P01", study.turn_rule("agreement"))
    view = counted_text(selection)
    question = MINI_TRANSCRIPT.index("Interviewer: And")
    answer = MINI_TRANSCRIPT.index("We pushed")
    spans, dropped = view.spans([("duty", 5, 20), ("duty", question - 20, answer + 9),
                                 ("duty", question + 3, question + 10)])
    assert dropped == 2  # the first question, and a span inside the second
    (code, start, end), = spans
    assert view.transcript.text[start:end] == (MINI_TRANSCRIPT[question - 20:question]
                                               + MINI_TRANSCRIPT[answer - len("Amara: "):answer + 9])


def test_next_uncoded_turn_skips_interviewer_questions(mini_study):
    honestly = MINI_TRANSCRIPT.index("Honestly")
    study = open_study(mini_study.root)
    with open_session(study, "P01", "alice") as s:  # nobody is described yet: every turn counts
        assert s.transcript.text[s.next_uncoded_turn(honestly):].startswith("And what")
    mini_study.speakers("transcript,speaker,participant,role\nP01,Interviewer,,interviewer\nP01,Amara,a,participant\n")
    study = open_study(mini_study.root)
    with open_session(study, "P01", "alice") as s:
        text = s.transcript.text
        assert s.next_uncoded_turn(0) == honestly
        assert text[s.next_uncoded_turn(honestly):].startswith("We pushed")  # the question is skipped
        s.apply("personal", honestly, honestly + 8)
        second = s.next_uncoded_turn(0)
        assert text[second:].startswith("We pushed")
        s.apply("duty", second, second + 5)
        assert s.next_uncoded_turn(0) is None
        assert s.uncoded_turn_selection().reasons == {"Interviewer": "interviewer"}
    (mini_study.root / "tcoder.yaml").write_text("left_out_roles: {uncoded_turns: []}\n")
    study = open_study(mini_study.root)
    with open_session(study, "P01", "alice") as s:
        assert s.transcript.text[s.next_uncoded_turn(honestly):].startswith("And what")


def test_the_compare_panel_alpha_uses_the_same_units_as_agree(sample_study):
    from tcoder.adjudication import Adjudication

    study = open_study(sample_study)
    expected = agreement(gather(study, ["alice", "bob"], ["P01"], study.turn_rule("agreement")), "sentence")
    with open_session(study, "P01", "consensus", read_only=True) as c, \
            open_session(study, "P01", "alice", read_only=True) as a, \
            open_session(study, "P01", "bob", read_only=True) as b:
        adjudication = Adjudication(c, {"alice": a, "bob": b})
        table = adjudication.alphas("sentence")
        assert adjudication.alpha_left_out == {"Interviewer": "interviewer"}
    assert table.overall.alpha == expected.table.overall.alpha
    assert {r.id: r.alpha for r in table.codes} == {r.id: r.alpha for r in expected.table.codes}

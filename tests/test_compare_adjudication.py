"""Adjudication as core operations: disagreements, decisions into the consensus
(with sources), decisions of none remembered in the file, undo and redo, reopening."""

from __future__ import annotations

import json

import pytest

from studykit import ALSO, CLINIC, END, GRAND, MINI_TRANSCRIPT, RENAL, SAW, STAYED
from tcoder.adjudication import (
    NONE_FIELD,
    SOURCES_FIELD,
    Adjudication,
    Decision,
    agreed_spans,
    decision_spans,
    find_disagreements,
)
from tcoder.annotations import read_annotations, save_annotations
from tcoder.merge import merge_fields
from tcoder.session import CodingSession, SessionError
from tcoder.study import open_study

P01 = "interviews/P01.txt"
T = MINI_TRANSCRIPT


def build(builder, **coders):
    builder.codebook()
    builder.transcript(P01, T)
    for coder, spans in coders.items():
        builder.annotations(P01, coder, spans)
    return builder


def open_adjudication(root, coders=("alice", "bob")) -> Adjudication:
    study = open_study(root)
    consensus = CodingSession(study, P01, "consensus")
    sessions = {c: CodingSession(study, P01, c, read_only=True) for c in coders}
    return Adjudication(consensus, sessions)


def consensus_file(root):
    path = root / "interviews/P01.consensus.json"
    return read_annotations(path) if path.exists() else None


def on_disk(root):
    af = consensus_file(root)
    return sorted((a.code, a.start, a.end, tuple(sorted(a.extra.get(SOURCES_FIELD) or ()))) for a in af.annotations)


@pytest.fixture
def pair(study_builder):
    """alice and bob: a boundary disagreement on 'personal', a missing one on 'curriculum',
    an agreement on 'outreach'."""
    return build(study_builder,
                 alice=[("personal", GRAND, STAYED), ("curriculum", RENAL, ALSO), ("outreach", CLINIC, END)],
                 bob=[("personal", SAW, STAYED), ("outreach", CLINIC, END)])


def test_disagreements_keep_the_annotations_they_are_made_of(pair):
    adj = open_adjudication(pair.root)
    try:
        items = adj.disagreements
        assert [(d.code, d.kind, d.start, d.end) for d in items] == [
            ("personal", "boundary", GRAND, STAYED), ("curriculum", "missing", RENAL, ALSO)]
        assert items[0].ids == {"alice-0000", "bob-0000"}
        assert items[0].to_dict() == {"code": "personal", "start": GRAND, "end": STAYED, "kind": "boundary",
                                      "coders": {"alice": [[GRAND, STAYED]], "bob": [[SAW, STAYED]]}}
        assert adj.resolved_count == 0
    finally:
        adj.consensus.close()


def test_accept_one_coders_version_records_its_sources(pair):
    adj = open_adjudication(pair.root)
    try:
        boundary = adj.disagreements[0]
        step = adj.decide(boundary, Decision("coder", "bob"))
        assert step is not None and "bob's version" in step.label
        assert adj.resolution(boundary).resolved and adj.resolved_count == 1
    finally:
        adj.consensus.close()
    assert on_disk(pair.root) == [("personal", SAW, STAYED, ("bob-0000",))]


def test_union_and_intersection(pair):
    adj = open_adjudication(pair.root)
    try:
        boundary = adj.disagreements[0]
        adj.decide(boundary, Decision("union"))
        assert on_disk(pair.root) == [("personal", GRAND, STAYED, ("alice-0000", "bob-0000"))]
        adj.decide(boundary, Decision("intersection"))  # changing one's mind replaces the decision
        assert on_disk(pair.root) == [("personal", SAW, STAYED, ("alice-0000", "bob-0000"))]
    finally:
        adj.consensus.close()


def test_none_is_remembered_in_the_header_and_survives_reopening(pair):
    adj = open_adjudication(pair.root)
    try:
        missing = adj.disagreements[1]
        adj.decide(missing, Decision("none"))
        assert adj.resolution(missing).none
    finally:
        adj.consensus.close()
    af = consensus_file(pair.root)
    assert af.annotations == []
    [record] = af.extra[NONE_FIELD]
    assert (record["code"], record["start"], record["end"], record[SOURCES_FIELD]) == \
        ("curriculum", RENAL, ALSO, ["alice-0001"])
    again = open_adjudication(pair.root)  # the team reopens the transcript the next day
    try:
        assert [r.resolved for r in again.resolutions()] == [False, True]
        assert again.step_from(None, 0, True, open_only=True) == (0, False)
    finally:
        again.consensus.close()


def test_intersection_of_a_missing_cluster_is_none(pair):
    adj = open_adjudication(pair.root)
    try:
        missing = adj.disagreements[1]
        assert decision_spans(missing, Decision("intersection")) == []
        adj.decide(missing, Decision("intersection"))
        assert adj.resolution(missing).none
    finally:
        adj.consensus.close()


def test_a_later_decision_replaces_none_and_back(pair):
    adj = open_adjudication(pair.root)
    try:
        missing = adj.disagreements[1]
        adj.decide(missing, Decision("none"))
        adj.decide(missing, Decision("coder", "alice"))
        assert NONE_FIELD not in consensus_file(pair.root).extra
        assert on_disk(pair.root) == [("curriculum", RENAL, ALSO, ("alice-0001",))]
        adj.decide(missing, Decision("none"))
        assert on_disk(pair.root) == [] and len(consensus_file(pair.root).extra[NONE_FIELD]) == 1
        assert adj.decide(missing, Decision("none")) is None  # already so: nothing to do
    finally:
        adj.consensus.close()


def test_every_decision_undoes_and_redoes_on_disk(pair):
    adj = open_adjudication(pair.root)
    session = adj.consensus
    try:
        boundary, missing = adj.disagreements
        adj.decide(boundary, Decision("coder", "alice"))
        adj.decide(missing, Decision("none"))
        adj.decide(boundary, Decision("union"))
        states = []
        for _ in range(3):
            states.append((on_disk(pair.root), consensus_file(pair.root).extra.get(NONE_FIELD)))
            session.undo()
        assert on_disk(pair.root) == [] and NONE_FIELD not in consensus_file(pair.root).extra
        assert adj.resolved_count == 0
        for expected in reversed(states):
            session.redo()
            assert (on_disk(pair.root), consensus_file(pair.root).extra.get(NONE_FIELD)) == expected
        assert adj.resolved_count == 2
    finally:
        session.close()


def test_a_decision_keeps_an_identical_consensus_annotation_and_its_memo(pair):
    adj = open_adjudication(pair.root)
    try:
        boundary = adj.disagreements[0]
        adj.decide(boundary, Decision("coder", "alice"))
        [kept] = adj.consensus.annotations
        adj.consensus.set_memo(kept.id, "agreed on Tuesday")
        adj.decide(boundary, Decision("union"))  # the union is alice's span here
        [after] = adj.consensus.annotations
        assert after.id == kept.id and after.memo == "agreed on Tuesday"
        assert sorted(after.extra[SOURCES_FIELD]) == ["alice-0000", "bob-0000"]
    finally:
        adj.consensus.close()


def test_accept_agreements_copies_identical_spans_once(pair):
    adj = open_adjudication(pair.root)
    try:
        step = adj.accept_agreements()
        assert step is not None
        assert adj.accept_agreements() is None
    finally:
        adj.consensus.close()
    assert on_disk(pair.root) == [("outreach", CLINIC, END, ("alice-0002", "bob-0001"))]


def test_coding_by_hand_records_the_overlapping_sources(pair):
    adj = open_adjudication(pair.root)
    try:
        result = adj.apply_by_hand("personal", SAW - 1, STAYED + 1)  # white space trimmed
        assert (result.annotation.start, result.annotation.end) == (SAW, STAYED)
        adj.apply_by_hand("duty", RENAL, ALSO)  # nobody coded duty there: no sources
        assert adj.resolved_count == 1
    finally:
        adj.consensus.close()
    assert on_disk(pair.root) == [("duty", RENAL, ALSO, ()), ("personal", SAW, STAYED, ("alice-0000", "bob-0000"))]


def test_a_none_decision_reopens_when_a_coder_adds_to_the_cluster(pair):
    adj = open_adjudication(pair.root)
    try:
        missing = adj.disagreements[1]
        adj.decide(missing, Decision("none"))
        bob = adj.coders["bob"]
        pair.annotations(P01, "bob", [("personal", SAW, STAYED), ("outreach", CLINIC, END),
                                      ("curriculum", RENAL, RENAL + 10)])
        bob.sync(force=True)
        adj.refresh()
        [changed] = [d for d in adj.disagreements if d.code == "curriculum"]
        assert changed.kind == "boundary" and not adj.resolution(changed).resolved
    finally:
        adj.consensus.close()


def test_read_only_consensus_refuses_decisions(pair):
    study = open_study(pair.root)
    holder = CodingSession(study, P01, "consensus")
    try:
        adj = open_adjudication(pair.root)
        assert adj.consensus.read_only
        with pytest.raises(SessionError, match="read-only"):
            adj.decide(adj.disagreements[0], Decision("union"))
    finally:
        holder.close()


def test_three_coders(study_builder):
    build(study_builder,
          alice=[("personal", GRAND, STAYED)],
          bob=[("personal", SAW, STAYED)],
          carol=[("personal", GRAND, STAYED - 10)])
    adj = open_adjudication(study_builder.root, ("alice", "bob", "carol"))
    try:
        [d] = adj.disagreements
        assert d.kind == "boundary" and d.coders == ("alice", "bob", "carol")
        assert [(s, e) for s, e, _ in decision_spans(d, Decision("intersection"))] == [(SAW, STAYED - 10)]
        assert [(s, e) for s, e, _ in decision_spans(d, Decision("union"))] == [(GRAND, STAYED)]
        adj.decide(d, Decision("coder", "carol"))
    finally:
        adj.consensus.close()
    assert on_disk(study_builder.root) == [("personal", GRAND, STAYED - 10, ("carol-0000",))]


def test_agreed_spans_leave_out_disputed_ones():
    from tcoder.annotations import Annotation

    a = {"alice": [Annotation("a1", "x", 0, 10), Annotation("a2", "x", 5, 15), Annotation("a3", "y", 20, 30)],
         "bob": [Annotation("b1", "x", 0, 10), Annotation("b2", "y", 20, 30)]}
    disagreements = find_disagreements(a, ["alice", "bob"])
    assert [(d.code, d.kind) for d in disagreements] == [("x", "boundary")]
    assert agreed_spans(a, ["alice", "bob"], disagreements) == [("y", 20, 30, ("a3", "b2"))]


def test_header_fields_merge_with_a_change_on_disk(pair):
    """A decision of none recorded here and another written to the file by another program both survive."""
    adj = open_adjudication(pair.root)
    session = adj.consensus
    try:
        boundary, missing = adj.disagreements
        adj.decide(missing, Decision("none"))
        path = pair.root / "interviews/P01.consensus.json"
        af = read_annotations(path)
        other = {"code": "personal", "start": GRAND, "end": STAYED, SOURCES_FIELD: ["alice-0000", "bob-0000"]}
        af.extra[NONE_FIELD] = [*af.extra[NONE_FIELD], other]
        af.extra["reviewed_by"] = "dana"
        save_annotations(af, path)
        session.reload()
        assert session.header_field("reviewed_by") == "dana"
        assert [r["code"] for r in session.header_field(NONE_FIELD)] == ["curriculum", "personal"]
        assert adj.resolved_count == 2
        with pytest.raises(SessionError, match="changed on disk"):
            session.undo()  # the field changed under it: undo refuses rather than lose the other record
    finally:
        session.close()
    extra = json.loads(path.read_text("utf-8"))
    assert [r["code"] for r in extra[NONE_FIELD]] == ["curriculum", "personal"] and extra["reviewed_by"] == "dana"


def test_merge_fields_one_field_at_a_time():
    base = {"a": 1, "l": [1, 2], "gone": True}
    ours = {"a": 2, "l": [1, 2, 3], "gone": True, "mine": "x"}
    theirs = {"a": 1, "l": [2, 4], "theirs": "y"}
    assert merge_fields(base, ours, theirs) == {"a": 2, "l": [2, 3, 4], "mine": "x", "theirs": "y"}


# ---------------------------------------------------------------- the consensus outside the disagreement


def _consensus_by_hand(root, start, end, memo=None):
    """The team codes a long passage of 'personal' by hand, reaching beyond the disagreement."""
    adj = open_adjudication(root)
    a = adj.apply_by_hand("personal", start, end).annotation
    if memo:
        adj.consensus.set_memo(a.id, memo)
    adj.consensus.close()
    return a.id


def test_a_decision_keeps_the_consensus_outside_the_disagreement(pair):
    long_id = _consensus_by_hand(pair.root, T.index("Honestly"), END, memo="whole story")
    adj = open_adjudication(pair.root)
    try:
        boundary = next(d for d in adj.disagreements if d.code == "personal")
        adj.decide(boundary, Decision("coder", "bob"))
        spans = {(a.start, a.end): a for a in adj.consensus.annotations if a.code == "personal"}
    finally:
        adj.consensus.close()
    # before GRAND and after STAYED the hand coding stays; inside, bob's version decides
    assert set(spans) == {(T.index("Honestly"), GRAND), (SAW, END)}
    assert spans[(T.index("Honestly"), GRAND)].id == long_id
    assert all(a.memo == "whole story" for a in spans.values())


def test_none_splits_an_annotation_that_reaches_beyond_both_sides(pair):
    _consensus_by_hand(pair.root, T.index("Honestly"), END, memo="whole story")
    adj = open_adjudication(pair.root)
    try:
        boundary = next(d for d in adj.disagreements if d.code == "personal")
        adj.decide(boundary, Decision("none"))
        spans = sorted((a.start, a.end, a.memo) for a in adj.consensus.annotations if a.code == "personal")
        assert adj.resolution(boundary).resolved
    finally:
        adj.consensus.close()
    assert spans == [(T.index("Honestly"), GRAND, "whole story"), (STAYED, END, "whole story")]
    assert consensus_file(pair.root).extra[NONE_FIELD][0]["code"] == "personal"


def test_changing_a_decision_carries_the_teams_memo_over(pair):
    adj = open_adjudication(pair.root)
    try:
        boundary = next(d for d in adj.disagreements if d.code == "personal")
        adj.decide(boundary, Decision("coder", "bob"))
        (first,) = [a for a in adj.consensus.annotations if a.code == "personal"]
        adj.consensus.set_memo(first.id, "agreed after discussion")
        adj.decide(boundary, Decision("union"))
        (second,) = [a for a in adj.consensus.annotations if a.code == "personal"]
    finally:
        adj.consensus.close()
    assert (second.start, second.end, second.memo) == (GRAND, STAYED, "agreed after discussion")


def test_malformed_sources_and_none_records_in_the_file_do_not_crash_a_decision(pair):
    adj = open_adjudication(pair.root)
    boundary = next(d for d in adj.disagreements if d.code == "personal")
    adj.decide(boundary, Decision("coder", "bob"))
    adj.consensus.close()
    path = pair.root / "interviews/P01.consensus.json"
    data = json.loads(path.read_text("utf-8"))
    data["annotations"][0][SOURCES_FIELD] = 5
    data[NONE_FIELD] = [{"code": "curriculum", "start": None, "end": 4, "sources": []}, "oops"]
    path.write_text(json.dumps(data), "utf-8")
    adj = open_adjudication(pair.root)
    try:
        adj.decide(next(d for d in adj.disagreements if d.code == "personal"), Decision("union"))
        adj.decide(next(d for d in adj.disagreements if d.code == "curriculum"), Decision("none"))
    finally:
        adj.consensus.close()
    records = consensus_file(pair.root).extra[NONE_FIELD]
    assert {"code": "curriculum", "start": None, "end": 4, "sources": []} in records and "oops" in records

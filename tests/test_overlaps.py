"""One code on overlapping text twice in one coder's file: check reports it, --fix merges it."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from studykit import GRAND, MINI_TRANSCRIPT, RENAL, SAW, STAYED
from tcoder.annotations import Annotation, read_annotations
from tcoder.overlaps import merged_annotation, overlap_groups

P01 = "interviews/P01.txt"


def ann(aid: str, code: str, start: int, end: int, **fields) -> Annotation:
    return Annotation(aid, code, start, end, **fields)


def test_groups_are_transitive_per_code_and_touching_spans_stay_apart():
    items = [ann("a", "x", 0, 10), ann("b", "x", 8, 20), ann("c", "x", 19, 25), ann("d", "x", 25, 30),
             ann("e", "y", 0, 30), ann("f", "x", 40, 50), ann("g", "x", 42, 45, orphaned=True)]
    groups = overlap_groups(items)
    assert [(g.code, [a.id for a in g.annotations], g.start, g.end) for g in groups] == [
        ("x", ["a", "b", "c"], 0, 25)]


def _groups_by_pairs(items: list[Annotation]) -> list[tuple[str, list[str]]]:
    """The groups found the slow, plain way: join every two placed annotations of one code that share text."""
    placed = [a for a in items if not a.orphaned]
    group_of = {a.id: {a.id} for a in placed}
    for a in placed:
        for b in placed:
            if a.code == b.code and a.start < b.end and b.start < a.end and group_of[a.id] is not group_of[b.id]:
                joined = group_of[a.id] | group_of[b.id]
                for member in joined:
                    group_of[member] = joined
    by_id = {a.id: a for a in placed}
    groups = {frozenset(g) for g in group_of.values() if len(g) > 1}
    ordered = [sorted((by_id[i] for i in g), key=Annotation.sort_key) for g in groups]
    ordered.sort(key=lambda g: (min(a.start for a in g), max(a.end for a in g), g[0].code))
    return [(g[0].code, [a.id for a in g]) for g in ordered]


_SPANS = st.lists(st.tuples(st.sampled_from("xyz"), st.integers(0, 40), st.integers(1, 12), st.booleans()),
                  max_size=25)


@settings(max_examples=300, deadline=None)
@given(spans=_SPANS, reverse=st.booleans())
def test_groups_are_those_of_every_pair_that_shares_text(spans, reverse):
    items = [ann(f"a{i:02d}", code, start, start + length, orphaned=(i % 7 == 3 and orphan))
             for i, (code, start, length, orphan) in enumerate(spans)]
    if reverse:  # files that are not in the canonical order
        items.reverse()
    groups = overlap_groups(items)
    assert [(g.code, [a.id for a in g.annotations]) for g in groups] == _groups_by_pairs(items)
    assert all(g.start == min(a.start for a in g.annotations) and g.end == max(a.end for a in g.annotations)
               for g in groups)


def test_merging_keeps_the_first_id_every_memo_and_every_source():
    text = MINI_TRANSCRIPT
    group = [ann("late", "x", SAW, STAYED, memo="second", created="2026-03-02T10:00:00Z",
                 extra={"sources": ["s2", "s1"]}),
             ann("early", "x", GRAND, SAW + 5, memo="first", created="2026-03-01T10:00:00Z",
                 extra={"sources": ["s1"]})]
    merged = merged_annotation(group, text, "2026-03-05T00:00:00Z")
    assert (merged.id, merged.start, merged.end) == ("early", GRAND, STAYED)
    assert merged.memo == "first\n\nsecond"
    assert merged.extra["sources"] == ["s2", "s1"] or merged.extra["sources"] == ["s1", "s2"]
    assert merged.quote == text[GRAND:STAYED] and merged.created == "2026-03-01T10:00:00Z"
    assert merged.updated == "2026-03-05T00:00:00Z"


def test_check_reports_and_fix_merges(mini_study, run_cli):
    path = mini_study.annotations(P01, "alice", [("personal", GRAND, STAYED), ("personal", SAW, STAYED),
                                                 ("curriculum", RENAL, RENAL + 10)])
    code, out, err = run_cli("check", mini_study.root)
    assert code == 0
    assert "all code 'personal' on overlapping text" in err and "P01.alice.json, line 7" in err
    assert "check --fix' merges them" in err and "1 warning" in out
    code, out, err = run_cli("check", mini_study.root, "--fix")
    assert code == 0 and "Merged      1 group" in out
    af = read_annotations(path)
    assert sorted((a.code, a.start, a.end) for a in af.annotations) == [
        ("curriculum", RENAL, RENAL + 10), ("personal", GRAND, STAYED)]
    code, out, err = run_cli("check", mini_study.root, "--format", "json")
    assert json.loads(out)["warnings"] == []

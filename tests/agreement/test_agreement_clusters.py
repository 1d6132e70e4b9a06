"""Disagreement clusters (docs/formats.md#disagreements) on constructed cases."""

from __future__ import annotations

from tcoder.agreement import disagreement_clusters


def test_identical_spans_are_agreements_and_not_listed():
    spans = {"alice": {"motivation": [(10, 20)]}, "bob": {"motivation": [(10, 20)]}}
    assert disagreement_clusters(spans, ["alice", "bob"]) == []


def test_boundary_disagreement():
    spans = {"alice": {"motivation": [(10, 20)]}, "bob": {"motivation": [(12, 25)]}}
    assert disagreement_clusters(spans, ["alice", "bob"]) == [
        {"code": "motivation", "start": 10, "end": 25, "kind": "boundary",
         "coders": {"alice": [[10, 20]], "bob": [[12, 25]]}}]


def test_missing_span():
    spans = {"alice": {"duty": [(0, 5), (40, 50)]}, "bob": {"duty": [(0, 5)]}}
    assert disagreement_clusters(spans, ["alice", "bob"]) == [
        {"code": "duty", "start": 40, "end": 50, "kind": "missing", "coders": {"alice": [[40, 50]], "bob": []}}]


def test_one_span_against_two_is_a_boundary_cluster():
    spans = {"alice": {"a": [(0, 30)]}, "bob": {"a": [(0, 10), (20, 30)]}}
    (cluster,) = disagreement_clusters(spans, ["alice", "bob"])
    assert cluster["kind"] == "boundary" and (cluster["start"], cluster["end"]) == (0, 30)
    assert cluster["coders"] == {"alice": [[0, 30]], "bob": [[0, 10], [20, 30]]}


def test_overlap_chains_join_and_touching_spans_do_not():
    spans = {"alice": {"a": [(0, 10), (18, 30)]}, "bob": {"a": [(8, 20), (30, 40)]}}
    clusters = disagreement_clusters(spans, ["alice", "bob"])
    assert [(c["start"], c["end"], c["kind"]) for c in clusters] == [(0, 30, "boundary"), (30, 40, "missing")]


def test_three_coders():
    spans = {
        "alice": {"a": [(0, 10)], "b": [(50, 60)]},
        "bob": {"a": [(0, 10)], "b": [(50, 60)]},
        "carol": {"a": [(0, 10)], "b": [(52, 60)]},
    }
    coders = ["alice", "bob", "carol"]
    assert disagreement_clusters(spans, coders) == [
        {"code": "b", "start": 50, "end": 60, "kind": "boundary",
         "coders": {"alice": [[50, 60]], "bob": [[50, 60]], "carol": [[52, 60]]}}]
    del spans["carol"]["a"]
    clusters = disagreement_clusters(spans, coders)
    assert clusters[0] == {"code": "a", "start": 0, "end": 10, "kind": "missing",
                           "coders": {"alice": [[0, 10]], "bob": [[0, 10]], "carol": []}}
    # Only the chosen coders count: alice and bob agree on both codes.
    assert disagreement_clusters(spans, ["alice", "bob"]) == []


def test_nested_codes_are_compared_as_coded():
    # alice coded the theme, bob its sub-code over the same words: two missing clusters, one per code.
    spans = {"alice": {"motivation": [(5, 40)]}, "bob": {"personal": [(5, 40)]}}
    clusters = disagreement_clusters(spans, ["alice", "bob"])
    assert [(c["code"], c["kind"], c["coders"]) for c in clusters] == [
        ("motivation", "missing", {"alice": [[5, 40]], "bob": []}),
        ("personal", "missing", {"alice": [], "bob": [[5, 40]]})]


def test_a_coder_with_no_file_misses_every_cluster():
    spans = {"alice": {"a": [(0, 10)]}, "bob": {"a": [(0, 10)]}}
    clusters = disagreement_clusters(spans, ["alice", "bob", "dave"])
    assert clusters == [{"code": "a", "start": 0, "end": 10, "kind": "missing",
                         "coders": {"alice": [[0, 10]], "bob": [[0, 10]], "dave": []}}]


def test_default_coders_and_order():
    spans = {"bob": {"z": [(100, 110)], "a": [(100, 105)]}, "alice": {"a": [(0, 3)]}}
    clusters = disagreement_clusters(spans)
    assert [(c["code"], c["start"]) for c in clusters] == [("a", 0), ("a", 100), ("z", 100)]
    assert list(clusters[0]["coders"]) == ["bob", "alice"]

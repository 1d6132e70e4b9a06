"""The codebook history file: reading it, and mapping old code ids through it."""

from __future__ import annotations

import pytest

from codebookkit import coded_study
from tcoder.annotations import Annotation, AnnotationFile
from tcoder.codebook_history import HistoryError, derived_id, migrate_file, parse_history
from tcoder.study import open_study

HISTORY = """\
# written by tcoder
- {when: 2026-03-01T10:00:00Z, who: alice, op: rename, code: a, to: b, id: 1}
- {when: 2026-03-02T10:00:00Z, who: bob, op: merge, codes: [b, x], into: c, id: 2}
- {when: 2026-03-03T10:00:00Z, who: bob, op: split, code: c, into: [d, e], assigned: {d: [n1], both: [n2]}, id: 3}
- {when: 2026-03-04T10:00:00Z, who: bob, op: delete, code: f, removed: [n3], id: 4}
- {when: 2026-03-05T10:00:00Z, who: bob, op: new, code: g, name: G, id: 5}
"""


def test_old_ids_follow_every_change_in_order():
    history = parse_history(HISTORY)
    assert history.resolve("g") is None and history.resolve("d") is None
    assert history.resolve("a", "n1").codes == ("d",)
    assert history.resolve("a", "n2").codes == ("d", "e")
    undecided = history.resolve("a", "n9")
    assert undecided.kind == "undecided" and [e.op for e in undecided.chain] == ["rename", "merge", "split"]
    assert undecided.explain("a") == ("'a' was renamed 'b' on 2026-03-01; 'b' was merged into 'c' on 2026-03-02; "
                                      "'c' was split into 'd', 'e' on 2026-03-03")
    assert history.resolve("f", "n3").kind == "removed" and history.resolve("f", "n4").kind == "undecided"


def test_lines_out_of_order_are_read_in_time_order():
    lines = HISTORY.splitlines()
    shuffled = "\n".join([lines[0], lines[3], lines[1], lines[5], lines[2], lines[4]]) + "\n"
    assert parse_history(shuffled).resolve("a", "n1").codes == ("d",)


def test_an_id_renamed_back_is_current_again():
    history = parse_history("- {when: 2026-01-01T00:00:00Z, op: rename, code: a, to: b, id: 1}\n"
                            "- {when: 2026-01-02T00:00:00Z, op: rename, code: b, to: a, id: 2}\n")
    assert history.resolve("a") is None and history.resolve("b").codes == ("a",)


def test_two_branches_that_renamed_one_code_two_ways():
    history = parse_history("- {when: 2026-01-01T00:00:00Z, op: rename, code: a, to: b, id: 1}\n"
                            "- {when: 2026-01-02T00:00:00Z, op: rename, code: a, to: c, id: 2}\n")
    assert history.resolve("a", known={"c"}).codes == ("c",)
    assert history.resolve("a", known={"b"}).codes == ("b",)
    assert "changed twice in different ways (line 1 and line 2)" in history.problems[0].message


def test_reading_maps_annotations_and_a_split_copy_gets_a_stable_id():
    history = parse_history(HISTORY)
    af = AnnotationFile("alice", "P01.txt", None, [Annotation("n1", "a", 0, 5), Annotation("n2", "x", 6, 9, memo="m"),
                                                   Annotation("n3", "f", 1, 2), Annotation("n9", "a", 3, 4),
                                                   Annotation("k", "d", 4, 8)])
    migrations = migrate_file(af, history, {"d", "e", "g"})
    assert [(a.id, a.code) for a in af.annotations] == [("n1", "d"), ("n2", "d"), (derived_id("n2", "e"), "e"),
                                                        ("n9", "a"), ("k", "d")]
    assert af.annotations[2].memo == "m"
    assert [(m.annotation_id, m.mapping.kind) for m in migrations] == [("n1", "mapped"), ("n2", "mapped"),
                                                                       ("n3", "removed"), ("n9", "undecided")]


@pytest.mark.parametrize("text, message", [
    ("- {when: 2026-01-01T00:00:00Z, op: rename, code: a}\n", "needs the code it led to ('to')"),
    ("- {op: rename, code: a, to: b}\n", "needs 'op' and 'when'"),
    ("- just text\n", "is a mapping"),
    ("{a: 1}\n", "a YAML list of changes"),
    ("- {when: x, op: [\n", "YAML syntax error"),
])
def test_a_damaged_history_is_reported_with_its_line(text, message):
    with pytest.raises(HistoryError) as info:
        parse_history(text, "codebook.history.yaml")
    assert message in str(info.value) and "codebook.history.yaml" in str(info.value)


def test_an_operation_from_a_newer_tcoder_is_ignored_with_a_warning():
    history = parse_history("- {when: 2026-01-01T00:00:00Z, op: recolour, code: a, id: 1}\n")
    assert history.entries == [] and "unknown change 'recolour'" in history.problems[0].message


def test_a_damaged_history_file_never_stops_the_study_and_check_reports_it(tmp_path, run_cli):
    root = coded_study(tmp_path / "study").root
    (root / "codebook.history.yaml").write_text("- {when: [\n", encoding="utf-8")
    study = open_study(root)
    assert len(study.load_annotations("interviews/P01.txt", "alice").file.annotations) == 5
    code, out, err = run_cli("check", root)
    assert code == 1 and "codebook.history.yaml, line" in err and "YAML syntax error" in err

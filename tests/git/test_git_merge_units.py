"""The merge driver's logic without git: targets, re-anchoring, conflict records, headers."""

from __future__ import annotations

import pytest

from studykit import MINI_TRANSCRIPT
from tcoder.annotations import Annotation, AnnotationFile, dumps_annotations, new_annotation, parse_annotations
from tcoder.errors import TcoderError
from tcoder.gitdriver.merge import NotAnnotationFile, choose_target, load_side, merge_files
from tcoder.merge import (
    Conflict,
    ConflictRecordError,
    conflict_problems,
    conflict_record,
    read_conflict,
    resolve_conflict,
    resolve_header_conflict,
    unresolved,
)
from tcoder.transcript import text_sha256

OLD = MINI_TRANSCRIPT
NEW = "Interviewer: (Consent recorded.)\n\n" + MINI_TRANSCRIPT
TEXTS = {text_sha256(OLD): OLD, text_sha256(NEW): NEW}


def annotate(quote: str, code: str, text: str = OLD) -> Annotation:
    start = text.index(quote)
    return new_annotation(code, start, start + len(quote), text)


def af(annotations, text: str = OLD, **header) -> AnnotationFile:
    return AnnotationFile("alice", "P01.txt", text_sha256(text), list(annotations), extra=header)


def test_choose_target_prefers_the_side_that_changed_the_text():
    assert choose_target("b", "b", "b") == ["b"]
    assert choose_target("b", "b", "t") == ["t", "b"]
    assert choose_target("b", "o", "b") == ["o", "b"]
    assert choose_target("b", "o", "t") == ["merged", "o", "t"]


def test_theirs_is_reanchored_to_our_newer_text():
    keep = annotate("it was my grandmother", "personal")
    base = af([keep])
    ours = af([keep.copy()], NEW)
    ours.annotations[0].start += NEW.index("it was my") - OLD.index("it was my")
    ours.annotations[0].end += NEW.index("it was my") - OLD.index("it was my")
    ours.annotations[0].set_context(NEW)
    added = annotate("a free clinic day", "outreach")
    theirs = af([keep.copy(), added])

    outcome = merge_files(base, ours, theirs, TEXTS.get)

    assert outcome.conflicts == 0
    assert outcome.file.text_sha256 == text_sha256(NEW)
    by_id = {a.id: a for a in outcome.file.annotations}
    assert NEW[by_id[added.id].start:by_id[added.id].end] == "a free clinic day"
    assert NEW[by_id[keep.id].start:by_id[keep.id].end] == "it was my grandmother"


def test_when_no_version_of_the_text_is_found_nothing_moves_and_a_note_says_so():
    keep = annotate("it was my grandmother", "personal")
    added = annotate("a free clinic day", "outreach")
    outcome = merge_files(af([keep]), af([keep], NEW), af([keep, added]), lambda sha: None)

    assert outcome.conflicts == 0
    assert "neither version could be found" in outcome.notes[0]
    assert {a.id: (a.start, a.end) for a in outcome.file.annotations}[added.id] == (added.start, added.end)


def test_a_conflict_record_round_trips_through_the_file_format():
    base = annotate("it was my grandmother", "personal")
    ours = base.copy(code="duty")
    theirs = base.copy(code="curriculum", memo="why")
    outcome = merge_files(af([base]), af([ours]), af([theirs]), TEXTS.get)

    assert outcome.conflicts == 1
    text = dumps_annotations(outcome.file)
    reread = parse_annotations(text)  # still a valid annotation file
    [a] = unresolved(reread)
    record = read_conflict(a)
    assert (record.kept, record.ours.code, record.theirs.code, record.base.code) == \
        ("ours", "duty", "curriculum", "personal")
    assert a.code == "duty"  # readers that know nothing of conflicts see ours
    [problem] = conflict_problems(reread, "P01.alice.json", text)
    assert problem.line == 7 and "code: ours duty, theirs curriculum; memo: ours '', theirs 'why'" in problem.message
    assert resolve_conflict(reread, a.id, "theirs").memo == "why"
    assert unresolved(reread) == []


def test_a_hand_damaged_conflict_record_is_reported_not_raised():
    a = annotate("it was my grandmother", "personal")
    a.extra["conflict"] = {"kept": "ours", "theirs": {"code": "x"}}
    with pytest.raises(ConflictRecordError):
        read_conflict(a)
    [problem] = conflict_problems(af([a]))
    assert "unreadable merge conflict record" in problem.message


def test_conflict_record_when_ours_deleted():
    base = annotate("it was my grandmother", "personal")
    record = conflict_record(Conflict(base.id, base, None, base.copy(memo="x")))
    assert record.memo == "x" and record.extra["conflict"] == {"kept": "theirs", "ours": None,
                                                               "base": base.to_dict()}


def test_header_fields_changed_two_ways_are_recorded():
    base = af([], study="a")
    outcome = merge_files(base, af([], study="b"), af([], study="c"), TEXTS.get)

    assert outcome.conflicts == 1
    assert outcome.file.extra["study"] == "b"
    assert outcome.file.extra["conflict"] == {"kept": "ours", "ours": {"study": "b"}, "theirs": {"study": "c"},
                                              "base": {"study": "a"}}
    assert "header" in conflict_problems(outcome.file)[0].message
    resolve_header_conflict(outcome.file, "theirs")
    assert outcome.file.extra == {"study": "c"}


def test_header_fields_merge_one_by_one():
    outcome = merge_files(af([], a=1), af([], a=1, b=2), af([], c=3), TEXTS.get)
    assert outcome.conflicts == 0 and outcome.file.extra == {"b": 2, "c": 3}


def test_load_side_tells_annotation_files_from_other_json():
    assert load_side(b"") is None
    with pytest.raises(NotAnnotationFile):
        load_side(b'{"format": "something else"}')
    with pytest.raises(NotAnnotationFile):
        load_side(b"not json at all")
    assert load_side(dumps_annotations(af([])).encode()).coder == "alice"


def test_a_side_that_is_not_utf8_is_not_merged_with_its_bytes_replaced():
    """A Latin-1 byte in one side would come back as U+FFFD in the merged file; the side is
    refused instead, so the driver falls back to git's line merge and nothing is lost."""
    side = af([Annotation("a1", "personal", 0, 5, memo="caf\u00e9")])
    raw = dumps_annotations(side).encode().replace("caf\u00e9".encode(), b"caf\xe9")
    with pytest.raises(TcoderError, match="not UTF-8"):
        load_side(raw)

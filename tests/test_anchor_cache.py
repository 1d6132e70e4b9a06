"""Placements after a transcript edit are kept in .tcoder/anchors/ until either file changes."""

from __future__ import annotations

import json

import pytest

from studykit import MINI_TRANSCRIPT
from tcoder import anchor_cache
from tcoder.anchor_cache import FOLDER
from tcoder.study import open_study


@pytest.fixture(autouse=True)
def keep_every_file(monkeypatch):
    """Keep placements of the three-annotation files below (a study keeps them from 1,000)."""
    monkeypatch.setattr(anchor_cache, "KEEP_FROM", 1)


def edited_study(mini_study):
    text = MINI_TRANSCRIPT
    spans = [(code, text.index(word), text.index(word) + len(word))
             for code, word in (("personal", "grandmother"), ("duty", "renal block"), ("personal", "free clinic"))]
    path = mini_study.annotations("interviews/P01.txt", "alice", spans)
    transcript = mini_study.root / "interviews/P01.txt"
    transcript.write_text("Preface line.\n" + text.replace("renal block", "kidney ward"), encoding="utf-8")
    return path


def placements(loaded):
    return [(r.annotation.id, r.status, r.annotation.start, r.annotation.end, r.old_start, r.shifted, r.reason)
            for r in loaded.anchors]


def test_a_second_read_takes_the_kept_placements_and_the_annotation_file_is_not_written(mini_study):
    path = edited_study(mini_study)
    before = path.read_bytes()
    first = open_study(mini_study.root).load_annotations("interviews/P01.txt", "alice")
    assert first.reanchored and [r.status for r in first.anchors] == ["moved", "orphaned", "moved"]
    (entry,) = (mini_study.root / FOLDER).iterdir()
    kept = json.loads(entry.read_bytes())
    assert len(kept["results"]) == 3
    # Mark the entry: a read that takes it shows the mark, so it was not placed again.
    kept["results"][1][5] = "kept reason"
    entry.write_text(json.dumps(kept), encoding="utf-8")
    second = open_study(mini_study.root).load_annotations("interviews/P01.txt", "alice")
    assert [p[:6] for p in placements(second)] == [p[:6] for p in placements(first)]
    assert second.anchors[1].reason == "kept reason" and second.anchors[1].annotation.orphaned
    assert [p.message for p in second.problems] != []  # the orphan is still reported
    text = second.file.annotations[0].quote
    assert text == "grandmother" and second.file.annotations[0].prefix.endswith("it was my ")
    assert path.read_bytes() == before


def test_an_entry_that_does_not_fit_is_ignored_and_a_changed_file_is_placed_again(mini_study):
    path = edited_study(mini_study)
    first = open_study(mini_study.root).load_annotations("interviews/P01.txt", "alice")
    (entry,) = (mini_study.root / FOLDER).iterdir()
    kept = json.loads(entry.read_bytes())
    kept["results"][0][1] += 1  # "grandmother" is no longer at that place
    entry.write_text(json.dumps(kept), encoding="utf-8")
    again = open_study(mini_study.root).load_annotations("interviews/P01.txt", "alice")
    assert placements(again) == placements(first)
    entry.write_text("not json", encoding="utf-8")
    assert placements(open_study(mini_study.root).load_annotations("interviews/P01.txt", "alice")) == placements(first)
    # Another version of the annotation file (one annotation fewer): placed afresh.
    data = json.loads(path.read_text(encoding="utf-8"))
    data["annotations"] = data["annotations"][:2]
    path.write_text(json.dumps(data), encoding="utf-8")
    fewer = open_study(mini_study.root).load_annotations("interviews/P01.txt", "alice")
    assert placements(fewer) == placements(first)[:2]
    assert len(list((mini_study.root / FOLDER).iterdir())) == 1  # one entry per transcript and coder


def test_a_small_file_leaves_the_study_folder_as_it_was(mini_study, monkeypatch):
    monkeypatch.setattr(anchor_cache, "KEEP_FROM", 4)
    edited_study(mini_study)
    assert open_study(mini_study.root).load_annotations("interviews/P01.txt", "alice").reanchored
    assert not (mini_study.root / ".tcoder").exists()

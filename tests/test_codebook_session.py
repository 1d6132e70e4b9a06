"""Codebook operations made from a live coding session: the session's own file is
written by the operation and taken back in; undo restores every byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from codebookkit import CODERS, SAW, P, coded_study, codes_in, live_session, snapshot
from tcoder import codebook_session
from tcoder.annotations import read_annotations
from tcoder.codebook_ops import delete_code, merge_codes, rename_code
from tcoder.errors import TcoderError
from tcoder.session import CodingSession
from tcoder.study import open_study


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return coded_study(tmp_path / "study").root


def test_in_vivo_creates_the_code_and_codes_the_selection_in_one_step(root: Path):
    study = open_study(root)
    with CodingSession(study, "interviews/P01.txt", "alice") as session:
        before = snapshot(root)
        start = P.index("That stayed with me")
        done = codebook_session.in_vivo(session, start - 1, start + len("That stayed with me.") + 1, who="alice")
        assert done.outcome.applied
        code = study.codebook["that-stayed-with-me"]
        assert code.name == "That stayed with me"
        # the session shows the new annotation at once, on the trimmed selection
        here = [a for a in session.annotations if a.code == code.id]
        assert [(a.start, a.end) for a in here] == [(start, start + len("That stayed with me."))]
        assert not session.dirty
        on_disk = read_annotations(session.path).annotations
        assert [a.id for a in on_disk if a.code == code.id] == [here[0].id]
        # undo: every file back, byte for byte, and the session follows
        codebook_session.undo(session, who="alice")
        assert snapshot(root) == before
        assert not any(a.code == code.id for a in session.annotations)
        assert "that-stayed-with-me" not in study.codebook.codes


def test_in_vivo_on_a_transcript_not_yet_coded_writes_the_coders_first_file(root: Path):
    study = open_study(root)
    with CodingSession(study, "interviews/P02.txt", "carol") as session:
        assert not session.path.exists()
        done = codebook_session.in_vivo(session, SAW, SAW + 40, who="carol")
        code_id = done.outcome.plan.introduces[0]
        assert [a.code for a in read_annotations(session.path).annotations] == [code_id]
        assert [a.code for a in session.annotations] == [code_id]


def test_a_rename_from_the_session_rewrites_its_own_file_and_the_session_shows_the_new_id(root: Path):
    study = open_study(root)
    with CodingSession(study, "interviews/P01.txt", "alice") as session:
        session.apply("duty", 0, 10)  # an unsaved-looking change made just before
        codebook_session.operate(session, rename_code, "duty", "obligation", who="alice")
        assert "duty" not in {a.code for a in session.annotations}
        assert sum(a.code == "obligation" for a in session.annotations) == 2
        assert not session.dirty
    for coder in CODERS:
        assert "duty" not in codes_in(root, "interviews/P01.txt", coder)


def test_a_dry_run_from_the_session_writes_nothing(root: Path):
    study = open_study(root)
    with CodingSession(study, "interviews/P01.txt", "alice") as session:
        before = snapshot(root)
        done = codebook_session.operate(session, merge_codes, ["duty"], "personal", dry_run=True)
        assert not done.outcome.applied
        assert any("alice" in line for line in done.outcome.plan.summary())
        assert snapshot(root) == before


def test_an_edit_in_another_window_since_the_screen_loaded_the_codebook_is_never_overwritten(root: Path):
    study = open_study(root)
    with CodingSession(study, "interviews/P01.txt", "alice") as session:
        assert study.codebook.source_sha256  # what the screen shows
        path = root / "codebook.yaml"
        path.write_text(path.read_text("utf-8") + "# a note typed in an editor\n", "utf-8")
        before = snapshot(root)
        with pytest.raises(TcoderError, match="changed on disk"):
            codebook_session.operate(session, rename_code, "duty", "obligation", who="alice")
        assert snapshot(root) == before


def test_a_partners_live_file_is_left_to_the_mapping(root: Path):
    study = open_study(root)
    with live_session(root, "interviews/P01.txt", "bob"), \
            CodingSession(study, "interviews/P01.txt", "alice") as session:
        done = codebook_session.operate(session, rename_code, "personal", "lived-experience", who="alice")
        assert [left.coder for left in done.outcome.plan.left] == ["bob"]
        assert "lived-experience" in {a.code for a in session.annotations}
    # bob's file still says personal on disk; read, it is under the new code
    assert "personal" in {a.code for a in read_annotations(root / "interviews/P01.bob.json").annotations}
    fresh = open_study(root)
    loaded = fresh.load_annotations(fresh.find("interviews/P01.txt"), "bob", fresh.known_codes())
    assert "lived-experience" in {a.code for a in loaded.file.annotations}
    assert "personal" not in {a.code for a in loaded.file.annotations}


def test_a_read_only_session_cannot_change_the_codebook(root: Path):
    study = open_study(root)
    with CodingSession(study, "interviews/P01.txt", "alice", read_only=True) as session:
        before = snapshot(root)
        with pytest.raises(TcoderError, match="nothing was changed"):
            codebook_session.in_vivo(session, SAW, SAW + 40)
        assert snapshot(root) == before


def test_files_started_after_the_screen_opened_the_study_are_reached_too(root: Path):
    from studykit import StudyBuilder

    study = open_study(root)
    with CodingSession(study, "interviews/P01.txt", "alice") as session:
        # dave starts coding P02 in his own window after alice opened the study
        StudyBuilder(root).annotations("interviews/P02.txt", "dave", [("outreach", SAW, SAW + 40)])
        codebook_session.operate(session, delete_code, "outreach", delete_annotations=True, who="alice")
    assert read_annotations(root / "interviews/P02.dave.json").annotations == []

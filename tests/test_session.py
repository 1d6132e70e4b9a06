"""The coding model behind `tcoder code`, without a terminal."""

from __future__ import annotations

import json
import os
import random
import time

import pytest

from tcoder.annotations import Annotation, AnnotationFile, new_annotation, read_annotations, save_annotations
from tcoder.errors import TcoderError
from tcoder.session import HISTORY_LIMIT, CodingSession, SessionError, SpanIndex
from tcoder.study import open_study

TEXT_START = "Interviewer: Thanks for joining."


def open_session(builder, coder="alice", **kw) -> CodingSession:
    study = open_study(builder.root)
    return CodingSession(study, "interviews/P01.txt", coder, **kw)


def on_disk(builder, coder="alice") -> list[Annotation]:
    return read_annotations(builder.root / f"interviews/P01.{coder}.json").annotations


def touch_later(path) -> None:
    """Make sure a rewrite is seen as a change even on coarse clocks."""
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


# ---------------------------------------------------------------- applying


def test_apply_saves_at_once_with_quote_and_context(mini_study):
    with open_session(mini_study) as s:
        result = s.apply("personal", 0, 11)
        assert (result.annotation.start, result.annotation.end) == (0, 11)
        saved = on_disk(mini_study)
        assert [(a.code, a.start, a.end, a.quote) for a in saved] == [("personal", 0, 11, "Interviewer")]
        assert saved[0].suffix.startswith(": Thanks")
        assert s.save_state.status == "saved" and not s.dirty
        header = json.loads((mini_study.root / "interviews/P01.alice.json").read_text("utf-8"))
        assert header["coder"] == "alice" and header["transcript"] == "P01.txt"
        assert header["text_sha256"] == s.transcript.sha256


def test_apply_trims_white_space_and_rejects_empty_or_duplicate(mini_study):
    with open_session(mini_study) as s:
        text = s.transcript.text
        start = text.index("Honestly")
        a = s.apply("personal", start - 1, start + 9).annotation  # a space, then "Honestly,"
        assert text[a.start:a.end] == "Honestly,"
        with pytest.raises(SessionError, match="nothing to code"):
            s.apply("personal", 55, 57)  # "\n\n"
        with pytest.raises(SessionError, match="already has the code"):
            s.apply("personal", start, start + 9)
        with pytest.raises(SessionError, match="no code 'nope'"):
            s.apply("nope", 0, 5)
        assert len(on_disk(mini_study)) == 1


def test_reversed_and_out_of_range_selections_are_clamped(mini_study):
    with open_session(mini_study) as s:
        n = len(s.transcript.text)
        a = s.apply("duty", n + 50, n - 10).annotation
        assert a.end <= n and a.start == n - 10
        assert s.transcript.text[a.start:a.end].strip() == s.transcript.text[a.start:a.end]


def test_domain_overlap_is_warned_not_blocked(mini_study):
    with open_session(mini_study) as s:
        s.apply("stance-low", 0, 30)
        result = s.apply("stance-high", 10, 40)
        assert result.warnings and "Stance" in result.warnings[0]
        assert not s.apply("duty", 0, 30).warnings


# ---------------------------------------------------------------- changing and removing


def test_remove_recode_and_memo_keep_the_id(mini_study):
    with open_session(mini_study) as s:
        a = s.apply("personal", 0, 11).annotation
        recoded = s.recode(a.id, "duty")
        assert recoded.id == a.id and recoded.code == "duty" and recoded.created == a.created
        with pytest.raises(SessionError, match="already has the code"):
            s.recode(a.id, "duty")
        memo = s.set_memo(a.id, "said with a laugh\nsecond line")
        assert on_disk(mini_study)[0].memo == "said with a laugh\nsecond line"
        assert s.set_memo(a.id, "said with a laugh\nsecond line") is memo  # no change, no step
        s.set_memo(a.id, "")
        assert on_disk(mini_study)[0].memo is None
        s.remove(a.id)
        assert on_disk(mini_study) == []
        with pytest.raises(SessionError, match="no longer there"):
            s.remove(a.id)


def test_annotations_are_replaced_never_changed_in_place(mini_study):
    with open_session(mini_study) as s:
        a = s.apply("personal", 0, 11).annotation
        before = a.to_dict()
        s.recode(a.id, "duty")
        s.set_memo(a.id, "m")
        assert a.to_dict() == before


# ---------------------------------------------------------------- undo and redo


def test_undo_and_redo_every_action(mini_study):
    with open_session(mini_study) as s:
        a = s.apply("personal", 0, 11).annotation
        s.recode(a.id, "duty")
        s.set_memo(a.id, "memo")
        s.remove(a.id)
        assert on_disk(mini_study) == []
        labels = [s.undo().label for _ in range(4)]
        assert labels == ["remove Professional duty", "edit memo", "recode to Professional duty",
                          "apply Personal experience"]
        assert on_disk(mini_study) == [] and s.undo() is None
        s.redo()
        assert [(x.code, x.memo) for x in on_disk(mini_study)] == [("personal", None)]
        s.redo()
        s.redo()
        assert [(x.code, x.memo) for x in on_disk(mini_study)] == [("duty", "memo")]
        assert on_disk(mini_study)[0].id == a.id
        s.redo()
        assert on_disk(mini_study) == [] and s.redo() is None


def test_a_new_action_clears_redo(mini_study):
    with open_session(mini_study) as s:
        s.apply("personal", 0, 11)
        s.undo()
        s.apply("duty", 0, 11)
        assert s.redo() is None and s.can_undo


def test_undo_reaches_back_more_than_a_hundred_steps(mini_study):
    with open_session(mini_study) as s:
        words = [(i, i + 1) for i in range(0, 150)]
        text = s.transcript.text
        applied = 0
        for start, end in words:
            if text[start:end].strip():
                s.apply("personal", start, end)
                applied += 1
        assert applied > 100 and HISTORY_LIMIT >= 100
        for _ in range(applied):
            assert s.undo() is not None
        assert s.undo() is None
        assert on_disk(mini_study) == []


def test_history_keeps_at_most_its_limit(mini_study):
    with open_session(mini_study) as s:
        s.history.limit = 5
        for i in range(8):
            s.apply("personal", i, i + 1)
        assert len(s.history.undo_stack) == 5


# ---------------------------------------------------------------- locking


def test_second_session_on_the_same_file_is_read_only_with_a_reason(mini_study):
    first = open_session(mini_study)
    try:
        first.apply("personal", 0, 11)
        second = open_session(mini_study)
        try:
            assert second.read_only
            assert "read-only" in second.read_only_reason and "alice" in second.read_only_reason
            assert [a.code for a in second.annotations] == ["personal"]
            for action in (lambda: second.apply("duty", 0, 5), lambda: second.undo(),
                           lambda: second.remove(first.annotations[0].id)):
                with pytest.raises(SessionError, match="read-only"):
                    action()
            # It follows the writer's changes.
            first.apply("duty", 13, 20)
            touch_later(first.path)
            second.sync()
            assert sorted(a.code for a in second.annotations) == ["duty", "personal"]
            assert not second.try_write_access()
        finally:
            second.close()
    finally:
        first.close()


def test_read_only_view_becomes_writable_when_the_other_closes(mini_study):
    first = open_session(mini_study)
    first.apply("personal", 0, 11)
    second = open_session(mini_study)
    first.close()
    try:
        assert second.read_only and second.try_write_access()
        assert not second.read_only
        second.apply("duty", 13, 20)
        assert sorted(a.code for a in on_disk(mini_study)) == ["duty", "personal"]
    finally:
        second.close()


def test_closing_leaves_no_lock_file_and_a_crash_leaves_one_that_is_taken_over(mini_study):
    import signal
    import subprocess
    import sys

    folder = mini_study.root / "interviews"
    with open_session(mini_study) as s:
        s.apply("personal", 0, 11)
        assert (folder / ".P01.alice.json.lock").exists()
    assert [p.name for p in folder.iterdir() if p.name.endswith(".lock")] == []
    crash = ("import sys, time\nfrom tcoder.study import open_study\nfrom tcoder.session import CodingSession\n"
             "s = CodingSession(open_study(sys.argv[1]), 'interviews/P01.txt', 'alice')\n"
             "print('open', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", crash, str(mini_study.root)], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"open"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (folder / ".P01.alice.json.lock").exists()  # what a crash leaves
    with open_session(mini_study) as s:
        assert not s.read_only  # taken over
    assert [p.name for p in folder.iterdir() if p.name.endswith(".lock")] == []


def test_another_coder_is_not_locked_out(mini_study):
    with open_session(mini_study, "alice") as a, open_session(mini_study, "bob") as b:
        assert not a.read_only and not b.read_only


# ---------------------------------------------------------------- the file changed on disk


def write_external(builder, annotations: list[Annotation], coder="alice") -> None:
    path = builder.root / f"interviews/P01.{coder}.json"
    text = (builder.root / "interviews/P01.txt").read_text("utf-8")
    from tcoder.transcript import text_sha256

    save_annotations(AnnotationFile(coder, "P01.txt", text_sha256(text), annotations), path)
    touch_later(path)


def test_changes_on_disk_are_merged_by_id_not_overwritten(mini_study):
    with open_session(mini_study) as s:
        mine = s.apply("personal", 0, 11).annotation
        text = s.transcript.text
        theirs = new_annotation("outreach", 13, 20, text)
        write_external(mini_study, [mine, theirs])  # e.g. a git pull added one
        report = s.reload()
        assert report is not None and report.added == 1
        assert {a.code for a in s.annotations} == {"personal", "outreach"}
        s.apply("duty", 30, 40)
        assert {a.code for a in on_disk(mini_study)} == {"personal", "outreach", "duty"}


def test_a_save_merges_a_change_made_on_disk_first(mini_study):
    with open_session(mini_study) as s:
        mine = s.apply("personal", 0, 11).annotation
        theirs = new_annotation("outreach", 13, 20, s.transcript.text)
        write_external(mini_study, [mine, theirs])
        s.apply("duty", 30, 40)  # saving must not drop 'outreach'
        assert {a.code for a in on_disk(mini_study)} == {"personal", "outreach", "duty"}


def test_deletion_on_disk_is_honoured_and_conflicts_keep_both(mini_study):
    with open_session(mini_study) as s:
        a = s.apply("personal", 0, 11).annotation
        b = s.apply("duty", 13, 20).annotation
        # On disk: a deleted and b's memo written; then, before the poll notices, b's memo here.
        write_external(mini_study, [b.copy(memo="theirs")])
        s.set_memo(b.id, "mine")  # saving merges first
        report = s.take_report()
        assert report is not None and report.conflicts == 1 and report.removed == 1
        assert "tcoder git resolve" in report.summary() and s.take_report() is None
        assert [(x.id, x.memo) for x in s.annotations] == [(b.id, "mine")]  # ours in place
        (saved,) = on_disk(mini_study)
        assert saved.id == b.id and saved.memo == "mine"
        from tcoder.merge import read_conflict

        record = read_conflict(saved)  # theirs and the base are kept in the file
        assert record.kept == "ours" and record.theirs.memo == "theirs" and record.base.memo is None
        assert all(x.id != a.id for x in on_disk(mini_study))


def test_an_older_version_written_back_deletes_nothing_acknowledged(mini_study):
    """A sync tool or git writes back a version of the file from before the coder's last
    saves: what that version lacks was never seen there, not deleted there. The coder's
    saved work stays and is written again, and the coder is told."""
    path = mini_study.root / "interviews/P01.alice.json"
    with open_session(mini_study) as s:
        s.apply("personal", 0, 11)
        older = path.read_bytes()  # what the sync tool last saw
        s.apply("duty", 13, 20)
        s.apply("outreach", 30, 40)
        s.remove(next(a.id for a in s.annotations if a.code == "personal"))
        path.write_bytes(older)  # the sync tool writes its (older) copy back
        touch_later(path)
        report = s.reload()
        assert report is not None and report.stale == 3 and report.removed == 0 and report.added == 0
        assert "older version of the file was written on disk" in report.summary()
        assert sorted(a.code for a in s.annotations) == ["duty", "outreach"]
        assert sorted(a.code for a in on_disk(mini_study)) == ["duty", "outreach"]  # written again


def test_the_version_opened_written_back_later_deletes_nothing(mini_study):
    path = mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 11)])
    opened = path.read_bytes()
    with open_session(mini_study) as s:
        s.apply("duty", 13, 20)
        path.write_bytes(opened)
        touch_later(path)
        s.apply("outreach", 30, 40)  # the save merges the file on disk first
        assert sorted(a.code for a in on_disk(mini_study)) == ["duty", "outreach", "personal"]


def test_a_deletion_made_elsewhere_is_reported_by_its_quote(mini_study):
    """A version never seen here (another program deleted an annotation) is honoured, and
    what went is named by its words, not only counted."""
    with open_session(mini_study) as s:
        a = s.apply("personal", 0, 11).annotation
        b = s.apply("duty", 13, 20).annotation
        write_external(mini_study, [b])  # a script deleted 'personal'
        report = s.reload()
        assert report is not None and report.removed == 1 and report.stale == 0
        assert report.removed_passages == [f"{a.quote!r} (personal)"]
        assert f"removed there: {a.quote!r} (personal)" in report.summary()
        assert [x.code for x in on_disk(mini_study)] == ["duty"]


def test_deleted_here_but_changed_on_disk_keeps_the_change(mini_study):
    from tcoder.merge import read_conflict

    with open_session(mini_study) as s:
        a = s.apply("personal", 0, 11).annotation
        write_external(mini_study, [a.copy(memo="kept")])
        s.remove(a.id)  # saving merges the change on disk first
        assert [x.memo for x in s.annotations] == ["kept"]
        record = read_conflict(on_disk(mini_study)[0])
        assert record.kept == "theirs" and record.ours is None


def test_undo_refuses_when_the_annotation_changed_on_disk(mini_study):
    with open_session(mini_study) as s:
        a = s.apply("personal", 0, 11).annotation
        write_external(mini_study, [a.copy(memo="edited elsewhere")])
        s.reload()
        with pytest.raises(SessionError, match="changed on disk"):
            s.undo()
        assert [x.memo for x in on_disk(mini_study)] == ["edited elsewhere"]


def test_file_removed_on_disk_is_written_again(mini_study):
    with open_session(mini_study) as s:
        s.apply("personal", 0, 11)
        s.path.unlink()
        s.reload()
        assert [a.code for a in on_disk(mini_study)] == ["personal"]


def test_unreadable_file_on_disk_is_never_overwritten_silently(mini_study):
    with open_session(mini_study) as s:
        s.apply("personal", 0, 11)
        broken = "<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> theirs\n"
        s.path.write_text(broken, encoding="utf-8")
        touch_later(s.path)
        report = s.reload()
        assert report is not None and report.problems
        s.apply("duty", 13, 20)
        assert s.save_state.status == "failed" and s.dirty
        assert s.path.read_text(encoding="utf-8") == broken
        s.save(force=True)  # the user chose to keep theirs: the broken file is moved aside
        assert s.save_state.status == "saved" and "moved to" in s.save_state.message
        aside = list(s.path.parent.glob("P01.alice.json.unreadable-*"))
        assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == broken
        assert {a.code for a in on_disk(mini_study)} == {"personal", "duty"}


def test_transcript_changed_since_the_file_was_written_is_reanchored(mini_study):
    with open_session(mini_study) as s:
        s.apply("personal", s.transcript.text.index("grandmother"), s.transcript.text.index("grandmother") + 11)
    path = mini_study.root / "interviews/P01.txt"
    path.write_text("Preface line.\n" + path.read_text("utf-8"), encoding="utf-8")
    with open_session(mini_study) as s:
        (a,) = s.annotations
        assert s.transcript.text[a.start:a.end] == "grandmother"
        s.apply("duty", 0, 7)
        assert read_annotations(s.path).text_sha256 == s.transcript.sha256


class ReadOnlyFolder:
    """Make a folder unwritable for real: chmod for a normal user, the immutable flag for root."""

    def __init__(self, folder):
        self.folder = folder
        self.immutable = False

    def __enter__(self):
        import shutil
        import subprocess

        os.chmod(self.folder, 0o555)
        if os.access(self.folder, os.W_OK):  # root ignores permissions
            if shutil.which("chattr") is None or subprocess.run(
                    ["chattr", "+i", str(self.folder)], capture_output=True).returncode != 0:
                os.chmod(self.folder, 0o755)
                pytest.skip("cannot make a folder read-only here (root without chattr)")
            self.immutable = True
        return self

    def __exit__(self, *exc):
        import subprocess

        if self.immutable:
            subprocess.run(["chattr", "-i", str(self.folder)], check=True)
        os.chmod(self.folder, 0o755)


def test_save_failure_is_reported_and_changes_kept(mini_study):
    with open_session(mini_study) as s:
        s.apply("personal", 0, 11)
        with ReadOnlyFolder(s.path.parent):
            s.apply("duty", 13, 20)
            assert s.save_state.status == "failed" and "NOT SAVED" in s.save_state.message and s.dirty
            assert [a.code for a in on_disk(mini_study)] == ["personal"]
        assert s.save(force=True).status == "saved"
        assert {a.code for a in on_disk(mini_study)} == {"personal", "duty"}


# ---------------------------------------------------------------- saving in the background


def test_background_saving_writes_every_change(mini_study):
    saved = []
    with open_session(mini_study, background_save=True) as s:
        s.on_saved = lambda: saved.append(s.save_state.status)
        text = s.transcript.text
        for i in range(40):
            if not text[i].isspace():
                s.apply("personal", i, i + 1)
        s.flush()
        assert len(on_disk(mini_study)) == len(s.annotations) and saved
        assert not s.dirty and s.save_state.status == "saved"
        s.undo()
    assert len(on_disk(mini_study)) == len(s.annotations)


def test_background_saving_still_merges_changes_on_disk(mini_study):
    with open_session(mini_study, background_save=True) as s:
        mine = s.apply("personal", 0, 11).annotation
        s.flush()
        write_external(mini_study, [mine, new_annotation("outreach", 13, 20, s.transcript.text)])
        s.apply("duty", 30, 40)
        s.flush()
        assert {a.code for a in on_disk(mini_study)} == {"personal", "outreach", "duty"}


# ---------------------------------------------------------------- finding


def test_next_uncoded_turn(mini_study):
    with open_session(mini_study) as s:
        text = s.transcript.text
        turns = s.transcript.turns
        body = [t.body_start for t in turns]
        assert s.next_uncoded_turn(0) == body[1]
        s.apply("personal", body[1], body[1] + 8)
        assert s.next_uncoded_turn(0) == body[2]
        assert s.next_uncoded_turn(0, codes={"duty"}) == body[1]
        for t in turns[2:]:
            s.apply("duty", t.body_start, t.body_start + 3)
        assert s.next_uncoded_turn(body[1]) is None
        assert text[body[2]:].startswith("And what")


def test_counts_follow_changes(mini_study):
    with open_session(mini_study) as s:
        a = s.apply("personal", 0, 11).annotation
        s.apply("personal", 13, 20)
        assert s.counts()["personal"] == 2
        s.recode(a.id, "duty")
        assert s.counts() == {"personal": 1, "duty": 1}


def test_orphaned_annotations_are_kept_but_not_shown(mini_study):
    text = (mini_study.root / "interviews/P01.txt").read_text("utf-8")
    ghost = Annotation("ghost-1", "duty", 5, 9, quote="words that are gone", orphaned=True)
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 11)])
    af = read_annotations(mini_study.root / "interviews/P01.alice.json")
    af.annotations.append(ghost)
    save_annotations(af, mini_study.root / "interviews/P01.alice.json")
    with open_session(mini_study) as s:
        assert [a.id for a in s.orphaned] == ["ghost-1"]
        assert "ghost-1" not in {a.id for a in s.annotations}
        s.apply("outreach", 13, 20)
        assert "ghost-1" in {a.id for a in on_disk(mini_study)}
    assert text


# ---------------------------------------------------------------- the span index


def test_span_index_matches_a_brute_force_search():
    rng = random.Random(7)
    spans = []
    for i in range(400):
        start = rng.randrange(0, 5000)
        spans.append(Annotation(f"id{i}", rng.choice("abc"), start, start + rng.randint(1, 300)))
    index = SpanIndex(spans[:200])
    for a in spans[200:]:
        index.insert(a)
    for a in spans[::3]:
        assert index.remove(a)
    kept = [a for i, a in enumerate(spans) if i % 3]
    assert [a.id for a in index] == [a.id for a in sorted(kept, key=Annotation.sort_key)]
    for _ in range(300):
        lo = rng.randrange(0, 5400)
        hi = lo + rng.randint(0, 200)
        expected = {a.id for a in kept if a.start < max(hi, lo + 1) and a.end > lo}
        assert {a.id for a in index.overlapping(lo, hi)} == expected
    at = index.at(2500)
    assert all(a.start <= 2500 < a.end for a in at)
    assert [a.end - a.start for a in at] == sorted(a.end - a.start for a in at)


def test_span_index_kept_up_to_date_one_change_at_a_time_equals_one_built_anew():
    """Inserting and removing spans one at a time (each rescans only what it shadows)
    leaves the running maximum of the ends and the counts per code as building the
    index from the same spans does, whatever the order of changes."""
    rng = random.Random(11)
    spans = []
    for i in range(600):
        start = rng.randrange(0, 3000)
        spans.append(Annotation(f"id{i}", rng.choice("abcd"), start, start + rng.choice([1, 5, 40, 900, 2500])))
    index = SpanIndex(spans[:100])
    live = list(spans[:100])
    for a in spans[100:]:
        if live and rng.random() < 0.4:
            gone = live.pop(rng.randrange(len(live)))
            assert index.remove(gone)
        index.insert(a)
        live.append(a)
        fresh = SpanIndex(live)
        assert index._max_end == fresh._max_end
        assert index.counts == fresh.counts
    for a in list(live):
        assert index.remove(a)
    assert index._max_end == [] and not index.counts


def test_span_index_next_and_previous():
    spans = [Annotation("a", "x", 10, 20), Annotation("b", "y", 30, 40), Annotation("c", "x", 50, 60)]
    index = SpanIndex(spans)
    assert index.next_after(10).id == "b"
    assert index.next_after(10, {"x"}).id == "c"
    assert index.previous_before(50).id == "b"
    assert index.previous_before(50, {"x"}).id == "a"
    assert index.next_after(50) is None and index.previous_before(10) is None


def test_saving_a_large_file_after_one_change_is_quick(tmp_path, study_builder):
    """A guard against gross regressions (the benchmark measures the real figures)."""
    words = " ".join(f"word{i}" for i in range(40000))
    study_builder.codebook()
    study_builder.transcript(text="Interviewer: " + words + "\n")
    rng = random.Random(3)
    spans = []
    for _ in range(5000):
        s = rng.randrange(13, 200000)
        spans.append(("personal", s, s + rng.randint(20, 400)))
    study_builder.annotations("interviews/P01.txt", "alice", spans)
    with open_session(study_builder) as s:
        s.apply("duty", 13, 30)  # the first save encodes every line
        started = time.perf_counter()
        for i in range(10):
            s.apply("duty", 40 + i * 10, 45 + i * 10)
        per_change = (time.perf_counter() - started) / 10
    assert per_change < 0.25, per_change


def test_a_read_only_view_never_writes_or_locks(mini_study):
    with open_session(mini_study) as writer:
        writer.apply("personal", 0, 11)
        viewer = open_session(mini_study, "alice", read_only=True)
        assert viewer.read_only and "opened for reading" in viewer.read_only_reason
        assert not viewer.try_write_access()
        with pytest.raises(SessionError):
            viewer.apply("duty", 13, 20)
        viewer.close()
        writer.apply("duty", 13, 20)  # the writer still holds its lock
    assert {a.code for a in on_disk(mini_study)} == {"personal", "duty"}


def test_close_finishes_writing_and_nothing_is_written_after(mini_study):
    s = open_session(mini_study, background_save=True)
    s.apply("personal", 0, 11)
    s.close()  # waits for the saving thread
    assert [a.code for a in on_disk(mini_study)] == ["personal"]
    before = (mini_study.root / "interviews/P01.alice.json").read_text("utf-8")
    s._dirty = True  # as if a change were still pending: a late save must not write without the lock
    assert s.save(force=True) is s.save_state
    assert (mini_study.root / "interviews/P01.alice.json").read_text("utf-8") == before
    with pytest.raises(SessionError, match="closed"):
        s.apply("duty", 13, 20)


def test_a_scheduled_save_runs_when_the_caller_says_and_close_saves_the_rest(mini_study):
    scheduled = []
    s = open_session(mini_study, schedule_save=scheduled.append)
    s.apply("personal", 0, 11)
    assert s.save_state.status == "saving" and s.dirty
    assert not (mini_study.root / "interviews/P01.alice.json").exists()
    scheduled.pop(0)()
    assert [a.code for a in on_disk(mini_study)] == ["personal"] and not s.dirty
    s.apply("duty", 13, 20)
    s.close()  # what was only scheduled is written before the lock goes
    assert {a.code for a in on_disk(mini_study)} == {"personal", "duty"}


# ---------------------------------------------------------------- settling merge conflicts


def _file_with_a_merge_conflict(builder, ours_code="personal", theirs: str | None = "duty"):
    """alice's file as the git merge driver leaves it: ours in place, theirs recorded beside it."""
    from tcoder.merge import Conflict, conflict_record

    text = (builder.root / "interviews/P01.txt").read_text("utf-8")
    start = text.index("it was my grandmother")
    base = new_annotation("personal", start, start + 21, text)
    ours = base.copy(code=ours_code, memo="ours")
    other = None if theirs is None else base.copy(code=theirs, memo="theirs")
    write_external(builder, [conflict_record(Conflict(base.id, base, ours, other))])
    return base.id


@pytest.mark.parametrize("keep_other, code, memo", [(False, "personal", "ours"), (True, "duty", "theirs")])
def test_settling_a_merge_conflict_keeps_one_version_and_can_be_undone(mini_study, keep_other, code, memo):
    aid = _file_with_a_merge_conflict(mini_study)
    session = open_session(mini_study)
    assert [a.id for a in session.conflicts] == [aid]
    kept = session.resolve_conflict(aid, keep_other=keep_other)
    assert (kept.code, kept.memo) == (code, memo) and "conflict" not in kept.extra
    assert session.conflicts == []
    (a,) = on_disk(mini_study)
    assert (a.id, a.code, a.memo) == (aid, code, memo) and "conflict" not in a.extra
    session.undo()
    (a,) = on_disk(mini_study)
    assert "conflict" in a.extra and len(session.conflicts) == 1
    session.close()


def test_taking_the_other_side_of_a_deletion_deletes(mini_study):
    aid = _file_with_a_merge_conflict(mini_study, theirs=None)
    session = open_session(mini_study)
    assert session.resolve_conflict(aid, keep_other=True) is None
    assert on_disk(mini_study) == []
    session.close()


def test_settling_needs_a_conflict(mini_study):
    session = open_session(mini_study)
    a = session.apply("personal", 0, 11).annotation
    with pytest.raises(SessionError, match="has no merge conflict"):
        session.resolve_conflict(a.id, keep_other=False)
    session.close()


# ---------------------------------------------------------------- saving on a slow disk


def test_saves_stay_in_the_callers_thread_on_a_fast_disk(mini_study):
    scheduled = []
    session = open_session(mini_study, schedule_save=scheduled.append, slow_save_seconds=5.0)
    for i in range(5):
        session.apply("personal", i * 10, i * 10 + 5)
    assert scheduled == [] and not session.saving_in_background
    assert len(on_disk(mini_study)) == 5  # each change was on disk when apply returned
    session.close()


def test_saves_move_to_a_thread_once_the_disk_proves_slow(mini_study):
    """Every save counts as slow here: after three, later changes are saved after the frame, on a thread."""
    scheduled = []
    session = open_session(mini_study, schedule_save=scheduled.append, slow_save_seconds=0.0)
    for i in range(3):
        session.apply("personal", i * 10, i * 10 + 5)
    assert session.saving_in_background and scheduled == []
    session.apply("duty", 40, 45)
    assert len(scheduled) == 1 and session.save_state.status == "saving"
    scheduled.pop()()  # what the screen does right after the frame
    session.flush()
    assert sorted(a.code for a in on_disk(mini_study)) == ["duty", "personal", "personal", "personal"]
    session.close()


def test_a_large_file_is_saved_on_a_thread_from_the_first_change(mini_study, monkeypatch):
    """A file too large to write within a frame never freezes the screen for the three
    saves it would take to prove slow: its saves run after the frame from the start,
    the thread first encodes the lines as opened, and the file is the canonical one."""
    from tcoder.annotations import encode_annotations, read_annotations
    from tcoder.session import saving

    with open_session(mini_study) as first:
        for i in range(4):
            first.apply("personal", i * 10, i * 10 + 5)
    size = first.path.stat().st_size
    monkeypatch.setattr(saving, "LARGE_FILE_BYTES", size)
    scheduled = []
    session = open_session(mini_study, schedule_save=scheduled.append, slow_save_seconds=5.0)
    assert session.saving_in_background and len(scheduled) == 1  # encoding the lines, after the first frame
    scheduled.pop()()
    session.flush()
    assert len(session._line_cache) == 4
    session.apply("duty", 40, 45)
    assert len(scheduled) == 1 and session.save_state.status == "saving"
    scheduled.pop()()
    assert session.flush().status == "saved"
    written = session.path.read_bytes()
    assert written == encode_annotations(read_annotations(session.path))
    assert sorted(a.code for a in on_disk(mini_study)) == ["duty"] + ["personal"] * 4
    session.close()

    monkeypatch.setattr(saving, "LARGE_FILE_BYTES", size * 2)  # a smaller file: saved in the frame
    session = open_session(mini_study, schedule_save=scheduled.append, slow_save_seconds=5.0)
    assert not session.saving_in_background and scheduled == []
    session.close()


@pytest.mark.parametrize("large", [False, True])
def test_the_screen_draws_a_change_first_and_saves_it_on_the_thread_at_any_size(mini_study, monkeypatch, large):
    """What the coding screen asks for: the change's frame first ("saving"), then the write on
    the saving thread; a large file's lines are encoded there once, before its first save."""
    from tcoder.session import saving

    with open_session(mini_study) as first:
        for i in range(4):
            first.apply("personal", i * 10, i * 10 + 5)
    size = first.path.stat().st_size
    before = first.path.read_bytes()
    monkeypatch.setattr(saving, "LARGE_FILE_BYTES", size if large else size + 1)
    scheduled = []
    session = open_session(mini_study, background_save=True, schedule_save=scheduled.append)
    assert session.saving_in_background and len(scheduled) == (1 if large else 0)
    if large:
        scheduled.pop()()
        session.flush()
        assert len(session._line_cache) == 4
    session.apply("duty", 40, 45)
    assert len(scheduled) == 1 and session.save_state.status == "saving" and session.dirty
    assert session.path.read_bytes() == before  # nothing written before the frame
    scheduled.pop()()
    assert session.flush().status == "saved" and not session.dirty
    assert sorted(a.code for a in on_disk(mini_study)) == ["duty"] + ["personal"] * 4
    session.close()


def test_one_slow_save_is_a_hiccup_three_of_the_last_five_a_slow_disk():
    from tcoder.session import SavePolicy

    policy = SavePolicy(lambda af, revision: None, schedule=lambda save: None, slow_seconds=0.1)
    assert not policy.deferred and not policy.in_background
    for seconds in (0.5, 0.01, 0.01, 0.5, 0.01, 0.01, 0.01):  # never three slow ones among five
        policy.took(seconds)
    assert not policy.in_background
    for seconds in (0.5, 0.01, 0.5, 0.5):
        policy.took(seconds)
    assert policy.in_background and policy.deferred and policy.idle
    policy.stop()


# ---------------------------------------------------------------- what a screen's poll and watcher ask


def test_poll_takes_the_lock_once_the_other_window_closes(mini_study):
    first = open_session(mini_study)
    first.apply("personal", 0, 11)
    second = open_session(mini_study)
    try:
        assert second.read_only and second.poll(watching=True) is False
        first.apply("duty", 13, 20)
        touch_later(first.path)
        assert second.poll(watching=False) is False  # not watched: the poll merges what changed
        assert sorted(a.code for a in second.annotations) == ["duty", "personal"]
        first.close()
        assert second.poll(watching=True) is True and not second.read_only
        second.apply("outreach", 30, 40)
        assert sorted(a.code for a in on_disk(mini_study)) == ["duty", "outreach", "personal"]
    finally:
        first.close()
        second.close()


def test_poll_retries_a_failed_save_and_merges_only_when_not_watched(mini_study):
    with open_session(mini_study) as s:
        mine = s.apply("personal", 0, 11).annotation
        with ReadOnlyFolder(s.path.parent):
            s.apply("duty", 13, 20)
            assert s.save_state.status == "failed"
            assert s.poll(watching=True) is False and s.dirty  # still cannot write
        s.poll(watching=True)
        assert not s.dirty and {a.code for a in on_disk(mini_study)} == {"personal", "duty"}
        write_external(mini_study, [*on_disk(mini_study), new_annotation("outreach", 30, 40, s.transcript.text)])
        s.poll(watching=True)  # a watcher reports changed files: the poll leaves them to it
        assert {a.code for a in s.annotations} == {"personal", "duty"}
        assert s.file_changed() is True
        assert {a.code for a in s.annotations} == {"personal", "duty", "outreach"}
        assert mine.id in {a.id for a in s.annotations}


def test_a_change_seen_while_saving_is_looked_at_again_later(mini_study):
    import threading

    gate = threading.Event()
    with open_session(mini_study, background_save=True) as s:
        s.on_saved = gate.wait  # the saving thread stays busy until the gate opens
        s.apply("personal", 0, 11)
        assert not s.idle and s.file_changed() is False
        gate.set()
        s.flush()
        assert s.idle and s.file_changed() is True


# ---------------------------------------------------------------- text that cannot be saved, folders that cannot be written


def test_a_memo_with_a_lone_surrogate_is_refused_and_nothing_breaks(mini_study):
    with open_session(mini_study) as s:
        a = s.apply("personal", 0, 11).annotation
        with pytest.raises(SessionError, match="unpaired surrogate"):
            s.set_memo(a.id, "caf\udce9")
        with pytest.raises(SessionError, match="unpaired surrogate"):
            s.apply("duty", 14, 20, memo="\ud800")
        s.set_memo(a.id, "fine")
        assert s.save_state.status == "saved"
    assert [x.memo for x in on_disk(mini_study)] == ["fine"]


def test_a_save_of_unsavable_text_fails_with_a_message_not_a_crash(mini_study):
    with open_session(mini_study) as s:
        s.apply("personal", 0, 11)
        s.apply("duty", 14, 20, extra={"note": "\ud800"})  # text no check looks at: the save says so
        assert s.save_state.status == "failed" and s.dirty
        assert "its 'note' holds U+D800, an unpaired surrogate" in s.save_state.message
    assert [x.code for x in on_disk(mini_study)] == ["personal"]


def test_a_read_only_folder_says_so_instead_of_blaming_another_window(mini_study):
    import subprocess
    import sys

    script = ("import sys; from tcoder.study import open_study; from tcoder.session import CodingSession\n"
              "s = CodingSession(open_study(sys.argv[1]), 'interviews/P01.txt', 'alice')\n"
              "print(s.read_only, s.read_only_reason, '|', s.read_only_short)")
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    folder = mini_study.root / "interviews"
    folder.chmod(0o555)
    try:
        result = subprocess.run([*prefix, sys.executable, "-c", script, str(mini_study.root)], capture_output=True,
                                text=True, timeout=60)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True read-only: P01.alice.json: cannot create the lock file")
    assert "the folder is read-only" in result.stdout and "coding needs a folder tcoder can write to" in result.stdout
    assert "other window" not in result.stdout.lower()
    assert "this folder cannot be written" in result.stdout.split("|")[1]


# ---------------------------------------------------------------- a large file read later


def test_a_large_file_is_read_when_the_screen_asks_and_not_changed_before(mini_study, monkeypatch):
    """With read_large_later, a file over the size limit is not read when the session opens:
    no annotations, no merge with the disk, changes refused with a reason; finish_loading
    reads it (once) and the session works as usual."""
    monkeypatch.setattr("tcoder.session.coding.LARGE_FILE_BYTES", 200)
    with open_session(mini_study) as s:
        for start in (13, 20, 40):
            s.apply("duty", start, start + 5)
    raw = (mini_study.root / "interviews/P01.alice.json").read_bytes()
    assert len(raw) > 200
    with open_session(mini_study, read_large_later=True) as s:
        assert s.loading and s.annotations == [] and s.counts() == {}
        revision = s.revision
        with pytest.raises(SessionError, match="still being read"):
            s.apply("duty", 60, 65)
        assert s.sync(force=True) is None
        s.finish_loading()
        assert not s.loading and s.revision > revision
        assert [(a.start, a.end) for a in s.annotations] == [(13, 18), (20, 25), (40, 45)]
        assert s.counts() == {"duty": 3}
        s.finish_loading()  # read once only
        assert len(s.annotations) == 3
        s.apply("duty", 60, 65)
    assert len(on_disk(mini_study)) == 4
    monkeypatch.setattr("tcoder.session.coding.LARGE_FILE_BYTES", 10**9)
    with open_session(mini_study, read_large_later=True) as s:  # under the limit: read at once
        assert not s.loading and len(s.annotations) == 4


def test_a_large_file_that_cannot_be_read_closes_the_session_when_read(mini_study, monkeypatch):
    monkeypatch.setattr("tcoder.session.coding.LARGE_FILE_BYTES", 20)
    path = mini_study.root / "interviews/P01.alice.json"
    path.write_text('{"format": "tcoder-annotations/1", "annotations": [', "utf-8")
    s = open_session(mini_study, read_large_later=True)
    assert s.loading
    with pytest.raises(TcoderError, match="not valid JSON"):
        s.finish_loading()
    assert not (mini_study.root / "interviews/.P01.alice.json.lock").exists()  # the lock is released
    assert path.read_text("utf-8").endswith("[")

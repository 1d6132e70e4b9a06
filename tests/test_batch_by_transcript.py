"""check, ci and agree go through a study transcript by transcript: the same report
from one process as from several (byte for byte), and no transcript kept in memory
after it was checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studykit import ALSO, CLINIC, END, GRAND, MINI_TRANSCRIPT, RENAL, SAW, StudyBuilder
from tcoder import parallel

TRANSCRIPTS = 24  # more than map_ordered's min_items, so two jobs really fork


def _study(builder: StudyBuilder) -> Path:
    """Transcripts with each kind of finding: overlapping passages of one code, an unknown
    code, a speaker the speakers table lacks, a transcript edited after coding (placed anew
    and orphaned), a file that is not JSON, an unreadable transcript."""
    builder.codebook()
    for n in range(TRANSCRIPTS):
        name = f"{'interviews' if n % 2 else 'focus-groups'}/T{n:02d}.txt"
        builder.transcript(name)
        builder.annotations(name, "alice", [("personal", GRAND, STAYED_END), ("personal", SAW, STAYED_END + 5),
                                            ("duty", RENAL, ALSO)], status="done")
        builder.annotations(name, "bob", [("personal", GRAND, SAW), ("no-such-code", CLINIC, END),
                                          ("curriculum", RENAL, END)])
    edited = builder.root / "interviews" / "T03.txt"
    edited.write_text("Interviewer: One more question first.\n\n" + MINI_TRANSCRIPT.replace("renal block", "rota"),
                      encoding="utf-8")
    (builder.root / "interviews" / "T05.carol.json").write_text("{\n  \"format\": \"tcoder-annotations/1\",\n")
    (builder.root / "focus-groups" / "T06.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    rows = [f"{'interviews' if n % 2 else 'focus-groups'}/T{n:02d}.txt,{label}"
            for n in range(TRANSCRIPTS) if n not in (6, 9)  # T09: a speaker the table lacks
            for label in ("Interviewer,,interviewer", "Amara,amara,participant")]
    builder.speakers("transcript,speaker,participant,role\n" + "\n".join(rows) + "\n")
    builder.participants("participant,age\namara,30\n")
    return builder.root


STAYED_END = MINI_TRANSCRIPT.index("That stayed with me.") + len("That stayed with me.")


def _run(jobs: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **{parallel.JOBS_VARIABLE: str(jobs)})
    return subprocess.run([sys.executable, "-m", "tcoder", *args], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.mark.skipif(not parallel.can_fork(), reason="workers are forked only on Linux")
@pytest.mark.parametrize("command", [["check"], ["check", "-q"], ["check", "--format", "json"], ["ci"],
                                     ["agree", "--unit", "sentence", "--format", "json"],
                                     ["agree", "--unit", "turn", "--include-unfinished"]])
def test_one_process_and_two_give_the_same_bytes(study_builder, command):
    root = _study(study_builder)
    one = _run(1, command[0], str(root), *command[1:])
    two = _run(2, command[0], str(root), *command[1:])
    assert "Traceback" not in one.stderr + two.stderr
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)
    said = one.stdout + one.stderr
    if command[0] == "check":
        assert "overlapping text" in said and "no-such-code" in said
        assert "T03" in said and "T05.carol.json" in said and "T06.txt" in said


def test_check_keeps_no_transcript_and_no_annotations(study_builder, monkeypatch):
    from tcoder.check import check_study
    from tcoder.study import open_study

    monkeypatch.setenv(parallel.JOBS_VARIABLE, "1")  # in this process, so its memory can be looked at
    study = open_study(_study(study_builder))
    report = check_study(study)
    assert not study._texts  # each transcript was let go once checked
    assert report.transcripts == TRANSCRIPTS - 1
    assert len(report.overlapping) == TRANSCRIPTS - 1  # alice's file of every readable transcript
    assert all(not hasattr(f, "file") for f in report.overlapping)  # what --fix needs, not the annotations
    assert report.reanchored and report.moved == sum(f.moved for f in report.reanchored) > 0


def test_a_transcript_read_before_the_check_stays_read(study_builder, monkeypatch):
    from tcoder.check import check_study
    from tcoder.study import open_study

    monkeypatch.setenv(parallel.JOBS_VARIABLE, "1")
    study = open_study(_study(study_builder))
    first = study.transcript("interviews/T01.txt")
    check_study(study)
    assert study.transcript("interviews/T01.txt") is first
    assert list(study._texts) == ["interviews/T01.txt"]


def test_check_fix_merges_and_saves_after_a_check_in_two_processes(study_builder, monkeypatch):
    root = _study(study_builder)
    fixed = _run(2, "check", str(root), "--fix")
    assert "Traceback" not in fixed.stderr
    assert "Merged" in fixed.stdout and "Re-anchored" in fixed.stdout
    again = _run(2, "check", str(root))
    assert "overlapping text" not in again.stderr and "the transcript changed" not in again.stderr


@pytest.mark.parametrize("unit", ["char", "word", "line", "sentence", "turn", "span"])
@pytest.mark.parametrize("options", [{}, {"rollup": True, "by_transcript": True, "pairs": True},
                                     {"bootstrap": 50, "resample": "turn"}, {"bootstrap": 50, "resample": "kalpha"}])
def test_outlines_give_the_agreement_of_the_transcripts_themselves(study_builder, monkeypatch, unit, options):
    """gather(unit=...) keeps outlines (units found, spans placed, no text) in each transcript's
    place; every figure computed from them is the one computed from the texts."""
    from tcoder.agreement import agreement, gather, result_dict
    from tcoder.agreement.data import SpanList, TranscriptOutline
    from tcoder.study import open_study

    if unit == "span" and options.get("resample") in ("turn", "kalpha"):
        return  # not a combination agree accepts
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "2")
    root = _study(study_builder)
    (root / "focus-groups" / "T06.txt").unlink()  # readable transcripts only: gather raises on others
    (root / "interviews" / "T05.carol.json").unlink()

    def computed(outlined: bool) -> dict:
        study = open_study(root)
        data = gather(study, ["alice", "bob"], None, study.turn_rule("agreement"), "any",
                      unit=unit if outlined else None)
        if outlined:
            assert all(isinstance(tc.transcript, TranscriptOutline) for tc in data.transcripts)
            assert all(isinstance(s, SpanList) for tc in data.transcripts for s in tc.spans.values())
            assert not study._texts
        return result_dict(agreement(data, unit, **options))

    texts = computed(False)
    assert texts["left_out"]["turns"] > 0 and texts["left_out"]["units"] > 0  # interviewer turns cut out
    assert computed(True) == texts


def test_a_file_that_cannot_be_read_stops_agreement_with_its_own_message(study_builder):
    root = _study(study_builder)
    (root / "focus-groups" / "T06.txt").unlink()
    one = _run(1, "agree", str(root), "--unit", "sentence", "--include-unfinished", "--coders", "alice,carol")
    two = _run(2, "agree", str(root), "--unit", "sentence", "--include-unfinished", "--coders", "alice,carol")
    assert one.returncode == two.returncode == 1
    assert "T05.carol.json" in one.stderr and "Traceback" not in one.stderr
    assert two.stderr == one.stderr


def test_ci_reads_each_annotation_file_once(study_builder, monkeypatch):
    from tcoder import annotations
    from tcoder.ci import run_ci
    from tcoder.study import open_study

    monkeypatch.setenv(parallel.JOBS_VARIABLE, "1")  # in this process, where the reads can be counted
    root = _study(study_builder)
    reads: list[str] = []
    real = annotations.read_annotations_and_bytes

    def counted(path):
        reads.append(str(path))
        return real(path)

    monkeypatch.setattr("tcoder.study.read_annotations_and_bytes", counted)
    report = run_ci(open_study(root))
    assert report.problems["unknown codes"] and report.problems["re-anchoring"]
    assert len(reads) == len(set(reads)) == report.counted["annotation files"] + 1  # + the unreadable one


@pytest.mark.parametrize("pattern", [None, r"^(?P<speaker>[A-Z]{2,4})>", r"^\s*-\s*(\w+)\s*:"])
def test_speakers_found_without_the_turns_are_those_of_the_turns(pattern):
    from tcoder.transcript import Transcript, compile_speaker_pattern

    texts = [MINI_TRANSCRIPT, "preamble\n\nAmara: hi\n  Bob : yes\n**Amara**: again\n[00:01] Chen: later\n",
             "IV> one\nRESP> two\nIV> three\n - Ann: x\n- Bo: y\n", "", "no labels at all\n", "   :\n: x\n"]
    for text in texts:
        compiled = compile_speaker_pattern(pattern)
        light = Transcript(text, speaker_pattern=compiled)
        full = Transcript(text, speaker_pattern=compiled)
        full.turns  # noqa: B018
        assert light.speakers == full.speakers
        assert "turns" not in light.__dict__  # found without building the turns


def test_pending_migrations_come_back_from_the_workers(study_builder):
    """Annotations still carrying a renamed code's old id (a file from before the rename) are
    listed by check from two processes as from one."""
    from tcoder.codebook_ops import rename_code
    from tcoder.study import open_study

    root = _study(study_builder)
    kept = {name: (root / name).read_bytes() for name in ("interviews/T01.alice.json", "focus-groups/T10.bob.json")}
    rename_code(open_study(root), "personal", "lived", who="t")
    for name, data in kept.items():
        (root / name).write_bytes(data)  # as a merge of an older branch would bring them back
    for args in (["check"], ["check", "--format", "json"]):
        one = _run(1, args[0], str(root), *args[1:])
        two = _run(2, args[0], str(root), *args[1:])
        assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)
        assert "personal" in one.stdout and "lived" in one.stdout
    assert "Pending migration" in one.stdout or "pending_migration" in one.stdout
    text = _run(2, "check", str(root)).stdout
    assert "Pending migration 3 annotations in 2 files" in text, text

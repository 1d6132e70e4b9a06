"""tcoder deidentify: pseudonyms everywhere, annotations and memo links on the same words,
the originals back byte for byte from the key, and a kill leaves all or nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codebookkit import snapshot
from studykit import SAMPLE_STUDY
from tcoder.annotations import read_annotations
from tcoder.changeset import pending
from tcoder.memos import read_memo
from tcoder.study import open_study

PSEUDONYMS = {"Amara": "Participant 1", "Tomás": "Participant 2", "Tomas": "Participant 2",
              "Jules": "Participant 3", "Keisha": "Participant 5", "Omar": "Participant 6",
              "Houston": "a large city", "Nigeria": "a West African country", "Ben": "Participant 4",
              "tomas": "p02"}  # a participant id: participants.csv, speakers.csv and memo links change together
KEY = "pseudonyms:\n" + "".join(f"  {name}: {pseudonym}\n" for name, pseudonym in PSEUDONYMS.items())


def replace(text: str) -> str:
    """The expected de-identified text, computed here independently: each name as a whole word."""
    for name in sorted(PSEUDONYMS, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", PSEUDONYMS[name], text)
    return text


def named(text: str) -> list[str]:
    return [n for n in PSEUDONYMS if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text)]


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    shutil.copytree(SAMPLE_STUDY, root)
    return root


@pytest.fixture
def key(tmp_path: Path) -> Path:
    folder = tmp_path / "secure"
    folder.mkdir()
    path = folder / "key.yaml"
    path.write_text(KEY, encoding="utf-8")
    return path


def passages(root: Path) -> dict[tuple[str, str], str]:
    """(file, annotation id or link number) -> the text it covers now."""
    study = open_study(root)
    out = {}
    for ref in study.transcripts:
        text = study.transcript(ref).text
        for path in study.annotation_files(ref).values():
            for a in read_annotations(path).annotations:
                assert not a.orphaned
                out[(path.name, a.id)] = text[a.start:a.end]
                assert a.quote == text[a.start:a.end]
    for path in study.memo_paths:
        for n, link in enumerate(read_memo(path).links):
            if link.kind == "passage":
                out[(path.name, str(n))] = study.transcript(link.target).text[link.start:link.end]
                assert link.quote == out[(path.name, str(n))]
    return out


def test_round_trip_keeps_every_annotation_on_its_words_and_restores_every_byte(run_cli, study: Path, key: Path):
    before = snapshot(study)
    words = passages(study)
    assert any(named(w) for w in words.values())  # some coded passages hold names

    code, out, err = run_cli("deidentify", study, "--key", key)
    assert code == 0, err
    assert "Replaced" in out and "keep it with the key" in out

    after = snapshot(study)
    for rel, data in after.items():  # no identifier is left in any file of the study
        assert not named(data.decode("utf-8", "replace")), rel
    in_file_names = set(named(" ".join(after)))  # file names are not changed (and are reported)
    assert in_file_names == {"tomas"} and "memos/participant-tomas.md" in after
    assert "file name holds an identifier" in err
    for folder, _, files in os.walk(study / ".tcoder"):  # nor in tcoder's journal, but for the paths it lists
        for name in files:
            assert set(named(Path(folder, name).read_bytes().decode("utf-8", "replace"))) <= in_file_names, name
    for rel in before:
        if rel.endswith(".txt"):
            assert after[rel].decode("utf-8") == replace(before[rel].decode("utf-8")), rel
    moved = passages(study)
    assert moved.keys() == words.keys()
    for place, text in words.items():
        assert moved[place] == replace(text), place
    code, out, err = run_cli("check", study)
    assert code == 0 and "Re-anchored" not in out, out + err  # every file matches its transcript

    code, out, err = run_cli("deidentify", study, "--key", key, "--restore")
    assert code == 0, err
    assert snapshot(study) == before
    assert (key.parent / "key.restore.json").stat().st_mode & 0o077 == 0


def test_what_check_kept_is_deleted_with_the_names_it_may_quote(run_cli, study: Path, key: Path, monkeypatch):
    from tcoder import check_cache

    monkeypatch.setattr(check_cache, "KEEP_FROM_BYTES", 0)
    interview = study / "interviews" / "P01.txt"
    text = interview.read_text(encoding="utf-8")
    assert "Amara" in text
    interview.write_text(text.replace("Amara", "Amara Amara", 1), encoding="utf-8")  # some passages move
    code, out, err = run_cli("check", study)
    kept = study / check_cache.FILE
    assert "Amara" in kept.read_text(encoding="ascii")  # a moved passage, quoted in a warning
    interview.write_text(text, encoding="utf-8")
    code, out, err = run_cli("deidentify", study, "--key", key)
    assert code == 0, err
    assert not kept.exists()


def test_a_dry_run_changes_nothing_and_counts(run_cli, study: Path, key: Path):
    before = snapshot(study)
    code, out, err = run_cli("deidentify", study, "--key", key, "--dry-run")
    assert code == 0 and "Nothing was changed (--dry-run)." in out
    assert snapshot(study) == before and not (key.parent / "key.restore.json").exists()
    text = "".join(data.decode("utf-8") for rel, data in before.items() if rel.endswith(".txt"))
    amara = len(re.findall(r"(?<!\w)Amara(?!\w)", text))
    # speakers the key leaves as they are, which may be names, are listed; roles and listed names are not
    listed = re.search(r"speaker labels the key does not list.*?: (.*)", err).group(1).split(", ")
    assert "Dev" in listed and "Hannah" in listed
    assert not {"Amara", "Keisha", "Interviewer", "Moderator"} & set(listed)
    counted = int(re.search(r"Amara\s+(\d+)\s+-> Participant 1", out).group(1))
    assert counted >= amara > 0  # the transcripts', and the quotes and memos that repeat them


def test_the_key_stays_outside_the_study_and_git(run_cli, study: Path, tmp_path: Path):
    inside = study / "key.yaml"
    inside.write_text(KEY)
    code, out, err = run_cli("deidentify", study, "--key", inside)
    assert code == 1 and "the key is inside the study" in err
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "key.yaml").write_text(KEY)
    code, out, err = run_cli("deidentify", study, "--key", repo / "key.yaml")
    assert code == 1 and "the key is in a git work tree" in err


def test_bad_keys_are_refused_with_their_line(run_cli, study: Path, key: Path):
    key.write_text("pseudonyms:\n  Amara: Jules\n  Jules: Participant 3\n")
    code, out, err = run_cli("deidentify", study, "--key", key)
    assert code == 1 and "key.yaml, line 2, column 3: the pseudonym of 'Amara', 'Jules', is itself an identifier" in err
    key.write_text("pseudonyms:\n  Amara: 'Okafor, A.'\n")  # a comma would split speakers.csv's cell
    before = snapshot(study)
    code, out, err = run_cli("deidentify", study, "--key", key)
    assert code == 1 and "speakers.csv: a pseudonym would change this file's structure" in err
    assert snapshot(study) == before


def test_restore_refuses_when_a_file_changed_since(run_cli, study: Path, key: Path):
    assert run_cli("deidentify", study, "--key", key)[0] == 0
    p01 = study / "interviews" / "P01.txt"
    p01.write_bytes(p01.read_bytes() + b"\nInterviewer: One more thing.\n")
    code, out, err = run_cli("deidentify", study, "--key", key, "--restore")
    assert code == 1 and "1 file changed since they were de-identified" in err and "interviews/P01.txt" in err


def test_undo_points_to_the_key(run_cli, study: Path, key: Path):
    assert run_cli("deidentify", study, "--key", key)[0] == 0
    code, out, err = run_cli("undo", study)
    assert code == 1 and "--restore" in err


CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tcoder import changeset
    from tcoder.deidentify import deidentify, read_key
    from tcoder.study import open_study
    deidentify(open_study(sys.argv[1]), read_key(Path(sys.argv[2])), who="crash-test")
    print(changeset.checkpoints_passed(), flush=True)
    """)


def _child(root: Path, key: Path, kill_at: int | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("TCODER_FAULT_KILL_AT", None)
    if kill_at is not None:
        env["TCODER_FAULT_KILL_AT"] = str(kill_at)
    return subprocess.run([sys.executable, "-c", CHILD, str(root), str(key)], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow
def test_a_kill_at_any_crash_point_leaves_all_or_nothing_and_restorable(study: Path, key: Path, tmp_path: Path):
    before = snapshot(study)
    reference = tmp_path / "reference"
    shutil.copytree(study, reference)
    ref_key = tmp_path / "secure" / "reference-key.yaml"
    ref_key.write_text(KEY)
    done = _child(reference, ref_key)
    assert done.returncode == 0, done.stderr
    points = int(done.stdout.split()[-1])
    after = snapshot(reference)
    outcomes = {}
    for point in sorted({1, 2, 3, 4, points // 3, points // 2, points - 2, points - 1}):
        root = tmp_path / f"at-{point}"
        shutil.copytree(study, root)
        run_key = tmp_path / "secure" / f"key-{point}.yaml"
        run_key.write_text(KEY)
        killed = _child(root, run_key, point)
        assert killed.returncode == -9, f"point {point} of {points}: not killed"
        open_study(root)  # completes or discards the interrupted step
        assert not pending(root)
        state = snapshot(root)
        assert state in (before, after), f"point {point}: a mixture of before and after"
        outcomes[point] = "before" if state == before else "after"
        from tcoder.deidentify import read_key, restore

        restore(open_study(root), read_key(run_key))
        assert snapshot(root) == before, f"point {point}: not restored"
    assert outcomes[1] == "before" and outcomes[points - 1] == "after"


def test_the_summary_counts_each_kind_of_file_in_words(run_cli, study: Path, tmp_path: Path):
    """One transcript is '1 transcript', never '1 transcripts'."""
    one = tmp_path / "outside" / "one.yaml"
    one.parent.mkdir(exist_ok=True)
    one.write_text("pseudonyms:\n  Omar: Participant 9\n", encoding="utf-8")
    code, out, err = run_cli("deidentify", study, "--key", one, "--dry-run")
    assert code == 0, err
    assert "(1 transcript, 3 annotation files, 1 table or settings file)" in out


def test_kept_check_results_that_cannot_be_deleted_are_named(run_cli, study: Path, key: Path):
    from tcoder import check_cache

    kept = study / check_cache.FILE
    kept.mkdir(parents=True)  # something that cannot be unlinked as a file
    (kept / "inside").write_text("x", encoding="utf-8")
    code, out, err = run_cli("deidentify", study, "--key", key)
    assert code == 0, err  # the de-identification itself is done
    assert f"warning: {kept} could not be deleted" in err and "delete it by hand before sharing" in err

"""The merge driver under real `git merge`: annotation files merge by annotation id."""

from __future__ import annotations

import json
import os
import shutil

from gitkit import GitStudy
from tcoder.annotations import dumps_annotations, read_annotations
from tcoder.merge import read_conflict, unresolved
from tcoder.transcript import text_sha256


def branch_off(repo: GitStudy) -> None:
    repo.checkout("feature", new=True)


def assert_canonical(path) -> None:
    raw = path.read_text(encoding="utf-8")
    assert raw == dumps_annotations(read_annotations(path))


def test_both_branches_add_far_apart(repo: GitStudy):
    base = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    theirs = repo.code("alice", "outreach", "a free clinic day")
    repo.commit("feature: outreach")
    repo.checkout("main")
    ours = repo.code("alice", "duty", "Thanks for joining")
    repo.commit("main: duty")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    assert set(repo.quotes("alice")) == {base.id, theirs.id, ours.id}
    assert_canonical(repo.path_of("alice"))
    assert repo.git("status", "--porcelain").stdout == ""


def test_both_branches_add_in_the_same_gap(repo: GitStudy):
    """Two new lines in the same place of the file: git's line merge would conflict."""
    first = repo.code("alice", "personal", "it was my grandmother")
    last = repo.code("alice", "outreach", "a free clinic day")
    repo.commit("alice codes")
    branch_off(repo)
    theirs = repo.code("alice", "curriculum", "change the renal block")
    repo.commit("feature")
    repo.checkout("main")
    ours = repo.code("alice", "duty", "what did you do about it")
    repo.commit("main")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    merged = repo.read("alice")
    assert [a.id for a in merged.annotations] == [first.id, ours.id, theirs.id, last.id]
    assert_canonical(repo.path_of("alice"))


def test_git_alone_would_conflict_in_the_same_gap(repo: GitStudy):
    """The control: without the driver, the same history conflicts line by line."""
    repo.code("alice", "personal", "it was my grandmother")
    repo.code("alice", "outreach", "a free clinic day")
    repo.commit("alice codes")
    repo.git("config", "--remove-section", "merge.tcoder")  # a clone where setup was not run
    branch_off(repo)
    repo.code("alice", "curriculum", "change the renal block")
    repo.commit("feature")
    repo.checkout("main")
    repo.code("alice", "duty", "what did you do about it")
    repo.commit("main")

    done = repo.merge("feature")

    assert done.returncode != 0, done.stdout + done.stderr
    assert "<<<<<<<" in repo.path_of("alice").read_text(), done.stdout + done.stderr


def test_one_deletes_while_the_other_adds_next_to_it(repo: GitStudy):
    doomed = repo.code("alice", "personal", "it was my grandmother")
    kept = repo.code("alice", "outreach", "a free clinic day")
    repo.commit("alice codes")
    branch_off(repo)
    repo.delete("alice", doomed.id)
    repo.commit("feature: delete")
    repo.checkout("main")
    added = repo.code("alice", "duty", "I saw how she was treated")  # right after the deleted one
    repo.commit("main: add next to it")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    assert set(repo.quotes("alice")) == {kept.id, added.id}


def test_a_change_on_one_side_is_taken(repo: GitStudy):
    a = repo.code("alice", "personal", "it was my grandmother")
    b = repo.code("alice", "outreach", "a free clinic day")
    repo.commit("alice codes")
    branch_off(repo)
    repo.edit("alice", a.id, code="duty", memo="recoded")
    repo.commit("feature: recode")
    repo.checkout("main")
    repo.edit("alice", b.id, memo="a memo on main")
    repo.commit("main: memo")

    assert repo.merge("feature").returncode == 0
    merged = {x.id: x for x in repo.read("alice").annotations}
    assert (merged[a.id].code, merged[a.id].memo) == ("duty", "recoded")
    assert merged[b.id].memo == "a memo on main"


def test_the_same_edit_on_both_sides_is_not_a_conflict(repo: GitStudy):
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    repo.edit("alice", a.id, code="duty", updated="2030-01-02T00:00:00Z")
    repo.commit("feature")
    repo.checkout("main")
    repo.edit("alice", a.id, code="duty", updated="2030-01-01T00:00:00Z")
    repo.code("alice", "outreach", "a free clinic day")
    repo.commit("main")

    assert repo.merge("feature").returncode == 0
    merged = {x.id: x for x in repo.read("alice").annotations}
    assert merged[a.id].code == "duty"
    assert merged[a.id].updated == "2030-01-02T00:00:00Z"  # the later stamp


def make_conflict(repo: GitStudy):
    a = repo.code("alice", "personal", "it was my grandmother")
    other = repo.code("alice", "outreach", "a free clinic day")
    repo.commit("alice codes")
    branch_off(repo)
    repo.edit("alice", a.id, code="duty", memo="theirs")
    repo.code("alice", "curriculum", "change the renal block")
    repo.commit("feature: recode to duty")
    repo.checkout("main")
    repo.edit("alice", a.id, code="curriculum", memo="ours")
    repo.commit("main: recode to curriculum")
    return a, other, repo.merge("feature")


def test_the_same_annotation_edited_two_ways_conflicts(repo: GitStudy, run_cli):
    a, other, done = make_conflict(repo)

    assert done.returncode != 0
    assert "CONFLICT" in done.stdout
    assert "changed differently on both branches" in done.stderr
    assert "U" in repo.git("status", "--porcelain").stdout.split()[0]
    # Still a valid annotation file, canonical, with ours in place and theirs recorded.
    path = repo.path_of("alice")
    assert_canonical(path)
    af = read_annotations(path)
    assert len(af.annotations) == 3  # the clean addition from theirs is in too
    [record_annotation] = unresolved(af)
    record = read_conflict(record_annotation)
    assert record.kept == "ours"
    assert (record.ours.code, record.ours.memo) == ("curriculum", "ours")
    assert (record.theirs.code, record.theirs.memo) == ("duty", "theirs")
    assert record.base.code == "personal"
    assert "<<<<<<<" not in path.read_text()

    # tcoder check explains it, with the file and line, and says how to settle it.
    code, out, err = run_cli("check", repo.study)
    assert code == 1
    assert f"unresolved merge conflict on annotation {a.id}" in err
    assert "code: ours curriculum, theirs duty" in err and "memo: ours 'ours', theirs 'theirs'" in err
    assert "P01.alice.json, line " in err
    assert "tcoder git resolve" in err

    # Settled from the command line: theirs wins, the file is clean, git add ends the merge.
    code, out, err = run_cli("git", "resolve", path, "--keep", "theirs")
    assert code == 0, err
    settled = {x.id: x for x in read_annotations(path).annotations}
    assert settled[a.id].code == "duty" and "conflict" not in settled[a.id].extra
    code, out, err = run_cli("check", repo.study)
    assert code == 0, err
    repo.git("add", str(path))
    repo.git("commit", "-q", "--no-edit")


def test_resolve_lists_and_keeps_ours(repo: GitStudy, run_cli):
    a, other, done = make_conflict(repo)
    path = repo.path_of("alice")

    code, out, err = run_cli("git", "resolve", path)
    assert code == 1 and a.id in out

    code, out, err = run_cli("git", "resolve", path, "--keep", "ours", "--id", a.id)
    assert code == 0, err
    assert "git add" in out
    assert {x.id: x for x in read_annotations(path).annotations}[a.id].code == "curriculum"
    code, out, err = run_cli("git", "resolve", path)
    assert code == 0 and "no unresolved conflicts" in out


def test_deleted_on_one_side_and_changed_on_the_other_conflicts(repo: GitStudy, run_cli):
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    repo.edit("alice", a.id, memo="still relevant")
    repo.commit("feature: memo")
    repo.checkout("main")
    repo.delete("alice", a.id)
    repo.code("alice", "outreach", "a free clinic day")
    repo.commit("main: delete")

    done = repo.merge("feature")

    assert done.returncode != 0
    af = repo.read("alice")
    record = read_conflict(unresolved(af)[0])
    assert record.kept == "theirs" and record.ours is None and record.theirs.memo == "still relevant"
    code, out, err = run_cli("check", repo.study)
    assert code == 1 and "ours deleted it, theirs changed it to personal" in err
    # Keeping ours honours the deletion.
    assert run_cli("git", "resolve", repo.path_of("alice"), "--keep", "ours")[0] == 0
    assert a.id not in {x.id for x in repo.read("alice").annotations}


def test_other_json_files_get_gits_own_merge(repo: GitStudy):
    data = repo.study / "settings.export.json"  # matches *.*.json but is not an annotation file
    lines = [f'  "key{i}": {i},' for i in range(10)]
    data.write_text("{\n" + "\n".join(lines) + '\n  "end": true\n}\n')
    repo.commit("a json file")
    branch_off(repo)
    changed = list(lines)
    changed[1] = '  "key1": "theirs",'
    data.write_text("{\n" + "\n".join(changed) + '\n  "end": true\n}\n')
    repo.commit("feature")
    repo.checkout("main")
    changed = list(lines)
    changed[8] = '  "key8": "ours",'
    data.write_text("{\n" + "\n".join(changed) + '\n  "end": true\n}\n')
    repo.commit("main")

    assert repo.merge("feature").returncode == 0
    merged = data.read_text()
    assert '"key1": "theirs"' in merged and '"key8": "ours"' in merged
    json.loads(merged)


def test_other_json_conflicts_like_git(repo: GitStudy):
    data = repo.study / "notes.v1.json"
    data.write_text('{"x": 1}\n')
    repo.commit("json")
    branch_off(repo)
    data.write_text('{"x": 2}\n')
    repo.commit("feature")
    repo.checkout("main")
    data.write_text('{"x": 3}\n')
    repo.commit("main")

    assert repo.merge("feature").returncode != 0
    text = data.read_text()
    assert '<<<<<<< ours\n{"x": 3}\n=======\n{"x": 2}\n>>>>>>> theirs\n' in text


def test_the_driver_runs_without_tcoder_on_path_and_from_a_subfolder(repo: GitStudy):
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    repo.code("alice", "curriculum", "change the renal block")
    repo.commit("feature")
    repo.checkout("main")
    repo.code("alice", "duty", "what did you do about it")
    repo.commit("main")
    git_dir = os.path.dirname(shutil.which("git"))
    env = dict(os.environ, PATH=git_dir)  # no virtual environment, no tcoder script
    assert shutil.which("tcoder", path=git_dir) is None

    done = repo.merge("feature", cwd=repo.study / "interviews", env=env)

    assert done.returncode == 0, done.stderr
    assert len(repo.read("alice").annotations) == 3


def test_a_damaged_side_falls_back_to_a_line_merge(repo: GitStudy, run_cli):
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    path = repo.path_of("alice")
    path.write_text(path.read_text()[:-20])  # truncated
    repo.commit("feature: broken file")
    repo.checkout("main")
    repo.code("alice", "duty", "what did you do about it")
    repo.commit("main")

    done = repo.merge("feature")

    assert done.returncode != 0
    assert "not a valid annotation file on one side" in done.stderr
    assert "Traceback" not in done.stderr
    code, out, err = run_cli("check", repo.study)
    assert code == 1 and "P01.alice.json" in err


# ---------------------------------------------------------------- the transcript changed on one branch

INSERTED = "Interviewer: (Recording starts. Consent confirmed on tape.)\n\n"


def test_transcript_edited_on_theirs_while_ours_adds(repo: GitStudy, run_cli):
    """Their branch fixes the transcript (everything after the edit moves) and
    re-anchors; ours codes on the old text. The merge re-anchors ours."""
    old = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    repo.edit_transcript("Interviewer: Thanks", INSERTED + "Interviewer: Thanks")
    repo.edit_transcript("renal block", "renal-medicine block")
    assert run_cli("check", repo.study, "--fix")[0] == 0  # saves the re-anchored offsets
    theirs = repo.code("alice", "outreach", "a free clinic day")
    repo.commit("feature: transcript fixed")
    repo.checkout("main")
    ours = repo.code("alice", "duty", "I saw how she was treated")
    ours_late = repo.code("alice", "curriculum", "We pushed to change the renal block", memo="moves")
    repo.commit("main: more coding on the old text")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    assert INSERTED in repo.text()  # git merged the transcript too
    af = repo.read("alice")
    assert af.text_sha256 == text_sha256(repo.text())
    quotes = repo.quotes("alice")
    assert quotes[old.id] == "it was my grandmother"
    assert quotes[ours.id] == "I saw how she was treated"
    assert quotes[theirs.id] == "a free clinic day"
    # The passage was edited on their branch: placed by fuzzy match on the new words.
    assert quotes[ours_late.id] == "We pushed to change the renal-medicine block"
    assert "re-anchored our 3 annotations" in done.stderr
    code, out, err = run_cli("check", repo.study)
    assert code == 0, err
    assert "Re-anchored" not in out


def test_transcript_edited_on_ours_while_theirs_adds(repo: GitStudy, run_cli):
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    theirs = repo.code("alice", "outreach", "a free clinic day", memo="added on the old text")
    repo.commit("feature: more coding")
    repo.checkout("main")
    repo.edit_transcript("Interviewer: Thanks", INSERTED + "Interviewer: Thanks")
    assert run_cli("check", repo.study, "--fix")[0] == 0
    repo.commit("main: transcript fixed")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    assert repo.read("alice").text_sha256 == text_sha256(repo.text())
    assert repo.quotes("alice")[theirs.id] == "a free clinic day"
    assert run_cli("check", repo.study)[0] == 0


def test_transcript_edited_on_both_branches(repo: GitStudy, run_cli):
    """Both branches edit the transcript and code on it: the merged file is
    anchored to the line merge of the two texts, which is what git writes."""
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    repo.edit_transcript("renal block", "renal-medicine block")
    assert run_cli("check", repo.study, "--fix")[0] == 0
    theirs = repo.code("alice", "curriculum", "renal-medicine block")
    repo.commit("feature")
    repo.checkout("main")
    repo.edit_transcript("Interviewer: Thanks", INSERTED + "Interviewer: Thanks")
    assert run_cli("check", repo.study, "--fix")[0] == 0
    ours = repo.code("alice", "outreach", "a free clinic day")
    repo.commit("main")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    assert INSERTED in repo.text() and "renal-medicine" in repo.text()
    assert repo.read("alice").text_sha256 == text_sha256(repo.text())
    quotes = repo.quotes("alice")
    assert quotes[theirs.id] == "renal-medicine block" and quotes[ours.id] == "a free clinic day"
    assert run_cli("check", repo.study)[0] == 0


def test_transcript_edited_on_one_branch_during_a_rebase(repo: GitStudy, run_cli):
    """A rebase has no GITHEAD_ variables and the work tree holds the other
    text: the edited transcript is found in the history."""
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    repo.edit_transcript("Interviewer: Thanks", INSERTED + "Interviewer: Thanks")
    assert run_cli("check", repo.study, "--fix")[0] == 0
    repo.commit("feature: transcript fixed")
    repo.checkout("main")
    ours = repo.code("alice", "outreach", "a free clinic day")
    repo.commit("main: more coding")
    repo.checkout("feature")

    done = repo.git("rebase", "main", check=False)

    assert done.returncode == 0, done.stderr
    assert INSERTED in repo.text()
    assert repo.read("alice").text_sha256 == text_sha256(repo.text())
    assert repo.quotes("alice")[ours.id] == "a free clinic day"
    assert run_cli("check", repo.study)[0] == 0


def test_a_file_added_on_both_branches_merges_by_id(repo: GitStudy):
    """git gives the driver an empty ancestor when both branches create the file."""
    branch_off(repo)
    theirs = repo.code("bob", "outreach", "a free clinic day")
    repo.commit("feature: bob starts")
    repo.checkout("main")
    ours = repo.code("bob", "personal", "it was my grandmother")
    repo.commit("main: bob starts too")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    assert set(repo.quotes("bob")) == {ours.id, theirs.id}
    assert_canonical(repo.path_of("bob"))


def test_a_passage_cut_on_one_branch_orphans_the_other_branchs_annotation(repo: GitStudy, run_cli):
    """Nothing is dropped: the annotation is kept, flagged, and `tcoder check` names it."""
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    repo.edit_transcript(" That stayed with me.", "")
    assert run_cli("check", repo.study, "--fix")[0] == 0
    repo.commit("feature: a sentence cut from the transcript")
    repo.checkout("main")
    cut = repo.code("alice", "duty", "That stayed with me")
    repo.commit("main: codes the sentence")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    assert "1 orphaned" in done.stderr
    merged = {a.id: a for a in repo.read("alice").annotations}
    assert merged[cut.id].orphaned and merged[cut.id].quote == "That stayed with me"
    code, out, err = run_cli("check", repo.study)
    assert code == 1 and f"annotation {cut.id} (duty) is orphaned" in err


def test_a_clone_without_setup_gets_markers_that_check_explains_and_checkout_m_redoes(repo: GitStudy, run_cli):
    repo.code("alice", "personal", "it was my grandmother")
    repo.code("alice", "outreach", "a free clinic day")
    repo.commit("alice codes")
    repo.git("config", "--remove-section", "merge.tcoder")  # as in a fresh clone
    branch_off(repo)
    theirs = repo.code("alice", "curriculum", "change the renal block")
    repo.commit("feature")
    repo.checkout("main")
    ours = repo.code("alice", "duty", "what did you do about it")
    repo.commit("main")
    assert repo.merge("feature").returncode != 0

    code, out, err = run_cli("check", repo.study)
    assert code == 1 and "git conflict markers" in err and "git checkout -m FILE" in err

    repo.setup_drivers()
    repo.git("checkout", "-m", "--", "study/interviews/P01.alice.json")

    assert "<<<<<<<" not in repo.path_of("alice").read_text()
    assert {ours.id, theirs.id} <= set(repo.quotes("alice"))
    assert run_cli("check", repo.study)[0] == 0


def test_transcript_renamed_and_edited_on_one_branch(repo: GitStudy, run_cli):
    """Their branch renames P01 to P07 (transcript and annotation file, `git mv`), adds a
    closing line to the transcript and saves; ours codes on the old text. The edited text lives only under
    the new name: it is found by the annotation file's name and by hash in the history."""
    old = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    folder = "study/interviews/"
    repo.git("mv", folder + "P01.txt", folder + "P07.txt")
    repo.git("mv", folder + "P01.alice.json", folder + "P07.alice.json")
    moved = repo.study / "interviews" / "P07.txt"
    moved.write_text(moved.read_text() + "\nInterviewer: Thank you. (Recording ends.)\n")
    assert run_cli("check", repo.study, "--fix")[0] == 0
    repo.commit("feature: P01 is P07, with the consent line")
    repo.checkout("main")
    ours = repo.code("alice", "duty", "I saw how she was treated")
    repo.commit("main: more coding on the old text")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "neither version could be found" not in done.stderr
    assert not repo.path_of("alice").exists()
    merged = read_annotations(repo.study / "interviews" / "P07.alice.json")
    text = moved.read_text()
    assert merged.text_sha256 == text_sha256(text)
    quotes = {a.id: text[a.start:a.end] for a in merged.annotations}
    assert quotes == {old.id: "it was my grandmother", ours.id: "I saw how she was treated"}
    code, out, err = run_cli("check", repo.study)
    assert code == 0, err


def test_decisions_of_none_recorded_on_both_branches_are_both_kept(repo: GitStudy):
    """Two adjudication sessions each leave a disagreement out of the consensus: the
    header lists that remember those decisions merge like sets, without a conflict."""
    repo.code("consensus", "personal", "it was my grandmother")
    repo.commit("consensus")

    def decide_none(code: str, start: int, end: int) -> dict:
        af = repo.read("consensus")
        record = {"code": code, "start": start, "end": end, "sources": [f"{code}-{start}"]}
        af.extra["adjudicated_none"] = [*af.extra.get("adjudicated_none", []), record]
        repo.save(af, "consensus")
        return record

    branch_off(repo)
    theirs = decide_none("outreach", 200, 230)
    repo.commit("feature: none for outreach")
    repo.checkout("main")
    ours = decide_none("duty", 10, 30)
    repo.commit("main: none for duty")

    done = repo.merge("feature")

    assert done.returncode == 0, done.stderr
    merged = repo.read("consensus")
    assert merged.extra["adjudicated_none"] == [ours, theirs]
    assert "conflict" not in merged.extra

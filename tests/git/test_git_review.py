"""tcoder review STUDY REV1..REV2: exactly the coding changes, per coder and code."""

from __future__ import annotations

import json

import pytest

from gitkit import GitStudy


@pytest.fixture
def coded(repo: GitStudy):
    """main: alice and bob have coded; feature: a known set of changes."""
    ids = {}
    ids["keep"] = repo.code("alice", "personal", "it was my grandmother").id
    ids["remove"] = repo.code("alice", "duty", "Thanks for joining").id
    ids["recode"] = repo.code("alice", "outreach", "change the renal block").id
    ids["memo"] = repo.code("alice", "curriculum", "We pushed").id
    ids["span"] = repo.code("alice", "outreach", "a free clinic day").id
    ids["bob"] = repo.code("bob", "personal", "I saw how she was treated").id
    repo.commit("first coding")
    repo.checkout("feature", new=True)
    ids["added"] = repo.code("alice", "duty", "That stayed with me", memo="a turning point").id
    repo.delete("alice", ids["remove"])
    repo.edit("alice", ids["recode"], code="curriculum")
    repo.edit("alice", ids["memo"], memo="collective action")
    text = repo.text()
    start = text.index("a free clinic day in the neighbourhood")
    repo.edit("alice", ids["span"], start=start, end=start + len("a free clinic day in the neighbourhood"),
              quote="a free clinic day in the neighbourhood")
    ids["bob-added"] = repo.code("bob", "outreach", "free clinic").id
    (repo.study / "notes.extra.json").write_text('{"not": "annotations"}\n')
    repo.commit("feature coding")
    return ids


def test_review_lists_exactly_the_changes(repo: GitStudy, coded, run_cli):
    code, out, err = run_cli("review", repo.study, "main..feature", "--format", "json")

    assert code == 0, err
    data = json.loads(out)
    got = {(c["coder"], c["kind"], c["id"]): c for c in data["changes"]}
    assert set(got) == {
        ("alice", "added", coded["added"]),
        ("alice", "removed", coded["remove"]),
        ("alice", "changed", coded["recode"]),
        ("alice", "changed", coded["memo"]),
        ("alice", "changed", coded["span"]),
        ("bob", "added", coded["bob-added"]),
    }
    assert got[("alice", "changed", coded["recode"])]["fields"] == ["code"]
    assert got[("alice", "changed", coded["recode"])]["code"] == "curriculum"
    assert got[("alice", "changed", coded["recode"])]["old"]["code"] == "outreach"
    assert got[("alice", "changed", coded["memo"])]["fields"] == ["memo"]
    assert got[("alice", "changed", coded["span"])]["fields"] == ["span"]
    added = got[("alice", "added", coded["added"])]
    assert added["old"] is None
    assert added["new"] == {"transcript": "interviews/P01.txt", "transcript_missing": False, "speaker": "Amara",
                            "code": "duty",
                            "start": added["new"]["start"], "end": added["new"]["end"],
                            "quote": "That stayed with me", "memo": "a turning point"}
    assert added["code_name"] == "Professional duty"
    assert got[("alice", "removed", coded["remove"])]["old"]["speaker"] == "Interviewer"
    assert data["summary"] == {"added": 2, "removed": 1, "changed": 3, "moved": 0}
    assert data["from"]["rev"] == "main" and data["to"]["rev"] == "feature"


def test_review_table_groups_by_coder_and_code(repo: GitStudy, coded, run_cli):
    code, out, err = run_cli("review", repo.study, "main..feature")

    assert code == 0, err
    assert out.startswith("Coding changes in study, main (")
    assert "2 added, 1 removed, 3 changed" in out
    alice, bob = out.split("\nalice\n")[1].split("\nbob\n")
    assert '  duty (Professional duty)  +1 -1 ~0' in alice
    assert '    + interviews/P01.txt  Amara  "That stayed with me"  memo: "a turning point"' in alice
    assert '    - interviews/P01.txt  Interviewer  "Thanks for joining"' in alice
    assert '[code outreach -> curriculum]' in alice
    assert '[memo "" -> "collective action"]' in alice
    assert 'was "a free clinic day"' in alice
    assert '  outreach (Community outreach)  +1 -0 ~0' in bob
    assert '"free clinic"' in bob


def test_review_markdown_for_a_pull_request(repo: GitStudy, coded, run_cli):
    code, out, err = run_cli("review", repo.study, "main...feature", "--format", "md")

    assert code == 0, err
    assert out.startswith("### Coding changes in `study`")
    assert "| Coder | Code | Added | Removed | Changed |" in out
    assert "| alice | duty | 1 | 1 | 0 |" in out
    assert "| bob | outreach | 1 | 0 | 0 |" in out
    assert "#### alice" in out and "#### bob" in out
    assert '- **added** `interviews/P01.txt`, Amara: "That stayed with me" (memo: a turning point)' in out
    assert "- **changed** `interviews/P01.txt`, Amara: \"change the renal block\" (code outreach -> curriculum)" in out


def test_three_dots_review_what_the_branch_did(repo: GitStudy, coded, run_cli):
    repo.checkout("main")
    late = repo.code("bob", "duty", "what did you do about it").id  # main moves on after the branch
    repo.commit("main: bob codes more")

    _, two_dots, _ = run_cli("review", repo.study, "main..feature", "--format", "json")
    _, three_dots, _ = run_cli("review", repo.study, "main...feature", "--format", "json")

    assert ("removed", late) in {(c["kind"], c["id"]) for c in json.loads(two_dots)["changes"]}
    assert late not in {c["id"] for c in json.loads(three_dots)["changes"]}
    assert len(json.loads(three_dots)["changes"]) == 6


def test_review_does_not_touch_the_work_tree(repo: GitStudy, coded, run_cli):
    uncommitted = repo.code("alice", "personal", "Honestly").id
    before_status = repo.git("status", "--porcelain").stdout
    before_bytes = repo.path_of("alice").read_bytes()
    index = (repo.root / ".git" / "index").read_bytes()

    code, out, err = run_cli("review", repo.study, "main..HEAD", "--format", "json")

    assert code == 0
    assert uncommitted not in out  # revisions only
    assert repo.git("status", "--porcelain").stdout == before_status
    assert repo.path_of("alice").read_bytes() == before_bytes
    assert (repo.root / ".git" / "index").read_bytes() == index


def test_offsets_moved_by_a_transcript_edit_are_not_coding_changes(repo: GitStudy, run_cli):
    a = repo.code("alice", "personal", "it was my grandmother").id
    repo.commit("coding")
    repo.edit_transcript("Interviewer: Thanks", "Interviewer: (Consent recorded.)\n\nInterviewer: Thanks")
    assert run_cli("check", repo.study, "--fix")[0] == 0
    repo.commit("transcript edited")

    code, out, err = run_cli("review", repo.study, "HEAD~1..HEAD", "--format", "json")

    data = json.loads(out)
    assert data["changes"] == [] and data["summary"]["moved"] == 1
    code, out, err = run_cli("review", repo.study, "HEAD~1..")
    assert "No annotations were added, removed or changed." in out
    assert "1 only moved with an edited transcript" in out
    assert a not in out


def test_review_from_the_top_of_the_repository_and_a_renamed_transcript(repo: GitStudy, run_cli):
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("coding")
    repo.git("mv", "study/interviews", "study/wave1")
    repo.commit("move the transcripts")

    code, out, err = run_cli("review", repo.study, "HEAD~1..HEAD", "--format", "json")

    assert json.loads(out)["changes"] == []


def test_bad_ranges(repo: GitStudy, run_cli):
    code, out, err = run_cli("review", repo.study, "main")
    assert code == 2 and "REV1..REV2" in err
    code, out, err = run_cli("review", repo.study, "main..no-such-branch")
    assert code == 1 and "'no-such-branch' is not a commit" in err


def test_an_unreadable_file_at_a_revision_is_reported(repo: GitStudy, run_cli):
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("coding")
    path = repo.path_of("alice")
    path.write_text(path.read_text()[:-10])
    repo.commit("broken")

    code, out, err = run_cli("review", repo.study, "HEAD~1..HEAD")

    assert code == 1
    assert "HEAD:study/interviews/P01.alice.json" in err and "left out of the review" in err
    assert "Traceback" not in err


def test_review_follows_the_study_settings(repo: GitStudy, run_cli):
    (repo.study / "tcoder.yaml").write_text('exclude: ["drafts/**"]\n')
    repo.builder.transcript("drafts/D01.txt", "Interviewer: a draft\n")
    repo.commit("settings and a draft")
    draft = repo.builder.annotations("drafts/D01.txt", "alice", [("personal", 13, 20)])
    repo.code("alice", "personal", "it was my grandmother")
    repo.commit("coding")

    code, out, err = run_cli("review", repo.study, "HEAD~1..HEAD", "--format", "json")

    assert draft.exists()
    assert [c["new"]["transcript"] for c in json.loads(out)["changes"]] == ["interviews/P01.txt"]


def test_a_deleted_transcript_does_not_turn_its_annotations_into_removals(repo: GitStudy, run_cli):
    """d1 deletes the transcript, d2 codes more in its annotation file, d2 is merged into d1:
    the annotation files are still there, so only the new annotation is a change."""
    kept = [repo.code("alice", "personal", "it was my grandmother").id,
            repo.code("bob", "duty", "Thanks for joining").id]
    repo.commit("coding")
    repo.checkout("d1", new=True)
    repo.git("rm", "-q", "study/interviews/P01.txt")
    (repo.study / "interviews" / "notes.extra.json").write_bytes(b'{"caf\xe9": 1}\n')  # not ours, not UTF-8
    repo.commit("d1: the transcript goes")
    repo.checkout("main")
    repo.checkout("d2", new=True)
    added = repo.code("alice", "outreach", "a free clinic day", memo="new on d2").id
    repo.commit("d2: more coding")
    repo.checkout("d1")
    assert repo.merge("d2").returncode == 0
    assert not repo.transcript_path.exists() and repo.path_of("alice").exists()

    code, out, err = run_cli("review", repo.study, "main..d1", "--format", "json")

    assert code == 0, err
    data = json.loads(out)
    assert [(c["kind"], c["coder"], c["id"]) for c in data["changes"]] == [("added", "alice", added)]
    assert data["summary"] == {"added": 1, "removed": 0, "changed": 0, "moved": 0}
    new = data["changes"][0]["new"]
    assert (new["transcript"], new["transcript_missing"], new["speaker"]) == ("interviews/P01.txt", True, None)
    assert (new["quote"], new["memo"]) == ("a free clinic day", "new on d2")
    [missing] = data["missing_transcripts"]
    assert (missing["rev"], missing["transcript"], missing["coders"]) == ("d1", "interviews/P01.txt",
                                                                         ["alice", "bob"])
    assert all(i not in out for i in kept)

    code, out, err = run_cli("review", repo.study, "main..d1")
    assert code == 0, err
    assert "1 added, 0 removed, 0 changed" in out
    assert "note: interviews/P01.txt is not in the study at d1" in out
    assert "interviews/P01.alice.json, interviews/P01.bob.json" in out
    assert '    + interviews/P01.txt (transcript missing)  "a free clinic day"  memo: "new on d2"' in out
    code, out, err = run_cli("review", repo.study, "main..d1", "--format", "md")
    assert "> **Note:** interviews/P01.txt is not in the study at d1" in out
    assert "- **added** `interviews/P01.txt` (transcript missing): \"a free clinic day\"" in out

    # Backwards, the transcript is missing at the older revision: still nothing removed.
    code, out, err = run_cli("review", repo.study, "d1..main", "--format", "json")
    data = json.loads(out)
    assert [(c["kind"], c["id"]) for c in data["changes"]] == [("removed", added)]
    assert data["changes"][0]["old"]["transcript_missing"] is True
    assert [m["rev"] for m in data["missing_transcripts"]] == ["d1"]


def test_an_edit_to_an_annotation_whose_transcript_is_gone_is_a_change(repo: GitStudy, run_cli):
    a = repo.code("alice", "personal", "it was my grandmother").id
    repo.commit("coding")
    repo.git("rm", "-q", "study/interviews/P01.txt")
    repo.commit("transcript deleted")
    repo.edit("alice", a, memo="still mine")
    repo.commit("memo")

    code, out, err = run_cli("review", repo.study, "HEAD~2..HEAD", "--format", "json")

    [change] = json.loads(out)["changes"]
    assert (change["kind"], change["id"], change["fields"]) == ("changed", a, ["memo"])
    assert change["old"]["speaker"] == "Amara" and change["new"]["transcript_missing"] is True


def test_transcript_and_annotation_files_moved_together_are_no_change(repo: GitStudy, run_cli):
    a = repo.code("alice", "personal", "it was my grandmother").id
    b = repo.code("bob", "duty", "Thanks for joining").id
    repo.commit("coding")
    folder = "study/interviews/"
    for old, new in (("P01.txt", "P07.txt"), ("P01.alice.json", "P07.alice.json"),
                     ("P01.bob.json", "P07.bob.json")):
        repo.git("mv", folder + old, folder + new)
    repo.commit("P01 is P07 now")

    code, out, err = run_cli("review", repo.study, "HEAD~1..HEAD", "--format", "json")

    data = json.loads(out)
    assert code == 0, err
    assert data["changes"] == [] and data["missing_transcripts"] == []

    repo.git("rm", "-q", folder + "P07.txt", folder + "P07.bob.json")  # deleted together: removed
    repo.commit("P07 withdrawn for bob")
    code, out, err = run_cli("review", repo.study, "HEAD~2..HEAD", "--format", "json")
    data = json.loads(out)
    assert [(c["kind"], c["coder"], c["id"]) for c in data["changes"]] == [("removed", "bob", b)]
    assert data["missing_transcripts"][0]["transcript"] == "interviews/P07.txt"
    assert a not in {c["id"] for c in data["changes"]}

"""tcoder ci on real merges: git's unmerged paths, committed markers, tcoder's conflict records."""

from __future__ import annotations

from gitkit import GitStudy


def branch_off(repo: GitStudy) -> None:
    repo.checkout("feature", new=True)


def test_an_unmerged_codebook_then_its_committed_markers_fail(repo: GitStudy, run_cli):
    codebook = repo.study / "codebook.yaml"
    branch_off(repo)
    codebook.write_text(codebook.read_text().replace("Mini codebook", "Feature codebook"))
    repo.commit("feature")
    repo.checkout("main")
    codebook.write_text(codebook.read_text().replace("Mini codebook", "Main codebook"))
    repo.commit("main")
    assert repo.merge("feature").returncode != 0
    (repo.study / "tcoder.yaml").write_text("ci:\n  require: []\n")

    code, out, err = run_cli("ci", repo.study)
    assert code == 1
    assert "merge conflicts" in out and "FAIL" in out
    assert "codebook.yaml, line 1: git's conflict markers" in err

    # Committed as it is (markers and all), as happens: no unmerged path now, the markers still fail.
    repo.commit("merge")
    assert repo.git("ls-files", "-u").stdout == ""
    code, out, err = run_cli("ci", repo.study)
    assert code == 1 and "codebook.yaml, line 1: git's conflict markers" in err


def test_an_unmerged_file_without_markers_fails(repo: GitStudy, run_cli):
    """Deleted on one side, changed on the other: git leaves no markers, only an unmerged path."""
    attributes = repo.study / "attributes.csv"
    attributes.write_text("transcript,site\ninterviews/P01.txt,north\n")
    repo.commit("attributes")
    branch_off(repo)
    attributes.unlink()
    repo.commit("feature: no attributes")
    repo.checkout("main")
    attributes.write_text("transcript,site\ninterviews/P01.txt,south\n")
    repo.commit("main: south")
    assert repo.merge("feature").returncode != 0
    (repo.study / "tcoder.yaml").write_text("ci:\n  require: []\n")

    code, out, err = run_cli("ci", repo.study)
    assert code == 1
    assert "attributes.csv: git has not merged this file" in err


def test_a_conflict_record_of_the_annotation_driver_fails(repo: GitStudy, run_cli):
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    branch_off(repo)
    repo.edit("alice", a.id, code="duty")
    repo.commit("feature")
    repo.checkout("main")
    repo.edit("alice", a.id, code="curriculum")
    repo.commit("main")
    assert repo.merge("feature").returncode != 0
    (repo.study / "tcoder.yaml").write_text("ci:\n  require: []\n")
    repo.commit("merged without settling")

    code, out, err = run_cli("ci", repo.study)
    assert code == 1
    assert f"unresolved merge conflict on annotation {a.id}" in err
    assert err.count(f"unresolved merge conflict on annotation {a.id}") == 1  # not again under "other"

    run_cli("git", "resolve", repo.path_of("alice"), "--keep", "ours")
    code, out, err = run_cli("ci", repo.study)
    assert code == 0, err


def test_deidentify_warns_that_git_history_keeps_the_names(repo: GitStudy, run_cli, tmp_path):
    key = tmp_path / "secure" / "key.yaml"
    key.parent.mkdir()
    key.write_text("pseudonyms:\n  Amara: Participant 1\n")
    code, out, err = run_cli("deidentify", repo.study, "--key", key)
    assert code == 0, err
    assert "Participant 1: Honestly" in repo.transcript_path.read_text()
    assert "the study's git history still holds the identifiers" in err
    assert "Amara" in repo.git("show", "HEAD:study/interviews/P01.txt").stdout  # as it warned

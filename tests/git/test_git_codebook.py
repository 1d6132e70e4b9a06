"""Codebook development in git: diffs show only what changed, and a branch coded before a
rename or merge merges cleanly into a main where the code has its new id."""

from __future__ import annotations

import os

from gitkit import GitStudy
from tcoder.codebook_history import history_path, read_history
from tcoder.codebook_ops import merge_codes, new_code, rename_code
from tcoder.study import open_study

WHO = {"who": "tester"}


def numstat(repo: GitStudy, *paths: str) -> dict[str, tuple[int, int]]:
    out = repo.git("diff", "--numstat", "--", *paths).stdout
    return {line.split("\t")[2]: (int(line.split("\t")[0]), int(line.split("\t")[1])) for line in out.splitlines()}


def test_a_rename_shows_as_one_line_of_the_codebook_and_one_per_annotation(repo: GitStudy):
    repo.code("alice", "personal", "my grandmother")
    repo.code("alice", "curriculum", "We pushed to change the renal block")
    repo.code("bob", "personal", "I saw how she was treated")
    repo.commit("coded")
    rename_code(open_study(repo.study), "personal", "lived-experience", **WHO)
    stats = numstat(repo)
    assert stats["study/codebook.yaml"] == (1, 1)
    assert stats["study/interviews/P01.alice.json"] == (1, 1)
    assert stats["study/interviews/P01.bob.json"] == (1, 1)
    diff = repo.git("diff", "--no-ext-diff", "--", "study/codebook.yaml").stdout
    assert "-      - {id: personal, name: Personal experience, key: p}" in diff
    assert "+      - {id: lived-experience, name: Personal experience, key: p}" in diff


def test_new_codes_and_merges_show_only_their_own_lines(repo: GitStudy):
    new_code(open_study(repo.study), "Hope for change", parent="motivation", key="h", description="Optimism.", **WHO)
    assert numstat(repo, "study/codebook.yaml") == {"study/codebook.yaml": (1, 0)}
    repo.commit("new code")
    merge_codes(open_study(repo.study), ["outreach"], "curriculum", **WHO)
    assert numstat(repo, "study/codebook.yaml") == {"study/codebook.yaml": (0, 1)}


def _branch_coded_before(repo: GitStudy, change) -> tuple[str, str]:
    """alice codes on a branch while main changes the codebook; returns the ids of the
    annotation made before the branch and the one made on it."""
    early = repo.code("alice", "personal", "my grandmother")
    repo.commit("alice starts")
    repo.checkout("coding", new=True)
    later = repo.code("alice", "personal", "I saw how she was treated", memo="coded on the branch")
    repo.edit("alice", early.id, memo="memo added on the branch")
    repo.commit("alice codes more")
    repo.checkout("main")
    change(open_study(repo.study))
    repo.commit("codebook change")
    return early.id, later.id


def test_a_branch_coded_before_a_merge_merges_cleanly_into_main(repo: GitStudy):
    early, later = _branch_coded_before(repo, lambda s: merge_codes(s, ["personal"], "duty", why="too close",
                                                                    **WHO))
    done = repo.merge("coding")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "carried code ids the codebook has changed since (personal)" in done.stderr
    annotations = {a.id: a for a in repo.read("alice").annotations}
    assert annotations[early].code == "duty" and annotations[early].memo == "memo added on the branch"
    assert annotations[later].code == "duty" and annotations[later].memo == "coded on the branch"
    assert repo.git("status", "--porcelain").stdout.strip() == ""
    report_lines = open_study(repo.study).load_annotations("interviews/P01.txt", "alice")
    assert not report_lines.migrations and not report_lines.problems


def test_main_merged_into_a_branch_coded_before_a_rename(repo: GitStudy):
    early, later = _branch_coded_before(repo, lambda s: rename_code(s, "personal", "lived", **WHO))
    repo.checkout("coding")
    env = {k: v for k, v in os.environ.items()}
    done = repo.merge("main", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    codes = {a.id: a.code for a in repo.read("alice").annotations}
    assert codes == {early: "lived", later: "lived"}
    assert "lived" in open_study(repo.study).codebook.codes


def test_both_branches_changing_the_codebook_keep_both_histories(repo: GitStudy):
    repo.checkout("other", new=True)
    new_code(open_study(repo.study), "From the branch", parent="strategy", **WHO)
    repo.commit("a code on a branch")
    repo.checkout("main")
    new_code(open_study(repo.study), "From main", parent="motivation", **WHO)
    repo.commit("a code on main")
    done = repo.merge("other")
    assert done.returncode == 0, done.stdout + done.stderr
    codebook = open_study(repo.study).codebook
    assert {"from-the-branch", "from-main"} <= set(codebook.codes)
    entries = read_history(history_path(repo.study / "codebook.yaml")).entries
    assert sorted(e.code for e in entries) == ["from-main", "from-the-branch"]

"""A manifest records the study's commit and whether its files were committed."""

from __future__ import annotations

import json

from gitkit import GitStudy


def test_the_commit_and_a_dirty_work_tree_are_recorded(repo: GitStudy, run_cli, tmp_path):
    repo.code("alice", "personal", "it was my grandmother")
    repo.code("bob", "personal", "it was my grandmother")
    head = repo.commit("coded")
    manifest = tmp_path / "clean.json"
    code, out, err = run_cli("report", repo.study, "frequencies", "--coder", "alice", "--manifest", manifest)
    assert code == 0, err
    git = json.loads(manifest.read_text())["study"]["git"]
    assert git == {"commit": head, "clean": True, "changed_files": [], "changed_count": 0}

    repo.code("alice", "duty", "what did you do about it")
    dirty = tmp_path / "dirty.json"
    assert run_cli("report", repo.study, "frequencies", "--coder", "alice", "--manifest", dirty)[0] == 0
    git = json.loads(dirty.read_text())["study"]["git"]
    assert git["commit"] == head and git["clean"] is False
    assert git["changed_files"] == ["interviews/P01.alice.json"]

    code, out, err = run_cli("verify", manifest)
    assert code == 1 and "interviews/P01.alice.json (annotation file): changed" in out
    assert f"recorded at {head[:12]} (clean)" in out
    assert f"now {head[:12]} (with 1 uncommitted change)" in out


def test_verify_says_the_work_tree_is_clean_now(repo: GitStudy, run_cli, tmp_path):
    repo.code("alice", "personal", "it was my grandmother")
    head = repo.commit("coded")
    manifest = tmp_path / "m.json"
    assert run_cli("report", repo.study, "frequencies", "--coder", "alice", "--manifest", manifest)[0] == 0
    code, out, err = run_cli("verify", manifest)
    assert code == 0, out + err
    assert f"Commit    recorded at {head[:12]} (clean); now {head[:12]} (clean)" in out

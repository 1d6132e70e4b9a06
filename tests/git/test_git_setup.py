"""tcoder git setup: attributes, ignores and driver config; idempotent to the byte."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from gitkit import GitStudy, new_repo
from tcoder.gitdriver.setup import ATTRIBUTES, IGNORES


def snapshot(*paths: Path) -> dict[Path, bytes | None]:
    return {p: p.read_bytes() if p.exists() else None for p in paths}


def test_setup_writes_attributes_ignores_and_config(tmp_path, git_home, run_cli):
    repo = new_repo(tmp_path / "repo")
    repo.builder.codebook()
    repo.builder.transcript()

    code, out, err = run_cli("git", "setup", repo.study)

    assert code == 0, err
    attributes = (repo.study / ".gitattributes").read_text()
    assert "*.*.json diff=tcoder merge=tcoder\n" in attributes
    assert "*.txt text eol=lf\n" in attributes and "*.md text eol=lf\n" in attributes
    ignores = (repo.study / ".gitignore").read_text()
    assert ".*.json.lock\n" in ignores and ".*.tmp\n" in ignores
    python = shlex.quote(sys.executable)
    assert repo.git("config", "diff.tcoder.textconv").stdout.strip() == f"{python} -m tcoder git textconv"
    assert repo.git("config", "merge.tcoder.driver").stdout.strip() == f"{python} -m tcoder git merge %O %A %B %P"
    assert repo.git("config", "merge.tcoder.name").stdout.strip()
    # git routes what it should where it should.
    attrs = repo.git("check-attr", "diff", "merge", "eol", "--", "study/interviews/P01.alice.json",
                     "study/interviews/P01.txt", "study/notes.md").stdout
    assert "study/interviews/P01.alice.json: diff: tcoder" in attrs
    assert "study/interviews/P01.alice.json: merge: tcoder" in attrs
    assert "study/interviews/P01.txt: eol: lf" in attrs and "study/notes.md: eol: lf" in attrs
    assert "study/codebook.yaml" not in attrs


def test_setup_twice_changes_nothing(tmp_path, git_home, run_cli):
    repo = new_repo(tmp_path / "repo")
    repo.builder.codebook()
    (repo.study / ".gitattributes").write_text("*.pdf binary")  # no final newline
    files = [repo.study / ".gitattributes", repo.study / ".gitignore", repo.root / ".git" / "config"]

    assert run_cli("git", "setup", repo.study)[0] == 0
    first = snapshot(*files)
    assert first[files[0]].startswith(b"*.pdf binary\n\n# tcoder")
    mtimes = {p: p.stat().st_mtime_ns for p in files}
    code, out, err = run_cli("git", "setup", repo.study)

    assert code == 0
    assert snapshot(*files) == first
    assert {p: p.stat().st_mtime_ns for p in files} == mtimes  # not even rewritten
    assert "already set up" in out


def test_setup_completes_a_partial_setup(tmp_path, git_home, run_cli):
    repo = new_repo(tmp_path / "repo")
    repo.builder.codebook()
    (repo.study / ".gitignore").write_text(".*.json.lock\n")

    assert run_cli("git", "setup", repo.study)[0] == 0

    lines = (repo.study / ".gitignore").read_text().splitlines()
    assert lines.count(".*.json.lock") == 1 and lines.count(".*.tmp") == 1
    for line in ATTRIBUTES + IGNORES:
        assert line in (repo.study / ".gitattributes").read_text() + "\n".join(lines)


def test_lock_and_temp_files_are_ignored(repo: GitStudy):
    folder = repo.study / "interviews"
    (folder / ".P01.alice.json.lock").write_text("{}")
    (folder / ".P01.alice.json.1234.abcd1234.tmp").write_text("{}")
    (folder / "P01.alice.json").write_text("{}")

    status = repo.git("status", "--porcelain", "--untracked-files=all").stdout

    assert "P01.alice.json" in status
    assert ".lock" not in status and ".tmp" not in status


def test_global_setup_writes_the_global_config(tmp_path, git_home, run_cli):
    repo = new_repo(tmp_path / "repo")
    repo.builder.codebook()
    global_config = git_home / ".gitconfig"

    assert run_cli("git", "setup", "--global", repo.study)[0] == 0
    first = global_config.read_bytes()
    assert b"[diff \"tcoder\"]" in first and b"-m tcoder git merge %O %A %B %P" in first
    assert "tcoder" not in (repo.root / ".git" / "config").read_text()
    assert (repo.study / ".gitattributes").exists()

    assert run_cli("git", "setup", "--global", repo.study)[0] == 0
    assert global_config.read_bytes() == first


def test_global_setup_outside_a_repository_only_sets_config(tmp_path, git_home, run_cli):
    folder = tmp_path / "not-a-repo"
    folder.mkdir()

    code, out, err = run_cli("git", "setup", "--global", folder)

    assert code == 0
    assert not (folder / ".gitattributes").exists()
    assert "not in a git repository" in err
    assert b"tcoder" in (git_home / ".gitconfig").read_bytes()


def test_setup_outside_a_repository_explains(tmp_path, git_home, run_cli):
    folder = tmp_path / "plain"
    folder.mkdir()

    code, out, err = run_cli("git", "setup", folder)

    assert code == 1
    assert "not inside a git repository" in err and "git init" in err
    assert not (folder / ".gitattributes").exists()


def test_setup_warns_about_a_rule_that_overrides_it(tmp_path, git_home, run_cli):
    repo = new_repo(tmp_path / "repo")
    repo.builder.codebook()
    (repo.study / "interviews").mkdir()
    (repo.study / ".gitattributes").write_text("")
    assert run_cli("git", "setup", repo.study)[0] == 0
    (repo.study / ".gitattributes").write_text((repo.study / ".gitattributes").read_text() + "*.json -diff\n")

    code, out, err = run_cli("git", "setup", repo.study)

    assert code == 0 and "overrides" in err


def test_git_subcommand_usage(run_cli):
    assert run_cli("git")[0] == 2
    assert run_cli("git", "frobnicate")[0] == 2
    code, out, err = run_cli("git", "--help")
    assert code == 0 and "setup" in out and "resolve" in out

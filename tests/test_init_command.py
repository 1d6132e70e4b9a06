"""tcoder init: a new study from the shipped template, a codebook file, imports, git."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from studykit import REPO, SAMPLE_STUDY
from tcoder.codebook import load_codebook
from tcoder.gitdriver.setup import IGNORES
from tcoder.study import open_study

IMPORTS = REPO / "tests" / "data" / "import"


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
                  and ".git/" not in p.relative_to(folder).as_posix() + "/")


def test_init_writes_a_commented_study_from_the_shipped_template(tmp_path, run_cli):
    folder = tmp_path / "medical-learners"
    code, out, err = run_cli("init", folder)
    assert code == 0, err
    assert listing(folder) == [".gitignore", "attributes.csv", "codebook.yaml", "tcoder.yaml"]
    text = (folder / "codebook.yaml").read_text()
    assert text.startswith("# The codebook:") and "title: Medical learners" in text
    assert len(load_codebook(folder / "codebook.yaml")) == 7
    assert (folder / "attributes.csv").read_text() == "transcript\n"
    assert all(line in (folder / ".gitignore").read_text().splitlines() for line in IGNORES)
    study = open_study(folder)
    assert study.settings.codebook == "codebook.yaml"
    assert "Started the study in" in out and "Next: add transcripts" in out


def test_init_empty_for_inductive_coding_then_the_first_code(tmp_path, run_cli, monkeypatch):
    folder = tmp_path / "inductive"
    assert run_cli("init", folder, "--empty", "--title", "Inductive pilot")[0] == 0
    codebook = load_codebook(folder / "codebook.yaml")
    assert len(codebook) == 0 and codebook.title == "Inductive pilot"
    monkeypatch.setenv("TCODER_CODER", "alice")
    assert run_cli("codebook", "new", folder, "First code", "--key", "f")[0] == 0
    text = (folder / "codebook.yaml").read_text()
    assert text.endswith("codes:\n  - id: first-code\n    name: First code\n    key: f\n")
    assert "# The codebook, empty for inductive coding" in text


def test_init_from_a_yaml_codebook_keeps_it_byte_for_byte(tmp_path, run_cli):
    folder = tmp_path / "s"
    assert run_cli("init", folder, "--codebook", SAMPLE_STUDY / "codebook.yaml")[0] == 0
    assert (folder / "codebook.yaml").read_bytes() == (SAMPLE_STUDY / "codebook.yaml").read_bytes()


def test_init_from_a_qdc_written_by_another_program(tmp_path, run_cli):
    # the codebook of a project `qc` (qualitative-coding 1.7.8) exported, as a .qdc
    qde = zipfile.ZipFile(REPO / "tests" / "refi" / "data" / "qc-export.qdpx").read("project.qde").decode()
    codebook = qde[qde.index("<CodeBook"):qde.index("</CodeBook>") + len("</CodeBook>")]
    qdc = tmp_path / "qc.qdc"
    qdc.write_text('<?xml version="1.0" encoding="utf-8"?>\n'
                   + codebook.replace("<CodeBook>", '<CodeBook xmlns="urn:QDA-XML:codebook:1.0">', 1))
    folder = tmp_path / "from-qdc"
    code, out, err = run_cli("init", folder, "--codebook", qdc)
    assert code == 0, err
    loaded = load_codebook(folder / "codebook.yaml")
    assert [c.name for c in loaded] == ["motivation", "duty", "personal_experience", "reception", "resistance",
                                        "support", "strategy", "curriculum", "outreach"]
    assert loaded[loaded.roots[0]].children == [c.id for c in loaded if c.name in ("duty", "personal_experience")]
    assert (folder / "codebook.yaml").read_text().startswith("# Converted by tcoder init from qc.qdc")


def test_init_from_a_qdc_keeps_its_sets_of_codes_as_themes(tmp_path, run_cli):
    """ATLAS.ti 23.4's code group comes in as a candidate theme; tcoder's own themes as they were."""
    from tcoder.study import open_study
    from tcoder.themes import read_themes

    real = REPO / "tests" / "refi" / "data" / "real" / "atlasti-23.4-code-groups.qdc"
    code, out, err = run_cli("init", tmp_path / "a", "--codebook", real)
    assert code == 0, err
    assert "themes.yaml" in out and "1 theme (1 of them other programs' code groups" in out
    assert [(t.name, t.status, t.codes) for t in read_themes(tmp_path / "a" / "themes.yaml")] == [
        ("code group 1", "candidate", ["code1"])]
    qdc = tmp_path / "sample.qdc"
    assert run_cli("export", SAMPLE_STUDY, "--qdc", qdc)[0] == 0
    code, out, err = run_cli("init", tmp_path / "b", "--codebook", qdc)
    assert code == 0, err
    themes = read_themes(tmp_path / "b" / "themes.yaml")
    original = read_themes(SAMPLE_STUDY / "themes.yaml")
    assert sorted((t.id, t.status, t.subthemes) for t in themes) == sorted((t.id, t.status, t.subthemes) for t in original)
    codebook = open_study(tmp_path / "b").codebook  # the themes name the codes of the new codebook
    assert len(codebook) == 26 and all(c in codebook for t in themes for c in t.codes)
    assert sorted(len(t.codes) for t in themes) == sorted(len(t.codes) for t in original)


def test_init_imports_transcripts_and_lists_them_as_cases(tmp_path, run_cli):
    folder = tmp_path / "with-transcripts"
    code, out, err = run_cli("init", folder, "--import", IMPORTS / "zoom_P07.vtt", IMPORTS / "teams_FG2.vtt",
                             SAMPLE_STUDY / "interviews" / "P01.txt", "--into", "interviews")
    assert code == 0, err
    assert (folder / "interviews" / "P01.txt").read_bytes() == (SAMPLE_STUDY / "interviews" / "P01.txt").read_bytes()
    assert (folder / "interviews" / "zoom_P07.txt").read_text().startswith(
        open_study(folder).transcript("zoom_P07").text[:20])
    assert (folder / "attributes.csv").read_text() == ("transcript\ninterviews/P01.txt\ninterviews/teams_FG2.txt\n"
                                                       "interviews/zoom_P07.txt\n")
    assert re.search(r"interviews/zoom_P07.txt +imported from .*zoom_P07.vtt \(\d+ turns, 2 speakers\)", out)
    assert "Next: tcoder code" in out
    code, out, err = run_cli("check", folder)
    assert code == 0, err


def test_init_changes_nothing_when_an_input_is_bad(tmp_path, run_cli):
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    folder = tmp_path / "never"
    code, out, err = run_cli("init", folder, "--import", IMPORTS / "zoom_P07.vtt", bad)
    assert code == 1 and "notes.pdf" in err and "nothing was written" in err
    assert not folder.exists()
    broken = tmp_path / "broken.yaml"
    broken.write_text("codes:\n  - id: a\n    key: ab\n")
    code, out, err = run_cli("init", folder, "--codebook", broken)
    assert code == 1 and "broken.yaml, line 3" in err
    assert not folder.exists()


def test_init_refuses_a_folder_that_is_already_a_study(tmp_path, run_cli):
    folder = tmp_path / "s"
    assert run_cli("init", folder)[0] == 0
    before = listing(folder)
    code, out, err = run_cli("init", folder, "--empty")
    assert code == 1 and "already a study" in err
    assert listing(folder) == before
    assert run_cli("init", folder, "--empty", "--codebook", "x.yaml")[0] == 2


@pytest.mark.slow
def test_init_with_git_commits_a_study_with_the_drivers(tmp_path, run_cli, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{name}_NAME", "Tester")
        monkeypatch.setenv(f"GIT_{name}_EMAIL", "tester@example.org")
    folder = tmp_path / "git-study"
    code, out, err = run_cli("init", folder, "--git", "--import", IMPORTS / "zoom_P07.vtt")
    assert code == 0, err
    assert "git: first commit made" in out

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout

    assert git("log", "--format=%s").strip() == "Start the study"
    assert sorted(git("ls-files").split()) == [".gitattributes", ".gitignore", "attributes.csv", "codebook.yaml",
                                               "tcoder.yaml", "transcripts/zoom_P07.txt"]
    assert "tcoder" in git("config", "merge.tcoder.driver")
    assert git("check-attr", "merge", "codebook.history.yaml").strip().endswith("merge: union")
    assert git("status", "--porcelain") == ""


def test_the_template_ships_inside_the_package():
    import tomllib
    from importlib import resources

    assert resources.files("tcoder").joinpath("data", "codebook-template.yaml").is_file()
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "data/*" in package_data["tcoder"]
    assert not (REPO / "codebooks" / "template.yaml").exists()

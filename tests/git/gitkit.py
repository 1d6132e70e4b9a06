"""Helpers for the git tests: a real repository holding a study. Import with
``from gitkit import ...`` (the fixtures are in conftest.py).

Every repository gets its own user name and e-mail; the ``git_home`` fixture
points HOME to a temporary folder (with GIT_CONFIG_NOSYSTEM) so no global or
system git config can leak in. git runs the drivers as real subprocesses, as it
would for a user.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from studykit import StudyBuilder
from tcoder.annotations import Annotation, AnnotationFile, new_annotation, read_annotations, save_annotations
from tcoder.transcript import text_sha256

STUDY = "study"
TRANSCRIPT = "interviews/P01.txt"


class GitStudy:
    """A git repository with a study in ``study/`` and helpers to code on branches."""

    def __init__(self, root: Path):
        self.root = root
        self.study = root / STUDY
        self.builder = StudyBuilder(self.study)

    # ------------------------------------------------------------ git

    def git(self, *args: str, check: bool = True, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["git", *args], cwd=cwd or self.root, capture_output=True, text=True,
                              env=env)
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").stdout.strip()

    def checkout(self, branch: str, new: bool = False) -> None:
        self.git("checkout", "-q", *(["-b"] if new else []), branch)

    def merge(self, branch: str, **kwargs) -> subprocess.CompletedProcess[str]:
        return self.git("merge", "--no-edit", branch, check=False, **kwargs)

    def setup_drivers(self) -> None:
        from tcoder.gitdriver.setup import setup

        setup(self.study)

    # ------------------------------------------------------------ study content

    @property
    def transcript_path(self) -> Path:
        return self.study / TRANSCRIPT

    def text(self) -> str:
        return self.transcript_path.read_text(encoding="utf-8")

    def path_of(self, coder: str) -> Path:
        return self.transcript_path.with_name(f"P01.{coder}.json")

    def read(self, coder: str) -> AnnotationFile:
        return read_annotations(self.path_of(coder))

    def save(self, af: AnnotationFile, coder: str) -> None:
        save_annotations(af, self.path_of(coder))

    def code(self, coder: str, code: str, quote: str, *, memo: str | None = None, nth: int = 0) -> Annotation:
        """Add an annotation on the ``nth`` occurrence of ``quote``, as the coding screen would."""
        text = self.text()
        start = -1
        for _ in range(nth + 1):
            start = text.index(quote, start + 1)
        path = self.path_of(coder)
        af = read_annotations(path) if path.exists() else AnnotationFile(coder, "P01.txt", text_sha256(text))
        annotation = new_annotation(code, start, start + len(quote), text, memo=memo)
        af.annotations.append(annotation)
        self.save(af, coder)
        return annotation

    def edit(self, coder: str, annotation_id: str, **changes) -> None:
        af = self.read(coder)
        af.annotations = [a.copy(**changes) if a.id == annotation_id else a for a in af.annotations]
        self.save(af, coder)

    def delete(self, coder: str, annotation_id: str) -> None:
        af = self.read(coder)
        af.annotations = [a for a in af.annotations if a.id != annotation_id]
        self.save(af, coder)

    def edit_transcript(self, old: str, new: str) -> None:
        text = self.text()
        assert old in text
        self.transcript_path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def quotes(self, coder: str) -> dict[str, str]:
        """id -> the text each annotation covers in the transcript now."""
        text = self.text()
        return {a.id: text[a.start:a.end] for a in self.read(coder).annotations}


def new_repo(root: Path) -> GitStudy:
    root.mkdir(parents=True, exist_ok=True)
    repo = GitStudy(root)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.name", "Test Coder")
    repo.git("config", "user.email", "coder@example.org")
    repo.git("config", "commit.gpgsign", "false")
    return repo

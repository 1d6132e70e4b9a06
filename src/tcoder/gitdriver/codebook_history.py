"""The codebook's history as the merge driver sees it: both branches' changes.

A branch coded before a rename or merge carries the old code ids; the other
branch's codebook no longer has them. While git merges, the work tree holds our
side; the other side's commit is named by git in ``GITHEAD_<sha>`` (``git merge``,
``git pull``) or by ``MERGE_HEAD``, ``REBASE_HEAD``, ``CHERRY_PICK_HEAD``. The
driver reads the study's history file from the work tree and from those commits,
and maps the annotations of every side (the common ancestor included, so that
unchanged annotations still compare equal) through the union of both histories.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from tcoder.annotations import AnnotationFile
from tcoder.codebook_history import Entry, History, history_path, migrate_file, parse_history
from tcoder.errors import TcoderError
from tcoder.gitdriver.gitcmd import git, read_blobs


def study_history_path(top: Path, merged_path: str) -> str | None:
    """The history file of the study holding ``merged_path`` (relative to the work
    tree's top): the nearest folder above it with tcoder.yaml or codebook.yaml."""
    from tcoder.settings import SETTINGS_FILE, parse_settings

    folder = posixpath.dirname(merged_path.replace("\\", "/"))
    while True:
        here = top / folder if folder else top
        settings = here / SETTINGS_FILE
        if settings.is_file():
            try:
                codebook = parse_settings(settings.read_bytes().decode("utf-8-sig"), settings).codebook
            except (TcoderError, UnicodeDecodeError):
                codebook = "codebook.yaml"
            return posixpath.normpath(posixpath.join(folder, history_path(codebook).as_posix()))
        if (here / "codebook.yaml").is_file():
            return posixpath.join(folder, "codebook.history.yaml") if folder else "codebook.history.yaml"
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def _other_commits(top: Path) -> list[str]:
    commits = [name[len("GITHEAD_"):] for name in os.environ if name.startswith("GITHEAD_")]
    for ref in ("MERGE_HEAD", "REBASE_HEAD", "CHERRY_PICK_HEAD"):
        done = git(["rev-parse", "-q", "--verify", ref], top, check=False)
        if done.returncode == 0:
            commits.append(done.stdout.decode().strip())
    return list(dict.fromkeys(commits))


def merged_history(top: Path, merged_path: str) -> History:
    """Both sides' changes to the codebook of the study that holds ``merged_path``."""
    rel = study_history_path(top, merged_path)
    if rel is None:
        return History()
    texts: list[tuple[str, str]] = []
    local = top / rel
    if local.is_file():
        texts.append((str(local), local.read_bytes().decode("utf-8-sig", "replace")))
    commits = _other_commits(top)
    if commits:
        blobs = read_blobs(top, [f"{commit}:{rel}" for commit in commits])
        texts.extend((name, data.decode("utf-8-sig", "replace")) for name, data in blobs.items() if data)
    entries: dict[tuple[str, str, str], Entry] = {}
    for name, text in texts:
        try:
            history = parse_history(text, name)
        except TcoderError:
            continue  # a damaged side maps nothing (the merge still goes on by id)
        for entry in history.entries:
            entries.setdefault((entry.id, entry.op, entry.when), entry)
    return History(list(entries.values()), Path(rel))


def map_sides(top: Path, merged_path: str, sides: list[AnnotationFile | None]) -> list[str]:
    """Map every side through the merged history, in place; notes for the merge's output."""
    try:
        history = merged_history(top, merged_path)
    except (OSError, TcoderError):
        return []
    if not history.retired:
        return []
    notes = []
    names = ("the common ancestor's", "our", "their")
    for name, side in zip(names, sides, strict=False):
        if side is None:
            continue
        migrations = [m for m in migrate_file(side, history, None) if m.pending_write]
        if migrations and name != names[0]:
            olds = sorted({m.old for m in migrations})
            notes.append(f"{len(migrations)} of {name} annotations carried code ids the codebook has changed since "
                         f"({', '.join(olds)}); merged under the current codes")
    return notes

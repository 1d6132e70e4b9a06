"""Find the transcript text an annotation file was written against.

An annotation file records ``text_sha256``, the hash of the canonical text its
offsets refer to. The git drivers need that text, but git hands them temporary
files: the merge driver runs before the merged transcript is in the work tree
(the work tree still holds ours), and textconv gets old revisions as
``/tmp/git-blob-XXXXXX/P01.alice.json``. So texts are looked up by hash: first
the transcript in the work tree, then every version of its path in the history
(all refs, the reflog, and the heads of a merge, rebase or cherry-pick in
progress), then every version of any path with the transcript's name (a
transcript renamed, moved or deleted since).
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from tcoder.annotations import split_annotation_name
from tcoder.errors import TcoderError
from tcoder.gitdriver.gitcmd import git, git_text, object_ids, read_blobs, toplevel
from tcoder.transcript import TRANSCRIPT_SUFFIXES, decode_bytes, text_sha256

#: Heads that name the commits of an operation in progress; missing ones are ignored.
_OPERATION_HEADS = ("HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "REBASE_HEAD", "ORIG_HEAD",
                    "FETCH_HEAD", "AUTO_MERGE")
_BATCH = 16


def canonical_text(data: bytes) -> str | None:
    """The canonical text of a transcript's bytes, or None if it is not text."""
    try:
        return decode_bytes(data).text
    except TcoderError:
        return None


class TranscriptVersions:
    """Versions of one transcript, found by the SHA-256 of their canonical text."""

    def __init__(self, top: Path | None, rel_path: str | None):
        self.top = top
        self.rel_path = rel_path  # relative to top, with forward slashes
        self._texts: dict[str, str] = {}
        self._pending: list[str] | None = None  # blob ids from history not yet read
        self.worktree_sha: str | None = None
        if top is not None and rel_path is not None:
            self.worktree_sha = self._add_file(top / rel_path)

    def _add_file(self, path: Path) -> str | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return self._add(data)

    def _add(self, data: bytes) -> str | None:
        text = canonical_text(data)
        if text is None:
            return None
        sha = text_sha256(text)
        self._texts.setdefault(sha, text)
        return sha

    def known_worktree(self) -> str | None:
        """The text of the transcript in the work tree, if there is one."""
        return self.known(self.worktree_sha)

    def known(self, sha: str | None) -> str | None:
        return self._texts.get(sha) if sha else None

    def find(self, sha: str | None) -> str | None:
        """The text whose hash is ``sha``, from the work tree or the history; None if never seen."""
        if not sha:
            return None
        while sha not in self._texts and self._read_more():
            pass
        return self._texts.get(sha)

    def _read_more(self) -> bool:
        if self.top is None or self.rel_path is None:
            return False
        if self._pending is None:
            self._pending = self._history_blobs(self.top, self.rel_path)
        if not self._pending:
            return False
        batch, self._pending = self._pending[:_BATCH], self._pending[_BATCH:]
        for data in read_blobs(self.top, batch).values():
            if data is not None:
                self._add(data)
        return True

    def _history_blobs(self, top: Path, rel_path: str) -> list[str]:
        """Blob ids of every version of the path, newest first, without repeats."""
        heads = list(_OPERATION_HEADS)
        # `git merge` names the commits being merged in GITHEAD_<id> variables.
        heads += [name[len("GITHEAD_"):] for name in os.environ if re.fullmatch(r"GITHEAD_[0-9a-f]{40,64}", name)]
        done = git(["log", "--all", "--reflog", "--full-history", "--ignore-missing", "--format=%H", *heads,
                    "--", rel_path], top, check=False)
        if done.returncode != 0:
            return []
        commits = list(dict.fromkeys(done.stdout.decode().split()))
        ids = object_ids(top, [f"{c}:{rel_path}" for c in commits])
        return [oid for oid in dict.fromkeys(ids.values()) if oid is not None]


def transcript_names(annotation_name: str, header_name: str | None = None) -> list[str]:
    """The names an annotation file's transcript may have, most likely first.

    The study pairs files by name (``P01.alice.json`` belongs to ``P01.txt`` or
    ``P01.md`` in the same folder), so those come first; the header's
    ``transcript`` field comes last: it keeps the old name after a ``git mv``.
    """
    names: list[str] = []
    split = split_annotation_name(annotation_name)
    if split is not None:
        names += [split[0] + suffix for suffix in TRANSCRIPT_SUFFIXES]
    if (header_name and "/" not in header_name and "\\" not in header_name and header_name not in (".", "..")
            and header_name not in names):
        names.append(header_name)
    return names


def locate_transcript(annotation_path: str | os.PathLike[str], transcript_name: str | None,
                      text_sha: str | None = None) -> tuple[Path | None, str | None]:
    """(work tree top, path of the transcript relative to it) for an annotation file.

    The transcript is beside the annotation file when git passes the real file.
    For a temporary copy (old revisions), it is looked for by name among the
    tracked files, in folders that also track an annotation file of the same
    name; among several, the one whose text has the recorded hash. Names are
    tried in the order of :func:`transcript_names`. When nothing is found the
    path is None (and the top is still given, for :func:`find_in_history`).
    """
    path = Path(annotation_path)
    names = transcript_names(path.name, transcript_name)
    for name in names:
        sibling = path.parent / name
        if sibling.is_file():
            top = toplevel(path.parent)
            if top is not None:
                try:
                    return top, sibling.resolve().relative_to(top.resolve()).as_posix()
                except ValueError:
                    pass
            return path.parent.resolve(), name
    here = toplevel(".")  # where git runs textconv: the top of the work tree
    if here is None and path.parent.is_dir():
        here = toplevel(path.parent)
    if here is None:
        return None, None
    if not names:
        return here, None
    files = git_text(["ls-files", "-z"], here, check=False).split("\0")
    tracked = set(files)
    for name in names:
        folders = [f[: -len(name)] for f in files if f == name or f.endswith("/" + name)]
        paired = [d for d in folders if d + path.name in tracked]
        existing = [d for d in paired if (here / (d + name)).is_file()]
        if len(existing) == 1:
            return here, existing[0] + name
        for d in existing:
            if text_sha and TranscriptVersions(here, d + name).known(text_sha):
                return here, d + name
    return here, None


def _glob_literal(name: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", name)


def find_in_history(top: Path, names: list[str], text_sha: str | None,
                    skip: tuple[str | None, ...] = ()) -> tuple[str, str] | None:
    """(path, text) of a transcript version whose hash is ``text_sha``, looked for
    in every path of the history (any folder) that has one of ``names``: for an
    annotation file whose transcript was renamed, moved or deleted since."""
    if not text_sha or not names:
        return None
    heads = [*_OPERATION_HEADS,
             *(name[len("GITHEAD_"):] for name in os.environ if re.fullmatch(r"GITHEAD_[0-9a-f]{40,64}", name))]
    specs = [f":(glob)**/{_glob_literal(name)}" for name in names]
    done = git(["log", "--all", "--reflog", "--full-history", "--ignore-missing", "--no-renames", "--format=",
                "--name-only", "-z", *heads, "--", *specs], top, check=False)
    if done.returncode != 0:
        return None
    paths = [p for p in dict.fromkeys(done.stdout.decode("utf-8", "surrogateescape").split("\0"))
             if p and p not in skip and posixpath.basename(p) in names]
    for name in names:  # names in their order of preference
        for rel in paths:
            if posixpath.basename(rel) == name:
                text = TranscriptVersions(top, rel).find(text_sha)
                if text is not None:
                    return rel, text
    return None

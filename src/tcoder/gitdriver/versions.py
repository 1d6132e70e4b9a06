"""Find the transcript text an annotation file was written against.

An annotation file records ``text_sha256``, the hash of the canonical text its
offsets refer to. The git drivers need that text, but git hands them temporary
files: the merge driver runs before the merged transcript is in the work tree
(the work tree still holds ours), and textconv gets old revisions as
``/tmp/git-blob-XXXXXX/P01.alice.json``. So texts are looked up by hash: first
the transcript in the work tree, then every version of its path in the history
(all refs, the reflog, and the heads of a merge, rebase or cherry-pick in
progress).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tcoder.errors import TcoderError
from tcoder.gitdriver.gitcmd import git, git_text, object_ids, read_blobs, toplevel
from tcoder.transcript import decode_bytes, text_sha256

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

    @property
    def worktree_path(self) -> Path | None:
        return self.top / self.rel_path if self.top is not None and self.rel_path is not None else None

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

    def add_text(self, text: str) -> str:
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
            self._pending = self._history_blobs()
        if not self._pending:
            return False
        batch, self._pending = self._pending[:_BATCH], self._pending[_BATCH:]
        for data in read_blobs(self.top, batch).values():
            if data is not None:
                self._add(data)
        return True

    def _history_blobs(self) -> list[str]:
        """Blob ids of every version of the path, newest first, without repeats."""
        heads = list(_OPERATION_HEADS)
        # `git merge` names the commits being merged in GITHEAD_<id> variables.
        heads += [name[len("GITHEAD_"):] for name in os.environ if re.fullmatch(r"GITHEAD_[0-9a-f]{40,64}", name)]
        done = git(["log", "--all", "--reflog", "--full-history", "--ignore-missing", "--format=%H", *heads,
                    "--", self.rel_path], self.top, check=False)
        if done.returncode != 0:
            return []
        commits = list(dict.fromkeys(done.stdout.decode().split()))
        ids = object_ids(self.top, [f"{c}:{self.rel_path}" for c in commits])
        return [oid for oid in dict.fromkeys(ids.values()) if oid is not None]


def locate_transcript(annotation_path: str | os.PathLike[str], transcript_name: str,
                      text_sha: str | None = None) -> tuple[Path | None, str | None]:
    """(work tree top, path of the transcript relative to it) for an annotation file.

    The transcript is beside the annotation file when git passes the real file.
    For a temporary copy (old revisions), it is looked for by name among the
    tracked files, in folders that also track an annotation file of the same
    name; among several, the one whose text has the recorded hash.
    """
    path = Path(annotation_path)
    if not transcript_name or "/" in transcript_name or "\\" in transcript_name:
        return None, None
    sibling = path.parent / transcript_name
    if sibling.is_file():
        top = toplevel(path.parent)
        if top is not None:
            try:
                return top, sibling.resolve().relative_to(top.resolve()).as_posix()
            except ValueError:
                pass
        return path.parent.resolve(), transcript_name
    here = toplevel(".")
    if here is None:
        return None, None
    files = git_text(["ls-files", "-z"], here, check=False).split("\0")
    tracked = set(files)
    folders = [f[: -len(transcript_name)] for f in files
               if f == transcript_name or f.endswith("/" + transcript_name)]
    paired = [d for d in folders if d + path.name in tracked]
    existing = [d for d in paired if (here / (d + transcript_name)).is_file()]
    if len(existing) == 1:
        return here, existing[0] + transcript_name
    for d in existing:
        if text_sha and TranscriptVersions(here, d + transcript_name).known(text_sha):
            return here, d + transcript_name
    return here, None

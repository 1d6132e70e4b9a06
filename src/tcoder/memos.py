"""Memo files: one Markdown file per memo in the study's ``memos/`` folder.

A memo that belongs to no single annotation lives here: a memo on a passage that
has no code (QualCoder's and NVivo's annotations, MAXQDA's memos on text), on a
whole transcript, on a code, or on the project. Memos on one annotation stay in
the annotation (its ``memo`` field). Each file has a small YAML front matter and the
memo's text as its body, so it diffs and merges like any text and can be written in
any editor::

    ---
    id: 5d10985a4b584c97
    kind: passage
    author: alice
    created: 2026-01-01T10:00:00Z
    links:
      - transcript: interviews/P01.txt
        start: 10
        end: 20
        quote: it was my grandmother
    ---
    Where the story of her activism starts.

``kind`` is ``passage``, ``transcript``, ``code`` or ``project``. A passage link
carries its quote so that it can be found again after the transcript is edited.
Unknown front-matter fields are kept when the file is written again.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tcoder.atomicio import atomic_write_text
from tcoder.errors import Problem
from tcoder.yamlsource import YamlProblems, parse_yaml

MEMO_FOLDER = "memos"
KINDS = ("passage", "transcript", "code", "project")
MEMO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_KNOWN = ("id", "kind", "author", "created", "updated", "links")
_LINK_KEYS = ("transcript", "start", "end", "quote", "code")
MAX_BYTES = 16 * 1024 ** 2


@dataclass
class MemoLink:
    """What a memo is about: a passage (transcript, start, end, quote), a transcript, or a code."""

    transcript: str | None = None
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _LINK_KEYS if getattr(self, k) is not None}


@dataclass
class Memo:
    id: str
    kind: str
    text: str
    author: str | None = None
    created: str | None = None
    updated: str | None = None
    links: list[MemoLink] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown front-matter fields, kept

    @property
    def file_name(self) -> str:
        return f"{self.id}.md"


def dumps_memo(memo: Memo) -> str:
    head: dict[str, Any] = {"id": memo.id, "kind": memo.kind}
    for key in ("author", "created", "updated"):
        value = getattr(memo, key)
        if value is not None:
            head[key] = value
    if memo.links:
        head["links"] = [link.as_dict() for link in memo.links]
    head.update(memo.extra)
    front = yaml.safe_dump(head, allow_unicode=True, sort_keys=False, width=100)
    body = memo.text if memo.text.endswith("\n") or not memo.text else memo.text + "\n"
    return f"---\n{front}---\n{body}"


def write_memo(study_root: str | os.PathLike[str], memo: Memo) -> Path:
    path = Path(study_root) / MEMO_FOLDER / memo.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, dumps_memo(memo))
    return path


def parse_memo(raw: str, path: str | os.PathLike[str] | None = None) -> tuple[Memo | None, list[Problem]]:
    """A memo from its file's text, or None and what is wrong (file, line and column)."""
    if not raw.startswith("---\n") and not raw.startswith("---\r\n"):
        return None, [Problem("a memo file starts with a '---' line, its front matter (id, kind...), and "
                              "another '---' line before the text", path, 1, 1)]
    text = raw.replace("\r\n", "\n")
    end = text.find("\n---\n", 3)
    if end < 0:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            return None, [Problem("the front matter is not closed by a '---' line", path, 1, 1)]
    front, body = text[4:end + 1], text[end + 5:]
    try:
        node = parse_yaml(front, path)
    except YamlProblems as exc:  # lines are counted from the file's first line
        return None, [Problem(p.message, p.path, (p.line or 0) + 1 if p.line else None, p.column)
                      for p in exc.problems]
    if node is None or not node.is_map:
        return None, [Problem("the front matter must be a mapping (id: ..., kind: ...)", path, 2, 1)]
    data = node.plain()
    problems = []
    memo_id, kind = data.get("id"), data.get("kind")
    if not isinstance(memo_id, str) or not MEMO_ID.match(memo_id):
        problems.append(Problem(f"'id' must be letters, digits, '-' or '_' (found {memo_id!r})", path, 2, 1))
    if kind not in KINDS:
        problems.append(Problem(f"'kind' must be one of {', '.join(KINDS)} (found {kind!r})", path, 2, 1))
    links = []
    for item in data.get("links") or []:
        if not isinstance(item, dict) or any(k not in _LINK_KEYS for k in item):
            problems.append(Problem(f"a link has the fields {', '.join(_LINK_KEYS)}; found {item!r}", path))
            continue
        start, end_ = item.get("start"), item.get("end")
        if (start is None) != (end_ is None) or any(v is not None and (not isinstance(v, int) or isinstance(v, bool)
                                                                        or v < 0) for v in (start, end_)):
            problems.append(Problem(f"a passage link needs whole-number 'start' and 'end'; found {item!r}", path))
            continue
        links.append(MemoLink(**{k: item.get(k) for k in _LINK_KEYS}))
    if problems:
        return None, problems
    extra = {k: v for k, v in data.items() if k not in _KNOWN}
    strings = {k: (str(data[k]) if data.get(k) is not None else None) for k in ("author", "created", "updated")}
    return Memo(memo_id, kind, body, strings["author"], strings["created"], strings["updated"], links, extra), []


def read_memos(study_root: str | os.PathLike[str]) -> tuple[list[Memo], list[Problem]]:
    """Every memo of a study, in file-name order, and what could not be read."""
    folder = Path(study_root) / MEMO_FOLDER
    memos: list[Memo] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return memos, problems
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")):
        try:
            if path.stat().st_size > MAX_BYTES:
                problems.append(Problem("the memo is larger than 16 MB; it is not read", path))
                continue
            raw = path.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(f"cannot read the memo: {getattr(exc, 'strerror', None) or exc}", path))
            continue
        memo, found = parse_memo(raw, path)
        problems.extend(found)
        if memo is None:
            continue
        if memo.id in seen:
            problems.append(Problem(f"the memo id {memo.id!r} is also used by {seen[memo.id].name}", path))
            continue
        seen[memo.id] = path
        memos.append(memo)
    return memos, problems


def memo_link_problems(memos: list[Memo], texts: dict[str, str], codes: set[str] | None,
                       folder: Path) -> list[Problem]:
    """Links to transcripts or codes that do not exist, and passages whose quote is no longer
    at their place (kept, reported)."""
    problems = []
    for memo in memos:
        path = folder / memo.file_name
        for link in memo.links:
            if link.transcript is not None and link.transcript not in texts:
                problems.append(Problem(f"memo {memo.id} is linked to the transcript {link.transcript!r}, which is "
                                        "not in the study (kept)", path, severity="warning"))
            elif link.transcript is not None and link.start is not None and link.end is not None:
                text = texts[link.transcript]
                if link.end > len(text) or (link.quote is not None and text[link.start:link.end] != link.quote):
                    problems.append(Problem(f"memo {memo.id}: its passage [{link.start}, {link.end}) of "
                                            f"{link.transcript} no longer holds {link.quote!r} (the transcript "
                                            "changed?); fix the link's start and end", path, severity="warning"))
            if link.code is not None and codes is not None and link.code not in codes:
                problems.append(Problem(f"memo {memo.id} is linked to the code {link.code!r}, which is not in the "
                                        "codebook (kept)", path, severity="warning"))
    return problems

"""Memo files: one Markdown file per memo or journal entry, with a small front matter.

```markdown
---
id: 5d0c6f1e2a9b4c37
kind: code
title: Resistance as delay
author: alice
created: 2026-03-14T12:18:47Z
updated: 2026-03-15T09:02:11Z
links:
  - {code: institutional-resistance}
  - {passage: interviews/P01.txt, start: 3388, end: 3521, quote: "...", prefix: "...", suffix: "..."}
---

Nobody ever says no: the answer is a meeting in six weeks...
```

This module owns the format: reading (every problem with its file, line and
column), the canonical writer, and saving a memo without ever overwriting a
version written meanwhile by another program (an editor, a git pull). Which
memos a study has, and what their links point to, is :mod:`tcoder.memoset`.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tcoder import frontmatter
from tcoder.annotations import CONTEXT_CHARS, new_id, now_iso
from tcoder.atomicio import atomic_write_bytes
from tcoder.errors import Problem, TcoderError
from tcoder.quotes import shorten
from tcoder.yamlsource import YamlProblems, YNode, suggest

#: What a memo is about. ``journal`` is an entry of the reflexive journal.
KINDS = ("project", "code", "transcript", "participant", "passage", "theme", "journal")
MemoKind = Literal["project", "code", "transcript", "participant", "passage", "theme", "journal"]
#: The front-matter fields tcoder knows, in the order it writes them.
FIELDS = ("id", "kind", "title", "author", "created", "updated", "links")
#: What a link can point to; the first key of a link says which.
LINK_KINDS = ("code", "transcript", "participant", "theme", "memo", "annotation", "passage")
_LINK_FIELDS = ("transcript", "coder", "start", "end", "quote", "prefix", "suffix", "orphaned")
#: The link a memo of each kind is expected to have (a code memo links a code...).
EXPECTED_LINK: dict[str, tuple[str, ...]] = {
    "code": ("code",), "transcript": ("transcript",), "participant": ("participant",), "theme": ("theme",),
    "passage": ("passage", "annotation"),
}
MEMO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
#: The memos folder of a study unless tcoder.yaml names another (``memos:``).
MEMO_FOLDER = "memos"
#: A memo is a page or a few of notes; anything past this is not read.
MAX_BYTES = 16 * 1024 * 1024
SUFFIX = ".md"


class MemoFileError(TcoderError):
    """A memo file that cannot be read."""


class MemoChangedError(TcoderError):
    """The memo file changed on disk since it was read: it is not overwritten."""


@dataclass(slots=True)
class Link:
    """A memo's link to a code, transcript, participant, theme, memo, annotation or passage.

    ``target`` is the id (or, for a transcript and a passage, the transcript's study
    path). A passage carries its offsets and its quote, with up to 32 characters
    either side, so it can be found again after the transcript is edited."""

    kind: str
    target: str
    transcript: str | None = None  # of an annotation
    coder: str | None = None  # of an annotation
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    orphaned: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # where it was read
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {self.kind: self.target}
        for name in _LINK_FIELDS:
            value = getattr(self, name)
            if value is not None and value is not False:
                d[name] = value
        d.update(self.extra)
        return d

    @property
    def transcript_name(self) -> str | None:
        """The transcript this link is in (a transcript, a passage or an annotation link)."""
        if self.kind in ("transcript", "passage"):
            return self.target
        return self.transcript

    def describe(self) -> str:
        if self.kind == "passage":
            short = shorten(self.quote or "", 40)
            return f"passage of {self.target} [{self.start}, {self.end})" + (f" \u201c{short}\u201d" if short else "")
        if self.kind == "annotation":
            where = ", ".join(x for x in (self.transcript, self.coder) if x)
            return f"annotation {self.target}" + (f" ({where})" if where else "")
        return f"{self.kind} {self.target}"

    def same_target(self, other: "Link") -> bool:
        if self.kind != other.kind or self.target != other.target:
            return False
        return self.kind != "passage" or (self.start, self.end) == (other.start, other.end)

    def set_context(self, text: str) -> None:
        """Store the covered text and its surroundings (a passage link)."""
        assert self.start is not None and self.end is not None
        self.quote = text[self.start:self.end]
        self.prefix = text[max(0, self.start - CONTEXT_CHARS):self.start]
        self.suffix = text[self.end:self.end + CONTEXT_CHARS]


def code_link(code: str) -> Link:
    return Link("code", code)


def passage_link(transcript: str, start: int, end: int, text: str) -> Link:
    link = Link("passage", transcript, start=start, end=end)
    link.set_context(text)
    return link


def annotation_link(annotation_id: str, transcript: str, coder: str) -> Link:
    return Link("annotation", annotation_id, transcript=transcript, coder=coder)


@dataclass(eq=False)
class Memo:
    id: str
    kind: str
    body: str = ""  # the Markdown text, without the blank line after the front matter
    title: str | None = None
    author: str | None = None
    created: str | None = None
    updated: str | None = None
    links: list[Link] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields (plain values), kept on rewrite
    path: Path | None = None
    #: the file as read, for rewriting only what changed and for noticing edits made elsewhere
    source: frontmatter.FrontMatterFile | None = None
    raw: bytes | None = None
    _read_values: dict[str, Any] = field(default_factory=dict, repr=False)
    _read_body: str | None = field(default=None, repr=False)

    @property
    def display_title(self) -> str:
        """The title, else the body's first line, else what the memo is about."""
        if self.title:
            return self.title
        for line in self.body.splitlines():
            line = line.strip().lstrip("#").strip()
            if line:
                return line if len(line) <= 80 else line[:79] + "\u2026"
        if self.links:
            return f"{self.kind} memo on {self.links[0].describe()}"
        return f"{self.kind} memo"

    @property
    def date(self) -> str:
        """The day it was written (YYYY-MM-DD), or ''."""
        return (self.created or "")[:10]

    def links_of(self, kind: str) -> list[Link]:
        return [link for link in self.links if link.kind == kind]

    def targets(self, kind: str) -> list[str]:
        return [link.target for link in self.links if link.kind == kind]

    def add_link(self, link: Link) -> bool:
        """Add a link unless the memo already has it; True if added."""
        if any(link.same_target(other) for other in self.links):
            return False
        self.links.append(link)
        return True

    def values(self) -> dict[str, Any]:
        """The known front-matter fields as written (links as plain mappings)."""
        values: dict[str, Any] = {"id": self.id, "kind": self.kind, "title": self.title, "author": self.author,
                                  "created": self.created, "updated": self.updated,
                                  "links": [link.to_dict() for link in self.links] or None}
        return values

    def touch(self) -> None:
        self.updated = now_iso()


def new_memo(kind: str, *, author: str | None = None, title: str | None = None, body: str = "",
             links: list[Link] | None = None, memo_id: str | None = None) -> Memo:
    if kind not in KINDS:
        raise ValueError(f"unknown memo kind {kind!r}")
    stamp = now_iso()
    return Memo(memo_id or new_id(), kind, body, title or None, author or None, stamp, stamp, list(links or []))


# ---------------------------------------------------------------- reading


def parse_memo(text: str, path: str | os.PathLike[str] | None = None) -> Memo:
    """Read a memo file's text; raises :class:`MemoFileError` listing every problem.
    A Markdown file without front matter is a project memo named after its file."""
    try:
        fm = frontmatter.split(text, path)
    except YamlProblems as exc:
        raise MemoFileError(exc.problems) from None
    stem = Path(path).stem if path is not None else "memo"
    if fm.yaml_text is None or fm.node is None:
        memo = Memo(stem, "project", _strip_separator(fm.body), source=fm)
        memo._read_values = memo.values()
        memo._read_body = memo.body
        return memo
    problems: list[Problem] = []
    fields = fm.fields
    memo_id = _id(fields.get("id"), stem, path, problems)
    kind = _kind(fields.get("kind"), path, problems)
    memo = Memo(memo_id, kind, _strip_separator(fm.body), source=fm)
    for name in ("title", "author", "created", "updated"):
        setattr(memo, name, _text(fields.get(name), name, path, problems))
    memo.links = _links(fields.get("links"), path, problems)
    memo.extra = {k: v.plain() for k, v in fields.items() if k not in FIELDS}
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise MemoFileError(errors)
    memo._read_values = memo.values()
    memo._read_body = memo.body
    return memo


def _strip_separator(body: str) -> str:
    return body[1:] if body.startswith("\n") else body


def _id(node: YNode | None, stem: str, path, problems: list[Problem]) -> str:
    if node is None or node.value in (None, ""):
        return stem  # a memo written by hand without an id is known by its file name
    value = str(node.raw if node.raw is not None else node.value).strip()
    if not MEMO_ID.match(value):
        problems.append(frontmatter.at(node, f"memo id {value!r} is not valid: use letters, digits, '-', '_', '.' "
                                             "or ':', starting with a letter or digit", path))
    return value


def _kind(node: YNode | None, path, problems: list[Problem]) -> str:
    if node is None or node.value in (None, ""):
        return "project"
    value = str(node.value).strip()
    if value not in KINDS:
        problems.append(frontmatter.at(node, f"unknown memo kind {value!r}{suggest(value, KINDS)}; a memo is one "
                                             f"of: {', '.join(KINDS)}", path))
    return value


def _text(node: YNode | None, name: str, path, problems: list[Problem]) -> str | None:
    if node is None or node.value is None:
        return None
    if isinstance(node.value, (dict, list)):
        problems.append(frontmatter.at(node, f"{name!r} must be text, not a list or mapping", path))
        return None
    if isinstance(node.value, str):
        return node.value
    return str(node.raw if node.raw is not None else node.value)


def _links(node: YNode | None, path, problems: list[Problem]) -> list[Link]:
    if node is None or node.value is None:
        return []
    if not node.is_seq:
        problems.append(frontmatter.at(node, "'links' must be a list, one link per line, e.g. "
                                             "'  - {code: motivation}'", path))
        return []
    links = []
    for item in node.value:
        link = _link(item, path, problems)
        if link is not None:
            links.append(link)
    return links


def _link(item: YNode, path, problems: list[Problem]) -> Link | None:
    if isinstance(item.value, str) and ":" in item.value:  # "code: x" written as one string
        problems.append(frontmatter.at(item, f"a link is a mapping such as {{code: motivation}}; put a space after "
                                             f"the colon in {item.value!r}", path))
        return None
    if not item.is_map:
        problems.append(frontmatter.at(item, "a link is a mapping such as {code: motivation} or "
                                             "{transcript: interviews/P01.txt}", path))
        return None
    values: dict[str, YNode] = item.value
    kinds = [k for k in values if k in LINK_KINDS]
    if "annotation" in kinds and "transcript" in kinds:
        kinds.remove("transcript")  # an annotation link says which transcript the annotation is in
    if len(kinds) != 1:
        what = "no" if not kinds else f"{len(kinds)} ({', '.join(kinds)})"
        unknown = [k for k in values if k not in LINK_KINDS and k not in _LINK_FIELDS]
        hint = suggest(unknown[0], LINK_KINDS) if unknown and not kinds else ""
        problems.append(frontmatter.at(item, f"a link names {what} target{hint}; it names exactly one of "
                                             f"{', '.join(LINK_KINDS)}", path))
        return None
    key = kind = kinds[0]
    target_node = values[key]
    if key == "transcript" and "start" in values and "end" in values:
        kind = "passage"  # {transcript: T, start: N, end: N} is a passage too
    if target_node.value in (None, "") or isinstance(target_node.value, (dict, list)):
        problems.append(frontmatter.at(target_node, f"the {kind} link needs a name or id", path))
        return None
    target = str(target_node.raw if target_node.raw is not None and not isinstance(target_node.value, str)
                 else target_node.value)
    link = Link(kind, target, line=item.mark.line + 1, column=item.mark.column)
    for name in ("transcript", "coder", "quote", "prefix", "suffix"):
        if name in values and name != key:
            link_value = values[name].value
            if not isinstance(link_value, str):
                problems.append(frontmatter.at(values[name], f"{name!r} of a link must be text", path))
            else:
                setattr(link, name, link_value)
    for name in ("start", "end"):
        if name in values:
            number = values[name].value
            if not isinstance(number, int) or isinstance(number, bool) or number < 0:
                problems.append(frontmatter.at(values[name], f"{name!r} of a link must be a whole number, 0 or more",
                                               path))
            else:
                setattr(link, name, number)
    if "orphaned" in values:
        if not isinstance(values["orphaned"].value, bool):
            problems.append(frontmatter.at(values["orphaned"], "'orphaned' must be true or false", path))
        else:
            link.orphaned = values["orphaned"].value
    link.extra = {k: v.plain() for k, v in values.items() if k != key and k not in _LINK_FIELDS}
    if kind == "transcript":
        link.transcript = None
    if kind == "passage":
        if link.start is None or link.end is None:
            problems.append(frontmatter.at(item, "a passage link needs 'start' and 'end' (offsets in the "
                                                 "transcript) and should carry its 'quote'", path))
            return None
        if link.end <= link.start:
            problems.append(frontmatter.at(item, f"the passage [{link.start}, {link.end}) is empty or reversed",
                                           path))
            return None
    return link


def read_memo(path: str | os.PathLike[str]) -> Memo:
    from tcoder.safeio import read_file

    path = Path(path)
    raw = read_file(path, limit=MAX_BYTES, what="the memo", error=MemoFileError)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise MemoFileError(Problem(f"not UTF-8 (invalid byte 0x{raw[exc.start]:02x}); save the memo as UTF-8",
                                    path, line, column)) from None
    memo = parse_memo(text, path)
    memo.path = path
    memo.raw = raw
    return memo


# ---------------------------------------------------------------- writing


def dumps_memo(memo: Memo) -> str:
    """The memo's file text. A memo read from a file keeps every line whose field did
    not change (unknown fields and comments included), so reading and writing an
    unchanged memo gives the same bytes."""
    fm = memo.source
    values = memo.values()
    body = memo.body
    if fm is not None and fm.yaml_text is not None:
        changed: dict[str, str | None] = {}
        for key in FIELDS:
            if values.get(key) != memo._read_values.get(key):
                changed[key] = frontmatter.block_field(key, values[key]) if values.get(key) is not None else None
        old_extra = {k: v.plain() for k, v in fm.fields.items() if k not in FIELDS}
        for key in set(old_extra) | set(memo.extra):
            if old_extra.get(key) != memo.extra.get(key) or key not in memo.extra:
                changed[key] = frontmatter.block_field(key, memo.extra[key]) if key in memo.extra else None
        if body != memo._read_body:
            fm = _with_body(fm, body)
        return frontmatter.render(fm, changed, FIELDS)
    if fm is not None and values == memo._read_values and body == memo._read_body and not memo.extra:
        return frontmatter.render_unchanged(fm)
    # a new memo, or a file that had no front matter: canonical front matter
    lines: dict[str, str | None] = {key: frontmatter.block_field(key, value) for key, value in values.items()
                                    if value is not None}
    lines.update({key: frontmatter.block_field(key, value) for key, value in memo.extra.items()})
    shell = fm if fm is not None else frontmatter.FrontMatterFile(None, "", 1)
    shell = _with_body(shell, body)
    return frontmatter.render(shell, lines, FIELDS)


def _with_body(fm: frontmatter.FrontMatterFile, body: str) -> frontmatter.FrontMatterFile:
    from dataclasses import replace

    text = body if not body or body.endswith("\n") else body + "\n"
    return replace(fm, body="\n" + text if text else "")


def encode_memo(memo: Memo) -> bytes:
    return dumps_memo(memo).encode("utf-8")


def fingerprint(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def disk_bytes(path: Path) -> bytes | None:
    from tcoder.safeio import read_head

    if not path.exists():
        return None
    return read_head(path, MAX_BYTES + 1)


def changed_on_disk(memo: Memo) -> bool:
    """Whether the file is no longer what this memo was read from (or was deleted)."""
    if memo.path is None:
        return False
    return disk_bytes(memo.path) != memo.raw


def save_memo(memo: Memo, path: str | os.PathLike[str] | None = None, *, force: bool = False) -> Path:
    """Write the memo atomically. Refused with :class:`MemoChangedError` when the file
    on disk is not the version this memo was read from (edited in an editor, changed
    by a git pull) or, for a new memo, when a file of that name exists: nothing is
    ever written over someone else's text."""
    target = Path(path) if path is not None else memo.path
    if target is None:
        raise ValueError("a new memo needs a path")
    current = disk_bytes(target)
    expected = memo.raw if target == memo.path else None
    if not force and current != expected:
        if expected is None:
            why = "a file of this name already exists"
        elif current is None:
            why = "the file was deleted or moved since it was opened"
        else:
            why = "the file was changed by another program since it was opened (an editor, git)"
        raise MemoChangedError(Problem(f"{why}; your version was not written over it. Open the memo again to see "
                                       "the other version", target))
    data = encode_memo(memo)
    if data != current:
        atomic_write_bytes(target, data)
    memo.path = target
    memo.raw = data
    fresh = parse_memo(data.decode("utf-8"), target)
    memo.source, memo._read_values, memo._read_body = fresh.source, fresh._read_values, fresh._read_body
    return target


# ---------------------------------------------------------------- file names


def slug(text: str, limit: int = 48) -> str:
    """A file-name-safe form of a title: ``Resistance as delay`` -> ``resistance-as-delay``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return words[:limit].rstrip("-")


def file_name_for(memo: Memo) -> str:
    """``journal/2026-03-14-after-fg1.md`` for a journal entry, ``<kind>-<title>.md`` otherwise
    (relative to the memos folder)."""
    name = slug(memo.title or memo.display_title) or memo.id
    if memo.kind == "journal":
        return f"journal/{memo.date or now_iso()[:10]}-{name}{SUFFIX}"
    return f"{name}{SUFFIX}" if name.startswith(memo.kind + "-") else f"{memo.kind}-{name}{SUFFIX}"


def unique_path(folder: Path, relative: str) -> Path:
    """``folder/relative``, with ``-2``, ``-3``... before the suffix if it exists."""
    target = folder / relative
    n = 2
    while target.exists():
        target = folder / f"{relative[: -len(SUFFIX)]}-{n}{SUFFIX}"
        n += 1
    return target

"""Markdown files with a YAML front matter: splitting, reading with positions, and
rewriting that keeps every line it was not asked to change.

A file written by another editor (a hand-written memo, one with comments or
fields other programs added) stays as it was except for the fields tcoder sets:
each top-level field's lines are replaced only when its value changed, unknown
fields and comments are kept in place, and a file read and written unchanged
comes back byte for byte (a byte-order mark and CRLF line ends included).
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from tcoder.errors import Problem
from tcoder.yamlsource import YamlProblems, YNode, parse_yaml

FENCE = "---"
_CLOSERS = ("---", "...")
_BOM = "\ufeff"


@dataclass
class FrontMatterFile:
    """A Markdown file split into its front matter (YAML text) and its body."""

    yaml_text: str | None  # None: the file has no front matter
    body: str  # everything after the closing fence line (LF newlines)
    first_body_line: int  # 1-based line of the body's first line in the file
    opener: str = FENCE  # the fence lines as written (``---`` with trailing spaces, ``...``)
    closer: str = FENCE
    bom: bool = False
    crlf: bool = False
    node: YNode | None = None  # the front matter parsed, when it is a mapping
    #: top-level field -> (first line, last line), 0-based within ``yaml_text``, end exclusive
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    block_layout: bool = True  # every top-level field starts its own line at column 1

    @property
    def fields(self) -> dict[str, YNode]:
        return self.node.value if self.node is not None and self.node.is_map else {}


def split(text: str, path: str | os.PathLike[str] | None = None) -> FrontMatterFile:
    """Split a file's text; raises :class:`YamlProblems` (lines counted in the whole
    file) when the front matter is not closed or is not valid YAML."""
    bom = text.startswith(_BOM)
    if bom:
        text = text[1:]
    crlf = "\r\n" in text
    if crlf:
        text = text.replace("\r\n", "\n")
    first, nl, rest = text.partition("\n")
    if first.rstrip() != FENCE:
        return FrontMatterFile(None, text, 1, bom=bom, crlf=crlf)
    lines = rest.split("\n")
    for i, line in enumerate(lines):
        if line.rstrip() in _CLOSERS:
            yaml_text = "".join(f"{x}\n" for x in lines[:i])
            body = "\n".join(lines[i + 1:])
            fm = FrontMatterFile(yaml_text, body, i + 3, first, line, bom, crlf)
            _parse(fm, path)
            return fm
    raise YamlProblems([Problem("the front matter that starts on line 1 with '---' is never closed: add a line "
                                "'---' after the last field", path, 1, 1)])


def _parse(fm: FrontMatterFile, path) -> None:
    try:
        node = parse_yaml(fm.yaml_text or "", path)
    except YamlProblems as exc:
        raise YamlProblems([shift(p, 1) for p in exc.problems]) from None
    if node is None:
        return
    if not node.is_map:
        raise YamlProblems([Problem("the front matter must be a mapping of fields (name: value)", path,
                                    node.mark.line + 1, node.mark.column)])
    fm.node = node
    marks = node.key_marks or {}
    lines = [m.line - 1 for m in marks.values()]
    fm.block_layout = all(m.column == 1 for m in marks.values()) and len(set(lines)) == len(lines)
    if fm.block_layout:
        total = (fm.yaml_text or "").count("\n")
        ordered = sorted(marks.items(), key=lambda kv: kv[1].line)
        for i, (key, mark) in enumerate(ordered):
            end = ordered[i + 1][1].line - 1 if i + 1 < len(ordered) else total
            fm.ranges[key] = (mark.line - 1, end)


def shift(problem: Problem, lines: int) -> Problem:
    """A problem found in the front matter's own text, placed in the whole file."""
    if problem.line is None:
        return problem
    return Problem(problem.message, problem.path, problem.line + lines, problem.column, problem.severity)


def at(node: YNode, message: str, path, severity: str = "error") -> Problem:
    """A problem at a front-matter node, with the line counted in the whole file."""
    return Problem(message, path, node.mark.line + 1, node.mark.column, severity)  # type: ignore[arg-type]


# ---------------------------------------------------------------- writing values

_PLAIN = re.compile(r"^[A-Za-z0-9_./(][^\n\t#,\[\]{}\"'|>&*!%@`]*$")
_STR_TAG = "tag:yaml.org,2002:str"
_TIME_TAG = "tag:yaml.org,2002:timestamp"


def scalar(value: Any) -> str:
    """A value as a YAML scalar that reads back as the same value: numbers and booleans
    plainly, strings plainly when that is unambiguous, else double-quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)
    text = str(value)
    return text if _plain_ok(text) else quoted(text)


# Characters YAML does not allow as they are (or reads as line breaks): escaped in quotes.
_NOT_YAML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes, plus those for characters YAML refuses)."""
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


@functools.lru_cache(maxsize=4096)
def _plain_ok(text: str) -> bool:
    """Whether ``text`` written bare reads back as the same string, in a block and in a flow mapping."""
    if not text or text != text.strip() or not _PLAIN.match(text) or ": " in text or text.endswith(":"):
        return False
    for document in (f"k: {text}\n", f"{{k: {text}}}\n"):
        try:
            node = yaml.compose(document, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return False
        value = node.value[0][1] if node is not None and node.value else None
        if not isinstance(value, yaml.ScalarNode) or value.value != text or value.tag not in (_STR_TAG, _TIME_TAG):
            return False
    return True


def flow(value: Any) -> str:
    """A value in YAML flow style on one line (mappings keep their key order)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(str(k))}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def block_field(key: str, value: Any) -> str:
    """One top-level field as canonical lines: ``key: scalar``, or a list with one
    item per line (``  - item``, mappings in flow style), each line ending in LF."""
    if isinstance(value, (list, tuple)):
        if not value:
            return f"{key}: []\n"
        return f"{key}:\n" + "".join(f"  - {flow(item)}\n" for item in value)
    if isinstance(value, dict):
        if not value:
            return f"{key}: {{}}\n"
        return f"{key}:\n" + "".join(f"  {scalar(str(k))}: {flow(v)}\n" for k, v in value.items())
    return f"{key}: {scalar(value)}\n"


# ---------------------------------------------------------------- rewriting


def render(fm: FrontMatterFile, changed: Mapping[str, str | None], order: tuple[str, ...]) -> str:
    """The file's text with the given top-level fields replaced.

    ``changed`` maps a field to its new lines (from :func:`block_field`), or to None
    to remove it; fields not in it keep their lines exactly, comments included. A new
    field goes after the nearest field before it in ``order`` (the canonical order)."""
    if fm.yaml_text is None:
        lines = "".join(v for k in order for v in [changed.get(k)] if v)
        lines += "".join(v for k, v in changed.items() if k not in order and v)
        text = f"{FENCE}\n{lines}{FENCE}\n" + ("\n" if fm.body and not fm.body.startswith("\n") else "") + fm.body
        return _finish(text, fm)
    if not fm.block_layout:
        return _finish(_rewrite_all(fm, changed, order), fm)
    old = fm.yaml_text.split("\n")[:-1] if fm.yaml_text else []
    out: list[str] = []
    # lines before the first field (comments) stay first
    starts = sorted(fm.ranges.values())
    head_end = starts[0][0] if starts else len(old)
    out.extend(line + "\n" for line in old[:head_end])
    placed: set[str] = set()
    existing = sorted(fm.ranges.items(), key=lambda kv: kv[1][0])
    for i, (key, (lo, hi)) in enumerate(existing):
        if i == 0:
            out.extend(_new_fields_before(key, fm, changed, order, placed))
        if key in changed:
            kept_tail = _trailing_comments(old[lo:hi])
            new = changed[key]
            if new:
                out.append(new)
            out.extend(line + "\n" for line in kept_tail)
        else:
            out.extend(line + "\n" for line in old[lo:hi])
        out.extend(_new_fields_after(key, fm, changed, order, placed))
    if not existing:
        out.extend(v for k in order for v in [changed.get(k)] if v and k not in placed)
    leftovers = [v for k, v in changed.items() if v and k not in fm.ranges and k not in placed]
    out.extend(leftovers)
    text = f"{fm.opener}\n" + "".join(out) + f"{fm.closer}\n" + fm.body
    return _finish(text, fm)


def _new_fields_before(first: str, fm, changed, order, placed: set[str]) -> list[str]:
    """New fields that come before the file's first field in the canonical order."""
    if first not in order:
        return []
    out = []
    for key in order[:order.index(first)]:
        if key in changed and key not in fm.ranges and changed[key]:
            out.append(changed[key])
            placed.add(key)
    return out


def _new_fields_after(key: str, fm, changed, order, placed: set[str]) -> list[str]:
    """New fields whose nearest existing predecessor in the canonical order is ``key``."""
    if key not in order:
        return []
    out = []
    for candidate in order[order.index(key) + 1:]:
        if candidate in fm.ranges:
            break
        if candidate in changed and changed[candidate] and candidate not in placed:
            out.append(changed[candidate])
            placed.add(candidate)
    return out


def _trailing_comments(lines: list[str]) -> list[str]:
    """Comment and blank lines at the end of a field's lines: they belong to what follows."""
    i = len(lines)
    while i > 1 and (not lines[i - 1].strip() or lines[i - 1].lstrip().startswith("#")):
        i -= 1
    return lines[i:]


def render_unchanged(fm: FrontMatterFile) -> str:
    """The file as it was read (a file without front matter, left as it is)."""
    if fm.yaml_text is None:
        return _finish(fm.body, fm)
    return render(fm, {}, ())


def _rewrite_all(fm: FrontMatterFile, changed: Mapping[str, str | None], order: tuple[str, ...]) -> str:
    """A front matter not laid out one field per line (``{id: x, kind: code}``):
    every field is written again in block style, known ones first."""
    values = {k: v.plain() for k, v in fm.fields.items()}
    keys = [k for k in order if k in values or changed.get(k)] + [k for k in values if k not in order]
    keys += [k for k in changed if k not in keys and changed[k]]
    lines: list[str] = []
    for key in keys:
        if key in changed:
            new = changed[key]
            if new:
                lines.append(new)
        else:
            lines.append(block_field(key, values[key]))
    return f"{fm.opener}\n" + "".join(lines) + f"{fm.closer}\n" + fm.body


def _finish(text: str, fm: FrontMatterFile) -> str:
    if fm.crlf:
        text = text.replace("\n", "\r\n")
    return (_BOM if fm.bom else "") + text

"""Themes: their own layer above the codebook, in ``themes.yaml``.

```yaml
title: Themes of the activism study
themes:
  - id: waiting-as-refusal
    name: The institution says no by waiting
    status: candidate            # candidate | reviewed | defined | final | discarded
    concept: Delay is how the institution refuses without refusing.
    definition: |
      Participants describe ...
    codes:
      - institutional-resistance
      - disillusionment
    subthemes:
      - looping-in
```

Themes are listed flat and name their sub-themes by id, so each theme is one
block that git diffs and merges on its own. A code can inform several themes.
This module owns the format: reading with file, line and column, validation
(unknown codes, unknown or doubly owned sub-themes, cycles), and writing that
rewrites only the blocks of the themes that changed, so comments and hand
formatting of the others stay as they were.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

import yaml

from tcoder import frontmatter
from tcoder.errors import Problem, TcoderError
from tcoder.yamlsource import YamlProblems, YNode, parse_yaml, suggest

STATUSES = ("candidate", "reviewed", "defined", "final", "discarded")
THEME_FIELDS = ("id", "name", "status", "concept", "definition", "codes", "subthemes")
TOP_FIELDS = ("title", "themes")
THEME_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
HEADER = "# Themes, written by tcoder (see docs/themes.md). Each theme is one block; edit freely.\n"


class ThemeFileError(TcoderError):
    """A themes file that cannot be read."""


@dataclass
class Theme:
    id: str
    name: str = ""
    status: str = "candidate"
    concept: str = ""  # the central organising concept
    definition: str = ""
    codes: list[str] = field(default_factory=list)
    subthemes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields, kept
    line: int | None = None
    #: where each code and sub-theme id was written: (line, column)
    places: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        return self.name or self.id

    def values(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name or None, "status": self.status, "concept": self.concept or None,
                "definition": self.definition or None, "codes": list(self.codes) or None,
                "subthemes": list(self.subthemes) or None, **self.extra}

    def copy(self) -> "Theme":
        return replace(self, codes=list(self.codes), subthemes=list(self.subthemes), extra=dict(self.extra),
                       places=dict(self.places))


@dataclass
class ThemeFile:
    themes: dict[str, Theme] = field(default_factory=dict)  # in file order
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    warnings: list[Problem] = field(default_factory=list)  # found while reading
    #: the text as read, and each theme's lines in it (for rewriting only what changed)
    text: str | None = None
    _blocks: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    _read: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _read_top: dict[str, Any] = field(default_factory=dict, repr=False)
    _item_indent: str = "  "
    _layout_ok: bool = False

    def __contains__(self, theme_id: object) -> bool:
        return theme_id in self.themes

    def __getitem__(self, theme_id: str) -> Theme:
        return self.themes[theme_id]

    def __iter__(self):
        return iter(self.themes.values())

    def __len__(self) -> int:
        return len(self.themes)

    def parent_of(self, theme_id: str) -> str | None:
        for theme in self.themes.values():
            if theme_id in theme.subthemes:
                return theme.id
        return None

    @property
    def roots(self) -> list[str]:
        """Themes that are no theme's sub-theme, in file order."""
        owned = {s for t in self.themes.values() for s in t.subthemes}
        return [tid for tid in self.themes if tid not in owned]

    def walk(self) -> list[tuple[Theme, int]]:
        """Every theme with its depth, parents before their sub-themes (cycles cut)."""
        out: list[tuple[Theme, int]] = []
        seen: set[str] = set()

        def visit(tid: str, depth: int) -> None:
            if tid in seen or tid not in self.themes:
                return
            seen.add(tid)
            out.append((self.themes[tid], depth))
            for sub in self.themes[tid].subthemes:
                visit(sub, depth + 1)

        for root in self.roots:
            visit(root, 0)
        for tid in self.themes:  # themes only reachable through a cycle
            visit(tid, 0)
        return out

    def descendants(self, theme_id: str) -> list[str]:
        out: list[str] = []
        stack = list(reversed(self.themes[theme_id].subthemes)) if theme_id in self.themes else []
        while stack:
            tid = stack.pop()
            if tid in out or tid == theme_id or tid not in self.themes:
                continue
            out.append(tid)
            stack.extend(reversed(self.themes[tid].subthemes))
        return out

    def themes_of_code(self, code: str) -> list[str]:
        return [t.id for t in self.themes.values() if code in t.codes]

    def find(self, wanted: str) -> Theme:
        """A theme by id, or by name ignoring case."""
        if wanted in self.themes:
            return self.themes[wanted]
        by_name = [t for t in self.themes.values() if t.name.casefold() == wanted.casefold()]
        if len(by_name) == 1:
            return by_name[0]
        raise TcoderError(Problem(f"no theme {wanted!r}{suggest(wanted, list(self.themes))}"
                                  + ("" if self.themes else " (there are no themes yet)"), self.path))

    def copy(self) -> "ThemeFile":
        clone = replace(self, themes={k: t.copy() for k, t in self.themes.items()}, extra=dict(self.extra),
                        warnings=list(self.warnings))
        return clone


# ---------------------------------------------------------------- reading


def parse_themes(text: str, path: str | os.PathLike[str] | None = None) -> ThemeFile:
    """Read a themes file; raises :class:`ThemeFileError` listing every problem in its
    structure. Links to codes and the sub-theme tree are checked by :func:`theme_problems`."""
    try:
        root = parse_yaml(text, path)
    except YamlProblems as exc:
        raise ThemeFileError(exc.problems) from None
    result = ThemeFile(path=Path(path) if path is not None else None, text=text)
    if root is None:
        return result
    problems: list[Problem] = []
    if not root.is_map:
        raise ThemeFileError(Problem("a themes file is a mapping with a 'themes:' list (see docs/themes.md)", path,
                                     root.mark.line, root.mark.column))
    fields = root.value
    for key, mark in (root.key_marks or {}).items():
        if key not in TOP_FIELDS:
            result.warnings.append(Problem(f"unknown field {key!r}{suggest(key, TOP_FIELDS)} (kept)", path,
                                           mark.line, mark.column, "warning"))
    result.title = _text(fields.get("title"), "title", path, problems)
    result.extra = {k: v.plain() for k, v in fields.items() if k not in TOP_FIELDS}
    themes_node = fields.get("themes")
    if themes_node is not None and themes_node.value is not None:
        if not themes_node.is_seq:
            problems.append(_at(themes_node, "'themes' must be a list of themes", path))
        else:
            for item in themes_node.value:
                theme = _theme(item, path, problems, result.warnings)
                if theme is None:
                    continue
                if theme.id in result.themes:
                    first = result.themes[theme.id].line
                    problems.append(Problem(f"two themes have the id {theme.id!r} (the first on line {first})", path,
                                            theme.line, item.value["id"].mark.column))
                    continue
                result.themes[theme.id] = theme
    if problems:
        raise ThemeFileError(problems)
    _record_layout(result, text)
    return result


def _at(node: YNode, message: str, path, severity: str = "error") -> Problem:
    return Problem(message, path, node.mark.line, node.mark.column, severity)  # type: ignore[arg-type]


def _text(node: YNode | None, name: str, path, problems: list[Problem]) -> str:
    if node is None or node.value is None:
        return ""
    if isinstance(node.value, (dict, list)):
        problems.append(_at(node, f"{name!r} must be text", path))
        return ""
    return node.value if isinstance(node.value, str) else str(node.raw if node.raw is not None else node.value)


def _theme(item: YNode, path, problems: list[Problem], warnings: list[Problem]) -> Theme | None:
    if not item.is_map:
        problems.append(_at(item, "each theme is a mapping with at least an 'id' (and a 'name')", path))
        return None
    fields: dict[str, YNode] = item.value
    id_node = fields.get("id")
    if id_node is None or id_node.value in (None, ""):
        name = _text(fields.get("name"), "name", path, [])
        problems.append(_at(item, "a theme without an 'id'" + (f" (the theme named {name!r})" if name else "")
                                  + ": every theme needs a stable id", path))
        return None
    theme_id = str(id_node.raw if id_node.raw is not None else id_node.value).strip()
    if not THEME_ID.match(theme_id):
        problems.append(_at(id_node, f"theme id {theme_id!r} is not valid: use letters, digits, '-', '_', '.' or "
                                     "':', starting with a letter or digit", path))
        return None
    theme = Theme(theme_id, line=item.mark.line)
    theme.name = _text(fields.get("name"), "name", path, problems)
    theme.concept = _text(fields.get("concept"), "concept", path, problems)
    theme.definition = _text(fields.get("definition"), "definition", path, problems)
    status = fields.get("status")
    if status is not None and status.value is not None:
        if status.value not in STATUSES:
            problems.append(_at(status, f"status {status.raw!r} of theme {theme_id!r} is not one of "
                                        f"{', '.join(STATUSES)}{suggest(str(status.raw), STATUSES)}", path))
        else:
            theme.status = status.value
    for name in ("codes", "subthemes"):
        node = fields.get(name)
        if node is None or node.value is None:
            continue
        items = node.value if node.is_seq else [node] if isinstance(node.value, str) else None
        if items is None:
            problems.append(_at(node, f"{name!r} must be a list of ids", path))
            continue
        target: list[str] = getattr(theme, name)
        for entry in items:
            if isinstance(entry.value, (dict, list)) or entry.value in (None, ""):
                problems.append(_at(entry, f"each of {name!r} is an id", path))
                continue
            value = str(entry.raw if entry.raw is not None else entry.value).strip()
            if value in target:
                warnings.append(_at(entry, f"{value!r} is listed twice in {name!r} of theme {theme_id!r}", path,
                                    "warning"))
                continue
            target.append(value)
            theme.places[(name, value)] = (entry.mark.line, entry.mark.column)
    for key, mark in (item.key_marks or {}).items():
        if key not in THEME_FIELDS:
            warnings.append(Problem(f"unknown field {key!r} in theme {theme_id!r}{suggest(key, THEME_FIELDS)} (kept)",
                                    path, mark.line, mark.column, "warning"))
    theme.extra = {k: v.plain() for k, v in fields.items() if k not in THEME_FIELDS}
    return theme


def _record_layout(result: ThemeFile, text: str) -> None:
    """Remember the lines of each theme's block, when the file is laid out as tcoder writes
    it (a block list of block mappings), so unchanged themes are written back as they were."""
    result._read = {tid: t.values() for tid, t in result.themes.items()}
    result._read_top = {"title": result.title or None, **result.extra}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return
    if not isinstance(root, yaml.MappingNode):
        return
    seq = next((v for k, v in root.value if getattr(k, "value", None) == "themes"), None)
    if not isinstance(seq, yaml.SequenceNode) or seq.flow_style:
        return
    lines = text.split("\n")
    starts = []
    for item in seq.value:
        if not isinstance(item, yaml.MappingNode) or item.flow_style:
            return
        line = item.start_mark.line
        dash = lines[line][:item.start_mark.column].rstrip()
        if not dash.endswith("-") or dash[:-1].strip():
            return
        starts.append(line)
    if not starts:
        return
    result._item_indent = lines[starts[0]][:len(lines[starts[0]]) - len(lines[starts[0]].lstrip())]
    end_of_seq = seq.end_mark.line + (1 if seq.end_mark.column > 0 else 0)
    ids = list(result.themes)
    if len(ids) != len(starts):
        return
    for i, tid in enumerate(ids):
        hi = starts[i + 1] if i + 1 < len(starts) else end_of_seq
        result._blocks[tid] = (starts[i], hi)
    result._layout_ok = True


def read_themes(path: str | os.PathLike[str]) -> ThemeFile:
    """The themes file, or an empty one when it does not exist yet."""
    from tcoder.safeio import YAML_LIMIT, read_file

    path = Path(path)
    if not os.path.lexists(path):
        return ThemeFile(path=path)
    raw = read_file(path, limit=YAML_LIMIT, what="the themes file", error=ThemeFileError)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ThemeFileError(Problem(f"not UTF-8 (invalid byte at {exc.start}); save the themes file as UTF-8",
                                     path)) from None
    return parse_themes(text.replace("\r\n", "\n"), path)


# ---------------------------------------------------------------- checking


def theme_problems(themes: ThemeFile, known_codes: Iterable[str] | None = None,
                   resolve_code=None) -> list[Problem]:
    """Codes not in the codebook, sub-themes that do not exist or belong to two themes,
    and cycles of sub-themes, each at its file, line and column. ``resolve_code`` may map
    an id the codebook retired (renamed, merged) to its current id, for the message."""
    path = themes.path
    problems = list(themes.warnings)
    known = set(known_codes) if known_codes is not None else None
    owner: dict[str, str] = {}
    for theme in themes:
        for code in theme.codes if known is not None else ():
            assert known is not None
            if code not in known:
                line, column = theme.places.get(("codes", code), (theme.line, None))
                now = resolve_code(code) if resolve_code else None
                hint = f"; it is now {now!r}" if now else suggest(code, sorted(known))
                problems.append(Problem(f"theme {theme.id!r} links the code {code!r}, which is not in the codebook"
                                        f"{hint} (kept)", path, line, column))
        for sub in theme.subthemes:
            line, column = theme.places.get(("subthemes", sub), (theme.line, None))
            if sub not in themes.themes:
                problems.append(Problem(f"theme {theme.id!r} has the sub-theme {sub!r}, which is not a theme"
                                        f"{suggest(sub, list(themes.themes))}", path, line, column))
            elif sub == theme.id:
                problems.append(Problem(f"theme {theme.id!r} is listed as its own sub-theme", path, line, column))
            elif sub in owner and owner[sub] != theme.id:
                problems.append(Problem(f"{sub!r} is a sub-theme of both {owner[sub]!r} and {theme.id!r}; a sub-theme "
                                        "belongs to one theme", path, line, column))
            else:
                owner[sub] = theme.id
    for cycle in find_cycles(themes):
        first, second = cycle[0], cycle[1]
        line, column = themes[first].places.get(("subthemes", second), (themes[first].line, None))
        chain = " -> ".join(cycle + [cycle[0]])
        problems.append(Problem(f"the sub-themes form a cycle: {chain}; a theme cannot be inside itself", path,
                                line, column))
    return problems


def find_cycles(themes: ThemeFile) -> list[list[str]]:
    """Each cycle of sub-themes once, as the list of its ids (starting at the one written first)."""
    order = {tid: i for i, tid in enumerate(themes.themes)}
    cycles: list[list[str]] = []
    seen_sets: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(tid: str) -> None:
        state[tid] = 1
        stack.append(tid)
        for sub in themes[tid].subthemes:
            if sub not in themes.themes or sub == tid:
                continue
            if state.get(sub) == 1:
                cycle = stack[stack.index(sub):]
                key = frozenset(cycle)
                if key not in seen_sets:
                    seen_sets.add(key)
                    start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
                    cycles.append(cycle[start:] + cycle[:start])
            elif sub not in state:
                visit(sub)
        stack.pop()
        state[tid] = 2

    for tid in themes.themes:
        if tid not in state:
            visit(tid)
    return cycles


# ---------------------------------------------------------------- writing


def _block_text(value: str, indent: str) -> str | None:
    """A multi-line string as a YAML literal block (``|`` or ``|-``), or None if it cannot be one."""
    if value.endswith("\n\n") or value.startswith((" ", "\n")) or "\r" in value or "\t" in value:
        return None
    chomp = "" if value.endswith("\n") else "-"
    body = value[:-1] if value.endswith("\n") else value
    lines = "".join(f"{indent}{line}\n" if line else "\n" for line in body.split("\n"))
    return f"|{chomp}\n{lines}"


def _field(key: str, value: Any, indent: str) -> str:
    if isinstance(value, list):
        return f"{indent}{key}:\n" + "".join(f"{indent}  - {frontmatter.flow(v)}\n" for v in value)
    if isinstance(value, dict):
        return f"{indent}{key}:\n" + "".join(f"{indent}  {frontmatter.scalar(str(k))}: {frontmatter.flow(v)}\n"
                                             for k, v in value.items())
    if isinstance(value, str) and "\n" in value:
        block = _block_text(value, indent + "  ")
        if block is not None:
            candidate = f"{indent}{key}: {block}"
            try:
                if yaml.safe_load(candidate.replace(indent, "", 1) if indent else candidate) == {key: value}:
                    return candidate
            except yaml.YAMLError:
                pass
        return f"{indent}{key}: {json.dumps(value, ensure_ascii=False)}\n"
    return f"{indent}{key}: {frontmatter.scalar(value)}\n"


def theme_block(theme: Theme, indent: str = "  ") -> str:
    """One theme as tcoder writes it: ``- id: ...`` then one field per line."""
    values = {k: v for k, v in theme.values().items() if v is not None}
    inner = indent + "  "
    lines = []
    for i, (key, value) in enumerate(values.items()):
        text = _field(key, value, inner)
        lines.append(f"{indent}- " + text[len(inner):] if i == 0 else text)
    return "".join(lines)


def dumps_themes(themes: ThemeFile) -> str:
    """The themes file's text. Themes that did not change keep their lines exactly
    (comments included); changed and new ones are written in tcoder's layout."""
    top_changed = {"title": themes.title or None, **themes.extra} != themes._read_top
    if themes.text is not None and themes._layout_ok and not top_changed:
        return _rewrite_blocks(themes)
    parts = [HEADER if themes.text is None or not themes.text.strip() else _leading_comments(themes.text)]
    if themes.title:
        parts.append(_field("title", themes.title, ""))
    for key, value in themes.extra.items():
        parts.append(_field(key, value, ""))
    if themes.themes:
        parts.append("themes:\n")
        for theme in themes:
            parts.append(theme_block(theme, themes._item_indent if themes._layout_ok else "  "))
    else:
        parts.append("themes: []\n")
    return "".join(parts)


def _leading_comments(text: str) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        if line.startswith("#") or (not line.strip() and out):
            out.append(line + "\n")
        else:
            break
    return "".join(out).rstrip("\n") + "\n" if out else ""


def _rewrite_blocks(themes: ThemeFile) -> str:
    assert themes.text is not None
    lines = themes.text.split("\n")
    had_final_newline = themes.text.endswith("\n")
    indent = themes._item_indent
    blocks = themes._blocks
    first = min(lo for lo, _ in blocks.values())
    last = max(hi for _, hi in blocks.values())
    out = ["\n".join(lines[:first]) + ("\n" if first else "")]
    for tid, theme in themes.themes.items():
        old = blocks.get(tid)
        if old is not None and theme.values() == themes._read.get(tid):
            out.append("".join(line + "\n" for line in lines[old[0]:old[1]]))
            continue
        tail = frontmatter._trailing_comments(lines[old[0]:old[1]]) if old is not None else []
        out.append(theme_block(theme, indent) + "".join(line + "\n" for line in tail))
    rest = lines[last:]
    text = "".join(out) + "\n".join(rest)
    if had_final_newline and not text.endswith("\n"):
        text += "\n"
    if not themes.themes:
        return dumps_themes(replace(themes, _layout_ok=False, text=None))
    return text


def encode_themes(themes: ThemeFile) -> bytes:
    return dumps_themes(themes).encode("utf-8")

"""Read YAML as plain data that remembers where each value came from.

Codebooks and settings are hand-written, so every message about them names the
line and column. PyYAML's safe loader would lose positions and silently keep
the last of two equal keys; here the file is *composed* into nodes (which never
runs constructors) and walked: tags other than YAML's plain types are refused,
duplicate keys are errors, and every value carries its position.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from typing import Any, Iterable

import yaml

from tcoder.errors import Problem

_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
}
_MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(slots=True)
class YNode:
    """A YAML value with its position. ``value`` is a str/int/float/bool/None,
    a list of YNode, or a dict of key (str) -> YNode."""

    value: Any
    mark: Mark
    key_marks: dict[str, Mark] | None = None  # for mappings: where each key is
    raw: str | None = None  # for scalars: the text as written

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    def plain(self) -> Any:
        """The value with positions stripped (recursively)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


class YamlProblems(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


#: Aliases (``*name``) may repeat what an anchor holds, but not explode it: a
#: "billion laughs" file of a few hundred bytes expands to 10**9 nodes. The
#: expanded document may hold at most this many nodes more than the file itself.
MAX_ALIAS_EXPANSION = 10_000


def _loader() -> type:
    """libyaml's parser when PyYAML has it (five times faster), else PyYAML's own."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, path: str | os.PathLike[str] | None) -> YNode | None:
    """Parse one YAML document. Raises :class:`YamlProblems` with file, line and column.

    Hostile input ends with a message in bounded time and memory: nesting past
    64 levels, aliases that expand past :data:`MAX_ALIAS_EXPANSION` nodes, integers
    of thousands of digits and escaped lone surrogates are refused."""
    try:
        node = yaml.compose(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}: {what}" if "while" not in exc.context else f"{what} ({exc.context})"
        raise YamlProblems([Problem(f"YAML syntax error: {what}", path,
                                    mark.line + 1 if mark else None,
                                    mark.column + 1 if mark else None)]) from None
    except yaml.YAMLError as exc:  # e.g. several documents in one file
        raise YamlProblems([Problem(f"YAML error: {exc}", path)]) from None
    except RecursionError:
        raise YamlProblems([Problem(f"the YAML nests too deeply (more than {_MAX_DEPTH} levels)", path)]) from None
    if node is None:
        return None
    return convert_node(node, path)


def convert_node(node: yaml.Node, path: str | os.PathLike[str] | None = None) -> YNode:
    """A node already composed (by any PyYAML loader) as plain data with positions,
    under the same rules as :func:`parse_yaml`. Raises :class:`YamlProblems`."""
    problems: list[Problem] = []
    budget = _Budget(_count_nodes(node) + MAX_ALIAS_EXPANSION)
    try:
        result = _convert(node, path, problems, 0, budget)
    except _TooBig as exc:
        raise YamlProblems([Problem(
            f"the YAML's aliases (*name) expand to more than {budget.limit:,} values: refused as a 'billion "
            "laughs' file. Write the values out instead of repeating anchors", path,
            exc.mark.line, exc.mark.column)]) from None
    if problems:
        raise YamlProblems(problems)
    return result


class _TooBig(Exception):
    def __init__(self, mark: Mark):
        self.mark = mark


class _Budget:
    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0


def _count_nodes(root: yaml.Node) -> int:
    """Distinct nodes (an aliased node counts once), without recursion: a deep file must not overflow."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
    return len(seen)


_constructor = yaml.SafeLoader("")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _convert(node: yaml.Node, path, problems: list[Problem], depth: int, budget: _Budget) -> YNode:
    mark = _mark(node)
    budget.used += 1
    if budget.used > budget.limit:
        raise _TooBig(mark)
    if depth > _MAX_DEPTH:
        problems.append(Problem(f"the YAML nests too deeply (more than {_MAX_DEPTH} levels)", path, mark.line,
                                mark.column))
        return YNode(None, mark)
    if node.tag not in _PLAIN_TAGS:
        problems.append(Problem(
            f"YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed: tcoder reads plain "
            "data only (strings, numbers, lists and mappings) and never builds objects from YAML",
            path, mark.line, mark.column))
        return YNode(None, mark)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, mark, path, problems)
    if isinstance(node, yaml.SequenceNode):
        return YNode([_convert(child, path, problems, depth + 1, budget) for child in node.value], mark)
    mapping: dict[str, YNode] = {}
    key_marks: dict[str, Mark] = {}
    for key_node, value_node in node.value:
        kmark = _mark(key_node)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
            problems.append(Problem("a mapping key must be a plain word", path, kmark.line, kmark.column))
            continue
        key = key_node.value
        if key == "<<":
            problems.append(Problem("YAML merge keys (<<) are not supported here; write the fields out",
                                    path, kmark.line, kmark.column))
            continue
        if _LONE_SURROGATE.search(key):
            problems.append(Problem(_surrogate_message(key), path, kmark.line, kmark.column))
            continue
        if key in mapping:
            first = key_marks[key]
            problems.append(Problem(f"{key!r} appears twice in this mapping (first on line {first.line})",
                                    path, kmark.line, kmark.column))
            continue
        key_marks[key] = kmark
        mapping[key] = _convert(value_node, path, problems, depth + 1, budget)
    return YNode(mapping, mark, key_marks)


#: Digits beyond which an integer is refused (Python's own limit for turning text into int is 4,300).
_MAX_INT_DIGITS = 100


def _scalar(node: yaml.ScalarNode, mark: Mark, path, problems: list[Problem]) -> YNode:
    if node.tag.endswith(":int") and sum(c.isdigit() for c in node.value) > _MAX_INT_DIGITS:
        problems.append(Problem(f"a whole number of {sum(c.isdigit() for c in node.value):,} digits; tcoder "
                                f"reads numbers of up to {_MAX_INT_DIGITS} digits", path, mark.line, mark.column))
        return YNode(None, mark, raw=_shown(node.value))
    try:
        value = _constructor.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        problems.append(Problem(f"bad value: {exc}", path, mark.line, mark.column))
        value = node.value
    if node.tag.endswith(":timestamp"):
        value = node.value  # dates stay as written
    if isinstance(value, str) and _LONE_SURROGATE.search(value):
        problems.append(Problem(_surrogate_message(value), path, mark.line, mark.column))
        value = None
    return YNode(value, mark, raw=node.value)


def _surrogate_message(text: str) -> str:
    found = _LONE_SURROGATE.search(text)
    code = f"\\u{ord(found.group()):04x}" if found else "?"
    return (f"an escaped lone surrogate ({code}) is not a character, so this text could not be saved or shown; "
            "write the character itself")


def _shown(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def describe(node: YNode | None, width: int = 60) -> str:
    """A value as the user wrote it, for messages: never an internal repr."""
    if node is None:
        return "nothing"
    if node.raw is not None:
        return repr(_shown(node.raw, width))
    value = node.plain()
    if value is None:
        return "nothing"
    try:
        text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    except yaml.YAMLError:
        text = "?"
    text = text.removesuffix("\n...").strip()
    return _shown(text, width)


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest valid name, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_fields(node: YNode, allowed: tuple[str, ...], what: str, path, problems: list[Problem]) -> None:
    """Report every key of a mapping that is not in ``allowed``, with the nearest valid one."""
    assert node.key_marks is not None
    for key, mark in node.key_marks.items():
        if key not in allowed:
            problems.append(Problem(
                f"unknown field {key!r} in {what}{suggest(key, allowed)}; valid fields: {', '.join(allowed)}",
                path, mark.line, mark.column))

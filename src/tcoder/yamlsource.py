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


def parse_yaml(text: str, path: str | os.PathLike[str] | None) -> YNode | None:
    """Parse one YAML document. Raises :class:`YamlProblems` with file, line and column."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
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
    if node is None:
        return None
    return convert_node(node, path)


def convert_node(node: yaml.Node, path: str | os.PathLike[str] | None = None) -> YNode:
    """A node already composed (by any PyYAML loader) as plain data with positions,
    under the same rules as :func:`parse_yaml`. Raises :class:`YamlProblems`."""
    problems: list[Problem] = []
    result = _convert(node, path, problems, 0)
    if problems:
        raise YamlProblems(problems)
    return result


_constructor = yaml.SafeLoader("")


def _convert(node: yaml.Node, path, problems: list[Problem], depth: int) -> YNode:
    mark = _mark(node)
    if depth > _MAX_DEPTH:
        problems.append(Problem("the YAML nests too deeply (or refers to itself)", path, mark.line, mark.column))
        return YNode(None, mark)
    if node.tag not in _PLAIN_TAGS:
        problems.append(Problem(
            f"YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed: tcoder reads plain "
            "data only (strings, numbers, lists and mappings) and never builds objects from YAML",
            path, mark.line, mark.column))
        return YNode(None, mark)
    if isinstance(node, yaml.ScalarNode):
        try:
            value = _constructor.construct_object(node)
        except yaml.YAMLError as exc:
            problems.append(Problem(f"bad value: {exc}", path, mark.line, mark.column))
            value = node.value
        if node.tag.endswith(":timestamp"):
            value = node.value  # dates stay as written
        return YNode(value, mark, raw=node.value)
    if isinstance(node, yaml.SequenceNode):
        return YNode([_convert(child, path, problems, depth + 1) for child in node.value], mark)
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
        if key in mapping:
            first = key_marks[key]
            problems.append(Problem(f"{key!r} appears twice in this mapping (first on line {first.line})",
                                    path, kmark.line, kmark.column))
            continue
        key_marks[key] = kmark
        mapping[key] = _convert(value_node, path, problems, depth + 1)
    return YNode(mapping, mark, key_marks)


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

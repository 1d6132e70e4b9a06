"""JSON as every other tool reads it, or a clear refusal.

Python's ``json`` module accepts things other programs do not, or reads them in
a way that loses data without a word: two equal keys in one object (the last
one silently wins), ``NaN`` and ``Infinity`` (not JSON; written back, other
tools cannot read the file), numbers too large for a float (read as infinity),
escaped lone surrogates (``"\\ud800"``: not a character, so the text cannot be
saved again), integers of thousands of digits and nesting thousands deep (an
exception from deep inside the parser). :func:`loads` refuses each of them
with the line and column where it is.

The fast path is ``json.loads`` with hooks that cost nothing on ordinary files;
only when something is wrong does a small scanner walk the text to find where.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

#: Deeper nesting than this is refused (tcoder's own files nest three deep).
MAX_DEPTH = 200


class JsonRefused(ValueError):
    """Valid-looking JSON that tcoder will not read; ``lineno``/``colno`` are 1-based (or None)."""

    def __init__(self, msg: str, lineno: int | None = None, colno: int | None = None):
        super().__init__(msg)
        self.msg = msg
        self.lineno = lineno
        self.colno = colno


class _Found(Exception):
    def __init__(self, kind: str, detail: str = ""):
        self.kind = kind
        self.detail = detail


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Found("duplicate")
    return result


def _constant(name: str) -> Any:
    raise _Found("constant", name)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Found("float", text)
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(raw: str, check_depth: bool = True) -> Any:
    """Parse JSON text. Raises :class:`json.JSONDecodeError` for a syntax error and
    :class:`JsonRefused` for JSON that other tools would read differently, or not at all.
    ``check_depth=False`` leaves the depth check to the caller (see :func:`too_deep`),
    which saves a walk over a large file whose shape is known."""
    try:
        data = json.loads(raw, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float)
    except _Found as found:
        raise _locate(raw, found.kind) from None
    except RecursionError:
        raise _locate(raw, "depth") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # an integer of more digits than Python converts
        if "digits" in str(exc):
            raise _locate(raw, "integer") from None
        raise
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(data):
        raise _locate(raw, "surrogate") from None
    if check_depth and too_deep(data):
        raise _locate(raw, "depth") from None
    return data


def checked_decoder():
    """``raw_decode(text, index) -> (value, end)`` refusing what :func:`loads` refuses inside one
    value (duplicate keys, NaN, infinite numbers, integers of too many digits) with a
    ``ValueError``; see :func:`refused` for the rest. For reading a large file piece by piece."""
    decoder = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float)

    def raw_decode(text: str, index: int) -> tuple[Any, int]:
        try:
            return decoder.raw_decode(text, index)
        except _Found as found:
            raise ValueError(f"refused JSON ({found.kind})") from None

    return raw_decode


def refused(value: Any, depth: int, raw: str = "", start: int = 0, end: int = 0) -> bool:
    """Whether a value decoded from ``raw[start:end]``, found at ``depth``, holds a lone surrogate
    or nests past :data:`MAX_DEPTH` (what :func:`loads` checks after decoding)."""
    if _SURROGATE_ESCAPE.search(raw, start, end) and _has_lone_surrogate(value):
        return True
    return isinstance(value, (dict, list)) and too_deep(value, depth)


def refuse_depth(raw: str) -> JsonRefused:
    """The error for data that :func:`too_deep` found, with its place in ``raw``."""
    return _locate(raw, "depth")


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def too_deep(value: Any, depth: int = 1) -> bool:
    """Whether ``value`` (at ``depth``) nests past :data:`MAX_DEPTH`."""
    stack = [(value, depth)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > MAX_DEPTH:
                return True
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            if depth > MAX_DEPTH:
                return True
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


_MESSAGES = {
    "duplicate": "the key {detail} appears twice in one object; JSON readers disagree on which value counts, "
                 "so tcoder reads neither: remove one",
    "constant": "{detail} is not a JSON value (other programs cannot read it); write null or a number",
    "float": "the number {detail} is too large for any program to read as a number; write a smaller one "
             "or a string",
    "integer": "a whole number of {detail} digits, more than any program reads; no number in a tcoder "
               "file needs more than a few",
    "surrogate": "the string has an escaped lone surrogate ({detail}), which is not a character: the text "
                 "cannot be saved again. Remove the escape or write the character itself",
    "depth": f"the data nests more than {MAX_DEPTH} levels deep; tcoder's files never do",
}


def _locate(raw: str, kind: str) -> JsonRefused:
    """Find where the problem of ``kind`` is and say what it is."""
    position, detail = _scan(raw, kind)
    line = col = None
    if position is not None:
        line = raw.count("\n", 0, position) + 1
        col = position - (raw.rfind("\n", 0, position) + 1) + 1
    return JsonRefused(_MESSAGES[kind].format(detail=detail or "?"), line, col)


def _int_digits() -> int:
    return sys.get_int_max_str_digits() or 10 ** 9


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_CONSTANTS = ("NaN", "Infinity", "-Infinity")


def _scan(raw: str, kind: str) -> tuple[int | None, str]:
    """A small JSON scanner, run only on a file already known to hold a problem."""
    stack: list[list[Any]] = []  # [is_object, keys seen, expecting a key]
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == '"':
            j = i + 1
            while j < n and raw[j] != '"':
                j += 2 if raw[j] == "\\" else 1
            token = raw[i:j + 1]
            if kind == "surrogate" and "\\u" in token:
                try:
                    text = json.loads(token)
                except ValueError:
                    text = ""
                lone = _LONE_SURROGATE.search(text)
                if lone:
                    escape = _SURROGATE_ESCAPE.search(token)
                    return (i + escape.start() if escape else i), f"\\u{ord(lone.group()):04x}"
            if stack and stack[-1][0] and stack[-1][2]:
                try:
                    key = json.loads(token)
                except ValueError:
                    key = token
                if kind == "duplicate" and key in stack[-1][1]:
                    return i, json.dumps(key, ensure_ascii=False)
                stack[-1][1].add(key)
                stack[-1][2] = False
            i = j + 1
            continue
        if c in "{[":
            stack.append([c == "{", set(), c == "{"])
            if kind == "depth" and len(stack) > MAX_DEPTH:
                return i, ""
        elif c in "}]":
            if stack:
                stack.pop()
        elif c == ",":
            if stack and stack[-1][0]:
                stack[-1][2] = True
        elif kind == "constant" and raw.startswith(_CONSTANTS, i):
            name = next(k for k in ("-Infinity", "Infinity", "NaN") if raw.startswith(k, i))
            return i, name
        elif c == "-" or c.isdigit():
            m = _NUMBER.match(raw, i)
            if m:
                token = m.group()
                if kind == "integer" and re.fullmatch(r"-?\d+", token) and len(token.lstrip("-")) > _int_digits():
                    return i, f"{len(token.lstrip('-')):,}"
                if kind == "float" and not re.fullmatch(r"-?\d+", token):
                    try:
                        infinite = not math.isfinite(float(token))
                    except ValueError:
                        infinite = False
                    if infinite:
                        return i, token if len(token) <= 40 else token[:37] + "..."
                i = m.end()
                continue
        i += 1
    return None, ""

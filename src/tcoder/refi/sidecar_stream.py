"""Read a .qdpx's ``tcoder.json`` without holding its annotations all at once.

The record keeps one entry per annotation under ``"annotations"`` (960,000 of them, half a
gigabyte, in a large study). :func:`read_head` checks the whole file as
:func:`tcoder.jsonsafe.loads` would (syntax, duplicate keys, NaN, lone surrogates, depth) but
keeps every member except the annotations; :class:`KeptAnnotations` then reads the
annotations in file order as the import asks for them. tcoder writes them in the order of
the selections in project.qde, so only the one asked for is held; asked out of order, the
ones passed are kept until asked for.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from tcoder.jsonsafe import checked_decoder, refused
from tcoder.refi.archive import Readable

#: The member read one annotation at a time.
ANNOTATIONS = "annotations"

_SPACE = re.compile(r"[ \t\n\r]*")
#: A member's start: the comma before it (but for the first), its key without escapes, the colon.
_PLAIN_KEY = re.compile(r'[ \t\n\r]*(,?)[ \t\n\r]*"([^"\\\x00-\x1f]*)"[ \t\n\r]*:')


class NotStreamable(ValueError):
    """The file is not a JSON object this reader checks piece by piece (not JSON, JSON that
    tcoder refuses, or not an object): read it whole to say what it is."""


class _Text:
    """A JSON text read from a byte stream piece by piece, as UTF-8."""

    def __init__(self, open_stream: Callable[[], Readable], chunk: int = 1 << 20) -> None:
        self._stream = open_stream()
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._chunk = chunk
        self.buffer = ""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        """Read another piece onto the buffer (dropping what was consumed); False at the end."""
        if self.eof:
            return False
        data = self._stream.read(self._chunk)
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise NotStreamable(str(exc)) from None
        if not data:
            self.eof = True
        self.buffer = self.buffer[self.pos:] + text
        self.pos = 0
        return True

    def skip_space(self) -> str:
        """The next character after white space ("" at the end)."""
        while True:
            self.pos = _SPACE.match(self.buffer, self.pos).end()  # type: ignore[union-attr]  # matches ""
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        if self.skip_space() != char:
            raise NotStreamable(f"expected {char!r}")
        self.pos += 1

    def value(self, decode: Callable[[str, int], tuple[Any, int]], depth: int | None = None) -> Any:
        """The next JSON value; reads on while it may be cut off at the buffer's end. With
        ``depth`` (where the value is), refused as :func:`tcoder.jsonsafe.loads` refuses it."""
        self.skip_space()
        while True:
            try:
                value, end = decode(self.buffer, self.pos)
            except ValueError as exc:  # JSONDecodeError, or refused by the hooks
                if isinstance(exc, json.JSONDecodeError) and self.more():
                    continue
                raise NotStreamable(str(exc)) from None
            except RecursionError:
                raise NotStreamable("nested too deep") from None
            if len(self.buffer) - end < 64 and self.more():  # a number may go on ("1.5" of "1.5e3")
                continue
            if depth is not None and refused(value, depth, self.buffer, self.pos, end):
                raise NotStreamable("refused")
            self.pos = end
            return value

    def close(self) -> None:
        self._stream.close()


def _members(text: _Text, decode, depth: int | None) -> Iterator[tuple[str, Any]]:
    """The members of the object whose '{' was just read, each value checked."""
    seen: set[str] = set()
    first = True
    while True:
        # the usual member, a plain key (no escapes) well inside the buffer, in one step
        fast = _PLAIN_KEY.match(text.buffer, text.pos)
        if fast is not None and bool(fast.group(1)) != first and fast.end() < len(text.buffer):
            key = fast.group(2)
            text.pos = fast.end()
            first = False
            if key in seen:
                raise NotStreamable("a duplicate key")
            seen.add(key)
            yield key, text
            continue
        char = text.skip_space()
        if char == "}":
            text.pos += 1
            return
        if not first:
            text.expect(",")
            text.skip_space()
        first = False
        key = text.value(decode, depth)
        if not isinstance(key, str):
            raise NotStreamable("a key that is not a string")
        if key in seen:
            raise NotStreamable("a duplicate key")
        seen.add(key)
        text.expect(":")
        yield key, text
        # the caller has read the value


def read_head(open_stream: Callable[[], Readable]) -> dict[str, Any]:
    """Every member of the record but the annotations, after checking all of it. Raises
    :class:`NotStreamable` when the file is not a JSON object tcoder reads."""
    decode = checked_decoder()
    text = _Text(open_stream)
    try:
        text.expect("{")
        head: dict[str, Any] = {}
        for key, _ in _members(text, decode, 1):
            if key == ANNOTATIONS and text.skip_space() == "{":
                text.pos += 1
                for _guid, _ in _members(text, decode, 2):
                    text.value(decode, 3)
                head[key] = None  # read with KeptAnnotations
            else:
                head[key] = text.value(decode, 2)
        if text.skip_space() != "":
            raise NotStreamable("more after the object")
        return head
    finally:
        text.close()


class KeptAnnotations:
    """The record's annotations by selection GUID, read in file order as they are asked for."""

    def __init__(self, open_stream: Callable[[], Readable] | None) -> None:
        self._pending: dict[str, Any] = {}
        self._given: dict[str, Any] = {}  # given since the last forget(), for a GUID asked twice
        self._items = self._read(open_stream) if open_stream is not None else iter(())

    @staticmethod
    def _read(open_stream: Callable[[], Readable]) -> Iterator[tuple[str, Any]]:
        decode = json.JSONDecoder().raw_decode  # read_head has checked the file
        text = _Text(open_stream)
        try:
            text.expect("{")
            for key, _ in _members(text, decode, None):
                if key == ANNOTATIONS and text.skip_space() == "{":
                    text.pos += 1
                    for guid, _ in _members(text, decode, None):
                        yield guid, text.value(decode)
                    return
                text.value(decode)
        finally:
            text.close()

    def get(self, guid: str) -> Any:
        if guid in self._given:
            return self._given[guid]
        if guid in self._pending:
            value = self._given[guid] = self._pending.pop(guid)
            return value
        for key, value in self._items:
            if key == guid:
                self._given[guid] = value
                return value
            self._pending[key] = value
        return None

    def forget(self) -> None:
        """Let go of the annotations given so far (a transcript is done)."""
        self._given.clear()

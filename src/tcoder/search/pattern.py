"""What to look for: plain text, a whole word or a regular expression, with case
and accent options, compiled once into a pattern that runs under a time limit.

Patterns run on the ``regex`` package rather than the standard ``re``: a
regular expression written by a user can backtrack for hours (``(a|aa)+$``),
and ``re`` can be neither interrupted nor given a deadline, so one bad pattern
would freeze the screen (``re`` holds the interpreter lock while it matches).
``regex`` takes a ``timeout`` for each search and releases the lock while it
matches (``concurrent=True``), so a search in a worker thread never blocks
the interface and always ends. Its syntax is a superset of ``re``'s, with full
Unicode case folding (``ß`` matches ``SS``) and Unicode properties (``\\p{L}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Literal

import regex

from tcoder.search.fold import Folded, fold

Mode = Literal["plain", "word", "regex"]
MODES: tuple[Mode, ...] = ("plain", "word", "regex")


class PatternError(ValueError):
    """A pattern that cannot be used; ``position`` is the 0-based character where it goes wrong."""

    def __init__(self, message: str, pattern: str, position: int | None = None):
        super().__init__(message)
        self.message = message
        self.pattern = pattern
        self.position = position

    def pointer(self) -> str:
        """The pattern with a caret under the place of the problem (two lines), or ''."""
        if self.position is None:
            return ""
        shown = self.pattern.replace("\n", " ").replace("\t", " ")
        return f"  {shown}\n  {' ' * self.position}^"

    def __str__(self) -> str:
        where = f" at position {self.position + 1}" if self.position is not None else ""
        return f"{self.message}{where}"


class SearchTimeout(Exception):
    """The pattern took longer than the time limit (typically catastrophic backtracking)."""


@dataclass(frozen=True, slots=True)
class SearchPattern:
    """A search as the user asked for it."""

    text: str
    mode: Mode = "plain"
    match_case: bool = False
    match_accents: bool = False

    def describe(self) -> str:
        kind = {"plain": "text", "word": "whole word", "regex": "regular expression"}[self.mode]
        options = ["case " + ("matched" if self.match_case else "ignored"),
                   "accents " + ("matched" if self.match_accents else "ignored")]
        return f"{kind} {self.text!r} ({', '.join(options)})"


#: Typographic variants a plain or whole-word search treats as one character:
#: transcripts mix straight and curly apostrophes and quotes.
_EQUIVALENT = {"'": "['\u2019\u2018\u02bc]", "\u2019": "['\u2019\u2018\u02bc]", "\u2018": "['\u2019\u2018\u02bc]",
               "\u02bc": "['\u2019\u2018\u02bc]", '"': '["\u201c\u201d]', "\u201c": '["\u201c\u201d]',
               "\u201d": '["\u201c\u201d]'}
_SPACES = regex.compile(r"\s+")


def literal_regex(text: str) -> str:
    """A regular expression matching ``text`` literally, except that any run of white space
    matches any run of white space (a phrase broken across lines is still found) and straight
    and curly apostrophes and quotes match each other."""
    words = [w for w in _SPACES.split(text)]
    escaped = []
    for word in words:
        escaped.append("".join(_EQUIVALENT.get(ch) or regex.escape(ch) for ch in word))
    body = r"\s+".join(escaped)
    return body


class CompiledPattern:
    """A :class:`SearchPattern` ready to run on texts."""

    def __init__(self, spec: SearchPattern):
        self.spec = spec
        if spec.mode not in MODES:
            raise PatternError(f"unknown search mode {spec.mode!r}; use one of {', '.join(MODES)}", spec.text)
        if not spec.text.strip():
            raise PatternError("the search pattern is empty", spec.text)
        source = Folded(spec.text) if spec.match_accents else fold(spec.text)
        if spec.mode == "regex":
            body = source.text
        else:
            body = literal_regex(source.text.strip())
        if spec.mode == "word":
            # no letter or digit on either side; works for words that start or end with
            # punctuation ("Dr."), where \b would not
            body = rf"(?<!\w)(?:{body})(?!\w)"
        flags = regex.MULTILINE
        if not spec.match_case:
            flags |= regex.IGNORECASE | regex.FULLCASE
        try:
            self.regex = regex.compile(body, flags)
        except regex.error as exc:
            at = getattr(exc, "pos", None)  # where the pattern is wrong, when the regex module knows
            position = source.original(at) if spec.mode == "regex" and at is not None else None
            message = getattr(exc, "msg", None) or str(exc)
            raise PatternError(f"not a valid regular expression: {message}", spec.text, position) from None
        if spec.mode == "regex" and self.regex.fullmatch("") is not None:
            raise PatternError("this pattern matches empty text, so it would match everywhere; "
                               "ask for at least one character (e.g. 'a+' instead of 'a*')", spec.text)

    @property
    def folds(self) -> bool:
        return not self.spec.match_accents

    def prepare(self, text: str) -> Folded:
        """The text the pattern runs on (folded when accents are ignored)."""
        return fold(text) if self.folds else Folded(text)

    def finditer(self, prepared: Folded, start: int = 0, end: int | None = None,
                 timeout: float | None = None) -> Iterator[tuple[int, int]]:
        """(start, end) of each non-empty match, in offsets of the original text.

        ``start`` and ``end`` bound the search in the *prepared* text's offsets.
        Raises :class:`SearchTimeout` when ``timeout`` seconds pass."""
        end = len(prepared.text) if end is None else end
        original = prepared.original
        try:
            for m in self.regex.finditer(prepared.text, start, end, concurrent=True, timeout=timeout):
                s, e = m.span()
                if s == e:
                    continue
                yield original(s), original(e)
        except TimeoutError:
            raise SearchTimeout() from None


def compile_pattern(spec: SearchPattern) -> CompiledPattern:
    return CompiledPattern(spec)

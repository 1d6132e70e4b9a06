"""How a REFI-QDA file counts positions, found from the file itself.

The standard counts ``startPosition``/``endPosition`` in Unicode code points over
the source's plain text, a CRLF being two characters. Real programs differ:

- NVivo counts UTF-16 code units, so a character outside the Basic Multilingual
  Plane (an emoji, many CJK extension characters) counts as two;
- ATLAS.ti, and QualCoder's export "with line endings for MAXQDA", count a CRLF as
  one position while the text file holds both characters;
- a byte-order mark at the start of the text file may or may not count.

Read the wrong way, every passage after the first emoji or line break lands on the
wrong text. :func:`detect` tries every convention that could make a difference for
the file and keeps the one under which the selections agree best with what the file
says about them: the text a selection stores (its ``name``, as QualCoder and MAXQDA
write it, or ``line:N`` as qc writes it); positions past the end of the text; and,
when no selection stores its text (NVivo), whether passages start and end between
words. The program's known habit only breaks ties.

:class:`PositionMap` turns the positions of one source under one convention into
offsets in tcoder's canonical text (no BOM, LF line ends, code points).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from tcoder.numbers import plural, verb_for

# What can count differently: a BOM at the start, a CRLF, a character outside the BMP.
_IRREGULAR = re.compile("\r\n|[\U00010000-\U0010ffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_TRUNCATED = ("…", "...")


@dataclass(frozen=True, order=True)
class Convention:
    utf16: bool = False  # a character outside the BMP is two positions (NVivo)
    crlf_as_one: bool = False  # CRLF is one position (ATLAS.ti; QualCoder's export for MAXQDA)
    bom_counted: bool = False  # a byte-order mark at the start of the text is a position

    @property
    def is_standard(self) -> bool:
        return self == STANDARD

    def describe(self) -> str:
        parts = ["UTF-16 code units (a character outside the Basic Multilingual Plane, such as an emoji, counts "
                 "as two)" if self.utf16 else "Unicode code points"]
        parts.append("a CRLF line end as one position" if self.crlf_as_one else "a CRLF line end as two")
        if self.bom_counted:
            parts.append("the byte-order mark as a position")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, bool]:
        return {"utf16": self.utf16, "crlf_as_one": self.crlf_as_one, "bom_counted": self.bom_counted}

    @classmethod
    def from_dict(cls, data: object) -> "Convention":
        if not isinstance(data, dict):
            return STANDARD
        return cls(*(data.get(k) is True for k in ("utf16", "crlf_as_one", "bom_counted")))


STANDARD = Convention()

#: How each program is known to count, from real files (see docs/refi-qda.md). Only used to
#: break ties between conventions that fit a file equally well.
HABITS: tuple[tuple[str, Convention], ...] = (
    ("nvivo", Convention(utf16=True)),
    ("atlas.ti", Convention(crlf_as_one=True)),
)


def habit_of(origin: str) -> Convention:
    lowered = origin.lower()
    return next((c for name, c in HABITS if name in lowered), STANDARD)


class PositionMap:
    """Positions over one source's text, counted one way, as canonical offsets.

    ``raw`` is the text as the archive holds it (a leading U+FEFF for a byte-order
    mark, CRLFs kept). Only the characters that count differently are indexed, so a
    map costs little even on a long transcript."""

    def __init__(self, raw: str, convention: Convention):
        self.convention = convention
        self._conv: list[int] = []  # where each irregular element starts, in the convention's positions
        self._can: list[int] = []  # ... and in the canonical text
        self._conv_width: list[int] = []
        self._can_width: list[int] = []
        conv_shift = can_shift = 0  # (width in the convention or canonical) - width in raw, so far
        if raw.startswith("\ufeff"):
            self._add(0, 0, 1 if convention.bom_counted else 0, 0)
            conv_shift, can_shift = (0 if convention.bom_counted else -1), -1
        for m in _IRREGULAR.finditer(raw):
            r = m.start()
            if m.group() == "\r\n":
                conv_w, can_w, raw_w = (1 if convention.crlf_as_one else 2), 1, 2
            else:
                conv_w, can_w, raw_w = (2 if convention.utf16 else 1), 1, 1
            if conv_w == raw_w and can_w == raw_w:
                continue
            self._add(r + conv_shift, r + can_shift, conv_w, can_w)
            conv_shift += conv_w - raw_w
            can_shift += can_w - raw_w
        self.length = len(raw) + conv_shift  # the text's length as the convention counts it
        self.canonical_length = len(raw) + can_shift

    def _add(self, conv: int, can: int, conv_width: int, can_width: int) -> None:
        self._conv.append(conv)
        self._can.append(can)
        self._conv_width.append(conv_width)
        self._can_width.append(can_width)

    def canonical(self, position: int) -> int:
        """The canonical offset of a position (0 <= position <= length). A position inside a
        CRLF or a surrogate pair goes to the end of that character."""
        i = bisect.bisect_right(self._conv, position) - 1
        if i < 0:
            return position
        start = self._conv[i]
        if position >= start + self._conv_width[i]:
            return self._can[i] + self._can_width[i] + (position - start - self._conv_width[i])
        if position == start:
            return self._can[i]
        return self._can[i] + self._can_width[i]

    def splits_a_character(self, position: int) -> bool:
        """True if the position falls inside a CRLF or a surrogate pair: no program's boundary."""
        i = bisect.bisect_right(self._conv, position) - 1
        return i >= 0 and self._conv[i] < position < self._conv[i] + self._conv_width[i]


class OffsetWriter:
    """Canonical offsets -> positions of a text written with CRLF line ends (or not) and
    counted by a convention."""

    def __init__(self, text: str, convention: Convention, crlf: bool):
        parts = (["\n"] if crlf and not convention.crlf_as_one else []) + (
            ["[\U00010000-\U0010ffff]"] if convention.utf16 else [])
        self._extra = [m.start() for m in re.finditer("|".join(parts), text)] if parts else []

    def position(self, offset: int) -> int:
        """Each LF that is written as a CRLF counted as two, and each astral character counted
        as two UTF-16 units, adds one before every later offset."""
        return offset + bisect.bisect_left(self._extra, offset)


# ---------------------------------------------------------------- what a selection says about itself


def normalise(text: str) -> str:
    """Text compared as a reader would: runs of white space are one space (an XML attribute
    turns line breaks into spaces), no space at either end."""
    return " ".join(text.split())


@dataclass(frozen=True)
class StoredText:
    """What the file says a selection covers: its text (``name``), possibly cut short, or
    a whole line (qc's ``line:N``, counted from 0)."""

    text: str | None = None
    line: int | None = None
    truncated: bool = False

    @classmethod
    def of(cls, name: str | None) -> "StoredText | None":
        if not name or not name.strip():
            return None
        m = re.fullmatch(r"line:(\d+)", name.strip())
        if m:
            return cls(line=int(m.group(1)))
        text = normalise(name)
        for mark in _TRUNCATED:
            if text.endswith(mark) and len(text) > len(mark) + 3:
                return cls(text=text[: -len(mark)].rstrip(), truncated=True)
        return cls(text=text)

    def matches(self, text: str, start: int, end: int, line_starts: Sequence[int] | None = None) -> bool:
        if self.line is not None:
            if line_starts is None or self.line + 1 >= len(line_starts):
                return False
            return (start, end) == (line_starts[self.line], line_starts[self.line + 1])
        assert self.text is not None
        covered = normalise(text[start:end])
        return covered.startswith(self.text) if self.truncated else covered == self.text

    def describe(self) -> str:
        if self.line is not None:
            return f"line {self.line}"
        assert self.text is not None
        return repr(_short(self.text)) + (" (cut short)" if self.truncated else "")

    def find(self, text: str, near: int, limit: int = 10_000) -> tuple[int, int] | None:
        """Where this text is in ``text``, white space compared loosely: the occurrence
        nearest ``near``, or None. Lines (qc) are never searched for."""
        if self.text is None or not self.text:
            return None
        words = self.text.split(" ")
        pattern = r"\s+".join(re.escape(w) for w in words)
        best: tuple[int, int] | None = None
        for count, m in enumerate(re.finditer(pattern, text)):
            if best is None or abs(m.start() - near) < abs(best[0] - near):
                best = (m.start(), m.end())
            if count >= limit:
                break
        if best is not None and self.truncated:
            return None if best[1] <= best[0] else best  # the whole passage is unknown
        return best


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def line_starts(text: str) -> list[int]:
    """Offsets where each line starts, and the text's length at the end."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    if starts[-1] != len(text):
        starts.append(len(text))
    return starts


def _word_boundary(text: str, offset: int) -> bool:
    if offset <= 0 or offset >= len(text):
        return True
    return not (text[offset - 1].isalnum() and text[offset].isalnum())


# ---------------------------------------------------------------- detection


@dataclass
class SourceEvidence:
    """One source's text as the archive holds it and its selections' positions and stored texts."""

    raw: str
    canonical: str
    selections: list[tuple[int, int, StoredText | None]]


@dataclass
class Fit:
    convention: Convention
    with_text: int = 0  # selections whose text is stored
    in_place: int = 0  # ... and whose stored text is at their positions read this way
    outside: int = 0  # selections that do not fit the text read this way
    between_words: int = 0  # selections that start and end between words
    checked: int = 0  # selections looked at for word boundaries

    def score(self, habit: Convention) -> tuple[int, int, int, bool, bool]:
        return (self.in_place, -self.outside, self.between_words, self.convention == habit,
                self.convention.is_standard)


@dataclass
class Detection:
    chosen: Fit
    fits: list[Fit]
    habit: Convention

    @property
    def convention(self) -> Convention:
        return self.chosen.convention

    def standard_fit(self) -> Fit | None:
        return next((f for f in self.fits if f.convention.is_standard), None)

    def explanation(self) -> str:
        """One sentence: which convention, and on what evidence."""
        chosen, standard = self.chosen, self.standard_fit()
        if len(self.fits) == 1:
            return (f"positions read as {chosen.convention.describe()} (the text has nothing that other "
                    "ways of counting would place differently)")
        what = f"positions read as {chosen.convention.describe()}"
        if chosen.with_text:
            how = (f"{chosen.in_place} of {plural(chosen.with_text, 'selection')} whose text the file stores {verb_for(chosen.in_place, 'is')} in place "
                   "this way")
            if standard is not None and standard is not chosen:
                how += f", {standard.in_place} the standard way"
            elif standard is not None:
                runner = max((f for f in self.fits if f is not chosen), key=lambda f: f.in_place)
                how += f", at most {runner.in_place} any other way"
        elif chosen.checked:
            how = (f"the file stores no selection's text, so this was inferred: {chosen.between_words} of "
                   f"{plural(chosen.checked, 'selection')} {verb_for(chosen.between_words, 'starts')} and {verb_for(chosen.between_words, 'ends')} between words this way")
            if standard is not None and standard is not chosen:
                how += f", {standard.between_words} the standard way"
            if chosen.outside == 0 and standard is not None and standard.outside:
                how += f" (where {standard.outside} would fall outside their text)"
        else:
            how = "no selection tells one way from another; the standard way is used"
        return f"{what}: {how}"


def candidates(sources: Iterable[SourceEvidence]) -> list[Convention]:
    """The conventions that could place some selection differently in these texts."""
    bom = crlf = astral = False
    for s in sources:
        bom = bom or s.raw.startswith("\ufeff")
        crlf = crlf or "\r\n" in s.raw
        astral = astral or bool(_ASTRAL.search(s.raw))
    return [Convention(u, c, b) for u in ((False, True) if astral else (False,))
            for c in ((False, True) if crlf else (False,)) for b in ((False, True) if bom else (False,))]


def detect(sources: Sequence[SourceEvidence], origin: str = "") -> Detection:
    habit = habit_of(origin)
    options = candidates(sources)
    fits = [_fit(sources, c) for c in options]
    chosen = max(fits, key=lambda f: f.score(habit))
    return Detection(chosen, fits, habit)


def _fit(sources: Sequence[SourceEvidence], convention: Convention) -> Fit:
    fit = Fit(convention)
    for source in sources:
        if not source.selections:
            continue
        positions = PositionMap(source.raw, convention)
        text = source.canonical
        starts: list[int] | None = None
        for start, end, stored in source.selections:
            if not 0 <= start < end <= positions.length or positions.splits_a_character(start) \
                    or positions.splits_a_character(end):
                fit.outside += 1
                continue
            s, e = positions.canonical(start), positions.canonical(end)
            if stored is not None:
                fit.with_text += 1
                if stored.line is not None and starts is None:
                    starts = line_starts(text)
                fit.in_place += stored.matches(text, s, e, starts)
            else:
                fit.checked += 1
                fit.between_words += _word_boundary(text, s) and _word_boundary(text, e)
    return fit

"""Transcripts: decoding to canonical text, offsets, and speaker turns.

The canonical text is what every offset in tcoder refers to (docs/formats.md#transcripts-canonical-text-and-offsets):
the file decoded (UTF-8, UTF-16 with a BOM, or a detected legacy encoding with a
warning), CRLF and CR turned into LF, nothing else changed. Offsets are Unicode
code points, which is what Python ``str`` indexes, so ``text[start:end]`` is the
covered passage.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tcoder.errors import Problem, TranscriptError, for_want_of_memory
from tcoder.numbers import plural
from tcoder.safeio import as_path

TRANSCRIPT_SUFFIXES = (".txt", ".md")

#: A speaker label at the start of a line: an optional ``[hh:mm:ss]`` or
#: ``(hh:mm:ss)`` timestamp, a name of 1-40 characters without a colon, then a
#: colon followed by white space or the end of the line (so ``10:30`` and
#: ``https://`` never start a turn). Markdown bold around the label is allowed.
DEFAULT_SPEAKER_PATTERN = (
    r"^[ \t]*"
    r"(?:[\[(](?P<timestamp>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)[\])][ \t]*)?"
    r"(?:\*\*|__)?"
    r"(?P<speaker>[^:\s\[\]()*_][^:\n]{0,39}?)"
    r"[ \t]*(?:\*\*|__)?:(?:\*\*|__)?"
    r"(?=[ \t]|$)"
)

_ENCODING_NAMES = {
    "cp1252": "Windows-1252",
    "cp1250": "Windows-1250",
    "cp1251": "Windows-1251",
    "latin_1": "ISO-8859-1 (Latin-1)",
    "iso8859_15": "ISO-8859-15",
    "mac_roman": "Mac Roman",
    "utf_16": "UTF-16",
    "utf_32": "UTF-32",
}

# Control characters other than tab, newline, carriage return, form feed and
# escape are rare in real transcripts; a file made mostly of them is not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
#: Every byte but those control characters: deleting them from UTF-8 leaves only the control
#: characters (no byte of a character beyond ASCII is below 0x80), counted at memory speed.
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))
#: ASCII whitespace as str.split() knows it becomes a space, everything else an "x".
_WORD_MARKS = bytes(0x20 if chr(b).isspace() else 0x78 for b in range(128)) + b"x" * 128


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def friendly_encoding(name: str) -> str:
    key = codecs.lookup(name).name.replace("-", "_")
    return _ENCODING_NAMES.get(key, name)


def canonical_newlines(text: str) -> str:
    """CRLF and lone CR become LF; nothing else changes."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _not_text(path: str | os.PathLike[str] | None, why: str) -> TranscriptError:
    return TranscriptError(
        Problem(f"this does not look like a text transcript ({why}); tcoder reads .txt and .md files "
                "as text. Convert other formats with `tcoder import`.", path)
    )


def decode_bytes(data: bytes, path: str | os.PathLike[str] | None = None,
                 legacy_encoding: str | None = None, *, coded: bool = True) -> Decoded:
    """Decode a transcript's bytes to canonical text, never guessing silently.

    ``legacy_encoding`` (from tcoder.yaml) replaces detection for files that are
    neither UTF-8 nor marked by a byte-order mark. ``coded=False`` for a table
    (attributes, participants, a survey), whose warnings then say nothing of offsets."""
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(canonical_newlines(_strict(data[3:], "utf-8", path, offset=3)), "UTF-8 with BOM")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return Decoded(canonical_newlines(_strict(data, "utf-32", path)), "UTF-32")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(canonical_newlines(_strict(data, "utf-16", path)), "UTF-16")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _not_text(path, f"it contains a NUL byte at byte {nul}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        damaged = _damaged_utf8(data)
        if damaged is not None:
            text, warning = damaged
            _check_controls(text, path)
            return Decoded(canonical_newlines(text), "UTF-8", (warning,))
        if legacy_encoding:
            text = _strict(data, legacy_encoding, path)
            encoding = friendly_encoding(legacy_encoding)
        else:
            text, encoding = _detect_legacy(data, path, exc)
        _check_controls(text, path)
        warning = (f"not UTF-8; decoded as {encoding}. " + ("Offsets refer to the decoded text; " if coded else "")
                   + "saving the file as UTF-8 removes this warning.")
        return Decoded(canonical_newlines(text), encoding, (warning,))
    _check_controls(text, path)
    return Decoded(canonical_newlines(text), "UTF-8")


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _damaged_utf8(data: bytes) -> tuple[str, str] | None:
    """A UTF-8 file with a few invalid bytes (a bad copy, a stray Windows quote) stays
    UTF-8: each invalid byte becomes one U+FFFD, so every other character keeps its
    offset, and the warning names where the bad bytes are. None when the file looks
    like a legacy encoding instead (no more valid multi-byte characters than invalid
    bytes: then nothing suggests UTF-8 at all)."""
    escaped = data.decode("utf-8", "surrogateescape")
    bad = [m.start() for m in _ESCAPED_BYTE.finditer(escaped)]
    valid = sum(1 for _ in _NON_ASCII.finditer(escaped)) - len(bad)
    if valid <= len(bad):
        return None
    lines = []
    for offset in bad[:4]:
        line = escaped.count("\n", 0, offset) + 1
        column = offset - (escaped.rfind("\n", 0, offset) + 1) + 1
        lines.append((line, column, ord(escaped[offset]) - 0xDC00))
    line, column, byte = lines[0]
    where = f"line {line}, column {column} (byte 0x{byte:02X})"
    if len(bad) > 1:
        more = ", ".join(f"line {n}" for n in dict.fromkeys(other[0] for other in lines[1:]))
        where += f", and {plural(len(bad) - 1, 'more byte')} ({more}{', ...' if len(bad) > 4 else ''})"
    warning = (f"invalid UTF-8 at {where}: each bad byte is read as \ufffd (U+FFFD) and the rest as UTF-8, so "
               "every other character keeps its place. Replace the bad bytes with the characters meant and save as UTF-8")
    return _ESCAPED_BYTE.sub("\ufffd", escaped), warning


def _strict(data: bytes, encoding: str, path, offset: int = 0) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        why = (f"although the file starts with a {encoding.upper()} byte-order mark" if encoding.startswith("utf")
               else "in the encoding tcoder.yaml names")
        raise TranscriptError(Problem(
            f"invalid {encoding.upper()} at byte {exc.start + offset} {why}", path)) from None


def _detect_legacy(data: bytes, path, utf8_error: UnicodeDecodeError) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    # Detectors often call short Western text Windows-1250 or an exotic code page.
    # Windows-1252 is by far the likeliest legacy encoding of an English or
    # Western European transcript, so it wins whenever it reads the bytes with no
    # more noise than the best guess; Cyrillic, Greek, CJK... still win on merit.
    western = from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and (best is None or western.chaos <= best.chaos + 0.1):
        best = western
    if best is None or best.chaos > 0.5:
        raise _not_text(path, f"it is not UTF-8 (invalid byte at {utf8_error.start}) "
                              "and no text encoding fits it")
    return str(best), friendly_encoding(best.encoding)


def _check_controls(text: str, path) -> None:
    sample = text[:65536]
    if sample and control_characters(sample) > max(8, len(sample) // 20):
        raise _not_text(path, "it is mostly control characters")


def control_characters(text: str) -> int:
    """How many characters of ``text`` are control characters other than tab, newline,
    carriage return, form feed and escape."""
    return len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_CONTROL))


def count_words(text: str) -> int:
    """``len(text.split())``, without making the list when the text is ASCII: the number of
    places where a word begins, after whitespace or at the start."""
    if not text.isascii():
        return len(text.split())
    marks = text.encode("ascii").translate(_WORD_MARKS)
    return marks.count(b" x") + marks.startswith(b"x")


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Turn:
    """A speaker turn: from its label to the next label (or the end of the text)."""

    index: int
    start: int
    end: int
    speaker: str | None
    body_start: int  # first offset after the label and the spaces that follow it
    timestamp: str | None = None

    @property
    def label_end(self) -> int:
        return self.body_start


def compile_speaker_pattern(pattern: str | None) -> re.Pattern[str]:
    """Compile a speaker pattern; a custom one needs a group named ``speaker`` (or one group)."""
    return re.compile(pattern or DEFAULT_SPEAKER_PATTERN, re.MULTILINE)


def find_turns(text: str, pattern: re.Pattern[str] | None = None) -> list[Turn]:
    pattern = pattern or _DEFAULT_PATTERN
    turns: list[Turn] = []
    matches = list(_label_matches(text, pattern))
    # A label found after a line break starts after it.
    starts = [m.start() + (m.re is _DEFAULT_AFTER_BREAK) for m in matches]
    first = starts[0] if matches else len(text)
    if text[:first].strip():
        turns.append(Turn(0, 0, first, None, _skip_spaces(text, 0)))
    names = pattern.groupindex
    for i, m in enumerate(matches):
        end = starts[i + 1] if i + 1 < len(matches) else len(text)
        stamp = m.group("timestamp") if "timestamp" in names else None
        turns.append(Turn(len(turns), starts[i], end, _speaker(m, names), _skip_spaces(text, m.end(), end), stamp))
    return turns


def _speaker(m: re.Match[str], names: Mapping[str, int]) -> str | None:
    """The speaker a label match names (None for a blank one)."""
    speaker = m.group("speaker") if "speaker" in names else (m.group(1) if m.re.groups else m.group(0))
    return (speaker or "").strip() or None


def _skip_spaces(text: str, pos: int, limit: int | None = None) -> int:
    limit = len(text) if limit is None else limit
    while pos < limit and text[pos] in " \t":
        pos += 1
    return pos


_DEFAULT_PATTERN = compile_speaker_pattern(None)
#: The default pattern after a line break instead of at a line start: the same labels, found
#: three times faster, as the regular expression engine then jumps from line break to line
#: break instead of trying every character (a label never spans lines).
_DEFAULT_AFTER_BREAK = re.compile("\\n" + DEFAULT_SPEAKER_PATTERN.removeprefix("^"), re.MULTILINE)


def _label_matches(text: str, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """The matches of a speaker pattern in ``text``, in order (with the default pattern, each
    after the first line starts at the line break before its label)."""
    if pattern.pattern != DEFAULT_SPEAKER_PATTERN or pattern.flags != _DEFAULT_PATTERN.flags:
        yield from pattern.finditer(text)
        return
    first = pattern.match(text)
    if first is not None:
        yield first
    yield from _DEFAULT_AFTER_BREAK.finditer(text)


@dataclass(eq=False)
class Transcript:
    """A transcript's canonical text with lazily built indexes."""

    text: str
    path: Path | None = None
    name: str = ""  # path relative to the study root, with forward slashes
    encoding: str = "UTF-8"
    warnings: tuple[str, ...] = ()
    speaker_pattern: re.Pattern[str] = field(default=_DEFAULT_PATTERN, repr=False)

    @cached_property
    def sha256(self) -> str:
        return text_sha256(self.text)

    @cached_property
    def turns(self) -> list[Turn]:
        return find_turns(self.text, self.speaker_pattern)

    @cached_property
    def _turn_starts(self) -> list[int]:
        return [t.start for t in self.turns]

    @cached_property
    def line_starts(self) -> list[int]:
        starts = [0]
        find = self.text.find
        pos = find("\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        return starts

    def __len__(self) -> int:
        return len(self.text)

    def turn_at(self, offset: int) -> Turn | None:
        i = bisect.bisect_right(self._turn_starts, offset) - 1
        if i < 0:
            return None
        turn = self.turns[i]
        return turn if turn.start <= offset < turn.end or (offset == len(self.text) == turn.end) else None

    def speaker_at(self, offset: int) -> str | None:
        turn = self.turn_at(offset)
        return turn.speaker if turn else None

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an offset."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    @property
    def speakers(self) -> list[str]:
        """The speakers' labels in the order they first speak (found without the turns when
        those were not needed yet)."""
        seen: dict[str, None] = {}
        if "turns" in self.__dict__:
            for t in self.turns:
                if t.speaker:
                    seen.setdefault(t.speaker, None)
        else:
            pattern = self.speaker_pattern or _DEFAULT_PATTERN
            names = pattern.groupindex
            for m in _label_matches(self.text, pattern):
                speaker = _speaker(m, names)
                if speaker:
                    seen.setdefault(speaker, None)
        return list(seen)

    @property
    def word_count(self) -> int:
        return count_words(self.text)


def read_transcript(path: str | os.PathLike[str], name: str | None = None,
                    speaker_pattern: re.Pattern[str] | None = None,
                    legacy_encoding: str | None = None) -> Transcript:
    """Read and decode a transcript file. Raises :class:`TranscriptError` for files that are not text."""
    path = as_path(path)
    return transcript_from_bytes(read_transcript_bytes(path), path, name, speaker_pattern, legacy_encoding)


def read_transcript_bytes(path: str | os.PathLike[str]) -> bytes:
    """A transcript file's bytes, refused as :func:`read_transcript` refuses them."""
    from tcoder.safeio import TRANSCRIPT_LIMIT, read_file

    return read_file(path, limit=TRANSCRIPT_LIMIT, what="the transcript", error=TranscriptError)


def transcript_from_bytes(data: bytes, path: Path, name: str | None = None,
                          speaker_pattern: re.Pattern[str] | None = None,
                          legacy_encoding: str | None = None) -> Transcript:
    """The transcript a file of these bytes holds (see :func:`read_transcript`)."""
    from tcoder.safeio import mb

    try:
        decoded = decode_bytes(data, path, legacy_encoding)
    except MemoryError:
        raise for_want_of_memory(TranscriptError(Problem(
            f"not enough memory to read the transcript ({mb(len(data))})", path))) from None
    return Transcript(decoded.text, path, name or path.name, decoded.encoding, decoded.warnings,
                      speaker_pattern or _DEFAULT_PATTERN)

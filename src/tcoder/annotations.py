"""Annotation files: one coder's spans on one transcript (docs/formats.md#annotation-files).

This module owns the file format and nobody else writes annotation files:
reading with precise messages, the canonical writer (stable bytes, one
annotation per line so git diffs and merges read well), atomic saving, the
per-file writer lock, and re-anchoring spans when the transcript has changed.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import operator
import os
import re
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import msgspec

# Re-anchoring has its own module; its names stay importable from here.
from tcoder.anchoring import FUZZY_MIN_LENGTH as FUZZY_MIN_LENGTH
from tcoder.anchoring import FUZZY_THRESHOLD as FUZZY_THRESHOLD
from tcoder.anchoring import AnchorResult as AnchorResult
from tcoder.anchoring import AnchorStatus as AnchorStatus
from tcoder.anchoring import reanchor as reanchor
from tcoder.atomicio import atomic_write_bytes, atomic_writer
from tcoder.errors import AnnotationFileError, LockedError, NotJSONError, Problem, TcoderError, for_want_of_memory
from tcoder.numbers import plural
from tcoder.safeio import as_path

FORMAT_ID = "tcoder-annotations/1"
FORMAT_PREFIX = "tcoder-annotations/"
CONTEXT_CHARS = 32

#: On consensus annotations: the ids of the coders' annotations an agreed one came from.
SOURCES_FIELD = "sources"
#: On annotations an autocode batch made: ``{"query": TEXT, "operation": ID}``, the query
#: that found the passage and the batch's operation in the study's journal.
AUTOCODE_FIELD = "autocode"

CODER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

#: Extension field of an annotation imported from another program whose selection stored a
#: text that is not at the annotation's offsets (nor anywhere in the transcript): that text.
#: ``tcoder check`` warns about each until the field is removed.
IMPORTED_TEXT = "imported_text"
#: The consensus file's header field that remembers adjudication decisions of "none"
#: (records with a ``code``, see docs/formats.md; written by :mod:`tcoder.adjudication`).
NONE_FIELD = "adjudicated_none"

_HEADER_KEYS = ("format", "transcript", "text_sha256", "coder")
_KNOWN_KEYS = ("id", "code", "start", "end", "quote", "prefix", "suffix", "memo", "created", "updated",
               "orphaned", "exemplar")
_TEXT_FIELDS = ("quote", "prefix", "suffix", "memo", "created", "updated")
_KNOWN_SET = frozenset(_KNOWN_KEYS)


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    """A random 64-bit id; never reused, stable across edits."""
    return secrets.token_hex(8)


class Annotation(msgspec.Struct, forbid_unknown_fields=True):
    """One coded passage. A struct rather than a dataclass: a well-formed file is decoded
    straight into these in C (:mod:`tcoder.annotation_decoding`), several times faster
    than building them from parsed JSON, which is most of the time a study takes to read."""

    id: str
    code: str
    start: int
    end: int
    quote: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    memo: str | None = None
    created: str | None = None
    updated: str | None = None
    orphaned: bool = False  # kept, but its passage could not be found in the current text
    extra: dict[str, Any] = msgspec.field(default_factory=dict)  # unknown fields, kept on rewrite
    exemplar: bool = False  # marked as one of the best quotes for its code (for write-ups)

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.start, self.end, self.code, self.id)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "code": self.code, "start": self.start, "end": self.end}
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                d[name] = value
        if self.orphaned:
            d["orphaned"] = True
        if self.exemplar:
            d["exemplar"] = True
        if self.extra:
            d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Annotation":
        """Build from a validated mapping (see :func:`parse_annotations`)."""
        extra = {} if d.keys() <= _KNOWN_SET else {k: v for k, v in d.items() if k not in _KNOWN_SET}
        return cls(d["id"], d["code"], d["start"], d["end"], d.get("quote"), d.get("prefix"), d.get("suffix"),
                   d.get("memo"), d.get("created"), d.get("updated"), bool(d.get("orphaned", False)), extra,
                   bool(d.get("exemplar", False)))

    def copy(self, **changes: Any) -> "Annotation":
        d = self.to_dict()
        d.update(changes)
        return Annotation.from_dict(d)

    def set_context(self, text: str) -> None:
        """Store the covered text and up to 32 characters either side, for re-anchoring."""
        self.quote = text[self.start:self.end]
        self.prefix = text[max(0, self.start - CONTEXT_CHARS):self.start]
        self.suffix = text[self.end:self.end + CONTEXT_CHARS]


def with_extra_fields(annotations: Iterable[Annotation]) -> Iterator[Annotation]:
    """The annotations that carry fields tcoder does not know (kept on rewrite, read by
    consensus, merges and imports): found in one pass in C, as most have none."""
    return filter(_EXTRA, annotations)


_EXTRA = operator.attrgetter("extra")
_END = operator.attrgetter("end")
_CODE = operator.attrgetter("code")


def codes_of(annotations: Iterable[Annotation]) -> Iterator[str]:
    """The code of each annotation, in order."""
    return map(_CODE, annotations)


def autocode_query(annotation: Annotation) -> str | None:
    """The query an autocode batch coded this passage from; None when a coder coded it."""
    marker = annotation.extra.get(AUTOCODE_FIELD)
    if isinstance(marker, dict):
        query = marker.get("query")
        return query if isinstance(query, str) else ""
    return None


#: What agreement and reports do with autocoded annotations (``--autocoded``): count them as
#: their coder's coding (the default, and said so), leave them out, or (reports) only them.
AUTOCODED_CHOICES = ("include", "exclude", "only")


def counts_under(annotation: Annotation, autocoded: str) -> bool:
    """Whether ``annotation`` is counted under the ``--autocoded`` choice."""
    if autocoded == "include":
        return True
    made_by_autocode = autocode_query(annotation) is not None
    return made_by_autocode if autocoded == "only" else not made_by_autocode


def new_annotation(code: str, start: int, end: int, text: str, memo: str | None = None) -> Annotation:
    stamp = now_iso()
    annotation = Annotation(new_id(), code, start, end, memo=memo or None, created=stamp, updated=stamp)
    annotation.set_context(text)
    return annotation


@dataclass(eq=False)
class AnnotationFile:
    coder: str
    transcript: str  # the transcript's file name
    text_sha256: str | None
    annotations: list[Annotation] = field(default_factory=list)
    format: str = FORMAT_ID
    extra: dict[str, Any] = field(default_factory=dict)  # unknown header fields, kept on rewrite


# ---------------------------------------------------------------- reading


def _line_of_ids(raw: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for m in re.finditer(r'"id"\s*:\s*"((?:[^"\\]|\\.)*)"', raw):
        lines.setdefault(m.group(1), raw.count("\n", 0, m.start()) + 1)
    return lines


def parse_annotations(raw: str, path: str | os.PathLike[str] | None = None) -> AnnotationFile:
    """Parse an annotation file's text; raises :class:`AnnotationFileError` listing every
    problem (:class:`NotJSONError` when the text is not JSON at all)."""
    from tcoder.annotation_decoding import decode_well_formed

    return decode_well_formed(raw) or _parse_text(raw, path)


def _parse_text(raw: str, path: str | os.PathLike[str] | None) -> AnnotationFile:
    """The full reader: every problem found and placed."""
    from tcoder.gcpause import collector_paused
    from tcoder.jsonsafe import JsonRefused, loads

    with collector_paused():  # tens of thousands of objects, no cycles among them
        try:
            data = loads(raw, check_depth=False)
        except json.JSONDecodeError as exc:
            raise NotJSONError(_json_problem(raw, exc, path)) from None
        except JsonRefused as exc:
            raise AnnotationFileError(Problem(f"{exc.msg}. tcoder has not changed the file", path, exc.lineno,
                                              exc.colno)) from None
        return _from_json(data, raw, path)


def _from_json(data: Any, raw: str, path: str | os.PathLike[str] | None) -> AnnotationFile:
    """An annotation file from its decoded JSON (``raw`` is its text, to place problems)."""
    from tcoder.jsonsafe import refuse_depth, too_deep

    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise AnnotationFileError(Problem("an annotation file is a JSON object with 'format' and "
                                          "'annotations'", path, 1, 1))
    fmt = data.get("format")
    if not isinstance(fmt, str) or not fmt.startswith(FORMAT_PREFIX):
        raise AnnotationFileError(Problem(
            f"'format' must be {FORMAT_ID!r}; this is not a tcoder annotation file", path, 1, 1))
    if fmt != FORMAT_ID:
        raise AnnotationFileError(Problem(
            f"this file is {fmt!r}, newer than this tcoder reads ({FORMAT_ID!r}); upgrade tcoder", path, 1, 1))
    items = data.get("annotations")
    if not isinstance(items, list):
        raise AnnotationFileError(Problem("'annotations' must be a list (it is missing or not a list)", path))
    for key in ("transcript", "coder", "text_sha256"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(Problem(f"{key!r} in the header must be a string", path))
    id_lines: dict[str, int] | None = None
    annotations: list[Annotation] = []
    seen: set[str] = set()
    append = annotations.append
    for number, item in enumerate(items, 1):
        # The common case in one step: a well-formed annotation with only known fields
        # (each checked as _annotation_problem checks it, then built as from_dict builds it).
        if type(item) is dict and item.keys() <= _KNOWN_SET:
            get = item.get
            aid, code, start, end = get("id"), get("code"), get("start"), get("end")
            quote, prefix, suffix, memo = get("quote"), get("prefix"), get("suffix"), get("memo")
            created, updated, orphaned, exemplar = get("created"), get("updated"), get("orphaned", False), \
                get("exemplar", False)
            if (type(aid) is str and aid and type(code) is str and code and type(start) is int
                    and type(end) is int and 0 <= start < end and type(orphaned) is bool and type(exemplar) is bool
                    and (quote is None or type(quote) is str) and (prefix is None or type(prefix) is str)
                    and (suffix is None or type(suffix) is str) and (memo is None or type(memo) is str)
                    and (created is None or type(created) is str) and (updated is None or type(updated) is str)
                    and aid not in seen):
                seen.add(aid)
                append(Annotation(aid, code, start, end, quote, prefix, suffix, memo, created, updated, orphaned, {},
                                  exemplar))
                continue
        message = _annotation_problem(item)
        if message is None and item["id"] in seen:
            message = f"the id {item['id']!r} is used twice"
        if message is not None:
            if id_lines is None:
                id_lines = _line_of_ids(raw)
            ident = item.get("id") if isinstance(item, dict) else None
            line = id_lines.get(ident) if isinstance(ident, str) else None
            label = f"annotation {number}" + (f" (id {ident})" if isinstance(ident, str) else "")
            problems.append(Problem(f"{label}: {message}", path, line))
            continue
        seen.add(item["id"])
        annotation = Annotation.from_dict(item)
        if annotation.extra and too_deep(annotation.extra, 3):
            deep = refuse_depth(raw)
            raise AnnotationFileError(Problem(deep.msg, path, deep.lineno, deep.colno))
        annotations.append(annotation)
    if problems:
        raise AnnotationFileError(problems)
    extra = {k: v for k, v in data.items() if k not in _HEADER_KEYS and k != "annotations"}
    if too_deep(extra, 1):
        deep = refuse_depth(raw)
        raise AnnotationFileError(Problem(deep.msg, path, deep.lineno, deep.colno))
    return AnnotationFile(data.get("coder") or "", data.get("transcript") or "", data.get("text_sha256"),
                          annotations, fmt, extra)


def _json_problem(raw: str, exc: json.JSONDecodeError, path) -> Problem:
    what = exc.msg[:-3] if exc.msg.endswith(" at") else exc.msg  # "Unterminated string starting at"
    what = what[:1].lower() + what[1:]
    if "\n<<<<<<< " in raw or raw.startswith("<<<<<<< "):
        hint = ("it has git conflict markers (<<<<<<<): git merged it line by line (the tcoder merge "
                "driver is not set up, or a side was damaged). Run 'tcoder git setup' if needed, then "
                "'git checkout -m FILE' merges it again by annotation id")
    elif not raw.rstrip().endswith("}") or exc.pos >= len(raw.rstrip()):
        hint = "the file ends too early: it looks truncated"
    else:
        hint = "it may have been edited by hand"
    return Problem(f"not valid JSON ({what}); {hint}. tcoder has not changed it: restore it from git "
                   "(git checkout -- FILE) or fix it by hand", path, exc.lineno, exc.colno)


def _annotation_problem(item: Any) -> str | None:
    """What is wrong with one annotation as read from JSON, or None."""
    if type(item) is dict:  # the common case, checked cheaply (type() is int excludes bool)
        aid, code, start, end = item.get("id"), item.get("code"), item.get("start"), item.get("end")
        if (type(aid) is str and aid and type(code) is str and code and type(start) is int
                and type(end) is int and 0 <= start < end and type(item.get("orphaned", False)) is bool
                and type(item.get("exemplar", False)) is bool):
            for key in _TEXT_FIELDS:
                value = item.get(key)
                if value is not None and type(value) is not str:
                    break
            else:
                return None
    return _describe_annotation_problem(item)


def _describe_annotation_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "each annotation must be a JSON object"
    for key in ("id", "code"):
        value = item.get(key)
        if not isinstance(value, str) or not value:
            return f"{key!r} is missing or not a non-empty string"
    start, end = item.get("start"), item.get("end")
    for key, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{key!r} is missing or not a whole number"
        if value < 0:
            return f"{key!r} is negative ({value})"
    assert isinstance(start, int) and isinstance(end, int)  # checked just above
    if end < start:
        return f"the span is reversed: end {end} is before start {start}"
    if end == start:
        return f"the span is empty (start = end = {start})"
    for key in _TEXT_FIELDS:
        if item.get(key) is not None and not isinstance(item[key], str):
            return f"{key!r} must be a string"
    if "orphaned" in item and not isinstance(item["orphaned"], bool):
        return "'orphaned' must be true or false"
    if "exemplar" in item and not isinstance(item["exemplar"], bool):
        return "'exemplar' must be true or false"
    return None


def read_annotations(path: str | os.PathLike[str]) -> AnnotationFile:
    return read_annotation_version(path)[0]


def version_digest(raw: bytes) -> bytes:
    """What identifies one version of an annotation file: a digest of its bytes (a sync
    tool or git that writes back an older version writes exactly its bytes)."""
    return hashlib.sha1(raw, usedforsecurity=False).digest()  # an identity, not a signature; fast


def read_annotation_version(path: str | os.PathLike[str]) -> tuple[AnnotationFile, bytes]:
    """The file, and the :func:`version_digest` of the bytes it was read from."""
    af, raw = read_annotations_and_bytes(path)
    return af, version_digest(raw)


def read_annotations_and_bytes(path: str | os.PathLike[str]) -> tuple[AnnotationFile, bytes]:
    """The file, and the bytes it was read from (one read, for a caller that needs both)."""
    raw = _read_raw(path)
    return _parse_raw(raw, as_path(path)), raw


def read_annotation_bytes(path: str | os.PathLike[str]) -> bytes:
    """An annotation file's bytes, refused as :func:`read_annotations` refuses them."""
    return _read_raw(path)


def annotations_from_file_bytes(raw: bytes, path: str | os.PathLike[str]) -> AnnotationFile:
    """The annotation file these bytes, read from ``path``, hold (see :func:`read_annotations`)."""
    return _parse_raw(raw, as_path(path))


def _read_raw(path: str | os.PathLike[str]) -> bytes:
    from tcoder.safeio import ANNOTATION_LIMIT, read_file

    return read_file(path, limit=ANNOTATION_LIMIT, what="the annotation file", error=AnnotationFileError)


def _parse_raw(raw: bytes, path: Path) -> AnnotationFile:
    from tcoder.annotation_decoding import decode_well_formed
    from tcoder.safeio import decode_utf8, mb

    try:
        return decode_well_formed(raw) or _parse_text(decode_utf8(raw, path, "the annotation file",
                                                                  AnnotationFileError), path)
    except MemoryError:
        raise for_want_of_memory(AnnotationFileError(Problem(
            f"not enough memory to read the annotation file ({mb(len(raw))})", path))) from None


def _decode(raw: bytes, path: str | os.PathLike[str] | None) -> str:
    from tcoder.safeio import decode_utf8

    return decode_utf8(raw, path, "the annotation file", AnnotationFileError)


class NotAnnotations(Exception):
    """The content is not a tcoder annotation file (other JSON, other text)."""


#: How far into a file the format's name is looked for (it is the first header key).
SNIFF_BYTES = 512
_SNIFF = FORMAT_PREFIX.rstrip("/").encode()


def looks_like_annotations(head: bytes) -> bool:
    """Whether a file's first bytes name the annotation format: a quick test that tells
    annotation files from other JSON before parsing (a damaged one still names it)."""
    return _SNIFF in head[:SNIFF_BYTES]


def file_looks_like_annotations(path: str | os.PathLike[str]) -> bool:
    try:
        with open(path, "rb") as f:
            return looks_like_annotations(f.read(SNIFF_BYTES))
    except OSError:
        return False


def annotations_from_bytes(raw: bytes, path: str | os.PathLike[str] | None = None) -> AnnotationFile:
    """An annotation file from bytes that may hold anything (a git blob, a side of a merge).
    Raises :class:`NotAnnotations` for other content, and :class:`AnnotationFileError` for
    an annotation file that cannot be read (:class:`NotJSONError` when it is not JSON)."""
    from tcoder.annotation_decoding import decode_well_formed

    well_formed = decode_well_formed(raw)
    if well_formed is not None:
        return well_formed
    try:
        from tcoder.jsonsafe import loads

        text = raw.decode("utf-8-sig")
        data = loads(text)
    except (UnicodeDecodeError, ValueError):
        if looks_like_annotations(raw):
            return _parse_text(_decode(raw, path), path)  # raises, with the reason
        raise NotAnnotations from None
    if not (isinstance(data, dict) and isinstance(data.get("format"), str)
            and data["format"].startswith(FORMAT_PREFIX)):
        raise NotAnnotations
    return _from_json(data, text, path)


_CANONICAL_HEAD = b'{\n  "format": "' + FORMAT_PREFIX.encode()
_CANONICAL_LIST = b'\n  "annotations": [\n'


#: How far into a file its header is looked for before reading the whole file.
HEADER_BYTES = 4096


def read_header(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The header fields of an annotation file (everything but the annotations), reading only
    its first bytes when tcoder wrote it; None when it is missing or not a readable annotation file."""
    from tcoder.jsonsafe import loads
    from tcoder.safeio import read_head

    try:
        head = read_head(path, HEADER_BYTES)
    except (TcoderError, OSError):
        return None
    if head.startswith(_CANONICAL_HEAD):
        end = min((i for i in (head.find(_CANONICAL_LIST), head.find(b'\n  "annotations": []')) if i >= 0),
                  default=-1)
        if end >= 0:
            try:
                data = loads(head[:end].rstrip(b",").decode("utf-8") + "\n}")
            except (UnicodeDecodeError, ValueError, RecursionError):
                data = None
            if isinstance(data, dict):
                return data
    try:
        af = read_annotations(path)
    except (TcoderError, OSError, MemoryError):
        return None
    return {"format": af.format, "transcript": af.transcript, "text_sha256": af.text_sha256, "coder": af.coder,
            **af.extra}


def span_problems(af: AnnotationFile, text_length: int, path=None,
                  known_codes: Iterable[str] | None = None) -> list[Problem]:
    """Spans beyond the text, and codes not in the codebook (kept, but reported)."""
    problems: list[Problem] = []
    known = set(known_codes) if known_codes is not None else None
    if (max(map(_END, af.annotations), default=0) <= text_length
            and (known is None or known.issuperset(codes_of(af.annotations)))):
        return problems  # nothing to report, seen in two passes in C
    for a in af.annotations:
        if a.orphaned:
            continue
        if a.end > text_length:
            problems.append(Problem(f"annotation {a.id} ({a.code}) spans [{a.start}, {a.end}) but the "
                                    f"transcript has only {plural(text_length, 'character')}", path))
        if known is not None and a.code not in known:
            problems.append(Problem(f"annotation {a.id} uses the code {a.code!r}, which is not in the codebook "
                                    "(kept; add the code or recode the annotation)", path))
    return problems


# ---------------------------------------------------------------- writing

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), allow_nan=False)
_SORT_KEY = operator.attrgetter("start", "end", "code", "id")  # = Annotation.sort_key, in C
# The C string encoder of the json module; building each line from it is several
# times faster than encoding a dict per annotation, which matters on every save.
_string = json.encoder.encode_basestring


def _annotation_line(a: Annotation) -> str:
    parts = [f'    {{"id": {_string(a.id)}, "code": {_string(a.code)}, "start": {a.start:d}, "end": {a.end:d}']
    for name in _TEXT_FIELDS:
        value = getattr(a, name)
        if value is not None:
            parts.append(f'"{name}": {_string(value)}')
    if a.orphaned:
        parts.append('"orphaned": true')
    if a.exemplar:
        parts.append('"exemplar": true')
    for key, value in a.extra.items():
        parts.append(f"{_string(key)}: {_ENCODER.encode(value)}")
    return ", ".join(parts) + "}"


#: id -> (the annotation object, its line as UTF-8). Valid only for callers that
#: replace an annotation object when it changes instead of mutating it.
LineCache = dict[str, tuple[Annotation, bytes]]
_SEPARATOR = b",\n"


def encode_annotations(af: AnnotationFile, line_cache: LineCache | None = None) -> bytes:
    """The canonical file as UTF-8: header keys first, one annotation per line
    sorted by (start, end, code, id), no ``\\u`` escapes, LF, a trailing newline.

    The file is assembled in one allocation (on a large file, every extra copy of
    megabytes costs page faults on each save). ``line_cache`` lets a long-lived
    editor re-encode only the annotations whose objects changed since its last save.

    Text that UTF-8 cannot hold (an unpaired surrogate) raises
    :class:`AnnotationFileError` naming the annotation and field; nothing is written."""
    return b"".join(_encoded_pieces(af, line_cache))


def fill_line_cache(af: AnnotationFile, line_cache: LineCache) -> None:
    """Encode every annotation's line into ``line_cache`` (see :func:`encode_annotations`)
    without assembling the file."""
    _encoded_pieces(af, line_cache)


def _encoded_pieces(af: AnnotationFile, line_cache: LineCache | None) -> list[bytes]:
    """The pieces :func:`encode_annotations` joins, with its errors."""
    try:
        return _encode(af, line_cache)
    except UnicodeEncodeError:
        raise AnnotationFileError(_unsavable(af)) from None
    except ValueError as exc:  # NaN or infinity in an unknown field: not JSON
        raise AnnotationFileError(Problem(f"cannot be saved: {exc}", af.transcript or None)) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def unsavable_character(text: str | None) -> str | None:
    """The first character of ``text`` that UTF-8 cannot encode (an unpaired surrogate), as U+XXXX."""
    found = _SURROGATE.search(text) if text else None
    return f"U+{ord(found.group()):04X}" if found else None


def _unsavable(af: AnnotationFile) -> list[Problem]:
    problems = []
    for a in af.annotations:
        fields = [(name, getattr(a, name)) for name in ("id", "code", *_TEXT_FIELDS)]
        fields.extend((repr(key), json.dumps([key, value], ensure_ascii=False)) for key, value in a.extra.items())
        for name, text in fields:
            bad = unsavable_character(text)
            if bad:
                problems.append(Problem(f"annotation {a.id!a}: its {name} holds {bad}, an unpaired surrogate that "
                                        "is not a character; the file was not saved. Remove it and save again"))
    if not problems:
        problems.append(Problem("the annotations hold text that UTF-8 cannot encode (an unpaired surrogate); "
                                "the file was not saved"))
    return problems


#: Annotations sorted at a time by :func:`_in_file_order`.
_SORT_CHUNK = 4096


def _in_file_order(items: list[Annotation]) -> list[Annotation]:
    """``sorted(items, key=_SORT_KEY)``, in steps of a few thousand when ``items`` is in
    order already (as an open session hands it over): one sort of 50,000 holds the
    interpreter for 20-40 ms, which a screen saving on a thread shows as a frame that late."""
    if len(items) <= _SORT_CHUNK:
        return sorted(items, key=_SORT_KEY)
    chunks = []
    for i in range(0, len(items), _SORT_CHUNK):
        chunks.append(sorted(items[i:i + _SORT_CHUNK], key=_SORT_KEY))
        _let_others_run()
    if all(_SORT_KEY(a[-1]) <= _SORT_KEY(b[0]) for a, b in itertools.pairwise(chunks)):
        return [a for chunk in chunks for a in chunk]
    return sorted(items, key=_SORT_KEY)


#: Annotations encoded between two chances for other threads to run (see :func:`_let_others_run`).
_YIELD_ROWS = 1024


def _let_others_run() -> None:
    """Give the interpreter to another thread that waits for it, if any (a screen's, while
    its file is saved on a thread): otherwise it waits for the switch interval (5 ms) at
    every turn, and a frame of 10 ms takes twice as long while a large file is saved."""
    time.sleep(0)


def _encode(af: AnnotationFile, line_cache: LineCache | None = None) -> list[bytes]:
    enc = _ENCODER.encode
    header: list[tuple[str, Any]] = [("format", af.format), ("transcript", af.transcript),
                                     ("text_sha256", af.text_sha256), ("coder", af.coder)]
    header.extend(af.extra.items())
    head = "{\n" + "".join([f"  {enc(key)}: {enc(value)},\n" for key, value in header])
    if not af.annotations:
        return [(head + '  "annotations": []\n}\n').encode("utf-8")]
    rows = _in_file_order(af.annotations)
    pieces: list[bytes] = [(head + '  "annotations": [\n').encode("utf-8")]
    if line_cache is None:
        for a in rows:
            pieces.append(_annotation_line(a).encode("utf-8"))
            pieces.append(_SEPARATOR)
    else:
        get = line_cache.get
        for start in range(0, len(rows), _YIELD_ROWS):
            for a in rows[start:start + _YIELD_ROWS]:
                hit = get(a.id)
                if hit is None or hit[0] is not a:
                    hit = line_cache[a.id] = (a, _annotation_line(a).encode("utf-8"))
                pieces.append(hit[1])
                pieces.append(_SEPARATOR)
            _let_others_run()
        if len(line_cache) > 2 * len(rows) + 64:  # forget deleted annotations now and then
            keep = {a.id for a in rows}
            for stale in [k for k in line_cache if k not in keep]:
                del line_cache[stale]
    pieces[-1] = b"\n  ]\n}\n"
    return pieces


def dumps_annotations(af: AnnotationFile, line_cache: LineCache | None = None) -> str:
    """The canonical text of :func:`encode_annotations`, as a string."""
    return encode_annotations(af, line_cache).decode("utf-8")


def save_annotations(af: AnnotationFile, path: str | os.PathLike[str],
                     line_cache: LineCache | None = None) -> bytes:
    """Write atomically: the old or the new file survives a crash, never a torn one.
    Returns the :func:`version_digest` of what was written.

    With a ``line_cache`` (an editor that keeps the file open and saves it on a thread)
    the file is written a megabyte at a time instead of assembled whole: copying tens of
    megabytes at once holds the interpreter, and the screen's frames wait for it."""
    if line_cache is None:
        raw = encode_annotations(af)
        atomic_write_bytes(path, raw)
        return version_digest(raw)
    pieces = _encoded_pieces(af, line_cache)
    digest = hashlib.sha1(usedforsecurity=False)  # as version_digest, block by block
    with atomic_writer(path) as handle:
        for i in range(0, len(pieces), _WRITE_PIECES):
            block = b"".join(pieces[i:i + _WRITE_PIECES])
            digest.update(block)
            handle.write(block)
    return digest.digest()


#: Pieces (lines and separators) per block a cached save writes: about a megabyte.
_WRITE_PIECES = 4096


ANNOTATION_SUFFIX = ".json"


def annotation_name(transcript_stem: str, coder: str) -> str:
    """The file name of a coder's annotations of a transcript: ``P01`` and ``alice`` ->
    ``P01.alice.json``, beside the transcript."""
    return f"{transcript_stem}.{coder}{ANNOTATION_SUFFIX}"


def annotation_path(transcript_path: Path, coder: str) -> Path:
    return transcript_path.with_name(annotation_name(transcript_path.stem, coder))


def split_annotation_name(name: str) -> tuple[str, str] | None:
    """(transcript stem, coder) of an annotation file's name, ``P01.alice.json`` ->
    ``("P01", "alice")``; None when the name does not end in a valid coder name and
    ``.json`` (coder names have no dots, so a name splits one way only)."""
    if not name.endswith(ANNOTATION_SUFFIX):
        return None
    stem, dot, coder = name[:-len(ANNOTATION_SUFFIX)].rpartition(".")
    if not dot or not stem or not CODER_NAME.match(coder):
        return None
    return stem, coder


def is_annotation_name_of(name: str, transcript_stem: str) -> bool:
    """Whether ``name`` is some coder's annotation file of the transcript ``transcript_stem``."""
    split = split_annotation_name(name)
    return split is not None and split[0] == transcript_stem


def check_coder_name(name: str) -> str:
    if not CODER_NAME.match(name):
        raise TcoderError(Problem(
            f"coder name {name!r} is not valid: use lower-case letters, digits, '-' and '_', starting with a "
            "letter or digit (no dots, so file names stay unambiguous)"))
    return name


# ---------------------------------------------------------------- locking


def lock_path_of(path: str | os.PathLike[str]) -> Path:
    """The lock file of an annotation file: ``.P01.alice.json.lock`` beside it."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


class AnnotationLock:
    """One writer per annotation file. A second writer gets :class:`LockedError`
    naming the holder; a lock left by a process that died is taken over, because
    the operating system releases it with the process. A clean release removes
    the lock file (tcoder.lockfile)."""

    def __init__(self, path: str | os.PathLike[str], *, coder: str | None = None, purpose: str = "coding"):
        from tcoder.lockfile import LockFile

        self.path = Path(path)
        self.lock_path = lock_path_of(self.path)
        self._holder = {"pid": os.getpid(), "host": socket.gethostname(), "coder": coder, "purpose": purpose}
        self._lock = LockFile(self.lock_path, timeout=0, describe=lambda: dict(self._holder, since=now_iso()))

    def holder(self) -> dict[str, Any]:
        return self._lock.holder()

    def acquire(self) -> "AnnotationLock":
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            holder = self.holder()
            who = []
            if holder.get("coder"):
                who.append(f"coder {holder['coder']}")
            if holder.get("pid"):
                who.append(f"process {holder['pid']}" + (f" on {holder['host']}" if holder.get("host") else ""))
            if holder.get("since"):
                who.append(f"since {holder['since']}")
            raise LockedError(f"is being written by another tcoder ({', '.join(who) or 'unknown holder'}); "
                              "one writer at a time", self.path, holder) from None
        except OSError as exc:
            from tcoder.safeio import os_error_message

            if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
                why = "the folder is read-only"
            elif exc.errno == errno.ENOSPC:
                why = "nothing can be written until some space is freed"
            else:
                why = "the file cannot be written"
            raise LockedError(f"cannot create the lock file {self.lock_path.name}: {os_error_message(exc)}; {why}",
                              self.path, cannot_write=True) from None
        return self

    def release(self) -> None:
        self._lock.release()

    @property
    def is_locked(self) -> bool:
        return self._lock.is_locked

    def __enter__(self) -> "AnnotationLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

"""Well-formed annotation files decoded in C, or not at all.

Nearly every annotation file was written by tcoder's canonical writer and holds only
known fields of the right types. :func:`decode_well_formed` decodes such a file with
msgspec straight into :class:`~tcoder.annotations.Annotation` structs, several times
faster than parsing the JSON into dictionaries and building each annotation from one
(which was most of the time a large study took to check). Whatever it does not accept
(a field of another type, an unknown field, a number too large, an escaped lone
surrogate, two equal keys, a byte-order mark, anything malformed) makes it return None,
and the full reader in :mod:`tcoder.annotations` reads the file and says what is wrong.
A file it accepts gives exactly what the full reader gives.

msgspec keeps the last of two equal keys without a word, where the full reader refuses
the file. The keys are counted instead: in JSON text every key and every string value is
written between two quotation marks, and the only other quotation marks are escaped ones
inside strings. So the quotation marks in the text, less the escaped ones, are twice the
number of keys and string values it holds. When that equals what the decoded file
accounts for, no key was dropped. Escaped quotation marks are counted from below (a
quotation mark after exactly one backslash is always escaped), so a text whose count
does not settle it goes to the full reader, never the other way.
"""

from __future__ import annotations

import operator

import msgspec

from tcoder.annotations import FORMAT_ID, Annotation, AnnotationFile
from tcoder.gcpause import collector_paused

#: Offsets above this go to the full reader (no text is that long; it says what is wrong).
_LARGEST_OFFSET = 2 ** 63 - 1


class _File(msgspec.Struct, forbid_unknown_fields=True):
    format: str
    annotations: list[Annotation]
    # UNSET when absent, None when written as null (the canonical writer writes all three)
    transcript: str | None | msgspec.UnsetType = msgspec.UNSET
    text_sha256: str | None | msgspec.UnsetType = msgspec.UNSET
    coder: str | None | msgspec.UnsetType = msgspec.UNSET


_DECODER = msgspec.json.Decoder(_File)
_ID = operator.attrgetter("id")
_CODE = operator.attrgetter("code")
_START = operator.attrgetter("start")
_END = operator.attrgetter("end")
_EXTRA = operator.attrgetter("extra")
_ORPHANED = operator.attrgetter("orphaned")
_EXEMPLAR = operator.attrgetter("exemplar")
#: The optional string fields; each one present is a key and a string value.
_TEXTS = tuple(map(operator.attrgetter, ("quote", "prefix", "suffix", "memo", "created", "updated")))


def decode_well_formed(source: bytes | str) -> AnnotationFile | None:
    """The annotation file ``source`` (its UTF-8 bytes, or its text) holds, when it is
    well formed in every way; None when the full reader must read it."""
    with collector_paused():  # tens of thousands of objects, no cycles among them
        try:
            decoded = _DECODER.decode(source)
        except (msgspec.DecodeError, UnicodeError, RecursionError):
            return None
        if decoded.format != FORMAT_ID or not _fields_valid(decoded.annotations):
            return None
        if not _no_key_dropped(source, decoded):
            return None
    return AnnotationFile(_given(decoded.coder) or "", _given(decoded.transcript) or "", _given(decoded.text_sha256),
                          decoded.annotations, decoded.format, {})


def _given(value: str | None | msgspec.UnsetType) -> str | None:
    return None if isinstance(value, msgspec.UnsetType) else value


def _fields_valid(annotations: list[Annotation]) -> bool:
    """What the full reader checks beyond the types: ids and codes not empty, ids unique,
    ``0 <= start < end``, no unknown field (an ``extra`` key would have landed in the
    struct's field of that name)."""
    if not annotations:
        return True
    ids = list(map(_ID, annotations))
    if "" in ids or len(set(ids)) != len(ids) or "" in map(_CODE, annotations):
        return False
    starts = list(map(_START, annotations))
    ends = list(map(_END, annotations))
    if min(starts) < 0 or max(ends) > _LARGEST_OFFSET or any(map(operator.ge, starts, ends)):
        return False
    return not any(map(_EXTRA, annotations))


def _no_key_dropped(source: bytes | str, decoded: _File) -> bool:
    """Whether the text's quotation marks account for exactly the keys and string values
    decoded (see the module's docstring)."""
    expected = 2 * _strings(decoded)
    marks = source.count(b'"') if isinstance(source, bytes) else source.count('"')
    if marks == expected:
        return True
    return marks - _escaped_at_least(source) == expected


def _escaped_at_least(source: bytes | str) -> int:
    """Quotation marks after exactly one backslash: each is escaped (a lower bound of the
    escaped ones; after three backslashes, say, one is too, and is not counted)."""
    if isinstance(source, bytes):
        return source.count(b'\\"') - source.count(b'\\\\"')
    return source.count('\\"') - source.count('\\\\"')


def _strings(decoded: _File) -> int:
    """The keys and string values the decoded file holds. An annotation's field that is
    null or false is not written by the canonical writer, so it counts nothing (a file
    that writes one goes to the full reader); the header's are told apart (UNSET)."""
    header = 3  # "format", its value and "annotations"
    for value in (decoded.transcript, decoded.text_sha256, decoded.coder):
        header += 0 if value is msgspec.UNSET else 1 if value is None else 2
    annotations = decoded.annotations
    count = len(annotations)
    if not count:
        return header
    present = len(_TEXTS) * count - sum(list(map(text, annotations)).count(None) for text in _TEXTS)
    flags = sum(map(_ORPHANED, annotations)) + sum(map(_EXEMPLAR, annotations))
    # per annotation: the keys id, code, start and end, and the values of id and code
    return header + 6 * count + 2 * present + flags

"""Three-way merge of annotation sets by annotation id.

Used when a file changes on disk under an open coding session (a git pull,
another program) and by the git merge driver. Additions from both sides are
kept, a deletion on one side is honoured, a change on one side is taken; the
same annotation changed differently on both sides is a conflict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

from tcoder.annotations import Annotation, AnnotationFile, _annotation_problem, _line_of_ids, with_extra_fields
from tcoder.errors import Problem, TcoderError
from tcoder.quotes import shorten


@dataclass(slots=True)
class Conflict:
    """One annotation changed two ways. ``None`` means absent (never added, or deleted)."""

    id: str
    base: Annotation | None
    ours: Annotation | None
    theirs: Annotation | None


@dataclass(slots=True)
class MergeResult:
    annotations: list[Annotation] = field(default_factory=list)  # everything merged cleanly
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _content(a: Annotation) -> dict:
    """What an edit changes: everything but the ``updated`` stamp, so the same edit
    made on two branches at different times is not a conflict."""
    d = a.to_dict()
    d.pop("updated", None)
    return d


def _same(a: Annotation | None, b: Annotation | None) -> bool:
    if a is None or b is None:
        return a is b
    return _content(a) == _content(b)


def _later(a: Annotation | None, b: Annotation | None) -> Annotation | None:
    """Of two versions with the same content, the one stamped later."""
    if a is None or b is None:
        return a
    return b if (b.updated or "") > (a.updated or "") else a


def merge_annotations(base: Iterable[Annotation], ours: Iterable[Annotation],
                      theirs: Iterable[Annotation]) -> MergeResult:
    b = {a.id: a for a in base}
    o = {a.id: a for a in ours}
    t = {a.id: a for a in theirs}
    result = MergeResult()
    ids = list(dict.fromkeys([*o, *t, *b]))
    for aid in ids:
        bv, ov, tv = b.get(aid), o.get(aid), t.get(aid)
        if _same(ov, tv):
            chosen = _later(ov, tv)
        elif _same(ov, bv):
            chosen = tv  # only theirs changed (or deleted, or added)
        elif _same(tv, bv):
            chosen = ov  # only ours changed
        else:
            result.conflicts.append(Conflict(aid, bv, ov, tv))
            continue
        if chosen is not None:
            result.annotations.append(chosen)
    return result


def merge_value(base: Any, ours: Any, theirs: Any) -> tuple[Any, bool]:
    """One field's three-way merge: (the value, whether it conflicts). A value
    changed on one side is taken from that side; two lists changed on both sides
    are merged as sets (items added on either side kept, items removed on either
    side gone); anything else changed two ways keeps ours and conflicts."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    if isinstance(ours, list) and isinstance(theirs, list):
        return merge_lists(base if isinstance(base, list) else [], ours, theirs), False
    return ours, True


def merge_fields(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Three-way merge of header fields, one field at a time (:func:`merge_value`;
    a field changed two ways keeps ours). Used by a session reloading its file from disk."""
    missing = object()
    merged: dict[str, Any] = {}
    for key in dict.fromkeys([*ours, *theirs, *base]):
        value, _ = merge_value(base.get(key, missing), ours.get(key, missing), theirs.get(key, missing))
        if value is not missing:
            merged[key] = value
    return merged


def merge_lists(base: list, ours: list, theirs: list) -> list:
    def key(item: Any) -> str:
        return json.dumps(item, sort_keys=True, ensure_ascii=False)

    in_base, in_ours, in_theirs = ({key(i) for i in items} for items in (base, ours, theirs))
    kept = [i for i in ours if key(i) in in_theirs or key(i) not in in_base]
    seen = {key(i) for i in kept}
    kept += [i for i in theirs if key(i) not in in_base and key(i) not in seen]
    return kept


# ---------------------------------------------------------------- conflict records
#
# When the same annotation was changed two ways, the merge driver writes a
# still-valid annotation file: one side's version stays in place (ours, or
# theirs when ours deleted it) and carries a "conflict" field with the other
# side's version and the common ancestor (null = absent: deleted or never added):
#
#   {"id": "...", "code": "duty", ..., "conflict": {"kept": "ours",
#        "theirs": {"id": "...", "code": "personal", ...}, "base": {...}}}
#
# A header field can conflict too (ours stays in place); the header then has
#   "conflict": {"kept": "ours", "ours": {"coder": ...}, "theirs": {...}, "base": {...}}
# Until resolved, `tcoder check` reports each record as an error; every other
# reader simply sees the version in place.

CONFLICT_FIELD = "conflict"
Side = Literal["ours", "theirs"]
SIDES: tuple[Side, Side] = ("ours", "theirs")


def _other(side: Side) -> Side:
    return "theirs" if side == "ours" else "ours"


@dataclass(slots=True)
class ConflictRecord:
    """An unresolved conflict as stored in an annotation file."""

    id: str
    kept: Side  # whose version is in place
    in_place: Annotation  # that version, without the conflict field
    other: Annotation | None  # the other side's version; None = that side deleted it
    base: Annotation | None  # the common ancestor; None = added on both sides

    def version(self, side: Side) -> Annotation | None:
        return self.in_place if side == self.kept else self.other

    @property
    def ours(self) -> Annotation | None:
        return self.version("ours")

    @property
    def theirs(self) -> Annotation | None:
        return self.version("theirs")


class ConflictRecordError(ValueError):
    """A "conflict" field that is not a readable record (hand-edited?)."""


def conflict_record(conflict: Conflict) -> Annotation:
    """The annotation the merge driver writes in place of an unresolved conflict."""
    kept: Side = "ours" if conflict.ours is not None else "theirs"
    in_place = conflict.ours if conflict.ours is not None else conflict.theirs
    assert in_place is not None, "a conflict has a version on at least one side"
    other = conflict.theirs if kept == "ours" else conflict.ours
    record = in_place.copy()
    record.extra.pop(CONFLICT_FIELD, None)
    record.extra[CONFLICT_FIELD] = {
        "kept": kept,
        _other(kept): other.to_dict() if other is not None else None,
        "base": conflict.base.to_dict() if conflict.base is not None else None,
    }
    return record


def _version(value: Any, what: str) -> Annotation | None:
    if value is None:
        return None
    message = _annotation_problem(value)
    if message is not None:
        raise ConflictRecordError(f"{what} is not a valid annotation ({message})")
    return Annotation.from_dict(value)


def read_conflict(a: Annotation) -> ConflictRecord | None:
    """The conflict an annotation carries, or None. Raises :class:`ConflictRecordError`."""
    raw = a.extra.get(CONFLICT_FIELD)
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("kept") not in SIDES:
        raise ConflictRecordError('"conflict" must be an object with "kept": "ours" or "theirs"')
    kept: Side = raw["kept"]
    in_place = a.copy()
    in_place.extra.pop(CONFLICT_FIELD, None)
    other = _version(raw.get(_other(kept)), f"the {_other(kept)} version")
    base = _version(raw.get("base"), "the base version")
    return ConflictRecord(a.id, kept, in_place, other, base)


def unresolved(af: AnnotationFile) -> list[Annotation]:
    """Annotations that carry a conflict record, in file order."""
    return [a for a in with_extra_fields(af.annotations) if CONFLICT_FIELD in a.extra]


def resolve_conflict(af: AnnotationFile, annotation_id: str, keep: Side) -> Annotation | None:
    """Settle one conflict in place: keep ``ours`` or ``theirs`` (which may be a
    deletion). Returns the annotation kept, or None if it is now deleted."""
    for i, a in enumerate(af.annotations):
        if a.id == annotation_id:
            record = read_conflict(a)
            if record is None:
                raise KeyError(f"annotation {annotation_id} has no conflict")
            chosen = record.version(keep)
            if chosen is None:
                del af.annotations[i]
            else:
                af.annotations[i] = chosen
            return chosen
    raise KeyError(f"no annotation {annotation_id}")


# Header fields that a merge compares (besides the unknown ones kept in ``extra``).
HEADER_FIELDS = ("transcript", "coder")


def header_conflict(af: AnnotationFile) -> dict[str, Any] | None:
    raw = af.extra.get(CONFLICT_FIELD)
    return raw if isinstance(raw, dict) else None


def resolve_header_conflict(af: AnnotationFile, keep: Side) -> None:
    """Settle a header conflict: keep our header values or take theirs."""
    raw = af.extra.pop(CONFLICT_FIELD, None)
    if not isinstance(raw, dict) or keep == raw.get("kept"):
        return
    for key, value in (raw.get(keep) or {}).items():
        if key in HEADER_FIELDS:
            setattr(af, key, value or "")
        elif value is None:
            af.extra.pop(key, None)
        else:
            af.extra[key] = value


def conflict_problems(af: AnnotationFile, path=None, raw_text: str | None = None) -> list[Problem]:
    """One error per unresolved conflict, saying what the two sides did and how to settle it."""
    records = unresolved(af)
    header = af.extra.get(CONFLICT_FIELD)
    if not records and header is None:
        return []
    if raw_text is None and path is not None:
        from tcoder.safeio import ANNOTATION_LIMIT, read_file

        try:
            raw_text = read_file(path, limit=ANNOTATION_LIMIT).decode("utf-8-sig")
        except (TcoderError, UnicodeDecodeError):
            raw_text = None
    lines = _line_of_ids(raw_text) if raw_text is not None else {}
    how = ("settle it with 'tcoder git resolve FILE --keep ours|theirs' (or by hand: keep one version and "
           "delete the \"conflict\" field), then 'git add' the file")
    problems = []
    if header is not None:
        problems.append(Problem(f"unresolved merge conflict in the file's header ({_describe_header(header)}); "
                                + how, path, 2 if raw_text else None))
    for a in records:
        try:
            record = read_conflict(a)
        except ConflictRecordError as exc:
            problems.append(Problem(f"annotation {a.id}: unreadable merge conflict record: {exc}; remove the "
                                    "\"conflict\" field to keep the version in place", path, lines.get(a.id)))
            continue
        assert record is not None
        problems.append(Problem(
            f"unresolved merge conflict on annotation {a.id} ({a.code}, {_quote(a.quote)}): "
            f"{describe_differences(record.ours, record.theirs)} ({record.kept} is in place for now); " + how,
            path, lines.get(a.id)))
    return problems


def _quote(quote: str | None, width: int = 40) -> str:
    if not quote:
        return "no quote stored"
    return repr(shorten(quote, width, middle=True))


def describe_differences(ours: Annotation | None, theirs: Annotation | None) -> str:
    """How two versions of one annotation differ, for messages."""
    if ours is None or theirs is None:
        deleted, changed = ("ours", theirs) if ours is None else ("theirs", ours)
        other = "theirs" if deleted == "ours" else "ours"
        return f"{deleted} deleted it, {other} changed it to {describe_version(changed)}"
    parts = []
    if ours.code != theirs.code:
        parts.append(f"code: ours {ours.code}, theirs {theirs.code}")
    if (ours.start, ours.end) != (theirs.start, theirs.end):
        parts.append(f"span: ours [{ours.start}, {ours.end}) {_quote(ours.quote)}, "
                     f"theirs [{theirs.start}, {theirs.end}) {_quote(theirs.quote)}")
    if (ours.memo or "") != (theirs.memo or ""):
        parts.append(f"memo: ours {ours.memo or ''!r}, theirs {theirs.memo or ''!r}")
    if ours.orphaned != theirs.orphaned:
        parts.append("orphaned on one side only")
    return "; ".join(parts) or "other fields differ"


def describe_version(a: Annotation | None, width: int = 40) -> str:
    """A short description of one version, for messages: code, span, quote, memo."""
    if a is None:
        return "(deleted)"
    text = f"{a.code} [{a.start}, {a.end}) {_quote(a.quote, width)}"
    if a.memo:
        text += f" memo {a.memo!r}"
    return text


def _describe_header(raw: Any) -> str:
    if not isinstance(raw, dict):
        return "unreadable record"
    parts = []
    for side in SIDES:
        values = raw.get(side)
        if isinstance(values, dict):
            parts.append(f"{side}: " + ", ".join(f"{k}={v!r}" for k, v in values.items()))
    return "; ".join(parts) or "unreadable record"

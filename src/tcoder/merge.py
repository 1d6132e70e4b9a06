"""Three-way merge of annotation sets by annotation id.

Used when a file changes on disk under an open coding session (a git pull,
another program) and by the git merge driver. Additions from both sides are
kept, a deletion on one side is honoured, a change on one side is taken; the
same annotation changed differently on both sides is a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from tcoder.annotations import Annotation


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


def _same(a: Annotation | None, b: Annotation | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.to_dict() == b.to_dict()


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
            chosen = ov
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

"""A passage coded twice with the same code by one coder.

Two annotations of one code that share text (one inside the other, or partly
overlapping) say the same thing twice: frequencies and coded segments would
count that text twice, and agreement merges them anyway. The coding session
merges them when a code is applied over text that already has it, ``tcoder
check`` reports existing ones, and ``tcoder check --fix`` merges them.

Spans that only touch ([0, 5) and [5, 9)) share no text and stay apart.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Iterable, Sequence

from tcoder.annotations import SOURCES_FIELD, Annotation, now_iso


@dataclass(frozen=True)
class OverlapGroup:
    """Annotations of one code that overlap one another (transitively), in text order."""

    code: str
    annotations: tuple[Annotation, ...]

    @property
    def start(self) -> int:
        return min(a.start for a in self.annotations)

    @property
    def end(self) -> int:
        return max(a.end for a in self.annotations)


def overlap_groups(annotations: Iterable[Annotation]) -> list[OverlapGroup]:
    """Groups of two or more placed annotations of one code that share text.

    One pass in order of start over every code at once, remembering per code only how
    far its current run reaches: a run becomes a group only when a second annotation
    falls inside it, so a file without overlaps costs one sort (linear, as files are
    stored in order) and a look-up per annotation."""
    placed = sorted((a for a in annotations if not a.orphaned), key=_START)
    reach: dict[str, int] = {}  # code -> the furthest end of its current run
    first: dict[str, Annotation] = {}  # code -> the annotation its current run began with
    open_runs: dict[str, list[Annotation]] = {}  # code -> its current run, once it has two
    runs: list[list[Annotation]] = []
    for a in placed:
        code = a.code
        if a.start < reach.get(code, -1):
            run = open_runs.get(code)
            if run is None:
                run = open_runs[code] = [first[code]]
            run.append(a)
            if a.end > reach[code]:
                reach[code] = a.end
        else:
            run = open_runs.pop(code, None)
            if run is not None:
                runs.append(run)
            reach[code] = a.end
            first[code] = a
    runs.extend(open_runs.values())
    groups = [OverlapGroup(run[0].code, tuple(sorted(run, key=Annotation.sort_key))) for run in runs]
    groups.sort(key=lambda g: (g.start, g.end, g.code))
    return groups


_START = operator.attrgetter("start")


def merged_annotation(group: Sequence[Annotation], text: str, when: str | None = None) -> Annotation:
    """One annotation covering the union of ``group`` (which must overlap): the id, creation
    time and other fields of the earliest-created one, every distinct memo, and the union of
    consensus ``sources``. ``when`` is its ``updated`` time (default: now)."""
    first = min(group, key=lambda a: (a.created or "~", a.start, a.id))
    memos = []
    for a in sorted(group, key=Annotation.sort_key):
        if a.memo and a.memo not in memos:
            memos.append(a.memo)
    extra = dict(first.extra)
    sources: list[str] = []
    for a in group:
        raw = a.extra.get(SOURCES_FIELD)
        if isinstance(raw, list):
            sources.extend(s for s in raw if isinstance(s, str) and s not in sources)
    if sources:
        extra[SOURCES_FIELD] = sources
    created = min((a.created for a in group if a.created), default=None)
    merged = Annotation(first.id, first.code, min(a.start for a in group), max(a.end for a in group),
                        memo="\n\n".join(memos) or None, created=created, updated=when or now_iso(), extra=extra)
    merged.set_context(text)
    return merged


def describe(group: OverlapGroup) -> str:
    ids = ", ".join(a.id for a in group.annotations)
    return (f"annotations {ids} all code {group.code!r} on overlapping text [{group.start}, {group.end}): "
            "frequencies and coded segments count that text more than once")

"""The apprentice's lane in the coding screen: which proposals are still open, in the order a
coder steps through them (least certain first), and what accepting or dismissing one writes.

Accepting codes the passage in the coder's own file, through the coder's own session, with
``from_apprentice`` (model, training data hash, score, when) on the new annotation; the
coder can recode, move or remove it like any other. Dismissing records the proposal in the
coder's file header (``apprentice_dismissed``), so it is not offered again; both are undoable
steps of the coder's session. The apprentice's own files are never changed by either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from tcoder.annotations import Annotation, now_iso
from tcoder.apprentice import ACCEPTED_FIELD, SUGGESTION_FIELD

#: Header field of a coder's file: the proposals the coder dismissed, ``[{"code", "start", "end", "model"}]``.
DISMISSED_FIELD = "apprentice_dismissed"


@dataclass(frozen=True)
class Suggestion:
    code: str
    start: int
    end: int
    score: float
    model: str
    training: str

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.code, self.start, self.end)

    def accepted_extra(self) -> dict[str, Any]:
        return {ACCEPTED_FIELD: {"model": self.model, "training": self.training, "score": self.score,
                                 "accepted": now_iso()}}

    def dismissal(self) -> dict[str, Any]:
        return {"code": self.code, "start": self.start, "end": self.end, "model": self.model}


def suggestion_of(annotation: Annotation) -> Suggestion | None:
    marker = annotation.extra.get(SUGGESTION_FIELD)
    if not isinstance(marker, dict):
        return None
    score = marker.get("score")
    return Suggestion(annotation.code, annotation.start, annotation.end,
                      float(score) if isinstance(score, (int, float)) else 0.5,
                      str(marker.get("model", "")), str(marker.get("training", "")))


def dismissed_keys(header_value: Any) -> set[tuple[str, int, int]]:
    out = set()
    if isinstance(header_value, list):
        for item in header_value:
            if isinstance(item, dict) and isinstance(item.get("code"), str) and isinstance(item.get("start"), int) \
                    and isinstance(item.get("end"), int):
                out.add((item["code"], item["start"], item["end"]))
    return out


def open_suggestions(proposals: Iterable[Annotation], own: Iterable[Annotation], dismissed: Any
                     ) -> list[Suggestion]:
    """The proposals the coder has neither coded (the same code over the passage) nor dismissed,
    least certain first (score nearest .5), then in text order. Linear in the annotations (with a
    sort): thousands of proposals against thousands of annotations take milliseconds, every key."""
    import bisect

    by_code: dict[str, list[tuple[int, int]]] = {}
    for a in own:
        by_code.setdefault(a.code, []).append((a.start, a.end))
    reach: dict[str, tuple[list[int], list[int]]] = {}  # code -> (starts, furthest end up to each start)
    for code, spans in by_code.items():
        spans.sort()
        furthest, ends = -1, []
        for _, end in spans:
            furthest = max(furthest, end)
            ends.append(furthest)
        reach[code] = ([start for start, _ in spans], ends)
    gone = dismissed_keys(dismissed)
    out = []
    for a in proposals:
        s = suggestion_of(a)
        if s is None or s.key in gone:
            continue
        found = reach.get(s.code)
        if found is not None:
            i = bisect.bisect_right(found[0], s.start) - 1  # the coder's spans starting at or before it
            if i >= 0 and found[1][i] >= s.end:
                continue  # one of them covers the whole proposal
        out.append(s)
    out.sort(key=lambda s: (abs(s.score - 0.5), s.start, s.end, s.code))
    return out

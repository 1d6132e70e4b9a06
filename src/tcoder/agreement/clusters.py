"""Disagreement clusters between coders (docs/formats.md#disagreements).

For each code, spans that overlap (of any of the chosen coders) form a cluster,
joined transitively: [0, 10) and [8, 20) and [18, 30) are one cluster. Spans that
only touch ([0, 5) and [5, 9)) do not overlap. A cluster in which some chosen
coder has no span is ``missing``; one where every coder has a span but their
spans differ is ``boundary``; identical clusters are agreements and are left out.
Codes are compared as coded: a child code does not stand in for its parent.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence, TypedDict

Span = tuple[int, int]


class Cluster(TypedDict):
    code: str
    start: int
    end: int
    kind: str  # "missing" or "boundary"
    coders: dict[str, list[list[int]]]


def disagreement_clusters(spans: Mapping[str, Mapping[str, Iterable[Span]]],
                          coders: Sequence[str] | None = None) -> list[Cluster]:
    """Disagreements among ``coders`` from spans per coder per code.

    ``spans[coder][code]`` lists a coder's (start, end) spans of a code. A chosen
    coder absent from ``spans`` (for example one with no annotation file) has no
    spans, so every cluster is ``missing`` for them. The result is sorted by
    position, then code.
    """
    chosen = list(spans) if coders is None else list(coders)
    codes = sorted({code for coder in chosen for code in spans.get(coder, {})})
    found: list[Cluster] = []
    for code in codes:
        tagged = sorted((int(s), int(e), coder) for coder in chosen
                        for s, e in spans.get(coder, {}).get(code, ()))
        for members in _overlapping_runs(tagged):
            by_coder: dict[str, list[list[int]]] = {coder: [] for coder in chosen}
            for s, e, coder in members:
                if [s, e] not in by_coder[coder]:
                    by_coder[coder].append([s, e])
            kind = _kind(by_coder)
            if kind is None:
                continue
            found.append(Cluster(code=code, start=min(s for s, _, _ in members),
                                 end=max(e for _, e, _ in members), kind=kind, coders=by_coder))
    found.sort(key=lambda c: (c["start"], c["end"], c["code"]))
    return found


def _overlapping_runs(tagged: list[tuple[int, int, str]]) -> Iterable[list[tuple[int, int, str]]]:
    run: list[tuple[int, int, str]] = []
    reach = 0  # the furthest end in the run
    for item in tagged:
        if run and item[0] >= reach:
            yield run
            run = []
        reach = max(reach, item[1]) if run else item[1]
        run.append(item)
    if run:
        yield run


def _kind(by_coder: dict[str, list[list[int]]]) -> str | None:
    lists = list(by_coder.values())
    if any(not spans for spans in lists):
        return "missing"
    first = sorted(lists[0])
    if all(sorted(spans) == first for spans in lists[1:]):
        return None
    return "boundary"

"""Retrieval: every passage of a code (or theme) across the study, with what a reader
needs beside it, for reviewing a code's consistency.

:func:`retrieve` lists the passages of one code, with or without its sub-codes, for
the chosen coders, each with its speaker, participant, line, citation and memo,
and which of the other chosen coders also coded it (an overlapping passage of the
same code). Sorting by position, length or coder, and keeping only the passages one
coder coded and another did not, are what a codebook review needs.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal, Sequence

from tcoder.numbers import plural
from tcoder.search.corpus import Coded, Corpus
from tcoder.study import Study

Sort = Literal["position", "length", "coder"]
SORTS: tuple[Sort, ...] = ("position", "length", "coder")


class RetrievalError(ValueError):
    """A retrieval that names what the study does not have."""


@dataclass
class Retrieved:
    """One passage of the code, as the browser lists it."""

    coded: Coded
    speaker: str | None
    participant: str | None
    line: int
    also_coded_by: list[str] = field(default_factory=list)  # other chosen coders with an overlapping passage

    @property
    def transcript(self) -> str:
        return self.coded.transcript

    @property
    def coder(self) -> str:
        return self.coded.coder

    @property
    def start(self) -> int:
        return self.coded.start

    @property
    def end(self) -> int:
        return self.coded.end

    @property
    def length(self) -> int:
        return self.coded.end - self.coded.start

    def citation(self) -> str:
        who = self.speaker or "no speaker"
        return f"{who} ({self.transcript}, line {self.line}; {self.coder})"


@dataclass
class Retrieval:
    code: str
    codes: list[str]  # the code and, unless exact, its sub-codes
    coders: list[str]
    passages: list[Retrieved]
    missing_from: str | None = None

    def per_coder(self) -> dict[str, int]:
        counts = {c: 0 for c in self.coders}
        for p in self.passages:
            counts[p.coder] = counts.get(p.coder, 0) + 1
        return counts

    def summary(self) -> str:
        n = len(self.passages)
        counts = ", ".join(f"{c} {k}" for c, k in self.per_coder().items())
        what = f"{plural(n, 'passage')}"
        if self.missing_from:
            what += f" that {self.missing_from} did not code"
        return f"{what} ({counts})"


def retrieve(study: Study, code: str, coders: Sequence[str], *, exact: bool = False, sort: Sort = "position",
             missing_from: str | None = None, corpus: Corpus | None = None,
             transcripts: Sequence[str] | None = None) -> Retrieval:
    """The passages of ``code`` (and its sub-codes unless ``exact``) by ``coders``.

    ``missing_from``: only passages that coder has no overlapping passage of the same codes for
    (that coder's own passages are then left out)."""
    corpus = corpus or Corpus(study)
    if code not in study.codebook:
        raise RetrievalError(f"no code {code!r} in the codebook")
    unknown = [c for c in [*coders, *([missing_from] if missing_from else [])] if c not in study.coders]
    if unknown:
        raise RetrievalError(f"no annotation files of coder {', '.join(map(repr, unknown))}; the study has "
                             f"{', '.join(study.coders) or 'none yet'}")
    if sort not in SORTS:
        raise RetrievalError(f"unknown order {sort!r}; use one of {', '.join(SORTS)}")
    codes = corpus.expand(code, exact)
    wanted = set(codes)
    compare = list(dict.fromkeys([*coders, *([missing_from] if missing_from else [])]))
    names = [r.name for r in study.transcripts] if transcripts is None else list(transcripts)
    people = study.participants
    out: list[Retrieved] = []
    for name in names:
        present = [c for c in corpus.coders_of(name) if c in compare]
        if not present:
            continue
        transcript = corpus.transcript(name)
        if transcript is None:
            continue
        spans: dict[str, tuple[list[int], list[int]]] = {}
        for coder in present:
            own = [a for a in corpus.annotations(name, coder) if a.code in wanted]
            reach: list[int] = []  # the furthest end of the passages up to each one
            for a in own:
                reach.append(max(reach[-1], a.end) if reach else a.end)
            spans[coder] = ([a.start for a in own], reach)
        for coder in present:
            if coder not in coders or coder == missing_from:
                continue
            for a in corpus.annotations(name, coder):
                if a.code not in wanted:
                    continue
                others = [c for c in compare if c != coder and c in spans and _overlaps(spans[c], a.start, a.end)]
                if missing_from and missing_from in others:
                    continue
                speaker = transcript.speaker_at(a.start)
                participant = people.participant(name, speaker) if people.defined else None
                line, _ = transcript.line_col(a.start)
                out.append(Retrieved(Coded(name, coder, a), speaker, participant, line,
                                     [c for c in others if c in coders]))
    order = {n: i for i, n in enumerate(names)}
    coder_order = {c: i for i, c in enumerate(coders)}
    if sort == "length":
        out.sort(key=lambda r: (-r.length, order[r.transcript], r.start))
    elif sort == "coder":
        out.sort(key=lambda r: (coder_order.get(r.coder, 99), order[r.transcript], r.start))
    else:
        out.sort(key=lambda r: (order[r.transcript], r.start, r.end, coder_order.get(r.coder, 99)))
    return Retrieval(code, codes, list(coders), out, missing_from)


def _overlaps(spans: tuple[list[int], list[int]], start: int, end: int) -> bool:
    """Whether a passage (sorted by start, with the furthest end so far) overlaps [start, end)."""
    starts, reach = spans
    i = bisect.bisect_left(starts, end)
    return i > 0 and reach[i - 1] > start

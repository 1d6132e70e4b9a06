"""Coding many passages at once: from search hits, from a speaker's or participant's
turns, or from the structure of a transcript (the answers to a question of the
interview guide, the sections under a heading).

A batch is first a :class:`Plan`: every passage it would code, each marked new or
already coded, for the coder to review (accept or skip each) before anything is
written, with the query it came from as text (:attr:`Plan.source`).

A passage is never coded twice with the same code: a candidate that one of the
coder's annotations of that code already covers is marked ``already`` and left
out, and candidates that fall on the same passage (two hits in one sentence)
become one. Above :data:`CONFIRM_ABOVE` passages a plan asks for confirmation.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

from tcoder.numbers import plural
from tcoder.search.corpus import Corpus
from tcoder.search.engine import Hit, merge_spans
from tcoder.search.pattern import CompiledPattern
from tcoder.segments import sentences_in, trim_span
from tcoder.study import Study
from tcoder.transcript import Transcript

Target = Literal["hit", "sentence", "turn"]
TARGETS: tuple[Target, ...] = ("hit", "sentence", "turn")
#: Above this many passages a batch asks for confirmation (``--yes`` on the command line).
CONFIRM_ABOVE = 1000


class AutocodeError(ValueError):
    """A batch that cannot be planned as asked (unknown code, bad coder name...)."""


@dataclass
class Candidate:
    """One passage a batch would code."""

    transcript: str
    start: int
    end: int
    speaker: str | None
    line: int
    already: bool = False  # the coder already has this code on it
    accepted: bool = True  # the reviewer's choice (skipped when False)

    @property
    def applies(self) -> bool:
        return self.accepted and not self.already


@dataclass
class Plan:
    code: str
    coder: str
    source: str  # the query as text, recorded in each annotation
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def to_apply(self) -> list[Candidate]:
        return [c for c in self.candidates if c.applies]

    @property
    def already(self) -> int:
        return sum(1 for c in self.candidates if c.already)

    @property
    def skipped(self) -> int:
        return sum(1 for c in self.candidates if not c.accepted and not c.already)

    @property
    def needs_confirmation(self) -> bool:
        return len(self.to_apply) > CONFIRM_ABOVE

    def summary(self) -> str:
        n = len(self.to_apply)
        files = len({c.transcript for c in self.to_apply})
        parts = [f"{plural(n, 'passage')} to code {self.code} for {self.coder} in "
                 f"{plural(files, 'transcript')}"]
        if self.already:
            parts.append(f"{self.already} already coded {self.code} (left as they are)")
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        return "; ".join(parts)


# ---------------------------------------------------------------- spans to code


def sentence_around(transcript: Transcript, start: int, end: int) -> tuple[int, int]:
    """The sentence (or sentences) holding [start, end), within its turn."""
    turn = transcript.turn_at(start)
    lo, hi = (turn.body_start, turn.end) if turn is not None else (0, len(transcript.text))
    spans = sentences_in(transcript.text, lo, hi)
    touching = [s for s in spans if s[0] < end and start < s[1]] or [(start, end)]
    return min(s for s, _ in touching), max(e for _, e in touching)


def turn_around(transcript: Transcript, start: int, end: int) -> tuple[int, int]:
    """The body of the turn holding ``start`` (its label left out), trimmed, extended to ``end``."""
    turn = transcript.turn_at(start)
    if turn is None:
        return start, end
    body = trim_span(transcript.text, turn.body_start, turn.end)
    return min(body[0], start), max(body[1], end)


class _Planner:
    def __init__(self, study: Study, corpus: Corpus, code: str, coder: str, source: str):
        codebook = study.codebook
        if code not in codebook:
            raise AutocodeError(f"no code {code!r} in the codebook")
        from tcoder.annotations import CODER_NAME

        if not CODER_NAME.match(coder):
            raise AutocodeError(f"coder name {coder!r} is not valid: lower-case letters, digits, '-' and '_'")
        self.study = study
        self.corpus = corpus
        self.plan = Plan(code, coder, source)
        self._seen: set[tuple[str, int, int]] = set()
        self._coverage: dict[str, list[tuple[int, int]]] = {}

    def covered(self, name: str, start: int, end: int) -> bool:
        spans = self._coverage.get(name)
        if spans is None:
            own = self.corpus.annotations(name, self.plan.coder) if self.plan.coder in self.corpus.coders_of(name) \
                else []
            spans = self._coverage[name] = merge_spans((a.start, a.end) for a in own if a.code == self.plan.code)
        i = bisect.bisect_right(spans, (start, float("inf"))) - 1
        return i >= 0 and spans[i][0] <= start and end <= spans[i][1]

    def add(self, transcript: Transcript, start: int, end: int) -> None:
        start, end = trim_span(transcript.text, start, end)
        key = (transcript.name, start, end)
        if start >= end or key in self._seen:
            return
        self._seen.add(key)
        line, _ = transcript.line_col(start)
        self.plan.candidates.append(Candidate(transcript.name, start, end, transcript.speaker_at(start), line,
                                              already=self.covered(transcript.name, start, end)))


def plan_from_hits(study: Study, hits: Iterable[Hit], code: str, coder: str, target: Target, source: str,
                   corpus: Corpus | None = None) -> Plan:
    """Code each hit, or the sentence or turn around it."""
    if target not in TARGETS:
        raise AutocodeError(f"unknown target {target!r}; use one of {', '.join(TARGETS)}")
    planner = _Planner(study, corpus or Corpus(study), code, coder, f"{source}; as {target}")
    for hit in hits:
        transcript = planner.corpus.transcript(hit.transcript)
        if transcript is None:
            continue
        if target == "hit":
            span = (hit.start, hit.end)
        elif target == "sentence":
            span = sentence_around(transcript, hit.start, hit.end)
        else:
            span = turn_around(transcript, hit.start, hit.end)
        planner.add(transcript, *span)
    return planner.plan


def plan_from_speakers(study: Study, code: str, coder: str, *, speakers: Sequence[str] = (),
                       participants: Sequence[str] = (), transcripts: Sequence[str] | None = None,
                       corpus: Corpus | None = None) -> Plan:
    """Code every turn of these speakers (labels, case ignored) or participants (speakers.csv)."""
    if not speakers and not participants:
        raise AutocodeError("name the speakers or participants whose turns to code")
    wanted_speakers = {s.casefold().strip() for s in speakers}
    wanted_people = {p.casefold().strip() for p in participants}
    who = ", ".join([*(f"speaker {s}" for s in speakers), *(f"participant {p}" for p in participants)])
    planner = _Planner(study, corpus or Corpus(study), code, coder, f"turns of {who}")
    people = study.participants
    names = [r.name for r in study.transcripts] if transcripts is None else list(transcripts)
    for name in names:
        transcript = planner.corpus.transcript(name)
        if transcript is None:
            continue
        for turn in transcript.turns:
            if turn.speaker is None:
                continue
            person = people.participant(name, turn.speaker) if people.defined else None
            if turn.speaker.casefold().strip() in wanted_speakers or (
                    person is not None and person.casefold() in wanted_people):
                planner.add(transcript, turn.body_start, turn.end)
    return planner.plan


StructureTarget = Literal["turn", "answer", "section"]


def plan_from_structure(study: Study, pattern: CompiledPattern, code: str, coder: str,
                        target: StructureTarget, transcripts: Sequence[str] | None = None,
                        corpus: Corpus | None = None) -> Plan:
    """Code by the transcript's structure, found by ``pattern``:

    - ``turn``: each turn whose text matches;
    - ``answer``: the turns that answer a matching turn (a question of the interview guide):
      from the next turn up to the next turn of the questioner;
    - ``section``: from each line that matches (a heading) to the next line that matches."""
    planner = _Planner(study, corpus or Corpus(study), code, coder,
                       f"{ {'turn': 'turns', 'answer': 'answers to turns', 'section': 'sections from lines'}[target]}"
                       f" matching {pattern.spec.describe()}")
    names = [r.name for r in study.transcripts] if transcripts is None else list(transcripts)
    for name in names:
        transcript = planner.corpus.transcript(name)
        if transcript is None:
            continue
        prepared = pattern.prepare(transcript.text)
        matches = list(pattern.finditer(prepared, timeout=10.0))
        if target == "section":
            text = transcript.text
            starts = [text.rfind("\n", 0, s) + 1 for s, _ in matches]
            starts = sorted(set(starts))
            for i, begin in enumerate(starts):
                end = starts[i + 1] if i + 1 < len(starts) else len(text)
                planner.add(transcript, begin, end)
            continue
        turns = transcript.turns
        turn_starts = [t.start for t in turns]
        matched = sorted({max(0, bisect.bisect_right(turn_starts, s) - 1) for s, _ in matches})
        for index in matched:
            if not turns:
                break
            turn = turns[index]
            if target == "turn":
                planner.add(transcript, turn.body_start, turn.end)
                continue
            following = index + 1
            while following < len(turns) and turns[following].speaker != turn.speaker:
                planner.add(transcript, turns[following].body_start, turns[following].end)
                following += 1
    return planner.plan

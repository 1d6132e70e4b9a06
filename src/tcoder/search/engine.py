"""Study-wide text search: every transcript, results as they are found, filters,
a time limit and cancellation.

:func:`search` yields one :class:`TranscriptHits` per transcript, in study order,
so a screen can show the first results while the rest are found, and stops when
``cancel()`` says so or the time limit passes. :class:`SearchRun` collects them
with counts per transcript and says what was left out (transcripts that could
not be read, a time limit reached, a cap on the number of hits).
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from tcoder.errors import Problem
from tcoder.numbers import plural
from tcoder.participants import GroupingError, resolve_grouping
from tcoder.search.corpus import Corpus
from tcoder.search.fold import Folded, fold_plain
from tcoder.search.pattern import CompiledPattern, SearchTimeout
from tcoder.settings import glob_match
from tcoder.study import Study
from tcoder.transcript import Transcript

#: A search stops after this many seconds unless told otherwise.
DEFAULT_TIME_LIMIT = 10.0


class FilterError(ValueError):
    """A filter that names something the study does not have."""


@dataclass(frozen=True)
class SearchFilters:
    """Where to look. Empty means no restriction."""

    transcripts: Sequence[str] = ()  # study paths, file names, stems or globs (interviews/*)
    speakers: Sequence[str] = ()  # speaker labels, case and accents ignored
    participants: Sequence[str] = ()  # participant ids (speakers.csv), case ignored
    #: attribute -> accepted values; a participant attribute (participants.csv) is judged by the
    #: speaker of each hit, a transcript attribute (attributes.csv) by its transcript
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    inside: Sequence[str] = ()  # codes: the hit lies within a passage coded with one of them
    outside: Sequence[str] = ()  # codes: the hit touches no passage coded with any of them
    coders: Sequence[str] | None = None  # whose coding counts for inside/outside (None: any coder)
    exact_codes: bool = False  # a code stands for itself only, not its sub-codes
    include_labels: bool = False  # also match inside speaker labels ("Interviewer:")

    def describe(self) -> list[str]:
        out = []
        if self.transcripts:
            out.append("transcripts " + ", ".join(self.transcripts))
        if self.speakers:
            out.append("speakers " + ", ".join(self.speakers))
        if self.participants:
            out.append("participants " + ", ".join(self.participants))
        for name, values in self.attributes.items():
            out.append(f"{name} = {' or '.join(values)}")
        sub = "" if self.exact_codes else " (with sub-codes)"
        who = f" by {', '.join(self.coders)}" if self.coders else " by any coder"
        if self.inside:
            out.append(f"inside passages coded {' or '.join(self.inside)}{sub}{who}")
        if self.outside:
            out.append(f"outside passages coded {' or '.join(self.outside)}{sub}{who}")
        if self.include_labels:
            out.append("speaker labels included")
        return out


@dataclass(frozen=True, slots=True)
class Hit:
    """One match: where it is (canonical offsets), its turn and speaker, its line."""

    transcript: str
    start: int
    end: int
    line: int
    column: int
    turn: int | None
    speaker: str | None
    participant: str | None = None


@dataclass
class TranscriptHits:
    transcript: str
    hits: list[Hit]
    problem: Problem | None = None


@dataclass
class SearchRun:
    """The results of one search, as collected so far."""

    pattern: CompiledPattern
    filters: SearchFilters
    hits: list[Hit] = field(default_factory=list)
    per_transcript: dict[str, int] = field(default_factory=dict)  # transcripts with hits, in study order
    searched: int = 0  # transcripts looked at
    total: int = 0  # transcripts to look at
    problems: list[Problem] = field(default_factory=list)
    timed_out: str | None = None  # the transcript where the time limit was reached
    cancelled: bool = False
    capped: bool = False  # stopped at max_hits
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not (self.timed_out or self.cancelled or self.capped) and self.searched == self.total

    def add(self, part: TranscriptHits) -> None:
        self.searched += 1
        if part.problem is not None:
            self.problems.append(part.problem)
        if part.hits:
            self.hits.extend(part.hits)
            self.per_transcript[part.transcript] = self.per_transcript.get(part.transcript, 0) + len(part.hits)

    def summary(self) -> str:
        n = len(self.hits)
        where = len(self.per_transcript)
        text = (f"{plural(n, 'hit')} in {where} of "
                f"{plural(self.total, 'transcript')}")
        notes = []
        if self.timed_out:
            notes.append(f"stopped at {self.timed_out}: the pattern took longer than the time limit "
                         "(a regular expression that backtracks; simplify it)")
        if self.cancelled:
            notes.append(f"cancelled after {self.searched} of {plural(self.total, 'transcript')}")
        if self.capped:
            notes.append(f"stopped at {plural(n, 'hit')} (the limit); narrow the search")
        if self.problems:
            notes.append(f"{plural(len(self.problems), 'transcript')} could not be read")
        return text + ("; " + "; ".join(notes) if notes else "")


def select_transcripts(study: Study, patterns: Sequence[str]) -> list[str]:
    """The study's transcripts named by paths, file names, stems or globs, in study order.
    A name that matches nothing is an error naming it."""
    if not patterns:
        return [r.name for r in study.transcripts]
    chosen: set[str] = set()
    for pattern in patterns:
        wanted = pattern.replace("\\", "/").strip()
        if any(ch in wanted for ch in "*?["):
            hits = {r.name for r in study.transcripts
                    if glob_match(wanted, r.name) or glob_match(wanted, r.file_name) or glob_match(wanted, r.stem)}
        else:
            hits = {r.name for r in study.transcripts if wanted in (r.name, r.file_name, r.stem)}
        if not hits:
            raise FilterError(f"no transcript {pattern!r} in this study")
        chosen |= hits
    return [r.name for r in study.transcripts if r.name in chosen]


def _same_name(a: str, b: str) -> bool:
    return fold_plain(a).casefold() == fold_plain(b).casefold()


class _Context:
    """What the filters need, prepared once per search."""

    def __init__(self, study: Study, corpus: Corpus, filters: SearchFilters):
        self.filters = filters
        self.corpus = corpus
        self.study = study
        self.speakers = [fold_plain(s).casefold().strip() for s in filters.speakers]
        self.participants = {p.casefold().strip() for p in filters.participants}
        self.transcript_attributes: dict[str, Sequence[str]] = {}
        self.participant_attributes: dict[str, Sequence[str]] = {}
        for name, values in filters.attributes.items():
            try:
                grouping = resolve_grouping(study, name)
            except GroupingError as exc:
                raise FilterError(str(exc)) from None
            level = (self.participant_attributes if grouping.level == "participant"
                     else self.transcript_attributes)
            level[grouping.attribute] = values
        if self.participants or self.participant_attributes:
            if not study.participants.defined:
                raise FilterError(f"the study does not say who the participants are (no "
                                  f"{study.settings.speakers}); 'tcoder participants fill' starts one")
            unknown = sorted(self.participants - {p.casefold() for t in study.participants.entries.values()
                                                   for e in t.values() for p in [e.participant] if p})
            if unknown:
                raise FilterError(f"no participant {', '.join(map(repr, unknown))} in "
                                  f"{study.settings.speakers}")
        codebook = corpus.codebook if (filters.inside or filters.outside) else None
        self.inside: set[str] = set()
        self.outside: set[str] = set()
        for target, codes in ((self.inside, filters.inside), (self.outside, filters.outside)):
            for code in codes:
                if codebook is not None and code not in codebook:
                    raise FilterError(f"no code {code!r} in the codebook")
                target.update(corpus.expand(code, filters.exact_codes))
        if filters.coders is not None:
            unknown = [c for c in filters.coders if c not in study.coders]
            if unknown:
                raise FilterError(f"no annotation files of coder {', '.join(map(repr, unknown))}; the study has "
                                  f"{', '.join(study.coders) or 'none yet'}")

    def wants_transcript(self, study: Study, name: str) -> bool:
        wanted = self.transcript_attributes
        if wanted:
            values = study.attributes.of(name)
            for column, accepted in wanted.items():
                if not any(_same_name(values.get(column, ""), v) for v in accepted):
                    return False
        return True

    @property
    def by_participant(self) -> bool:
        return bool(self.participants or self.participant_attributes)

    def wants_participant(self, participant: str | None) -> bool:
        if participant is None:
            return False
        if self.participants and participant.casefold() not in self.participants:
            return False
        values = self.study.participants.attributes_of(participant)
        for column, accepted in self.participant_attributes.items():
            if not any(_same_name(values.get(column, ""), v) for v in accepted):
                return False
        return True

    def coverage(self, name: str, codes: set[str]) -> Coverage:
        """The text of a transcript coded with one of ``codes`` by the chosen coders."""
        spans: list[tuple[int, int]] = []
        for coder in self.corpus.coders_of(name):
            if self.filters.coders is not None and coder not in self.filters.coders:
                continue
            spans.extend((a.start, a.end) for a in self.corpus.annotations(name, coder) if a.code in codes)
        return Coverage(spans)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of spans as sorted, disjoint spans (touching spans join)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


class Coverage:
    """Text covered by a set of spans, for 'inside' and 'outside' tests in O(log n)."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        self.spans = merge_spans(spans)
        self.starts = [s for s, _ in self.spans]

    def contains(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start) - 1
        return i >= 0 and self.spans[i][1] >= end

    def touches(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end) - 1  # the last span starting before the end
        return i >= 0 and self.spans[i][1] > start


class FoldCache:
    """Folded transcript texts, kept between searches of one study (the screen's repeated
    searches, and each keystroke of a live search, skip folding again)."""

    def __init__(self) -> None:
        self._texts: dict[str, tuple[Transcript, Folded]] = {}

    def get(self, pattern: CompiledPattern, transcript: Transcript) -> Folded:
        if not pattern.folds:
            return Folded(transcript.text)
        hit = self._texts.get(transcript.name)
        if hit is None or hit[0] is not transcript:
            hit = self._texts[transcript.name] = (transcript, pattern.prepare(transcript.text))
        return hit[1]


def search(study: Study, pattern: CompiledPattern, filters: SearchFilters = SearchFilters(), *,
           corpus: Corpus | None = None, cancel: Callable[[], bool] | None = None,
           time_limit: float | None = DEFAULT_TIME_LIMIT, max_hits: int | None = None,
           folds: FoldCache | None = None, names: Iterable[str] | None = None) -> Iterator[TranscriptHits]:
    """Search the study, one transcript at a time (see the module's description).

    Raises :class:`FilterError` for a filter naming what the study does not have, and
    :class:`SearchTimeout` (after yielding what was found) when the time limit passes."""
    corpus = corpus or Corpus(study)
    context = _Context(study, corpus, filters)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    transcripts = list(names) if names is not None else select_transcripts(study, filters.transcripts)
    folds = folds or FoldCache()
    found = 0
    for name in transcripts:
        if cancel is not None and cancel():
            return
        if not context.wants_transcript(study, name):
            yield TranscriptHits(name, [])
            continue
        transcript = corpus.transcript(name)
        if transcript is None:
            problem = next((p for p in corpus.problems if str(p.path).endswith(name.rsplit("/", 1)[-1])), None)
            yield TranscriptHits(name, [], problem or Problem("cannot be read", study.root / name))
            continue
        remaining = None if deadline is None else max(0.001, deadline - time.monotonic())
        try:
            hits = _search_one(transcript, pattern, context, folds.get(pattern, transcript), remaining, cancel)
        except SearchTimeout:
            raise SearchTimeout(name) from None
        if max_hits is not None and found + len(hits) > max_hits:
            hits = hits[: max_hits - found]
            yield TranscriptHits(name, hits)
            raise HitLimit(max_hits)
        found += len(hits)
        yield TranscriptHits(name, hits)


class HitLimit(Exception):
    """The search stopped at its maximum number of hits."""


def _search_one(transcript: Transcript, pattern: CompiledPattern, context: _Context, prepared: Folded,
                timeout: float | None, cancel: Callable[[], bool] | None) -> list[Hit]:
    filters = context.filters
    turns = transcript.turns
    starts = [t.start for t in turns]
    line_starts = transcript.line_starts
    inside = context.coverage(transcript.name, context.inside) if context.inside else None
    outside = context.coverage(transcript.name, context.outside) if context.outside else None
    people = context.study.participants
    hits: list[Hit] = []
    for k, (start, end) in enumerate(pattern.finditer(prepared, timeout=timeout)):
        if k % 1024 == 1023 and cancel is not None and cancel():
            break
        i = bisect.bisect_right(starts, start) - 1
        turn = turns[i] if i >= 0 else None
        if not filters.include_labels and turn is not None and (
                start < turn.body_start or (i + 1 < len(turns) and end > turns[i + 1].start)):
            continue  # in a speaker label, or running into the next one
        speaker = turn.speaker if turn is not None else None
        if context.speakers and not (speaker and fold_plain(speaker).casefold().strip() in context.speakers):
            continue
        participant = people.participant(transcript.name, speaker) if people.defined else None
        if context.by_participant and not context.wants_participant(participant):
            continue
        if inside is not None and not inside.contains(start, end):
            continue
        if outside is not None and outside.touches(start, end):
            continue
        line = bisect.bisect_right(line_starts, start) - 1
        hits.append(Hit(transcript.name, start, end, line + 1, start - line_starts[line] + 1,
                        turn.index if turn is not None else None, speaker, participant))
    return hits


def run_search(study: Study, pattern: CompiledPattern, filters: SearchFilters = SearchFilters(), *,
               corpus: Corpus | None = None, cancel: Callable[[], bool] | None = None,
               time_limit: float | None = DEFAULT_TIME_LIMIT, max_hits: int | None = None,
               folds: FoldCache | None = None,
               on_part: Callable[[SearchRun, TranscriptHits], None] | None = None) -> SearchRun:
    """Run :func:`search` to the end (or to its limit) and collect the results."""
    started = time.perf_counter()
    names = select_transcripts(study, filters.transcripts)
    run = SearchRun(pattern, filters, total=len(names))
    try:
        for part in search(study, pattern, filters, corpus=corpus, cancel=cancel, time_limit=time_limit,
                           max_hits=max_hits, folds=folds, names=names):
            run.add(part)
            if on_part is not None:
                on_part(run, part)
    except SearchTimeout as exc:
        run.timed_out = str(exc.args[0]) if exc.args else "?"
    except HitLimit:
        run.capped = True
    if cancel is not None and cancel() and not run.complete:
        run.cancelled = True
    run.seconds = time.perf_counter() - started
    return run

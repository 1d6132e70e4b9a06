"""Coding queries: a parsed query checked against the study, and run over it.

A query is evaluated for each transcript and each coder on their own, so codes
are only ever combined within one coder's annotations, and every passage it
returns says whose coding it rests on. What each operator returns
(docs/search.md#what-a-query-returns):

- a code: each of its passages (sub-codes included unless ``EXACT``); ``ANY``: every passage;
- ``A OR B``: the passages of either (one passage where both coded the same span);
- ``A AND B``: the text coded by both: where a passage of A and one of B overlap;
- ``NOT A``: the text of the speaker turns that A does not cover (``X AND NOT A``: X outside A);
- ``A SAME SENTENCE B``, ``A SAME TURN B``: the sentences (turns) holding a passage of each;
- ``A OVERLAPS B``, ``A INSIDE B``, ``A CONTAINS B``: the passages of A that overlap, lie
  within, or contain a passage of B;
- ``A WITHIN n TURNS OF B``: the passages of A with a passage of B at most n turns away
  (0: the same turn), before or after;
- ``A FOLLOWED BY [WITHIN n TURNS] B``: the passages of A after whose end a passage of B
  starts, at most n turns later (default 1: the same or the next turn).

A passage is never its own partner: ``A WITHIN 2 TURNS OF A`` finds passages of A
with *another* passage of A nearby. ``WHERE`` keeps the resulting passages whose
transcript, coder, speaker or attributes fit.
"""

from __future__ import annotations

import bisect
import difflib
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

from tcoder.annotations import Annotation
from tcoder.attributes import value_name
from tcoder.numbers import plural, verb_for
from tcoder.participants import GroupingError, resolve_grouping
from tcoder.search.corpus import Corpus
from tcoder.search.engine import FilterError, select_transcripts
from tcoder.search.fold import fold_plain
from tcoder.search.query_syntax import (
    AnyCode,
    Binary,
    CodeRef,
    Compare,
    Cond,
    CondBinary,
    CondNot,
    Expr,
    Not,
    QueryError,
    Relation,
    SavedRef,
    parse_query,
    unparse,
)
from tcoder.segments import sentences_in, trim_span
from tcoder.study import Study
from tcoder.transcript import Transcript

#: Condition fields that are not attributes.
FIELDS = ("coder", "transcript", "speaker", "participant", "role")

Sources = tuple[Annotation, ...]
Item = tuple[int, int, Sources]  # start, end, the annotations it rests on


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage a query found: where, whose coding, and which annotations make it."""

    transcript: str
    coder: str
    start: int
    end: int
    sources: Sources

    @property
    def codes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for a in self.sources:
            seen.setdefault(a.code, None)
        return tuple(seen)

    @property
    def memos(self) -> tuple[str, ...]:
        return tuple(a.memo for a in self.sources if a.memo)


@dataclass
class QueryResult:
    query: "CompiledQuery"
    passages: list[Passage] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)  # coders whose annotations were queried
    transcripts: int = 0  # transcripts looked at
    problems: list = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0

    def per_coder(self) -> dict[str, int]:
        counts = {c: 0 for c in self.coders}
        for p in self.passages:
            counts[p.coder] = counts.get(p.coder, 0) + 1
        return counts

    def summary(self) -> str:
        n = len(self.passages)
        counts = ", ".join(f"{c} {k}" for c, k in self.per_coder().items())
        where = len({p.transcript for p in self.passages})
        text = (f"{plural(n, 'passage')} in {where} of "
                f"{plural(self.transcripts, 'transcript')}")
        if self.coders:
            text += f" (each coder's annotations on their own: {counts})"
        if self.cancelled:
            text += "; cancelled before the end"
        if self.problems:
            text += f"; {plural(len(self.problems), 'file')} could not be read and {verb_for(len(self.problems), 'was')} left out"
        return text


# ---------------------------------------------------------------- resolving names


@dataclass
class _Field:
    kind: str  # coder | transcript | speaker | participant | role | attribute | participant-attribute
    name: str
    transcripts: frozenset[str] | None = None  # for transcript = ...


class CompiledQuery:
    """A query whose codes, saved queries and fields were found in the study."""

    def __init__(self, study: Study, text: str, saved: Mapping[str, str] | None = None, *, name: str | None = None,
                 _chain: tuple[str, ...] = ()):
        self.study = study
        self.text = text
        self.name = name
        self.saved_texts = dict(saved or {})
        self.query = parse_query(text)
        self.codes: dict[int, frozenset[str]] = {}  # id(CodeRef or AnyCode) -> codes
        self.saved: dict[int, CompiledQuery] = {}  # id(SavedRef) -> the saved query
        self.fields: dict[int, _Field] = {}  # id(Compare) -> what it compares
        self._resolve(self.query.expr, (*_chain, name) if name else _chain)
        if self.query.where is not None:
            self._resolve_cond(self.query.where)

    def error(self, message: str, start: int, end: int) -> QueryError:
        return QueryError(message, self.text, start, end, saved=self.name)

    @property
    def canonical(self) -> str:
        """The query as tcoder reads it (fully parenthesised), for messages and reports."""
        text = unparse(self.query.expr)
        if self.query.where is not None:
            where_start = _cond_start(self.query.where)
            text += " WHERE " + self.text[where_start:].strip()
        return text

    # -------------------------------------------------------- codes and saved queries

    def _resolve(self, e: Expr, chain: tuple[str, ...]) -> None:
        if isinstance(e, CodeRef):
            self.codes[id(e)] = frozenset(self._codes_of(e))
        elif isinstance(e, AnyCode):
            self.codes[id(e)] = frozenset()
        elif isinstance(e, SavedRef):
            if e.name in chain:
                loop = " -> ".join(f"@{n}" for n in (*chain, e.name))
                raise self.error(f"the saved queries refer to each other in a loop ({loop})", e.start, e.end)
            text = self.saved_texts.get(e.name)
            if text is None:
                names = sorted(self.saved_texts)
                close = difflib.get_close_matches(e.name, names, 1)
                hint = (f"; did you mean @{close[0]}?" if close else
                        f"; saved queries: {', '.join('@' + n for n in names)}" if names else
                        "; save queries under 'queries:' in tcoder.yaml")
                raise self.error(f"no saved query named {e.name!r}{hint}", e.start, e.end)
            try:
                inner = CompiledQuery(self.study, text, self.saved_texts, name=e.name, _chain=chain)
            except QueryError as exc:
                if exc.saved is None:
                    exc.saved = e.name
                raise
            if inner.query.where is not None:
                raise self.error(f"the saved query @{e.name} has a WHERE clause, so it cannot be part of "
                                 "another query; use its expression without WHERE", e.start, e.end)
            self.saved[id(e)] = inner
        elif isinstance(e, Not):
            self._resolve(e.operand, chain)
        elif isinstance(e, (Binary, Relation)):
            self._resolve(e.left, chain)
            self._resolve(e.right, chain)

    def _codes_of(self, ref: CodeRef) -> list[str]:
        codebook = self.study.codebook
        code = ref.name if ref.name in codebook else None
        if code is None:
            wanted = fold_plain(ref.name).casefold().strip()
            by_name = [c.id for c in codebook if fold_plain(c.name).casefold().strip() == wanted]
            if len(by_name) > 1:
                raise self.error(f"{ref.name!r} is the name of several codes ({', '.join(by_name)}); use the id",
                                 ref.start, ref.end)
            code = by_name[0] if by_name else None
        if code is None:
            choices = list(codebook.codes) + [c.name for c in codebook]
            close = difflib.get_close_matches(ref.name, choices, 1, 0.6)
            if ref.name in self.saved_texts:
                hint = f"; the saved query of that name is written @{ref.name}"
            else:
                hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.error(f"no code {ref.name!r} in the codebook{hint}", ref.start, ref.end)
        return [code] if ref.exact else codebook.descendants(code)

    # -------------------------------------------------------- conditions

    def _resolve_cond(self, c: Cond) -> None:
        if isinstance(c, CondNot):
            self._resolve_cond(c.operand)
            return
        if isinstance(c, CondBinary):
            self._resolve_cond(c.left)
            self._resolve_cond(c.right)
            return
        name = c.field
        lowered = name.casefold()
        study = self.study
        people = study.participants
        columns = study.attributes.columns
        if lowered in FIELDS and name not in columns and name not in people.columns:
            resolved = _Field(lowered, lowered)
        else:
            try:
                grouping = resolve_grouping(study, name)
            except GroupingError as exc:
                known = list(FIELDS) + people.columns + columns
                close = difflib.get_close_matches(name, known, 1, 0.6)
                hint = f"did you mean {close[0]!r}? " if close else ""
                why = str(exc).partition("; ")[2] if str(exc).startswith("no ") else str(exc)
                raise self.error(f"no field {name!r}: {hint}conditions use coder, transcript, speaker, participant, "
                                 f"role or an attribute ({why})", c.start, c.field_end) from None
            kind = "participant-attribute" if grouping.level == "participant" else "attribute"
            resolved = _Field(kind, grouping.attribute)
        if resolved.kind in ("participant", "role", "participant-attribute") and not people.defined:
            raise self.error(f"{name} needs to know who speaks: the study has no {study.settings.speakers} "
                             "('tcoder participants fill' starts one)", c.start, c.field_end)
        numeric = c.op in ("<", "<=", ">", ">=")
        if numeric and resolved.kind not in ("attribute", "participant-attribute"):
            raise self.error(f"{resolved.name} is compared with = , != or IN, not {c.op}", c.start, c.end)
        if numeric and _number(c.values[0]) is None:
            raise self.error(f"{c.op} compares numbers; {c.values[0]!r} is not a number", *c.value_spans[0])
        if resolved.kind == "coder":
            coders = self.study.coders
            for value, span in zip(c.values, c.value_spans, strict=True):
                if value not in coders:
                    raise self.error(f"no coder {value!r} in this study; it has {', '.join(coders) or 'none yet'}",
                                     *span)
        elif resolved.kind == "transcript":
            names: set[str] = set()
            for value, span in zip(c.values, c.value_spans, strict=True):
                try:
                    names.update(select_transcripts(self.study, [value]))
                except FilterError as exc:
                    raise self.error(str(exc), *span) from None
            resolved.transcripts = frozenset(names)
        elif resolved.kind in ("attribute", "participant-attribute", "participant", "role") and not numeric:
            if resolved.kind == "attribute":
                present, who = self.study.attributes.values(resolved.name), "transcript"
            elif resolved.kind == "participant-attribute":
                present, who = people.values(resolved.name), "participant"
            elif resolved.kind == "participant":
                present, who = sorted({e.participant for t in people.entries.values() for e in t.values()
                                       if e.participant}), "speaker"
            else:
                present, who = sorted({e.role for t in people.entries.values() for e in t.values()}), "speaker"
            folded = {_norm(v) for v in present}
            for value, span in zip(c.values, c.value_spans, strict=True):
                if _norm(value) not in folded:
                    raise self.error(f"no {who} has {resolved.name} = {value!r}; its values are "
                                     f"{', '.join(map(value_name, present)) or 'all empty'}", *span)
        self.fields[id(c)] = resolved

    # -------------------------------------------------------- running

    def run(self, corpus: Corpus | None = None, *, coders: Sequence[str] | None = None,
            transcripts: Iterable[str] | None = None, cancel: Callable[[], bool] | None = None) -> QueryResult:
        """Evaluate the query on every transcript and coder (or those given)."""
        started = time.perf_counter()
        corpus = corpus or Corpus(self.study)
        chosen = list(corpus.coders) if coders is None else list(coders)
        result = QueryResult(self, coders=[])
        names = [r.name for r in self.study.transcripts] if transcripts is None else list(transcripts)
        used: dict[str, None] = {}
        where = self.query.where
        for name in names:
            if cancel is not None and cancel():
                result.cancelled = True
                break
            result.transcripts += 1
            transcript_coders = [c for c in corpus.coders_of(name) if c in chosen]
            if not transcript_coders:
                continue
            transcript = corpus.transcript(name)
            if transcript is None:
                continue
            evaluator: _Evaluator | None = None
            for coder in transcript_coders:
                if where is not None and self._test(where, name, coder, None, None) is False:
                    continue
                used[coder] = None
                if evaluator is None:
                    evaluator = _Evaluator(transcript)
                items = evaluator.evaluate(self, corpus.annotations(name, coder))
                for start, end, sources in items:
                    start, end = trim_span(transcript.text, start, end)
                    if start >= end:
                        continue
                    if where is not None and not self._test(where, name, coder, transcript, start):
                        continue
                    result.passages.append(Passage(name, coder, start, end, sources))
        order = {c: i for i, c in enumerate(chosen)}
        result.coders = sorted(used, key=lambda c: order.get(c, len(order)))
        result.problems = corpus.problems
        result.seconds = time.perf_counter() - started
        return result

    def _test(self, c: Cond, name: str, coder: str, transcript: Transcript | None, start: int | None) -> bool | None:
        """Whether a passage meets the condition; None when it depends on the passage and none is given."""
        if isinstance(c, CondNot):
            inner = self._test(c.operand, name, coder, transcript, start)
            return None if inner is None else not inner
        if isinstance(c, CondBinary):
            left = self._test(c.left, name, coder, transcript, start)
            if c.op == "and" and left is False or c.op == "or" and left is True:
                return left
            right = self._test(c.right, name, coder, transcript, start)
            if c.op == "and":
                return False if right is False else (None if None in (left, right) else True)
            return True if right is True else (None if None in (left, right) else False)
        resolved = self.fields[id(c)]
        if resolved.kind == "coder":
            return _compare(c, coder)
        if resolved.kind == "transcript":
            assert resolved.transcripts is not None
            inside = name in resolved.transcripts
            return inside if c.op in ("=", "in") else not inside
        if resolved.kind == "attribute":
            return _compare(c, self.study.attributes.of(name).get(resolved.name, ""))
        if transcript is None or start is None:
            return None
        speaker = transcript.speaker_at(start)
        if resolved.kind == "speaker":
            return _compare(c, speaker or "")
        people = self.study.participants
        if resolved.kind == "role":
            return _compare(c, people.role(name, speaker) or "")
        participant = people.participant(name, speaker) or ""
        if resolved.kind == "participant":
            return _compare(c, participant)
        return _compare(c, people.attributes_of(participant).get(resolved.name, "") if participant else "")


def _cond_start(c: Cond) -> int:
    while not isinstance(c, Compare):
        c = c.operand if isinstance(c, CondNot) else c.left
    return c.start


def _norm(value: str) -> str:
    return fold_plain(value).casefold().strip()


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _compare(c: Compare, actual: str) -> bool:
    if c.op in ("=", "!=", "in", "not in"):
        hit = _norm(actual) in {_norm(v) for v in c.values}
        return hit if c.op in ("=", "in") else not hit
    left, right = _number(actual), _number(c.values[0])
    if left is None or right is None:
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[c.op]


# ---------------------------------------------------------------- evaluation


def _join(*groups: Sources) -> Sources:
    """The annotations of several items, each once, in order (annotations compare by identity)."""
    seen: set[int] = set()
    out: list[Annotation] = []
    for group in groups:
        for a in group:
            if id(a) not in seen:
                seen.add(id(a))
                out.append(a)
    return tuple(out)


def _same(a: Item, b: Item) -> bool:
    """The same passage (same span, same annotations), even when evaluated twice."""
    return (a[0] == b[0] and a[1] == b[1] and len(a[2]) == len(b[2])
            and all(x is y for x, y in zip(a[2], b[2], strict=True)))


def _dedupe(items: Iterable[Item]) -> list[Item]:
    """Sorted by position, with one item per span (the annotations of equal spans joined)."""
    out: list[Item] = []
    for start, end, sources in sorted(items, key=lambda x: (x[0], x[1])):
        if out and out[-1][0] == start and out[-1][1] == end:
            out[-1] = (start, end, _join(out[-1][2], sources))
        else:
            out.append((start, end, sources))
    return out


def _overlapping_pairs(left: list[Item], right: list[Item]) -> Iterable[tuple[Item, Item]]:
    """Every (l, r) whose spans overlap, by a sweep over starts (both lists sorted by start)."""
    events = [(s, 0, i) for i, (s, _, _) in enumerate(left)] + [(s, 1, i) for i, (s, _, _) in enumerate(right)]
    events.sort()
    active: tuple[list[int], list[int]] = ([], [])
    sides = (left, right)
    for position, side, i in events:
        other = 1 - side
        alive = [j for j in active[other] if sides[other][j][1] > position]
        active[other][:] = alive
        for j in alive:
            yield (sides[0][i], sides[1][j]) if side == 0 else (sides[0][j], sides[1][i])
        active[side].append(i)


def _union(items: list[Item]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end, _ in sorted(items, key=lambda x: (x[0], x[1])):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


class _Evaluator:
    """Evaluates expressions over one transcript, for one coder's annotations at a time."""

    def __init__(self, transcript: Transcript):
        self.transcript = transcript
        self.text = transcript.text
        self.turns = transcript.turns
        self.turn_starts = [t.start for t in self.turns]
        self._sentences: dict[int, list[tuple[int, int]]] = {}
        self._bodies: list[tuple[int, int]] | None = None

    def evaluate(self, query: CompiledQuery, annotations: list[Annotation]) -> list[Item]:
        self.query = query
        self.annotations = annotations
        self._by_code: dict[str, list[Annotation]] = {}
        for a in annotations:
            self._by_code.setdefault(a.code, []).append(a)
        return self.eval(query.query.expr, query)

    # -------------------------------------------------------- units

    def turn_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.turn_starts, offset) - 1)

    def turn_range(self, item: Item) -> tuple[int, int]:
        return self.turn_of(item[0]), self.turn_of(max(item[0], item[1] - 1))

    def bodies(self) -> list[tuple[int, int]]:
        """Each speaker turn without its label, trimmed: the text NOT works within."""
        if self._bodies is None:
            spans = []
            for turn in self.turns:
                s, e = trim_span(self.text, turn.body_start, turn.end)
                if s < e:
                    spans.append((s, e))
            if not self.turns and self.text.strip():
                spans.append(trim_span(self.text, 0, len(self.text)))
            self._bodies = spans
        return self._bodies

    def sentences_of_turn(self, index: int) -> list[tuple[int, int]]:
        cached = self._sentences.get(index)
        if cached is None:
            if self.turns:
                turn = self.turns[index]
                cached = sentences_in(self.text, turn.body_start, turn.end)
            else:
                cached = sentences_in(self.text, 0, len(self.text))
            self._sentences[index] = cached
        return cached

    def units_of(self, item: Item, unit: str) -> list[tuple[int, int]]:
        """The sentences or turns (bodies) a passage overlaps."""
        first, last = self.turn_range(item)
        out = []
        for index in range(first, last + 1):
            if unit == "turn":
                if self.turns:
                    turn = self.turns[index]
                    span = trim_span(self.text, turn.body_start, turn.end)
                else:
                    span = trim_span(self.text, 0, len(self.text))
                if span[0] < item[1] and item[0] < span[1]:
                    out.append(span)
            else:
                out.extend(s for s in self.sentences_of_turn(index) if s[0] < item[1] and item[0] < s[1])
        return out

    # -------------------------------------------------------- operators

    def eval(self, e: Expr, query: CompiledQuery) -> list[Item]:
        if isinstance(e, (CodeRef, AnyCode)):
            codes = query.codes[id(e)]
            if isinstance(e, AnyCode):
                chosen = self.annotations
            else:
                chosen = [a for code in codes for a in self._by_code.get(code, ())]
            return _dedupe((a.start, a.end, (a,)) for a in chosen)
        if isinstance(e, SavedRef):
            inner = query.saved[id(e)]
            return self.eval(inner.query.expr, inner)
        if isinstance(e, Not):
            return self.complement(self.eval(e.operand, query))
        if isinstance(e, Binary):
            left = self.eval(e.left, query)
            right = self.eval(e.right, query)
            if e.op == "or":
                return _dedupe(left + right)
            return _dedupe((max(l[0], r[0]), min(l[1], r[1]), _join(l[2], r[2]))
                           for l, r in _overlapping_pairs(left, right))
        return self.relation(e, self.eval(e.left, query), self.eval(e.right, query))

    def complement(self, items: list[Item]) -> list[Item]:
        covered = _union(items)
        out: list[Item] = []
        k = 0
        for start, end in self.bodies():
            position = start
            while k < len(covered) and covered[k][1] <= start:
                k += 1
            j = k
            while j < len(covered) and covered[j][0] < end:
                if covered[j][0] > position:
                    out.append((position, covered[j][0], ()))
                position = max(position, covered[j][1])
                j += 1
            if position < end:
                out.append((position, end, ()))
        return out

    def relation(self, e: Relation, left: list[Item], right: list[Item]) -> list[Item]:
        if not left or not right:
            return []
        kind = e.kind
        if kind in ("same_sentence", "same_turn"):
            unit = "sentence" if kind == "same_sentence" else "turn"
            members: dict[tuple[int, int], tuple[list[Item], list[Item]]] = {}
            for side, items in ((0, left), (1, right)):
                for item in items:
                    for span in self.units_of(item, unit):
                        members.setdefault(span, ([], []))[side].append(item)
            out = []
            for (start, end), (ls, rs) in members.items():
                if ls and rs and any(not _same(l, r) for l in ls for r in rs):
                    out.append((start, end, _join(*(item[2] for item in ls + rs))))
            return _dedupe(out)
        matched: dict[int, list[Item]] = {}
        if kind == "overlaps":
            for l, r in _overlapping_pairs(left, right):
                if not _same(l, r):
                    matched.setdefault(id(l), [l]).append(r)
        elif kind in ("inside", "contains"):
            for l, r in _overlapping_pairs(left, right):
                if _same(l, r):
                    continue
                inner, outer = (l, r) if kind == "inside" else (r, l)
                if outer[0] <= inner[0] and inner[1] <= outer[1]:
                    matched.setdefault(id(l), [l]).append(r)
        else:
            n = e.turns or 0
            ranges = [self.turn_range(r) for r in right]
            starts = [r[0] for r in right]
            for l in left:
                first, last = self.turn_range(l)
                if kind == "within":
                    partners = [r for r, (rf, rl) in zip(right, ranges, strict=True)
                                if not _same(r, l) and max(0, rf - last, first - rl) <= n]
                else:  # followed_by: starts at or after l's end, at most n turns later
                    at = bisect.bisect_left(starts, l[1])
                    partners = []
                    for r, (rf, _) in zip(right[at:], ranges[at:], strict=True):
                        if rf - last > n:
                            break
                        if not _same(r, l):
                            partners.append(r)
                if partners:
                    matched[id(l)] = [l, *partners]
        out = []
        for group in matched.values():
            l = group[0]
            out.append((l[0], l[1], _join(*(item[2] for item in group))))
        return _dedupe(out)


def compile_query(study: Study, text: str, saved: Mapping[str, str] | None = None) -> CompiledQuery:
    """Parse a query and check its codes, saved queries and fields against the study."""
    return CompiledQuery(study, text, saved)

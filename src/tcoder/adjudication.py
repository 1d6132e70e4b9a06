"""Adjudication: the coders' disagreements on one transcript, and the decisions that
turn them into the ``consensus`` coder's annotations.

A disagreement is a cluster of docs/formats.md#disagreements (one code; spans of different
coders that overlap; kind ``missing`` or ``boundary``), found by the agreement
core and kept here with the coders' annotations it is made of. A decision writes
the consensus through a :class:`~tcoder.session.CodingSession` (lock, atomic
save, one undoable step per decision): accept one coder's version, the union,
the intersection, or none. Each consensus annotation records in ``sources`` the
ids of the coders' annotations it came from.

A decision of "none" leaves nothing in the consensus, so it is remembered in the
consensus file's header (:data:`NONE_FIELD`, see docs/formats.md) and a team
that reopens the transcript continues where it left off. Nothing here imports
Textual; every action is a plain call a unit test can make.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping, Protocol, Sequence

from tcoder.annotations import NONE_FIELD, SOURCES_FIELD, Annotation, new_annotation, now_iso
from tcoder.codebook import Codebook
from tcoder.coding_status import CoderStatus, Policy, coders_for, policy_of
from tcoder.numbers import plural
from tcoder.segments import trim_span
from tcoder.session import ABSENT, ApplyResult, Change, CodingSession, HeaderChange, SessionError, Step
from tcoder.study import CONSENSUS

Span = tuple[int, int]
Choice = Literal["coder", "union", "intersection", "none"]
CHOICES: tuple[Choice, ...] = ("coder", "union", "intersection", "none")


# ---------------------------------------------------------------- disagreements


@dataclass(frozen=True, eq=False)
class Disagreement:
    """One cluster of docs/formats.md#disagreements, with the coders' annotations it is made of."""

    code: str
    start: int
    end: int
    kind: str  # "missing" or "boundary"
    coders: tuple[str, ...]  # the chosen coders, in order
    annotations: Mapping[str, tuple[Annotation, ...]]  # coder -> their annotations in the cluster

    def spans(self, coder: str) -> list[Span]:
        """A coder's distinct spans in the cluster, in order."""
        return sorted({(a.start, a.end) for a in self.annotations.get(coder, ())})

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(a.id for items in self.annotations.values() for a in items)

    @property
    def key(self) -> tuple[str, frozenset[str]]:
        """What identifies a disagreement while the coders' files change: its code and annotations."""
        return (self.code, self.ids)

    def to_dict(self) -> dict[str, Any]:
        """The item of ``tcoder compare --format json``, exactly as docs/formats.md#disagreements has it."""
        return {"code": self.code, "start": self.start, "end": self.end, "kind": self.kind,
                "coders": {c: [[s, e] for s, e in self.spans(c)] for c in self.coders}}


def usable_annotations(annotations: Iterable[Annotation], text_length: int,
                       codebook: Codebook | None) -> tuple[list[Annotation], int]:
    """The annotations a comparison uses (placed, inside the text, with a code of the
    codebook) and how many were left out (``tcoder check`` lists those)."""
    kept, left_out = [], 0
    for a in annotations:
        if a.orphaned or a.end > text_length or (codebook is not None and a.code not in codebook.codes):
            left_out += 1
        else:
            kept.append(a)
    return kept, left_out


def find_disagreements(annotations: Mapping[str, Iterable[Annotation]], coders: Sequence[str]) -> list[Disagreement]:
    """The disagreements among ``coders``; a coder missing from ``annotations`` (no file) has no spans."""
    from tcoder.agreement.clusters import disagreement_clusters

    by_span: dict[str, dict[tuple[str, int, int], list[Annotation]]] = {}
    spans: dict[str, dict[str, list[Span]]] = {}
    for coder in coders:
        mine = by_span.setdefault(coder, {})
        per_code = spans.setdefault(coder, {})
        for a in annotations.get(coder, ()):
            mine.setdefault((a.code, a.start, a.end), []).append(a)
            per_code.setdefault(a.code, []).append((a.start, a.end))
    found = []
    for cluster in disagreement_clusters(spans, list(coders)):
        code = cluster["code"]
        members = {coder: tuple(a for s, e in cluster["coders"][coder] for a in by_span[coder][(code, s, e)])
                   for coder in coders}
        found.append(Disagreement(code, cluster["start"], cluster["end"], cluster["kind"], tuple(coders), members))
    return found


def agreed_spans(annotations: Mapping[str, Iterable[Annotation]], coders: Sequence[str],
                 disagreements: Iterable[Disagreement]) -> list[tuple[str, int, int, tuple[str, ...]]]:
    """Spans every coder coded identically and that are in no disagreement:
    (code, start, end, the ids of the coders' annotations)."""
    if not coders:
        return []
    per_coder: list[dict[tuple[str, int, int], list[str]]] = []
    for coder in coders:
        mine: dict[tuple[str, int, int], list[str]] = {}
        for a in annotations.get(coder, ()):
            mine.setdefault((a.code, a.start, a.end), []).append(a.id)
        per_coder.append(mine)
    disputed: dict[str, list[Span]] = {}
    for d in disagreements:
        disputed.setdefault(d.code, []).append((d.start, d.end))
    out = []
    for key in sorted(set.intersection(*(set(m) for m in per_coder))):
        code, start, end = key
        if any(s < end and start < e for s, e in disputed.get(code, ())):
            continue
        out.append((code, start, end, tuple(i for m in per_coder for i in m[key])))
    return out


# ---------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Decision:
    """What the team decided for one disagreement."""

    choice: Choice
    coder: str | None = None  # with choice "coder"

    def __post_init__(self) -> None:
        if self.choice not in CHOICES:
            raise ValueError(f"unknown choice {self.choice!r}")
        if (self.choice == "coder") != (self.coder is not None):
            raise ValueError("a coder is named exactly when accepting a coder's version")

    @property
    def label(self) -> str:
        if self.choice == "coder":
            return f"{self.coder}'s version"
        return {"union": "the union", "intersection": "the intersection", "none": "none"}[self.choice]


def _merge(spans: Iterable[Span]) -> list[Span]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _intersect(a: list[Span], b: list[Span]) -> list[Span]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def decision_spans(d: Disagreement, decision: Decision) -> list[tuple[int, int, tuple[str, ...]]]:
    """The consensus spans a decision gives, each with the ids it came from. Empty
    means nothing goes into the consensus (none, or a coder or an intersection with nothing)."""
    everyone = [a for items in d.annotations.values() for a in items]
    if decision.choice == "none":
        return []
    if decision.choice == "coder":
        if decision.coder not in d.coders:
            raise SessionError(f"{decision.coder} is not one of the coders compared here")
        chosen = decision.coder
        others = [a for c in d.coders if c != chosen for a in d.annotations[c]]
        out = []
        for s, e in d.spans(chosen):
            ids = [a.id for a in (*d.annotations[chosen], *others) if (a.start, a.end) == (s, e)]
            out.append((s, e, tuple(ids)))
        return out
    if decision.choice == "union":
        pieces = _merge((a.start, a.end) for a in everyone)
    else:
        pieces = _merge(d.spans(d.coders[0])) if d.coders else []
        for coder in d.coders[1:]:
            pieces = _intersect(pieces, _merge(d.spans(coder)))
    return [(s, e, tuple(a.id for a in everyone if a.start < e and s < a.end)) for s, e in pieces]


def _outer_start(a: Annotation, d: Disagreement) -> int:
    """Where the part of ``a`` outside the disagreement's extent begins (the left part first)."""
    return a.start if a.start < d.start else d.end


def _sources(a: Annotation) -> list[str]:
    """The ids an annotation records in ``sources`` (nothing when the field is not a list of ids)."""
    raw = a.extra.get(SOURCES_FIELD)
    return [i for i in raw if isinstance(i, str)] if isinstance(raw, list) else []


def _carried_memo(replaced: list[Annotation]) -> str | None:
    """The memos of the consensus annotations a decision replaces, kept on what replaces them."""
    memos = list(dict.fromkeys(a.memo for a in replaced if a.memo))
    return " / ".join(memos) or None


@dataclass(frozen=True)
class NoneRecord:
    """A decision of "none" as remembered in the consensus file's header."""

    code: str
    start: int
    end: int
    sources: frozenset[str]
    raw: dict

    @classmethod
    def parse(cls, raw: Any) -> "NoneRecord | None":
        """None for an entry that is not a readable record (kept as it is, but not used)."""
        if not isinstance(raw, dict):
            return None
        code, start, end, sources = raw.get("code"), raw.get("start"), raw.get("end"), raw.get(SOURCES_FIELD)
        if not (isinstance(code, str) and isinstance(start, int) and isinstance(end, int)
                and isinstance(sources, list) and all(isinstance(s, str) for s in sources)):
            return None
        return cls(code, start, end, frozenset(sources), raw)

    def covers(self, d: Disagreement) -> bool:
        return self.code == d.code and self.sources == d.ids

    def overlaps(self, code: str, start: int, end: int) -> bool:
        return self.code == code and self.start < end and start < self.end


def none_records(consensus: CodingSession) -> list[NoneRecord]:
    raw = consensus.header_field(NONE_FIELD, [])
    if not isinstance(raw, list):
        return []
    return [r for r in (NoneRecord.parse(item) for item in raw) if r is not None]


@dataclass(frozen=True)
class Resolution:
    """Where a disagreement stands in the consensus."""

    resolved: bool
    consensus: tuple[Annotation, ...] = ()  # the consensus annotations of the code in its extent
    none: bool = False  # decided: nothing goes into the consensus


class CoderSpans(Protocol):
    """One coder's annotations: a read-only CodingSession, for example."""

    @property
    def annotations(self) -> list[Annotation]: ...

    @property
    def revision(self) -> int: ...


class Adjudication:
    """The disagreements of the chosen coders on one transcript, and the consensus
    being decided. The coders' annotations come from ``coders`` (read-only sessions
    that follow their files); decisions go to ``consensus`` (a writable session)."""

    def __init__(self, consensus: CodingSession, coders: Mapping[str, CoderSpans]) -> None:
        if len(coders) < 2:
            raise ValueError("adjudication needs at least two coders")
        self.consensus = consensus
        self.coders: dict[str, CoderSpans] = dict(coders)
        self.order: tuple[str, ...] = tuple(coders)
        self.left_out = 0  # annotations a comparison cannot use (orphaned, unknown code, out of range)
        self.alpha_left_out: dict[str, str] = {}  # speakers whose turns hold no units in alphas(), and why
        self._seen: tuple[int, ...] | None = None
        self._disagreements: list[Disagreement] = []
        self._usable: dict[str, list[Annotation]] = {}
        self._status: tuple[tuple[int, ...], list[Resolution]] | None = None

    @property
    def transcript(self):
        return self.consensus.transcript

    @property
    def codebook(self) -> Codebook:
        return self.consensus.codebook

    def _revisions(self) -> tuple[int, ...]:
        """What the disagreements depend on: each coder's annotations, and the codebook
        (reloading it can leave codes out, or bring them back)."""
        return (*(self.coders[c].revision for c in self.order), id(self.codebook))

    def refresh(self) -> bool:
        """Recompute the disagreements if a coder's annotations changed; True if they did."""
        revisions = self._revisions()
        if revisions == self._seen:
            return False
        self._seen = revisions
        text_length = len(self.transcript.text)
        self.left_out = 0
        self._usable = {}
        for coder in self.order:
            kept, left_out = usable_annotations(self.coders[coder].annotations, text_length, self.codebook)
            self._usable[coder] = kept
            self.left_out += left_out
        self._disagreements = find_disagreements(self._usable, self.order)
        self._status = None
        return True

    @property
    def disagreements(self) -> list[Disagreement]:
        self.refresh()
        return self._disagreements

    def coder_annotations(self, coder: str) -> list[Annotation]:
        self.refresh()
        return self._usable.get(coder, [])

    # ------------------------------------------------------------ where things stand

    def _resolve(self, d: Disagreement, records: list[NoneRecord]) -> Resolution:
        """Resolved when the consensus has the code somewhere in the extent, or a
        decision of none was recorded for exactly these annotations."""
        here = tuple(a for a in self.consensus.index.overlapping(d.start, d.end) if a.code == d.code)
        if here:
            return Resolution(True, here)
        if any(r.covers(d) for r in records):
            return Resolution(True, none=True)
        return Resolution(False)

    def resolution(self, d: Disagreement) -> Resolution:
        return self._resolve(d, none_records(self.consensus))

    def resolutions(self) -> list[Resolution]:
        """The resolution of every disagreement, in order (cached until something changes)."""
        self.refresh()
        stamp = (*self._revisions(), self.consensus.revision)
        if self._status is None or self._status[0] != stamp:
            records = none_records(self.consensus)
            self._status = (stamp, [self._resolve(d, records) for d in self._disagreements])
        return self._status[1]

    @property
    def resolved_count(self) -> int:
        return sum(1 for r in self.resolutions() if r.resolved)

    def index_of(self, key: tuple[str, frozenset[str]]) -> int | None:
        for i, d in enumerate(self.disagreements):
            if d.key == key:
                return i
        return None

    def index_at(self, offset: int) -> int | None:
        """The first disagreement whose extent holds ``offset``."""
        for i, d in enumerate(self.disagreements):
            if d.start <= offset < d.end:
                return i
        return None

    def step_from(self, current: int | None, offset: int, forward: bool,
                  open_only: bool = False) -> tuple[int, bool] | None:
        """The next (or previous) disagreement after ``current`` (or from ``offset`` when
        there is none), optionally only open ones, going round the end if needed:
        (its index, whether it went round). None when there is none to go to."""
        items = self.disagreements
        n = len(items)
        if current is not None:
            ahead = list(range(current + 1, n)) if forward else list(range(current - 1, -1, -1))
        elif forward:
            ahead = [i for i in range(n) if items[i].end > offset]
        else:
            ahead = [i for i in range(n - 1, -1, -1) if items[i].start < offset]
        seen = set(ahead)
        behind = [i for i in (range(n) if forward else range(n - 1, -1, -1)) if i not in seen]
        resolutions = self.resolutions() if open_only else None
        for wrapped, candidates in ((False, ahead), (True, behind)):
            for i in candidates:
                if resolutions is None or not resolutions[i].resolved:
                    return i, wrapped
        return None

    # ------------------------------------------------------------ deciding

    def decide(self, d: Disagreement, decision: Decision) -> Step | None:
        """Write ``decision`` for ``d`` to the consensus as one undoable step. Inside
        the disagreement's extent the consensus's coding of the code becomes the
        decision's spans; outside it nothing changes (an annotation reaching beyond
        the extent keeps those parts). Annotations keep their ids and memos wherever
        they survive, and the memo of one replaced carries over to what replaces it.
        A decision of none is remembered in the header. None when the consensus
        already says exactly this."""
        session = self.consensus
        if d.code not in self.codebook.codes:
            raise SessionError(f"the code {d.code!r} is not in the codebook; add it back first")
        pieces = decision_spans(d, decision)
        current = sorted((a for a in session.index.overlapping(d.start, d.end) if a.code == d.code),
                         key=Annotation.sort_key)
        changes = self._coverage_changes(d, pieces, current)
        header = self._none_change(d, record=not pieces)
        if not changes and header is None:
            return None
        name = self.codebook[d.code].name
        label = f"decide {name} at {d.start}-{d.end}: {decision.label}"
        return session.commit(label, changes, [header] if header is not None else [])

    def _coverage_changes(self, d: Disagreement, pieces: list[tuple[int, int, tuple[str, ...]]],
                          current: list[Annotation]) -> list[Change]:
        text = self.transcript.text
        outside = [(a.start, min(a.end, d.start)) for a in current if a.start < d.start]
        outside += [(max(a.start, d.end), a.end) for a in current if a.end > d.end]
        ids_at = {(s, e): ids for s, e, ids in pieces}
        targets = _merge([*outside, *((s, e) for s, e, _ in pieces)])
        changes: list[Change] = []
        used: set[str] = set()
        for s, e in targets:
            sources = sorted({i for (ps, pe), ids in ids_at.items() if s <= ps and pe <= e for i in ids})
            same = next((a for a in current if (a.start, a.end) == (s, e) and a.id not in used), None)
            # An annotation reaching beyond the extent lives on (id, memo) in the interval
            # holding the start of its outer part; a second outer part is a new annotation.
            stretch = same or next((a for a in current if a.id not in used and (a.start < d.start or a.end > d.end)
                                    and s <= _outer_start(a, d) < e), None)
            if stretch is not None:
                used.add(stretch.id)
                keep = sorted(set(_sources(stretch)) | set(sources)) if stretch is not same else sources
                if (stretch.start, stretch.end) == (s, e) and sorted(_sources(stretch)) == keep:
                    continue
                new = stretch.copy(start=s, end=e, updated=now_iso(), **{SOURCES_FIELD: keep})
                new.set_context(text)
                changes.append(Change(stretch.id, stretch, new))
                continue
            memo = _carried_memo([a for a in current if a.start < e and s < a.end])
            a = new_annotation(d.code, s, e, text, memo=memo).copy(**{SOURCES_FIELD: sources})
            changes.append(Change(a.id, None, a))
        changes += [Change(a.id, a, None) for a in current if a.id not in used]
        return changes

    def _none_change(self, d: Disagreement, record: bool) -> HeaderChange | None:
        """The header change that records (or clears) a decision of none for ``d``'s
        code and extent; earlier records of the code there are replaced. Entries that
        are not readable records are kept as they are."""
        before = self.consensus.header_field(NONE_FIELD, ABSENT)
        if before is not ABSENT and not isinstance(before, list):
            raise SessionError(f"the consensus file's {NONE_FIELD!r} is not a list (edited by hand?); fix it "
                               "or remove it, then decide again")
        kept, replaced = [], []
        for item in before if isinstance(before, list) else []:
            parsed = NoneRecord.parse(item)
            if parsed is not None and parsed.overlaps(d.code, d.start, d.end):
                replaced.append(parsed)
                continue
            kept.append(item)
        if record and len(replaced) == 1 and replaced[0].covers(d):
            return None  # already recorded
        if record:
            kept.append({"code": d.code, "start": d.start, "end": d.end, SOURCES_FIELD: sorted(d.ids),
                         "decided": now_iso()})
            readable = sorted((r for r in kept if NoneRecord.parse(r) is not None),
                              key=lambda r: (r["start"], r["end"], r["code"]))
            kept = readable + [r for r in kept if NoneRecord.parse(r) is None]  # kept as they are, last
        after: Any = kept if kept else ABSENT
        if after == before or (after is ABSENT and before is ABSENT):
            return None
        return HeaderChange(NONE_FIELD, before, after)

    def apply_by_hand(self, code: str, start: int, end: int) -> ApplyResult:
        """Code [start, end) in the consensus by hand; its sources are the coders'
        annotations of the same code that overlap it."""
        text = self.transcript.text
        s, e = trim_span(text, start, end)
        ids = sorted({a.id for coder in self.order for a in self.coder_annotations(coder)
                      if a.code == code and a.start < e and s < a.end})
        return self.consensus.apply(code, start, end, extra={SOURCES_FIELD: ids} if ids else None)

    def accept_agreements(self) -> Step | None:
        """Copy into the consensus every span all coders coded identically (outside any
        disagreement) where the consensus has nothing of that code yet. One step."""
        session = self.consensus
        text = self.transcript.text
        changes = []
        usable = {c: self.coder_annotations(c) for c in self.order}
        for code, s, e, ids in agreed_spans(usable, self.order, self.disagreements):
            if code not in self.codebook.codes:
                continue
            if any(a.code == code for a in session.index.overlapping(s, e)):
                continue
            a = new_annotation(code, s, e, text).copy(**{SOURCES_FIELD: list(ids)})
            changes.append(Change(a.id, None, a))
        if not changes:
            return None
        return session.commit(f"accept {plural(len(changes), 'agreed span')}", changes)

    # ------------------------------------------------------------ agreement

    def overlaps(self):
        """How the coders' readings of this transcript overlap, per code and pair (the reflexive
        approach's counts; see :mod:`tcoder.agreement.overlap`), on the same turns as :meth:`alphas`."""
        from tcoder.agreement.data import CodingData, TranscriptCoding
        from tcoder.agreement.overlap import overlaps

        spans, transcript = self._agreement_spans()
        return overlaps(CodingData(list(spans), [TranscriptCoding(transcript, spans)], self.codebook))

    def _agreement_spans(self):
        spans = {}
        for coder in self.order:
            source = self.coders[coder]
            path = getattr(source, "path", None)
            if path is not None and not path.exists():
                continue  # no file: not an observer (docs/formats.md#agreement-data-and-results)
            spans[coder] = [(a.code, a.start, a.end) for a in self.coder_annotations(coder)]
        transcript = self.transcript
        study = self.consensus.study
        selection = study.turn_selection(self.consensus.ref, study.turn_rule("agreement"))
        self.alpha_left_out = dict(selection.reasons)
        if not selection.everything_counts:  # the same units as tcoder agree: left-out turns hold none
            from tcoder.turnrule import counted_text

            view = counted_text(selection)
            spans = {coder: view.spans(own)[0] for coder, own in spans.items()}
            transcript = view.transcript
        return spans, transcript

    def alphas(self, unit: str = "char"):
        """Per-code alpha for this transcript among the coders that have a file (agreement core)."""
        from tcoder.agreement import transcript_agreement

        spans, transcript = self._agreement_spans()
        return transcript_agreement(transcript, spans, unit, self.codebook)  # type: ignore[arg-type]


def default_coders(study, ref, policy: Policy | None = None) -> list[str]:
    """The coders compared by default: those who count for the transcript (by default, who marked it
    done; see :func:`tcoder.coding_status.coders_for`), except the consensus."""
    return default_coders_explained(study, ref, policy)[0]


def default_coders_explained(study, ref, policy: Policy | None = None) -> tuple[list[str], list[CoderStatus]]:
    """:func:`default_coders`, and the coders with a file who were left out (with the reason)."""
    others = [c for c in study.coders_of(ref) if c != CONSENSUS]
    decided = coders_for(study, ref, others, policy or policy_of(study))
    return decided.counted, decided.left_out


__all__ = [
    "CHOICES", "CONSENSUS", "NONE_FIELD", "SOURCES_FIELD", "Adjudication", "Decision", "Disagreement", "NoneRecord",
    "Resolution", "agreed_spans", "decision_spans", "default_coders", "default_coders_explained", "find_disagreements", "none_records",
    "usable_annotations",
]

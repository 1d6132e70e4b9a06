"""Coding data for agreement: the spans of each coder on each transcript.

:func:`gather` reads them through the study (which owns all file access); the
measures only ever see these in-memory objects. What is left out, and why, is
counted in :class:`Exclusions` so no annotation disappears silently.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple, Sequence

from tcoder.codebook import Codebook
from tcoder.transcript import Transcript
from tcoder.turnrule import TurnRule, TurnSelection, counted_text

if TYPE_CHECKING:
    from tcoder.coding_status import CoderStatus, Policy

CodedSpan = tuple[str, int, int]  # (code, start, end)


@dataclass
class TranscriptOutline:
    """What agreement in one unit needs of a transcript, without its text (see :func:`gather`):
    its length, its units, and where each coder's spans fall among them."""

    name: str
    length: int  # characters counted (those of the turns that count)
    original_length: int  # characters of the whole transcript
    unit: str
    unit_count: int = 0
    removed_units: int = 0  # units (characters for span and char) in the turns left out
    #: coder -> [first, stop) unit indices of each of their spans, in the order of their spans
    ranges: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    turn_firsts: Any = None  # the first unit of each counted turn

    def __len__(self) -> int:
        return self.length


class SpanList(Sequence[CodedSpan]):
    """One coder's spans on one transcript as arrays, read as (code, start, end) tuples:
    a million spans take 20 bytes each instead of a tuple and two integers each, and go
    between processes as three arrays."""

    __slots__ = ("codes", "code", "start", "end")

    def __init__(self, spans: Sequence[CodedSpan]):
        import numpy as np

        codes, starts, ends = zip(*spans, strict=True) if len(spans) else ((), (), ())
        index: dict[str, int] = {}
        number = index.setdefault
        self.code = np.array([number(c, len(index)) for c in codes], dtype=np.int32)
        self.codes: list[str] = list(index)
        self.start = np.array(starts, dtype=np.int64)
        self.end = np.array(ends, dtype=np.int64)

    @classmethod
    def of_arrays(cls, codes: list[str], code: Any, start: Any, end: Any) -> SpanList:
        """A list of the given arrays (``code`` indexes ``codes``), as one built from tuples holds them."""
        made = cls.__new__(cls)
        made.codes, made.code, made.start, made.end = codes, code, start, end
        return made

    def __len__(self) -> int:
        return len(self.code)

    def __iter__(self) -> Iterator[CodedSpan]:
        codes = self.codes
        return zip([codes[k] for k in self.code.tolist()], self.start.tolist(), self.end.tolist(), strict=True)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return list(self)[i]
        return self.codes[int(self.code[i])], int(self.start[i]), int(self.end[i])


def original_length(transcript: Transcript | TranscriptOutline) -> int:
    """Characters of the whole transcript (its left-out turns too)."""
    return transcript.original_length if isinstance(transcript, TranscriptOutline) else len(transcript.text)


@dataclass
class TranscriptCoding:
    """One transcript and the spans of every chosen coder who has a file for it."""

    transcript: Transcript | TranscriptOutline
    spans: dict[str, list[CodedSpan]]

    @property
    def name(self) -> str:
        return self.transcript.name

    @property
    def coders(self) -> list[str]:
        return list(self.spans)


@dataclass
class Exclusions:
    """Annotations left out of agreement, by reason."""

    orphaned: int = 0  # their passage is no longer in the transcript
    unknown_codes: Counter = field(default_factory=Counter)  # code -> count, codes not in the codebook
    out_of_range: int = 0  # beyond the end of the transcript
    moved: int = 0  # not left out: re-anchored in memory because the transcript changed
    in_left_out_turns: int = 0  # entirely in turns that do not count (interviewer, moderator...)
    autocoded: int = 0  # made by tcoder autocode, left out with --autocoded exclude
    apprentice: int = 0  # accepted from the apprentice's proposals, left out with --apprentice exclude

    @property
    def unknown_code(self) -> int:
        return sum(self.unknown_codes.values())

    @property
    def total(self) -> int:
        return (self.orphaned + self.unknown_code + self.out_of_range + self.in_left_out_turns + self.autocoded
                + self.apprentice)

    def add(self, other: Exclusions) -> None:
        self.orphaned += other.orphaned
        self.unknown_codes.update(other.unknown_codes)
        self.out_of_range += other.out_of_range
        self.moved += other.moved
        self.in_left_out_turns += other.in_left_out_turns
        self.autocoded += other.autocoded
        self.apprentice += other.apprentice

    def as_dict(self) -> dict:
        return {"orphaned": self.orphaned, "unknown_code": self.unknown_code,
                "unknown_codes": dict(sorted(self.unknown_codes.items())), "out_of_range": self.out_of_range,
                "in_left_out_turns": self.in_left_out_turns, "autocoded": self.autocoded,
                "apprentice": self.apprentice}


@dataclass
class CodingData:
    """Everything agreement needs: chosen coders, counted transcripts and their spans."""

    coders: list[str]
    transcripts: list[TranscriptCoding]
    codebook: Codebook | None = None
    skipped: list[str] = field(default_factory=list)  # fewer than two chosen coders count there
    excluded: Exclusions = field(default_factory=Exclusions)
    rule: TurnRule | None = None  # which turns count; None: every turn
    selections: list[TurnSelection] = field(default_factory=list)  # per counted transcript, when a rule was given
    #: (transcript, status) of every chosen coder's file that does not count, and why (coding status)
    left_out: list[tuple[str, CoderStatus]] = field(default_factory=list)
    #: (transcript, status) of files counted although they carry no coding status
    unmarked: list[tuple[str, CoderStatus]] = field(default_factory=list)
    #: (transcript, status) of files marked done without annotations ("nothing applies")
    done_empty: list[tuple[str, CoderStatus]] = field(default_factory=list)
    #: characters of every transcript considered (counted or skipped), for the share double-coded
    corpus_characters: int = 0
    corpus_unknown: list[str] = field(default_factory=list)  # skipped transcripts that could not be read
    policy: str = "done"
    #: --autocoded: "include" counts annotations made by tcoder autocode as their coder's, "exclude" leaves them out
    autocoded: str = "include"
    #: coder -> annotations made by tcoder autocode that are counted (with autocoded == "include")
    autocoded_counted: Counter = field(default_factory=Counter)
    #: --apprentice: passages coders accepted from the apprentice are "include"d (and said so) or "exclude"d
    apprentice: str = "include"
    #: coder -> passages accepted from the apprentice that are counted (with apprentice == "include")
    apprentice_counted: Counter = field(default_factory=Counter)

    @property
    def counted_coders(self) -> list[str]:
        """The chosen coders who count on at least one transcript, in the chosen order."""
        present = {c for tc in self.transcripts for c in tc.spans}
        return [c for c in self.coders if c in present]

    def restricted(self, coders: Sequence[str]) -> CodingData:
        """The same data seen by a subset of coders (transcripts need two of them)."""
        kept, skipped = [], list(self.skipped)
        for tc in self.transcripts:
            spans = {c: tc.spans[c] for c in coders if c in tc.spans}
            if len(spans) >= 2:
                kept.append(TranscriptCoding(tc.transcript, spans))
            else:
                skipped.append(tc.name)
        return replace(self, coders=list(coders), transcripts=kept, skipped=skipped)


def clean_spans(spans: Iterable[CodedSpan], text_length: int, codebook: Codebook | None,
                excluded: Exclusions) -> list[CodedSpan]:
    """Drop spans with unknown codes or beyond the text, counting them."""
    kept = []
    for code, start, end in spans:
        if codebook is not None and code not in codebook:
            excluded.unknown_codes[code] += 1
        elif end > text_length or start < 0 or end <= start:
            excluded.out_of_range += 1
        else:
            kept.append((code, start, end))
    return kept


def matches(name: str, patterns: Sequence[str] | None) -> bool:
    """Whether a transcript (study-relative path) matches any glob, by path, file name or stem."""
    if not patterns:
        return True
    file_name = name.rsplit("/", 1)[-1]
    stem = file_name.rsplit(".", 1)[0]
    return any(fnmatch.fnmatchcase(candidate, pattern)
               for pattern in patterns for candidate in (name, file_name, stem))


def gather(study, coders: Sequence[str], patterns: Sequence[str] | None = None,
           rule: TurnRule | None = None, policy: Policy = "done", autocoded: str = "include",
           apprentice: str = "include", unit: str | None = None) -> CodingData:
    """Read the chosen coders' spans from a study (docs/formats.md#agreement-data-and-results).

    Which coders count on each transcript is decided by
    :func:`tcoder.coding_status.coders_for` (by default, those who marked it
    done); the others are listed in ``left_out`` with the reason. Only
    transcripts where at least two chosen coders count are compared; every
    counted coder is an observer of all its units. Orphaned annotations, codes
    not in the codebook and spans beyond the text are left out and counted. With
    a ``rule`` (tcoder.turnrule), the turns it leaves out (interviewer,
    moderator...) are cut from each transcript, so they hold no units, and
    annotations entirely in them are counted as left out. Annotations made by
    ``tcoder autocode`` are counted as their coder's (and counted, for the notes),
    or left out with ``autocoded="exclude"``; so are passages a coder accepted from the
    apprentice's proposals, with ``apprentice="exclude"``.

    With a ``unit`` (the one agreement will be computed for), each transcript is read,
    its units found and its spans placed on them on every core (:mod:`tcoder.parallel`),
    and only a :class:`TranscriptOutline` of it is kept, not its text: memory stays
    flat as the study grows. Without one, the transcripts themselves are kept.
    """
    codebook = study.codebook
    data = CodingData(list(coders), [], codebook, rule=rule, policy=policy, autocoded=autocoded,
                      apprentice=apprentice)
    refs = [ref for ref in study.transcripts if matches(ref.name, patterns)]
    if unit is None:
        for ref in refs:
            _gather_transcript(study, ref, data)
        return data
    from tcoder.errors import TcoderError
    from tcoder.gcpause import collector_paused
    from tcoder.parallel import map_ordered

    study.participants  # read once here, not in each worker  # noqa: B018

    def one(i: int) -> tuple | _Failure:  # an index into refs: the workers have them
        ref = refs[i]
        part = replace(data, transcripts=[], skipped=[], excluded=Exclusions(), selections=[], left_out=[],
                       unmarked=[], done_empty=[], corpus_characters=0, corpus_unknown=[],
                       autocoded_counted=Counter(), apprentice_counted=Counter())
        try:
            with study.passing_through(ref):
                _gather_transcript(study, ref, part)
        except TcoderError as exc:  # raised again in this process, as it was
            return _Failure(type(exc), exc.problems, {k: v for k, v in vars(exc).items() if k != "problems"})
        _outline(part, unit)
        return _packed(part)

    with collector_paused():  # thousands of outlines arrive, none in a reference cycle
        for packed in map_ordered(one, range(len(refs))):
            _add(data, packed)
    return data


def _add(data: CodingData, packed: tuple | _Failure) -> None:
    """Add one transcript's data from a worker (see :func:`_packed`) to ``data``, or raise
    the worker's error again here, as it was."""
    from tcoder.errors import TcoderError

    if isinstance(packed, _Failure):
        error: TcoderError = TcoderError.__new__(packed.kind)
        TcoderError.__init__(error, packed.problems)
        error.__dict__.update(packed.state)
        raise error
    part = _unpacked(packed)
    data.transcripts.extend(part.transcripts)
    data.selections.extend(part.selections)
    data.skipped.extend(part.skipped)
    data.excluded.add(part.excluded)
    data.left_out.extend(part.left_out)
    data.unmarked.extend(part.unmarked)
    data.done_empty.extend(part.done_empty)
    data.corpus_characters += part.corpus_characters
    data.corpus_unknown.extend(part.corpus_unknown)
    data.autocoded_counted.update(part.autocoded_counted)
    data.apprentice_counted.update(part.apprentice_counted)


class _Failure(NamedTuple):
    """A TcoderError raised in a worker, to raise again in the main process."""

    kind: type
    problems: list
    state: dict


def _packed(part: CodingData) -> tuple:
    """One transcript's outlined data (see :func:`_outline`) as plain values and one array of
    integers: going between processes, a transcript's dozen small arrays and objects cost
    more to pickle than their contents."""
    import numpy as np

    coded = None
    if part.transcripts:
        (tc,) = part.transcripts
        outline = tc.transcript
        assert isinstance(outline, TranscriptOutline)
        coders = list(tc.spans)
        lists = [tc.spans[coder] for coder in coders]
        arrays: list[Any] = []
        for coder, spans in zip(coders, lists, strict=True):
            assert isinstance(spans, SpanList)
            arrays += [spans.code, spans.start, spans.end, *outline.ranges.get(coder, ())]
        firsts = outline.turn_firsts
        if firsts is not None:
            arrays.append(firsts)
        numbers = np.concatenate(arrays).astype(np.int64, copy=False) if arrays else np.zeros(0, dtype=np.int64)
        coded = (outline.name, outline.length, outline.original_length, outline.unit, outline.unit_count,
                 outline.removed_units, coders, [spans.codes for spans in lists],  # type: ignore[attr-defined]
                 [len(spans) for spans in lists], bool(outline.ranges), None if firsts is None else len(firsts),
                 numbers)
    selection = None
    if part.selections:
        (chosen,) = part.selections
        selection = (chosen.left_out, chosen.reasons, chosen.described)
    return (coded, selection, part.skipped, part.excluded, part.left_out, part.unmarked, part.done_empty,
            part.corpus_characters, part.corpus_unknown, part.autocoded_counted, part.apprentice_counted)


def _unpacked(packed: tuple) -> CodingData:
    """The data :func:`_packed` packed (without the codebook and settings: the caller has them)."""
    import numpy as np

    (coded, selection, skipped, excluded, left_out, unmarked, done_empty, corpus_characters, corpus_unknown,
     autocoded_counted, apprentice_counted) = packed
    part = CodingData([], [], skipped=skipped, excluded=excluded, left_out=left_out, unmarked=unmarked,
                      done_empty=done_empty, corpus_characters=corpus_characters, corpus_unknown=corpus_unknown,
                      autocoded_counted=autocoded_counted, apprentice_counted=apprentice_counted)
    if coded is None:
        return part
    name, length, original, unit, unit_count, removed, coders, codes_of, sizes, placed, n_firsts, numbers = coded
    outline = TranscriptOutline(name, length, original, unit, unit_count, removed)
    spans: dict[str, list[CodedSpan]] = {}
    at = 0
    for coder, codes, n in zip(coders, codes_of, sizes, strict=True):
        code, start, end = (numbers[at + i * n:at + (i + 1) * n] for i in range(3))
        spans[coder] = SpanList.of_arrays(codes, code.astype(np.int32), start, end)  # type: ignore[assignment]
        at += 3 * n
        if placed:
            outline.ranges[coder] = (numbers[at:at + n], numbers[at + n:at + 2 * n])
            at += 2 * n
    if n_firsts is not None:
        outline.turn_firsts = numbers[at:at + n_firsts]
    part.transcripts.append(TranscriptCoding(outline, spans))
    if selection is not None:
        turns_left_out, reasons, described = selection
        part.selections.append(TurnSelection(outline, [], turns_left_out, reasons, described))  # type: ignore[arg-type]
    return part


def _gather_transcript(study, ref, data: CodingData) -> None:
    """Add one transcript (one that matches) to ``data``: gather's work for it."""
    from tcoder.annotations import autocode_query
    from tcoder.apprentice.provenance import accepted_from_apprentice
    from tcoder.coding_status import DONE, UNMARKED, coders_for

    codebook, coders, rule = data.codebook, data.coders, data.rule
    policy: Policy = "any" if data.policy == "any" else "done"
    autocoded, apprentice = data.autocoded, data.apprentice
    present = [c for c in coders if c in study.coders_of(ref)]
    if len(present) < 2:
        data.skipped.append(ref.name)
        data.corpus_characters += _length(study, ref, data)
        return
    transcript = study.transcript(ref)
    data.corpus_characters += len(transcript.text)
    decided = coders_for(study, ref, present, policy)
    for status in decided.statuses.values():
        if not status.counted:
            data.left_out.append((ref.name, status))
        elif status.state == UNMARKED:
            data.unmarked.append((ref.name, status))
        elif status.state == DONE and status.annotations == 0:
            data.done_empty.append((ref.name, status))
    counted = decided.counted
    if len(counted) < 2:
        data.skipped.append(ref.name)
        return
    spans: dict[str, list[CodedSpan]] = {}
    for coder in counted:
        loaded = decided.loaded[coder]
        data.excluded.orphaned += len(loaded.orphaned)
        data.excluded.moved += len(loaded.moved)
        annotations = loaded.annotations
        marked = any(a.extra for a in annotations)  # autocode and apprentice marks live in extra fields
        machine = [a for a in annotations if autocode_query(a) is not None] if marked else []
        if machine and autocoded == "exclude":
            data.excluded.autocoded += len(machine)
            annotations = [a for a in annotations if autocode_query(a) is None]
        elif machine:
            data.autocoded_counted[coder] += len(machine)
        accepted = [a for a in annotations if accepted_from_apprentice(a)] if marked else []
        if accepted and apprentice == "exclude":
            data.excluded.apprentice += len(accepted)
            annotations = [a for a in annotations if not accepted_from_apprentice(a)]
        elif accepted:
            data.apprentice_counted[coder] += len(accepted)
        spans[coder] = clean_spans(((a.code, a.start, a.end) for a in annotations),
                                   len(transcript.text), codebook, data.excluded)
    if rule is not None:
        selection = study.turn_selection(ref, rule)
        data.selections.append(selection)
        if not selection.everything_counts:
            view = counted_text(selection)
            for coder in spans:
                spans[coder], dropped = view.spans(spans[coder])
                data.excluded.in_left_out_turns += dropped
            transcript = view.transcript
    data.transcripts.append(TranscriptCoding(transcript, spans))


def _outline(part: CodingData, unit: str) -> None:
    """Put outlines in the place of the transcripts of ``part`` (a single transcript's data)."""
    import numpy as np

    from tcoder.agreement.units import UnitIndex

    for i, tc in enumerate(part.transcripts):
        counted = tc.transcript
        assert isinstance(counted, Transcript)
        selection = part.selections[i] if part.selections else None
        original = selection.transcript if selection is not None else counted
        assert isinstance(original, Transcript)
        outline = TranscriptOutline(counted.name, len(counted.text), len(original.text), unit)
        if unit in ("span", "char"):
            outline.removed_units = len(original.text) - len(counted.text)
        if unit != "span":
            known, original_units = _units_of_both(selection, counted, unit) if original is not counted \
                else (None, 0)
            index = UnitIndex(counted, unit, known)  # type: ignore[arg-type]
            outline.unit_count = index.count
            if unit != "char" and original is not counted:
                outline.removed_units = original_units - index.count
        spans_of: dict[str, list[CodedSpan]] = {coder: SpanList(spans)  # type: ignore[misc]
                                                for coder, spans in tc.spans.items()}
        if unit != "span":
            for coder, spans in spans_of.items():
                outline.ranges[coder] = index.ranges(spans.start, spans.end)  # type: ignore[attr-defined]
            turn_starts = np.array([turn.start for turn in counted.turns], dtype=np.int64)
            outline.turn_firsts = index.first_at(turn_starts) if len(turn_starts) else np.zeros(0, dtype=np.int64)
        part.transcripts[i] = TranscriptCoding(outline, spans_of)
        if selection is not None:
            part.selections[i] = replace(selection, transcript=outline, counted=[])  # type: ignore[arg-type]


def _units_of_both(selection: TurnSelection | None, counted: Transcript, unit: str) -> tuple[Any, int]:
    """How many units the whole transcript has, and (for sentences) the counted text's units,
    found once: a sentence lies in one turn and depends on that turn's text alone, so the
    counted text's sentences are the counted turns' sentences of the whole, moved."""
    import numpy as np

    from tcoder.agreement.sentences import sentence_bounds
    from tcoder.agreement.units import word_bounds
    from tcoder.segments import unit_spans

    assert selection is not None
    original = selection.transcript
    if unit == "char":
        return None, len(original.text)
    if unit == "word":
        return None, len(word_bounds(original.text))
    if unit != "sentence":
        return None, len(unit_spans(original, unit))  # type: ignore[arg-type]
    bounds, per_turn = sentence_bounds(original.text, original.turns)
    first = np.concatenate([[0], np.cumsum(per_turn)])
    kept = np.array([turn.index for turn in selection.counted], dtype=np.int64)
    delta = np.array([there.start - turn.start for turn, there in zip(selection.counted, counted.turns, strict=True)],
                     dtype=np.int64)
    sizes = per_turn[kept]
    rows = np.repeat(first[kept] - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
    return bounds[rows] + np.repeat(delta, sizes)[:, None], len(bounds)


def _length(study, ref, data: CodingData) -> int:
    """Characters of a transcript that is not compared (for the share of the corpus double-coded);
    one that cannot be read counts as unknown."""
    from tcoder.errors import TcoderError

    try:
        return len(study.transcript(ref).text)
    except TcoderError:
        data.corpus_unknown.append(ref.name)
        return 0

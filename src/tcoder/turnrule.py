"""Which speaker turns count: the one rule behind agreement units, the uncoded-turn
jump of the coding screen, and the denominators of reports.

A turn counts unless its speaker's role in that transcript (``speakers.csv``) is
one of the roles left out for the purpose at hand (by default every role but
``participant``: interviewer, moderator, observer), or its speaker is named in
``tcoder.yaml``'s ``skip_speakers``. Text before the first speaker label, and
speakers the study has not described, count. Whoever uses the rule says what it
left out (:func:`describe`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

from tcoder.numbers import plural
from tcoder.participants import PARTICIPANT, ROLES, Participants
from tcoder.transcript import Transcript, Turn

Purpose = Literal["agreement", "uncoded_turns", "reports"]
PURPOSES: tuple[Purpose, ...] = ("agreement", "uncoded_turns", "reports")
DEFAULT_LEFT_OUT_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r != PARTICIPANT)


@dataclass(frozen=True)
class TurnRule:
    """Roles and speaker labels whose turns do not count."""

    left_out_roles: frozenset[str] = frozenset(DEFAULT_LEFT_OUT_ROLES)
    skip_speakers: frozenset[str] = frozenset()

    def reason(self, participants: Participants, transcript: str, speaker: str | None) -> str | None:
        """Why a speaker's turns do not count in a transcript, or None when they count."""
        if speaker is None:
            return None
        if speaker in self.skip_speakers:
            return "skip_speakers in tcoder.yaml"
        role = participants.role(transcript, speaker)
        if role is not None and role in self.left_out_roles:
            return role
        return None

    @property
    def leaves_out_nothing(self) -> bool:
        return not self.left_out_roles and not self.skip_speakers


@dataclass
class TurnSelection:
    """The turns of one transcript that count, and those left out, with the reason per speaker."""

    transcript: Transcript
    counted: list[Turn]
    left_out: list[Turn]
    reasons: dict[str, str] = field(default_factory=dict)  # speaker -> why left out
    described: bool = True  # the study has a speakers file saying who speaks

    @property
    def name(self) -> str:
        return self.transcript.name

    @property
    def everything_counts(self) -> bool:
        return not self.left_out

    def counts(self, turn: Turn) -> bool:
        return turn.speaker is None or turn.speaker not in self.reasons

    def left_out_turns(self) -> LeftOutTurns:
        return LeftOutTurns(self.left_out, self.reasons, self.described)

    def counted_ranges(self) -> list[tuple[int, int]]:
        """The text of the counted turns as sorted, disjoint [start, end) ranges (adjacent turns joined).
        With no turns at all the whole text counts."""
        text_length = len(self.transcript.text)
        if not self.transcript.turns:
            return [(0, text_length)] if text_length else []
        ranges: list[tuple[int, int]] = []
        first = self.transcript.turns[0].start
        if first > 0:  # blank lines before the first label belong to nobody: they count as they always did
            ranges.append((0, first))
        for turn in self.counted:
            if ranges and ranges[-1][1] == turn.start:
                ranges[-1] = (ranges[-1][0], turn.end)
            else:
                ranges.append((turn.start, turn.end))
        return ranges


def select_turns(transcript: Transcript, participants: Participants, rule: TurnRule) -> TurnSelection:
    """THE rule: which turns of ``transcript`` count under ``rule``."""
    counted: list[Turn] = []
    left_out: list[Turn] = []
    reasons: dict[str, str] = {}
    for turn in transcript.turns:
        why = reasons.get(turn.speaker) if turn.speaker is not None else None
        if why is None:
            why = rule.reason(participants, transcript.name, turn.speaker)
        if why is None:
            counted.append(turn)
        else:
            reasons[turn.speaker] = why  # type: ignore[index]
            left_out.append(turn)
    return TurnSelection(transcript, counted, left_out, reasons, participants.defined)


def parse_roles(value: str) -> frozenset[str]:
    """Roles from a command-line value: ``interviewer,moderator``, or ``none`` for no role.
    Raises ValueError naming an unknown role."""
    if value.strip().lower() == "none":
        return frozenset()
    roles = [r.strip().lower() for r in value.split(",") if r.strip()]
    for role in roles:
        if role not in ROLES:
            from tcoder.yamlsource import suggest

            raise ValueError(f"unknown role {role!r}{suggest(role, ROLES)}; roles are {', '.join(ROLES)}, "
                             "or 'none' to count every speaker")
    return frozenset(roles)


@dataclass
class LeftOutTurns:
    """What :func:`describe` needs of a transcript's :class:`TurnSelection`, without its text (small
    enough to send from a worker process)."""

    left_out: list[Turn]
    reasons: dict[str, str]
    described: bool


def describe(selections: Sequence[TurnSelection | LeftOutTurns], rule: TurnRule, purpose: str,
             extra: str = "", option: str | None = "--leave-out none") -> str:
    """One sentence on what the rule left out of ``purpose`` across transcripts."""
    left = [s for s in selections if s.left_out]
    if not left:
        if rule.leaves_out_nothing:
            return f"Every speaker's turns count for {purpose} (no role is left out)."
        roles = ", ".join(sorted(rule.left_out_roles)) or "none"
        if selections and not any(s.described for s in selections):
            return (f"Every turn counts for {purpose}: the study does not say who speaks ('tcoder participants "
                    f"fill' writes speakers.csv; then turns of {roles} are left out).")
        return f"No turns left out of {purpose}: no speaker has a left-out role ({roles})."
    turns = sum(len(s.left_out) for s in left)
    by_reason: dict[str, set[str]] = {}
    for s in left:
        for speaker, why in s.reasons.items():
            by_reason.setdefault(why, set()).add(speaker)
    who = "; ".join(f"{why}: {', '.join(sorted(speakers))}" for why, speakers in sorted(by_reason.items()))
    how = f" ({option} counts them)" if option else ""
    return (f"Left out of {purpose}: {plural(turns, 'turn')} of speakers who are not participants in "
            f"{len(left)} of {plural(len(selections), 'transcript')} ({who}){extra}{how}.")


def rule_for(left_out_roles: Iterable[str] | None, skip_speakers: Iterable[str] = ()) -> TurnRule:
    roles = DEFAULT_LEFT_OUT_ROLES if left_out_roles is None else left_out_roles
    return TurnRule(frozenset(roles), frozenset(skip_speakers))


@dataclass
class CountedText:
    """A transcript with the turns that do not count cut out, for measures that run over a
    continuum (agreement units, unitizing alpha). Every unit of the counted text is a unit of
    the original that lies in a counted turn, so a measure on it is the measure on the original
    with the left-out units removed."""

    transcript: Transcript  # the counted text, its turns carried over (not parsed again)
    pieces: list[tuple[int, int, int]]  # (original start, original end, counted start), in order

    def spans(self, spans: Iterable[tuple[str, int, int]]) -> tuple[list[tuple[str, int, int]], int]:
        """(code, start, end) spans moved onto the counted text, clipped to counted turns; a span over a
        left-out turn becomes one span (its parts meet once the turn is cut out). Returns the spans and
        how many fell entirely in left-out turns."""
        import bisect

        starts = [p[0] for p in self.pieces]
        moved: list[tuple[str, int, int]] = []
        dropped = 0
        for code, start, end in spans:
            i = max(bisect.bisect_right(starts, start) - 1, 0)
            new_start = new_end = None
            while i < len(self.pieces) and self.pieces[i][0] < end:
                lo, hi, at = self.pieces[i]
                s, e = max(start, lo), min(end, hi)
                if s < e:
                    if new_start is None:
                        new_start = at + s - lo
                    new_end = at + e - lo
                i += 1
            if new_start is None or new_end is None:
                dropped += 1
            else:
                moved.append((code, new_start, new_end))
        return moved, dropped


def counted_text(selection: TurnSelection) -> CountedText:
    """The counted text of a selection (the transcript itself when every turn counts)."""
    original = selection.transcript
    ranges = selection.counted_ranges()
    if selection.everything_counts:
        return CountedText(original, [(0, len(original.text), 0)])
    pieces: list[tuple[int, int, int]] = []
    parts: list[str] = []
    at = 0
    for start, end in ranges:
        pieces.append((start, end, at))
        parts.append(original.text[start:end])
        at += end - start
    text = "".join(parts)
    counted = Transcript(text, original.path, original.name, original.encoding, original.warnings,
                         original.speaker_pattern)
    import bisect

    piece_starts = [s for s, _, _ in pieces]
    moved_turns: list[Turn] = []
    for turn in selection.counted:
        lo, _, at = pieces[bisect.bisect_right(piece_starts, turn.start) - 1]
        delta = at - lo
        moved_turns.append(Turn(len(moved_turns), turn.start + delta, turn.end + delta, turn.speaker,
                                turn.body_start + delta, turn.timestamp))
    counted.__dict__["turns"] = moved_turns  # the original's turns, not a new parse of the joined text
    return CountedText(counted, pieces)

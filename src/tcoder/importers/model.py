"""What every importer produces: cues (one piece of speech, maybe with a speaker
and a start time) that are merged into speaker turns.

The rules are shared so that every format behaves the same way:

- a cue without a speaker continues the previous speaker's turn (text before
  the first speaker is a turn without a speaker, as in docs/formats.md#speaker-turns-and-segment-units);
- consecutive cues of one speaker merge into one turn;
- speaker names are cleaned so that ``Name:`` reads back as exactly that name
  with tcoder's default speaker pattern (no colon, at most 40 characters, no
  leading bracket or markup character).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tcoder.numbers import plural

#: The default speaker pattern allows names of at most this many characters.
MAX_SPEAKER_LENGTH = 40

_CLOCK = re.compile(r"(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{2})(?:[.,](?P<frac>\d{1,3}))?")

#: ``Name: text`` at the start of a line, optionally after a ``[hh:mm:ss]`` or
#: ``(hh:mm:ss)`` time. Like the default speaker pattern in transcript.py, but
#: names may be up to 80 characters here so that long display names (``Khan,
#: Ayesha (Dept. of Medicine)``) are found and shortened rather than missed.
#: Every line the default pattern takes for a label, this one does too.
LABEL = re.compile(
    r"[ \t]*(?:[\[(](?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)[\])][ \t]*)?"
    r"(?:\*\*|__)?(?P<speaker>[^:\s\[\]()*_][^:\n]{0,79}?)[ \t]*(?:\*\*|__)?:(?:\*\*|__)?"
    r"(?:[ \t]+|$)(?P<text>.*)",
    re.DOTALL,
)


@dataclass(slots=True)
class Cue:
    """One piece of speech as the source file has it."""

    text: str
    speaker: str | None = None
    start: float | None = None  # seconds from the start of the recording
    new_paragraph: bool = False  # starts a new paragraph when it continues a turn
    line: int | None = None  # where it starts in the source, for messages
    labelled: str | None = None  # the whole text, when ``speaker`` was read from a ``Name:`` in it


@dataclass(slots=True)
class Turn:
    """A speaker turn as it will be written: paragraphs of one speaker."""

    speaker: str | None
    start: float | None = None
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def parse_clock(value: str) -> float | None:
    """Seconds in ``h:mm:ss``, ``mm:ss``, ``hh:mm:ss.mmm`` or ``hh:mm:ss,mmm``; None if it is not a time."""
    m = _CLOCK.fullmatch(value.strip().strip("[]()"))
    if not m:
        return None
    seconds = int(m["h"] or 0) * 3600 + int(m["m"]) * 60 + int(m["s"])
    if m["frac"]:
        seconds += int(m["frac"]) / 10 ** len(m["frac"])
    return float(seconds)


def format_clock(seconds: float) -> str:
    """``hh:mm:ss`` (whole seconds, rounded down), the form the default speaker pattern reads."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def normalise_space(text: str) -> str:
    """Runs of white space (tabs, no-break spaces, line breaks) become one space."""
    return " ".join(text.split())


def split_label(line: str) -> tuple[str | None, float | None, str]:
    """``"[00:01:02] Dr. Khan: Right."`` -> ``("Dr. Khan", 62.0, "Right.")``; a line
    without a label -> ``(None, None, line)``."""
    m = LABEL.fullmatch(line)
    if not m:
        return None, None, line
    return m["speaker"].strip(), parse_clock(m["time"]) if m["time"] else None, m["text"]


_LEADING_GROUP = re.compile(r"[\[(]([^\[\]()]*)[\])]\s*(.*)")


class SpeakerNames:
    """Cleans speaker names and remembers what it changed, to report each change once."""

    def __init__(self) -> None:
        self._cache: dict[str, str | None] = {}
        self.warnings: list[str] = []

    def clean(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        if raw not in self._cache:
            name, why = _clean_name(raw)
            self._cache[raw] = name
            if why:
                self.warnings.append(f"speaker name {raw.strip()!r} {why}; written as {name!r}")
        return self._cache[raw]


def _clean_name(raw: str) -> tuple[str | None, str]:
    """A name the default speaker pattern reads back unchanged, and why it had to change (or "")."""
    name = normalise_space(raw).strip(" :*_")
    why: list[str] = []
    if ":" in name:
        name = re.sub(r"\s*:+\s*", " - ", name)
        why.append("contains a colon")
    group = _LEADING_GROUP.fullmatch(name)
    if group:  # "(Host) Ana" -> "Ana (Host)": a label cannot start with a bracket
        inner, rest = group[1].strip(), group[2].strip()
        name = f"{rest} ({inner})" if rest and inner else (rest or inner)
        why.append("starts with a bracket")
    stripped = name.lstrip("[]()*_- ").rstrip("*_ ")
    if stripped != name:
        name = stripped
        if "starts with a bracket" not in why:
            why.append("starts or ends with a bracket, dash or markup character")
    if len(name) > MAX_SPEAKER_LENGTH:
        cut = name[:MAX_SPEAKER_LENGTH + 1]
        space = cut.rfind(" ")
        name = cut[:space] if space > MAX_SPEAKER_LENGTH // 2 else cut[:MAX_SPEAKER_LENGTH]
        if name.count("(") > name.count(")"):  # "Khan, Ayesha (Department of" -> "Khan, Ayesha"
            name = name[:name.rfind("(")] or name
        name = name.rstrip(" ,;-([")
        why.append(f"is longer than {MAX_SPEAKER_LENGTH} characters")
    if not name:
        return None, ""
    return name, " and ".join(why)


def keep_consistent_labels(cues: list[Cue]) -> list[str]:
    """Keep a ``Name:`` at the start of a caption as its speaker only where the file uses that
    pattern consistently; otherwise the caption keeps its whole text. Subtitles are full of
    clauses that end in a colon ("Et à San Diego, un présentateur les surclassait tous:"). A
    file that names a speaker on every caption (Zoom) is taken at its word; in one that names
    speakers on at least a fifth of its captions, a name counts if it is used more than once;
    otherwise no ``Name:`` counts. Returns a warning when labels were set aside."""
    spoken = [c for c in cues if normalise_space(c.text) or c.labelled]
    labelled = [c for c in spoken if c.labelled is not None]
    if not labelled:
        return []
    counts: dict[str, int] = {}
    for cue in labelled:
        counts[cue.speaker or ""] = counts.get(cue.speaker or "", 0) + 1
    share = len(labelled) / len(spoken)
    if share == 1.0:  # every caption names its speaker (Zoom): a name used once is someone speaking once
        kept = set(counts)
    elif share >= 0.2:
        kept = {name for name, n in counts.items() if n >= 2}
    else:
        kept = set()
    dropped = [c for c in labelled if c.speaker not in kept]
    for cue in dropped:
        cue.text, cue.speaker, cue.labelled = cue.labelled or cue.text, None, None
    if not dropped:
        return []
    examples = list(dict.fromkeys(c.text.split(":", 1)[0].strip() for c in dropped))[:3]
    return [f"{plural(len(dropped), 'caption', 'starts')} with words and a colon that do not name a speaker anywhere else "
            f"({'; '.join(repr(e) for e in examples)}{' ...' if len(dropped) > 3 else ''}): their text is kept "
            "as it is, not read as a speaker"]


def merge_cues(cues: list[Cue]) -> list[Turn]:
    """Turns from cues: consecutive cues of one speaker, and cues without a
    speaker, join the current turn; empty cues are dropped."""
    turns: list[Turn] = []
    for cue in cues:
        text = normalise_space(cue.text)
        current = turns[-1] if turns else None
        starts_turn = cue.speaker is not None and (current is None or cue.speaker != current.speaker)
        if starts_turn or current is None:
            current = Turn(cue.speaker, cue.start)
            turns.append(current)
        if not text:
            continue
        if current.start is None:
            current.start = cue.start
        if current.paragraphs and not cue.new_paragraph:
            current.paragraphs[-1] += " " + text
        else:
            current.paragraphs.append(text)
    return _join_same_speaker([t for t in turns if t.paragraphs])


def _join_same_speaker(turns: list[Turn]) -> list[Turn]:
    """Dropping an empty turn can leave two turns of one speaker side by side."""
    joined: list[Turn] = []
    for turn in turns:
        if joined and turn.speaker is not None and joined[-1].speaker == turn.speaker:
            joined[-1].paragraphs.extend(turn.paragraphs)
        else:
            joined.append(turn)
    return joined

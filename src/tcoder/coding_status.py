"""Coding status: whether a coder has finished a transcript, and which coders count.

A coder marks a transcript *done* when their coding of it is complete; the mark
lives in the header of the coder's own annotation file (FORMAT: the ``status``
field), so it never conflicts with anyone else's work::

    "status": {"state": "done", "changed": "2026-04-01T10:00:00Z"}

Files that tcoder creates while a coder codes start as ``in-progress``. Files
written before coding status existed (or by other programs) have no ``status``:
they are *unmarked*.

:func:`coders_for` is the one rule for which coders' files count for a
transcript in agreement, compare and reports:

- a file marked ``done`` counts, even without annotations ("I read it and
  nothing applies" is a judgement);
- with the default policy (``done``), an ``in-progress`` file does not count;
- an unmarked file counts when it holds annotations (the way studies were read
  before coding status existed), and is noted;
- an empty file that is not marked done never counts: coding something and
  undoing it leaves an empty file, which is not a coder's judgement;
- with the policy ``any`` (``--include-unfinished``), every file with
  annotations counts, finished or not.

Every coder left out comes with the reason, so commands can say who and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Literal, Sequence

from tcoder.annotations import AnnotationFile, now_iso

if TYPE_CHECKING:
    from tcoder.study import LoadedAnnotations, Study, TranscriptRef

STATUS_FIELD = "status"
State = Literal["done", "in-progress", "unmarked"]
DONE: State = "done"
IN_PROGRESS: State = "in-progress"
UNMARKED: State = "unmarked"
NO_FILE = "no file"
STATES: tuple[State, ...] = (DONE, IN_PROGRESS)

Policy = Literal["done", "any"]
POLICIES: tuple[Policy, ...] = ("done", "any")


@dataclass(frozen=True)
class FileStatus:
    """The status a file's header records."""

    state: State
    changed: str | None = None  # when it was last marked (UTC, ISO 8601)
    problem: str | None = None  # the field is there but not readable: treated as unmarked

    @property
    def done(self) -> bool:
        return self.state == DONE


def status_record(state: str, when: str | None = None) -> dict[str, str]:
    """The header value that records ``state`` (``done`` or ``in-progress``) now or at ``when``."""
    if state not in STATES:
        raise ValueError(f"unknown coding status {state!r}; expected one of {', '.join(STATES)}")
    return {"state": state, "changed": when or now_iso()}


def parse_status(raw: Any) -> FileStatus:
    """Read the ``status`` header value; anything unreadable is unmarked, with the problem."""
    if raw is None:
        return FileStatus(UNMARKED)
    if isinstance(raw, dict):
        state = raw.get("state")
        changed = raw.get("changed")
        if state in STATES and (changed is None or isinstance(changed, str)):
            return FileStatus(state, changed)
    return FileStatus(UNMARKED, problem=(
        "the 'status' field in the header must be {\"state\": \"done\" or \"in-progress\", \"changed\": "
        "\"<UTC time>\"}; it is read as unmarked"))


def file_status(af: AnnotationFile) -> FileStatus:
    return parse_status(af.extra.get(STATUS_FIELD))


def status_of_file(path) -> FileStatus | None:
    """The status a coder's file records, reading only its header (None: no readable file)."""
    from tcoder.annotations import read_header

    header = read_header(path)
    return None if header is None else parse_status(header.get(STATUS_FIELD))


def state_label(status: FileStatus | None) -> str:
    """How lists show a coder's status on a transcript."""
    if status is None:
        return NO_FILE
    return {DONE: "done", IN_PROGRESS: "in progress", UNMARKED: "unmarked"}[status.state]


def with_status(af: AnnotationFile, state: str, when: str | None = None) -> AnnotationFile:
    """A copy of ``af`` whose header records ``state``; annotations and other fields unchanged."""
    extra = dict(af.extra)
    extra[STATUS_FIELD] = status_record(state, when)
    return AnnotationFile(af.coder, af.transcript, af.text_sha256, list(af.annotations), af.format, extra)


# ---------------------------------------------------------------- which coders count


@dataclass(frozen=True)
class CoderStatus:
    """One coder on one transcript: their file's status and whether it counts."""

    coder: str
    state: str  # done, in-progress, unmarked or "no file"
    annotations: int  # placed annotations (orphaned ones are not counted)
    counted: bool
    reason: str  # why it is left out, or a note on why it counts; "" for a plain done file
    changed: str | None = None

    @property
    def note(self) -> str:
        """A sentence for the user, naming the coder."""
        return f"{self.coder}: {self.reason}" if self.reason else ""


def decide(coder: str, status: FileStatus | None, annotations: int, policy: Policy = "done") -> CoderStatus:
    """Whether one coder's file counts (``status`` None: the coder has no file)."""
    if status is None:
        return CoderStatus(coder, NO_FILE, 0, False, "has no annotation file")
    state = status.state
    if state == DONE:
        reason = "marked done with no annotations: counted as 'nothing applies'" if annotations == 0 else ""
        return CoderStatus(coder, state, annotations, True, reason, status.changed)
    if annotations == 0:
        why = ("an empty file that is not marked done (coding something and undoing it leaves one) is not "
               "a judgement")
        return CoderStatus(coder, state, 0, False, why, status.changed)
    if state == IN_PROGRESS:
        if policy == "any":
            return CoderStatus(coder, state, annotations, True, "still coding (not marked done), counted because "
                               "unfinished coders were included", status.changed)
        return CoderStatus(coder, state, annotations, False, "still coding (not marked done)", status.changed)
    return CoderStatus(coder, state, annotations, True,
                       "file without a coding status (written before tcoder recorded one, or by another "
                       "program), counted because it has annotations", status.changed)


@dataclass
class TranscriptCoders:
    """Which of the asked-for coders count for one transcript, and why the others do not."""

    ref: TranscriptRef
    statuses: dict[str, CoderStatus] = field(default_factory=dict)
    loaded: dict[str, LoadedAnnotations] = field(default_factory=dict)  # every coder with a file

    @property
    def counted(self) -> list[str]:
        return [c for c, s in self.statuses.items() if s.counted]

    @property
    def left_out(self) -> list[CoderStatus]:
        """Coders with a file that does not count (coders without a file are not listed)."""
        return [s for s in self.statuses.values() if not s.counted and s.state != NO_FILE]

    @property
    def unmarked(self) -> list[CoderStatus]:
        return [s for s in self.statuses.values() if s.counted and s.state == UNMARKED]


def coders_for(study: Study, ref: TranscriptRef, coders: Sequence[str] | None = None,
               policy: Policy = "done") -> TranscriptCoders:
    """Which of ``coders`` (default: every coder with a file for ``ref``) count for the transcript.

    Reads each coder's file through the study (unreadable files raise, as
    ``study.load_annotations`` does); the loaded files are kept in the result so
    callers need not read them twice.
    """
    have = study.coders_of(ref)
    wanted = list(have) if coders is None else list(coders)
    result = TranscriptCoders(ref)
    for coder in wanted:
        if coder not in have:
            result.statuses[coder] = decide(coder, None, 0, policy)
            continue
        loaded = study.load_annotations(ref, coder)
        result.loaded[coder] = loaded
        result.statuses[coder] = decide(coder, file_status(loaded.file), len(loaded.annotations), policy)
    return result


def policy_of(study: Study, include_unfinished: bool = False) -> Policy:
    """The study's policy (tcoder.yaml ``include_unfinished``), or ``any`` when asked on the command line."""
    if include_unfinished or study.settings.include_unfinished:
        return "any"
    return "done"


def summarise(left_out: Iterable[tuple[str, CoderStatus]], limit: int = 6) -> list[str]:
    """Sentences grouping left-out files by reason: 'bob (P01.txt, P02.txt): still coding ...'."""
    by_reason: dict[str, list[tuple[str, str]]] = {}
    for transcript, status in left_out:
        by_reason.setdefault(status.reason, []).append((status.coder, transcript))
    out = []
    for reason, items in by_reason.items():
        by_coder: dict[str, list[str]] = {}
        for coder, transcript in items:
            by_coder.setdefault(coder, []).append(transcript)
        parts = []
        for coder, names in by_coder.items():
            shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
            parts.append(f"{coder} ({shown})")
        out.append(f"{'; '.join(parts)}: {reason}")
    return out


# ---------------------------------------------------------------- marking


@dataclass(frozen=True)
class MarkResult:
    transcript: str
    coder: str
    state: str
    previous: FileStatus | None  # None: there was no file
    annotations: int
    changed: bool  # False when the file already said so


def mark(study: Study, ref: TranscriptRef, coder: str, state: str) -> MarkResult:
    """Record ``state`` (done or in-progress) in ``coder``'s file for ``ref``, under the writer lock.

    Only the ``status`` field changes: annotations, offsets and other fields are
    written back as they were. Marking a transcript done without a file creates an
    empty one: the coder read it and nothing applies.
    """
    from tcoder.annotations import AnnotationLock, read_annotations, save_annotations

    path = ref.annotation_path(coder)
    with AnnotationLock(path, coder=coder, purpose=f"tcoder status ({'done' if state == DONE else 'reopen'})"):
        if path.exists():
            af = read_annotations(path)
            previous: FileStatus | None = file_status(af)
        else:
            af = AnnotationFile(coder, ref.file_name, study.transcript(ref).sha256)
            previous = None
        placed = sum(1 for a in af.annotations if not a.orphaned)
        if previous is not None and previous.state == state:
            return MarkResult(ref.name, coder, state, previous, placed, False)
        save_annotations(with_status(af, state), path)
    return MarkResult(ref.name, coder, state, previous, placed, True)

"""Codebook operations made from a live coding session (the coding screen).

A study-wide operation (:mod:`tcoder.codebook_ops`) reads and rewrites every
coder's annotation files. The session making it holds its own file's lock, so
the operation is told so (``held``) and writes that file too; the session first
puts every change of its own on disk, and afterwards takes the operation's
writes in (three-way merge, as for any change made on disk). The operation is
also told which codebook the screen shows (``expected_sha256``), so an edit made
in another window meanwhile is never overwritten.

The in-vivo code is the one operation that needs the session's text: the
selected words (trimmed as coding trims) name the new code, which codes the
selection in the same step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from tcoder.annotations import AnnotationFile, new_annotation
from tcoder.changeset import Operation
from tcoder.codebook_ops import OperationRefused, Outcome, in_vivo_name, new_code, undo_operation
from tcoder.errors import Problem
from tcoder.segments import trim_span
from tcoder.session import CodingSession
from tcoder.study import Study, open_study


@dataclass
class SessionOutcome:
    """An operation made from a session, and what the session took in afterwards."""

    outcome: Outcome
    #: annotations of this file still carrying old ids, now shown under the new codes
    mapped: int = 0

    @property
    def operation_id(self) -> str | None:
        op = self.outcome.operation
        return op.id if op is not None else None


def _refuse(message: str, path: Any = None) -> OperationRefused:
    return OperationRefused(Problem(message + "; nothing was changed", path))


def prepare(session: CodingSession) -> None:
    """Put every change of the session on disk before an operation reads its file."""
    if session.read_only:
        raise _refuse(session.read_only_short or "this transcript is open read-only", session.path)
    session.flush()
    if session.dirty or not session.path.exists():
        # ``force`` also writes a file not created yet, so the operation finds this coder's header
        session.save(force=True)
    if session.dirty:
        raise _refuse(f"your last change to {session.path.name} is not saved ({session.save_state.message})",
                      session.path)


def current_study(session: CodingSession) -> Study:
    """The study as it is on disk now. The session's study listed its files when it was
    opened; coders (this one included) may have started transcripts since, and an
    operation must reach every file."""
    return open_study(session.study.root)


def take_in(session: CodingSession) -> int:
    """After an operation: show the codebook as it is now, merge what the operation wrote
    into the session (not news to report: the screen says what it did), and map old
    ids left in it."""
    session.study.reload_codebook()
    session.adopt_disk()
    session.take_report()
    return session.remap_codes()


def operate(session: CodingSession, run: Callable[..., Outcome], *args: Any, dry_run: bool = False,
            **kwargs: Any) -> SessionOutcome:
    """Run a :mod:`tcoder.codebook_ops` operation from ``session`` (``run(study, *args, **kwargs)``).

    A dry run only plans (the session need not save first: it reads the files as they are)."""
    expected = session.study.codebook.source_sha256 or None  # the codebook the screen shows
    study = current_study(session)
    if dry_run:
        outcome = run(study, *args, held=[session.path], expected_sha256=expected, dry_run=True, **kwargs)
        return SessionOutcome(outcome)
    prepare(session)
    outcome = run(study, *args, held=[session.path], expected_sha256=expected, **kwargs)
    return SessionOutcome(outcome, take_in(session))


def in_vivo(session: CodingSession, start: int, end: int, *, name: str | None = None,
            parent: str | None = None, key: str | None = None, who: str | None = None,
            dry_run: bool = False) -> SessionOutcome:
    """Create a code named by the words of [start, end) and code that passage with it, in one step."""
    text = session.transcript.text
    start, end = trim_span(text, start, end)
    if start >= end:
        raise _refuse("select the words to name the code with first", session.path)
    name = name if name is not None else in_vivo_name(text[start:end])
    if not name:
        raise _refuse("the selection holds no words to name a code with", session.path)
    annotation = new_annotation("in-vivo", start, end, text)
    empty = AnnotationFile(session.coder, session.ref.file_name, session.transcript.sha256)
    return operate(session, new_code, name, parent=parent, key=key, apply_to=(session.path, session.coder,
                   annotation, empty), who=who, why="in-vivo: the participant's words", dry_run=dry_run)


def undo(session: CodingSession, op_id: str | None = None, *, who: str | None = None) -> Operation:
    """Undo a codebook operation (the latest by default) from ``session``: every file it
    wrote back byte for byte, this session's own file included. Returns the undo's record."""
    prepare(session)
    operation = undo_operation(current_study(session), op_id, who=who, held=[session.path])
    take_in(session)
    return operation


__all__ = ["SessionOutcome", "current_study", "in_vivo", "operate", "prepare", "take_in", "undo"]

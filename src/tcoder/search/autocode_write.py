"""Applying an autocode batch: every accepted passage of a :class:`~tcoder.search.autocode.Plan`
written into the coder's annotation files as one operation (tcoder.changeset):
crash-safe, recorded in the study's journal, undone byte for byte.

Each annotation the batch creates carries the ``autocode`` marker (the query that
found it and the operation's id, see docs/formats.md), so reports and agreement can
tell autocoded passages from a coder's own. Applying looks at each file again under
the study's operation lock: a passage coded meanwhile with the same code is left out
(a passage is never coded twice with the same code), and a file that another window
is writing (its writer lock is held) is left as it is and named in the outcome, as is
one that cannot be read. Files the caller's own coding sessions hold are passed as
``held``: the caller has saved them first and merges them from disk afterwards.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from tcoder.annotations import (
    AUTOCODE_FIELD,
    AnnotationLock,
    encode_annotations,
    new_annotation,
)
from tcoder.changeset import ChangeSet, Operation, find_operation, new_operation_id, operation_lock, undo
from tcoder.coding_status import IN_PROGRESS, with_status
from tcoder.errors import LockedError, Problem, TcoderError
from tcoder.numbers import plural
from tcoder.search.autocode import Candidate, Plan
from tcoder.search.engine import merge_spans
from tcoder.study import Study

#: The kind of operation an autocode batch records (see ``tcoder undo``).
AUTOCODE_KIND = "autocode"


class AutocodeRefused(TcoderError):
    """A batch (or its undo) that cannot be made as asked; nothing was changed."""


@dataclass
class LeftOut:
    """A transcript whose passages the batch could not code, and why."""

    transcript: str
    passages: int
    reason: str


@dataclass
class Applied:
    """What applying a plan did."""

    plan: Plan
    operation: Operation | None  # None: nothing was left to code
    coded: int = 0
    files: int = 0
    coded_meanwhile: int = 0  # accepted passages found coded with the code when applying
    left_out: list[LeftOut] = field(default_factory=list)

    def summary(self) -> str:
        plan = self.plan
        files = f"{plural(self.files, 'file')}"
        parts = [f"coded {plural(self.coded, 'passage')} as {plan.code} for {plan.coder} "
                 f"in {files}"]
        if self.operation is not None:
            parts[0] += f" (one step: tcoder undo {self.operation.id})"
        already = plan.already + self.coded_meanwhile
        if already:
            parts.append(f"{already} already coded {plan.code} (left as they are)")
        if plan.skipped:
            parts.append(f"{plan.skipped} skipped in review")
        for left in self.left_out:
            parts.append(f"{left.passages} in {left.transcript} not coded: {left.reason}")
        return "; ".join(parts)


def _claim(path: Path, coder: str, locks: list[AnnotationLock]) -> str | None:
    """Take the file's writer lock; the reason it cannot be written when another window holds it."""
    lock = AnnotationLock(path, coder=coder, purpose="an autocode batch")
    try:
        lock.acquire()
    except LockedError as exc:
        if exc.holder:
            return f"{path.name} {exc.problems[0].message}"
        raise AutocodeRefused([*exc.problems, Problem("nothing was changed")]) from None
    locks.append(lock)
    return None


def apply_plan(study: Study, plan: Plan, *, who: str = "", note: str = "",
               held: Iterable[Path] = ()) -> Applied:
    """Write the plan's accepted passages as one recorded operation."""
    held_paths = {Path(p).absolute() for p in held}
    by_transcript: dict[str, list[Candidate]] = {}
    for candidate in plan.to_apply:
        by_transcript.setdefault(candidate.transcript, []).append(candidate)
    outcome = Applied(plan, None)
    if not by_transcript:
        return outcome
    if plan.code not in study.codebook:
        raise AutocodeRefused(Problem(f"no code {plan.code!r} in the codebook (was it renamed?); nothing was changed",
                                      study.codebook_path))
    op_id = new_operation_id()
    marker = {"query": plan.source, "operation": op_id}
    locks: list[AnnotationLock] = []
    with operation_lock(study.root, who=who or plan.coder, purpose="an autocode batch"):
        try:
            change = ChangeSet(study.root, AUTOCODE_KIND, "", who=who or plan.coder, note=note, op_id=op_id)
            known = study.known_codes()
            written: list[str] = []
            for name, candidates in by_transcript.items():
                ref = study.find(name)
                path = study.annotation_files(ref).get(plan.coder) or ref.annotation_path(plan.coder)
                if path.absolute() not in held_paths:
                    reason = _claim(path, plan.coder, locks)
                    if reason is not None:
                        outcome.left_out.append(LeftOut(name, len(candidates), reason))
                        continue
                try:
                    raw: bytes | None = path.read_bytes()
                except FileNotFoundError:
                    raw = None
                try:
                    loaded = study.load_annotations(ref, plan.coder, known)
                except TcoderError as exc:
                    outcome.left_out.append(LeftOut(name, len(candidates), f"{path.name} cannot be read "
                                                    f"({exc.problems[0].message}); fix it and run the batch again"))
                    continue
                af = loaded.file if raw is not None else with_status(loaded.file, IN_PROGRESS)
                text = study.transcript(ref).text
                covered = merge_spans((a.start, a.end) for a in af.annotations
                                      if a.code == plan.code and not a.orphaned)
                added = 0
                for c in candidates:
                    if _within(covered, c.start, c.end):
                        outcome.coded_meanwhile += 1
                        continue
                    annotation = new_annotation(plan.code, c.start, c.end, text)
                    annotation.extra[AUTOCODE_FIELD] = dict(marker)
                    af.annotations.append(annotation)
                    covered = merge_spans([*covered, (c.start, c.end)])
                    added += 1
                if not added:
                    continue
                change.write(path, encode_annotations(af), before=raw)
                outcome.coded += added
                written.append(name)
            outcome.files = len(written)
            if not outcome.coded:
                return outcome
            change.label = (f"autocode {plural(outcome.coded, 'passage')} as {plan.code} "
                            f"for {plan.coder} ({plan.source})")
            change.meta = {"code": plan.code, "coder": plan.coder, "query": plan.source,
                           "passages": outcome.coded, "transcripts": written}
            outcome.operation = change.apply()
        finally:
            for lock in locks:
                lock.release()
    if outcome.operation is not None:
        for name in written:
            study.track_annotation_file(name, plan.coder)
    return outcome


def _within(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


def undo_autocode(study: Study, op_id: str, *, who: str = "", why: str = "",
                  held: Iterable[Path] = ()) -> Operation:
    """Take an autocode batch back, every file byte for byte, as one recorded step.
    Refused, with nothing changed, while another window writes one of its files, or
    when one changed since (then each is named)."""
    held_paths = {Path(p).absolute() for p in held}
    locks: list[AnnotationLock] = []
    with operation_lock(study.root, who=who, purpose="undoing an autocode batch"):
        try:
            operation = find_operation(study.root, op_id)
            if operation.kind != AUTOCODE_KIND:
                raise AutocodeRefused(Problem(f"{operation.id} is not an autocode batch", study.root))
            busy = []
            coder = str(operation.meta.get("coder") or "")
            for record in operation.files:
                path = (study.root / record.path).absolute()
                if path not in held_paths:
                    reason = _claim(path, coder, locks)
                    if reason is not None:
                        busy.append(reason)
            if busy:
                raise AutocodeRefused(Problem(f"cannot undo '{operation.label}' while another window writes its "
                                              f"files ({'; '.join(busy[:3])}); close it and try again. Nothing was "
                                              "changed", study.root))
            done = undo(study.root, operation.id, who=who, note=why)
        finally:
            for lock in locks:
                lock.release()
    for name in operation.meta.get("transcripts") or []:
        try:
            study.track_annotation_file(str(name), coder)
        except TcoderError:
            continue
    return done


__all__ = ["AUTOCODE_KIND", "Applied", "AutocodeRefused", "LeftOut", "apply_plan", "undo_autocode"]

"""Undo and redo: each coding action is a step of changes, every change holding an
annotation's (or a header field's) state before and after it.

Steps hold annotation objects, which the session never changes in place, so
"is the session still where this step left it" is an identity or equality test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tcoder.annotations import Annotation

#: How many coding actions undo can reach back (at least 100).
HISTORY_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Change:
    """One annotation's state before and after a step; ``None`` means absent."""

    id: str
    before: Annotation | None
    after: Annotation | None


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


#: A header field that is not in the file (the before or after of a :class:`HeaderChange`).
ABSENT: Any = _Absent()


@dataclass(frozen=True, slots=True)
class HeaderChange:
    """One header field's value before and after a step; :data:`ABSENT` means not there.
    Values are JSON data and are never changed in place."""

    key: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Step:
    label: str
    changes: tuple[Change, ...]
    header: tuple[HeaderChange, ...] = ()

    @property
    def focus(self) -> Annotation | None:
        """The annotation to show after undoing or redoing this step."""
        for change in self.changes:
            if change.after is not None or change.before is not None:
                return change.after or change.before
        return None


class History:
    """Undo and redo stacks of steps, the oldest dropped beyond ``limit``."""

    def __init__(self, limit: int = HISTORY_LIMIT):
        self.limit = limit
        self.undo_stack: list[Step] = []
        self.redo_stack: list[Step] = []

    def record(self, step: Step) -> None:
        """A new step: it can be undone, and nothing undone before it can be redone."""
        self.undo_stack.append(step)
        if len(self.undo_stack) > self.limit:
            del self.undo_stack[: len(self.undo_stack) - self.limit]
        self.redo_stack.clear()

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)


__all__ = ["ABSENT", "Change", "HISTORY_LIMIT", "HeaderChange", "History", "Step"]

"""The coding session: one coder's annotations on one transcript, changed by
coding actions and saved as they change (see the package's docstring).

Annotation objects are never changed in place once the session holds them: a
change replaces the object. Undo, the merge base and the writer's line cache
rely on that.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from tcoder.anchoring import AnchorResult
from tcoder.annotations import (
    Annotation,
    AnnotationFile,
    AnnotationLock,
    LineCache,
    fill_line_cache,
    new_annotation,
    now_iso,
    read_annotation_version,
    reanchor,
    save_annotations,
    unsavable_character,
    version_digest,
)
from tcoder.codebook import Codebook
from tcoder.codebook_history import migrate_file
from tcoder.coding_status import (
    DONE,
    IN_PROGRESS,
    STATUS_FIELD,
    FileStatus,
    parse_status,
    status_record,
    with_status,
)
from tcoder.errors import LockedError, Problem, TcoderError
from tcoder.gcpause import keep_as_long_lived, return_free_memory
from tcoder.merge import (
    CONFLICT_FIELD,
    ConflictRecordError,
    conflict_record,
    merge_annotations,
    merge_fields,
    read_conflict,
)
from tcoder.quotes import shorten
from tcoder.segments import sentences_in, trim_span
from tcoder.session.disk import SyncReport, disk_stamp
from tcoder.session.history import ABSENT, Change, HeaderChange, History, Step
from tcoder.session.saving import LARGE_FILE_BYTES, SavePolicy, SaveState, Schedule
from tcoder.session.spans import SpanIndex
from tcoder.study import Study, TranscriptRef
from tcoder.transcript import Transcript
from tcoder.turnrule import TurnSelection


class SessionError(TcoderError):
    """An action the session refuses, with the reason for the user (read-only, empty selection...)."""


# ---------------------------------------------------------------- results


@dataclass(slots=True)
class ApplyResult:
    annotation: Annotation
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- the session


def _same(a: Annotation | None, b: Annotation | None) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or a.to_dict() == b.to_dict()


def _described(a: Annotation) -> str:
    """An annotation as a person recognises it: its words and its code."""
    return f"{shorten(a.quote, 40)!r} ({a.code})" if a.quote else f"[{a.start}, {a.end}) ({a.code})"


def _check_savable(memo: str | None) -> None:
    bad = unsavable_character(memo)
    if bad:
        raise SessionError(f"the memo holds {bad}, an unpaired surrogate that is not a character and cannot be "
                           "saved; remove it")


class CodingSession:
    """One coder's annotations on one transcript, saved as they change."""

    def __init__(self, study: Study, ref: TranscriptRef | str, coder: str, *, read_only: bool = False,
                 background_save: bool = False,
                 schedule_save: Schedule | None = None,
                 slow_save_seconds: float | None = None,
                 read_large_later: bool = False):
        """Open ``coder``'s annotations of ``ref``. Without ``read_only`` the session
        takes the file's lock, or becomes read-only (with the reason) when another
        process holds it. ``read_only`` opens a view that never writes, e.g. another
        coder's file in a comparison. With ``background_save`` each change is written
        on a thread. ``schedule_save`` runs each change's save: a screen passes
        "right after the next frame", so a change is drawn first and written a few
        milliseconds later instead of competing with the drawing; without it the
        save starts at once. With ``slow_save_seconds``, saves start in the caller's
        thread (the change and its save land in one frame) until saves take longer
        than that (a network folder, a busy disk): from then on each change is
        saved on a thread, as ``schedule_save`` arranges (see
        :class:`~tcoder.session.saving.SavePolicy`). With ``read_large_later``, a file of
        :data:`~tcoder.session.saving.LARGE_FILE_BYTES` or more is not read yet: the
        session holds no annotations and refuses changes (:attr:`loading`) until
        :meth:`finish_loading`, so a screen can show the transcript first."""
        self.study = study
        self.ref = study.find(ref) if isinstance(ref, str) else ref
        self.coder = coder
        self.transcript: Transcript = study.transcript(self.ref)
        self.path: Path = self.ref.annotation_path(coder)
        self.history = History()
        self.save_state = SaveState()
        self.read_only = False
        self.read_only_reason = ""
        self.read_only_short = ""  # the reason in a few words, for a flash message
        self.revision = 0  # bumped on every change of the annotation set
        self._dirty = False
        self._lock: AnnotationLock | None = None
        self._line_cache: LineCache = {}
        self._state_lock = threading.Lock()
        self._policy = SavePolicy(self._write, background=background_save, schedule=schedule_save,
                                  slow_seconds=slow_save_seconds)
        #: called after each write (on the saving thread when saving in the background)
        self.on_saved: Callable[[], None] | None = None
        self._index: SpanIndex | None = None
        self._disk_problem: list[Problem] = []
        self.unseen_report: SyncReport | None = None
        self._closed = False
        if read_only:
            self.read_only = True
            self.read_only_reason = f"read-only: {coder}'s annotations, opened for reading"
            self.read_only_short = "read-only: these annotations are open for reading only"
        else:
            self._take_lock()
        #: the file is still to be read (see ``read_large_later``): no annotations yet, no changes
        self.loading = read_large_later and _file_size(self.path) >= LARGE_FILE_BYTES
        if self.loading:
            self._set_unread()
        else:
            self._read()

    def _set_unread(self) -> None:
        """The state before :meth:`finish_loading`: nothing read, nothing to save."""
        self.load_problems: list[Problem] = []
        self.anchors: list[AnchorResult] = []
        self._header = AnnotationFile(self.coder, self.ref.file_name, self.transcript.sha256)
        self._header_base: dict[str, Any] = {}
        self._annotations: dict[str, Annotation] = {}
        #: the file as last read or written (the base of a merge with the file on disk)
        self._base: list[Annotation] = []
        self._stamp = disk_stamp(self.path)
        self._versions: set[bytes] = set()
        if self.read_only:
            self.save_state = SaveState("read-only", message=self.read_only_reason)

    def finish_loading(self) -> None:
        """Read the file a session opened with ``read_large_later`` put off (nothing when it
        is read already). On an unreadable file the session is closed and the error raised,
        as opening it would have."""
        if not self.loading:
            return
        try:
            self._read()
        except BaseException:
            self.close()
            raise
        self.loading = False
        self._index = None
        self.revision += 1

    def _read(self) -> None:
        study, coder = self.study, self.coder
        try:
            loaded = study.load_annotations(self.ref, coder, study.known_codes())
        except BaseException:
            self.close()
            raise
        self.load_problems = list(loaded.problems)
        #: where re-anchoring put each annotation when the transcript had changed since the file was written
        self.anchors = list(loaded.anchors)
        self._header = loaded.file
        self._header_base = dict(loaded.file.extra)  # header fields as last read or written
        if not self.read_only and not self.path.exists():
            # A file this session creates records that its coder is still coding it
            # (until they mark it done); the file is written with the first change.
            self._header = with_status(loaded.file, IN_PROGRESS)
        self._annotations = {a.id: a for a in loaded.file.annotations}
        self._base = list(loaded.file.annotations)  # the file as last read or written
        self._stamp = disk_stamp(self.path)
        #: digests of every version of the file this session read or wrote: one seen on disk
        #: again later is an older version written back (see sync), not someone's deletions
        self._versions = set()
        try:
            self._versions.add(version_digest(self.path.read_bytes()))
        except OSError:
            pass
        self._dirty = False
        if self.read_only:
            self.save_state = SaveState("read-only", message=self.read_only_reason)
        else:
            try:
                size = self.path.stat().st_size
            except OSError:
                size = 0
            self._policy.expect_large(size, self._line_encoder)

    # ------------------------------------------------------------ locking

    def _take_lock(self) -> bool:
        lock = AnnotationLock(self.path, coder=self.coder)
        try:
            lock.acquire()
        except LockedError as exc:
            self.read_only = True
            if exc.cannot_write:  # nobody else: the folder itself cannot be written
                self.read_only_reason = (f"read-only: {self.path.name}: {exc.problems[0].message}. You can read "
                                         "here; coding needs a folder tcoder can write to.")
                self.read_only_short = "read-only: this folder cannot be written (see the banner above)"
            else:
                self.read_only_short = "read-only: another window is writing this file (see the banner above)"
                self.read_only_reason = (f"read-only: {self.path.name} {exc.problems[0].message}. "
                                         "Close the other window to code here.")
            return False
        self._lock = lock
        self.read_only = False
        self.read_only_reason = ""
        return True

    def try_write_access(self) -> bool:
        """In read-only mode, take the lock if it has been released; True once writable."""
        if not self.read_only:
            return True
        if self._closed or self.read_only_reason.endswith("opened for reading"):
            return False
        if not self._take_lock():
            return False
        self.sync(force=True)
        self.save_state = SaveState("unchanged", message="the other window closed: you can code here now")
        return True

    def close(self) -> None:
        """Finish writing, then release the lock. Every change is then on disk (or
        ``save_state`` says why not)."""
        if self._closed:
            return
        if self._dirty and not self.read_only:
            self.save()
        self._policy.stop()
        self._closed = True
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "CodingSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ reading

    @property
    def codebook(self) -> Codebook:
        return self.study.codebook

    @property
    def annotations(self) -> list[Annotation]:
        """The placed annotations (orphaned ones are kept in the file but not shown), in text order."""
        return self.index.items

    @property
    def all_annotations(self) -> list[Annotation]:
        """Everything in the file, orphaned annotations included."""
        return sorted(self._annotations.values(), key=Annotation.sort_key)

    @property
    def orphaned(self) -> list[Annotation]:
        return [a for a in self.all_annotations if a.orphaned]

    @property
    def index(self) -> SpanIndex:
        if self._index is None:
            self._index = SpanIndex(a for a in self._annotations.values() if not a.orphaned)
        return self._index

    def get(self, annotation_id: str) -> Annotation | None:
        return self._annotations.get(annotation_id)

    def at(self, offset: int) -> list[Annotation]:
        return self.index.at(offset)

    def counts(self) -> Counter[str]:
        """Annotations per code in this transcript (kept up to date by the index)."""
        return Counter(self.index.counts)

    @property
    def can_undo(self) -> bool:
        return self.history.can_undo

    # ------------------------------------------------------------ coding actions

    def _check_writable(self) -> None:
        if self._closed:
            raise SessionError("this coding session is closed")
        if self.loading:
            raise SessionError(f"{self.path.name} is still being read: try again in a moment")
        if self.read_only:
            raise SessionError(self.read_only_reason or "read-only")

    def _check_code(self, code: str) -> None:
        if code not in self.codebook.codes:
            raise SessionError(f"there is no code {code!r} in the codebook")

    def apply(self, code: str, start: int, end: int, memo: str | None = None,
              extra: dict[str, Any] | None = None) -> ApplyResult:
        """Code the passage [start, end), trimmed of surrounding white space. ``extra``
        adds further fields to the annotation (e.g. ``sources`` in a consensus)."""
        self._check_writable()
        self._check_code(code)
        text = self.transcript.text
        start, end = trim_span(text, start, end)
        if start >= end:
            raise SessionError("nothing to code: select some text first (shift+arrows, or the sentence or "
                               "turn keys)")
        _check_savable(memo)
        for a in self.index.overlapping(start, end):
            if a.code == code and a.start == start and a.end == end:
                raise SessionError(f"this passage already has the code {self.codebook[code].name!r}")
        annotation = new_annotation(code, start, end, text, memo)
        if extra:
            annotation = annotation.copy(**extra)
        warnings = self._domain_warnings(annotation)
        self._commit(f"apply {self.codebook[code].name}", [Change(annotation.id, None, annotation)])
        return ApplyResult(annotation, warnings)

    def _domain_warnings(self, annotation: Annotation) -> list[str]:
        domain = self.codebook.domain_of(annotation.code)
        if domain is None:
            return []
        clashes = sorted({a.code for a in self.index.overlapping(annotation.start, annotation.end)
                          if a.code != annotation.code and a.code in domain.children})
        if not clashes:
            return []
        names = ", ".join(self.codebook[c].name for c in clashes)
        return [f"overlaps {names}: '{domain.name}' takes one value per passage"]

    def _require(self, annotation_id: str) -> Annotation:
        annotation = self._annotations.get(annotation_id)
        if annotation is None:
            raise SessionError("that annotation is no longer there (it may have been removed on disk)")
        return annotation

    def remove(self, annotation_id: str) -> Annotation:
        self._check_writable()
        old = self._require(annotation_id)
        name = self.codebook.display_name(old.code)
        self._commit(f"remove {name}", [Change(old.id, old, None)])
        return old

    def recode(self, annotation_id: str, code: str) -> Annotation:
        """Give an annotation another code; it keeps its id, span and memo."""
        self._check_writable()
        self._check_code(code)
        old = self._require(annotation_id)
        if old.code == code:
            raise SessionError(f"it already has the code {self.codebook[code].name!r}")
        new = old.copy(code=code, updated=now_iso())
        self._commit(f"recode to {self.codebook[code].name}", [Change(old.id, old, new)])
        return new

    @property
    def conflicts(self) -> list[Annotation]:
        """Annotations that carry an unresolved merge conflict (from git or a reload), in text order."""
        return sorted((a for a in self._annotations.values() if CONFLICT_FIELD in a.extra),
                      key=Annotation.sort_key)

    def resolve_conflict(self, annotation_id: str, keep_other: bool) -> Annotation | None:
        """Settle the merge conflict an annotation carries, as one undoable step: keep
        the version in place, or take the other one (which may be a deletion).
        Returns the annotation kept, or None when the choice deletes it."""
        self._check_writable()
        current = self._require(annotation_id)
        try:
            record = read_conflict(current)
        except ConflictRecordError as exc:
            raise SessionError(f"the conflict on this annotation cannot be read ({exc}); settle it with "
                               "'tcoder git resolve' or by hand") from None
        if record is None:
            raise SessionError("this annotation has no merge conflict")
        chosen = record.other if keep_other else record.in_place
        other_side = "theirs" if record.kept == "ours" else "ours"
        verb = "delete it" if chosen is None else f"keep {other_side if keep_other else record.kept}"
        self._commit(f"settle a merge conflict: {verb}", [Change(current.id, current, chosen)])
        return chosen

    def set_memo(self, annotation_id: str, memo: str) -> Annotation:
        self._check_writable()
        old = self._require(annotation_id)
        memo = memo.strip("\n")
        _check_savable(memo)
        if (old.memo or "") == memo:
            return old
        new = old.copy(memo=memo or None, updated=now_iso())
        self._commit("edit memo" if memo else "clear memo", [Change(old.id, old, new)])
        return new

    def set_exemplar(self, annotation_id: str, exemplar: bool) -> Annotation:
        """Mark (or unmark) an annotation as an exemplar quote for its code; undoable."""
        self._check_writable()
        old = self._require(annotation_id)
        if old.exemplar == exemplar:
            return old
        new = old.copy(exemplar=exemplar, updated=now_iso())
        self._commit("mark exemplar" if exemplar else "unmark exemplar", [Change(old.id, old, new)])
        return new

    def undo(self) -> Step | None:
        """Undo the last coding action; None when there is nothing to undo."""
        self._check_writable()
        if not self.history.undo_stack:
            return None
        step = self.history.undo_stack[-1]
        self._check_current(step, "after")
        self.history.undo_stack.pop()
        self._set([(c.id, c.before) for c in step.changes])
        self._set_header([(h.key, h.before) for h in step.header])
        self.history.redo_stack.append(step)
        self._after_change()
        return step

    def redo(self) -> Step | None:
        self._check_writable()
        if not self.history.redo_stack:
            return None
        step = self.history.redo_stack[-1]
        self._check_current(step, "before")
        self.history.redo_stack.pop()
        self._set([(c.id, c.after) for c in step.changes])
        self._set_header([(h.key, h.after) for h in step.header])
        self.history.undo_stack.append(step)
        self._after_change()
        return step

    def _is_current(self, step: Step, side: str) -> bool:
        """Whether the session holds the ``side`` ("before" or "after") of every change of ``step``."""
        extra = self._header.extra
        return (all(_same(self._annotations.get(c.id), getattr(c, side)) for c in step.changes)
                and all(extra.get(h.key, ABSENT) == getattr(h, side) for h in step.header))

    def _check_current(self, step: Step, side: str) -> None:
        if not self._is_current(step, side):
            verb = "undo" if side == "after" else "redo"
            raise SessionError(f"cannot {verb} '{step.label}': that annotation was changed on disk since")

    def _commit(self, label: str, changes: list[Change]) -> None:
        self._set([(c.id, c.after) for c in changes])
        self.history.record(Step(label, tuple(changes)))
        self._after_change()

    def commit(self, label: str, changes: Iterable[Change], header: Iterable[HeaderChange] = ()) -> Step:
        """Make several changes (annotations and header fields) as one step, saved and
        undone together: an adjudication decision replaces several annotations at once.
        Each change's ``before`` must be what the session holds now."""
        self._check_writable()
        step = Step(label, tuple(changes), tuple(header))
        if not self._is_current(step, "before"):
            raise SessionError(f"cannot {label}: the annotations changed meanwhile (on disk?); try again")
        self._set([(c.id, c.after) for c in step.changes])
        self._set_header([(h.key, h.after) for h in step.header])
        self.history.record(step)
        self._after_change()
        return step

    @property
    def coding_status(self) -> FileStatus:
        """Whether this coder has marked the transcript done (see tcoder.coding_status)."""
        return parse_status(self._header.extra.get(STATUS_FIELD))

    def set_coding_status(self, state: str) -> Step:
        """Mark the transcript done, or in progress again, as one undoable step saved at once."""
        before = self._header.extra.get(STATUS_FIELD, ABSENT)
        label = "mark done" if state == DONE else "reopen (in progress)"
        return self.commit(label, [], [HeaderChange(STATUS_FIELD, before, status_record(state))])

    def header_field(self, key: str, default: Any = None) -> Any:
        """A header field beyond the standard ones (kept by the canonical writer)."""
        return self._header.extra.get(key, default)

    def _set_header(self, states: list[tuple[str, Any]]) -> None:
        if not states:
            return
        h = self._header
        extra = dict(h.extra)
        for key, value in states:
            if value is ABSENT:
                extra.pop(key, None)
            else:
                extra[key] = value
        self._header = AnnotationFile(h.coder, h.transcript, h.text_sha256, [], h.format, extra)

    def _set(self, states: list[tuple[str, Annotation | None]]) -> None:
        index = self._index if len(states) <= 8 else None
        if index is None:
            self._index = None
        for aid, state in states:
            old = self._annotations.get(aid)
            if index is not None and old is not None and not old.orphaned:
                index.remove(old)
            if state is None:
                self._annotations.pop(aid, None)
            else:
                self._annotations[aid] = state
                if index is not None and not state.orphaned:
                    index.insert(state)

    def _after_change(self) -> None:
        self.revision += 1
        self._dirty = True
        policy = self._policy
        if policy.deferred and policy.schedule is not None:
            self.save_state = SaveState("saving")
            policy.schedule(self.save)
        else:
            self.save()

    # ------------------------------------------------------------ saving and reloading

    def _file(self) -> AnnotationFile:
        h = self._header
        placed = self.index.items
        # In file order already when nothing is orphaned: the writer's sort then only checks it.
        annotations = (list(placed) if len(placed) == len(self._annotations)
                       else sorted(self._annotations.values(), key=Annotation.sort_key))
        return AnnotationFile(self.coder, h.transcript or self.ref.file_name, self.transcript.sha256,
                              annotations, h.format, h.extra)

    @property
    def idle(self) -> bool:
        """No save is being written on the saving thread right now."""
        return self._policy.idle

    @property
    def saving_in_background(self) -> bool:
        """Changes are written on a thread (asked for, or since the disk proved slow)."""
        return self._policy.in_background

    @property
    def dirty(self) -> bool:
        """Changes not yet on disk (only after a failed save)."""
        return self._dirty

    def save(self, *, force: bool = False) -> SaveState:
        """Write the annotation set now (on the saving thread when saving in the
        background; ``force`` always writes before returning). Changes on disk are
        merged first. ``force`` also writes over a file on disk that cannot be
        read, after moving it aside."""
        if self.read_only or self._closed:
            return self.save_state
        if not self._dirty and not force:
            return self.save_state
        saver = self._policy.saver
        if force and saver is not None:
            saver.flush()
        if saver is None or saver.idle:
            self.sync()
        note = ""
        if self._disk_problem:
            if not force:
                self.save_state = SaveState("failed", message=(
                    f"not saved: {self._disk_problem[0]}. Fix the file, or save now (ctrl+s) to keep "
                    "yours and move that file aside"))
                return self.save_state
            note = self._move_aside()
        af = self._file()
        if saver is not None and not force:
            self.save_state = SaveState("saving", message=note)
            saver.submit(af, self.revision)
            return self.save_state
        self._write(af, self.revision, note)
        return self.save_state

    def flush(self, timeout: float | None = 30.0) -> SaveState:
        """Wait (at most ``timeout`` seconds) until every change submitted for saving is written."""
        self._policy.flush(timeout)
        return self.save_state

    def _line_encoder(self) -> Callable[[], None]:
        """Encodes the annotations as opened into the writer's line cache (run on the
        saving thread, which alone uses the cache from then on), so the first save of
        a large file re-encodes only the annotations that changed."""
        af = self._file()  # taken now: the screen's thread changes the set later

        def encode() -> None:
            try:
                fill_line_cache(af, self._line_cache)
            except TcoderError:
                pass  # text UTF-8 cannot hold: the save itself says so
            keep_as_long_lived()  # the cache lives as long as the session: not walked on every full pass
            return_free_memory()

        return encode

    def _write(self, af: AnnotationFile, revision: int, note: str = "") -> None:
        """Write one snapshot (on the saving thread, or the caller's) and record the outcome."""
        started = time.perf_counter()
        try:
            written = save_annotations(af, self.path, line_cache=self._line_cache)
        except OSError as exc:
            with self._state_lock:
                self._dirty = True
                self.save_state = SaveState("failed", message=f"NOT SAVED: cannot write {self.path.name}: "
                                                              f"{exc.strerror or exc}. Your changes are kept "
                                                              "here; fix the folder and save (ctrl+s)")
        except TcoderError as exc:  # text that cannot be written (see encode_annotations)
            with self._state_lock:
                self._dirty = True
                self.save_state = SaveState("failed", message=f"NOT SAVED: {exc.problems[0].message}")
        else:
            stamp = disk_stamp(self.path)
            with self._state_lock:
                self._stamp = stamp
                self._versions.add(written)
                self._base = af.annotations  # a list of its own: a save's list is not changed later
                self._header_base = dict(af.extra)
                if revision == self.revision:
                    self._dirty = False
                if not note and self.save_state.status == "saving":
                    note = self.save_state.message  # a note made when the save was submitted
                self.save_state = SaveState("saved", datetime.now(), note)
            self._policy.took(time.perf_counter() - started)
        callback = self.on_saved
        if callback is not None:
            callback()

    def _move_aside(self) -> str:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        try:
            os.replace(self.path, target)
        except FileNotFoundError:
            pass
        self._disk_problem = []
        self._base = []
        self._header_base = {}
        return f"the unreadable file was moved to {target.name}"

    def sync(self, *, force: bool = False) -> SyncReport | None:
        """If the file changed on disk, read it and merge by id (three-way, with the
        file as last read or written as the base). None when nothing changed, or
        while a background save is writing the file."""
        if not self._policy.idle or self.loading:
            return None
        stamp = disk_stamp(self.path)
        if stamp == self._stamp and not force:
            return None
        self._stamp = stamp
        report = SyncReport()
        if stamp is None:
            # Deleted on disk: keep what we have and write it again.
            if self._annotations and not self.read_only:
                self._dirty = True
            self._base = []
            return report
        try:
            theirs_file, version = read_annotation_version(self.path)
        except TcoderError as exc:
            self._disk_problem = exc.problems
            report.problems = exc.problems
            self.unseen_report = report
            return report
        self._disk_problem = []
        if theirs_file.text_sha256 is not None and theirs_file.text_sha256 != self.transcript.sha256:
            reanchor(theirs_file.annotations, self.transcript.text)
        self._migrate(theirs_file)  # old code ids read under the current codes, as when the file was opened
        theirs = theirs_file.annotations
        if self.read_only:
            merged = {a.id: a for a in theirs}
            conflicts: list = []
        elif version in self._versions:
            # A version this session already had (a sync tool or git wrote it back): it was
            # written from an older state, so what it lacks was never seen there, not deleted.
            # Keep everything here; the save after this merge writes it again.
            merged = dict(self._annotations)
            conflicts = []
            theirs_by_version = {a.id: a for a in theirs}
            report.stale = sum(1 for aid, a in merged.items() if not _same(theirs_by_version.get(aid), a)) + sum(
                1 for aid in theirs_by_version if aid not in merged)
            self._header_base = dict(theirs_file.extra)  # header fields as here win, like annotations
        else:
            result = merge_annotations(self._base, self._annotations.values(), theirs)
            merged = {a.id: a for a in result.annotations}
            conflicts = result.conflicts
        for conflict in conflicts:
            # Changed two ways (or deleted on one side and changed on the other): ours
            # stays in place (theirs if we deleted it) carrying the other version and the
            # base in a conflict record, as the git merge driver writes it, so nothing
            # is lost and `tcoder check` / `tcoder git resolve` settle it later.
            report.conflicts += 1
            record = conflict_record(conflict)
            merged[record.id] = record
        before = self._annotations
        report.added = sum(1 for aid in merged if aid not in before)
        report.removed = sum(1 for aid in before if aid not in merged)
        report.removed_passages = [_described(before[aid]) for aid in
                                   sorted((aid for aid in before if aid not in merged), key=lambda i: before[i].start)]
        report.updated = sum(1 for aid, a in merged.items() if aid in before and not _same(before[aid], a))
        theirs_by_id = {a.id: a for a in theirs}
        self._annotations = merged
        self._base = list(theirs_by_id.values())
        # Header fields merge one by one, as annotations do (a "none" decision of an
        # adjudication lives there): a field changed only here stays, one changed on disk is taken.
        extra_before = self._header.extra
        extra = (dict(theirs_file.extra) if self.read_only
                 else merge_fields(self._header_base, extra_before, theirs_file.extra))
        self._header_base = dict(theirs_file.extra)
        self._header = AnnotationFile(self.coder, theirs_file.transcript, theirs_file.text_sha256,
                                      [], theirs_file.format, extra)
        if report.changed or len(merged) != len(before):
            self._index = None
            self.revision += 1
        elif extra != extra_before:
            self.revision += 1
        if not self.read_only and (len(merged) != len(theirs_by_id) or extra != theirs_file.extra
                                   or any(not _same(theirs_by_id.get(aid), a) for aid, a in merged.items())):
            self._dirty = True  # ours has something the disk lacks: written by the caller's save()
        if report.changed:
            self.unseen_report = report
        return report

    def _migrate(self, af: AnnotationFile) -> int:
        """Map code ids the codebook's history retired to the current codes, in place."""
        history = self.study.history
        if not history.retired:
            return 0
        return len([m for m in migrate_file(af, history, self.study.known_codes()) if m.pending_write])

    def remap_codes(self) -> int:
        """After the codebook changed (a rename or merge made elsewhere while this file
        was open): annotations still carrying old ids are shown under the current codes
        and written with them at the next save. Returns how many were mapped."""
        h = self._header
        current = AnnotationFile(h.coder, h.transcript, h.text_sha256, list(self._annotations.values()), h.format,
                                 dict(h.extra))
        base = AnnotationFile(h.coder, h.transcript, h.text_sha256, list(self._base), h.format,
                              dict(self._header_base))
        mapped = self._migrate(current)
        self._migrate(base)
        if not mapped and current.extra == h.extra:
            return 0
        with self._state_lock:
            self._annotations = {a.id: a for a in current.annotations}
            self._base = list(base.annotations)
            self._header = AnnotationFile(h.coder, h.transcript, h.text_sha256, [], h.format, current.extra)
            self._header_base = dict(base.extra)
            self._index = None
            self.revision += 1
            if not self.read_only:
                self._dirty = True
        return mapped

    def poll(self, *, watching: bool) -> bool:
        """The periodic check a screen makes every :data:`~tcoder.session.disk.POLL_SECONDS`:
        take the lock once the other window has closed (True then: the session is
        writable now), retry a save that failed or has not run, and, when the folder
        is not ``watching``, merge the file if it changed on disk."""
        if self.read_only:
            if self.try_write_access():
                return True
            if not watching:
                self.sync()
            return False
        if not watching:
            self.reload()
        if self._dirty:  # a save that failed, or one not yet run: try again
            self.save()
        return False

    def file_changed(self) -> bool:
        """The file was seen changing on disk (a watcher's event; this session's own
        saves are recognised and ignored): merge it. False while this session's own
        save is being written: look again :data:`~tcoder.session.disk.RECHECK_SECONDS`
        later, so that a change by another program at the same moment is not missed."""
        if not self.idle:
            return False
        if self.read_only:
            self.sync()
        else:
            self.reload()
        return True

    def take_report(self) -> SyncReport | None:
        """The last merge with the file on disk that nobody has shown yet (saving merges too)."""
        report, self.unseen_report = self.unseen_report, None
        return report

    def reload(self) -> SyncReport | None:
        """Check the disk and merge; saves the merged set if it differs from the file."""
        report = self.sync()
        if report is not None and self._dirty and not self.read_only:
            self.save()
        return report

    def adopt_disk(self) -> SyncReport | None:
        """Merge the file as an operation this session ran left it (a codebook operation or
        its undo). An undo writes back a version this session once had: that is the change
        asked for, not a stale write, so what it lacks is taken as deleted."""
        self._versions.clear()
        report = self.reload()
        try:
            self._versions.add(version_digest(self.path.read_bytes()))
        except OSError:
            pass
        return report

    # ------------------------------------------------------------ navigation helpers

    def uncoded_turn_selection(self) -> TurnSelection:
        """Which turns the uncoded-turn jump visits (tcoder.turnrule: by default not the
        turns of interviewers, moderators and observers)."""
        return self.study.turn_selection(self.ref, self.study.turn_rule("uncoded_turns"))

    def next_uncoded_turn(self, offset: int, codes: set[str] | None = None) -> int | None:
        """Where the next counted turn after the one at ``offset`` begins whose text has no
        annotation (of ``codes``, when given); None if every later turn is coded. Turns of
        speakers the turn rule leaves out are skipped."""
        transcript = self.transcript
        text = transcript.text
        current = transcript.turn_at(offset)
        first = current.index + 1 if current is not None else 0
        if current is None:
            first = bisect.bisect_right([t.start for t in transcript.turns], offset)
        counts = self.uncoded_turn_selection().counts
        for turn in transcript.turns[first:]:
            if not counts(turn):  # an interviewer's question is not waiting to be coded
                continue
            body = sentences_in(text, turn.body_start, turn.end)
            if not body:
                continue
            start, end = body[0][0], body[-1][1]
            hits = self.index.overlapping(start, end)
            if codes is not None:
                hits = [a for a in hits if a.code in codes]
            if not hits:
                return start
        return None


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def open_session(study: Study, ref: TranscriptRef | str, coder: str, **options) -> CodingSession:
    """Open a coding session; read-only (with the reason) when another process holds the lock."""
    return CodingSession(study, ref, coder, **options)


__all__ = ["ApplyResult", "CodingSession", "SessionError", "open_session"]

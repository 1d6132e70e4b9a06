"""Changes to many files as one step: crash-safe, undoable byte for byte, recorded.

A study-wide operation (a codebook merge that rewrites every coder's annotation
files, a batch of autocoded passages, de-identified transcripts) must never be
left half done. A :class:`ChangeSet` collects the new content of each file;
:meth:`ChangeSet.apply` first writes a journal in the study's hidden
``.tcoder/journal/`` folder (each file's content before and after, fsynced),
then replaces the files, then marks the operation applied. Whatever stops the
program in between (an exception, ``kill -9``, a power cut), the next
:func:`recover` (which :func:`tcoder.study.open_study` runs) finishes the
operation from the journal, or discards a journal that was never complete: the
files are all as before or all as after, never a mixture.

The journal stays as the record of the operation (what, when, who, why, which
files), and its images make :func:`undo` possible: every file restored byte for
byte, refused with the list of files that changed since. The images of all but
the last :data:`KEEP_IMAGES` operations are pruned; their records stay.

Usage (hold the study's operation lock from reading the files to applying, so
no other operation runs in between)::

    with operation_lock(study.root):
        change = ChangeSet(study.root, "codebook.merge", "merge a, b into c", who="alice", note="why")
        change.write(path, new_bytes)          # the file's current content is its before-image
        operation = change.apply()
    undo(study.root, operation.id)             # later: every file back, byte for byte

The caller decides which files may be written (for example it leaves out
annotation files locked by a live coding session) and holds those files' own
locks while applying; this module guards the step as a whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Literal

from tcoder.atomicio import atomic_write_bytes, flush_filesystem, fsync_folder
from tcoder.errors import Problem, TcoderError
from tcoder.numbers import plural, verb_for, word_for

if TYPE_CHECKING:
    from tcoder.lockfile import LockLinks

#: The study's folder for tcoder's own state (hidden: never taken for study files).
STATE_FOLDER = ".tcoder"
JOURNAL_FOLDER = "journal"
JOURNAL_FORMAT = "tcoder-journal/1"
#: Operations whose before/after images are kept for undo (older ones keep their record).
KEEP_IMAGES = 20
#: How long to wait for another program's operation on the same study.
LOCK_TIMEOUT = 30.0

State = Literal["prepared", "applied", "undone"]


class ChangeSetError(TcoderError):
    """An operation that cannot be applied, undone or completed as asked; nothing was changed."""


# ---------------------------------------------------------------- fault injection (tests)

_checkpoints = 0


def _checkpoint() -> None:
    """A point where a crash must leave the study recoverable. The test suite kills
    the process here for real (``TCODER_FAULT_KILL_AT=N``: SIGKILL at the Nth point)."""
    global _checkpoints
    _checkpoints += 1
    target = os.environ.get("TCODER_FAULT_KILL_AT")
    if target and target.isdigit() and int(target) == _checkpoints:
        os.kill(os.getpid(), signal.SIGKILL)


def checkpoints_passed() -> int:
    """How many crash points this process has passed (for the fault-injection tests)."""
    return _checkpoints


# ---------------------------------------------------------------- the operation lock


def journal_folder(root: str | os.PathLike[str]) -> Path:
    return Path(root) / STATE_FOLDER / JOURNAL_FOLDER


_held = threading.local()


class operation_lock:  # noqa: N801 - used as a context manager, like a function
    """The study's operation lock: one operation (or recovery) at a time, across
    processes. Re-entrant within a thread. Waits up to ``timeout`` seconds for
    another program's operation, then refuses naming who holds it."""

    def __init__(self, root: str | os.PathLike[str], *, who: str = "", purpose: str = "",
                 timeout: float = LOCK_TIMEOUT) -> None:
        self.root = Path(root)
        self.who, self.purpose, self.timeout = who, purpose, timeout
        self._lock: Any = None

    def _key(self) -> str:
        return str(self.root.absolute())

    def __enter__(self) -> "operation_lock":
        depth: dict[str, int] = getattr(_held, "depth", None) or {}
        _held.depth = depth
        key = self._key()
        if depth.get(key):
            depth[key] += 1
            return self
        from filelock import Timeout

        from tcoder.lockfile import LockFile

        folder = journal_folder(self.root)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ChangeSetError(Problem(f"cannot create tcoder's state folder ({exc.strerror}); is the study "
                                         "folder read-only?", folder.parent)) from None
        lock_path = folder / ".lock"
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "coder": self.who, "purpose": self.purpose}
        lock = LockFile(lock_path, timeout=self.timeout, describe=lambda: dict(holder, since=_now()))
        try:
            lock.acquire()
        except Timeout:
            raise ChangeSetError(Problem(
                f"another tcoder is changing this study ({_describe_holder(lock_path)}); try again when it has "
                "finished", self.root)) from None
        except OSError as exc:
            raise ChangeSetError(Problem(f"cannot take the study's operation lock ({exc.strerror})",
                                         lock_path)) from None
        self._lock = lock
        depth[key] = 1
        files: dict[str, Any] = getattr(_held, "files", None) or {}
        _held.files = files
        files[key] = lock
        return self

    def __exit__(self, *exc: object) -> None:
        depth: dict[str, int] = _held.depth
        key = self._key()
        depth[key] -= 1
        if depth[key] == 0:
            del depth[key]
            files: dict[str, Any] = getattr(_held, "files", None) or {}
            files.pop(key, None)
            if self._lock is not None:
                self._lock.release()
                self._lock = None


def holds_operation_lock(root: str | os.PathLike[str]) -> bool:
    depth = getattr(_held, "depth", None) or {}
    return bool(depth.get(str(Path(root).absolute())))


def operation_lock_links(root: str | os.PathLike[str]) -> "LockLinks | None":
    """Lock files for many of the study's files at once, as links to the operation lock
    this thread holds (:class:`tcoder.lockfile.LockLinks`); None when it holds none."""
    from tcoder.lockfile import LockLinks

    files = getattr(_held, "files", None) or {}
    held = files.get(str(Path(root).absolute()))
    return LockLinks(held) if held is not None else None


def _describe_holder(lock_path: Path) -> str:
    try:
        info = json.loads(lock_path.read_text("utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    parts = []
    if info.get("purpose"):
        parts.append(str(info["purpose"]))
    if info.get("coder"):
        parts.append(f"by {info['coder']}")
    if info.get("pid"):
        parts.append(f"process {info['pid']}" + (f" on {info['host']}" if info.get("host") else ""))
    if info.get("since"):
        parts.append(f"since {info['since']}")
    return ", ".join(parts) or "unknown holder"


# ---------------------------------------------------------------- the record of an operation


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One file of an operation: its path relative to the study and the SHA-256 of
    its content before and after (None: the file did not exist / was deleted)."""

    path: str
    before: str | None
    after: str | None


@dataclass
class Operation:
    """An operation as the journal records it."""

    id: str
    kind: str
    label: str
    who: str
    when: str
    note: str
    meta: dict[str, Any]
    folder: Path
    state: State = "prepared"
    skipped: list[str] = field(default_factory=list)  # files left as they were when completing after a crash
    recovered: bool = False
    undone_by: str | None = None
    undone_at: str | None = None
    file_count: int = 0
    _files: list[FileRecord] | None = field(default=None, repr=False)

    @property
    def files(self) -> list[FileRecord]:
        """Every file of the operation (read from its manifest when first asked for: a
        listing of many operations reads only their small records)."""
        if self._files is None:
            manifest = json.loads((self.folder / "manifest.json").read_bytes())
            self._files = _file_records(manifest)
        return self._files

    @property
    def undo_of(self) -> str | None:
        value = self.meta.get("undo_of")
        return value if isinstance(value, str) else None

    @property
    def has_images(self) -> bool:
        return (self.folder / "images").is_file()

    @property
    def written(self) -> list[FileRecord]:
        """The files the operation changed (those skipped while completing it are left out)."""
        skipped = set(self.skipped)
        return [f for f in self.files if f.path not in skipped]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def new_operation_id() -> str:
    """Sortable by time (to the microsecond), unique: ``20260304T093105.123456Z-3f9a2b``."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ") + "-" + secrets.token_hex(3)


# ---------------------------------------------------------------- building and applying


@dataclass(slots=True)
class _Change:
    path: Path
    rel: str
    before: bytes | None
    after: bytes | None


class ChangeSet:
    """The new content of several files, applied as one step by :meth:`apply`.

    ``kind`` names the operation for programs (``codebook.merge``), ``label``
    for people (``merge disillusionment into emotional-toll``); ``meta`` is any
    JSON data the caller wants kept with the record (the undo checks use it)."""

    def __init__(self, root: str | os.PathLike[str], kind: str, label: str, *, who: str = "", note: str = "",
                 meta: dict[str, Any] | None = None, op_id: str | None = None) -> None:
        """``op_id`` names the operation (default: a new :func:`new_operation_id`), for
        callers that write it into a file of the change itself."""
        self.root = Path(root).absolute()
        self.op_id = op_id or new_operation_id()
        self.kind, self.label, self.who, self.note = kind, label, who, note
        self.meta = dict(meta or {})
        self._changes: dict[str, _Change] = {}

    def _rel(self, path: str | os.PathLike[str]) -> tuple[Path, str]:
        full = Path(path)
        if not full.is_absolute():
            full = self.root / full
        try:
            rel = full.absolute().relative_to(self.root).as_posix()
        except ValueError:
            raise ChangeSetError(Problem("a file outside the study cannot be part of its operations", full)) \
                from None
        if rel.split("/")[0] == STATE_FOLDER:
            raise ChangeSetError(Problem("tcoder's own state cannot be part of an operation", full))
        return full, rel

    def write(self, path: str | os.PathLike[str], data: bytes, before: bytes | None | Literal["read"] = "read") -> None:
        """Plan ``path``'s new content. Its before-image is read now unless given
        (``None``: the file is new). Writing the same file twice keeps the first before-image."""
        self._put(path, data, before)

    def delete(self, path: str | os.PathLike[str], before: bytes | None | Literal["read"] = "read") -> None:
        """Plan deleting ``path``."""
        self._put(path, None, before)

    def _put(self, path: str | os.PathLike[str], data: bytes | None,
             before: bytes | None | Literal["read"]) -> None:
        full, rel = self._rel(path)
        existing = self._changes.get(rel)
        if existing is not None:
            existing.after = data
            return
        image = _read(full) if before == "read" else before
        self._changes[rel] = _Change(full, rel, image, data)

    @property
    def paths(self) -> list[Path]:
        """The files that change (unchanged content is left out)."""
        return [c.path for c in self._changes.values() if c.before != c.after]

    def __len__(self) -> int:
        return len(self.paths)

    def apply(self) -> Operation:
        """Apply every change as one step and return the operation's record.

        Refuses (:class:`ChangeSetError`, nothing written) when a file no longer
        has its before-image. The caller must hold :class:`operation_lock`."""
        if not holds_operation_lock(self.root):
            raise RuntimeError("ChangeSet.apply needs the study's operation_lock")
        changes = [c for c in self._changes.values() if c.before != c.after]
        _verify(changes, "before")
        if (journal_folder(self.root) / self.op_id).exists():
            raise ChangeSetError(Problem(f"the operation {self.op_id} was already applied", self.root))
        folder = _prepare(self.root, self.op_id, self, changes)
        _write_files(self.root, changes)
        operation = _load(folder)
        _finish(operation, recovered=False, skipped=[])
        _prune(self.root)
        return operation


def _verify(changes: list[_Change], side: Literal["before", "after"]) -> None:
    changed = [c for c in changes if _read(c.path) != getattr(c, side)]
    if changed:
        names = ", ".join(c.rel for c in changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise ChangeSetError(Problem(f"{plural(len(changed), 'file')} changed on disk while the operation was being "
                                     f"prepared ({names}); nothing was changed, try again", changed[0].path))


def _prepare(root: Path, op_id: str, change: ChangeSet, changes: list[_Change]) -> Path:
    """Write the journal: images, then the manifest, each fsynced; the folder's
    rename from ``.ID.partial`` to ``ID`` makes the operation pending."""
    journal = journal_folder(root)
    journal.mkdir(parents=True, exist_ok=True)
    partial = journal / f".{op_id}.partial"
    partial.mkdir()
    (partial / "before").mkdir()
    files = []
    offset = 0
    with open(partial / "images", "wb") as out:
        for n, c in enumerate(changes):
            entry: dict[str, Any] = {"path": c.rel}
            for side in ("before", "after"):
                data = getattr(c, side)
                if data is None:
                    entry[side] = None
                    continue
                spec: dict[str, Any] = {"sha256": _sha(data)}
                if side == "before" and _link(c.path, partial / "before" / f"{n:06d}"):
                    # The file itself, linked: its old content stays in the journal when the new one
                    # replaces it (by rename, so a new inode), without copying a byte.
                    spec["link"] = f"before/{n:06d}"
                else:
                    out.write(data)
                    spec.update(offset=offset, size=len(data))
                    offset += len(data)
                entry[side] = spec
            files.append(entry)
        out.flush()
        os.fsync(out.fileno())
    _checkpoint()
    manifest = {"format": JOURNAL_FORMAT, "id": op_id, "kind": change.kind, "label": change.label,
                "who": change.who, "when": _now(), "note": change.note, "meta": change.meta,
                "pid": os.getpid(), "files": files}
    atomic_write_bytes(partial / "manifest.json", _dump(manifest))
    atomic_write_bytes(partial / "record.json", _dump(dict(manifest, files=len(files))))
    _checkpoint()
    fsync_folder(partial)
    final = journal / op_id
    os.rename(partial, final)
    fsync_folder(journal)
    _checkpoint()
    return final


def _link(source: Path, target: Path) -> bool:
    """Hard-link ``source`` as ``target`` (False where the file system cannot)."""
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def _write_files(root: Path, changes: list[_Change]) -> None:
    for c in changes:
        if c.after is None:
            try:
                os.unlink(c.path)
            except FileNotFoundError:
                pass
        else:
            c.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(c.path, c.after, durable=False)
        _checkpoint()
    flush_filesystem(root, [c.path for c in changes if c.after is not None])
    _checkpoint()


def _finish(operation: Operation, *, recovered: bool, skipped: list[str]) -> None:
    state = {"state": "applied", "at": _now(), "recovered": recovered, "skipped": skipped}
    atomic_write_bytes(operation.folder / "state.json", _dump(state))
    operation.state, operation.recovered, operation.skipped = "applied", recovered, skipped
    _checkpoint()
    original = operation.undo_of
    if original:
        _mark_undone(operation.folder.parent / original, operation.id)


def _mark_undone(folder: Path, by: str) -> None:
    state_path = folder / "state.json"
    try:
        state = json.loads(state_path.read_bytes())
    except (OSError, ValueError):
        return
    if state.get("state") == "undone":
        return
    state.update(state="undone", undone_by=by, undone_at=_now())
    atomic_write_bytes(state_path, _dump(state))
    _checkpoint()


def _dump(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# ---------------------------------------------------------------- reading the journal


def _file_records(manifest: dict[str, Any]) -> list[FileRecord]:
    return [FileRecord(f["path"], f["before"]["sha256"] if f["before"] else None,
                       f["after"]["sha256"] if f["after"] else None) for f in manifest["files"]]


def _load(folder: Path) -> Operation:
    """An operation from its small record (its manifest, when the record is missing)."""
    try:
        head = json.loads((folder / "record.json").read_bytes())
        files = None
    except FileNotFoundError:
        head = json.loads((folder / "manifest.json").read_bytes())
        files = _file_records(head)
    if head.get("format") != JOURNAL_FORMAT:
        raise ChangeSetError(Problem(f"unknown journal format {head.get('format')!r}", folder))
    operation = Operation(head["id"], head["kind"], head["label"], head.get("who", ""), head["when"],
                          head.get("note", ""), head.get("meta") or {}, folder,
                          file_count=head["files"] if isinstance(head["files"], int) else len(head["files"]),
                          _files=files)
    try:
        state = json.loads((folder / "state.json").read_bytes())
    except FileNotFoundError:
        return operation
    operation.state = state.get("state", "applied")
    operation.skipped = list(state.get("skipped") or [])
    operation.recovered = bool(state.get("recovered"))
    operation.undone_by = state.get("undone_by")
    operation.undone_at = state.get("undone_at")
    return operation


def _images(operation: Operation) -> Iterator[tuple[FileRecord, bytes | None, bytes | None]]:
    """Each file with its before and after content, checked against the recorded hashes."""
    manifest = json.loads((operation.folder / "manifest.json").read_bytes())
    with open(operation.folder / "images", "rb") as images:
        for record, entry in zip(operation.files, manifest["files"], strict=True):
            sides: list[bytes | None] = []
            for side in ("before", "after"):
                spec = entry[side]
                if spec is None:
                    sides.append(None)
                    continue
                if "link" in spec:
                    data = (operation.folder / spec["link"]).read_bytes()
                else:
                    images.seek(spec["offset"])
                    data = images.read(spec["size"])
                if _sha(data) != spec["sha256"]:
                    raise ChangeSetError(Problem(f"the journal's copy of {record.path} is damaged", operation.folder))
                sides.append(data)
            yield record, sides[0], sides[1]


def operations(root: str | os.PathLike[str]) -> list[Operation]:
    """Every recorded operation of the study, oldest first (pending ones included)."""
    journal = journal_folder(root)
    if not journal.is_dir():
        return []
    out = []
    for entry in sorted(os.scandir(journal), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            out.append(_load(Path(entry.path)))
        except (OSError, ValueError, KeyError, TypeError, ChangeSetError):
            continue
    # An undo that was completed but whose original was not yet marked (a crash in
    # between): the original is undone all the same.
    by_id = {op.id: op for op in out}
    for op in out:
        original = by_id.get(op.undo_of or "")
        if op.state == "applied" and original is not None and original.state == "applied":
            original.state, original.undone_by = "undone", op.id
    return out


def find_operation(root: str | os.PathLike[str], op_id: str) -> Operation:
    matches = [op for op in operations(root) if op.id == op_id or op.id.startswith(op_id)]
    if len(matches) != 1:
        what = "no operation" if not matches else "several operations"
        raise ChangeSetError(Problem(f"{what} with the id {op_id!r} in this study's journal", journal_folder(root)))
    return matches[0]


# ---------------------------------------------------------------- recovery


def journal_entries(root: str | os.PathLike[str]) -> list[str]:
    """The names in the study's journal, sorted, its lock left out (cheap: one folder listing;
    a name not there before means an operation began since)."""
    try:
        return sorted(name for name in os.listdir(journal_folder(root)) if not name.startswith("."))
    except OSError:
        return []


def pending(root: str | os.PathLike[str]) -> bool:
    """Whether an operation was interrupted (cheap: one folder listing)."""
    journal = journal_folder(root)
    try:
        entries = list(os.scandir(journal))
    except (FileNotFoundError, NotADirectoryError):
        return False
    for entry in entries:
        if entry.name.endswith(".partial"):
            return True
        if not entry.name.startswith(".") and entry.is_dir() and not os.path.exists(
                os.path.join(entry.path, "state.json")):
            return True
    return False


@dataclass
class Recovery:
    """What :func:`recover` did with one interrupted operation."""

    operation: Operation | None  # None: a journal that was never complete, discarded
    completed: bool
    skipped: list[str] = field(default_factory=list)

    def message(self) -> str:
        if self.operation is None:
            return "an operation interrupted before it changed anything was discarded"
        op = self.operation
        text = (f"the operation '{op.label}' ({op.when}{', ' + op.who if op.who else ''}) was interrupted; "
                "it has now been completed")
        if self.skipped:
            text += (f", except {plural(len(self.skipped), 'file')} that had changed since and {verb_for(len(self.skipped), 'was')} left as {word_for(len(self.skipped), 'it')} {verb_for(len(self.skipped), 'is')}: "
                     + ", ".join(self.skipped[:5]) + (" ..." if len(self.skipped) > 5 else ""))
        return text


def recover(root: str | os.PathLike[str]) -> list[Recovery]:
    """Complete every interrupted operation from its journal (or discard a journal
    that was never finished, when nothing was changed yet). Safe to call at any
    time; cheap when nothing is pending."""
    root = Path(root).absolute()
    if not pending(root):
        return []
    done: list[Recovery] = []
    with operation_lock(root, purpose="completing an interrupted operation"):
        journal = journal_folder(root)
        for entry in sorted(os.scandir(journal), key=lambda e: e.name):
            if entry.name.startswith(".") and entry.name.endswith(".partial"):
                shutil.rmtree(entry.path, ignore_errors=True)
                done.append(Recovery(None, completed=False))
                continue
            if entry.name.startswith(".") or not entry.is_dir() or os.path.exists(
                    os.path.join(entry.path, "state.json")):
                continue
            done.append(_complete(root, _load(Path(entry.path))))
        fsync_folder(journal)
    return done


def _complete(root: Path, operation: Operation) -> Recovery:
    """Roll an interrupted operation forward: a file with its before-image gets its
    after-image; one that already has it stays; one with other content (changed
    by someone since) is left alone and reported."""
    skipped: list[str] = []
    written: list[Path] = []
    for record, before, after in _images(operation):
        path = root / record.path
        current = _read(path)
        if current == after:
            continue
        if current != before:
            skipped.append(record.path)
            continue
        if after is None:
            os.unlink(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, after, durable=False)
            written.append(path)
        _checkpoint()
    flush_filesystem(root, written)
    _remove_temporary_files(root, operation)
    _finish(operation, recovered=True, skipped=skipped)
    return Recovery(operation, completed=True, skipped=skipped)


def _remove_temporary_files(root: Path, operation: Operation) -> None:
    """The temporary files the interrupted process left while replacing the operation's
    files (``.NAME.PID.RANDOM.tmp``: its process id tells them from anyone else's)."""
    try:
        pid = int(json.loads((operation.folder / "manifest.json").read_bytes()).get("pid"))
    except (OSError, ValueError, TypeError):
        return
    for record in operation.files:
        path = root / record.path
        for leftover in path.parent.glob(f".{glob_escape(path.name)}.{pid}.*.tmp"):
            try:
                leftover.unlink()
            except OSError:
                pass


# ---------------------------------------------------------------- undo

UndoCheck = Callable[[Operation], None]


def undo(root: str | os.PathLike[str], op_id: str, *, who: str = "", note: str = "",
         check: UndoCheck | None = None) -> Operation:
    """Restore every file of operation ``op_id`` byte for byte, as one step that is
    itself crash-safe and recorded. Refused, with nothing changed, when the
    operation is not applied, its images were pruned, or a file changed since it
    (then each such file is named). ``check`` may refuse for the caller's own
    reasons by raising :class:`TcoderError`. The caller holds :class:`operation_lock`."""
    root = Path(root).absolute()
    operation = find_operation(root, op_id)
    if operation.state == "undone":
        raise ChangeSetError(Problem(f"'{operation.label}' was already undone ({operation.undone_at})", root))
    if operation.state != "applied":
        raise ChangeSetError(Problem(f"'{operation.label}' is not complete; open the study again to complete it",
                                     root))
    if not operation.has_images:
        raise ChangeSetError(Problem(f"'{operation.label}' ({operation.when}) can no longer be undone: tcoder keeps "
                                     f"what undo needs for the last {KEEP_IMAGES} operations only", root))
    skipped = set(operation.skipped)
    change = ChangeSet(root, "undo", f"undo {operation.label}", who=who, note=note,
                       meta={"undo_of": operation.id, "undo_kind": operation.kind})
    changed: list[str] = []
    for record, before, after in _images(operation):
        if record.path in skipped:
            continue
        current = _read(root / record.path)
        if current != after:
            changed.append(record.path)
            continue
        if before is None:
            change.delete(record.path, before=after)
        else:
            change.write(record.path, before, before=after)
    if changed:
        listed = "\n  ".join(changed[:20]) + ("\n  ..." if len(changed) > 20 else "")
        raise ChangeSetError(Problem(
            f"cannot undo '{operation.label}': {plural(len(changed), 'file')} changed since it was made, and undoing it "
            f"would lose those changes. Nothing was changed. Changed since:\n  {listed}", root))
    if check is not None:
        check(operation)
    return change.apply()


def latest(root: str | os.PathLike[str], kind_prefix: str = "") -> Operation | None:
    """The most recent applied (not undone) operation whose kind starts with
    ``kind_prefix``; undo operations themselves are never candidates."""
    for operation in reversed(operations(root)):
        if operation.kind == "undo" or operation.state != "applied":
            continue
        if operation.kind.startswith(kind_prefix):
            return operation
    return None


def _prune(root: Path) -> None:
    """Drop the images of all but the last :data:`KEEP_IMAGES` operations (their records stay)."""
    prune_images(root, keep=KEEP_IMAGES)


def prune_images(root: Path, keep: int) -> int:
    """Delete the journal's copies of file contents of every operation but the last ``keep``
    that have them (their records stay; they can no longer be undone). Returns how many."""
    with_images = [op for op in operations(root) if op.state != "prepared" and op.has_images]
    dropped = with_images[:-keep] if keep else with_images
    for operation in dropped:
        try:
            os.unlink(operation.folder / "images")
        except OSError:
            pass
        shutil.rmtree(operation.folder / "before", ignore_errors=True)
    return len(dropped)


__all__ = [
    "ChangeSet", "ChangeSetError", "FileRecord", "KEEP_IMAGES", "Operation", "Recovery", "STATE_FOLDER",
    "checkpoints_passed", "find_operation", "holds_operation_lock", "journal_folder", "latest", "operation_lock",
    "operation_lock_links",
    "operations", "pending", "prune_images", "recover", "undo",
]

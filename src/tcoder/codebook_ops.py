"""Codebook development across a whole study: new, edit, rename, merge, split, move, delete.

An operation changes the codebook, its history and every coder's annotation
files that use the codes involved (consensus included) as one step through
:mod:`tcoder.changeset`: crash-safe, undoable byte for byte, recorded.

Each operation is first planned (:class:`Plan`): the codebook's new text (edited
in place by :mod:`tcoder.codebook_text`, so only the lines it is about change),
the history line, the new content of each annotation file, and the files left to
the history's mapping because a live coding session holds them. Planning checks
everything and changes nothing; ``dry_run`` returns the plan unapplied. Bad
input (an id that exists, a key the program keeps, a parent that does not
exist, a codebook with errors or edited meanwhile, an unreadable annotation
file...) raises :class:`~tcoder.errors.TcoderError` naming the file and place.

Everything here is plain Python a unit test can call; the command line
(``tcoder codebook``) and the coding screen call the same functions.
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import json
import re
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from tcoder.annotations import (
    NONE_FIELD,
    Annotation,
    AnnotationFile,
    AnnotationLock,
    encode_annotations,
    lock_path_of,
    now_iso,
    parse_annotations,
)
from tcoder.changeset import (
    ChangeSet,
    Operation,
    find_operation,
    latest,
    new_operation_id,
    operation_lock,
    operation_lock_links,
)
from tcoder.changeset import undo as undo_changeset
from tcoder.codebook import CODE_ID, Code, Codebook, command_for_key, normalise_colour, parse_codebook
from tcoder.codebook_history import Entry, History, appended, derived_id, history_path, migrate_file, parse_history
from tcoder.codebook_text import CodebookText, EditError
from tcoder.errors import CodebookError, LockedError, Problem, TcoderError
from tcoder.numbers import plural, verb_for, word_for
from tcoder.study import Study
from tcoder.yamlsource import suggest

KIND_PREFIX = "codebook."
#: Fields of a code that ``edit`` may change (the id changes by ``rename``).
EDITABLE = ("name", "description", "include", "exclude", "examples", "key", "color", "value")
#: What a split may do with one of the code's passages: the target codes it goes to.
Assignment = Mapping[str, Sequence[str]]


class OperationRefused(TcoderError):
    """An operation that cannot be made as asked; nothing on disk changed."""


def _refuse(message: str, path: Any = None, line: int | None = None) -> OperationRefused:
    return OperationRefused(Problem(message + "; nothing was changed", path, line))


# ---------------------------------------------------------------- the plan


@dataclass
class FilePlan:
    """One annotation file the operation rewrites."""

    path: Path
    coder: str
    transcript: str
    before: bytes
    after: bytes
    recoded: int = 0
    removed: int = 0
    added: int = 0
    combined: int = 0  # duplicates that became one (a merge)
    #: a consensus file's recorded decisions of "none" (adjudication) about the codes changed:
    #: following their code to its new id, or removed with it
    decisions_moved: int = 0
    decisions_removed: int = 0


@dataclass
class OtherFile:
    """A file besides the annotation files that names the codes changed (code sets, a memo)."""

    path: Path
    before: bytes
    after: bytes
    what: str


@dataclass
class LeftFile:
    """An annotation file open in another coder's live session: left as it is, and
    read through the history's mapping until that session saves it."""

    path: Path
    coder: str
    transcript: str
    annotations: int
    holder: dict[str, Any]

    def who(self) -> str:
        h = self.holder
        parts = [f"coder {h['coder']}"] if h.get("coder") else []
        if h.get("pid"):
            parts.append(f"process {h['pid']}" + (f" on {h['host']}" if h.get("host") else ""))
        return ", ".join(parts) or "another tcoder"


@dataclass
class Plan:
    """What an operation will change, before anything is written."""

    study: Study
    op: str
    label: str
    entry: Entry
    codebook_before: bytes
    codebook_after: bytes
    history_before: bytes | None
    history_after: bytes
    files: list[FilePlan] = field(default_factory=list)
    left: list[LeftFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    introduces: list[str] = field(default_factory=list)  # code ids this operation creates
    codebook_changes: str = ""
    others: list[OtherFile] = field(default_factory=list)

    @property
    def annotations_changed(self) -> int:
        return sum(f.recoded + f.removed + f.added for f in self.files)

    def per_coder(self) -> dict[str, list[FilePlan]]:
        out: dict[str, list[FilePlan]] = {}
        for f in self.files:
            out.setdefault(f.coder, []).append(f)
        return out

    def summary(self, applied: bool = False) -> list[str]:
        """The plan as lines for people: the codebook, then per coder and file."""
        from tcoder.errors import display_path

        lines = [("Done: " if applied else "Would ") + self.label + ("" if applied else ":")]
        codebook_name = display_path(self.study.codebook_path)
        lines.append(f"  {codebook_name}: {self.codebook_changes}")
        history = display_path(history_path(self.study.codebook_path))
        lines.append(f"  {history}: 1 line added")
        by_coder = self.per_coder()
        if not by_coder and not self.left:
            lines.append("  annotation files: none change")
        width = max((len(c) for c in by_coder), default=0)
        for coder in sorted(by_coder, key=lambda c: (c == "consensus", c)):
            files = by_coder[coder]
            count = sum(f.recoded + f.removed + f.added for f in files)
            decisions = sum(f.decisions_moved + f.decisions_removed for f in files)
            changed = [plural(count, "annotation")] if count or not decisions else []
            changed += [f"{plural(decisions, 'decision')} of 'none'"] if decisions else []
            lines.append(f"  {coder:<{width}}  {' and '.join(changed)} in {plural(len(files), 'file')}")
            for f in files:
                what = []
                if f.recoded:
                    what.append(f"{f.recoded} recoded")
                if f.removed:
                    what.append(f"{f.removed} deleted")
                if f.added:
                    what.append(f"{f.added} copied")
                if f.combined:
                    what.append(f"{plural(f.combined, 'duplicate')} combined")
                if f.decisions_moved:
                    what.append(f"{plural(f.decisions_moved, 'decision')} of 'none' moved to the new code")
                if f.decisions_removed:
                    what.append(f"{plural(f.decisions_removed, 'decision')} of 'none' removed")
                lines.append(f"    {display_path(f.path)}: {', '.join(what)}")
        for other in self.others:
            lines.append(f"  {display_path(other.path)}: {other.what}")
        if self.left:
            lines.append("  Open in a live coding session, left as they are and read under the new codes until "
                         "saved:")
            for left in self.left:
                lines.append(f"    {display_path(left.path)} ({left.who()}): {plural(left.annotations, 'annotation')}")
        lines.extend(f"  Note: {note}" for note in self.notes)
        return lines

    def apply(self) -> Operation:
        change = ChangeSet(self.study.root, KIND_PREFIX + self.op, self.label, who=self.entry.who,
                           note=self.entry.why, op_id=self.entry.id,
                           meta={"op": self.op, "introduces": self.introduces,
                                 "codebook": self.study.settings.codebook})
        change.write(self.study.codebook_path, self.codebook_after, before=self.codebook_before)
        change.write(history_path(self.study.codebook_path), self.history_after, before=self.history_before)
        for f in self.files:
            change.write(f.path, f.after, before=f.before)
        for other in self.others:
            change.write(other.path, other.after, before=other.before)
        return change.apply()


@dataclass
class Outcome:
    plan: Plan
    operation: Operation | None  # None for a dry run

    @property
    def applied(self) -> bool:
        return self.operation is not None


# ---------------------------------------------------------------- who

def default_who(root: Path | None = None) -> str:
    """Who is making a change: git's user.name where the study is in git, else the login name."""
    try:
        done = subprocess.run(["git", "config", "user.name"], cwd=root, capture_output=True, text=True, timeout=5)
        name = done.stdout.strip()
        if done.returncode == 0 and name:
            return name
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return ""


# ---------------------------------------------------------------- names, ids, keys


def in_vivo_name(text: str, max_words: int = 8, max_chars: int = 48) -> str:
    """A code name from selected words, as the participant said them: white space
    collapsed, quotes and punctuation at the ends trimmed, the first clause when the
    selection runs on (up to a comma, a full stop...), cut at a word boundary."""
    trim = " \t\"'\u201c\u201d\u2018\u2019`.,;:!?()[]{}-\u2013\u2014\u2026"
    words = " ".join(text.split()).strip(trim)
    clause = re.split(r"[,;:.!?\u2026\u2013\u2014]\s|\s[-\u2013\u2014]\s", words, maxsplit=1)[0].strip(trim)
    if len(clause.split()) >= 2:
        words = clause
    out: list[str] = []
    for part in words.split(" ")[:max_words]:
        if out and len(" ".join([*out, part])) > max_chars:
            break
        out.append(part)
    return " ".join(out)[:max_chars].strip(trim)


def derive_id(name: str, taken: Iterable[str] = ()) -> str:
    """A code id from a name: lower case, ASCII letters and digits joined by ``-``;
    ``-2``, ``-3``... when taken."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].rstrip("-") or "code"
    used = set(taken)
    candidate = slug
    n = 2
    while candidate in used:
        candidate = f"{slug}-{n}"
        n += 1
    return candidate


KEY_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def free_keys(codebook: Codebook, name: str = "") -> list[str]:
    """Keys no code uses, the letters of ``name`` first (lower case, then upper)."""
    used = set(codebook.by_key)
    preferred = [c for c in name.lower() if c.isascii() and c.isalnum()]
    preferred += [c.upper() for c in preferred if c.isalpha()]
    order = list(dict.fromkeys([*preferred, *KEY_CHARACTERS]))
    return [k for k in order if k not in used and command_for_key(k) is None]


# ---------------------------------------------------------------- planning


@dataclass
class _Scanned:
    path: Path
    coder: str
    transcript: str
    raw: bytes
    file: AnnotationFile
    codes: dict[str, str] = field(default_factory=dict)  # annotation id -> its code as read (old ids mapped)


class _Planner:
    """Reads what an operation needs under the study's operation lock and builds its plan."""

    def __init__(self, study: Study, op: str, *, who: str, why: str, held: Iterable[Path],
                 expected_sha256: str | None) -> None:
        self.study = study
        self.op = op
        self.who = who
        self.why = why
        self.held = {Path(p).absolute() for p in held}
        self.path = study.codebook_path
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise _refuse(f"the study has no codebook at {study.settings.codebook}", study.root) from None
        except OSError as exc:
            raise _refuse(f"cannot read the codebook: {exc.strerror}", self.path) from None
        if expected_sha256 is not None and hashlib.sha256(raw).hexdigest() != expected_sha256:
            raise OperationRefused(Problem(
                "the codebook was changed on disk (in another window, or by another coder) since it was loaded "
                "here; reload it and try again, so nobody's edit is overwritten. Nothing was changed", self.path))
        self.codebook_raw = raw
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _refuse(f"the codebook is not UTF-8 (invalid byte at {exc.start})", self.path) from None
        if raw.startswith(b"\xef\xbb\xbf"):
            text = "\ufeff" + text
        try:
            self.codebook = parse_codebook(text.lstrip("\ufeff"), self.path)
        except CodebookError as exc:
            raise OperationRefused([Problem("the codebook has errors; fix them before changing it with tcoder "
                                            "(nothing was changed)", self.path),
                                    *exc.problems]) from None
        self.doc = CodebookText(text, self.path)
        self.history_file = history_path(self.path)
        try:
            self.history_raw: bytes | None = self.history_file.read_bytes()
        except FileNotFoundError:
            self.history_raw = None
        self.history: History = parse_history(self.history_raw.decode("utf-8-sig"), self.history_file) \
            if self.history_raw is not None else History([], self.history_file)
        self.op_id = new_operation_id()
        self.when = now_iso()
        self.locks: list[AnnotationLock] = []
        # the files' locks as links to the study's operation lock, held here (see tcoder.lockfile)
        self.links = operation_lock_links(study.root)

    def release(self) -> None:
        if self.links is not None:
            self.links.release()
        for lock in self.locks:
            lock.release()
        self.locks.clear()

    # ------------------------------------------------------------ checks

    def code(self, code_id: str, role: str = "code") -> Code:
        code = self.codebook.codes.get(code_id)
        if code is None:
            hint = suggest(code_id, list(self.codebook.codes))
            mapping = self.history.resolve(code_id, "", set(self.codebook.codes))
            if mapping is not None and mapping.chain:
                hint = f" ({mapping.explain(code_id)})"
            raise _refuse(f"there is no {role} {code_id!r} in the codebook{hint}", self.path)
        return code

    def where(self, code: Code) -> str:
        return f"line {code.line} of {self.path.name}" if code.line else self.path.name

    def check_new_id(self, code_id: str, reviving: str | None = None) -> None:
        """``code_id`` may become a code id: valid, unused, never used before (except
        to rename ``reviving`` back to it)."""
        if not CODE_ID.match(code_id):
            raise _refuse(f"code id {code_id!r} is not valid: use letters, digits, '-', '_', '.' or ':', starting "
                          "with a letter or digit", self.path)
        existing = self.codebook.codes.get(code_id)
        if existing is not None:
            raise _refuse(f"there is already a code {code_id!r} ({existing.name}, {self.where(existing)})", self.path)
        mapping = self.history.resolve(code_id, "", set(self.codebook.codes))
        if mapping is not None:
            if reviving is not None and mapping.kind == "mapped" and mapping.codes == (reviving,):
                return  # renaming a code back to its old id: old annotations mean the same code
            raise _refuse(f"the id {code_id!r} was used before ({mapping.explain(code_id)}); ids are never reused, "
                          "so annotations that still carry it stay unambiguous. Choose another id", self.path)

    def check_key(self, key: str, code_id: str | None = None) -> str:
        command = command_for_key(key)
        if command:
            raise _refuse(f"the key {key!r} is kept by tcoder for the command '{command}'; codebook keys are single "
                          "letters or digits", self.path)
        if len(key) != 1 or not key.isascii() or not key.isalnum():
            raise _refuse(f"the key {key!r} must be one letter or digit (a-z, A-Z, 0-9)", self.path)
        owner = self.codebook.by_key.get(key)
        if owner is not None and owner.id != code_id:
            free = free_keys(self.codebook)
            listed = ", ".join(free[:14]) + (f" and {len(free) - 14} more" if len(free) > 14 else "")
            raise _refuse(f"the key {key!r} is already the key of {owner.id!r} ({owner.name}); free keys: "
                          f"{listed or 'none'}", self.path)
        return key

    def check_colour(self, colour: str) -> str:
        normal = normalise_colour(colour)
        if normal is None:
            raise _refuse(f"{colour!r} is not a colour: use a hex colour such as '#0072B2' or a name such as blue",
                          self.path)
        return colour.strip()

    def check_parent(self, parent: str | None) -> Code | None:
        if parent is None:
            return None
        code = self.code(parent, "parent code")
        domain = self.codebook.domain_of(parent)
        if domain is not None:
            raise _refuse(f"{parent!r} is a value of the exclusive domain {domain.id!r} and cannot have codes of its "
                          "own", self.path)
        return code

    # ------------------------------------------------------------ annotation files

    def scan(self, codes: Iterable[str]) -> list[_Scanned]:
        """Every annotation file that uses one of ``codes`` (old ids that the history
        maps to them count), read and mapped. A file that may use one and cannot be
        read stops the operation."""
        return list(coded_files(self.study, codes, self.history, set(self.codebook.codes)))

    def claim(self, scanned: _Scanned, count: int) -> LeftFile | None:
        """Take the file's writer lock for the operation; a live session's file is left (returned)."""
        if scanned.path.absolute() in self.held:
            return None
        if self.links is not None and self.links.link(lock_path_of(scanned.path)):
            return None
        lock = AnnotationLock(scanned.path, coder=scanned.coder, purpose=f"tcoder codebook {self.op}")
        try:
            lock.acquire()
        except LockedError as exc:
            if not exc.holder:
                raise OperationRefused([*exc.problems, Problem("nothing was changed")]) from None
            return LeftFile(scanned.path, scanned.coder, scanned.transcript, count, exc.holder)
        self.locks.append(lock)
        return None

    def rewrite(self, transform: Callable[[AnnotationFile, _Scanned], "_Effect"], codes: Iterable[str]
                ) -> tuple[list[FilePlan], list[LeftFile], list[tuple[_Scanned, _Effect]]]:
        """Apply ``transform`` to every file mentioning ``codes``: the files to write, the
        files left to live sessions, and (for those) what the transform would have done."""
        plans: list[FilePlan] = []
        left: list[LeftFile] = []
        left_effects: list[tuple[_Scanned, _Effect]] = []
        for scanned in self.scan(codes):
            effect = transform(scanned.file, scanned)
            if not effect.any:
                continue
            kept_out = self.claim(scanned, effect.count)
            if kept_out is not None:
                left.append(kept_out)
                left_effects.append((scanned, effect))
                continue
            after = encode_annotations(scanned.file)
            if after == scanned.raw:
                continue
            plans.append(FilePlan(scanned.path, scanned.coder, scanned.transcript, scanned.raw, after,
                                  effect.recoded, effect.removed, effect.added, effect.combined,
                                  effect.decisions_moved, effect.decisions_removed))
        return plans, left, left_effects

    # ------------------------------------------------------------ the result

    def references(self, recode: Mapping[str, Sequence[str]]) -> tuple[list[OtherFile], list[str]]:
        """Themes and memos that name a changed code follow it: ``recode`` maps
        an old id to the codes it became (none: deleted). Their files are written by their
        own modules' writers (which keep every untouched line), in the same step."""
        from tcoder.memos import Link, encode_memo
        from tcoder.memoset import load_memos
        from tcoder.themes import ThemeFileError, encode_themes, read_themes

        def follow(codes: list[str]) -> list[str]:
            out: list[str] = []
            for code in codes:
                out.extend(recode.get(code, [code]))
            return list(dict.fromkeys(out))

        others: list[OtherFile] = []
        notes: list[str] = []
        themes_path = self.study.themes_path
        if themes_path.is_file():
            try:
                themes = read_themes(themes_path)
            except ThemeFileError:
                notes.append(f"{themes_path.name} could not be read, so the codes of its themes were left as they are")
            else:
                moved = []
                for theme in themes:
                    codes = follow(theme.codes)
                    if codes != theme.codes:
                        moved.append(theme.label)
                        theme.codes = codes
                if moved:
                    others.append(OtherFile(themes_path, themes_path.read_bytes(), encode_themes(themes),
                                            f"{word_for(len(moved), 'theme')} {', '.join(moved)} {verb_for(len(moved), 'follows')} their codes"))
        for memo in load_memos(self.study):
            if memo.path is None or memo.raw is None or not any(
                    link.kind == "code" and link.target in recode for link in memo.links):
                continue
            links: list[Link] = []
            for link in memo.links:
                targets = recode.get(link.target) if link.kind == "code" else None
                if targets is None:
                    links.append(link)
                elif not targets:
                    links.append(link)  # the memo stays about the deleted code: never lost, check shows it
                    notes.append(f"memo {memo.id} is about {link.target!r}, which is deleted; the memo is kept")
                else:
                    for target in targets:
                        if not any(other.kind == "code" and other.target == target for other in links):
                            links.append(dataclasses.replace(link, target=target))
            if [(link.kind, link.target) for link in links] != [(link.kind, link.target) for link in memo.links]:
                memo.links = links
                others.append(OtherFile(memo.path, memo.raw, encode_memo(memo), "the memo follows its code"))
        return others, notes

    def finish(self, label: str, data: dict[str, Any], *, changes: str, files: list[FilePlan] = (),  # type: ignore[assignment]
               left: list[LeftFile] = (), notes: Iterable[str] = (), introduces: Iterable[str] = (),  # type: ignore[assignment]
               recode: Mapping[str, Sequence[str]] | None = None) -> Plan:
        """Check the edited codebook and assemble the plan (with the themes and
        memos that follow the codes of ``recode``)."""
        others, more_notes = self.references(recode) if recode else ([], [])
        notes = [*notes, *more_notes]
        new_text = self.doc.text
        try:
            parse_codebook(new_text.lstrip("\ufeff"), self.path)
        except CodebookError as exc:
            reasons = "; ".join(p.message for p in exc.problems[:3])
            raise _refuse(f"after this change the codebook would not be valid ({reasons})", self.path) from None
        entry = Entry(self.op, self.when, self.who, self.op_id, self.why, data)
        history_text = self.history_raw.decode("utf-8-sig") if self.history_raw is not None else None
        history_after = appended(history_text, entry).encode("utf-8")
        return Plan(self.study, self.op, label, entry, self.codebook_raw, _encode(new_text), self.history_raw,
                    history_after, list(files), list(left), list(notes), list(introduces), changes, others)


def coded_files(study: Study, codes: Iterable[str], history: History | None = None,
                known: set[str] | None = None) -> Iterator[_Scanned]:
    """The annotation files that use one of ``codes``, parsed, with annotations that
    still carry old ids read under their current codes (so an operation also reaches
    the passages of files a live session held during an earlier one)."""
    wanted = set(codes)
    if history is None:
        history = study.history
    if known is None:
        known = set(study.codebook.codes)
    needles = [json.dumps(c, ensure_ascii=False).encode("utf-8") for c in (*wanted, *history.retired)]
    for path, coder, transcript in annotation_files(study):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise _refuse(f"cannot read this annotation file ({exc.strerror}), so its annotations cannot be "
                          "changed with the codebook", path) from None
        if not any(n in raw for n in needles):
            continue
        try:
            af = parse_annotations(raw.decode("utf-8-sig"), path)
        except UnicodeDecodeError:
            raise _refuse("this annotation file is not UTF-8, so its annotations cannot be changed with the "
                          "codebook; fix it (tcoder check) and try again", path) from None
        except TcoderError as exc:
            raise OperationRefused([Problem(
                "this annotation file cannot be read, so its annotations cannot be changed with the codebook; "
                "fix it (tcoder check lists what is wrong) and try again. Nothing was changed", path),
                *exc.problems[:3]]) from None
        if history.retired:
            migrate_file(af, history, known)
        if any(a.code in wanted for a in af.annotations) or _header_codes(af) & wanted:
            yield _Scanned(path, coder, transcript, raw, af, {a.id: a.code for a in af.annotations})


def _header_codes(af: AnnotationFile) -> set[str]:
    records = af.extra.get(NONE_FIELD)
    if not isinstance(records, list):
        return set()
    return {r["code"] for r in records if isinstance(r, dict) and isinstance(r.get("code"), str)}


def annotation_files(study: Study) -> Iterator[tuple[Path, str, str]]:
    """Every annotation file of the study: (path, coder, transcript name), those
    whose transcript is missing included (they are coded data too)."""
    for ref in study.transcripts:
        for coder, path in sorted(study.annotation_files(ref).items()):
            yield path, coder, ref.name
    for path in study.stray_annotation_files:
        coder = path.name[:-len(".json")].rpartition(".")[2]
        yield path, coder, path.name


def _encode(text: str) -> bytes:
    if text.startswith("\ufeff"):
        return b"\xef\xbb\xbf" + text[1:].encode("utf-8")
    return text.encode("utf-8")


@dataclass
class _Effect:
    recoded: int = 0
    removed: int = 0
    added: int = 0
    combined: int = 0
    ids: dict[str, list[str]] = field(default_factory=dict)  # outcome -> annotation ids (for left files)

    @property
    def any(self) -> bool:
        return bool(self.recoded or self.removed or self.added or self.decisions_moved or self.decisions_removed)

    @property
    def count(self) -> int:
        return self.recoded + self.removed

    decisions_moved: int = 0  # decisions of "none" in a consensus header that follow their code
    decisions_removed: int = 0  # ... and those removed with it


def _perform(study: Study, op: str, build: Callable[[_Planner], Plan], *, who: str | None, why: str,
             held: Iterable[Path], expected_sha256: str | None, dry_run: bool) -> Outcome:
    who = default_who(study.root) if who is None else who
    with operation_lock(study.root, who=who, purpose=f"tcoder codebook {op}"):
        planner = _Planner(study, op, who=who, why=why, held=held, expected_sha256=expected_sha256)
        try:
            try:
                plan = build(planner)
            except EditError as exc:
                raise OperationRefused(exc.problems) from None
            if dry_run:
                return Outcome(plan, None)
            operation = plan.apply()
        finally:
            planner.release()
    study.reload_codebook()
    return Outcome(plan, operation)


def _header_records(af: AnnotationFile) -> list[Any] | None:
    records = af.extra.get(NONE_FIELD)
    return records if isinstance(records, list) else None


def _set_header_records(af: AnnotationFile, records: list[Any]) -> None:
    af.extra = dict(af.extra, **{NONE_FIELD: records})


def _recode_header(af: AnnotationFile, mapping: Callable[[dict[str, Any]], str | None], effect: _Effect,
                   codes: set[str]) -> None:
    """Decisions of "none" in a consensus header name a code: they follow it
    (``mapping`` returns the new code, or None to drop the record)."""
    records = _header_records(af)
    if not records:
        return
    out = []
    changed = False
    for record in records:
        if isinstance(record, dict) and record.get("code") in codes:
            new = mapping(record)
            changed = True
            if new is not None:
                out.append(dict(record, code=new))
                effect.decisions_moved += 1
            else:
                effect.decisions_removed += 1
            continue
        out.append(record)
    if changed:
        _set_header_records(af, out)


# ---------------------------------------------------------------- new and edit


def new_code(study: Study, name: str, *, code_id: str | None = None, parent: str | None = None,
             key: str | None = None, description: str = "", include: str = "", exclude: str = "",
             examples: Sequence[str] = (), color: str | None = None, value: Any = None,
             index: int | None = None, apply_to: tuple[Path, str, Annotation, AnnotationFile | None] | None = None,
             who: str | None = None, why: str = "", held: Iterable[Path] = (), expected_sha256: str | None = None,
             dry_run: bool = False) -> Outcome:
    """Add a code. ``apply_to`` = (annotation file, coder, annotation, the file's
    content if it does not exist yet) also codes a passage with it in the same step
    (an in-vivo code); the file is normally held by the caller's session."""
    name = " ".join(name.split())

    def build(p: _Planner) -> Plan:
        if not name:
            raise _refuse("a code needs a name", p.path)
        cid = code_id if code_id else derive_id(name, set(p.codebook.codes) | p.history.ids())
        p.check_new_id(cid)
        parent_code = p.check_parent(parent)
        fields: dict[str, Any] = {"id": cid}
        if name != cid:
            fields["name"] = name
        for field_name, text in (("description", description), ("include", include), ("exclude", exclude)):
            if text.strip():
                fields[field_name] = text.strip()
        if examples:
            fields["examples"] = [e.strip() for e in examples if e.strip()]
        if key:
            fields["key"] = p.check_key(key)
        if color:
            fields["color"] = p.check_colour(color)
        if value is not None:
            if parent_code is None or not parent_code.exclusive:
                raise _refuse(f"'value' only applies to the values of an exclusive domain; {parent or 'the top'} is "
                              "not one", p.path)
            fields["value"] = value
        p.doc.add_code(parent, fields, index)
        files: list[FilePlan] = []
        if apply_to is not None:
            files.append(_coded_file(p, cid, *apply_to))
        where = f"under {parent!r}" if parent else "at the top level"
        data: dict[str, Any] = {"code": cid, "name": name}
        if parent:
            data["parent"] = parent
        label = f"add the code {cid!r} ({name}) {where}" + (", coding the selection with it" if apply_to else "")
        return p.finish(label, data, changes="1 code added", files=files, introduces=[cid])

    return _perform(study, "new", build, who=who, why=why, held=held, expected_sha256=expected_sha256,
                    dry_run=dry_run)


def _coded_file(p: _Planner, code_id: str, path: Path, coder: str, annotation: Annotation,
                empty: AnnotationFile | None) -> FilePlan:
    """The coder's file with one more annotation (the in-vivo code's first passage)."""
    try:
        raw: bytes | None = path.read_bytes()
    except FileNotFoundError:
        raw = None
    if raw is None:
        if empty is None:
            raise _refuse("the annotation file does not exist", path)
        af = AnnotationFile(empty.coder, empty.transcript, empty.text_sha256, list(empty.annotations),
                            empty.format, dict(empty.extra))
    else:
        try:
            af = parse_annotations(raw.decode("utf-8-sig"), path)
        except (TcoderError, UnicodeDecodeError):
            raise _refuse("this annotation file cannot be read; the new code was not created", path) from None
    if path.absolute() not in p.held:
        scanned = _Scanned(path, coder, path.name, raw or b"", af)
        if p.claim(scanned, 1) is not None:
            raise _refuse("this annotation file is open in another coding session", path)
    af.annotations.append(annotation.copy(code=code_id))
    return FilePlan(path, coder, path.name, raw or b"", encode_annotations(af), added=1)


def edit_code(study: Study, code_id: str, changes: Mapping[str, Any], *, who: str | None = None, why: str = "",
              held: Iterable[Path] = (), expected_sha256: str | None = None, dry_run: bool = False) -> Outcome:
    """Change a code's name, definition (description, include, exclude, examples),
    key, colour or domain value. A value of ``None`` or ``""`` removes the field."""
    unknown = [k for k in changes if k not in EDITABLE]
    if unknown:
        raise OperationRefused(Problem(f"cannot edit {', '.join(unknown)}: the fields a code can change are "
                                       f"{', '.join(EDITABLE)} (the id changes with 'rename')"))

    def build(p: _Planner) -> Plan:
        code = p.code(code_id)
        updates: dict[str, Any] = {}
        for name, value in changes.items():
            if isinstance(value, str):
                value = value.strip()
            if name == "name":
                value = " ".join(str(value or "").split())
                if not value:
                    raise _refuse("a code needs a name", p.path)
                if value == code.name:
                    continue
            elif name == "key":
                if value:
                    value = p.check_key(str(value), code.id)
                if (value or None) == code.key:
                    continue
            elif name == "color":
                if value:
                    value = p.check_colour(str(value))
                elif not code.color_given:
                    continue
            elif name == "value":
                if p.codebook.domain_of(code.id) is None and value not in (None, ""):
                    raise _refuse(f"'value' only applies to the values of an exclusive domain; {code.id!r} is not "
                                  "one", p.path)
            elif name == "examples":
                value = [str(e).strip() for e in (value or []) if str(e).strip()]
                if tuple(value) == code.examples:
                    continue
            elif (value or "") == getattr(code, name):
                continue
            updates[name] = value if value not in ("", []) else None
        if not updates:
            raise _refuse(f"{code.id!r} already has these values", p.path)
        fields = sorted(updates)
        if "color" in updates and "colour" in _fields_of(p, code.id):
            updates["colour"] = updates.pop("color")  # the file spells it the British way: keep that
        if "name" in updates and updates["name"] == code.id:
            updates["name"] = None  # the name defaults to the id
        p.doc.set_fields(code.id, updates)
        data: dict[str, Any] = {"code": code.id, "fields": fields}
        if "name" in changes and changes["name"] and " ".join(str(changes["name"]).split()) != code.name:
            data["name"] = " ".join(str(changes["name"]).split())
            data["was"] = code.name
        label = f"edit {code.id!r}: {', '.join(data['fields'])}"
        return p.finish(label, data, changes=f"{code.id!r}: {', '.join(data['fields'])} changed")

    return _perform(study, "edit", build, who=who, why=why, held=held, expected_sha256=expected_sha256,
                    dry_run=dry_run)


def _fields_of(p: _Planner, code_id: str) -> list[str]:
    node = p.doc.codes[code_id].node
    return [k.value for k, _ in node.value]


# ---------------------------------------------------------------- rename


def rename_code(study: Study, old: str, new: str, *, name: str | None = None, who: str | None = None,
                why: str = "", held: Iterable[Path] = (), expected_sha256: str | None = None,
                dry_run: bool = False) -> Outcome:
    """Give a code a new id in the codebook and in every coder's annotation files
    (optionally a new name too)."""

    def build(p: _Planner) -> Plan:
        code = p.code(old)
        if new == old:
            raise _refuse(f"{old!r} already has this id", p.path)
        p.check_new_id(new, reviving=old)
        updates: dict[str, Any] = {"id": new}
        if name is not None and " ".join(name.split()) != code.name:
            updates["name"] = " ".join(name.split()) or None
        elif code.name == code.id:
            updates["name"] = code.name  # the name was the id: keep what coders see
        p.doc.set_fields(old, updates)

        def transform(af: AnnotationFile, where: _Scanned) -> _Effect:
            effect = _Effect()
            for i, a in enumerate(af.annotations):
                if a.code == old:
                    af.annotations[i] = a.copy(code=new)
                    effect.recoded += 1
            _recode_header(af, lambda record: new, effect, {old})
            return effect

        files, left, _ = p.rewrite(transform, [old])
        data: dict[str, Any] = {"code": old, "to": new}
        if "name" in updates and updates["name"] and updates["name"] != code.name:
            data.update(name=updates["name"], was=code.name)
        label = f"rename {old!r} to {new!r}" + (f" ({data['name']})" if "was" in data else "")
        return p.finish(label, data, changes=f"id {old!r} -> {new!r}", files=files, left=left, introduces=[new],
                        recode={old: [new]})

    return _perform(study, "rename", build, who=who, why=why, held=held, expected_sha256=expected_sha256,
                    dry_run=dry_run)


# ---------------------------------------------------------------- merge


def merge_codes(study: Study, sources: Sequence[str], target: str, *, name: str | None = None,
                who: str | None = None, why: str = "", held: Iterable[Path] = (),
                expected_sha256: str | None = None, dry_run: bool = False) -> Outcome:
    """Merge ``sources`` into ``target``: their passages (every coder's) get the
    target code and the sources leave the codebook, their child codes moving
    under the target. A target that does not exist is created where the first
    source was, named ``name``. Passages that become the same code on the same
    text in one file are combined into one (see :mod:`tcoder.overlaps`)."""

    def build(p: _Planner) -> Plan:
        merged = [s for s in dict.fromkeys(sources) if s != target]
        if not merged:
            raise _refuse("name at least one code to merge into another", p.path)
        codes = [p.code(s) for s in merged]
        for code in codes:
            if code.exclusive:
                raise _refuse(f"{code.id!r} is an exclusive domain; merge its values instead", p.path)
        target_code = p.codebook.codes.get(target)
        created = target_code is None
        domains = {_domain_id(p.codebook, c.id) for c in codes}
        if target_code is not None:
            if target_code.exclusive:
                raise _refuse(f"{target!r} is an exclusive domain; codes are merged into one of its values, not into "
                              "the domain", p.path)
            domains.add(_domain_id(p.codebook, target))
            for code in codes:
                if target in p.codebook.descendants(code.id):
                    raise _refuse(f"{target!r} is inside {code.id!r}; merge into a code outside it", p.path)
        else:
            if not name:
                raise _refuse(f"there is no code {target!r}; to create it as the merged code, give its name "
                              "(--name)", p.path)
            p.check_new_id(target)
            domains.add(_domain_id(p.codebook, codes[0].id))
        if len(domains) > 1:
            described = ", ".join(f"{c.id!r} (" + (f"a value of {_domain_id(p.codebook, c.id)!r}"
                                                   if _domain_id(p.codebook, c.id) else "a code") + ")" for c in codes)
            raise _refuse(f"cannot merge across exclusive domains: {described} and {target!r} are not all values of "
                          "the same domain (a domain value means one answer to one question)", p.path)
        notes: list[str] = []
        if created:
            first = codes[0]
            siblings = [c for c in p.codebook.codes.values() if c.parent == first.parent]
            fields: dict[str, Any] = {"id": target}
            if name and name != target:
                fields["name"] = " ".join(name.split())
            p.doc.add_code(first.parent, fields, siblings.index(first))
        # children of the merged codes move under the target, in order
        for code in codes:
            for child in list(code.children):
                if child in merged:
                    continue
                p.doc.move_code(child, target)
                notes.append(f"{child!r} moved under {target!r} (it was under {code.id!r})")
        for code in codes:
            p.doc.remove_code(code.id)
        source_set = set(merged)

        def transform(af: AnnotationFile, where: _Scanned) -> _Effect:
            effect = _Effect()
            recoded = set()
            for i, a in enumerate(af.annotations):
                if a.code in source_set:
                    af.annotations[i] = a.copy(code=target)
                    recoded.add(a.id)
                    effect.recoded += 1
            if recoded:
                effect.combined = _merge_overlaps(af, recoded, lambda: p.study.transcript(where.transcript).text)
            _recode_header(af, lambda record: target, effect, source_set)
            return effect

        files, left, _ = p.rewrite(transform, merged)
        combined = sum(f.combined for f in files)
        if combined:
            notes.append(f"{plural(combined, 'annotation')} shared text with another that became {target!r} in the same file "
                         f"and {verb_for(combined, 'was')} combined with it, as tcoder does whenever a code is applied twice to the same "
                         "text (their text united, memos kept)")
        names = {c.id: c.name for c in codes}
        data: dict[str, Any] = {"codes": merged, "into": target, "names": names}
        if created:
            data["created"] = True
            data["name"] = " ".join((name or target).split())
        listed = ", ".join(repr(s) for s in merged)
        label = f"merge {listed} into {target!r}" + (" (new)" if created else "")
        changes = f"{plural(len(merged), 'code')} merged into {target!r}" + (", which is new" if created else "")
        return p.finish(label, data, changes=changes, files=files, left=left, notes=notes,
                        introduces=[target] if created else [], recode={s: [target] for s in merged})

    return _perform(study, "merge", build, who=who, why=why, held=held, expected_sha256=expected_sha256,
                    dry_run=dry_run)


def _domain_id(codebook: Codebook, code_id: str) -> str | None:
    domain = codebook.domain_of(code_id)
    return domain.id if domain is not None else None


def _merge_overlaps(af: AnnotationFile, recoded: set[str], text: Callable[[], str]) -> int:
    """Annotations that now have one code and share text (one passage coded with both
    merged codes) become one, by the rule of :mod:`tcoder.overlaps` (the earliest one's
    id, the union of the text, every memo). Returns how many went."""
    from tcoder.overlaps import merged_annotation, overlap_groups

    groups = [g for g in overlap_groups(af.annotations) if any(a.id in recoded for a in g.annotations)]
    if not groups:
        return 0
    content = text()
    gone = 0
    replaced: dict[str, Annotation | None] = {}
    for group in groups:
        # stamped with the group's latest edit, not now: the same operation gives the same bytes
        # wherever it is made (two clones that make it merge without a difference)
        latest = max((a.updated or a.created or "" for a in group.annotations), default="") or None
        merged = merged_annotation(group.annotations, content, when=latest)
        if latest is None:  # none of them had a time: none is made up
            merged.updated = None
        for a in group.annotations:
            replaced[a.id] = None
        replaced[merged.id] = merged
        gone += len(group.annotations) - 1
    out = []
    for a in af.annotations:
        if a.id in replaced:
            kept = replaced.pop(a.id)
            if kept is not None:
                out.append(kept)
        else:
            out.append(a)
    af.annotations = out
    return gone


# ---------------------------------------------------------------- split


@dataclass
class SplitPassage:
    """One passage of the code being split, for the review screen and plan files."""

    coder: str
    transcript: str
    path: Path
    annotation: Annotation
    locked_by: str = ""


def split_passages(study: Study, code_id: str) -> list[SplitPassage]:
    """Every coder's annotations of ``code_id`` (to assign before :func:`split_code`)."""
    if code_id not in study.codebook.codes:
        raise OperationRefused(Problem(f"there is no code {code_id!r} in the codebook", study.codebook_path))
    out: list[SplitPassage] = []
    for scanned in coded_files(study, [code_id]):
        for a in sorted(scanned.file.annotations, key=Annotation.sort_key):
            if a.code == code_id:
                out.append(SplitPassage(scanned.coder, scanned.transcript, scanned.path, a))
    return out


def split_code(study: Study, source: str, targets: Sequence[str], assignment: Assignment, *,
               names: Mapping[str, str] | None = None, default: Sequence[str] | None = None,
               who: str | None = None, why: str = "", held: Iterable[Path] = (),
               expected_sha256: str | None = None, dry_run: bool = False) -> Outcome:
    """Split ``source`` into ``targets``: each of its passages (every coder's)
    goes to the targets ``assignment`` gives it (annotation id -> target ids; two
    targets: the passage is coded with both). ``default`` applies to passages
    the assignment leaves out; without it every passage must be assigned.
    Targets that do not exist are created beside the source, named by ``names``;
    the source stays only if it is one of the targets (else its child codes move
    under the first target)."""
    names = dict(names or {})

    def build(p: _Planner) -> Plan:
        code = p.code(source)
        if code.exclusive:
            raise _refuse(f"{source!r} is an exclusive domain; split one of its values, or add values", p.path)
        wanted = list(dict.fromkeys(targets))
        if len(wanted) < 2:
            raise _refuse("a split needs at least two codes to split into", p.path)
        domain = p.codebook.domain_of(source)
        created: list[str] = []
        for target in wanted:
            if target == source:
                continue
            existing = p.codebook.codes.get(target)
            if existing is None:
                if target not in names:
                    raise _refuse(f"there is no code {target!r}; to create it, give its name", p.path)
                p.check_new_id(target)
                created.append(target)
            else:
                target_domain = p.codebook.domain_of(target)
                if (target_domain.id if target_domain else None) != (domain.id if domain else None) or existing.exclusive:
                    raise _refuse(f"cannot split {source!r} into {target!r}: "
                                  + (f"{source!r} is a value of the domain {domain.id!r} and {target!r} is not"
                                     if domain else f"{target!r} is a value of an exclusive domain or a domain"),
                                  p.path)
                if target in p.codebook.descendants(source, include_self=False):
                    raise _refuse(f"{target!r} is inside {source!r}; split into codes outside it, or into "
                                  f"{source!r} itself", p.path)
        for target, wanted_targets in [(a, t) for a, t in assignment.items()]:
            bad = [t for t in wanted_targets if t not in wanted]
            if bad:
                raise _refuse(f"passage {target} is assigned to {', '.join(map(repr, bad))}, which is not one of the "
                              f"codes {source!r} is split into", p.path)
        fallback = list(default) if default else None
        if fallback is not None and any(t not in wanted for t in fallback):
            raise _refuse("the default target must be one of the codes the split makes", p.path)
        siblings = [c for c in p.codebook.codes.values() if c.parent == code.parent]
        at = siblings.index(code) + 1
        for n, target in enumerate(created):
            fields: dict[str, Any] = {"id": target}
            target_name = " ".join(names[target].split())
            if target_name and target_name != target:
                fields["name"] = target_name
            p.doc.add_code(code.parent, fields, at + n)
        notes: list[str] = []
        keeps = source in wanted
        if not keeps:
            first = next(t for t in wanted if t != source)
            for child in list(code.children):
                p.doc.move_code(child, first)
                notes.append(f"{child!r} moved under {first!r} (it was under {source!r})")
            p.doc.remove_code(source)
        missing: list[str] = []

        def goes_to(annotation_id: str) -> list[str]:
            # in the order of the split's codes: the first keeps the annotation's id, whoever assigned it
            given = set(assignment.get(annotation_id) or fallback or [])
            chosen = [t for t in wanted if t in given]
            if not chosen:
                missing.append(annotation_id)
            return chosen

        def transform(af: AnnotationFile, where: _Scanned) -> _Effect:
            effect = _Effect()
            out: list[Annotation] = []
            for a in af.annotations:
                if a.code != source:
                    out.append(a)
                    continue
                chosen = goes_to(a.id)
                if not chosen:
                    out.append(a)
                    continue
                for n, target in enumerate(chosen):
                    if n == 0:
                        if target != source:
                            effect.recoded += 1
                        out.append(a.copy(code=target))
                    else:
                        effect.added += 1
                        out.append(a.copy(code=target, id=derived_id(a.id, target)))
            af.annotations = out

            def record_target(record: dict[str, Any]) -> str | None:
                sources = record.get("sources")
                for ident in sources if isinstance(sources, list) else []:
                    chosen = assignment.get(str(ident)) or fallback
                    if chosen:
                        return chosen[0]
                return wanted[0] if wanted[0] != source or keeps else next(t for t in wanted if t != source)

            if not keeps:
                _recode_header(af, record_target, effect, {source})
            return effect

        files, left, left_effects = p.rewrite(transform, [source])
        if missing:
            raise _refuse(f"{plural(len(missing), 'passage')} of {source!r} {verb_for(len(missing), 'is')} not assigned to any of "
                          f"{', '.join(map(repr, wanted))} (first: annotation {missing[0]}); assign every passage, "
                          "or give a default", p.path)
        data: dict[str, Any] = {"code": source, "into": wanted,
                                "names": {source: code.name, **{t: " ".join(names[t].split()) for t in created}}}
        if created:
            data["created"] = created
        if left_effects:
            # passages in files open in live sessions: the history says where each one goes
            data["assigned"] = _assigned(left_effects, source, wanted, lambda ident: assignment.get(ident) or fallback
                                         or [])
        listed = ", ".join(repr(t) for t in wanted)
        label = f"split {source!r} into {listed}"
        changes = (f"{plural(len(created), 'code')} added" if created else "no codes added") + \
            (f", {source!r} removed" if not keeps else f", {source!r} kept")
        return p.finish(label, data, changes=changes, files=files, left=left, notes=notes, introduces=created,
                        recode=None if keeps else {source: wanted})

    return _perform(study, "split", build, who=who, why=why, held=held, expected_sha256=expected_sha256,
                    dry_run=dry_run)


def _assigned(left: list[tuple[_Scanned, _Effect]], source: str, targets: list[str],
              choose: Callable[[str], Sequence[str]]) -> dict[str, list[str]]:
    """Split: target -> ids of the passages (in files left to live sessions) it gets;
    ``both`` lists those that go to every target."""
    out: dict[str, list[str]] = {}
    for scanned, _ in left:
        for annotation_id, code in scanned.codes.items():
            if code != source:
                continue
            chosen = list(dict.fromkeys(choose(annotation_id)))
            if len(chosen) > 1 and set(chosen) == set(targets):
                out.setdefault("both", []).append(annotation_id)
            else:
                for target in chosen:
                    out.setdefault(target, []).append(annotation_id)
    return out


# ---------------------------------------------------------------- move


def move_code(study: Study, code_id: str, parent: str | None, *, index: int | None = None, who: str | None = None,
              why: str = "", held: Iterable[Path] = (), expected_sha256: str | None = None,
              dry_run: bool = False) -> Outcome:
    """Move a code (with its child codes) under ``parent`` (None: the top level).
    Annotation files do not change: they store ids, not places in the tree."""

    def build(p: _Planner) -> Plan:
        code = p.code(code_id)
        target = p.code(parent, "parent code") if parent is not None else None
        if target is not None and parent in p.codebook.descendants(code_id):
            raise _refuse(f"cannot move {code_id!r} under {parent!r}: {parent!r} is "
                          + ("the code itself" if parent == code_id else f"inside {code_id!r}"), p.path)
        domain = p.codebook.domain_of(code_id)
        if domain is not None and parent != domain.id:
            raise _refuse(f"{code_id!r} is a value of the exclusive domain {domain.id!r}; a value cannot leave its "
                          "domain (create a code with its name instead)", p.path)
        if target is not None:
            if target.exclusive and code.parent != target.id:
                raise _refuse(f"{parent!r} is an exclusive domain: its codes are the values of one variable; a code "
                              "cannot be moved into it", p.path)
            if p.codebook.domain_of(target.id) is not None:
                raise _refuse(f"{parent!r} is a value of an exclusive domain and cannot have codes of its own", p.path)
        siblings_after = [c for c in p.codebook.codes.values() if c.parent == parent and c.id != code_id]
        if code.parent == parent and index is None:
            raise _refuse(f"{code_id!r} is already " + (f"under {parent!r}" if parent else "at the top level"),
                          p.path)
        if index is not None and not 0 <= index <= len(siblings_after):
            raise _refuse(f"position {index + 1} is beyond the end of the list ({plural(len(siblings_after), 'code')})", p.path)
        p.doc.move_code(code_id, parent, index)
        data = {"code": code_id, "from": code.parent, "to": parent}
        where = f"under {parent!r}" if parent else "to the top level"
        return p.finish(f"move {code_id!r} {where}", data, changes=f"{code_id!r} moved {where}")

    return _perform(study, "move", build, who=who, why=why, held=held, expected_sha256=expected_sha256,
                    dry_run=dry_run)


# ---------------------------------------------------------------- delete


def code_usage(study: Study, code_id: str) -> Counter[str]:
    """How many annotations use ``code_id``, per coder (every file, old ids mapped)."""
    counts: Counter[str] = Counter()
    for scanned in coded_files(study, [code_id]):
        counts[scanned.coder] += sum(1 for a in scanned.file.annotations if a.code == code_id)
    return +counts


def delete_code(study: Study, code_id: str, *, delete_annotations: bool = False, who: str | None = None,
                why: str = "", held: Iterable[Path] = (), expected_sha256: str | None = None,
                dry_run: bool = False) -> Outcome:
    """Remove a code. Refused while annotations use it, unless
    ``delete_annotations`` confirms deleting them too (to keep them, merge the
    code into another instead)."""

    def build(p: _Planner) -> Plan:
        code = p.code(code_id)
        if code.children:
            raise _refuse(f"{code_id!r} has codes of its own ({', '.join(map(repr, code.children[:5]))}); move or "
                          "delete them first", p.path)
        def transform(af: AnnotationFile, where: _Scanned) -> _Effect:
            effect = _Effect()
            kept = []
            for a in af.annotations:
                if a.code == code_id:
                    effect.removed += 1
                    effect.ids.setdefault("removed", []).append(a.id)
                else:
                    kept.append(a)
            af.annotations = kept
            _recode_header(af, lambda record: None, effect, {code_id})
            return effect

        usage: Counter[str] = Counter()
        for s in p.scan([code_id]):
            usage[s.coder] += sum(1 for a in s.file.annotations if a.code == code_id)
        usage = +usage
        if usage and not delete_annotations:
            per = ", ".join(f"{coder} {n}" for coder, n in sorted(usage.items()))
            raise _refuse(f"{code_id!r} is used by {plural(sum(usage.values()), 'annotation')} ({per}); merge it into another "
                          f"code to keep them (tcoder codebook merge {code_id} --into CODE), or delete them with it "
                          "(--delete-annotations)", p.path)
        p.doc.remove_code(code_id)
        files, left, left_effects = p.rewrite(transform, [code_id])
        data: dict[str, Any] = {"code": code_id, "names": {code_id: code.name}}
        if usage:
            data["annotations"] = sum(usage.values())
            data["per_coder"] = dict(sorted(usage.items()))
        removed_left = [i for _, effect in left_effects for i in effect.ids.get("removed", [])]
        if removed_left:
            data["removed"] = removed_left
        label = f"delete {code_id!r} ({code.name})" + (f" and its {plural(sum(usage.values()), 'annotation')}" if usage else "")
        return p.finish(label, data, changes="1 code removed", files=files, left=left, recode={code_id: []})

    return _perform(study, "delete", build, who=who, why=why, held=held, expected_sha256=expected_sha256,
                    dry_run=dry_run)


# ---------------------------------------------------------------- undo


def last_operation(study: Study) -> Operation | None:
    """The most recent codebook operation that can still be undone."""
    return latest(study.root, KIND_PREFIX)


def undo_operation(study: Study, op_id: str | None = None, *, who: str | None = None, why: str = "",
                   held: Iterable[Path] = ()) -> Operation:
    """Undo a codebook operation (the latest by default): the codebook, its history
    and every annotation file it wrote, back byte for byte. Refused when one of
    them changed since, when a file it wrote is open in another coding session,
    or when a code it created is used since (undoing would orphan those
    annotations)."""
    who = default_who(study.root) if who is None else who
    held_paths = {Path(p).absolute() for p in held}
    with operation_lock(study.root, who=who, purpose="tcoder codebook undo"):
        operation = find_operation(study.root, op_id) if op_id else last_operation(study)
        if operation is None:
            raise OperationRefused(Problem("there is no codebook operation to undo in this study", study.root))
        if not operation.kind.startswith(KIND_PREFIX):
            raise OperationRefused(Problem(f"'{operation.label}' is not a codebook operation", study.root))
        locks: list[AnnotationLock] = []
        links = operation_lock_links(study.root)
        try:
            for record in operation.written:
                path = study.root / record.path
                if not path.name.endswith(".json") or path.absolute() in held_paths:
                    continue
                if links is not None and links.link(lock_path_of(path)):
                    continue
                lock = AnnotationLock(path, purpose="tcoder codebook undo")
                try:
                    lock.acquire()
                except LockedError as exc:
                    raise OperationRefused(Problem(
                        f"cannot undo '{operation.label}': {exc.problems[0].message}. Close that coding session and "
                        "undo again; nothing was changed", path)) from None
                locks.append(lock)

            def check(op: Operation) -> None:
                _check_introduced_unused(study, op)

            done = undo_changeset(study.root, operation.id, who=who, note=why, check=check)
        finally:
            if links is not None:
                links.release()
            for lock in locks:
                lock.release()
    study.reload_codebook()
    return done


def _check_introduced_unused(study: Study, operation: Operation) -> None:
    introduced = [c for c in operation.meta.get("introduces") or [] if isinstance(c, str)]
    if not introduced:
        return
    written = {study.root / r.path for r in operation.written}
    needles = {c: json.dumps(c, ensure_ascii=False).encode("utf-8") for c in introduced}
    used: Counter[str] = Counter()
    where: dict[str, list[str]] = {}
    for path, _coder, _transcript in annotation_files(study):
        if path in written:
            continue
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        hits = [c for c, n in needles.items() if n in raw]
        if not hits:
            continue
        try:
            af = parse_annotations(raw.decode("utf-8-sig"), path)
        except (TcoderError, UnicodeDecodeError):
            continue
        for a in af.annotations:
            if a.code in hits:
                used[a.code] += 1
                where.setdefault(a.code, [])
                if path.name not in where[a.code]:
                    where[a.code].append(path.name)
    if used:
        parts = "; ".join(f"{code!r}: {plural(n, 'annotation')} in {', '.join(where[code][:4])}" for code, n in used.items())
        raise OperationRefused(Problem(
            f"cannot undo '{operation.label}': it created codes that have been used since ({parts}), and undoing "
            "would leave those annotations on codes that no longer exist. Recode or delete them first, or keep the "
            "operation; nothing was changed", study.root))


__all__ = [
    "Assignment", "EDITABLE", "FilePlan", "LeftFile", "OperationRefused", "Outcome", "Plan", "SplitPassage",
    "code_usage", "default_who", "delete_code", "derive_id", "edit_code", "free_keys", "in_vivo_name",
    "last_operation", "merge_codes", "move_code", "new_code", "rename_code", "split_code", "split_passages",
    "undo_operation",
]

"""De-identification (docs/sharing.md#de-identification): names and other identifiers
replaced by consistent pseudonyms in every file of a study, as one recorded step,
and put back from the key.

The key (``pseudonyms:`` identifier -> pseudonym, YAML) lives outside the study and
outside any git work tree; beside it tcoder keeps the restore file
(``KEY.restore.json``), which holds every file's original content, so the study
can be restored byte for byte. Annotations and memo passage links are not searched
for again: each replacement's old and new place is known, so every offset is moved
exactly (an annotation that began or ended inside a name covers the whole
pseudonym) and its quote and context are taken from the new text.

Transcripts, annotation files, memos and journal entries, the tables (attributes,
participants, speakers) and the YAML files (tcoder.yaml, the codebook and themes
and their histories) are rewritten through :mod:`tcoder.changeset`: completed or
rolled back after a crash. The journal's copies of earlier content would keep the
identifiers in the study's ``.tcoder`` folder, so they are deleted (the records
stay); a de-identification is taken back with the key, not with ``tcoder undo``.
"""

from __future__ import annotations

import base64
import bisect
import codecs
import csv
import hashlib
import io
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tcoder.annotations import CONTEXT_CHARS, AnnotationLock, encode_annotations, read_annotations_and_bytes
from tcoder.changeset import ChangeSet, Operation, new_operation_id, operation_lock, prune_images
from tcoder.errors import LockedError, Problem, TcoderError
from tcoder.numbers import plural, word_for
from tcoder.study import Study, written_for_another_text

KIND = "deidentify"
RESTORE_KIND = "deidentify.restore"
RESTORE_FORMAT = "tcoder-deidentify-restore/1"
KEY_FIELDS = ("pseudonyms",)
#: The header field of consensus decisions with offsets (tcoder.adjudication.NONE_FIELD).
_NONE_FIELD = "adjudicated_none"


class DeidentifyError(TcoderError):
    """De-identification refused; nothing was changed."""


# ---------------------------------------------------------------- the key


@dataclass
class Key:
    path: Path
    pseudonyms: dict[str, str]

    @property
    def restore_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".restore.json")


def read_key(path: Path) -> Key:
    from tcoder.safeio import decode_utf8, read_file
    from tcoder.yamlsource import YamlProblems, check_fields, parse_yaml

    raw = read_file(path, limit=16 * 1024 * 1024, what="the key", error=DeidentifyError)
    text = decode_utf8(raw, path, "the key", DeidentifyError)
    try:
        node = parse_yaml(text, path)
    except YamlProblems as exc:
        raise DeidentifyError(exc.problems) from None
    example = "pseudonyms:\n  Amara Okafor: Participant 1\n  Amara: Participant 1"
    if node is None or not node.is_map or "pseudonyms" not in node.value:
        raise DeidentifyError(Problem(f"a key is a mapping with 'pseudonyms:', identifier -> pseudonym, e.g.\n"
                                      f"{example}", path))
    problems: list[Problem] = []
    check_fields(node, KEY_FIELDS, "the key", path, problems)
    table = node.value["pseudonyms"]
    if not table.is_map or not table.value:
        raise DeidentifyError(Problem(f"'pseudonyms' must map each identifier to its pseudonym, e.g.\n{example}",
                                      path, table.mark.line, table.mark.column))
    pseudonyms: dict[str, str] = {}
    for name, value in table.value.items():
        mark = table.key_marks[name] if table.key_marks else value.mark
        if not isinstance(value.value, (str, int)) or isinstance(value.value, bool) or not str(value.value).strip():
            problems.append(Problem(f"the identifier {name!r} needs a pseudonym (a text, e.g. 'Participant 3')",
                                    path, mark.line, mark.column))
            continue
        if not name.strip() or name != name.strip():
            problems.append(Problem(f"the identifier {name!r} is empty or starts or ends with a space", path,
                                    mark.line, mark.column))
            continue
        pseudonyms[name] = str(value.value)
    for name, pseudonym in pseudonyms.items():
        if pseudonym in pseudonyms and pseudonym != name:
            mark = table.key_marks[name] if table.key_marks else table.mark
            problems.append(Problem(f"the pseudonym of {name!r}, {pseudonym!r}, is itself an identifier of the key: "
                                    "a second run would replace it again; choose another", path, mark.line,
                                    mark.column))
    if problems:
        raise DeidentifyError(problems)
    return Key(path, pseudonyms)


def check_key_place(key_path: Path, study: Study) -> None:
    """The key (and its restore file, which holds the originals) must be neither in the
    study nor in any git work tree, or they would be shared with the data."""
    from tcoder.gitdriver.gitcmd import GitError, toplevel

    folder = key_path.absolute().parent
    try:
        folder.resolve().relative_to(study.root.resolve())
    except ValueError:
        pass
    else:
        raise DeidentifyError(Problem("the key is inside the study: it maps pseudonyms back to names, so it must "
                                      "be kept apart from the data; move it outside the study folder", key_path))
    try:
        top = toplevel(folder)
    except GitError:
        top = None
    if top is not None:
        raise DeidentifyError(Problem(f"the key is in a git work tree ({top}): a commit or a push would share it; "
                                      "keep it in a folder outside git", key_path))


# ---------------------------------------------------------------- replacing


class Replacer:
    """Every identifier of the key, longest first, as whole words (not inside a longer word)."""

    def __init__(self, pseudonyms: dict[str, str]):
        self.pseudonyms = pseudonyms
        names = sorted(pseudonyms, key=lambda n: (-len(n), n))
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
        self.counts: Counter[str] = Counter()

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        found = [(m.start(), m.end(), self.pseudonyms[m.group(0)]) for m in self.pattern.finditer(text)]
        self.counts.update(text[s:e] for s, e, _ in found)
        return found

    def sub(self, text: str) -> str:
        return self.pattern.sub(lambda m: self._count(m.group(0)), text)

    def _count(self, name: str) -> str:
        self.counts[name] += 1
        return self.pseudonyms[name]

    def deep(self, value: Any) -> Any:
        """Strings replaced in a JSON or YAML value (keys too)."""
        if isinstance(value, str):
            return self.sub(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {self.deep(k) if isinstance(k, str) else k: self.deep(v) for k, v in value.items()}
        return value


class OffsetMap:
    """Where an offset of the old text is in the new one, given the replacements."""

    def __init__(self, spans: list[tuple[int, int, str]]):
        self.old_starts = [s for s, _, _ in spans]
        self.old_ends = [e for _, e, _ in spans]
        self.new_starts: list[int] = []
        self.new_ends: list[int] = []
        self.before: list[int] = [0]  # shift from the replacements before the i-th
        shift = 0
        for s, e, new in spans:
            self.new_starts.append(s + shift)
            shift += len(new) - (e - s)
            self.new_ends.append(e + shift)
            self.before.append(shift)

    def start(self, p: int) -> int:
        i = bisect.bisect_right(self.old_ends, p)
        if i < len(self.old_starts) and self.old_starts[i] < p:
            return self.new_starts[i]  # inside a name: from the start of its pseudonym
        return p + self.before[i]

    def end(self, p: int) -> int:
        i = bisect.bisect_right(self.old_ends, p)
        if i < len(self.old_starts) and self.old_starts[i] < p:
            return self.new_ends[i]  # inside a name: to the end of its pseudonym
        return p + self.before[i]


def replaced_text(text: str, spans: list[tuple[int, int, str]]) -> str:
    parts, at = [], 0
    for s, e, new in spans:
        parts.append(text[at:s])
        parts.append(new)
        at = e
    parts.append(text[at:])
    return "".join(parts)


# ---------------------------------------------------------------- the plan


@dataclass
class Plan:
    """The new content of every file that changes, and what was replaced where."""

    changes: dict[Path, tuple[bytes, bytes]] = field(default_factory=dict)  # path -> (before, after)
    kinds: Counter[str] = field(default_factory=Counter)  # files changed by kind
    counts: Counter[str] = field(default_factory=Counter)  # replacements by identifier
    unmatched: list[str] = field(default_factory=list)
    annotations_moved: int = 0
    links_moved: int = 0
    warnings: list[str] = field(default_factory=list)
    #: speaker labels of the transcripts that the key does not list (names, perhaps)
    unlisted_speakers: list[str] = field(default_factory=list)
    annotation_paths: list[tuple[Path, str]] = field(default_factory=list)  # (path, coder): their locks

    def put(self, path: Path, before: bytes, after: bytes, kind: str) -> None:
        if before != after:
            self.changes[path] = (before, after)
            self.kinds[kind] += 1


def plan(study: Study, key: Key) -> Plan:
    """Everything de-identification would write; refuses (nothing written) when a file
    cannot be rewritten safely."""
    from tcoder.merge import unresolved
    from tcoder.transcript import text_sha256

    replacer = Replacer(key.pseudonyms)
    out = Plan()
    _refuse_code_ids(study, key)
    problems: list[Problem] = []
    maps: dict[str, tuple[OffsetMap, str]] = {}
    speakers: set[str] = set()
    for ref in study.transcripts:
        try:
            transcript = study.transcript(ref)
        except TcoderError as exc:
            problems.extend(exc.problems)
            continue
        raw = ref.path.read_bytes()
        for turn in transcript.turns:
            if turn.speaker and _may_name_someone(study, ref.name, turn.speaker, key):
                speakers.add(turn.speaker)
        spans = replacer.spans(transcript.text)
        new_text = replaced_text(transcript.text, spans)
        maps[ref.name] = (OffsetMap(spans), new_text)
        if spans:
            after, note = _encode_like(raw, transcript.text, new_text)
            if note:
                out.warnings.append(f"{ref.name}: {note}")
            out.put(ref.path, raw, after, "transcripts")
        for coder, path in sorted(study.annotation_files(ref).items()):
            out.annotation_paths.append((path, coder))
            try:
                af, before = read_annotations_and_bytes(path)  # as written (loading for coding would map old ids)
            except TcoderError as exc:
                problems.extend(exc.problems)
                continue
            if written_for_another_text(af, transcript.text, transcript.sha256):
                problems.append(Problem(f"{ref.name} changed after {coder}'s annotations were placed on it; run "
                                        "'tcoder check --fix' first, so that every annotation is where it belongs",
                                        path))
                continue
            if unresolved(af) or "conflict" in af.extra:
                problems.append(Problem("this file has unresolved merge conflicts; settle them first "
                                        "('tcoder git resolve', see 'tcoder check')", path))
                continue
            offsets, _ = maps[ref.name]
            for a in af.annotations:
                if a.orphaned:
                    a.quote, a.prefix, a.suffix = (None if v is None else replacer.sub(v)
                                                   for v in (a.quote, a.prefix, a.suffix))
                else:
                    start, end = offsets.start(a.start), offsets.end(a.end)
                    if (start, end) != (a.start, a.end):
                        out.annotations_moved += 1
                    a.start, a.end = start, end
                    _context(a, new_text)
                if a.memo is not None:
                    a.memo = replacer.sub(a.memo)
                a.extra = replacer.deep(a.extra)
            header = af.extra.get(_NONE_FIELD)
            af.extra = replacer.deep({k: v for k, v in af.extra.items() if k != _NONE_FIELD})
            if isinstance(header, list):
                af.extra[_NONE_FIELD] = [_move_record(r, offsets) for r in header]
            if af.text_sha256 is not None or spans:
                af.text_sha256 = text_sha256(new_text)
            out.put(path, before, encode_annotations(af), "annotation files")
    for path in study.stray_annotation_files:
        out.warnings.append(f"{path.relative_to(study.root).as_posix()}: an annotation file without its transcript "
                            "is not de-identified; move it beside its transcript, or out of the study")
    if problems:
        raise DeidentifyError(problems + [Problem("nothing was changed", study.root)])
    _memos(study, replacer, maps, out)
    _tables(study, replacer, out)
    out.counts = replacer.counts
    out.unlisted_speakers = sorted(speakers)
    out.unmatched = [n for n in key.pseudonyms if not replacer.counts[n]]
    for ref in study.transcripts:
        if replacer.pattern.search(ref.name):
            out.warnings.append(f"{ref.name}: the file name holds an identifier; file names are not changed "
                                "(rename the transcript with its annotation files before sharing)")
    for path in study.memo_paths:
        if replacer.pattern.search(path.name):
            out.warnings.append(f"{path.relative_to(study.root).as_posix()}: the memo's file name holds an identifier; "
                                "file names are not changed")
    return out


#: Speaker labels that name a role, not a person.
ROLE_LABELS = frozenset({"interviewer", "moderator", "facilitator", "observer", "note taker", "notetaker",
                         "participant", "respondent", "interviewee", "speaker", "researcher", "unknown", "all",
                         "group", "several", "everyone", "audience", "translator", "interpreter"})


def _may_name_someone(study: Study, transcript: str, label: str, key: Key) -> bool:
    """A speaker label the key leaves as it is that may be a person's name: not listed (as
    an identifier or a pseudonym), and neither a role word nor a non-participant's label."""
    if label in key.pseudonyms or label in key.pseudonyms.values():
        return False
    words = re.sub(r"[\d\s._-]+$", "", label).strip().lower()  # 'Participant 3', 'Speaker_2'
    if words in ROLE_LABELS or label.lower() in ROLE_LABELS:
        return False
    role = study.participants.role(transcript, label)
    return role is None or role == "participant"


def _refuse_code_ids(study: Study, key: Key) -> None:
    codes = study.known_codes() or set()
    clash = sorted(set(key.pseudonyms) & codes)
    if clash:
        raise DeidentifyError(Problem(f"the key names {', '.join(map(repr, clash))}, which the codebook uses as "
                                      f"{word_for(len(clash), 'code id')}; replacing them would change codes; take them out of the key", key.path))


def _context(item: Any, text: str) -> None:
    """Quote and context from the new text, for the fields the item had."""
    if item.quote is not None:
        item.quote = text[item.start:item.end]
    if item.prefix is not None:
        item.prefix = text[max(0, item.start - CONTEXT_CHARS):item.start]
    if item.suffix is not None:
        item.suffix = text[item.end:item.end + CONTEXT_CHARS]


def _move_record(record: Any, offsets: OffsetMap) -> Any:
    if isinstance(record, dict) and isinstance(record.get("start"), int) and isinstance(record.get("end"), int):
        return dict(record, start=offsets.start(record["start"]), end=offsets.end(record["end"]))
    return record


def _encode_like(raw: bytes, text: str, new_text: str) -> tuple[bytes, str | None]:
    """The new text in the original file's encoding and line ends where they can be
    kept; UTF-8 otherwise (the restore file keeps the original bytes)."""
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    body = raw[len(bom):]
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return new_text.encode("utf-8"), "not UTF-8: the de-identified transcript is written as UTF-8"
    if decoded == text:
        return bom + new_text.encode("utf-8"), None
    if decoded.replace("\r\n", "\n") == text and "\r" not in decoded.replace("\r\n", ""):
        return bom + new_text.replace("\n", "\r\n").encode("utf-8"), None
    return bom + new_text.encode("utf-8"), "mixed line ends: the de-identified transcript is written with LF"


def _memos(study: Study, replacer: Replacer, maps: dict[str, tuple[OffsetMap, str]], out: Plan) -> None:
    from tcoder.memos import MemoFileError, encode_memo, read_memo

    problems: list[Problem] = []
    for path in study.memo_paths:
        try:
            memo = read_memo(path)
        except (MemoFileError, OSError) as exc:
            problems.extend(exc.problems if isinstance(exc, TcoderError) else [Problem(str(exc), path)])
            continue
        memo.title = None if memo.title is None else replacer.sub(memo.title)
        memo.body = replacer.sub(memo.body)
        memo.extra = replacer.deep(memo.extra)
        for link in memo.links:
            placed = maps.get(link.target) if link.kind == "passage" else None
            if placed is not None and not link.orphaned and link.start is not None and link.end is not None:
                offsets, new_text = placed
                start, end = offsets.start(link.start), offsets.end(link.end)
                if (start, end) != (link.start, link.end):
                    out.links_moved += 1
                link.start, link.end = start, end
                _context(link, new_text)
            else:
                link.quote, link.prefix, link.suffix = (None if v is None else replacer.sub(v)
                                                        for v in (link.quote, link.prefix, link.suffix))
            if link.kind == "participant":  # a person's id may be a name (participants.csv changes with it)
                link.target = replacer.sub(link.target)
            link.extra = replacer.deep(link.extra)
        assert memo.raw is not None
        out.put(path, memo.raw, encode_memo(memo), "memos")
    if problems:
        raise DeidentifyError(problems + [Problem("memos that cannot be read cannot be de-identified; fix them "
                                                  "first (nothing was changed)", study.memo_folder)])


def _tables(study: Study, replacer: Replacer, out: Plan) -> None:
    """CSV tables and YAML files, replaced in their text and read back: a pseudonym that
    would change their structure (a comma in a CSV cell, a colon in YAML) is refused."""
    s = study.settings
    csvs = [s.attributes, s.participants, s.speakers]
    yamls = ["tcoder.yaml", s.codebook, str(Path(s.codebook).with_suffix(".history.yaml")), s.themes,
             str(Path(s.themes).with_suffix(".history.yaml"))]
    for names, read in ((csvs, _csv_rows), (yamls, _yaml_value)):
        for name in dict.fromkeys(names):
            path = study.root / name
            try:
                raw = path.read_bytes()
            except (FileNotFoundError, IsADirectoryError):
                continue
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                out.warnings.append(f"{name}: not UTF-8, not de-identified")
                continue
            new = replacer.sub(text)
            if new == text:
                continue
            if read(new) != replacer.deep(read(text)):
                raise DeidentifyError(Problem(
                    "a pseudonym would change this file's structure, not only its text (a comma or quote in a CSV "
                    "cell, a character YAML reads as markup such as ':' or a leading '['); choose plainer "
                    "pseudonyms. Nothing was changed", path))
            bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
            out.put(path, raw, bom + new.encode("utf-8"), "tables and settings")


def _csv_rows(text: str) -> Any:
    return list(csv.reader(io.StringIO(text)))


def _yaml_value(text: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return ("unreadable",)


# ---------------------------------------------------------------- applying


@dataclass
class Done:
    operation: Operation | None
    plan: Plan
    pruned: int = 0  # earlier operations whose copies of old content were deleted
    not_forgotten: str | None = None  # why check's kept results (which may quote names) are still there


def deidentify(study: Study, key: Key, *, who: str = "", dry_run: bool = False) -> Done:
    """Replace every identifier of ``key`` in the study as one recorded step."""
    check_key_place(key.path, study)
    if dry_run:
        return Done(None, plan(study, key))
    locks: list[AnnotationLock] = []
    with operation_lock(study.root, who=who, purpose="de-identification"):
        try:
            result = plan(study, key)
            for path, coder in result.annotation_paths:
                _lock(path, coder, locks)
            if not result.changes:
                return Done(None, result)
            op_id = new_operation_id()
            _record_run(key, study, op_id, result.changes)
            label = (f"de-identify: {plural(sum(result.counts.values()), 'replacement')} of "
                     f"{plural(len(result.counts), 'identifier')} in {plural(len(result.changes), 'file')}")
            change = ChangeSet(study.root, KIND, label, who=who, op_id=op_id,
                               meta={"files": len(result.changes), "replacements": sum(result.counts.values()),
                                     "identifiers": len(result.counts)})
            for path, (before, after) in result.changes.items():
                change.write(path, after, before=before)
            operation = change.apply()
        finally:
            for lock in locks:
                lock.release()
        from tcoder.check_cache import forget

        not_forgotten = forget(study.root)  # what check kept may quote the names
        return Done(operation, result, prune_images(study.root, keep=0), not_forgotten)  # they hold the names


def _lock(path: Path, coder: str | None, locks: list[AnnotationLock]) -> None:
    lock = AnnotationLock(path, coder=coder, purpose="de-identification")
    try:
        lock.acquire()
    except LockedError as exc:
        raise DeidentifyError([*exc.problems, Problem("close the coding screens of this study first; nothing was "
                                                      "changed")]) from None
    locks.append(lock)


# ---------------------------------------------------------------- the restore file


def _read_restore(key: Key) -> dict[str, Any]:
    path = key.restore_path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {"format": RESTORE_FORMAT, "runs": []}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DeidentifyError(Problem(f"the restore file is damaged ({exc}); nothing was changed", path)) from None
    if not isinstance(data, dict) or data.get("format") != RESTORE_FORMAT or not isinstance(data.get("runs"), list):
        raise DeidentifyError(Problem(f"not a restore file of tcoder ({RESTORE_FORMAT}); nothing was changed", path))
    return data


def _record_run(key: Key, study: Study, op_id: str, changes: dict[Path, tuple[bytes, bytes]]) -> None:
    """Add this run's original files to the restore file (before the study changes)."""
    from tcoder.atomicio import atomic_write_bytes

    data = _read_restore(key)
    files = []
    for path, (before, after) in changes.items():
        entry: dict[str, Any] = {"path": path.relative_to(study.root).as_posix(),
                                 "before_sha256": _sha(before), "after_sha256": _sha(after)}
        try:
            entry["text"] = before.decode("utf-8")
        except UnicodeDecodeError:
            entry["base64"] = base64.b64encode(before).decode("ascii")
        files.append(entry)
    data["runs"].append({"operation": op_id, "when": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "study": study.root.name, "files": files})
    atomic_write_bytes(key.restore_path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    try:
        os.chmod(key.restore_path, 0o600)  # it holds the identified files: its owner's only
    except OSError:
        pass


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _original(entry: dict[str, Any]) -> bytes:
    if "text" in entry:
        return str(entry["text"]).encode("utf-8")
    return base64.b64decode(entry["base64"])


@dataclass
class Restored:
    operation: Operation | None
    files: int


def restore(study: Study, key: Key, *, who: str = "") -> Restored:
    """Put back every file de-identification changed, byte for byte, from the restore
    file: refused (naming the files) when one was changed since."""
    check_key_place(key.path, study)
    data = _read_restore(key)
    if not data["runs"]:
        raise DeidentifyError(Problem(f"the restore file {key.restore_path.name} records no de-identification of "
                                      "this study", key.restore_path))
    locks: list[AnnotationLock] = []
    with operation_lock(study.root, who=who, purpose="restoring identifiers"):
        try:
            state: dict[str, bytes | None] = {}
            changed: list[str] = []
            for run in reversed(data["runs"]):
                for entry in run.get("files", []):
                    rel = entry["path"]
                    if rel not in state:
                        try:
                            state[rel] = (study.root / rel).read_bytes()
                        except FileNotFoundError:
                            state[rel] = None
                    current = state[rel]
                    digest = None if current is None else _sha(current)
                    if digest == entry["after_sha256"]:
                        state[rel] = _original(entry)
                    elif digest != entry["before_sha256"]:
                        changed.append(rel)
            if changed:
                listed = "\n  ".join(sorted(set(changed))[:20])
                raise DeidentifyError(Problem(
                    f"{plural(len(set(changed)), 'file')} changed since they were de-identified, so restoring them would "
                    f"lose that work; nothing was changed. Changed since:\n  {listed}", study.root))
            change = ChangeSet(study.root, RESTORE_KIND, "restore identifiers", who=who)
            for rel, content in state.items():
                path = study.root / rel
                if content is not None and (not path.exists() or path.read_bytes() != content):
                    if rel.endswith(".json"):
                        _lock(path, None, locks)
                    change.write(path, content)
            if not len(change):
                return Restored(None, 0)
            operation = change.apply()
        finally:
            for lock in locks:
                lock.release()
        return Restored(operation, len(operation.files))

"""Validate a whole study: the checks behind ``tcoder check``.

Nothing here writes to disk except :func:`save_reanchored`, which ``tcoder
check --fix`` calls to store re-anchored offsets (under the writer lock).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tcoder.annotations import IMPORTED_TEXT, AnnotationLock, codes_of, save_annotations, with_extra_fields
from tcoder.atomicio import leftover_in_use
from tcoder.codebook_history import Migration
from tcoder.coding_status import file_status
from tcoder.errors import Problem, TcoderError, display_path
from tcoder.merge import conflict_problems
from tcoder.numbers import plural
from tcoder.overlaps import describe, merged_annotation, overlap_groups
from tcoder.participants import speaker_problems
from tcoder.quotes import shorten
from tcoder.safeio import mb, os_error_message
from tcoder.study import LoadedAnnotations, Study, TranscriptRef


@dataclass
class CoderSummary:
    files: int = 0
    annotations: int = 0
    orphaned: int = 0
    done: int = 0  # files marked done (coding status)


@dataclass(eq=False)
class FileToFix:
    """An annotation file ``check --fix`` would write, without its annotations (which the
    fix reads again under the file's lock)."""

    ref: TranscriptRef
    coder: str
    path: Path
    moved: int = 0  # annotations placed anew on the changed transcript
    pending_migration: list[Migration] = field(default_factory=list)


@dataclass
class CheckReport:
    study: Study
    codebook_summary: str = ""
    transcripts: int = 0
    words: int = 0
    characters: int = 0
    coders: dict[str, CoderSummary] = field(default_factory=dict)
    unknown_codes: Counter = field(default_factory=Counter)
    orphaned: int = 0
    reanchored: list[FileToFix] = field(default_factory=list)
    #: files with annotations of one code on overlapping text (``check --fix`` merges them)
    overlapping: list[FileToFix] = field(default_factory=list)
    #: files with annotations still carrying code ids the codebook's history retired
    pending: list[FileToFix] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    participants_summary: str = ""
    memos: int = 0
    journal_entries: int = 0
    themes: int = 0
    memos_moved: list = field(default_factory=list)  # memos whose passage links were placed again
    #: what check_study's ``per_file`` returned for each annotation file read, in study order
    per_file: list[Any] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def moved(self) -> int:
        return sum(f.moved for f in self.reanchored)

    def pending_lines(self) -> list[str]:
        """One line per file and old id: 'interviews/P02.bob.json: 3 x 'a' -> 'b' (merged 2026-03-04)'."""
        from tcoder.errors import display_path

        lines = []
        for loaded in self.pending:
            counts: Counter = Counter()
            how: dict[tuple[str, tuple[str, ...]], str] = {}
            for m in loaded.pending_migration:
                key = (m.old, m.mapping.codes)
                counts[key] += 1
                how[key] = m.mapping.explain(m.old)
            for (old, new), n in counts.items():
                target = " + ".join(new) if new else "(deleted)"
                lines.append(f"{display_path(loaded.path)}: {n} x {old} -> {target} ({how[(old, new)]})")
        return lines

    def as_dict(self) -> dict:
        return {
            "study": str(self.study.root),
            "codebook": self.codebook_summary,
            "transcripts": self.transcripts,
            "words": self.words,
            "coders": {c: vars(s) for c, s in self.coders.items()},
            "participants": self.participants_summary,
            "orphaned": self.orphaned,
            "reanchored": self.moved,
            "unknown_codes": dict(self.unknown_codes),
            "memos": self.memos,
            "journal_entries": self.journal_entries,
            "themes": self.themes,
            "pending_migration": [
                {"file": str(loaded.path), "coder": loaded.coder,
                 "annotations": [{"id": m.annotation_id, "old": m.old, "new": list(m.mapping.codes),
                                  "kind": m.mapping.kind} for m in loaded.pending_migration]}
                for loaded in self.pending],
            "errors": [str(p) for p in self.errors],
            "warnings": [str(p) for p in self.warnings],
        }


def check_study(study: Study, fixing: bool = False,
                per_file: Callable[[LoadedAnnotations], Any] | None = None) -> CheckReport:
    """Every check; ``fixing`` words the re-anchoring notes for ``check --fix``, which saves them.

    Transcripts are checked one at a time (on every core, see :mod:`tcoder.parallel`), each
    with its annotation files, and only what the report needs is kept of them, so memory
    does not grow with the study. ``per_file``, if given, is called on every annotation file
    loaded (``tcoder ci`` gathers its own findings in the same pass); what it returns must
    pickle, and is kept in :attr:`CheckReport.per_file` in study order."""
    report = CheckReport(study)
    problems = report.problems
    problems.extend(study.problems)
    problems.extend(Problem(note, study.root, severity="warning") for note in study.recovered)
    known: set[str] | None = None
    try:
        codebook = study.codebook
        known = set(codebook.codes)
        themes = len(codebook.roots)
        report.codebook_summary = (f"{study.settings.codebook}: {plural(len(codebook), 'code')}, {themes} top-level, "
                                   f"{plural(len(codebook.domains), 'exclusive domain')}")
    except TcoderError as exc:
        problems.extend(exc.problems)
        report.codebook_summary = f"{study.settings.codebook}: not usable (see errors)"
    # The kept results' key is read before the history and participants are (and checked
    # against the settings read when the study was opened): see _Kept.
    kept = _Kept(study, known) if not fixing and per_file is None else None
    history = study.history
    problems.extend(study.history_problems)
    problems.extend(history.problems)
    if not study.transcripts:
        problems.append(Problem("no transcripts (.txt or .md files) in this folder", study.root))
    study.participants  # read once here, not in each worker  # noqa: B018
    from tcoder.parallel import map_ordered

    results = list(map_ordered(lambda ref: _check_transcript(study, ref, known, fixing, per_file, kept),
                               study.transcripts))
    if kept is not None:
        kept.keep(results)
    # Every transcript's own problems come first, then each annotation file's, in study order.
    for result in results:
        problems.extend(result.problems)
        if result.readable:
            report.transcripts += 1
            report.words += result.words
            report.characters += result.characters
    for ref, result in zip(study.transcripts, results, strict=True):
        for checked in result.files:
            summary = report.coders.setdefault(checked.coder, CoderSummary())
            problems.extend(checked.problems)
            if not checked.readable:
                continue
            summary.files += 1
            summary.done += checked.done
            summary.annotations += checked.annotations
            summary.orphaned += checked.orphaned
            report.orphaned += checked.orphaned
            report.unknown_codes.update(checked.unknown_codes)
            if checked.overlapping or checked.reanchored or checked.pending_migration:
                # one object in every list it belongs to: check --fix writes each file once
                fix = FileToFix(ref, checked.coder, study.annotation_path_of(ref, checked.coder), checked.moved,
                                checked.pending_migration)
                if checked.overlapping:
                    report.overlapping.append(fix)
                if checked.reanchored:
                    report.reanchored.append(fix)
                if checked.pending_migration:
                    report.pending.append(fix)
            if per_file is not None:
                report.per_file.append(checked.extra)
    for path in study.stray_annotation_files:
        problems.append(Problem("annotation file without a transcript beside it (was the transcript renamed "
                                "or moved? its annotations are not used until it is)", path))
    if study.leftover_temp_files and not fixing:
        problems.append(_leftover_warning(study.leftover_temp_files))
    problems.extend(study.attribute_problems)
    problems.extend(study.participant_problems)
    report.participants_summary = participants_summary(study)
    _check_memos_and_themes(report, known, fixing)
    return report


@dataclass
class _FileCheck:
    """What checking one annotation file found (kept instead of its annotations)."""

    coder: str
    problems: list[Problem]
    readable: bool = False  # False: the file could not be read (its problems say why)
    moved: int = 0  # annotations placed anew on the changed transcript
    pending_migration: list[Migration] = field(default_factory=list)
    done: int = 0
    annotations: int = 0
    orphaned: int = 0
    unknown_codes: Counter = field(default_factory=Counter)
    overlapping: bool = False
    reanchored: bool = False
    extra: Any = None
    transient: bool = False  # it could not be read for want of memory: not kept (the next check may read it)

    def to_kept(self) -> dict[str, Any]:
        return {"coder": self.coder, "problems": [_problem_to_kept(p) for p in self.problems],
                "readable": self.readable, "moved": self.moved,
                "done": int(self.done), "annotations": self.annotations, "orphaned": self.orphaned,
                "unknown_codes": [[code, n] for code, n in self.unknown_codes.items()],  # in the order met
                "overlapping": self.overlapping,
                "reanchored": self.reanchored}

    @classmethod
    def from_kept(cls, data: Any) -> "_FileCheck":
        """Raises ValueError when ``data`` is not what :meth:`to_kept` makes."""
        _expect(data, dict)
        coder = _expect(data["coder"], str)
        unknown = [_expect(pair, list) for pair in _expect(data["unknown_codes"], list)]
        counts = [_expect(data[name], int) for name in ("moved", "done", "annotations", "orphaned")]
        if not all(len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is int and pair[1] > 0
                   for pair in unknown) or len({code for code, _ in unknown}) != len(unknown):
            raise ValueError("not unknown codes")
        if not all(n >= 0 for n in counts):
            raise ValueError("not a count")
        return cls(coder, _problems_from_kept(data["problems"]), readable=_expect(data["readable"], bool),
                   moved=counts[0], done=counts[1], annotations=counts[2], orphaned=counts[3],
                   unknown_codes=Counter(dict(unknown)), overlapping=_expect(data["overlapping"], bool),
                   reanchored=_expect(data["reanchored"], bool))


@dataclass
class _TranscriptCheck:
    """What checking one transcript and its annotation files found."""

    problems: list[Problem]
    readable: bool = False
    words: int = 0
    characters: int = 0
    files: list[_FileCheck] = field(default_factory=list)
    kept_key: str | None = None  # the key it is kept under (see _Kept)
    new_line: str | None = None  # its entry, when it was checked anew to be kept

    @property
    def keepable(self) -> bool:
        """Whether all of it can be kept (a migration pending in a file is not kept: its
        records are read again each time until ``check --fix`` writes them; nor is a transcript
        that could not be read, whose entry would never match its coders, nor a file that could
        not be read for want of memory, which the next check may read)."""
        return self.readable and all(f.extra is None and not f.pending_migration and not f.transient
                                     for f in self.files)

    def to_kept(self) -> dict[str, Any]:
        return {"problems": [_problem_to_kept(p) for p in self.problems], "readable": self.readable,
                "words": self.words, "characters": self.characters, "files": [f.to_kept() for f in self.files]}

    @classmethod
    def from_kept(cls, data: dict[str, Any], study: Study, ref: TranscriptRef) -> "_TranscriptCheck | None":
        """What :meth:`to_kept` kept, or None when ``data`` is not that (a damaged entry)."""
        try:
            words, characters = _expect(data["words"], int), _expect(data["characters"], int)
            files = [_FileCheck.from_kept(f) for f in _expect(data["files"], list)]
            if [f.coder for f in files] != study.coders_of(ref) or words < 0 or characters < 0:
                return None
            return cls(_problems_from_kept(data["problems"]), _expect(data["readable"], bool), words, characters,
                       files)
        except (KeyError, TypeError, ValueError):
            return None


def _problem_to_kept(p: Problem) -> list[Any]:
    return [p.message, None if p.path is None else os.fspath(p.path), p.line, p.column, p.severity]


def _problems_from_kept(rows: Any) -> list[Problem]:
    problems = []
    for row in _expect(rows, list):
        message, path, line, column, severity = _expect(row, list)
        if (type(message) is not str or not (path is None or type(path) is str) or severity not in ("error", "warning")
                or not all(n is None or type(n) is int for n in (line, column))):
            raise ValueError("not a problem")
        problems.append(Problem(message, path, line, column, severity))  # shown as it was, from the text
    return problems


def _expect(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise ValueError(f"not a {kind.__name__}")
    return value


class _Kept:
    """The results kept by the last check (see :mod:`tcoder.check_cache`): read here before
    the workers start, looked up by key in them, written here again when any changed."""

    def __init__(self, study: Study, known: set[str] | None):
        from tcoder.check_cache import read_lines

        self.root = study.root
        self._study_ref, self._known = study, known
        #: what every transcript's check rests on besides its own files
        self.study = self._study_digest()
        if not self._settings_as_read(study):
            # tcoder.yaml changed since the study was opened: this check applies the settings
            # read then, which the key would not say; it neither takes nor keeps results
            self.study = b"\0changed"
        self.lines = read_lines(self.root)
        #: the operations recorded when the check began (None: one was running, and the files
        #: read may be half changed by it; nothing is kept then)
        self._operations = _operations_when_none_runs(self.root)

    def _study_digest(self) -> bytes:
        from tcoder.check_cache import file_part, study_digest
        from tcoder.codebook_history import history_path
        from tcoder.settings import SETTINGS_FILE

        study, root = self._study_ref, self.root
        codes = "\n".join(sorted(self._known)) if self._known is not None else "\0unusable"
        # which transcripts there are: a row of the speakers or participants table may name a
        # transcript by its file name or stem, so which rows are a transcript's depends on the others
        transcripts = "\n".join(ref.name for ref in study.transcripts)
        return study_digest([
            os.fspath(root).encode("utf-8", "surrogatepass"), codes.encode("utf-8", "surrogatepass"),
            transcripts.encode("utf-8", "surrogatepass"),
            file_part(root / SETTINGS_FILE), file_part(history_path(study.codebook_path)),
            file_part(root / study.settings.participants), file_part(root / study.settings.speakers)])

    @staticmethod
    def _settings_as_read(study: Study) -> bool:
        """Whether tcoder.yaml still says what the study read when it was opened."""
        from tcoder.errors import TcoderError
        from tcoder.settings import load_settings

        try:
            return load_settings(study.root) == study.settings
        except (TcoderError, OSError):
            return False

    def keep(self, results: list[_TranscriptCheck]) -> None:
        """Keep the entries of this check's transcripts (only those), if any is new or gone,
        unless a study file the key rests on changed during the check (the results may then
        rest on what it said before; the next check computes them again), or a study-wide
        operation ran or is running: de-identification deletes what a check kept, which may
        quote the names, and results found before it must not be written back after it."""
        from tcoder.changeset import ChangeSetError, journal_entries, operation_lock
        from tcoder.check_cache import write_lines

        if self.study == b"\0changed" or self._operations is None or self._study_digest() != self.study:
            return
        lines = [r.new_line or self.lines[r.kept_key] for r in results if r.kept_key is not None]
        if not (any(r.new_line is not None for r in results) or len(lines) != len(self.lines)):
            return
        try:
            with operation_lock(self.root, purpose="tcoder check (keeping its results)", timeout=0):
                if journal_entries(self.root) == self._operations:
                    write_lines(self.root, lines)
        except ChangeSetError:
            return  # another tcoder is changing the study: the next check keeps its results


def _operations_when_none_runs(root: Path) -> list[str] | None:
    """The names in the study's operation journal, read under its lock; None when another
    tcoder holds the lock (an operation is running). No journal yet: none has ever run."""
    from tcoder.changeset import ChangeSetError, journal_entries, journal_folder, operation_lock

    if not journal_folder(root).is_dir():
        return []
    try:
        with operation_lock(root, purpose="tcoder check (reading its kept results)", timeout=0):
            return journal_entries(root)
    except ChangeSetError:
        return None


@dataclass
class _FilesRead:
    """The bytes of a transcript and its annotation files, read once for the key and the check."""

    transcript: bytes
    annotations: dict[str, bytes]
    key: str | None  # None: too little to keep (see check_cache.KEEP_FROM_BYTES)


def _read_for_key(study: Study, ref: TranscriptRef, kept: _Kept) -> _FilesRead | None:
    """None when a file cannot be read: the check itself then says why."""
    from tcoder import check_cache
    from tcoder.annotations import read_annotation_bytes
    from tcoder.transcript import read_transcript_bytes

    paths = {coder: study.annotation_path_of(ref, coder) for coder in study.coders_of(ref)}
    try:
        transcript = read_transcript_bytes(ref.path)
        annotations = {coder: read_annotation_bytes(path) for coder, path in paths.items()}
    except TcoderError:
        return None
    if sum(map(len, annotations.values())) < check_cache.KEEP_FROM_BYTES:
        return _FilesRead(transcript, annotations, None)
    key = check_cache.TranscriptKey(kept.study)
    key.add(f"transcript\0{ref.name}\0{os.fspath(ref.path)}", transcript)
    for coder, raw in annotations.items():
        key.add(f"annotations\0{coder}\0{os.fspath(paths[coder])}", raw)
    return _FilesRead(transcript, annotations, key.hexdigest())


def _check_transcript(study: Study, ref: TranscriptRef, known: set[str] | None, fixing: bool,
                      per_file: Callable[[LoadedAnnotations], Any] | None, kept: _Kept | None) -> _TranscriptCheck:
    """Check one transcript, or take what checking exactly these files found last time
    (``kept``: None to check anew without keeping anything)."""
    from tcoder import check_cache

    with study.passing_through(ref):
        files = _read_for_key(study, ref, kept) if kept is not None else None
        if kept is None or files is None or files.key is None:
            return _checked_transcript(study, ref, known, fixing, per_file, files)
        line = kept.lines.get(files.key)
        entry = check_cache.result_of(line, files.key) if line is not None else None
        if entry is not None:
            result = _TranscriptCheck.from_kept(entry, study, ref)
            if result is not None:
                result.kept_key = files.key
                return result
        result = _checked_transcript(study, ref, known, fixing, per_file, files)
        if result.keepable:
            result.kept_key = files.key
            result.new_line = check_cache.entry_line(files.key, result.to_kept())
        return result


def _checked_transcript(study: Study, ref: TranscriptRef, known: set[str] | None, fixing: bool,
                        per_file: Callable[[LoadedAnnotations], Any] | None,
                        files: _FilesRead | None) -> _TranscriptCheck:
    try:
        transcript = study.transcript(ref, files.transcript if files is not None else None)
    except TcoderError as exc:
        return _TranscriptCheck(list(exc.problems))
    result = _TranscriptCheck([], True, transcript.word_count, len(transcript.text))
    problems = result.problems
    problems.extend(Problem(w, ref.path, severity="warning") for w in transcript.warnings)
    speakers = transcript.speakers
    problems.extend(speaker_problems(study.participants, ref.name, speakers))
    if transcript.text.strip() and not speakers:  # no turn has a speaker
        problems.append(Problem(
            "no speaker turns: no line starts with a speaker label such as 'Interviewer: ' (or the study's "
            "speaker_pattern in tcoder.yaml), so turn units, speaker reports and ctrl+u see one passage "
            "without a speaker", ref.path, severity="warning"))
    for coder in study.coders_of(ref):
        raw = files.annotations.get(coder) if files is not None else None
        result.files.append(_check_file(study, ref, coder, known, fixing, per_file, raw))
    return result


def _check_file(study: Study, ref: TranscriptRef, coder: str, known: set[str] | None, fixing: bool,
                per_file: Callable[[LoadedAnnotations], Any] | None, raw: bytes | None = None) -> _FileCheck:
    try:
        loaded = study.load_annotations(ref, coder, known, keep_bytes=True, raw=raw)
    except TcoderError as exc:
        return _FileCheck(coder, list(exc.problems), transient=exc.transient)
    annotations = loaded.file.annotations
    orphaned = loaded.orphaned
    checked = _FileCheck(coder, [], readable=True, moved=len(loaded.moved), pending_migration=loaded.pending_migration,
                         annotations=len(annotations), orphaned=len(orphaned), reanchored=loaded.reanchored)
    problems = checked.problems
    status = file_status(loaded.file)
    checked.done = status.done
    if status.problem:
        problems.append(Problem(status.problem, loaded.path, severity="warning"))
    groups = overlap_groups(annotations)
    if groups:
        checked.overlapping = True
        fix = "merged (--fix)" if fixing else "'tcoder check --fix' merges them"
        lines = annotation_lines(loaded.path, [g.annotations[0].id for g in groups], loaded.raw)
        problems.extend(Problem(f"{describe(g)}; {fix}", loaded.path, lines.get(g.annotations[0].id),
                                severity="warning") for g in groups)
    problems.extend(loaded.problems)
    problems.extend(conflict_problems(loaded.file, loaded.path))
    problems.extend(consensus_record_problems(loaded.file, loaded.path))
    problems.extend(imported_text_problems(loaded.file, loaded.path))
    problems.extend(flagged_orphan_problems(loaded))
    if known is not None and not known.issuperset(codes_of(annotations)):
        checked.unknown_codes.update(a.code for a in annotations if a.code not in known)
    if loaded.reanchored:
        problems.extend(_reanchor_warnings(loaded, fixing))
    if per_file is not None:
        checked.extra = per_file(loaded)
    return checked


def flagged_orphan_problems(loaded: LoadedAnnotations) -> list[Problem]:
    """Orphans flagged earlier (by ``check --fix`` or a merge), which loading the file
    does not report again: still an error each."""
    if loaded.reanchored:  # then loading reported each orphan with its reason
        return []
    return [Problem(f"annotation {a.id} ({a.code}) is orphaned: its passage {_quoted(a.quote)} is not in the "
                    "transcript (kept, with its old offsets); code the passage again or delete it", loaded.path)
            for a in loaded.orphaned]


def _leftover_warning(paths: list[Path]) -> Problem:
    size = sum(_size(p) for p in paths)
    shown = ", ".join(display_path(p) for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
    return Problem(f"{plural(len(paths), 'temporary file')} ({mb(size)}) left by interrupted saves ({shown}); they hold "
                   "nothing that is not in the files they were to replace. 'tcoder check --fix' removes them",
                   paths[0].parent if len(paths) > 1 else paths[0], severity="warning")


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


@dataclass
class Cleanup:
    removed: int = 0
    freed: int = 0
    kept: list[Path] = field(default_factory=list)  # still being written by a running save
    problems: list[Problem] = field(default_factory=list)


def remove_leftover_temp_files(study: Study) -> Cleanup:
    """Delete the temporary files interrupted saves left behind (``check --fix``); a
    file a running save may still be writing is kept."""
    result = Cleanup()
    for path in study.leftover_temp_files:
        if leftover_in_use(path):
            result.kept.append(path)
            continue
        size = _size(path)
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            result.problems.append(Problem(f"cannot remove this temporary file: {os_error_message(exc)}", path))
            continue
        result.removed += 1
        result.freed += size
    return result


def participants_summary(study: Study) -> str:
    """One line on who speaks: people, speaker labels by role, transcripts described."""
    participants = study.participants
    if not participants.defined and participants.path is None:
        return "none described (tcoder participants fill STUDY writes speakers.csv and participants.csv)"
    roles = Counter(e.role for by_label in participants.entries.values() for e in by_label.values())
    labels = sum(roles.values())
    by_role = ", ".join(f"{n} {role}" for role, n in sorted(roles.items()))
    described = len(participants.entries)
    return (f"{len(participants.people)} people; {plural(labels, 'speaker label')} in {described} of "
            f"{plural(len(study.transcripts), 'transcript')}" + (f" ({by_role})" if by_role else ""))


def with_old_ids(study: Study, known: set[str] | None) -> set[str] | None:
    """The codebook's ids and the old ids its history maps to them: a memo, theme or code
    set written before a rename (on a branch, say) still names its code."""
    if known is None:
        return None
    history = study.history
    return known | {old for old in history.retired
                    if (m := history.resolve(old, "", known)) is not None and m.kind == "mapped"}


def _check_memos_and_themes(report: CheckReport, known_codes: set[str] | None, fixing: bool) -> None:
    """Memo files (front matter, ids, links) and the themes file (codes, sub-themes, cycles)."""
    known_codes = with_old_ids(report.study, known_codes)
    from tcoder.memoset import check_links, kind_problems, load_memos
    from tcoder.themelog import history_path, read_history
    from tcoder.themes import ThemeFileError, read_themes, theme_problems

    study = report.study
    known_themes: set[str] | None = None
    try:
        themes = read_themes(study.themes_path)
    except ThemeFileError as exc:
        report.problems.extend(exc.problems)
    else:
        known_themes = set(themes.themes)
        report.themes = len(themes)
        report.problems.extend(theme_problems(themes, known_codes))
        report.problems.extend(read_history(history_path(study.themes_path)).problems)
    memos = load_memos(study)
    report.problems.extend(memos.problems)
    report.problems.extend(kind_problems(memos))
    people = study.participants
    known_participants = set(people.people) if people.path is not None else None
    links = check_links(study, memos, known_codes=known_codes, known_themes=known_themes,
                        known_participants=known_participants, fixing=fixing)
    report.problems.extend(links.problems)
    report.memos = sum(1 for m in memos if m.kind != "journal")
    report.journal_entries = sum(1 for m in memos if m.kind == "journal")
    report.memos_moved = links.changed_memos


def save_moved_memos(report: CheckReport) -> list[str]:
    """Store the new places of re-anchored passage links (``check --fix``). A memo edited
    meanwhile is not written over; it is reported and checked again next time."""
    from tcoder.memos import MemoChangedError, save_memo

    written = []
    for memo in report.memos_moved:
        try:
            save_memo(memo)
        except MemoChangedError as exc:
            report.problems.extend(exc.problems)
            continue
        written.append(str(memo.path))
    return written


def imported_text_problems(af, path) -> list[Problem]:
    """Annotations imported from another program whose stored text is not at their place
    (``imported_text``): the passage may be the wrong one, so each is shown until a person
    has looked at it and removed the field."""
    problems = []
    for a in with_extra_fields(af.annotations):
        stored = a.extra.get(IMPORTED_TEXT)
        if stored is None:
            continue
        problems.append(Problem(
            f"annotation {a.id} ({a.code}) came from another program, which stored the text "
            f"{_short(str(stored))!r} for it; that text is not in the transcript, and the passage at its offsets "
            f"is {_short(a.quote or '')!r}. Check it in the coding screen (recode it if it is wrong), then delete "
            f"its {IMPORTED_TEXT!r} field", path, severity="warning"))
    return problems


def _short(text: str, width: int = 60) -> str:
    return shorten(text, width)


def consensus_record_problems(af, path) -> list[Problem]:
    """The adjudication's records (``sources`` on annotations, ``adjudicated_none`` in
    the header) must be readable, or the compare screen cannot use them."""
    from tcoder.adjudication import NONE_FIELD, SOURCES_FIELD, NoneRecord

    problems = []
    for a in with_extra_fields(af.annotations):
        raw = a.extra.get(SOURCES_FIELD)
        if raw is not None and not (isinstance(raw, list) and all(isinstance(i, str) for i in raw)):
            problems.append(Problem(f"annotation {a.id}: {SOURCES_FIELD!r} must be a list of annotation ids, "
                                    f"not {json.dumps(raw, ensure_ascii=False)[:60]}", path))
    raw = af.extra.get(NONE_FIELD)
    if raw is not None:
        if not isinstance(raw, list):
            problems.append(Problem(f"{NONE_FIELD!r} in the header must be a list of decisions, not "
                                    f"{json.dumps(raw, ensure_ascii=False)[:60]}", path))
        else:
            for number, item in enumerate(raw, 1):
                if NoneRecord.parse(item) is None:
                    problems.append(Problem(
                        f"{NONE_FIELD!r} entry {number} is not a decision record (it needs 'code', whole-number "
                        f"'start' and 'end', and 'sources', a list of ids): "
                        f"{json.dumps(item, ensure_ascii=False)[:80]}; the compare screen ignores it", path))
    return problems


def _reanchor_warnings(loaded: LoadedAnnotations, fixing: bool = False) -> list[Problem]:
    """One line per file for the annotations an edit only shifted (found where the text
    before them moved them: there may be thousands after an edit near the start), and
    one per annotation placed anywhere else, which a person should look at: the same
    words at another place, or an edited version of its passage."""
    shifted = [r for r in loaded.moved if not r.relocated]
    relocated = [r for r in loaded.moved if r.relocated]
    out = []
    save = "saved (--fix)" if fixing else "'tcoder check --fix' saves the new offsets"
    if shifted:
        out.append(Problem(f"the transcript changed: {plural(len(shifted), 'annotation')} found their exact passage at a new place, "
                           f"where the text before them moved it or near there; {save}", loaded.path, severity="warning"))
    then = " (saved by --fix)" if fixing else ", then 'tcoder check --fix' saves it"
    for r in relocated:
        a = r.annotation
        if r.status == "fuzzy":
            how = f"was re-anchored by fuzzy match ({r.similarity:.0%} similar)"
        else:
            how = "was found at another place"
        out.append(Problem(
            f"the transcript changed: annotation {a.id} ({a.code}) {_quoted(a.quote)} {how} from "
            f"[{r.old_start}, {r.old_end}) to [{a.start}, {a.end}); check it in the coding screen{then}",
            loaded.path, severity="warning"))
    return out


def _quoted(quote: str | None, width: int = 50) -> str:
    if not quote:
        return "(no quote stored)"
    return repr(shorten(quote, width))


def annotation_line(loaded: LoadedAnnotations, annotation_id: str) -> int | None:
    """The line of an annotation in its file (one annotation per line, as tcoder writes them)."""
    return annotation_lines(loaded.path, [annotation_id]).get(annotation_id)


def annotation_lines(path: Path, annotation_ids: list[str], raw: bytes | None = None) -> dict[str, int]:
    """The line of each of these annotations in the file (the first line naming its id), reading
    the file once (not at all when its bytes are given); an id no line names is left out."""
    if raw is None:
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError:
            return {}
    if b"\r" in raw:  # lines may end in \r\n or \r: read as text, as line by line, to count them
        try:
            text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            return {}
        raw = text.encode("utf-8")
    found = []
    for annotation_id in annotation_ids:
        if "\n" in annotation_id or "\r" in annotation_id:
            continue  # no one line can hold it
        at = raw.find(f'"id": "{annotation_id}"'.encode("utf-8", "surrogatepass"))
        if at >= 0:
            found.append((at, annotation_id))
    lines = {}
    line, counted = 1, 0
    for at, annotation_id in sorted(found):
        line += raw.count(b"\n", counted, at)
        counted = at
        lines[annotation_id] = line
    return lines


def merge_overlapping(report: CheckReport) -> list[tuple[str, int]]:
    """Merge annotations of one code on overlapping text (``check --fix``), each group into one
    annotation covering the union, memos and consensus sources kept. Returns (file, groups merged)."""
    study = report.study
    done = []
    for stale in report.overlapping:
        with AnnotationLock(stale.path, coder=stale.coder, purpose="check --fix"):
            loaded = study.load_annotations(stale.ref, stale.coder)
            groups = overlap_groups(loaded.file.annotations)
            if not groups:
                continue
            text = study.transcript(stale.ref).text
            gone = {a.id for g in groups for a in g.annotations}
            kept = [a for a in loaded.file.annotations if a.id not in gone]
            kept.extend(merged_annotation(g.annotations, text) for g in groups)
            loaded.file.annotations = kept
            save_annotations(loaded.file, loaded.path)
            done.append((str(loaded.path), len(groups)))
    return done


def save_reanchored(report: CheckReport) -> list[str]:
    """Store re-anchored offsets (``check --fix``). Nothing is dropped: orphaned
    annotations are saved with their flag. Returns the files written."""
    study = report.study
    known = set(study.codebook.codes) if report.codebook_summary and "not usable" not in report.codebook_summary \
        else None
    written = []
    for stale in list(dict.fromkeys([*report.reanchored, *report.pending])):
        try:
            with AnnotationLock(stale.path, coder=stale.coder, purpose="check --fix"):
                # Read again under the lock: the file may have changed since the check.
                loaded = study.load_annotations(stale.ref, stale.coder, known)
                if loaded.reanchored or loaded.pending_migration:
                    save_annotations(loaded.file, loaded.path)
                    written.append(str(loaded.path))
        except OSError as exc:  # a full disk, a read-only folder: this file keeps its old offsets
            report.problems.append(Problem(f"the new offsets were not saved: {os_error_message(exc)}. The file is "
                                           "as it was; free some space and run 'tcoder check --fix' again",
                                           stale.path))
        except TcoderError as exc:  # locked by a coder at work, or changed into something unreadable
            report.problems.extend(exc.problems)
    return written

"""A study on disk (docs/formats.md#a-study-on-disk): transcripts, the codebook, annotation
files per coder, and case attributes.

Opening a study only lists files; transcripts, the codebook and annotation
files are read when first asked for and then cached, so commands that need
one transcript stay fast on large studies.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator

from tcoder.annotations import (
    ANNOTATION_SUFFIX,
    AnchorResult,
    Annotation,
    AnnotationFile,
    annotation_name,
    annotation_path,
    annotations_from_file_bytes,
    file_looks_like_annotations,
    read_annotations_and_bytes,
    reanchor,
    span_problems,
    split_annotation_name,
    version_digest,
)
from tcoder.atomicio import is_leftover_temp
from tcoder.attributes import Attributes, read_attributes
from tcoder.codebook import Codebook, load_codebook
from tcoder.codebook_history import History, Migration, history_path, migrate_file, read_history
from tcoder.errors import Problem, StudyError, TcoderError
from tcoder.numbers import plural
from tcoder.participants import Participants, read_participants
from tcoder.quotes import shorten
from tcoder.safeio import file_kind, os_error_message
from tcoder.settings import SETTINGS_FILE, Settings, load_settings
from tcoder.transcript import TRANSCRIPT_SUFFIXES, Transcript, read_transcript, transcript_from_bytes
from tcoder.turnrule import Purpose, TurnRule, TurnSelection, rule_for, select_turns

CONSENSUS = "consensus"


@dataclass(frozen=True, slots=True)
class TranscriptRef:
    """A transcript's place in the study; ``name`` is its path relative to the
    study folder with forward slashes, e.g. ``interviews/P01.txt``."""

    name: str
    path: Path

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def file_name(self) -> str:
        return self.path.name

    def annotation_path(self, coder: str) -> Path:
        return annotation_path(self.path, coder)


@dataclass(eq=False)
class LoadedAnnotations:
    """One coder's annotation file checked against the current transcript text."""

    ref: TranscriptRef
    coder: str
    path: Path
    file: AnnotationFile
    reanchored: bool = False  # the transcript changed since the file was written
    anchors: list[AnchorResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: annotations that carried a code id the codebook history retired, read under the current code
    migrations: list[Migration] = field(default_factory=list)
    #: the bytes the file was read from, when asked for (``load_annotations(keep_bytes=True)``)
    raw: bytes | None = None

    @property
    def pending_migration(self) -> list[Migration]:
        """Migrations that saving the file would write (the others need a person's decision)."""
        return [m for m in self.migrations if m.pending_write]

    @property
    def annotations(self) -> list[Annotation]:
        """The annotations placed on the current text (orphaned ones left out)."""
        return [a for a in self.file.annotations if not a.orphaned]

    @property
    def orphaned(self) -> list[Annotation]:
        return [a for a in self.file.annotations if a.orphaned]

    @property
    def moved(self) -> list[AnchorResult]:
        return [r for r in self.anchors if r.status in ("moved", "fuzzy")]


class Study:
    def __init__(self, root: Path, settings: Settings):
        self.root = root
        self.settings = settings
        self.problems: list[Problem] = []  # found while listing files
        self.stray_annotation_files: list[Path] = []
        self.leftover_temp_files: list[Path] = []
        self.memo_paths: list[Path] = []  # the Markdown files of the memos folder
        self.transcripts: list[TranscriptRef] = []
        self._files: dict[str, dict[str, Path]] = {}
        self._texts: dict[str, Transcript] = {}
        #: what opening the study did to finish operations a crash had interrupted
        self.recovered: list[str] = []
        #: why the codebook history could not be read (then old ids are not mapped)
        self.history_problems: list[Problem] = []
        self._discover()

    # ------------------------------------------------------------ listing

    def _discover(self) -> None:
        candidates: dict[tuple[str, str], list[Path]] = {}  # (folder, stem) -> transcript paths
        jsons: list[tuple[str, str, str, Path]] = []  # folder, stem, coder, path
        odd_jsons: list[tuple[str, str, Path]] = []  # folder, name without .json, path: no valid coder part
        in_memos: list[tuple[str, str, Path]] = []  # text files of the memos folder, which are no transcripts
        settings = self.settings
        folder_path, last_folder = self.root, None  # one Path per folder, not one parse per file
        for folder, rel_folder, name in self._walk():
            if folder != last_folder:
                folder_path, last_folder = Path(folder), folder
            stem, dot, suffix = name.rpartition(".")
            suffix = "." + suffix.lower()
            if suffix in TRANSCRIPT_SUFFIXES and settings.in_memo_folder(rel_folder + name):
                in_memos.append((rel_folder, stem, folder_path / name))
            elif suffix in TRANSCRIPT_SUFFIXES and settings.includes(rel_folder + name):
                candidates.setdefault((rel_folder, stem), []).append(folder_path / name)
            elif suffix == ANNOTATION_SUFFIX:
                split = split_annotation_name(stem + ANNOTATION_SUFFIX)
                if split is not None:
                    jsons.append((rel_folder, *split, folder_path / name))
                else:
                    odd_jsons.append((rel_folder, stem, folder_path / name))
        self._sort_memo_folder(in_memos, candidates, jsons)
        by_key: dict[tuple[str, str], TranscriptRef] = {}
        for (rel_folder, stem), paths in sorted(candidates.items()):
            paths.sort(key=lambda p: (p.suffix.lower() != ".txt", p.name))
            if len(paths) > 1:
                names = ", ".join(p.name for p in paths)
                self.problems.append(Problem(
                    f"two transcripts share the stem {stem!r} in one folder ({names}), so their annotation "
                    f"files would collide; rename one. Only {paths[0].name} is used.", paths[1]))
            ref = TranscriptRef(rel_folder + paths[0].name, paths[0])
            by_key[(rel_folder, stem)] = ref
            self.transcripts.append(ref)
        self.transcripts.sort(key=lambda r: r.name)
        stems_by_folder: dict[str, list[str]] = {}
        for rel_folder, stem in by_key:
            stems_by_folder.setdefault(rel_folder, []).append(stem)
        for rel_folder, stem, coder, path in jsons:
            owner = by_key.get((rel_folder, stem))
            if owner is not None:
                self._files.setdefault(owner.name, {})[coder] = path
            elif file_looks_like_annotations(path):
                self._unmatched(path, f"{stem}.{coder}", stems_by_folder.get(rel_folder, []))
        for rel_folder, stem, path in odd_jsons:
            if file_looks_like_annotations(path):
                self._unmatched(path, stem, stems_by_folder.get(rel_folder, []))

    def _sort_memo_folder(self, in_memos: list[tuple[str, str, Path]],
                          candidates: dict[tuple[str, str], list[Path]],
                          jsons: list[tuple[str, str, str, Path]]) -> None:
        """Files of the memos folder are memos, never transcripts; but a study from before
        memos existed may keep coded transcripts in a folder of that name: one with
        annotation files beside it stays a transcript (with a warning)."""
        coded = {(folder, stem) for folder, stem, _, _ in jsons}
        for folder, stem, path in in_memos:
            if (folder, stem) in coded and self.settings.includes_ignoring_memos(folder + path.name):
                candidates.setdefault((folder, stem), []).append(path)
                self.problems.append(Problem(
                    f"this transcript is in the memos folder ({self.settings.memos}/), where tcoder keeps memo files; "
                    "it has annotation files, so it is still read as a transcript. Move it (with its annotation "
                    "files) to another folder, or name another memos folder in tcoder.yaml (memos: FOLDER)",
                    path, severity="warning"))
            elif path.suffix.lower() == ".md":
                self.memo_paths.append(path)
            elif self.settings.includes_ignoring_memos(folder + path.name):
                self.problems.append(Problem(
                    f"a {path.suffix} file in the memos folder ({self.settings.memos}/) is neither a memo (memos are "
                    ".md files) nor a transcript (the memos folder holds none); it is not used. Rename it to .md to "
                    "make it a memo, or move it out of the folder to make it a transcript", path, severity="warning"))

    def _walk(self) -> Iterator[tuple[str, str, str]]:
        """(folder, study-relative folder with a trailing '/', file name) of every file
        the study may read, folders in sorted order, depth first. Hidden files and
        folders are skipped (leftover temporary files are noted); everything else
        that cannot be used is reported in :attr:`problems`, never skipped silently:
        folders that cannot be listed, names that are not UTF-8, special files and
        links that point outside the study, to nothing, or to themselves."""
        root_real = os.path.realpath(self.root)
        stack = [(str(self.root), "")]
        while stack:
            folder, rel_folder = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as exc:
                self.problems.append(Problem(
                    f"cannot read this folder: {os_error_message(exc)}. The transcripts and annotation files in it "
                    "are left out of everything tcoder does until it is readable", folder))
                continue
            folders = []
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    if is_leftover_temp(name) and entry.is_file(follow_symlinks=False):
                        self.leftover_temp_files.append(Path(entry.path))
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if _not_utf8(name):
                        self.problems.append(Problem(
                            "this folder's name is not valid UTF-8, so the files in it are left out; rename it",
                            entry.path))
                    else:
                        folders.append((entry.path, f"{rel_folder}{name}/"))
                    continue
                if entry.is_symlink() and os.path.isdir(entry.path):
                    self.problems.append(Problem(
                        f"a symbolic link to the folder {os.readlink(entry.path)}: tcoder does not follow links to "
                        "folders, so any transcripts there are not part of the study (move or copy them in)",
                        entry.path, severity="warning"))
                    continue
                stem, dot, suffix = name.rpartition(".")
                if not dot or "." + suffix.lower() not in (*TRANSCRIPT_SUFFIXES, ".json"):
                    continue
                why = _unusable(entry, root_real)
                if why is None and _not_utf8(name):
                    why = "its name is not valid UTF-8 (it could not be written in a tcoder or REFI-QDA file); rename it"
                if why is None:
                    yield folder, rel_folder, name
                elif self._would_read(rel_folder, name):
                    self.problems.append(Problem(f"not read: {why}", entry.path))
            stack.extend(reversed(folders))

    def _would_read(self, rel_folder: str, name: str) -> bool:
        """Whether a file of this name would be a transcript or an annotation file of the study."""
        stem, _, suffix = name.rpartition(".")
        if "." + suffix.lower() in TRANSCRIPT_SUFFIXES:
            return self.settings.includes(rel_folder + name)
        return split_annotation_name(name) is not None

    def _unmatched(self, path: Path, name: str, stems: list[str]) -> None:
        """An annotation file that belongs to no transcript: a bad coder name
        (``P01.Alice.json``, ``P01.bob.smith.json``) or a missing transcript."""
        owners = [s for s in stems if name.startswith(s + ".")]
        if owners:
            stem = max(owners, key=len)
            coder = name[len(stem) + 1:]
            suggestion = re.sub(r"[^a-z0-9_-]+", "-", coder.lower()).strip("-") or "coder"
            self.problems.append(Problem(
                f"the coder name {coder!r} in this file name is not valid (coder names are lower-case letters, "
                f"digits, '-' and '_', without dots), so its annotations are not used; rename the file to "
                f"{annotation_name(stem, suggestion)}", path))
        else:
            self.stray_annotation_files.append(path)

    # ------------------------------------------------------------ lookups

    @property
    def coders(self) -> list[str]:
        names = {c for files in self._files.values() for c in files}
        return sorted(names, key=lambda c: (c == CONSENSUS, c))

    def coders_of(self, ref: TranscriptRef | str) -> list[str]:
        name = ref if isinstance(ref, str) else ref.name
        return sorted(self._files.get(name, {}), key=lambda c: (c == CONSENSUS, c))

    def annotation_path_of(self, ref: TranscriptRef, coder: str) -> Path:
        """Where a coder's file of a transcript is (or would be)."""
        return self._files.get(ref.name, {}).get(coder) or ref.annotation_path(coder)

    def annotation_files(self, ref: TranscriptRef | str) -> dict[str, Path]:
        name = ref if isinstance(ref, str) else ref.name
        return dict(self._files.get(name, {}))

    def track_annotation_file(self, ref: TranscriptRef | str, coder: str) -> None:
        """Take note that ``coder``'s file of a transcript was created or deleted since
        the study was listed (an operation wrote it)."""
        ref = self.find(ref) if isinstance(ref, str) else ref
        path = self._files.get(ref.name, {}).get(coder) or ref.annotation_path(coder)
        if path.exists():
            self._files.setdefault(ref.name, {})[coder] = path
        else:
            self._files.get(ref.name, {}).pop(coder, None)

    def find(self, name: str) -> TranscriptRef:
        """A transcript by study-relative path, file name or stem."""
        wanted = name.replace("\\", "/")
        candidate = Path(name)
        if candidate.exists():
            try:
                wanted = candidate.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        for ref in self.transcripts:
            if ref.name == wanted:
                return ref
        for attr in ("file_name", "stem"):
            hits = [r for r in self.transcripts if getattr(r, attr) == wanted]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise StudyError(Problem(f"{name!r} matches several transcripts: "
                                         f"{', '.join(r.name for r in hits)}; give the path", self.root))
        raise StudyError(Problem(f"no transcript {name!r} in this study"
                                 + (f"; it has {', '.join(r.name for r in self.transcripts[:8])}"
                                    + (", ..." if len(self.transcripts) > 8 else "")
                                    if self.transcripts else ""), self.root))

    # ------------------------------------------------------------ content

    @property
    def memo_folder(self) -> Path:
        return self.root / self.settings.memos

    @property
    def themes_path(self) -> Path:
        return self.root / self.settings.themes

    @property
    def codebook_path(self) -> Path:
        return self.root / self.settings.codebook

    @cached_property
    def codebook(self) -> Codebook:
        path = self.codebook_path
        if not os.path.lexists(path):
            hint = (" (tcoder.yaml names it)" if self.settings.path and self.settings.codebook != "codebook.yaml"
                    else "; 'tcoder init' writes a commented one, or name yours in tcoder.yaml")
            raise StudyError(Problem(f"the study has no codebook at {self.settings.codebook}{hint}", self.root))
        return load_codebook(path)

    def reload_codebook(self) -> Codebook:
        """Read the codebook again (it may have been edited); the old one stays if the new one is invalid."""
        fresh = load_codebook(self.codebook_path)
        self.__dict__["codebook"] = fresh
        self.__dict__.pop("history", None)
        return fresh

    @cached_property
    def history(self) -> History:
        """The codebook's history (empty when there is none, or when it cannot be read:
        then :attr:`history_problems` says why and old ids are not mapped)."""
        try:
            return read_history(history_path(self.codebook_path))
        except TcoderError as exc:
            self.history_problems = exc.problems
            return History([], history_path(self.codebook_path))

    @cached_property
    def _attributes(self) -> tuple[Attributes, list[Problem]]:
        path = self.root / self.settings.attributes
        if not os.path.lexists(path):
            return Attributes(), []
        return read_attributes(path, [r.name for r in self.transcripts])

    @property
    def attributes(self) -> Attributes:
        return self._attributes[0]

    @property
    def attribute_problems(self) -> list[Problem]:
        return self._attributes[1]

    @cached_property
    def _participants(self) -> tuple[Participants, list[Problem]]:
        return read_participants(self.root, self.settings.participants, self.settings.speakers,
                                 [r.name for r in self.transcripts])

    @property
    def participants(self) -> Participants:
        """Who speaks in which transcript, in what role, and each person's attributes."""
        return self._participants[0]

    @property
    def participant_problems(self) -> list[Problem]:
        return self._participants[1]

    def turn_rule(self, purpose: Purpose, left_out_roles: frozenset[str] | None = None) -> TurnRule:
        """The rule for ``purpose``: roles from the command line, else tcoder.yaml, else every role but participant."""
        roles = left_out_roles if left_out_roles is not None else self.settings.left_out_roles.get(purpose)
        return rule_for(roles, self.settings.skip_speakers)

    def turn_selection(self, ref: TranscriptRef | str, rule: TurnRule) -> TurnSelection:
        """The turns of a transcript that count under ``rule`` (see tcoder.turnrule)."""
        return select_turns(self.transcript(ref), self.participants, rule)

    def transcript(self, ref: TranscriptRef | str, data: bytes | None = None) -> Transcript:
        """A transcript, read once; ``data``: its file's bytes, read already, which the
        transcript is then made from (what a caller checks or keeps must be those bytes). A copy
        read earlier stays the study's copy when the bytes give the same transcript, and is
        replaced when they do not."""
        ref = self.find(ref) if isinstance(ref, str) else ref
        cached = self._texts.get(ref.name)
        if data is None:
            if cached is None:
                cached = read_transcript(ref.path, ref.name, self.settings.compiled_speaker_pattern,
                                         self.settings.encoding)
                self._texts[ref.name] = cached
            return cached
        made = transcript_from_bytes(data, ref.path, ref.name, self.settings.compiled_speaker_pattern,
                                     self.settings.encoding)
        if cached is not None and (cached.text, cached.encoding, cached.warnings) == (
                made.text, made.encoding, made.warnings):
            return cached
        self._texts[ref.name] = made
        return made

    @contextmanager
    def passing_through(self, ref: TranscriptRef) -> Iterator[None]:
        """Keep the transcript read inside the block only for the block (unless it was read
        before): a command that visits each transcript once holds one at a time, not the study."""
        kept = ref.name in self._texts
        try:
            yield
        finally:
            if not kept:
                self._texts.pop(ref.name, None)

    def forget_transcript(self, ref: TranscriptRef | str) -> None:
        """Drop the cached text so the next read sees the file as it is now."""
        self._texts.pop(ref if isinstance(ref, str) else ref.name, None)

    def load_annotations(self, ref: TranscriptRef | str, coder: str,
                         known_codes: set[str] | None = None, keep_bytes: bool = False,
                         raw: bytes | None = None) -> LoadedAnnotations:
        """Read one coder's file and place it on the current text: re-anchor if the
        transcript changed, report spans beyond the text and unknown codes.
        A coder without a file gets an empty set. ``keep_bytes`` keeps what was read
        in :attr:`LoadedAnnotations.raw` (to find lines in it without reading it again);
        ``raw``: the file's bytes, read already (see :meth:`annotation_path_of`)."""
        ref = self.find(ref) if isinstance(ref, str) else ref
        transcript = self.transcript(ref)
        path = self.annotation_path_of(ref, coder)
        if raw is not None:
            af = annotations_from_file_bytes(raw, path)
        elif not path.exists():
            empty = AnnotationFile(coder, ref.file_name, transcript.sha256)
            return LoadedAnnotations(ref, coder, path, empty)
        else:
            af, raw = read_annotations_and_bytes(path)
        loaded = LoadedAnnotations(ref, coder, path, af, raw=raw if keep_bytes else None)
        if af.coder and af.coder != coder:
            loaded.problems.append(Problem(f"the file says coder {af.coder!r} but its name says {coder!r}; "
                                           "the name wins", path, severity="warning"))
            af.coder = coder
        if written_for_another_text(af, transcript.text, transcript.sha256):
            loaded.reanchored = True
            loaded.anchors = self._reanchor(ref, coder, version_digest(raw), af, transcript)  # only here: a hash
            af.text_sha256 = transcript.sha256
            for result in loaded.anchors:
                a = result.annotation
                if result.status == "orphaned":
                    loaded.problems.append(Problem(
                        f"annotation {a.id} ({a.code}) is orphaned: {_short(a.quote)} at [{a.start}, {a.end}): "
                        f"{result.reason} (kept, with its old offsets)", path))
        elif af.text_sha256 is None:
            unverifiable = sum(1 for a in af.annotations if not a.quote and not a.orphaned)
            if unverifiable:
                loaded.problems.append(Problem(
                    f"{plural(unverifiable, 'annotation', 'has')} no quote and the file has no text_sha256: nothing shows "
                    "whether the transcript changed since they were written, so their offsets are taken as they "
                    "are (if it was edited after, they may point at other text)", path,
                    severity="warning"))
        af.transcript = af.transcript or ref.file_name
        if self.history.retired:
            loaded.migrations = migrate_file(af, self.history, known_codes)
            undecided = {m.annotation_id: m for m in loaded.migrations if not m.pending_write}
            for m in undecided.values():
                loaded.problems.append(Problem(
                    f"annotation {m.annotation_id} carries the code {m.old!r}, but {m.mapping.explain(m.old)}, and "
                    "the history does not say where this annotation goes (it was made elsewhere, or later): recode "
                    "it (ctrl+r in the coding screen) or delete it", path))
            if undecided and known_codes is not None:
                known_codes = known_codes | {m.old for m in undecided.values()}
        loaded.problems.extend(span_problems(af, len(transcript.text), path, known_codes))
        return loaded

    def _reanchor(self, ref: TranscriptRef, coder: str, version: bytes, af: AnnotationFile,
                  transcript: Transcript) -> list[AnchorResult]:
        """Place the annotations on the changed text, or take the placements kept for
        exactly this file and text (see :mod:`tcoder.anchor_cache`)."""
        from tcoder import anchor_cache

        key = anchor_cache.cache_key(version, transcript.sha256)
        where = anchor_cache.cache_path(self.root, ref.name, coder)
        kept = anchor_cache.load(where, key, af.annotations, transcript.text)
        if kept is not None:
            return kept
        results = reanchor(af.annotations, transcript.text)
        anchor_cache.store(where, key, results)
        return results

    def iter_loaded(self, coders: list[str] | None = None) -> Iterator[LoadedAnnotations | TcoderError]:
        """Every annotation file (of the given coders), loaded; errors are yielded, not raised."""
        known = self.known_codes()
        for ref in self.transcripts:
            for coder in self.coders_of(ref):
                if coders is not None and coder not in coders:
                    continue
                try:
                    yield self.load_annotations(ref, coder, known)
                except TcoderError as exc:
                    yield exc

    def known_codes(self) -> set[str] | None:
        """The codebook's code ids; None when the codebook cannot be read."""
        try:
            return set(self.codebook.codes)
        except TcoderError:
            return None


def written_for_another_text(af: AnnotationFile, text: str, sha256: str) -> bool:
    """The file was written against another version of the transcript: its stored hash
    differs or, in a file without one, a stored quote is no longer at its offsets."""
    if af.text_sha256 is not None:
        return af.text_sha256 != sha256
    return any(a.quote is not None and text[a.start:a.end] != a.quote for a in af.annotations)


def _short(quote: str | None, width: int = 50) -> str:
    if not quote:
        return "(no quote stored)"
    return repr(shorten(quote, width))


def _not_utf8(name: str) -> bool:
    """A name with bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unusable(entry: os.DirEntry[str], root_real: str) -> str | None:
    """Why a file found in the study cannot be read as part of it, or None."""
    try:
        if not entry.is_symlink():
            if entry.is_file(follow_symlinks=False):
                return None
            kind = file_kind(entry.stat(follow_symlinks=False).st_mode)
            return f"it is {kind}, not an ordinary file (a pipe or a device could block or never end)"
        target = os.readlink(entry.path)
        try:
            st = os.stat(entry.path)
        except OSError as exc:
            return os_error_message(exc, entry.path)
        real = os.path.realpath(entry.path)
        if os.path.commonpath([real, root_real]) != root_real:
            return (f"it is a symbolic link to {target}, outside the study folder; tcoder reads only files "
                    "inside the study (so nothing private is ever coded or exported by accident). Copy the "
                    "file into the study instead")
        kind = file_kind(st.st_mode)
        if kind is not None:
            return f"it is a symbolic link to {target}, which is {kind}, not an ordinary file"
        return None
    except OSError as exc:
        return os_error_message(exc, entry.path)


def study_file_role(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> str | None:
    """What ``path`` is to the study in ``root``, in words ('a transcript of the study'),
    or None for a file the study neither has nor would read. Every kind of file a study
    owns is named here, so that outputs never replace or add one (see tcoder.outputs)."""
    root = Path(root)
    path = Path(path)
    try:
        real_root = root.resolve()
        real = path.parent.resolve() / path.name
    except (OSError, RuntimeError):
        return None
    try:
        settings = load_settings(root)
    except TcoderError:
        settings = Settings()
    named = {SETTINGS_FILE: "the study's settings (tcoder.yaml)",
             settings.codebook: "the study's codebook",
             settings.attributes: "the study's attributes table",
             settings.participants: "the study's participants table",
             settings.speakers: "the study's speakers table",
             settings.themes: "the study's themes",
             str(Path(settings.themes).with_suffix(".history.yaml")): "the history of the study's themes"}
    for name, role in named.items():
        try:
            if (real_root / name).resolve() == real or (path.exists() and (real_root / name).exists()
                                                        and os.path.samefile(real_root / name, path)):
                return role
        except (OSError, RuntimeError):
            continue
    try:
        rel = real.relative_to(real_root)
    except ValueError:
        return None
    if any(part.startswith(".") for part in rel.parts):
        return "a file tcoder or git keeps in the study (its name or folder starts with a dot)"
    if settings.in_memo_folder(rel.as_posix()):
        return f"a memo of the study ({settings.memos}/ holds one file per memo)"
    suffix = path.suffix.lower()
    if suffix in TRANSCRIPT_SUFFIXES and settings.includes(rel.as_posix()):
        return "a transcript of the study"
    if suffix == ANNOTATION_SUFFIX:
        split = split_annotation_name(path.name)
        if split is not None and any((path.parent / (split[0] + s)).exists() for s in TRANSCRIPT_SUFFIXES):
            return "an annotation file of the study"
        if file_looks_like_annotations(path):
            return "an annotation file of the study"
    return None


def open_study(path: str | os.PathLike[str]) -> Study:
    # Absolute, so every path the study hands out compares equal to the absolute
    # paths a folder watcher reports, whatever the working folder was.
    root = Path(path).absolute()
    if not root.exists():
        raise StudyError(Problem("no such folder", root))
    if not root.is_dir():
        raise StudyError(Problem("a study is a folder (with a codebook.yaml and transcripts), not a file", root))
    recovered = _recover(root)
    study = Study(root, load_settings(root))
    study.recovered = recovered
    return study


def _recover(root: Path) -> list[str]:
    """Finish (or discard) operations a crash interrupted, before anything is read."""
    from tcoder.changeset import pending, recover

    if not pending(root):
        return []
    try:
        return [r.message() for r in recover(root)]
    except OSError as exc:
        raise StudyError(Problem(f"an interrupted operation must be completed before this study can be used, "
                                 f"but tcoder cannot write here ({exc.strerror})", root)) from None

"""Import REFI-QDA: a .qdc codebook to YAML, a .qdpx project to a new study folder.

A project written by tcoder carries ``tcoder.json`` (see :mod:`tcoder.refi.export`);
when it matches ``project.qde`` it gives back code ids, annotation ids and the
original codebook, settings and attributes files, so export then import
reproduces the study exactly. Projects from other programs are read from the XML
alone: ids are made from names and GUIDs, deterministically, so importing the
same file twice gives the same study.

Nothing is written over an existing, non-empty folder. project.qde is read in two
passes (:mod:`tcoder.refi.qde_stream`) and tcoder.json piece by piece
(:mod:`tcoder.refi.sidecar_stream`), so that each transcript and its annotation files are
written as soon as its source is read and memory holds one at a time (a project from
another program keeps its texts until it has found how the file counts positions, which
takes every source's selections). Codings and notes
that cannot be placed in the new study (a source whose text is missing, a selection past
the end of its text...) are counted per source and reason; if there are any, the import
stops and removes everything it wrote unless ``partial`` is given, and then it says what
was left out.
"""

from __future__ import annotations

import base64
import codecs
import csv
import glob
import hashlib
import io
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tcoder.annotations import CODER_NAME, IMPORTED_TEXT, Annotation, AnnotationFile, annotation_path, save_annotations
from tcoder.atomicio import atomic_write_bytes, atomic_write_text
from tcoder.codebook import Codebook, codebook_to_yaml, parse_codebook
from tcoder.errors import Problem, TcoderError, display_path
from tcoder.gcpause import collector_paused
from tcoder.jsonsafe import loads
from tcoder.memos import MEMO_FOLDER, Link, Memo, code_link, dumps_memo, file_name_for, passage_link
from tcoder.numbers import plural, verb_for
from tcoder.refi.archive import DEFAULT_MAX_BYTES, PROJECT_LIMIT, SafeArchive, unsafe_reason
from tcoder.refi.codebook_xml import child, child_text, children, codebook_from_codes, local, slugify
from tcoder.refi.export import (
    FOLDER_VARIABLE,
    JOURNAL_PREFIX,
    PROJECT_FILE,
    SET_PREFIX,
    SIDECAR,
    SIDECAR_FORMAT,
    source_memo_text,
    study_path,
)
from tcoder.refi.positions import Convention, Detection, PositionMap, SourceEvidence, StoredText, detect, line_starts
from tcoder.refi.qde_stream import skeleton, streamed_sources
from tcoder.refi.sidecar_stream import KeptAnnotations, NotStreamable, read_head
from tcoder.refi.themes_xml import THEMES_CODE, ReadTheme, read_description, theme_file
from tcoder.safeio import TRANSCRIPT_LIMIT
from tcoder.settings import Settings
from tcoder.themes import THEME_ID, Theme, ThemeFile, dumps_themes, encode_themes
from tcoder.transcript import TRANSCRIPT_SUFFIXES, canonical_newlines, decode_bytes, text_sha256

MAX_QDC_BYTES = 64 * 1024 ** 2
_SOURCE_KINDS = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


@dataclass
class ImportSummary:
    into: Path
    transcripts: int = 0
    coders: list[str] = field(default_factory=list)
    codes: int = 0
    annotations: int = 0
    memos: int = 0
    attributes: int = 0
    document_sets: int = 0
    code_sets: int = 0  # other programs' sets of codes, written as candidate themes
    themes: int = 0  # themes tcoder exported, read back
    memo_files: int = 0  # memos on passages without a code, transcripts, codes, the project
    exact: bool = False  # restored from tcoder.json
    positions: str = ""  # how the file counts positions, and on what evidence
    convention: Convention = field(default_factory=Convention)
    with_text: int = 0  # codings whose selection stores its text
    in_place: int = 0  # ... and whose stored text was at their positions
    moved: list[str] = field(default_factory=list)  # selections moved to where their stored text is
    unmatched: list[str] = field(default_factory=list)  # selections kept where their stored text is not
    lost_codings: int = 0  # left out with partial=True
    lost_notes: int = 0
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class Losses:
    """Codings and notes that have no place in the new study, per (source, reason)."""

    counts: dict[tuple[str, str], list] = field(default_factory=dict)  # -> [codings, notes, first example]

    def add(self, source: str, reason: str, codings: int = 0, notes: int = 0, example: str = "") -> None:
        if codings or notes:
            entry = self.counts.setdefault((source, reason), [0, 0, example])
            entry[0] += codings
            entry[1] += notes

    @property
    def codings(self) -> int:
        return sum(e[0] for e in self.counts.values())

    @property
    def notes(self) -> int:
        return sum(e[1] for e in self.counts.values())

    def __bool__(self) -> bool:
        return bool(self.counts)

    def lines(self, outcome: str = "cannot be placed") -> list[str]:
        return [f"{source}: {_count(c, n)} {outcome}: {reason}" + (f" (e.g. {example})" if example else "")
                for (source, reason), (c, n, example) in self.counts.items()]


def _count(codings: int, notes: int) -> str:
    parts = ([f"{plural(codings, 'coding')}"] if codings else []) + ([f"{plural(notes, 'note')}"] if notes else [])
    return " and ".join(parts) or "nothing"


# ---------------------------------------------------------------- XML


def parse_xml(data: bytes, where: Path | str, entry: str | None = None) -> ET.Element:
    label = f"{entry} in the archive: " if entry else ""
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise TcoderError(Problem(f"{label}not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})",
                                  where, line if not entry else None, column + 1 if not entry else None)) from None


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


# ---------------------------------------------------------------- .qdc


def read_qdc(path: str | Path) -> Codebook:
    return read_qdc_with_sets(path)[0]


def read_qdc_with_sets(path: str | Path) -> tuple[Codebook, ThemeFile, int]:
    """The codebook of a .qdc and its sets of codes as themes: those tcoder exported as they were
    (status, id, sub-themes, concept, definition), other programs' (ATLAS.ti's code groups,
    MAXQDA's code sets) as candidate themes; and how many are such candidates."""
    path = Path(path)
    from tcoder.safeio import read_file

    root = parse_xml(read_file(path, limit=MAX_QDC_BYTES, what="the codebook"), path)
    if local(root.tag) != "CodeBook":
        raise TcoderError(Problem(f"not a REFI-QDA codebook: the root element is <{local(root.tag)}>, "
                                  "expected <CodeBook>", path))
    codebook, by_guid = codebook_from_codes(child(root, "Codes"), title=path.stem)
    if not codebook.codes:
        raise TcoderError(Problem("the codebook has no codes", path))
    themes, candidates = code_sets_of(root, by_guid)
    return _checked(codebook, path), themes, candidates


def _members(set_el: ET.Element, kind: str) -> list[str]:
    """The GUIDs a set's members name (``targetGUID``, or ``guid`` as ATLAS.ti writes them)."""
    return [_guid(m.get("targetGUID") or m.get("guid")) for m in children(set_el, kind)]


def code_sets_of(container: ET.Element, code_ids: dict[str, str]) -> tuple[ThemeFile, int]:
    """The sets of codes in a ``<Sets>`` child of ``container`` (members named by ``targetGUID``
    or, as ATLAS.ti writes them, ``guid``) as themes (see :func:`read_qdc_with_sets`), and how
    many of them are other programs' sets, made candidate themes."""
    sets: list[tuple[str, str, list[str]]] = []
    read: list[ReadTheme] = []
    for sets_el in children(container, "Sets"):
        for el in children(sets_el, "Set"):
            codes = [code_ids[g] for g in _members(el, "MemberCode") if g in code_ids]
            if codes or not any(True for _ in children(el, "MemberSource")):
                name = (el.get("name") or "").strip() or f"set {_guid(el.get('guid'))[:8]}"
                description = child_text(el, "Description").strip()
                theme = read_description(name, description)
                if theme is not None:  # a theme tcoder exported
                    theme.codes = codes
                    read.append(theme)
                else:
                    sets.append((name, description, codes))
    return themes_with_candidates(read, themes_from_sets(sets)), len(sets)


def themes_with_candidates(read: list[ReadTheme], candidates: list[Theme]) -> ThemeFile:
    """The themes tcoder exported, read back, with other programs' sets of codes beside them as
    candidate themes (an id already taken gets ``-2``, ``-3``...)."""
    found = theme_file(read)
    for candidate in candidates:
        theme_id, n = candidate.id, 2
        while theme_id in found.themes:
            theme_id, n = f"{candidate.id}-{n}", n + 1
        candidate.id = theme_id
        found.themes[theme_id] = candidate
    return found


def themes_from_sets(sets: list[tuple[str, str, list[str]]]) -> list[Theme]:
    """Code sets (name, description, code ids) as candidate themes: ATLAS.ti's code groups and
    MAXQDA's code sets gather codes across the tree, as a theme links the codes that inform it.
    Ids are made from the names as code ids are, unique in order."""
    themes: list[Theme] = []
    taken: set[str] = set()
    for name, description, codes in sets:
        base = slugify(name) or "theme"
        if not THEME_ID.match(base):
            base = "theme"
        theme_id, n = base, 2
        while theme_id in taken:
            theme_id, n = f"{base}-{n}", n + 1
        taken.add(theme_id)
        themes.append(Theme(theme_id, name, "candidate", definition=description, codes=list(dict.fromkeys(codes))))
    return themes


def themes_text(themes: ThemeFile) -> str:
    return dumps_themes(themes)


def _checked(codebook: Codebook, path) -> Codebook:
    """Round-trip through YAML so the result is exactly what tcoder will read back."""
    return parse_codebook(codebook_to_yaml(codebook), path)


def import_qdc(path: str | Path, output: str | Path) -> Codebook:
    codebook = read_qdc(path)
    atomic_write_text(output, codebook_to_yaml(codebook))
    return codebook


# ---------------------------------------------------------------- .qdpx


def import_qdpx(path: str | Path, into: str | Path, max_bytes: int = DEFAULT_MAX_BYTES,
                partial: bool = False) -> ImportSummary:
    """Read the project and write the study, each transcript's files as soon as its source is
    read (so memory holds one at a time). Codings or notes that cannot be placed stop the
    import and remove everything it wrote, unless ``partial``: then the rest is kept and the
    summary's warnings give every count."""
    path, into = Path(path), Path(into)
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise TcoderError(Problem("this folder exists and is not empty; tcoder imports into a new or empty folder "
                                  "and never writes over files", into))
    existed = into.exists()
    plan = _Plan(ImportSummary(Path()), into)
    removed = _remove_stopped_imports(into)
    try:
        # What is read holds no reference cycles: without the collector's passes over everything
        # alive (the outline of project.qde, the record's head), reading takes a tenth less time.
        with SafeArchive(path, max_bytes) as archive, collector_paused():
            reader = _Reader(archive, path)
            reader.read(plan)
        losses = reader.losses
        if losses and not partial:
            plan.remove()
            folder = "nothing was written" + ("" if existed else f" ({display_path(into)} was not created)")
            raise TcoderError([Problem(line, path) for line in losses.lines()] + [Problem(
                f"{_count(losses.codings, losses.notes)} in all would be lost, so {folder}. Fix the project in the "
                f"program that wrote it, or add --partial to import everything else and leave these out", path)])
        if losses:
            plan.summary.warnings.extend(Problem(line, path, severity="warning")
                                         for line in losses.lines("left out (--partial)"))
            plan.summary.warnings.append(Problem(f"{_count(losses.codings, losses.notes)} in all left out (--partial)",
                                                 path, severity="warning"))
            plan.summary.lost_codings, plan.summary.lost_notes = losses.codings, losses.notes
        plan.finish()
    except BaseException:
        plan.remove()
        raise
    plan.summary.into = into
    plan.summary.warnings[:0] = removed
    return plan.summary


def _remove_stopped_imports(into: Path) -> list[Problem]:
    """Remove the hidden folders (see :class:`_Plan`) of earlier imports into ``into`` whose
    process has ended without finishing (killed, or the machine went down): they hold
    nothing but what that import had written. A folder of an import still running is left."""
    removed = []
    for folder in sorted(into.parent.glob(f".{glob.escape(into.name)}.importing-*")):
        pid = folder.name.rpartition(".importing-")[2].split("-")[0]
        if not folder.is_dir() or not pid.isdigit() or _running(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(Problem(f"removed: the part of a study an import into {into.name} had written when it was "
                                   "stopped before it finished", folder, severity="warning"))
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: running
        return True
    return True


@dataclass
class _Plan:
    """The study being written. Each transcript and its annotation files are written as its
    source is read; the small files (codebook, memos, settings...) are kept here and written
    by :meth:`finish`. Where two would have one path, the annotation file wins, then a file
    from ``late_files``, then the transcript, then ``files`` (as when everything was written
    at the end in that order).

    Everything goes into a hidden folder beside ``into`` (``.NAME.importing-PID``), moved to
    ``into`` only when the import is complete: an import that is stopped, even killed, never
    leaves a study that looks whole."""

    summary: ImportSummary
    into: Path
    files: dict[str, bytes] = field(default_factory=dict)  # study-relative path -> bytes
    late_files: dict[str, bytes] = field(default_factory=dict)  # ... written over a transcript of that path
    made: list[Path] = field(default_factory=list)  # folders created for ``into`` (its parents), in order
    building: Path | None = None  # where the study is written until it is complete
    transcripts: set[str] = field(default_factory=set)  # written
    annotation_paths: set[str] = field(default_factory=set)  # written, study-relative
    coders: set[str] = field(default_factory=set)

    def write_transcript(self, name: str, text: str, annotation_files: dict[str, AnnotationFile]) -> None:
        self._write(name, lambda target: atomic_write_bytes(target, text.encode("utf-8")))
        self.transcripts.add(name)
        for coder, af in sorted(annotation_files.items()):
            rel = annotation_path(Path(name), coder).as_posix()
            self._write(rel, lambda target, af=af: save_annotations(af, target))
            self.annotation_paths.add(rel)
            self.coders.add(coder)

    def finish(self) -> None:
        """Write the small files, then move the study to ``into``."""
        for rel, data in self.files.items():
            if rel not in self.transcripts and Path(rel).as_posix() not in self.annotation_paths:
                self._write(rel, lambda target, data=data: atomic_write_bytes(target, data))
        for rel, data in self.late_files.items():
            if Path(rel).as_posix() not in self.annotation_paths:
                self._write(rel, lambda target, data=data: atomic_write_bytes(target, data))
        try:
            building = self._building()
            if self.into.exists():  # an empty folder the user made: keep it, move what is in it
                for entry in sorted(building.iterdir()):
                    os.replace(entry, self.into / entry.name)
                building.rmdir()
            else:
                os.replace(building, self.into)
        except OSError as exc:
            self.remove()
            raise TcoderError(Problem(f"cannot write the study here: {exc.strerror or exc}; the import stopped and "
                                      "removed what it had written", self.into)) from None
        self.building = None
        self.made.clear()

    def _building(self) -> Path:
        if self.building is None:
            self._mkdir(self.into.parent)
            n, name = 1, f".{self.into.name}.importing-{os.getpid()}"
            while (self.into.parent / name).exists():
                n, name = n + 1, f".{self.into.name}.importing-{os.getpid()}-{n}"
            (self.into.parent / name).mkdir()
            self.building = self.into.parent / name
        return self.building

    def _write(self, rel: str, write) -> None:
        """Write one file of the study; if it cannot be written, remove what this import wrote
        (and the folders it made) and say which file failed and why."""
        try:
            target = self._building() / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target)
        except OSError as exc:
            self.remove()
            raise TcoderError(Problem(f"cannot write the study here: {exc.strerror or exc}; the import stopped and "
                                      "removed what it had written",
                                      self.into / rel)) from None

    def remove(self) -> None:
        """Remove everything this import wrote and the folders it made for ``into``, last first."""
        if self.building is not None:
            shutil.rmtree(self.building, ignore_errors=True)
            self.building = None
        for p in reversed(self.made):
            try:
                p.rmdir()
            except OSError:
                pass
        self.made.clear()

    def _mkdir(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            if folder.parent == folder:
                break
            folder = folder.parent
        for f in reversed(missing):
            f.mkdir()
            self.made.append(f)


class _Reader:
    def __init__(self, archive: SafeArchive, path: Path):
        self.archive = archive
        self.path = path
        self.warnings: list[Problem] = []
        self.losses = Losses()
        self.placed_notes: set[str] = set()  # note GUIDs that became (part of) a memo or were counted lost
        self.left_out_names: set[str] = set()  # transcripts (names in tcoder.json) whose source is left out
        self.memos: dict[str, Memo] = {}  # memo files to write, by id
        self.sidecar_memos: dict[str, dict] = {}  # note GUID -> memo file kept in tcoder.json
        self.source_names: dict[str, str] = {}  # source GUID -> transcript
        self.with_text = 0  # codings on selections that store their text
        self.in_place = 0  # ... whose stored text is at their positions
        self.moved: list[str] = []  # selections moved to where their stored text is
        self.unmatched: list[str] = []  # selections kept where their stored text is not
        self.late_losses: list[tuple[int, tuple]] = []  # orphaned annotations lost, by their place in tcoder.json
        self.kept: KeptAnnotations | dict = {}  # tcoder.json's annotations, by selection GUID

    def warn(self, message: str) -> None:
        self.warnings.append(Problem(message, self.path, severity="warning"))

    # -------------------------------------------------------- top level

    def read(self, plan: _Plan) -> None:
        entry = self.archive.find(PROJECT_FILE) or next(
            (n for n in self.archive.names if n.lower().endswith(".qde") and "/" not in n), None)
        if entry is None:
            raise TcoderError(Problem("not a REFI-QDA project: the archive has no project.qde", self.path))
        self.project_entry = entry
        with self.archive.open(entry, PROJECT_LIMIT, "project") as stream:
            root = skeleton(stream, self.path, entry, self._streamed)
        if local(root.tag) != "Project":
            raise TcoderError(Problem(f"{entry} is not a REFI-QDA project: its root element is <{local(root.tag)}>",
                                      self.path))
        self.root = root
        self.sidecar = self._sidecar()
        plan.summary.exact = self.sidecar is not None
        self.users = self._users()
        codebook_file, codebook, self.code_ids = self._codebook()
        plan.files[codebook_file] = codebook
        self.notes = self._notes()
        self.note_codes = self._note_codes()
        self.variable_names, self.source_values = self._variable_values()
        self._sets()
        sources = self._sources()
        self.source_names = {source.guid: name for name, source in sources.items()}
        if self.sidecar:
            self.sidecar_memos = {_guid(g): f for g, f in (self.sidecar.get("memo_files") or {}).items()
                                  if isinstance(f, dict) and isinstance(f.get("path"), str)
                                  and not unsafe_reason(f["path"]) and f["path"].endswith(".md")}
        detection = self._positions(sources)
        self._annotations(sources, plan)
        self._unplaced_notes()
        if not self.sidecar:
            self._themes_file(plan)
        taken: set[str] = set()
        for memo in self.memos.values():
            plan.files[_memo_file(memo, taken)] = dumps_memo(memo).encode("utf-8")
        for file in self.sidecar_memos.values():
            plan.files[file["path"]] = _file_bytes(file)
        plan.summary.memo_files = len(self.memos) + len(self.sidecar_memos)
        self._extra_files(plan, sources)
        plan.summary.transcripts = len(sources)
        plan.summary.coders = sorted(plan.coders)
        plan.summary.warnings = self.warnings
        plan.summary.positions = detection.explanation() if detection else "positions as tcoder wrote them"
        plan.summary.convention = detection.convention if detection else self._recorded_convention()
        plan.summary.with_text, plan.summary.in_place = self.with_text, self.in_place
        plan.summary.moved, plan.summary.unmatched = self.moved, self.unmatched

    def _streamed(self, el: ET.Element) -> bool:
        """Whether a text source is read one at a time: its text is a file in the archive."""
        ref = el.get("plainTextPath")
        return bool(ref) and self._plain_entry(ref or "")[0] is not None

    def _full_sources(self, sources: dict[str, "_Source"]) -> Iterator[tuple[str, "_Source", ET.Element]]:
        """Each source with its whole element (its selections), in document order: those read one
        at a time from a new pass over project.qde, the others as they were read."""
        count = sum(1 for source in sources.values() if source.entry is not None)
        with self.archive.open(self.project_entry, PROJECT_LIMIT, "project") as stream:
            whole = streamed_sources(stream, self.path, self.project_entry, self._streamed, count)
            for name, source in sources.items():
                if source.entry is None:
                    yield name, source, source.el
                    continue
                el = next(whole, None)
                if el is None or _guid(el.get("guid")) != source.guid:  # the same document, read the same way
                    raise TcoderError(Problem(f"{self.project_entry} in the archive changed while it was read",
                                              self.path))
                yield name, source, el

    def _recorded_convention(self) -> Convention:
        return Convention.from_dict((self.sidecar or {}).get("positions"))

    def _positions(self, sources: dict[str, "_Source"]) -> Detection | None:
        """Find how the file counts positions (each source gets its map once its text is read).
        A tcoder export says how it counted in tcoder.json."""
        if self.sidecar:
            self.convention = self._recorded_convention()
            return None
        evidence = []
        for _name, source, el in self._full_sources(sources):
            selections = []
            for sel in children(el, "PlainTextSelection"):
                start, end = int_or_none(sel.get("startPosition")), int_or_none(sel.get("endPosition"))
                if start is not None and end is not None:
                    selections.append((start, end, StoredText.of(sel.get("name"))))
            self._load(source)
            evidence.append(SourceEvidence(source.raw, source.text, selections))
        detection = detect(evidence, self.root.get("origin") or "")
        self.convention = detection.convention
        return detection

    def _load(self, source: "_Source") -> None:
        """Read a source's text from the archive (once) and map its positions."""
        if source.entry is not None and not source.loaded:
            source.raw, source.text = _decode_source(self.archive.read(source.entry, TRANSCRIPT_LIMIT,
                                                                       "text source"))
            source.loaded = True
        if source.positions is None and hasattr(self, "convention"):
            source.positions = PositionMap(source.raw, self.convention)

    def _sidecar(self) -> dict | None:
        entry = self.archive.find(SIDECAR)
        if entry is None:
            return None
        try:
            data: object = read_head(lambda: self.archive.open(entry, PROJECT_LIMIT, "tcoder record"))
            assert isinstance(data, dict)
            streamed = "annotations" in data and data.pop("annotations") is None
            self.kept = KeptAnnotations((lambda: self.archive.open(entry, PROJECT_LIMIT, "tcoder record"))
                                        if streamed else None)
        except NotStreamable:  # read whole to say what it is
            try:
                with self.archive.open(entry, PROJECT_LIMIT, "tcoder record") as stream:
                    data = loads(stream.read_all().decode("utf-8"))
            except (UnicodeDecodeError, ValueError):  # JsonRefused (deep, NaN, duplicate keys) is a ValueError
                self.warn(f"{SIDECAR} in the archive is not valid JSON; the project is read from project.qde alone")
                return None
            annotations = data.pop("annotations", None) if isinstance(data, dict) else None
            self.kept = annotations if isinstance(annotations, dict) else {}
        if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
            self.warn(f"{SIDECAR} in the archive is not one this tcoder reads; the project is read from "
                      "project.qde alone")
            return None
        xml_codes = {_guid(el.get("guid")) for el in self.root.iter() if local(el.tag) == "Code"}
        xml_codes -= self._theme_code_guids()  # the themes, gone out as codes for a program without sets
        xml_sources = {_guid(el.get("guid")) for el in self.root.iter() if local(el.tag) == "TextSource"}
        xml_users = {_guid(el.get("guid")) for el in self.root.iter() if local(el.tag) == "User"}
        paths = [f["path"] for f in (data.get("codebook"), data.get("settings"), data.get("attributes"),
                                     data.get("participants"), data.get("speakers")) if f]
        analysis = data.get("analysis") or []
        if not isinstance(analysis, list) or not all(isinstance(f, dict) and "path" in f for f in analysis):
            analysis = [{"path": None}]
        paths += [f["path"] for f in analysis]
        paths += list((data.get("sources") or {}).values())
        if (not xml_codes <= set(data.get("codes") or {}) or xml_sources != set(data.get("sources") or {})
                or not xml_users <= set(data.get("users") or {}) or not data.get("codebook")
                or any(not isinstance(p, str) or unsafe_reason(p) for p in paths)):
            self.warn(f"{SIDECAR} does not match project.qde (was the project changed in another program?); "
                      "the project is read from project.qde alone, so code and annotation ids are made anew")
            return None
        return data

    # -------------------------------------------------------- users, codes, notes

    def _users(self) -> dict[str, str]:
        if self.sidecar:
            return {_guid(g): c for g, c in self.sidecar["users"].items()}
        users: dict[str, str] = {}
        taken: set[str] = set()
        for el in self.root.iter():
            if local(el.tag) != "User":
                continue
            base = coder_name(el.get("name") or el.get("id") or "") or f"user-{_guid(el.get('guid'))[:8]}"
            name, n = base, 2
            while name in taken:
                name, n = f"{base}-{n}", n + 1
            taken.add(name)
            users[_guid(el.get("guid"))] = name
        return users

    def _codebook(self) -> tuple[str, bytes, dict[str, str]]:
        if self.sidecar:
            file = self.sidecar["codebook"]
            data = _file_bytes(file)
            try:
                parse_codebook(data.decode("utf-8-sig"), file["path"])
            except (TcoderError, UnicodeDecodeError):
                self.warn("the codebook kept in tcoder.json is not valid; it is written as it was")
            return file["path"], data, {_guid(g): c for g, c in self.sidecar["codes"].items()}
        cb_el = child(self.root, "CodeBook")
        codes_el = child(cb_el, "Codes") if cb_el is not None else None
        self._theme_codes(codes_el)
        codebook, by_guid = codebook_from_codes(codes_el, title=self.root.get("name") or "")
        if not codebook.codes:
            self.warn("the project has no codes")
        self.summary_codes = len(codebook)
        text = codebook_to_yaml(codebook) if codebook.codes else "codes: []\n"
        return "codebook.yaml", text.encode("utf-8"), by_guid

    def _notes(self) -> dict[str, str]:
        notes: dict[str, str] = {}
        self.unreadable_notes: dict[str, str] = {}  # GUID -> why its text cannot be read
        self.note_elements: dict[str, ET.Element] = {}
        notes_el = child(self.root, "Notes")
        for note in children(notes_el, "Note") if notes_el is not None else ():
            guid = _guid(note.get("guid"))
            self.note_elements[guid] = note
            text = child_text(note, "PlainTextContent")
            if not text and note.get("plainTextPath"):
                loaded, why = self._plain_text(note.get("plainTextPath") or "")
                if loaded is None:
                    self.unreadable_notes[guid] = f"the text of a note {why}"
                text = loaded[1] if loaded else ""
            notes[guid] = text
        return notes

    def _note_count(self, refs: list[ET.Element]) -> int:
        """How many distinct notes with text (or unreadable text) these NoteRefs point to."""
        wanted = {_guid(r.get("targetGUID")) for r in refs}
        return sum(1 for g in wanted if self.notes.get(g) or g in self.unreadable_notes)

    def _notes_within(self, el: ET.Element) -> int:
        """Notes anywhere inside an element (a source and its selections), and selection descriptions."""
        refs = [e for e in el.iter() if local(e.tag) == "NoteRef"]
        self.placed_notes.update(_guid(r.get("targetGUID")) for r in refs)
        count = self._note_count(refs)
        for sel in (e for e in el.iter() if local(e.tag) == "PlainTextSelection"):
            description = " ".join(child_text(sel, "Description").split())
            notes = {" ".join(self.notes.get(_guid(r.get("targetGUID")), "").split())
                     for r in sel.iter() if local(r.tag) == "NoteRef"}
            count += bool(description) and description not in notes  # a memo written both ways is one memo
        return count

    # -------------------------------------------------------- sources

    def _plain_entry(self, ref: str) -> tuple[str | None, str]:
        """(the archive entry, "") of a text file a source or note refers to, or (None, why not).
        ``internal://NAME`` is ``sources/NAME``; qc writes the bare ``NAME``."""
        scheme, sep, rest = ref.partition("://")
        if not sep:
            scheme, rest = "internal", ref
        if scheme != "internal":
            return None, (f"refers to a file outside the archive ({ref}); tcoder reads only the archive's own "
                          "files")
        if unsafe_reason(rest):
            return None, f"refers to {rest!r}, which {unsafe_reason(rest)}"
        entry = self.archive.find(f"sources/{rest}") or self.archive.find(rest)
        if entry is None:
            return None, f"is missing: sources/{rest} is not in the archive"
        return entry, ""

    def _plain_text(self, ref: str) -> tuple[tuple[str, str] | None, str]:
        """((text as the archive holds it, canonical text), "") of a file in the archive, or (None,
        why not)."""
        entry, why = self._plain_entry(ref)
        if entry is None:
            return None, why
        return _decode_source(self.archive.read(entry, TRANSCRIPT_LIMIT, "text source")), ""

    def _sources(self) -> dict[str, "_Source"]:
        sources: dict[str, _Source] = {}
        sources_el = child(self.root, "Sources")
        if sources_el is None:
            return sources
        names: set[str] = set()
        stems: set[str] = set()
        for el in sources_el:
            kind = local(el.tag)
            if kind in _SOURCE_KINDS:
                self._source_left_out(el, f"{kind} {self._display_name(el)!r}", "tcoder codes text only")
                continue
            if kind != "TextSource":
                continue
            label = f"text source {self._display_name(el)!r}"
            entry: str | None = None
            if el.get("plainTextPath"):
                entry, why = self._plain_entry(el.get("plainTextPath") or "")
                loaded = ("", "") if entry is not None else None  # read when its selections are
                why = f"its text {why}"
            elif child(el, "PlainTextContent") is not None:
                inline = child_text(el, "PlainTextContent")
                loaded = (inline, canonical_newlines(inline.lstrip("\ufeff")))
            else:
                why = (f"it has no plain text (only {el.get('richTextPath') or 'nothing'}), and REFI-QDA positions "
                       "refer to the plain text")
                loaded = None
            if loaded is None:
                self._source_left_out(el, label, why)
                continue
            guid = _guid(el.get("guid"))
            if self.sidecar:
                name = self.sidecar["sources"][guid]
            else:
                name = _unique_name(safe_transcript_name(self._display_name(el), guid), names, stems)
            names.add(name.lower())
            stems.add(name.rsplit(".", 1)[0].lower())
            sources[name] = _Source(el, guid, *loaded, entry=entry)
        return sources

    def _display_name(self, el: ET.Element) -> str:
        """A source as its program names it (its name, else its file's name), in the folder that
        tcoder's export keeps in a variable."""
        folder = self.source_values.get(_guid(el.get("guid")), {}).get(FOLDER_VARIABLE, "")
        return study_path(source_label(el), folder)

    def _source_left_out(self, el: ET.Element, label: str, why: str) -> None:
        """A source that cannot be imported: its codings and notes are losses, else a warning."""
        codings = sum(1 for e in el.iter() if local(e.tag) == "Coding")
        notes = self._notes_within(el)
        if codings or notes:
            self.losses.add(label, why, codings, notes)
        else:
            self.warn(f"{label} left out (it has no codings or notes): {why}")
        if self.sidecar:
            self.left_out_names.add(self.sidecar["sources"].get(_guid(el.get("guid")), ""))

    # -------------------------------------------------------- annotations

    def _annotations(self, sources: dict[str, "_Source"], plan: _Plan) -> None:
        """Each source's codings as annotation files, written with its transcript as soon as
        the source is read; then its text and selections are let go."""
        kept = self.kept if self.sidecar else {}
        fallback_coder = None
        if self.sidecar:
            self._prepare_restore(self.sidecar, sources)
        for name, source, full in self._full_sources(sources):
            outline, source.el = source.el, full
            self._load(source)
            file_name = PurePosixPath(name).name
            per_coder: dict[str, list[Annotation]] = {}
            items = [(sel, int_or_none(sel.get("startPosition")), int_or_none(sel.get("endPosition")))
                     for sel in children(source.el, "PlainTextSelection")]
            items += [(source.el, 0, source.raw_length)]  # codings of the whole source
            label = f"text source {self._display_name(source.el)!r}"
            whole_notes = []  # the texts of notes on the whole source
            for ref in children(source.el, "NoteRef"):  # notes on the source, or on a passage of it
                note_guid = _guid(ref.get("targetGUID"))
                note = self.note_elements.get(note_guid)
                if note is not None and child(note, "PlainTextSelection") is None:
                    whole_notes.append(self.notes.get(note_guid, ""))
                self._source_note(name, source, label, note_guid)
            self._source_description(name, source, whole_notes)
            for sel, start, end in items:
                codings = list(children(sel, "Coding"))
                if not codings:
                    if sel is not source.el:
                        self._uncoded_selection(name, source, label, sel)
                    continue
                if sel is source.el:  # a coding of the whole source: all of its text
                    if not source.text:
                        self.losses.add(label, "codings of the whole source, which has no text", len(codings))
                        continue
                    s, e, unmatched = 0, len(source.text), None
                else:
                    placed = self._place(source, sel, start, end, name, len(codings))
                    if placed is None:
                        self.losses.add(label, f"selections whose positions are not a passage of its text of "
                                        f"{plural(source.raw_length, 'character')}", len(codings), self._notes_within(sel),
                                        example=f"selection {sel.get('guid')} at [{sel.get('startPosition')}, "
                                                f"{sel.get('endPosition')})")
                        continue
                    s, e, unmatched = placed
                sel_refs = list(children(sel, "NoteRef")) if sel is not source.el else []
                self._unreadable(label, sel_refs)
                memo_parts = [self.notes.get(_guid(r.get("targetGUID")), "") for r in sel_refs]
                description = child_text(sel, "Description") if sel is not source.el else ""
                where = f"{name}: selection {sel.get('guid')}" if sel is not source.el else f"{name} (whole source)"
                for coding in codings:
                    code_ref = child(coding, "CodeRef")
                    code_guid = _guid(code_ref.get("targetGUID")) if code_ref is not None else ""
                    code = self.code_ids.get(code_guid)
                    if code is None:
                        code = f"unknown-{code_guid[:8] or 'code'}"
                        self.warn(f"{where}: a coding refers to code {code_guid or '(none)'}, which is not in the "
                                  f"codebook; kept with the code id {code!r}")
                    user = _guid(coding.get("creatingUser") or sel.get("creatingUser"))
                    coder = self.users.get(user)
                    if coder is None:
                        if fallback_coder is None:
                            fallback_coder = "imported"
                            self.warn("some codings name no known user; they are imported as coder 'imported'")
                        coder = fallback_coder
                    coding_refs = list(children(coding, "NoteRef"))
                    self._unreadable(label, coding_refs)
                    memo = _joined_memo([*[self.notes.get(_guid(r.get("targetGUID")), "") for r in coding_refs],
                                         *memo_parts, description])
                    sel_guid = _guid(sel.get("guid"))
                    extra = kept.get(sel_guid) if len(codings) == 1 and sel is not source.el else None
                    if extra is not None:
                        d = dict(extra)
                        d.update(code=code, start=s, end=e)
                        if memo and "memo" not in d:  # tcoder.json keeps a memo only when XML could not
                            d["memo"] = memo
                        annotation = Annotation.from_dict(d)
                    else:
                        annotation = Annotation(_derived_id(coding.get("guid") or f"{sel_guid}:{code}"), code, s, e,
                                                memo=memo or None,
                                                created=coding.get("creationDateTime") or sel.get("creationDateTime"),
                                                updated=sel.get("modifiedDateTime") if sel is not source.el else None)
                        annotation.set_context(source.text)
                    if sel is not source.el and unmatched is not None:
                        annotation.extra[IMPORTED_TEXT] = unmatched
                    per_coder.setdefault(coder, []).append(annotation)
                    plan.summary.annotations += 1
                    plan.summary.memos += bool(memo)
            files: dict[str, AnnotationFile] = {}
            for coder, coded in per_coder.items():
                _unique_ids(coded)
                files[coder] = AnnotationFile(coder, file_name, text_sha256(source.text), coded)
            if self.sidecar:
                self._restore(name, source, files, plan)
            plan.write_transcript(name, source.text, files)
            del files, per_coder, items
            source.el = outline
            source.let_go()
            if isinstance(kept, KeptAnnotations):
                kept.forget()
        for _index, loss in sorted(self.late_losses, key=lambda pair: pair[0]):
            self.losses.add(*loss)

    def _place(self, source: "_Source", sel: ET.Element, start: int | None, end: int | None, name: str,
               codings: int) -> tuple[int, int, str | None] | None:
        """A selection's canonical offsets, checked against the text it stores (if any): (start,
        end, None) when in place or moved to where its stored text is; (start, end, stored text)
        when kept where its positions put it although its stored text is not there; None
        when it has no place at all."""
        assert source.positions is not None
        valid = (start is not None and end is not None and 0 <= start < end <= source.raw_length)
        s = e = 0
        if valid:
            assert start is not None and end is not None
            s, e = source.canonical(start), source.canonical(end)
            valid = s < e
        stored = StoredText.of(sel.get("name"))
        if stored is None:
            return (s, e, None) if valid else None
        self.with_text += codings
        if valid and stored.matches(source.text, s, e, source.line_starts()):
            self.in_place += codings
            return s, e, None
        found = stored.find(source.text, s) if stored.text is not None else source.line(stored.line)
        where = f"{name}, selection {sel.get('guid')} ({stored.describe()})"
        given = f"[{sel.get('startPosition')}, {sel.get('endPosition')})"
        if found is not None:
            self.moved.append(f"{where}: {plural(codings, 'coding')} moved from {given} to [{found[0]}, {found[1]}), where "
                              "its text is")
            return found[0], found[1], None
        if not valid:
            return None
        self.unmatched.append(f"{where}: {plural(codings, 'coding')} kept at {given}, which holds "
                              f"{_short(source.text[s:e])!r}; the stored text is nowhere in the transcript")
        return s, e, stored.text or stored.describe()

    def _unreadable(self, source: str, refs: list[ET.Element]) -> None:
        """Count notes whose text could not be read (a plainTextPath missing from the archive)."""
        for r in refs:
            guid = _guid(r.get("targetGUID"))
            self.placed_notes.add(guid)
            if guid in self.unreadable_notes:
                self.losses.add(source, self.unreadable_notes[guid], notes=1)

    # -------------------------------------------------------- memo files (memos/*.md)

    def _memo(self, note_guid: str, kind: str, links: list[Link], text: str | None = None,
              memo_id: str | None = None) -> None:
        """A memo file from a note (or a selection's description), in ``memos/``."""
        note = self.note_elements.get(note_guid)
        user = _guid((note.get("creatingUser") or note.get("modifyingUser")) if note is not None else "")
        self.placed_notes.add(note_guid)
        body = self.notes.get(note_guid, "") if text is None else text
        if not body.strip() and note_guid not in self.unreadable_notes:
            return
        if note_guid in self.unreadable_notes:
            self.losses.add("notes", self.unreadable_notes[note_guid], notes=1)
            return
        codes = [code_link(c) for c in self.note_codes.get(note_guid, []) if c not in {li.target for li in links
                                                                                      if li.kind == "code"}]
        if codes and kind in ("project", "transcript", "passage"):
            kind = "code"  # a memo about codes (and the passages it quotes), as tcoder exports one
        memo = Memo(memo_id or _derived_id(note_guid), kind, body, author=self.users.get(user),
                    created=note.get("creationDateTime") if note is not None else None,
                    updated=note.get("modifiedDateTime") if note is not None else None,
                    links=[*codes, *links] if kind == "code" else [*links, *codes])
        if note is not None and (note.get("name") or "").strip():
            memo.title = note.get("name", "").strip()
            if memo.title.startswith(JOURNAL_PREFIX) and memo.kind in ("project", "transcript", "code", "passage"):
                memo.kind, memo.title = "journal", memo.title[len(JOURNAL_PREFIX):].strip() or None
        self.memos[memo.id] = memo

    def _passage_link(self, name: str, source: "_Source", start: int | None, end: int | None) -> Link | None:
        assert source.positions is not None
        if start is None or end is None or not 0 <= start < end <= source.raw_length:
            return None
        s, e = source.canonical(start), source.canonical(end)
        return passage_link(name, s, e, source.text) if s < e else None

    def _source_note(self, name: str, source: "_Source", label: str, note_guid: str) -> None:
        """A note that a text source points to: on a passage when the note carries its own
        selection (QualCoder, NVivo), else on the whole transcript."""
        if note_guid in self.placed_notes:
            return
        if note_guid in self.sidecar_memos:
            self.placed_notes.add(note_guid)
            return
        note = self.note_elements.get(note_guid)
        selection = child(note, "PlainTextSelection") if note is not None else None
        if selection is None:
            self._memo(note_guid, "transcript", [Link("transcript", name)])
            return
        link = self._passage_link(name, source, int_or_none(selection.get("startPosition")),
                                  int_or_none(selection.get("endPosition")))
        if link is None:
            self.placed_notes.add(note_guid)
            self.losses.add(label, f"notes on passages whose positions are not a passage of its text of "
                            f"{plural(source.raw_length, 'character')}", notes=1)
            return
        self._memo(note_guid, "passage", [link])

    def _source_description(self, name: str, source: "_Source", whole_notes: list[str]) -> None:
        """A source's ``<Description>`` (QualCoder's memo on a document) as a memo on the
        transcript, unless it repeats the source's notes (tcoder writes both)."""
        description = child_text(source.el, "Description")
        if not description.strip() or self.sidecar:
            return
        if " ".join(description.split()) == " ".join(source_memo_text(whole_notes).split()):
            return
        key = f"{source.guid}:description"
        self._memo(key, "transcript", [Link("transcript", name)], text=description, memo_id=_derived_id(key))

    def _uncoded_selection(self, name: str, source: "_Source", label: str, sel: ET.Element) -> None:
        """A selection without a code that carries notes or a description (a memo on a passage)."""
        refs = [_guid(r.get("targetGUID")) for r in children(sel, "NoteRef")]
        description = child_text(sel, "Description")
        if not refs and not description.strip():
            return
        link = self._passage_link(name, source, int_or_none(sel.get("startPosition")),
                                  int_or_none(sel.get("endPosition")))
        if link is None:
            self.placed_notes.update(refs)
            self.losses.add(label, f"notes on passages whose positions are not a passage of its text of "
                            f"{plural(source.raw_length, 'character')}", notes=self._notes_within(sel))
            return
        texts = {" ".join(self.notes.get(g, "").split()) for g in refs}
        for guid in refs:
            self._memo(guid, "passage", [link])
        if description.strip() and " ".join(description.split()) not in texts:
            self._memo(_guid(sel.get("guid")) + ":description", "passage", [link], text=description,
                       memo_id=_derived_id(_guid(sel.get("guid")) + ":description"))

    def _note_codes(self) -> dict[str, list[str]]:
        """The codes each note is attached to (``NoteRef`` in a ``Code``), by note GUID, in file order."""
        out: dict[str, list[str]] = {}
        for code_el in (el for el in self.root.iter() if local(el.tag) == "Code"):
            code = self.code_ids.get(_guid(code_el.get("guid")))
            for ref in children(code_el, "NoteRef"):
                if code is not None:
                    out.setdefault(_guid(ref.get("targetGUID")), []).append(code)
        return out

    def _unplaced_notes(self) -> None:
        """Notes on codes, on cases (their transcripts) and on the project, and notes linked to
        nothing, as memo files."""
        for code_el in (el for el in self.root.iter() if local(el.tag) == "Code"):
            code = self.code_ids.get(_guid(code_el.get("guid")))
            for ref in children(code_el, "NoteRef"):
                guid = _guid(ref.get("targetGUID"))
                if guid not in self.placed_notes and guid not in self.sidecar_memos:
                    self._memo(guid, "code", [code_link(code)] if code else [])
        cases_el = child(self.root, "Cases")
        for case in children(cases_el, "Case") if cases_el is not None else ():
            targets = [self.source_names.get(_guid(r.get("targetGUID"))) for r in children(case, "SourceRef")]
            links = [Link("transcript", t) for t in targets if t]
            for ref in children(case, "NoteRef"):
                guid = _guid(ref.get("targetGUID"))
                if guid not in self.placed_notes and guid not in self.sidecar_memos:
                    self._memo(guid, "transcript" if links else "project", links)
        for guid in self.notes:
            if guid not in self.placed_notes and guid not in self.sidecar_memos:
                self._memo(guid, "project", [])

    def _prepare_restore(self, sidecar: dict, sources: dict[str, "_Source"]) -> None:
        """What tcoder.json restores to each transcript's annotation files: header fields (and
        empty files), orphaned annotations; orphaned annotations of no transcript here are losses,
        counted at the end in their order in the record."""
        self.restore_headers: dict[str, list[tuple[str, dict]]] = {}
        for f in sidecar.get("files", []):
            key = (f.get("transcript"), f.get("coder"))
            if key[0] not in sources or not isinstance(key[1], str) or not CODER_NAME.match(key[1]):
                continue
            self.restore_headers.setdefault(key[0], []).append((key[1], dict(f.get("extra") or {})))
        self.restore_orphans: dict[str, list[tuple[int, dict]]] = {}
        for index, item in enumerate(sidecar.get("orphaned", [])):
            item = item if isinstance(item, dict) else {}
            transcript = item.get("transcript")
            if isinstance(transcript, str) and transcript in sources:
                self.restore_orphans.setdefault(transcript, []).append((index, item))
            else:
                self._orphan_lost(index, item)

    def _orphan_lost(self, index: int, item: dict) -> None:
        transcript = item.get("transcript") if isinstance(item.get("transcript"), str) else "?"
        memo = 1 if isinstance(item.get("annotation"), dict) and item["annotation"].get("memo") else 0
        why = ("orphaned annotations kept in tcoder.json, whose transcript is left out"
               if transcript in self.left_out_names or transcript not in self.source_names.values()
               else "orphaned annotations in tcoder.json that cannot be read")
        self.late_losses.append((index, (f"text source {transcript!r}", why, 1, memo)))

    def _restore(self, name: str, source: "_Source", files: dict[str, AnnotationFile], plan: _Plan) -> None:
        """Empty annotation files, header fields and orphaned annotations of one transcript, from
        tcoder.json."""
        def file_of(coder: str) -> AnnotationFile:
            af = files.get(coder)
            if af is None:
                af = files[coder] = AnnotationFile(coder, PurePosixPath(name).name, text_sha256(source.text))
            return af

        for coder, extra in self.restore_headers.get(name, []):
            file_of(coder).extra = extra
        for index, item in self.restore_orphans.get(name, []):
            whose = item.get("coder")
            af = files.get(whose) if isinstance(whose, str) else None
            if af is None and isinstance(whose, str) and CODER_NAME.match(whose):
                af = file_of(whose)
            try:
                annotation = Annotation.from_dict(item["annotation"]) if af is not None else None
            except (KeyError, TypeError, ValueError, TcoderError):
                annotation = None
            if af is None or annotation is None:
                self._orphan_lost(index, item)
                continue
            af.annotations.append(annotation)
            plan.summary.annotations += 1

    # -------------------------------------------------------- other files

    def _extra_files(self, plan: _Plan, sources: dict[str, "_Source"]) -> None:
        if self.sidecar:
            for key in ("settings", "attributes", "participants", "speakers"):
                file = self.sidecar.get(key)
                if file:
                    plan.late_files[file["path"]] = _file_bytes(file)
            for file in self.sidecar.get("analysis") or []:  # memos, themes and their history
                plan.late_files[file["path"]] = _file_bytes(file)
            plan.summary.codes = len(self.code_ids)
            attributes = self.sidecar.get("attributes")
            plan.summary.attributes = len(_csv_header(_file_bytes(attributes))) - 1 if attributes else 0
            return
        plan.summary.codes = getattr(self, "summary_codes", 0)
        csv_text, count = self._attributes(sources)
        if csv_text:
            plan.late_files["attributes.csv"] = csv_text.encode("utf-8")
            plan.summary.attributes = count
        plan.summary.document_sets, plan.summary.code_sets = len(self.document_sets), len(self.code_sets)

    def _themes_file(self, plan: _Plan) -> None:
        """themes.yaml from the themes tcoder exported (as sets or as codes), with their memos linked
        to them, and other programs' sets of codes as candidate themes."""
        themes = list(self.themes)
        if getattr(self, "themes_by_name", None):
            by_name = {}
            try:
                codebook = parse_codebook(plan.files.get("codebook.yaml", b"").decode("utf-8"))
                by_name = {c.name: c.id for c in codebook}
            except (TcoderError, UnicodeDecodeError):
                pass
            for theme, names in self.themes_by_name:
                theme.codes = [by_name[n] for n in names if n in by_name]
                themes.append(theme)
        if not themes and not self.code_sets:
            return
        found = themes_with_candidates(themes, self.code_sets)
        # tcoder's settings are not in the file: the default name
        plan.files[Settings().themes] = encode_themes(found)
        plan.summary.themes = len(themes)
        for theme in themes:
            for note in theme.notes:
                memo = next((m for m in self.memos.values() if m.id == _derived_id(note)), None)
                if memo is not None and theme.id not in memo.targets("theme"):
                    memo.links.insert(0, Link("theme", theme.id))
                    if memo.kind in ("project", "code"):  # placed by its other links; a theme's memo first
                        memo.kind = "theme"

    def _variable_values(self) -> tuple[list[str], dict[str, dict[str, str]]]:
        """The variables' names in file order, and each text source's values by its GUID: its own
        (MAXQDA's document variables) and those of the cases linked to it."""
        variables_el = child(self.root, "Variables")
        variables = {_guid(v.get("guid")): (v.get("name") or "").strip()
                     for v in (children(variables_el, "Variable") if variables_el is not None else ())}
        names = [n for n in dict.fromkeys(variables.values()) if n and n.lower() != "transcript"]
        values: dict[str, dict[str, str]] = {}

        def values_of(el: ET.Element) -> dict[str, str]:
            out = {}
            for vv in children(el, "VariableValue"):
                ref = child(vv, "VariableRef")
                column = variables.get(_guid(ref.get("targetGUID"))) if ref is not None else None
                value = next((c.text or "" for c in vv if local(c.tag).endswith("Value")), "")
                if column in names:
                    out[column] = value.strip()
            return out

        sources_el = child(self.root, "Sources")
        by_name: dict[str, str] = {}
        for el in children(sources_el, "TextSource") if sources_el is not None else ():
            values.setdefault(_guid(el.get("guid")), {}).update(values_of(el))
            by_name.setdefault(source_label(el), _guid(el.get("guid")))
        cases_el = child(self.root, "Cases")
        for case in children(cases_el, "Case") if cases_el is not None else ():
            case_values = values_of(case)
            targets = [_guid(r.get("targetGUID")) for r in children(case, "SourceRef")]
            targets = [t for t in targets if t in values]
            if not targets and (case.get("name") or "").strip() in by_name:  # QualCoder: no SourceRef, same name
                targets = [by_name[(case.get("name") or "").strip()]]
            if case_values and not targets:
                self.warn(f"case {case.get('name')!r} is linked to no text source; its variables are left out "
                          "(in tcoder a case is a transcript)")
            for t in targets:
                values[t].update(case_values)
        return names, values

    def _attributes(self, sources: dict[str, "_Source"]) -> tuple[str, int]:
        """attributes.csv: the variables (but the folder tcoder keeps in one) and one yes/no column
        per document set, ``set: NAME``."""
        columns = [c for c in self.variable_names if c != FOLDER_VARIABLE]
        rows = {name: dict(self.source_values.get(source.guid, {})) for name, source in sources.items()}
        by_guid = {source.guid: name for name, source in sources.items()}
        for set_name, members in self.document_sets:
            column = f"{SET_PREFIX}{set_name}"
            if column in columns:
                continue
            columns.append(column)
            for guid, name in by_guid.items():
                rows[name][column] = "yes" if guid in members else "no"
        if not columns:
            return "", 0
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["transcript", *columns])
        for name in sorted(rows):
            writer.writerow([name, *(rows[name].get(c, "") for c in columns)])
        return out.getvalue(), len(columns)

    def _theme_code_guids(self) -> set[str]:
        """The GUIDs of the codes that carry tcoder's themes (``--for qualcoder``): not codes of the study."""
        cb_el = child(self.root, "CodeBook")
        codes_el = child(cb_el, "Codes") if cb_el is not None else None
        out: set[str] = set()
        for el in children(codes_el, "Code") if codes_el is not None else ():
            if (el.get("name") or "").strip() == THEMES_CODE:
                out.update(_guid(c.get("guid")) for c in el.iter() if local(c.tag) == "Code")
        return out

    def _theme_codes(self, codes_el: ET.Element | None) -> None:
        """Themes exported as codes (for a program without sets of codes): taken out of the code
        tree and kept as themes; their codes are named in their descriptions."""
        self.themes_by_name: list[tuple[ReadTheme, list[str]]] = []
        if codes_el is None:
            return
        for el in list(codes_el):
            if local(el.tag) != "Code" or (el.get("name") or "").strip() != THEMES_CODE:
                continue
            read = [(read_description((c.get("name") or "").strip(), child_text(c, "Description")), c)
                    for c in children(el, "Code")]
            if not read or any(theme is None for theme, _ in read):
                continue  # not tcoder's: a code like any other
            codes_el.remove(el)
            for found, code_el in read:
                assert found is not None
                names = [line[len("Codes: "):].split("; ") for line in child_text(code_el, "Description").split("\n")
                         if line.startswith("Codes: ")]
                self.themes_by_name.append((found, names[0] if names else []))

    def _sets(self) -> None:
        """Document sets (by source GUID) and sets of codes (as candidate themes) from every
        ``<Sets>``: the project's and the codebook's (ATLAS.ti names members with ``guid``, the
        standard with ``targetGUID``)."""
        self.document_sets: list[tuple[str, set[str]]] = []
        code_sets: list[tuple[str, str, list[str]]] = []
        self.themes: list[ReadTheme] = []
        notes_only = 0
        containers = [self.root, *children(self.root, "CodeBook")]
        for container in containers:
            for sets_el in children(container, "Sets"):
                for el in children(sets_el, "Set"):
                    name = (el.get("name") or "").strip() or f"set {_guid(el.get('guid'))[:8]}"
                    description = child_text(el, "Description").strip()
                    codes = [self.code_ids[g] for g in _members(el, "MemberCode") if g in self.code_ids]
                    sources = set(_members(el, "MemberSource"))
                    theme = read_description(name, description) if not sources else None
                    if theme is not None:  # a theme tcoder exported
                        theme.codes, theme.notes = codes, _members(el, "MemberNote")
                        self.themes.append(theme)
                        continue
                    if codes or not sources:
                        code_sets.append((name, description, codes))
                    if sources:
                        self.document_sets.append((name, sources))
                    notes_only += bool(_members(el, "MemberNote")) and not codes and not sources
        self.code_sets = themes_from_sets(code_sets)
        if notes_only:
            self.warn(f"{plural(notes_only, 'set')} of notes only {verb_for(notes_only, 'is')} not imported: tcoder has no notes outside passages")

@dataclass
class _Source:
    el: ET.Element  # without its selections if its text is an archive entry (see qde_stream)
    guid: str
    raw: str  # as the archive holds it: a leading U+FEFF for a byte-order mark, CRLFs kept
    text: str  # canonical (no BOM, LF line ends)
    positions: PositionMap | None = None  # set once the project's convention is known
    _lines: list[int] | None = None
    entry: str | None = None  # the archive entry of its text, read (loaded) with its selections
    loaded: bool = False

    def let_go(self) -> None:
        """Forget the text read from the archive (the transcript is written)."""
        if self.entry is not None:
            self.raw = self.text = ""
            self.loaded, self.positions, self._lines = False, None, None

    def line_starts(self) -> list[int]:
        if self._lines is None:
            self._lines = line_starts(self.text)
        return self._lines

    def line(self, number: int | None) -> tuple[int, int] | None:
        """Where line ``number`` (from 0) is, its line end included."""
        starts = self.line_starts()
        if number is None or number + 1 >= len(starts):
            return None
        return starts[number], starts[number + 1]

    @property
    def raw_length(self) -> int:
        """The text's length in the positions the file uses."""
        assert self.positions is not None
        return self.positions.length

    def canonical(self, position: int) -> int:
        """A position as the file counts it, as an offset in the canonical text."""
        assert self.positions is not None
        return self.positions.canonical(position)


def source_label(el: ET.Element) -> str:
    """A source as its program names it: its name, else its text file's name (qc writes no name)."""
    name = (el.get("name") or "").strip()
    if name:
        return name
    path = el.get("plainTextPath") or el.get("path") or ""
    base = PurePosixPath(path.partition("://")[2] or path).name
    return base or f"source {_guid(el.get('guid'))}"


def _decode_source(data: bytes) -> tuple[str, str]:
    """(text as the archive holds it, canonical text). REFI-QDA plain text is UTF-8; a BOM is kept
    as U+FEFF in the first, since some programs count it as a position. Other encodings are
    decoded as tcoder decodes transcripts."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                raw = "\ufeff" + data[len(bom):].decode(codec)
            except UnicodeDecodeError:
                break
            return raw, canonical_newlines(raw[1:])
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        decoded = decode_bytes(data)
        return decoded.text, decoded.text
    return raw, canonical_newlines(raw)


def _file_bytes(file: dict) -> bytes:
    if "base64" in file:
        return base64.b64decode(file["base64"])
    return str(file.get("text", "")).encode("utf-8")


def _csv_header(data: bytes) -> list[str]:
    first = data.decode("utf-8", "replace").splitlines()[:1]
    return next(csv.reader(first), []) if first else []


def _joined_memo(parts: list[str]) -> str:
    """The memo of a coding from its notes and its selection's description, each text once: tcoder
    (and others) write a memo both as a note and as the description."""
    seen: set[str] = set()
    kept = []
    for part in parts:
        key = " ".join(part.split())
        if key and key not in seen:
            seen.add(key)
            kept.append(part)
    return "\n\n".join(kept)


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def int_or_none(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


def coder_name(name: str) -> str:
    """A user name from another program as a tcoder coder name (docs/formats.md#a-study-on-disk), made
    as code ids are (``Dr. José Roe`` -> ``dr-jose-roe``); empty when nothing is left."""
    slug = slugify(name)
    return slug if CODER_NAME.match(slug) else ""


def safe_transcript_name(name: str, guid: str) -> str:
    """A source's name as a study-relative transcript path: no absolute paths, no '..',
    no hidden or reserved characters, ending in .txt or .md."""
    parts = []
    for part in name.replace("\\", "/").split("/"):
        part = re.sub(r'[\x00-\x1f<>:"|?*]', "_", part).strip().lstrip(".")
        if part and part != "..":
            parts.append(part)
    stem = "/".join(parts) or f"source-{guid[:8]}"
    if not stem.lower().endswith(TRANSCRIPT_SUFFIXES):
        stem += ".txt"
    return stem


def _unique_name(name: str, names: set[str], stems: set[str]) -> str:
    base, dot, suffix = name.rpartition(".")
    candidate, n = name, 2
    while candidate.lower() in names or candidate.rsplit(".", 1)[0].lower() in stems:
        candidate, n = f"{base}-{n}{dot}{suffix}", n + 1
    return candidate


def _memo_file(memo: Memo, taken: set[str]) -> str:
    """The study path of an imported memo: named from its kind and title, as tcoder names new memos."""
    base = f"{MEMO_FOLDER}/{file_name_for(memo)}"
    path, n = base, 2
    while path.lower() in taken:
        path, n = f"{base[:-3]}-{n}.md", n + 1
    taken.add(path.lower())
    return path


def _derived_id(guid: str) -> str:
    """A stable 16-hex-digit annotation id from a coding's GUID."""
    return hashlib.sha1(_guid(guid).encode("utf-8")).hexdigest()[:16]


def _unique_ids(annotations: list[Annotation]) -> None:
    seen: set[str] = set()
    for a in annotations:
        n = 1
        while a.id in seen:
            a.id = hashlib.sha1(f"{a.id}:{n}".encode()).hexdigest()[:16]
            n += 1
        seen.add(a.id)

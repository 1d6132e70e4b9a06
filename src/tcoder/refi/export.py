"""Export a study as a REFI-QDA project (.qdpx) or codebook (.qdc).

What maps to what (docs/refi-qda.md has the full table):

- coders -> ``<Users>``; the codebook tree -> ``<CodeBook>`` (colours, and the
  definition, include, exclude and examples in ``<Description>``);
- attributes.csv columns -> ``<Variables>``; each transcript -> a ``<Case>`` with
  its values (also set on the source, where MAXQDA looks for document variables);
- each transcript -> a ``<TextSource>`` whose plain text (the canonical text,
  UTF-8 without BOM) is ``sources/<guid>.txt`` in the archive;
- each annotation -> a ``<PlainTextSelection>`` (code points over the canonical
  text) with one ``<Coding>`` by its coder; a memo -> a ``<Note>`` referenced by
  the selection.

``tcoder.json`` in the archive keeps what REFI-QDA has no place for (code ids,
keys and domains, annotation ids and timestamps, orphaned annotations, the
codebook, settings and attributes files as they were), so that
``tcoder import-qdpx`` gives back the study exactly. Other programs ignore it;
``plain=True`` leaves it out.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from tcoder import __version__
from tcoder.annotations import CODER_NAME, Annotation
from tcoder.atomicio import atomic_write_bytes, atomic_writer
from tcoder.errors import Problem, TcoderError
from tcoder.memos import Memo
from tcoder.memoset import load_memos
from tcoder.numbers import plural
from tcoder.parallel import map_ordered
from tcoder.refi.codebook_xml import NOT_XML, PROJECT_NS, XmlText, code_elements, codebook_document, element_factory
from tcoder.refi.guids import Guids
from tcoder.refi.positions import STANDARD, Convention, OffsetWriter
from tcoder.refi.themes_xml import theme_codes, theme_sets
from tcoder.refi.zip_entries import Deflated, Piece, deflate, deflate_pieces, write_archive
from tcoder.study import Study

SIDECAR = "tcoder.json"
SIDECAR_FORMAT = "tcoder-qdpx/1"
PROJECT_FILE = "project.qde"

#: The variable that keeps each transcript's folder in the study, since source names have
#: no path separators (QualCoder and qc use a source's name as a file name).
FOLDER_VARIABLE = "tcoder folder"
#: Attribute columns named ``set: NAME`` (yes/no) are document sets (MAXQDA's document sets,
#: ATLAS.ti's document groups); they are exported as ``<Set>``s, not as variables.
SET_PREFIX = "set: "


@dataclass(frozen=True)
class Target:
    """What one program expects of the text files and positions, where it differs from the
    standard (docs/refi-qda.md says on what evidence)."""

    name: str
    label: str
    convention: Convention = STANDARD
    crlf: bool = False  # text files with CRLF line ends
    bom: bool = False  # text files starting with a UTF-8 byte-order mark
    astral_verified: bool = True  # how it counts characters outside the BMP is known
    sets_of_codes: bool = True  # it imports sets of codes (themes go out as sets, else as codes)


TARGETS: dict[str, Target] = {
    "standard": Target("standard", "the REFI-QDA standard"),
    # NVivo's own exports: UTF-8 with BOM, CRLF (Windows), UTF-16 code units, CRLF as two.
    "nvivo": Target("nvivo", "NVivo", Convention(utf16=True), crlf=True, bom=True),
    # QualCoder's export "for MAXQDA": CRLF in the text, each counted as one position.
    "maxqda": Target("maxqda", "MAXQDA", Convention(crlf_as_one=True), crlf=True, bom=True, astral_verified=False),
    # ATLAS.ti, as QualCoder's importer reads it: CRLF in the text, each counted as one.
    "atlasti": Target("atlasti", "ATLAS.ti", Convention(crlf_as_one=True), crlf=True, bom=True,
                      astral_verified=False),
    # QualCoder reads the text as UTF-8 without removing a BOM, and counts code points.
    "qualcoder": Target("qualcoder", "QualCoder", sets_of_codes=False),  # it reads sets of sources only
}

#: How a journal entry's note is named, so that an import knows it again.
JOURNAL_PREFIX = "Journal: "

_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass
class ExportSummary:
    path: Path
    sources: int = 0
    coders: list[str] = field(default_factory=list)
    codes: int = 0
    annotations: int = 0
    notes: int = 0
    cases: int = 0
    sets: int = 0
    memo_files: int = 0
    themes: int = 0
    warnings: list[Problem] = field(default_factory=list)
    #: coders whose coding was left out (``coders=``): coder -> (files, annotations)
    left_out: dict[str, tuple[int, int]] = field(default_factory=dict)


def origin() -> str:
    return f"tcoder {__version__}"


def project_name_of(study: Study) -> str:
    return study.root.resolve().name or "tcoder study"


def variable_type(values: list[str]) -> str:
    """REFI typeOfVariable for a column's non-empty values: Integer, Float or Text."""
    if values and all(_INTEGER.match(v) for v in values):
        return "Integer"
    if values and all(_DECIMAL.match(v) for v in values):
        return "Float"
    return "Text"


def write_qdc(study: Study, path: str | Path, project_name: str | None = None) -> ExportSummary:
    guids = Guids(project_name or project_name_of(study))
    codebook = study.codebook
    xml = XmlText()
    summary = ExportSummary(Path(path), codes=len(codebook))
    code_sets = qdc_theme_sets(study, summary)
    document = codebook_document(codebook, guids, origin(), xml, code_sets)
    summary.sets = len(code_sets)
    _warn_replaced(xml, summary, study.codebook_path, sidecar=False)
    atomic_write_bytes(path, document)
    return summary


def write_qdpx(study: Study, path: str | Path, project_name: str | None = None, plain: bool = False,
               target: str = "standard", coders: list[str] | None = None) -> ExportSummary:
    """Write the archive entry by entry, then replace ``path`` atomically. ``coders``:
    only their coding leaves the study (default: every coder's).

    The large parts (the sources and selections of project.qde, the texts, the annotations
    of tcoder.json) go to temporary files as each transcript is done and are compressed
    into the archive from there, so memory holds one transcript at a time, not the study."""
    summary = ExportSummary(Path(path))
    with tempfile.TemporaryDirectory(prefix="tcoder-export-") as folder:
        built = build_project(study, project_name or project_name_of(study), summary, plain, TARGETS[target],
                              coders, Path(folder))
        # project.qde and tcoder.json are one deflate stream each: on two threads at once
        with ThreadPoolExecutor(max_workers=2) as pool:
            document = pool.submit(deflate_pieces, PROJECT_FILE, built.document, Path(folder) / "project.qde.z")
            sidecar = (pool.submit(deflate_pieces, SIDECAR, built.sidecar, Path(folder) / "tcoder.json.z")
                       if built.sidecar is not None else None)
            entries = [document.result(), *built.entries, *([sidecar.result()] if sidecar is not None else [])]
        with atomic_writer(path) as out:
            write_archive(out, entries)
    return summary


@dataclass
class _Entries:
    """The archive's entries: project.qde's pieces, the sources (and memo texts) deflated, and
    tcoder.json's pieces (None with ``plain``)."""

    document: list[Piece]
    entries: list[Deflated]
    sidecar: list[Piece] | None = None


@dataclass
class _Part:
    """What one transcript gives to the archive (see ``part_of`` in :func:`build_project`)."""

    body: Piece = b""  # its <TextSource>, in a temporary file
    entries: list[Deflated] = field(default_factory=list)  # its text, its memos' texts
    sidecar: Piece = b""  # its lines of tcoder.json's annotations, joined by ",\n", in a temporary file
    annotations: int = 0
    notes: list[str] = field(default_factory=list)
    memo_notes: list[tuple[str, int]] = field(default_factory=list)  # note GUID, memo's index for the transcript
    note_refs_on_codes: list[tuple[str, str]] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)
    files: list[dict] = field(default_factory=list)
    orphaned: list[dict] = field(default_factory=list)
    astral: bool = False
    replaced: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    left_out: dict[str, tuple[int, int]] = field(default_factory=dict)
    load_problems: list[Problem] = field(default_factory=list)


class _Spool:
    """A temporary file that pieces are appended to and read back from in order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: BinaryIO = open(path, "w+b")  # noqa: SIM115 -- closed with the export's folder
        self.size = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.size += len(data)

    def piece(self, start: int) -> tuple[Path, int, int]:
        self.handle.flush()
        return (self.path, start, self.size - start)


def _merge_replaced(first: XmlText, then: XmlText) -> XmlText:
    """What both replaced, in the order met: all of ``first`` before all of ``then``."""
    merged = XmlText()
    merged.replaced = {s: list(p) for s, p in first.replaced.items()}
    for subject, parts in then.replaced.items():
        known = merged.replaced.setdefault(subject, [])
        known.extend(p for p in parts if p not in known)
    return merged


def build_project(study: Study, project_name: str, summary: ExportSummary,
                  plain: bool = False, target: Target = TARGETS["standard"],
                  chosen: list[str] | None = None,
                  folder: Path | None = None) -> _Entries:
    """The archive's entries, in a fixed order: project.qde, the sources, tcoder.json.

    Transcripts are read one at a time, in worker processes where there are several cores
    (:func:`tcoder.parallel.map_ordered`); what each gives to the archive is written to
    temporary files in ``folder`` as it comes back, in order, its text already deflated. The head of project.qde (users, codebook,
    variables, cases) is built last, when the coders and codes in use are known, though
    it comes first in the file; its text is checked by its own :class:`XmlText`, merged
    before the body's so the warning names things in document order."""
    if folder is None:
        raise ValueError("build_project needs a folder for its temporary files")
    guids = Guids(project_name)
    codebook = study.codebook
    head_xml = XmlText()  # every attribute value and text node of the head goes through it
    xml = XmlText()  # and of the body
    make_body = element_factory(xml)
    memo_set = load_memos(study)
    memos, memo_problems = memo_set.memos, memo_set.problems
    themes = _themes(study, summary)
    known_codes = set(codebook.codes)
    load_problems: list[Problem] = []
    coders_in_use: set[str] = set()
    unknown_in_use: set[str] = set()
    code_guid = {cid: guids.code(cid) for cid in codebook.codes}
    note_refs_on_codes: list[tuple[str, str]] = []  # (code id, note guid), in the order met

    attributes = study.attributes
    transcripts = [ref for ref in study.transcripts]
    source_names = exported_names([ref.name for ref in transcripts])
    set_columns = [c for c in attributes.columns if c.startswith(SET_PREFIX) and c[len(SET_PREFIX):].strip()]
    columns = [c for c in attributes.columns if c not in set_columns]
    values_of = {ref.name: dict(attributes.of(ref.name)) for ref in transcripts}
    if any("/" in ref.name for ref in transcripts):
        columns.append(FOLDER_VARIABLE)
        for ref in transcripts:
            values_of[ref.name][FOLDER_VARIABLE] = ref.name.rpartition("/")[0]
    var_types = {c: variable_type([v for row in values_of.values() if (v := row.get(c, ""))]) for c in columns}
    var_types[FOLDER_VARIABLE] = "Text"

    def head_sections(root: ET.Element, make) -> None:
        if not columns:
            return
        variables = make("Variables", parent=root)
        for column in columns:
            make("Variable", {"guid": guids.variable(column), "name": column,
                              "typeOfVariable": var_types[column]}, variables, subject=f"attribute {column}")
        cases = make("Cases", parent=root)
        for ref in transcripts:
            case = make("Case", {"guid": guids.case(ref.name), "name": source_names[ref.name]}, cases,
                        subject=f"transcript {ref.name}")
            _variable_values(case, ref.name, values_of[ref.name], columns, var_types, guids, make)
            make("SourceRef", {"targetGUID": guids.source(ref.name)}, case)
            summary.cases += 1

    summary.warnings.extend(Problem(p.message, p.path, p.line, p.column, "warning") for p in memo_problems)
    memos_by_transcript: dict[str, list[Memo]] = {}
    other_memos: list[Memo] = []
    known_transcripts = {ref.name for ref in transcripts}
    uncarried: list[str] = []
    for memo_file in memos:
        passages = [link for link in memo_file.links if link.transcript_name in known_transcripts]
        if passages:
            memos_by_transcript.setdefault(passages[0].transcript_name or "", []).append(memo_file)
        else:
            other_memos.append(memo_file)
        left = links_a_note_cannot_carry(memo_file, passages[0].transcript_name if passages else None)
        if left:
            uncarried.append(f"{memo_set.relative(memo_file)} ({'; '.join(left)})")
    if uncarried:
        summary.warnings.append(Problem(
            f"{plural(len(uncarried), 'memo', 'links')} to more than a REFI-QDA note can: "
            "other programs see each memo's text on its codes, themes and first passage or transcript only; "
            + ("these links are lost in this file: " if plain else
               "tcoder.json in the archive keeps every link, so tcoder reads them back whole: ")
            + ", ".join(uncarried), study.memo_folder, severity="warning"))
    memo_notes: dict[str, Memo] = {}
    entries: list[Deflated] = []
    astral_sources: list[str] = []
    body_file = _Spool(folder / "body.xml")  # what follows the sources: Notes and Sets
    packed_file = _Spool(folder / "sources")  # the texts, deflated
    body: list[str] = []  # what is not yet in body_file
    document: list[Piece] = []  # project.qde after its head: the sources, then body_file
    annotation_pieces: list[Piece] = []  # tcoder.json's annotations, one a line
    spools: dict[int, tuple[_Spool, _Spool]] = {}  # each process's (sources, annotations)

    def own_spools() -> tuple[_Spool, _Spool]:
        """Where this process writes the transcripts' XML and tcoder.json lines: a worker
        writes its own files, and only where they are travels back."""
        pid = os.getpid()
        if pid not in spools:
            spools[pid] = (_Spool(folder / f"sources-{pid}.xml"), _Spool(folder / f"annotations-{pid}.json"))
        return spools[pid]
    notes: list[str] = []
    orphaned: list[dict] = []
    files: list[dict] = []
    authors_named = {m.author for m in memos if m.author and CODER_NAME.match(m.author)}
    user_guid = _GuidsByName(guids.user)
    for author in sorted(authors_named):  # memo notes look their authors up before every coder is known
        user_guid[author]

    def flush_body() -> None:
        body_file.write("".join(body).encode("utf-8"))
        body.clear()

    def part_of(ref) -> _Part:
        """What one transcript gives to the archive: run in a worker process for most transcripts,
        so everything it returns is plain data; the parent puts the parts together in order."""
        part = _Part()
        xml = XmlText()  # this transcript's text goes through its own, merged in order
        make_part = element_factory(xml)
        own = ExportSummary(summary.path)  # its warnings and coders left out
        by_coder = _load_transcript(study, ref, known_codes, own, chosen, part.load_problems)
        transcript = study.transcript(ref)
        source_guid = guids.source(ref.name)
        internal = f"{source_guid}.txt"
        body = [f'    <TextSource guid="{source_guid}" '
                f'name={xml.attr(source_names[ref.name], f"transcript {ref.name}", "name")} '
                f'plainTextPath="internal://{internal}">\n']
        text = transcript.text
        written = text.replace("\n", "\r\n") if target.crlf else text
        part.entries.append(deflate(f"sources/{internal}",
                                    ("\ufeff" if target.bom else "").encode("utf-8") + written.encode("utf-8")))
        del written
        to_position = OffsetWriter(text, target.convention, target.crlf).position
        part.astral = not target.astral_verified and bool(_ASTRAL.search(text))
        rows = []
        for coder, lf in by_coder:
            part.coders.append(coder)
            part.unknown.update(a.code for a in lf.annotations if a.code not in codebook)
            part.files.append({"transcript": ref.name, "coder": coder, "format": lf.file.format,
                               "extra": lf.file.extra})
            for a in lf.file.annotations:
                if a.orphaned:
                    part.orphaned.append({"transcript": ref.name, "coder": coder, "annotation": a.to_dict()})
                else:
                    rows.append((a.start, a.end, a.code, coder, a.id, a, lf.path))
        rows.sort(key=lambda r: r[:5])
        lines = []
        selection_of = {coder: guids.maker("selection", ref.name, coder) for coder, _ in by_coder}
        coding_of = {coder: guids.maker("coding", ref.name, coder) for coder, _ in by_coder}
        for start, end, code, coder, aid, a, annotation_path in rows:
            selection_guid = selection_of[coder](aid)  # guids.selection(ref.name, coder, aid)
            user = user_guid[coder]
            # date-times that match _DATETIME whole need no cleaning or escaping
            created = f' creationDateTime="{a.created}"' if a.created and _DATETIME.fullmatch(a.created) else ""
            modified = (f' modifyingUser="{user}" modifiedDateTime="{a.updated}"'
                        if a.updated and _DATETIME.fullmatch(a.updated) else "")
            note_ref = description = ""
            if a.memo:
                # QualCoder and MAXQDA read a coding's memo from the selection's Description; NVivo and
                # ATLAS.ti from the linked Note. Both are written; tcoder's import reads them as one.
                description = f"        <Description>{xml.text(a.memo, f'memo of annotation {aid}', 'text')}</Description>\n"
                note_guid = guids.note(ref.name, coder, aid)
                note_ref = f'        <NoteRef targetGUID="{note_guid}" />\n'
                name = _note_name(a, codebook, coder, ref.name)
                whose = f"memo of annotation {aid} ({ref.name}, {coder})"
                dated = note_date(a.created, a.updated, annotation_path)
                part.notes.append(f'    <Note guid="{note_guid}" name={xml.attr(name, whose, "title")} '
                                  f'creatingUser="{user}" creationDateTime="{dated}">\n'
                                  f"      <PlainTextContent>{xml.text(a.memo, whose, 'text')}</PlainTextContent>\n"
                                  "    </Note>\n")
            quote = xml.attr(text[start:end], f"transcript {ref.name}", "text")
            body.append(
                f'      <PlainTextSelection guid="{selection_guid}" name={quote} startPosition="{to_position(start)}" '
                f'endPosition="{to_position(end)}" creatingUser="{user}"{created}{modified}>\n{description}'
                f'        <Coding guid="{coding_of[coder](aid)}" creatingUser="{user}"{created}>\n'
                f'          <CodeRef targetGUID="{code_guid.get(code) or guids.code(code)}" />\n        </Coding>\n'
                f"{note_ref}      </PlainTextSelection>\n")
            lines.append(f'  "{selection_guid}": {_ENCODE(_sidecar_fields(a))}')  # a GUID needs no escapes
        xml_spool, json_spool = own_spools()
        start = json_spool.size
        json_spool.write(",\n".join(lines).encode("utf-8", "backslashreplace"))
        part.sidecar = json_spool.piece(start)
        part.annotations = len(lines)
        del rows, by_coder, lines
        whole: list[str] = []  # memos on the whole transcript
        for index, memo_file in enumerate(memos_by_transcript.get(ref.name, [])):
            note_xml, note_guid, note_file = _memo_note(memo_file, ref.name, text, to_position, guids, user_guid,
                                                        xml, own, memo_set.relative(memo_file))
            if note_file:
                part.entries.append(deflate(*note_file))
                whole.append(memo_file.body)
            if note_xml:
                part.notes.append(note_xml)
                body.append(f'      <NoteRef targetGUID="{note_guid}" />\n')
                part.memo_notes.append((note_guid, index))
                # the same note on every code it is about
                part.note_refs_on_codes.extend((code, note_guid) for code in memo_file.targets("code"))
        if whole:  # QualCoder reads a source's memo from its Description, not from its notes
            memo_text = xml.text(source_memo_text(whole), f"memos of {ref.name}", "text")
            body.insert(1, f"      <Description>{memo_text}</Description>\n")
        values = make_part("TextSource")
        _variable_values(values, ref.name, values_of[ref.name], columns, var_types, guids, make_part)
        body.extend(_indented(el, 3) for el in values)
        body.append("    </TextSource>\n")
        start = xml_spool.size
        xml_spool.write("".join(body).encode("utf-8"))
        part.body = xml_spool.piece(start)
        part.replaced = xml.replaced
        part.warnings, part.left_out = own.warnings, own.left_out
        study.forget_transcript(ref)  # held one at a time, not the whole study's text
        return part

    if transcripts:
        document.append(b"  <Sources>\n")
    for ref, part in zip(transcripts, map_ordered(part_of, transcripts), strict=True):
        load_problems.extend(part.load_problems)
        for coder, (n_files, n_annotations) in part.left_out.items():
            known_files, known_annotations = summary.left_out.get(coder, (0, 0))
            summary.left_out[coder] = (known_files + n_files, known_annotations + n_annotations)
        summary.warnings.extend(part.warnings)
        for subject, parts in part.replaced.items():
            known = xml.replaced.setdefault(subject, [])
            known.extend(p for p in parts if p not in known)
        document.append(part.body)
        for entry in part.entries:
            assert isinstance(entry.data, bytes)
            start = packed_file.size
            packed_file.write(entry.data)
            entries.append(Deflated(entry.name, entry.crc, entry.size, packed_file.piece(start)))
        if part.astral:
            astral_sources.append(ref.name)
        summary.sources += 1
        coders_in_use.update(part.coders)
        unknown_in_use.update(part.unknown)
        files.extend(part.files)
        orphaned.extend(part.orphaned)
        if part.annotations:
            annotation_pieces.extend([b",\n", part.sidecar] if summary.annotations else [part.sidecar])
        summary.annotations += part.annotations
        notes.extend(part.notes)
        for note_guid, index in part.memo_notes:
            memo_notes[note_guid] = memos_by_transcript[ref.name][index]
        note_refs_on_codes.extend(part.note_refs_on_codes)
    if transcripts:
        body.append("  </Sources>\n")
    if load_problems:
        raise TcoderError(load_problems)
    coders = sorted(coders_in_use, key=lambda c: (c == "consensus", c))
    summary.coders = coders
    authors = sorted(authors_named - set(coders))
    unknown = sorted(unknown_in_use)
    code_guid.update({cid: guids.code(cid) for cid in unknown})
    project_refs = []
    for memo_file in other_memos:
        note_xml, note_guid, note_file = _memo_note(memo_file, None, "", None, guids, user_guid, xml, summary,
                                                    memo_set.relative(memo_file))
        if note_file:
            entries.append(deflate(*note_file))
        notes.append(note_xml)
        memo_notes[note_guid] = memo_file
        code_links = [code for code in memo_file.targets("code") if code in code_guid]
        note_refs_on_codes.extend((code, note_guid) for code in code_links)
        if not code_links:
            project_refs.append(note_guid)
    if notes:
        body.append("  <Notes>\n")
        body.extend(notes)
        body.append("  </Notes>\n")
        summary.notes = len(notes)
    sets = _document_sets(set_columns, transcripts, attributes, guids, make_body)
    if len(themes) and target.sets_of_codes:
        theme_notes: dict[str, list[str]] = {}
        for note_guid, memo in memo_notes.items():
            for theme_id in memo.targets("theme"):
                theme_notes.setdefault(theme_id, []).append(note_guid)
        sets.extend(theme_sets(themes, codebook, code_guid, theme_notes, lambda tid: guids.of("theme", tid),
                               make_body))
    if sets:
        sets_el = make_body("Sets")
        sets_el.extend(sets)
        body.append(_indented(sets_el, 1))
        summary.sets = len(sets)
    body.extend(f'  <NoteRef targetGUID="{g}" />\n' for g in project_refs)
    summary.memo_files = len(memo_notes)
    if astral_sources:
        summary.warnings.append(Problem(
            f"{plural(len(astral_sources), 'transcript', 'holds')} characters outside the Basic Multilingual Plane (emoji, for "
            f"example): {', '.join(astral_sources[:5])}{' ...' if len(astral_sources) > 5 else ''}. Whether "
            f"{target.label} counts each as one position or two is not known; after importing, check a passage "
            "that follows one against 'tcoder report STUDY segments'", study.root, severity="warning"))

    if orphaned:
        summary.warnings.append(Problem(
            f"{plural(len(orphaned), 'orphaned annotation', 'has')} no place in the current text; other programs will not "
            "see them (tcoder import-qdpx restores them). Run 'tcoder check' to see them.", study.root,
            severity="warning"))
    if unknown:
        summary.warnings.append(Problem(
            f"codes not in the codebook were exported as top-level codes: {', '.join(unknown)}", study.codebook_path,
            severity="warning"))

    flush_body()
    root = _head(codebook, guids, make := element_factory(head_xml), coders, authors, unknown, code_guid, themes,
                 target, summary)
    head_sections(root, make)
    codes_el = root.find("CodeBook/Codes")
    if codes_el is not None:
        for code, note_guid in note_refs_on_codes:
            if code in code_guid:
                _add_note_ref(codes_el, code_guid[code], note_guid, make)
    head = "".join(_indented(el, 1) for el in root)
    start_tag = (f'<Project xmlns="{PROJECT_NS}" name={xml.attr(project_name, "the project name")} '
                 f'origin={xml.attr(origin(), "origin")}>\n')
    _warn_replaced(_merge_replaced(head_xml, xml), summary, study.root, sidecar=not plain)
    document = [('<?xml version="1.0" encoding="utf-8"?>\n' + start_tag + head).encode("utf-8"),
                *document, body_file.piece(0), "</Project>\n".encode("utf-8")]
    out = _Entries(document, entries)
    if not plain:
        sidecar = {
            "format": SIDECAR_FORMAT, "project": project_name, "origin": origin(),
            "positions": target.convention.as_dict(),
            "codebook": _optional_file(study.codebook_path, study.settings.codebook),
            "settings": _optional_file(study.root / "tcoder.yaml", "tcoder.yaml"),
            "attributes": _optional_file(study.root / study.settings.attributes, study.settings.attributes),
            "participants": _optional_file(study.root / study.settings.participants, study.settings.participants),
            "speakers": _optional_file(study.root / study.settings.speakers, study.settings.speakers),
            "memo_files": {g: _optional_file(m.path, memo_set.relative(m)) for g, m in memo_notes.items()
                           if m.path is not None},
            "analysis": _analysis_files(study),
            "codes": {code_guid[c]: c for c in sorted(code_guid)},
            "users": {user_guid[c]: c for c in coders + authors},
            "sources": {guids.source(ref.name): ref.name for ref in transcripts},
            "files": files,
            "orphaned": orphaned,
        }
        # A lone surrogate (from a "\udXXX" escape in an annotation file, or an undecodable file
        # name) cannot be UTF-8; it can only sit inside a JSON string, where "\udXXX" is its escape.
        head_json = json.dumps(sidecar, ensure_ascii=False, indent=1)[:-2] + ',\n "annotations": {\n'
        out.sidecar = [head_json.encode("utf-8", "backslashreplace"), *annotation_pieces, "\n }\n}\n".encode()]
    return out


class _GuidsByName(dict):
    """Each coder's user GUID, made when first asked for."""

    def __init__(self, make) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, name: str) -> str:
        value = self[name] = self._make(name)
        return value


def _head(codebook, guids: Guids, make, coders: list[str], authors: list[str], unknown: list[str],
          code_guid: dict[str, str], themes, target: Target, summary: ExportSummary) -> ET.Element:
    """The users and the codebook (codes in use but not in the codebook at its end)."""
    root = make("Project")  # holds the small sections; its start tag is written by hand
    if coders or authors:
        users = make("Users", parent=root)
        for coder in coders + authors:
            make("User", {"guid": guids.user(coder), "name": coder, "id": coder}, users, subject=f"coder {coder}")
    cb = make("CodeBook", parent=root)
    codes_el = make("Codes", parent=cb)
    for el in code_elements(codebook, guids, make):
        codes_el.append(el)
    for cid in unknown:
        el = make("Code", {"guid": code_guid[cid], "name": cid, "isCodable": "true"}, codes_el, subject=f"code {cid}")
        make("Description", parent=el, text="Used in annotations but not in the tcoder codebook.")
    if len(themes) and not target.sets_of_codes:
        codes_el.append(theme_codes(themes, codebook, lambda tid: guids.of("theme", tid), make))
    if not len(codes_el):  # the schema needs at least one code
        root.remove(cb)
    summary.codes = len(codebook) + len(unknown)
    return root


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def exported_names(paths: list[str]) -> dict[str, str]:
    """Each transcript's source name: its file name, without the folder (other programs use the
    name as a file name). Two files of one name in different folders get the folder in
    brackets: ``P01 (pilot).txt``; :func:`study_path` undoes it."""
    counts: dict[str, int] = {}
    for path in paths:
        base = path.rpartition("/")[2]
        counts[base.lower()] = counts.get(base.lower(), 0) + 1
    out = {}
    for path in paths:
        folder, _, base = path.rpartition("/")
        if counts[base.lower()] > 1 and folder:
            stem, dot, suffix = base.rpartition(".")
            stem, suffix = (stem, dot + suffix) if dot else (base, "")
            base = f"{stem} ({folder.replace('/', ' - ')}){suffix}"
        out[path] = base
    return out


def study_path(name: str, folder: str) -> str:
    """The study path of a source exported with :func:`exported_names`."""
    folder = folder.strip().strip("/")
    if not folder:
        return name
    tag = f" ({folder.replace('/', ' - ')})"
    stem, dot, suffix = name.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot else (name, "")
    if stem.endswith(tag):
        stem = stem[: -len(tag)]
    return f"{folder}/{stem}{suffix}"


def _document_sets(columns: list[str], transcripts, attributes, guids: Guids, make) -> list[ET.Element]:
    """``set: NAME`` columns as document sets: the transcripts whose value is yes (or 1, true, x)."""
    out = []
    for column in columns:
        name = column[len(SET_PREFIX):].strip()
        el = make("Set", {"guid": guids.of("set", column), "name": name}, subject=f"attribute {column}")
        for ref in transcripts:
            if attributes.of(ref.name).get(column, "").strip().lower() in MEMBER_VALUES:
                make("MemberSource", {"targetGUID": guids.source(ref.name)}, el)
        out.append(el)
    return out


MEMBER_VALUES = frozenset({"yes", "y", "1", "true", "x"})


def qdc_theme_sets(study: Study, summary: ExportSummary) -> list[tuple[str, str, list[str]]]:
    """The study's themes as sets of codes (name, description, code ids): in REFI-QDA a theme
    is a ``<Set>`` of the codes that inform it (ATLAS.ti's code groups, MAXQDA's code sets).
    Each theme is its own set, its sub-themes sets of their own; the description says, as in a
    .qdpx, the status, id, parent, concept and definition, so ``import-qdc`` restores them."""
    from tcoder.themes import ThemeFileError, read_themes

    if not study.themes_path.is_file():
        return []
    try:
        themes = read_themes(study.themes_path)
    except (ThemeFileError, TcoderError) as exc:
        summary.warnings.extend(Problem(f"the themes are not exported: {p.message}", p.path, p.line, p.column,
                                        "warning") for p in exc.problems)
        return []
    from tcoder.refi.themes_xml import theme_description

    return [(theme.label, theme_description(theme, themes), [c for c in theme.codes if c in study.codebook])
            for theme, _ in themes.walk()]


def source_memo_text(bodies: list[str]) -> str:
    """The memos on a whole transcript as one text, for the source's ``<Description>``."""
    return "\n\n".join(b.strip("\n") for b in bodies if b.strip())


def note_date(created: str | None, updated: str | None, path: Path | None) -> str:
    """A Note's creationDateTime. QualCoder's importer stops at a Note without one, so a memo
    without a date of its own gets the time its file was last written (UTC)."""
    for value in (created, updated):
        if value and _DATETIME.fullmatch(value):
            return value
    try:
        stamp = path.stat().st_mtime if path is not None else 0.0
    except OSError:
        stamp = 0.0
    return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _memo_note(memo: Memo, transcript: str | None, text: str, to_position, guids: Guids,
               user_guid: dict[str, str], xml: XmlText, summary: ExportSummary,
               where: str) -> tuple[str, str, tuple[str, bytes] | None]:
    """A memo file as a ``<Note>``: on a passage it carries its own ``<PlainTextSelection>`` (as
    QualCoder and NVivo write a memo on text), referenced from the source."""
    guid = guids.of("memo", memo.id)
    subject = f"memo {memo.id}"
    title = memo.title or f"Memo ({memo.kind})"
    if memo.kind == "journal":  # read back as a journal entry (REFI-QDA has no journal of its own)
        title = JOURNAL_PREFIX + (memo.title or memo.display_title)
    user = user_guid.get(memo.author or "")
    attrs = f' creatingUser="{user}"' if user else ""
    attrs += f' creationDateTime="{note_date(memo.created, memo.updated, memo.path)}"'
    selection = ""
    link = next((li for li in memo.links if li.kind == "passage" and li.target == transcript and not li.orphaned),
                None)
    if transcript is not None and link is not None:
        assert link.start is not None and link.end is not None
        if link.end > len(text) or link.start >= link.end:
            summary.warnings.append(Problem(f"memo {memo.id}: its passage [{link.start}, {link.end}) is not in "
                                            f"{transcript}; it is exported as a memo on the whole transcript",
                                            where, severity="warning"))
        else:
            selection = (f'      <PlainTextSelection guid="{guids.of("memo-selection", memo.id)}" '
                         f'startPosition="{to_position(link.start)}" endPosition="{to_position(link.end)}" />\n')
    if selection:  # a memo on a passage, as QualCoder writes its annotations
        note = (f'    <Note guid="{guid}" name={xml.attr(title, subject, "title")}{attrs}>\n'
                f"      <PlainTextContent>{xml.text(memo.body.rstrip(chr(10)), subject, 'text')}</PlainTextContent>\n"
                f"{selection}    </Note>\n")
        return note, guid, None
    # Other memos as NVivo writes notes, their text in a file: QualCoder reads these as journal entries.
    note = (f'    <Note guid="{guid}" name={xml.attr(title, subject, "title")} '
            f'plainTextPath="internal://{guid}.txt"{attrs} />\n')
    return note, guid, (f"sources/{guid}.txt", memo.body.encode("utf-8"))


def links_a_note_cannot_carry(memo: Memo, transcript: str | None) -> list[str]:
    """The links of ``memo`` that its ``<Note>`` loses. A note hangs on codes, sets (themes) and
    one source, with at most one selection (the memo's first passage there), so other passages
    and transcripts, participants (REFI-QDA's cases are tcoder's transcripts), annotations and
    other memos are not in project.qde."""
    selection = next((li for li in memo.links if li.kind == "passage" and li.target == transcript
                      and not li.orphaned), None)
    return [link.describe() for link in memo.links
            if link.kind not in ("code", "theme") and link is not selection
            and not (link.kind == "transcript" and link.target == transcript)]


def _add_note_ref(codes_el: ET.Element, code_guid: str, note_guid: str, make) -> None:
    """A NoteRef on a code: after its Description, before its sub-codes (CodeType's order)."""
    for el in codes_el.iter():
        if el.get("guid") == code_guid:
            ref = make("NoteRef", {"targetGUID": note_guid})
            position = 1 if len(el) and el[0].tag == "Description" else 0
            while position < len(el) and el[position].tag == "NoteRef":
                position += 1
            el.insert(position, ref)
            return


def _warn_replaced(xml: XmlText, summary: ExportSummary, where: Path, sidecar: bool) -> None:
    """One warning per export naming everything that held characters XML 1.0 cannot carry."""
    if not xml.replaced:
        return
    if sidecar:
        after = ("other programs see U+FFFD (\ufffd) in their place; tcoder.json keeps the originals, so "
                 "'tcoder import-qdpx' restores them exactly")
    else:
        after = ("they are lost in this file (U+FFFD, \ufffd, stands in their place); remove them from the study "
                 "to export the text exactly")
    summary.warnings.append(Problem(
        f"characters XML cannot hold (control characters such as ESC or a vertical tab pasted from a word "
        f"processor) were replaced in: {xml.summary()}. The file is valid; {after}", where, severity="warning"))


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _indented(el: ET.Element, level: int) -> str:
    ET.indent(el, space="  ", level=level)
    return "  " * level + ET.tostring(el, encoding="unicode") .rstrip() + "\n"


def _load_transcript(study: Study, ref, known: set[str], summary: ExportSummary, chosen: list[str] | None,
                     problems: list[Problem]) -> list:
    """(coder, loaded file) of one transcript's chosen coders; annotations past its end go to ``problems``."""
    out = []
    for coder in study.coders_of(ref):
        lf = study.load_annotations(ref, coder, known)
        if chosen is not None and coder not in chosen:
            files, annotations = summary.left_out.get(coder, (0, 0))
            summary.left_out[coder] = (files + 1, annotations + len(lf.file.annotations))
            continue
        length = len(study.transcript(ref).text)
        bad = [a for a in lf.annotations if a.end > length]
        if bad:
            problems.append(Problem(
                f"{plural(len(bad), 'annotation', 'reaches')} past the end of {ref.name} (e.g. {bad[0].id} at "
                f"[{bad[0].start}, {bad[0].end}) of {plural(length, 'character')}); run 'tcoder check' and fix them "
                "before exporting", lf.path))
        out.append((coder, lf))
    return out


def _sidecar_fields(a: Annotation) -> dict:
    """What the XML does not carry: the id, timestamps, stored context and unknown fields
    (and the memo, if it has characters XML cannot hold)."""
    d = a.to_dict()
    for key in ("code", "start", "end"):
        d.pop(key)
    if a.memo and not NOT_XML.search(a.memo):
        d.pop("memo")  # in the Note
    return d


def _note_name(a: Annotation, codebook, coder: str, transcript: str) -> str:
    code = codebook.display_name(a.code)
    return f"Memo: {code} ({coder}, {transcript})"


def _variable_values(parent: ET.Element, transcript: str, values: dict[str, str], columns: list[str],
                     types: dict[str, str], guids: Guids, make) -> None:
    for column in columns:
        value = values.get(column, "")
        if value == "":
            continue
        vv = make("VariableValue", parent=parent)
        make("VariableRef", {"targetGUID": guids.variable(column)}, vv)
        kind = {"Integer": "IntegerValue", "Float": "FloatValue"}.get(types[column], "TextValue")
        make(kind, parent=vv, text=value, subject=f"attribute {column}", part=f"value for {transcript}")


def _themes(study: Study, summary: ExportSummary):
    """The study's themes (none, with a warning, if the themes file cannot be read)."""
    from tcoder.themes import ThemeFile, read_themes

    try:
        themes = read_themes(study.themes_path)
    except TcoderError as exc:
        summary.warnings.extend(Problem(p.message, p.path, p.line, p.column, "warning") for p in exc.problems)
        summary.warnings.append(Problem("the themes are not exported: the themes file cannot be read",
                                        study.themes_path, severity="warning"))
        return ThemeFile()
    summary.themes = len(themes)
    return themes


def _analysis_files(study: Study) -> list[dict]:
    """The themes file and its history, exactly as they are (memo files go with their notes)."""
    from tcoder.themelog import history_path

    paths = [study.themes_path, history_path(study.themes_path)]
    files = [_optional_file(p, p.relative_to(study.root).as_posix()) for p in paths if p.is_file()]
    return [f for f in files if f is not None]


def _optional_file(path: Path, name: str) -> dict | None:
    from tcoder.safeio import TABLE_LIMIT, read_file

    if not os.path.lexists(path):
        return None
    raw = read_file(path, limit=TABLE_LIMIT, what=f"the study's {name}")
    try:
        return {"path": name, "text": raw.decode("utf-8")}
    except UnicodeDecodeError:  # e.g. a Windows-1252 attributes.csv: keep its bytes exactly
        import base64

        return {"path": name, "base64": base64.b64encode(raw).decode("ascii")}

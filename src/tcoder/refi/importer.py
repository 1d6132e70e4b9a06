"""Import REFI-QDA: a .qdc codebook to YAML, a .qdpx project to a new study folder.

A project written by tcoder carries ``tcoder.json`` (see :mod:`tcoder.refi.export`);
when it matches ``project.qde`` it gives back code ids, annotation ids and the
original codebook, settings and attributes files, so export then import
reproduces the study exactly. Projects from other programs are read from the XML
alone: ids are made from names and GUIDs, deterministically, so importing the
same file twice gives the same study.

Nothing is written until everything has been read and checked, and never over an
existing, non-empty folder.
"""

from __future__ import annotations

import base64
import bisect
import csv
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tcoder.annotations import CODER_NAME, Annotation, AnnotationFile, save_annotations
from tcoder.atomicio import atomic_write_bytes, atomic_write_text
from tcoder.codebook import Codebook, codebook_to_yaml, parse_codebook
from tcoder.errors import Problem, TcoderError
from tcoder.refi.archive import DEFAULT_MAX_BYTES, SafeArchive, unsafe_reason
from tcoder.refi.codebook_xml import child, child_text, children, codebook_from_codes, local
from tcoder.refi.export import PROJECT_FILE, SIDECAR, SIDECAR_FORMAT
from tcoder.transcript import TRANSCRIPT_SUFFIXES, decode_bytes, text_sha256

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
    exact: bool = False  # restored from tcoder.json
    warnings: list[Problem] = field(default_factory=list)


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
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise TcoderError(Problem("no such file", path)) from None
    if size > MAX_QDC_BYTES:
        raise TcoderError(Problem(f"the file is {size / 1024 ** 2:,.0f} MB; a codebook is far smaller, so it is "
                                  "refused", path))
    root = parse_xml(path.read_bytes(), path)
    if local(root.tag) != "CodeBook":
        raise TcoderError(Problem(f"not a REFI-QDA codebook: the root element is <{local(root.tag)}>, "
                                  "expected <CodeBook>", path))
    codebook, _ = codebook_from_codes(child(root, "Codes"), title=path.stem)
    if not codebook.codes:
        raise TcoderError(Problem("the codebook has no codes", path))
    return _checked(codebook, path)


def _checked(codebook: Codebook, path) -> Codebook:
    """Round-trip through YAML so the result is exactly what tcoder will read back."""
    return parse_codebook(codebook_to_yaml(codebook), path)


def import_qdc(path: str | Path, output: str | Path) -> Codebook:
    codebook = read_qdc(path)
    atomic_write_text(output, codebook_to_yaml(codebook))
    return codebook


# ---------------------------------------------------------------- .qdpx


def import_qdpx(path: str | Path, into: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportSummary:
    path, into = Path(path), Path(into)
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise TcoderError(Problem("this folder exists and is not empty; tcoder imports into a new or empty folder "
                                  "and never writes over files", into))
    with SafeArchive(path, max_bytes) as archive:
        plan = _Reader(archive, path).read()
    plan.write(into)
    plan.summary.into = into
    return plan.summary


@dataclass
class _Plan:
    summary: ImportSummary
    files: dict[str, bytes] = field(default_factory=dict)  # study-relative path -> bytes
    annotation_files: dict[tuple[str, str], AnnotationFile] = field(default_factory=dict)  # (transcript, coder)

    def write(self, into: Path) -> None:
        into.mkdir(parents=True, exist_ok=True)
        for rel, data in self.files.items():
            target = into / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, data)
        for (transcript, coder), af in sorted(self.annotation_files.items()):
            t = into / transcript
            save_annotations(af, t.with_name(f"{t.stem}.{coder}.json"))


class _Reader:
    def __init__(self, archive: SafeArchive, path: Path):
        self.archive = archive
        self.path = path
        self.warnings: list[Problem] = []

    def warn(self, message: str) -> None:
        self.warnings.append(Problem(message, self.path, severity="warning"))

    # -------------------------------------------------------- top level

    def read(self) -> _Plan:
        entry = self.archive.find(PROJECT_FILE) or next(
            (n for n in self.archive.names if n.lower().endswith(".qde") and "/" not in n), None)
        if entry is None:
            raise TcoderError(Problem("not a REFI-QDA project: the archive has no project.qde", self.path))
        root = parse_xml(self.archive.read(entry), self.path, entry)
        if local(root.tag) != "Project":
            raise TcoderError(Problem(f"{entry} is not a REFI-QDA project: its root element is <{local(root.tag)}>",
                                      self.path))
        self.root = root
        self.sidecar = self._sidecar()
        plan = _Plan(ImportSummary(Path(), exact=self.sidecar is not None))
        self.users = self._users()
        codebook_file, codebook, self.code_ids = self._codebook()
        plan.files[codebook_file] = codebook
        self.notes = self._notes()
        sources = self._sources()
        self._annotations(sources, plan)
        for name, text in sources.items():
            plan.files[name] = text.text.encode("utf-8")
        self._extra_files(plan, sources)
        plan.summary.transcripts = len(sources)
        plan.summary.coders = sorted({c for _, c in plan.annotation_files})
        plan.summary.warnings = self.warnings
        return plan

    def _sidecar(self) -> dict | None:
        entry = self.archive.find(SIDECAR)
        if entry is None:
            return None
        try:
            data = json.loads(self.archive.read(entry).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.warn(f"{SIDECAR} in the archive is not valid JSON; the project is read from project.qde alone")
            return None
        if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
            self.warn(f"{SIDECAR} in the archive is not one this tcoder reads; the project is read from "
                      "project.qde alone")
            return None
        xml_codes = {_guid(el.get("guid")) for el in self.root.iter() if local(el.tag) == "Code"}
        xml_sources = {_guid(el.get("guid")) for el in self.root.iter() if local(el.tag) == "TextSource"}
        xml_users = {_guid(el.get("guid")) for el in self.root.iter() if local(el.tag) == "User"}
        paths = [f["path"] for f in (data.get("codebook"), data.get("settings"), data.get("attributes")) if f]
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
        codebook, by_guid = codebook_from_codes(child(cb_el, "Codes") if cb_el is not None else None,
                                                title=self.root.get("name") or "")
        if not codebook.codes:
            self.warn("the project has no codes")
        self.summary_codes = len(codebook)
        text = codebook_to_yaml(codebook) if codebook.codes else "codes: []\n"
        return "codebook.yaml", text.encode("utf-8"), by_guid

    def _notes(self) -> dict[str, str]:
        notes: dict[str, str] = {}
        notes_el = child(self.root, "Notes")
        for note in children(notes_el, "Note") if notes_el is not None else ():
            text = child_text(note, "PlainTextContent")
            if not text and note.get("plainTextPath"):
                loaded = self._plain_text(note.get("plainTextPath") or "", f"note {note.get('name') or ''}")
                text = loaded[0] if loaded else ""
            notes[_guid(note.get("guid"))] = text
        return notes

    # -------------------------------------------------------- sources

    def _plain_text(self, ref: str, what: str) -> tuple[str, list[int]] | None:
        """(text, CRLF positions) of an ``internal://`` file; None with a warning otherwise."""
        scheme, _, rest = ref.partition("://")
        if scheme != "internal":
            self.warn(f"{what} refers to a file outside the archive ({ref}); tcoder reads only the archive's own "
                      "files, so it is left out")
            return None
        entry = self.archive.find(f"sources/{rest}") or self.archive.find(rest)
        if entry is None:
            self.warn(f"{what}: sources/{rest} is not in the archive; it is left out")
            return None
        return _decode_source(self.archive.read(entry))

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
                codings = sum(1 for e in el.iter() if local(e.tag) == "Coding")
                self.warn(f"{kind} {el.get('name')!r} left out: tcoder codes text only"
                          + (f" ({codings} coding(s) on it not imported)" if codings else ""))
                continue
            if kind != "TextSource":
                continue
            label = f"text source {el.get('name')!r}"
            if el.get("plainTextPath"):
                loaded = self._plain_text(el.get("plainTextPath") or "", label)
            elif child(el, "PlainTextContent") is not None:
                loaded = _split_crlf(child_text(el, "PlainTextContent"))
            else:
                self.warn(f"{label} has no plain text (only {el.get('richTextPath') or 'nothing'}); REFI-QDA "
                          "positions refer to the plain text, so it is left out")
                loaded = None
            if loaded is None:
                continue
            guid = _guid(el.get("guid"))
            if self.sidecar:
                name = self.sidecar["sources"][guid]
            else:
                name = _unique_name(safe_transcript_name(el.get("name") or "", guid), names, stems)
            names.add(name.lower())
            stems.add(name.rsplit(".", 1)[0].lower())
            sources[name] = _Source(el, guid, *loaded)
        return sources

    # -------------------------------------------------------- annotations

    def _annotations(self, sources: dict[str, "_Source"], plan: _Plan) -> None:
        kept = self.sidecar.get("annotations", {}) if self.sidecar else {}
        fallback_coder = None
        for name, source in sources.items():
            file_name = PurePosixPath(name).name
            per_coder: dict[str, list[Annotation]] = {}
            items = [(sel, int_or_none(sel.get("startPosition")), int_or_none(sel.get("endPosition")))
                     for sel in children(source.el, "PlainTextSelection")]
            items += [(source.el, 0, source.raw_length)]  # codings of the whole source
            for sel, start, end in items:
                codings = list(children(sel, "Coding"))
                if not codings:
                    continue
                where = f"{name}: selection {sel.get('guid')}" if sel is not source.el else f"{name} (whole source)"
                if start is None or end is None or not 0 <= start < end <= source.raw_length:
                    self.warn(f"{where} has positions [{sel.get('startPosition')}, {sel.get('endPosition')}) "
                              f"outside the text of {source.raw_length} characters; its {len(codings)} coding(s) "
                              "are left out")
                    continue
                s, e = source.canonical(start), source.canonical(end)
                memo_parts = [self.notes.get(_guid(r.get("targetGUID")), "")
                              for r in children(sel, "NoteRef")] if sel is not source.el else []
                description = child_text(sel, "Description") if sel is not source.el else ""
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
                    memo = "\n\n".join(p for p in (
                        *[self.notes.get(_guid(r.get("targetGUID")), "") for r in children(coding, "NoteRef")],
                        *memo_parts, description) if p)
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
                    per_coder.setdefault(coder, []).append(annotation)
                    plan.summary.annotations += 1
                    plan.summary.memos += bool(memo)
            for coder, annotations in per_coder.items():
                _unique_ids(annotations)
                plan.annotation_files[(name, coder)] = AnnotationFile(coder, file_name, text_sha256(source.text),
                                                                      annotations)
        if self.sidecar:
            self._restore_files(sources, plan)

    def _restore_files(self, sources: dict[str, "_Source"], plan: _Plan) -> None:
        """Empty annotation files, header fields and orphaned annotations, from tcoder.json."""
        for f in self.sidecar.get("files", []):
            key = (f.get("transcript"), f.get("coder"))
            if key[0] not in sources or not isinstance(key[1], str) or not CODER_NAME.match(key[1]):
                continue
            af = plan.annotation_files.get(key)
            if af is None:
                af = plan.annotation_files[key] = AnnotationFile(
                    key[1], PurePosixPath(key[0]).name, text_sha256(sources[key[0]].text))
            af.extra = dict(f.get("extra") or {})
        for item in self.sidecar.get("orphaned", []):
            key = (item.get("transcript"), item.get("coder"))
            af = plan.annotation_files.get(key)
            if af is not None:
                af.annotations.append(Annotation.from_dict(item["annotation"]))
                plan.summary.annotations += 1

    # -------------------------------------------------------- other files

    def _extra_files(self, plan: _Plan, sources: dict[str, "_Source"]) -> None:
        if self.sidecar:
            for key in ("settings", "attributes"):
                file = self.sidecar.get(key)
                if file:
                    plan.files[file["path"]] = _file_bytes(file)
            plan.summary.codes = len(self.code_ids)
            attributes = self.sidecar.get("attributes")
            plan.summary.attributes = len(_csv_header(_file_bytes(attributes))) - 1 if attributes else 0
            return
        plan.summary.codes = getattr(self, "summary_codes", 0)
        csv_text, count = self._attributes(sources)
        if csv_text:
            plan.files["attributes.csv"] = csv_text.encode("utf-8")
            plan.summary.attributes = count

    def _attributes(self, sources: dict[str, "_Source"]) -> tuple[str, int]:
        variables_el = child(self.root, "Variables")
        if variables_el is None:
            return "", 0
        variables = {_guid(v.get("guid")): (v.get("name") or "").strip() for v in children(variables_el, "Variable")}
        columns = [n for n in dict.fromkeys(variables.values()) if n and n.lower() != "transcript"]
        by_source = {s.guid: name for name, s in sources.items()}
        rows: dict[str, dict[str, str]] = {}

        def values_of(el: ET.Element) -> dict[str, str]:
            out = {}
            for vv in children(el, "VariableValue"):
                ref = child(vv, "VariableRef")
                column = variables.get(_guid(ref.get("targetGUID"))) if ref is not None else None
                value = next((c.text or "" for c in vv if local(c.tag).endswith("Value")), "")
                if column in columns:
                    out[column] = value.strip()
            return out

        for name, source in sources.items():
            rows.setdefault(name, {}).update(values_of(source.el))
        cases_el = child(self.root, "Cases")
        for case in children(cases_el, "Case") if cases_el is not None else ():
            values = values_of(case)
            targets = [by_source.get(_guid(r.get("targetGUID"))) for r in children(case, "SourceRef")]
            targets = [t for t in targets if t]
            if values and not targets:
                self.warn(f"case {case.get('name')!r} is linked to no text source; its variables are left out "
                          "(in tcoder a case is a transcript)")
            for t in targets:
                rows.setdefault(t, {}).update(values)
        if not columns:
            return "", 0
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["transcript", *columns])
        for name in sorted(rows):
            writer.writerow([name, *(rows[name].get(c, "") for c in columns)])
        return out.getvalue(), len(columns)


@dataclass
class _Source:
    el: ET.Element
    guid: str
    text: str  # canonical (LF newlines)
    crlf: list[int]  # positions of the CR of each CRLF in the text as the archive had it
    raw_length: int

    def canonical(self, position: int) -> int:
        """A REFI position (over the text with its CRLFs) as an offset in the canonical text."""
        return position - bisect.bisect_left(self.crlf, position) if self.crlf else position


def _split_crlf(raw: str) -> tuple[str, list[int], int]:
    crlf = [m.start() for m in re.finditer("\r\n", raw)] if "\r" in raw else []
    return raw.replace("\r\n", "\n").replace("\r", "\n"), crlf, len(raw)


def _decode_source(data: bytes) -> tuple[str, list[int], int]:
    """REFI-QDA plain text is UTF-8 (a BOM is not a character); other encodings are decoded as tcoder
    decodes transcripts."""
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        decoded = decode_bytes(data)
        return decoded.text, [], len(decoded.text)
    return _split_crlf(raw)


def _file_bytes(file: dict) -> bytes:
    if "base64" in file:
        return base64.b64decode(file["base64"])
    return str(file.get("text", "")).encode("utf-8")


def _csv_header(data: bytes) -> list[str]:
    first = data.decode("utf-8", "replace").splitlines()[:1]
    return next(csv.reader(first), []) if first else []


def int_or_none(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


def coder_name(name: str) -> str:
    """A user name from another program as a tcoder coder name (FORMAT section 1)."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.strip().lower()).strip("-_")
    return slug if slug and CODER_NAME.match(slug) else ""


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

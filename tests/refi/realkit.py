"""What a REFI-QDA file says its passages are, read without tcoder's importer, to count
how many imported passages are in place.

A passage is in place when the text at its imported offsets equals the text the file
stores for it (the selection's ``name``; qc's ``line:N`` names line N), compared with
runs of white space as one space (XML attributes turn line breaks into spaces). For
files that store no text (NVivo), the oracle is the source's text sliced as UTF-16 code
units, which is how NVivo counts (Windows .NET strings); that the slices start and end
between words is checked separately.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

from tcoder.codebook import load_codebook
from tcoder.study import open_study


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _code_names(root: ET.Element) -> dict[str, str]:
    return {(el.get("guid") or "").lower().strip("{}"): el.get("name") or "" for el in root.iter()
            if _local(el.tag) == "Code"}


def _source_text(archive: zipfile.ZipFile, el: ET.Element) -> str:
    path = el.get("plainTextPath") or ""
    rest = path.split("://", 1)[-1]
    names = {n.lower(): n for n in archive.namelist()}
    entry = names.get(f"sources/{rest}".lower()) or names.get(rest.lower())
    return archive.read(entry).decode("utf-8") if entry else ""


def stored_passages(qdpx: Path) -> Counter:
    """(code name, stored text) for every coding on a selection that stores its text."""
    with zipfile.ZipFile(qdpx) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        codes = _code_names(root)
        out: Counter = Counter()
        for source in (el for el in root.iter() if _local(el.tag) == "TextSource"):
            lines = None
            for sel in (c for c in source if _local(c.tag) == "PlainTextSelection"):
                name = sel.get("name") or ""
                m = re.fullmatch(r"line:(\d+)", name)
                if m:  # qc: the whole line, counted from 0
                    if lines is None:
                        lines = _source_text(archive, source).replace("\r\n", "\n").splitlines(keepends=True)
                    name = lines[int(m.group(1))]
                if not name.strip():
                    continue
                for coding in (c for c in sel if _local(c.tag) == "Coding"):
                    ref = next(c for c in coding if _local(c.tag) == "CodeRef")
                    out[(codes[ref.get("targetGUID").lower()], _norm(name))] += 1
    return out


def utf16_passages(qdpx: Path) -> Counter:
    """(code name, text) for every coding, the positions read as NVivo counts: UTF-16 code
    units over the text file without its BOM, a CRLF as two."""
    with zipfile.ZipFile(qdpx) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        codes = _code_names(root)
        out: Counter = Counter()
        for source in (el for el in root.iter() if _local(el.tag) == "TextSource"):
            units = _source_text(archive, source).lstrip("\ufeff").encode("utf-16-le")
            for sel in (c for c in source if _local(c.tag) == "PlainTextSelection"):
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                text = units[2 * start:2 * end].decode("utf-16-le")
                for coding in (c for c in sel if _local(c.tag) == "Coding"):
                    ref = next(c for c in coding if _local(c.tag) == "CodeRef")
                    out[(codes[ref.get("targetGUID").lower()], _norm(text))] += 1
    return out


def imported_passages(study_root: Path) -> Counter:
    """(code name, text at the offsets) for every annotation of an imported study."""
    study = open_study(study_root)
    names = {c.id: c.name for c in load_codebook(study.codebook_path)}
    out: Counter = Counter()
    for ref in study.transcripts:
        text = study.transcript(ref).text
        for coder in study.coders_of(ref):
            for a in study.load_annotations(ref, coder).file.annotations:
                out[(names.get(a.code, a.code), _norm(text[a.start:a.end]))] += 1
    return out


def in_place(expected: Counter, imported: Counter) -> int:
    """How many of the expected passages the imported study has, code and text both."""
    return sum((expected & imported).values())

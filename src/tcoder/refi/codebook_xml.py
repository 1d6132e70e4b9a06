"""The codebook in REFI-QDA: ``<Code>`` trees for .qdc files and .qdpx projects, and back.

REFI-QDA gives a code a name, a colour, a GUID and one free-text ``<Description>``.
tcoder's definition, inclusion and exclusion criteria and examples go into that
description as labelled paragraphs, which :func:`parse_description` reads back::

    Why the learner became involved.

    Include: Reasons, triggers, personal history.

    Exclude: Descriptions of activities (use `strategy`).

    Examples:
    - I saw how my grandmother was treated...
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Callable, Iterable

from tcoder.codebook import CODE_ID, Code, Codebook, normalise_colour
from tcoder.refi.guids import Guids

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"

_INCLUDE, _EXCLUDE, _EXAMPLES = "Include:", "Exclude:", "Examples:"


def code_description(code: Code) -> str:
    parts = []
    if code.description:
        parts.append(code.description)
    if code.include:
        parts.append(f"{_INCLUDE} {code.include}")
    if code.exclude:
        parts.append(f"{_EXCLUDE} {code.exclude}")
    if code.examples:
        parts.append(_EXAMPLES + "".join(f"\n- {' '.join(e.split())}" for e in code.examples))
    return "\n\n".join(parts)


def parse_description(text: str) -> dict[str, object]:
    """Split a description written by :func:`code_description` into its fields.
    Text from other programs, without the labels, is all ``description``."""
    fields: dict[str, object] = {"description": "", "include": "", "exclude": "", "examples": ()}
    rest: list[str] = []
    for paragraph in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip()):
        if paragraph.startswith(_INCLUDE) and not fields["include"]:
            fields["include"] = paragraph[len(_INCLUDE):].strip()
        elif paragraph.startswith(_EXCLUDE) and not fields["exclude"]:
            fields["exclude"] = paragraph[len(_EXCLUDE):].strip()
        elif paragraph.startswith(_EXAMPLES) and not fields["examples"]:
            items = re.findall(r"^- (.*)$", paragraph[len(_EXAMPLES):], re.MULTILINE)
            fields["examples"] = tuple(i.strip() for i in items if i.strip())
        else:
            rest.append(paragraph)
    fields["description"] = "\n\n".join(p for p in rest if p.strip())
    return fields


def code_elements(codebook: Codebook, guids: Guids, make: Callable[..., ET.Element],
                  with_note_refs: bool = False) -> list[ET.Element]:
    """The ``<Code>`` trees of the codebook's roots, in codebook order."""

    def element(code: Code) -> ET.Element:
        attrs = {"guid": guids.code(code.id), "name": code.name, "isCodable": "true", "color": code.color}
        el = make("Code", attrs)
        description = code_description(code)
        if description:
            make("Description", parent=el).text = description
        for child in code.children:
            el.append(element(codebook[child]))
        return el

    return [element(codebook[root]) for root in codebook.roots]


def element_factory(namespace: str | None = None) -> Callable[..., ET.Element]:
    """``make(tag, attrs, parent=None)``: elements without a namespace prefix; the
    root carries ``xmlns`` so the document is in the REFI namespace."""

    def make(tag: str, attrs: dict[str, str] | None = None, parent: ET.Element | None = None) -> ET.Element:
        clean = {k: v for k, v in (attrs or {}).items() if v is not None and v != ""}
        if parent is None:
            return ET.Element(tag, clean)
        return ET.SubElement(parent, tag, clean)

    return make


def codebook_document(codebook: Codebook, guids: Guids, origin: str) -> bytes:
    """A .qdc file (Codebook.xsd)."""
    make = element_factory()
    root = make("CodeBook", {"xmlns": CODEBOOK_NS, "origin": origin})
    codes = make("Codes", parent=root)
    for el in code_elements(codebook, guids, make):
        codes.append(el)
    return serialise(root)


def serialise(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8",
                                                                      xml_declaration=False) + b"\n"


# ---------------------------------------------------------------- reading


def local(tag: str) -> str:
    """A tag without its namespace: files from other programs differ in how they declare it."""
    return tag.rsplit("}", 1)[-1]


def children(el: ET.Element, name: str) -> Iterable[ET.Element]:
    return (c for c in el if local(c.tag) == name)


def child(el: ET.Element, name: str) -> ET.Element | None:
    return next(iter(children(el, name)), None)


def child_text(el: ET.Element, name: str) -> str:
    c = child(el, name)
    return (c.text or "") if c is not None else ""


def slug_id(name: str) -> str:
    """A code id made from a name from another program: the name itself when it is a
    valid id, else lower-case words joined with '-'."""
    name = name.strip()
    if CODE_ID.match(name):
        return name
    slug = re.sub(r"[^A-Za-z0-9_.:-]+", "-", name).strip("-_.:").lower()
    return slug if slug and CODE_ID.match(slug) else "code"


def codebook_from_codes(codes_el: ET.Element | None, title: str = "") -> tuple[Codebook, dict[str, str]]:
    """Build a codebook from a ``<Codes>`` element; returns it and a map GUID -> code id.
    Ids come from names (made unique); colours and descriptions are kept."""
    codes: dict[str, Code] = {}
    by_guid: dict[str, str] = {}

    def unique(base: str) -> str:
        candidate, n = base, 2
        while candidate in codes:
            candidate = f"{base}-{n}"
            n += 1
        return candidate

    def visit(el: ET.Element, parent: Code | None, depth: int) -> None:
        name = (el.get("name") or "").strip() or "unnamed code"
        code_id = unique(slug_id(name))
        fields = parse_description(child_text(el, "Description"))
        colour = normalise_colour(el.get("color") or "") if el.get("color") else None
        code = Code(id=code_id, name=name, description=str(fields["description"]), include=str(fields["include"]),
                    exclude=str(fields["exclude"]), examples=tuple(fields["examples"]),  # type: ignore[arg-type]
                    color=colour or "", color_given=colour is not None,
                    parent=parent.id if parent else None, depth=depth)
        codes[code_id] = code
        guid = (el.get("guid") or "").strip("{}").lower()
        if guid:
            by_guid[guid] = code_id
        if parent:
            parent.children.append(code_id)
        for sub in children(el, "Code"):
            visit(sub, code, depth + 1)

    if codes_el is not None:
        for el in children(codes_el, "Code"):
            visit(el, None, 0)
    return Codebook(codes, title), by_guid

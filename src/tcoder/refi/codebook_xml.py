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


#: Characters XML 1.0 cannot carry at all, escaped or not: C0 controls other than tab, LF
#: and CR, lone surrogates (from a JSON ``\ud800`` escape or an undecodable file name),
#: U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class XmlText:
    """The one door through which users' text enters an exported XML document.

    Every attribute value and text node passes through :meth:`clean`, which replaces
    the characters XML 1.0 forbids with U+FFFD (REPLACEMENT CHARACTER) and remembers
    what held them (``subject``: "code motivation", ``part``: "name"), so the export
    can warn once, naming each. Without it a vertical tab pasted from Word or an
    escape sequence in a code name makes the whole file unreadable to every program.
    """

    def __init__(self) -> None:
        self.replaced: dict[str, list[str]] = {}  # subject -> parts, in the order met

    def clean(self, value: str, subject: str, part: str = "") -> str:
        if not NOT_XML.search(value):
            return value
        parts = self.replaced.setdefault(subject, [])
        if part and part not in parts:
            parts.append(part)
        return NOT_XML.sub("\ufffd", value)

    def attr(self, value: str, subject: str, part: str = "") -> str:
        """A quoted attribute value, cleaned and escaped (line breaks and tabs as character references)."""
        # xml.sax.saxutils.escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}),
        # written out: an export escapes a million quotes
        value = self.clean(value, subject, part).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
        return '"' + value.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace(
            "\t", "&#9;") + '"'

    def text(self, value: str, subject: str, part: str = "") -> str:
        """Element content, cleaned and escaped (a CR as a character reference, so parsers keep it)."""
        return self.clean(value, subject, part).replace("&", "&amp;").replace(">", "&gt;").replace(
            "<", "&lt;").replace("\r", "&#13;")

    def summary(self, limit: int = 20) -> str:
        """'code motivation (name, description); memo of ...' for the warning; empty if nothing was replaced."""
        items = [f"{s} ({', '.join(p)})" if p else s for s, p in self.replaced.items()]
        more = f"; and {len(items) - limit} more" if len(items) > limit else ""
        return "; ".join(items[:limit]) + more




def code_elements(codebook: Codebook, guids: Guids, make: Callable[..., ET.Element],
                  with_note_refs: bool = False) -> list[ET.Element]:
    """The ``<Code>`` trees of the codebook's roots, in codebook order."""

    def element(code: Code) -> ET.Element:
        attrs = {"guid": guids.code(code.id), "name": code.name, "isCodable": "true", "color": code.color}
        subject = f"code {code.id}"
        el = make("Code", attrs, subject=subject)
        description = code_description(code)
        if description:
            make("Description", parent=el, text=description, subject=subject, part="description")
        for child in code.children:
            el.append(element(codebook[child]))
        return el

    return [element(codebook[root]) for root in codebook.roots]


def element_factory(xml: XmlText) -> Callable[..., ET.Element]:
    """``make(tag, attrs=None, parent=None, text=None, subject=..., part=...)``: elements
    without a namespace prefix (the root carries ``xmlns``), every attribute value and
    the text cleaned by ``xml``. ``subject`` names what the values belong to in the
    warning about replaced characters; an attribute is named by its own name, the text
    by ``part``."""

    def make(tag: str, attrs: dict[str, str] | None = None, parent: ET.Element | None = None,
             text: str | None = None, subject: str = "", part: str = "") -> ET.Element:
        subject = subject or f"<{tag}>"
        clean = {k: xml.clean(v, subject, k) for k, v in (attrs or {}).items() if v is not None and v != ""}
        el = ET.Element(tag, clean) if parent is None else ET.SubElement(parent, tag, clean)
        if text is not None:
            el.text = xml.clean(text, subject, part or "text")
        return el

    return make


def codebook_document(codebook: Codebook, guids: Guids, origin: str, xml: XmlText | None = None,
                      code_sets: Iterable[tuple[str, str, list[str]]] = ()) -> bytes:
    """A .qdc file (Codebook.xsd), with sets of codes (name, description, code ids: the themes)
    as ``<Sets>``. ``xml`` collects what had to be replaced."""
    make = element_factory(xml or XmlText())
    root = make("CodeBook", {"xmlns": CODEBOOK_NS, "origin": origin}, subject="origin")
    codes = make("Codes", parent=root)
    for el in code_elements(codebook, guids, make):
        codes.append(el)
    sets = list(code_sets)
    if sets:
        sets_el = make("Sets", parent=root)
        for name, description, members in sets:
            el = make("Set", {"guid": guids.of("code-set", name), "name": name}, sets_el, subject=f"theme {name}")
            if description:
                make("Description", parent=el, text=description, subject=f"theme {name}", part="description")
            for code in members:
                if code in codebook:
                    make("MemberCode", {"guid": guids.code(code)}, el)
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
    """A code id made from a code's name, always the same way: accents dropped, lower
    case, each run of other characters than a-z, 0-9 and '_' made one '-'
    (``Cost of care`` -> ``cost-of-care``, ``Strategies`` -> ``strategies``,
    ``Ärger/Wut`` -> ``arger-wut``); ``code`` when nothing is left (a name in
    another script). :func:`codebook_from_codes` makes the ids unique."""
    slug = slugify(name)
    return slug if CODE_ID.match(slug) else "code"


def slugify(name: str) -> str:
    """Accents dropped, lower case, runs of characters other than a-z, 0-9 and '_' as one
    '-', no '-' or '_' at either end; may be empty."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9_]+", "-", plain.lower()).strip("-_")


def codebook_from_codes(codes_el: ET.Element | None, title: str = "") -> tuple[Codebook, dict[str, str]]:
    """Build a codebook from a ``<Codes>`` element; returns it and a map GUID -> code id.
    Ids are the names' slugs (:func:`slug_id`), made unique in document order by
    adding ``-2``, ``-3``...; names, colours and descriptions are kept."""
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

"""Themes in REFI-QDA: a ``<Set>`` per theme, or a code per theme for programs without sets.

A theme goes out as a ``<Set>`` named after it, whose members are the codes that
inform it (``<MemberCode>``) and the memos about it (``<MemberNote>``). REFI-QDA has
no place for a theme's status, id, parent theme, concept or definition, so they go
in the set's ``<Description>``, in words a person reads in any program and tcoder
reads back::

    Theme (status: reviewed; id: waiting-as-refusal; sub-theme of: costs)
    Central organising concept: Delay is how the institution refuses without refusing.

    Participants describe delay...

For a program that imports no sets (QualCoder), the themes go out as codes instead:
one code "Themes (tcoder)" that cannot be applied, with a code per theme under it
(the same description, the linked codes named in it). ``tcoder import-qdpx`` turns
either form back into ``themes.yaml``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable

from tcoder.codebook import Codebook
from tcoder.themes import STATUSES, Theme, ThemeFile

#: The name of the code that holds the themes when they go out as codes.
THEMES_CODE = "Themes (tcoder)"
_HEAD = re.compile(r"^Theme \(status: (?P<status>[a-z]+); id: (?P<id>[^;)]+?)(?:; sub-theme of: (?P<parent>[^;)]+?))?\)$")
_CONCEPT = "Central organising concept: "
_CODES = "Codes: "


def theme_description(theme: Theme, themes: ThemeFile, codebook: Codebook | None = None,
                      with_codes: bool = False) -> str:
    parent = themes.parent_of(theme.id)
    head = f"Theme (status: {theme.status}; id: {theme.id}" + (f"; sub-theme of: {parent}" if parent else "") + ")"
    lines = [head]
    if theme.concept:
        lines.append(_CONCEPT + " ".join(theme.concept.split()))
    if with_codes and theme.codes:
        names = [codebook[c].name if codebook is not None and c in codebook else c for c in theme.codes]
        lines.append(_CODES + "; ".join(names))
    text = "\n".join(lines)
    if theme.definition:
        text += "\n\n" + theme.definition.rstrip("\n")
    return text


@dataclass
class ReadTheme:
    """A theme read back from a set's or code's description."""

    id: str
    name: str
    status: str
    parent: str | None
    concept: str = ""
    definition: str = ""
    codes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # GUIDs of the notes about it


def read_description(name: str, text: str) -> ReadTheme | None:
    """The theme a description describes, or None when it is not one tcoder wrote."""
    lines = text.replace("\r\n", "\n").split("\n")
    head = _HEAD.match(lines[0].strip()) if lines else None
    if head is None or head.group("status") not in STATUSES:
        return None
    theme = ReadTheme(head.group("id").strip(), name, head.group("status"),
                      (head.group("parent") or "").strip() or None)
    rest = lines[1:]
    i = 0
    while i < len(rest) and rest[i].strip():
        if rest[i].startswith(_CONCEPT):
            theme.concept = rest[i][len(_CONCEPT):].strip()
        elif not rest[i].startswith(_CODES):
            break
        i += 1
    definition = "\n".join(rest[i:]).strip("\n")
    theme.definition = definition + "\n" if "\n" in definition else definition
    return theme


Make = Callable[..., ET.Element]


def theme_sets(themes: ThemeFile, codebook: Codebook, code_guid: dict[str, str], note_guids: dict[str, list[str]],
               guid_of: Callable[[str], str], make: Make) -> list[ET.Element]:
    """A ``<Set>`` per theme: its codes and the notes of its memos (``note_guids``: theme id -> GUIDs)."""
    out = []
    for theme, _ in themes.walk():
        el = make("Set", {"guid": guid_of(theme.id), "name": theme.label}, subject=f"theme {theme.id}")
        make("Description", parent=el, text=theme_description(theme, themes), subject=f"theme {theme.id}",
             part="description")
        for code in theme.codes:
            if code in code_guid:
                make("MemberCode", {"targetGUID": code_guid[code]}, el)
        for note in note_guids.get(theme.id, []):
            make("MemberNote", {"targetGUID": note}, el)
        out.append(el)
    return out


def theme_codes(themes: ThemeFile, codebook: Codebook, guid_of: Callable[[str], str], make: Make) -> ET.Element:
    """The themes as codes that cannot be applied, under one code named :data:`THEMES_CODE`."""
    top = make("Code", {"guid": guid_of("\x00themes"), "name": THEMES_CODE, "isCodable": "false"},
               subject="the themes")
    make("Description", parent=top, text="The study's themes, exported by tcoder as codes for a program without "
                                         "sets; each one names the codes that inform it.", subject="the themes")
    for theme, _ in themes.walk():
        el = make("Code", {"guid": guid_of(theme.id), "name": theme.label, "isCodable": "false"}, top,
                  subject=f"theme {theme.id}")
        make("Description", parent=el, text=theme_description(theme, themes, codebook, with_codes=True),
             subject=f"theme {theme.id}", part="description")
    return top


def theme_file(read: list[ReadTheme]) -> ThemeFile:
    """A themes file from the themes read back, with sub-themes placed under their parents."""
    out = ThemeFile()
    for r in read:
        theme_id, n = r.id, 2
        while theme_id in out.themes:
            theme_id, n = f"{r.id}-{n}", n + 1
        out.themes[theme_id] = Theme(theme_id, r.name, r.status, r.concept, r.definition, list(r.codes))
    for r in read:
        if r.parent and r.parent in out.themes and r.id in out.themes and r.parent != r.id:
            out.themes[r.parent].subthemes.append(r.id)
    return out

"""Changes to the themes: each one a new themes file and one line of history.

Every change (a new theme, a rename, a status, a definition, codes linked or
unlinked, a move under another theme, a deletion) is made on a copy of the
:class:`~tcoder.themes.ThemeFile` and described by a history entry: when, who,
what changed (old and new values) and why. :func:`tcoder.themelog.record`
writes both files as one step.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, Iterable

from tcoder.annotations import now_iso
from tcoder.errors import Problem, TcoderError
from tcoder.themes import STATUSES, THEME_ID, Theme, ThemeFile, find_cycles
from tcoder.yamlsource import suggest

OPS = ("new", "rename", "status", "concept", "define", "link", "unlink", "move", "delete")


class ThemeChangeError(TcoderError):
    """A change that cannot be made (an unknown theme, a cycle...); nothing was written."""


@dataclass
class Change:
    """A theme change: the themes after it, and its history entry."""

    themes: ThemeFile
    op: str
    theme: str
    data: dict[str, Any] = field(default_factory=dict)
    who: str = ""
    why: str = ""
    when: str = field(default_factory=now_iso)
    id: str = field(default_factory=lambda: secrets.token_hex(4))

    def entry(self) -> dict[str, Any]:
        """The history line's fields, in the order they are written."""
        out: dict[str, Any] = {"when": self.when, "who": self.who, "op": self.op, "theme": self.theme}
        out.update(self.data)
        if self.why:
            out["why"] = self.why
        out["id"] = self.id
        return out

    @property
    def label(self) -> str:
        return describe(self.entry())


def _fail(message: str, themes: ThemeFile) -> ThemeChangeError:
    return ThemeChangeError(Problem(message, themes.path))


def _theme(themes: ThemeFile, wanted: str) -> Theme:
    try:
        return themes.find(wanted)
    except TcoderError as exc:
        raise ThemeChangeError(exc.problems) from None


def slug_id(name: str, themes: ThemeFile) -> str:
    from tcoder.memos import slug

    base = slug(name, 40) or "theme"
    candidate, n = base, 2
    while candidate in themes.themes:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def new_theme(themes: ThemeFile, name: str, *, theme_id: str | None = None, concept: str = "",
              definition: str = "", status: str = "candidate", parent: str | None = None,
              codes: Iterable[str] = (), who: str = "", why: str = "") -> Change:
    after = themes.copy()
    theme_id = theme_id or slug_id(name, themes)
    if not THEME_ID.match(theme_id):
        raise _fail(f"theme id {theme_id!r} is not valid: use letters, digits, '-', '_', '.' or ':', starting with a "
                    "letter or digit", themes)
    if theme_id in themes.themes:
        raise _fail(f"there is already a theme {theme_id!r} ({themes[theme_id].label})", themes)
    _check_status(status, themes)
    theme = Theme(theme_id, name.strip(), status, concept.strip(), definition, list(dict.fromkeys(codes)))
    after.themes[theme_id] = theme
    data: dict[str, Any] = {"name": theme.name}
    if parent:
        owner = _theme(after, parent)
        owner.subthemes.append(theme_id)
        data["parent"] = owner.id
    if status != "candidate":
        data["status"] = status
    if theme.codes:
        data["codes"] = list(theme.codes)
    return Change(after, "new", theme_id, data, who, why)


def rename(themes: ThemeFile, wanted: str, name: str, *, who: str = "", why: str = "") -> Change:
    after = themes.copy()
    theme = _theme(after, wanted)
    if theme.name == name.strip():
        raise _fail(f"theme {theme.id!r} is already named {name!r}", themes)
    old, theme.name = theme.name, name.strip()
    return Change(after, "rename", theme.id, {"from": old, "to": theme.name}, who, why)


def _check_status(status: str, themes: ThemeFile) -> None:
    if status not in STATUSES:
        raise _fail(f"status {status!r} is not one of {', '.join(STATUSES)}{suggest(status, STATUSES)}", themes)


def set_status(themes: ThemeFile, wanted: str, status: str, *, who: str = "", why: str = "") -> Change:
    _check_status(status, themes)
    after = themes.copy()
    theme = _theme(after, wanted)
    if theme.status == status:
        raise _fail(f"theme {theme.id!r} is already {status}", themes)
    old, theme.status = theme.status, status
    return Change(after, "status", theme.id, {"from": old, "to": status}, who, why)


def set_text(themes: ThemeFile, wanted: str, what: str, text: str, *, who: str = "", why: str = "") -> Change:
    """Change the definition (``what='definition'``) or the central organising concept."""
    field_name = {"define": "definition", "definition": "definition", "concept": "concept"}[what]
    after = themes.copy()
    theme = _theme(after, wanted)
    text = text.strip("\n") + ("\n" if "\n" in text.strip("\n") else "")
    old = getattr(theme, field_name)
    if old == text:
        raise _fail(f"the {field_name} of theme {theme.id!r} is already this text", themes)
    setattr(theme, field_name, text)
    op = "define" if field_name == "definition" else "concept"
    return Change(after, op, theme.id, {"from": old, "to": text}, who, why)


def link_codes(themes: ThemeFile, wanted: str, codes: Iterable[str], known_codes: Iterable[str] | None = None, *,
               who: str = "", why: str = "") -> Change:
    after = themes.copy()
    theme = _theme(after, wanted)
    known = set(known_codes) if known_codes is not None else None
    added = []
    for code in codes:
        if known is not None and code not in known:
            raise _fail(f"no code {code!r} in the codebook{suggest(code, sorted(known))}", themes)
        if code not in theme.codes:
            theme.codes.append(code)
            added.append(code)
    if not added:
        raise _fail(f"theme {theme.id!r} already links {', '.join(codes)}", themes)
    return Change(after, "link", theme.id, {"codes": added}, who, why)


def unlink_codes(themes: ThemeFile, wanted: str, codes: Iterable[str], *, who: str = "", why: str = "") -> Change:
    after = themes.copy()
    theme = _theme(after, wanted)
    removed = [c for c in codes if c in theme.codes]
    if not removed:
        raise _fail(f"theme {theme.id!r} links none of {', '.join(codes)} (it links "
                    f"{', '.join(theme.codes) or 'no codes'})", themes)
    theme.codes = [c for c in theme.codes if c not in removed]
    return Change(after, "unlink", theme.id, {"codes": removed}, who, why)


def move(themes: ThemeFile, wanted: str, parent: str | None, *, who: str = "", why: str = "") -> Change:
    """Make a theme a sub-theme of ``parent``, or a top-level theme (``None``)."""
    after = themes.copy()
    theme = _theme(after, wanted)
    old = after.parent_of(theme.id)
    new_parent = _theme(after, parent).id if parent else None
    if old == new_parent:
        raise _fail(f"theme {theme.id!r} is already " + (f"under {new_parent!r}" if new_parent else "top-level"),
                    themes)
    if new_parent == theme.id or (new_parent and new_parent in after.descendants(theme.id)):
        raise _fail(f"{new_parent!r} is inside {theme.id!r}; a theme cannot be moved inside itself", themes)
    if old:
        after[old].subthemes.remove(theme.id)
    if new_parent:
        after[new_parent].subthemes.append(theme.id)
    if find_cycles(after):
        raise _fail("that move would make the sub-themes a cycle", themes)
    return Change(after, "move", theme.id, {"from": old, "to": new_parent}, who, why)


def delete(themes: ThemeFile, wanted: str, *, who: str = "", why: str = "") -> Change:
    """Remove a theme; its sub-themes move up to its parent (or become top-level).
    The entry keeps everything the theme had, so the history says what was lost."""
    after = themes.copy()
    theme = _theme(after, wanted)
    parent = after.parent_of(theme.id)
    del after.themes[theme.id]
    for other in after:
        if theme.id in other.subthemes:
            at = other.subthemes.index(theme.id)
            other.subthemes[at:at + 1] = [s for s in theme.subthemes if s not in other.subthemes]
    data: dict[str, Any] = {"name": theme.name, "status": theme.status}
    if theme.concept:
        data["concept"] = theme.concept
    if theme.definition:
        data["definition"] = theme.definition
    if theme.codes:
        data["codes"] = list(theme.codes)
    if theme.subthemes:
        data["subthemes"] = list(theme.subthemes)
        data["to"] = parent
    return Change(after, "delete", theme.id, data, who, why)


def describe(entry: dict[str, Any]) -> str:
    """One history entry in words: ``status of waiting: candidate -> reviewed``."""
    op, theme = entry.get("op"), entry.get("theme")
    if op == "new":
        where = f" under {entry['parent']}" if entry.get("parent") else ""
        return f"new theme {theme} ({entry.get('name', '')}){where}"
    if op == "rename":
        return f"renamed {theme}: {entry.get('from')!r} -> {entry.get('to')!r}"
    if op == "status":
        return f"status of {theme}: {entry.get('from')} -> {entry.get('to')}"
    if op in ("define", "concept"):
        what = "definition" if op == "define" else "central concept"
        return f"{what} of {theme} " + ("written" if not entry.get("from") else "changed")
    if op in ("link", "unlink"):
        codes = ", ".join(str(c) for c in entry.get("codes") or [])
        return f"{'linked' if op == 'link' else 'unlinked'} {codes} {'to' if op == 'link' else 'from'} {theme}"
    if op == "move":
        return f"moved {theme} " + (f"under {entry['to']}" if entry.get("to") else "to the top level")
    if op == "delete":
        return f"deleted theme {theme} ({entry.get('name', '')})"
    return f"{op} {theme}"

"""The codebook's history: every change to the code tree, one line each, beside the codebook.

``codebook.yaml`` has ``codebook.history.yaml`` beside it (the codebook's name
with ``.history.yaml``): a YAML list with one flow mapping per line, oldest
first, appended by every ``tcoder codebook`` operation and kept in git with the
codebook::

    - {when: 2026-03-04T09:00:00Z, who: bob, op: merge, codes: [disillusionment], into: emotional-toll, id: ...}

One line per change keeps ``git diff`` readable and lets branches that both
changed the codebook merge by keeping both sides' lines (``merge=union``).

The history is also the map from old code ids to current ones. Annotations that
still carry an id an operation retired (a coder's file that was open in a live
session during the operation, a branch coded before a rename or merge, a REFI
import) are read under the current code (:func:`migrate_file`), and written with
it when next saved. Ids are never reused, so an id the history retired always
means the old code.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

from tcoder.annotations import NONE_FIELD, Annotation, AnnotationFile
from tcoder.errors import CodebookError, Problem

OPS = ("new", "edit", "rename", "merge", "split", "move", "delete")
#: Operations after which a code id no longer exists.
RETIRING = ("rename", "merge", "split", "delete")
HEADER = ("# The history of this codebook, written by tcoder: one change per line, oldest first.\n"
          "# Keep it in git beside the codebook; see docs/formats.md#the-codebook-history.\n")


def history_path(codebook_path: str | os.PathLike[str]) -> Path:
    """``codebook.yaml`` -> ``codebook.history.yaml`` (beside it)."""
    path = Path(codebook_path)
    return path.with_name(f"{path.stem}.history.yaml")


@dataclass(frozen=True)
class Entry:
    """One change to the codebook. ``data`` holds the operation's own fields
    (see docs/formats.md); the properties read them."""

    op: str
    when: str
    who: str
    id: str
    why: str
    data: dict[str, Any]
    line: int | None = None

    @property
    def code(self) -> str | None:
        value = self.data.get("code")
        return str(value) if value is not None else None

    @property
    def sources(self) -> list[str]:
        """The codes an operation acted on: merge's ``codes``, the others' ``code``."""
        if self.op == "merge":
            return [str(c) for c in self.data.get("codes") or []]
        return [self.code] if self.code else []

    @property
    def targets(self) -> list[str]:
        """Where the acted-on codes went: rename's ``to``, merge's ``into``, split's ``into``."""
        if self.op == "rename":
            return [str(self.data["to"])] if self.data.get("to") is not None else []
        if self.op == "merge":
            return [str(self.data["into"])] if self.data.get("into") is not None else []
        if self.op == "split":
            return [str(c) for c in self.data.get("into") or []]
        return []

    @property
    def retires(self) -> list[str]:
        """The ids that no longer exist after this change."""
        if self.op not in RETIRING:
            return []
        kept = set(self.targets)
        return [c for c in self.sources if c not in kept]

    def name_of(self, code_id: str) -> str | None:
        names = self.data.get("names")
        if isinstance(names, dict) and isinstance(names.get(code_id), str):
            return names[code_id]
        return None

    def assigned(self, annotation_id: str) -> list[str]:
        """Split: the targets a pending annotation was given (``both`` = every target)."""
        table = self.data.get("assigned")
        if not isinstance(table, dict):
            return []
        out = []
        for target, ids in table.items():
            if isinstance(ids, list) and annotation_id in ids:
                out.extend(self.targets if target == "both" else [str(target)])
        return list(dict.fromkeys(out))

    @property
    def removed(self) -> set[str]:
        """Delete: the pending annotations the user chose to delete with the code."""
        ids = self.data.get("removed")
        return {str(i) for i in ids} if isinstance(ids, list) else set()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"when": self.when, "who": self.who, "op": self.op}
        out.update(self.data)
        if self.why:
            out["why"] = self.why
        out["id"] = self.id
        return out


MappingKind = Literal["mapped", "removed", "undecided"]


@dataclass(frozen=True)
class Mapping:
    """Where an annotation carrying a retired id belongs now."""

    kind: MappingKind
    codes: tuple[str, ...]  # mapped: the current code(s) (two when a split gave it to both)
    chain: tuple[Entry, ...]  # the changes followed, oldest first
    #: the annotation id each code goes with: the annotation's own for the first, a
    #: :func:`derived_id` for the copies a split made
    ids: tuple[str, ...] = ()

    def explain(self, old: str) -> str:
        """'disillusionment was merged into emotional-toll on 2026-03-04 (bob)'."""
        parts = []
        code = old
        for entry in self.chain:
            date = entry.when[:10]
            if entry.op == "rename":
                parts.append(f"{code!r} was renamed {entry.targets[0]!r} on {date}")
            elif entry.op == "merge":
                parts.append(f"{code!r} was merged into {entry.targets[0]!r} on {date}")
            elif entry.op == "split":
                parts.append(f"{code!r} was split into {', '.join(map(repr, entry.targets))} on {date}")
            elif entry.op == "delete":
                parts.append(f"{code!r} was deleted on {date}")
            code = entry.targets[0] if entry.targets else code
        return "; ".join(parts)


@dataclass
class History:
    """A codebook's history, in time order, with the map from retired ids."""

    entries: list[Entry] = field(default_factory=list)
    path: Path | None = None
    problems: list[Problem] = field(default_factory=list)  # warnings found while reading

    def __post_init__(self) -> None:
        self.entries.sort(key=lambda e: (e.when, e.id))
        #: id -> the change(s) that retired it (two when two branches retired it differently)
        self.retired: dict[str, list[Entry]] = {}
        for entry in self.entries:
            # an id that becomes a code again (renamed back) is current again
            for code in entry.targets + ([entry.code] if entry.op == "new" and entry.code else []):
                self.retired.pop(code, None)
            for code in entry.retires:
                self.retired.setdefault(code, []).append(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def ids(self) -> set[str]:
        """Every code id the history mentions (created, renamed, merged...)."""
        out: set[str] = set()
        for entry in self.entries:
            out.update(entry.sources)
            out.update(entry.targets)
        return out

    def resolve(self, code: str, annotation_id: str = "", known: Iterable[str] | None = None) -> Mapping | None:
        """Where an annotation with ``code`` belongs now; None when the history never
        retired ``code``. ``known`` (the current codebook's ids) chooses between two
        branches that retired the same id differently."""
        if code not in self.retired:
            return None
        known_set = set(known) if known is not None else None
        return self._resolve(code, annotation_id, known_set, frozenset())

    def _resolve(self, code: str, annotation_id: str, known: set[str] | None, seen: frozenset[str]) -> Mapping:
        candidates = self.retired.get(code)
        if not candidates:
            return Mapping("mapped", (code,), (), (annotation_id,))
        if code in seen:
            return Mapping("undecided", (), ())
        results = [self._follow(entry, code, annotation_id, known, seen | {code}) for entry in candidates]
        if known is not None:
            for result in results:
                if result.kind != "mapped" or all(c in known for c in result.codes):
                    return result
        return results[0]

    def _follow(self, entry: Entry, code: str, annotation_id: str, known: set[str] | None,
                seen: frozenset[str]) -> Mapping:
        if entry.op in ("rename", "merge"):
            targets = entry.targets
        elif entry.op == "split":
            targets = entry.assigned(annotation_id)
        else:  # delete
            kind: MappingKind = "removed" if annotation_id in entry.removed else "undecided"
            return Mapping(kind, (), (entry,))
        if not targets:
            return Mapping("undecided", (), (entry,))
        codes: list[str] = []
        ids: list[str] = []
        chain: list[Entry] = [entry]
        for n, target in enumerate(targets):
            # a split's copy for its second code has an id of its own, and later changes know it by that id
            ident = annotation_id if n == 0 else derived_id(annotation_id, target)
            result = self._resolve(target, ident, known, seen)
            chain.extend(e for e in result.chain if e not in chain)
            if result.kind == "undecided":
                return Mapping("undecided", (), tuple(chain))
            for code, code_id in zip(result.codes, result.ids, strict=True):
                if code not in codes:
                    codes.append(code)
                    ids.append(code_id)
        if not codes:
            return Mapping("removed", (), tuple(chain))
        return Mapping("mapped", tuple(codes), tuple(chain), tuple(ids))

    def retiring_entry(self, code: str) -> Entry | None:
        entries = self.retired.get(code)
        return entries[-1] if entries else None


# ---------------------------------------------------------------- reading and writing


class HistoryError(CodebookError):
    """A history file that cannot be read."""


def read_history(path: str | os.PathLike[str]) -> History:
    """The history at ``path`` (an empty one when there is no file)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return History([], path)
    except OSError as exc:
        raise HistoryError(Problem(f"cannot read the codebook history: {exc.strerror}", path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HistoryError(Problem(f"the codebook history is not UTF-8 (invalid byte at {exc.start})",
                                   path)) from None
    return parse_history(text, path)


def parse_history(text: str, path: str | os.PathLike[str] | None = None) -> History:
    from tcoder.yamlsource import YamlProblems, parse_yaml

    try:
        root = parse_yaml(text, path)
    except YamlProblems as exc:
        raise HistoryError(exc.problems) from None
    where = Path(path) if path is not None else None
    if root is None:
        return History([], where)
    if not root.is_seq:
        raise HistoryError(Problem("the codebook history is a YAML list of changes, one per line", path,
                                   root.mark.line, root.mark.column))
    entries: list[Entry] = []
    problems: list[Problem] = []
    for item in root.value:
        line, column = item.mark.line, item.mark.column
        if not item.is_map:
            raise HistoryError(Problem("each line of the codebook history is a mapping such as "
                                       "{when: ..., op: rename, code: a, to: b}", path, line, column))
        data = item.plain()
        op, when = data.pop("op", None), data.pop("when", None)
        if not isinstance(op, str) or not isinstance(when, str):
            raise HistoryError(Problem("a change needs 'op' and 'when'", path, line, column))
        if op not in OPS:
            problems.append(Problem(f"unknown change {op!r} (ignored; a newer tcoder may have written it)",
                                    path, line, column, severity="warning"))
            continue
        who = data.pop("who", "") or ""
        why = data.pop("why", "") or ""
        ident = data.pop("id", "") or ""
        entry = Entry(op, when, str(who), str(ident), str(why), data, line)
        for name in ("code", "to", "into"):
            value = data.get(name)
            if value is not None and not isinstance(value, (str, int, float, list)):
                raise HistoryError(Problem(f"{name!r} must be a code id", path, line, column))
        if op in RETIRING and not entry.sources:
            raise HistoryError(Problem(f"a {op} needs the code or codes it changed", path, line, column))
        if op in ("rename", "merge") and not entry.targets:
            raise HistoryError(Problem(f"a {op} needs the code it led to ('{'to' if op == 'rename' else 'into'}')",
                                       path, line, column))
        entries.append(entry)
    history = History(entries, where, problems)
    for code, retiring in history.retired.items():
        if len(retiring) > 1:
            lines = " and ".join(f"line {e.line}" for e in retiring)
            history.problems.append(Problem(
                f"the code {code!r} was changed twice in different ways ({lines}), probably on two branches; "
                "annotations with it follow whichever change leads to a code in the codebook", path,
                severity="warning"))
    return history


_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+/-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text):
        return text  # a time, read back as written (tcoder keeps timestamps as text)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not re.fullmatch(r"[-+]?[\d._]+(e[-+]?\d+)?", text,
                                                                                 re.IGNORECASE):
        return text
    import json

    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def render_entry(entry: Entry) -> str:
    """One line of the history file (without its newline)."""
    return "- " + _flow(entry.as_dict())


def appended(text: str | None, entry: Entry) -> str:
    """The history file's text with ``entry`` added at the end."""
    if not text:
        text = HEADER
    elif not text.endswith("\n"):
        text += "\n"
    return text + render_entry(entry) + "\n"


# ---------------------------------------------------------------- mapping annotations on read


@dataclass(frozen=True)
class Migration:
    """One annotation read under its current code."""

    annotation_id: str
    old: str
    mapping: Mapping

    @property
    def pending_write(self) -> bool:
        return self.mapping.kind != "undecided"


def derived_id(annotation_id: str, code: str) -> str:
    """The id of the copy a split gives an annotation assigned to both codes:
    the same for every reader, so a copy made on two machines is one annotation."""
    return hashlib.sha256(f"{annotation_id}/{code}".encode()).hexdigest()[:16]


def migrate_file(af: AnnotationFile, history: History, known: set[str] | None) -> list[Migration]:
    """Map the annotations of ``af`` that carry ids the history retired, in place:
    the current code (a copy with :func:`derived_id` for a split's second code),
    dropped when the history says it was deleted with its code, left as it is when
    the history cannot say (a split or delete that did not know this annotation).
    Records in the header that name codes (decisions of none) follow too."""
    if not history.retired:
        return []
    migrations: list[Migration] = []
    out: list[Annotation] = []
    changed = False
    for a in af.annotations:
        if known is not None and a.code in known:
            out.append(a)
            continue
        mapping = history.resolve(a.code, a.id, known)
        if mapping is None:
            out.append(a)
            continue
        migrations.append(Migration(a.id, a.code, mapping))
        if mapping.kind == "undecided":
            out.append(a)
            continue
        changed = True
        for code, ident in zip(mapping.codes, mapping.ids, strict=True):
            out.append(a.copy(code=code) if ident == a.id else a.copy(code=code, id=ident))
    if changed:
        af.annotations = out
    _migrate_header(af, history, known)
    return migrations


def _migrate_header(af: AnnotationFile, history: History, known: set[str] | None) -> None:
    records = af.extra.get(NONE_FIELD)
    if not isinstance(records, list):
        return
    out = []
    changed = False
    for record in records:
        code = record.get("code") if isinstance(record, dict) else None
        if not isinstance(code, str) or (known is not None and code in known):
            out.append(record)
            continue
        sources = record.get("sources") if isinstance(record.get("sources"), list) else []
        mapping = history.resolve(code, str(sources[0]) if sources else "", known)
        if mapping is None or mapping.kind == "undecided":
            out.append(record)
            continue
        changed = True
        if mapping.kind == "mapped":
            out.append(dict(record, code=mapping.codes[0]))
    if changed:
        af.extra = dict(af.extra, **{NONE_FIELD: out})


__all__ = ["Entry", "History", "HistoryError", "Mapping", "Migration", "OPS", "appended", "derived_id",
           "history_path", "migrate_file", "parse_history", "read_history", "render_entry"]

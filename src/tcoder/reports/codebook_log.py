"""The codebook's history for people: a text listing, and a Markdown appendix for a
methods section (how the coding tree was developed: COREQ items 25 and 26)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from tcoder.codebook import Codebook
from tcoder.codebook_history import Entry, History
from tcoder.numbers import plural

_VERBS = {"new": "created", "edit": "revised", "rename": "renamed", "merge": "merged", "split": "split",
          "move": "moved", "delete": "deleted"}


class _Names:
    """A code's name as the codebook has it now, else as the history recorded it."""

    def __init__(self, codebook: Codebook | None, history: History) -> None:
        self.codebook = codebook
        self.recorded: dict[str, str] = {}
        for entry in history.entries:
            names = entry.data.get("names")
            if isinstance(names, dict):
                self.recorded.update({str(k): str(v) for k, v in names.items()})
            if entry.op in ("new", "edit", "rename") and isinstance(entry.data.get("name"), str):
                code = entry.targets[0] if entry.op == "rename" and entry.targets else entry.code
                if code:
                    self.recorded[code] = entry.data["name"]

    def __call__(self, code_id: str | None) -> str:
        if code_id is None:
            return ""
        if self.codebook is not None and code_id in self.codebook.codes:
            return self.codebook[code_id].name
        return self.recorded.get(code_id, code_id)


def describe(entry: Entry, names: _Names, *, md: bool = False) -> str:
    """One change in words: "Merged 'Disillusionment' (disillusionment) into 'Emotional toll' (emotional-toll)".
    Plain text is the data as it is (the caller makes it inert for a terminal)."""

    def code(code_id: str | None, *, name: str | None = None) -> str:
        if code_id is None:
            return "the top level"
        shown = name or names(code_id)
        if md:
            from tcoder.reports.output import md_cell

            return f"*{md_cell(shown)}* (`{md_cell(code_id)}`)" if shown != code_id else f"`{md_cell(code_id)}`"
        return f"'{shown}' ({code_id})" if shown != code_id else f"'{code_id}'"

    op, data = entry.op, entry.data
    if op == "new":
        where = f" under {code(data.get('parent'))}" if data.get("parent") else " at the top level"
        return f"Created {code(entry.code, name=data.get('name'))}{where}"
    if op == "edit":
        fields = ", ".join(str(f) for f in data.get("fields") or [])
        text = f"Revised {code(entry.code)}" + (f": {fields}" if fields else "")
        if isinstance(data.get("was"), str) and isinstance(data.get("name"), str):
            text += f" (formerly named '{data['was']}')" if not md else f" (formerly named *{_md(data['was'])}*)"
        return text
    if op == "rename":
        new = entry.targets[0] if entry.targets else "?"
        text = f"Renamed the id {_id(entry.code, md)} to {_id(new, md)}"
        if isinstance(data.get("was"), str):
            text += (f" and the name '{data['was']}' to '{data.get('name')}'" if not md
                     else f" and the name *{_md(data['was'])}* to *{_md(str(data.get('name')))}*")
        return text
    if op == "merge":
        sources = [code(c, name=entry.name_of(c)) for c in entry.sources]
        target = entry.targets[0] if entry.targets else None
        new = " (a new code)" if data.get("created") else ""
        return f"Merged {_join(sources)} into {code(target)}{new}"
    if op == "split":
        parts = [code(c) for c in entry.targets]
        return f"Split {code(entry.code, name=entry.name_of(entry.code or ''))} into {_join(parts)}"
    if op == "move":
        return f"Moved {code(entry.code)} from {code(data.get('from'))} to {code(data.get('to'))}"
    if op == "delete":
        count = data.get("annotations")
        return (f"Deleted {code(entry.code, name=entry.name_of(entry.code or ''))}"
                + (f" with its {plural(count, 'annotation')}" if count else ""))
    return op


def _md(text: str) -> str:
    from tcoder.reports.output import md_cell

    return md_cell(text)


def _id(code_id: str | None, md: bool) -> str:
    return f"`{_md(code_id or '?')}`" if md else f"'{code_id or '?'}'"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _date(when: str) -> str:
    return when[:10]


def as_text(history: History, codebook: Codebook | None) -> str:
    """One line per change: date, who, what, why."""
    if not history.entries:
        return "No changes recorded: the codebook has no history yet (tcoder codebook new|rename|merge|... write it).\n"
    names = _Names(codebook, history)
    who_width = max(len(e.who) for e in history.entries)
    lines = []
    for entry in history.entries:
        line = f"{entry.when[:16].replace('T', ' ')}  {entry.who:<{who_width}}  {describe(entry, names)}"
        if entry.why:
            line += f"  (why: {entry.why})"
        lines.append(line)
    return "\n".join(lines) + "\n"


def as_json(history: History) -> list[dict[str, Any]]:
    return [entry.as_dict() for entry in history.entries]


def initial_codes(history: History, codebook: Codebook) -> set[str]:
    """The codes the codebook had before the first recorded change (replaying the history backwards)."""
    codes = set(codebook.codes)
    for entry in reversed(history.entries):
        if entry.op == "new" and entry.code:
            codes.discard(entry.code)
        elif entry.op in ("rename", "merge", "split", "delete"):
            created = entry.data.get("created")
            made = set(entry.targets) if entry.op == "rename" else (
                {str(c) for c in created} if isinstance(created, list)
                else (set(entry.targets) if created is True else set()))
            codes -= made
            codes.update(entry.sources)
    return codes


def as_markdown(history: History, codebook: Codebook, codebook_name: str) -> str:
    """An appendix for a methods section: how the coding tree developed, change by
    change with dates, coders and reasons, and the tree as it is now, marking the
    codes created during coding (derived from the data) apart from those defined
    before it."""
    names = _Names(codebook, history)
    out = ["## Development of the codebook", ""]
    entries = history.entries
    start = initial_codes(history, codebook)
    roots = [c for c in codebook.codes.values() if c.parent is None]
    if entries:
        counts = Counter(e.op for e in entries)
        order = ["new", "rename", "merge", "split", "move", "edit", "delete"]
        kinds = ", ".join(f"{counts[op]} {_VERBS[op]}" for op in order if counts[op])
        people = sorted({e.who for e in entries if e.who})
        first, last = _long_date(entries[0].when), _long_date(entries[-1].when)
        span = f"on {first}" if first == last else f"between {first} and {last}"
        by = f" by {_join([_md(p) for p in people])}" if people else ""
        out.append(f"The codebook (`{_md(codebook_name)}`) began with {plural(len(start), 'code')}. It was changed "
                   f"{plural(len(entries), 'time')} {span}{by} ({kinds}) and now has {plural(len(codebook), 'code')}, "
                   f"{len(roots)} at the top level. Every change was made with tcoder, which recorded it in the "
                   "codebook's history and applied it to every coder's annotations.")
    else:
        out.append(f"The codebook (`{_md(codebook_name)}`) has {plural(len(codebook), 'code')}, {len(roots)} at the top "
                   "level; no change to it has been recorded.")
    out.append("")
    if entries:
        out += ["| Date | Change | By | Rationale |", "| --- | --- | --- | --- |"]
        for entry in entries:
            out.append(f"| {_date(entry.when)} | {describe(entry, names, md=True)} | {_md(entry.who)} | "
                       f"{_md(entry.why)} |")
        out.append("")
    created: dict[str, Entry] = {}  # code id now -> the change that created it (followed through renames)
    for entry in entries:
        made = entry.data.get("created")
        if entry.op == "new" and entry.code:
            created[entry.code] = entry
        elif entry.op == "rename" and entry.code in created and entry.targets:
            created[entry.targets[0]] = created.pop(entry.code)
        elif entry.op == "merge" and made is True and entry.targets:
            created.setdefault(entry.targets[0], entry)
        elif entry.op == "split" and isinstance(made, list):
            for code_id in made:
                created.setdefault(str(code_id), entry)
        for gone in entry.retires:
            created.pop(gone, None)
    out += ["### The coding tree", ""]
    for code in codebook.codes.values():
        pad = "  " * code.depth
        label = f"**{_md(code.name)}**" if code.children else _md(code.name)
        note = ""
        if code.id in created:
            note = f" — created during coding, {_date(created[code.id].when)}"
        out.append(f"{pad}- {label} (`{_md(code.id)}`){note}")
    out.append("")
    derived = [c for c in codebook.codes if c in created]
    out.append(f"{len(codebook) - len(derived)} of the {plural(len(codebook), 'code')} were defined before the recorded "
               f"changes; {len(derived)} were created during coding.")
    return "\n".join(out) + "\n"


def _long_date(when: str) -> str:
    try:
        day = datetime.strptime(when[:10], "%Y-%m-%d")
    except ValueError:
        return when[:10]
    return f"{day.day} {day:%B %Y}"

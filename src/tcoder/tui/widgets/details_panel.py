"""The selected code's definition and the annotations under the cursor."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tcoder.annotations import Annotation
from tcoder.codebook import COMMAND_KEYS, Codebook
from tcoder.merge import CONFLICT_FIELD, ConflictRecordError, describe_differences, describe_version, read_conflict
from tcoder.numbers import plural
from tcoder.transcript import Transcript
from tcoder.tui.widgets.plain_lines import KeptRows
from tcoder.tui.wrap import inert


def code_definition(codebook: Codebook, code_id: str | None) -> Text:
    """A code's path, key, description, include and exclude rules and examples, as plain text."""
    out = Text()
    if code_id is None or code_id not in codebook.codes:
        out.append("No code selected.", style="dim")
        out.append("\nThe code under the cursor, the last code applied, or one clicked in the "
                   "codebook is described here.", style="dim")
        return out
    code = codebook[code_id]
    out.append("\u2588 ", style=code.color)
    out.append(inert(code.name), style="bold")
    if code.key:
        out.append(f"  key {code.key}", style="dim")
    if code.parent:
        out.append("\n" + inert(codebook.path_of(code_id)), style="dim")
    out.append(f"\nid {inert(code.id)}", style="dim")
    domain = codebook.domain_of(code_id)
    if code.exclusive:
        out.append(f"\nExclusive domain ({code.level}): one of its codes per passage.", style="italic")
    elif domain is not None:
        value = f", value {code.value}" if code.value is not None else ""
        out.append(f"\nOne value of '{inert(domain.name)}'{value}.", style="italic")
    for title, body in (("Definition", code.description), ("Include", code.include), ("Exclude", code.exclude)):
        if body:
            out.append(f"\n{title}: ", style="bold")
            out.append(inert(body))
    if code.examples:
        out.append("\nExamples:", style="bold")
        for example in code.examples:
            out.append("\n  \u201c" + inert(example) + "\u201d", style="italic")
    return out


def annotations_here(annotations: list[Annotation], codebook: Codebook, transcript: Transcript,
                     coder: str | None = None, conflict_keys: tuple[str, str] | None = None) -> Text:
    """The annotations under the cursor: code, where, coder, memo, dates."""
    out = Text()
    if not annotations:
        out.append("No annotation under the cursor.", style="dim")
        return out
    for i, a in enumerate(annotations):
        if i:
            out.append("\n")
        code = codebook.codes.get(a.code)
        out.append("\u2588 ", style=code.color if code else "grey50")
        out.append(inert(code.name if code else f"{a.code} (not in the codebook)"), style="bold")
        line, col = transcript.line_col(a.start)
        out.append(f"\n  line {line}:{col}, {plural(a.end - a.start, 'character')}", style="dim")
        who = a.extra.get("coder") if isinstance(a.extra.get("coder"), str) else coder
        if who:
            out.append(f"\n  coder {inert(who)}", style="dim")
        dates = a.updated or a.created
        if dates:
            verb = "updated" if a.updated and a.updated != a.created else "created"
            out.append(f"\n  {verb} {dates.replace('T', ' ').rstrip('Z')} UTC", style="dim")
        if a.memo:
            out.append("\n  memo: ", style="bold")
            out.append(inert(a.memo))
        if CONFLICT_FIELD in a.extra:
            out.append_text(_conflict_lines(a, conflict_keys))
    return out


def _conflict_lines(a: Annotation, keys: tuple[str, str] | None = None) -> Text:
    """Both versions of a merge conflict and the keys that settle it."""
    out = Text()
    out.append("\n  unresolved merge conflict", style="bold reverse")
    try:
        record = read_conflict(a)
    except ConflictRecordError as exc:
        out.append(inert(f"\n  the record cannot be read ({exc}); use tcoder git resolve"), style="italic")
        return out
    if record is None:
        return out
    other_side = "theirs" if record.kept == "ours" else "ours"
    out.append(inert(f"\n  in place ({record.kept}): {describe_version(record.in_place)}"))
    out.append(inert(f"\n  other ({other_side}): {describe_version(record.other)}"))
    out.append(inert(f"\n  differs: {describe_differences(record.ours, record.theirs)}"), style="dim")
    keep, take = keys or (COMMAND_KEYS["conflict_keep"][0], COMMAND_KEYS["conflict_take_other"][0])
    out.append(f"\n  {keep} keeps the version in place, {take} takes the other", style="italic")
    return out


class DetailsPanel(KeptRows, Widget):
    """The code's definition and the annotations under the cursor, in a panel of
    fixed height: text that does not fit is cut, so updating it as the cursor moves
    never costs a new layout of the screen."""

    DEFAULT_CSS = """
    DetailsPanel { height: 1fr; width: 1fr; overflow: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._key: tuple | None = None
        self._body = Text()

    def show(self, codebook: Codebook, current_code: str | None, here: list[Annotation],
             transcript: Transcript, coder: str | None, memos: tuple[str, ...] = ()) -> None:
        """``memos``: the titles of the memo files about the passage here."""
        key = (id(codebook), current_code,
               tuple((a.id, a.code, a.memo, a.updated, CONFLICT_FIELD in a.extra) for a in here), memos)
        if key == self._key:
            return
        self._key = key
        body = Text()
        body.append("Under the cursor\n", style="bold underline")
        conflict_keys = None
        if any(CONFLICT_FIELD in a.extra for a in here):
            from tcoder.tui.keymap import keys_for

            conflict_keys = (keys_for(self.app, "conflict_keep"), keys_for(self.app, "conflict_take_other"))
        body.append_text(annotations_here(here, codebook, transcript, coder, conflict_keys))
        if memos:
            from tcoder.tui.keymap import keys_for

            body.append(f"\n\nMemos about this passage ({keys_for(self.app, 'list_memos')} lists them)\n",
                        style="bold")
            for title in memos:
                body.append("\u270e " + inert(title) + "\n")
        body.append("\n\nCode\n", style="bold underline")
        body.append_text(code_definition(codebook, current_code))
        self._body = body
        self.refresh()

    @property
    def text(self) -> str:
        return self._body.plain

    def render(self) -> Text:
        return self._body

"""The TUI's commands and their keys.

The keys come from one table, :data:`tcoder.codebook.COMMAND_KEYS` (command id ->
default keys); users remap them in tcoder.yaml (``keys:``), which becomes the
app's keymap: every binding carries its command id, so Textual swaps the keys.
This module adds what the keys do (an action), the words for the help screen,
the footer and the command palette, and where each command is bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

from textual.binding import Binding, BindingType

from tcoder.codebook import COMMAND_KEYS
from tcoder.settings import Settings

Where = Literal["app", "screen", "view", "dialog", "compare", "memos", "themes"]


@dataclass(frozen=True, slots=True)
class Command:
    id: str  # a key of COMMAND_KEYS, and the binding id
    action: str
    title: str  # short, for the footer and the palette
    help: str  # one line for the help screen
    group: str
    where: Where = "screen"
    footer: bool = False
    priority: bool = False
    palette: bool = True


def _c(id: str, action: str, title: str, help: str, group: str, where: Where = "screen", **kw) -> Command:
    return Command(id, action, title, help, group, where, **kw)


COMMANDS: tuple[Command, ...] = (
    # Moving and selecting (bound on the transcript view, so other views can reuse it)
    _c("cursor_left", "cursor_left", "Left", "move one character left", "Move", "view"),
    _c("cursor_right", "cursor_right", "Right", "move one character right", "Move", "view"),
    _c("cursor_up", "cursor_up", "Up", "move one row up", "Move", "view"),
    _c("cursor_down", "cursor_down", "Down", "move one row down", "Move", "view"),
    _c("word_left", "word_left", "Previous word", "jump to the start of the previous word", "Move", "view"),
    _c("word_right", "word_right", "Next word", "jump to the end of the next word", "Move", "view"),
    _c("previous_sentence", "previous_sentence", "Previous sentence", "jump to the previous sentence",
       "Move", "view"),
    _c("next_sentence", "next_sentence", "Next sentence", "jump to the next sentence", "Move", "view"),
    _c("previous_turn", "previous_turn", "Previous turn", "jump to the previous speaker turn", "Move", "view"),
    _c("next_turn", "next_turn", "Next turn", "jump to the next speaker turn", "Move", "view"),
    _c("line_start", "line_start", "Row start", "go to the start of the row", "Move", "view"),
    _c("line_end", "line_end", "Row end", "go to the end of the row", "Move", "view"),
    _c("page_up", "page_up", "Page up", "one screen up", "Move", "view"),
    _c("page_down", "page_down", "Page down", "one screen down", "Move", "view"),
    _c("document_start", "document_start", "Go to start", "go to the start of the transcript", "Move", "view"),
    _c("document_end", "document_end", "Go to end", "go to the end of the transcript", "Move", "view"),
    _c("select_left", "select_left", "Extend left", "extend the selection one character left", "Select",
       "view"),
    _c("select_right", "select_right", "Extend right", "extend the selection one character right", "Select",
       "view"),
    _c("select_up", "select_up", "Extend up", "extend the selection one row up", "Select", "view"),
    _c("select_down", "select_down", "Extend down", "extend the selection one row down", "Select", "view"),
    _c("select_word_left", "select_word_left", "Extend word left", "extend the selection by a word to the left",
       "Select", "view"),
    _c("select_word_right", "select_word_right", "Extend word right",
       "extend the selection by a word to the right", "Select", "view"),
    _c("select_previous_sentence", "select_previous_sentence", "Extend sentence back",
       "extend the selection to the previous sentence", "Select", "view"),
    _c("select_next_sentence", "select_next_sentence", "Extend sentence on",
       "extend the selection to the next sentence", "Select", "view"),
    _c("select_previous_turn", "select_previous_turn", "Extend turn back",
       "extend the selection to the previous turn", "Select", "view"),
    _c("select_next_turn", "select_next_turn", "Extend turn on", "extend the selection to the next turn",
       "Select", "view"),
    _c("select_line_start", "select_line_start", "Extend to row start", "extend the selection to the row start",
       "Select", "view"),
    _c("select_line_end", "select_line_end", "Extend to row end", "extend the selection to the row end",
       "Select", "view"),
    _c("select_page_up", "select_page_up", "Extend page up", "extend the selection one screen up", "Select",
       "view"),
    _c("select_page_down", "select_page_down", "Extend page down", "extend the selection one screen down",
       "Select", "view"),
    _c("select_sentence", "select_sentence", "Select sentence",
       "select the sentence at the cursor (again: add the next one)", "Select", "view"),
    _c("select_turn", "select_turn", "Select turn", "select the speaker turn at the cursor", "Select", "view"),
    _c("clear_selection", "clear_selection", "Clear selection", "clear the selection", "Select", "view"),
    # Coding
    _c("pick_code", "pick_code", "Code", "pick any code by name (fuzzy) and apply it to the selection (themes "
       "screen: link it to the theme)", "Code", footer=True),
    _c("remove_annotation", "remove_annotation", "Remove", "remove the annotation under the cursor (themes "
       "screen: unlink one of the theme's codes)", "Code"),
    _c("recode_annotation", "recode_annotation", "Recode", "give the annotation under the cursor another code",
       "Code"),
    _c("in_vivo", "in_vivo", "In-vivo code", "in-vivo: create a code named by the selected words and apply it "
       "(the picker also offers \"New code: <name>\" for a name no code has)", "Codebook"),
    _c("codebook_panel", "codebook_panel", "Codebook", "the codebook panel: choose a code (\u2191\u2193), enter: "
       "edit its definition, key, colour; rename, merge, split, move, delete across every coder's files; e n r m "
       "s v d h u do it at once; esc back", "Codebook"),
    _c("edit_memo", "edit_memo", "Memo", "write a memo on the annotation under the cursor (themes screen: the "
       "theme's definition and central organising concept)", "Code"),
    _c("conflict_keep", "conflict_keep", "Keep this version",
       "settle the merge conflict under the cursor: keep the version in place", "Code"),
    _c("conflict_take_other", "conflict_take_other", "Take the other version",
       "settle the merge conflict under the cursor: take the other branch's version", "Code"),
    _c("undo", "undo", "Undo", "undo the last coding action (right after a codebook change: that change, in every "
       "file)", "Code", footer=True),
    _c("redo", "redo", "Redo", "redo what was undone", "Code"),
    # Finding
    _c("search", "search", "Search", "search the transcript (case-insensitive)", "Find", footer=True),
    _c("search_next", "search_next", "Next match", "go to the next search match", "Find"),
    _c("search_previous", "search_previous", "Previous match", "go to the previous search match", "Find"),
    _c("search_study", "search_study", "Search study",
       "search every transcript of the study, hits in context (enter opens one)", "Find", "app"),
    _c("query_study", "query_study", "Coding query",
       "find passages by codes: AND, OR, NOT, SAME TURN, WITHIN n TURNS OF... (enter opens one)", "Find", "app"),
    _c("retrieve_code", "retrieve_code", "Retrieve a code",
       "every passage of a code or theme across the study, by coder: recode, remove, memo, exemplar in place",
       "Find", "app"),
    _c("matrix_study", "matrix_study", "Matrix",
       "codes or themes by transcripts, participants or attribute values; enter lists a cell's passages",
       "Find", "app"),
    _c("next_annotation", "next_annotation", "Next annotation", "jump to the next annotation", "Find"),
    _c("previous_annotation", "previous_annotation", "Previous annotation", "jump to the previous annotation",
       "Find"),
    _c("next_uncoded_turn", "next_uncoded_turn", "Next uncoded turn",
       "jump to the next turn without any annotation", "Find"),
    _c("filter_code", "filter_code", "Show one code", "show only one code or theme (or all again); in the memo "
       "list: memos of one kind", "Find"),
    # Panels and files
    _c("toggle_codebook", "toggle_codebook", "Codebook panel", "show or hide the codebook panel", "View"),
    _c("toggle_details", "toggle_details", "Details panel",
       "show or hide the code definition and the annotations under the cursor", "View"),
    _c("reload_codebook", "reload_codebook", "Reload codebook", "read the codebook again after editing it",
       "File"),
    _c("save_now", "save_now", "Save now",
       "save now and check the file on disk (every change is already saved at once)", "File"),
    _c("list_transcripts", "list_transcripts", "Transcripts", "back to the list of transcripts", "File"),
    _c("toggle_done", "toggle_done", "Mark done",
       "mark this transcript done for you: agreement, compare and reports count your coding of it (again: "
       "reopen it)", "File"),
    _c("help", "help", "Help", "show every key, the codebook's too", "App", "app", footer=True),
    _c("command_palette", "command_palette", "Commands", "search every command", "App", "app",
       priority=True, palette=False),
    _c("quit", "quit", "Quit", "quit (everything is already saved)", "App", "app", footer=True, priority=True),
    _c("close_dialog", "close_dialog", "Close", "close a dialog without doing anything", "App", "dialog",
       palette=False),
    _c("confirm_dialog", "confirm_dialog", "OK", "answer yes, or close a message", "App", "dialog",
       palette=False),
    # Memos, the journal and themes
    _c("new_memo", "new_memo", "New memo",
       "write a memo: on the code here, the selection, the annotations here, this transcript, or a journal entry",
       "Memos"),
    _c("list_memos", "list_memos", "Memos", "list, read, search and write memos and journal entries", "Memos",
       "app"),
    _c("list_themes", "list_themes", "Themes", "the themes: create, link codes, status, definition", "Memos", "app"),
    _c("edit_externally", "edit_externally", "Edit in $EDITOR",
       "write the memo (or a theme's definition) in your own editor ($VISUAL or $EDITOR); tcoder waits, then "
       "reads it", "Memos", "memos"),
    _c("toggle_exemplar", "toggle_exemplar", "Exemplar",
       "mark the annotation under the cursor as an exemplar quote for its code (again: unmark)", "Code"),
    # The apprentice's lane (tcoder code --with apprentice)
    _c("next_suggestion", "next_suggestion", "Next suggestion",
       "go to the apprentice's next open suggestion, least certain first", "Apprentice"),
    _c("accept_suggestion", "accept_suggestion", "Accept suggestion",
       "code the suggestion shown into your own file (marked as accepted from the apprentice)", "Apprentice"),
    _c("dismiss_suggestion", "dismiss_suggestion", "Dismiss suggestion",
       "dismiss the suggestion shown: it is not offered again (recorded in your file)", "Apprentice"),
    _c("new_theme", "new_theme", "New theme", "create a theme (top-level; move it under another to make it a sub-theme)",
       "Themes", "themes", footer=True),
    _c("theme_status", "theme_status", "Status", "change the theme's status (candidate ... final, discarded)",
       "Themes", "themes", footer=True),
    _c("move_theme", "move_theme", "Move", "make the theme a sub-theme of another, or top-level", "Themes",
       "themes"),
    # Comparing and adjudicating (the compare screen adds these to the coding commands)
    _c("next_disagreement", "next_disagreement", "Next", "go to the next disagreement", "Compare", "compare",
       footer=True),
    _c("previous_disagreement", "previous_disagreement", "Previous", "go to the previous disagreement",
       "Compare", "compare"),
    _c("next_open_disagreement", "next_open_disagreement", "Next open",
       "go to the next disagreement not yet resolved", "Compare", "compare"),
    _c("decide", "decide", "Decide",
       "decide the current disagreement: a coder's version, the union, the intersection or none", "Compare",
       "compare", footer=True),
    _c("accept_union", "accept_union", "Union", "put the union of the coders' spans into the consensus",
       "Compare", "compare"),
    _c("accept_intersection", "accept_intersection", "Intersection",
       "put what every coder coded (the intersection) into the consensus", "Compare", "compare"),
    _c("accept_none", "accept_none", "None", "decide that none of it goes into the consensus", "Compare",
       "compare"),
    _c("accept_agreements", "accept_agreements", "Accept agreements",
       "copy every span all coders coded identically into the consensus", "Compare", "compare"),
)

BY_ID: dict[str, Command] = {c.id: c for c in COMMANDS}


def _check_table() -> None:
    missing = [c.id for c in COMMANDS if c.id not in COMMAND_KEYS]
    unbound = [k for k in COMMAND_KEYS if k not in BY_ID]
    if missing or unbound:  # pragma: no cover - a programming error caught by the tests
        raise RuntimeError(f"commands without keys: {missing}; keys without commands: {unbound}")


_check_table()


def binding(command_id: str, *, action: str | None = None, show: bool | None = None) -> Binding:
    """The binding of one command, with its default keys and its id (so the keymap can remap it)."""
    c = BY_ID[command_id]
    return Binding(",".join(COMMAND_KEYS[command_id]), action or c.action, c.title,
                   show=c.footer if show is None else show, priority=c.priority, id=c.id)


def bindings(where: Where) -> list[BindingType]:
    return [binding(c.id) for c in COMMANDS if c.where == where]


def keymap_from(settings: Settings) -> dict[str, str]:
    """The user's remaps as a Textual keymap (binding id -> comma-separated keys)."""
    return {command: ",".join(keys) for command, keys in settings.keys.items()}


_KEY_LABELS = {
    "question_mark": "?", "slash": "/", "full_stop": ".", "comma": ",", "space": "space",
    "left_square_bracket": "[", "right_square_bracket": "]", "left_parenthesis": "(",
    "right_parenthesis": ")", "left_curly_bracket": "{", "right_curly_bracket": "}",
    "left": "\u2190", "right": "\u2192", "up": "\u2191", "down": "\u2193", "escape": "esc",
    "delete": "del", "backspace": "backspace", "pageup": "pgup", "pagedown": "pgdn",
    "plus": "+", "minus": "-", "ampersand": "&", "less_than_sign": "<", "greater_than_sign": ">",
    "exclamation_mark": "!", "equals_sign": "=", "asterisk": "*", "tilde": "~", "quotation_mark": '"',
}


def key_label(key: str) -> str:
    """A key as people write it: ``ctrl+shift+\u2190``, ``?``, ``f1``."""
    parts = key.split("+")
    parts[-1] = _KEY_LABELS.get(parts[-1], parts[-1])
    return "+".join(parts)


def keys_label(keys: Iterable[str]) -> str:
    return " / ".join(key_label(k) for k in keys)


def keys_for(app: object, command_id: str) -> str:
    """The keys of a command as the user has them (their remaps included), for hints."""
    key_map = getattr(app, "key_map", None) or COMMAND_KEYS
    return keys_label(key_map.get(command_id, COMMAND_KEYS[command_id]))

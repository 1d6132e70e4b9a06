"""The codebook: a tree of codes read from YAML (docs/formats.md#the-codebook).

Also the one place that says which keys the coding screens keep for their own
commands (:data:`COMMAND_KEYS`). Letters and digits belong to the codebook; the
program's commands use other keys, and codebook keys are checked against this
table so a shortcut can never shadow a command.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Literal

from tcoder.errors import CodebookError, Problem
from tcoder.yamlsource import YamlProblems, YNode, check_fields, describe, parse_yaml, suggest

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")

CODE_FIELDS = ("id", "name", "description", "include", "exclude", "examples", "key", "color", "colour",
               "codes", "exclusive", "level", "value")
TOP_FIELDS = ("title", "description", "codes")

CODE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")

#: Keys the coding screens keep for their commands: command id -> default keys
#: (Textual key names). Users may remap commands in tcoder.yaml (``keys:``), but
#: never onto a letter or a digit, which belong to the codebook.
COMMAND_KEYS: dict[str, tuple[str, ...]] = {
    "quit": ("ctrl+q",),
    "help": ("f1", "question_mark"),
    "command_palette": ("ctrl+p",),
    "undo": ("ctrl+z",),
    "redo": ("ctrl+y",),
    "pick_code": ("space",),
    "remove_annotation": ("delete", "backspace"),
    "recode_annotation": ("ctrl+r",),
    "edit_memo": ("ctrl+e",),
    "conflict_keep": ("f12",),
    "conflict_take_other": ("shift+f12",),
    "search": ("slash", "ctrl+f"),
    "search_next": ("f3", "ctrl+g"),
    # not shift+f3 or ctrl+shift+g: xterm-like terminals and tmux never deliver them
    "search_previous": ("alt+g", "shift+f7"),
    "search_study": ("ctrl+t", "f11"),
    "query_study": ("ctrl+k", "f10"),
    "retrieve_code": ("ctrl+b", "shift+f6"),
    "matrix_study": ("shift+f10",),
    "next_annotation": ("right_square_bracket",),
    "previous_annotation": ("left_square_bracket",),
    "next_uncoded_turn": ("ctrl+u",),
    "select_sentence": ("full_stop",),
    "select_turn": ("comma",),
    "clear_selection": ("escape",),
    "filter_code": ("ctrl+o",),
    "toggle_codebook": ("f2",),
    "toggle_details": ("f4",),
    "reload_codebook": ("f5",),
    "codebook_panel": ("shift+f2",),
    "in_vivo": ("quotation_mark",),
    "save_now": ("ctrl+s",),
    "list_transcripts": ("ctrl+l",),
    "toggle_done": ("f7",),
    # Moving and selecting in the transcript (shift extends the selection).
    "cursor_left": ("left",),
    "cursor_right": ("right",),
    "cursor_up": ("up",),
    "cursor_down": ("down",),
    "select_left": ("shift+left",),
    "select_right": ("shift+right",),
    "select_up": ("shift+up",),
    "select_down": ("shift+down",),
    "word_left": ("ctrl+left",),
    "word_right": ("ctrl+right",),
    "select_word_left": ("ctrl+shift+left",),
    "select_word_right": ("ctrl+shift+right",),
    "previous_sentence": ("alt+left", "left_parenthesis"),
    "next_sentence": ("alt+right", "right_parenthesis"),
    "select_previous_sentence": ("alt+shift+left",),
    "select_next_sentence": ("alt+shift+right",),
    "previous_turn": ("ctrl+up", "left_curly_bracket"),
    "next_turn": ("ctrl+down", "right_curly_bracket"),
    "select_previous_turn": ("ctrl+shift+up",),
    "select_next_turn": ("ctrl+shift+down",),
    "line_start": ("home",),
    "line_end": ("end",),
    "select_line_start": ("shift+home",),
    "select_line_end": ("shift+end",),
    "page_up": ("pageup",),
    "page_down": ("pagedown",),
    "select_page_up": ("shift+pageup",),
    "select_page_down": ("shift+pagedown",),
    "document_start": ("ctrl+home",),
    "document_end": ("ctrl+end",),
    "close_dialog": ("escape",),
    "confirm_dialog": ("enter",),
    # Memos, the journal and themes.
    "new_memo": ("ctrl+n",),
    "list_memos": ("f9",),
    "list_themes": ("shift+f9",),
    "edit_externally": ("ctrl+x",),
    "toggle_exemplar": ("asterisk",),
    # The apprentice's lane (tcoder code --with apprentice).
    "next_suggestion": ("tilde",),
    "accept_suggestion": ("ctrl+a",),
    "dismiss_suggestion": ("alt+d",),
    "new_theme": ("ctrl+n",),
    "theme_status": ("ctrl+d",),
    "move_theme": ("ctrl+x",),
    # The compare screen (tcoder compare): disagreements and decisions.
    "next_disagreement": ("greater_than_sign", "f8"),
    "previous_disagreement": ("less_than_sign", "shift+f8"),
    "next_open_disagreement": ("exclamation_mark",),
    "decide": ("enter",),
    "accept_union": ("plus",),
    "accept_intersection": ("ampersand",),
    "accept_none": ("minus",),
    "accept_agreements": ("equals_sign",),
}

#: Punctuation as Textual names its keys, to check codebook keys against the table.
_KEY_NAMES = {
    "/": "slash", "?": "question_mark", ".": "full_stop", ",": "comma", ";": "semicolon",
    ":": "colon", "[": "left_square_bracket", "]": "right_square_bracket", "{": "left_curly_bracket",
    "}": "right_curly_bracket", "<": "less_than_sign", ">": "greater_than_sign", "-": "minus",
    "+": "plus", "=": "equals_sign", "!": "exclamation_mark", "#": "number_sign", "*": "asterisk",
    "'": "apostrophe", '"': "quotation_mark", " ": "space", "\\": "backslash", "|": "vertical_line",
    "~": "tilde", "`": "grave_accent", "@": "at", "$": "dollar_sign", "%": "percent_sign",
    "^": "circumflex_accent", "&": "ampersand", "(": "left_parenthesis", ")": "right_parenthesis",
    "_": "underscore",
}


def command_for_key(key: str) -> str | None:
    """The command that keeps ``key`` (a character or a Textual key name), if any."""
    name = _KEY_NAMES.get(key, key).lower()
    for command, keys in COMMAND_KEYS.items():
        if name in keys:
            return command
    return None


#: Colour-blind-safe defaults (Okabe & Ito 2008, then Tol's muted scheme), in an
#: order that keeps neighbours distinct, including after reduction to 256 colours.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#882255", "#999933", "#AA4499", "#44AA99", "#DDCC77")

_NAMED_COLOURS = {
    "black": "#000000", "white": "#FFFFFF", "red": "#D55E00", "orange": "#E69F00", "yellow": "#F0E442",
    "green": "#009E73", "blue": "#0072B2", "skyblue": "#56B4E9", "purple": "#AA4499", "pink": "#CC79A7",
    "grey": "#999999", "gray": "#999999", "brown": "#8C510A", "teal": "#44AA99", "olive": "#999933",
    "wine": "#882255", "sand": "#DDCC77",
}
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def normalise_colour(value: str) -> str | None:
    """'#RRGGBB' in upper case, from '#rgb', '#rrggbb' or a few names; None if not a colour."""
    value = value.strip()
    if value.lower() in _NAMED_COLOURS:
        return _NAMED_COLOURS[value.lower()]
    if not _HEX.match(value):
        return None
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.upper()


@dataclass(slots=True)
class Code:
    id: str
    name: str
    description: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    key: str | None = None
    color: str = ""
    color_given: bool = False
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    exclusive: bool = False  # a domain: its children are mutually exclusive values
    level: Level = "nominal"  # for domains
    value: float | int | str | None = None  # for children of a domain (a label in a nominal one)
    depth: int = 0
    line: int | None = None


@dataclass(eq=False)
class Codebook:
    codes: dict[str, Code]  # in tree (pre-)order
    title: str = ""
    description: str = ""
    path: Path | None = None
    #: SHA-256 of the file's bytes as read: an edit made from this codebook is refused
    #: when the file has changed since (someone else's edit is never overwritten)
    source_sha256: str = ""

    def __post_init__(self) -> None:
        self.order = {cid: i for i, cid in enumerate(self.codes)}
        self.by_key = {c.key: c for c in self.codes.values() if c.key}
        self.roots = [c.id for c in self.codes.values() if c.parent is None]

    def __contains__(self, code_id: object) -> bool:
        return code_id in self.codes

    def display_name(self, code_id: str) -> str:
        """The code's name; its id when the codebook has no such code (an annotation keeps
        a code that was taken out of the codebook)."""
        code = self.codes.get(code_id)
        return code.name if code is not None else code_id

    def __getitem__(self, code_id: str) -> Code:
        return self.codes[code_id]

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def domains(self) -> list[Code]:
        return [c for c in self.codes.values() if c.exclusive]

    def domain_of(self, code_id: str) -> Code | None:
        code = self.codes.get(code_id)
        if code and code.parent and self.codes[code.parent].exclusive:
            return self.codes[code.parent]
        return None

    def ancestors(self, code_id: str) -> list[Code]:
        out = []
        code = self.codes[code_id]
        while code.parent:
            code = self.codes[code.parent]
            out.append(code)
        return out

    def theme_of(self, code_id: str) -> Code:
        chain = self.ancestors(code_id)
        return chain[-1] if chain else self.codes[code_id]

    def descendants(self, code_id: str, include_self: bool = True) -> list[str]:
        out = [code_id] if include_self else []
        stack = list(reversed(self.codes[code_id].children))
        while stack:
            cid = stack.pop()
            out.append(cid)
            stack.extend(reversed(self.codes[cid].children))
        return out

    def path_of(self, code_id: str, sep: str = " / ") -> str:
        names = [c.name for c in reversed(self.ancestors(code_id))] + [self.codes[code_id].name]
        return sep.join(names)

    def sort_key(self, code_id: str) -> tuple[int, str]:
        """Codebook order, unknown codes last (alphabetically)."""
        return (self.order.get(code_id, len(self.order)), code_id)


def _text(node: YNode | None, field_name: str, path, problems: list[Problem], allow_list: bool = False) -> str:
    if node is None or node.value is None:
        return ""
    if isinstance(node.value, (str, int, float)) and not isinstance(node.value, bool):
        return str(node.value).strip() if not isinstance(node.value, str) else node.value.strip()
    problems.append(Problem(f"{field_name!r} must be text", path, node.mark.line, node.mark.column))
    return ""


def parse_codebook(text: str, path: str | os.PathLike[str] | None = None) -> Codebook:
    """Parse and validate a codebook; raises :class:`CodebookError` listing every problem."""
    try:
        root = parse_yaml(text, path)
    except YamlProblems as exc:
        raise CodebookError(exc.problems) from None
    problems: list[Problem] = []
    if root is None or not root.is_map:
        line = root.mark.line if root else None
        raise CodebookError(Problem("a codebook is a YAML mapping with a 'codes:' list "
                                    "(tcoder init writes a commented one)", path, line, 1 if line else None))
    check_fields(root, TOP_FIELDS, "the codebook", path, problems)
    codes: dict[str, Code] = {}
    codes_node = root.value.get("codes")
    if codes_node is None:
        problems.append(Problem("the codebook has no 'codes:' list", path, root.mark.line, root.mark.column))
    elif not codes_node.is_seq:
        problems.append(Problem("'codes' must be a list of codes", path, codes_node.mark.line,
                                codes_node.mark.column))
    else:
        _parse_codes(codes_node.value, None, 0, codes, {}, path, problems)
    _fill_colours(codes)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise CodebookError(errors)
    return Codebook(codes, _text(root.value.get("title"), "title", path, problems),
                    _text(root.value.get("description"), "description", path, problems),
                    Path(path) if path is not None else None)


def _parse_codes(nodes: list[YNode], parent: Code | None, depth: int, codes: dict[str, Code],
                 keys: dict[str, tuple[str, int]], path, problems: list[Problem]) -> None:
    for node in nodes:
        mark = node.mark
        if not node.is_map:
            problems.append(Problem("each code must be a mapping with at least an 'id'", path,
                                    mark.line, mark.column))
            continue
        fields = node.value
        check_fields(node, CODE_FIELDS, "a code", path, problems)
        id_node = fields.get("id")
        if id_node is None or id_node.value in (None, ""):
            name_hint = _text(fields.get("name"), "name", path, [])
            hint = f" (the code named {name_hint!r})" if name_hint else ""
            problems.append(Problem(f"a code without an 'id'{hint}: every code needs a stable id",
                                    path, mark.line, mark.column))
            continue
        if id_node.raw is None:  # a list or a mapping
            problems.append(Problem(f"a code's 'id' must be one word, not {describe(id_node)}", path,
                                    id_node.mark.line, id_node.mark.column))
            continue
        code_id = id_node.raw.strip()
        if not CODE_ID.match(code_id):
            problems.append(Problem(
                f"code id {code_id!r} is not valid: use letters, digits, '-', '_', '.' or ':', "
                "starting with a letter or digit", path, id_node.mark.line, id_node.mark.column))
            continue
        if code_id in codes:
            problems.append(Problem(f"duplicate code id {code_id!r} (first defined on line "
                                    f"{codes[code_id].line})", path, id_node.mark.line, id_node.mark.column))
            continue
        code = Code(
            id=code_id,
            name=_text(fields.get("name"), "name", path, problems) or code_id,
            description=_text(fields.get("description"), "description", path, problems),
            include=_text(fields.get("include"), "include", path, problems),
            exclude=_text(fields.get("exclude"), "exclude", path, problems),
            examples=_examples(fields.get("examples"), path, problems),
            parent=parent.id if parent else None,
            depth=depth,
            line=mark.line,
        )
        codes[code_id] = code
        if parent:
            parent.children.append(code_id)
        _parse_key(fields.get("key"), code, keys, path, problems)
        _parse_colour(fields.get("color") or fields.get("colour"), code, path, problems)
        _parse_domain(fields, code, parent, path, problems)
        children = fields.get("codes")
        if children is not None and children.value is not None:
            if not children.is_seq:
                problems.append(Problem("'codes' must be a list of codes", path, children.mark.line,
                                        children.mark.column))
            else:
                if parent is not None and parent.exclusive:
                    problems.append(Problem(
                        f"{code_id!r} is a value of the exclusive domain {parent.id!r} and cannot have "
                        "codes of its own", path, children.mark.line, children.mark.column))
                _parse_codes(children.value, code, depth + 1, codes, keys, path, problems)
        if code.exclusive and not code.children:
            problems.append(Problem(f"the exclusive domain {code_id!r} has no codes (its values)",
                                    path, mark.line, mark.column))
        if code.exclusive:
            _check_domain_values(code, codes, path, problems)


def _examples(node: YNode | None, path, problems: list[Problem]) -> tuple[str, ...]:
    if node is None or node.value is None:
        return ()
    if isinstance(node.value, str):
        return (node.value.strip(),)
    if node.is_seq:
        out = []
        for item in node.value:
            if isinstance(item.value, (str, int, float)) and not isinstance(item.value, bool):
                out.append(str(item.value).strip())
            else:
                problems.append(Problem("each example must be text", path, item.mark.line, item.mark.column))
        return tuple(out)
    problems.append(Problem("'examples' must be a list of quotes", path, node.mark.line, node.mark.column))
    return ()


def _parse_key(node: YNode | None, code: Code, keys: dict[str, tuple[str, int]], path,
               problems: list[Problem]) -> None:
    if node is None or node.value is None:
        return
    where = (path, node.mark.line, node.mark.column)
    if node.raw is None:  # a list or a mapping
        problems.append(Problem(f"key of code {code.id!r} must be one letter or digit, not {describe(node)}",
                                *where))
        return
    key = node.raw
    command = command_for_key(key)
    if command:
        problems.append(Problem(f"key {key!r} of code {code.id!r} is kept by tcoder for the command "
                                f"'{command}'; codebook keys are single letters or digits", *where))
        return
    if len(key) != 1 or not key.isascii() or not key.isalnum():
        problems.append(Problem(f"key {key!r} of code {code.id!r} must be one letter or digit "
                                "(a-z, A-Z, 0-9)", *where))
        return
    if key in keys:
        other, line = keys[key]
        problems.append(Problem(f"key {key!r} is used twice: by {other!r} (line {line}) and by {code.id!r}",
                                *where))
        return
    keys[key] = (code.id, node.mark.line)
    code.key = key


def _parse_colour(node: YNode | None, code: Code, path, problems: list[Problem]) -> None:
    if node is None or node.value is None:
        return
    colour = normalise_colour(str(node.value)) if isinstance(node.value, str) else None
    if colour is None:
        problems.append(Problem(f"colour {describe(node)} of code {code.id!r} is not a colour: use a hex colour "
                                "such as '#0072B2' (quoted, since # starts a YAML comment)",
                                path, node.mark.line, node.mark.column))
        return
    code.color, code.color_given = colour, True


def _parse_domain(fields: dict[str, YNode], code: Code, parent: Code | None, path,
                  problems: list[Problem]) -> None:
    exclusive = fields.get("exclusive")
    if exclusive is not None:
        if not isinstance(exclusive.value, bool):
            problems.append(Problem("'exclusive' must be true or false", path, exclusive.mark.line,
                                    exclusive.mark.column))
        else:
            code.exclusive = exclusive.value
    level = fields.get("level")
    if level is not None:
        if not code.exclusive:
            problems.append(Problem(f"'level' only applies to an exclusive domain; add 'exclusive: true' to "
                                    f"{code.id!r} or remove 'level'", path, level.mark.line, level.mark.column))
        elif level.value not in LEVELS:
            close = suggest(level.raw, LEVELS) if level.raw is not None else ""
            problems.append(Problem(f"level {describe(level)} is not one of {', '.join(LEVELS)}{close}", path,
                                    level.mark.line, level.mark.column))
        else:
            code.level = level.value
    value = fields.get("value")
    domain = parent if parent is not None and parent.exclusive else None
    if value is not None and isinstance(value.value, float) and not math.isfinite(value.value):
        problems.append(Problem(
            f"value {describe(value)} of {code.id!r} is not a finite number: a domain's values are numbers such as "
            "1, 2, 3 (or labels in a nominal domain), never .nan or .inf, which would change or undo every "
            "agreement figure", path, value.mark.line, value.mark.column))
    elif value is not None:
        if domain is None:
            problems.append(Problem(f"'value' only applies to codes inside an exclusive domain; {code.id!r} "
                                    "is not", path, value.mark.line, value.mark.column))
        elif domain.level != "nominal":
            if isinstance(value.value, bool) or not isinstance(value.value, (int, float)):
                problems.append(Problem(
                    f"value {describe(value)} of {code.id!r} must be a number: the domain {domain.id!r} is "
                    f"{domain.level}", path, value.mark.line, value.mark.column))
            else:
                code.value = value.value
        else:
            code.value = value.value if isinstance(value.value, (int, float, str)) else None
    elif domain is not None and domain.level != "nominal":
        problems.append(Problem(f"{code.id!r} needs a numeric 'value': its domain {domain.id!r} is "
                                f"{domain.level}", path, fields["id"].mark.line, fields["id"].mark.column))


def _check_domain_values(domain: Code, codes: dict[str, Code], path, problems: list[Problem]) -> None:
    if domain.level == "nominal":
        return
    seen: dict[float | int | str, str] = {}
    for cid in domain.children:
        value = codes[cid].value
        if value is None:
            continue
        if domain.level == "ratio" and isinstance(value, (int, float)) and value < 0:
            problems.append(Problem(f"code {cid!r} of the ratio domain {domain.id!r} has the value {value}; values "
                                    "on a ratio scale are 0 or more (it has a true zero: counts, durations). Use "
                                    "'level: interval' for values that can be negative", path, codes[cid].line, 1))
        if value in seen:
            problems.append(Problem(f"codes {seen[value]!r} and {cid!r} of the domain {domain.id!r} have the "
                                    f"same value {value}", path, codes[cid].line, 1))
        seen[value] = cid


def _fill_colours(codes: dict[str, Code]) -> None:
    used = {c.color for c in codes.values() if c.color_given}
    free = [c for c in PALETTE if c not in used] or list(PALETTE)
    i = 0
    for code in codes.values():
        if not code.color:
            code.color = free[i % len(free)]
            i += 1


def load_codebook(path: str | os.PathLike[str]) -> Codebook:
    from tcoder.safeio import YAML_LIMIT, decode_utf8, read_file

    path = Path(path)
    if not os.path.lexists(path):
        raise CodebookError(Problem("codebook not found", path))
    raw = read_file(path, limit=YAML_LIMIT, what="the codebook", error=CodebookError)
    codebook = parse_codebook(decode_utf8(raw, path, "the codebook", CodebookError), path)
    import hashlib

    codebook.source_sha256 = hashlib.sha256(raw).hexdigest()
    return codebook


def codebook_to_yaml(codebook: Codebook) -> str:
    """Write a codebook as YAML that :func:`parse_codebook` reads back to the same tree."""
    import yaml

    def code_dict(code: Code) -> dict:
        d: dict = {"id": code.id}
        if code.name != code.id:
            d["name"] = code.name
        for name in ("description", "include", "exclude"):
            if getattr(code, name):
                d[name] = getattr(code, name)
        if code.examples:
            d["examples"] = list(code.examples)
        if code.key:
            d["key"] = code.key
        if code.color_given:
            d["color"] = code.color
        if code.exclusive:
            d["exclusive"] = True
            d["level"] = code.level
        if code.value is not None:
            d["value"] = code.value
        if code.children:
            d["codes"] = [code_dict(codebook[c]) for c in code.children]
        return d

    doc: dict = {}
    if codebook.title:
        doc["title"] = codebook.title
    if codebook.description:
        doc["description"] = codebook.description
    doc["codes"] = [code_dict(codebook[c]) for c in codebook.roots]
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)

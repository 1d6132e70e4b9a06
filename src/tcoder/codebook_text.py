"""Edit a codebook's YAML in place, changing only the lines an edit is about.

People write codebooks by hand: comments explain codes, blank lines group
themes, quoting and key order are theirs. An edit made by tcoder (a new code, a
rename, a merge, a move) must change exactly the lines it is about, so
``git diff`` shows the edit and nothing else.

How: the text is composed with PyYAML, which gives every node's exact start and
end; an edit replaces, removes or inserts text at those places and never
re-emits a line it does not change. New content (a new code, a changed value)
is rendered by ruamel.yaml in the file's own indentation, list offset, flow or
block style and quoting, and checked to read back as meant under the safe
loader. After every edit the whole text is parsed again and compared with the
data the edit should produce: an edit that would come out wrong is refused,
never written.

Reading codebooks stays with :mod:`tcoder.yamlsource` and
:mod:`tcoder.codebook`; this module only writes.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from typing import Any

import yaml

from tcoder.errors import CodebookError, Problem

#: The order in which tcoder places a code's fields when it adds one.
FIELD_ORDER = ("id", "name", "description", "include", "exclude", "examples", "key", "color", "colour",
               "exclusive", "level", "value", "codes")


class EditError(CodebookError):
    """An edit that could not be made without changing more than it should; nothing was written."""


@dataclass
class _Code:
    id: str
    node: yaml.MappingNode
    seq: yaml.SequenceNode  # the list that holds it
    index: int  # its place in that list
    owner: yaml.MappingNode  # the mapping whose 'codes' holds the list: the document or the parent code
    parent: str | None
    path: tuple[int, ...]  # indices from the document's 'codes' down to this code


def _is_block(node: yaml.Node) -> bool:
    return not getattr(node, "flow_style", False)


def _get(mapping: yaml.MappingNode, key: str) -> tuple[yaml.ScalarNode, yaml.Node] | None:
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


class CodebookText:
    """A codebook file's text with the position of every code, edited in place."""

    def __init__(self, text: str, path: Any = None) -> None:
        self.path = path
        self.bom = text.startswith("\ufeff")
        self._text = text[1:] if self.bom else text
        self.newline = "\r\n" if "\r\n" in self._text else "\n"
        self._parse()

    # ------------------------------------------------------------ reading

    @property
    def text(self) -> str:
        return ("\ufeff" if self.bom else "") + self._text

    def _parse(self) -> None:
        from tcoder.yamlsource import YamlProblems, convert_node

        try:
            root = yaml.compose(self._text, Loader=_LOADER)
            if not isinstance(root, yaml.MappingNode):
                raise EditError(Problem("a codebook is a YAML mapping with a 'codes:' list", self.path))
            parsed = convert_node(root, self.path)
        except yaml.YAMLError as exc:
            raise EditError(Problem(f"the codebook is not valid YAML ({exc})", self.path)) from None
        except YamlProblems as exc:
            raise EditError(exc.problems) from None
        self.root = root
        self.data: dict[str, Any] = parsed.plain()
        self._layout: tuple[int, int, int] | None = None
        self._quotes: str | None = None
        self.codes: dict[str, _Code] = {}
        entry = _get(root, "codes")
        if entry is not None and isinstance(entry[1], yaml.SequenceNode):
            self._index(entry[1], root, None, ())

    def _index(self, seq: yaml.SequenceNode, owner: yaml.MappingNode, parent: str | None,
               path: tuple[int, ...]) -> None:
        for i, node in enumerate(seq.value):
            if not isinstance(node, yaml.MappingNode):
                continue
            id_entry = _get(node, "id")
            if id_entry is None or not isinstance(id_entry[1], yaml.ScalarNode):
                continue
            code_id = str(id_entry[1].value).strip()
            self.codes[code_id] = _Code(code_id, node, seq, i, owner, parent, (*path, i))
            children = _get(node, "codes")
            if children is not None and isinstance(children[1], yaml.SequenceNode):
                self._index(children[1], node, code_id, (*path, i))

    def _model(self, data: dict[str, Any], path: tuple[int, ...]) -> dict[str, Any]:
        """The plain mapping of the code at ``path`` inside ``data``."""
        node: Any = data
        for i in path:
            node = node["codes"][i]
        return node

    def _require(self, code_id: str) -> _Code:
        code = self.codes.get(code_id)
        if code is None:
            raise EditError(Problem(f"there is no code {code_id!r} in the codebook", self.path))
        return code

    # ------------------------------------------------------------ text helpers

    def _line_start(self, i: int) -> int:
        return self._text.rfind("\n", 0, i) + 1

    def _after_line(self, i: int) -> int:
        """The index just past the line that holds index ``i`` (its newline included)."""
        j = self._text.find("\n", i)
        return len(self._text) if j < 0 else j + 1

    def _column(self, i: int) -> int:
        return i - self._line_start(i)

    def _content_end(self, node: yaml.Node) -> int:
        """Where a node's own text ends (block collections' end marks reach into
        the next token; block scalars' take their trailing blank lines)."""
        if isinstance(node, yaml.ScalarNode):
            end = node.end_mark.index
            if node.style in ("|", ">"):
                while end > node.start_mark.index and self._text[end - 1] in " \t\r\n":
                    end -= 1
            return max(end, node.start_mark.index)
        if not _is_block(node):
            return node.end_mark.index
        if isinstance(node, yaml.MappingNode):
            if not node.value:
                return node.start_mark.index
            k, v = node.value[-1]
            value_end = self._content_end(v)
            if isinstance(v, yaml.ScalarNode) and v.value == "" and v.style is None:
                value_end = k.end_mark.index + 1  # `key:` with nothing after it
            return max(k.end_mark.index, value_end)
        if isinstance(node, yaml.SequenceNode) and node.value:
            return self._content_end(node.value[-1])
        return node.start_mark.index

    def _dash(self, code: _Code) -> int:
        """The index of the ``-`` that starts a block list item."""
        i = code.node.start_mark.index - 1
        while i >= 0 and self._text[i] in " \t\r\n":
            i -= 1
        if i < 0 or self._text[i] != "-":
            raise EditError(Problem(f"cannot find where the code {code.id!r} starts", self.path))
        return i

    def _item_region(self, code: _Code) -> tuple[int, int]:
        """The lines of a block list item: comment lines directly above it (at the
        dash's indentation), its own lines, its last line's end-of-line comment."""
        dash = self._dash(code)
        column = self._column(dash)
        start = self._line_start(dash)
        while start > 0:
            previous = self._line_start(start - 1)
            line = self._text[previous:start].rstrip("\r\n")
            if line.strip().startswith("#") and len(line) - len(line.lstrip(" ")) == column:
                start = previous
            else:
                break
        end = self._after_line(max(self._content_end(code.node) - 1, dash))
        return start, end

    def _entry_region(self, mapping: yaml.MappingNode, key: str) -> tuple[int, int]:
        """The lines of ``key: value`` in a block mapping (the key starts its line)."""
        entry = _get(mapping, key)
        assert entry is not None
        k, v = entry
        end = self._content_end(v)
        if isinstance(v, yaml.ScalarNode) and v.value == "" and v.style is None:
            end = k.end_mark.index + 1
        return self._line_start(k.start_mark.index), self._after_line(max(end - 1, k.start_mark.index))

    def _splice(self, start: int, end: int, new: str) -> None:
        self._text = self._text[:start] + new + self._text[end:]

    def _lines(self, text: str) -> str:
        return text.replace("\n", self.newline) if self.newline != "\n" else text

    # ------------------------------------------------------------ layout of the file

    def _style(self) -> tuple[int, int, int]:
        """(mapping indent, sequence indent, dash offset) as ruamel.yaml names them,
        read from the file's first block list of codes; tcoder's own defaults otherwise."""
        if self._layout is None:
            self._layout = self._read_style()
        return self._layout

    def _read_style(self) -> tuple[int, int, int]:
        for code in self.codes.values():
            if not _is_block(code.seq) or not _is_block(code.node):
                continue
            entry = next((k for k, v in code.owner.value if v is code.seq), None)
            if entry is None:
                continue
            key_column = self._column(entry.start_mark.index)
            dash_column = self._column(self._dash(code))
            item_column = self._column(code.node.start_mark.index)
            offset = max(0, dash_column - key_column)
            sequence = max(offset + 2, item_column - key_column)
            return max(2, sequence - offset), sequence, offset
        return 2, 4, 2

    def _render(self, value: Any) -> str:
        """Any value dumped by ruamel.yaml in this file's layout, as text without a final newline."""
        out = io.StringIO()
        _writer(self._style()).dump(value, out)
        return out.getvalue().rstrip("\n")

    def _styled(self, value: Any) -> Any:
        """A value for ruamel.yaml to render: a string that needs quotes gets this file's quotes."""
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

        if isinstance(value, list):
            return [self._styled(v) for v in value]
        if not isinstance(value, str):
            return value
        text = self._scalar(value)
        if text.startswith('"'):
            return DoubleQuotedScalarString(value)
        if text.startswith("'"):
            return SingleQuotedScalarString(value)
        return value

    def _quote_preference(self) -> str:
        """The quote this file uses most (double when it uses none)."""
        if self._quotes is None:
            double = single = 0
            for node in _walk(self.root):
                if isinstance(node, yaml.ScalarNode):
                    double += node.style == '"'
                    single += node.style == "'"
            self._quotes = "'" if single > double else '"'
        return self._quotes

    def _scalar(self, value: Any, style: str | None = None, flow: bool = False) -> str:
        """A scalar as YAML text: in ``style`` when given ('"', "'"), else plain when
        that reads back the same under the safe loader, else quoted."""
        from ruamel.yaml.comments import CommentedMap
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

        if isinstance(value, str) and "\n" in value:
            style = '"'  # one line: a definition's line breaks become \n
        preferred = self._quote_preference()
        candidates: list[Any] = []
        if isinstance(value, str) and style == "'":
            candidates.append(SingleQuotedScalarString(value))
        elif isinstance(value, str) and style != '"':
            candidates.append(value)
        elif not isinstance(value, str):
            candidates.append(value)
        if isinstance(value, str):
            quoted = (SingleQuotedScalarString(value), DoubleQuotedScalarString(value))
            candidates.extend(quoted if preferred == "'" and style != '"' else quoted[::-1])
        for candidate in candidates:
            holder = CommentedMap(k=candidate)
            if flow:
                holder.fa.set_flow_style()
            rendered = self._render(holder)
            text = rendered[4:-1] if flow else rendered[3:]
            if "\n" in text or (type(candidate) is str and text[:1] in ("'", '"')):
                continue  # a plain string that ruamel had to quote: quote it the file's way
            probe = f"{{k: {text}}}" if flow else f"k: {text}"
            try:
                back = yaml.safe_load(probe)
            except yaml.YAMLError:
                continue
            if isinstance(back, dict) and _same(back.get("k"), value):
                return text
        raise EditError(Problem(f"cannot write the value {value!r} in this codebook", self.path))

    # ------------------------------------------------------------ verification

    def _commit(self, text: str, expected: dict[str, Any]) -> None:
        """Take ``text`` if it parses to ``expected``; otherwise keep the old text and refuse."""
        old = self._text
        self._text = text
        try:
            self._parse()
            ok = _same(self.data, expected)
        except EditError:
            ok = False
        if not ok:
            self._text = old
            self._parse()
            raise EditError(Problem("tcoder could not make this edit without changing other parts of the "
                                    "codebook; nothing was written. Make it by hand (the file is unchanged)",
                                    self.path))

    # ------------------------------------------------------------ edits

    def _edit(self, expected: dict[str, Any], *splices: tuple[int, int, str]) -> None:
        """Make non-overlapping replacements (positions in the current text) and commit."""
        text = self._text
        for start, end, new in sorted(splices, key=lambda s: s[0], reverse=True):
            text = text[:start] + new + text[end:]
        self._commit(text, expected)

    def set_fields(self, code_id: str, changes: dict[str, Any]) -> None:
        """Set fields of a code (``None`` removes the field). Values are text,
        numbers, booleans or lists of text."""
        for key, value in changes.items():
            self._set_field(code_id, key, value)

    def _set_field(self, code_id: str, key: str, value: Any) -> None:
        code = self._require(code_id)
        expected = copy.deepcopy(self.data)
        model = self._model(expected, code.path)
        entry = _get(code.node, key)
        if value is None:
            if entry is None:
                return
            del model[key]
        else:
            if entry is not None and _same(model.get(key), value):
                return
            if key in model:
                model[key] = value
            else:
                _insert_key(model, key, value)
        node = code.node
        if not _is_block(node):
            self._edit(expected, (node.start_mark.index, node.end_mark.index, self._flow_mapping(node, {key: value})))
        elif value is None:
            self._edit(expected, self._removal_of_entry(code, key))
        elif entry is not None:
            k, v = entry
            if (isinstance(v, yaml.ScalarNode) and not isinstance(value, list) and v.style not in ("|", ">")
                    and (v.value != "" or v.style is not None)):
                self._edit(expected, self._value_replacement(v, self._scalar(value, v.style)))
            else:
                start, end = self._entry_region(node, key)
                self._edit(expected, (start, end, self._entry_text(key, value, self._column(k.start_mark.index))))
        else:
            at = self._insertion_for_entry(code, key)
            self._edit(expected, (at, at, self._entry_text(key, value, self._key_column(node))))

    def _value_replacement(self, value: yaml.ScalarNode, text: str) -> tuple[int, int, str]:
        """Replace a one-line value; an end-of-line comment aligned with others keeps its column."""
        start, end = value.start_mark.index, value.end_mark.index
        rest = self._text[end:self._after_line(end)]
        spaces = len(rest) - len(rest.lstrip(" "))
        if spaces >= 2 and rest[spaces:].startswith("#"):
            comment_column = self._column(end) + spaces
            pad = max(2, comment_column - self._column(start) - len(text))
            return start, end + spaces, text + " " * pad
        return start, end, text

    def _key_column(self, node: yaml.MappingNode) -> int:
        return self._column(node.value[0][0].start_mark.index)

    def _entry_text(self, key: str, value: Any, column: int) -> str:
        """``key: value`` as block lines at ``column``, ending with a newline."""
        if isinstance(value, list):
            from ruamel.yaml.comments import CommentedMap

            rendered = self._render(CommentedMap([(key, list(value))]))
        else:
            rendered = f"{key}: {self._scalar(value)}"
        return self._lines(_indent(rendered + "\n", column))

    def _insertion_for_entry(self, code: _Code, key: str) -> int:
        """Where a new field goes in a block mapping: after the field that precedes
        it in :data:`FIELD_ORDER` (comment lines above the following field stay with it)."""
        keys = [k.value for k, _ in code.node.value]
        rank = _rank(key)
        after = keys[0]
        for existing in keys:
            if _rank(existing) <= rank:
                after = existing
        position = keys.index(after)
        if position + 1 < len(keys):
            next_key = code.node.value[position + 1][0]
            return self._comments_above(self._line_start(next_key.start_mark.index), self._key_column(code.node))
        return self._entry_region(code.node, after)[1]

    def _comments_above(self, at: int, column: int) -> int:
        while at > 0:
            previous = self._line_start(at - 1)
            line = self._text[previous:at].rstrip("\r\n")
            if line.strip().startswith("#") and len(line) - len(line.lstrip(" ")) >= column:
                at = previous
            else:
                break
        return at

    def _removal_of_entry(self, code: _Code, key: str) -> tuple[int, int, str]:
        entry = _get(code.node, key)
        assert entry is not None
        k, _ = entry
        if code.node.value[0][0] is k:
            # `- key: value` on the dash's line: the next field moves up onto it
            if len(code.node.value) < 2:
                raise EditError(Problem(f"cannot remove the only field of {code.id!r}", self.path))
            return k.start_mark.index, code.node.value[1][0].start_mark.index, ""
        start, end = self._entry_region(code.node, key)
        return start, end, ""

    def _flow_mapping(self, node: yaml.MappingNode, changes: dict[str, Any]) -> str:
        """A flow mapping rebuilt from its own entries' text, with ``changes`` made."""
        parts: list[tuple[str, str]] = []
        for k, v in node.value:
            key = k.value
            key_text = self._text[k.start_mark.index:k.end_mark.index]
            if key in changes:
                if changes[key] is None:
                    continue
                parts.append((key, f"{key_text}: {self._flow_value(changes[key], getattr(v, 'style', None))}"))
            else:
                parts.append((key, f"{key_text}: {self._text[v.start_mark.index:v.end_mark.index]}"))
        for key, value in changes.items():
            if value is None or key in {k for k, _ in parts}:
                continue
            at = next((i for i, (existing, _) in enumerate(parts) if _rank(existing) > _rank(key)), len(parts))
            parts.insert(at, (key, f"{key}: {self._flow_value(value)}"))
        return "{" + ", ".join(text for _, text in parts) + "}"

    def _flow_value(self, value: Any, style: str | None = None) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(self._flow_value(v) for v in value) + "]"
        return self._scalar(value, style if style in ('"', "'") else None, flow=True)

    # ------------------------------------------------------------ codes: remove, add, move

    def remove_code(self, code_id: str) -> str:
        """Remove a code with its children (and comment lines directly above it);
        returns its text without indentation, for :meth:`insert_code_text`."""
        code = self._require(code_id)
        expected = copy.deepcopy(self.data)
        owner_model = self._model(expected, code.path[:-1])
        del owner_model["codes"][code.path[-1]]
        if not _is_block(code.seq):
            block = "- " + self._text[code.node.start_mark.index:code.node.end_mark.index] + "\n"
            items = [self._text[n.start_mark.index:n.end_mark.index] for j, n in enumerate(code.seq.value)
                     if j != code.index]
            if items or code.parent is None:
                self._edit(expected, (code.seq.start_mark.index, code.seq.end_mark.index, "[" + ", ".join(items) + "]"))
            else:
                del owner_model["codes"]
                self._edit(expected, self._removal_of_codes_key(code.parent))
            return block
        start, end = self._item_region(code)
        block = _dedent(self._text[start:end], self._column(self._dash(code)))
        if not block.endswith("\n"):
            block += "\n"
        if len(code.seq.value) > 1:
            # two blank lines that would meet become one
            before_blank = start == 0 or self._text[self._line_start(start - 1):start].strip() == ""
            if before_blank and end < len(self._text) and self._text[end:self._after_line(end)].strip() == "":
                end = self._after_line(end)
            self._edit(expected, (start, end, ""))
        elif code.parent is None:
            key = next(k for k, v in code.owner.value if v is code.seq)
            region = self._entry_region(code.owner, "codes")
            self._edit(expected, (region[0], region[1], self._lines(" " * self._column(key.start_mark.index)
                                                                     + "codes: []\n")))
        else:
            del owner_model["codes"]
            self._edit(expected, self._removal_of_codes_key(code.parent))
        return block

    def _removal_of_codes_key(self, parent_id: str) -> tuple[int, int, str]:
        owner = self.codes[parent_id]
        if not _is_block(owner.node):
            return owner.node.start_mark.index, owner.node.end_mark.index, self._flow_mapping(owner.node, {"codes": None})
        return self._removal_of_entry(owner, "codes")

    def add_code(self, parent_id: str | None, fields: dict[str, Any], index: int | None = None) -> None:
        """A new code under ``parent_id`` (None: a top-level code), at ``index`` among
        its siblings (default: last), in the style of its siblings."""
        from ruamel.yaml.comments import CommentedMap

        ordered = CommentedMap(sorted(((k, self._styled(v)) for k, v in fields.items()),
                                      key=lambda kv: _rank(kv[0])))
        siblings = self._siblings(parent_id)
        flow = bool(siblings) and not _is_block(siblings[min(len(siblings) - 1,
                                                             index if index is not None else len(siblings))].node)
        if flow:
            ordered.fa.set_flow_style()
        mapping, sequence, offset = self._style()
        block = _dedent(self._render([ordered]) + "\n", offset)
        self._insert(parent_id, block, dict(fields), index)

    def insert_code_text(self, parent_id: str | None, block: str, index: int | None = None) -> None:
        """Put a code's text (from :meth:`remove_code`) back under ``parent_id``."""
        from tcoder.yamlsource import YamlProblems, parse_yaml

        try:
            node = parse_yaml(block, self.path)
        except YamlProblems as exc:  # pragma: no cover - the text came from this file
            raise EditError(exc.problems) from None
        if node is None or not node.is_seq or len(node.value) != 1:
            raise EditError(Problem("cannot move this code's text", self.path))
        self._insert(parent_id, block, node.plain()[0], index)

    def move_code(self, code_id: str, parent_id: str | None, index: int | None = None) -> None:
        """Move a code (with its children and its comments) under another parent. A move to
        where the code already is changes nothing (not even the blank lines around it)."""
        code = self._require(code_id)
        if code.parent == parent_id:
            siblings = self._siblings(parent_id)
            position = siblings.index(code)
            if (index is None and position == len(siblings) - 1) or index == position:
                return
        block = self.remove_code(code_id)
        self.insert_code_text(parent_id, block, index)

    def _siblings(self, parent_id: str | None) -> list[_Code]:
        return sorted((c for c in self.codes.values() if c.parent == parent_id), key=lambda c: c.index)

    def _codes_seq(self, parent_id: str | None) -> tuple[yaml.MappingNode, yaml.SequenceNode | None]:
        owner = self.root if parent_id is None else self._require(parent_id).node
        entry = _get(owner, "codes")
        if entry is None or not isinstance(entry[1], yaml.SequenceNode):
            return owner, None
        return owner, entry[1]

    def _insert(self, parent_id: str | None, block: str, data: dict[str, Any], index: int | None) -> None:
        """Insert an item's text (dash at column 0) into the parent's list of codes."""
        owner, seq = self._codes_seq(parent_id)
        if parent_id is not None and not _is_block(owner):
            self._blockify(parent_id)  # a `{id: x, name: X}` code gets children: write it as a block first
            owner, seq = self._codes_seq(parent_id)
        if seq is not None and not _is_block(seq) and seq.value:
            self._blockify_list(parent_id)
            owner, seq = self._codes_seq(parent_id)
        expected = copy.deepcopy(self.data)
        owner_model = expected if parent_id is None else self._model(expected, self.codes[parent_id].path)
        items = owner_model.setdefault("codes", []) if seq is not None else None
        if items is None:
            owner_model["codes"] = items = []
        at_index = len(items) if index is None else max(0, min(index, len(items)))
        items.insert(at_index, data)
        if seq is not None and _is_block(seq):
            siblings = self._siblings(parent_id)
            dash_column = self._column(self._dash(siblings[0])) if siblings else 0
            if at_index < len(siblings):
                at = self._item_region(siblings[at_index])[0]
            else:
                at = self._item_region(siblings[-1])[1]
                if at > 0 and self._text[at - 1] != "\n":
                    block = self.newline + block
            self._edit(expected, (at, at, self._lines(_indent(block, dash_column))))
            return
        # no list yet (or an empty `codes: []`): a `codes:` field holding the new list
        mapping, sequence, offset = self._style()
        key_column = self._key_column(owner) if owner.value else 0
        text = " " * key_column + "codes:" + "\n" + _indent(block, key_column + offset)
        if seq is not None:  # `codes: []`
            start, end = self._entry_region(owner, "codes")
            self._edit(expected, (start, end, self._lines(text)))
            return
        code = self.codes[parent_id] if parent_id is not None else None
        at = self._entry_region(owner, owner.value[-1][0].value)[1] if code is not None else len(self._text)
        if at > 0 and self._text[at - 1] != "\n":
            text = "\n" + text
        self._edit(expected, (at, at, self._lines(text)))

    def _blockify(self, code_id: str) -> None:
        """Rewrite a flow-style code (``- {id: x, name: X}``) as block lines, keeping each entry's text."""
        if not _is_block(self._require(code_id).seq):
            self._blockify_list(self.codes[code_id].parent)
        node = self._require(code_id).node
        column = self._column(node.start_mark.index)
        parts = [f"{self._text[k.start_mark.index:k.end_mark.index]}: {self._text[v.start_mark.index:v.end_mark.index]}"
                 for k, v in node.value]
        text = parts[0] + "".join("\n" + " " * column + part for part in parts[1:])
        self._edit(copy.deepcopy(self.data), (node.start_mark.index, node.end_mark.index, self._lines(text)))

    def _blockify_list(self, parent_id: str | None) -> None:
        """Rewrite a non-empty flow list of codes (``codes: [{...}, {...}]``) as block lines."""
        owner, seq = self._codes_seq(parent_id)
        assert seq is not None
        if parent_id is not None and not _is_block(owner):
            raise EditError(Problem("this list of codes is written in flow style inside another flow mapping; "
                                    "edit it by hand", self.path))
        mapping, sequence, offset = self._style()
        key = next(k for k, v in owner.value if v is seq)
        column = self._column(key.start_mark.index)
        items = "".join(" " * (column + offset) + "- " + self._text[n.start_mark.index:n.end_mark.index] + "\n"
                        for n in seq.value)
        start, end = self._entry_region(owner, "codes")
        self._edit(copy.deepcopy(self.data), (start, end, self._lines(" " * column + "codes:\n" + items)))

    def set_top(self, key: str, value: Any) -> None:
        """Set a top-level field such as ``title`` (None removes it)."""
        expected = copy.deepcopy(self.data)
        entry = _get(self.root, key)
        if value is None:
            if entry is None:
                return
            del expected[key]
            start, end = self._entry_region(self.root, key)
            self._edit(expected, (start, end, ""))
            return
        if entry is not None and isinstance(entry[1], yaml.ScalarNode) and entry[1].style not in ("|", ">"):
            expected[key] = value
            self._edit(expected, self._value_replacement(entry[1], self._scalar(value, entry[1].style)))
            return
        if entry is not None:
            expected[key] = value
            start, end = self._entry_region(self.root, key)
            self._edit(expected, (start, end, self._entry_text(key, value, 0)))
            return
        new = {key: value}
        new.update(expected)
        self._edit(new, (0, 0, self._entry_text(key, value, 0)))


#: libyaml's composer when PyYAML has it (twenty times faster; the same nodes and character positions)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_WRITERS: dict[tuple[int, int, int], Any] = {}


def _writer(layout: tuple[int, int, int]) -> Any:
    """A ruamel.yaml round-trip writer in a file's layout (made once per layout)."""
    writer = _WRITERS.get(layout)
    if writer is None:
        from ruamel.yaml import YAML

        writer = YAML()
        writer.width = 1_000_000  # never fold a long definition over several lines
        mapping, sequence, offset = layout
        writer.indent(mapping=mapping, sequence=sequence, offset=offset)
        _WRITERS[layout] = writer
    return writer


def _walk(node: yaml.Node):
    yield node
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from _walk(k)
            yield from _walk(v)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item)


def _rank(key: str) -> int:
    return FIELD_ORDER.index(key) if key in FIELD_ORDER else len(FIELD_ORDER)


def _insert_key(model: dict[str, Any], key: str, value: Any) -> None:
    """Add ``key`` to a plain mapping at its place in :data:`FIELD_ORDER` (dicts keep order;
    comparisons ignore it, so this only keeps the model readable)."""
    model[key] = value


def _same(a: Any, b: Any) -> bool:
    """Equal as YAML data: mappings compare regardless of key order, 1 == 1.0 is not enough."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str):
        return str(a) == str(b)
    return type(a) is type(b) and a == b


def _dedent(text: str, columns: int) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip() == "":
            out.append(line[len(body):] or "")
            continue
        spaces = len(body) - len(body.lstrip(" "))
        out.append(line[min(spaces, columns):])
    return "".join(out)


def _indent(text: str, columns: int) -> str:
    pad = " " * columns
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))

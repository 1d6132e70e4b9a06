"""The code picker: every code by fuzzy search of its name, id or path.

The only way to apply codes without a key, and the way to recode an annotation
or to choose which code or theme to show. The highlighted code's definition is
shown as you move, so the codebook rules are at hand while choosing.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tcoder.codebook import Codebook
from tcoder.numbers import plural
from tcoder.tui.keymap import binding, bindings, keys_for
from tcoder.tui.screens.dialogs import DIALOG_CSS, Dialog, calm_input
from tcoder.tui.widgets.details_panel import code_definition
from tcoder.tui.wrap import inert

ALL_CODES = "__all__"
#: An option's id that asks for a new code: this prefix and the name typed (code
#: ids start with a letter or digit, so no code id can look like it).
NEW_CODE = "__new__:"
PickerMode = Literal["apply", "recode", "filter"]

_TITLES = {
    "apply": "Apply a code to the selection",
    "recode": "Recode the annotation to",
    "filter": "Show only one code or theme",
}


def code_prompt(codebook: Codebook, code_id: str, indent: bool = True) -> Text:
    code = codebook[code_id]
    line = Text(no_wrap=True, overflow="ellipsis")
    if indent:
        line.append("  " * code.depth)
    line.append("\u2588 ", style=code.color)
    line.append(f"{code.key or ' '} ", style="bold")
    line.append(inert(code.name), style="bold" if code.children else "")
    if not indent and code.parent:
        line.append(f"  {inert(codebook.path_of(code.parent))}", style="dim")
    if code.children:
        line.append(f"  ({plural(len(codebook.descendants(code_id)) - 1, 'code')})", style="dim")
    return line


def rank_codes(codebook: Codebook, query: str) -> list[str]:
    """Codes matching ``query`` best first (a code's key typed alone ranks it first); all in
    codebook order when the query is empty."""
    query = query.strip()
    if not query:
        return list(codebook.codes)
    matcher = Matcher(query)
    scored = []
    for code in codebook.codes.values():
        score = max(matcher.match(code.name), matcher.match(code.id) * 0.9,
                    matcher.match(codebook.path_of(code.id)) * 0.8)
        if code.key and code.key == query:
            score += 10
        if score > 0:
            scored.append((-score, codebook.order[code.id], code.id))
    scored.sort()
    return [cid for _, _, cid in scored]


class CodePicker(Dialog):
    """Returns a code id, :data:`ALL_CODES` (filter mode), or None."""

    DEFAULT_CSS = """
    CodePicker { align: center middle; }
    CodePicker > .dialog { width: 90; }
    CodePicker OptionList { height: auto; max-height: 45vh; border: none; padding: 0; scrollbar-size-vertical: 1; }
    CodePicker #definition { height: auto; max-height: 22vh; border-top: solid $primary; color: $text; }
    """ + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings("dialog"),
        binding("cursor_up", action="move(-1)", show=False),
        binding("cursor_down", action="move(1)", show=False),
        binding("page_up", action="move(-10)", show=False),
        binding("page_down", action="move(10)", show=False),
    ]

    def __init__(self, codebook: Codebook, mode: PickerMode = "apply", current: str | None = None,
                 title: str | None = None, offer_new: bool | None = None, all_option: str | None = None) -> None:
        """``offer_new``: a name that matches no code exactly is offered as "New code: <name>"
        (by default when applying or recoding); choosing it returns :data:`NEW_CODE` + the name."""
        super().__init__()
        self.codebook = codebook
        self.mode = mode
        self.current = current
        self.title_text = title or _TITLES[mode]
        self.offer_new = mode in ("apply", "recode") if offer_new is None else offer_new
        #: the first option (filter mode), returned as :data:`ALL_CODES`
        self.all_option = all_option or "Show all codes"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="title")
            placeholder = ("type part of a code's name, id or theme, or a new code's name" if self.offer_new
                           else "type part of a code's name, id or theme")
            yield calm_input(self.app, placeholder=placeholder, id="picker-input", compact=True)
            yield OptionList(id="picker-options")
            yield Static("", id="definition")
            yield Label(f"\u2191\u2193 move \u00b7 enter choose \u00b7 {keys_for(self.app, 'close_dialog')} cancel",
                        classes="hint")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        options = self.query_one("#picker-options", OptionList)
        ranked = rank_codes(self.codebook, query)
        items: list[Option] = []
        if self.mode == "filter" and not query.strip():
            items.append(Option(Text(inert(self.all_option), style="italic"), id=ALL_CODES))
        indent = not query.strip()
        items.extend(Option(code_prompt(self.codebook, cid, indent), id=cid) for cid in ranked)
        name = " ".join(query.split())
        if self.offer_new and name and not any(c.name.casefold() == name.casefold() or c.id == name
                                               for c in self.codebook.codes.values()):
            offer = Text(no_wrap=True, overflow="ellipsis")
            offer.append("+ New code: ", style="bold")
            offer.append(inert(name))
            offer.append("  (a form asks where it goes, its key…)", style="dim")
            new = Option(offer, id=NEW_CODE + name)
            if ranked:
                items.append(new)
            else:
                items.insert(0, new)  # nothing matches: enter creates it
        options.clear_options()
        options.add_options(items)
        if items:
            highlight = 0
            if not query.strip() and self.current in self.codebook.codes:
                highlight = next((i for i, o in enumerate(items) if o.id == self.current), 0)
            options.highlighted = highlight
        self._show_definition()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_definition()

    def _show_definition(self) -> None:
        options = self.query_one("#picker-options", OptionList)
        definition = self.query_one("#definition", Static)
        index = options.highlighted
        if index is None:
            definition.update(Text("No code matches.", style="dim"))
            return
        code_id = options.get_option_at_index(index).id
        if code_id == ALL_CODES:
            definition.update(Text("Show every code again." if self.all_option == "Show all codes"
                                   else inert(self.all_option), style="dim"))
        elif code_id is not None and code_id.startswith(NEW_CODE):
            definition.update(Text("Create this code (it is added to the codebook for everyone) and apply it.",
                                   style="dim"))
        else:
            definition.update(code_definition(self.codebook, code_id))

    def action_move(self, delta: int) -> None:
        options = self.query_one("#picker-options", OptionList)
        if options.option_count == 0:
            return
        current = options.highlighted if options.highlighted is not None else 0
        options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#picker-options", OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

"""The form that creates a code, or edits one's definition, colour and key.

New code: the parent (a theme, or the top level), the name, the id (made from the
name as you type, until you edit it yourself), the key (the free keys are
offered, the letters of the name first), the colour, and optionally the
description and what to include and exclude. Editing shows the same fields but
the parent (moving is its own operation) and the id (renaming is too).

The form does not write anything itself: it hands the values to ``submit``,
which makes the change (one codebook operation) and returns None, or the reason
it was refused; the form then stays open with the reason shown, so nothing
typed is lost.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, TextArea

from tcoder.codebook import Code, Codebook
from tcoder.codebook_ops import derive_id, free_keys
from tcoder.tui.keymap import binding, bindings, keys_for
from tcoder.tui.screens.dialogs import DIALOG_CSS, Dialog, calm_input
from tcoder.tui.wrap import inert

TOP_LEVEL = "__top__"
FormMode = Literal["new", "edit"]
#: what the form hands to ``submit``: field -> value (parent None = the top level)
FormValues = dict[str, Any]


def parent_choices(codebook: Codebook) -> list[tuple[Text, str]]:
    """Where a new code can go: the top level, or under any code that is not a domain's value."""
    out = [(Text("(top level)", style="italic"), TOP_LEVEL)]
    for code in codebook.codes.values():
        if codebook.domain_of(code.id) is not None:
            continue
        out.append((Text("  " * code.depth + inert(code.name)), code.id))
    return out


class CodeForm(Dialog):
    """Create a code (``mode="new"``) or edit one (``mode="edit"``, ``code`` given)."""

    DEFAULT_CSS = """
    CodeForm > .dialog { width: 84; }
    CodeForm .row { height: auto; width: 1fr; }
    CodeForm .field { width: 13; color: $text-muted; }
    CodeForm .row Input, CodeForm .row Select { width: 1fr; }
    CodeForm #description { height: 4; width: 1fr; }
    CodeForm #free-keys { color: $text-muted; width: 1fr; padding-left: 13; }
    """ + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [*bindings("dialog"), binding("save_now", action="submit", show=False)]
    AUTO_FOCUS = "#name"  # focused as the form opens, before any key typed meanwhile is handled

    def __init__(self, codebook: Codebook, submit: Callable[[FormValues], str | None], *, mode: FormMode = "new",
                 code: Code | None = None, name: str = "", parent: str | None = None, note: str = "") -> None:
        super().__init__()
        self.codebook = codebook
        self.submit = submit
        self.mode = mode
        self.code = code
        self.initial_name = code.name if code is not None else name
        self.initial_parent = parent
        self.note = note
        self._id_edited = False
        self._setting_id = False

    # ------------------------------------------------------------ layout

    def _row(self, label: str, widget) -> Horizontal:
        return Horizontal(Label(label, classes="field"), widget, classes="row")

    def compose(self) -> ComposeResult:
        code = self.code
        app = self.app
        if self.mode == "new":
            title = "New code"
        else:
            assert code is not None
            title = f"Edit the code {code.name} ({code.id})"
        with VerticalScroll(classes="dialog"):
            yield Label(Text(inert(title)), classes="title")
            if self.note:
                yield Label(Text(inert(self.note)), classes="hint")
            if self.mode == "new":
                choices = parent_choices(self.codebook)
                parent = self.initial_parent if any(v == self.initial_parent for _, v in choices) else TOP_LEVEL
                yield self._row("Parent", Select(choices, value=parent, allow_blank=False, compact=True, id="parent"))
            yield self._row("Name", calm_input(app, value=self.initial_name, id="name", compact=True,
                                               placeholder="the code's name", select_on_focus=False))
            if self.mode == "new":
                yield self._row("Id", calm_input(app, value=self._derived(self.initial_name), id="code-id",
                                                 compact=True, placeholder="made from the name; edit to choose"))
            key = code.key if code is not None and code.key else ""
            yield self._row("Key", calm_input(app, value=key, id="key", compact=True, max_length=1,
                                              placeholder="optional: one letter or digit"))
            yield Label("", id="free-keys")
            colour = code.color if code is not None and code.color_given else ""
            yield self._row("Colour", calm_input(app, value=colour, id="colour", compact=True,
                                                 placeholder="optional: #0072B2, blue... (else one is chosen)"))
            area = TextArea(code.description if code is not None else "", id="description", soft_wrap=True,
                            compact=True, placeholder="optional: what the code means")
            area.cursor_blink = getattr(app, "cursor_blink", True)
            yield self._row("Description", area)
            yield self._row("Include", calm_input(app, value=code.include if code is not None else "", id="include",
                                                  compact=True, placeholder="optional: when to apply it"))
            yield self._row("Exclude", calm_input(app, value=code.exclude if code is not None else "", id="exclude",
                                                  compact=True, placeholder="optional: when not to"))
            yield Label("", classes="error", id="form-error")
            verb = "create" if self.mode == "new" else "save"
            yield Label(f"tab next field \u00b7 enter or {keys_for(app, 'save_now')} {verb} \u00b7 "
                        f"{keys_for(app, 'close_dialog')} cancel", classes="hint")

    def on_mount(self) -> None:
        self._show_free_keys()

    # ------------------------------------------------------------ live help

    def _derived(self, name: str) -> str:
        if not name.strip():
            return ""
        return derive_id(name, self.codebook.codes)

    def _show_free_keys(self) -> None:
        name = self.query_one("#name", Input).value
        keys = free_keys(self.codebook, name)[:14]
        line = "free keys: " + " ".join(keys) if keys else "every letter and digit is taken: use the picker"
        self.query_one("#free-keys", Label).update(Text(line))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "name":
            self._show_free_keys()
            if self.mode == "new" and not self._id_edited:
                self._setting_id = True
                self.query_one("#code-id", Input).value = self._derived(event.value)
        elif event.input.id == "code-id":
            if self._setting_id:
                self._setting_id = False
            else:
                self._id_edited = True
        self.query_one("#form-error", Label).update("")

    # ------------------------------------------------------------ submitting

    def values(self) -> FormValues:
        def text(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value.strip()

        out: FormValues = {
            "name": " ".join(text("name").split()),
            "key": text("key"),
            "color": text("colour"),
            "description": self.query_one("#description", TextArea).text.strip(),
            "include": text("include"),
            "exclude": text("exclude"),
        }
        if self.mode == "new":
            parent = self.query_one("#parent", Select).value
            out["parent"] = None if parent == TOP_LEVEL or parent == Select.BLANK else str(parent)
            out["id"] = text("code-id")
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        values = self.values()
        if not values["name"]:
            self._error("a code needs a name")
            self.query_one("#name", Input).focus()
            return
        problem = self.submit(values)
        if problem:
            self._error(problem)
            return
        self.dismiss(values)

    def _error(self, message: str) -> None:
        self.query_one("#form-error", Label).update(Text(inert(message)))


__all__ = ["CodeForm", "FormValues", "TOP_LEVEL", "parent_choices"]

"""Dialogs of the codebook panel: what to do with a code, the preview of a
study-wide operation, a new id, the codebook's history.

Like every dialog they only ask; the coding screen makes the change (through
:mod:`tcoder.codebook_session`) and shows what happened.
"""

from __future__ import annotations

from typing import Callable, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tcoder.codebook import Codebook
from tcoder.tui.keymap import binding, bindings, keys_for
from tcoder.tui.screens.dialogs import DIALOG_CSS, Dialog, calm_input
from tcoder.tui.widgets.codebook_panel import ACTION_KEYS
from tcoder.tui.wrap import inert


class CodeActionsDialog(Dialog):
    """What to do with one code: each action with its letter (the letter does it at once)."""

    DEFAULT_CSS = """
    CodeActionsDialog > .dialog { width: 64; }
    CodeActionsDialog OptionList { height: auto; max-height: 70vh; border: none; padding: 0; }
    """ + DIALOG_CSS

    def __init__(self, codebook: Codebook, code_id: str, usage: str = "") -> None:
        super().__init__()
        self.codebook = codebook
        self.code_id = code_id
        self.usage = usage

    def compose(self) -> ComposeResult:
        code = self.codebook[self.code_id]
        options = []
        for letter, (action, what) in ACTION_KEYS.items():
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{letter}  ", style="bold")
            line.append(what)
            options.append(Option(line, id=action))
        with Vertical(classes="dialog"):
            yield Label(Text(inert(f"{code.name} ({code.id})")), classes="title")
            if self.usage:
                yield Label(Text(inert(self.usage)), classes="hint")
            yield OptionList(*options, id="actions")
            yield Label(f"letter or enter \u00b7 {keys_for(self.app, 'close_dialog')} cancel", classes="hint")

    def on_key(self, event) -> None:
        ch = event.character
        if ch and ch in ACTION_KEYS:
            event.stop()
            self.dismiss(ACTION_KEYS[ch][0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class PreviewDialog(Dialog):
    """What an operation would change, per coder and file; enter makes it, escape does not."""

    DEFAULT_CSS = """
    PreviewDialog > .dialog { width: 100; }
    PreviewDialog #preview { height: auto; max-height: 60vh; }
    """ + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [*bindings("dialog"), binding("save_now", action="confirm_dialog",
                                                                             show=False)]

    def __init__(self, title: str, lines: list[str], question: str = "Make this change?") -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.question = question

    def compose(self) -> ComposeResult:
        body = Text()
        for i, line in enumerate(self.lines):
            if i:
                body.append("\n")
            body.append(inert(line), style="bold" if i == 0 else "")
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="title")
            with VerticalScroll(id="preview"):
                yield Static(body)
            yield Label(Text(inert(self.question)))
            yield Label(f"{keys_for(self.app, 'confirm_dialog')} yes, do it \u00b7 "
                        f"{keys_for(self.app, 'close_dialog')} no", classes="hint")

    def action_confirm_dialog(self) -> None:
        self.dismiss(True)

    def action_close_dialog(self) -> None:
        self.dismiss(False)


class TextPrompt(Dialog):
    """One or two lines to type (a new id and name, the names of a split's codes...).

    ``submit`` gets the values and returns None (done) or why not: the dialog stays
    open with the reason, so nothing typed is lost."""

    DEFAULT_CSS = """
    TextPrompt > .dialog { width: 80; }
    TextPrompt .row { height: auto; width: 1fr; }
    TextPrompt .field { width: 16; color: $text-muted; }
    TextPrompt .row Input { width: 1fr; }
    """ + DIALOG_CSS
    AUTO_FOCUS = "#field-0"

    def __init__(self, title: str, fields: list[tuple[str, str, str]], submit: Callable[[list[str]], str | None],
                 note: str = "") -> None:
        """``fields``: (label, initial value, placeholder) per line."""
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.submit = submit
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="title")
            if self.note:
                yield Label(Text(inert(self.note)), classes="hint")
            for n, (label, value, placeholder) in enumerate(self.fields):
                yield Horizontal(Label(label, classes="field"),
                                 calm_input(self.app, value=value, placeholder=placeholder, id=f"field-{n}",
                                            compact=True), classes="row")
            yield Label("", classes="error", id="prompt-error")
            yield Label(f"tab next \u00b7 enter OK \u00b7 {keys_for(self.app, 'close_dialog')} cancel", classes="hint")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#prompt-error", Label).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        values = [self.query_one(f"#field-{n}", Input).value.strip() for n in range(len(self.fields))]
        problem = self.submit(values)
        if problem:
            self.query_one("#prompt-error", Label).update(Text(inert(problem)))
            return
        self.dismiss(values)


class HistoryDialog(Dialog):
    """The codebook's history, newest last, as ``tcoder codebook log`` prints it."""

    DEFAULT_CSS = """
    HistoryDialog > .dialog { width: 110; height: 90%; }
    HistoryDialog #history { height: 1fr; }
    """ + DIALOG_CSS

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("The codebook's history (tcoder codebook log; --format md for a methods appendix)",
                        classes="title")
            with VerticalScroll(id="history"):
                yield Static(Text(inert(self.text)))
            yield Label(f"{keys_for(self.app, 'confirm_dialog')} or {keys_for(self.app, 'close_dialog')} to close",
                        classes="hint")

    def on_mount(self) -> None:
        scroll = self.query_one("#history", VerticalScroll)
        scroll.focus()
        scroll.scroll_end(animate=False)

    def action_confirm_dialog(self) -> None:
        self.dismiss(None)


__all__ = ["CodeActionsDialog", "HistoryDialog", "PreviewDialog", "TextPrompt"]

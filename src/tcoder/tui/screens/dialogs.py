"""Small modal dialogs: the coder's name, a memo, a search, a choice among
annotations, a message, and a yes/no question.

Every dialog closes with the ``close_dialog`` command (escape by default) and
returns None then; text typed into a dialog is data, shown literally.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tcoder.annotations import check_coder_name
from tcoder.errors import Problem, TcoderError
from tcoder.tui.keymap import binding, bindings, keys_for, keys_label
from tcoder.tui.wrap import inert

DIALOG_CSS = """
.dialog { width: 72; max-width: 95%; height: auto; max-height: 90%; border: round $accent;
          background: $surface; padding: 0 1; }
.dialog .title { text-style: bold; width: 1fr; }
.dialog .hint { color: $text-muted; width: 1fr; }
.dialog .error { color: $error; width: 1fr; }
"""


def calm_input(app, **kwargs) -> Input:
    """An Input whose cursor blinks only if the app lets it (snapshots freeze it)."""
    widget = Input(**kwargs)
    widget.cursor_blink = getattr(app, "cursor_blink", True)
    return widget


class Dialog(ModalScreen):
    DEFAULT_CSS = "Dialog { align: center middle; }\n" + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = bindings("dialog")

    def action_close_dialog(self) -> None:
        self.dismiss(None)

    def action_confirm_dialog(self) -> None:
        """Enter, when no widget in the dialog uses it."""


class CoderNameDialog(Dialog):
    """Asks once for the coder's name (used in the annotation file names)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Who is coding?", classes="title")
            yield Label("Your coder name names your annotation files (P01.NAME.json): lower-case letters, "
                        "digits, '-' and '_'. Set TCODER_CODER or pass --coder to skip this question.",
                        classes="hint")
            yield calm_input(self.app, placeholder="e.g. alice", id="coder-name")
            yield Label("", classes="error", id="coder-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        try:
            check_coder_name(name)
        except TcoderError as exc:
            self.query_one("#coder-error", Label).update(Text(exc.problems[0].message))
            return
        self.dismiss(name)


class MemoDialog(Dialog):
    """Edits the memo of one annotation. Saved with the save_now keys (ctrl+s)."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings("dialog"), binding("save_now", action="save_memo",
                                                                             show=False)]

    def __init__(self, title: str, memo: str) -> None:
        super().__init__()
        self.title_text = title
        self.memo = memo

    def compose(self) -> ComposeResult:
        keys = keys_for(self.app, "save_now")
        close = keys_for(self.app, "close_dialog")
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="title")
            area = TextArea(self.memo, id="memo-text", soft_wrap=True, show_line_numbers=False)
            area.cursor_blink = getattr(self.app, "cursor_blink", True)
            area.styles.height = 8
            yield area
            yield Label(f"{keys} save the memo \u00b7 {close} cancel", classes="hint")

    @property
    def changed(self) -> bool:
        return self.query_one("#memo-text", TextArea).text != self.memo

    def action_save_memo(self) -> None:
        self.dismiss(self.query_one("#memo-text", TextArea).text)


class SearchDialog(ModalScreen):
    """A one-line search box at the bottom of the screen."""

    DEFAULT_CSS = """
    SearchDialog { align: center bottom; background: transparent; }
    SearchDialog > Vertical { height: auto; width: 100%; background: $panel; padding: 0 1; }
    SearchDialog .hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("dialog")

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.query_text = query

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Search (literal, ignores case; enter to find, then next/previous match keys)",
                        classes="hint")
            yield calm_input(self.app, value=self.query_text, placeholder="text to find", id="search-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_close_dialog(self) -> None:
        self.dismiss(None)


class ChoiceDialog(Dialog):
    """Choose one of several items (e.g. which annotation under the cursor to remove)."""

    def __init__(self, title: str, choices: list[tuple[str, Text]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="title")
            yield OptionList(*[Option(prompt, id=value) for value, prompt in self.choices], id="choices")
            yield Label(f"enter choose \u00b7 {keys_for(self.app, 'close_dialog')} cancel", classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class MessageDialog(Dialog):
    """Problems or information, closed with escape or enter."""

    def __init__(self, title: str, problems: list[Problem] | list[str], note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.problems = problems
        self.note = note

    def compose(self) -> ComposeResult:
        body = Text()
        for i, problem in enumerate(self.problems):
            if i:
                body.append("\n")
            severity = getattr(problem, "severity", "")
            body.append(f"{severity}: " if severity else "\u2022 ", style="bold")
            body.append(inert(str(problem)))
        if self.note:
            body.append("\n\n" + self.note, style="italic")
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="title")
            yield Static(body)
            yield Label(f"{keys_for(self.app, 'confirm_dialog')} or {keys_for(self.app, 'close_dialog')} to close",
                        classes="hint")

    def action_confirm_dialog(self) -> None:
        self.dismiss(None)


class ConfirmDialog(Dialog):
    """A yes/no question; enter answers yes, escape no."""

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="title")
            yield Static(Text(inert(self.question)))
            yield Label(f"{keys_for(self.app, 'confirm_dialog')} yes \u00b7 {keys_for(self.app, 'close_dialog')} no",
                        classes="hint")

    def action_confirm_dialog(self) -> None:
        self.dismiss(True)

    def action_close_dialog(self) -> None:
        self.dismiss(False)


__all__ = ["ChoiceDialog", "CoderNameDialog", "ConfirmDialog", "MemoDialog", "MessageDialog", "SearchDialog",
           "calm_input", "keys_label"]

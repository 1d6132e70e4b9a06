"""The decision dialog of the compare screen: what goes into the consensus for one
disagreement. Each choice has a key (in this dialog digits name coders: they are
not codebook keys here), or move with the arrows and press enter."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tcoder.adjudication import Decision, Disagreement, decision_spans
from tcoder.textsafe import inert, inert_lines
from tcoder.tui.keymap import keys_for
from tcoder.tui.screens.dialogs import Dialog
from tcoder.tui.widgets.compare_panels import spans_text

#: Keys of the shared choices inside the dialog (besides the screen's own keys for them).
UNION_KEYS, INTERSECTION_KEYS, NONE_KEYS = ("+", "|", "u"), ("&", "i"), ("-", "n", "0")


def decision_choices(d: Disagreement) -> list[tuple[str, Decision, str]]:
    """(key, decision, what it would put into the consensus) for every choice."""
    out: list[tuple[str, Decision, str]] = []
    for number, coder in enumerate(d.coders[:9], 1):
        out.append((str(number), Decision("coder", coder), f"{coder}'s version"))
    out.append(("+", Decision("union"), "the union"))
    out.append(("&", Decision("intersection"), "the intersection"))
    out.append(("-", Decision("none"), "none of it"))
    return out


class DecisionDialog(Dialog):
    """Choose a decision; returns a :class:`Decision`, or None when cancelled."""

    DEFAULT_CSS = """
    DecisionDialog OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, d: Disagreement, title: str) -> None:
        super().__init__()
        self.disagreement = d
        self.title_text = title
        self.choices = decision_choices(d)

    def compose(self) -> ComposeResult:
        options = []
        for i, (key, decision, label) in enumerate(self.choices):
            spans = [(s, e) for s, e, _ in decision_spans(self.disagreement, decision)]
            prompt = Text()
            prompt.append(f" {key} ", style="bold reverse")
            prompt.append(f" {inert(label)}", style="bold")
            prompt.append(f"  \u2192 {spans_text(spans)}", style="dim")
            options.append(Option(prompt, id=str(i)))
        with Vertical(classes="dialog"):
            yield Label(Text(inert_lines(self.title_text)), classes="title")  # our line break stays
            yield OptionList(*options, id="decisions")
            yield Label(f"press a key, or \u2191\u2193 and enter \u00b7 {keys_for(self.app, 'close_dialog')} cancel",
                        classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        ch = event.character
        if not ch or len(ch) != 1:
            return
        chosen = None
        if ch.isdigit() and 1 <= int(ch) <= min(9, len(self.disagreement.coders)):
            chosen = Decision("coder", self.disagreement.coders[int(ch) - 1])
        elif ch in UNION_KEYS:
            chosen = Decision("union")
        elif ch in INTERSECTION_KEYS:
            chosen = Decision("intersection")
        elif ch in NONE_KEYS:
            chosen = Decision("none")
        if chosen is not None:
            event.stop()
            event.prevent_default()
            self.dismiss(chosen)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)][1])


__all__ = ["DecisionDialog", "decision_choices"]

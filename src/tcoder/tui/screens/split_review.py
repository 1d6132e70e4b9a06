"""The split review: each passage of the code being split (every coder's), with its
context, assigned to one of the two new codes or to both.

1 and 2 send the highlighted passage to the first or the second code, 3 to both,
0 takes the assignment back; each moves on to the next passage. Enter (or the
save key) splits once every passage has its place; the coding screen shows the
preview first. Nothing is written before that.
"""

from __future__ import annotations

from typing import Callable, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from tcoder.codebook_ops import SplitPassage
from tcoder.numbers import plural
from tcoder.quotes import shorten
from tcoder.tui.keymap import binding, bindings, keys_for
from tcoder.tui.wrap import inert

#: key -> which of the two targets (indices into the targets)
CHOICES: dict[str, tuple[int, ...]] = {"1": (0,), "2": (1,), "3": (0, 1), "0": ()}
CONTEXT = 60


class SplitReviewScreen(ModalScreen):
    """Returns the assignment (annotation id -> target ids), or None when cancelled."""

    DEFAULT_CSS = """
    SplitReviewScreen { background: $surface; }
    SplitReviewScreen #split-title { text-style: bold; width: 1fr; padding: 0 1; background: $panel; }
    SplitReviewScreen #split-counts { width: 1fr; padding: 0 1; }
    SplitReviewScreen #split-hint { color: $text-muted; width: 1fr; padding: 0 1; }
    SplitReviewScreen #split-error { color: $error; width: 1fr; padding: 0 1; }
    SplitReviewScreen OptionList { height: 1fr; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*bindings("dialog"), binding("save_now", action="finish", show=False)]

    def __init__(self, source_name: str, targets: list[tuple[str, str]], passages: list[SplitPassage],
                 submit: Callable[[dict[str, list[str]]], str | None]) -> None:
        """``targets``: (id, name) of the two codes; ``submit`` gets the assignment and returns
        None once the split is made, else why not (shown here; the review stays open)."""
        super().__init__()
        self.source_name = source_name
        self.targets = targets
        self.passages = passages
        self.submit = submit
        self.assigned: dict[str, tuple[int, ...]] = {}

    def compose(self) -> ComposeResult:
        (a, a_name), (b, b_name) = self.targets
        yield Label(Text(inert(f"Split {self.source_name}: {plural(len(self.passages), 'passage')} of every coder")),
                    id="split-title")
        yield Label("", id="split-counts")
        yield OptionList(*[Option(self._prompt(p), id=p.annotation.id) for p in self.passages], id="passages")
        yield Label("", id="split-error")
        yield Label(Text(inert(f"1 \u2192 {a_name} \u00b7 2 \u2192 {b_name} \u00b7 3 both \u00b7 0 undecided \u00b7 "
                               f"enter or {keys_for(self.app, 'save_now')} split \u00b7 "
                               f"{keys_for(self.app, 'close_dialog')} cancel")), id="split-hint")
        yield Footer()

    def on_mount(self) -> None:
        self._show_counts()
        self.query_one(OptionList).focus()

    def _label(self, choice: tuple[int, ...] | None) -> Text:
        if choice is None:
            return Text("[   ?   ] ", style="bold yellow")
        if not choice:
            return Text("[   ?   ] ", style="bold yellow")
        names = " + ".join(self.targets[i][1] for i in choice)
        return Text(f"[\u2192 {shorten(names, 30)}] ", style="bold green")

    def _prompt(self, passage: SplitPassage) -> Text:
        a = passage.annotation
        line = Text()
        line.append_text(self._label(self.assigned.get(a.id)))
        line.append(inert(f"{passage.coder} \u00b7 {passage.transcript} \u00b7 {a.start}-{a.end}"), style="dim")
        if passage.locked_by:
            line.append(inert(f" (open in {passage.locked_by}'s session)"), style="dim italic")
        line.append("\n    ")
        before = " ".join((a.prefix or "").split())[-CONTEXT:]
        quote = " ".join((a.quote or "").split())
        after = " ".join((a.suffix or "").split())[:CONTEXT]
        line.append("\u2026" + inert(before) + " ", style="dim")
        line.append(inert(shorten(quote, 240)), style="bold")
        line.append(" " + inert(after) + "\u2026", style="dim")
        if a.memo:
            line.append("\n    memo: " + inert(shorten(" ".join(a.memo.split()), 120)), style="italic")
        return line

    def _show_counts(self) -> None:
        counts = [0, 0, 0]
        for choice in self.assigned.values():
            if len(choice) == 2:
                counts[2] += 1
            elif choice:
                counts[choice[0]] += 1
        left = len(self.passages) - sum(counts)
        (_, a_name), (_, b_name) = self.targets
        text = Text()
        text.append(inert(f"{counts[0]} \u2192 {a_name} \u00b7 {counts[1]} \u2192 {b_name} \u00b7 {counts[2]} both \u00b7 "))
        text.append(f"{left} undecided", style="bold yellow" if left else "green")
        self.query_one("#split-counts", Label).update(text)

    def on_key(self, event: events.Key) -> None:
        ch = event.character
        if ch not in CHOICES:
            return
        event.stop()
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None:
            return
        passage = self.passages[index]
        choice = CHOICES[ch]
        if choice:
            self.assigned[passage.annotation.id] = choice
        else:
            self.assigned.pop(passage.annotation.id, None)
        options.replace_option_prompt_at_index(index, self._prompt(passage))
        self.query_one("#split-error", Label).update("")
        self._show_counts()
        if choice and index + 1 < options.option_count:
            options.highlighted = index + 1

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_finish()

    def action_finish(self) -> None:
        left = [p for p in self.passages if not self.assigned.get(p.annotation.id)]
        if left:
            self.query_one("#split-error", Label).update(Text(
                f"{plural(len(left), 'passage', 'is')} still undecided: give each one 1, 2 or 3"))
            self.query_one(OptionList).highlighted = self.passages.index(left[0])
            return
        assignment = {aid: [self.targets[i][0] for i in choice] for aid, choice in self.assigned.items()}
        problem = self.submit(assignment)
        if problem:
            self.query_one("#split-error", Label).update(Text(inert(problem)))
            return
        self.dismiss(assignment)

    def action_close_dialog(self) -> None:
        self.dismiss(None)

    def action_confirm_dialog(self) -> None:
        self.action_finish()


__all__ = ["SplitReviewScreen"]

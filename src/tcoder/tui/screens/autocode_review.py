"""Code from results: the review list of an autocode batch, before anything is written.

Every passage the batch would code is listed with a tick (space accepts or skips it;
passages the coder already coded with the code are shown and never coded again).
alt+t codes the hit, its sentence or its turn; ctrl+s applies the accepted passages
as one step (tcoder.search.autocode_write), undone by ``tcoder undo``; esc goes back
to the results without changing anything.
"""

from __future__ import annotations

from typing import Callable, ClassVar, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from tcoder.errors import TcoderError
from tcoder.search.autocode import CONFIRM_ABOVE, TARGETS, AutocodeError, Plan, Target, plan_from_hits
from tcoder.search.autocode_write import Applied
from tcoder.search.corpus import Corpus
from tcoder.search.engine import Hit
from tcoder.search.kwic import cut_right, flat
from tcoder.study import Study
from tcoder.tui.screens.dialogs import ConfirmDialog
from tcoder.tui.wrap import inert

#: applies a plan (the app saves its own coding sessions first and merges them after)
ApplyPlan = Callable[[Plan], Applied]

TICK = {True: "[x]", False: "[ ]"}


class AutocodeReviewScreen(Screen):
    """Returns the :class:`Applied` outcome, or None when cancelled."""

    DEFAULT_CSS = """
    AutocodeReviewScreen #review-title { height: 1; width: 1fr; background: $panel; text-style: bold; padding: 0 1; }
    AutocodeReviewScreen #review-options { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    AutocodeReviewScreen #review-status { height: auto; max-height: 3; width: 1fr; padding: 0 1; }
    AutocodeReviewScreen DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back", priority=True),
        Binding("space", "toggle_passage", "Accept / skip"),
        Binding("alt+a", "all(True)", "Accept all", priority=True),
        Binding("alt+n", "all(False)", "Skip all", priority=True),
        Binding("alt+t", "cycle_target", "Hit/sentence/turn", priority=True),
        Binding("ctrl+s", "apply", "Apply", priority=True),
    ]

    def __init__(self, study: Study, hits: Sequence[Hit], code: str, coder: str, source: str,
                 apply: ApplyPlan, corpus: Corpus | None = None, target: Target = "sentence") -> None:
        super().__init__()
        self.study = study
        self.hits = list(hits)
        self.code = code
        self.coder = coder
        self.source = source
        self.apply_plan = apply
        self.corpus = corpus or Corpus(study)
        self.target: Target = target
        self.plan: Plan | None = None
        self.applied: Applied | None = None

    def compose(self) -> ComposeResult:
        name = self.study.codebook.display_name(self.code)
        yield Label(Text(inert(f"Code from results: {name} for {self.coder}")), id="review-title")
        yield Label("", id="review-options")
        yield Label("", id="review-status")
        yield DataTable(id="candidates", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title in (("tick", ""), ("transcript", "Transcript"), ("line", "Line"), ("speaker", "Speaker"),
                           ("passage", "Passage to code")):
            table.add_column(title, key=key)
        self.replan()
        table.focus()

    # ------------------------------------------------------------ the plan

    def replan(self) -> None:
        try:
            self.plan = plan_from_hits(self.study, self.hits, self.code, self.coder, self.target, self.source,
                                       self.corpus)
        except AutocodeError as exc:
            self.plan = None
            self.status(str(exc), problem=True)
            return
        self._fill()

    def _fill(self) -> None:
        plan = self.plan
        assert plan is not None
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        width = max(20, self.size.width - 36)
        for i, c in enumerate(plan.candidates):
            text = self.study.transcript(c.transcript).text[c.start:c.end]
            tick = Text("coded", style="dim") if c.already else Text(TICK[c.accepted])
            table.add_row(tick, Text(inert(c.transcript.rsplit("/", 1)[-1])), Text(str(c.line), justify="right"),
                          Text(cut_right(flat(c.speaker or ""), 12)),
                          Text(cut_right(flat(text), width), style="dim" if c.already or not c.accepted else ""),
                          key=str(i))
        if plan.candidates:
            table.move_cursor(row=min(row, len(plan.candidates) - 1))
        kinds = " / ".join(f"[{t}]" if t == self.target else t for t in TARGETS)
        self.query_one("#review-options", Label).update(Text(
            f"code each {kinds} (alt+t) \u00b7 space accept/skip \u00b7 ctrl+s apply \u00b7 esc back"))
        self._summarise()

    def _summarise(self) -> None:
        if self.plan is not None:
            self.status(self.plan.summary() + ("; nothing to code" if not self.plan.to_apply else ""))

    def status(self, message: str, problem: bool = False) -> None:
        self.query_one("#review-status", Label).update(Text(inert(message), style="bold red" if problem else ""))

    # ------------------------------------------------------------ reviewing

    def _set_row(self, index: int) -> None:
        assert self.plan is not None
        c = self.plan.candidates[index]
        table = self.query_one(DataTable)
        table.update_cell(str(index), "tick", Text("coded", style="dim") if c.already else Text(TICK[c.accepted]))

    def action_toggle_passage(self) -> None:
        table = self.query_one(DataTable)
        if self.plan is None or not self.plan.candidates:
            return
        index = table.cursor_row
        c = self.plan.candidates[index]
        if c.already:
            self.status(f"already coded {self.code} by {self.coder}: it is never coded twice")
            return
        c.accepted = not c.accepted
        self._set_row(index)
        if index + 1 < table.row_count:
            table.move_cursor(row=index + 1)
        self._summarise()

    def action_all(self, accept: bool) -> None:
        if self.plan is None:
            return
        for i, c in enumerate(self.plan.candidates):
            if not c.already and c.accepted != accept:
                c.accepted = accept
                self._set_row(i)
        self._summarise()

    def action_cycle_target(self) -> None:
        self.target = TARGETS[(TARGETS.index(self.target) + 1) % len(TARGETS)]
        self.replan()

    # ------------------------------------------------------------ applying

    def action_apply(self) -> None:
        plan = self.plan
        if plan is None or not plan.to_apply:
            self.status("nothing to code: accept some passages first (space)", problem=True)
            return
        if plan.needs_confirmation:
            def answer(yes: bool | None) -> None:
                if yes:
                    self._apply(plan)

            self.app.push_screen(ConfirmDialog(
                "Code them all?", f"{plan.summary()}. That is more than {CONFIRM_ABOVE:,} passages; code them all "
                "as one step (tcoder undo takes it back)?"), answer)
            return
        self._apply(plan)

    def _apply(self, plan: Plan) -> None:
        try:
            applied = self.apply_plan(plan)
        except TcoderError as exc:
            self.status(str(exc.problems[0]), problem=True)
            return
        self.applied = applied
        self.dismiss(applied)

    def action_cancel(self) -> None:
        self.dismiss(None)

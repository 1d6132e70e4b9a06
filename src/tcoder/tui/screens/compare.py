"""The compare screen (`tcoder compare`): several coders' spans side by side, their
disagreements marked and counted, and decisions written to the consensus.

It is the coding screen of the ``consensus`` coder with the chosen coders drawn
under it: each coder's spans tint the text and have a lane in the gutter, the
consensus's spans are in italics with a lane of their own, and a flag column
marks rows with an open (≠), resolved (✓) or current (▶) disagreement. Every
coding key still works and edits the consensus by hand; the decisions (a
coder's version, union, intersection, none) are core operations of
:class:`~tcoder.adjudication.Adjudication`, each one undoable step.

It changes the coding screen only through that screen's hooks (see
:class:`~tcoder.tui.screens.coding.CodingScreen`): its own side panels
(agreement, current disagreement), the coders' layers, coding by hand into the
consensus, and following the cursor, undo and the coders' saves to the current
disagreement.
"""

from __future__ import annotations

import bisect
import itertools
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Label

from tcoder.adjudication import Adjudication, Decision, Disagreement
from tcoder.numbers import plural
from tcoder.quotes import shorten
from tcoder.session import ApplyResult, CodingSession, SessionError, Step
from tcoder.tui.keymap import bindings, keys_for
from tcoder.tui.screens.coding import CodingScreen
from tcoder.tui.screens.decide import DecisionDialog
from tcoder.tui.widgets.compare_panels import (
    CURRENT_FLAG,
    DONE_FLAG,
    OPEN_FLAG,
    AgreementPanel,
    DisagreementBar,
    DisagreementPanel,
)
from tcoder.tui.widgets.lane_header import LaneHeader
from tcoder.tui.widgets.status_bar import StatusBar
from tcoder.tui.widgets.transcript_view import RowFlag, SpanLayer, TranscriptView


def _first_key(app, command_id: str) -> str:
    return keys_for(app, command_id).split(" / ")[0]


class CompareScreen(CodingScreen):
    BINDINGS: ClassVar[list[BindingType]] = bindings("compare")
    SIDE_PANELS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "toggle_codebook": ("agreement-box", "Agreement panel",
                            "show or hide the agreement panel (readings, in a reflexive study)"),
        "toggle_details": ("disagreement-box", "Disagreement panel",
                           "show or hide the current disagreement (difference) and the decisions"),
    }
    DEFAULT_CSS = """
    CompareScreen #agreement-box { height: 1fr; }
    CompareScreen #disagreement-box { height: 1fr; border-top: solid $primary; }
    CompareScreen .panel-scroll { height: 1fr; scrollbar-size-vertical: 1; }
    """

    def __init__(self, adjudication: Adjudication, *, no_color: bool = False, unit: str = "char") -> None:
        super().__init__(adjudication.consensus, no_color=no_color)
        self.adjudication = adjudication
        self.unit = unit
        #: the index of the current disagreement in ``adjudication.disagreements``
        self.current: int | None = None
        self._flag_index: tuple[list[int], list[int]] = ([], [])
        self._flags_of: tuple | None = None
        self._alpha: tuple[tuple, object] | None = None
        self._step_places: dict[int, tuple] = {}  # id(step) -> the disagreement it decided

    # ------------------------------------------------------------ layout

    def span_layers(self) -> list[SpanLayer]:
        """Each chosen coder's spans, then the consensus's in italics."""
        adjudication = self.adjudication
        return [*(SpanLayer(coder, adjudication.coders[coder]) for coder in adjudication.order),  # type: ignore[arg-type]
                SpanLayer(self.session.coder, self.session, style="italic")]

    @property
    def followed(self) -> list[CodingSession]:
        return [s for s in self.adjudication.coders.values() if isinstance(s, CodingSession)]

    def compose(self) -> ComposeResult:
        view = TranscriptView(self.session.transcript, self.session.codebook, self.span_layers(),
                              no_color=self.no_color, id="transcript")
        view.row_flags = self._row_flag
        yield Label("", id="banner")
        yield Label("", id="anchor-banner")
        legend = [(" text: tinted = coded, underlined = several spans, ", ""), ("italic", "italic"),
                  (f" = in {self.session.coder}", "")]
        yield LaneHeader(view, legend, {self.session.coder}, id="lanes")
        with Horizontal(id="main"):
            yield view
            with Vertical(id="side"):
                with Vertical(id="agreement-box"):
                    reflexive = self.session.study.settings.reflexive
                    yield Label(("Readings \u00b7 " if reflexive else "Agreement \u00b7 ")
                                + ", ".join(self.adjudication.order), classes="panel-title")
                    with VerticalScroll(classes="panel-scroll"):
                        yield AgreementPanel(id="agreement")
                with Vertical(id="disagreement-box"):
                    yield Label("Current difference" if self.session.study.settings.reflexive
                                else "Current disagreement", classes="panel-title")
                    with VerticalScroll(classes="panel-scroll"):
                        yield DisagreementPanel(id="disagreement")
        yield DisagreementBar(id="bar")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        # Runs before the coding screen's on_mount (Textual calls handlers down the MRO).
        items = self.adjudication.disagreements
        found = self.adjudication.step_from(None, 0, True, open_only=True)
        self.current = found[0] if found else (0 if items else None)
        self.call_after_refresh(self._show_current, True)

    # ------------------------------------------------------------ the flag column

    def _refresh_flag_index(self) -> None:
        items = self.adjudication.disagreements
        if self._flags_of is not None and self._flags_of[0] is items:
            return
        starts = [d.start for d in items]
        max_ends = list(itertools.accumulate((d.end for d in items), max))
        self._flag_index = (starts, max_ends)
        self._flags_of = (items,)

    def _row_flag(self, start: int, end: int) -> RowFlag | None:
        self._refresh_flag_index()
        starts, max_ends = self._flag_index
        first = bisect.bisect_right(max_ends, start)
        last = bisect.bisect_left(starts, end)
        if first >= last:
            return None
        items = self.adjudication.disagreements
        resolutions = self.adjudication.resolutions()
        hits = [i for i in range(first, last) if items[i].end > start]
        if not hits:
            return None
        if self.current in hits:
            return (CURRENT_FLAG, "current")
        if any(not resolutions[i].resolved for i in hits):
            return (OPEN_FLAG, "open")
        return (DONE_FLAG, "done")

    # ------------------------------------------------------------ the current disagreement

    def current_disagreement(self) -> Disagreement | None:
        items = self.adjudication.disagreements
        if self.current is None or not 0 <= self.current < len(items):
            return None
        return items[self.current]

    def _show_current(self, move: bool = False) -> None:
        """Highlight the current disagreement (and bring the cursor to it when ``move``)."""
        d = self.current_disagreement()
        view = self.view
        view.set_focus_range((d.start, d.end) if d is not None else None)
        if move and d is not None:
            view.move_to(d.start, center=True)
        self.redraw()

    def _go(self, index: int | None, note: str = "") -> None:
        if index is None:
            return
        self.current = index
        self._show_current(move=True)
        if note:
            self.flash(note)

    def _step(self, forward: bool, open_only: bool = False) -> None:
        items = self.adjudication.disagreements
        if not items:
            self.flash("the coders agree everywhere on this transcript: nothing to go to")
            return
        found = self.adjudication.step_from(self.current, self.view.cursor, forward, open_only)
        if found is None:
            self.flash(f"all {len(items)} disagreements are resolved")
            return
        index, wrapped = found
        note = ""
        if wrapped:
            note = "wrapped to the " + ("first" if forward else "last")
        self._go(index, note)

    def action_next_disagreement(self) -> None:
        self._step(True)

    def action_previous_disagreement(self) -> None:
        self._step(False)

    def action_next_open_disagreement(self) -> None:
        self._step(True, open_only=True)

    def cursor_moved(self, view: TranscriptView) -> bool:
        """Following the cursor: moving into another disagreement makes it the current one
        (and the disagreement panel shows it)."""
        d = self.current_disagreement()
        if d is None or not d.start <= view.cursor < d.end:
            index = self.adjudication.index_at(view.cursor)
            if index is not None and index != self.current:
                self.current = index
                view.set_focus_range((self.adjudication.disagreements[index].start,
                                      self.adjudication.disagreements[index].end))
                return True
        return False

    # ------------------------------------------------------------ deciding

    def _decision_hint(self) -> str:
        return (f"{_first_key(self.app, 'decide')} decide \u00b7 {_first_key(self.app, 'accept_union')} union "
                f"\u00b7 {_first_key(self.app, 'accept_intersection')} intersection \u00b7 "
                f"{_first_key(self.app, 'accept_none')} none \u00b7 select + code key: by hand")

    def _decide(self, decision: Decision) -> None:
        if self._read_only_refusal():
            return
        d = self.current_disagreement()
        if d is None:
            if not self.adjudication.disagreements:
                self.flash("nothing to decide: the coders agree everywhere on this transcript")
            else:
                self.flash(f"no disagreement selected ({_first_key(self.app, 'next_disagreement')} goes to the next)",
                           problem=True)
            return
        try:
            step = self.adjudication.decide(d, decision)
        except SessionError as exc:
            self._refuse(exc)
            return
        name = self.session.codebook[d.code].name
        if step is None:
            self.flash(f"the consensus already has {decision.label} for {name} here")
            return
        self._step_places[id(step)] = d.key
        message = f"{name}: {decision.label}"
        found = self.adjudication.step_from(self.current, d.start, True, open_only=True)
        if found is None:
            message += f"; all {len(self.adjudication.disagreements)} disagreements are resolved"
            self._show_current()
        else:
            self.current = found[0]
            self._show_current(move=True)
            message += f"; next open: {found[0] + 1} of {len(self.adjudication.disagreements)}"
        self._after_save(message + f" ({keys_for(self.app, 'undo')} undoes)")

    def action_decide(self) -> None:
        if self._read_only_refusal():
            return
        d = self.current_disagreement()
        if d is None:
            self._decide(Decision("none"))  # explains that there is nothing to decide
            return
        name = self.session.codebook.display_name(d.code)
        passage = shorten(self.session.transcript.text[d.start:d.end], 160, middle=True)
        title = (f"{name}, characters {d.start}-{d.end} ({d.kind}): what goes into the consensus?\n"
                 f"\u201c{passage}\u201d")

        def chosen(decision: Decision | None) -> None:
            if decision is not None:
                self._decide(decision)

        self.app.push_screen(DecisionDialog(d, title), chosen)

    def action_accept_union(self) -> None:
        self._decide(Decision("union"))

    def action_accept_intersection(self) -> None:
        self._decide(Decision("intersection"))

    def action_accept_none(self) -> None:
        self._decide(Decision("none"))

    def action_accept_agreements(self) -> None:
        if self._read_only_refusal():
            return
        try:
            step = self.adjudication.accept_agreements()
        except SessionError as exc:
            self._refuse(exc)
            return
        if step is None:
            self.flash("the consensus already has every span the coders agree on")
            return
        self.redraw()
        self._after_save(f"{plural(len(step.changes), 'agreed span')} copied into the consensus "
                         f"({keys_for(self.app, 'undo')} undoes)")

    def apply_here(self, code_id: str, start: int, end: int) -> ApplyResult:
        """Coding by hand on the compare screen codes the consensus, with its sources."""
        return self.adjudication.apply_by_hand(code_id, start, end)

    def history_stepped(self, step: Step, undo: bool) -> None:
        """An undone or redone decision makes its disagreement the current one again."""
        key = self._step_places.get(id(step))
        index = self.adjudication.index_of(key) if key is not None else None
        if index is not None:
            self.current = index
            self._show_current(move=True)
        else:
            self._show_current()

    # ------------------------------------------------------------ panels and live changes

    def fill_panels(self) -> None:
        """The agreement (or, in a reflexive study, the overlaps) and the current disagreement."""
        adjudication = self.adjudication
        if self.query_one("#agreement-box").display:
            revisions = tuple(s.revision for s in adjudication.coders.values())
            key = (revisions, self.session.revision, len(adjudication.disagreements))
            if self.session.study.settings.reflexive:  # differences to discuss, never a reliability figure
                if self._alpha is None or self._alpha[0] != revisions:
                    self._alpha = (revisions, adjudication.overlaps())
                self.query_one(AgreementPanel).show_overlaps(adjudication, self._alpha[1], key)
            else:
                if self._alpha is None or self._alpha[0] != revisions:
                    self._alpha = (revisions, adjudication.alphas(self.unit))
                self.query_one(AgreementPanel).show(adjudication, self._alpha[1], self.unit, key)
        if self.query_one("#disagreement-box").display:
            self.query_one(DisagreementPanel).show(adjudication, self.current, self._decision_hint())

    def status_shown(self) -> None:
        """The bar under the text: where the current disagreement is among all, and the keys."""
        keys = (f"{_first_key(self.app, 'decide')} decide \u00b7 {_first_key(self.app, 'previous_disagreement')} "
                f"{_first_key(self.app, 'next_disagreement')} move")
        self.query_one(DisagreementBar).show(self.adjudication, self.current, keys)

    def followed_changed(self, sessions: list[CodingSession]) -> None:
        """A coder saved: recompute the disagreements, keeping the current one if it is still there."""
        adjudication = self.adjudication
        old = self.current_disagreement()
        adjudication.refresh()
        items = adjudication.disagreements
        if old is not None:
            index = adjudication.index_of(old.key)
            if index is None:
                index = adjudication.index_at(old.start)
            self.current = index if index is not None else (min(self.current or 0, len(items) - 1)
                                                            if items else None)
        elif items and self.current is None:
            self.current = 0
        d = self.current_disagreement()
        self.view.set_focus_range((d.start, d.end) if d is not None else None)
        self.flash(f"{', '.join(s.coder for s in sessions)} saved: {plural(len(items), 'disagreement')} now")
        super().followed_changed(sessions)

    def on_resize(self, event) -> None:
        self.query_one(LaneHeader).refresh()


__all__ = ["CompareScreen"]

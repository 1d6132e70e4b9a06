"""The compare screen's panels: the agreement panel
(per-code alpha for this transcript and how many disagreements are resolved), the
current disagreement in detail, and a one-line summary that stays at every size.

Everything shown from the study (code names, quotes) is data: plain Text, inert.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from tcoder.adjudication import Adjudication, Disagreement, Resolution
from tcoder.agreement.tables import band
from tcoder.numbers import fixed, plural
from tcoder.quotes import shorten
from tcoder.tui.wrap import inert

#: Glyphs of the flag column: an open disagreement, a resolved one, the current one.
OPEN_FLAG, DONE_FLAG, CURRENT_FLAG = "\u2260", "\u2713", "\u25b6"
#: Colours of a point estimate against .800 and .667 (a colour, not a verdict: one transcript has no interval).
BAND_STYLE = {"high": "green", "middle": "yellow", "low": "red", "undefined": "dim"}


def quote_of(text: str, start: int, end: int, width: int = 60) -> str:
    return inert(shorten(text[start:end], width))


def spans_text(spans: list[tuple[int, int]]) -> str:
    return ", ".join(f"{s}-{e}" for s, e in spans) if spans else "\u2014 (nothing)"


class AgreementPanel(Static):
    """Resolved so far, and Krippendorff's alpha per code among the coders (this transcript)."""

    DEFAULT_CSS = """
    AgreementPanel { width: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._key: tuple | None = None

    def show_overlaps(self, adjudication: Adjudication, rows, key: tuple) -> None:
        """The reflexive approach: resolved so far, and the overlap counts instead of alpha."""
        if key == self._key:
            return
        self._key = key
        total = len(adjudication.disagreements)
        resolved = adjudication.resolved_count
        out = Table.grid(expand=True, padding=(0, 1))
        out.add_column("what", ratio=1)
        out.add_row(Text(f"{resolved} of {total} differences talked through", style="bold"))
        out.add_row(Text(""))
        out.add_row(Text("How the readings overlap (characters)", style="bold underline"))
        out.add_row(overlap_table(adjudication, rows))
        out.add_row(Text("Material to discuss, not a reliability measure (reflexive approach).",
                         style="dim italic"))
        self.update(out)

    def show(self, adjudication: Adjudication, table, unit: str, key: tuple) -> None:
        """``table`` is the agreement core's Table for this transcript (None while it is computed)."""
        if key == self._key:
            return
        self._key = key
        total = len(adjudication.disagreements)
        resolved = adjudication.resolved_count
        out = Table.grid(expand=True, padding=(0, 1))
        out.add_column("what", ratio=1, no_wrap=True, overflow="ellipsis")
        out.add_column("alpha", justify="right", no_wrap=True)
        progress = Text()
        progress.append(f"{resolved} of {total} resolved", style="bold")
        progress.append(f" \u00b7 {total - resolved} open")
        width = 20
        filled = round(width * resolved / total) if total else width
        bar = Text("\u2588" * filled, style="green") + Text("\u2591" * (width - filled), style="dim")
        out.add_row(progress, "")
        out.add_row(bar, "")
        out.add_row(Text(""), "")
        out.add_row(Text(f"alpha per code ({unit})", style="bold underline"), Text("alpha", style="bold"))
        codebook = adjudication.codebook
        if table is None:
            out.add_row(Text("computing\u2026", style="dim"), "")
        else:
            rows = [r for r in table.codes] + list(table.domains)
            if not rows:
                out.add_row(Text("no code used by two coders yet", style="dim"), "")
            for row in rows:
                name = codebook.display_name(row.id)
                depth = codebook[row.id].depth if row.id in codebook.codes else 0
                label = Text("  " * depth + inert(name))
                alpha = "-" if row.alpha is None else fixed(row.alpha, 2)
                out.add_row(label, Text(alpha, style=BAND_STYLE[band(row.alpha)]))
            overall = table.overall
            alpha = "-" if overall.alpha is None else fixed(overall.alpha, 2)
            out.add_row(Text("All codes (pooled)", style="bold"),
                        Text(alpha, style="bold " + BAND_STYLE[band(overall.alpha)]))
        if adjudication.alpha_left_out and table is not None:
            who = ", ".join(sorted(adjudication.alpha_left_out))
            out.add_row(Text(inert(f"turns left out: {who}"), style="dim"), "")
        if adjudication.left_out:
            out.add_row(Text(f"{plural(adjudication.left_out, 'annotation')} left out: orphaned, beyond the text or "
                             "with a code not in the codebook (tcoder check)", style="dim"), "")
        self.update(out)


def overlap_table(adjudication: Adjudication, rows) -> Table:
    """The reflexive approach's counts: per code, the characters both coders coded and those only one did."""
    out = Table.grid(expand=True, padding=(0, 1))
    out.add_column("code", ratio=1, no_wrap=True, overflow="ellipsis")
    out.add_column("both", justify="right", no_wrap=True)
    out.add_column("only", justify="right", no_wrap=True)
    out.add_row(Text("code", style="bold"), Text("both", style="bold"), Text("only 1st/2nd", style="bold"))
    codebook = adjudication.codebook
    if not rows:
        out.add_row(Text("no code used yet", style="dim"), "", "")
    pairs = {(r.coder_a, r.coder_b) for r in rows}
    for r in rows:
        name = codebook[r.code].name if r.code in codebook.codes else r.code
        label = inert(name) + (f" ({r.coder_a}/{r.coder_b})" if len(pairs) > 1 else "")
        out.add_row(Text(label), f"{r.both:,}", f"{r.only_a:,}/{r.only_b:,}")
    return out


class DisagreementPanel(Static):
    """The current disagreement: its code, kind and extent, each coder's spans, the consensus."""

    DEFAULT_CSS = """
    DisagreementPanel { width: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)

    def show(self, adjudication: Adjudication, index: int | None, hint: str) -> None:
        out = Text()
        items = adjudication.disagreements
        if index is None or index >= len(items):
            out.append("No disagreement selected.", style="bold")
            if not items:
                out.append("\nThe coders agree everywhere on this transcript.")
            out.append("\n" + hint, style="dim")
            self.update(out)
            return
        d = items[index]
        resolution = adjudication.resolutions()[index]
        codebook = adjudication.codebook
        text = adjudication.transcript.text
        code = codebook.codes.get(d.code)
        out.append(f"Disagreement {index + 1} of {len(items)} \u00b7 ", style="bold")
        out.append(("resolved" if resolution.resolved else "open"),
                   style="bold green" if resolution.resolved else "bold red")
        out.append("\n")
        out.append("\u2588 ", style=code.color if code else "grey50")
        out.append(inert(code.name if code else d.code), style="bold")
        if code is not None and code.key:
            out.append(f"  key {code.key}", style="dim")
        out.append(f"\n{d.kind} \u00b7 characters {d.start}-{d.end}", style="italic")
        for number, coder in enumerate(d.coders, 1):
            spans = d.spans(coder)
            out.append(f"\n{number} {inert(coder)}: ", style="bold")
            out.append(spans_text(spans))
            for s, e in spans[:3]:
                out.append(f"\n   \u201c{quote_of(text, s, e)}\u201d", style="dim")
        out.append(f"\n{inert(adjudication.consensus.coder)}: ", style="bold italic")
        out.append(describe(resolution))
        out.append("\n" + hint, style="dim")
        self.update(out)


def describe(resolution: Resolution) -> str:
    if resolution.consensus:
        return spans_text([(a.start, a.end) for a in resolution.consensus])
    if resolution.none:
        return "none (decided: nothing goes in)"
    return "open \u2014 not decided yet"


class DisagreementBar(Widget):
    """One line under the transcript: the current disagreement and the progress, at every size."""

    DEFAULT_CSS = """
    DisagreementBar { height: 1; width: 1fr; background: $boost; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._line = Text("")

    def show(self, adjudication: Adjudication, index: int | None, keys: str) -> None:
        items = adjudication.disagreements
        resolved = adjudication.resolved_count
        line = Text(no_wrap=True, overflow="ellipsis")
        if index is None or index >= len(items):
            line.append(f" {plural(len(items), 'disagreement')}", style="bold")
        else:
            d: Disagreement = items[index]
            resolution = adjudication.resolutions()[index]
            flag = DONE_FLAG if resolution.resolved else OPEN_FLAG
            line.append(f" {flag} {index + 1}/{len(items)} ", style="bold")
            code = adjudication.codebook.codes.get(d.code)
            line.append(inert(code.name if code else d.code), style="bold")
            line.append(f" \u00b7 {d.kind} \u00b7 ")
            line.append("resolved" if resolution.resolved else "open",
                        style="green" if resolution.resolved else "bold red")
        line.append(f" \u2502 {resolved}/{len(items)} resolved \u2502 ")
        line.append(keys, style="dim")
        if line != self._line:
            self._line = line
            self.refresh()

    def render(self) -> Text:
        return self._line


__all__ = ["AgreementPanel", "CURRENT_FLAG", "DONE_FLAG", "DisagreementBar", "DisagreementPanel", "OPEN_FLAG",
           "describe", "quote_of", "spans_text"]

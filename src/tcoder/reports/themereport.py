"""``report themes``: each theme written up for a paper, with the thematic map.

Per theme: its status, central organising concept and definition, its sub-themes,
a table of the codes that inform it with their frequencies by group (annotations and
cases per group value, the theme as a whole in the last row), the exemplar quotes
marked while coding with their citations, the memos about it, and the history of
its development. The counts are the frequencies report's (tcoder.reports.frequencies):
the same coders, turns and cases, said under each table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from tcoder.annotations import Annotation
from tcoder.errors import TcoderError
from tcoder.memoset import MemoSet
from tcoder.numbers import fixed, plural
from tcoder.participants import Grouping
from tcoder.reports.data import ReportData
from tcoder.reports.document import Document, Figure, ListBlock, Paragraph, Quote, Span, Table, markdown_blocks
from tcoder.reports.memoreport import passage_citation
from tcoder.study import Study
from tcoder.themeops import describe as describe_change
from tcoder.themes import Theme, ThemeFile

THEME_ROW = "the theme (any of its codes)"


@dataclass
class ThemeCounts(ReportData):
    """Report data whose rows are a theme's codes and one pseudo-code per theme: all its codes."""

    theme_members: dict[str, list[str]] = field(default_factory=dict)

    def members(self, code: str) -> list[str]:
        if code in self.theme_members:
            return self.theme_members[code]
        return super().members(code)

    def name(self, code: str) -> str:
        return THEME_ROW if code in self.theme_members else super().name(code)


def theme_counts(data: ReportData, themes: ThemeFile) -> ThemeCounts:
    every = {f.name: getattr(data, f.name) for f in fields(ReportData)}
    counts = ThemeCounts(**every)
    codes = list(data.codes)  # every code stays in (the counts select annotations by these)
    for theme in themes:
        codes.extend(c for c in theme.codes if c not in codes)
        members: list[str] = []
        for code in theme.codes:
            members.extend(m for m in ReportData.members(data, code) if m not in members)
        counts.theme_members[f"\x00theme:{theme.id}"] = members
    counts.codes = codes + list(counts.theme_members)
    return counts


@dataclass
class Exemplar:
    transcript: str
    annotation: Annotation
    coders: list[str]


def exemplars(study: Study) -> tuple[list[Exemplar], list[str]]:
    """Annotations marked as exemplars, in any coder's file (one entry per passage and code,
    naming every coder who marked it), and the files that could not be read."""
    found: dict[tuple[str, str, int, int], Exemplar] = {}
    unreadable: list[str] = []
    for loaded in study.iter_loaded():
        if isinstance(loaded, TcoderError):
            unreadable.extend(str(p) for p in loaded.problems)
            continue
        for a in loaded.annotations:
            if a.exemplar:
                key = (loaded.ref.name, a.code, a.start, a.end)
                if key in found:
                    found[key].coders.append(loaded.coder)
                else:
                    found[key] = Exemplar(loaded.ref.name, a, [loaded.coder])
    order = {r.name: i for i, r in enumerate(study.transcripts)}
    return sorted(found.values(), key=lambda e: (order.get(e.transcript, 0), e.annotation.start)), unreadable


def _count_table(theme: Theme, counts: ThemeCounts, frame, grouping: Grouping | None, group_labels: list[str],
                 measure: str) -> Table:
    rows = []
    keys = theme.codes + [f"\x00theme:{theme.id}"]
    by_code = frame.set_index("code")
    for key in keys:
        name = counts.name(key)
        row: list[Any] = [name if key in counts.theme_members else
                          (counts.codebook.path_of(key) if key in counts.codebook else f"{key} (not in the codebook)")]
        for label in group_labels:
            n = by_code.at[key, f"{label} annotations"]
            cases = by_code.at[key, f"{label} {measure}"]
            share = by_code.at[key, f"{label} % cases"]
            row += [int(n), f"{int(cases)} ({fixed(share, 0)}%)" if share == share else f"{int(cases)}"]
        rows.append(row)
    columns = ["Code"]
    for label in group_labels:
        columns += [f"{label}: n", f"{label}: {measure}"]
    what = f"by {grouping.attribute}" if grouping is not None else "by coder"
    return Table(columns, rows, caption=f"Codes that inform \u201c{theme.label}\u201d, {what}",
                 numeric=set(range(1, len(columns))))


def themes_document(study: Study, themes: ThemeFile, counts: ThemeCounts | None, grouping: Grouping | None,
                    notes: list[str], memos: MemoSet, history: list[dict[str, Any]],
                    chosen: list[Theme], figure: Figure | None = None, cite: list[str] | None = None) -> Document:
    doc = Document("Themes", subtitle=study.root.name)
    statuses: dict[str, int] = {}
    for theme in chosen:
        statuses[theme.status] = statuses.get(theme.status, 0) + 1
    doc.para(f"{plural(len(chosen), 'theme')}: " + ", ".join(f"{n} {s}" for s, n in statuses.items()) + ".", style="meta")
    if figure is not None:
        doc.add(figure)
    frame = None
    group_labels: list[str] = []
    measure = "cases"
    if counts is not None:
        from tcoder.reports.frequencies import case_measure, frequency_table, groups

        frame = frequency_table(counts, grouping).frame()
        group_labels = [g.label for g in groups(counts, grouping)]
        measure = case_measure(grouping)
    found, _ = exemplars(study)
    chosen_ids = {t.id for t in chosen}
    for theme, depth in themes.walk():
        if theme.id not in chosen_ids:
            continue
        doc.heading(theme.label, 2 + min(depth, 2))
        parent = themes.parent_of(theme.id)
        meta = f"Status: {theme.status} \u00b7 id {theme.id}"
        if parent:
            meta += f" \u00b7 sub-theme of {themes[parent].label if parent in themes else parent}"
        doc.para(meta, style="meta")
        if theme.concept:
            doc.para(Span("Central organising concept.", bold=True), " " + theme.concept.strip())
        if theme.definition:
            doc.add(Paragraph([Span("Definition.", bold=True)]), *markdown_blocks(theme.definition, 4))
        if theme.subthemes:
            doc.add(Paragraph([Span("Sub-themes:", bold=True), " " + ", ".join(
                themes[s].label if s in themes else s for s in theme.subthemes)]))
        if frame is not None and theme.codes:
            doc.add(_count_table(theme, counts, frame, grouping, group_labels, measure))  # type: ignore[arg-type]
        elif not theme.codes:
            doc.para("No codes linked yet.", style="note")
        members = set(counts.theme_members.get(f"\x00theme:{theme.id}", theme.codes)) if counts else set(theme.codes)
        mine = [e for e in found if e.annotation.code in members]
        if mine:
            doc.add(Paragraph([Span("Exemplar quotes", bold=True)]))
            for e in mine:
                a = e.annotation
                text = study.transcript(e.transcript).text[a.start:a.end]
                name = study.codebook.display_name(a.code)
                citation = _cited(study, e, cite) + f"; {name}; marked by {', '.join(e.coders)}"
                doc.add(Quote(text, citation))
        elif theme.codes:
            doc.para("No exemplar quotes marked yet for these codes (in the coding screen, * marks the annotation "
                     "under the cursor).", style="note")
        linked = memos.linked_to("theme", theme.id)
        if linked:
            doc.add(Paragraph([Span("Memos", bold=True)]), ListBlock([[
                f"{m.display_title} ({m.author or 'no author'}, {m.date or 'undated'})"] for m in linked]))
        changes = [e for e in history if e.get("theme") == theme.id]
        if changes:
            doc.add(Paragraph([Span("Development", bold=True)]), ListBlock([[
                f"{str(e.get('when', ''))[:10]}, {e.get('who') or 'unknown'}: {describe_change(e)}"
                + (f" \u2014 {e['why']}" if e.get("why") else "")] for e in changes]))
    for note in notes:
        doc.para(note, style="note")
    return doc


def _cited(study: Study, e: Exemplar, cite: list[str] | None) -> str:
    """The passage's citation, led by the speaker's attributes when ``--cite`` names them."""
    a = e.annotation
    base = passage_citation(study, e.transcript, a.start, a.end)
    if not cite:
        return base
    transcript = study.transcript(e.transcript)
    speaker = transcript.speaker_at(a.start)
    values: list[str] = []
    people = study.participants
    person = people.participant(e.transcript, speaker) if people.defined else None
    for attribute in cite:
        value = people.attributes_of(person).get(attribute, "") if person else ""
        value = value or study.attributes.of(e.transcript).get(attribute, "")
        if value:
            values.append(value)
    return ", ".join(values) + f" ({base})" if values else base

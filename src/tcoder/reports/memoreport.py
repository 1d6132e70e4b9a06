"""``report memos``: memos and the reflexive journal, written up as one document.

Memos are grouped by kind (project, code, transcript, participant, passage,
theme), journal entries follow in date order. Each memo shows who wrote it and
when, what it is about (codes by their place in the tree, themes with their
status), the passages it links as quotes with citations, and its text.
"""

from __future__ import annotations

from collections import Counter

from tcoder.codebook import Codebook
from tcoder.errors import TcoderError
from tcoder.memos import KINDS, Link, Memo
from tcoder.memoset import MemoSet
from tcoder.numbers import plural, verb_for
from tcoder.reports.document import Document, Heading, Paragraph, Quote, Span, markdown_blocks
from tcoder.study import Study
from tcoder.themes import ThemeFile

SECTION = {"project": "Project memos", "code": "Memos on codes", "transcript": "Memos on transcripts",
           "participant": "Memos on participants", "passage": "Memos on passages", "theme": "Memos on themes",
           "journal": "Reflexive journal"}


def passage_citation(study: Study, transcript: str, start: int, end: int, who: str = "") -> str:
    """``Amara, interviews/P01.txt, line 35, characters 5061–5100``, as the segments report cites."""
    try:
        text = study.transcript(transcript)
    except TcoderError:
        return f"{transcript}, characters {start}\u2013{end}"
    speaker = text.speaker_at(start) if start < len(text.text) else None
    line, _ = text.line_col(min(start, len(text.text)))
    parts = ([speaker] if speaker else []) + [transcript, f"line {line}", f"characters {start}\u2013{end}"]
    return ", ".join(parts) + (f" ({who})" if who else "")


class _Describer:
    """Links in words, with what the study knows about their targets."""

    def __init__(self, study: Study, codebook: Codebook | None, themes: ThemeFile | None, memos: MemoSet):
        self.study, self.codebook, self.themes, self.memos = study, codebook, themes, memos
        self._annotations: dict[str, tuple[str, str, object]] | None = None

    def words(self, link: Link) -> str:
        if link.kind == "code":
            if self.codebook is not None and link.target in self.codebook:
                return f"code: {self.codebook.path_of(link.target)}"
            return f"code: {link.target} (not in the codebook)"
        if link.kind == "theme":
            if self.themes is not None and link.target in self.themes:
                theme = self.themes[link.target]
                return f"theme: {theme.label} ({theme.status})"
            return f"theme: {link.target} (not in the themes file)"
        if link.kind == "memo":
            memo = self.memos.by_id.get(link.target)
            return f"memo: {memo.display_title}" if memo else f"memo: {link.target} (not found)"
        if link.kind == "participant":
            return f"participant: {link.target}"
        if link.kind == "transcript":
            return f"transcript: {link.target}"
        return link.describe()

    def annotation(self, annotation_id: str):
        if self._annotations is None:
            self._annotations = {}
            for loaded in self.study.iter_loaded():
                if isinstance(loaded, TcoderError):
                    continue
                for a in loaded.file.annotations:
                    self._annotations.setdefault(a.id, (loaded.ref.name, loaded.coder, a))
        return self._annotations.get(annotation_id)


def memo_blocks(memo: Memo, describe: _Describer, level: int = 3) -> list:
    """One memo: its title, who and when, what it is about, its passages and its text."""
    study = describe.study
    blocks: list = [Heading(memo.display_title, level)]
    when = memo.created[:10] if memo.created else "undated"
    if memo.updated and memo.created and memo.updated[:10] != memo.created[:10]:
        when += f", changed {memo.updated[:10]}"
    meta = f"{memo.author or 'no author'}, {when}"
    if memo.path is not None:
        meta += f" \u00b7 {describe.memos.relative(memo)}"
    blocks.append(Paragraph([meta], "meta"))
    about = [describe.words(link) for link in memo.links if link.kind not in ("passage", "annotation")]
    if about:
        blocks.append(Paragraph([Span("About:", italic=True), " " + "; ".join(about)], "meta"))
    for link in memo.links:
        if link.kind == "passage" and link.start is not None and link.end is not None:
            citation = passage_citation(study, link.target, link.start, link.end)
            if link.orphaned:
                citation += "; no longer in the transcript, quoted as the memo keeps it"
            blocks.append(Quote(link.quote or "", citation))
        elif link.kind == "annotation":
            found = describe.annotation(link.target)
            if found is None:
                blocks.append(Paragraph([f"(annotation {link.target}, which no annotation file has any more)"], "note"))
                continue
            transcript, coder, a = found
            name = describe.codebook.display_name(a.code) if describe.codebook is not None else a.code
            text = study.transcript(transcript).text[a.start:a.end]
            blocks.append(Quote(text, f"{name}: " + passage_citation(study, transcript, a.start, a.end, coder)))
    blocks.extend(markdown_blocks(memo.body, top_level=level + 1))
    return blocks


def memos_document(study: Study, memos: MemoSet, chosen: list[Memo], codebook: Codebook | None,
                   themes: ThemeFile | None, filters: str = "") -> Document:
    kinds = Counter(m.kind for m in chosen)
    authors = sorted({m.author for m in chosen if m.author})
    doc = Document("Memos and reflexive journal", subtitle=study.root.name)
    memo_count = sum(n for k, n in kinds.items() if k != "journal")
    summary = (f"{plural(memo_count, 'memo')} and {plural(kinds.get('journal', 0), 'journal entry')}" + (f" by {', '.join(authors)}" if authors else "")
               + (f", {len(chosen)} of the study's {len(memos)} ({filters})" if filters else "") + ".")
    dates = sorted(m.created[:10] for m in chosen if m.created)
    if dates:
        summary += f" Written from {dates[0]} to {dates[-1]}."
    doc.para(summary, style="meta")
    if memos.unreadable:
        doc.para(f"{plural(len(memos.unreadable), 'memo file')} could not be read and {verb_for(len(memos.unreadable), 'is')} not in this report "
                 "('tcoder check' says why).", style="note")
    describe = _Describer(study, codebook, themes, memos)
    ordered = memos.sorted(chosen)
    for kind in KINDS:
        members = [m for m in ordered if m.kind == kind]
        if not members:
            continue
        doc.heading(SECTION[kind], 2)
        for memo in members:
            doc.add(*memo_blocks(memo, describe))
    if not chosen:
        doc.para("No memos" + (" match these filters." if len(memos) else " yet ('tcoder memo new' writes one)."))
    return doc

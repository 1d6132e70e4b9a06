"""Word (.docx) output for every report, with python-docx.

A report builds a :class:`~tcoder.reports.document.Document`; :func:`write_docx`
turns it into a Word file a journal or a committee can take as it is: the
document's title, headings at their levels (Word's Heading styles, so they appear
in the navigation pane and a table of contents), real tables (a header row that
repeats on each page, numbers aligned right, a caption above), quotes in Word's
Quote style with their citation below, lists, notes in a smaller type and
figures. Text is put in as plain runs, never parsed; characters XML cannot hold
(control characters) are replaced by U+FFFD and counted, so the caller can say so.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tcoder.reports.document import (
    Document,
    Figure,
    Heading,
    Inline,
    ListBlock,
    Paragraph,
    Quote,
    Span,
    Table,
)

# XML 1.0 forbids these even escaped (python-docx refuses them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: A fixed creation date, so the same report gives the same document properties.
_FIXED_DATE = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass
class DocxResult:
    data: bytes
    replaced: int = 0  # characters XML cannot hold, replaced by U+FFFD


class _Writer:
    def __init__(self) -> None:
        from docx import Document as new_document

        self.doc: Any = new_document()
        self.replaced = 0
        self.tables = 0
        self.figures = 0

    def clean(self, text: str) -> str:
        cleaned, count = _NOT_XML.subn("\ufffd", text)
        self.replaced += count
        return cleaned

    def runs(self, paragraph: Any, parts: list[Inline], *, italic: bool = False) -> None:
        for part in parts:
            if isinstance(part, Span):
                run = paragraph.add_run(self.clean(part.text))
                run.bold = part.bold or None
                run.italic = part.italic or italic or None
                if part.code:
                    run.font.name = "Consolas"  # Word's fixed-width font; Word substitutes one where it is missing
            else:
                run = paragraph.add_run(self.clean(part))
                if italic:
                    run.italic = True

    def heading(self, block: Heading) -> None:
        self.doc.add_heading(self.clean(block.text), level=max(1, min(9, block.level - 1)))

    def paragraph(self, block: Paragraph) -> None:
        from docx.shared import Pt, RGBColor

        p = self.doc.add_paragraph()
        self.runs(p, block.parts, italic=block.style == "note")
        if block.style in ("note", "meta"):
            for run in p.runs:
                run.font.size = Pt(9)
                run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)

    def list(self, block: ListBlock) -> None:
        style = "List Number" if block.ordered else "List Bullet"
        for item in block.items:
            self.runs(self.doc.add_paragraph(style=style), item)

    def quote(self, block: Quote) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        p = self.doc.add_paragraph(style="Quote")
        lines = self.clean(block.text).split("\n")
        for i, line in enumerate(lines):
            run = p.add_run(line)
            if i < len(lines) - 1:
                run.add_break()
        if block.citation:
            cite = self.doc.add_paragraph()
            cite.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = cite.add_run("\u2014 " + self.clean(block.citation))
            run.font.size = Pt(9)
            cite.paragraph_format.space_after = Pt(12)

    def table(self, block: Table) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        self.tables += 1
        if block.caption:
            self.doc.add_paragraph(self.clean(f"Table {self.tables}. {block.caption}"), style="Caption")
        table = self.doc.add_table(rows=1, cols=len(block.columns))
        table.style = "Table Grid"
        header = table.rows[0]
        properties = header._tr.get_or_add_trPr()  # repeat the header row on every page
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        properties.append(repeat)
        for i, name in enumerate(block.columns):
            cell = header.cells[i]
            cell.text = ""
            run = cell.paragraphs[0].add_run(self.clean(str(name)))
            run.bold = True
            if i in block.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for values in block.rows:
            cells = table.add_row().cells
            for i, value in enumerate(values):
                cells[i].text = self.clean(block.shown(i, value))
                if i in block.numeric:
                    cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(9)
        for note in block.notes:
            self.paragraph(Paragraph([note], "note"))

    def figure(self, block: Figure) -> None:
        from docx.shared import Inches

        self.figures += 1
        if block.png is not None:
            self.doc.add_picture(io.BytesIO(block.png), width=Inches(6.3))
        self.doc.add_paragraph(self.clean(f"Figure {self.figures}. {block.caption}"), style="Caption")


def render_docx(document: Document) -> DocxResult:
    """The document as the bytes of a .docx file."""
    writer = _Writer()
    doc = writer.doc
    properties = doc.core_properties
    properties.title = writer.clean(document.title)
    properties.author = "tcoder"
    properties.created = properties.modified = _FIXED_DATE
    properties.last_modified_by = "tcoder"
    properties.revision = 1
    doc.add_heading(writer.clean(document.title), level=0)
    if document.subtitle:
        writer.paragraph(Paragraph([document.subtitle], "meta"))
    for block in document.blocks:
        if isinstance(block, Heading):
            writer.heading(block)
        elif isinstance(block, Paragraph):
            writer.paragraph(block)
        elif isinstance(block, ListBlock):
            writer.list(block)
        elif isinstance(block, Quote):
            writer.quote(block)
        elif isinstance(block, Table):
            writer.table(block)
        elif isinstance(block, Figure):
            writer.figure(block)
    buffer = io.BytesIO()
    doc.save(buffer)
    return DocxResult(buffer.getvalue(), writer.replaced)


def write_docx(document: Document, path: str | os.PathLike[str]) -> DocxResult:
    """Write the document atomically (the old file or the new one survives a crash)."""
    from tcoder.atomicio import atomic_write_bytes

    result = render_docx(document)
    atomic_write_bytes(path, result.data)
    return result

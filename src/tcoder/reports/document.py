"""A report as a small document: headings, paragraphs, lists, quotes with citations,
tables and figures, rendered as Markdown, HTML or Word (:mod:`tcoder.reports.docx`).

A report builds a :class:`Document` once; each format renders the same blocks, so a
quote is a quote (a Markdown block quote, an HTML ``<blockquote>``, Word's Quote
style) and a table a real table everywhere. Text is data: HTML escapes it,
Markdown escapes what it would read as formatting, Word gets it as plain runs.
Text written by the researcher in Markdown (a memo's body) enters through
:func:`markdown_blocks`, which keeps its paragraphs, lists, headings, quotes and
emphasis and nothing else.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

# ---------------------------------------------------------------- the blocks


@dataclass
class Span:
    """A run of inline text: plain, bold, italic or code (never markup)."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False  # `code` in a memo: an id or a command, shown in a fixed-width font


Inline = Union[str, Span]


@dataclass
class Heading:
    text: str
    level: int = 1  # 1 is the document's title level


@dataclass
class Paragraph:
    parts: list[Inline]
    style: str = "body"  # body | note (small, for what a figure rests on) | meta (who, when, where)

    @classmethod
    def of(cls, *parts: Inline, style: str = "body") -> "Paragraph":
        return cls(list(parts), style)


@dataclass
class ListBlock:
    items: list[list[Inline]]
    ordered: bool = False


@dataclass
class Quote:
    """A quoted passage and where it comes from."""

    text: str
    citation: str = ""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[object]]
    caption: str = ""
    numeric: set[int] = field(default_factory=set)  # column indexes aligned right
    notes: list[str] = field(default_factory=list)
    places: dict[int, int] = field(default_factory=dict)  # column index -> decimals shown (default 1)
    #: the sheet's name when the table is written to a workbook (default: from the caption)
    sheet: str = ""
    #: columns a workbook keeps as text though they look like numbers (tree numbers: 1.10 is not 1.1)
    text: set[int] = field(default_factory=set)

    def shown(self, column: int, value: object) -> str:
        """A cell as the document shows it (a workbook keeps the value itself)."""
        return cell_text(value, self.places.get(column, 1))


@dataclass
class Figure:
    """A picture: ``svg`` text for HTML, ``png`` bytes for Word (and a file next to Markdown)."""

    caption: str
    svg: str | None = None
    png: bytes | None = None
    alt: str = ""


Block = Union[Heading, Paragraph, ListBlock, Quote, Table, Figure]


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)
    subtitle: str = ""

    def add(self, *blocks: Block) -> "Document":
        self.blocks.extend(blocks)
        return self

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(Heading(text, level))

    def para(self, *parts: Inline, style: str = "body") -> None:
        self.blocks.append(Paragraph(list(parts), style))


def redact_quotes(document: Document) -> int:
    """Put :func:`tcoder.quotes.withheld` in place of every quote's text (``--redact``);
    returns how many quotes were withheld. Citations stay: they say where, not what."""
    from tcoder.quotes import withheld

    n = 0
    for block in document.blocks:
        if isinstance(block, Quote):
            block.text = withheld(block.text)
            n += 1
    return n


def cell_text(value: object, places: int = 1) -> str:
    """A table cell as text: whole numbers plainly, others to ``places`` decimals, missing as ''."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return f"{value:.{places}f}" if not value.is_integer() or places else str(int(value))
    return str(value)


# ---------------------------------------------------------------- Markdown in


_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}\d{1,9}[.)]\s+(.*)$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_EMPHASIS = re.compile(r"`([^`\n]+)`|(\*\*|__)(?=\S)(.+?)(?<=\S)\2|(\*|_)(?=\S)(.+?)(?<=\S)\4")


def inline_markdown(text: str) -> list[Inline]:
    """``**bold**``, ``*italic*`` and `` `code` `` as spans; everything else literal."""
    out: list[Inline] = []
    at = 0
    for m in _EMPHASIS.finditer(text):
        if m.start() > at:
            out.append(text[at:m.start()])
        if m.group(1):
            out.append(Span(m.group(1), code=True))
        elif m.group(2):
            out.append(Span(m.group(3), bold=True))
        else:
            out.append(Span(m.group(5), italic=True))
        at = m.end()
    if at < len(text):
        out.append(text[at:])
    return out


def markdown_blocks(text: str, top_level: int = 3) -> list[Block]:
    """A researcher's Markdown as blocks: paragraphs, bullet and numbered lists, headings
    (placed at ``top_level`` and below so they sit under the report's own headings),
    block quotes, ``**bold**`` and ``*italic*``. Anything else is kept as text."""
    blocks: list[Block] = []
    lines = text.replace("\r\n", "\n").split("\n")
    paragraph: list[str] = []
    items: list[str] = []
    ordered = False
    quote: list[str] = []

    def flush() -> None:
        nonlocal paragraph, items, quote
        if paragraph:
            blocks.append(Paragraph(inline_markdown(" ".join(p.strip() for p in paragraph))))
            paragraph = []
        if items:
            blocks.append(ListBlock([inline_markdown(i) for i in items], ordered))
            items = []
        if quote:
            blocks.append(Quote("\n".join(quote).strip("\n")))
            quote = []

    for line in lines:
        if not line.strip():
            flush()
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        numbered = _NUMBERED.match(line)
        quoted = _QUOTE.match(line)
        if heading:
            flush()
            blocks.append(Heading(heading.group(2), min(6, top_level + len(heading.group(1)) - 1)))
        elif quoted:
            if paragraph or items:
                flush()
            quote.append(quoted.group(1))
        elif bullet or numbered:
            kind_ordered = numbered is not None and bullet is None
            if paragraph or quote or (items and kind_ordered != ordered):
                flush()
            ordered = kind_ordered
            items.append((bullet or numbered).group(1))  # type: ignore[union-attr]
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()  # a list item's continuation line
        else:
            if items or quote:
                flush()
            paragraph.append(line)
    flush()
    return blocks


# ---------------------------------------------------------------- Markdown out

def md_text(text: str) -> str:
    """Text that Markdown shows exactly (its line breaks kept)."""
    from tcoder.reports.markup import md_block

    return md_block(text)


def _md_inline(parts: list[Inline]) -> str:
    out = []
    for part in parts:
        if isinstance(part, Span) and part.code and "`" not in part.text:
            out.append(f"`{part.text}`")  # a code span shows its text as it is
        elif isinstance(part, Span):
            mark = "**" if part.bold else "*" if part.italic else ""
            out.append(f"{mark}{md_text(part.text)}{mark}")
        else:
            out.append(md_text(part))
    return "".join(out).replace("\n", "  \n")


def _md_cell(value: object) -> str:
    from tcoder.reports.markup import md_cell

    return md_cell(cell_text(value)) or " "


def render_markdown(doc: Document, figure_path: Path | None = None) -> str:
    """Markdown (CommonMark with GitHub tables). A figure is written as a PNG beside
    ``figure_path`` (the report's own path) when there is one, else only named."""
    out = [f"# {md_text(doc.title)}\n"]
    if doc.subtitle:
        out.append(f"\n{md_text(doc.subtitle)}\n")
    figures = 0
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(f"\n{'#' * max(2, min(6, block.level))} {md_text(block.text)}\n")
        elif isinstance(block, Paragraph):
            text = _md_inline(block.parts)
            out.append(f"\n*{text}*\n" if block.style == "note" else f"\n{text}\n")
        elif isinstance(block, ListBlock):
            out.append("\n" + "".join(f"{f'{i}.' if block.ordered else '-'} {_md_inline(item)}\n"
                                       for i, item in enumerate(block.items, 1)))
        elif isinstance(block, Quote):
            lines = md_text(block.text).split("\n")
            out.append("\n" + "".join(f"> {line}\n" if line else ">\n" for line in lines))
            if block.citation:
                out.append(f"\n\u2014 {md_text(block.citation)}\n")
        elif isinstance(block, Table):
            if block.caption:
                out.append(f"\n**{md_text(block.caption)}**\n")
            heads = "| " + " | ".join(_md_cell(c) for c in block.columns) + " |\n"
            rule = "| " + " | ".join("---:" if i in block.numeric else "---" for i in range(len(block.columns))) + " |\n"
            rows = "".join("| " + " | ".join(_md_cell(block.shown(i, v)) for i, v in enumerate(row)) + " |\n"
                           for row in block.rows)
            out.append("\n" + heads + rule + rows)
            out.extend(f"\n*{md_text(n)}*\n" for n in block.notes)
        elif isinstance(block, Figure):
            figures += 1
            if figure_path is not None and block.png is not None:
                target = figure_path.with_name(f"{figure_path.stem}-figure-{figures}.png")
                from tcoder.atomicio import atomic_write_bytes

                atomic_write_bytes(target, block.png)
                out.append(f"\n![{md_text(block.alt or block.caption)}]({target.name})\n")
            out.append(f"\n*{md_text(block.caption)}*\n")
    return "".join(out)


# ---------------------------------------------------------------- HTML out


def _html_inline(parts: list[Inline]) -> str:
    out = []
    for part in parts:
        if isinstance(part, Span):
            tag = "strong" if part.bold else "em" if part.italic else "code" if part.code else "span"
            out.append(f"<{tag}>{html.escape(part.text)}</{tag}>")
        else:
            out.append(html.escape(part))
    return "".join(out).replace("\n", "<br>")


def render_html(doc: Document) -> str:
    """A self-contained HTML page (the same page style as the other reports)."""
    from tcoder.reports.markup import html_page

    body: list[str] = []
    if doc.subtitle:
        body.append(f'<p class="meta">{html.escape(doc.subtitle)}</p>\n')
    for block in doc.blocks:
        if isinstance(block, Heading):
            level = max(2, min(6, block.level))
            body.append(f"<h{level}>{html.escape(block.text)}</h{level}>\n")
        elif isinstance(block, Paragraph):
            css = f' class="{block.style}"' if block.style != "body" else ""
            body.append(f"<p{css}>{_html_inline(block.parts)}</p>\n")
        elif isinstance(block, ListBlock):
            tag = "ol" if block.ordered else "ul"
            body.append(f"<{tag}>" + "".join(f"<li>{_html_inline(i)}</li>" for i in block.items) + f"</{tag}>\n")
        elif isinstance(block, Quote):
            cite = f"<footer>\u2014 {html.escape(block.citation)}</footer>" if block.citation else ""
            text = html.escape(block.text).replace("\n", "<br>")
            body.append(f"<blockquote><p>{text}</p>{cite}</blockquote>\n")
        elif isinstance(block, Table):
            caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
            heads = "".join(f'<th{" class=num" if i in block.numeric else ""}>{html.escape(str(c))}</th>'
                            for i, c in enumerate(block.columns))
            rows = "".join("<tr>" + "".join(
                f'<td{" class=num" if i in block.numeric else ""}>{html.escape(block.shown(i, v)).replace(chr(10), "<br>")}'
                "</td>" for i, v in enumerate(row)) + "</tr>\n" for row in block.rows)
            body.append(f"<table>{caption}<thead><tr>{heads}</tr></thead><tbody>\n{rows}</tbody></table>\n")
            body.extend(f'<p class="note">{html.escape(n)}</p>\n' for n in block.notes)
        elif isinstance(block, Figure):
            picture = block.svg if block.svg is not None else ""
            body.append(f"<figure>{picture}<figcaption>{html.escape(block.caption)}</figcaption></figure>\n")
    return html_page(doc.title, "".join(body))

"""OpenDocument text (.odt, LibreOffice and others), read with odfpy.

Paragraphs, headings and lists are read in document order like a Word document's
paragraphs; tables like Word tables (a speaker, an optional time and a text column).
Spaces, tabs and line breaks inside a paragraph are kept as the document has them.

odfpy is the library pandas uses for OpenDocument files: pure Python, small, and its
``teletype`` module turns ODF's space and tab elements back into the text.
"""

from __future__ import annotations

import io
import os

from tcoder.errors import Problem, TcoderError
from tcoder.importers.documents import left_out_warnings, paragraph_cues, table_cues
from tcoder.importers.model import Cue

_TEXT_BLOCKS = {"p", "h"}


def parse_odt(data: bytes, path: str | os.PathLike[str] | None = None,
              warnings: list[str] | None = None) -> list[Cue]:
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
    except Exception as exc:  # odfpy raises zip, XML and key errors on damaged files
        raise TcoderError(Problem(
            f"cannot open this as an OpenDocument text ({type(exc).__name__}: {exc}). It may be damaged: open it "
            "in LibreOffice and save it again", path)) from None
    kind = getattr(document, "mimetype", "") or ""
    if kind and kind != "application/vnd.oasis.opendocument.text":
        raise TcoderError(Problem(f"this is not an OpenDocument text but {kind} (a spreadsheet or a presentation?)",
                                  path))
    cues: list[Cue] = []
    left_out: dict[str, list[int]] = {}
    tables = [0]

    def visit(element) -> None:
        from odf import teletype

        name = _local(element)
        if name in _TEXT_BLOCKS:
            cues.extend(paragraph_cues(teletype.extractText(element)))
        elif name == "table":
            tables[0] += 1
            cues.extend(table_cues(_rows(element), tables[0], left_out))
        else:
            for child in element.childNodes:
                if _local(child):
                    visit(child)

    visit(document.text)
    if warnings is not None:
        warnings.extend(left_out_warnings(left_out))
    if not any(c.text.strip() for c in cues):
        raise TcoderError(Problem("the document contains no text", path))
    return cues


def _rows(table) -> list[list[list[str]]]:
    """A table's rows: each a list of cells, each cell a list of its paragraphs' lines. Tables
    nested in cells are not read."""
    from odf import teletype

    rows = []
    for row in _find(table, "table-row"):
        cells = []
        for cell in (c for c in row.childNodes if _local(c) == "table-cell"):
            cells.append([line.strip() for p in _find(cell, "p")
                          for line in teletype.extractText(p).split("\n") if line.strip()])
        rows.append(cells)
    return rows


def _local(node) -> str:
    return node.qname[1] if getattr(node, "nodeType", None) == node.ELEMENT_NODE else ""


def _find(element, name: str):
    """Descendants called ``name``, not looking inside nested tables."""
    for child in element.childNodes:
        local = _local(child)
        if local == name:
            yield child
        elif local and local != "table":
            yield from _find(child, name)

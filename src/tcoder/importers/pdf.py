"""PDF transcripts, read from their text layer with pypdf.

A PDF holds positioned text, not paragraphs: pypdf gives each page's text with a
line break where the printed line ended. Lines are joined back into paragraphs (a
blank line, or a line that starts with a speaker label or an Otter header, starts a
new one), and the paragraphs are read like a Word document's. Pages without a text
layer (scanned pages) cannot be read: if no page has text the file is refused with
advice; otherwise the pages left out are named in a warning.

pypdf rather than pdfplumber or pdfminer.six: it is pure Python with no compiled
dependencies, actively released, and its plain extraction keeps reading order for the
single-column pages transcripts are.
"""

from __future__ import annotations

import io
import os

from tcoder.errors import Problem, TcoderError
from tcoder.importers import otter
from tcoder.importers.documents import paragraph_cues
from tcoder.importers.model import Cue, split_label
from tcoder.numbers import plural, verb_for, word_for

MAX_PAGES = 5000


def parse_pdf(data: bytes, path: str | os.PathLike[str] | None = None,
              warnings: list[str] | None = None) -> list[Cue]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise TcoderError(Problem("the PDF is protected by a password; save an unprotected copy (or export the "
                                      "transcript as .docx or text) and import that", path))
        pages = list(reader.pages)
    except TcoderError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise TcoderError(Problem(f"cannot read this as a PDF ({type(exc).__name__}: {exc}); it may be damaged",
                                  path)) from None
    if len(pages) > MAX_PAGES:
        raise TcoderError(Problem(f"the PDF has {len(pages):,} pages, more than a transcript ({MAX_PAGES:,}); it is "
                                  "refused", path))
    texts: list[str] = []
    empty: list[int] = []
    for number, page in enumerate(pages, 1):
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # pypdf raises many kinds on odd content streams
            raise TcoderError(Problem(f"cannot read the text of page {number} ({type(exc).__name__}: {exc})",
                                      path)) from None
        if text.strip():
            texts.append(text)
        else:
            empty.append(number)
    if not texts:
        raise TcoderError(Problem(
            f"no page of this PDF has a text layer ({plural(len(pages), 'page')}, scanned images or drawings only), so "
            "there is no text to import. Run OCR first (for example 'ocrmypdf in.pdf out.pdf'), or export the "
            "transcript from the program that made it as .docx, .vtt or text", path))
    if empty and warnings is not None:
        shown = ", ".join(map(str, empty[:20])) + (" ..." if len(empty) > 20 else "")
        warnings.append(f"{plural(len(empty), 'page', 'has')} no text layer (scanned?) and {verb_for(len(empty), 'is')} not in the transcript: "
                        f"{word_for(len(empty), 'page')} {shown}. Run OCR on the PDF to include them")
    cues: list[Cue] = []
    for paragraph in paragraphs("\n".join(texts)):
        cues.extend(paragraph_cues(paragraph))
    return cues


def paragraphs(text: str) -> list[str]:
    """Printed lines joined into paragraphs: a blank line ends one, and a line that starts with a
    speaker label or an Otter header starts one."""
    out: list[str] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.strip()
        if not stripped:
            if current:
                out.append(" ".join(current))
                current = []
            continue
        starts = split_label(stripped)[0] is not None or otter.header(stripped) is not None
        if starts and current:
            out.append(" ".join(current))
            current = []
        current.append(stripped)
    if current:
        out.append(" ".join(current))
    return out

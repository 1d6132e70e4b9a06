"""Rich Text Format (.rtf, from WordPad, TextEdit, Word), read with striprtf.

The text is taken out of the RTF (character sets such as ``\\ansicpg1252`` and
``\\u`` escapes decoded); each paragraph is then read like a Word paragraph.

striprtf: pure Python, no dependencies, maintained, and it decodes the code page the
file declares; RTF's tables come out as cells separated by ``|``, which are kept as
text.
"""

from __future__ import annotations

import os

from tcoder.errors import Problem, TcoderError
from tcoder.importers.documents import paragraph_cues
from tcoder.importers.model import Cue


def parse_rtf(data: bytes, path: str | os.PathLike[str] | None = None,
              warnings: list[str] | None = None) -> list[Cue]:
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip().startswith(b"{\\rtf"):
        raise TcoderError(Problem("not an RTF file: it should start with '{\\rtf'", path, 1))
    try:
        raw = data.decode("latin-1")  # RTF itself is 7-bit; striprtf decodes the text's code page
        text = rtf_to_text(raw, errors="replace")
    except (ValueError, LookupError, IndexError) as exc:
        raise TcoderError(Problem(f"cannot read this RTF file ({type(exc).__name__}: {exc})", path)) from None
    if "\ufffd" in text and warnings is not None:
        warnings.append("some characters could not be decoded from the RTF's code page and show as \ufffd; check "
                        "the written transcript")
    cues: list[Cue] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        cues.extend(paragraph_cues(line))
    if not any(c.text.strip() for c in cues):
        raise TcoderError(Problem("the document contains no text", path))
    return cues

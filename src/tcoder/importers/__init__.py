"""Turn recordings' transcripts from other programs into canonical tcoder transcripts.

One module per source format (vtt, srt, word, otter) turns a file into cues;
``model`` merges cues into speaker turns and cleans speaker names; ``writer``
renders the canonical ``Name: text`` text and checks that it reads back as the
same turns. :func:`convert` does all of it for one file and writes nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tcoder.errors import Problem, TcoderError, TranscriptError
from tcoder.importers.model import Cue, SpeakerNames, Turn, format_clock, keep_consistent_labels, merge_cues
from tcoder.importers.writer import check_reads_back, render_transcript

#: format id -> what users call it
FORMAT_NAMES = {
    "vtt": "WebVTT",
    "srt": "SubRip",
    "docx": "Word",
    "odt": "OpenDocument",
    "rtf": "RTF",
    "pdf": "PDF",
    "otter": "Otter text",
    "whisper": "speech-to-text JSON",
    "noscribe": "noScribe",
    "zoomchat": "Zoom chat",
}
SUPPORTED = (".vtt, .srt, .docx, .odt, .rtf, .pdf, Whisper/WhisperX .json, noScribe .html, and Otter-style or "
             "Zoom chat .txt")

_BY_EXTENSION = {".vtt": "vtt", ".srt": "srt", ".docx": "docx", ".odt": "odt", ".rtf": "rtf", ".pdf": "pdf",
                 ".json": "whisper", ".html": "noscribe", ".htm": "noscribe"}
_DOCUMENTS = ("docx", "odt", "rtf", "pdf")  # read from bytes by their own library
#: Formats of timed segments: without any speaker, each segment is a line of its own.
_TIMED = ("vtt", "srt", "whisper")
_INLINE_TIME = re.compile(r"\[\d{1,2}:\d{2}:\d{2}\]")
_SNIFFED = {".txt", ".md", ""}  # extensions whose content decides the format
_ADVICE = {
    ".doc": "an older Word format: open it in Word or LibreOffice and save it as .docx",
    ".pages": "a Pages document: export it as .docx from Pages",
}


@dataclass
class Converted:
    """One file converted in memory: the canonical text and what it holds."""

    source: Path
    format: str
    turns: list[Turn]
    text: str
    warnings: list[str] = field(default_factory=list)

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(t.speaker for t in self.turns if t.speaker))


def convert(path: str | os.PathLike[str], timestamps: bool = False, encoding: str | None = None) -> Converted:
    """Read one file and return its canonical transcript; raise TcoderError for bad input.

    ``encoding`` names the legacy encoding of text inputs that are not UTF-8
    (otherwise it is detected, with a warning)."""
    path = Path(path)
    if path.is_dir():
        raise TcoderError(Problem("this is a folder; name the files to import (for example folder/*.vtt)", path))
    from tcoder.safeio import IMPORT_LIMIT, read_file

    data = read_file(path, limit=IMPORT_LIMIT, what="the file")
    if not data.strip():
        raise TcoderError(Problem("the file is empty", path))
    warnings: list[str] = []
    fmt, cues = _read_cues(path, data, warnings, encoding)
    stamped = False
    if fmt in ("vtt", "srt"):
        warnings.extend(keep_consistent_labels(cues))
    if fmt in _TIMED and not any(c.speaker for c in cues):  # segments without speakers: one line each
        for cue in cues:
            cue.new_paragraph = True
            if timestamps and cue.start is not None and cue.text.strip():
                cue.text = f"[{format_clock(cue.start)}] {cue.text}"
                stamped = True
    if fmt == "zoomchat" and timestamps:  # every message keeps its time, not only a turn's first
        for before, cue in zip(cues, cues[1:], strict=False):
            if cue.speaker is not None and cue.speaker == before.speaker and cue.start is not None:
                cue.text = f"[{format_clock(cue.start)}] {cue.text}"
    names = SpeakerNames()
    for cue in cues:
        cue.speaker = names.clean(cue.speaker)
    warnings.extend(names.warnings)
    turns = merge_cues(cues)
    if not turns:
        raise TcoderError(Problem("no text found to import", path))
    if not any(t.speaker for t in turns):
        warnings.append("no speaker names found: the transcript has no speaker turns"
                        + (" (one line per caption or segment" + (", each with its time)" if stamped else ")")
                           if fmt in _TIMED else "")
                        + "; add 'Name: ' labels in the written file if you want speakers")
    own_times = fmt == "noscribe" and any(_INLINE_TIME.match(p) for t in turns for p in t.paragraphs[:1])
    if timestamps and not stamped and not own_times and not any(t.start is not None for t in turns if t.speaker):
        warnings.append("--timestamps: this file has no times; written without them")
    text = render_transcript(turns, timestamps)
    check_reads_back(text, turns, timestamps, path)
    return Converted(path, fmt, turns, text, warnings)


def _read_cues(path: Path, data: bytes, warnings: list[str], encoding: str | None = None) -> tuple[str, list[Cue]]:
    from tcoder.importers.noscribe import parse_noscribe
    from tcoder.importers.otter import looks_like_otter, parse_otter
    from tcoder.importers.srt import looks_like_srt, parse_srt
    from tcoder.importers.vtt import looks_like_vtt, parse_vtt
    from tcoder.importers.whisper import parse_whisper
    from tcoder.importers.zoomchat import looks_like_zoom_chat, parse_zoom_chat

    suffix = path.suffix.lower()
    fmt = _BY_EXTENSION.get(suffix)
    if fmt in _DOCUMENTS:
        return fmt, _parse_document(fmt, data, path, warnings)
    if fmt is None and suffix not in _SNIFFED:
        why = _ADVICE.get(suffix, "not a format tcoder imports")
        raise TcoderError(Problem(f"unknown format {suffix!r}: {why}. tcoder imports {SUPPORTED}.", path))
    text = _decode(data, path, warnings, encoding)
    if not text.strip():
        raise TcoderError(Problem("the file is empty", path))
    if fmt is None:  # .txt or no extension: the content decides
        if looks_like_vtt(text):
            fmt = "vtt"
        elif looks_like_srt(text):
            fmt = "srt"
        elif looks_like_zoom_chat(text):
            fmt = "zoomchat"
        elif looks_like_otter(text) or suffix == ".txt":
            fmt = "otter"  # a .txt that is not Otter-style gets the Otter parser's explanation
        elif suffix == ".md":
            raise TcoderError(Problem(
                "a Markdown file that is neither an Otter export nor captions: if it already has 'Name: text' "
                "turns, tcoder reads it as it is; put it in the study folder (no import needed)", path))
        else:
            raise TcoderError(Problem(f"unknown format: tcoder imports {SUPPORTED}", path))
    elif fmt == "srt" and looks_like_vtt(text):
        fmt = "vtt"  # WebVTT saved with the wrong extension
    parse = {"vtt": parse_vtt, "srt": parse_srt, "otter": parse_otter, "whisper": parse_whisper,
             "noscribe": parse_noscribe, "zoomchat": parse_zoom_chat}[fmt]
    return fmt, parse(text, path)


def _parse_document(fmt: str, data: bytes, path: Path, warnings: list[str]) -> list[Cue]:
    if fmt == "docx":
        from tcoder.importers.word import parse_docx

        return parse_docx(data, path, warnings)
    if fmt == "odt":
        from tcoder.importers.odt import parse_odt

        return parse_odt(data, path, warnings)
    if fmt == "rtf":
        from tcoder.importers.rtf import parse_rtf

        return parse_rtf(data, path, warnings)
    from tcoder.importers.pdf import parse_pdf

    return parse_pdf(data, path, warnings)


def _decode(data: bytes, path: Path, warnings: list[str], encoding: str | None = None) -> str:
    from tcoder.transcript import decode_bytes

    try:
        decoded = decode_bytes(data, path, encoding)
    except TranscriptError as exc:
        reason = exc.problems[0].message.split("; tcoder reads")[0]
        raise TcoderError(Problem(f"cannot read this as text: {reason}", path)) from None
    if decoded.warnings:
        warnings.append(f"not UTF-8: read as {decoded.encoding}; the transcript is written in UTF-8. "
                        "Check that accented letters and quotes look right.")
    return decoded.text

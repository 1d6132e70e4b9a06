"""textconv: an annotation file as one readable line per annotation.

``git diff`` and ``git log -p`` run ``tcoder git textconv FILE`` on both
versions of a file routed to ``diff=tcoder`` and diff the output. A line reads

    personal  Amara  3:8-3:45  "Honestly, it was my grandmother. I saw…"  memo: family  #8c1e0f5a

code, speaker, position (line:column of the first and last character in the
transcript, or ``@start-end`` character offsets when that version of the
transcript is not at hand), the quote
shortened in the middle, the memo and the id. Lines never depend on one
another (no column alignment), so adding one annotation changes one line.

Other JSON is printed as it is; a damaged annotation file gets a readable
first line and then its content. Control characters from an annotation file
(in a memo, a quote, a code id) are shown as visible glyphs (␛ for ESC): the
output is only ever displayed. Nothing here raises for bad input.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tcoder import quotes
from tcoder.annotations import Annotation, AnnotationFile, NotAnnotations, annotations_from_bytes, reanchor
from tcoder.errors import NotJSONError, TcoderError
from tcoder.merge import CONFLICT_FIELD, ConflictRecordError, read_conflict
from tcoder.textsafe import inert, inert_lines
from tcoder.transcript import Transcript, compile_speaker_pattern

QUOTE_WIDTH = 72
NO_SPEAKER = "(no speaker)"


def shorten(text: str, width: int = QUOTE_WIDTH) -> str:
    """One line: newlines shown as ⏎, other runs of white space as one space, the
    middle cut out when longer than ``width``."""
    text = re.sub(r"[^\S\n]+", " ", text.strip())
    return quotes.shorten(re.sub(r"\s*\n\s*", " \u23ce ", text), width, middle=True)


class Placement:
    """Speaker and position of annotations in the text the file was written against
    (exact), or in another version of the transcript (speaker only), or neither."""

    def __init__(self, transcript: Transcript | None, exact: bool):
        self.transcript = transcript
        self.exact = exact

    def speaker(self, a: Annotation) -> str | None:
        if self.transcript is None:
            return None
        start = a.start
        if not self.exact:
            copy = a.copy()
            if reanchor([copy], self.transcript.text)[0].status == "orphaned":
                return "?"
            start = copy.start
        if start >= len(self.transcript.text):
            return "?"
        return self.transcript.speaker_at(start) or NO_SPEAKER

    def position(self, a: Annotation) -> str:
        transcript = self.transcript
        if transcript is None or not self.exact or a.end > len(transcript.text):
            return f"@{a.start}-{a.end}"
        line1, col1 = transcript.line_col(a.start)
        line2, col2 = transcript.line_col(a.end - 1)  # the last character, as people count
        return f"{line1}:{col1}-{line2}:{col2}"


def annotation_line(a: Annotation, placement: Placement) -> str:
    parts = [a.code]
    speaker = placement.speaker(a)
    if speaker is not None:
        parts.append(speaker)
    parts.append(placement.position(a))
    parts.append(f'"{shorten(a.quote)}"' if a.quote else "(no quote stored)")
    if a.memo:
        parts.append("memo: " + shorten(a.memo, 10_000))
    if a.orphaned:
        parts.append("ORPHANED (passage not found in the transcript)")
    if CONFLICT_FIELD in a.extra:
        parts.append(_conflict_note(a))
    parts.append(f"#{a.id}")
    return "  ".join(parts)


def _conflict_note(a: Annotation) -> str:
    try:
        record = read_conflict(a)
    except ConflictRecordError as exc:
        return f"CONFLICT (unreadable record: {exc})"
    assert record is not None
    other_side = "theirs" if record.kept == "ours" else "ours"
    other = record.other
    if other is None:
        return f"CONFLICT: this is {record.kept}; {other_side} deleted it"
    what = f"{other.code} @{other.start}-{other.end}"
    if other.memo:
        what += f" memo: {shorten(other.memo, 80)}"
    return f"CONFLICT: this is {record.kept}; {other_side} has {what}"


def render(af: AnnotationFile, placement: Placement) -> str:
    where = ("positions are line:column" if placement.exact
             else "positions are character offsets (this version of the transcript is not at hand)")
    sha = (af.text_sha256 or "none")[:12]
    lines = [f"# tcoder annotations: coder {af.coder or '?'}, transcript {af.transcript or '?'} "
             f"(text {sha}); {where}"]
    if CONFLICT_FIELD in af.extra:
        lines.append(f"# CONFLICT in the header: {json.dumps(af.extra[CONFLICT_FIELD], ensure_ascii=False)}")
    lines.extend(annotation_line(a, placement) for a in af.annotations)
    # The output is only ever shown (git diff, git log -p, a pager in a terminal):
    # nothing from the file may act on the terminal, and each line stays one line.
    return "\n".join(inert(line) for line in lines) + "\n"


def _speaker_pattern(top: Path, rel: str):
    """The speaker pattern of the study the transcript belongs to (its tcoder.yaml)."""
    from tcoder.settings import SETTINGS_FILE, load_settings

    folder = (top / rel).parent
    while True:
        if (folder / SETTINGS_FILE).is_file():
            try:
                return load_settings(folder).compiled_speaker_pattern
            except TcoderError:
                break
        if folder == top or folder.parent == folder:
            break
        folder = folder.parent
    return compile_speaker_pattern(None)


def placement_for(path: Path, af: AnnotationFile) -> Placement:
    """Where the annotations of ``af`` (the file at ``path``) sit in their transcript.

    The transcript is looked for beside the file by the file's own name
    (``P01.alice.json`` -> ``P01.txt``, ``P01.md``), then by the header's
    ``transcript`` field (which keeps the old name after a ``git mv``), and the
    text the offsets refer to by its hash: in that path's history, then in the
    history of every path with one of those names.
    """
    from tcoder.gitdriver.versions import TranscriptVersions, find_in_history, locate_transcript, transcript_names

    try:
        top, rel = locate_transcript(path, af.transcript, af.text_sha256)
    except TcoderError:  # git missing or failing: no transcript, still readable
        return Placement(None, False)
    if top is None:
        return Placement(None, False)
    versions = TranscriptVersions(top, rel) if rel is not None else None
    if af.text_sha256 is None:
        text = versions.known_worktree() if versions is not None else None
        return Placement(Transcript(text, speaker_pattern=_speaker_pattern(top, rel)), True) \
            if text is not None and rel is not None else Placement(None, False)
    try:
        text = versions.find(af.text_sha256) if versions is not None else None
    except TcoderError:
        text = None
    if text is not None and rel is not None:
        return Placement(Transcript(text, speaker_pattern=_speaker_pattern(top, rel)), True)
    try:
        found = find_in_history(top, transcript_names(path.name, af.transcript), af.text_sha256, skip=(rel,))
    except TcoderError:
        found = None
    if found is not None:
        where, text = found
        return Placement(Transcript(text, speaker_pattern=_speaker_pattern(top, where)), True)
    text = versions.known_worktree() if versions is not None else None
    if text is not None and rel is not None:
        return Placement(Transcript(text, speaker_pattern=_speaker_pattern(top, rel)), False)
    return Placement(None, False)


def textconv(path: str | Path) -> bytes:
    """The text git diffs for ``path``. Never raises, whatever the file holds (a deep or
    huge JSON, lone surrogates, a pipe, too little memory): a failing textconv would make
    ``git diff`` and ``git log -p`` fail for the whole repository."""
    path = Path(path)
    try:
        return _textconv(path)
    except (TcoderError, MemoryError, RecursionError, ValueError, OSError) as exc:
        why = exc.problems[0].message if isinstance(exc, TcoderError) else type(exc).__name__
        return _encode(f"# tcoder: cannot show {path} as annotations ({why})\n")


def _textconv(path: Path) -> bytes:
    from tcoder.safeio import ANNOTATION_LIMIT, read_file

    raw = read_file(path, limit=ANNOTATION_LIMIT, what="the file")
    try:
        af = annotations_from_bytes(raw, path)
    except NotAnnotations:
        return raw
    except NotJSONError:
        return _damaged(raw, "it is not valid JSON (truncated, hand-edited or left with git conflict markers?)")
    except TcoderError as exc:
        return _damaged(raw, "; ".join(p.message for p in exc.problems))
    try:
        placement = placement_for(path, af)
    except Exception:  # a transcript we cannot read must not hide the coding
        placement = Placement(None, False)
    return _encode(render(af, placement))


def _encode(text: str) -> bytes:
    """UTF-8, with anything UTF-8 cannot hold (a lone surrogate, bytes of a file name that
    were not UTF-8) shown as an escape rather than failing."""
    from tcoder.errors import printable

    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return printable(text).encode("utf-8")


def _damaged(raw: bytes, why: str) -> bytes:
    """A readable first line, then the content line by line, control characters shown as glyphs."""
    head = inert(f"# tcoder: this annotation file cannot be read: {why}") + ". Its content as it is:\n"
    return _encode(head + inert_lines(raw.decode("utf-8", "replace")))

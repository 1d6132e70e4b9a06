"""What documents of every kind have in common once their text is out: paragraphs that
start with a ``Name:`` label (or Otter's ``Jane Doe  0:03``), and tables with a speaker,
a time and a text column. Word, OpenDocument, RTF and PDF transcripts all come through
here, so a layout is read the same way whatever program wrote it.
"""

from __future__ import annotations

from collections import Counter

from tcoder.importers import otter
from tcoder.importers.model import Cue, parse_clock, split_label
from tcoder.numbers import verb_for, word_for

_HEADER_WORDS = {
    "speaker": {"speaker", "speakers", "name", "who", "participant", "person", "role"},
    "time": {"time", "timestamp", "time stamp", "timecode", "start", "start time", "begin"},
    "text": {"text", "transcript", "transcription", "utterance", "content", "speech", "dialogue",
             "what was said", "words", "response"},
}


def paragraph_cues(text: str) -> list[Cue]:
    """A paragraph's lines (a manual line break splits them) as cues, each its own paragraph."""
    cues = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        found = otter.header(line)
        if found:
            cues.append(Cue("", found[0], found[1], new_paragraph=True))
            continue
        speaker, start, rest = split_label(line)
        cues.append(Cue(rest, speaker, start, new_paragraph=True))
    return cues


def left_out_warnings(left_out: dict[str, list[int]]) -> list[str]:
    """One warning per set of columns left out, not one per table."""
    out = []
    for names, numbers in left_out.items():
        where = f"table {numbers[0]}" if len(numbers) == 1 else f"{len(numbers)} tables ({_ranges(numbers)})"
        out.append(f"{where}: {word_for(names.count(', ') + 1, 'column')} {names} {verb_for(names.count(', ') + 1, 'is')} neither speaker, time nor text and were left out")
    return out


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3, 5"``."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def table_cues(rows: list[list[list[str]]], number: int, left_out: dict[str, list[int]]) -> list[Cue]:
    """Cues from a table's rows (each a list of cells, each a list of lines): a speaker column, an
    optional time column and a text column, found by a header row or by their content. Columns that
    are none of these go into ``left_out`` (their names -> table numbers)."""
    width = Counter(len(r) for r in rows).most_common(1)[0][0] if rows else 0
    if width < 2:  # a one-column table is a frame around ordinary paragraphs
        return [cue for r in rows for cell in r for line in cell for cue in paragraph_cues(line)]
    roles = _header_roles(rows[0], width)
    if roles:
        rows = rows[1:]
    else:
        roles = _guess_roles([r for r in rows if len(r) == width], width)
    unused = [c for c in range(width) if c not in roles.values()
              and any(len(r) == width and r[c] for r in rows)]
    if unused:
        left_out.setdefault(", ".join(str(c + 1) for c in unused), []).append(number)
    cues: list[Cue] = []
    for row in rows:
        if len(row) != width:  # a merged row such as a section heading
            cues.extend(cue for cell in row for line in cell for cue in paragraph_cues(line))
            continue
        speaker = " ".join(row[roles["speaker"]]) if "speaker" in roles else ""
        start = parse_clock(" ".join(row[roles["time"]])) if "time" in roles else None
        if speaker and (found := otter.header(speaker)):  # "Jane Doe  0:03" in one cell
            speaker, start = found[0] or "", found[1]
        lines = row[roles["text"]]
        cues.append(Cue(lines[0] if lines else "", speaker or None, start, new_paragraph=True))
        cues.extend(Cue(line, None, None, new_paragraph=True) for line in lines[1:])
    return cues


def _header_roles(row: list[list[str]], width: int) -> dict[str, int]:
    """Columns named by a header row, or {} when the first row is not one."""
    if len(row) != width:
        return {}
    roles: dict[str, int] = {}
    for column, lines in enumerate(row):
        label = " ".join(lines).strip(" :").lower()
        role = next((r for r, words in _HEADER_WORDS.items() if label in words), None)
        if role and role not in roles:
            roles[role] = column
        elif len(label.split()) > 3:  # a sentence: this row is speech, not column names
            return {}
    return roles if "text" in roles else {}


def _guess_roles(rows: list[list[list[str]]], width: int) -> dict[str, int]:
    """Time: a column of times. Text: the column with the longest cells. Speaker:
    the first other column."""
    roles: dict[str, int] = {}
    for column in range(width):
        values = [" ".join(r[column]) for r in rows if r[column]]
        if values and sum(parse_clock(v) is not None for v in values) >= 0.6 * len(values):
            roles["time"] = column
            break
    others = [c for c in range(width) if c != roles.get("time")]
    length = {c: sum(len(" ".join(r[c])) for r in rows) for c in others}
    roles["text"] = max(others, key=lambda c: (length[c], c))
    speaker = [c for c in others if c != roles["text"]]
    if speaker:
        roles["speaker"] = speaker[0]
    return roles


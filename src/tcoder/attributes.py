"""Case attributes from ``attributes.csv``: one row per transcript (the case).

The first column, ``transcript``, names the transcript by its path relative to
the study folder (``interviews/P01.txt``), by its file name, or by its stem
(``P01``) where that is unambiguous. The other columns are attributes such as
group, gender or year of study.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from tcoder.errors import Problem, TcoderError
from tcoder.transcript import decode_bytes

#: How tables name the cases with no value of an attribute (an empty cell, or no row).
NO_VALUE = "(no value)"


def value_name(value: str, missing: str = NO_VALUE) -> str:
    """An attribute value as tables name it: no value is ``missing`` (:data:`NO_VALUE`, or
    the name a table gives its row of missing values), and a value written like that is
    quoted, so that the two never share a name (or a column)."""
    if not value:
        return missing
    return f'"{value}"' if value == missing else value


@dataclass
class Attributes:
    path: Path | None = None
    columns: list[str] = field(default_factory=list)  # attribute names, without 'transcript'
    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # transcript name -> values

    def of(self, transcript: str) -> dict[str, str]:
        return self.rows.get(transcript, {})

    def values(self, column: str) -> list[str]:
        return sorted({row.get(column, "") for row in self.rows.values()} - {""})


def read_attributes(path: Path, transcripts: Iterable[str]) -> tuple[Attributes, list[Problem]]:
    """Read attributes.csv, matching each row to a transcript name (study-relative path)."""
    from tcoder.safeio import TABLE_LIMIT, read_file

    decoded = decode_bytes(read_file(path, limit=TABLE_LIMIT, what="the attributes file"), path, coded=False)
    problems = [Problem(w, path, severity="warning") for w in decoded.warnings]
    sample = decoded.text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(decoded.text), dialect)
    header = next(reader, None)
    if not header or header[0].strip().lower() != "transcript":
        raise TcoderError(Problem("the first column must be 'transcript' (the transcript each row describes)",
                                  path, 1, 1))
    columns = [c.strip() for c in header[1:]]
    for i, name in enumerate(columns):
        if not name:
            raise TcoderError(Problem(f"column {i + 2} has no name", path, 1))
        if name in columns[:i]:
            raise TcoderError(Problem(f"the column {name!r} appears twice", path, 1))
    resolve = transcript_resolver(list(transcripts))
    attributes = Attributes(path, columns)
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(f"this row has {len(row)} cells but the header has {len(header)}", path, line))
            continue
        name = row[0].strip()
        target, why = resolve(name)
        if target is None:
            problems.append(Problem(f"{name!r} {why}; the row is ignored", path, line, severity="warning"))
            continue
        if target in first_line:
            problems.append(Problem(f"{target} has two rows (lines {first_line[target]} and {line})", path, line))
            continue
        first_line[target] = line
        attributes.rows[target] = {c: v.strip() for c, v in zip(columns, row[1:], strict=True)}
    return attributes, problems


def transcript_resolver(names: list[str]):
    """A function naming a transcript by path, file name or unambiguous stem: (name or None, why not)."""
    by_name: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    for n in names:
        base = n.rsplit("/", 1)[-1]
        by_name.setdefault(base, []).append(n)
        by_stem.setdefault(base.rsplit(".", 1)[0], []).append(n)
    exact = set(names)

    def resolve(value: str) -> tuple[str | None, str]:
        value = value.replace("\\", "/").lstrip("./") if value.startswith("./") else value.replace("\\", "/")
        if value in exact:
            return value, ""
        for table in (by_name, by_stem):
            hits = table.get(value, [])
            if len(hits) == 1:
                return hits[0], ""
            if len(hits) > 1:
                return None, f"matches several transcripts ({', '.join(hits)}); use the path"
        return None, "is not a transcript of this study"

    return resolve

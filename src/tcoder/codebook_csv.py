"""The codebook as CSV, for programs that import codebooks only that way (Taguette).

Taguette reads a header row and the columns ``tag`` (the tag's path; Taguette
lists tags sorted by path, so ``Parent.Child`` paths keep each branch together) and
``description``, and ignores the others. tcoder writes one row per code in codebook order::

    tag,description,id,parent,key,color,exclusive,level,value
    Motivations,Why the learner became involved.,motivation,,,,,,
    Motivations.Personal experience,...,personal,motivation,p,#aec7e8,,,

The description holds the definition, include, exclude and examples as labelled
paragraphs, as in REFI-QDA (see :mod:`tcoder.refi.codebook_xml`). Reading back uses
``id`` and ``parent`` when they are there, so the tree and ids come back exactly; a
CSV from Taguette (``tag, description, number of highlights, number of documents``)
is read by its paths, ids made from the names.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from tcoder.codebook import CODE_ID, LEVELS, Code, Codebook, codebook_to_yaml, normalise_colour, parse_codebook
from tcoder.errors import Problem, TcoderError

COLUMNS = ("tag", "description", "id", "parent", "key", "color", "exclusive", "level", "value")
MAX_BYTES = 64 * 1024 ** 2


def codebook_csv(codebook: Codebook) -> str:
    from tcoder.refi.codebook_xml import code_description

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for code in codebook.codes.values():
        path = [code.name]
        parent = code.parent
        while parent is not None:
            path.append(codebook[parent].name)
            parent = codebook[parent].parent
        writer.writerow([".".join(reversed(path)), code_description(code), code.id, code.parent or "",
                         code.key or "", code.color if code.color_given else "", "true" if code.exclusive else "",
                         code.level if code.exclusive else "", "" if code.value is None else code.value])
    return out.getvalue()


def _number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def read_codebook_csv(path: str | os.PathLike[str]) -> Codebook:
    """A codebook from a CSV written by :func:`codebook_csv` or by Taguette."""
    from tcoder.refi.codebook_xml import parse_description, slug_id

    path = Path(path)
    from tcoder.safeio import read_file

    raw = read_file(path, limit=MAX_BYTES, what="the file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TcoderError(Problem(f"not UTF-8 (invalid byte at {exc.start}); save the CSV as UTF-8", path)) from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise TcoderError(Problem(f"not a valid CSV file ({exc})", path)) from None
    if not rows:
        raise TcoderError(Problem("the file is empty; a codebook CSV has a header row and one row per code", path))
    header = [c.strip().lower() for c in rows[0]]
    name_column = next((header.index(c) for c in ("tag", "name", "path") if c in header), None)
    if name_column is None:
        raise TcoderError(Problem("no 'tag' (or 'name', 'path') column in the header row; found "
                                  f"{', '.join(rows[0]) or 'nothing'}", path, 1))

    def cell(row: list[str], column: str) -> str:
        i = header.index(column) if column in header else -1
        return row[i].strip() if 0 <= i < len(row) else ""

    codes: dict[str, Code] = {}
    by_path: dict[str, str] = {}
    tag_of: dict[str, str] = {}
    problems: list[Problem] = []
    for number, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        tag = row[name_column].strip() if name_column < len(row) else ""
        if not tag:
            problems.append(Problem("the row has no tag name", path, number))
            continue
        if "parent" in header:  # tcoder's own: the parent by id, the name after the parent's path
            parent_id = cell(row, "parent")
            prefix = f"{tag_of[parent_id]}." if parent_id in tag_of else ""
            parent_path, name = "", tag[len(prefix):] if prefix and tag.startswith(prefix) else tag
        else:  # Taguette's: the longest earlier path the tag extends ("Dr. visits" alone is a name)
            parent_path = max((p for p in by_path if tag.startswith(p + ".")), key=len, default="")
            name = tag[len(parent_path) + 1:] if parent_path else tag
        code_id = cell(row, "id") or slug_id(name)
        if not CODE_ID.match(code_id):
            problems.append(Problem(f"the id {code_id!r} is not a valid code id", path, number))
            continue
        base, n = code_id, 2
        while code_id in codes:
            if cell(row, "id"):
                problems.append(Problem(f"the id {code_id!r} is used twice", path, number))
                break
            code_id, n = f"{base}-{n}", n + 1
        else:
            parent = cell(row, "parent") if "parent" in header else by_path.get(parent_path)
            if parent and parent not in codes:
                problems.append(Problem(f"the parent {parent!r} is not on an earlier row", path, number))
                continue
            fields = parse_description(cell(row, "description"))
            colour = normalise_colour(cell(row, "color")) if cell(row, "color") else None
            exclusive = cell(row, "exclusive").lower() in ("true", "yes", "1")
            level = cell(row, "level") or "nominal"
            value = _number(cell(row, "value"))
            code = Code(code_id, name, str(fields["description"]), str(fields["include"]), str(fields["exclude"]),
                        tuple(fields["examples"]),  # type: ignore[arg-type]
                        key=cell(row, "key") or None, color=colour or "", color_given=colour is not None,
                        parent=parent or None, exclusive=exclusive,
                        level=level if level in LEVELS else "nominal",
                        value=value, depth=codes[parent].depth + 1 if parent else 0)
            codes[code_id] = code
            by_path[tag] = code_id
            tag_of[code_id] = tag
            if parent:
                codes[parent].children.append(code_id)
    if problems:
        raise TcoderError(problems)
    if not codes:
        raise TcoderError(Problem("the file has no codes (no rows after the header)", path))
    ordered: dict[str, Code] = {}

    def visit(code_id: str) -> None:  # tree pre-order, as a Codebook holds its codes
        ordered[code_id] = codes[code_id]
        for child_id in codes[code_id].children:
            visit(child_id)

    for code in codes.values():
        if code.parent is None:
            visit(code.id)
    return parse_codebook(codebook_to_yaml(Codebook(ordered, path.stem)), path)

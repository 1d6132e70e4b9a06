"""``tcoder report STUDY codebook``: the codebook as a document for an appendix.

Each code under its number in the tree (1, 1.2, 1.2.1) with its definition, when to use
it and when not, its examples as quotes, and how often it was coded (annotations and
transcripts, per coder or group, as the frequencies report counts them, sub-codes
included unless --exact). A workbook gets one typed row per code.
"""

from __future__ import annotations

import pandas as pd

from tcoder.numbers import plural
from tcoder.reports.document import Document, Heading, Paragraph, Quote, Span, Table

TITLE = "Codebook"


def codebook_frame(data, counts: pd.DataFrame) -> pd.DataFrame:
    """One row per code of the codebook, in tree order, with its fields and counts."""
    from tcoder.reports.methods_text import tree_numbers

    codebook = data.codebook
    numbers = tree_numbers(codebook)
    counted = [c for c in counts.columns if c.endswith((" annotations", " transcripts", " participants"))]
    by_code = counts.set_index("code")
    rows = []
    for code in codebook:
        if code.id not in by_code.index:  # left out by --code
            continue
        row = {"number": numbers[code.id], "code": code.id, "name": code.name, "parent": code.parent or "",
               "level": code.depth + 1, "definition": code.description, "include": code.include,
               "exclude": code.exclude, "examples": "\n".join(code.examples)}
        for column in counted:
            row[column] = int(by_code.at[code.id, column])
        rows.append(row)
    return pd.DataFrame(rows, columns=["number", "code", "name", "parent", "level", "definition", "include",
                                       "exclude", "examples", *counted])


def codebook_document(data, frame: pd.DataFrame, fmt: str, notes: list[str]) -> Document:
    from tcoder.reports.tabular import frame_table

    codebook = data.codebook
    title = codebook.title or TITLE
    if fmt == "xlsx":
        table = frame_table(frame, title, notes=notes, sheet="Codebook")
        table.text = {table.columns.index("number")} if "number" in table.columns else set()  # 1.10 is not 1.1
        return Document(title, [table])
    doc = Document(title, subtitle=f"{plural(len(frame), 'code')}; counts: {', '.join(data.coders) or 'no coder'}.")
    if codebook.description:
        doc.para(codebook.description)
    counted = [c for c in frame.columns if c.endswith((" annotations", " transcripts", " participants"))]
    doc.add(Table(["Code", *counted], [[f"{r['number']} {r['name']}", *(r[c] for c in counted)]
                                       for r in frame.to_dict("records")],
                  caption="The coding tree and how often each code was used",
                  numeric=set(range(1, len(counted) + 1)), places={i: 0 for i in range(1, len(counted) + 1)}))
    for r in frame.to_dict("records"):
        code = codebook[r["code"]]
        doc.add(Heading(f"{r['number']} {code.name}", min(6, code.depth + 2)))
        facts = [f"id {code.id}"]
        if code.exclusive:
            facts.append(f"mutually exclusive sub-codes ({code.level})")
        facts.extend(f"{c}: {r[c]:,}" for c in counted)
        doc.add(Paragraph(["; ".join(facts)], "meta"))
        for label, text in (("Definition", code.description), ("Use when", code.include),
                            ("Do not use when", code.exclude)):
            if text:
                doc.add(Paragraph([Span(f"{label}: ", bold=True), text]))
        for example in code.examples:
            doc.add(Quote(example))
    doc.add(*(Paragraph([n], "note") for n in notes))
    return doc

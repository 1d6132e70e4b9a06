"""``tcoder agree --format docx|xlsx``: the agreement result as a Word report (the methods
sentence, then alpha per code, per set of exclusive codes and overall, per transcript and
per pair when asked) or an Excel workbook (the same tables, one sheet each, numbers typed
and whole). A reflexive study gets the overlap table and its note instead."""

from __future__ import annotations

from typing import Any

from tcoder.agreement.methods import UNIT_NOUNS
from tcoder.numbers import plural
from tcoder.reports.document import Document, Table

COLUMNS = ["Code", "Kind", "Level", "Alpha", "95% CI low", "95% CI high", "q < .667", "q < .800", "Units",
           "Coded units", "Passages", "% agreement", "Verdict", "Why undefined"]
NUMERIC = {3, 4, 5, 6, 7, 8, 9, 10, 11}
PLACES = {3: 3, 4: 3, 5: 3, 6: 3, 7: 3, 8: 0, 9: 0, 10: 0, 11: 1}


def _rows(table, codebook) -> list[list[object]]:
    out: list[list[object]] = []
    for row in table.rows():
        iv = row.interval
        name = row.name if row.kind != "overall" else "overall (pooled)"
        if codebook is not None and row.kind != "overall" and row.id in codebook:
            name = codebook.path_of(row.id)
        out.append([name, row.kind, row.level, row.alpha, iv.low if iv else None, iv.high if iv else None,
                    iv.q_667 if iv else None, iv.q_800 if iv else None, float(row.units), float(row.coded),
                    float(row.passages) if row.kind == "code" else None,
                    100.0 * row.agreement if row.agreement is not None else None, _verdict(row), row.reason or ""])
    return out


def _verdict(row) -> str:
    """The verdict, and 'too few' without an interval too: the note and the terminal's star say so."""
    if row.verdict:
        return str(row.verdict)
    return "too few" if row.few and row.kind != "overall" else ""


def agreement_document(result, payload: dict[str, Any], fmt: str) -> Document:
    codebook = result.data.codebook if result.data is not None else None
    unit = UNIT_NOUNS.get(result.unit, (result.unit,))[0]  # 'character units', never the option's 'char'
    title = f"Inter-coder agreement ({unit} units; coders: {', '.join(result.coders)})"
    doc = Document(title)
    methods = payload.get("methods") or {}
    if fmt == "docx" and methods:
        doc.heading("Methods", 2)
        doc.para(methods["sentence"] + " " + methods["results"])
        doc.heading("Krippendorff's alpha", 2)
    notes = [str(n) for n in payload.get("notes") or []]
    doc.add(Table(COLUMNS, _rows(result.table, codebook), caption=f"Krippendorff's alpha, {unit} units",
                  numeric=set(NUMERIC), places=dict(PLACES), notes=notes, sheet="Alpha"))
    for name, table in result.by_transcript:
        doc.add(Table(COLUMNS, _rows(table, codebook), caption=f"Alpha in {name}", numeric=set(NUMERIC),
                      places=dict(PLACES), sheet=name.rsplit("/", 1)[-1]))
    for pair in result.pairs:
        doc.add(Table(COLUMNS, _rows(pair.table, codebook), caption=f"Alpha for {' & '.join(pair.coders)}",
                      numeric=set(NUMERIC), places=dict(PLACES), sheet=" & ".join(pair.coders)))
    if fmt == "xlsx" and methods:
        doc.add(Table(["Field", "Value"], [[key, _flat(value)] for key, value in methods.items()],
                      caption="What a methods section needs", sheet="Methods"))
    return doc


def _flat(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


def reflexive_document(rows, data, note: str) -> Document:
    """The reflexive approach's overlap counts: material to discuss, no coefficient."""
    codebook = data.codebook
    table = Table(["Code", "First coder", "Second coder", "Both", "Only first", "Only second", "First's passages",
                   "First's met", "Second's passages", "Second's met"],
                  [[codebook[r.code].name if codebook is not None and r.code in codebook else r.code, r.coder_a,
                    r.coder_b, r.both, r.only_a, r.only_b, r.passages_a, r.met_a, r.passages_b, r.met_b] for r in rows],
                  caption=f"How the coders' readings overlap ({plural(len(data.transcripts), 'transcript')}), characters",
                  numeric=set(range(3, 10)), places={i: 0 for i in range(3, 10)}, notes=[note], sheet="Overlap")
    return Document("How the coders' readings overlap", [table])

"""Search results, query passages and matrices as Word documents, through the shared
document model (:mod:`tcoder.reports.document`) and writer (:mod:`tcoder.reports.docx`).

Hits are a table per transcript (line, speaker, context, hit, context); passages
are quotes in Word's Quote style with their citation; a matrix is a real table.
Each document starts with what was asked and ends with the notes on what the
figures rest on.
"""

from __future__ import annotations

import os

from tcoder.numbers import plural
from tcoder.reports.document import Document, Paragraph, Quote, Table
from tcoder.reports.docx import DocxResult, write_docx
from tcoder.search.engine import SearchRun
from tcoder.search.kwic import concordance
from tcoder.search.matrix import Matrix
from tcoder.search.query import QueryResult
from tcoder.study import Study


def hits_document(study: Study, run: SearchRun, context: int = 60) -> Document:
    from tcoder.reports.hits import describe

    document = Document("Search results")
    for line in describe(run):
        document.para(line, style="meta")
    document.para(run.summary(), style="meta")
    current = None
    rows: list[list[object]] = []

    def flush() -> None:
        if current is not None:
            n = run.per_transcript.get(current, 0)
            document.add(Table(["line", "speaker", "before", "hit", "after"], rows,
                               caption=f"{current} ({plural(n, 'hit')})", numeric={0}))

    for hit in run.hits:
        if hit.transcript != current:
            flush()
            current, rows = hit.transcript, []
            document.heading(current, 2)
        text = study.transcript(hit.transcript).text
        kwic = concordance(text, hit.start, hit.end, context)
        rows.append([hit.line, hit.speaker or "", kwic.left, text[hit.start:hit.end], kwic.right])
    flush()
    for problem in run.problems:
        document.para(f"Not searched: {problem}", style="note")
    return document


def passages_document(result: QueryResult, title: str = "Query results") -> Document:
    from tcoder.reports.passages import _source, notes, rows

    document = Document(title)
    for line in notes(result):
        document.para(line, style="meta")
    current = None
    for passage, row in zip(result.passages, rows(result), strict=True):
        if passage.transcript != current:
            current = passage.transcript
            document.heading(current, 2)
        document.add(Quote(row["quote"], _source(result, passage, row)))
        for memo in passage.memos:
            document.add(Paragraph(["Memo: ", memo], "note"))
    return document


def matrix_document(matrix: Matrix) -> Document:
    from tcoder.reports.matrix_output import short_heads, title

    document = Document(title(matrix))
    table_rows: list[list[object]] = []
    for label, values in zip(matrix.row_labels, matrix.table(), strict=True):
        table_rows.append([label.replace("  ", "\u2003"), *values])
    document.add(Table(["code", *short_heads(matrix)], table_rows, caption=title(matrix),
                       numeric=set(range(1, len(matrix.columns) + 1)), notes=matrix.describe()))
    return document


def write(document: Document, path: str | os.PathLike[str]) -> DocxResult:
    return write_docx(document, path)

"""Passages (the results of a coding query) as text: a terminal list, CSV, Markdown,
HTML and JSON.

Each passage says where it is (transcript, line, speaker), whose coding it rests on,
which codes make it, and its memos; the header says what was asked and the footer
how many passages each coder's annotations gave, so nothing is pooled unseen.
"""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

from tcoder.numbers import plural
from tcoder.reports.markup import html_notes, html_page, md_block, md_escape
from tcoder.search.kwic import cells, cut_right, flat
from tcoder.search.query import Passage, QueryResult
from tcoder.textsafe import inert

PASSAGE_FORMATS = ("table", "csv", "md", "html", "json")


def _names(result: QueryResult, codes: tuple[str, ...]) -> str:
    codebook = result.query.study.codebook
    return ", ".join(codebook.display_name(c) for c in codes)


def notes(result: QueryResult) -> list[str]:
    out = [f"Query: {result.query.canonical}",
           "Coders: " + (", ".join(result.coders) or "none") + " (each coder's annotations queried on their own)",
           result.summary()]
    out.extend(f"Left out: {p}" for p in result.problems)
    return out


def rows(result: QueryResult, redact: bool = False) -> list[dict[str, Any]]:
    """One row per passage; ``redact`` withholds each quote (tcoder.quotes.withheld)."""
    from tcoder.quotes import withheld

    study = result.query.study
    columns = study.attributes.columns
    out = []
    for p in result.passages:
        transcript = study.transcript(p.transcript)
        line, column = transcript.line_col(p.start)
        row: dict[str, Any] = {
            "transcript": p.transcript, "coder": p.coder, "start": p.start, "end": p.end, "line": line,
            "speaker": transcript.speaker_at(p.start) or "", "codes": ";".join(p.codes),
            "quote": withheld(transcript.text[p.start:p.end]) if redact else transcript.text[p.start:p.end],
            "memos": "\n".join(p.memos),
            "annotations": ";".join(a.id for a in p.sources)}
        values = study.attributes.of(p.transcript)
        for name in columns:
            row.setdefault(name, values.get(name, ""))
        out.append(row)
    return out


COLUMNS = ["transcript", "coder", "start", "end", "line", "speaker", "codes", "quote", "memos", "annotations"]


def render_csv(result: QueryResult, redact: bool = False) -> str:
    columns = COLUMNS + [c for c in result.query.study.attributes.columns if c not in COLUMNS]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows(result, redact))
    return buffer.getvalue()


def render_json(result: QueryResult, redact: bool = False) -> str:
    document = {"query": result.query.text, "read_as": result.query.canonical, "name": result.query.name,
                "coders": result.coders, "per_coder": result.per_coder(), "transcripts": result.transcripts,
                "summary": result.summary(), "left_out": [str(p) for p in result.problems],
                "passages": rows(result, redact)}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def render_table(result: QueryResult, width: int = 120, redact: bool = False) -> str:
    out: list[str] = []
    data = rows(result, redact)
    place = [f"{r['line']}" for r in data]
    place_width = max([len(p) for p in place] + [4])
    coder_width = max([len(r["coder"]) for r in data] + [5])
    speaker_width = min(14, max([cells(flat(r["speaker"])) for r in data] + [0]))
    quote_width = max(20, width - place_width - coder_width - speaker_width - 10)
    current = None
    for r, where in zip(data, place, strict=True):
        if r["transcript"] != current:
            current = r["transcript"]
            n = sum(1 for x in data if x["transcript"] == current)
            out.append(f"{flat(current)}  ({plural(n, 'passage')})")
        speaker = cut_right(flat(r["speaker"]), speaker_width)
        speaker += " " * (speaker_width - cells(speaker))
        quote = cut_right(flat(r["quote"]), quote_width)
        out.append(f"  {where.rjust(place_width)}  {r['coder'].ljust(coder_width)}  {speaker}  {quote}")
        out.append(f"  {' ' * place_width}  {' ' * coder_width}  {' ' * speaker_width}  "
                   f"[{inert(_names(result, tuple(r['codes'].split(';')) if r['codes'] else ()))}]")
    out.append("")
    out.extend(inert(n) for n in notes(result))
    return "\n".join(out) + "\n"


def _source(result: QueryResult, p: Passage, row: dict[str, Any]) -> str:
    speaker = f", {row['speaker']}" if row["speaker"] else ""
    return (f"{p.transcript}{speaker}, line {row['line']}, characters {p.start}\u2013{p.end} ({p.coder}; "
            f"{_names(result, p.codes) or 'uncoded text'})")


def render_md(result: QueryResult, title: str = "Query results", redact: bool = False) -> str:
    out = [f"# {md_escape(title)}", ""]
    out.extend(md_escape(n) + "  " for n in notes(result))
    current = None
    for p, row in zip(result.passages, rows(result, redact), strict=True):
        if p.transcript != current:
            current = p.transcript
            out += ["", f"## {md_escape(current)}"]
        quote = "\n".join("> " + line if line else ">" for line in md_block(row["quote"]).split("\n"))
        out += ["", quote, "", f"\u2014 {md_escape(_source(result, p, row))}"]
        for memo in p.memos:
            out += ["", f"*Memo:* {md_escape(memo)}"]
    return "\n".join(out) + "\n"


def render_html(result: QueryResult, title: str = "Query results", redact: bool = False) -> str:
    esc = html.escape
    body = [html_notes(notes(result))]
    current = None
    for p, row in zip(result.passages, rows(result, redact), strict=True):
        if p.transcript != current:
            current = p.transcript
            body.append(f"<h2>{esc(current)}</h2>\n")
        body.append(f"<blockquote>{esc(row['quote'])}</blockquote>\n"
                    f'<p class="source">\u2014 {esc(_source(result, p, row))}</p>\n')
        for memo in p.memos:
            body.append(f'<p class="memo">Memo: {esc(memo)}</p>\n')
    return html_page(title, "".join(body))


def render(result: QueryResult, fmt: str, title: str = "Query results", width: int = 120,
           redact: bool = False) -> str:
    if fmt == "csv":
        return render_csv(result, redact)
    if fmt == "json":
        return render_json(result, redact)
    if fmt == "md":
        return render_md(result, title, redact)
    if fmt == "html":
        return render_html(result, title, redact)
    return render_table(result, width, redact)


def document(result: QueryResult, fmt: str, title: str, redact: bool = False):
    """The passages as a Word document (each quote in Word's Quote style with where it is and
    whose coding it rests on) or an Excel workbook (one typed row per passage)."""
    from tcoder.reports.document import Document, Heading, Paragraph, Quote, Table

    data = rows(result, redact)
    columns = COLUMNS + [c for c in result.query.study.attributes.columns if c not in COLUMNS]
    if fmt == "xlsx":
        table = Table(columns, [[r.get(c, "") for c in columns] for r in data], caption=title,
                      numeric={columns.index(c) for c in ("start", "end", "line")}, notes=notes(result),
                      sheet="Passages")
        return Document(title, [table])
    doc = Document(title, subtitle=result.summary())
    current = None
    for r in data:
        if r["transcript"] != current:
            current = r["transcript"]
            doc.add(Heading(str(current), 2))
        speaker = f", {r['speaker']}" if r["speaker"] else ""
        codes = _names(result, tuple(r["codes"].split(";")) if r["codes"] else ())
        doc.add(Quote(str(r["quote"]), f"{r['transcript']}{speaker}, line {r['line']} ({r['coder']}): {codes}"))
        if r["memos"]:
            doc.add(Paragraph(["Memo: ", str(r["memos"])], "note"))
    doc.add(*(Paragraph([n], "note") for n in notes(result)))
    return doc

"""``report segments``: every coded passage, one row per annotation (docs/formats.md#coded-segments).

CSV and the table list rows in reading order (transcript, position). Markdown and
HTML group the quotes by theme and code (and by an attribute with ``--by``), each
with its transcript, speaker, line and offsets, ready to quote in a paper.
"""

from __future__ import annotations

import html

import pandas as pd

from tcoder.annotations import AUTOCODE_FIELD
from tcoder.attributes import value_name
from tcoder.numbers import plural, verb_for
from tcoder.participants import Grouping
from tcoder.reports.data import SEGMENT_COLUMNS, ReportData, UsageError, filter_codes
from tcoder.reports.output import TextStream, html_notes, html_page, md_block, md_escape, rich_table_chunks

UNKNOWN_THEME = "Codes not in the codebook"
SLOW_TABLE_ROWS = 5000
TABLE_QUOTE = 100  # characters of a quote shown in the terminal table


def segments_frame(data: ReportData, by: str | None = None) -> pd.DataFrame:
    """One row per segment: the contract columns, the speaker's participant id and role when the study
    says who speaks, then the transcript attributes and the participant attributes (a speaker's own
    value wins over their transcript's)."""
    frame = filter_codes(data)
    study = data.study
    who = ["participant", "role"] if study.participants.defined else []
    attributes = [c for c in study.attributes.columns if c in frame.columns and c not in SEGMENT_COLUMNS]
    attributes += [c for c in study.participants.columns
                   if c in frame.columns and c not in SEGMENT_COLUMNS and c not in attributes and c not in who]
    machine = [AUTOCODE_FIELD] if AUTOCODE_FIELD in frame.columns else []  # only when autocoded passages are in it
    columns = SEGMENT_COLUMNS[:5] + who + SEGMENT_COLUMNS[5:] + machine + attributes
    keys = ([by] if by else []) + ["transcript", "start", "end", "code", "coder"]
    return frame.sort_values(keys, kind="stable")[columns].reset_index(drop=True)


def render(data: ReportData, fmt: str, grouping: Grouping | None, notes: list[str],
           cite: list[str] | None = None) -> "str | TextStream":
    by = grouping.attribute if grouping is not None else None
    if grouping is not None and grouping.level == "transcript" and by in data.study.participants.columns:
        # the segments carry the speaker's own value under this name; --by transcript.NAME wants the transcript's
        values = data.study.attributes
        data.frame = data.frame.assign(**{by: [values.of(t).get(by, "") for t in data.frame["transcript"]]})
    notes = notes + ([data.coder_note] if data.coder_note else [])
    unknown = [c for c in cite or [] if c not in data.frame.columns or c in SEGMENT_COLUMNS]
    if unknown:
        raise UsageError(f"--cite: no participant or transcript attribute {', '.join(map(repr, unknown))}")
    frame = segments_frame(data, by)
    if fmt == "csv":
        return frame.to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        from tcoder.reports.output import json_text

        return json_text(frame, "Coded segments", notes)
    if fmt == "table":
        if len(frame) > SLOW_TABLE_ROWS:
            import sys

            print(f"note: a table of {len(frame):,} segments is drawn as it is shown (page by page on a terminal); "
                  "--format csv, md or html is much faster, and --code or --coder narrow the report", file=sys.stderr)
        shown = frame[["transcript", "coder", "code", "speaker", "start", "end", "quote"] + ([by] if by else [])]
        long = shown["quote"].str.len() > TABLE_QUOTE
        if long.any():
            shown = shown.assign(quote=shown["quote"].where(~long, shown["quote"].str.slice(0, TABLE_QUOTE - 1) + "\u2026"))
            notes = notes + [f"{plural(int(long.sum()), 'quote')} longer than {TABLE_QUOTE} characters {verb_for(int(long.sum()), 'is')} shortened in this "
                             "table; --format csv, md or html show every quote in full."]
        return TextStream(rich_table_chunks(shown, f"Coded segments ({len(frame)})"), "".join(f"{n}\n" for n in notes),
                          page=len(frame) > SLOW_TABLE_ROWS)
    extra = list(dict.fromkeys(([by] if by else []) + (cite or [])))
    full = filter_codes(data).loc[:, ["code", "transcript", "start", "end", "coder", "line", "speaker", "quote",
                                      "memo"] + extra]
    groups = _grouped(data, full, by)
    source = _citation(cite) if cite else _source_line
    if fmt == "md":
        return _markdown(data, groups, by, len(full), notes, source)
    return _html(data, groups, by, len(full), notes, source)


def _grouped(data: ReportData, frame: pd.DataFrame, by: str | None):
    """[(theme, [(code, [(value, rows)])])] in codebook order."""
    codebook = data.codebook
    order = {c: i for i, c in enumerate(data.codes)}
    frame = frame.assign(_order=frame["code"].map(order)).sort_values(
        ["_order"] + ([by] if by else []) + ["transcript", "start", "end", "coder"], kind="stable")
    themes: dict[str, list] = {}
    for code, rows in frame.groupby("_order", sort=True):
        code_id = data.codes[int(code)]
        theme = codebook.theme_of(code_id).id if code_id in codebook else UNKNOWN_THEME
        if by:
            parts = [(value, sub) for value, sub in rows.groupby(by, sort=True)]
        else:
            parts = [(None, rows)]
        themes.setdefault(theme, []).append((code_id, parts))
    return list(themes.items())


def _source_line(row, by: str | None) -> str:
    speaker = f", {row.speaker}" if row.speaker else ""
    return f"{row.transcript}{speaker}, line {row.line}, characters {row.start}\u2013{row.end} ({row.coder})"


def _citation(attributes: list[str]):
    """A citation led by the speaker and their attributes: 'Amara, MS3, intervention (interviews/P01.txt,
    line 5, characters 120-185; consensus)'."""
    def line(row, by: str | None) -> str:
        values = [str(getattr(row, a)) for a in attributes if str(getattr(row, a))]
        who = ", ".join(([row.speaker] if row.speaker else []) + values) or row.transcript
        return (f"{who} ({row.transcript}, line {row.line}, characters {row.start}\u2013{row.end}; "
                f"{row.coder})")
    return line


def _markdown(data: ReportData, groups, by: str | None, total: int, notes: list[str], source=_source_line) -> str:
    out = [f"# Coded segments\n\n{plural(total, 'segment')}; coders: {md_escape(', '.join(data.coders))}.\n"]
    for theme, codes in groups:
        out.append(f"\n## {md_escape(data.name(theme) if theme != UNKNOWN_THEME else theme)}\n")
        for code, parts in codes:
            count = sum(len(rows) for _, rows in parts)
            path = data.codebook.path_of(code) if code in data.codebook else code
            out.append(f"\n### {md_escape(path)} ({count})\n")
            for value, rows in parts:
                if by:
                    out.append(f"\n#### {md_escape(by)}: {md_escape(value_name(value))} ({len(rows)})\n")
                for row in rows.itertuples(index=False):
                    quote = "\n".join("> " + line if line else ">" for line in md_block(row.quote).split("\n"))
                    out.append(f"\n{quote}\n\n\u2014 {md_escape(source(row, by))}\n")
                    if row.memo:
                        out.append(f"\n*Memo:* {md_escape(row.memo)}\n")
    out.extend(f"\n{md_escape(n)}\n" for n in notes)
    return "".join(out)


def _html(data: ReportData, groups, by: str | None, total: int, notes: list[str], source=_source_line) -> str:
    esc = html.escape
    out = [f"<p>{plural(total, 'segment')}; coders: {esc(', '.join(data.coders))}.</p>\n", html_notes(notes)]
    for theme, codes in groups:
        out.append(f"<h2>{esc(data.name(theme) if theme != UNKNOWN_THEME else theme)}</h2>\n")
        for code, parts in codes:
            count = sum(len(rows) for _, rows in parts)
            path = data.codebook.path_of(code) if code in data.codebook else code
            out.append(f'<h3 id="code-{esc(code)}">{esc(path)} ({count})</h3>\n')
            for value, rows in parts:
                if by:
                    out.append(f"<h4>{esc(by)}: {esc(value_name(value))} ({len(rows)})</h4>\n")
                for row in rows.itertuples(index=False):
                    out.append(f"<blockquote>{esc(row.quote)}</blockquote>\n"
                               f'<p class="source">\u2014 {esc(source(row, by))}</p>\n')
                    if row.memo:
                        out.append(f'<p class="memo">Memo: {esc(row.memo)}</p>\n')
    return html_page("Coded segments", "".join(out))


def document(data: ReportData, fmt: str, grouping: Grouping | None, notes: list[str],
             cite: list[str] | None = None):
    """The segments as a Word document (quotes in Word's Quote style under their theme and
    code, each with its citation) or an Excel workbook (one row per segment, typed)."""
    from tcoder.reports.document import Document, Heading, Paragraph, Quote
    from tcoder.reports.tabular import frame_table

    by = grouping.attribute if grouping is not None else None
    notes = notes + ([data.coder_note] if data.coder_note else [])
    unknown = [c for c in cite or [] if c not in data.frame.columns or c in SEGMENT_COLUMNS]
    if unknown:
        raise UsageError(f"--cite: no participant or transcript attribute {', '.join(map(repr, unknown))}")
    if fmt == "xlsx":
        frame = segments_frame(data, by)
        return Document("Coded segments", [frame_table(frame, "Coded segments", notes=notes, sheet="Segments")])
    extra = list(dict.fromkeys(([by] if by else []) + (cite or [])))
    full = filter_codes(data).loc[:, ["code", "transcript", "start", "end", "coder", "line", "speaker", "quote",
                                      "memo"] + extra]
    source = _citation(cite) if cite else _source_line
    doc = Document("Coded segments", subtitle=f"{plural(len(full), 'segment')}; coders: {', '.join(data.coders)}.")
    for theme, codes in _grouped(data, full, by):
        doc.add(Heading(data.name(theme) if theme != UNKNOWN_THEME else theme, 2))
        for code, parts in codes:
            count = sum(len(rows) for _, rows in parts)
            path = data.codebook.path_of(code) if code in data.codebook else code
            doc.add(Heading(f"{path} ({count})", 3))
            for value, rows in parts:
                if by:
                    doc.add(Heading(f"{by}: {value_name(value)} ({len(rows)})", 4))
                for row in rows.itertuples(index=False):
                    doc.add(Quote(str(row.quote), source(row, by)))
                    if row.memo:
                        doc.add(Paragraph(["Memo: ", str(row.memo)], "note"))
    doc.add(*(Paragraph([n], "note") for n in notes))
    return doc

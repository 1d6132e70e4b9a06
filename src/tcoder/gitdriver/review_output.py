"""The three faces of a review: a terminal table, Markdown for a pull request, JSON."""

from __future__ import annotations

import json
import re

from tcoder.gitdriver.review import Change, Placed, Review
from tcoder.gitdriver.textconv import shorten

SYMBOL = {"added": "+", "removed": "-", "changed": "~"}
QUOTE_WIDTH = 90


def _range(review: Review) -> str:
    return f"{review.old.spec} ({review.old.short}) .. {review.new.spec} ({review.new.short})"


def _summary(review: Review) -> str:
    parts = [f"{review.count('added')} added", f"{review.count('removed')} removed",
             f"{review.count('changed')} changed"]
    text = ", ".join(parts)
    if review.moved:
        text += f"; {review.moved} only moved with an edited transcript (not listed)"
    return text


def _counts(changes: list[Change]) -> str:
    return " ".join(f"{SYMBOL[k]}{sum(c.kind == k for c in changes)}" for k in ("added", "removed", "changed"))


def describe_fields(change: Change) -> str:
    """What a change did, e.g. ``code duty -> personal; memo "" -> "family"``."""
    assert change.old is not None and change.new is not None
    a, b = change.old.annotation, change.new.annotation
    parts = []
    for name in change.fields:
        if name == "code":
            parts.append(f"code {a.code} -> {b.code}")
        elif name == "span":
            parts.append(f"span {a.start}-{a.end} -> {b.start}-{b.end}"
                         + (f' (was "{shorten(a.quote or "", 50)}")' if (a.quote or "") != (b.quote or "") else ""))
        elif name == "memo":
            parts.append(f'memo "{shorten(a.memo or "", 60)}" -> "{shorten(b.memo or "", 60)}"')
        elif name == "transcript":
            parts.append(f"transcript {change.old.transcript} -> {change.new.transcript}")
    return "; ".join(parts)


MISSING = "(transcript missing)"


def _where(placed: Placed) -> str:
    where = placed.transcript + (f" {MISSING}" if placed.transcript_missing else "")
    return where + (f"  {placed.speaker}" if placed.speaker else "")


def _quote(placed: Placed) -> str:
    quote = placed.annotation.quote
    return f'"{shorten(quote, QUOTE_WIDTH)}"' if quote else "(no quote stored)"


def as_table(review: Review) -> str:
    study = review.study or "."
    lines = [f"Coding changes in {study}, {_range(review)}: {_summary(review)}"]
    lines += [f"note: {note}" for note in review.notes()]
    for coder, codes in review.grouped():
        lines.append("")
        lines.append(coder)
        for code, changes in codes:
            name = review.code_name(code)
            lines.append(f"  {code}" + (f" ({name})" if name else "") + f"  {_counts(changes)}")
            for change in changes:
                placed = change.current
                line = f"    {SYMBOL[change.kind]} {_where(placed)}  {_quote(placed)}"
                if change.kind == "changed":
                    line += f"  [{describe_fields(change)}]"
                elif placed.annotation.memo:
                    line += f'  memo: "{shorten(placed.annotation.memo, 60)}"'
                lines.append(line)
    if not review.changes:
        lines.append("No annotations were added, removed or changed.")
    return "\n".join(lines) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<|#])")


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def as_markdown(review: Review) -> str:
    study = f"`{review.study}`" if review.study else "the study"
    lines = [f"### Coding changes in {study}",
             "",
             f"`{review.old.spec}` ({review.old.short}) → `{review.new.spec}` ({review.new.short}): "
             f"{md_escape(_summary(review))}.",
             ""]
    for note in review.notes():
        lines += [f"> **Note:** {md_escape(note)}", ""]
    if not review.changes:
        lines.append("No annotations were added, removed or changed.")
        return "\n".join(lines) + "\n"
    lines += ["| Coder | Code | Added | Removed | Changed |", "| --- | --- | ---: | ---: | ---: |"]
    grouped = review.grouped()
    for coder, codes in grouped:
        for code, changes in codes:
            counts = [sum(c.kind == k for c in changes) for k in ("added", "removed", "changed")]
            lines.append(f"| {md_escape(coder)} | {md_escape(code)} | " + " | ".join(map(str, counts)) + " |")
    for coder, codes in grouped:
        lines += ["", f"#### {md_escape(coder)}"]
        for code, changes in codes:
            name = review.code_name(code)
            lines += ["", f"**{md_escape(code)}**" + (f" ({md_escape(name)})" if name else "")]
            for change in changes:
                placed = change.current
                where = (f"`{placed.transcript}`" + (f" {MISSING}" if placed.transcript_missing else "")
                         + (f", {md_escape(placed.speaker)}" if placed.speaker else ""))
                quote = md_escape(_quote(placed))
                item = f"- **{change.kind}** {where}: {quote}"
                if change.kind == "changed":
                    item += f" ({md_escape(describe_fields(change))})"
                elif placed.annotation.memo:
                    item += f" (memo: {md_escape(shorten(placed.annotation.memo, 120))})"
                lines.append(item)
    return "\n".join(lines) + "\n"


def _placed_json(placed: Placed | None) -> dict | None:
    if placed is None:
        return None
    a = placed.annotation
    return {"transcript": placed.transcript, "transcript_missing": placed.transcript_missing,
            "speaker": placed.speaker, "code": a.code, "start": a.start, "end": a.end, "quote": a.quote,
            "memo": a.memo}


def as_json(review: Review) -> str:
    data = {
        "study": review.study,
        "from": {"rev": review.old.spec, "commit": review.old.commit},
        "to": {"rev": review.new.spec, "commit": review.new.commit},
        "summary": {"added": review.count("added"), "removed": review.count("removed"),
                    "changed": review.count("changed"), "moved": review.moved},
        "changes": [{"kind": c.kind, "coder": c.coder, "code": c.code, "code_name": review.code_name(c.code),
                     "id": c.id, "fields": c.fields, "old": _placed_json(c.old), "new": _placed_json(c.new)}
                    for coder, codes in review.grouped() for code, changes in codes for c in changes],
        "missing_transcripts": [{"rev": rev.spec, "commit": rev.commit, "transcript": transcript, "coders": coders}
                                for rev, transcript, coders in review.missing_transcripts],
        "notes": review.notes(),
        "problems": [str(p) for p in review.problems],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


FORMATS = {"table": as_table, "md": as_markdown, "json": as_json}

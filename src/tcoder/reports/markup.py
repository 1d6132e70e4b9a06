"""Markdown and HTML text for reports, without pandas (so light commands can use it).

Transcript text is data: Markdown backslash-escapes whatever would break a table or
be read as formatting, and HTML escapes everything.
"""

from __future__ import annotations

import html
import math
import re
from typing import Iterable

# Characters with a meaning in Markdown (CommonMark and GitHub tables) anywhere in a line.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>#|~$&])")
# At the start of a line: headings, quotes, lists, thematic breaks, numbered lists.
_MD_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])", re.MULTILINE)


def _line_start(m: re.Match) -> str:
    """A block marker made literal. CommonMark escapes only punctuation (a backslash before
    a digit would show), so a numbered list's '1.' becomes '1\\.'."""
    marker = m.group(2)
    if marker[0].isdigit():
        return m.group(1) + marker[:-1] + "\\" + marker[-1]
    return m.group(1) + "\\" + marker


def md_escape(value: object) -> str:
    """Text that Markdown shows as it is, on one line (newlines become <br>)."""
    text = plain(value)
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_LINE_START.sub(_line_start, text)
    return text.replace("\r", "").replace("\n", "<br>")


def md_cell(text: str) -> str:
    """Text for a Markdown table cell: inline escapes only (a cell never starts a block, so
    '-0.5' or '1. item' need no escape), on one line."""
    return _MD_INLINE.sub(r"\\\1", text).replace("\r", "").replace("\n", "<br>")


def md_block(value: object) -> str:
    """Several lines of text escaped for Markdown, line breaks kept (for block quotes)."""
    text = _MD_INLINE.sub(r"\\\1", plain(value))
    return _MD_LINE_START.sub(_line_start, text)  # a multi-line pattern: every line's start


def plain(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        if value == 0:
            return "0"  # never "-0"
        return f"{value:g}" if abs(value) >= 1e-4 else f"{value:.2e}"
    return str(value)


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;line-height:1.45;color:#222}table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;text-align:left}td.num{text-align:right;
font-variant-numeric:tabular-nums}th{background:#f3f3f3}blockquote{margin:.75rem 0;padding:.25rem .75rem;
border-left:4px solid #0072B2;background:#f7f9fb;white-space:pre-wrap}.source{color:#555;font-size:.85rem;
margin:-.5rem 0 1rem .75rem}.memo{color:#555;font-style:italic}.note{color:#8a5300}h2{margin-top:2rem}
blockquote footer{color:#555;font-size:.85rem;white-space:normal;margin:.25rem 0}.meta{color:#555;font-size:.9rem}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:.9rem}"""


def html_page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
            f"<style>{_CSS}</style>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n{body}</body>\n</html>\n")


def html_notes(notes: Iterable[str]) -> str:
    return "".join(f'<p class="note">{html.escape(n)}</p>\n' for n in notes)



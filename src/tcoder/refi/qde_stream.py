"""Read a project.qde in two passes so that memory holds one text source's selections at a time.

A large project's XML is almost all ``<PlainTextSelection>`` elements (960,000 of them, 735 MB,
in benchmarks/scale.py's 16x study); parsed whole it takes about four times its size.
:func:`skeleton` parses the document leaving out the selections of the text sources that
``streamed`` picks (by their start tags: attributes only), so users, codebook, variables,
cases, notes and sets are read as before; :func:`streamed_sources` parses it again and gives
each of those sources whole, with its selections, one at a time and in document order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

from tcoder.errors import Problem, TcoderError
from tcoder.refi.archive import Readable
from tcoder.refi.codebook_xml import local

#: Tells whether a text source (its start tag: attributes, no children yet) is read one at a time.
Picker = Callable[[ET.Element], bool]


def _events(stream: Readable, where, entry: str) -> Iterator[tuple[str, ET.Element]]:
    try:
        yield from ET.iterparse(stream, events=("start", "end"))
    except ET.ParseError as exc:
        raise TcoderError(Problem(f"{entry} in the archive: not well-formed XML ({exc.msg})", where)) from None


def _is_source(stack: list[ET.Element]) -> bool:
    """Whether the top of ``stack`` is a child of the project's ``<Sources>``."""
    return len(stack) == 3 and local(stack[1].tag) == "Sources"


def skeleton(stream: Readable, where, entry: str, streamed: Picker) -> ET.Element:
    """The document's root, without the ``<PlainTextSelection>`` children of the sources that
    ``streamed`` picks (their other children stay)."""
    stack: list[ET.Element] = []
    picked: ET.Element | None = None  # the source being read, if streamed
    root: ET.Element | None = None
    for event, el in _events(stream, where, entry):
        if event == "start":
            stack.append(el)
            if root is None:
                root = el
            elif _is_source(stack):
                picked = el if local(el.tag) == "TextSource" and streamed(el) else None
            continue
        stack.pop()
        if picked is not None and len(stack) == 3 and stack[-1] is picked and local(el.tag) == "PlainTextSelection":
            del picked[-1]  # the element just ended is its parent's last child
        elif el is picked:
            picked = None
    assert root is not None  # iterparse raises on an empty document
    return root


def streamed_sources(stream: Readable, where, entry: str, streamed: Picker, count: int) -> Iterator[ET.Element]:
    """The ``count`` sources that ``streamed`` picks, whole, in document order; each is let go
    once the next is asked for. Stops reading after the last."""
    if count == 0:
        return
    stack: list[ET.Element] = []
    picked: ET.Element | None = None
    given = 0
    for event, el in _events(stream, where, entry):
        if event == "start":
            stack.append(el)
            if _is_source(stack):
                picked = el if local(el.tag) == "TextSource" and streamed(el) else None
            continue
        stack.pop()
        if len(stack) == 2 and local(stack[1].tag) == "Sources":  # a source (or anything else) of <Sources>
            if el is picked:
                yield el
                given += 1
                picked = None
            el.clear()
            del stack[1][-1]
            if given == count:
                return
        elif len(stack) == 1:  # what comes before or after the sources
            el.clear()
            del stack[0][-1]

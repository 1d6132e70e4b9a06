"""Numbers as tables and messages print them."""

from __future__ import annotations

# Nouns whose plural is not the singular with an "s", and verbs whose plural is not the singular
# without its "s".
_NOUNS = {"person": "people", "entry": "entries", "analysis": "analyses", "match": "matches", "it": "they"}
_VERBS = {"is": "are", "was": "were", "has": "have", "does": "do", "reaches": "reach"}


def fixed(value: float, places: int = 3) -> str:
    """``value`` with ``places`` decimals, never ``-0.000``: a figure that rounds to zero is
    zero, whatever side of it the unrounded value lay (an alpha of -0.0004 reads 0.000)."""
    text = f"{value:.{places}f}"
    if text.startswith("-") and not text.strip("-0."):
        return text[1:]
    return text


def word_for(n: float, singular: str) -> str:
    """``singular`` as it reads after the count ``n``: ``file`` for 1, ``files`` otherwise
    (``0 files``, ``1.5 files``); the last word of several (``journal entries``), each of
    alternatives (``codes or domains``)."""
    if n == 1:
        return singular
    if " or " in singular:
        return " or ".join(word_for(n, part) for part in singular.split(" or "))
    head, _, last = singular.rpartition(" ")
    return (head + " " if head else "") + _NOUNS.get(last, last + "s")


def verb_for(n: float, singular: str) -> str:
    """The verb ``singular`` (``is``, ``has``, ``shows``) agreeing with ``n`` things: ``are``,
    ``have``, ``show`` for any count but 1."""
    if n == 1:
        return singular
    if singular in _VERBS:
        return _VERBS[singular]
    if singular.endswith("ies") and len(singular) > 3:  # carries -> carry
        return singular[:-3] + "y"
    if singular.endswith(("ches", "shes", "sses", "xes", "zes")):  # touches -> touch
        return singular[:-2]
    return singular[:-1] if singular.endswith("s") else singular


def plural(n: float, singular: str, verb: str | None = None) -> str:
    """The count and its noun, as messages print them: ``1 file``, ``2,031 files``;
    with ``verb``, the verb agreeing with it: ``plural(1, "file", "is")`` is ``1 file is``."""
    shown = f"{n:,}" if isinstance(n, int) or not float(n).is_integer() else f"{int(n):,}"
    text = f"{shown} {word_for(n, singular)}"
    return f"{text} {verb_for(n, verb)}" if verb else text


__all__ = ["fixed", "plural", "verb_for", "word_for"]

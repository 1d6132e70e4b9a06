"""Re-anchoring: placing annotations again on a transcript whose text changed.

An annotation stores its offsets, the text it covers (``quote``) and up to 32
characters either side (``prefix``, ``suffix``). When the transcript changes,
each annotation is looked for where it should now be, cheapest first:

1. at its old offsets and at the offsets the text before it moved it to (the
   shift of the annotation placed just before it);
2. near there;
3. anywhere, in one pass over the text for all annotations still unplaced
   (an Aho-Corasick automaton of their quotes and of pieces of them);
4. approximately (an edited passage), near, between its stored context, or
   where pieces of it were found.

Context is compared with all whitespace removed, so a re-wrapped line, a
doubled space or a CRLF never makes the true place look foreign. A quote is
placed somewhere else than where its text moved only with evidence: a long
quote (``LONG_QUOTE`` characters, white space not counted) found once, or a
context that agrees. A short
quote ("Um.", "[laughs]") never moves far on its own: without its context it is
orphaned (kept with its old offsets, flagged and reported), never put on
another passage that happens to read the same.

Annotations without a quote (other programs and scripts may write them) can be
checked only through their stored context; without one they are orphaned with
the reason, because their offsets may now point at other text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Literal

from tcoder.numbers import plural

if TYPE_CHECKING:  # the annotation model lives in annotations.py, which imports this module
    from tcoder.annotations import Annotation

AnchorStatus = Literal["unchanged", "moved", "fuzzy", "unverified", "orphaned"]

#: Fuzzy re-anchoring accepts a passage whose Indel similarity to the stored
#: quote is at least this (1.0 = identical). Quotes shorter than
#: :data:`FUZZY_MIN_LENGTH` characters are only re-anchored exactly.
FUZZY_THRESHOLD = 0.80
FUZZY_MIN_LENGTH = 10
#: A quote of at least this many characters (whitespace left out) identifies its
#: passage on its own when it occurs once; shorter ones need their context to move.
LONG_QUOTE = 40
#: Below this many characters a quote ("Um.", "That's it.", "[laughs]") moves only a
#: little without strong context, however few times it occurs.
SHORT_QUOTE = 16
#: Characters of one side of the context (whitespace left out, counted from the
#: quote outward) that must agree for that side to count as agreeing...
SIDE_AGREES = 8
#: ...and for the context to be strong on one side alone (the other side may have
#: changed: a renamed speaker). Speaker labels and short replies repeat in a
#: transcript, so one side alone counts only when nearly all of it agrees.
SIDE_STRONG = 24
#: A side that differs near the quote (a renamed speaker, a corrected word) still
#: agrees when its Indel similarity to the stored side is at least this.
SIDE_SIMILAR = 0.75
#: How far (in characters) from where its text moved a quote is looked for first,
#: and how far a quote with only weak context may move.
NEAR = 4096
#: A quote with weak context (one side agrees) moves at most this far from where its text went.
SMALL_MOVE = 64
#: Occurrences of one quote scored at most (the nearest first).
MAX_OCCURRENCES = 5000
#: Pieces a long quote is cut into to find an edited version of it anywhere.
SEED_LENGTH = 16
SEED_COUNT = 6
#: Searches of the whole text for single quotes while placing (see :func:`reanchor`).
SEARCH_BUDGET = 32
#: Characters of a quote the one pass over the text looks for (the rest is compared after).
PASS_PREFIX = 32

#: White space as str.split() knows it (what _squeeze leaves out).
_WHITESPACE = frozenset(map(ord, " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003"
                                 "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"))


@dataclass(slots=True)
class AnchorResult:
    """Where one annotation went. ``shifted`` says it kept its order among the annotations
    placed (the text before it grew or shrank: an insertion or deletion earlier in the
    transcript), rather than being taken somewhere else, as a moved paragraph is;
    ``reason`` says why an annotation was orphaned."""

    annotation: Annotation
    status: AnchorStatus
    old_start: int
    old_end: int
    similarity: float = 1.0
    shifted: bool = False
    reason: str = ""

    @property
    def relocated(self) -> bool:
        """Placed somewhere else than where the surrounding text moved it: worth a look."""
        return self.status == "fuzzy" or (self.status == "moved" and not self.shifted)


def _squeeze(s: str) -> str:
    return "".join(s.split())


@dataclass(slots=True)
class _Context:
    left: int  # characters of the stored prefix that agree, from the quote outward (no whitespace)
    right: int
    left_agrees: bool
    right_agrees: bool
    edge: bool = False  # a whole side agrees up to the start or end of the text, as when it was stored


    @property
    def any(self) -> bool:
        return self.left_agrees or self.right_agrees

    @property
    def strong(self) -> bool:
        return ((self.left_agrees and self.right_agrees) or (self.left_agrees and self.left >= SIDE_STRONG)
                or (self.right_agrees and self.right >= SIDE_STRONG) or self.edge)

    @property
    def score(self) -> int:
        return self.left + self.right

    @property
    def rank(self) -> int:
        return 2 if self.strong else 1 if self.any else 0


class _Item:
    """One annotation being placed, with its squeezed context prepared once."""

    __slots__ = ("a", "quote", "_prefix", "_suffix", "expected", "long", "short", "result", "occurrences",
                 "seeds", "searched")

    def __init__(self, a: Annotation, quote: str):
        self.a = a
        self.quote = quote
        self._prefix: str | None = None
        self._suffix: str | None = None
        self.expected = a.start
        n = len(quote)
        size = n  # squeezed only where it can matter
        if SHORT_QUOTE <= n < 4 * LONG_QUOTE:
            size = len(_squeeze(quote))
        self.long = size >= LONG_QUOTE
        self.short = size < SHORT_QUOTE
        self.result: tuple[AnchorStatus, int, int, float, bool, str] | None = None
        self.occurrences: list[int] = []
        self.seeds: dict[int, int] = {}  # implied start -> votes
        self.searched = False  # occurrences holds every exact occurrence

    @property
    def prefix(self) -> str:
        if self._prefix is None:
            self._prefix = _squeeze(self.a.prefix or "")
        return self._prefix

    @property
    def suffix(self) -> str:
        if self._suffix is None:
            self._suffix = _squeeze(self.a.suffix or "")
        return self._suffix

    def context(self, text: str, start: int, end: int) -> _Context:
        left = right = 0
        prefix, suffix = self.prefix, self.suffix
        if prefix:
            window = _squeeze(text[max(0, start - 2 * len(prefix) - 16):start])
            left = _common_suffix(prefix, window)
            left_agrees = left >= min(len(prefix), SIDE_AGREES) or _similar(prefix, window[-len(prefix):])
        else:  # only space (or the start of the text) was before the quote: agrees where that is so now
            left_agrees = self.a.prefix is not None and not _squeeze(text[max(0, start - 64):start])
        if suffix:
            window = _squeeze(text[end:end + 2 * len(suffix) + 16])
            right = _common_prefix(suffix, window)
            right_agrees = right >= min(len(suffix), SIDE_AGREES) or _similar(suffix, window[:len(suffix)])
        else:
            right_agrees = self.a.suffix is not None and not _squeeze(text[end:end + 64])
        edge = False
        raw_prefix, raw_suffix = self.a.prefix, self.a.suffix
        if prefix and left == len(prefix) and raw_prefix is not None and len(raw_prefix) < 32 and start < 256:
            edge = _squeeze(text[:start]) == prefix  # the text began there, and still does
        if not edge and suffix and right == len(suffix) and raw_suffix is not None and len(raw_suffix) < 32 \
                and len(text) - end < 256:
            edge = _squeeze(text[end:]) == suffix
        return _Context(left, right, left_agrees, right_agrees, edge)


def _similar(stored: str, now: str) -> bool:
    if len(stored) < SIDE_AGREES or not now:
        return False
    from rapidfuzz.distance import Indel

    return Indel.normalized_similarity(stored, now) >= SIDE_SIMILAR


def _common_prefix(x: str, y: str) -> int:
    n = min(len(x), len(y))
    i = 0
    while i < n and x[i] == y[i]:
        i += 1
    return i


def _common_suffix(x: str, y: str) -> int:
    n = min(len(x), len(y))
    i = 0
    while i < n and x[-1 - i] == y[-1 - i]:
        i += 1
    return i


def reanchor(annotations: Iterable[Annotation], text: str,
             threshold: float = FUZZY_THRESHOLD) -> list[AnchorResult]:
    """Place annotations on a changed text, in place; one result per annotation, in
    the order given. What cannot be placed with confidence keeps its offsets and is
    marked orphaned, with the reason. Nothing is dropped."""
    annotations = list(annotations)
    items: list[_Item | None] = []
    results: list[AnchorResult | None] = [None] * len(annotations)
    olds = [(a.start, a.end) for a in annotations]
    for a in annotations:
        items.append(_Item(a, a.quote) if a.quote else None)
    order = sorted(range(len(annotations)), key=lambda i: (olds[i][0], olds[i][1]))
    deferred: list[_Item] = []
    shift = 0
    squeezed = _LazySqueezed(text)
    # Searching the whole text for one quote costs a pass over it: a few such searches
    # find where the text moved after a large insertion or deletion; beyond that budget
    # (many passages deleted), the rest wait for one pass for all of them.
    budget = SEARCH_BUDGET
    for number, i in enumerate(order):
        item = items[i]
        if item is None:
            results[i] = _without_quote(annotations[i], text)
            continue
        if number % 64 == 63:
            budget = min(SEARCH_BUDGET, budget + 1)
        item.expected = max(0, item.a.start + shift)
        placed = _at_expected(item, text)
        if placed is None and _near(item, text, squeezed):
            placed = item.result[1] if item.result is not None else None
        if placed is None and budget > 0:
            item.occurrences = _find_all(text, item.quote)
            item.searched = True
            if _choose(item, text):
                placed = item.result[1] if item.result is not None else None
                budget = min(SEARCH_BUDGET, budget + 1)
            else:
                budget -= 1
        if placed is None:
            deferred.append(item)
        else:
            shift = placed - item.a.start
    if deferred:
        unsearched = [item for item in deferred if not item.searched]
        if unsearched:
            _find_everywhere(unsearched, text)
            deferred = [item for item in deferred if not (not item.searched and _choose(item, text))]
        _find_pieces([item for item in deferred if _seed_pieces(item.quote)], text)
        for item in deferred:
            _approximate(item, text, threshold)
    placed_results = [item.result for item in (items[i] for i in order)
              if item is not None and item.result is not None and item.result[0] != "orphaned"]
    in_sequence = _in_sequence(placed_results)
    for i, a in enumerate(annotations):
        if results[i] is not None:
            continue
        item = items[i]
        assert item is not None and item.result is not None
        status, start, end, similarity, _, reason = item.result
        shifted = id(item.result) in in_sequence
        old_start, old_end = olds[i]
        if status == "orphaned":
            a.orphaned = True
        else:
            if status == "moved" and start == old_start and not a.orphaned:
                status = "unchanged"
            a.start, a.end = start, end
            a.orphaned = False
            a.set_context(text)
        results[i] = AnchorResult(a, status, old_start, old_end, similarity, shifted, reason)
    return [r for r in results if r is not None]


def _in_sequence(placed: list[tuple[AnchorStatus, int, int, float, bool, str]]) -> set[int]:
    """The placements (by ``id``) that keep the annotations' order: the longest run, in the
    order of the old offsets, whose new offsets never go back. An insertion or deletion
    keeps every annotation in it; a paragraph moved elsewhere takes its annotations out."""
    import bisect

    tails: list[int] = []  # tails[k]: the smallest new start ending a run of length k + 1
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(placed)
    for k, result in enumerate(placed):
        start = result[1]
        at = bisect.bisect_right(tails, start)
        if at == len(tails):
            tails.append(start)
            tail_index.append(k)
        else:
            tails[at] = start
            tail_index[at] = k
        previous[k] = tail_index[at - 1] if at else -1
    kept: set[int] = set()
    k = tail_index[-1] if tail_index else -1
    while k >= 0:
        kept.add(id(placed[k]))
        k = previous[k]
    return kept


def _without_quote(a: Annotation, text: str) -> AnchorResult:
    """An annotation without a stored quote: kept only where its stored context still
    surrounds its offsets (then its quote is stored from now on)."""
    old = (a.start, a.end)
    if a.end > len(text):
        a.orphaned = True
        return AnchorResult(a, "orphaned", *old, 0.0, reason="it has no stored quote and its offsets are beyond "
                                                              "the end of the changed transcript")
    if a.prefix or a.suffix:
        probe = _Item(a, "")
        context = probe.context(text, a.start, a.end)
        # Every character of the stored context (whitespace aside) must be there.
        if context.left == len(probe.prefix) and context.right == len(probe.suffix) \
                and (probe.prefix or context.left_agrees) and (probe.suffix or context.right_agrees):
            a.orphaned = False
            a.set_context(text)
            return AnchorResult(a, "unchanged", *old)
        a.orphaned = True
        return AnchorResult(a, "orphaned", *old, 0.0, reason="it has no stored quote and the text around its "
                                                              "offsets changed")
    a.orphaned = True
    return AnchorResult(a, "orphaned", *old, 0.0, reason="it has no stored quote, so its passage cannot be "
                                                          "found again in the changed transcript (its offsets may "
                                                          "now point at other text)")


def _settle(item: _Item, status: AnchorStatus, start: int, end: int, similarity: float = 1.0,
            shifted: bool = False, reason: str = "") -> None:
    item.result = (status, start, end, similarity, shifted, reason)


def _at_expected(item: _Item, text: str) -> int | None:
    """The old place, or where the text before moved it, when the quote is there and
    nothing contradicts it."""
    quote, a = item.quote, item.a
    n = len(quote)
    for pos in (item.expected, a.start) if item.expected != a.start else (a.start,):
        if text.startswith(quote, pos):
            if item.long or (not item.prefix and not item.suffix) or item.context(text, pos, pos + n).any:
                _settle(item, "moved", pos, pos + n, shifted=pos == item.expected)
                return pos
    return None


def _near(item: _Item, text: str, squeezed: "_LazySqueezed") -> bool:
    """Occurrences near where the passage should be, accepted with strong context;
    then the same words with other whitespace between them (a re-wrapped line)."""
    quote = item.quote
    n = len(quote)
    lo = max(0, item.expected - NEAR)
    hi = min(len(text), item.expected + n + NEAR)
    best: tuple[tuple[int, int, int], int, int] | None = None
    pos = text.find(quote, lo, hi)
    while pos >= 0:
        best = _better(item, text, best, pos, pos + n)
        pos = text.find(quote, pos + 1, hi)
    if best is None:
        needle = _squeeze(quote)
        if needle and needle != quote:
            for start, end in squeezed.get().find(needle, lo, hi):
                best = _better(item, text, best, start, end)
    if best is None:
        return False
    _settle(item, "moved", best[1], best[2], shifted=True)  # a local edit: not a move elsewhere
    return True


def _better(item: _Item, text: str, best: tuple[tuple[int, int, int], int, int] | None,
            start: int, end: int) -> tuple[tuple[int, int, int], int, int] | None:
    context = item.context(text, start, end)
    if not context.strong:
        return best
    key = (context.score, -abs(start - item.expected), -start)
    return (key, start, end) if best is None or key > best[0] else best


class _LazySqueezed:
    def __init__(self, text: str):
        self.text = text
        self.value: _Squeezed | None = None

    def get(self) -> "_Squeezed":
        if self.value is None:
            self.value = _Squeezed(self.text)
        return self.value


class _Squeezed:
    """The text without whitespace, and where each of its characters is in the text:
    a quote whose lines were re-wrapped is found here with its words unchanged."""

    def __init__(self, text: str):
        import numpy as np

        self.text = _squeeze(text)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        blank = np.isin(codes, np.fromiter(_WHITESPACE, dtype=np.uint32))
        self.places = np.flatnonzero(~blank)

    def find(self, needle: str, lo: int, hi: int, limit: int = 200) -> list[tuple[int, int]]:
        """Ranges of the text between ``lo`` and ``hi`` that read ``needle`` once whitespace is left out."""
        places = self.places
        first = int(places.searchsorted(lo))
        last = int(places.searchsorted(hi))
        found: list[tuple[int, int]] = []
        k = self.text.find(needle, first, last)
        while k >= 0 and len(found) < limit:
            found.append((int(places[k]), int(places[k + len(needle) - 1]) + 1))
            k = self.text.find(needle, k + 1, last)
        return found


def _seed_pieces(quote: str) -> list[tuple[int, str]]:
    """Pieces of a quote to find an edited version of it by (offset in the quote, piece)."""
    if len(quote) < 2 * SEED_LENGTH:
        return []
    last = len(quote) - SEED_LENGTH
    count = min(SEED_COUNT, len(quote) // SEED_LENGTH)
    offsets = sorted({round(k * last / (count - 1)) for k in range(count)})
    return [(k, quote[k:k + SEED_LENGTH]) for k in offsets]


def _automaton(patterns: dict[str, list[tuple[_Item, int]]]):
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for pattern, users in patterns.items():
        automaton.add_word(pattern, (len(pattern), users))
    automaton.make_automaton()
    return automaton


def _find_everywhere(items: list[_Item], text: str) -> None:
    """Every occurrence of each item's quote, in one pass over the text for all of them
    (a few finds when there are few)."""
    if len(items) <= 8:
        for item in items:
            item.occurrences = _find_all(text, item.quote)
            item.searched = True
        return
    wanted: dict[str, list[tuple[_Item, int]]] = {}
    for item in items:
        wanted.setdefault(item.quote[:PASS_PREFIX], []).append((item, 0))
    for end, (length, users) in _automaton(wanted).iter(text):
        start = end - length + 1
        for item, _ in users:
            if len(item.occurrences) < 4 * MAX_OCCURRENCES and text.startswith(item.quote, start):
                item.occurrences.append(start)
    for item in items:
        item.searched = True


def _find_pieces(items: list[_Item], text: str) -> None:
    """Where pieces of each quote are: votes for where an edited version of it starts."""
    if len(items) <= 8:
        for item in items:
            for offset, piece in _seed_pieces(item.quote):
                for pos in _find_all(text, piece, MAX_OCCURRENCES // 50):
                    item.seeds[pos - offset] = item.seeds.get(pos - offset, 0) + 1
        return
    wanted: dict[str, list[tuple[_Item, int]]] = {}
    for item in items:
        for offset, piece in _seed_pieces(item.quote):
            wanted.setdefault(piece, []).append((item, offset))
    for end, (length, users) in _automaton(wanted).iter(text):
        start = end - length + 1
        for item, offset in users:
            if len(item.seeds) < MAX_OCCURRENCES:
                implied = start - offset
                item.seeds[implied] = item.seeds.get(implied, 0) + 1


def _find_all(text: str, pattern: str, limit: int = 4 * MAX_OCCURRENCES) -> list[int]:
    found: list[int] = []
    pos = text.find(pattern)
    while pos >= 0 and len(found) < limit:
        found.append(pos)
        pos = text.find(pattern, pos + 1)
    return found


def _choose(item: _Item, text: str) -> bool:
    """Pick among the exact occurrences: the best context, then the nearest; a move
    away from where the text went needs a long quote or agreeing context."""
    occurrences = item.occurrences
    if not occurrences:
        return False
    expected, n = item.expected, len(item.quote)
    if len(occurrences) > MAX_OCCURRENCES:
        occurrences = sorted(occurrences, key=lambda p: abs(p - expected))[:MAX_OCCURRENCES]
    best: tuple[tuple[int, int, int, int], int, _Context] | None = None
    for pos in occurrences:
        context = item.context(text, pos, pos + n)
        key = (context.rank, context.score, -abs(pos - expected), -pos)
        if best is None or key > best[0]:
            best = (key, pos, context)
    assert best is not None
    _, pos, context = best
    distance = abs(pos - expected)
    unique = len(item.occurrences) == 1
    if context.strong or (item.long and (context.any or unique)):
        ok = True
    elif item.short:
        ok = context.any and distance <= SMALL_MOVE
    else:
        ok = context.any and (unique or distance <= NEAR)
    if ok:
        _settle(item, "moved", pos, pos + n)
        return True
    return False


def _approximate(item: _Item, text: str, threshold: float) -> None:
    """An edited version of the passage, or orphaned."""
    from rapidfuzz.fuzz import partial_ratio_alignment, ratio

    quote, a = item.quote, item.a
    count = len(item.occurrences)
    if len(quote) < FUZZY_MIN_LENGTH:
        _orphan(item, count)
        return
    candidates: set[tuple[int, int]] = set()
    margin = 2 * len(quote) + 2000
    near_lo = max(0, item.expected - margin)
    near_hi = min(len(text), item.expected + len(quote) + margin)
    # Between the stored context, when both sides are still there, near where the passage should be.
    if a.prefix and a.suffix and len(a.prefix) >= 8 and len(a.suffix) >= 8:
        p = text.find(a.prefix, near_lo, near_hi)
        tries = 0
        while p >= 0 and tries < 50:
            s = p + len(a.prefix)
            q = text.find(a.suffix, s, s + 2 * len(quote) + 64)
            if q > s:
                candidates.add((s, q))
            p = text.find(a.prefix, p + 1, near_hi)
            tries += 1
    # The best-aligned window where pieces of the quote are (anywhere), or near where the
    # passage should be for a quote too short to cut into pieces.
    pieces = _seed_pieces(quote)
    windows = [] if pieces else [(near_lo, near_hi)]
    seeds = sorted(item.seeds.items(), key=lambda kv: (-kv[1], abs(kv[0] - item.expected)))
    for implied, votes in seeds[:6]:
        if votes < 2 and len(pieces) > 2:
            break
        windows.append((max(0, implied - len(quote) // 2), min(len(text), implied + 3 * len(quote) // 2)))
    for lo, hi in windows:
        hit = partial_ratio_alignment(quote, text[lo:hi], score_cutoff=threshold * 100)
        if hit is not None:
            candidates.add(_refine(quote, text, lo + hit.dest_start, lo + hit.dest_end))
    best: tuple[tuple[int, float, int], int, int, float, _Context] | None = None
    for s, e in candidates:
        if e <= s:
            continue
        similarity = ratio(quote, text[s:e]) / 100
        if similarity < threshold:
            continue
        context = item.context(text, s, e)
        key = (context.rank, similarity, -abs(s - item.expected))
        if best is None or key > best[0]:
            best = (key, s, e, similarity, context)
    if best is not None:
        _, s, e, similarity, context = best
        near = abs(s - item.expected) <= margin
        if context.strong or (item.long and context.any and (near or similarity >= 0.9)):
            _settle(item, "fuzzy", s, e, similarity)
            return
    _orphan(item, count)


def _orphan(item: _Item, occurrences: int) -> None:
    if occurrences:
        reason = (f"its passage is gone; the same words occur {plural(occurrences, 'time')} elsewhere, but not with its "
                  "context, so it was not moved there")
    else:
        reason = "its passage is no longer in the transcript"
    _settle(item, "orphaned", item.a.start, item.a.end, 0.0, reason=reason)


def _refine(quote: str, text: str, start: int, end: int) -> tuple[int, int]:
    """Snap an approximate window to where the quote's first and last words are."""
    k = min(12, len(quote) // 3)
    slack = max(8, len(quote) // 4)
    head = text.find(quote[:k], max(0, start - slack), start + slack + k)
    if head >= 0:
        start = head
    tail_at = text.rfind(quote[-k:], max(start, end - slack - k), end + slack)
    if tail_at >= 0:
        end = tail_at + k
    return start, max(end, start + 1)

"""The interval index of a coder's annotations: which spans overlap a range, in
O(log n + hits), kept up to date one annotation at a time."""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from typing import Iterable, Iterator

from tcoder.annotations import Annotation


class SpanIndex:
    """Annotations sorted by start, answering 'which spans overlap [a, b)' in
    O(log n + hits): a running maximum of the ends tells where to start scanning.
    It also counts its spans per code, so a screen showing the counts after each
    change does not count them all again."""

    def __init__(self, annotations: Iterable[Annotation] = ()):
        items = sorted(annotations, key=Annotation.sort_key)
        self.items = items
        self.starts = [a.start for a in items]
        self.ends = [a.end for a in items]
        self._max_end = list(itertools.accumulate(self.ends, max))
        #: spans per code (read it, do not change it)
        self.counts: Counter[str] = Counter(a.code for a in items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Annotation]:
        return iter(self.items)

    def insert(self, annotation: Annotation) -> None:
        i = bisect.bisect_left(self.items, annotation.sort_key(), key=Annotation.sort_key)
        self.items.insert(i, annotation)
        self.starts.insert(i, annotation.start)
        self.ends.insert(i, annotation.end)
        self._max_end.insert(i, 0)
        self._rescan(i)
        self.counts[annotation.code] += 1

    def remove(self, annotation: Annotation) -> bool:
        i = bisect.bisect_left(self.items, annotation.sort_key(), key=Annotation.sort_key)
        while i < len(self.items) and self.items[i].sort_key() == annotation.sort_key():
            if self.items[i].id == annotation.id:
                del self.items[i], self.starts[i], self.ends[i], self._max_end[i]
                self._rescan(i)
                left = self.counts[annotation.code] - 1
                if left > 0:
                    self.counts[annotation.code] = left
                else:
                    del self.counts[annotation.code]
                return True
            i += 1
        return False

    def _rescan(self, i: int) -> None:
        """Recompute the running maximum of the ends from position ``i`` on, stopping
        where it agrees with the value kept before: from there on nothing changed (the
        maximum only depends on the previous one and the end at that place). One
        change thus costs the spans its end shadowed, not the whole tail."""
        ends, max_end = self.ends, self._max_end
        running = max_end[i - 1] if i > 0 else -1
        for j in range(i, len(ends)):
            running = max(running, ends[j])
            if max_end[j] == running and j > i:
                return
            max_end[j] = running

    def overlapping(self, start: int, end: int) -> list[Annotation]:
        """Spans that share at least one character with [start, end) (or contain
        ``start`` when the range is empty)."""
        end = max(end, start + 1)
        first = bisect.bisect_right(self._max_end, start)
        last = bisect.bisect_left(self.starts, end)
        ends, items = self.ends, self.items
        return [items[i] for i in range(first, last) if ends[i] > start]

    def at(self, offset: int) -> list[Annotation]:
        """Spans covering ``offset``, innermost (shortest) first."""
        hits = self.overlapping(offset, offset + 1)
        hits.sort(key=lambda a: (a.end - a.start, a.start))
        return hits

    def next_after(self, offset: int, codes: set[str] | None = None) -> Annotation | None:
        """The first span starting after ``offset`` (of the given codes)."""
        i = bisect.bisect_right(self.starts, offset)
        for a in itertools.islice(self.items, i, None):
            if codes is None or a.code in codes:
                return a
        return None

    def previous_before(self, offset: int, codes: set[str] | None = None) -> Annotation | None:
        """The last span starting before ``offset`` (of the given codes)."""
        i = bisect.bisect_left(self.starts, offset)
        for k in range(i - 1, -1, -1):
            a = self.items[k]
            if codes is None or a.code in codes:
                return a
        return None


__all__ = ["SpanIndex"]

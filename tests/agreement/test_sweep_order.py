"""Merging overlapping spans: the same result whichever way the spans are sorted."""

from __future__ import annotations

import numpy as np

from tcoder.agreement.sweep import merge_overlapping


def _naive(group, start, end):
    out = []
    for g in sorted(set(group.tolist())):
        spans = sorted((s, e) for gg, s, e in zip(group.tolist(), start.tolist(), end.tolist(), strict=True) if gg == g)
        runs: list[list[int]] = []
        for s, e in spans:
            if runs and s < runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], e)
                runs[-1][2] += 1
            else:
                runs.append([s, e, 1])
        out.extend((g, s, e, n) for s, e, n in runs)
    return out


def test_small_and_large_positions_merge_alike():
    rng = np.random.default_rng(19)
    for _ in range(200):
        n = int(rng.integers(0, 80))
        group = rng.integers(0, int(rng.integers(1, 12)), n)
        start = rng.integers(0, 40, n)
        end = start + rng.integers(1, 8, n)
        small = merge_overlapping(group, start, end)  # one combined sort key
        scale = 10 ** 8  # too large for one key: sorted by each
        large = merge_overlapping(group, start * scale, end * scale)
        assert list(zip(*(a.tolist() for a in small), strict=True)) == _naive(group, start, end)
        assert np.array_equal(small[0], large[0]) and np.array_equal(small[3], large[3])
        assert np.array_equal(small[1] * scale, large[1]) and np.array_equal(small[2] * scale, large[2])

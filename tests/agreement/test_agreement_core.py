"""The building blocks: interval sweeps, unit mapping, coincidences and metrics, bootstrap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_agreement_properties import texts

from agreement_reference import codes_unit, reference_alpha, units_of
from tcoder.agreement import bootstrap, coincidences, difference_matrix, reliability
from tcoder.agreement.bootstrap import bootstrap_samples
from tcoder.agreement.coincidence import binary_coincidences, binary_reliability
from tcoder.agreement.sweep import depth_lengths, merge_overlapping, overlap_pairs
from tcoder.agreement.units import UnitIndex
from tcoder.transcript import Transcript

intervals = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 60), st.integers(1, 30)), max_size=25)


@settings(max_examples=150, deadline=None)
@given(intervals)
def test_merge_overlapping_matches_brute_force(items):
    group = np.array([g for g, _, _ in items], dtype=np.int64)
    start = np.array([s for _, s, _ in items], dtype=np.int64)
    end = np.array([s + n for _, s, n in items], dtype=np.int64)
    g, s, e, sources = merge_overlapping(group, start, end)
    for key in range(4):
        covered = {p for gg, ss, n in items if gg == key for p in range(ss, ss + n)}
        mine = [(a, b) for gg, a, b in zip(g, s, e, strict=True) if gg == key]
        assert {p for a, b in mine for p in range(a, b)} == covered
        assert all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(mine))  # sorted, disjoint (may touch)
        assert all(b1 < a2 or b1 == a2 for (_, b1), (a2, _) in itertools.pairwise(mine))
    assert sources.sum() == len(items)


def test_touching_intervals_stay_apart_and_nested_ones_merge():
    g, s, e, sources = merge_overlapping(np.array([0, 0, 0, 0]), np.array([0, 5, 6, 20]), np.array([5, 9, 7, 25]))
    assert list(zip(s, e, strict=True)) == [(0, 5), (5, 9), (20, 25)]
    assert list(sources) == [1, 2, 1]


@settings(max_examples=150, deadline=None)
@given(st.lists(intervals, min_size=1, max_size=4))
def test_depth_lengths_match_brute_force(coders):
    groups, depth = 4, len(coders)
    pieces = [merge_overlapping(np.array([g for g, _, _ in c], dtype=np.int64),
                                np.array([s for _, s, _ in c], dtype=np.int64),
                                np.array([s + n for _, s, n in c], dtype=np.int64)) for c in coders]
    group = np.concatenate([p[0] for p in pieces])
    start = np.concatenate([p[1] for p in pieces])
    end = np.concatenate([p[2] for p in pieces])
    result = depth_lengths(group, start, end, groups, depth)
    for key in range(groups):
        counts = np.zeros(100, dtype=int)
        for g, s, e in zip(group, start, end, strict=True):
            if g == key:
                counts[s:e] += 1
        expected = [0] + [int((counts == k).sum()) for k in range(1, depth + 1)]
        assert list(result[key]) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10)), max_size=8),
       st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10)), max_size=8))
def test_overlap_pairs_match_brute_force(a_items, b_items):
    def disjoint(items):
        g, s, e, _ = merge_overlapping(np.zeros(len(items), dtype=np.int64),
                                       np.array([s for s, _ in items], dtype=np.int64),
                                       np.array([s + n for s, n in items], dtype=np.int64))
        return s, e
    a_s, a_e = disjoint(a_items)
    b_s, b_e = disjoint(b_items)
    i, j, count = overlap_pairs(a_s, a_e, b_s, b_e)
    expected = {(x, y) for x in range(len(a_s)) for y in range(len(b_s)) if a_s[x] < b_e[y] and b_s[y] < a_e[x]}
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == expected
    assert len(i) == len(expected)
    assert count.sum() == len(expected)


@settings(max_examples=150, deadline=None)
@given(st.data(), st.sampled_from(["char", "word", "line", "sentence", "turn"]))
def test_unit_index_codes_exactly_the_units_of_format_6(data, unit):
    text = data.draw(texts()) or " "
    transcript = Transcript(text)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    lo, hi = UnitIndex(transcript, unit).ranges(np.array([start]), np.array([end]))
    units = units_of(transcript, unit)
    coded = [u for u, span in enumerate(units) if codes_unit(text, unit, span, (start, end))]
    assert list(range(lo[0], hi[0])) == coded


def test_whitespace_counts_at_char_level_only():
    transcript = Transcript("Hello world. Bye now.")
    space = (np.array([5]), np.array([6]))  # the space between "Hello" and "world"
    assert [list(x) for x in UnitIndex(transcript, "char").ranges(*space)] == [[5], [6]]
    for unit in ("word", "line", "sentence", "turn"):
        lo, hi = UnitIndex(transcript, unit).ranges(*space)
        assert lo[0] == hi[0], unit
    lo, hi = UnitIndex(transcript, "word").ranges(np.array([4]), np.array([7]))  # "o w"
    assert (lo[0], hi[0]) == (0, 2)


def test_coincidences_of_krippendorff_2011_nominal():
    # Krippendorff (2011) p. 3: the coincidence matrix of the 4 x 12 example (nominal).
    data = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
                     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
                     [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
                     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan]])
    counts = np.stack([(data == v).sum(axis=0) for v in range(1, 6)], axis=1)
    o = coincidences(counts)
    assert o.sum() == pytest.approx(40)  # n.. = 40 pairable values
    assert np.diag(o) == pytest.approx([7, 10, 8, 4, 3])
    assert o[0, 1] == pytest.approx(4 / 3) and o[1, 2] == pytest.approx(4 / 3)
    result = reliability(o, "nominal")
    assert result.alpha == pytest.approx(0.743, abs=5e-4)
    assert result.agreement == pytest.approx(32 / 40)
    # Weighted rows are the same as repeated rows.
    assert coincidences(counts[:3], [2, 1, 1]) == pytest.approx(coincidences(counts[[0, 0, 1, 2]]))


def test_difference_matrices():
    assert difference_matrix("nominal", [1, 2, 3], [1, 1, 1]) == pytest.approx(1 - np.eye(3))
    assert difference_matrix("interval", [1, 2, 4], [1, 1, 1])[0, 2] == 9
    assert difference_matrix("ratio", [1, 3], [1, 1])[0, 1] == pytest.approx(0.25)
    assert difference_matrix("ratio", [0, 0], [1, 1])[0, 1] == 0
    # Ordinal: (sum of n_g from c to k - (n_c + n_k) / 2)^2 (Krippendorff 2011, p. 6).
    ordinal = difference_matrix("ordinal", [1, 2, 3], [2, 4, 6])
    assert ordinal[0, 1] == pytest.approx((2 + 4 - 3) ** 2)
    assert ordinal[0, 2] == pytest.approx((2 + 4 + 6 - 4) ** 2)
    assert ordinal == pytest.approx(ordinal.T)


def test_binary_coincidences_from_depth_histograms():
    # 3 observers: 5 units nobody coded, 2 coded by one, 3 by all.
    result = binary_coincidences(np.array([[5, 2, 0, 3]]), np.array([3]))[0]
    matrix = np.array([[0] * 5 + [1, 0] * 1 + [1] * 3 + [0] * 0,
                       [0] * 5 + [0, 0] + [1] * 3,
                       [0] * 5 + [0, 1] + [1] * 3], dtype=float)
    counts = np.stack([(matrix == 0).sum(axis=0), (matrix == 1).sum(axis=0)], axis=1)
    o = coincidences(counts)
    assert result == pytest.approx([o[0, 0], o[0, 1], o[1, 1]])
    assert binary_reliability(*result).alpha == pytest.approx(reference_alpha(matrix, "nominal"))


def test_undefined_alphas_have_reasons():
    none = binary_reliability(30, 0, 0)
    assert none.alpha is None and "no coder applied" in none.reason
    everywhere = binary_reliability(0, 0, 12)
    assert everywhere.alpha is None and "every coder applied" in everywhere.reason
    empty = reliability(np.zeros((3, 3)), "ordinal", [1, 2, 3])
    assert empty.alpha is None and "two or more coders" in empty.reason
    assert bootstrap(none, 1000, 30, np.random.default_rng(1)) is None


def _k2011(level="nominal"):
    data = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
                     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
                     [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
                     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan]])
    counts = np.stack([(data == v).sum(axis=0) for v in range(1, 6)], axis=1)
    m = counts.sum(axis=1)
    pairs = float((m * (m - 1) / 2)[m >= 2].sum())
    return reliability(coincidences(counts), level, [1, 2, 3, 4, 5]), pairs


def _kalpha_by_uniform_draws(result, samples, pairs, rng):
    """KALPHA's procedure as written: cumulative probabilities of the unordered cells
    on [0, 1], uniform random numbers mapped to their cell's delta^2 (no corrections)."""
    o, delta = result.coincidences, result.differences
    n = o.sum()
    cells = [(c, k) for c in range(len(o)) for k in range(c, len(o))]
    p = np.array([(o[c, k] if c == k else 2 * o[c, k]) / n for c, k in cells])
    cumulative = np.cumsum(p)
    d = np.array([delta[c, k] for c, k in cells])
    draws = int(pairs)
    picks = np.searchsorted(cumulative, rng.random((samples, draws)) * cumulative[-1])
    return np.maximum(1 - d[picks].sum(axis=1) / (result.expected * draws), -1.0)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_bootstrap_matches_kalpha_sampling(level):
    result, pairs = _k2011(level)
    ours = bootstrap_samples(result, 20000, pairs, np.random.default_rng(1))
    theirs = np.sort(_kalpha_by_uniform_draws(result, 20000, pairs, np.random.default_rng(2)))
    for quantile in (0.025, 0.25, 0.5, 0.75, 0.975):
        assert np.quantile(ours, quantile) == pytest.approx(np.quantile(theirs, quantile), abs=0.03)
    assert np.mean(ours) == pytest.approx(result.alpha, abs=0.03)


def test_bootstrap_interval_from_order_statistics_and_q():
    result, pairs = _k2011("interval")
    interval = bootstrap(result, 1000, pairs, np.random.default_rng(5))
    alphas = bootstrap_samples(result, 1000, pairs, np.random.default_rng(5))
    assert interval.low == alphas[24] and interval.high == alphas[975]  # KALPHA: 25th and 976th of 1000
    assert interval.q_667 == np.mean(alphas < 0.667) and interval.q_800 == np.mean(alphas < 0.800)
    assert interval.low <= result.alpha <= interval.high
    assert 0 <= interval.q_667 <= interval.q_800 <= 1
    # Pairs of values in the data (Hayes & Krippendorff 2007): 8 units of 4 values, 2 of 3, 1 of 2.
    assert interval.draws == pairs == 8 * 6 + 2 * 3 + 1
    assert bootstrap(result, 1000, pairs, np.random.default_rng(5)) == interval  # a seed repeats


def test_bootstrap_corrections_of_kalpha():
    # Alpha below -1 counts as -1.
    disagreeing = reliability(np.array([[1.0, 9.0], [9.0, 1.0]]))
    assert bootstrap_samples(disagreeing, 500, 3, np.random.default_rng(1)).min() >= -1.0
    # One value on the diagonal: an all-matching sample means no variation, alpha 0, never 1.
    rare = reliability(np.array([[20.0, 1.0], [1.0, 0.0]]))
    samples = bootstrap_samples(rare, 2000, 11, np.random.default_rng(1))
    assert (samples < 1.0).all() and (samples == 0.0).any()
    # Two values on the diagonal: about X * sum (o_cc / n)^M all-matching samples become 0.
    perfect = reliability(np.array([[8.0, 0.0], [0.0, 2.0]]))
    samples = bootstrap_samples(perfect, 10000, 5, np.random.default_rng(1))
    expected_zeros = round(10000 * ((8 / 10) ** 5 + (2 / 10) ** 5))
    assert (samples == 0.0).sum() == expected_zeros
    assert (samples == 1.0).sum() == 10000 - expected_zeros

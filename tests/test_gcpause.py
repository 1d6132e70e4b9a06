"""The cycle collector's middle pass run at a moment of rest (tcoder.gcpause.collect_if_due)."""

from __future__ import annotations

import gc

import pytest

from tcoder.gcpause import collect_if_due


@pytest.fixture
def thresholds():
    saved = gc.get_threshold()
    was_on = gc.isenabled()
    gc.enable()
    gc.set_threshold(100_000, 10, 10)  # no pass of its own during the test
    gc.collect()
    yield
    gc.set_threshold(*saved)
    if not was_on:
        gc.disable()


def _middle_passes() -> int:
    return gc.get_stats()[1]["collections"]


def test_a_middle_pass_about_to_fall_due_runs_at_rest(thresholds):
    for _ in range(5):
        gc.collect(0)
    before = _middle_passes()
    collect_if_due(ahead=4)  # 5 + 4 <= 10: not due yet
    assert _middle_passes() == before and gc.get_count()[1] == 5
    gc.collect(0)
    gc.collect(0)
    collect_if_due(ahead=4)  # 7 + 4 > 10: the next frames would run it
    assert _middle_passes() == before + 1
    assert gc.get_count()[1] == 0 and gc.get_count()[2] == 1


def test_a_pass_that_may_become_a_full_one_is_left_to_python(thresholds):
    full_before = gc.get_stats()[2]["collections"]
    for _ in range(10):
        gc.collect(1)  # the oldest generation's count reaches its threshold
    assert gc.get_count()[2] == 10
    for _ in range(9):
        gc.collect(0)
    middle_before = _middle_passes()
    collect_if_due(ahead=4)
    assert _middle_passes() == middle_before and gc.get_stats()[2]["collections"] == full_before


def test_nothing_runs_while_the_collector_is_off(thresholds):
    for _ in range(9):
        gc.collect(0)
    gc.disable()
    try:
        before = _middle_passes()
        collect_if_due()
        assert _middle_passes() == before
    finally:
        gc.enable()

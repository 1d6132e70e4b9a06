"""The cluster bootstrap, verdicts that respect the interval, and what the output says about them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from studykit import MINI_TRANSCRIPT
from tcoder.agreement import compute_table
from tcoder.agreement.bootstrap import Interval
from tcoder.agreement.coincidence import binary_reliability, reliability
from tcoder.agreement.data import CodingData, TranscriptCoding
from tcoder.agreement.resampling import alphas_of
from tcoder.agreement.tables import verdict
from tcoder.transcript import Transcript

counts = st.floats(0, 50, allow_nan=False).map(lambda x: round(x, 1))


@settings(max_examples=200, deadline=None)
@given(o00=counts, o01=counts, o11=counts)
@example(o00=0.5, o01=0.0, o11=0.5)  # one pairable value in all: undefined, not NaN
def test_binary_alpha_from_sums_equals_the_coincidence_formula(o00, o01, o11):
    expected = binary_reliability(o00, o01, o11).alpha
    got = alphas_of("binary", np.array([[o00, o01, o11]]))[0]
    if expected is None:
        assert np.isnan(got)
    else:
        assert got == pytest.approx(expected, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), level=st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_matrix_alpha_from_sums_equals_reliability(data, level):
    size = data.draw(st.integers(2, 4))
    upper = np.array(data.draw(st.lists(st.lists(counts, min_size=size, max_size=size), min_size=size,
                                        max_size=size)))
    o = np.triu(upper) + np.triu(upper, 1).T  # coincidence matrices are symmetric
    values = [1.0, 2.0, 4.0, 7.0][:size]
    expected = reliability(o, level, values).alpha
    got = alphas_of("matrix", o[None], level, values)[0]
    if expected is None:
        assert np.isnan(got)
    else:
        assert got == pytest.approx(expected, abs=1e-9)


def interval(low: float, high: float, clusters_used: int = 30) -> Interval:
    return Interval(low, high, 0.0, 0.0, 1000, 0, "turn", 40, clusters_used)


@pytest.mark.parametrize("alpha, bounds, few, clusters_used, expected", [
    (0.90, (0.82, 0.97), False, 30, "reliable"),
    (0.90, (0.70, 0.97), False, 30, "tentative"),  # the interval supports .667 but not .800
    (0.85, (0.55, 1.00), False, 30, "inconclusive"),  # alpha is high but the data cannot tell
    (0.60, (0.40, 0.80), False, 30, "unreliable"),
    (0.95, (0.90, 1.00), True, 30, "too few"),
    (0.95, (0.90, 1.00), False, 3, "inconclusive"),  # the code is in 3 turns: the interval cannot be trusted
    (None, None, False, 30, "undefined"),
])
def test_verdicts_respect_the_interval(alpha, bounds, few, clusters_used, expected):
    iv = interval(*bounds, clusters_used=clusters_used) if bounds else None
    assert verdict(alpha, iv, few) == expected


def test_no_interval_no_verdict():
    assert verdict(0.95) is None and verdict(None) == "undefined"


def _study(transcripts: int, seed: int = 3) -> CodingData:
    """Transcripts of ten turns of two sentences; alice and bob code some of them, not always alike."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(transcripts):
        parts, spans, pos = [], {"alice": [], "bob": []}, 0
        for turn in range(10):
            head = f"P{turn % 2 + 1}: "
            body = f"First sentence of {turn}. Second sentence of {turn}."
            parts.append(head + body + "\n\n")
            start = pos + len(head)
            if rng.random() < 0.5:
                for coder in ("alice", "bob"):
                    if rng.random() < 0.85:
                        spans[coder].append(("x", start, start + len(body)))
            pos += len(head) + len(body) + 2
        out.append(TranscriptCoding(Transcript("".join(parts)), spans))
    return CodingData(["alice", "bob"], out)


def test_clusters_add_up_to_the_table():
    data = _study(4)
    plain, _ = compute_table(data, "sentence")
    turns, _ = compute_table(data, "sentence", level="turn")
    units, _ = compute_table(data, "sentence", level="unit")
    row = plain.codes[0]
    for table, clusters in ((turns, 40), (units, 80)):
        other = table.codes[0]
        assert other.alpha == pytest.approx(row.alpha, abs=1e-12)
        assert other.parts.values.shape == (clusters, 3)
        assert other.parts.values.sum(axis=0) == pytest.approx(plain.codes[0].parts.values.sum(axis=0))
        assert other.coded == row.coded
    assert plain.codes[0].parts.values.shape == (4, 3)


def test_resampling_whole_transcripts_from_turn_clusters_is_the_same_as_from_transcripts():
    data = _study(8)
    by_transcript, _ = compute_table(data, "sentence")
    by_turn, _ = compute_table(data, "sentence", level="turn")
    by_transcript.add_intervals(500, 4, "study", method="transcript")
    by_turn.add_intervals(500, 4, "study", method="transcript")
    a, b = by_transcript.codes[0].interval, by_turn.codes[0].interval
    assert (a.low, a.high, a.q_800, a.clusters) == pytest.approx((b.low, b.high, b.q_800, 8))


def test_one_transcript_cannot_be_resampled_as_transcripts():
    table, _ = compute_table(_study(1), "sentence")
    assert table.add_intervals(200, 1, "study", method="transcript") == "only one transcript to resample"
    assert table.codes[0].interval is None


def test_intervals_are_wider_when_clusters_are_resampled():
    data = _study(6)
    kalpha, _ = compute_table(data, "char")
    kalpha.add_intervals(1000, 1, "study", method="kalpha")
    turns, _ = compute_table(data, "char", level="turn")
    turns.add_intervals(1000, 1, "study", method="turn")
    narrow, wide = kalpha.codes[0].interval, turns.codes[0].interval
    assert (wide.high - wide.low) > 3 * (narrow.high - narrow.low)


def test_seed_must_not_be_negative(run_cli, mini_study):
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 20)])
    mini_study.annotations("interviews/P01.txt", "bob", [("personal", 0, 20)])
    code, _, err = run_cli("agree", mini_study.root, "--bootstrap", "1000", "--seed", "-3")
    assert code == 2 and "--seed must be a whole number from 0" in err and "Traceback" not in err


def test_span_unit_resamples_transcripts(run_cli, mini_study):
    for i in range(3):
        name = f"interviews/P0{i + 2}.txt"
        mini_study.transcript(name, MINI_TRANSCRIPT)
    for i, name in enumerate(["interviews/P01.txt", "interviews/P02.txt", "interviews/P03.txt",
                              "interviews/P04.txt"]):
        mini_study.annotations(name, "alice", [("personal", 60, 100), ("duty", 120, 160)], status="done")
        mini_study.annotations(name, "bob", [("personal", 60 + i, 100), ("duty", 125, 160)], status="done")
    code, out, err = run_cli("agree", mini_study.root, "--unit", "span", "--bootstrap", "1000", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["resampling"]["method"] == "transcript"
    row = result["codes"][0]
    assert row["ci_low"] <= row["alpha"] <= row["ci_high"] and row["interval"]["clusters"] == 4
    code, _, err = run_cli("agree", mini_study.root, "--unit", "span", "--bootstrap", "1000", "--resample", "turn")
    assert code == 2 and "--unit span resamples whole transcripts" in err


def test_the_pooled_row_has_no_verdict_and_ignores_rollup(run_cli, sample_study):
    plain, _ = json.loads(run_cli("agree", sample_study, "--unit", "sentence", "--bootstrap", "200",
                                  "--format", "json")[1]), None
    rolled = json.loads(run_cli("agree", sample_study, "--unit", "sentence", "--bootstrap", "200", "--rollup",
                                "--format", "json")[1])
    assert plain["overall"]["verdict"] is None and rolled["overall"]["verdict"] is None
    assert rolled["overall"]["alpha"] == plain["overall"]["alpha"]
    assert rolled["overall"]["pooled_codes"] == plain["overall"]["pooled_codes"]
    code, out, err = run_cli("agree", sample_study, "--unit", "sentence", "--rollup")
    assert "codes pooled \u2020" in out and "gets no verdict" in out
    assert "--rollup: a span also counts for every theme above its code (theme rows: motivation" in err


def test_every_alpha_has_its_units_used_and_too_few_is_flagged(run_cli, sample_study):
    code, out, err = run_cli("agree", sample_study, "--unit", "sentence", "--bootstrap", "500", "--format", "json")
    result = json.loads(out)
    rows = {r["code"]: r for r in result["codes"]}
    assert rows["curriculum-advocacy"]["coded_units"] == 13 and rows["curriculum-advocacy"]["few"] is True
    assert rows["curriculum-advocacy"]["verdict"] == "too few"
    assert rows["emotional-toll"]["coded_units"] == 58 and rows["emotional-toll"]["few"] is False
    assert all(r["verdict"] != "reliable" or r["ci_low"] >= 0.8 for r in result["codes"])
    assert "too few" in err and "curriculum-advocacy" in err
    assert result["resampling"]["method"] == "turn" and "only 6 transcripts" in result["resampling"]["reason"]


def test_codes_nobody_used_are_named(run_cli, sample_study):
    code, out, err = run_cli("agree", sample_study, "--transcripts", "P01", "--unit", "sentence", "--format", "json")
    result = json.loads(out)
    assert result["unused_codes"] and all(c not in {r["code"] for r in result["codes"]} for c in result["unused_codes"])
    assert "were used by no counted coder" in err


def test_kalpha_at_the_char_unit_is_called_too_narrow(run_cli, sample_study):
    code, out, err = run_cli("agree", sample_study, "--bootstrap", "200", "--resample", "kalpha", "--format", "json")
    assert code == 0 and "far too narrow" in err
    code, out, err = run_cli("agree", sample_study, "--bootstrap", "200", "--format", "json")
    assert "at --unit char the interval comes from resampling clusters" in err

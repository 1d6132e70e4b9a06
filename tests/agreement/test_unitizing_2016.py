"""The 2016 unitizing family (u-alpha, |u-alpha, c|u-alpha, (k)u-alpha): the worked example of
Krippendorff (2019), and a character-by-character port of the definitions as the oracle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_agreement_properties import as_data, studies

from agreement_reference import family_2016
from tcoder.agreement import compute_table
from tcoder.agreement.unitizing2016 import FamilySums, family, family_sums
from tcoder.codebook import parse_codebook

# Krippendorff (2019), Content Analysis, 4th ed., Figure 12.11 (p. 340): Alex, Paul and Suzan
# unitize a continuum of 60 and give each unit one of 7 values (1-based inclusive positions there;
# [start, end) here). Printed: u-alpha = .510, c|u-alpha = .724; |u-alpha is given as .413. (The
# figure as transcribed by the quallmer R package's tests; tcoder reads the same continuum.)
BOOK = [
    [(0, 7, 1), (7, 13, 2), (30, 32, 5), (32, 37, 6), (37, 44, 6), (44, 60, 7)],
    [(0, 7, 1), (7, 13, 3), (13, 21, 5), (32, 44, 6)],
    [(0, 7, 1), (7, 13, 4), (13, 21, 5), (32, 37, 6), (37, 41, 6), (41, 44, 6)],
]


def vectorised(length: int, coders, n_values: int | None = None, level="nominal", values=None):
    n_values = n_values or max((v for units in coders for _, _, v in units), default=1)
    g, c, v, s, e = [], [], [], [], []
    for i, units in enumerate(coders):
        for start, end, value in units:
            g.append(0), c.append(i), v.append(value), s.append(start), e.append(end)
    sums = family_sums(np.array([length]), np.ones((1, len(coders)), dtype=bool), g, c, v, s, e, n_values)
    return family(sums, level, values), sums


def test_krippendorff_2019_figure_12_11():
    result, _ = vectorised(60, BOOK)
    assert round(float(result.u[0]), 3) == 0.510
    assert round(float(result.cu[0]), 3) == 0.724
    assert float(result.binary[0]) == pytest.approx(0.413, abs=0.001)
    # Values 1, 5 and 6 agree wherever they meet; 2, 3 and 4 never do; 7 met no other coder's unit.
    assert list(np.round(result.k[0], 3)) == pytest.approx([1.0, 0.0, 0.0, 0.0, 1.0, 1.0, np.nan], nan_ok=True)
    assert result.coverage[0][4] == pytest.approx(8 / 18)  # value 5: 8 of its 18 characters met other units
    assert result.coverage[0][6] == 0.0


def test_the_naive_port_reads_the_example_the_same_way():
    naive = family_2016(60, BOOK)
    assert round(naive["u"], 3) == 0.510 and round(naive["cu"], 3) == 0.724
    assert naive["k"][7] is None and naive["coverage"][5] == pytest.approx(8 / 18)


def test_identical_coders_agree_perfectly_and_a_coder_who_lumps_is_not_punished_to_zero():
    same, _ = vectorised(50, [[(5, 20, 1), (30, 40, 2)]] * 2)
    assert same.u[0] == pytest.approx(1.0) and same.binary[0] == pytest.approx(1.0)
    # One coder marks two passages, the other one passage across both: the 2016 |u-alpha stays high.
    lumped, _ = vectorised(1000, [[(100, 300, 1), (302, 500, 1)], [(100, 500, 1)]])
    assert lumped.binary[0] > 0.9
    # ... where the 1995/2004 alpha_u falls to .18 (docs/agreement.md#the-2016-family-beside-it)
    from tcoder.agreement import unitizing_alpha

    assert round(unitizing_alpha(1000, [[(100, 300), (302, 500)], [(100, 500)]]).alpha, 2) == 0.18


@st.composite
def unitizations(draw, max_length=60, max_coders=4, max_values=3):
    length = draw(st.integers(5, max_length))
    n_values = draw(st.integers(1, max_values))
    coders = []
    for _ in range(draw(st.integers(2, max_coders))):
        cuts = sorted(set(draw(st.lists(st.integers(0, length), max_size=8))))
        units = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            if draw(st.booleans()):
                units.append((a, b, draw(st.integers(1, n_values))))
        coders.append(units)
    return length, coders, n_values


def close(a, b):
    if b is None:
        return np.isnan(a)
    return not np.isnan(a) and a == pytest.approx(b, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(case=unitizations(), level=st.sampled_from(["nominal", "interval", "ordinal"]))
def test_the_vectorised_family_equals_the_naive_port(case, level):
    length, coders, n_values = case
    values = [1.0, 2.5, 4.0][:n_values]
    result, _ = vectorised(length, coders, n_values, level, values)
    naive = family_2016(length, coders, level, values)
    assert close(result.u[0], naive["u"])
    assert close(result.binary[0], naive["binary"])
    assert close(result.cu[0], naive["cu"])
    for k in range(n_values):
        assert close(result.k[0][k], naive["k"].get(k + 1)), k


@settings(max_examples=100, deadline=None)
@given(first=unitizations(max_values=2), second=unitizations(max_values=2))
def test_transcripts_laid_end_to_end_add_up(first, second):
    """Two continua pooled = one continuum made of both, when the coders are the same."""
    (l1, c1, _), (l2, c2, _) = first, second
    m = min(len(c1), len(c2))
    c1, c2 = c1[:m], c2[:m]
    g, c, v, s, e = [], [], [], [], []
    for group, coders in ((0, c1), (1, c2)):
        for i, units in enumerate(coders):
            for start, end, value in units:
                g.append(group), c.append(i), v.append(value), s.append(start), e.append(end)
    sums = family_sums(np.array([l1, l2]), np.ones((2, m), dtype=bool), g, c, v, s, e, 2)
    pooled = family(FamilySums(sums.ell.sum(axis=0)[None], sums.corr.sum(axis=0)[None], sums.pcorr.sum(axis=0)[None]))
    joined = [list(a) + [(x + l1, y + l1, val) for x, y, val in b] for a, b in zip(c1, c2, strict=True)]
    naive = family_2016(l1 + l2, joined)
    # Units touching at the seam stay two units; gaps count by their length, not their number.
    assert close(pooled.u[0], naive["u"]) and close(pooled.binary[0], naive["binary"])
    assert close(pooled.cu[0], naive["cu"])


# ---------------------------------------------------------------- in `tcoder agree --unit span`

def _joined(data, pick):
    """Every transcript laid end to end: each coder's units (start, end, value) from ``pick``."""
    offset, coders = 0, {}
    for tc in data.transcripts:
        for coder, spans in tc.spans.items():
            coders.setdefault(coder, []).extend((s + offset, e + offset, v) for s, e, v in pick(spans))
        offset += len(tc.transcript.text)
    return offset, [sorted(units) for _, units in sorted(coders.items())]


def _merged(spans):
    out = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_span_rows_carry_the_2016_family_of_the_naive_port(data):
    codebook = parse_codebook("codes:\n  - id: a\n  - id: d\n    exclusive: true\n    codes:\n"
                              "      - id: v1\n      - id: v2\n")
    study = data.draw(studies(codes=("a", "v1", "v2")))
    same = [(t, {c: spans[c] for c in ("ann", "ben") if c in spans}) for t, spans in study]
    same = [(t, {c: s for c, s in spans.items()}) for t, spans in same if len(spans) == 2]
    if not same:
        return
    coding = as_data(same, codebook=codebook)
    table, _ = compute_table(coding, "span")
    for row in table.codes:
        length, coders = _joined(coding, lambda spans, code=row.id: [
            (s, e, 1) for s, e in _merged([(s, e) for k, s, e in spans if k == code])])
        expected = family_2016(length, coders)["binary"]
        assert close(row.detail["binary_u_alpha"] if row.detail["binary_u_alpha"] is not None else np.nan,
                     expected), row.id
    families = {f.domain: f for f in table.unitizing_domains}
    used = any(k in ("v1", "v2") for tc in coding.transcripts for spans in tc.spans.values() for k, _, _ in spans)
    assert ("d" in families) == used
    if not used:
        return
    family_row = families["d"]

    def domain_units(spans):
        out = []
        for value, code in ((1, "v1"), (2, "v2")):
            out += [(s, e, value) for s, e in _merged([(s, e) for k, s, e in spans if k == code])]
        return sorted(out)

    length, coders = _joined(coding, domain_units)
    overlapping = any(a[1] > b[0] for units in coders for a, b in zip(units, units[1:], strict=False))
    if overlapping:
        assert family_row.conflicts > 0 and family_row.u is None and "two values" in family_row.reason
        return
    naive = family_2016(length, coders, "nominal", [0.0, 1.0])
    for got, want in ((family_row.u, naive["u"]), (family_row.binary, naive["binary"]), (family_row.cu, naive["cu"])):
        assert close(np.nan if got is None else got, want)
    for i, value in enumerate(family_row.values):
        assert close(np.nan if value["k_u_alpha"] is None else value["k_u_alpha"], naive["k"].get(i + 1))


def test_agree_span_names_both_generations(sample_study, run_cli):
    import json

    code, out, err = run_cli("agree", sample_study, "--unit", "span", "--format", "json")
    payload = json.loads(out)
    row = next(r for r in payload["codes"] if r["code"] == "personal-discrimination")
    assert row["alpha"] != row["binary_u_alpha"] and -1 < row["binary_u_alpha"] <= 1
    domain = payload["unitizing_domains"][0]
    assert domain["domain"] == "institutional-support" and domain["conflicts"] == 0
    assert {"u_alpha", "binary_u_alpha", "cu_alpha", "values"} <= set(domain)
    assert [v["value"] for v in domain["values"]] == ["1", "2", "3"]
    assert "2016 revision" in err
    code, table, _ = run_cli("agree", sample_study, "--unit", "span")
    assert "|u-alpha 2016" in table and "c|u-alpha (cu-alpha)" in table and "alpha-binary" in table


# ---------------------------------------------------------------- an independent implementation

QUALLMER = Path(__file__).parent / "data" / "quallmer_family.json"


def _quallmer_cases():
    return json.loads(QUALLMER.read_text(encoding="utf-8"))["cases"]


def test_u_alpha_binary_and_coverage_equal_quallmers_on_300_random_unitizations():
    """quallmer's compute_alpha_u (R, written apart from tcoder; values recorded by
    tools/agreement/quallmer_family.py) on 300 random continua of 2-4 coders: u-alpha, |u-alpha
    and each value's coverage are the same to rounding."""
    cases = _quallmer_cases()
    assert len(cases) == 300 and {c["coders"] for c in cases} == {2, 3, 4}
    compared = 0
    for case in cases:
        result, _ = vectorised(case["length"], _units(case), max((u[3] for u in case["units"]), default=1))
        theirs = case["quallmer"]
        for mine, name in ((result.u[0], "nominal"), (result.binary[0], "binary")):
            if theirs[name] is None:
                assert np.isnan(mine)
            else:
                assert float(mine) == pytest.approx(theirs[name], abs=1e-12)
                compared += 1
        for value, per in theirs["per_value"].items():
            assert float(result.coverage[0][int(value) - 1]) == pytest.approx(per["coverage"], abs=1e-12)
    assert compared > 500


def test_cu_alpha_and_per_value_alpha_equal_quallmers_for_two_coders_and_the_book_for_three():
    """For two coders quallmer's c|u-alpha and (k)u-alpha are tcoder's to rounding. For three or
    more they part: quallmer takes a unit's pairable length against the union of the other
    coders' units, which gives c|u-alpha above 1 (impossible) in 21 of its 201 such cases and .728
    for the book's Figure 12.11, where Krippendorff prints .724 (tcoder's value, test above). Where
    a value's disagreement expected by chance is zero, quallmer says 1.0 and tcoder undefined."""
    two = [c for c in _quallmer_cases() if c["coders"] == 2]
    compared = undefined = 0
    for case in two:
        result, _ = vectorised(case["length"], _units(case), max((u[3] for u in case["units"]), default=1))
        theirs = case["quallmer"]
        if theirs["cu_nominal"] is None:
            assert np.isnan(result.cu[0])
        else:
            assert float(result.cu[0]) == pytest.approx(theirs["cu_nominal"], abs=1e-12)
            compared += 1
        for value, per in theirs["per_value"].items():
            mine = float(result.k[0][int(value) - 1])
            if np.isnan(mine):
                assert per["alpha"] in (None, 1.0)
                undefined += 1
            else:
                assert mine == pytest.approx(per["alpha"], abs=1e-12)
                compared += 1
    assert compared > 150 and undefined < compared
    over_one = [c for c in _quallmer_cases() if c["coders"] > 2 and (c["quallmer"]["cu_nominal"] or 0) > 1]
    assert len(over_one) == 21


def _units(case):
    coders = [[] for _ in range(case["coders"])]
    for coder, start, end, value in case["units"]:
        coders[coder].append((start, end, value))
    return coders

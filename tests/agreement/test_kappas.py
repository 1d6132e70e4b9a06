"""Cohen's kappa, Fleiss' kappa and Gwet's AC1: the worked examples of Gwet's irrCAC package
(as printed in its README and vignette, from Gwet 2014), scikit-learn and statsmodels as
oracles for Cohen's and Fleiss' kappa, and a unit-by-unit port for every unit and domain."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_agreement_properties import CODERS, SEGMENT_UNITS, as_data, studies

from agreement_reference import binary_matrix, domain_matrix, gwet_family
from tcoder.agreement import compute_table
from tcoder.agreement.kappas import cohen_kappa, fleiss_kappa, gwet_ac1, rater_sums
from tcoder.codebook import parse_codebook
from tcoder.transcript import Transcript

# irrCAC's cont3x3abstractors: 100 pregnancies classified by two abstractors (Gwet 2014).
ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
# irrCAC's distrib.6raters: 15 patients, 6 psychiatrists, 5 diagnoses (raters per category).
SIX_RATERS = [[0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
              [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
              [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1]]
# irrCAC's cac.raw4raters: Krippendorff's (2011) 4 coders x 12 units, with missing values.
RAW4 = [[1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4],
        [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, None, 3, None]]


def counts_of(raw, values=(1, 2, 3, 4, 5)):
    return np.array([[row.count(v) for v in values] for row in raw], dtype=float)


def test_two_abstractors_cohen_and_ac1():
    """kappa2.table and gwet.ac1.table: 0.7964094 and 0.8493305, observed agreement .89."""
    kappa = cohen_kappa(ABSTRACTORS)
    assert round(kappa.value, 7) == 0.7964094 and kappa.observed == pytest.approx(0.89)
    # the table as two coders' ratings of 100 units, for AC1 (which pools both coders' shares)
    counts = []
    for a, row in enumerate(ABSTRACTORS):
        for b, n in enumerate(row):
            counts += [[int(a == v) + int(b == v) for v in range(3)]] * n
    assert round(gwet_ac1(rater_sums(counts)).value, 7) == 0.8493305


def test_six_psychiatrists_fleiss_and_ac1():
    """fleiss.kappa.dist 0.4139265 (p_e 0.2340741) and gwet.ac1.dist 0.4448007 (p_a 0.5511111)."""
    sums = rater_sums(SIX_RATERS)
    fleiss, ac1 = fleiss_kappa(sums), gwet_ac1(sums)
    assert round(fleiss.value, 7) == 0.4139265 and round(fleiss.chance, 7) == 0.2340741
    assert round(ac1.value, 7) == 0.4448007 and round(ac1.observed, 7) == 0.5511111


def test_four_coders_with_missing_values():
    """fleiss.kappa.raw 0.76117 (p_e 0.2387153), gwet.ac1.raw 0.77544 (p_e 0.1903212), p_a 0.8181818."""
    sums = rater_sums(counts_of([[v for v in row if v is not None] for row in RAW4]))
    fleiss, ac1 = fleiss_kappa(sums), gwet_ac1(sums)
    assert round(fleiss.value, 5) == 0.76117 and round(fleiss.chance, 7) == 0.2387153
    assert round(ac1.value, 5) == 0.77544 and round(ac1.chance, 7) == 0.1903212
    assert round(ac1.observed, 7) == 0.8181818


def test_undefined_coefficients_say_why():
    assert cohen_kappa([[5, 0], [0, 0]]).value is None and "no variation" in cohen_kappa([[5, 0], [0, 0]]).reason
    assert fleiss_kappa(rater_sums([[1, 0], [0, 1]])).reason == "no unit has values from two or more coders"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@settings(max_examples=80, deadline=None)
@given(study=studies(), unit=st.sampled_from(SEGMENT_UNITS))
@example(study=[(Transcript("\n"), {"ann": [], "ben": [("a", 0, 1)]})], unit="word")
def test_code_rows_equal_the_unit_by_unit_definitions(study, unit):
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    data = as_data(study)
    table, _ = compute_table(data, unit)
    pairs = [(tc.transcript, tc.spans) for tc in data.transcripts]
    two = {c for tc in data.transcripts for c in tc.spans}
    for row in table.codes:
        matrix = binary_matrix(pairs, CODERS, row.id, unit)
        expected = gwet_family(matrix, (0.0, 1.0))
        for key, name in (("fleiss_kappa", "fleiss"), ("gwet_ac1", "ac1")):
            got = row.secondary[key].value
            assert (got is None) == (expected[name] is None), (key, got, expected[name])
            if got is not None:
                assert got == pytest.approx(expected[name], abs=1e-9), key
        complete = ~np.isnan(matrix).any(axis=0)
        if complete.all() and matrix.shape[1]:
            observed = matrix[~np.isnan(matrix).all(axis=1)]
            table_sm, _ = aggregate_raters(observed.T.astype(int), n_cat=2)
            reference = sm_fleiss(table_sm, method="fleiss")
            if row.secondary["fleiss_kappa"].value is not None and np.isfinite(reference):
                assert row.secondary["fleiss_kappa"].value == pytest.approx(reference, abs=1e-9)
        cohen = row.secondary["cohen_kappa"]
        if len(two) == 2 and all(len(tc.spans) == 2 for tc in data.transcripts) and matrix.shape[1] == 0:
            assert cohen.value is None  # no units at all (a transcript of one line break, by words)
        elif len(two) == 2 and all(len(tc.spans) == 2 for tc in data.transcripts):
            a, b = (matrix[i] for i in range(len(CODERS)) if not np.isnan(matrix[i]).all())
            with np.errstate(all="ignore"):
                reference = cohen_kappa_score(a, b, labels=[0.0, 1.0])
            if np.isfinite(reference):
                assert cohen.value == pytest.approx(reference, abs=1e-9)
            else:  # both coders gave one value throughout: no chance correction possible
                assert cohen.value is None
        elif len(two) > 2:
            assert cohen.value is None and "two coders" in cohen.reason


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@settings(max_examples=80, deadline=None)
@given(data=st.data(), unit=st.sampled_from(SEGMENT_UNITS))
def test_nominal_domains_equal_the_unit_by_unit_definitions(data, unit):
    from sklearn.metrics import cohen_kappa_score

    children = ["v1", "v2", "v3"]
    codebook = parse_codebook("codes:\n  - id: d\n    exclusive: true\n    codes:\n"
                              + "".join(f"      - id: {c}\n" for c in children))
    study = data.draw(studies(codes=tuple(children)))
    coding = as_data(study, codebook=codebook)
    table, _ = compute_table(coding, unit)
    row = table.domain("d")
    if row is None:
        return
    values = {c: float(i) for i, c in enumerate(children)}
    matrix = domain_matrix([(tc.transcript, tc.spans) for tc in coding.transcripts], CODERS, values, unit)
    expected = gwet_family(matrix, (0.0, 1.0, 2.0))
    for key, name in (("fleiss_kappa", "fleiss"), ("gwet_ac1", "ac1")):
        got = row.secondary[key].value
        assert (got is None) == (expected[name] is None), (key, got, expected[name])
        if got is not None:
            assert got == pytest.approx(expected[name], abs=1e-9), key
    coders = {c for tc in coding.transcripts for c in tc.spans}
    if len(coders) == 2 and all(len(tc.spans) == 2 for tc in coding.transcripts):
        a, b = (matrix[CODERS.index(c)] for c in sorted(coders, key=CODERS.index))
        both = ~np.isnan(a) & ~np.isnan(b)
        cohen = row.secondary["cohen_kappa"]
        if both.any():
            with np.errstate(all="ignore"):
                reference = cohen_kappa_score(a[both], b[both], labels=[0.0, 1.0, 2.0])
            if np.isfinite(reference):
                assert cohen.value == pytest.approx(reference, abs=1e-9)
            else:
                assert cohen.value is None
        else:
            assert cohen.value is None


def test_ordinal_domains_and_unitizing_get_no_kappa(sample_study, run_cli):
    code, out, _ = run_cli("agree", sample_study, "--unit", "sentence", "--format", "json")
    payload = json.loads(out)
    domain = payload["domains"][0]
    assert domain["level"] == "ordinal"
    assert all(domain["other_coefficients"][k]["value"] is None for k in ("cohen_kappa", "fleiss_kappa", "gwet_ac1"))
    assert "nominal data" in domain["other_coefficients"]["gwet_ac1"]["reason"]
    code, out, _ = run_cli("agree", sample_study, "--unit", "span", "--format", "json")
    row = json.loads(out)["codes"][0]
    assert row["other_coefficients"]["fleiss_kappa"] == {"value": None, "observed": None, "chance": None,
                                                         "reason": "kappa and AC1 need units; unitizing (--unit "
                                                                   "span) has none"}

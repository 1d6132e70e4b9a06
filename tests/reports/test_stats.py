"""Effect sizes, intervals and corrections against published values and scipy."""

from __future__ import annotations

import numpy as np
import pytest

from tcoder.reports.stats import adjust, cramers_v, odds_ratio, risk_difference


@pytest.mark.parametrize("a, n1, b, n2, low, high", [
    # Newcombe RG (1998) Stat Med 17:873-890, Table II, method 10 (hybrid score, no continuity correction)
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
])
def test_risk_difference_interval_matches_newcombe(a, n1, b, n2, low, high):
    d, lo, hi = risk_difference(a, n1, b, n2)
    assert d == pytest.approx(a / n1 - b / n2)
    assert round(lo, 4) == low and round(hi, 4) == high


def test_odds_ratio_is_woolfs_interval_and_corrects_zero_cells():
    from scipy.stats.contingency import odds_ratio as scipy_or

    value, low, high, corrected = odds_ratio(62, 38, 35, 65)
    reference = scipy_or([[62, 38], [35, 65]], kind="sample")
    interval = reference.confidence_interval(0.95)
    assert (value, low, high, corrected) == (reference.statistic, interval.low, interval.high, False)
    # Woolf's interval by hand: exp(log OR -/+ 1.96 sqrt(1/a + 1/b + 1/c + 1/d))
    se = np.sqrt(1 / 62 + 1 / 38 + 1 / 35 + 1 / 65)
    assert low == pytest.approx(np.exp(np.log(62 * 65 / (38 * 35)) - 1.959963984540054 * se), rel=1e-12)
    value, low, high, corrected = odds_ratio(0, 10, 5, 5)
    assert corrected and value == pytest.approx((0.5 * 5.5) / (10.5 * 5.5))


def test_cramers_v_and_its_interval():
    from scipy.stats import chi2_contingency, ncx2
    from scipy.stats.contingency import association

    table = np.array([[20, 30, 50], [40, 30, 10]])
    v, low, high = cramers_v(table)
    assert v == pytest.approx(association(table, method="cramer"), rel=1e-12)
    assert low < v < high
    # the bounds are the noncentrality parameters that put the observed chi-square at 97.5% and 2.5%
    chi2 = chi2_contingency(table, correction=False)[0]
    n = table.sum()
    assert ncx2.cdf(chi2, 2, low ** 2 * n) == pytest.approx(0.975, abs=1e-9)
    assert ncx2.cdf(chi2, 2, high ** 2 * n) == pytest.approx(0.025, abs=1e-9)
    # no association: the interval starts at 0
    assert cramers_v(np.array([[10, 10, 10], [10, 10, 10]]))[1] == 0.0


def test_holm_and_benjamini_hochberg():
    from scipy.stats import false_discovery_control

    p = [0.01, 0.04, 0.03, 0.005, float("nan")]
    # Holm: sorted p times (m, m-1, ...), made monotone: .005*4=.02, .01*3=.03, .03*2=.06, .04*1=.04 -> .06
    assert adjust(p, "holm")[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert np.isnan(adjust(p, "holm")[4])
    assert adjust(p, "bh")[:4] == pytest.approx(false_discovery_control(p[:4], method="bh"))
    assert adjust(p, "bh")[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    with pytest.raises(ValueError):
        adjust(p, "bonferoni")


def test_crosstab_correction_is_named(run_cli, sample_study):
    code, out, err = run_cli("report", sample_study, "crosstab", "--by", "group", "--correct", "holm",
                             "--format", "csv")
    assert code == 0, err
    header = out.splitlines()[0].split(",")
    assert header[header.index("p") + 1] == "p_holm"
    code, out, err = run_cli("report", sample_study, "crosstab", "--by", "group", "--correct", "bh")
    assert "p_bh: p adjusted for" in out and "Benjamini-Hochberg method" in out

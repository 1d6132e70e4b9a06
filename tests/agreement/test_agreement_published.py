"""Published values, reproduced through `tcoder agree` on studies written to disk,
and the unitizing cases of DKPro Agreement's test suite at the function level."""

from __future__ import annotations

import json

import pytest

from tcoder.agreement import unitizing_alpha

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", p. 3: 4 observers,
# 12 units, values 1-5, '.' = missing. Alpha: nominal .743, ordinal .815, interval .849, ratio .797.
K2011 = {
    "alice": "1 2 3 3 2 1 4 1 2 . . .",
    "bob": "1 2 3 3 2 2 4 1 2 5 . 3",
    "carol": ". 3 3 3 2 3 4 2 2 5 1 .",
    "dave": "1 2 3 3 2 4 4 1 2 5 1 .",
}
K2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def _k2011_codebook() -> str:
    lines = ["title: Krippendorff 2011", "codes:"]
    for level in K2011_ALPHA:
        lines += [f"  - id: {level}-var", "    exclusive: true", f"    level: {level}", "    codes:"]
        lines += [f"      - {{id: {level}-{v}, value: {v}}}" for v in range(1, 6)]
    return "\n".join(lines) + "\n"


def _k2011_transcript() -> tuple[str, list[tuple[int, int]]]:
    parts, turns, pos = [], [], 0
    for unit in range(1, 13):
        turn = f"Speaker {unit}: This is the passage of unit {unit}.\n\n"
        turns.append((pos, pos + len(turn) - 2))
        parts.append(turn)
        pos += len(turn)
    return "".join(parts), turns


@pytest.fixture
def k2011_study(study_builder):
    study_builder.codebook(_k2011_codebook())
    text, turns = _k2011_transcript()
    study_builder.transcript("units.txt", text)
    for coder, row in K2011.items():
        spans = []
        for (start, end), value in zip(turns, row.split(), strict=True):
            if value != ".":
                spans += [(f"{level}-{value}", start, end) for level in K2011_ALPHA]
        study_builder.annotations("units.txt", coder, spans)
    return study_builder.root


def test_krippendorff_2011_all_levels_through_the_command(run_cli, k2011_study):
    code, out, err = run_cli("agree", k2011_study, "--unit", "turn", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["coders"] == ["alice", "bob", "carol", "dave"]
    domains = {d["domain"]: d for d in result["domains"]}
    for level, published in K2011_ALPHA.items():
        row = domains[f"{level}-var"]
        assert row["level"] == level
        assert round(row["alpha"], 3) == published, level
        assert row["units"] == 11  # unit 12 has one value only: not pairable
    # The same data at the sentence unit (one sentence per turn) give the same values.
    code, out, _ = run_cli("agree", k2011_study, "--unit", "sentence", "--format", "json")
    assert {d["domain"]: round(d["alpha"], 3) for d in json.loads(out)["domains"]} == \
        {f"{level}-var": value for level, value in K2011_ALPHA.items()}


def test_krippendorff_2011_table_shows_levels_and_verdicts(run_cli, k2011_study):
    code, out, _ = run_cli("agree", k2011_study, "--unit", "turn")
    assert code == 0
    assert "ordinal-var (ordinal)" in out
    line = next(line for line in out.splitlines() if "interval-var" in line)
    # Twelve units and no interval: the value, but no verdict (a point estimate cannot support one).
    assert "0.849" in line and "reliable" not in line
    assert "No verdicts" in out and "--bootstrap" in out
    line = next(line for line in out.splitlines() if "nominal-var" in line)
    assert "0.743" in line and "tentative" not in line
    code, out, _ = run_cli("agree", k2011_study, "--unit", "turn", "--bootstrap", "1000")
    line = next(line for line in out.splitlines() if "interval-var" in line)
    assert "0.849" in line and "too few" in line  # 12 units, 11 of them pairable


def test_dkpro_unitizing_case_through_the_command(run_cli, study_builder):
    """DKPro Agreement UnitizingAgreementTest: a 10-character continuum, coder A [1, 9),
    coder B [2, 3), [4, 5), [6, 7): D_o = .9100, D_e = .5351, alpha_u = -.7003."""
    study_builder.codebook("codes:\n  - id: A\n")
    study_builder.transcript("c.txt", "abcdefghij")
    study_builder.annotations("c.txt", "alice", [("A", 1, 9)])
    study_builder.annotations("c.txt", "bob", [("A", 2, 3), ("A", 4, 5), ("A", 6, 7)])
    code, out, err = run_cli("agree", study_builder.root, "--unit", "span", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    (row,) = result["codes"]
    assert row["alpha"] == pytest.approx(-0.7003, abs=1e-4)
    assert row["units"] == 4
    assert result["overall"]["alpha"] == pytest.approx(-0.7003, abs=1e-4)


def test_dkpro_unitizing_case_observed_and_expected():
    result = unitizing_alpha(10, [[(1, 9)], [(2, 3), (4, 5), (6, 7)]])
    assert result.observed == pytest.approx(0.9100, abs=1e-4)
    assert result.expected == pytest.approx(0.5351, abs=1e-4)
    assert result.alpha == pytest.approx(-0.7003, abs=1e-4)


def test_krippendorff_2004_example():
    """Content Analysis (2004) p. 254, as in DKPro's Krippendorff2004Test: continuum [150, 450)."""
    b = 150
    c = unitizing_alpha(300, [[(225 - b, 295 - b), (370 - b, 400 - b)],
                              [(220 - b, 300 - b), (355 - b, 375 - b), (400 - b, 420 - b)]])
    k = unitizing_alpha(300, [[(180 - b, 240 - b), (300 - b, 350 - b)], [(180 - b, 240 - b), (300 - b, 350 - b)]])
    assert (c.observed, c.expected, c.alpha) == pytest.approx((0.0144, 0.0532, 0.7286), abs=1e-4)
    assert (k.observed, k.expected, k.alpha) == pytest.approx((0.0, 0.0490, 1.0), abs=1e-4)
    pooled = 1 - (c.observed + k.observed) / (c.expected + k.expected)
    assert pooled == pytest.approx(0.8591, abs=5e-4)


def _k1995(stretch: float):
    def unit(offset, length):
        return int(offset * stretch), int(offset * stretch) + int(length * stretch)
    return int(24 * stretch), {
        "A": [[unit(2, 8), unit(14, 6)], [unit(4, 4), unit(15, 2)]],
        "B": [[unit(0, 18)], [unit(0, 2), unit(2, 1), unit(3, 1), unit(4, 1), unit(5, 1), unit(6, 3), unit(9, 1)]],
        "C": [[unit(2, 6), unit(10, 2), unit(14, 4), unit(20, 2)],
              [unit(0, 2), unit(4, 4), unit(10, 4), unit(16, 2), unit(20, 2)]],
        "D": [[unit(0, 2), unit(2, 8), unit(10, 4), unit(14, 6), unit(20, 4)],
              [unit(0, 4), unit(4, 4), unit(8, 7), unit(15, 2), unit(17, 7)]],
    }


def test_krippendorff_1995_example():
    """Sociological Methodology 25 (1995) p. 57, as in DKPro's Krippendorff1995Test: observed
    disagreement exactly; expected and alpha for the stretched continuum within DKPro's tolerance."""
    length, categories = _k1995(1)
    observed = {name: unitizing_alpha(length, spans).observed for name, spans in categories.items()}
    assert observed == pytest.approx({"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}, abs=1e-5)
    length, categories = _k1995(1_200_000 / 24)
    results = {name: unitizing_alpha(length, spans) for name, spans in categories.items()}
    expected = {"A": 0.06990, "B": 1.17731, "C": 0.08642, "D": 0.41445}
    alphas = {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}
    for name, result in results.items():
        assert result.expected == pytest.approx(expected[name], abs=5e-3), name
        assert result.alpha == pytest.approx(alphas[name], abs=2e-2), name


def test_touching_units_are_not_merged():
    # Heather's units in the 1995 example touch; they stay apart (merged counts 0).
    length, categories = _k1995(1)
    assert unitizing_alpha(length, categories["D"]).merged == 0
    assert unitizing_alpha(length, categories["D"]).units == 10


def test_single_unit_and_empty_study():
    """DKPro: one unit of one of three raters gives alpha 0; no unit at all is undefined."""
    assert unitizing_alpha(20, [[(0, 1)], [], []]).alpha == pytest.approx(0.0)
    assert unitizing_alpha(20, [[], [], []]).alpha is None


def test_an_empty_continuum_is_undefined_not_an_error():
    from tcoder.agreement.unitizing import unitizing_alpha

    result = unitizing_alpha(0, [[], []])
    assert result.alpha is None and result.units == 0

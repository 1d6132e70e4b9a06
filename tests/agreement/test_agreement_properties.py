"""Property tests: on generated studies, every segment unit equals the krippendorff
package on the materialised coders x units matrix (to 1e-9), unitizing alpha equals
a literal port of DKPro Agreement, and alpha keeps its invariants."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreement_reference import (
    binary_matrix,
    dkpro_expected,
    dkpro_observed,
    domain_matrix,
    reference_alpha,
)
from studykit import StudyBuilder
from tcoder.agreement import CodingData, TranscriptCoding, compute_table
from tcoder.codebook import parse_codebook
from tcoder.transcript import Transcript

SEGMENT_UNITS = ("char", "word", "line", "sentence", "turn")
CODES = ("a", "b", "c")
CODERS = ("ann", "ben", "cat", "dan")

words = st.sampled_from(["yes", "no", "we", "I", "clinic", "well,", "Dr.", "e.g.", "ok!", "so?", "x"])
separators = st.sampled_from([" ", " ", " ", "  ", "\t", "\u00a0", ". ", "? ", "\n", "\n\n", " \n "])


@st.composite
def texts(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        label = draw(st.sampled_from(["", "Interviewer: ", "P1: ", "[00:01:02] Sam: ", "  "]))
        body = "".join(draw(words) + draw(separators) for _ in range(draw(st.integers(0, 7))))
        lines.append(label + body)
    return "\n".join(lines)


@st.composite
def span_lists(draw, length: int, codes=CODES) -> list[tuple[str, int, int]]:
    spans = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, max(0, length - 1)))
        end = draw(st.integers(start + 1, max(start + 1, length)))
        if end <= length:
            spans.append((draw(st.sampled_from(codes)), start, end))
    return spans


@st.composite
def studies(draw, codes=CODES) -> list[tuple[Transcript, dict[str, list[tuple[str, int, int]]]]]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        text = draw(texts())
        if not text:
            text = "x"
        present = draw(st.lists(st.sampled_from(CODERS), min_size=2, max_size=4, unique=True))
        out.append((Transcript(text), {c: draw(span_lists(len(text), codes)) for c in present}))
    return out


def as_data(study, coders=CODERS, codebook=None) -> CodingData:
    transcripts = [TranscriptCoding(t, {c: spans[c] for c in coders if c in spans}) for t, spans in study]
    return CodingData(list(coders), [tc for tc in transcripts if len(tc.spans) >= 2], codebook)


def alphas(table) -> dict[tuple[str, str], float | None]:
    return {(row.kind, row.id): row.alpha for row in table.rows()}


def assert_same(left: dict, right: dict, tolerance: float = 1e-9) -> None:
    assert left.keys() == right.keys()
    for key in left:
        if left[key] is None or right[key] is None:
            assert left[key] is None and right[key] is None, key
        else:
            assert left[key] == pytest.approx(right[key], abs=tolerance), key


@settings(max_examples=200, deadline=None)
@given(study=studies(), unit=st.sampled_from(SEGMENT_UNITS))
def test_segment_units_equal_the_krippendorff_package(study, unit):
    data = as_data(study)
    table, _ = compute_table(data, unit)
    pairs = [(tc.transcript, tc.spans) for tc in data.transcripts]
    pooled = []
    for row in table.codes:
        matrix = binary_matrix(pairs, CODERS, row.id, unit)
        pooled.append(matrix)
        expected = reference_alpha(matrix, "nominal", [0, 1])
        if expected is None:
            assert row.alpha is None and row.reason
        else:
            assert row.alpha == pytest.approx(expected, abs=1e-9)
        assert row.units == matrix.shape[1]
    if pooled:
        import numpy as np

        expected = reference_alpha(np.concatenate(pooled, axis=1), "nominal", [0, 1])
        assert (table.overall.alpha is None) == (expected is None)
        if expected is not None:
            assert table.overall.alpha == pytest.approx(expected, abs=1e-9)


DOMAIN_VALUES = {"nominal": [1, 2, 3], "ordinal": [1, 2, 5], "interval": [-2, 0, 3.5], "ratio": [1, 2, 10]}


@settings(max_examples=200, deadline=None)
@given(data=st.data(), level=st.sampled_from(sorted(DOMAIN_VALUES)), unit=st.sampled_from(SEGMENT_UNITS))
def test_domains_equal_the_krippendorff_package(data, level, unit):
    children = ["v1", "v2", "v3"]
    values = DOMAIN_VALUES[level]
    codebook = parse_codebook("codes:\n  - id: d\n    exclusive: true\n    level: " + level + "\n    codes:\n"
                              + "".join(f"      - {{id: {c}, value: {v}}}\n" for c, v in zip(children, values, strict=True)))
    study = data.draw(studies(codes=tuple(children)))
    coding = as_data(study, codebook=codebook)
    table, _ = compute_table(coding, unit)
    row = table.domain("d")
    used = any(spans for tc in coding.transcripts for spans in tc.spans.values())
    if not used:
        assert row is None
        return
    numeric = {c: (float(i) if level == "nominal" else float(v)) for i, (c, v) in enumerate(zip(children, values, strict=True))}
    matrix = domain_matrix([(tc.transcript, tc.spans) for tc in coding.transcripts], CODERS, numeric, unit)
    expected = reference_alpha(matrix, level, sorted(numeric.values()))
    if expected is None:
        assert row.alpha is None and row.reason
    else:
        assert row.alpha == pytest.approx(expected, abs=1e-9)
    import numpy as np

    assert row.units == int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum())


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


@settings(max_examples=200, deadline=None)
@given(study=studies())
def test_unitizing_equals_dkpro_port(study):
    data = as_data(study)
    table, _ = compute_table(data, "span")
    totals = {}
    for row in table.codes:
        observed = expected = 0.0
        for tc in data.transcripts:
            length = len(tc.transcript.text)
            raters = [merged([(s, e) for k, s, e in spans if k == row.id]) for spans in tc.spans.values()]
            if not any(raters):
                continue
            observed += dkpro_observed(length, raters) * length ** 2
            expected += dkpro_expected(length, raters) * length ** 2
        totals[row.id] = (observed, expected)
        if expected > 0:
            assert row.alpha == pytest.approx(1 - observed / expected, abs=1e-9)
        else:
            assert row.alpha is None
    observed = sum(o for o, _ in totals.values())
    expected = sum(e for _, e in totals.values())
    if expected > 0:
        assert table.overall.alpha == pytest.approx(1 - observed / expected, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(study=studies(), unit=st.sampled_from((*SEGMENT_UNITS, "span")))
def test_identical_coders_agree_perfectly(study, unit):
    same = [(t, {c: next(iter(spans.values())) for c in spans}) for t, spans in study]
    table, _ = compute_table(as_data(same), unit)
    for row in table.rows():
        assert row.alpha is None or row.alpha == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(study=studies(), unit=st.sampled_from((*SEGMENT_UNITS, "span")))
def test_swapping_coders_changes_nothing(study, unit):
    forward, _ = compute_table(as_data(study), unit)
    backward, _ = compute_table(as_data(study, coders=tuple(reversed(CODERS))), unit)
    assert_same(alphas(forward), alphas(backward), 1e-12)


@settings(max_examples=100, deadline=None)
@given(study=studies(), unit=st.sampled_from((*SEGMENT_UNITS, "span")))
def test_a_coder_with_no_file_changes_nothing(study, unit):
    before, _ = compute_table(as_data(study), unit)
    after, _ = compute_table(as_data(study, coders=(*CODERS, "zoe")), unit)
    assert_same(alphas(before), alphas(after), 1e-12)


def _write(root: Path, study) -> StudyBuilder:
    builder = StudyBuilder(root)
    builder.codebook("codes:\n" + "".join(f"  - id: {c}\n" for c in CODES))
    for i, (transcript, spans) in enumerate(study):
        name = f"t{i}.txt"
        builder.transcript(name, transcript.text)
        for coder, coder_spans in spans.items():
            builder.annotations(name, coder, coder_spans, status="done")  # finished: empty files count too
    return builder


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(study=studies(), unit=st.sampled_from(SEGMENT_UNITS))
def test_studies_on_disk_through_the_command(run_cli, study, unit):
    """The same comparison for studies written to disk and read back by `tcoder agree`."""
    with tempfile.TemporaryDirectory() as tmp:
        builder = _write(Path(tmp) / "study", study)
        code, out, err = run_cli("agree", builder.root, "--unit", unit, "--coders", ",".join(
            sorted({c for _, spans in study for c in spans})), "--format", "json")
        coders_with_files = sorted({c for _, spans in study for c in spans})
        counted = [(t, s) for t, s in study if len(s) >= 2]
        assert code == 0, err
        result = json.loads(out)
        for row in result["codes"]:
            expected = reference_alpha(binary_matrix(counted, coders_with_files, row["code"], unit), "nominal", [0, 1])
            if expected is None:
                assert row["alpha"] is None and row["reason"]
            else:
                assert row["alpha"] == pytest.approx(expected, abs=1e-9)

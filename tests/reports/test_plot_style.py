"""Plots a journal accepts: journal widths, text kept as text in SVG and TrueType in PDF,
300 dpi PNG, codes named (and qualified by theme where names repeat), n per group on
crosstab bars, a co-occurrence scale the diagonal does not saturate, one 'Wrote' message."""

from __future__ import annotations

import csv
import re
import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tcoder.codebook import parse_codebook
from tcoder.reports.plots import WIDTHS, code_labels, plot_heatmap

SVG = "{http://www.w3.org/2000/svg}"
TWO_OTHERS = """\
title: Two others
codes:
  - id: motivation
    name: Motivations
    codes:
      - {id: duty, name: Professional duty}
      - {id: other-motivation, name: Other}
  - id: strategy
    name: Strategies
    codes:
      - {id: outreach, name: Community outreach}
      - {id: other-strategy, name: Other}
"""


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


def svg_width_mm(path) -> float:
    width = ET.parse(path).getroot().get("width")
    assert width is not None and width.endswith("pt")
    return float(width[:-2]) / 72 * 25.4


def test_names_that_repeat_are_qualified_by_their_theme():
    codebook = parse_codebook(TWO_OTHERS)
    assert code_labels(["duty", "other-motivation", "other-strategy"], codebook) == [
        "Professional duty", "Motivations / Other", "Strategies / Other"]
    assert code_labels(["duty", "other-strategy"], codebook) == ["Professional duty", "Other"]  # unique: plain
    assert code_labels(["duty"], None) == ["duty"]


@pytest.fixture
def others_study(study_builder):
    study_builder.codebook(TWO_OTHERS)
    study_builder.transcript()
    spans = [("duty", 0, 20), ("other-motivation", 30, 60), ("other-strategy", 70, 100), ("outreach", 110, 130)]
    study_builder.annotations("interviews/P01.txt", "alice", spans, status="done")
    study_builder.annotations("interviews/P01.txt", "bob", [(c, s, e + 2) for c, s, e in spans], status="done")
    return study_builder.root


@pytest.mark.parametrize("size, mm", [("double", 174), ("single", 85)])
def test_the_alpha_plot_names_codes_at_a_journal_width(others_study, run_cli, tmp_path, size, mm):
    target = tmp_path / "alpha.svg"
    code, _, err = run_cli("agree", others_study, "--plot", target, "--plot-size", size)
    assert code == 0, err
    assert f"Wrote {target}" in err.splitlines()
    texts = svg_texts(target)
    for name in ("Professional duty", "Motivations / Other", "Strategies / Other", "Community outreach"):
        assert name in texts
    assert "other-strategy" not in texts and "duty" not in texts
    assert svg_width_mm(target) == pytest.approx(mm, abs=0.01)


def test_report_alpha_names_codes_from_the_study(others_study, run_cli, tmp_path):
    code, payload, _ = run_cli("agree", others_study, "--format", "json")
    source = tmp_path / "a.json"
    source.write_text(payload, encoding="utf-8")
    target = tmp_path / "a.svg"
    code, _, err = run_cli("report", others_study, "alpha", "--input", source, "--plot", target)
    assert code == 0, err
    assert {"Motivations / Other", "Strategies / Other"} <= set(svg_texts(target))


def test_crosstab_bars_show_n_per_group(sample_study, run_cli, tmp_path):
    target = tmp_path / "ct.svg"
    code, _, err = run_cli("report", sample_study, "crosstab", "--by", "group", "--plot", target, "-o",
                           tmp_path / "ct.csv", "--format", "csv")
    assert code == 0, err
    with open(sample_study / "participants.csv", newline="", encoding="utf-8") as stream:
        group = {r["participant"]: r["group"] for r in csv.DictReader(stream)}
    with open(sample_study / "speakers.csv", newline="", encoding="utf-8") as stream:
        speaking = {r["participant"] for r in csv.DictReader(stream) if r["role"] == "participant"}
    n = {g: sum(1 for p in speaking if group[p] == g) for g in set(group.values())}
    texts = svg_texts(target)
    for g, count in n.items():
        assert f"{g} (n = {count})" in texts
    rows = list(csv.DictReader(open(tmp_path / "ct.csv", encoding="utf-8")))
    first = rows[0]
    assert f"{first['control n']}/{n['control']}" in texts
    assert f"{first['intervention n']}/{n['intervention']}" in texts


def test_the_heatmap_diagonal_does_not_saturate_the_scale(tmp_path):
    matrix = np.array([[1.0, 0.2, 0.05], [0.2, 1.0, 0.0], [0.05, 0.0, 1.0]])
    figure = plot_heatmap(["a", "b", "c"], matrix, tmp_path / "h.svg")
    image = figure.axes[0].images[0]
    assert image.norm.vmax == pytest.approx(0.2)
    shown = image.get_array()
    assert all(shown.mask[i, i] for i in range(3)) and not shown.mask[0, 1]
    texts = svg_texts(tmp_path / "h.svg")
    assert ".20" in texts and "1" not in texts


def test_vector_and_raster_files_are_what_journals_take(sample_study, run_cli, tmp_path):
    pdf, png, svg = tmp_path / "f.pdf", tmp_path / "f.png", tmp_path / "f.svg"
    for target in (pdf, png, svg):
        code, _, err = run_cli("report", sample_study, "frequencies", "--plot", target, "-o", tmp_path / "f.csv",
                               "--format", "csv", "--force")
        assert code == 0, err
        assert f"Wrote {target}" in err
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"/Type3" not in data  # fonts embedded as TrueType, not Type 3
    assert re.search(rb"/Subtype\s*/(TrueType|CIDFontType2)", data)
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    assert width == round(WIDTHS["double"] * 300)
    assert "Motivations for engagement" in svg_texts(svg)  # text stays text, editable in a journal's tools
    assert svg_width_mm(svg) == pytest.approx(174, abs=0.01)


def test_the_matrix_plot_names_codes_as_the_others_do(others_study, run_cli, tmp_path):
    target = tmp_path / "m.svg"
    code, _, err = run_cli("matrix", others_study, "--coder", "alice", "--plot", target)
    assert code == 0, err
    assert f"Wrote {target}" in err
    texts = svg_texts(target)
    assert {"Motivations / Other", "Strategies / Other", "Professional duty"} <= set(texts)
    assert svg_width_mm(target) == pytest.approx(174, abs=0.01)


def test_a_heatmap_too_narrow_for_its_names_numbers_them_with_a_key(sample_study, run_cli, tmp_path):
    target = tmp_path / "co.svg"
    code, _, err = run_cli("report", sample_study, "cooccurrence", "--plot", target, "--plot-size", "single",
                           "-o", tmp_path / "co.csv", "--format", "csv")
    assert code == 0, err
    names = [c["name"] for c in __import__("yaml").safe_load((sample_study / "codebook.yaml").read_text())["codes"]]
    texts = svg_texts(target)
    assert svg_width_mm(target) == pytest.approx(85, abs=0.01)
    assert f"1  {names[0]}" in " ".join(texts).replace("\n", " ") or any(t.endswith(names[0]) for t in texts)
    used = {a["code"] for f in sample_study.rglob("*.consensus.json")
            for a in __import__("json").loads(f.read_text(encoding="utf-8"))["annotations"]}
    assert str(len(used)) in texts and str(len(used) + 1) not in texts  # the axes carry numbers, one per code


def test_frequencies_by_a_group_give_each_group_its_n(sample_study, run_cli, tmp_path):
    target = tmp_path / "f.svg"
    code, _, err = run_cli("report", sample_study, "frequencies", "--by", "transcript.setting", "--plot", target,
                           "-o", tmp_path / "f.csv", "--format", "csv")
    assert code == 0, err
    with open(sample_study / "attributes.csv", newline="", encoding="utf-8") as stream:
        settings = [r["setting"] for r in csv.DictReader(stream)]
    texts = svg_texts(target)
    for value in set(settings):
        assert f"{value} (n = {settings.count(value)})" in texts


def test_the_alpha_plot_title_names_the_unit_in_words(sample_study, run_cli, tmp_path):
    """A figure in a paper says 'unit: character', not the command-line option's 'char'."""
    target = tmp_path / "alpha.svg"
    code, _, err = run_cli("agree", sample_study, "--plot", target)
    assert code == 0, err
    shown = " ".join(svg_texts(target))  # the title may wrap onto a second line
    assert "Agreement per code, unit: character (alice," in shown and "unit: char " not in shown

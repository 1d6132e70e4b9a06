"""Plots are real files that matplotlib wrote with the Agg canvas (no display needed)."""

from __future__ import annotations

import json

import pytest

from tcoder.reports.plots import alpha_rows, plot_alpha

PNG = b"\x89PNG\r\n\x1a\n"

AGREE = {"unit": "turn", "coders": ["alice", "bob"], "transcripts": ["interviews/P01.txt"],
         "codes": [{"code": "motivation", "alpha": 0.81, "units": 120, "ci_low": 0.7, "ci_high": 0.9,
                    "q_667": 0.01, "q_800": 0.4},
                   {"code": "duty", "alpha": None, "units": 120}],
         "domains": [{"domain": "stance", "level": "ordinal", "alpha": 0.77, "units": 40, "ci_low": 0.6,
                      "ci_high": 0.88}],
         "overall": {"alpha": 0.79, "ci_low": 0.72, "ci_high": 0.85}}


def test_plot_alpha_from_the_agree_json(tmp_path):
    plot_alpha(AGREE, tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes().startswith(PNG)
    plot_alpha(AGREE, tmp_path / "a.svg")
    svg = (tmp_path / "a.svg").read_text("utf-8")
    assert "<svg" in svg and "undefined" in svg  # the null alpha is labelled, not drawn
    assert [r["label"] for r in alpha_rows(AGREE)] == ["motivation", "duty", "stance (ordinal)", "overall"]
    with pytest.raises(ValueError):
        plot_alpha({"codes": []}, tmp_path / "b.png")


def test_report_alpha_reads_agree_json(tmp_path, mini_study, run_cli):
    source = tmp_path / "alpha.json"
    source.write_text(json.dumps(AGREE), "utf-8")
    code, out, err = run_cli("report", mini_study.root, "alpha", "--input", source, "--plot", tmp_path / "a.png",
                             "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[0] == "code,alpha,ci_low,ci_high,q_667,q_800,units"
    assert (tmp_path / "a.png").read_bytes().startswith(PNG)
    assert run_cli("report", mini_study.root, "alpha")[0] == 2
    source.write_text("not json")
    code, _, err = run_cli("report", mini_study.root, "alpha", "--input", source)
    assert code == 1 and "not JSON" in err


def test_frequency_cooccurrence_and_crosstab_plots(sample_study, tmp_path, run_cli):
    for kind, extra in (("frequencies", []), ("cooccurrence", ["--unit", "sentence"]),
                        ("crosstab", ["--by", "group"])):
        target = tmp_path / f"{kind}.png"
        code, out, err = run_cli("report", sample_study, kind, "--plot", target, "-o", tmp_path / f"{kind}.md",
                                 "--format", "md", *extra)
        assert code == 0, err
        assert target.read_bytes().startswith(PNG)
        assert (tmp_path / f"{kind}.md").read_text("utf-8").startswith("# ")

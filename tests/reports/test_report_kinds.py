"""Reports: segments, frequencies, co-occurrence, crosstab and their output formats."""

from __future__ import annotations

import csv
import io

import pytest

from studykit import MINI_TRANSCRIPT

T = MINI_TRANSCRIPT
GRAN = (T.index("Honestly"), T.index(" That stayed"))  # Amara's first turn, two sentences
RENAL = (T.index("We pushed"), T.index(" We also"))
CLINIC = (T.index("We also"), T.index("neighbourhood.") + len("neighbourhood."))
P2 = "Interviewer: Go on.\n\nBen: I *never* | planned <b>this</b> & [link](x).\n"


@pytest.fixture
def study(study_builder):
    b = study_builder
    b.codebook()
    b.transcript("interviews/P01.txt", T)
    b.transcript("interviews/P02.txt", P2)
    b.transcript("interviews/P03.txt", "Interviewer: Hello.\n\nCara: Nothing.\n")
    b.annotations("interviews/P01.txt", "alice", [("personal", *GRAN), ("curriculum", *RENAL),
                                                  ("outreach", *CLINIC), ("duty", GRAN[0], RENAL[1])])
    b.annotations("interviews/P01.txt", "bob", [("personal", *GRAN), ("outreach", RENAL[0], CLINIC[1])])
    b.annotations("interviews/P02.txt", "alice", [("personal", P2.index("I *never"), len(P2) - 1)])
    b.annotations("interviews/P03.txt", "alice", [], status="done")  # read, and nothing applies
    b.attributes("transcript,group\nP01,intervention\nP02,control\nP03,control\n")
    return b.root


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_segments_csv_has_the_contract_columns_then_attributes(study, run_cli):
    code, out, err = run_cli("report", study, "segments", "--format", "csv")
    assert code == 0, err
    table = rows(out)
    assert list(table[0]) == ["transcript", "coder", "code", "code_name", "speaker", "start", "end", "quote",
                              "memo", "group"]
    assert len(table) == 7
    first = table[0]
    assert first["speaker"] == "Amara" and first["group"] == "intervention"
    assert first["quote"] == T[int(first["start"]):int(first["end"])]


def test_code_includes_children_unless_exact(study, run_cli):
    _, out, _ = run_cli("report", study, "segments", "--format", "csv", "--code", "motivation")
    assert sorted({r["code"] for r in rows(out)}) == ["duty", "personal"]
    _, out, _ = run_cli("report", study, "segments", "--format", "csv", "--code", "motivation", "--exact")
    assert rows(out) == []
    _, out, _ = run_cli("report", study, "segments", "--format", "csv", "--code", "Professional duty",
                        "--coder", "alice")
    assert [r["code"] for r in rows(out)] == ["duty"]
    code, _, err = run_cli("report", study, "segments", "--code", "motivaton")
    assert code == 2 and "did you mean 'motivation'" in err
    code, _, err = run_cli("report", study, "segments", "--coder", "carol")
    assert code == 2 and "carol" in err


def test_markdown_groups_by_theme_and_escapes(study, run_cli):
    code, out, err = run_cli("report", study, "segments", "--format", "md", "--code", "personal")
    assert code == 0, err
    assert "## Motivations" in out and "### Motivations / Personal experience (3)" in out
    assert r"I \*never\* \| planned \<b\>this\</b\> \& \[link\](x)." in out
    assert "interviews/P02.txt, Ben, line 3, characters" in out
    assert "<b>" not in out


def test_html_escapes_transcript_text(study, run_cli):
    code, out, err = run_cli("report", study, "segments", "--format", "html", "--by", "group")
    assert code == 0, err
    assert out.startswith("<!DOCTYPE html>") and "<b>this</b>" not in out
    assert "&lt;b&gt;this&lt;/b&gt; &amp; [link](x)" in out
    assert "<h4>group: control (1)</h4>" in out


def test_table_shows_markup_as_text(study, run_cli):
    code, out, err = run_cli("report", study, "segments", "--code", "personal", "--coder", "alice")
    assert code == 0, err
    assert "[link](x)" in out and "<b>this</b>" in out and "*never*" in out


def test_frequencies_per_coder(study, run_cli):
    code, out, err = run_cli("report", study, "frequencies", "--format", "csv")
    assert code == 0, err
    by_code = {r["code"]: r for r in rows(out)}
    # alice coded 3 transcripts; motivation counts its children: personal x2 and duty
    m = by_code["motivation"]
    assert m["alice annotations"] == "3" and m["alice transcripts"] == "2" and float(m["alice % cases"]) == 66.7
    chars = (RENAL[1] - GRAN[0]) + (len(P2) - 1 - P2.index("I *never"))
    total = len(T) + len(P2) + len("Interviewer: Hello.\n\nCara: Nothing.\n")
    assert float(m["alice % chars"]) == round(100 * chars / total, 1)
    # turns: duty runs from Amara's first answer across the question to her second (turns 2-4 of P01),
    # personal touches Ben's turn in P02: 4 of the 8 turns of alice's three transcripts
    assert float(m["alice % turns"]) == 50.0
    # bob has a file for P01 only
    assert by_code["outreach"]["bob annotations"] == "1" and float(by_code["outreach"]["bob % cases"]) == 100.0
    _, out, _ = run_cli("report", study, "frequencies", "--format", "csv", "--exact")
    assert {r["code"]: r for r in rows(out)}["motivation"]["alice annotations"] == "0"


def test_frequencies_by_attribute_pools_coders(study, run_cli):
    code, out, err = run_cli("report", study, "frequencies", "--format", "csv", "--by", "group")
    assert code == 2 and "several coders (alice, bob) and no consensus" in err  # never pooled silently
    code, out, err = run_cli("report", study, "frequencies", "--format", "csv", "--by", "group", "--pool")
    assert code == 0, err
    assert "Coders pooled (--pool): alice, bob" in err
    personal = {r["code"]: r for r in rows(out)}["personal"]
    assert personal["control transcripts"] == "1" and float(personal["control % cases"]) == 50.0
    assert personal["intervention annotations"] == "2"
    code, _, err = run_cli("report", study, "frequencies", "--by", "age")
    assert code == 2 and "group" in err


def test_cooccurrence_span_counts_and_jaccard(study, run_cli):
    code, out, err = run_cli("report", study, "cooccurrence", "--format", "csv", "--coder", "alice,bob")
    assert code == 0, err
    pairs = {(r["code_a"], r["code_b"]): r for r in rows(out)}
    # alice: duty overlaps personal and curriculum; bob's outreach does not meet alice's spans
    assert pairs[("personal", "duty")]["count"] == "1"
    assert pairs[("duty", "curriculum")]["count"] == "1"
    assert ("personal", "outreach") not in pairs
    duty = RENAL[1] - GRAN[0]
    personal_chars = 2 * (GRAN[1] - GRAN[0]) + (len(P2) - 1 - P2.index("I *never"))
    shared = GRAN[1] - GRAN[0]
    assert float(pairs[("personal", "duty")]["jaccard"]) == round(shared / (duty + personal_chars - shared), 3)
    assert pairs[("personal", "personal")]["count"] == "3"


def test_cooccurrence_by_turn(study, run_cli):
    code, out, err = run_cli("report", study, "cooccurrence", "--unit", "turn", "--format", "csv", "--pool")
    assert code == 0, err
    pairs = {(r["code_a"], r["code_b"]): r for r in rows(out)}
    # alice's outreach and curriculum share Amara's last turn; bob's outreach alone
    assert pairs[("curriculum", "outreach")]["count"] == "1"
    assert pairs[("outreach", "outreach")]["count"] == "2"
    assert float(pairs[("curriculum", "outreach")]["jaccard"]) == 0.5


def test_crosstab_runs_fisher_on_small_2x2(study, run_cli):
    code, out, err = run_cli("report", study, "crosstab", "--by", "group", "--format", "csv", "--pool")
    assert code == 0, err
    personal = {r["code"]: r for r in rows(out)}["personal"]
    assert personal["control n"] == "1" and personal["intervention n"] == "1"
    assert personal["test"] == "Fisher exact" and float(personal["p"]) == 1.0
    assert run_cli("report", study, "crosstab")[0] == 2


def test_independence_test_choices():
    from scipy.stats import chi2_contingency, fisher_exact

    from tcoder.reports.crosstab import independence_test

    small = independence_test([[1, 5], [4, 0]])
    assert small["test"] == "Fisher exact" and small["p"] == pytest.approx(fisher_exact([[1, 5], [4, 0]])[1])
    big = independence_test([[30, 10], [20, 40]])
    assert big["test"] == "chi-square (Yates)"
    assert big["p"] == pytest.approx(chi2_contingency([[30, 10], [20, 40]])[1])
    three = independence_test([[2, 3, 30], [8, 2, 25]])
    assert three["test"] == "chi-square" and three["df"] == 2 and three["note"].startswith("warning")
    assert independence_test([[0, 0], [5, 5]])["test"] == ""


def test_markdown_escaping():
    from tcoder.reports.output import md_escape

    assert md_escape("a|b") == r"a\|b"
    assert md_escape("# not a heading") == r"\# not a heading"
    # CommonMark escapes punctuation only: '\1.' would show its backslash, '1\.' shows '1.'
    assert md_escape("- item\n1. two") == r"\- item<br>1\. two"
    assert md_escape("<script>&x") == r"\<script\>\&x"


def test_markdown_table_cells_keep_numbers_clean():
    import pandas as pd

    from tcoder.reports.output import md_table

    table = md_table(pd.DataFrame({"name": ["- not a list", "a|b"], "pct": [66.7, -0.5]}))
    assert "| - not a list | 66.7 |" in table and r"| a\|b | -0.5 |" in table
    assert "\\6" not in table and "\\-" not in table


def test_missing_study_and_plot_suffix(study, run_cli, tmp_path):
    assert run_cli("report", tmp_path / "none", "segments")[0] == 1
    code, _, err = run_cli("report", study, "frequencies", "--plot", tmp_path / "x.gif")
    assert code == 2 and ".png" in err

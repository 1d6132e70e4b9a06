"""The reflexive approach: agree shows overlap to discuss, never a reliability figure or verdict."""

from __future__ import annotations

import json

import pytest

from studykit import ALSO, CLINIC, END, GRAND, RENAL, SAW, STAYED
from tcoder.agreement.data import CodingData, TranscriptCoding
from tcoder.agreement.overlap import overlaps
from tcoder.settings import parse_settings
from tcoder.transcript import Transcript


def test_overlap_counts_by_hand():
    text = Transcript("x" * 100, name="t.txt")
    data = CodingData(["a", "b"], [TranscriptCoding(text, {
        "a": [("c", 0, 10), ("c", 5, 20), ("c", 50, 60), ("d", 0, 5)],
        "b": [("c", 15, 30), ("c", 70, 80)],
    })])
    rows = {(r.code, r.coder_a, r.coder_b): r for r in overlaps(data)}
    c = rows[("c", "a", "b")]
    # a covers [0, 20) and [50, 60): 30 characters; b covers [15, 30) and [70, 80): 25; both [15, 20): 5
    assert (c.both, c.only_a, c.only_b) == (5, 25, 20)
    assert (c.passages_a, c.met_a, c.passages_b, c.met_b) == (3, 1, 2, 1)  # only a's [5, 20) meets b's [15, 30)
    d = rows[("d", "a", "b")]
    assert (d.both, d.only_a, d.only_b, d.passages_b, d.met_a) == (0, 5, 0, 0, 0)


@pytest.fixture
def reflexive_study(mini_study):
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", GRAND, STAYED), ("curriculum", RENAL, ALSO)])
    mini_study.annotations("interviews/P01.txt", "bob", [("personal", SAW, STAYED), ("outreach", CLINIC, END)])
    (mini_study.root / "tcoder.yaml").write_text("approach: reflexive\n")
    return mini_study


def test_agree_shows_overlap_and_no_reliability(reflexive_study, run_cli):
    code, out, err = run_cli("agree", reflexive_study.root)
    assert code == 0, err
    assert "Material to discuss, not a reliability measure." in out
    assert "Personal experience" in out and f"{STAYED - SAW:,} (" in out
    for word in ("alpha", "reliable", "unreliable", "tentative", "Verdict", "disagree"):
        assert word not in out
    assert "not a measure of reliability" in err
    code, out, err = run_cli("agree", reflexive_study.root, "--format", "json")
    payload = json.loads(out)
    assert payload["approach"] == "reflexive" and "alpha" not in json.dumps(payload)
    personal = next(r for r in payload["codes"] if r["code"] == "personal")
    assert (personal["both"], personal["only_a"], personal["only_b"]) == (STAYED - SAW, SAW - GRAND, 0)


def test_reliability_options_say_they_are_not_used(reflexive_study, run_cli):
    code, out, err = run_cli("agree", reflexive_study.root, "--kappa", "--format", "md")
    assert code == 0, err
    assert "--kappa and --plot are for reliability" in err and "--format md writes a reliability report" in err
    assert "Material to discuss" in out and "kappa" not in out and "Inter-coder reliability" not in out


def test_the_approach_setting_is_checked():
    assert parse_settings("approach: reflexive\n", "tcoder.yaml").reflexive
    assert not parse_settings("approach: codebook\n", "tcoder.yaml").reflexive
    from tcoder.errors import CodebookError

    with pytest.raises(CodebookError, match="line 1, column 11.*'approach' is one of reliability, codebook, "
                                            "reflexive \\(did you mean 'reflexive'\\?\\)"):
        parse_settings("approach: reflexiv\n", "tcoder.yaml")

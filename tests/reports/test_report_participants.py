"""Reports by participant: a two-group outcome table of 200 participants checked against scipy,
focus groups whose speakers differ, a person in two transcripts, and coders never pooled silently."""

from __future__ import annotations

import csv
import io
import json
import random

import numpy as np
import pytest
from scipy.stats import chi2_contingency, ttest_ind
from scipy.stats.contingency import odds_ratio

from studykit import StudyBuilder

# Known outcome counts: participants whose turns carry the code, of 100 per arm.
WITH_CODE = {"control": 35, "intervention": 62}
CODEBOOK = """\
title: Outcomes
codes:
  - id: outcome
    name: Reports a change in practice
  - id: other
    name: Something else
"""


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    """20 focus groups of 10 participants (5 control and 5 intervention in each, so every group
    mixes arms), a moderator in each; the consensus codes one turn of each participant who has the
    outcome, and bob codes differently."""
    rng = random.Random(15)
    b = StudyBuilder(tmp_path_factory.mktemp("trial") / "study")
    b.codebook(CODEBOOK)
    people = [(f"c{i:03d}", "control") for i in range(100)] + [(f"i{i:03d}", "intervention") for i in range(100)]
    has = {pid for pid, arm in people if int(pid[1:]) < WITH_CODE[arm]}
    ages = {pid: 22 + rng.randrange(15) + (1 if arm == "intervention" else 0) for pid, arm in people}
    b.participants("participant,group,age,site\n" + "".join(
        f"{pid},{arm},{ages[pid]},{'north' if int(pid[1:]) % 2 else 'south'}\n" for pid, arm in people))
    speakers = ["transcript,speaker,participant,role"]
    for g in range(20):
        members = people[g * 5:g * 5 + 5] + people[100 + g * 5:100 + g * 5 + 5]
        lines = ["Moderator: What changed for you after the programme?", ""]
        for pid, _ in members:
            lines += [f"P{pid}: Something about my week, and the ward.", "",
                      "Moderator: Go on, please, tell us more about that outcome.", ""]
        text = "\n".join(lines) + "\n"
        name = f"groups/G{g:02d}.txt"
        b.transcript(name, text)
        speakers.append(f"{name},Moderator,,moderator")
        consensus, bob = [], []
        for pid, _ in members:
            speakers.append(f"{name},P{pid},{pid},participant")
            start = text.index(f"P{pid}: ") + len(f"P{pid}: ")
            end = text.index("\n", start)
            if pid in has:
                consensus.append(("outcome", start, end))
            else:
                bob.append(("outcome", start, end))
        # the moderator's prompts are coded too: they must not count for anyone
        prompt = text.index("Moderator: Go on")
        consensus.append(("outcome", prompt, prompt + 40))
        b.annotations(name, "consensus", consensus)
        b.annotations(name, "bob", bob)
    b.speakers("\n".join(speakers) + "\n")
    return b.root, ages


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_the_two_group_outcome_table_matches_scipy_to_full_precision(trial, run_cli):
    root, _ = trial
    code, out, err = run_cli("report", root, "crosstab", "--by", "group", "--code", "outcome", "--format", "csv")
    assert code == 0, err
    row = _rows(out)[0]
    table = np.array([[WITH_CODE["control"], WITH_CODE["intervention"]],
                      [100 - WITH_CODE["control"], 100 - WITH_CODE["intervention"]]])
    chi2, p, dof, _ = chi2_contingency(table)
    assert row["control n"] == "35" and row["intervention n"] == "62"
    assert row["control N"] == "100" and row["intervention N"] == "100"
    assert float(row["control %"]) == 35.0 and float(row["intervention %"]) == 62.0
    assert row["test"] == "chi-square (Yates)" and float(row["df"]) == dof == 1
    assert float(row["chi2"]) == chi2  # every digit: CSV keeps full precision
    assert float(row["p"]) == p and p < 0.001
    result = odds_ratio([[62, 38], [35, 65]], kind="sample")
    assert float(row["odds_ratio"]) == pytest.approx(result.statistic, rel=1e-15)
    interval = result.confidence_interval(0.95)
    assert float(row["or_ci_low"]) == pytest.approx(interval.low, rel=1e-15)
    assert float(row["risk_difference"]) == pytest.approx(0.27, abs=1e-15)
    assert "coders: consensus" in err.lower()  # CSV is data: which coders goes beside it

    code, out, err = run_cli("report", root, "crosstab", "--by", "group", "--code", "outcome", "--format", "json")
    payload = json.loads(out)
    (entry,) = payload["rows"]
    assert entry["chi2"] == chi2 and entry["p"] == p and entry["df"] == 1
    assert any("participants by group" in n for n in payload["notes"])

    code, out, err = run_cli("report", root, "crosstab", "--by", "group", "--code", "outcome")
    line = next(l for l in out.splitlines() if "Reports a change" in l)
    assert "35 (35.0)" in line and "62 (62.0)" in line and "< .001" in line and f"{chi2:.2f} (1)" in line
    assert "0.27 [" in line  # the risk difference with its interval
    assert "Cases: participants by group (participant attribute): control 100, intervention 100." in out
    assert "Coders: consensus" in out
    assert "Left out of these counts: 220 turns of speakers who are not participants" in " ".join(out.split())


def test_moderator_turns_count_when_asked(trial, run_cli):
    root, _ = trial
    code, out, err = run_cli("report", root, "frequencies", "--by", "group", "--format", "csv",
                             "--code", "outcome")
    row = _rows(out)[0]
    assert row["control participants"] == "35" and row["intervention participants"] == "62"
    # the coded prompts are the moderator's: no participant has them, and no group's turns include them
    assert row["control annotations"] == "35" and float(row["control % turns"]) == 35.0
    code, out, err = run_cli("report", root, "frequencies", "--format", "csv", "--code", "outcome",
                             "--leave-out", "none")
    row = _rows(out)[0]
    assert row["consensus annotations"] == str(35 + 62 + 20)


def test_table_one_matches_scipy(trial, run_cli):
    root, ages = trial
    code, out, err = run_cli("report", root, "cases", "--by", "group", "--format", "csv")
    assert code == 0, err
    rows = {(r["attribute"], r["level"]): r for r in _rows(out)}
    control = [a for p, a in ages.items() if p.startswith("c")]
    intervention = [a for p, a in ages.items() if p.startswith("i")]
    age = rows[("age", "")]
    result = ttest_ind(control, intervention, equal_var=False)
    assert float(age["statistic"]) == result.statistic and float(age["p"]) == result.pvalue
    assert float(age["control mean"]) == np.mean(control) and float(age["control sd"]) == np.std(control, ddof=1)
    site = rows[("site", "north")]
    assert site["control n"] == "50" and float(site["control %"]) == 50.0
    assert site["test"] == "chi-square (Yates)" and float(site["p"]) == chi2_contingency([[50, 50], [50, 50]])[1]
    code, out, err = run_cli("report", root, "cases", "--by", "group")
    assert "control\n" not in out and "(n = 100)" in out and "age, mean ± SD" in out
    code, out, err = run_cli("report", root, "cases", "--by", "group", "--median")
    assert "age, median [IQR]" in out and "Mann-Whitney U" in out


FG = """\
Moderator: Who wants to start?

Ana: I do. Curriculum work, mostly.

Ben: Not me. I kept my head down.

Cy: The clinic days, for me.

Moderator: And since then?

Ana: The same, and the clinic.
"""


@pytest.fixture
def focus(study_builder):
    b = study_builder
    b.codebook()
    b.transcript("FG1.txt", FG)
    b.transcript("P01.txt", "Interviewer: Hello.\n\nAna: The renal block again.\n")
    b.participants("participant,gender,year\nana,woman,MS3\nben,man,MS2\ncy,woman,MS2\n")
    b.speakers("transcript,speaker,participant,role\nFG1,Moderator,,moderator\nFG1,Ana,ana,participant\n"
               "FG1,Ben,ben,participant\nFG1,Cy,cy,participant\nP01,Interviewer,,interviewer\n"
               "P01,Ana,ana,participant\n")
    b.attributes("transcript,gender\nFG1,mixed\nP01,woman\n")
    curriculum = FG.index("Curriculum")
    clinic = FG.index("The clinic days")
    b.annotations("FG1.txt", "consensus", [("curriculum", curriculum, curriculum + 10),
                                           ("outreach", clinic, clinic + 15),
                                           ("outreach", FG.index("And since"), FG.index("And since") + 9)])
    p01 = "Interviewer: Hello.\n\nAna: The renal block again.\n"
    b.annotations("P01.txt", "consensus", [("curriculum", p01.index("The renal"), len(p01) - 1)])
    b.annotations("FG1.txt", "alice", [("duty", FG.index("Not me"), FG.index("Not me") + 6)])
    return b.root


def test_a_focus_group_whose_speakers_differ(focus, run_cli):
    code, out, err = run_cli("report", focus, "frequencies", "--by", "gender", "--format", "csv")
    assert code == 0, err
    rows = {r["code"]: r for r in _rows(out)}
    # outreach: Cy (a woman) in FG1; the moderator's coded prompt belongs to nobody
    assert rows["outreach"]["woman participants"] == "1" and rows["outreach"]["man participants"] == "0"
    assert float(rows["outreach"]["woman % cases"]) == 50.0
    # a participant in two transcripts is one case: Ana has curriculum in both
    assert rows["curriculum"]["woman participants"] == "1" and rows["curriculum"]["woman annotations"] == "2"
    # transcript.gender still counts transcripts
    code, out, err = run_cli("report", focus, "frequencies", "--by", "transcript.gender", "--format", "csv")
    rows = {r["code"]: r for r in _rows(out)}
    assert rows["curriculum"]["mixed transcripts"] == "1" and rows["curriculum"]["woman transcripts"] == "1"
    code, out, err = run_cli("report", focus, "frequencies", "--by", "gendr")
    assert code == 2 and "participant attributes: gender, year; transcript attributes: gender" in err


def test_segments_name_the_participant_and_cite_their_attributes(focus, run_cli):
    code, out, err = run_cli("report", focus, "segments", "--format", "csv")
    assert code == 0, err
    rows = _rows(out)
    assert list(rows[0])[:7] == ["transcript", "coder", "code", "code_name", "speaker", "participant", "role"]
    cy = next(r for r in rows if r["speaker"] == "Cy")
    assert cy["participant"] == "cy" and cy["role"] == "participant" and cy["gender"] == "woman"
    moderator = next(r for r in rows if r["speaker"] == "Moderator")
    assert moderator["role"] == "moderator" and moderator["gender"] == "mixed"  # the transcript's value
    code, out, err = run_cli("report", focus, "segments", "--format", "md", "--cite", "year,gender")
    assert code == 0, err
    assert "— Ana, MS3, woman (FG1.txt, line 3, characters" in out
    code, out, err = run_cli("report", focus, "segments", "--cite", "age")
    assert code == 2 and "--cite: no participant or transcript attribute 'age'" in err


def test_coders_are_never_pooled_silently(focus, run_cli):
    code, out, err = run_cli("report", focus, "crosstab", "--by", "gender")
    assert code == 0 and "Coders: consensus, the agreed version (alice left out; --coder or --pool choose them)." \
        in " ".join(out.split())
    code, out, err = run_cli("report", focus, "crosstab", "--by", "gender", "--pool", "--format", "md")
    assert "Coders pooled (--pool): alice; a passage counts once if any of them coded it; consensus left out." in out
    code, out, err = run_cli("report", focus, "crosstab", "--by", "gender", "--coder", "alice,consensus")
    assert "Coders pooled (--coder): alice, consensus" in " ".join(out.split())


def test_frequencies_with_several_coders_fit_120_columns(focus, run_cli, monkeypatch):
    for coder in ("bob", "carol", "dana"):
        StudyBuilder(focus).annotations("FG1.txt", coder, [("duty", 10, 20)])
    monkeypatch.setattr("tcoder.reports.output._width", lambda: 120)  # a 120-column terminal
    code, out, err = run_cli("report", focus, "frequencies", "--coder", "alice,bob,carol,dana,consensus")
    assert code == 0, err
    lines = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
    assert max(len(l) for l in lines) <= 120
    assert any("Professional duty" in l and "alice" in l for l in lines)  # one row per code and coder
    assert sum("carol" in l for l in lines) == 9  # each of the 9 codes, nothing folded


def test_p_values_for_print():
    from tcoder.reports.stats import format_p

    assert [format_p(p) for p in (0.0002, 0.001, 0.0316, 0.5, 1.0, float("nan"))] == \
        ["< .001", ".001", ".032", ".500", "1.000", ""]


def test_segments_by_a_transcript_attribute_that_participants_also_have(focus, run_cli):
    code, out, err = run_cli("report", focus, "segments", "--format", "md", "--by", "transcript.gender")
    assert code == 0, err
    curriculum, outreach = out.split("### Strategies / Community outreach")
    assert "#### gender: mixed (1)" in curriculum and "#### gender: woman (1)" in curriculum  # FG1 and P01
    assert "#### gender: mixed (2)" in outreach  # Cy and the moderator, both in FG1
    code, out, err = run_cli("report", focus, "segments", "--format", "md", "--by", "gender")
    curriculum, outreach = out.split("### Strategies / Community outreach")
    assert "#### gender: woman (2)" in curriculum  # Ana, in both transcripts
    assert "#### gender: woman (1)" in outreach and "#### gender: mixed (1)" in outreach  # Cy; the moderator


def test_values_written_like_the_names_of_missing_ones_are_quoted(tmp_path, run_cli):
    """A group written "(no value)" is not the cases without a group, and a value written
    "(missing)" is not the row counting the cases without one: Table 1 and the segments
    grouped by the attribute quote them."""
    b = StudyBuilder(tmp_path / "study")
    b.codebook(CODEBOOK)
    text = "Moderator: How was it?\n\nAna: Good.\n\nBen: Bad.\n\nCy: Fine.\n"
    b.transcript("FG1.txt", text)
    b.participants("participant,group,site\nana,(no value),(missing)\nben,control,\ncy,,north\n")
    b.speakers("transcript,speaker,participant,role\nFG1.txt,Moderator,,moderator\n"
               "FG1.txt,Ana,ana,participant\nFG1.txt,Ben,ben,participant\nFG1.txt,Cy,cy,participant\n")
    b.annotations("FG1.txt", "consensus", [("outcome", text.index("Good"), text.index("Good") + 4),
                                           ("outcome", text.index("Fine"), text.index("Fine") + 4)])
    code, out, err = run_cli("report", b.root, "cases", "--by", "group", "--format", "csv")
    assert code == 0, err
    levels = [(r["attribute"], r["level"]) for r in _rows(out)]
    assert levels == [("site", '"(missing)"'), ("site", "(missing)")]
    code, out, err = run_cli("report", b.root, "cases", "--by", "group", "--format", "md")
    assert '| characteristic | "(no value)"<br>(n = 1) | control<br>(n = 1) |' in out
    indent = "\u00a0\u00a0"  # levels are indented under their characteristic
    assert f'| {indent}"(missing)" | 1 (100.0) | 0 |' in out and f"| {indent}(missing) | 0 | 1 |" in out
    assert 'Cases: participants by group (participant attribute): "(no value)" 1, control 1.' in out
    assert "1 case without a value for group left out." in out
    code, out, err = run_cli("report", b.root, "segments", "--by", "group", "--format", "md")
    assert code == 0, err
    assert '#### group: "(no value)" (1)' in out and "#### group: (no value) (1)" in out

"""The themes file, theme changes and their history, and the theme and memo commands."""

from __future__ import annotations

import json

import pytest

from tcoder import themeops
from tcoder.check import check_study
from tcoder.study import open_study
from tcoder.themelog import history_path, read_history, record
from tcoder.themes import (
    Theme,
    ThemeFile,
    ThemeFileError,
    dumps_themes,
    find_cycles,
    parse_themes,
    read_themes,
    theme_problems,
)

THEMES = """\
# Our candidate themes, after the first pass
title: Themes
themes:
  - id: waiting
    name: The institution says no by waiting
    status: candidate
    concept: "Delay is refusal: nobody says no."
    definition: |
      Participants describe delay as the form refusal takes.
      Not one meeting says no.
    codes:
      - institutional-resistance
      - disillusionment
    subthemes:
      - looping-in
  # a comment about looping in, kept
  - id: looping-in
    name: Looping in
    status: reviewed
    codes: [institutional-resistance]
    colour: teal
"""


def test_the_themes_file_round_trips_byte_for_byte():
    themes = parse_themes(THEMES, "themes.yaml")
    assert list(themes.themes) == ["waiting", "looping-in"]
    waiting = themes["waiting"]
    assert waiting.concept == "Delay is refusal: nobody says no."
    assert waiting.definition.endswith("Not one meeting says no.\n")
    assert themes["looping-in"].extra == {"colour": "teal"}
    assert themes.parent_of("looping-in") == "waiting" and themes.roots == ["waiting"]
    assert dumps_themes(themes) == THEMES


def test_a_change_rewrites_only_its_theme():
    themes = parse_themes(THEMES, "themes.yaml")
    change = themeops.set_status(themes, "waiting", "reviewed", who="alice", why="checked against the data")
    text = dumps_themes(change.themes)
    assert text.replace("status: reviewed\n    concept", "status: candidate\n    concept") == THEMES
    change = themeops.link_codes(themes, "looping-in", ["emotional-toll"], who="bob")
    text = dumps_themes(change.themes)
    assert text.startswith(THEMES[:THEMES.index("  - id: looping-in")])  # the other theme and the comment kept
    assert "    codes:\n      - institutional-resistance\n      - emotional-toll\n    colour: teal\n" in text
    assert parse_themes(text)["looping-in"].codes == ["institutional-resistance", "emotional-toll"]


def test_new_themes_file_and_every_change(tmp_path):
    path = tmp_path / "themes.yaml"
    themes = read_themes(path)
    assert len(themes) == 0
    steps = [
        lambda t: themeops.new_theme(t, "Costs of the work", codes=["emotional-toll"], who="alice", why="FG2"),
        lambda t: themeops.new_theme(t, "Minority tax", parent="costs-of-the-work", who="alice"),
        lambda t: themeops.rename(t, "minority-tax", "The minority tax", who="bob"),
        lambda t: themeops.set_text(t, "costs-of-the-work", "definition", "What it costs.\nAnd who pays.", who="bob"),
        lambda t: themeops.set_text(t, "costs-of-the-work", "concept", "Activism is paid for by the few"),
        lambda t: themeops.unlink_codes(t, "costs-of-the-work", ["emotional-toll"]),
        lambda t: themeops.move(t, "minority-tax", None),
        lambda t: themeops.delete(t, "costs-of-the-work", why="folded into another theme"),
    ]
    for step in steps:
        change = step(read_themes(path))
        record(change, path)
    final = read_themes(path)
    assert list(final.themes) == ["minority-tax"] and final["minority-tax"].name == "The minority tax"
    history = read_history(history_path(path))
    assert [e["op"] for e in history.entries] == ["new", "new", "rename", "define", "concept", "unlink", "move",
                                                 "delete"]
    deleted = history.entries[-1]
    assert deleted["definition"] == "What it costs.\nAnd who pays.\n" and deleted["why"] == "folded into another theme"
    lines = history_path(path).read_text().splitlines()
    assert lines[0].startswith("#") and all(line.startswith("- {") for line in lines[2:])


def test_changes_are_refused_when_they_make_no_sense(tmp_path):
    themes = parse_themes(THEMES, tmp_path / "themes.yaml")
    with pytest.raises(themeops.ThemeChangeError, match="inside itself"):
        themeops.move(themes, "waiting", "looping-in")
    with pytest.raises(themeops.ThemeChangeError, match="already"):
        themeops.set_status(themes, "waiting", "candidate")
    with pytest.raises(themeops.ThemeChangeError, match="no theme 'wating'.*did you mean 'waiting'"):
        themeops.rename(themes, "wating", "x")
    with pytest.raises(themeops.ThemeChangeError, match="not one of"):
        themeops.set_status(themes, "waiting", "done")
    with pytest.raises(themeops.ThemeChangeError, match="no code 'nope'"):
        themeops.link_codes(themes, "waiting", ["nope"], known_codes={"disillusionment"})


def test_a_themes_file_changed_meanwhile_is_not_written_over(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text(THEMES)
    change = themeops.set_status(read_themes(path), "waiting", "final")
    path.write_text(THEMES + "  - id: added-by-hand\n")
    with pytest.raises(ThemeFileError, match="changed on disk"):
        record(change, path)
    assert path.read_text().endswith("added-by-hand\n") and not history_path(path).exists()


def test_cycles_unknown_codes_and_sub_themes_are_reported_with_places():
    text = """\
themes:
  - id: a
    codes: [institutional-resistance, no-such-code]
    subthemes: [b]
  - id: b
    subthemes: [c]
  - id: c
    subthemes:
      - a
      - ghost
  - id: d
    subthemes: [c]
"""
    themes = parse_themes(text, "themes.yaml")
    assert find_cycles(themes) == [["a", "b", "c"]]
    problems = {(p.line, p.column): p.message for p in theme_problems(themes, {"institutional-resistance"})}
    assert "'no-such-code', which is not in the codebook" in problems[(3, 39)]
    assert "cycle: a -> b -> c -> a" in problems[(4, 17)]
    assert "'ghost', which is not a theme" in problems[(10, 9)]
    assert "sub-theme of both 'b' and 'd'" in problems[(12, 17)]


@pytest.mark.parametrize("text, line, column, words", [
    ("themes:\n  - id: a\n  - id: a\n", 3, 9, "two themes have the id 'a'"),
    ("themes:\n  - name: no id\n", 2, 5, "without an 'id'"),
    ("themes:\n  - id: a\n    status: finished\n", 3, 13, "not one of"),
    ("themes: {a: 1}\n", 1, 9, "must be a list"),
    ("themes:\n  - id: a\n   name: x\n", 3, 4, "YAML syntax error"),
])
def test_broken_themes_files(text, line, column, words):
    with pytest.raises(ThemeFileError) as exc:
        parse_themes(text, "themes.yaml")
    problem = exc.value.problems[0]
    assert (problem.line, problem.column) == (line, column) and words in problem.message, problem


def test_check_reports_theme_problems(sample_study):
    (sample_study / "themes.yaml").write_text("themes:\n  - id: a\n    codes: [institutional-resistence]\n"
                                              "    subthemes: [a]\n")
    report = check_study(open_study(sample_study))
    messages = [str(p) for p in report.errors]
    assert any("themes.yaml, line 3, column 13" in m and "did you mean 'institutional-resistance'" in m
               for m in messages)
    assert any("its own sub-theme" in m for m in messages)
    assert report.themes == 1


def test_unknown_fields_are_kept_through_a_change():
    themes = ThemeFile()
    themes.themes["a"] = Theme("a", "A", extra={"notes": {"by": "bob"}})
    text = dumps_themes(themes)
    change = themeops.rename(parse_themes(text), "a", "Alpha")
    assert parse_themes(dumps_themes(change.themes))["a"].extra == {"notes": {"by": "bob"}}


# ---------------------------------------------------------------- the commands


def test_theme_and_memo_commands(sample_study, run_cli, monkeypatch):
    monkeypatch.setenv("TCODER_CODER", "alice")
    study = str(sample_study)
    code, out, err = run_cli("theme", "new", study, "Saying no by waiting", "--code", "Institutional resistance",
                             "--why", "P01 and FG2")
    assert code == 0, err
    assert run_cli("theme", "link", study, "saying-no-by-waiting", "disillusionment")[0] == 0
    assert run_cli("theme", "status", study, "Saying no by waiting", "reviewed", "--why", "checked")[0] == 0
    code, out, err = run_cli("theme", "list", study)
    assert "Saying no by waiting [reviewed]" in out and "Institutional resistance, Disillusionment" in out
    code, out, err = run_cli("theme", "log", study, "saying-no-by-waiting", "--format", "json")
    assert [e["op"] for e in json.loads(out)] == ["new", "link", "status"]
    code, out, err = run_cli("memo", "new", study, "theme", "--theme", "saying-no-by-waiting",
                             "--text", "Delay as the answer.", "--title", "Why waiting")
    assert code == 0, err
    code, out, err = run_cli("memo", "new", study, "passage", "--passage", "P01:It was the best advice",
                             "--text", "The agenda.")
    assert code == 0, err
    code, out, err = run_cli("memo", "list", study, "--theme", "saying-no-by-waiting", "--format", "json")
    assert [m["title"] for m in json.loads(out)] == ["Why waiting"]
    code, out, err = run_cli("memo", "show", study, "why waiting")
    assert code == 0 and "theme saying-no-by-waiting (Saying no by waiting, reviewed)" in out
    assert "Delay as the answer." in out
    code, out, err = run_cli("theme", "show", study, "saying-no-by-waiting")
    assert "Why waiting" in out and "status of saying-no-by-waiting: candidate -> reviewed - checked" in out
    code, out, err = run_cli("memo", "new", study, "code", "--text", "x")
    assert code == 2 and "needs --code" in err
    code, out, err = run_cli("check", study)
    assert code == 0, err
    assert "Memos       9 memos, 3 journal entries; themes: 7" in out  # the sample's own, and these

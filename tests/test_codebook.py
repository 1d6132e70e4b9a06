"""Codebook parsing and validation (docs/formats.md#the-codebook)."""

from __future__ import annotations

import pytest

from studykit import MINI_CODEBOOK, REPO
from tcoder.codebook import (
    COMMAND_KEYS,
    PALETTE,
    codebook_to_yaml,
    command_for_key,
    load_codebook,
    parse_codebook,
)
from tcoder.errors import CodebookError

FULL = """\
title: Medical learners' anti-racist activism
description: Two sentences.
codes:
  - id: motivation              # a theme
    name: Motivations for engagement
    description: Why the learner became involved.
    include: Reasons, triggers, personal history.
    exclude: Descriptions of activities (use `strategy`).
    examples: ["I saw how my grandmother was treated..."]
    color: "#0072B2"
    codes:
      - id: personal-discrimination
        name: Personal experience of discrimination
        key: p
      - id: duty
        key: D
        colour: "#abc"
  - id: stance
    name: Stance toward curriculum reform
    exclusive: true
    level: ordinal
    codes:
      - {id: stance-against, name: Against, value: 1, key: "1"}
      - {id: stance-neutral, name: Neutral, value: 2, key: 2}
      - {id: stance-for, name: For, value: 3.5, key: "3"}
  - id: role
    exclusive: true
    codes:
      - {id: role-student}
      - {id: role-resident}
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(CodebookError) as exc:
        parse_codebook(text, "codebook.yaml")
    return [str(p) for p in exc.value.problems]


def test_full_codebook():
    cb = parse_codebook(FULL, "codebook.yaml")
    assert list(cb.codes) == ["motivation", "personal-discrimination", "duty", "stance", "stance-against",
                              "stance-neutral", "stance-for", "role", "role-student", "role-resident"]
    m = cb["motivation"]
    assert m.name == "Motivations for engagement"
    assert m.include.startswith("Reasons") and m.exclude.startswith("Descriptions")
    assert m.examples == ("I saw how my grandmother was treated...",)
    assert m.color == "#0072B2" and m.children == ["personal-discrimination", "duty"]
    assert cb["duty"].name == "duty"  # name defaults to the id
    assert cb["duty"].color == "#AABBCC"  # 'colour' accepted, #rgb expanded
    assert cb["duty"].key == "D" and cb.by_key["p"].id == "personal-discrimination"
    assert [d.id for d in cb.domains] == ["stance", "role"]
    assert cb["stance"].level == "ordinal" and cb["role"].level == "nominal"
    assert [cb[c].value for c in cb["stance"].children] == [1, 2, 3.5]
    assert cb.domain_of("stance-for") is cb["stance"] and cb.domain_of("duty") is None
    assert cb.theme_of("duty").id == "motivation"
    assert cb.descendants("motivation") == ["motivation", "personal-discrimination", "duty"]
    assert cb.path_of("duty") == "Motivations for engagement / duty"
    assert cb.sort_key("stance") < cb.sort_key("role") < cb.sort_key("not-a-code")


def test_codes_without_colour_get_distinct_palette_colours():
    cb = parse_codebook(FULL)
    given = {"#0072B2", "#AABBCC"}
    filled = [c.color for c in cb if not c.color_given]
    assert len(set(filled)) == len(filled)
    assert not set(filled) & given
    assert all(c in PALETTE for c in filled)


def test_palette_stays_distinct_in_a_256_colour_terminal():
    from rich.color import Color, ColorSystem

    reduced = [Color.parse(c).downgrade(ColorSystem.EIGHT_BIT).number for c in PALETTE]
    assert len(set(reduced)) == len(PALETTE)


def test_command_keys_never_use_letters_or_digits():
    for command, keys in COMMAND_KEYS.items():
        for key in keys:
            assert not (len(key) == 1 and key.isalnum()), (command, key)


def test_command_for_key_knows_characters_and_key_names():
    assert command_for_key("/") == "search"
    assert command_for_key("slash") == "search"
    assert command_for_key("ctrl+q") == "quit"
    assert command_for_key("p") is None


def test_shipped_codebooks_are_valid():
    for path in sorted((REPO / "codebooks").glob("*.yaml")):
        assert len(load_codebook(path)) > 0, path


def test_yaml_round_trip():
    cb = parse_codebook(FULL)
    again = parse_codebook(codebook_to_yaml(cb))
    for a, b in zip(cb, again, strict=True):
        assert (a.id, a.name, a.description, a.include, a.exclude, a.examples, a.key, a.parent, a.exclusive,
                a.level, a.value) == (b.id, b.name, b.description, b.include, b.exclude, b.examples, b.key,
                                      b.parent, b.exclusive, b.level, b.value)
        assert a.color == b.color or not a.color_given


# ------------------------------------------------------------------ bad input


def test_yaml_syntax_error_names_line_and_column():
    (p,) = _problems("codes:\n  - id: a\n   name: b\n")
    assert p.startswith("codebook.yaml, line 3, column 4: YAML syntax error")


def test_tab_indentation_is_a_syntax_error():
    (p,) = _problems("codes:\n\t- id: a\n")
    assert "line 2" in p and "YAML syntax error" in p


def test_object_building_tags_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    text = f"codes:\n  - id: !!python/object/apply:os.system ['touch {marker}']\n"
    (p,) = _problems(text)
    assert "line 2, column 9" in p and "not allowed" in p
    assert not marker.exists()


@pytest.mark.parametrize("tag", ["!!python/name:os.system", "!custom", "!!binary aGk="])
def test_any_non_plain_tag_is_refused(tag):
    (p,) = _problems(f"codes:\n  - id: a\n    name: {tag}\n")
    assert "not allowed" in p


def test_duplicate_ids():
    (p,) = _problems("codes:\n  - id: a\n    codes:\n      - id: a\n")
    assert "line 4, column 13" in p and "duplicate code id 'a' (first defined on line 2)" in p


def test_duplicate_keys():
    (p,) = _problems("codes:\n  - {id: a, key: x}\n  - {id: b, key: x}\n")
    assert "line 3" in p and "key 'x' is used twice" in p


@pytest.mark.parametrize("key, command", [("/", "search"), ("?", "help"), (".", "select_sentence"),
                                          ("[", "previous_annotation"), ("ctrl+q", "quit"), ("space", "pick_code")])
def test_keys_kept_by_the_tui(key, command):
    (p,) = _problems(f"codes:\n  - {{id: a, key: '{key}'}}\n")
    assert f"kept by tcoder for the command '{command}'" in p


@pytest.mark.parametrize("key", ["ab", "é", "-", "F1"])
def test_keys_must_be_one_letter_or_digit(key):
    (p,) = _problems(f"codes:\n  - {{id: a, key: '{key}'}}\n")
    assert "one letter or digit" in p or "kept by tcoder" in p


def test_unknown_field_suggests_the_nearest():
    (p,) = _problems("codes:\n  - id: a\n    descripton: x\n")
    assert "line 3, column 5" in p and "unknown field 'descripton'" in p and "did you mean 'description'" in p


def test_unknown_top_level_field():
    (p,) = _problems("titel: x\ncodes:\n  - id: a\n")
    assert "did you mean 'title'" in p


def test_duplicate_field_in_one_code():
    (p,) = _problems("codes:\n  - id: a\n    name: x\n    name: y\n")
    assert "'name' appears twice" in p and "line 4" in p


def test_code_without_id():
    (p,) = _problems("codes:\n  - name: Institutional resistance\n")
    assert "line 2" in p and "without an 'id'" in p and "Institutional resistance" in p


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
def test_non_numeric_value_in_a_metric_domain(level):
    text = f"codes:\n  - id: d\n    exclusive: true\n    level: {level}\n    codes:\n      - {{id: x, value: high}}\n"
    (p,) = _problems(text)
    assert "line 6" in p and "must be a number" in p and level in p


def test_missing_value_in_an_ordinal_domain():
    (p,) = _problems("codes:\n  - id: d\n    exclusive: true\n    level: ordinal\n    codes:\n      - id: x\n")
    assert "needs a numeric 'value'" in p


def test_level_outside_a_domain_and_unknown_level():
    assert "only applies to an exclusive domain" in _problems("codes:\n  - {id: a, level: ordinal}\n")[0]
    assert "did you mean 'ordinal'" in _problems(
        "codes:\n  - id: d\n    exclusive: true\n    level: ordnal\n    codes: [{id: x}]\n")[0]


def test_bad_colour():
    (p,) = _problems("codes:\n  - {id: a, color: '#12'}\n")
    assert "not a colour" in p and "line 2" in p


def test_several_problems_are_all_reported():
    problems = _problems("codes:\n  - {id: a, key: x}\n  - {id: a}\n  - {id: b, key: x, foo: 1}\n")
    assert len(problems) == 3


@pytest.mark.parametrize("text, message", [
    ("", "a codebook is a YAML mapping"),
    ("- id: a\n", "a codebook is a YAML mapping"),
    ("title: x\n", "has no 'codes:' list"),
    ("codes: motivation\n", "'codes' must be a list"),
    ("codes:\n  - just a string\n", "each code must be a mapping"),
    ("codes:\n  - {id: 'has space'}\n", "is not valid"),
    ("codes:\n  - {id: d, exclusive: true}\n", "has no codes"),
    ("codes:\n  - {id: d, exclusive: yes please}\n", "must be true or false"),
    ("codes:\n  - {id: a, value: 3}\n", "only applies to codes inside an exclusive domain"),
])
def test_structural_errors(text, message):
    assert any(message in p for p in _problems(text))


def test_load_codebook_errors_name_the_file(tmp_path):
    with pytest.raises(CodebookError, match="codebook not found"):
        load_codebook(tmp_path / "missing.yaml")
    bad = tmp_path / "cb.yaml"
    bad.write_bytes(b"codes:\n  - id: caf\xe9\n")
    with pytest.raises(CodebookError, match="not UTF-8"):
        load_codebook(bad)


def test_mini_codebook_fixture_is_valid():
    cb = parse_codebook(MINI_CODEBOOK)
    assert set(cb.by_key) == {"p", "d", "a", "o", "1", "2"}



def test_codebooks_folder_holds_the_sample_study_codebook():
    assert (REPO / "codebooks" / "activism.yaml").read_bytes() == \
        (REPO / "sample_data" / "activism-study" / "codebook.yaml").read_bytes()


def test_a_ratio_domain_refuses_negative_values():
    text = ("codes:\n  - id: d\n    exclusive: true\n    level: ratio\n    codes:\n"
            "      - {id: minus, value: -2}\n      - {id: plus, value: 2}\n")
    (p,) = _problems(text)
    assert "line 6" in p and "'minus'" in p and "0 or more" in p and "level: interval" in p
    from tcoder.codebook import parse_codebook

    assert parse_codebook(text.replace("level: ratio", "level: interval"), "codebook.yaml")["minus"].value == -2


# ------------------------------------------------------------------ hostile YAML


def _laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        name, previous = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "title: laughs\n" + "\n".join(lines).replace("a: &a", "x: &a", 1) + "\ncodes: []\n"


def test_a_billion_laughs_codebook_is_refused_at_once():
    import time

    started = time.perf_counter()
    problems = _problems(_laughs())
    assert time.perf_counter() - started < 10  # it never ended before
    assert any("aliases (*name) expand to more than" in p and "billion laughs" in p for p in problems), problems


def test_aliases_that_repeat_a_little_are_still_fine():
    text = ("title: t\ncommon: &c {description: shared}\ncodes:\n  - id: a\n    description: &d Same words\n"
            "  - id: b\n    description: *d\n")
    problems = _problems(text)
    assert not any("aliases" in p for p in problems)


@pytest.mark.parametrize("text", [
    "codes: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "codes: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n",
    # block nesting grows as the square of the depth: 700 levels are already 500 kB
    "codes:\n" + "".join("  " * i + "- x:\n" for i in range(700)),
], ids=["flow lists", "flow mappings", "block"])
def test_twenty_thousand_levels_of_nesting_are_a_clear_error(text):
    problems = _problems(text)
    assert any("nest" in p for p in problems), problems


def test_a_5000_digit_integer_is_refused_with_its_place():
    (problem,) = _problems("codes:\n  - id: d\n    exclusive: true\n    level: interval\n    codes:\n"
                           f"      - {{id: a, value: {'9' * 5000}}}\n")
    assert "codebook.yaml, line 6" in problem and "a whole number of 5,000 digits" in problem


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio", "nominal"])
@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
def test_nan_and_infinite_domain_values_are_refused(level, value):
    problems = _problems(f"codes:\n  - id: d\n    exclusive: true\n    level: {level}\n    codes:\n"
                         f"      - {{id: a, value: 1}}\n      - {{id: b, value: {value}}}\n")
    assert any(f"value {value!r} of 'b' is not a finite number" in p and "line 7" in p for p in problems), problems


@pytest.mark.parametrize("text, shown", [
    ("codes:\n  - id: {a: 1}\n", "a code's 'id' must be one word, not {a: 1}"),
    ("codes:\n  - id: [x, y]\n", "a code's 'id' must be one word, not [x, y]"),
    ("codes:\n  - {id: a, key: [q, r]}\n", "must be one letter or digit, not [q, r]"),
    ("codes:\n  - {id: a, color: {r: 1}}\n", "colour {r: 1} of code 'a' is not a colour"),
    ("codes:\n  - {id: d, exclusive: true, level: [x], codes: [{id: e}]}\n", "level [x] is not one of"),
])
def test_messages_show_values_as_written_never_internal_objects(text, shown):
    problems = _problems(text)
    assert any(shown in p for p in problems), problems
    assert not any("YNode" in p or "Mark(" in p for p in problems), problems


def test_a_lone_surrogate_escape_is_refused_by_either_yaml_parser(monkeypatch):
    import yaml

    text = 'codes:\n  - {id: a, name: "caf\\ud800"}\n'
    assert any("line 2" in p for p in _problems(text))
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)  # PyYAML without libyaml
    problems = _problems(text)
    assert any("lone surrogate" in p and "line 2" in p for p in problems), problems


def test_deep_nesting_is_a_clear_error_without_libyaml_too(monkeypatch):
    import yaml

    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    problems = _problems("codes: " + "[" * 20_000 + "]" * 20_000 + "\n")
    assert any("nests too deeply" in p for p in problems), problems

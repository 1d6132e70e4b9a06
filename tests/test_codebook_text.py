"""Editing codebook.yaml in place: only the lines an edit is about change."""

from __future__ import annotations

import difflib
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from studykit import MINI_CODEBOOK, SAMPLE_STUDY
from tcoder.codebook import parse_codebook
from tcoder.codebook_text import CodebookText, EditError


def template(name: str) -> str:
    """A codebook shipped with tcoder (tcoder init writes them)."""
    from importlib import resources

    return resources.files("tcoder").joinpath("data", name).read_text(encoding="utf-8")


HAND_WRITTEN = """\
# Codebook of the pilot study (v3, after the March meeting)
title: "Pilot: learners' activism"
codes:
  # ---- Theme 1 ----------------------------------------------------------
  - id: motivation              # never change ids
    name: Motivations
    description: >-
      Why the participant became involved,
      in their own words.
    codes:
      - id: personal
        name: 'Personal experience'
        key: p                  # p for personal
        examples:
          - "I saw how my grandmother was treated."

      - {id: duty, name: "Professional duty", key: d}
      # the next one is new in v3
      - id: community
        name: Ties to a community

  # ---- Theme 2 ----------------------------------------------------------
  - id: strategy
    name: Strategies
    codes:
      - {id: curriculum, name: Curriculum advocacy, key: a}
# end of codebook
"""


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """Lines removed from ``before`` and lines added in ``after``."""
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(),
                                                        autojunk=False).get_opcodes():
        if tag != "equal":
            removed += before.splitlines()[i1:i2]
            added += after.splitlines()[j1:j2]
    return removed, added


def edited(text: str, edit) -> str:
    doc = CodebookText(text)
    edit(doc)
    parse_codebook(doc.text)  # still a valid codebook
    return doc.text


# ---------------------------------------------------------------- examples


def test_renaming_an_id_changes_one_line_and_keeps_its_comment_aligned():
    after = edited(HAND_WRITTEN, lambda d: d.set_fields("motivation", {"id": "motive"}))
    removed, added = changed_lines(HAND_WRITTEN, after)
    assert removed == ["  - id: motivation              # never change ids"]
    assert added == ["  - id: motive                  # never change ids"]


def test_a_value_keeps_its_quotes():
    after = edited(HAND_WRITTEN, lambda d: d.set_fields("personal", {"name": "Personal experiences"}))
    assert changed_lines(HAND_WRITTEN, after) == (["        name: 'Personal experience'"],
                                                  ["        name: 'Personal experiences'"])
    after = edited(HAND_WRITTEN, lambda d: d.set_fields("duty", {"name": "Duty: professional"}))
    assert changed_lines(HAND_WRITTEN, after) == (['      - {id: duty, name: "Professional duty", key: d}'],
                                                  ['      - {id: duty, name: "Duty: professional", key: d}'])


def test_a_folded_description_is_replaced_as_a_whole():
    after = edited(HAND_WRITTEN, lambda d: d.set_fields("motivation", {"description": "Why, briefly."}))
    removed, added = changed_lines(HAND_WRITTEN, after)
    assert removed == ["    description: >-", "      Why the participant became involved,", "      in their own words."]
    assert added == ["    description: Why, briefly."]


def test_a_new_field_goes_in_its_place_and_nothing_else_moves():
    after = edited(HAND_WRITTEN, lambda d: d.set_fields("community", {"key": "c", "description": "Belonging."}))
    removed, added = changed_lines(HAND_WRITTEN, after)
    assert removed == []
    assert added == ["        description: Belonging.", "        key: c"]
    assert after.index("name: Ties to a community") < after.index("description: Belonging.")


def test_a_text_needing_quotes_uses_the_files_quotes():
    after = edited(MINI_CODEBOOK, lambda d: d.set_fields("motivation", {"description": "Why: reasons # and more"}))
    assert changed_lines(MINI_CODEBOOK, after)[1] == ['    description: "Why: reasons # and more"']


def test_values_that_plain_yaml_would_misread_are_quoted():
    for tricky in ("yes", "no", "on", "null", "1", "3.5", "2020-01-01", "#E69F00", "- dash", "[x]", "a: b", " lead"):
        doc = CodebookText(MINI_CODEBOOK)
        doc.set_fields("motivation", {"description": tricky})
        assert doc.data["codes"][0]["description"] == tricky


def test_removing_a_code_removes_its_lines_and_the_comment_above_it_only():
    after = edited(HAND_WRITTEN, lambda d: d.remove_code("community"))
    removed, added = changed_lines(HAND_WRITTEN, after)
    assert added == []
    assert removed == ["      # the next one is new in v3", "      - id: community", "        name: Ties to a community"]


def test_removing_the_only_child_removes_the_list():
    after = edited(HAND_WRITTEN, lambda d: d.remove_code("curriculum"))
    assert changed_lines(HAND_WRITTEN, after) == (
        ["    codes:", "      - {id: curriculum, name: Curriculum advocacy, key: a}"], [])
    assert after.endswith("    name: Strategies\n# end of codebook\n")


def test_removing_a_theme_keeps_the_comments_of_its_neighbours():
    after = edited(HAND_WRITTEN, lambda d: d.remove_code("strategy"))
    removed, _ = changed_lines(HAND_WRITTEN, after)
    assert "# end of codebook" in after and "# ---- Theme 1" in after
    assert removed[0] == "  # ---- Theme 2 ----------------------------------------------------------"


def test_a_new_code_follows_its_siblings_style():
    after = edited(HAND_WRITTEN, lambda d: d.add_code("strategy", {"id": "outreach", "name": "Outreach: events",
                                                                   "key": "o"}))
    removed, added = changed_lines(HAND_WRITTEN, after)
    assert removed == [] and added == ['      - {id: outreach, name: "Outreach: events", key: o}']
    after = edited(HAND_WRITTEN, lambda d: d.add_code(None, {"id": "outcome", "name": "Outcomes"}))
    assert changed_lines(HAND_WRITTEN, after) == ([], ["  - id: outcome", "    name: Outcomes"])
    assert after.index("id: outcome") < after.index("# end of codebook")


def test_a_first_child_makes_a_codes_list():
    after = edited(HAND_WRITTEN, lambda d: d.add_code("community", {"id": "family", "name": "Family"}))
    assert changed_lines(HAND_WRITTEN, after) == (
        [], ["        codes:", "          - id: family", "            name: Family"])


def test_a_flow_code_that_gets_a_child_is_rewritten_as_a_block():
    after = edited(HAND_WRITTEN, lambda d: d.add_code("duty", {"id": "oath", "name": "The oath"}))
    removed, added = changed_lines(HAND_WRITTEN, after)
    assert removed == ['      - {id: duty, name: "Professional duty", key: d}']
    assert added == ["      - id: duty", '        name: "Professional duty"', "        key: d", "        codes:",
                     "          - id: oath", "            name: The oath"]


def test_moving_a_code_moves_its_lines_with_their_comments():
    after = edited(HAND_WRITTEN, lambda d: d.move_code("community", "strategy", 0))
    removed, added = changed_lines(HAND_WRITTEN, after)
    assert sorted(removed) == sorted(added) == sorted(["      # the next one is new in v3", "      - id: community",
                                                       "        name: Ties to a community"])
    assert after.index("- id: community") > after.index("- id: strategy")
    after = edited(HAND_WRITTEN, lambda d: d.move_code("personal", None))
    removed, added = changed_lines(HAND_WRITTEN, after)
    assert [line.strip() for line in removed] == [line.strip() for line in added]  # re-indented, same text
    assert "  - id: personal" in added


def test_an_empty_codebook_gets_its_first_code():
    text = template("codebook-empty.yaml")
    after = edited(text, lambda d: d.add_code(None, {"id": "hope", "name": "Hope", "key": "h"}))
    removed, added = changed_lines(text, after)
    assert removed == ["codes: []"] and added == ["codes:", "  - id: hope", "    name: Hope", "    key: h"]
    after = edited(after, lambda d: d.remove_code("hope"))
    assert after == text


def test_crlf_and_a_byte_order_mark_are_kept():
    text = "\ufeff" + MINI_CODEBOOK.replace("\n", "\r\n")
    after = edited(text, lambda d: d.add_code("strategy", {"id": "x", "name": "X"}))
    assert after.startswith("\ufeff") and "\n" not in after.replace("\r\n", "")
    assert after.replace("\r\n", "\n").lstrip("\ufeff") == \
        edited(MINI_CODEBOOK, lambda d: d.add_code("strategy", {"id": "x", "name": "X"}))


def test_an_edit_that_cannot_be_made_cleanly_is_refused_and_changes_nothing():
    text = "title: x\ncodes: [{id: a, codes: [{id: b}]}]\n"
    doc = CodebookText(text)
    with pytest.raises(EditError):
        doc.add_code("b", {"id": "c", "name": "C"})
    assert doc.text == text


def test_the_shipped_codebooks_round_trip_every_kind_of_edit():
    for text in ((SAMPLE_STUDY / "codebook.yaml").read_text(), template("codebook-template.yaml"), MINI_CODEBOOK):
        codes = list(CodebookText(text).codes)
        for code in codes:
            doc = CodebookText(text)
            doc.set_fields(code, {"name": "Renamed: x"})
            doc.move_code(code, None, 0)
            doc.remove_code(code)
            parse_codebook(doc.text)


# ---------------------------------------------------------------- properties

_NAMES = st.one_of(st.from_regex(r"[A-Z][a-z]{1,8}( [a-z]{1,6}){0,3}", fullmatch=True),
                   st.sampled_from(["Hope: a word", "It's fine", 'Say "no"', "Ümlaut é", "# not a comment",
                                    "yes", "3.5", "a, b", "[draft]"]))


@st.composite
def codebooks(draw) -> str:
    """A hand-written-looking codebook: random tree, list offset, flow or block items,
    quoting, comments and blank lines."""
    offset = draw(st.sampled_from([0, 2]))
    ids = iter(f"c{n}" for n in range(100))
    lines = ["# a codebook", "title: Generated", "codes:"]

    def scalar(value: str) -> str:
        style = draw(st.sampled_from(["plain", "double", "single"]))
        if style == "double" or (style == "plain" and (any(c in value for c in ":#'\",[]") or value in ("yes", "3.5"))):
            return json.dumps(value, ensure_ascii=False)
        if style == "single":
            return "'" + value.replace("'", "''") + "'"
        return value

    def emit(key_column: int, depth: int) -> None:
        count = draw(st.integers(1, 3 if depth < 2 else 2))
        for _ in range(count):
            dash = " " * (key_column + offset)
            code_id = next(ids)
            name = draw(_NAMES)
            if draw(st.booleans()) and depth > 0 and draw(st.booleans()):
                if draw(st.integers(0, 4)) == 0:
                    lines.append(f"{dash}# about {code_id}")
                lines.append(f"{dash}- {{id: {code_id}, name: {scalar(name)}}}")
                continue
            if draw(st.integers(0, 4)) == 0:
                lines.append(f"{dash}# about {code_id}")
            comment = "   # eol" if draw(st.integers(0, 4)) == 0 else ""
            lines.append(f"{dash}- id: {code_id}{comment}")
            inner = " " * (len(dash) + 2)
            lines.append(f"{inner}name: {scalar(name)}")
            if draw(st.booleans()):
                lines.append(f"{inner}description: {scalar(draw(_NAMES))}")
            if depth < 2 and draw(st.integers(0, 2)) == 0:
                lines.append(f"{inner}codes:")
                emit(len(inner), depth + 1)
            if depth == 0 and draw(st.integers(0, 3)) == 0:
                lines.append("")

    emit(0, 0)
    if draw(st.booleans()):
        lines.append("# trailing comment")
    return "\n".join(lines) + "\n"


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=codebooks(), data=st.data())
def test_changing_a_value_changes_one_line(text, data):
    doc = CodebookText(text)
    code = data.draw(st.sampled_from(sorted(doc.codes)))
    field, value = data.draw(st.sampled_from([("id", f"{code}-renamed"), ("name", data.draw(_NAMES))]))
    before_value = doc.data
    doc.set_fields(code, {field: value})
    removed, added = changed_lines(text, doc.text)
    assume(removed != added)  # the same value
    assert len(removed) == len(added) == 1, (removed, added)
    assert _comments(text) == _comments(doc.text)
    assert before_value is not doc.data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=codebooks(), data=st.data())
def test_removing_a_code_only_removes_its_own_lines(text, data):
    doc = CodebookText(text)
    code = data.draw(st.sampled_from(sorted(doc.codes)))
    doc.remove_code(code)
    old, new = text.splitlines(), doc.text.splitlines()
    if any(line.strip() == "codes: []" for line in new):  # the last top-level code: the list stays, empty
        assert "codes: []" not in text
        return
    # the new text is the old one with one run of lines cut out
    cut = len(old) - len(new)
    assert cut > 0
    assert any(old[:i] + old[i + cut:] == new for i in range(len(new) + 1)), (text, doc.text)
    assert code not in parse_codebook(doc.text).codes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=codebooks(), data=st.data())
def test_moving_a_code_keeps_its_text_and_every_other_line(text, data):
    doc = CodebookText(text)
    code = data.draw(st.sampled_from(sorted(doc.codes)))
    inside = set()
    parsed = parse_codebook(text)
    inside.update(parsed.descendants(code))
    parents = [None] + sorted(c for c in doc.codes if c not in inside)
    parent = data.draw(st.sampled_from(parents))
    try:
        doc.move_code(code, parent)
    except EditError:
        # only a flow code that must take children inside a flow list may be refused
        assert parent is not None
        return
    moved = parse_codebook(doc.text)
    assert moved[code].parent == parent
    assert moved.descendants(code) == parsed.descendants(code)
    assert sorted(_comments(text)) == sorted(_comments(doc.text))
    # the moved lines come back (re-indented); besides them only a `codes:` key appears or goes,
    # and a flow-style new parent is written as a block to hold its first child
    from collections import Counter

    removed, added = changed_lines(text, doc.text)
    gone = Counter(line.strip() for line in removed) - Counter(line.strip() for line in added)
    new = Counter(line.strip() for line in added) - Counter(line.strip() for line in removed)
    parent_lines = {f"- id: {parent}", f"id: {parent}"}
    # (a blank line may go where the move would leave two blank lines together)
    assert all(line == "" or line.startswith("codes:") or line.startswith(f"- {{id: {parent},") for line in gone), gone
    assert all(line.startswith(("codes:", "name:", "description:")) or line in parent_lines for line in new), new


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=codebooks(), data=st.data())
def test_adding_a_code_only_adds_lines(text, data):
    doc = CodebookText(text)
    parsed = parse_codebook(text)
    parent = data.draw(st.sampled_from([None, *sorted(doc.codes)]))
    doc.add_code(parent, {"id": "new-code", "name": data.draw(_NAMES), "key": "k"})
    result = parse_codebook(doc.text)
    assert result["new-code"].parent == parent and result["new-code"].key == "k"
    removed, added = changed_lines(text, doc.text)
    if removed:  # only a flow-style parent, rewritten as a block to hold the child
        assert parent is not None and len(removed) == 1 and "{" in removed[0]
    assert len(result) == len(parsed) + 1

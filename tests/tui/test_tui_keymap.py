"""The key table: every command key has a command, none uses a letter or digit, remaps apply."""

from __future__ import annotations

from tcoder.codebook import COMMAND_KEYS
from tcoder.settings import parse_settings
from tcoder.tui.keymap import BY_ID, COMMANDS, bindings, key_label, keymap_from, keys_label


def test_every_key_in_the_table_has_a_command_and_back():
    assert set(BY_ID) == set(COMMAND_KEYS)
    for c in COMMANDS:
        for key in COMMAND_KEYS[c.id]:
            assert not (len(key) == 1 and key.isalnum()), (c.id, key)


def test_bindings_carry_command_ids():
    for where in ("app", "screen", "view", "dialog", "compare"):
        for b in bindings(where):
            assert b.id in COMMAND_KEYS and b.key == ",".join(COMMAND_KEYS[b.id])


def test_no_two_commands_of_one_place_share_a_key():
    for where in ("app", "screen", "view", "dialog", "compare"):
        seen: dict[str, str] = {}
        places = (where, "app") if where != "app" else ("app",)
        if where == "compare":  # the compare screen keeps the coding screen's commands too
            places = ("compare", "screen", "view", "app")
        for c in COMMANDS:
            if c.where not in places:
                continue
            for key in COMMAND_KEYS[c.id]:
                assert key not in seen or seen[key] == c.id, (key, seen.get(key), c.id)
                seen[key] = c.id


def test_remaps_from_tcoder_yaml_become_the_keymap(tmp_path):
    settings = parse_settings("keys:\n  undo: f6\n  search: [slash, ctrl+w]\n", tmp_path / "tcoder.yaml")
    assert keymap_from(settings) == {"undo": "f6", "search": "slash,ctrl+w"}
    assert settings.key_map()["undo"] == ("f6",)


def test_key_labels():
    assert key_label("ctrl+shift+left") == "ctrl+shift+\u2190"
    assert key_label("question_mark") == "?"
    assert keys_label(("f1", "question_mark")) == "f1 / ?"


def test_user_guide_lists_every_command_with_its_default_keys():
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs"
    guide = (docs / "coding.md").read_text("utf-8")
    compare_guide = (docs / "compare.md").read_text("utf-8")
    for c in COMMANDS:
        lines = (compare_guide if c.where == "compare" else guide).splitlines()
        row = next((line for line in lines if f"| `{c.id}` |" in line), None)
        assert row is not None, c.id
        for key in keys_label(COMMAND_KEYS[c.id]).split(" / "):
            assert f"`{key}`" in row, (c.id, key)
    for topic in ("tcoder.yaml", "SSH", "NO_COLOR", "READ-ONLY", "lock"):
        assert topic in guide

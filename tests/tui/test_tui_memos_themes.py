"""Pilot tests: memos, the journal, exemplars and themes in the TUI, as a user drives them."""

from __future__ import annotations

from tcoder.annotations import read_annotations
from tcoder.memoset import load_memos
from tcoder.study import open_study
from tcoder.themelog import history_path, read_history
from tcoder.themes import read_themes
from tuikit import TUI_TRANSCRIPT, make_app, run_app, screen_text, wait_until

P01 = "interviews/P01.txt"


def memos_of(builder):
    return load_memos(open_study(builder.root))


def shows(pilot, words: str):
    return lambda: words in screen_text(pilot.app)


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def test_a_memo_on_the_code_here_written_in_the_built_in_editor(tui_study):
    fresh_tui_study = tui_study
    from tcoder.tui.screens.memos import MemoEditorScreen

    async def scenario(pilot):
        grandmother = TUI_TRANSCRIPT.index("my grandmother")
        screen = pilot.app.screen
        screen.view.move_to(grandmother + 2)
        await pilot.pause()
        await pilot.press("ctrl+n")
        await wait_until(pilot, shows(pilot, "a memo on the code Personal experience"))
        await pilot.press("enter")  # the first choice: the code here
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MemoEditorScreen))
        await _type(pilot, "Grief as a motive")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: pilot.app.screen.memo.path is not None)  # saved
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, MemoEditorScreen))

    run_app(make_app(fresh_tui_study.root), scenario)
    memos = memos_of(fresh_tui_study)
    assert [(m.kind, m.author, m.body.strip(), m.targets("code")) for m in memos] == [
        ("code", "alice", "Grief as a motive", ["personal"])]


def test_a_memo_on_the_selection_carries_its_passage(fresh_tui_study):
    async def scenario(pilot):
        for _ in range(11):
            await pilot.press("shift+right")
        await pilot.press("ctrl+n")
        await wait_until(pilot, shows(pilot, "a memo on the selected passage \u201cInterviewer\u201d"))
        await pilot.press("down")  # the code here is not offered: no code at the start
        await pilot.pause()

    run_app(make_app(fresh_tui_study.root), scenario)


def test_passages_that_memos_are_about_are_marked_beside_the_gutter(fresh_tui_study):
    from tcoder.tui.screens.memos import MemoEditorScreen

    start = TUI_TRANSCRIPT.index("my grandmother")

    async def scenario(pilot):
        screen = pilot.app.screen
        view = screen.view
        assert view.row_flags is None  # no memo on a passage yet: no flag column
        view.move_to(start)
        for _ in range(len("my grandmother")):
            await pilot.press("shift+right")
        await pilot.press("ctrl+n")
        await wait_until(pilot, shows(pilot, "a memo on the selected passage"))
        choice = next(i for i, (_, label) in enumerate(pilot.app.screen.choices)
                      if "selected passage" in str(label))
        for _ in range(choice):
            await pilot.press("down")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MemoEditorScreen))
        await pilot.press("shift+tab")  # the title, then enter goes on to the text
        await _type(pilot, "Grandmother")
        await pilot.press("enter")
        await _type(pilot, "Her grandmother again")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: pilot.app.screen.memo.path is not None)  # saved
        await pilot.press("escape")
        await wait_until(pilot, lambda: pilot.app.screen is screen and view.row_flags is not None)
        row = view.wrap.row_of(start)
        assert view.row_flags(view.wrap.starts[row], view.wrap.ends[row]) == ("\u270e", "memo")
        assert view.row_flags(0, 5) is None  # the first row holds no passage a memo is about
        assert "\u270e" in screen_text(pilot.app)
        view.move_to(start + 3)
        await wait_until(pilot, shows(pilot, "Memos about this passage"))
        from tcoder.tui.widgets.details_panel import DetailsPanel

        assert "Grandmother (passage, alice)" in screen.query_one(DetailsPanel).text
        memos = memos_of(fresh_tui_study)
        assert [(m.kind, m.title, m.body.strip(), m.links_of("passage")[0].quote) for m in memos] == [
            ("passage", "Grandmother", "Her grandmother again", "my grandmother")]
        memos.memos[0].path.unlink()  # removed elsewhere (a git checkout, say): the mark goes
        await wait_until(pilot, lambda: view.row_flags is None, timeout=10)

    run_app(make_app(fresh_tui_study.root), scenario)


def test_the_memo_list_filters_reads_and_edits(fresh_tui_study):
    from tcoder.memos import Link, code_link, new_memo
    from tcoder.memoset import create_memo

    study = open_study(fresh_tui_study.root)
    create_memo(study, new_memo("journal", author="alice", title="After P01", body="Tired, not angry."))
    create_memo(study, new_memo("code", author="bob", title="Duty", body="Duty is thin here.",
                                links=[code_link("duty")]))
    create_memo(study, new_memo("transcript", author="alice", title="About P01", body="Quiet interview.",
                                links=[Link("transcript", P01)]))

    async def scenario(pilot):
        await pilot.press("f9")
        await wait_until(pilot, shows(pilot, "Memos and journal \u00b7 3 of 3"))
        text = screen_text(pilot.app)
        assert "After P01" in text and "Duty is thin here." in text  # codes first, the journal last
        await pilot.press("slash")
        await _type(pilot, "tired")
        await wait_until(pilot, shows(pilot, "1 of 3"))
        assert "Tired, not angry." in screen_text(pilot.app)
        await pilot.press("escape", "escape")  # leave the search box, then the list
        await wait_until(pilot, lambda: "Memos and journal" not in screen_text(pilot.app))
        await pilot.press("f9")
        await wait_until(pilot, shows(pilot, "3 of 3"))
        await pilot.press("slash")
        await _type(pilot, "professional duty")  # the code the memo is about, by its name
        await wait_until(pilot, shows(pilot, "1 of 3"))
        assert "Duty is thin here." in screen_text(pilot.app)
        for _ in "professional duty":
            await pilot.press("backspace")
        await _type(pilot, "bob")  # an author
        await wait_until(pilot, shows(pilot, "1 of 3"))
        for _ in "bob":
            await pilot.press("backspace")
        await wait_until(pilot, shows(pilot, "3 of 3"))
        await pilot.press("escape")
        await pilot.press("ctrl+o")
        await wait_until(pilot, shows(pilot, "Show which memos?"))
        await pilot.press("down", "down", "down", "enter")  # every kind, project, code, transcript
        await wait_until(pilot, shows(pilot, "1 of 3 \u00b7 kind transcript"))
        assert "Quiet interview." in screen_text(pilot.app)

    run_app(make_app(fresh_tui_study.root), scenario)


def test_an_editor_with_changes_never_writes_over_a_memo_changed_elsewhere(fresh_tui_study):
    from tcoder.memos import new_memo
    from tcoder.memoset import create_memo
    from tcoder.tui.screens.memos import MemoEditorScreen

    study = open_study(fresh_tui_study.root)
    path = create_memo(study, new_memo("project", author="alice", title="Audit", body="First line."))

    async def scenario(pilot):
        memo = memos_of(fresh_tui_study).find("Audit")
        editor = MemoEditorScreen(open_study(fresh_tui_study.root), memo, "alice")
        await pilot.app.push_screen(editor)
        await wait_until(pilot, lambda: editor.focused is not None)
        await pilot.press("end")
        await _type(pilot, " mine")
        path.write_text(path.read_text() + "Theirs, from an editor.\n")
        await wait_until(pilot, lambda: editor.conflict)
        banner = str(editor.query_one("#editor-banner").render())
        assert "changed by another program" in banner and "was not written over it" in banner
        await pilot.press("ctrl+s")  # saves a new memo, never over theirs
        await wait_until(pilot, lambda: not editor.conflict)
        assert not editor.conflict

    run_app(make_app(fresh_tui_study.root), scenario)
    assert path.read_text().endswith("Theirs, from an editor.\n")
    bodies = sorted(m.body.strip() for m in memos_of(fresh_tui_study))
    assert bodies == sorted(["First line. mine", "First line.\nTheirs, from an editor."])


def test_an_untouched_editor_shows_the_new_version(fresh_tui_study):
    from tcoder.memos import new_memo
    from tcoder.memoset import create_memo
    from tcoder.tui.screens.memos import MemoEditorScreen

    study = open_study(fresh_tui_study.root)
    path = create_memo(study, new_memo("project", author="alice", title="Audit", body="First line."))

    async def scenario(pilot):
        editor = MemoEditorScreen(open_study(fresh_tui_study.root), memos_of(fresh_tui_study).find("Audit"), "alice")
        await pilot.app.push_screen(editor)
        await wait_until(pilot, lambda: editor.focused is not None)
        path.write_text(path.read_text().replace("First line.", "Changed in git."))
        await wait_until(pilot, lambda: editor.body_value.strip() == "Changed in git.")
        assert not editor.conflict

    run_app(make_app(fresh_tui_study.root), scenario)


def test_exemplar_key_marks_and_undo_unmarks(tui_study):
    fresh_tui_study = tui_study

    async def scenario(pilot):
        screen = pilot.app.screen
        screen.view.move_to(TUI_TRANSCRIPT.index("We pushed") + 1)
        await pilot.pause()
        await pilot.press("asterisk")
        await wait_until(pilot, shows(pilot, "marked as an exemplar"))
        marked = [a for a in read_annotations(fresh_tui_study.root / "interviews/P01.alice.json").annotations
                  if a.exemplar]
        assert [a.code for a in marked] == ["curriculum"]
        assert "marked as an exemplar of Curriculum advocacy" in screen_text(pilot.app)
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: not any(a.exemplar for a in read_annotations(
            fresh_tui_study.root / "interviews/P01.alice.json").annotations))

    run_app(make_app(fresh_tui_study.root), scenario)
    annotations = read_annotations(fresh_tui_study.root / "interviews/P01.alice.json").annotations
    assert not any(a.exemplar for a in annotations)


def test_the_themes_screen_creates_links_defines_and_records(fresh_tui_study):
    async def scenario(pilot):
        await pilot.press("shift+f9")
        await wait_until(pilot, shows(pilot, "No themes yet"))
        await pilot.press("ctrl+n")
        await wait_until(pilot, shows(pilot, "New theme"))
        await _type(pilot, "Costs of care")
        await pilot.press("enter")
        await wait_until(pilot, shows(pilot, "Why? (optional)"))
        await _type(pilot, "from P01")  # why
        await pilot.press("enter")
        await wait_until(pilot, shows(pilot, "Costs of care  candidate"))
        await pilot.press("space")  # link a code
        await wait_until(pilot, shows(pilot, "Link which code"))
        await _type(pilot, "duty")
        await pilot.press("enter")
        await wait_until(pilot, shows(pilot, "Why? (optional)"))
        await pilot.press("enter")  # why: nothing
        await wait_until(pilot, shows(pilot, "Professional duty"))
        await pilot.press("ctrl+d")
        await wait_until(pilot, shows(pilot, "Status of Costs of care"))
        await pilot.press("down", "enter")  # reviewed
        await wait_until(pilot, shows(pilot, "Why? (optional)"))
        await _type(pilot, "checked")
        await pilot.press("enter")
        await wait_until(pilot, shows(pilot, "Costs of care  reviewed"))
        await pilot.press("ctrl+e")
        await wait_until(pilot, shows(pilot, "Central organising concept: the one idea"))
        await _type(pilot, "Who pays")
        await pilot.press("enter")
        await _type(pilot, "The cost falls on few.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, shows(pilot, "Why? (optional)"))
        await pilot.press("enter")
        await wait_until(pilot, shows(pilot, "The cost falls on few."))
        assert "Who pays" in screen_text(pilot.app)

    run_app(make_app(fresh_tui_study.root), scenario)
    themes = read_themes(fresh_tui_study.root / "themes.yaml")
    theme = themes["costs-of-care"]
    assert (theme.status, theme.codes, theme.concept, theme.definition) == (
        "reviewed", ["duty"], "Who pays", "The cost falls on few.")
    history = read_history(history_path(fresh_tui_study.root / "themes.yaml")).entries
    assert [(e["op"], e.get("why")) for e in history] == [("new", "from P01"), ("link", None),
                                                          ("status", "checked"), ("concept", None), ("define", None)]
    assert all(e["who"] == "alice" for e in history)


def test_the_themes_screen_stays_on_the_theme_it_changed(fresh_tui_study):
    (fresh_tui_study.root / "themes.yaml").write_text(
        "themes:\n  - id: costs\n    name: Costs of care\n    status: candidate\n"
        "  - id: duty\n    name: Duty first\n    status: candidate\n", "utf-8")

    async def scenario(pilot):
        from tcoder.tui.screens.themes import ThemesScreen

        await pilot.press("shift+f9")
        await wait_until(pilot, shows(pilot, "Duty first  candidate"))
        await pilot.press("down")
        screen = pilot.app.screen
        assert isinstance(screen, ThemesScreen)
        await wait_until(pilot, lambda: screen.current() is not None and screen.current().id == "duty")
        await pilot.press("ctrl+d")
        await wait_until(pilot, shows(pilot, "Status of Duty first"))
        await pilot.press("down", "enter")  # reviewed
        await wait_until(pilot, shows(pilot, "Why? (optional)"))
        await pilot.press("enter")
        await wait_until(pilot, shows(pilot, "Duty first  reviewed"))
        await wait_until(pilot, lambda: "reviewed \u00b7 id duty" in screen_text(pilot.app))
        assert screen.current().id == "duty"  # the cursor and the details stay on the theme just changed
        assert "reviewed \u00b7 id duty" in screen_text(pilot.app)
        await pilot.press("ctrl+n")
        await wait_until(pilot, shows(pilot, "New theme"))
        await _type(pilot, "Third")
        await pilot.press("enter")
        await wait_until(pilot, shows(pilot, "Why? (optional)"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.current() is not None and screen.current().id == "third")

    run_app(make_app(fresh_tui_study.root), scenario)


def test_no_two_commands_of_the_memo_list_or_the_themes_screen_share_a_key():
    """As for the coding screen: each screen's own commands, those it reuses and the app's keep apart."""
    from tcoder.codebook import COMMAND_KEYS
    from tcoder.tui.keymap import COMMANDS
    from tcoder.tui.screens.memos import MemoEditorScreen, MemoListScreen
    from tcoder.tui.screens.themes import ThemesScreen

    app_keys = {key: c.id for c in COMMANDS if c.where == "app" for key in COMMAND_KEYS[c.id]}
    for screen in (MemoListScreen, MemoEditorScreen, ThemesScreen):
        seen = dict(app_keys)
        for b in screen.BINDINGS:
            for key in b.key.split(","):
                assert key not in seen or seen[key] == b.id, (screen.__name__, key, seen.get(key), b.id)
                seen[key] = b.id

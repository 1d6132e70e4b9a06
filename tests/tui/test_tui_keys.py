"""Pilot tests: every key path of the coding screen, driven as a user would."""

from __future__ import annotations

import os

import pytest
from textual.command import CommandList

from tcoder.annotations import read_annotations
from tuikit import TUI_TRANSCRIPT, make_app, run_app, screen_text, wait_until

P01 = "interviews/P01.txt"


def saved(builder, coder="alice"):
    path = builder.root / f"interviews/P01.{coder}.json"
    return read_annotations(path).annotations if path.exists() else []


def codes_on_disk(builder, coder="alice"):
    return sorted((a.code, a.start, a.end) for a in saved(builder, coder))


def coding(pilot):
    from tcoder.tui.screens.coding import CodingScreen

    screen = pilot.app.screen
    assert isinstance(screen, CodingScreen), screen
    return screen


# ---------------------------------------------------------------- selecting and applying


def test_shift_right_eleven_times_and_a_code_key(fresh_tui_study):
    async def scenario(pilot):
        for _ in range(11):
            await pilot.press("shift+right")
        assert coding(pilot).view.selection == (0, 11)
        await pilot.press("p")

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("personal", 0, 11)]


def test_upper_and_lower_case_keys_are_different_codes(fresh_tui_study):
    async def scenario(pilot):
        await pilot.press(*["shift+right"] * 11)
        await pilot.press("a")
        await pilot.press("A")
        await pilot.press("A")  # the same code twice on the same passage is refused
        assert "already has the code" in coding(pilot).status_message

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("curriculum", 0, 11), ("leaders", 0, 11)]


def test_digit_keys_and_unbound_letters(fresh_tui_study):
    async def scenario(pilot):
        await pilot.press(*["shift+right"] * 11)
        await pilot.press("2")
        await pilot.press("z")
        assert "no code has the key 'z'" in coding(pilot).status_message

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("stance-high", 0, 11)]


def test_a_code_key_without_a_selection_explains(fresh_tui_study):
    async def scenario(pilot):
        await pilot.press("p")
        assert "select text first" in coding(pilot).status_message

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == []


def test_arrows_rows_pages_and_ends(fresh_tui_study):
    async def scenario(pilot):
        view = coding(pilot).view
        await pilot.press("right", "right")
        assert view.cursor == 2
        await pilot.press("left")
        assert view.cursor == 1
        await pilot.press("down")
        assert view.cursor == TUI_TRANSCRIPT.index("\n") + 1  # the blank line
        await pilot.press("down")
        assert view.cursor == TUI_TRANSCRIPT.index("Amara") + 1  # the goal column is kept
        await pilot.press("up", "up")
        assert view.cursor == 1
        await pilot.press("end")
        assert view.cursor == TUI_TRANSCRIPT.index("\n")
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.press("ctrl+end")
        assert view.cursor == len(TUI_TRANSCRIPT)
        await pilot.press("ctrl+home")
        assert view.cursor == 0
        await pilot.press("pagedown")
        assert view.cursor > TUI_TRANSCRIPT.index("Ben:") - 5
        await pilot.press("pageup")
        assert view.cursor < 60

    run_app(make_app(fresh_tui_study.root), scenario, size=(80, 24))


def test_pages_scroll_a_long_transcript(study_builder):
    from tuikit import TUI_CODEBOOK

    study_builder.codebook(TUI_CODEBOOK)
    turns = [f"{'Interviewer' if i % 2 == 0 else 'Amara'}: Turn number {i} says something." for i in range(300)]
    study_builder.transcript(P01, "\n\n".join(turns) + "\n")

    async def scenario(pilot):
        view = coding(pilot).view
        await pilot.press("pagedown", "pagedown")
        assert view.scroll_offset.y > 10
        assert view.wrap.row_of(view.cursor) >= view.scroll_offset.y
        await pilot.press("ctrl+end")
        assert "Turn number 299" in screen_text(pilot.app)
        await pilot.press("ctrl+home")
        assert view.scroll_offset.y == 0

    run_app(make_app(study_builder.root), scenario, size=(80, 24))


def test_word_sentence_and_turn_jumps(fresh_tui_study):
    t = TUI_TRANSCRIPT
    amara = t.index("Honestly")

    async def scenario(pilot):
        view = coding(pilot).view
        await pilot.press("ctrl+right")
        assert view.cursor == len("Interviewer:")
        await pilot.press("ctrl+right")
        assert view.cursor == len("Interviewer: Thanks")
        await pilot.press("ctrl+left")
        assert view.cursor == len("Interviewer: ")
        await pilot.press("right_parenthesis")
        assert view.cursor == t.index("What got")
        await pilot.press("alt+right")
        assert view.cursor == amara
        await pilot.press("left_parenthesis")
        assert view.cursor == t.index("What got")
        await pilot.press("ctrl+down")
        assert view.cursor == amara
        await pilot.press("right_curly_bracket")
        assert view.cursor == t.index("And what")
        await pilot.press("ctrl+up")
        assert view.cursor == amara
        await pilot.press("left_curly_bracket")
        assert view.cursor == len("Interviewer: ")
        await pilot.press("ctrl+shift+right", "ctrl+shift+right")
        assert view.selection == (len("Interviewer: "), len("Interviewer: Thanks for"))

    run_app(make_app(fresh_tui_study.root), scenario)


def test_select_sentence_grows_and_select_turn(fresh_tui_study):
    t = TUI_TRANSCRIPT
    first = t.index("Honestly")

    async def scenario(pilot):
        view = coding(pilot).view
        view.move_to(first + 3)
        await pilot.press("full_stop")
        assert view.selection == (first, t.index(" I saw"))
        await pilot.press("full_stop")
        assert view.selection == (first, t.index(" That stayed"))
        await pilot.press("full_stop", "full_stop")
        assert view.selection == (first, t.index("\n\nInterviewer: And"))
        await pilot.press("full_stop")  # never into the next speaker's turn
        assert view.selection == (first, t.index("\n\nInterviewer: And"))
        await pilot.press("escape")
        assert view.selection is None
        await pilot.press("comma")
        assert view.selection == (first, t.index("\n\nInterviewer: And"))
        await pilot.press("comma")  # again: the next turn joins
        assert view.selection == (first, t.index("it?") + 3)
        await pilot.press("escape")
        view.move_to(first + 3)
        await pilot.press("comma")
        await pilot.press("w")

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("witnessing", first, t.index("\n\nInterviewer: And"))]


def test_shift_down_and_shift_sentence_extend(fresh_tui_study):
    async def scenario(pilot):
        view = coding(pilot).view
        await pilot.press("shift+down", "shift+down")
        assert view.selection == (0, TUI_TRANSCRIPT.index("Amara") + 0)
        await pilot.press("left", "alt+shift+right")
        assert view.selection == (0, TUI_TRANSCRIPT.index(" What"))
        await pilot.press("alt+shift+right")
        assert view.selection == (0, TUI_TRANSCRIPT.index("?") + 1)
        await pilot.press("shift+end")
        assert view.selection is not None

    run_app(make_app(fresh_tui_study.root), scenario)


# ---------------------------------------------------------------- the picker, removing, recoding, memos


def test_picker_applies_a_code_without_a_key(fresh_tui_study):
    async def scenario(pilot):
        await pilot.press(*["shift+right"] * 11)
        await pilot.press("space")
        await pilot.pause()
        from tcoder.tui.screens.picker import CodePicker

        assert isinstance(pilot.app.screen, CodePicker)
        await pilot.press(*"profes")
        await pilot.pause()
        assert "Professional duty" in screen_text(pilot.app)
        await pilot.press("enter")
        await pilot.pause()

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("duty", 0, 11)]


def test_picker_moves_with_arrows_and_closes_with_escape(fresh_tui_study):
    async def scenario(pilot):
        await pilot.press(*["shift+right"] * 11)
        await pilot.press("space")
        await pilot.pause()
        await pilot.press("down", "down")  # Motivations, Personal, Witnessing
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert coding(pilot)

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("witnessing", 0, 11)]


def test_remove_asks_which_when_several_are_under_the_cursor(tui_study):
    t = TUI_TRANSCRIPT

    async def scenario(pilot):
        view = coding(pilot).view
        view.move_to(t.index("I saw") + 2)  # personal and witnessing both cover it
        await pilot.press("delete")
        await pilot.pause()
        from tcoder.tui.screens.dialogs import ChoiceDialog

        assert isinstance(pilot.app.screen, ChoiceDialog)
        await pilot.press("enter")  # the innermost first: witnessing
        await pilot.pause()
        view.move_to(t.index("We pushed"))
        await pilot.press("backspace")  # only one here: removed at once

    run_app(make_app(tui_study.root), scenario)
    assert [a.code for a in saved(tui_study)] == ["personal"]


def test_recode_keeps_the_id(tui_study):
    before = {a.code: a.id for a in saved(tui_study)}

    async def scenario(pilot):
        coding(pilot).view.move_to(TUI_TRANSCRIPT.index("We pushed"))
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press(*"outreach")
        await pilot.press("enter")
        await pilot.pause()

    run_app(make_app(tui_study.root), scenario)
    after = {a.code: a.id for a in saved(tui_study)}
    assert "curriculum" not in after and after["outreach"] == before["curriculum"]


def test_memo_is_written_and_shown(tui_study):
    async def scenario(pilot):
        screen = coding(pilot)
        screen.view.move_to(TUI_TRANSCRIPT.index("We pushed"))
        await pilot.press("ctrl+e")
        await pilot.pause()
        await pilot.press(*"key moment")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "memo: key moment" in screen_text(pilot.app))
        assert "memo: key moment" in screen_text(pilot.app)

    run_app(make_app(tui_study.root), scenario)
    assert [a.memo for a in saved(tui_study) if a.code == "curriculum"] == ["key moment"]


def test_memo_escape_changes_nothing(tui_study):
    async def scenario(pilot):
        coding(pilot).view.move_to(TUI_TRANSCRIPT.index("We pushed"))
        await pilot.press("ctrl+e")
        await pilot.pause()
        await pilot.press(*"draft")
        await pilot.press("escape")
        await pilot.pause()

    run_app(make_app(tui_study.root), scenario)
    assert all(a.memo is None for a in saved(tui_study))


def test_actions_on_nothing_explain(fresh_tui_study):
    async def scenario(pilot):
        screen = coding(pilot)
        for key, verb in (("delete", "remove"), ("ctrl+r", "recode"), ("ctrl+e", "memo")):
            await pilot.press(key)
            assert "no annotation under the cursor" in screen.status_message and verb in screen.status_message

    run_app(make_app(fresh_tui_study.root), scenario)


def test_undo_and_redo(fresh_tui_study):
    async def scenario(pilot):
        await pilot.press(*["shift+right"] * 11)
        await pilot.press("p", "o")
        await pilot.press("ctrl+z")
        assert [a.code for a in coding(pilot).session.annotations] == ["personal"]
        await pilot.press("ctrl+z")
        assert coding(pilot).session.annotations == []
        await pilot.press("ctrl+z")
        assert "nothing to undo" in coding(pilot).status_message
        await pilot.press("ctrl+y")

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("personal", 0, 11)]


# ---------------------------------------------------------------- finding


def test_search_next_previous_and_not_found(fresh_tui_study):
    t = TUI_TRANSCRIPT
    matches = [i for i in range(len(t)) if t.lower().startswith("clinic", i)]

    async def scenario(pilot):
        view = coding(pilot).view
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"CLINIC", "enter")
        await pilot.pause()
        assert view.selection == (matches[0], matches[0] + 6)
        assert "2 match" in coding(pilot).status_message
        await pilot.press("f3")
        assert view.selection == (matches[1], matches[1] + 6)
        await pilot.press("ctrl+g")
        assert view.selection[0] == matches[0] and "wrapped" in coding(pilot).status_message
        await pilot.press("shift+f7")
        assert view.selection[0] == matches[1] and "wrapped to the end" in coding(pilot).status_message
        await pilot.press("alt+g")
        assert view.selection[0] == matches[0]
        await pilot.press("f3")
        assert view.selection[0] == matches[1]
        await pilot.press("o")  # a found passage can be coded at once
        await pilot.press("ctrl+f")
        await pilot.pause()
        for _ in range(6):
            await pilot.press("backspace")
        await pilot.press(*"zebra", "enter")
        await pilot.pause()
        assert "not found" in coding(pilot).status_message

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("outreach", matches[1], matches[1] + 6)]


def test_next_and_previous_annotation(tui_study):
    starts = sorted({a.start for a in saved(tui_study)})

    async def scenario(pilot):
        view = coding(pilot).view
        await pilot.press("right_square_bracket")
        assert view.cursor == starts[0]
        await pilot.press("right_square_bracket")
        assert view.cursor == starts[1]
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert view.cursor == starts[2] and "no further" in coding(pilot).status_message
        await pilot.press("left_square_bracket")
        assert view.cursor == starts[1]

    run_app(make_app(tui_study.root), scenario)


def test_next_uncoded_turn(tui_study):
    t = TUI_TRANSCRIPT

    async def scenario(pilot):
        view = coding(pilot).view
        await pilot.press("ctrl+u")
        assert view.cursor == t.index("And what")  # Amara's first turn is coded
        await pilot.press("ctrl+u")
        assert view.cursor == t.index("Were there")
        await pilot.press("ctrl+end", "ctrl+u")
        assert "every turn after this one" in coding(pilot).status_message

    run_app(make_app(tui_study.root), scenario)


def test_show_only_one_theme_and_all_again(tui_study):
    async def scenario(pilot):
        screen = coding(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"Strategies", "enter")
        await pilot.pause()
        assert screen.view.code_filter == {"strategy", "curriculum", "leaders", "outreach"}
        text = screen_text(pilot.app)
        assert "filter on" in text
        gutter = [line[:4] for line in text.splitlines()[:12]]
        assert not any("p" in g or "w" in g for g in gutter) and any("a" in g for g in gutter)
        await pilot.press("right_square_bracket")
        assert screen.view.cursor == TUI_TRANSCRIPT.index("We pushed")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("enter")  # the first entry: show all codes
        await pilot.pause()
        assert screen.view.code_filter is None

    run_app(make_app(tui_study.root), scenario)


# ---------------------------------------------------------------- help, palette, panels, files


def test_help_lists_every_command_and_codebook_key(tui_study):
    from tcoder.codebook import COMMAND_KEYS
    from tcoder.tui.screens.help import HelpScreen, help_text

    async def scenario(pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert coding(pilot)

    run_app(make_app(tui_study.root), scenario)
    from rich.console import Console

    from tcoder.study import open_study

    console = Console(width=120, record=True, file=open(os.devnull, "w"))
    console.print(help_text(open_study(tui_study.root).codebook, COMMAND_KEYS))
    text = console.export_text()
    for command in COMMAND_KEYS:
        assert command in text, command
    for key, path in (("A", "Strategies / Advocacy with leaders"), ("a", "Strategies / Curriculum advocacy"),
                      ("1", "Stance / Low")):
        assert any(line.split()[:1] == [key] and path in line for line in text.splitlines()), key
    assert "4 codes without a key" in text  # the three themes and Professional duty


def _palette_offers(pilot, words: str) -> bool:
    """The command palette's highlighted entry (the one enter runs) is about ``words``."""
    found = pilot.app.screen.query(CommandList)
    if not found or found.first().highlighted is None:
        return False
    results = found.first()
    return words in str(results.get_option_at_index(results.highlighted).prompt)


def test_command_palette_runs_actions_and_applies_codes(fresh_tui_study):
    async def scenario(pilot):
        await pilot.press(*["shift+right"] * 11)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Apply code: Professional")
        await wait_until(pilot, lambda: _palette_offers(pilot, "Professional"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: [a.code for a in coding(pilot).session.annotations] == ["duty"])
        assert [a.code for a in coding(pilot).session.annotations] == ["duty"]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Undo")
        await wait_until(pilot, lambda: _palette_offers(pilot, "Undo"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: coding(pilot).session.annotations == [])
        assert coding(pilot).session.annotations == []

    run_app(make_app(fresh_tui_study.root), scenario)


def test_palette_offers_every_palette_command():
    from tcoder.tui.keymap import COMMANDS

    titles = [c.title for c in COMMANDS if c.palette]
    assert len(titles) == len(set(titles))
    for needed in ("Undo", "Redo", "Search", "Next annotation", "Next uncoded turn", "Show one code",
                   "Select sentence", "Select turn", "Remove", "Recode", "Memo", "Reload codebook", "Quit"):
        assert needed in titles


def test_panels_toggle_and_start_hidden_when_narrow(tui_study):
    async def wide(pilot):
        screen = coding(pilot)
        assert screen.query_one("#side").display
        await pilot.press("f2")
        assert not screen.query_one("#codebook-box").display and screen.query_one("#side").display
        await pilot.press("f4")
        assert not screen.query_one("#side").display
        await pilot.press("f2")
        assert screen.query_one("#codebook-box").display

    async def narrow(pilot):
        screen = coding(pilot)
        assert not screen.query_one("#side").display
        await pilot.press("f4")
        await wait_until(pilot, lambda: "Under the cursor" in screen_text(pilot.app))
        assert screen.query_one("#details-box").display
        assert "Under the cursor" in screen_text(pilot.app)

    run_app(make_app(tui_study.root), wide)
    run_app(make_app(tui_study.root), narrow, size=(80, 24))


def test_details_show_code_definition_and_annotations_here(tui_study):
    async def scenario(pilot):
        coding(pilot).view.move_to(TUI_TRANSCRIPT.index("grandmother"))
        await wait_until(pilot, lambda: "coder alice" in screen_text(pilot.app)
                         and "Include: First-person accounts." in screen_text(pilot.app))
        text = screen_text(pilot.app)
        assert "Personal experience" in text and "coder alice" in text
        assert "Include: First-person accounts." in text
        assert "here: Personal experience" in text  # the status line too

    run_app(make_app(tui_study.root), scenario)


def test_reload_codebook_and_its_errors(tui_study):
    path = tui_study.root / "codebook.yaml"

    async def scenario(pilot):
        screen = coding(pilot)
        path.write_text(path.read_text("utf-8") + "  - {id: new-code, name: Brand new code, key: n}\n", "utf-8")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "codebook reloaded" in screen.status_message
                         and "Brand new code" in screen_text(pilot.app))
        assert "codebook reloaded" in screen.status_message and "new-code" in screen.session.codebook.codes
        assert "Brand new code" in screen_text(pilot.app)
        await pilot.press(*["shift+right"] * 5, "n")
        path.write_text("codes:\n  - {id: a, key: q}\n  - {id: a}\n", "utf-8")
        await pilot.press("f5")
        await pilot.pause()
        from tcoder.tui.screens.dialogs import MessageDialog

        assert isinstance(pilot.app.screen, MessageDialog)
        assert "duplicate code id" in screen_text(pilot.app)
        await pilot.press("enter")
        await pilot.pause()
        assert "new-code" in coding(pilot).session.codebook.codes  # the old one is kept

    run_app(make_app(tui_study.root), scenario)
    assert ("new-code", 0, 5) in codes_on_disk(tui_study)


def test_save_now(tui_study):
    async def scenario(pilot):
        await pilot.press("ctrl+s")
        assert "saved P01.alice.json" in coding(pilot).status_message

    run_app(make_app(tui_study.root), scenario)
    assert len(saved(tui_study)) == 3


def test_transcript_list_opens_and_returns(tui_study):
    from tcoder.tui.screens.transcripts import TranscriptListScreen

    async def scenario(pilot):
        assert isinstance(pilot.app.screen, TranscriptListScreen)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "focus-groups/FG1.txt" in text and "alice, bob" in text
        await pilot.press("down", "enter")  # interviews/P01.txt is second
        await pilot.pause()
        screen = coding(pilot)
        assert screen.session.ref.name == P01
        await pilot.press(*["shift+right"] * 11, "o")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TranscriptListScreen)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        row = next(line for line in screen_text(pilot.app).splitlines() if P01 in line)
        assert " 4 " in row  # alice now has 4 annotations

    run_app(make_app(tui_study.root, transcript=None), scenario)


def test_the_list_shows_a_file_no_command_would_read_as_unreadable(tui_study):
    """A coder's file with a key written twice is refused by every command: the list says
    'unreadable' where it would count it (it once counted its lines)."""
    from tcoder.tui.screens.transcripts import TranscriptListScreen

    path = tui_study.root / "interviews" / "P01.alice.json"
    path.write_text(path.read_text("utf-8").replace('"code": "personal",', '"code": "personal", "code": "x",', 1),
                    encoding="utf-8")

    async def scenario(pilot):
        assert isinstance(pilot.app.screen, TranscriptListScreen)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        row = next(line for line in screen_text(pilot.app).splitlines() if P01 in line)
        assert "unreadable" in row and " 3 " not in row
        fg1 = next(line for line in screen_text(pilot.app).splitlines() if "FG1.txt" in line)
        assert "unreadable" not in fg1

    run_app(make_app(tui_study.root, transcript=None), scenario)


def test_list_is_reached_from_a_transcript_opened_directly(tui_study):
    from tcoder.tui.screens.transcripts import TranscriptListScreen

    async def scenario(pilot):
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TranscriptListScreen)

    run_app(make_app(tui_study.root), scenario)


def test_ctrl_q_quits(tui_study):
    async def scenario(pilot):
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not pilot.app.is_running

    app = make_app(tui_study.root)
    run_app(app, scenario)
    assert app.return_code == 0


# ---------------------------------------------------------------- the coder, locks, files changed on disk


def test_coder_name_is_asked_once_and_validated(fresh_tui_study):
    from tcoder.tui.screens.dialogs import CoderNameDialog

    async def scenario(pilot):
        assert isinstance(pilot.app.screen, CoderNameDialog)
        await pilot.press(*"Bad Name", "enter")
        await pilot.pause()
        assert "not valid" in screen_text(pilot.app)
        for _ in range(8):
            await pilot.press("backspace")
        await pilot.press(*"bob", "enter")
        await pilot.pause()
        await pilot.press(*["shift+right"] * 11, "p")

    run_app(make_app(fresh_tui_study.root, coder=None), scenario)
    assert codes_on_disk(fresh_tui_study, "bob") == [("personal", 0, 11)]


def test_second_view_of_the_same_file_is_read_only(tui_study):
    from tcoder.session import CodingSession
    from tcoder.study import open_study

    holder = CodingSession(open_study(tui_study.root), P01, "alice")
    try:
        async def scenario(pilot):
            screen = coding(pilot)
            assert screen.session.read_only
            text = screen_text(pilot.app)
            assert "read-only" in text and "READ-ONLY" in text
            await pilot.press(*["shift+right"] * 11, "p")
            assert "read-only" in screen.status_message
            await pilot.press("ctrl+z")
            assert "read-only" in screen.status_message
            holder.apply("outreach", 13, 20)  # the other window codes: this one follows
            st = os.stat(holder.path)
            os.utime(holder.path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
            await wait_until(pilot, lambda: "outreach" in {a.code for a in screen.session.annotations})
            assert "outreach" in {a.code for a in screen.session.annotations}

        run_app(make_app(tui_study.root), scenario)
    finally:
        holder.close()
    assert ("outreach", 13, 19) in codes_on_disk(tui_study) and ("personal", 0, 11) not in codes_on_disk(tui_study)


def test_file_changed_on_disk_is_merged_while_coding(tui_study):
    from tcoder.annotations import AnnotationFile, new_annotation, save_annotations

    path = tui_study.root / "interviews/P01.alice.json"

    async def scenario(pilot):
        screen = coding(pilot)
        af = read_annotations(path)
        af.annotations.append(new_annotation("outreach", 13, 20, TUI_TRANSCRIPT))
        save_annotations(AnnotationFile(af.coder, af.transcript, af.text_sha256, af.annotations), path)
        st = os.stat(path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        await wait_until(pilot, lambda: "outreach" in {a.code for a in screen.session.annotations})
        assert "outreach" in {a.code for a in screen.session.annotations}
        await pilot.press(*["shift+right"] * 11, "p")

    run_app(make_app(tui_study.root), scenario)
    codes = {c for c, _, _ in codes_on_disk(tui_study)}
    assert {"outreach", "personal", "witnessing", "curriculum"} <= codes


def test_key_remapped_in_tcoder_yaml(fresh_tui_study):
    (fresh_tui_study.root / "tcoder.yaml").write_text("keys:\n  undo: f6\n  pick_code: [ctrl+w]\n", "utf-8")

    async def scenario(pilot):
        await pilot.press(*["shift+right"] * 11, "p")
        await pilot.press("ctrl+z")  # no longer undo
        assert len(coding(pilot).session.annotations) == 1
        await pilot.press("f6")
        assert coding(pilot).session.annotations == []
        await pilot.press("space")  # no longer the picker
        await pilot.pause()
        assert coding(pilot)

    run_app(make_app(fresh_tui_study.root), scenario)


def test_transcript_text_is_shown_literally(tui_study):
    async def scenario(pilot):
        text = screen_text(pilot.app)
        assert "[bold]no[/bold]" in text
        assert "\u241b[31mred" in text and "\x1b" not in text

    run_app(make_app(tui_study.root), scenario)


def test_broken_annotation_file_is_reported_not_overwritten(tui_study):
    path = tui_study.root / "interviews/P01.alice.json"
    path.write_text('{"format": "tcoder-annotations/1", "annotations": [', "utf-8")
    app = make_app(tui_study.root)

    async def scenario(pilot):
        await pilot.pause()

    run_app(app, scenario)
    assert app.return_code == 1 and "not valid JSON" in str(app.problems[0])
    assert path.read_text("utf-8").endswith("[")


def test_mouse_click_moves_the_cursor_and_shift_click_selects(fresh_tui_study):
    async def scenario(pilot):
        view = coding(pilot).view
        await pilot.click("#transcript", offset=(view.gutter_width + 5, 0))
        assert view.cursor == 5 and view.selection is None
        await pilot.click("#transcript", offset=(view.gutter_width + 11, 0), shift=True)
        assert view.selection == (5, 11)
        await pilot.mouse_down("#transcript", offset=(view.gutter_width, 0))
        await pilot.hover("#transcript", offset=(view.gutter_width + 11, 0))
        await pilot.mouse_up("#transcript", offset=(view.gutter_width + 11, 0))
        assert view.selection == (0, 11)
        await pilot.hover("#transcript", offset=(view.gutter_width + 20, 0))
        assert view.selection == (0, 11)  # moving without a button pressed selects nothing

    run_app(make_app(fresh_tui_study.root), scenario)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_no_color_still_shows_codes_by_key(tui_study, monkeypatch, size):
    monkeypatch.setenv("NO_COLOR", "1")

    async def scenario(pilot):
        assert pilot.app.no_color
        lines = screen_text(pilot.app).splitlines()
        amara = next(line for line in lines if "my grandmother" in line)
        assert amara.startswith("pw")

    run_app(make_app(tui_study.root), scenario, size=size)


def test_every_movement_and_selection_key(fresh_tui_study):
    """Each key of the view, from the middle of Amara's first turn, lands where the navigator says."""
    from tcoder.codebook import COMMAND_KEYS
    from tcoder.transcript import Transcript
    from tcoder.tui.keymap import COMMANDS
    from tcoder.tui.navigation import Navigator

    t = TUI_TRANSCRIPT
    nav = Navigator(Transcript(t))
    here = t.index("was treated")
    sentence = nav.sentence_at(here)
    turn = nav.turn_body(nav.turn_at(here))
    expected = {
        "cursor_left": (here - 1, None), "cursor_right": (here + 1, None),
        "select_left": (here - 1, (here - 1, here)), "select_right": (here + 1, (here, here + 1)),
        "word_left": (nav.word_left(here), None), "word_right": (nav.word_right(here), None),
        "select_word_left": (nav.word_left(here), (nav.word_left(here), here)),
        "select_word_right": (nav.word_right(here), (here, nav.word_right(here))),
        "previous_sentence": (sentence[0], None), "next_sentence": (nav.next_sentence(here), None),
        "select_previous_sentence": (sentence[0], (sentence[0], here)),
        "select_next_sentence": (sentence[1], (here, sentence[1])),
        "previous_turn": (turn[0], None), "next_turn": (nav.next_turn(here), None),
        "select_previous_turn": (turn[0], (turn[0], here)), "select_next_turn": (turn[1], (here, turn[1])),
        "document_start": (0, None), "document_end": (len(t), None),
        "select_sentence": (sentence[1], sentence), "select_turn": (turn[1], turn),
        "clear_selection": (here, None),
    }
    vertical = {"cursor_up", "cursor_down", "select_up", "select_down", "line_start", "line_end",
                "select_line_start", "select_line_end", "page_up", "page_down", "select_page_up",
                "select_page_down"}
    view_commands = [c.id for c in COMMANDS if c.where == "view"]
    assert set(view_commands) == set(expected) | vertical

    async def scenario(pilot):
        view = coding(pilot).view
        for command in view_commands:
            view.move_to(here)
            await pilot.press(COMMAND_KEYS[command][0])
            if command in expected:
                assert (view.cursor, view.selection) == expected[command], command
            else:
                moved = view.cursor != here
                assert moved, command
                assert (view.selection is not None) == command.startswith("select_"), command

    run_app(make_app(fresh_tui_study.root), scenario, size=(80, 24))


def test_quit_with_a_memo_being_written_asks_first(tui_study):
    from tcoder.tui.screens.dialogs import ConfirmDialog, MemoDialog

    async def scenario(pilot):
        coding(pilot).view.move_to(TUI_TRANSCRIPT.index("We pushed"))
        await pilot.press("ctrl+e")
        await pilot.pause()
        await pilot.press(*"half a thought")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("escape")  # no: back to the memo
        await pilot.pause()
        assert isinstance(pilot.app.screen, MemoDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not pilot.app.is_running

    run_app(make_app(tui_study.root), scenario)
    assert [a.memo for a in saved(tui_study) if a.code == "curriculum"] == ["half a thought"]


def test_a_code_key_then_quit_at_once_saves(fresh_tui_study):
    async def scenario(pilot):
        await pilot.press(*["shift+right"] * 11)
        await pilot.press("p", "ctrl+q")  # no pause: the save may still be running
        await pilot.pause()

    app = make_app(fresh_tui_study.root)
    run_app(app, scenario)
    assert app.return_code == 0
    assert codes_on_disk(fresh_tui_study) == [("personal", 0, 11)]


def test_quit_when_saving_fails_asks_first(fresh_tui_study):
    from test_session import ReadOnlyFolder

    from tcoder.tui.screens.dialogs import ConfirmDialog

    folder = fresh_tui_study.root / "interviews"

    async def scenario(pilot):
        with ReadOnlyFolder(folder):
            await pilot.press(*["shift+right"] * 11, "p")
            await wait_until(pilot, lambda: "NOT SAVED" in screen_text(pilot.app))
            assert "NOT SAVED" in screen_text(pilot.app)
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(pilot.app.screen, ConfirmDialog)
            assert "could not be saved" in screen_text(pilot.app)
            await pilot.press("escape")
        await pilot.press("ctrl+s")  # the folder is writable again
        await wait_until(pilot, lambda: "NOT SAVED" not in screen_text(pilot.app))
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not pilot.app.is_running

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("personal", 0, 11)]


# ---------------------------------------------------------------- merge conflicts


def _merge_conflict_on_disk(builder):
    """alice's file as a git merge leaves it: two annotations, one with a conflict record."""
    from tcoder.annotations import AnnotationFile, new_annotation, save_annotations
    from tcoder.merge import Conflict, conflict_record
    from tcoder.transcript import text_sha256

    text = TUI_TRANSCRIPT
    start = text.index("We pushed")
    base = new_annotation("curriculum", start, start + 36, text)
    ours, theirs = base.copy(memo="renal block push"), base.copy(code="leaders", memo="with the dean")
    calm = new_annotation("personal", text.index("my grandmother"), text.index(" That stayed"), text)
    save_annotations(AnnotationFile("alice", "P01.txt", text_sha256(text),
                                    [calm, conflict_record(Conflict(base.id, base, ours, theirs))]),
                     builder.root / "interviews/P01.alice.json")
    return base.id


@pytest.mark.parametrize("key, code, memo", [("f12", "curriculum", "renal block push"),
                                             ("shift+f12", "leaders", "with the dean")])
def test_a_merge_conflict_is_shown_and_settled_in_the_coding_screen(fresh_tui_study, key, code, memo):
    aid = _merge_conflict_on_disk(fresh_tui_study)

    async def scenario(pilot):
        screen = coding(pilot)
        assert any("1 unresolved merge conflict" in n.message for n in pilot.app._notifications)
        screen.view.move_to(TUI_TRANSCRIPT.index("We pushed") + 3)
        await wait_until(pilot, lambda: "renal block push" in screen_text(pilot.app))
        shown = screen_text(pilot.app)
        assert "unresolved merge conflict" in shown and "renal block push" in shown and "with the dean" in shown
        await pilot.press(key)
        await wait_until(pilot, lambda: "merge conflict settled" in screen.status_message
                         and "unresolved merge conflict" not in screen_text(pilot.app))
        assert "merge conflict settled" in screen.status_message and "0 left" in screen.status_message
        assert "unresolved merge conflict" not in screen_text(pilot.app)
        on_disk = {a.id: a for a in saved(fresh_tui_study)}
        assert (on_disk[aid].code, on_disk[aid].memo) == (code, memo) and "conflict" not in on_disk[aid].extra
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: "conflict" in {a.id: a for a in saved(fresh_tui_study)}[aid].extra)
        assert "conflict" in {a.id: a for a in saved(fresh_tui_study)}[aid].extra
        await pilot.press(key)

    run_app(make_app(fresh_tui_study.root), scenario)
    assert [("conflict" in a.extra) for a in saved(fresh_tui_study)] == [False, False]


def test_settling_where_there_is_no_conflict_says_so(tui_study):
    async def scenario(pilot):
        await pilot.press("f12")
        assert "no merge conflict in this file" in coding(pilot).status_message

    run_app(make_app(tui_study.root), scenario)


# ---------------------------------------------------------------- keys typed fast


def test_keys_typed_fast_into_the_picker_are_all_there_and_apply_no_code(fresh_tui_study):
    """space opens the picker; the letters typed right behind it belong to the picker's
    text box, not to the coding screen (where they are code keys), and none is lost."""
    from tcoder.tui.screens.picker import CodePicker
    from tuikit import type_burst, wait_until

    async def scenario(pilot):
        await pilot.press(*["shift+right"] * 11)
        type_burst(pilot.app, ["space", *"wpo", *["backspace"] * 3, *"moral", "space", *"injury"])
        def typed() -> str | None:
            screen = pilot.app.screen
            return screen.query_one("#picker-input").value if isinstance(screen, CodePicker) else None

        await wait_until(pilot, lambda: pilot.app.key_order.idle and typed() == "moral injury",
                         what=lambda: f"the picker's text is {typed()!r}")
        assert saved(fresh_tui_study) == []  # no letter reached the coding screen
        type_burst(pilot.app, ["escape", *"pw"])  # the picker closes; then two code keys
        await wait_until(pilot, lambda: pilot.app.key_order.idle and len(saved(fresh_tui_study)) == 2,
                         what="both codes applied after the picker closed")

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codes_on_disk(fresh_tui_study) == [("personal", 0, 11), ("witnessing", 0, 11)]


def _palette_entries(pilot) -> list[str]:
    from textual.command import CommandList

    options = pilot.app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]


def test_the_palette_offers_tcoders_commands_only_and_those_that_apply(fresh_tui_study, tui_study):
    """Not Textual's own (colour theme, keys panel, screenshot, maximize); "theme" finds the
    themes of the analysis; the transcript list offers no coding commands."""
    from tuikit import type_burst, wait_until

    textual_own = {"Theme", "Keys", "Screenshot", "Maximize", "Minimize"}

    async def on_coding_screen(pilot):
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: len(_palette_entries(pilot)) > 20, what="the palette lists commands")
        listed = _palette_entries(pilot)
        assert "Undo" in listed and "Themes" in listed and "Next uncoded turn" in listed
        assert not textual_own & set(listed), listed
        assert not any(t.startswith("Next open") for t in listed)  # a compare command: not here
        type_burst(pilot.app, [*"theme"])
        await wait_until(pilot, lambda: _palette_entries(pilot)[:1] == ["Themes"],
                         what=lambda: f"the palette shows {_palette_entries(pilot)}")
        assert not textual_own & set(_palette_entries(pilot))

    run_app(make_app(fresh_tui_study.root), on_coding_screen)

    async def on_the_transcript_list(pilot):
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: len(_palette_entries(pilot)) > 2, what="the palette lists commands")
        listed = _palette_entries(pilot)
        assert "Memos" in listed and "Help" in listed
        assert "Undo" not in listed and "Select sentence" not in listed and not textual_own & set(listed), listed

    run_app(make_app(tui_study.root, transcript=None), on_the_transcript_list)


def test_a_long_message_never_pushes_the_transcript_name_off_the_status_line(fresh_tui_study):
    from tcoder.tui.widgets.status_bar import StatusBar

    async def scenario(pilot):
        screen = coding(pilot)
        screen.flash("a message long enough to fill the whole status line and more: " + "words " * 30)
        await pilot.pause()
        text = screen.query_one(StatusBar).text
        assert text.lstrip().startswith("interviews/P01.txt \u2502 "), text
        assert "a message long enough" in text and "\u2026" in text  # the message is cut short instead

    run_app(make_app(fresh_tui_study.root), scenario, size=(80, 24))


def test_a_large_annotation_file_is_read_after_the_transcript_is_on_screen(tui_study, monkeypatch):
    """The transcript's rows are drawn before a large file is read; then its codes show, and
    coding works."""
    from tcoder.session import CodingSession

    monkeypatch.setattr("tcoder.session.coding.LARGE_FILE_BYTES", 100)
    app = make_app(tui_study.root)
    drawn_before_reading: list[bool] = []
    read = CodingSession.finish_loading

    def finish_loading(session):
        if session.loading:
            view = app.screen.view
            drawn_before_reading.append(view._wrap is not None and len(view._row_cache) > 0)
        read(session)

    monkeypatch.setattr(CodingSession, "finish_loading", finish_loading)

    async def scenario(pilot):
        screen = coding(pilot)
        await wait_until(pilot, lambda: not screen.session.loading)
        await pilot.pause()
        assert len(screen.session.annotations) == len(saved(tui_study))
        assert "Amara" in screen_text(pilot.app) and "reading" not in screen_text(pilot.app)
        before = len(saved(tui_study))
        await pilot.press("shift+right", "shift+right", "shift+right", "p")
        await wait_until(pilot, lambda: len(saved(tui_study)) == before + 1)

    run_app(app, scenario)
    assert drawn_before_reading == [True]


def test_a_large_annotation_file_found_broken_once_read_is_reported_not_overwritten(tui_study, monkeypatch):
    monkeypatch.setattr("tcoder.session.coding.LARGE_FILE_BYTES", 20)
    path = tui_study.root / "interviews/P01.alice.json"
    path.write_text('{"format": "tcoder-annotations/1", "annotations": [', "utf-8")
    app = make_app(tui_study.root)

    async def scenario(pilot):
        await pilot.pause(0.3)

    run_app(app, scenario)
    assert app.return_code == 1 and "not valid JSON" in str(app.problems[0])
    assert path.read_text("utf-8").endswith("[")


def _long_transcript() -> str:
    import random

    rng = random.Random(4)
    words = ["clinic", "grandmother", "caf\u00e9", "ward", "\u65e5\u672c", "renal", "x" * 30]
    turns = [f"{'Interviewer' if i % 2 == 0 else 'Amara'}: "
             + " ".join(rng.choice(words) for _ in range(rng.randint(3, 90))) for i in range(600)]
    return "\n\n".join(turns) + "\n"


@pytest.mark.parametrize("keys", [["ctrl+end", "pageup", "up"], ["pagedown"] * 3 + ["down"] * 5,
                                  ["ctrl+home", "pagedown", "shift+down"]])
def test_a_long_transcript_is_wrapped_at_a_new_width_visible_part_first(fresh_tui_study, monkeypatch, keys):
    """On a new width only the lines around the cursor are wrapped at once; the whole text
    follows a few lines at a time. The screen shows, and the keys do, exactly what they do
    when the whole text is wrapped at once, during and after (the scroll bar aside, whose
    thumb is where it would be if the lines not wrapped yet fitted on one row each)."""
    from tcoder.tui.wrap import WrapIndex

    fresh_tui_study.transcript(text=_long_transcript())
    monkeypatch.setattr("tcoder.tui.widgets.transcript_view.WRAP_STEP_SECONDS", 0.0)  # 64 lines a step
    monkeypatch.setattr("tcoder.tui.widgets.transcript_view.WRAP_STEP_EVERY", 0.05)

    def run(lazy: bool) -> list[tuple[str, int]]:
        monkeypatch.setattr("tcoder.tui.widgets.transcript_view.LAZY_WRAP_CHARS", 1000 if lazy else 10**9)
        seen: list[tuple[str, int]] = []

        def shown(pilot, view) -> str:
            return screen_text(pilot.app).translate({ord(c): " " for c in "\u2581\u2582\u2583\u2584\u2585"
                                                      "\u2586\u2587\u2588\u2594"})  # no scroll bar

        async def scenario(pilot):
            view = coding(pilot).view
            await wait_until(pilot, lambda: view._wrap is not None and view._wrap.exact_lines is None)
            await pilot.press(*["pagedown"] * 4, "down", "down")
            for width in (96, 88):
                await pilot.resize_terminal(width, 40)
                await pilot.pause()
                assert (view._wrap.exact_lines is not None) == lazy  # only the part around the cursor
                seen.append((shown(pilot, view), view.cursor))
                await pilot.press(*keys)
                seen.append((shown(pilot, view), view.cursor))
                await wait_until(pilot, lambda: view._wrap.exact_lines is None)
                await pilot.pause()
                seen.append((shown(pilot, view), view.cursor))  # nothing moved when the whole wrap came in
                whole = WrapIndex(view.text, view.wrap.width, view.transcript.line_starts)
                assert (view.wrap.starts, view.wrap.ends) == (whole.starts, whole.ends)

        run_app(make_app(fresh_tui_study.root), scenario)
        return seen

    lazy, at_once = run(True), run(False)
    assert len(lazy) == len(at_once) == 6
    for (shown, cursor), (expected, expected_cursor) in zip(lazy, at_once, strict=True):
        assert cursor == expected_cursor
        assert shown == expected


def test_a_taller_window_shows_rows_of_the_whole_wrap_while_it_is_being_made(fresh_tui_study, monkeypatch):
    fresh_tui_study.transcript(text=_long_transcript())
    monkeypatch.setattr("tcoder.tui.widgets.transcript_view.WRAP_STEP_EVERY", 60.0)  # not finished in this test

    def run(lazy: bool) -> str:
        monkeypatch.setattr("tcoder.tui.widgets.transcript_view.LAZY_WRAP_CHARS", 1000 if lazy else 10**9)
        seen: list[str] = []

        async def scenario(pilot):
            view = coding(pilot).view
            await pilot.press("pagedown", "down")
            await pilot.resize_terminal(120, 70)
            await pilot.pause()
            top = int(view.scroll_offset.y)
            assert (view.wrap.exact_lines is not None) == lazy
            assert view.wrap.is_exact(top, top + view.scrollable_content_region.height - 1)
            seen.append(screen_text(pilot.app).translate({ord(c): " " for c in "\u2581\u2582\u2583\u2584\u2585"
                                                          "\u2586\u2587\u2588\u2594"}))

        run_app(make_app(fresh_tui_study.root), scenario, size=(120, 12))
        return seen[0]

    assert run(True) == run(False)

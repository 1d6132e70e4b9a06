"""Pilot tests: developing the codebook from the coding screen, as a user does it.

New codes from the picker and its form, in-vivo codes, editing a code from the
codebook panel, the study-wide operations from the panel with their preview and
ctrl+z, the split review, and a partner's change arriving through the file watch.
Every test looks at the files on disk, not only at the screen."""

from __future__ import annotations

import asyncio
import os

from codebookkit import snapshot
from tcoder.annotations import read_annotations
from tcoder.codebook import load_codebook
from tcoder.codebook_history import history_path, read_history
from tuikit import TUI_TRANSCRIPT, make_app, run_app, screen_text, wait_until

P01 = "interviews/P01.txt"
GRAND = TUI_TRANSCRIPT.index("my grandmother")


def on_disk(builder, coder="alice"):
    path = builder.root / f"interviews/P01.{coder}.json"
    return sorted((a.code, a.start, a.end) for a in read_annotations(path).annotations) if path.exists() else []


def codebook_of(builder):
    return load_codebook(builder.root / "codebook.yaml")


def rendered(renderable) -> str:
    from rich.console import Console

    console = Console(width=120, record=True, file=open(os.devnull, "w"))
    console.print(renderable)
    return console.export_text()


def keys(text: str) -> list[str]:
    names = {" ": "space", "-": "minus", ".": "full_stop", ",": "comma", "'": "apostrophe"}
    return [names.get(c, c) for c in text]


def screen_name(pilot) -> str:
    return type(pilot.app.screen).__name__


async def select(pilot, start: int, end: int) -> None:
    view = pilot.app.screen.view
    view.select(start, end)
    await pilot.pause()


async def panel_on(pilot, code_id: str) -> None:
    """Focus the codebook panel (shift+F2) and put its cursor on ``code_id``."""
    from tcoder.tui.widgets.codebook_panel import CodebookPanel

    await pilot.press("shift+f2")
    panel = pilot.app.screen.query_one(CodebookPanel)
    assert panel.has_focus
    await pilot.press("home")
    while panel.cursor_code != code_id:
        await pilot.press("down")
    await pilot.pause()


# ---------------------------------------------------------------- new codes while coding


def test_a_name_no_code_has_is_offered_as_a_new_code_whose_form_creates_and_applies_it(fresh_tui_study):
    before = snapshot(fresh_tui_study.root)
    end = GRAND + len("my grandmother")

    async def scenario(pilot):
        await select(pilot, GRAND, end)
        await pilot.press("space")
        await pilot.press(*keys("Hope for change"))
        assert "New code: Hope for change" in screen_text(pilot.app)
        await pilot.press("enter")
        assert screen_name(pilot) == "CodeForm"
        form = pilot.app.screen
        assert form.query_one("#code-id").value == "hope-for-change"
        assert "free keys: h" in str(form.query_one("#free-keys").render())
        form.query_one("#key").value = "h"
        form.query_one("#include").value = "Optimism that things can change"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen_name(pilot) == "CodingScreen"
        text = screen_text(pilot.app)
        assert "Hope for change" in text  # in the codebook panel at once
        assert pilot.app.screen.session.codebook.by_key["h"].id == "hope-for-change"
        # at once on disk: the codebook, its history and the coder's file, one step
        assert ("hope-for-change", GRAND, end) in on_disk(fresh_tui_study)
        code = codebook_of(fresh_tui_study)["hope-for-change"]
        assert (code.key, code.include) == ("h", "Optimism that things can change")
        assert [e.op for e in read_history(history_path(fresh_tui_study.root / "codebook.yaml")).entries] == ["new"]
        # the key works at once, and the help screen lists the new code
        await select(pilot, 0, 11)
        await pilot.press("h")
        assert ("hope-for-change", 0, 11) in on_disk(fresh_tui_study)
        await pilot.press("f1")
        help_screen = pilot.app.screen
        assert screen_name(pilot) == "HelpScreen"
        from tcoder.tui.screens.help import help_text

        listed = rendered(help_text(help_screen.codebook, help_screen.key_map))
        assert "Hope for change" in listed and "in-vivo" in listed and "split into two codes" in listed
        await pilot.press("escape")

    run_app(make_app(fresh_tui_study.root), scenario)
    assert "hope-for-change" in {c for c, _, _ in on_disk(fresh_tui_study)}
    assert snapshot(fresh_tui_study.root).keys() >= before.keys()


def test_ctrl_z_right_after_creating_a_code_takes_the_code_and_its_passage_back_byte_for_byte(tui_study):
    before = snapshot(tui_study.root)

    async def scenario(pilot):
        await select(pilot, 0, 11)
        await pilot.press("space", *keys("Zest"), "enter")
        assert screen_name(pilot) == "CodeForm"
        await pilot.press("enter")  # enter in a field creates it
        await pilot.pause()
        assert ("zest", 0, 11) in on_disk(tui_study)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert "zest" not in pilot.app.screen.session.codebook.codes
        assert not any(a.code == "zest" for a in pilot.app.screen.session.annotations)

    run_app(make_app(tui_study.root), scenario)
    after = snapshot(tui_study.root)
    assert after == before


def test_the_form_refuses_a_taken_key_and_keeps_what_was_typed(fresh_tui_study):
    before = snapshot(fresh_tui_study.root)

    async def scenario(pilot):
        await select(pilot, 0, 11)
        await pilot.press("space", *keys("Zest"), "enter")
        form = pilot.app.screen
        form.query_one("#key").value = "p"  # Personal experience has it
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen_name(pilot) == "CodeForm"
        error = str(form.query_one("#form-error").render())
        assert "already the key of 'personal'" in error
        assert form.query_one("#name").value == "Zest"
        await pilot.press("escape")

    run_app(make_app(fresh_tui_study.root), scenario)
    assert snapshot(fresh_tui_study.root) == before


def test_in_vivo_names_a_code_by_the_selected_words_and_applies_it(fresh_tui_study):
    start = TUI_TRANSCRIPT.index("That stayed with me")
    end = TUI_TRANSCRIPT.index(", and it still")
    name = "That stayed with me for a long time"
    code_id = "that-stayed-with-me-for-a-long-time"

    async def scenario(pilot):
        await select(pilot, start - 1, end + 1)  # a space and the comma around the words
        await pilot.press("quotation_mark")
        await pilot.pause()
        screen = pilot.app.screen
        assert screen.session.codebook[code_id].name == name
        assert f"in-vivo code \u201c{name}\u201d created and applied" in screen.status_message
        # the same words again apply the same code (no second code)
        await select(pilot, start, end)
        await pilot.press("quotation_mark")

    run_app(make_app(fresh_tui_study.root), scenario)
    assert codebook_of(fresh_tui_study)[code_id].name == name
    assert on_disk(fresh_tui_study) == [(code_id, start, end), (code_id, start, end + 1)]
    assert [c for c in codebook_of(fresh_tui_study).codes if c.startswith("that-stayed")] == [code_id]


# ---------------------------------------------------------------- the codebook panel


def test_editing_a_codes_definition_key_and_colour_from_the_panel_changes_only_its_lines(tui_study):
    path = tui_study.root / "codebook.yaml"
    original = path.read_text("utf-8")

    async def scenario(pilot):
        await panel_on(pilot, "duty")
        await pilot.press("e")
        assert screen_name(pilot) == "CodeForm"
        form = pilot.app.screen
        form.query_one("#description").text = "A duty felt as a doctor-to-be."
        form.query_one("#key").value = "u"
        form.query_one("#colour").value = "#D55E00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen_name(pilot) == "CodingScreen"
        # the new key codes at once, back in the transcript
        await pilot.press("escape")
        await select(pilot, 0, 11)
        await pilot.press("u")

    run_app(make_app(tui_study.root), scenario)
    duty = codebook_of(tui_study)["duty"]
    assert (duty.description, duty.key, duty.color) == ("A duty felt as a doctor-to-be.", "u", "#D55E00")
    assert ("duty", 0, 11) in on_disk(tui_study)
    changed = [line for line in path.read_text("utf-8").splitlines() if line not in original.splitlines()]
    assert all("duty" in line or "Professional duty" in line or "D55E00" in line or "doctor-to-be" in line
               or "key: u" in line for line in changed), changed


def test_rename_from_the_panel_shows_a_preview_then_rewrites_every_coders_file_and_ctrl_z_restores(tui_study):
    before = snapshot(tui_study.root)

    async def scenario(pilot):
        await panel_on(pilot, "personal")
        await pilot.press("r")
        assert screen_name(pilot) == "TextPrompt"
        field = pilot.app.screen.query_one("#field-0")
        field.value = "lived-experience"
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(pilot) == "PreviewDialog"
        text = screen_text(pilot.app)
        assert "Would rename" in text and "alice" in text and "bob" in text
        assert snapshot(tui_study.root) == before  # nothing written by the preview
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(pilot) == "CodingScreen"
        assert {"lived-experience"} <= {c for c, _, _ in on_disk(tui_study)}
        assert "personal" not in {c for c, _, _ in on_disk(tui_study, "bob")}
        assert "lived-experience" in {a.code for a in pilot.app.screen.session.annotations}
        await pilot.press("escape", "ctrl+z")
        await pilot.pause()
        assert "personal" in pilot.app.screen.session.codebook.codes

    run_app(make_app(tui_study.root), scenario)
    assert snapshot(tui_study.root) == before


def test_merge_from_the_panel_into_a_code_picked_by_name(tui_study):
    async def scenario(pilot):
        await panel_on(pilot, "witnessing")
        await pilot.press("m")
        assert screen_name(pilot) == "CodePicker"
        assert "New code" not in screen_text(pilot.app)
        await pilot.press(*keys("Personal experience"), "enter")
        await pilot.pause()
        assert screen_name(pilot) == "PreviewDialog"
        await pilot.press("enter")
        await pilot.pause()

    run_app(make_app(tui_study.root), scenario)
    assert "witnessing" not in codebook_of(tui_study).codes
    assert "witnessing" not in {c for c, _, _ in on_disk(tui_study)}


def test_move_from_the_panel_to_the_top_level(tui_study):
    async def scenario(pilot):
        await panel_on(pilot, "duty")
        await pilot.press("v")
        await pilot.press("enter")  # the first option: the top level
        await pilot.pause()
        assert screen_name(pilot) == "PreviewDialog"
        await pilot.press("enter")
        await pilot.pause()

    run_app(make_app(tui_study.root), scenario)
    assert codebook_of(tui_study)["duty"].parent is None


def test_delete_from_the_panel_says_how_many_annotations_per_coder_go_with_it(tui_study):
    async def scenario(pilot):
        await panel_on(pilot, "personal")
        await pilot.press("d")
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "alice 1, bob 1" in text
        await pilot.press("escape")  # no: nothing changes
        await pilot.pause()
        assert "personal" in codebook_of(tui_study).codes
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    run_app(make_app(tui_study.root), scenario)
    assert "personal" not in codebook_of(tui_study).codes
    assert on_disk(tui_study, "bob") == []


def test_split_review_assigns_each_passage_of_every_coder(tui_study):
    async def scenario(pilot):
        await panel_on(pilot, "personal")
        await pilot.press("s")
        assert screen_name(pilot) == "TextPrompt"
        prompt = pilot.app.screen
        prompt.query_one("#field-0").value = "Family experience"
        prompt.query_one("#field-1").value = "Own experience"
        prompt.query_one("#field-1").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(pilot) == "SplitReviewScreen"
        text = screen_text(pilot.app)
        assert "alice" in text and "bob" in text and "grandmother" in text
        await pilot.press("enter")  # refused: passages undecided
        assert "still undecided" in screen_text(pilot.app)
        await pilot.press("1", "3")
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(pilot) == "PreviewDialog"
        await pilot.press("enter")
        await pilot.pause()

    run_app(make_app(tui_study.root), scenario)
    codebook = codebook_of(tui_study)
    assert "personal" not in codebook.codes
    assert {"family-experience", "own-experience"} <= set(codebook.codes)
    codes = [c for c, _, _ in on_disk(tui_study)] + [c for c, _, _ in on_disk(tui_study, "bob")]
    assert codes.count("family-experience") == 2 and codes.count("own-experience") == 1


def test_the_history_from_the_panel(tui_study):
    async def scenario(pilot):
        await panel_on(pilot, "duty")
        await pilot.press("h")  # no history yet: said so
        assert "no history yet" in pilot.app.screen.status_message
        await pilot.press("e")
        pilot.app.screen.query_one("#include").value = "Duty as a professional"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        assert screen_name(pilot) == "HistoryDialog"
        assert "duty" in screen_text(pilot.app)

    run_app(make_app(tui_study.root), scenario)


def test_letters_in_the_focused_panel_never_code_text(tui_study):
    before = snapshot(tui_study.root)

    async def scenario(pilot):
        await select(pilot, 0, 11)
        await panel_on(pilot, "duty")
        await pilot.press("p", "a")
        assert "no panel command" in pilot.app.screen.status_message
        await pilot.press("escape")
        assert pilot.app.screen.view.has_focus

    run_app(make_app(tui_study.root), scenario)
    assert snapshot(tui_study.root) == before


def test_a_click_on_the_panel_shows_a_definition_and_letters_still_code(fresh_tui_study):
    from tcoder.tui.widgets.codebook_panel import CodebookPanel

    async def scenario(pilot):
        await select(pilot, 0, 11)
        await pilot.click(CodebookPanel, offset=(6, 1))
        assert not pilot.app.screen.query_one(CodebookPanel).has_focus
        await pilot.press("p")
        # into the panel and out again: the same
        await panel_on(pilot, "duty")
        await pilot.press("escape")
        await pilot.click(CodebookPanel, offset=(6, 2))
        await select(pilot, 0, 11)
        await pilot.press("w")

    run_app(make_app(fresh_tui_study.root), scenario)
    assert on_disk(fresh_tui_study) == [("personal", 0, 11), ("witnessing", 0, 11)]


def test_small_terminal_the_panel_opens_with_its_key(tui_study):
    async def scenario(pilot):
        assert not pilot.app.screen.query_one("#codebook-box").display
        await panel_on(pilot, "duty")
        assert pilot.app.screen.query_one("#codebook-box").display
        await pilot.press("e")
        await pilot.pause()
        assert "Description" in screen_text(pilot.app)
        assert "cancel" in screen_text(pilot.app)

    run_app(make_app(tui_study.root), scenario, size=(80, 24))


# ---------------------------------------------------------------- a partner's change


def test_an_operation_in_another_window_reaches_an_open_screen_through_the_watch(tui_study):
    from tcoder.codebook_ops import rename_code
    from tcoder.study import open_study

    async def scenario(pilot):
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.watching)  # the folder watch that sees bob's change
        # bob, in his own window (another study object, as another process would have)
        done = await asyncio.to_thread(rename_code, open_study(tui_study.root), "personal", "lived-experience",
                                       who="bob")
        assert [left.coder for left in done.plan.left] == ["alice"]  # alice's file is open here
        await wait_until(pilot, lambda: "lived-experience" in screen.session.codebook.codes)
        assert "lived-experience" in {a.code for a in screen.session.annotations}
        await wait_until(pilot, lambda: "lived-experience" in {c for c, _, _ in on_disk(tui_study)})

    run_app(make_app(tui_study.root), scenario)

"""The study search screen: typing a pattern, options, filters, hits, stopping, opening a hit."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from tcoder.tui.screens.coding import CodingScreen
from tcoder.tui.screens.study_search import StudySearchScreen, parse_filters
from tuikit import TUI_TRANSCRIPT, make_app, run_app, screen_text, wait_until


async def search_for(pilot, text: str, filters: str = "") -> StudySearchScreen:
    app = pilot.app
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(app.screen, StudySearchScreen))
    screen = app.screen
    screen.query_one("#pattern", Input).value = text
    screen.query_one("#filters", Input).value = filters
    screen.query_one("#pattern", Input).focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: not screen.searching)
    return screen


def test_search_lists_hits_and_enter_opens_the_transcript_at_the_hit(tui_study):
    app = make_app(tui_study.root, transcript=None)

    async def scenario(pilot):
        screen = await search_for(pilot, "clinic")
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        text = screen_text(app)
        assert "2 hits in 1 of 2 transcripts" in text
        assert "the clinic. That stayed" in text
        table.focus()
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CodingScreen))
        view = app.screen.view
        hit = TUI_TRANSCRIPT.index("free clinic") + len("free ")
        await wait_until(pilot, lambda: view.selection == (hit, hit + len("clinic")))
        # ctrl+t again brings back the same results
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, StudySearchScreen))
        assert app.screen is screen and screen.query_one(DataTable).row_count == 2

    run_app(app, scenario)


def test_options_filters_and_errors(tui_study):
    app = make_app(tui_study.root, transcript=None)

    async def again(pilot, screen, pattern=None, filters=None):
        if pattern is not None:
            screen.query_one("#pattern", Input).value = pattern
        if filters is not None:
            screen.query_one("#filters", Input).value = filters
        screen.query_one("#pattern", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.searching)

    async def scenario(pilot):
        screen = await search_for(pilot, "CLINIC")
        assert screen.query_one(DataTable).row_count == 2
        await pilot.press("alt+c")  # match case: nothing
        await again(pilot, screen)
        assert screen.query_one(DataTable).row_count == 0
        assert "case matched" in screen_text(app)
        await pilot.press("alt+c", "alt+w")
        await again(pilot, screen, "clin")
        assert screen.query_one(DataTable).row_count == 0  # whole words only
        await pilot.press("alt+w", "alt+r")
        await again(pilot, screen, "clinic(al")
        assert "not a valid regular expression: missing ) at position 10" in screen_text(app)
        await again(pilot, screen, "w\\w+", "speaker=Ben")
        assert screen.query_one(DataTable).row_count == 0
        await pilot.press("alt+r")
        await again(pilot, screen, "she", "inside=motivation coder=alice")
        assert [h.start for h in screen.hits] == [TUI_TRANSCRIPT.index("she was")]
        await again(pilot, screen, None, "nonsense")
        assert "is not NAME=VALUE" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, StudySearchScreen)

    run_app(app, scenario)


def test_escape_stops_a_runaway_regex_without_freezing(study_builder):
    study_builder.codebook()
    for i in range(4):
        study_builder.transcript(f"t{i}.txt", "A: " + "x" * 4000 + "\n")
    app = make_app(study_builder.root, transcript=None)

    async def scenario(pilot):
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, StudySearchScreen))
        screen = app.screen
        screen.query_one("#pattern", Input).value = "(x+x+)+y"
        await pilot.press("alt+r", "enter")
        await wait_until(pilot, lambda: screen.searching)
        assert screen.searching
        # the screen answers keys while the pattern backtracks in the worker
        await pilot.press("alt+c")
        assert screen.searching and "case matched" in screen_text(app)
        await pilot.press("escape")
        assert not screen.searching and "stopped" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, StudySearchScreen)

    run_app(app, scenario)


def test_filter_line_parsing():
    f = parse_filters("speaker=Amara,Ben inside=motivation group=control coder=alice transcript=interviews/*")
    assert f.speakers == ["Amara", "Ben"] and f.inside == ["motivation"] and f.coders == ["alice"]
    assert f.attributes == {"group": ["control"]} and f.transcripts == ["interviews/*"]


def test_code_from_results_reviews_then_codes_as_one_undoable_step(tui_study, run_cli):
    """Marked hits -> a code -> the review list (accept/skip, hit/sentence/turn) -> one step,
    written through the coding screen open on the same file, undone byte for byte."""
    from codebookkit import snapshot
    from tcoder.annotations import autocode_query, read_annotations
    from tcoder.changeset import operations
    from tcoder.tui.screens.autocode_review import AutocodeReviewScreen
    from tcoder.tui.screens.picker import CodePicker

    root = tui_study.root
    before = snapshot(root)
    app = make_app(root)  # alice's coding screen on P01 holds her file

    async def scenario(pilot):
        coding = app.screen
        screen = await search_for(pilot, "clinic")
        review = await review_second_clinic_as_outreach(pilot, app, screen)
        text = screen_text(app)
        assert "Code from results: Community outreach for alice" in text
        assert "We also ran a free clinic day in the neighbourhood." in text  # its sentence, by default
        assert "1 passage to code outreach for alice in 1 transcript" in text
        await pilot.press("alt+t")  # sentence -> turn
        assert review.target == "turn"
        assert "We pushed to change the renal block. We also ran" in screen_text(app)
        await pilot.press("alt+t")  # turn -> the hit itself
        assert review.target == "hit"
        await pilot.press("space")  # skip it ...
        assert "nothing to code" in screen_text(app)
        await pilot.press("ctrl+s")
        assert app.screen is review and "accept some passages first" in screen_text(app)
        await pilot.press("space", "ctrl+s")  # ... accept it again, apply
        await wait_until(pilot, lambda: app.screen is screen)
        assert "coded 1 passage as outreach for alice in 1 file (one step: tcoder undo" in screen_text(app)
        made = [a for a in coding.session.annotations if a.code == "outreach"]
        assert [(TUI_TRANSCRIPT[a.start:a.end], autocode_query(a)) for a in made] == [
            ("clinic", "search text 'clinic' (case ignored, accents ignored); as hit")]
        # never twice: the same hit is now shown as coded
        await pilot.press("alt+k")
        await wait_until(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press(*"outreach", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AutocodeReviewScreen))
        await pilot.press("alt+t", "alt+t")
        assert "1 already coded outreach" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        assert "nothing was coded" in screen_text(app)

    run_app(app, scenario)
    on_disk = read_annotations(root / "interviews/P01.alice.json").annotations
    assert [autocode_query(a) for a in on_disk if a.code == "outreach"] == [
        "search text 'clinic' (case ignored, accents ignored); as hit"]
    (op,) = operations(root)
    assert op.kind == "autocode"
    code, out, err = run_cli("undo", root)
    assert code == 0, err
    assert snapshot(root) == before


async def review_second_clinic_as_outreach(pilot, app, screen):
    """Mark the second 'clinic' hit only, choose Community outreach: the review list it opens."""
    from tcoder.tui.screens.autocode_review import AutocodeReviewScreen
    from tcoder.tui.screens.picker import CodePicker

    screen.query_one(DataTable).focus()
    await pilot.press("down", "space")
    assert screen.marked == {1} and "1 of 2 hits marked" in screen_text(app)
    await pilot.press("alt+k")
    await wait_until(pilot, lambda: isinstance(app.screen, CodePicker))
    await pilot.press(*"outreach", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, AutocodeReviewScreen))
    return app.screen


async def _code_clinic_from_results(pilot, app, screen) -> None:
    """Code the second 'clinic' hit itself as outreach, as one batch."""
    await review_second_clinic_as_outreach(pilot, app, screen)
    await pilot.press("alt+t", "alt+t", "ctrl+s")
    await wait_until(pilot, lambda: app.screen is screen)


def outside_journal(files: dict) -> dict:
    return {path: content for path, content in files.items() if not str(path).startswith(".tcoder")}


def test_a_batch_coded_from_results_is_undone_from_the_search_screen(tui_study):
    """ctrl+z on the results asks, then takes the batch back through the open coding screen:
    every file byte for byte as before, the coding screen without the batch's passage."""
    from codebookkit import snapshot
    from tcoder.changeset import operations
    from tcoder.tui.screens.dialogs import ConfirmDialog

    root = tui_study.root
    before = snapshot(root)
    app = make_app(root)  # alice's coding screen on P01 holds her file

    async def scenario(pilot):
        coding = app.screen
        screen = await search_for(pilot, "clinic")
        await pilot.press("ctrl+z")
        assert "no batch coded from these results to undo" in screen_text(app)
        await _code_clinic_from_results(pilot, app, screen)
        assert "ctrl+z undoes this batch: coded 1 passage as outreach" in screen_text(app)
        assert [a.code for a in coding.session.annotations].count("outreach") == 1
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("escape")  # no: nothing changes
        await wait_until(pilot, lambda: app.screen is screen)
        assert "the batch stays coded" in screen_text(app)
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen and "undone: autocode 1 passage" in screen_text(app))
        assert "outreach" not in [a.code for a in coding.session.annotations]
        assert outside_journal(snapshot(root)) == outside_journal(before)
        await pilot.press("ctrl+z")
        assert "no batch coded from these results to undo" in screen_text(app)

    run_app(app, scenario)
    assert outside_journal(snapshot(root)) == outside_journal(before)  # and after the app saved on quitting
    batch, undone = operations(root)  # both recorded: the batch, and its undo
    assert (batch.kind, undone.undo_of) == ("autocode", batch.id)


def test_an_undo_is_refused_when_the_coder_changed_the_file_since_the_batch(tui_study):
    from tcoder.tui.screens.dialogs import ConfirmDialog

    root = tui_study.root
    app = make_app(root)

    async def scenario(pilot):
        coding = app.screen
        screen = await search_for(pilot, "clinic")
        await _code_clinic_from_results(pilot, app, screen)
        await pilot.press("escape")  # back to the coding screen: code something more
        await wait_until(pilot, lambda: app.screen is coding)
        ward = TUI_TRANSCRIPT.index("a ward")
        coding.view.select(ward, ward + len("a ward"))
        await pilot.press("w")
        await wait_until(pilot, lambda: any(a.code == "witnessing" and a.start == ward
                                          for a in coding.session.annotations))
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: app.screen is screen)
        screen.query_one(DataTable).focus()
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen)
        text = screen_text(app)
        assert "undone" not in text.split("\n")[-3:]
        assert screen.last_batch is not None  # still there to try again
        codes = [a.code for a in coding.session.annotations]
        assert "outreach" in codes and "witnessing" in codes  # nothing changed, nothing lost

    run_app(app, scenario)

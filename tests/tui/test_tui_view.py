"""The transcript view on its own: partial repaints, wrapping, literal text, several coders."""

from __future__ import annotations

import random

from tcoder.annotations import Annotation
from tuikit import TUI_TRANSCRIPT, make_app, run_app


def _visible_strips(view) -> list[str]:
    return [repr(list(view.render_line(y))) for y in range(view.scrollable_content_region.height)]


def test_moves_repaint_every_row_that_changes(tui_study):
    """The view repaints only some rows after a move; none that changed may be left out."""

    async def scenario(pilot):
        view = pilot.app.screen.query_one("#transcript")
        refreshed: list[tuple[int, int]] = []
        real_refresh = view.refresh

        def recording_refresh(*regions, **kwargs):
            for region in regions:
                refreshed.append((region.y, region.y + region.height))
            if not regions:
                refreshed.append((0, 10_000))
            return real_refresh(*regions, **kwargs)

        view.refresh = recording_refresh
        rng = random.Random(5)
        actions = ["cursor_left", "cursor_right", "cursor_up", "cursor_down", "select_left", "select_right",
                   "select_up", "select_down", "select_word_right", "select_next_sentence", "select_sentence",
                   "select_turn", "clear_selection", "word_left", "select_line_end", "select_previous_turn"]
        for _ in range(150):
            before = _visible_strips(view)
            top = view.scroll_offset.y
            refreshed.clear()
            await view.run_action(rng.choice(actions))
            if view.scroll_offset.y != top:
                continue  # a scroll repaints everything
            after = _visible_strips(view)
            changed = {y for y, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}
            covered = {y for lo, hi in refreshed for y in range(lo, hi)}
            assert changed <= covered, (changed - covered, view.cursor, view.selection)

    run_app(make_app(tui_study.root), scenario, size=(80, 24))


def test_wide_characters_and_controls_keep_columns(study_builder):
    from tuikit import TUI_CODEBOOK

    study_builder.codebook(TUI_CODEBOOK)
    text = ("Interviewer: \u65e5\u672c\u8a9e\u306e\u6587\u7ae0 " * 12
            + "\n\nAmara: tab\there, bell\x07, null-ish \x7f.\n")
    study_builder.transcript("interviews/P01.txt", text)

    async def scenario(pilot):
        view = pilot.app.screen.query_one("#transcript")
        from rich.cells import cell_len

        for y in range(len(view.wrap)):
            strip = view.render_line(y)
            assert strip.cell_length == view.scrollable_content_region.width
            assert "\x07" not in strip.text and "\x7f" not in strip.text
        assert any("\u2407" in view.render_line(y).text for y in range(len(view.wrap)))
        # every wide-character row fits in the text width
        for start, end in zip(view.wrap.starts, view.wrap.ends, strict=True):
            assert cell_len(text[start:end].replace("\t", " ")) <= view.text_width

    run_app(make_app(study_builder.root), scenario, size=(60, 20))


def test_several_coders_in_one_view(tui_study):
    """A comparison view can show several coders' spans, each with its own gutter column."""
    from tcoder.study import open_study
    from tcoder.tui.widgets.transcript_view import FixedSpans, SpanLayer

    study = open_study(tui_study.root)
    layers = [SpanLayer(coder, FixedSpans(study.load_annotations("interviews/P01.txt", coder).annotations))
              for coder in ("alice", "bob")]

    async def scenario(pilot):
        view = pilot.app.screen.query_one("#transcript")
        view.set_layers(layers)
        await pilot.pause()
        row = view.wrap.row_of(TUI_TRANSCRIPT.index("grandmother"))
        line = view.render_line(row - int(view.scroll_offset.y)).text
        assert line.startswith("pw  \u2502p   \u2502")  # alice: personal + witnessing; bob: personal
        assert view.gutter_width == 10

    run_app(make_app(tui_study.root), scenario)


def test_unknown_codes_are_drawn_with_a_question_mark(tui_study):
    from tcoder.tui.widgets.transcript_view import FixedSpans, SpanLayer

    async def scenario(pilot):
        view = pilot.app.screen.query_one("#transcript")
        view.set_layers([SpanLayer("x", FixedSpans([Annotation("u1", "not-in-codebook", 0, 11)]))])
        await pilot.pause()
        assert view.render_line(0).text.startswith("?   \u2502Interviewer")

    run_app(make_app(tui_study.root), scenario)


def test_status_line_drops_details_before_messages():
    from tcoder.tui.widgets.status_bar import fit_parts

    left = [("interviews/P01.txt", 1), ("alice", 2), ("3:28", 6), ("11 selected", 7),
            ("coded Personal experience (11 characters)", 8)]
    right = [("saved 10:42:07", 9), ("f1 help", 4)]
    wide = fit_parts(left, right, 120)
    assert wide == ("interviews/P01.txt \u2502 alice \u2502 3:28 \u2502 11 selected \u2502 coded Personal "
                    "experience (11 characters)", "saved 10:42:07 \u2502 f1 help")
    narrow_left, narrow_right = fit_parts(left, right, 60)
    assert narrow_right == "saved 10:42:07" and "coded Personal" in narrow_left
    tiny_left, tiny_right = fit_parts(left, right, 30)
    assert tiny_right == "saved 10:42:07" and tiny_left.startswith("coded") and tiny_left.endswith("\u2026")
    assert len(tiny_left) + len(tiny_right) + 2 <= 30


def test_toggling_panels_keeps_the_cursor_in_view(study_builder):
    """F2 and F4 change the text's width: the rows re-wrap and the cursor must stay on screen."""
    study_builder.codebook()
    text = "".join(f"P{i % 3}: " + "word " * 30 + f"line {i}.\n\n" for i in range(300))
    study_builder.transcript("interviews/P01.txt", text)

    async def scenario(pilot):
        view = pilot.app.screen.view
        view.move_to(text.index("line 200."))
        await pilot.pause(0.2)
        for key in ("f2", "f4", "f2", "f4"):
            await pilot.press(key)
            await pilot.pause(0.2)
            top, height = int(view.scroll_offset.y), view.scrollable_content_region.height
            assert top <= view.cursor_row < top + height, key

    run_app(make_app(study_builder.root), scenario)

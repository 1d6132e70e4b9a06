"""Pilot tests of the compare screen: every adjudication action by its keys, undo and
redo, moving between disagreements, coding by hand, and reopening where the team left off.

The study (tuikit): alice and bob on P01. Three disagreements, in order:
personal (boundary: alice 81-137, bob 81-95), witnessing (missing for bob, 97-137),
curriculum (missing for bob, 270-306).
"""

from __future__ import annotations

import pytest

from tcoder.adjudication import NONE_FIELD, SOURCES_FIELD
from tcoder.annotations import read_annotations
from tuikit import TUI_TRANSCRIPT, make_compare_app, run_app, screen_text, wait_until

T = TUI_TRANSCRIPT
GRAND, SAW, STAYED = T.index("my grandmother"), T.index("I saw"), T.index(" That stayed")
RENAL, ALSO = T.index("We pushed"), T.index(" We also")
BOB_END = GRAND + 14


def compare(pilot):
    from tcoder.tui.screens.compare import CompareScreen

    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen), screen
    return screen


async def settle(pilot, seconds: float = 0.05) -> None:
    """Let the screen redraw and the consensus reach the disk."""
    await pilot.pause(seconds)
    compare(pilot).session.flush()


def consensus(builder):
    path = builder.root / "interviews/P01.consensus.json"
    return read_annotations(path) if path.exists() else None


def consensus_spans(builder):
    af = consensus(builder)
    if af is None:
        return []
    return sorted((a.code, a.start, a.end, tuple(sorted(a.extra.get(SOURCES_FIELD) or ()))) for a in af.annotations)


def none_decisions(builder):
    af = consensus(builder)
    return [(r["code"], r["start"], r["end"]) for r in (af.extra.get(NONE_FIELD, []) if af else [])]


def current(pilot):
    screen = compare(pilot)
    d = screen.current_disagreement()
    return None if d is None else (d.code, d.start, d.end)


# ---------------------------------------------------------------- what is shown


def test_opens_on_the_first_disagreement_with_lanes_flags_and_counts(tui_study):
    async def scenario(pilot):
        screen = compare(pilot)
        assert current(pilot) == ("personal", GRAND, STAYED)
        text = screen_text(pilot.app)
        assert "alic\u2502bob \u2502cons\u2502" in text  # a lane per coder, and the consensus's
        assert "0/3 resolved" in text and "1/3 Personal experience" in text
        assert "Disagreement 1 of 3" in text and "1 alice: 81-137" in text and "2 bob: 81-95" in text
        rows = [line for line in text.splitlines() if "Amara: Honestly" in line or "grandmother" in line]
        assert rows and rows[0].startswith("\u25b6")  # the current disagreement's flag
        assert "\u2260" in text  # another open one further down
        assert screen.view.focus_range == (GRAND, STAYED)

    run_app(make_compare_app(tui_study.root), scenario)


def test_agreement_panel_shows_alpha_from_the_agreement_core(tui_study):
    from tcoder.agreement import code_alphas

    async def scenario(pilot):
        screen = compare(pilot)
        adj = screen.adjudication
        spans = {c: [(a.code, a.start, a.end) for a in adj.coder_annotations(c)] for c in adj.order}
        alphas = code_alphas(screen.session.transcript, spans, "char", screen.session.codebook)
        text = screen_text(pilot.app)
        personal = next(line for line in text.splitlines() if "Personal experience" in line and "\u2502" in line
                        and line.rstrip().endswith(f"{alphas['personal']:.2f}"))
        assert personal
        assert "alpha per code (char)" in text and "All codes (pooled)" in text

    run_app(make_compare_app(tui_study.root), scenario)


# ---------------------------------------------------------------- deciding


@pytest.mark.parametrize("keys, expected", [
    (["enter", "1"], [("personal", GRAND, STAYED, ("alice-0000",))]),
    (["enter", "2"], [("personal", GRAND, BOB_END, ("bob-0000",))]),
    (["plus"], [("personal", GRAND, STAYED, ("alice-0000", "bob-0000"))]),
    (["ampersand"], [("personal", GRAND, BOB_END, ("alice-0000", "bob-0000"))]),
    (["enter", "down", "down", "enter"], [("personal", GRAND, STAYED, ("alice-0000", "bob-0000"))]),
])
def test_each_decision_writes_the_consensus(tui_study, keys, expected):
    async def scenario(pilot):
        await pilot.press(*keys)
        await settle(pilot)
        assert compare(pilot).adjudication.resolved_count == 1
        assert current(pilot) == ("witnessing", SAW, STAYED)  # on to the next open one
        assert "1/3 resolved" in screen_text(pilot.app)

    run_app(make_compare_app(tui_study.root), scenario)
    assert consensus_spans(tui_study) == expected


def test_none_is_recorded_and_the_flag_turns_to_done(tui_study):
    async def scenario(pilot):
        await pilot.press("greater_than_sign")  # to witnessing
        assert current(pilot) == ("witnessing", SAW, STAYED)
        await pilot.press("minus")
        await settle(pilot)
        assert "witnessing" not in {a.code for a in compare(pilot).session.annotations}
        await pilot.press("less_than_sign")
        await wait_until(pilot, lambda: "consensus: none (decided" in screen_text(pilot.app))  # once the cursor rests
        assert current(pilot) == ("witnessing", SAW, STAYED)
        assert "consensus: none (decided" in screen_text(pilot.app)

    run_app(make_compare_app(tui_study.root), scenario)
    assert consensus_spans(tui_study) == []
    assert none_decisions(tui_study) == [("witnessing", SAW, STAYED)]


def test_the_decision_dialog_cancels_with_escape(tui_study):
    from tcoder.tui.screens.decide import DecisionDialog

    async def scenario(pilot):
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DecisionDialog)
        text = screen_text(pilot.app)
        assert "1  alice's version" in text and "2  bob's version" in text and "none of it" in text
        await pilot.press("escape")
        await pilot.pause()
        assert current(pilot) == ("personal", GRAND, STAYED)

    run_app(make_compare_app(tui_study.root), scenario)
    assert consensus(tui_study) is None


def test_undo_and_redo_every_decision(tui_study):
    async def scenario(pilot):
        await pilot.press("enter", "2")  # personal: bob's
        await pilot.press("minus")  # witnessing: none
        await pilot.press("plus")  # curriculum: union (alice's span)
        await settle(pilot)
        assert compare(pilot).adjudication.resolved_count == 3
        assert "all 3 disagreements are resolved" in compare(pilot).status_message
        await pilot.press("ctrl+z")
        assert current(pilot) == ("curriculum", RENAL, ALSO)
        await pilot.press("ctrl+z")
        assert current(pilot) == ("witnessing", SAW, STAYED)
        await settle(pilot)
        assert none_decisions(tui_study) == []
        await pilot.press("ctrl+z")
        assert current(pilot) == ("personal", GRAND, STAYED)
        await settle(pilot)
        assert consensus_spans(tui_study) == [] and compare(pilot).adjudication.resolved_count == 0
        await pilot.press("ctrl+y", "ctrl+y")
        assert current(pilot) == ("witnessing", SAW, STAYED)
        await settle(pilot)
        assert compare(pilot).adjudication.resolved_count == 2

    run_app(make_compare_app(tui_study.root), scenario)
    assert consensus_spans(tui_study) == [("personal", GRAND, BOB_END, ("bob-0000",))]
    assert none_decisions(tui_study) == [("witnessing", SAW, STAYED)]


def test_code_by_hand_remove_and_undo(tui_study):
    async def scenario(pilot):
        screen = compare(pilot)
        screen.view.select(SAW, SAW + 5)  # "I saw"
        await pilot.press("w")  # witnessing, by its codebook key
        await settle(pilot)
        assert screen.adjudication.resolved_count == 1
        assert consensus_spans(tui_study) == [("witnessing", SAW, SAW + 5, ("alice-0001",))]
        screen.view.move_to(SAW + 1)
        await pilot.press("delete")
        await settle(pilot)
        assert consensus_spans(tui_study) == []
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert consensus_spans(tui_study) == [("witnessing", SAW, SAW + 5, ("alice-0001",))]

    run_app(make_compare_app(tui_study.root), scenario)


def test_moving_between_disagreements(tui_study):
    async def scenario(pilot):
        screen = compare(pilot)
        await pilot.press("greater_than_sign")
        assert current(pilot) == ("witnessing", SAW, STAYED)
        await pilot.press("f8")
        assert current(pilot) == ("curriculum", RENAL, ALSO)
        assert screen.view.cursor == RENAL
        await pilot.press("f8")
        assert current(pilot) == ("personal", GRAND, STAYED) and "wrapped to the first" in screen.status_message
        await pilot.press("shift+f8")
        assert current(pilot) == ("curriculum", RENAL, ALSO)
        await pilot.press("less_than_sign")
        assert current(pilot) == ("witnessing", SAW, STAYED)
        await pilot.press("minus")  # decided: on to curriculum
        await pilot.press("exclamation_mark")  # the next open one after curriculum is personal
        assert current(pilot) == ("personal", GRAND, STAYED)
        await pilot.press("plus", "plus")  # personal, then curriculum
        await pilot.press("exclamation_mark")
        assert "all 3 disagreements are resolved" in screen.status_message

    run_app(make_compare_app(tui_study.root), scenario)


def test_accept_every_agreement(study_builder):
    from tuikit import TUI_CODEBOOK

    study_builder.codebook(TUI_CODEBOOK)
    study_builder.transcript("interviews/P01.txt", T)
    study_builder.annotations("interviews/P01.txt", "alice", [("personal", GRAND, STAYED), ("curriculum", RENAL, ALSO)])
    study_builder.annotations("interviews/P01.txt", "bob", [("personal", GRAND, BOB_END), ("curriculum", RENAL, ALSO)])

    async def scenario(pilot):
        await pilot.press("equals_sign")
        await settle(pilot)
        assert "1 agreed span copied" in compare(pilot).status_message
        await pilot.press("equals_sign")
        assert "already has every span" in compare(pilot).status_message

    run_app(make_compare_app(study_builder.root), scenario)
    assert consensus_spans(study_builder) == [("curriculum", RENAL, ALSO, ("alice-0001", "bob-0001"))]


def test_reopening_continues_where_the_team_left_off(tui_study):
    async def first_sitting(pilot):
        await pilot.press("enter", "1")  # personal: alice's
        await pilot.press("minus")  # witnessing: none
        await settle(pilot)

    run_app(make_compare_app(tui_study.root), first_sitting)

    async def second_sitting(pilot):
        screen = compare(pilot)
        assert screen.adjudication.resolved_count == 2
        assert current(pilot) == ("curriculum", RENAL, ALSO)  # the first open one
        text = screen_text(pilot.app)
        assert "2/3 resolved" in text and "2 of 3 resolved" in text
        await pilot.press("less_than_sign")
        await wait_until(pilot, lambda: current(pilot) == ("witnessing", SAW, STAYED)
                         and "consensus: none (decided" in screen_text(pilot.app))
        assert current(pilot) == ("witnessing", SAW, STAYED)
        assert "consensus: none (decided" in screen_text(pilot.app)

    run_app(make_compare_app(tui_study.root), second_sitting)


def test_a_second_window_on_the_consensus_is_read_only(tui_study):
    from tcoder.session import CodingSession
    from tcoder.study import open_study

    holder = CodingSession(open_study(tui_study.root), "interviews/P01.txt", "consensus")
    try:
        async def scenario(pilot):
            screen = compare(pilot)
            assert screen.session.read_only and "READ-ONLY" in screen_text(pilot.app)
            await pilot.press("plus")
            assert "read-only" in screen.status_message
            await pilot.press("enter")
            assert "read-only" in screen.status_message

        run_app(make_compare_app(tui_study.root), scenario)
    finally:
        holder.close()
    assert consensus(tui_study) is None


def test_help_lists_the_compare_keys(tui_study):
    async def scenario(pilot):
        await pilot.press("f1")
        await pilot.pause()
        from tcoder.tui.screens.help import HelpScreen, help_text

        assert isinstance(pilot.app.screen, HelpScreen)
        for _ in range(6):
            await pilot.press("pagedown")
        await pilot.pause()
        plain = screen_text(pilot.app)
        for command in ("next_disagreement", "decide", "accept_union", "accept_intersection", "accept_none",
                        "accept_agreements", "next_open_disagreement"):
            assert command in plain
        # the panel keys as this screen names them: its panels are agreement and disagreement
        import io

        from rich.console import Console

        console = Console(width=120, record=True, file=io.StringIO())
        console.print(help_text(pilot.app.screen.codebook, pilot.app.screen.key_map, pilot.app.screen.title_of))
        listed = " ".join(console.export_text().split())
        assert "show or hide the agreement panel" in listed and "show or hide the current disagreement" in listed
        assert "show or hide the codebook panel" not in listed

    run_app(make_compare_app(tui_study.root), scenario)


def test_transcript_list_and_back(tui_study):
    async def scenario(pilot):
        from tcoder.tui.screens.transcripts import TranscriptListScreen

        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TranscriptListScreen)
        assert "coder consensus" in screen_text(pilot.app)
        assert "enter opens one to compare its coders and adjudicate" in screen_text(pilot.app)
        await pilot.press("down", "enter")  # the list is sorted: focus-groups/FG1 first, then P01
        await pilot.pause()
        assert current(pilot) == ("personal", GRAND, STAYED)

    run_app(make_compare_app(tui_study.root), scenario)


def test_a_transcript_with_one_coder_cannot_be_compared(tui_study):
    app = make_compare_app(tui_study.root, transcript="focus-groups/FG1.txt")

    async def scenario(pilot):
        pass

    run_app(app, scenario)
    assert app.return_code == 1 and "comparing needs two" in str(app.problems[0])


def test_dialog_titles_show_control_characters_as_glyphs(tui_study):
    from tcoder.tui.screens.decide import DecisionDialog

    path = tui_study.root / "codebook.yaml"
    path.write_text(path.read_text("utf-8").replace("name: Personal experience",
                                                    'name: "[bold red]Evil[/] \\e[31mred"'), "utf-8")

    async def scenario(pilot):
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DecisionDialog)
        text = screen_text(pilot.app)
        assert "[bold red]Evil[/] \u241b[31mred" in text and "\x1b" not in text
        await pilot.press("escape")

    run_app(make_compare_app(tui_study.root), scenario)


def test_reloading_the_codebook_recounts_the_disagreements(tui_study):
    async def scenario(pilot):
        screen = pilot.app.screen
        before = [d.code for d in screen.adjudication.disagreements]
        assert "witnessing" in before
        path = tui_study.root / "codebook.yaml"
        path.write_text(path.read_text("utf-8").replace("      - {id: witnessing, name: Witnessing inequity, key: w}\n",
                                                        ""), "utf-8")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "witnessing" not in [d.code for d in screen.adjudication.disagreements]
                         and f"of {len(screen.adjudication.disagreements)} resolved" in screen_text(pilot.app))
        after = [d.code for d in screen.adjudication.disagreements]
        assert "witnessing" not in after and len(after) == len(before) - before.count("witnessing")
        assert f"of {len(after)} resolved" in screen_text(pilot.app)

    run_app(make_compare_app(tui_study.root), scenario)


def test_deciding_when_the_coders_agree_everywhere_says_so(study_builder):
    from tuikit import TUI_CODEBOOK

    study_builder.codebook(TUI_CODEBOOK)
    study_builder.transcript("interviews/P01.txt", TUI_TRANSCRIPT)
    for coder in ("alice", "bob"):
        study_builder.annotations("interviews/P01.txt", coder, [("personal", GRAND, STAYED)])

    async def scenario(pilot):
        for key in ("enter", "plus", "minus"):
            await pilot.press(key)
            assert "the coders agree everywhere" in pilot.app.screen.status_message

    run_app(make_compare_app(study_builder.root), scenario)


def test_in_the_reflexive_approach_the_panel_shows_overlap_not_alpha(tui_study):
    """approach: reflexive: how alice's and bob's readings overlap, no alpha, no verdict."""
    (tui_study.root / "tcoder.yaml").write_text("approach: reflexive\n")

    async def scenario(pilot):
        await wait_until(pilot, lambda: "How the readings overlap" in screen_text(pilot.app))  # once settled
        text = screen_text(pilot.app)
        assert "Readings \u00b7 alice, bob" in text and "How the readings overlap" in text
        assert "alpha" not in text and "Agreement" not in text
        personal = next(line for line in text.splitlines() if "Personal experience" in line and "\u2502" in line)
        # alice coded [GRAND, STAYED), bob [GRAND, BOB_END): both BOB_END - GRAND, only alice the rest
        assert personal.split()[-2:] == [str(BOB_END - GRAND), f"{STAYED - BOB_END}/0"]

    run_app(make_compare_app(tui_study.root), scenario)


def test_f2_and_f4_name_and_toggle_the_compare_screens_own_panels(tui_study):
    """F2 hides the agreement panel and F4 the current disagreement; the palette calls them
    so, not "Codebook panel" and "Details panel" as on the coding screen."""
    from tcoder.tui.palette import TcoderCommands

    async def scenario(pilot):
        screen = compare(pilot)
        assert screen.query_one("#agreement-box").display and screen.query_one("#disagreement-box").display
        await pilot.press("f2")
        assert not screen.query_one("#agreement-box").display and screen.query_one("#disagreement-box").display
        await pilot.press("f4")
        assert not screen.query_one("#side").display
        await pilot.press("f2", "f4")
        assert screen.query_one("#agreement-box").display and screen.query_one("#disagreement-box").display
        titles = [title for title, _, _ in TcoderCommands(screen)._entries()]
        assert "Agreement panel" in titles and "Disagreement panel" in titles
        assert "Codebook panel" not in titles and "Details panel" not in titles

    run_app(make_compare_app(tui_study.root), scenario)

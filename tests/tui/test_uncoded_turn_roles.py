"""ctrl+u in the coding screen passes over the turns of speakers the study marks as not participants."""

from __future__ import annotations

from tuikit import TUI_TRANSCRIPT, make_app, run_app


def test_ctrl_u_skips_interviewer_questions(tui_study):
    from tcoder.tui.screens.coding import CodingScreen

    t = TUI_TRANSCRIPT
    tui_study.speakers("transcript,speaker,participant,role\nP01,Interviewer,,interviewer\n"
                       "P01,Amara,amara,participant\nP01,Ben,ben,participant\n")

    async def scenario(pilot):
        screen = pilot.app.screen
        assert isinstance(screen, CodingScreen)
        view = screen.view
        await pilot.press("ctrl+u")
        # Amara's first two answers are coded; without roles the jump stopped on the questions
        # between them ("And what", "Were there"), now it lands on her next uncoded answer
        assert t[view.cursor:].startswith("The dean"), t[view.cursor:view.cursor + 20]
        await pilot.press("ctrl+u")
        assert t[view.cursor:].startswith("I joined")
        await pilot.press("ctrl+u")
        assert screen.status_message == "every turn after this one has an annotation (turns of Interviewer are skipped)"

    run_app(make_app(tui_study.root), scenario)


def test_ctrl_u_skips_speakers_named_in_tcoder_yaml(tui_study):
    """Without a speakers file, tcoder.yaml's skip_speakers keeps ctrl+u off the questions."""
    t = TUI_TRANSCRIPT
    (tui_study.root / "tcoder.yaml").write_text("skip_speakers: [Interviewer]\n", "utf-8")

    async def scenario(pilot):
        screen = pilot.app.screen
        view = screen.view
        await pilot.press("ctrl+u")
        assert t[view.cursor:].startswith("The dean"), t[view.cursor:view.cursor + 20]
        await pilot.press("ctrl+u")
        assert t[view.cursor:].startswith("I joined")
        await pilot.press("ctrl+u")
        assert screen.status_message == ("every turn after this one has an annotation (turns of Interviewer are "
                                         "skipped)")

    run_app(make_app(tui_study.root), scenario)

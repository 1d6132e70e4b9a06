"""Live pairing: the coding and compare screens watch the transcript's folder and show
what another process saves (atomically: a new inode) within a second, without
touching that coder's file; their own saves are not echoed back as outside changes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time

from tcoder.annotations import read_annotations
from tuikit import TUI_TRANSCRIPT, make_app, make_compare_app, run_app, screen_text, wait_until

P01 = "interviews/P01.txt"
T = TUI_TRANSCRIPT
LIMIT = 1.0  # seconds from the other process's save to the screen showing it


def save_in_another_process(root, coder: str, code: str, start: int, end: int) -> float:
    """Add an annotation to a coder's file from a second Python process, with the
    atomic save every tcoder writer uses. Returns when the file was replaced."""
    script = textwrap.dedent(f"""
        from pathlib import Path
        from tcoder.annotations import AnnotationFile, new_annotation, read_annotations, save_annotations
        from tcoder.transcript import text_sha256
        path = Path({str(root / "interviews" / f"P01.{coder}.json")!r})
        text = Path({str(root / P01)!r}).read_text("utf-8")
        af = read_annotations(path) if path.exists() else AnnotationFile({coder!r}, "P01.txt", text_sha256(text))
        af.annotations.append(new_annotation({code!r}, {start}, {end}, text))
        save_annotations(af, path)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    return time.monotonic()


async def wait_for_watch(pilot, screen) -> None:
    await wait_until(pilot, lambda: screen.watching, what="the folder watch did not start")


async def seconds_until(pilot, predicate, since: float, limit: float = 5.0) -> float:
    while not predicate():
        if time.monotonic() - since > limit:
            raise AssertionError("the screen did not show the change")
        await pilot.pause(0.02)
    return time.monotonic() - since


def test_code_with_a_partner_shows_their_saves_live(tui_study):
    bob_file = tui_study.root / "interviews/P01.bob.json"
    start = T.index("We pushed")
    written = {}

    async def scenario(pilot):
        screen = pilot.app.screen
        await wait_for_watch(pilot, screen)
        [bob] = screen.partners
        assert "with bob" in screen_text(pilot.app)
        saved_at = await asyncio.to_thread(save_in_another_process, tui_study.root, "bob", "outreach", start,
                                           start + 9)
        written["bob"] = bob_file.read_bytes()
        took = await seconds_until(pilot, lambda: "outreach" in {a.code for a in bob.annotations}, saved_at)
        assert took < LIMIT, took
        def lane() -> str:
            row = next(line for line in screen_text(pilot.app).splitlines() if "We pushed" in line)
            return row.split("\u2502")[1].strip()

        await wait_until(pilot, lambda: lane() == "o")
        assert lane() == "o"  # bob's lane shows his new code on that row

    app = make_app(tui_study.root)
    app.partners = ["bob"]
    run_app(app, scenario)
    assert bob_file.read_bytes() == written["bob"]  # bob's file was only read, never written
    assert [a.code for a in read_annotations(bob_file).annotations] == ["personal", "outreach"]


def test_compare_recounts_when_a_coder_saves(tui_study):
    renal, also = T.index("We pushed"), T.index(" We also")

    async def scenario(pilot):
        screen = pilot.app.screen
        await wait_for_watch(pilot, screen)
        assert len(screen.adjudication.disagreements) == 3
        # bob codes curriculum exactly as alice did: that disagreement disappears
        saved_at = await asyncio.to_thread(save_in_another_process, tui_study.root, "bob", "curriculum", renal,
                                           also)
        took = await seconds_until(pilot, lambda: len(screen.adjudication.disagreements) == 2, saved_at)
        assert took < LIMIT, took
        await wait_until(pilot, lambda: "0/2 resolved" in screen_text(pilot.app))
        assert "0/2 resolved" in screen_text(pilot.app)

    run_app(make_compare_app(tui_study.root), scenario)


def test_own_saves_are_not_echoed_but_other_programs_changes_merge(fresh_tui_study):
    root = fresh_tui_study.root

    async def scenario(pilot):
        screen = pilot.app.screen
        await wait_for_watch(pilot, screen)
        for _ in range(3):
            await pilot.press("right_curly_bracket", "full_stop", "p")
        await wait_until(pilot, lambda: screen.session.save_state.status == "saved")
        screen.session.flush()
        await pilot.pause(0.3)  # time for an echo of our own saves to arrive, were there one: there must not be
        assert len(pilot.app._notifications) == 0  # no "file changed on disk" for our own saves
        assert len(screen.session.annotations) == 3
        # another program (a sync tool, a script) adds to alice's own file: merged by id
        saved_at = await asyncio.to_thread(save_in_another_process, root, "alice", "outreach", 0, 11)
        took = await seconds_until(pilot, lambda: len(screen.session.annotations) == 4, saved_at)
        assert took < LIMIT, took
        await wait_until(pilot, lambda: len(pilot.app._notifications) == 1)  # this one is said
        assert len(pilot.app._notifications) == 1  # this one is said
        await pilot.press("right_curly_bracket", "full_stop", "w")

    run_app(make_app(root), scenario)
    codes = sorted(a.code for a in read_annotations(root / "interviews/P01.alice.json").annotations)
    assert codes == ["outreach", "personal", "personal", "personal", "witnessing"]


def test_polling_takes_over_when_the_folder_cannot_be_watched(tui_study, monkeypatch):
    monkeypatch.setenv("TCODER_WATCH", "poll")

    async def scenario(pilot):
        screen = pilot.app.screen
        await pilot.pause(0.2)  # time for a watch to start, were there one: there must not be
        assert not screen.watching
        [bob] = screen.partners
        saved_at = await asyncio.to_thread(save_in_another_process, tui_study.root, "bob", "outreach", 0, 11)
        took = await seconds_until(pilot, lambda: "outreach" in {a.code for a in bob.annotations}, saved_at)
        assert took < 2.5, took  # one poll interval, plus the poll in flight

    app = make_app(tui_study.root)
    app.partners = ["bob"]
    run_app(app, scenario)


def test_with_names_another_valid_coder(run_cli, tui_study):
    code, _, err = run_cli("code", tui_study.root, "P01", "--coder", "alice", "--with", "alice")
    assert code == 2 and "--with alice: that is you" in err
    code, _, err = run_cli("code", tui_study.root, "P01", "--coder", "alice", "--with", "bob,Carol C")
    assert code == 2 and "--with" in err and "not valid" in err


def test_live_updates_when_the_study_is_named_by_a_relative_path_or_a_symlink(tui_study, tmp_path, monkeypatch):
    """`tcoder code . P01 --with bob`: the watcher reports absolute paths, which must
    still be recognised as bob's file (and so through a symlinked study folder)."""
    link = tmp_path / "linked-study"
    link.symlink_to(tui_study.root)
    for named in (".", str(link)):
        monkeypatch.chdir(tui_study.root if named == "." else tmp_path)
        start = T.index("We pushed") if named == "." else T.index("free clinic")

        async def scenario(pilot, start=start):
            screen = pilot.app.screen
            await wait_for_watch(pilot, screen)
            [bob] = screen.partners
            saved_at = await asyncio.to_thread(save_in_another_process, tui_study.root, "bob", "duty", start,
                                               start + 9)
            took = await seconds_until(pilot, lambda: any(a.start == start for a in bob.annotations), saved_at)
            assert took < LIMIT, took

        app = make_app(named)
        app.partners = ["bob"]
        run_app(app, scenario)

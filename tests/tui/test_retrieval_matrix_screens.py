"""The retrieval browser (ctrl+b) and the matrix screen (shift+f10): listing, sorting, coders, in-place
changes written to the coder's file, cells opening their passages."""

from __future__ import annotations

from textual.widgets import DataTable

from tcoder.annotations import read_annotations
from tcoder.tui.screens.coding import CodingScreen
from tcoder.tui.screens.dialogs import ConfirmDialog, MemoDialog
from tcoder.tui.screens.matrix_screen import MatrixScreen, coder_choices
from tcoder.tui.screens.picker import CodePicker
from tcoder.tui.screens.retrieval import RetrievalScreen
from tuikit import TUI_TRANSCRIPT, make_app, run_app, screen_text, wait_until


async def open_retrieval(pilot, code_name: str) -> RetrievalScreen:
    app = pilot.app
    await pilot.press("ctrl+b")
    await wait_until(pilot, lambda: isinstance(app.screen, CodePicker))
    await pilot.press(*code_name, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, RetrievalScreen))
    screen = app.screen
    await wait_until(pilot, lambda: screen.result is not None)
    return screen


async def open_matrix(pilot) -> MatrixScreen:
    """Shift+F10, and wait until the matrix is counted."""
    app = pilot.app
    await pilot.press("shift+f10")
    await wait_until(pilot, lambda: isinstance(app.screen, MatrixScreen))
    screen = app.screen
    await wait_until(pilot, lambda: screen.matrix is not None and not screen.building)
    return screen


def quotes(screen: RetrievalScreen) -> list[tuple[str, str]]:
    return [(r.coder, TUI_TRANSCRIPT[r.start:r.end]) for r in screen.rows]


def test_retrieval_lists_a_theme_across_coders_sorts_and_filters(tui_study):
    app = make_app(tui_study.root, transcript=None)

    async def scenario(pilot):
        screen = await open_retrieval(pilot, "Motivations")
        text = screen_text(app)
        assert "Passages of Motivations and its sub-codes" in text
        assert "3 passages (alice 2, bob 1)" in text
        assert quotes(screen) == [("bob", "my grandmother"),
                                  ("alice", "my grandmother. I saw how she was treated at the clinic."),
                                  ("alice", "I saw how she was treated at the clinic.")]
        assert [r.also_coded_by for r in screen.rows] == [["alice"], ["bob"], []]
        assert "Amara (interviews/P01.txt, line 3; bob)  [Personal experience]" in text  # the context panel
        assert "Honestly, it was my grandmother." in text
        await pilot.press("alt+o")  # by length
        assert screen.sort == "length"
        lengths = [r.length for r in screen.rows]
        assert lengths == sorted(lengths, reverse=True)
        await pilot.press("alt+w")  # alice alone
        assert screen.coders == ["alice"] and {r.coder for r in screen.rows} == {"alice"}
        await pilot.press("alt+m")  # alice's passages bob did not code
        assert screen.missing_from == "bob"
        assert quotes(screen) == [("alice", "I saw how she was treated at the clinic.")]
        assert "1 passage that bob did not code (alice 1)" in screen_text(app)
        await pilot.press("alt+x")  # the theme alone, without sub-codes: nothing
        assert screen.rows == [] and "0 passages" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, RetrievalScreen))

    run_app(app, scenario)


def test_retrieval_changes_passages_in_place_through_the_coders_file(tui_study):
    root = tui_study.root
    app = make_app(root, transcript=None)
    path = root / "interviews/P01.alice.json"

    async def scenario(pilot):
        screen = await open_retrieval(pilot, "Personal experience")
        assert [c for c, _ in quotes(screen)] == ["bob", "alice"]
        await pilot.press("down", "asterisk")  # alice's: exemplar
        await wait_until(pilot, lambda: "marked as an exemplar" in screen_text(app))
        assert [a.exemplar for a in read_annotations(path).annotations if a.code == "personal"] == [True]
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(app.screen, MemoDialog))
        await pilot.press(*"her grandmother", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen and "memo saved" in screen_text(app))
        assert [a.memo for a in read_annotations(path).annotations if a.code == "personal"] == ["her grandmother"]
        assert "memo: her grandmother" in screen_text(app)
        await pilot.press("up", "asterisk")  # bob's passage: not alice's to change
        assert "this is bob's passage: only bob can" in screen_text(app)
        await pilot.press("down", "ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press(*"Witnessing", "enter")
        await wait_until(pilot, lambda: app.screen is screen)
        assert "no longer listed here" in screen_text(app) and [c for c, _ in quotes(screen)] == ["bob"]
        codes = sorted(a.code for a in read_annotations(path).annotations)
        assert codes == ["curriculum", "witnessing", "witnessing"]
        await pilot.press("alt+c")
        await wait_until(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press(*"Curriculum advocacy", "enter")
        await wait_until(pilot, lambda: app.screen is screen and screen.code == "curriculum")
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen and screen.rows == [])
        assert sorted(a.code for a in read_annotations(path).annotations) == ["witnessing", "witnessing"]

    run_app(app, scenario)


def test_retrieval_changes_go_through_the_open_coding_screen(tui_study):
    """With P01 open for alice, the browser's change is made by that screen's session (one
    writer per file), which then shows it."""
    root = tui_study.root
    app = make_app(root)

    async def scenario(pilot):
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        await open_retrieval(pilot, "Curriculum advocacy")
        await pilot.press("asterisk")
        await wait_until(pilot, lambda: "marked as an exemplar" in screen_text(app))
        assert [a.exemplar for a in coding.session.annotations if a.code == "curriculum"] == [True]
        await pilot.press("enter")  # jump to the passage in its context
        await wait_until(pilot, lambda: app.screen is coding)
        start = TUI_TRANSCRIPT.index("We pushed")
        await wait_until(pilot, lambda: coding.view.selection[0] == start)

    run_app(app, scenario)
    (a,) = [a for a in read_annotations(root / "interviews/P01.alice.json").annotations if a.code == "curriculum"]
    assert a.exemplar


def test_matrix_screen_counts_cells_and_opens_their_passages(tui_study):
    app = make_app(tui_study.root, transcript=None)

    async def scenario(pilot):
        screen = await open_matrix(pilot)
        text = screen_text(app)
        assert "Matrix: codes x transcripts, counting passages" in text
        assert "coders: alice (alt+w)" in text  # no consensus: this app's coder, said so
        matrix = screen.matrix
        assert matrix.coders == ["alice"]
        assert matrix.value("motivation", "interviews/P01.txt") == 1  # personal and witnessing overlap: once
        assert matrix.value("curriculum", "interviews/P01.txt") == 1
        table = screen.query_one("#matrix", DataTable)
        table.move_cursor(row=matrix.rows.index("curriculum"), column=1 + matrix.columns.index("interviews/P01.txt"))
        await wait_until(pilot, lambda: len(screen.cell_items) == 1)
        assert "We pushed to change the renal block." in screen_text(app)
        await pilot.press("enter")  # into the cell's passages
        assert screen.query_one("#cell-passages", DataTable).has_focus
        await pilot.press("enter")  # opens the passage in the coding screen
        await wait_until(pilot, lambda: isinstance(app.screen, CodingScreen))
        await pilot.press("shift+f10")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.press("alt+w")  # bob alone
        await wait_until(pilot, lambda: screen.matrix is not None and screen.matrix.coders == ["bob"])
        await pilot.press("alt+w")  # alice and bob, pooled, and said so
        await wait_until(pilot, lambda: screen.matrix is not None and screen.matrix.coders == ["alice", "bob"])
        assert "alice, bob pooled" in screen_text(app)
        await pilot.press("alt+r", "alt+m", "alt+m")  # themes; passages -> participants -> words
        await wait_until(pilot, lambda: screen.matrix.row_kind == "themes" and screen.matrix.measure == "words"
                       and not screen.building)
        assert "Matrix: themes x transcripts, counting words" in screen_text(app)

    run_app(app, scenario)


def test_a_value_written_no_value_gets_its_own_column_in_the_matrix_screen(tui_study):
    """Columns are keyed by place: a site written "(no value)" beside transcripts with no site
    (two columns whose values once shared a key, and made the table refuse the second)."""
    (tui_study.root / "attributes.csv").write_text("transcript,site\ninterviews/P01.txt,(no value)\n",
                                                   encoding="utf-8")
    tui_study.annotations("focus-groups/FG1.txt", "alice", [("curriculum", 0, 10), ("personal", 12, 20)])
    app = make_app(tui_study.root, transcript=None)

    async def scenario(pilot):
        screen = await open_matrix(pilot)
        for _ in range(3):
            await wait_until(pilot, lambda: screen.matrix is not None and not screen.building)
            if screen.matrix.column_kind == "transcript attribute site":
                break
            await pilot.press("alt+l")
        matrix = screen.matrix
        assert matrix.column_kind == "transcript attribute site"
        assert matrix.column_names() == ['"(no value)"', "(no value)"]
        assert [matrix.value("curriculum", c) for c in matrix.columns] == [1, 1]
        assert [matrix.value("personal", c) for c in matrix.columns] == [1, 1]
        table = screen.query_one("#matrix", DataTable)
        assert len(table.columns) == 3
        text = screen_text(app)
        assert '"(no value)"' in text and "Cases per column (transcripts): \"(no value)\" 1, (no value) 1." in text

    run_app(app, scenario)


def test_a_matrix_that_cannot_be_counted_leaves_no_other_counts_on_screen(tui_study):
    """A transcript with two rows in attributes.csv: the matrix by that attribute says why it
    cannot be counted, and the previous matrix's numbers are gone from under its title."""
    (tui_study.root / "attributes.csv").write_text(
        "transcript,site\ninterviews/P01.txt,north\nfocus-groups/FG1.txt,south\ninterviews/P01.txt,south\n",
        encoding="utf-8")
    app = make_app(tui_study.root, transcript=None)

    async def scenario(pilot):
        screen = await open_matrix(pilot)
        table = screen.query_one("#matrix", DataTable)
        assert len(table.columns) == 3  # the transcripts
        await pilot.press("alt+l")
        await wait_until(pilot, lambda: not screen.building and screen.columns == "site")
        assert screen.matrix is None and len(table.columns) == 0 and table.row_count == 0
        assert "attributes.csv, line 4: interviews/P01.txt has two rows" in " ".join(screen_text(app).split())

    run_app(app, scenario)


def test_matrix_coders_are_never_pooled_by_default(tui_study):
    from tcoder.study import open_study

    study = open_study(tui_study.root)
    assert coder_choices(study, "bob") == [["bob"], ["alice"], ["alice", "bob"]]
    assert coder_choices(study, None) == [["alice"], ["bob"], ["alice", "bob"]]


async def code_personal(pilot, coding: CodingScreen, words: str, annotations: int) -> None:
    """Code ``words`` of P01 as Personal experience (key p) in the coding screen and wait until
    the coder's file holds ``annotations`` annotations."""
    start = TUI_TRANSCRIPT.index(words)
    coding.view.select(start, start + len(words))
    await pilot.press("p")
    path = coding.session.path
    await wait_until(pilot, lambda: path.exists() and len(read_annotations(path).annotations) == annotations)


def test_a_coders_first_file_and_later_coding_show_in_the_retrieval_browser(tui_study):
    """A coder who has no file yet codes in the coding screen: the browser lists that coder
    and the passage, and shown again after more coding it lists the new passage too."""
    root = tui_study.root
    app = make_app(root, coder="carol")

    async def scenario(pilot):
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        assert not (root / "interviews/P01.carol.json").exists()
        await code_personal(pilot, coding, "my grandmother", 1)
        screen = await open_retrieval(pilot, "Personal experience")
        assert screen.coders == ["alice", "bob", "carol"]
        assert ("carol", "my grandmother") in quotes(screen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is coding)
        await code_personal(pilot, coding, "the clinic", 2)
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: app.screen is screen)
        assert [q for q in quotes(screen) if q[0] == "carol"] == [("carol", "my grandmother"), ("carol", "the clinic")]

    run_app(app, scenario)


def test_the_matrix_counts_a_coders_first_file_and_counts_again_when_shown_again(tui_study):
    app = make_app(tui_study.root, coder="carol")

    async def scenario(pilot):
        coding = app.screen
        await code_personal(pilot, coding, "my grandmother", 1)
        screen = await open_matrix(pilot)
        assert screen.matrix.coders == ["carol"]  # this app's coder, whose file is new
        assert screen.matrix.value("personal", "interviews/P01.txt") == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is coding)
        await code_personal(pilot, coding, "a ward", 2)
        await pilot.press("shift+f10")
        await wait_until(pilot, lambda: app.screen is screen and not screen.building
                       and screen.matrix.value("personal", "interviews/P01.txt") == 2)

    run_app(app, scenario)


def test_the_passages_are_cut_again_to_fit_a_resized_terminal(tui_study):
    app = make_app(tui_study.root, transcript=None)

    async def scenario(pilot):
        screen = await open_retrieval(pilot, "Motivations")
        table = screen.query_one(DataTable)
        longest = max(range(len(screen.rows)), key=lambda i: screen.rows[i].length)
        table.move_cursor(row=longest)

        def shown() -> str:
            return str(table.get_cell(str(longest), "passage"))

        narrow = shown()
        assert narrow.endswith("\u2026")  # cut to the 90-column terminal
        await pilot.resize_terminal(160, 40)
        await wait_until(pilot, lambda: len(shown()) > len(narrow))
        assert not shown().endswith("\u2026")  # the whole passage fits now
        assert table.cursor_row == longest  # the cursor stays on its passage
        await pilot.resize_terminal(90, 40)
        await wait_until(pilot, lambda: shown() == narrow)

    run_app(app, scenario, size=(90, 40))

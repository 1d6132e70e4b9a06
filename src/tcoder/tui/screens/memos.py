"""Memos in the TUI: the list and reader, and the editor (built in, or the user's $EDITOR).

The list shows every memo and journal entry (or those about what the coding screen
had in view), filters by kind and by words, and reads the highlighted memo beside
it. The editor writes the memo's title and text; ``edit_externally`` hands the
memo's file to $VISUAL or $EDITOR, suspending the TUI until the editor closes. A
memo changed on disk while it is open (in an editor, by a git pull) is noticed
within a second: an untouched editor shows the new version, an editor with
changes keeps them and refuses to write over the other version.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static, TextArea

from tcoder.errors import TcoderError
from tcoder.memos import KINDS, Link, Memo, MemoChangedError, MemoFileError, read_memo, save_memo
from tcoder.memoset import MemoSet, create_memo, load_memos
from tcoder.numbers import plural
from tcoder.study import Study
from tcoder.textsafe import inert_lines
from tcoder.tui.keymap import binding, bindings, keys_for
from tcoder.tui.screens.dialogs import ChoiceDialog, ConfirmDialog, MessageDialog, calm_input
from tcoder.tui.wrap import inert

#: How often an open memo's file is compared with what the screen shows.
POLL_SECONDS = 1.0


def memo_signature(study: Study) -> tuple:
    """What changes when a memo file is added, removed or written (cheap: no file is read)."""
    study_paths = sorted(_memo_paths(study))
    out = []
    for path in study_paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def _memo_paths(study: Study) -> list:
    folder = study.memo_folder
    if not folder.is_dir():
        return []
    return [p for p in folder.rglob("*.md") if not any(part.startswith(".") for part in p.relative_to(folder).parts)]


def refresh_memo_paths(study: Study) -> None:
    """The study's list of memo files, as they are now (files come and go while the TUI runs)."""
    study.memo_paths[:] = sorted(_memo_paths(study))


def about_text(memo: Memo, study: Study) -> str:
    parts = []
    for link in memo.links:
        if link.kind == "code":
            try:
                codebook = study.codebook
                parts.append(codebook[link.target].name if link.target in codebook else link.target)
            except TcoderError:
                parts.append(link.target)
        else:
            parts.append(link.describe())
    return "; ".join(parts)


def memo_reader(memo: Memo, memos: MemoSet | None, study: Study) -> Group:
    """A memo for reading: title, who and when, what it is about, its passages, then its text,
    whose Markdown (paragraphs, lists, emphasis) is laid out to the panel's width."""
    out = Text()
    out.append(inert(memo.display_title) + "\n", style="bold")
    when = (memo.created or "undated")[:16].replace("T", " ")
    out.append(f"{memo.kind} \u00b7 {inert(memo.author or 'no author')} \u00b7 {when}", style="dim")
    if memo.updated and memo.updated != memo.created:
        out.append(f" \u00b7 changed {memo.updated[:16].replace('T', ' ')}", style="dim")
    if memos is not None and memo.path is not None:
        out.append(f"\n{inert(memos.relative(memo))}", style="dim")
    about = [link for link in memo.links if link.kind != "passage"]
    if about:
        out.append("\nAbout: ", style="italic")
        out.append(inert("; ".join(link.describe() for link in about)))
    for link in memo.links_of("passage"):
        quote = " ".join((link.quote or "").split())
        out.append("\n\u201c" + inert(quote) + "\u201d", style="italic")
        out.append(f" ({inert(link.target)} [{link.start}, {link.end})"
                   + (", no longer in the transcript" if link.orphaned else "") + ")", style="dim")
    out.append("\n")
    return Group(out, markdown_text(memo.body, "(no text yet)"))


def markdown_text(text: str, empty: str):
    """A researcher's Markdown for the screen (its control characters made visible first)."""
    from rich.markdown import Markdown

    if not text.strip():
        return Text(empty, style="dim italic")
    return Markdown(inert_lines(text.rstrip("\n")))


def open_in_editor(app, path) -> str | None:
    """Run $EDITOR on ``path`` with the TUI suspended; None, or why it could not."""
    from textual.app import SuspendNotSupported

    from tcoder.editor import run_editor

    try:
        with app.suspend():
            run_editor(path)
    except SuspendNotSupported:
        return "this terminal cannot hand the screen to another program (in a browser, say); use the built-in editor"
    except TcoderError as exc:
        return exc.problems[0].message
    return None


class MemoListScreen(Screen):
    """Every memo and journal entry, filtered, with a reader for the highlighted one."""

    DEFAULT_CSS = """
    MemoListScreen #memo-title { height: 1; width: 1fr; background: $panel; text-style: bold; padding: 0 1; }
    MemoListScreen #memo-search { height: 1; border: none; padding: 0 1; }
    MemoListScreen #memo-main { height: 1fr; }
    MemoListScreen #memo-table { width: 3fr; height: 1fr; }
    MemoListScreen #memo-reader { width: 2fr; height: 1fr; border-left: solid $primary; padding: 0 1; }
    MemoListScreen #memo-hint { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        binding("new_memo"),
        *bindings("memos"),
        binding("search", action="focus_search", show=False),
        replace(binding("filter_code", action="filter_memos", show=True), description="Kind"),
        binding("close_dialog", action="back", show=False),
        binding("reload_codebook", action="reload", show=False),
    ]

    def __init__(self, study: Study, author: str | None, *, about: list[Link] | None = None,
                 title: str = "Memos and journal") -> None:
        super().__init__()
        self.study = study
        self.author = author
        self.about = list(about or [])  # show only memos linked to one of these
        self.title_text = title
        self.kind: str | None = None
        self.text = ""
        self.memos = MemoSet(study)
        self.theme_names: dict[str, str] = {}
        self.shown: list[Memo] = []
        self._signature: tuple = ()

    def compose(self) -> ComposeResult:
        yield Label("", id="memo-title")
        yield calm_input(self.app, placeholder="search titles, text, authors and what the memos are about (/ to come back here)",
                         id="memo-search")
        with Horizontal(id="memo-main"):
            yield DataTable(id="memo-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="memo-reader"):
                yield Static("", id="memo-text")
        yield Label(f"enter edit \u00b7 {keys_for(self.app, 'new_memo')} new \u00b7 "
                    f"{keys_for(self.app, 'edit_externally')} open in $EDITOR \u00b7 "
                    f"{keys_for(self.app, 'filter_code')} kind \u00b7 {keys_for(self.app, 'close_dialog')} back",
                    id="memo-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in ("Kind", "Date", "Author", "Title", "About"):
            table.add_column(name, key=name.lower())
        self.reload()
        table.focus()
        self.set_interval(POLL_SECONDS, self._poll, name="memo-poll")

    # ------------------------------------------------------------ the list

    def reload(self) -> None:
        refresh_memo_paths(self.study)
        self._signature = memo_signature(self.study)
        self.memos = load_memos(self.study)
        self.theme_names = _theme_names(self.study)
        self._fill()
        if self.memos.problems:
            first = self.memos.problems[0]
            self.notify(f"{plural(len(self.memos.problems), 'problem')} in memo files: {first}", title="Memos",
                        severity="warning", timeout=8, markup=False)

    def action_reload(self) -> None:
        self.reload()

    def _poll(self) -> None:
        if memo_signature(self.study) != self._signature:
            self.reload()

    def _selected_memos(self) -> list[Memo]:
        chosen = self.memos.select(kinds=[self.kind] if self.kind else None)
        if self.text:  # the title, text and author, and what the memo is about (codes and themes by name)
            needle = self.text.casefold()
            chosen = [m for m in chosen if needle in self._search_text(m)]
        if self.about:
            chosen = [m for m in chosen if any(link.same_target(a) or (a.kind == "transcript"
                                                                      and link.transcript_name == a.target)
                                               for a in self.about for link in m.links)]
        return self.memos.sorted(chosen)

    def _search_text(self, memo: Memo) -> str:
        themes = [self.theme_names.get(t, t) for t in memo.targets("theme")]
        return "\n".join((memo.title or "", memo.body, memo.author or "", about_text(memo, self.study),
                          *themes)).casefold()

    def _fill(self, keep: str | None = None) -> None:
        table = self.query_one(DataTable)
        current = keep or (self.shown[table.cursor_row].id if self.shown and table.cursor_row < len(self.shown)
                           else None)
        self.shown = self._selected_memos()
        table.clear()
        for memo in self.shown:
            table.add_row(memo.kind, memo.date, Text(inert(memo.author or "")), Text(inert(memo.display_title)),
                          Text(inert(about_text(memo, self.study))), key=memo.id + f"@{id(memo)}")
        if current is not None:
            at = next((i for i, m in enumerate(self.shown) if m.id == current), 0)
            table.move_cursor(row=at)
        filters = [f"kind {self.kind}"] if self.kind else []
        if self.text:
            filters.append(f"\u201c{self.text}\u201d")
        if self.about:
            filters.append("about " + ", ".join(a.describe() for a in self.about))
        title = f"{self.title_text} \u00b7 {len(self.shown)} of {len(self.memos)}"
        if filters:
            title += " \u00b7 " + "; ".join(filters)
        self.query_one("#memo-title", Label).update(Text(inert(title)))
        self._show_current()

    def current(self) -> Memo | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def _show_current(self) -> None:
        memo = self.current()
        reader = self.query_one("#memo-text", Static)
        if memo is None:
            reader.update(Text("No memos" + (" match" if len(self.memos) else " yet") + f". "
                               f"{keys_for(self.app, 'new_memo')} writes one.", style="dim"))
            return
        reader.update(memo_reader(memo, self.memos, self.study))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_current()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        memo = self.current()
        if memo is not None:
            self.app.push_screen(MemoEditorScreen(self.study, memo, self.author), lambda _: self.reload())

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def action_focus_search(self) -> None:
        self.query_one("#memo-search", Input).focus()

    def action_back(self) -> None:
        if self.query_one("#memo-search", Input).has_focus:
            self.query_one(DataTable).focus()
            return
        self.dismiss(None)

    def action_filter_memos(self) -> None:
        counts = {k: sum(1 for m in self.memos if m.kind == k) for k in KINDS}
        choices = [("", Text("every kind", style="italic"))] + [
            (k, Text(f"{k} ({counts[k]})")) for k in KINDS]

        def chosen(kind: str | None) -> None:
            if kind is None:
                return
            self.kind = kind or None
            self._fill()

        self.app.push_screen(ChoiceDialog("Show which memos?", choices), chosen)

    def action_new_memo(self) -> None:
        choices = [(k, Text(k)) for k in ("journal", "project")]
        if self.about:
            choices = [(f"about:{i}", Text(f"{self._kind_for(a)} memo on {a.describe()}"))
                       for i, a in enumerate(self.about)] + choices

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            if choice.startswith("about:"):
                link = self.about[int(choice[6:])]
                memo = _new(self._kind_for(link), self.author, [link])
            else:
                memo = _new(choice, self.author, [])
            self.app.push_screen(MemoEditorScreen(self.study, memo, self.author), lambda _: self.reload())

        self.app.push_screen(ChoiceDialog("Write what?", choices), chosen)

    @staticmethod
    def _kind_for(link: Link) -> str:
        return {"annotation": "passage"}.get(link.kind, link.kind if link.kind in KINDS else "project")

    def action_edit_externally(self) -> None:
        memo = self.current()
        if memo is None or memo.path is None:
            self.notify("no memo here to open", severity="warning", markup=False)
            return
        problem = open_in_editor(self.app, memo.path)
        if problem:
            self.notify(problem, title="$EDITOR", severity="warning", markup=False)
        _stamp_if_changed(memo)
        self.reload()


def _theme_names(study: Study) -> dict[str, str]:
    """Theme id -> name, for searching memos by the themes they are about (none if unreadable)."""
    from tcoder.themes import read_themes

    try:
        return {t.id: t.label for t in read_themes(study.themes_path)}
    except TcoderError:
        return {}


def _new(kind: str, author: str | None, links: list[Link]) -> Memo:
    from tcoder.memos import new_memo

    return new_memo(kind, author=author, links=links)


def _stamp_if_changed(memo: Memo) -> None:
    """After an outside editor: the memo's 'updated' time says it changed (never over a newer version)."""
    if memo.path is None or memo.raw is None:
        return
    try:
        if memo.path.read_bytes() == memo.raw:
            return
        fresh = read_memo(memo.path)
    except (OSError, MemoFileError):
        return
    fresh.touch()
    try:
        save_memo(fresh)
    except MemoChangedError:
        pass


class MemoEditorScreen(Screen[Memo | None]):
    """Write one memo: its title and its text. Returns the memo once saved (or None)."""

    AUTO_FOCUS = "#memo-body"  # the text; shift+tab reaches the title

    DEFAULT_CSS = """
    MemoEditorScreen #editor-title { height: 1; width: 1fr; background: $panel; text-style: bold; padding: 0 1; }
    MemoEditorScreen #editor-about { height: auto; max-height: 4; width: 1fr; color: $text-muted; padding: 0 1; }
    MemoEditorScreen #editor-banner { display: none; height: auto; width: 1fr; background: $warning 60%;
                                      padding: 0 1; }
    MemoEditorScreen.-conflict #editor-banner { display: block; }
    MemoEditorScreen #memo-title-input { height: 1; border: none; padding: 0 1; }
    MemoEditorScreen #memo-body { height: 1fr; }
    MemoEditorScreen #editor-hint { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        binding("save_now", action="save", show=True),
        # before the text area, which keeps ctrl+x for cutting a line
        replace(binding("edit_externally", show=True), priority=True),
        binding("close_dialog", action="close", show=True),
        binding("reload_codebook", action="take_theirs", show=False),
    ]

    def __init__(self, study: Study, memo: Memo, author: str | None = None) -> None:
        super().__init__()
        self.study = study
        self.memo = memo
        self.author = author
        self.conflict = False  # the file changed on disk while this editor has changes of its own

    def compose(self) -> ComposeResult:
        what = "New " + self.memo.kind if self.memo.path is None else self.memo.kind.capitalize()
        yield Label(Text(inert(f"{what} memo" if self.memo.kind != "journal" else f"{what} entry")),
                    id="editor-title")
        yield Label(Text(inert(self._about())), id="editor-about")
        yield Label("", id="editor-banner")
        yield calm_input(self.app, value=self.memo.title or "", placeholder="title (optional)", id="memo-title-input")
        area = TextArea(self.memo.body, id="memo-body", soft_wrap=True, show_line_numbers=False)
        area.cursor_blink = getattr(self.app, "cursor_blink", True)
        yield area
        yield Label(f"{keys_for(self.app, 'save_now')} save \u00b7 shift+tab title \u00b7 "
                    f"{keys_for(self.app, 'edit_externally')} write it in $EDITOR \u00b7 "
                    f"{keys_for(self.app, 'close_dialog')} close", id="editor-hint")
        yield Footer()

    def _about(self) -> str:
        if not self.memo.links:
            return "About: the whole project" if self.memo.kind != "journal" else "A journal entry"
        lines = []
        for link in self.memo.links:
            if link.kind == "passage":
                quote = " ".join((link.quote or "").split())
                short = quote if len(quote) <= 100 else quote[:99] + "\u2026"
                lines.append(f"\u201c{short}\u201d ({link.target})")
            else:
                lines.append(link.describe())
        return "About: " + "; ".join(lines)

    def on_mount(self) -> None:
        self.set_interval(POLL_SECONDS, self._poll, name="memo-file-poll")

    # ------------------------------------------------------------ state

    @property
    def title_value(self) -> str:
        return self.query_one("#memo-title-input", Input).value.strip()

    @property
    def body_value(self) -> str:
        return self.query_one("#memo-body", TextArea).text

    @property
    def changed(self) -> bool:
        return self.body_value != self.memo.body or self.title_value != (self.memo.title or "")

    def _show(self, memo: Memo) -> None:
        self.memo = memo
        self.query_one("#memo-title-input", Input).value = memo.title or ""
        self.query_one("#memo-body", TextArea).text = memo.body
        self.query_one("#editor-about", Label).update(Text(inert(self._about())))

    def _poll(self) -> None:
        """The memo's file changed on disk: show the new version, or keep the user's changes and say so."""
        memo = self.memo
        if memo.path is None or memo.raw is None:
            return
        try:
            current = memo.path.read_bytes()
        except OSError:
            current = None
        if current == memo.raw:
            if self.conflict:
                self._set_conflict(False)
            return
        if current is not None and not self.changed:
            try:
                self._show(read_memo(memo.path))
            except MemoFileError as exc:
                self._set_conflict(True, f"The file was changed elsewhere and cannot be read now "
                                         f"({exc.problems[0]}); nothing here is written over it.")
                return
            self._set_conflict(False)
            self.notify("The memo was changed in another program; showing that version.", title="Memo",
                        markup=False)
            return
        why = "deleted or moved" if current is None else "changed by another program (an editor, git)"
        self._set_conflict(True, f"This memo was {why} while you were writing. Your text is kept here and was not "
                                 f"written over it: {keys_for(self.app, 'save_now')} saves your text as a new memo, "
                                 f"{keys_for(self.app, 'reload_codebook')} shows the other version (yours is "
                                 "discarded).")

    def _set_conflict(self, on: bool, message: str = "") -> None:
        self.conflict = on
        self.set_class(on, "-conflict")
        self.query_one("#editor-banner", Label).update(Text(inert(message)))

    # ------------------------------------------------------------ actions

    def _apply_fields(self, memo: Memo) -> None:
        memo.title = self.title_value or None
        memo.body = self.body_value
        if memo.author is None and self.author:
            memo.author = self.author
        memo.touch()

    def save(self) -> bool:
        """Save what is in the editor; False (and a message) when it cannot be written."""
        memo = self.memo
        if memo.path is None:
            if not self.body_value.strip() and not self.title_value:
                self.notify("nothing to save yet: write the memo first", severity="warning", markup=False)
                return False
            self._apply_fields(memo)
            create_memo(self.study, memo)
        elif self.conflict:  # never over the other version: this text becomes a memo of its own
            from tcoder.memos import new_memo

            copy = new_memo(memo.kind, author=memo.author or self.author, title=self.title_value or None,
                            body=self.body_value, links=list(memo.links))
            create_memo(self.study, copy)
            self.memo = read_memo(copy.path) if copy.path else copy
            self._set_conflict(False)
            self.notify("Saved your text as a new memo; the other version is untouched.", title="Memo",
                        markup=False)
            return True
        else:
            self._apply_fields(memo)
            try:
                save_memo(memo)
            except MemoChangedError:
                self._poll()
                return False
        self.notify(f"saved {memo.path.name if memo.path else ''}", timeout=3, markup=False)
        return True

    def action_save(self) -> None:
        self.save()

    def action_take_theirs(self) -> None:
        if not self.conflict or self.memo.path is None:
            return
        try:
            self._show(read_memo(self.memo.path))
        except (OSError, MemoFileError) as exc:
            self.app.push_screen(MessageDialog("The other version cannot be read", [str(exc)]))
            return
        self._set_conflict(False)

    def action_edit_externally(self) -> None:
        """Write the memo in $EDITOR: saved first (so the editor gets the file), read back after."""
        if self.memo.path is None or self.changed:
            if not self.save():
                return
        path = self.memo.path
        assert path is not None
        problem = open_in_editor(self.app, path)
        if problem:
            self.notify(problem, title="$EDITOR", severity="warning", markup=False)
            return
        try:
            fresh = read_memo(path)
        except (OSError, MemoFileError) as exc:
            problems = exc.problems if isinstance(exc, TcoderError) else [str(exc)]
            self.app.push_screen(MessageDialog("The memo cannot be read after editing", problems,
                                               "The file is kept as you wrote it; fix it in the editor "
                                               f"({keys_for(self.app, 'edit_externally')})."))
            return
        if fresh.raw != self.memo.raw:
            fresh.touch()
            try:
                save_memo(fresh)
            except MemoChangedError:
                pass
        self._show(fresh)
        self.notify("read back from the editor", timeout=3, markup=False)

    def action_close(self) -> None:
        if not self.changed:
            self.dismiss(self.memo if self.memo.path is not None else None)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Close without saving?", "This memo has changes that are not saved. "
                                           f"Close and lose them? ({keys_for(self.app, 'save_now')} saves)"),
                             answer)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the title goes on to the text."""
        event.stop()
        self.query_one("#memo-body", TextArea).focus()

    def on_key(self, event: events.Key) -> None:
        if event.key == "tab" and self.query_one("#memo-title-input", Input).has_focus:
            event.stop()
            self.query_one("#memo-body", TextArea).focus()


__all__ = ["MemoEditorScreen", "MemoListScreen", "memo_reader", "open_in_editor"]

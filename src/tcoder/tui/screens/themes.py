"""The themes screen: the themes as a tree with their statuses and codes, and every change
to them (create, rename, status, definition, codes, move), each recorded with why.

Each change is a :mod:`tcoder.themeops` operation written by :func:`tcoder.themelog.record`:
the themes file and one line of its history. The screen asks why (optional, kept in
the history) before it writes, and never writes over a themes file changed meanwhile.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static, TextArea, Tree
from textual.widgets.tree import TreeNode

from tcoder import themeops
from tcoder.errors import TcoderError
from tcoder.study import Study
from tcoder.themelog import history_path, read_history, record
from tcoder.themes import STATUSES, Theme, ThemeFile, read_themes
from tcoder.tui.keymap import binding, bindings, keys_for
from tcoder.tui.screens.dialogs import ChoiceDialog, Dialog, MessageDialog, calm_input
from tcoder.tui.screens.memos import markdown_text
from tcoder.tui.wrap import inert

STATUS_STYLE = {"candidate": "dim", "reviewed": "cyan", "defined": "bold cyan", "final": "bold green",
                "discarded": "dim strike"}


class TextDialog(Dialog):
    """One line of text (a name, a reason); enter answers, escape cancels (None)."""

    def __init__(self, title: str, hint: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text, self.hint, self.value, self.placeholder = title, hint, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="title")
            yield Label(Text(inert(self.hint)), classes="hint")
            yield calm_input(self.app, value=self.value, placeholder=self.placeholder, id="text-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)


class DefinitionDialog(Dialog):
    """A theme's central organising concept (one line) and definition (any length)."""

    DEFAULT_CSS = "DefinitionDialog > .dialog { width: 90; }"
    BINDINGS: ClassVar[list[BindingType]] = [*bindings("dialog"), binding("save_now", action="save", show=False)]

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(inert(f"Define {self.theme.label}")), classes="title")
            yield Label("Central organising concept: the one idea that holds the theme together", classes="hint")
            yield calm_input(self.app, value=self.theme.concept, id="concept-input")
            yield Label("Definition: what the theme is and is not", classes="hint")
            area = TextArea(self.theme.definition, id="definition-input", soft_wrap=True, show_line_numbers=False)
            area.cursor_blink = getattr(self.app, "cursor_blink", True)
            area.styles.height = 10
            yield area
            yield Label(f"{keys_for(self.app, 'save_now')} save \u00b7 {keys_for(self.app, 'close_dialog')} cancel",
                        classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#definition-input", TextArea).focus()

    def action_save(self) -> None:
        self.dismiss((self.query_one("#concept-input", Input).value,
                      self.query_one("#definition-input", TextArea).text))


def theme_details(theme: Theme, themes: ThemeFile, study: Study, history: list[dict]) -> Group:
    from tcoder.memoset import load_memos

    out = head = Text()
    out.append(inert(theme.label) + "\n", style="bold")
    parent = themes.parent_of(theme.id)
    out.append(f"{theme.status}", style=STATUS_STYLE.get(theme.status, ""))
    out.append(f" \u00b7 id {inert(theme.id)}" + (f" \u00b7 sub-theme of {inert(themes[parent].label)}"
                                                   if parent and parent in themes else ""), style="dim")
    out.append("\n\nCentral organising concept\n", style="bold")
    out.append(inert(theme.concept.strip()) or "(not written yet)", style="" if theme.concept else "dim italic")
    out.append("\n\nDefinition", style="bold")
    definition = markdown_text(theme.definition, "(not written yet)")
    out = Text()  # the rest follows the definition
    parts: list = [head, definition, out]
    out.append("\nCodes\n", style="bold")
    try:
        codebook = study.codebook
    except TcoderError:
        codebook = None
    if not theme.codes:
        out.append(f"none yet ({keys_for_label('pick_code')} links one)", style="dim italic")
    for code in theme.codes:
        known = codebook is not None and code in codebook
        out.append("\u2588 ", style=codebook[code].color if known and codebook is not None else "grey50")
        out.append(inert(codebook.path_of(code) if known and codebook is not None else f"{code} (not in the codebook)")
                   + "\n")
    memos = [m for m in load_memos(study) if theme.id in m.targets("theme")]
    if memos:
        out.append("\nMemos\n", style="bold")
        for memo in memos:
            out.append(f"{inert(memo.display_title)} ({inert(memo.author or '?')}, {memo.date})\n")
    mine = [e for e in history if e.get("theme") == theme.id]
    if mine:
        out.append("\nDevelopment\n", style="bold")
        for entry in mine:
            why = f" \u2014 {entry['why']}" if entry.get("why") else ""
            out.append(f"{str(entry.get('when', ''))[:10]} {inert(str(entry.get('who') or '?'))}: "
                       f"{inert(themeops.describe(entry) + why)}\n")
    return Group(*parts)


def keys_for_label(command: str) -> str:
    from tcoder.codebook import COMMAND_KEYS
    from tcoder.tui.keymap import keys_label

    return keys_label(COMMAND_KEYS[command])


class ThemesScreen(Screen):
    """The themes as a tree beside the details of the one at the cursor."""

    DEFAULT_CSS = """
    ThemesScreen #themes-title { height: 1; width: 1fr; background: $panel; text-style: bold; padding: 0 1; }
    ThemesScreen #themes-main { height: 1fr; }
    ThemesScreen #themes-tree { width: 2fr; height: 1fr; }
    ThemesScreen #themes-details { width: 3fr; height: 1fr; border-left: solid $primary; padding: 0 1; }
    ThemesScreen #themes-hint { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings("themes"),
        # the tree keeps space and enter for itself unless these come first
        replace(binding("pick_code", action="link_code", show=True), description="Link code", priority=True),
        binding("remove_annotation", action="unlink_code", show=False),
        replace(binding("edit_memo", action="edit_definition", show=True), description="Define"),
        binding("recode_annotation", action="rename", show=False),
        binding("close_dialog", action="back", show=False),
        binding("reload_codebook", action="reload", show=False),
    ]

    def __init__(self, study: Study, who: str | None) -> None:
        super().__init__()
        self.study = study
        self.who = who or ""
        self.themes = ThemeFile()
        self.history: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Label("", id="themes-title")
        with Horizontal(id="themes-main"):
            tree: Tree[tuple[str, str]] = Tree("Themes", id="themes-tree")
            tree.show_root = False
            yield tree
            with VerticalScroll(id="themes-details"):
                yield Static("", id="theme-text")
        yield Label(f"{keys_for(self.app, 'new_theme')} new \u00b7 {keys_for(self.app, 'pick_code')} link code \u00b7 "
                    f"{keys_for(self.app, 'remove_annotation')} unlink \u00b7 {keys_for(self.app, 'theme_status')} "
                    f"status \u00b7 {keys_for(self.app, 'edit_memo')} define \u00b7 "
                    f"{keys_for(self.app, 'recode_annotation')} rename \u00b7 {keys_for(self.app, 'move_theme')} move "
                    f"\u00b7 {keys_for(self.app, 'close_dialog')} back", id="themes-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(Tree).focus()

    # ------------------------------------------------------------ showing

    def reload(self, select: str | None = None) -> None:
        try:
            self.themes = read_themes(self.study.themes_path)
        except TcoderError as exc:
            self.themes = ThemeFile()
            self.app.push_screen(MessageDialog("The themes file cannot be read", exc.problems,
                                               "Nothing is written until it is fixed; tcoder check lists every "
                                               "problem."))
        self.history = read_history(history_path(self.study.themes_path)).entries
        here = self.current()
        select = select or (here.id if here is not None else None)
        tree: Tree[tuple[str, str]] = self.query_one(Tree)
        tree.clear()
        nodes: dict[str, TreeNode] = {}
        try:
            codebook = self.study.codebook
        except TcoderError:
            codebook = None
        for theme, _ in self.themes.walk():
            parent_id = self.themes.parent_of(theme.id)
            parent = nodes.get(parent_id) if parent_id else None
            label = Text(inert(theme.label))
            label.append(f"  {theme.status}", style=STATUS_STYLE.get(theme.status, ""))
            node = (parent or tree.root).add(label, data=("theme", theme.id), expand=True)
            nodes[theme.id] = node
            for code in theme.codes:
                name = codebook[code].name if codebook is not None and code in codebook else code
                node.add_leaf(Text(inert(name), style="dim"), data=("code", code))
        counts: dict[str, int] = {}
        for theme in self.themes:
            counts[theme.status] = counts.get(theme.status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "none yet"
        self.query_one("#themes-title", Label).update(Text(inert(f"Themes \u00b7 {len(self.themes)} ({summary})")))
        target = nodes.get(select) if select else None
        if target is None and nodes:
            target = next(iter(nodes.values()))

        def place() -> None:  # a new node has its line only once the tree has laid its lines out
            if target is not None:
                tree.move_cursor(target)
            self._show()

        self.call_after_refresh(place)

    def current(self) -> Theme | None:
        tree: Tree[tuple[str, str]] = self.query_one(Tree)
        node = tree.cursor_node
        while node is not None and node.data is not None and node.data[0] != "theme":
            node = node.parent
        if node is None or node.data is None:
            return None
        return self.themes.themes.get(node.data[1])

    def current_code(self) -> str | None:
        node = self.query_one(Tree).cursor_node
        return node.data[1] if node is not None and node.data and node.data[0] == "code" else None

    def _show(self) -> None:
        theme = self.current()
        details = self.query_one("#theme-text", Static)
        if theme is None:
            details.update(Text(f"No themes yet. {keys_for(self.app, 'new_theme')} creates one.", style="dim"))
            return
        details.update(theme_details(theme, self.themes, self.study, self.history))

    def on_tree_node_highlighted(self, event) -> None:
        self._show()

    # ------------------------------------------------------------ changing

    def _change(self, make, select: str | None = None) -> None:
        """Ask why, then make the change on the themes as they are on disk now, and record it."""
        def why(reason: str | None) -> None:
            if reason is None:
                return
            try:
                change = make(read_themes(self.study.themes_path), reason.strip())
                record(change, self.study.themes_path)
            except TcoderError as exc:
                self.app.push_screen(MessageDialog("Not changed", exc.problems))
                return
            self.reload(select or change.theme)
            self.notify(change.label[:1].upper() + change.label[1:], title="Themes", markup=False)

        self.app.push_screen(TextDialog("Why? (optional)", "A few words for the history of the themes; enter "
                                        "to go on, escape to cancel the change.", placeholder="why"), why)

    def _need_theme(self) -> Theme | None:
        theme = self.current()
        if theme is None:
            self.notify(f"no theme here ({keys_for(self.app, 'new_theme')} creates one)", severity="warning",
                        markup=False)
        return theme

    def action_new_theme(self) -> None:
        def named(name: str | None) -> None:
            if name is None or not name.strip():
                return
            self._change(lambda t, why: themeops.new_theme(t, name.strip(), who=self.who, why=why))

        self.app.push_screen(TextDialog("New theme", "Its name (a top-level theme; move it under another with "
                                        f"{keys_for(self.app, 'move_theme')})", placeholder="name"), named)

    def action_rename(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return

        def named(name: str | None) -> None:
            if name is None or not name.strip() or name.strip() == theme.name:
                return
            self._change(lambda t, why: themeops.rename(t, theme.id, name.strip(), who=self.who, why=why))

        self.app.push_screen(TextDialog(f"Rename {theme.label}", "The id stays; only the name changes",
                                        value=theme.name), named)

    def action_theme_status(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return
        choices = [(s, Text(s + ("  (now)" if s == theme.status else ""), style=STATUS_STYLE.get(s, "")))
                   for s in STATUSES]

        def chosen(status: str | None) -> None:
            if status is None or status == theme.status:
                return
            self._change(lambda t, why: themeops.set_status(t, theme.id, status, who=self.who, why=why))

        self.app.push_screen(ChoiceDialog(f"Status of {theme.label}", choices), chosen)

    def action_edit_definition(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            concept, definition = result
            concept_changed = concept.strip() != theme.concept.strip()
            definition_changed = definition.strip("\n") != theme.definition.strip("\n")
            if not concept_changed and not definition_changed:
                return

            def make(t: ThemeFile, why: str):
                change = None
                if concept_changed:
                    change = themeops.set_text(t, theme.id, "concept", concept, who=self.who, why=why)
                    if definition_changed:
                        record(change, self.study.themes_path)
                        t = read_themes(self.study.themes_path)
                if definition_changed:
                    change = themeops.set_text(t, theme.id, "definition", definition, who=self.who, why=why)
                return change

            self._change(make, theme.id)

        self.app.push_screen(DefinitionDialog(theme), done)

    def action_link_code(self) -> None:
        from tcoder.tui.screens.picker import CodePicker

        theme = self._need_theme()
        if theme is None:
            return
        try:
            codebook = self.study.codebook
        except TcoderError as exc:
            self.app.push_screen(MessageDialog("The codebook cannot be read", exc.problems))
            return

        def chosen(code: str | None) -> None:
            if not code or code not in codebook:
                return
            if code in theme.codes:
                self.notify(f"{theme.label} already links {codebook[code].name}", markup=False)
                return
            self._change(lambda t, why: themeops.link_codes(t, theme.id, [code], codebook.codes, who=self.who,
                                                            why=why), theme.id)

        self.app.push_screen(CodePicker(codebook, "apply", None, f"Link which code to {theme.label}?"), chosen)

    def action_unlink_code(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return
        if not theme.codes:
            self.notify(f"{theme.label} links no codes", markup=False)
            return
        here = self.current_code()
        codes = [here] if here in theme.codes else theme.codes

        def unlink(code: str | None) -> None:
            if not code:
                return
            self._change(lambda t, why: themeops.unlink_codes(t, theme.id, [code], who=self.who, why=why), theme.id)

        if len(codes) == 1:
            unlink(codes[0])
            return
        self.app.push_screen(ChoiceDialog(f"Unlink which code from {theme.label}?",
                                          [(c, Text(inert(c))) for c in codes]), unlink)

    def action_move_theme(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return
        inside = set(self.themes.descendants(theme.id)) | {theme.id}
        choices = [("", Text("top level", style="italic"))] + [
            (t.id, Text(inert(t.label))) for t, _ in self.themes.walk() if t.id not in inside]

        def chosen(parent: str | None) -> None:
            if parent is None or (parent or None) == self.themes.parent_of(theme.id):
                return
            self._change(lambda t, why: themeops.move(t, theme.id, parent or None, who=self.who, why=why), theme.id)

        self.app.push_screen(ChoiceDialog(f"Move {theme.label} under", choices), chosen)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)

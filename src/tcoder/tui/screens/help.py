"""The help screen: every key, the user's remaps and the codebook's keys included."""

from __future__ import annotations

from typing import Callable, ClassVar, Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tcoder.codebook import COMMAND_KEYS, Codebook
from tcoder.numbers import plural
from tcoder.tui.keymap import COMMANDS, binding, bindings, keys_for, keys_label
from tcoder.tui.widgets.codebook_panel import ACTION_KEYS
from tcoder.tui.wrap import inert

GROUPS = ("Move", "Select", "Code", "Apprentice", "Codebook", "Find", "View", "File", "Memos", "Themes", "App",
          "Compare")

GUIDE = (
    "Select text with shift+arrows (or the sentence and turn keys), then press a code's letter or digit; "
    "{pick} opens the picker for every code. Every change is saved at once.\n"
    "Coded text is tinted with its code's colour and underlined where codes overlap. The gutter left of "
    "the text lists the codes on each row by key (or initial; + when there are more), so codes read "
    "without colour too."
)


#: A screen's own title and help for a command (``CodingScreen.command_title``): the compare
#: screen's side-panel keys show and hide other panels than the coding screen's.
TitleOf = Callable[[str, str, str], tuple[str, str]]


def help_text(codebook: Codebook | None, key_map: Mapping[str, tuple[str, ...]],
              title_of: TitleOf | None = None) -> Group:
    """Every command with its keys (as remapped) and id, as the screen ``title_of`` belongs
    to names it, then the codebook's keys."""
    pick = keys_label(key_map.get("pick_code", COMMAND_KEYS["pick_code"]))
    parts: list = [Text(GUIDE.format(pick=pick), style="italic")]
    id_width = max(len(c.id) for c in COMMANDS)
    for group in GROUPS:
        commands = [c for c in COMMANDS if c.group == group]
        if not commands:
            continue
        title = "Compare (tcoder compare)" if group == "Compare" else group
        table = Table(box=None, expand=True, show_header=False, padding=(0, 1), title=title,
                      title_justify="left", title_style="bold underline")
        table.add_column("keys", style="bold", ratio=2)
        table.add_column("does", ratio=5)
        table.add_column("id", style="dim", no_wrap=True, min_width=id_width)
        for c in commands:
            does = title_of(c.id, c.title, c.help)[1] if title_of is not None else c.help
            table.add_row(keys_label(key_map.get(c.id, COMMAND_KEYS[c.id])), does, c.id)
        parts.append(Text(""))
        parts.append(table)
        if group == "Codebook":
            parts.append(_panel_keys(key_map))
    parts.append(Text(""))
    parts.append(Text("Codebook keys", style="bold underline"))
    if codebook is None:
        parts.append(Text("  (no codebook loaded)", style="dim"))
        return Group(*parts)
    keyed = [c for c in codebook.codes.values() if c.key]
    if not keyed:
        parts.append(Text("  None: this codebook gives no code a key; use the picker.", style="dim"))
    else:
        parts.append(Text("Letters and digits always belong to the codebook; A and a are different keys.",
                          style="dim"))
        table = Table(box=None, expand=True, show_header=False, padding=(0, 1))
        table.add_column("key", style="bold", ratio=3)
        table.add_column("code", ratio=9)
        for code in keyed:
            line = Text()
            line.append("\u2588 ", style=code.color)
            line.append(inert(codebook.path_of(code.id)))
            table.add_row(code.key, line)
        parts.append(table)
    unkeyed = [c for c in codebook.codes.values() if not c.key]
    if unkeyed:
        parts.append(Text(f"{plural(len(unkeyed), 'code')} without a key: apply them with the picker "
                          f"({keys_label(key_map.get('pick_code', COMMAND_KEYS['pick_code']))}).", style="dim"))
    return Group(*parts)


def _panel_keys(key_map: Mapping[str, tuple[str, ...]]) -> Table:
    """What the letters do while the codebook panel has the focus."""
    panel = keys_label(key_map.get("codebook_panel", COMMAND_KEYS["codebook_panel"]))
    table = Table(box=None, expand=True, show_header=False, padding=(0, 1),
                  title=f"In the codebook panel ({panel}; letters act on the code at its cursor, never code text)",
                  title_justify="left", title_style="italic")
    table.add_column("keys", style="bold", ratio=2)
    table.add_column("does", ratio=5)
    table.add_row("\u2191 \u2193 pgup pgdn", "choose a code")
    table.add_row("enter", "what to do with it (every action below)")
    for letter, (_, what) in ACTION_KEYS.items():
        table.add_row(letter, what)
    table.add_row("esc", "back to the transcript")
    table.add_row(keys_label(key_map.get("undo", COMMAND_KEYS["undo"])),
                  "right after a codebook change: undo it (the codebook and every file, byte for byte)")
    return table


class HelpScreen(ModalScreen):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 100; max-width: 100%; height: 100%; border: round $accent;
                                  background: $surface; padding: 0 1; scrollbar-size-vertical: 1; }
    HelpScreen .title { text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*bindings("dialog"), binding("help", action="close_dialog")]

    def __init__(self, codebook: Codebook | None, key_map: Mapping[str, tuple[str, ...]],
                 title_of: TitleOf | None = None) -> None:
        super().__init__()
        self.codebook = codebook
        self.key_map = key_map
        self.title_of = title_of

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Label(f"tcoder help \u00b7 {keys_for(self.app, 'close_dialog')} or "
                        f"{keys_for(self.app, 'help')} to close \u00b7 \u2191\u2193 pgup pgdn to scroll",
                        classes="title")
            yield Static(help_text(self.codebook, self.key_map, self.title_of), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close_dialog(self) -> None:
        self.dismiss(None)

    def action_confirm_dialog(self) -> None:
        self.dismiss(None)

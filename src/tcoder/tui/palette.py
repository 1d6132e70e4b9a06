"""The command palette (ctrl+p): tcoder's commands that apply on the screen in front,
with their keys, and on the coding screens 'Apply code: ...' for every code.

Only tcoder's own commands: Textual's (colour themes, screenshots, maximizing...)
are not offered, so "theme" finds the themes of the analysis, not a colour
scheme. Names from users' files (codes, codebook paths) are shown as text, never
read as markup.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape
from textual.widget import Widget

from tcoder.tui.keymap import COMMANDS, Command, keys_for
from tcoder.tui.wrap import inert

APPLY_CODE = "Apply code: "


def _target(provider: Provider, command: Command) -> App | Widget | None:
    """Where a command runs on the screen in front, or None when it does not apply there."""
    screen = provider.screen
    if command.where == "app":
        target: App | Widget = provider.app
    elif command.where == "view":
        views = screen.query("#transcript")
        if not views:
            return None
        target = views.first()
    elif command.where == "dialog":
        return None
    else:
        target = screen
    if not hasattr(target, f"action_{command.action}"):
        return None
    if target.check_action(command.action, ()) is False:
        return None
    return target


class TcoderCommands(Provider):
    """Every command that applies now, by name (with its keys), and 'Apply code: ...' for every code."""

    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        entries: list[tuple[str, str, Callable[[], object]]] = []
        for command in COMMANDS:
            if not command.palette:
                continue
            target = _target(self, command)
            if target is None:
                continue
            title, help_text = command.title, command.help
            named = getattr(self.screen, "command_title", None)
            if named is not None:
                title, help_text = named(command.id, title, help_text)
            help_text = f"{help_text} ({keys_for(self.app, command.id)})"
            entries.append((title, help_text, partial(target.run_action, command.action)))
        session = getattr(self.screen, "session", None)
        apply_code = getattr(self.screen, "apply_code", None)
        if session is not None and apply_code is not None and not session.read_only:
            codebook = session.codebook
            for code in codebook.codes.values():
                title = APPLY_CODE + inert(code.name)
                help_text = inert(codebook.path_of(code.id)) + (f" (key {inert(code.key)})" if code.key else "")
                entries.append((title, help_text, partial(apply_code, code.id)))
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            if not title.startswith(APPLY_CODE):
                yield DiscoveryHit(Content(title), callback, text=title, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, _highlight(matcher, title), callback, text=title, help=escape(help_text))


def _highlight(matcher, title: str) -> Content:
    """The title as plain text with the letters the query matched highlighted (Textual's own
    highlight would read the title as markup)."""
    content = Content(title)
    score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    if not score:
        return content
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher._match_style, offset, offset + 1)
    return content


__all__ = ["TcoderCommands"]

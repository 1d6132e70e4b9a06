"""Command palette entries for every action of the coding screen, and one per code."""

from __future__ import annotations

from functools import partial
from typing import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tcoder.tui.keymap import COMMANDS, Command, keys_for


class CodingCommands(Provider):
    """Every command by name (with its keys), and 'Apply code: ...' for every code."""

    def _target(self, command: Command):
        screen = self.screen
        if command.where == "view":
            return screen.query_one("#transcript")
        if command.where == "app":
            return self.app
        return screen

    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        entries: list[tuple[str, str, Callable[[], object]]] = []
        for command in COMMANDS:
            if not command.palette:
                continue
            target = self._target(command)
            if command.where == "compare" and not hasattr(target, f"action_{command.action}"):
                continue  # a compare command, on the coding screen
            help_text = f"{command.help} ({keys_for(self.app, command.id)})"
            entries.append((command.title, help_text, partial(target.run_action, command.action)))
        session = getattr(self.screen, "session", None)
        apply_code = getattr(self.screen, "apply_code", None)
        if session is not None and apply_code is not None:
            codebook = session.codebook
            for code in codebook.codes.values():
                title = f"Apply code: {code.name}"
                help_text = codebook.path_of(code.id) + (f" (key {code.key})" if code.key else "")
                entries.append((title, help_text, partial(apply_code, code.id)))
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            if not title.startswith("Apply code: "):
                yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)

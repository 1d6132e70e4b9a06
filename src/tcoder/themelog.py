"""The history of the themes: one line per change, beside the themes file.

``themes.yaml`` has ``themes.history.yaml`` beside it: a YAML list with one flow
mapping per line, oldest first, appended by every theme change made through
tcoder, and kept in git with the themes::

    - {when: 2026-03-21T10:02:00Z, who: alice, op: status, theme: waiting, from: candidate, to: reviewed, why: "..."}

One line per change keeps ``git diff`` readable, and two branches that both
changed the themes merge by keeping both sides' lines. It is how the
development of the themes stays traceable: date, who, what changed, why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tcoder import frontmatter
from tcoder.errors import Problem
from tcoder.yamlsource import YamlProblems, parse_yaml

if TYPE_CHECKING:
    from tcoder.themeops import Change

HEADER = ("# The history of the themes, written by tcoder: one change per line, oldest first.\n"
          "# Keep it in git beside the themes file; see docs/themes.md#the-history-of-the-themes.\n")


def history_path(themes_path: str | os.PathLike[str]) -> Path:
    """``themes.yaml`` -> ``themes.history.yaml`` (beside it)."""
    path = Path(themes_path)
    return path.with_name(f"{path.stem}.history.yaml")


def entry_line(entry: dict[str, Any]) -> str:
    return f"- {frontmatter.flow(entry)}\n"


@dataclass
class ThemeHistory:
    entries: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None
    problems: list[Problem] = field(default_factory=list)

    def of(self, theme_id: str) -> list[dict[str, Any]]:
        """The entries about one theme, oldest first."""
        return [e for e in self.entries if e.get("theme") == theme_id]


def read_history(path: str | os.PathLike[str]) -> ThemeHistory:
    """The history, oldest first; lines that cannot be read are reported, not dropped from the file."""
    path = Path(path)
    history = ThemeHistory(path=path)
    from tcoder.errors import TcoderError
    from tcoder.safeio import YAML_LIMIT, decode_utf8, read_file

    if not os.path.lexists(path):
        return history
    try:
        text = decode_utf8(read_file(path, limit=YAML_LIMIT, what="the history of the themes"), path,
                           "the history of the themes")
    except TcoderError as exc:
        history.problems.extend(replace(p, severity="warning") for p in exc.problems)
        return history
    try:
        node = parse_yaml(text, path)
    except YamlProblems as exc:
        history.problems.extend(exc.problems)
        return history
    if node is None:
        return history
    if not node.is_seq:
        history.problems.append(Problem("the history of the themes must be a list, one change per line", path,
                                        node.mark.line, node.mark.column))
        return history
    for item in node.value:
        value = item.plain()
        if not isinstance(value, dict) or not isinstance(value.get("op"), str) or not value.get("theme"):
            history.problems.append(Problem("not a change of a theme (it needs 'op' and 'theme'); left as it is",
                                            path, item.mark.line, item.mark.column, "warning"))
            continue
        value["_line"] = item.mark.line
        history.entries.append(value)
    history.entries.sort(key=lambda e: str(e.get("when") or ""))  # stable: one second keeps file order
    return history


def appended(path: Path, entry: dict[str, Any]) -> bytes:
    """The history file's new content with one more line."""
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = HEADER.encode("utf-8")
    if old and not old.endswith(b"\n"):
        old += b"\n"
    return old + entry_line(entry).encode("utf-8")


def record(change: "Change", themes_path: str | os.PathLike[str]) -> None:
    """Write the themes after ``change`` and append its line to the history.

    Refused, with nothing written, when the themes file changed on disk since it was
    read (someone edited it meanwhile): the change is made again on the new version."""
    from tcoder.atomicio import atomic_write_bytes
    from tcoder.themes import ThemeFileError, encode_themes

    path = Path(themes_path)
    before = change.themes.text
    try:
        current = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except FileNotFoundError:
        current = None
    if current != before and not (current is None and before is None):
        raise ThemeFileError(Problem("the themes file changed on disk since it was read; nothing was written. "
                                     "Make the change again on the new version", path))
    atomic_write_bytes(path, encode_themes(change.themes))
    log = history_path(path)
    atomic_write_bytes(log, appended(log, change.entry()))

"""The user's own text editor ($VISUAL, $EDITOR), for writing memos outside tcoder."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from tcoder.errors import Problem, TcoderError

_FALLBACKS = ("sensible-editor", "editor", "nano", "vi")


def editor_command() -> list[str] | None:
    """The editor to run: $VISUAL, then $EDITOR, then a common one found on the PATH."""
    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                return [value]
    for name in _FALLBACKS:
        found = shutil.which(name)
        if found:
            return [found]
    return None


def describe_editor() -> str:
    command = editor_command()
    return " ".join(command) if command else "no editor"


def run_editor(path: str | os.PathLike[str]) -> int:
    """Open ``path`` in the editor and wait for it to close; returns its exit status."""
    command = editor_command()
    if command is None:
        raise TcoderError(Problem("no text editor found: set the EDITOR environment variable (for example "
                                  "EDITOR=nano)", Path(path)))
    try:
        return subprocess.call([*command, str(path)])
    except OSError as exc:
        raise TcoderError(Problem(f"cannot start the editor {command[0]!r} ({exc.strerror}); check the EDITOR "
                                  "environment variable", Path(path))) from None

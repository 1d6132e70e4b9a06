"""The Rich console the commands print tables with.

Data from users' files is printed as plain text: markup, highlighting and
emoji codes are off, and callers pass strings through :mod:`tcoder.textsafe`.
When the reader of a pipe goes away (``tcoder agree ... | head``) the command
stops quietly with status 0, like any well-behaved Unix tool, instead of Rich's
default exit status 1, which tcoder keeps for problems in a study's files.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from rich.console import Console


class _CommandConsole(Console):
    def on_broken_pipe(self) -> None:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise SystemExit(0)


def make_console(file: IO[str] | None = None, **options) -> Console:
    options.setdefault("highlight", False)
    options.setdefault("markup", False)
    options.setdefault("emoji", False)
    return _CommandConsole(file=file, **options)

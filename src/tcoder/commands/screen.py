"""Running a full-screen app from a command (``tcoder code``, ``tcoder compare``).

Not a command itself: ``cli.py`` only lists the modules named in its table.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from tcoder.tui.app import TcoderApp


def served_in_browser() -> bool:
    """Running under `tcoder serve` (textual-serve's web driver), not in a terminal."""
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")


def run_screen(command: str, screen: str, make_app: Callable[[], TcoderApp], redirected_hint: str = "") -> int:
    """Run the app ``make_app`` builds in this terminal (or under `tcoder serve`), then
    print the problems it gathered; returns the exit status. ``screen`` names the
    screen in the message shown when there is no terminal, with ``redirected_hint``."""
    from tcoder.errors import print_problems

    if served_in_browser():
        pass  # textual-serve talks to the browser through pipes and sets the size itself
    elif not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(f"tcoder {command}: error: the {screen} screen needs a terminal (stdin and stdout must not be "
              f"redirected){redirected_hint}", file=sys.stderr)
        return 2
    else:
        # Textual sizes the screen from COLUMNS and LINES when they are set, and shells
        # (tmux's too) may export values from before a resize: ask the terminal instead.
        os.environ.pop("COLUMNS", None)
        os.environ.pop("LINES", None)
    app = make_app()
    app.run()
    if app.problems:
        print_problems(app.problems)
        return 1
    return int(app.return_code or 0)

"""Where a command's output goes: a file the user named (written atomically) or standard output.

Standard library only, so commands that merely write a file (``import-qdc``) do not
load pandas. A path that cannot be written is the user's problem, reported with the
file and the reason (exit 1), never a traceback; it is checked before any work is done.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from tcoder.errors import Problem, TcoderError


def check_output_path(path: str | Path | None, what: str = "the report") -> None:
    """Refuse a path whose folder is missing, or that is a folder itself ('-' is standard output)."""
    if not path or str(path) == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise TcoderError(Problem(f"cannot write {what} here: this is a folder; give a file name", path))
    folder = target.parent
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise TcoderError(Problem(f"cannot write {what} here: the folder {folder} {why}", path))


def write_output(text: str, path: str | Path | None, out: TextIO | None = None, what: str = "the report") -> None:
    """To a file (atomically: the old file or the new one, never a torn one) or to standard
    output, where a terminal sees control characters as glyphs and a pipe gets the text exactly."""
    if path and str(path) != "-":
        import os
        import stat

        from tcoder.atomicio import atomic_write_text

        check_output_path(path, what)
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = 0
        try:
            if mode and not stat.S_ISREG(mode):
                # /dev/null, a named pipe, a terminal: written to, never replaced by a file
                with open(path, "w", encoding="utf-8") as device:
                    device.write(text)
                return
            atomic_write_text(path, text)
        except OSError as exc:
            raise TcoderError(Problem(f"cannot write {what} here: {exc.strerror or exc}", path)) from None
    else:
        from tcoder.textsafe import for_stream

        stream = out or sys.stdout
        stream.write(for_stream(text, stream))

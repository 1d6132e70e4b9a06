"""Problems in users' data, reported with the file and place they come from.

Every error that a user can cause with their own files is a :class:`TcoderError`.
The command line prints its problems and exits 1; no traceback reaches the user.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable, Literal, TypeVar

from tcoder.textsafe import for_stream

Severity = Literal["error", "warning"]


def display_path(path: str | os.PathLike[str] | None) -> str:
    """A path as a user would type it: relative to the working folder when inside it, else
    absolute; either way without ``.`` or ``..`` parts (``tc/../mystudy`` shows as ``mystudy``)."""
    if path is None:
        return ""
    if _prefixes is not None:  # printing many problems: each folder's part worked out once
        head, name = os.path.split(os.fspath(path))
        if name not in ("", ".", ".."):
            prefix = _prefixes.get(head, _UNSEEN)
            if prefix is _UNSEEN:
                prefix = _prefixes[head] = _folder_prefix(head)
            if isinstance(prefix, str):
                return printable(prefix + name)
    p = Path(path)
    folders = _folders
    try:
        # The folder resolved, not the name: a link is shown where it is, not where it points.
        if p.name in ("", ".", ".."):
            where = p.resolve()
        elif folders is None:
            where = p.parent.resolve() / p.name
        else:
            folder = folders.get(p.parent)
            if folder is None:
                folder = folders[p.parent] = p.parent.resolve()
            where = folder / p.name
    except (OSError, RuntimeError):  # RuntimeError: a loop of symbolic links
        return printable(os.path.normpath(p))
    try:
        if folders is None:
            cwd = Path.cwd().resolve()
        else:
            cwd = folders.get(_CWD) or folders.setdefault(_CWD, Path.cwd().resolve())
        shown = str(where.relative_to(cwd))
    except (ValueError, OSError):
        shown = str(where)
    return printable(shown)


#: While problems are printed: each folder resolved once (thousands of problems name files of
#: a few folders), and the working folder (see :func:`print_problems`).
_folders: dict[Path, Path] | None = None
_CWD = Path("\0cwd")  # a key no real folder has
#: While problems are printed: what is shown before a file's name for each folder named
#: (as written in the problems), or None where only the whole computation will do.
_prefixes: dict[str, str | None] | None = None
_UNSEEN = object()


def _folder_prefix(folder: str) -> str | None:
    """What :func:`display_path` shows before the name of any file in ``folder``, or None
    when that depends on the name (a file of the working folder's parent may be the working
    folder itself, shown as ``.``) or the folder cannot be resolved."""
    assert _folders is not None
    try:
        resolved = Path(folder or ".").resolve()
        cwd = _folders.get(_CWD) or _folders.setdefault(_CWD, Path.cwd().resolve())
    except (OSError, RuntimeError):
        return None
    if resolved == cwd.parent:
        return None
    try:
        inside = resolved.relative_to(cwd)
    except ValueError:
        return os.path.join(str(resolved), "")
    return "" if inside == Path(".") else os.path.join(str(inside), "")


def printable(text: str) -> str:
    """``text`` with bytes of a file name that are not UTF-8 (which Python keeps as lone
    surrogates) shown as ``\\xNN``, and any other lone surrogate as ``\\udNNN``, so
    the text can always be printed and written."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in one file, at one place if known."""

    message: str
    path: str | os.PathLike[str] | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    severity: Severity = "error"

    @property
    def where(self) -> str:
        parts = [display_path(self.path)] if self.path is not None else []
        if self.line is not None:
            parts.append(f"line {self.line}")
            if self.column is not None:
                parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where
        return printable(f"{where}: {self.message}" if where else self.message)


def print_problems(problems: Iterable[Problem], file: IO[str] | None = None) -> None:
    """Print problems one per line as ``severity: file, line N: message`` (to stderr by
    default), inert on a terminal: messages quote users' files."""
    global _folders, _prefixes
    file = file or sys.stderr
    outer, _folders = _folders, _folders if _folders is not None else {}
    outer_prefixes, _prefixes = _prefixes, _prefixes if _prefixes is not None else {}
    try:
        for problem in problems:
            print(for_stream(f"{problem.severity}: {problem}", file), file=file)
    finally:
        _folders, _prefixes = outer, outer_prefixes


class TcoderError(Exception):
    """A problem in the user's data or settings. Carries one or more :class:`Problem`."""

    #: True when the problem is the machine's at the moment (too little memory), not the files':
    #: what rests on it is not kept for a later run (see tcoder.check_cache)
    transient: bool = False

    def __init__(self, problems: Problem | str | Iterable[Problem], path: str | os.PathLike[str] | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems, path)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


_Error = TypeVar("_Error", bound=TcoderError)


def for_want_of_memory(error: _Error) -> _Error:
    """``error``, marked as the machine's state rather than the file's (see ``transient``)."""
    error.transient = True
    return error


class TranscriptError(TcoderError):
    """A transcript that cannot be read as text."""


class CodebookError(TcoderError):
    """A codebook (or tcoder.yaml) that is not valid."""


class AnnotationFileError(TcoderError):
    """An annotation file that cannot be read: malformed JSON, missing fields, bad spans."""


class NotJSONError(AnnotationFileError):
    """An annotation file that is not JSON at all (truncated, git conflict markers...)."""


class StudyError(TcoderError):
    """A study folder that is not usable as it is (missing codebook, clashing names...)."""


class LockedError(TcoderError):
    """Another process is writing this annotation file, or (``cannot_write``) its lock
    cannot be made at all: a read-only folder, a full disk."""

    def __init__(self, message: str, path: str | os.PathLike[str] | None = None, holder: dict | None = None,
                 cannot_write: bool = False):
        super().__init__(message, path)
        self.holder = holder or {}
        self.cannot_write = cannot_write


def warn_study_problems(study: Any) -> None:
    """Print, as warnings, what listing the study could not read (a folder without
    permission, a named pipe, a link out of the study...): a command that works on
    part of a study says so. ``tcoder check`` reports them as errors."""
    from dataclasses import replace

    print_problems([replace(p, severity="warning") for p in study.problems])

"""Where a command may write: the one rule behind every output option (``report -o``
and ``--plot``, ``agree --plot``, ``export --qdpx``/``--qdc``, ``import-qdc -o``).

- A study's own files (transcripts, annotation files, the codebook, tcoder.yaml, the
  attributes, participants and speakers tables, anything hidden such as .git) are
  never written over by an output option, ``--force`` or not: a report written over
  a transcript would be re-anchored onto as if the interview had changed.
- A new file that the study would then read as one of its own (a report named
  ``summary.md`` among the transcripts) is refused for the same reason.
- Any other existing file is replaced only with ``--force``, or after a "yes" when the
  command runs in a terminal and asks.
- The folder must exist, and a folder is not a file.

Everything is checked before any work is done, so a bad path costs nothing. Standard
library only: commands that merely write a file do not load pandas.
"""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Callable, TextIO

from tcoder.errors import Problem, TcoderError, display_path

Ask = Callable[[str], bool]


class OutputRefused(TcoderError):
    """An output path that tcoder will not write: a study's file, or an existing file
    without --force. Bad usage, so the command exits with status 2."""

    exit_code = 2


def ask_in_terminal(question: str) -> bool:
    """Ask a yes/no question when a person is there to answer (standard input and error are
    terminals); False otherwise, so scripts never hang on a prompt."""
    try:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            return False
        print(question + " [y/N] ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline()
    except (OSError, ValueError, EOFError):
        return False
    return answer.strip().lower() in ("y", "yes")


def enclosing_study(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` that holds a study (tcoder.yaml or codebook.yaml)."""
    try:
        folder = folder.resolve()
    except (OSError, RuntimeError):
        return None
    for candidate in (folder, *folder.parents):
        if (candidate / "tcoder.yaml").exists() or (candidate / "codebook.yaml").exists():
            return candidate
    return None


def check_output(path: str | os.PathLike[str] | None, *, what: str = "the report", force: bool = False,
                 study_root: str | os.PathLike[str] | None = None, ask: Ask | None = ask_in_terminal,
                 option: str = "--force") -> Path | None:
    """Refuse an output path that must not be written, before any work is done. Returns
    the path (None for standard output: no path, or '-'). ``study_root`` names the study
    the command reads; the study around the path, if any, is found in any case. ``ask``
    is asked whether to replace an existing file when ``force`` is not given."""
    if not path or str(path) == "-":
        return None
    target = Path(path)
    if target.is_dir():
        raise TcoderError(Problem(f"cannot write {what} here: this is a folder; give a file name", target))
    folder = target.parent
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise TcoderError(Problem(f"cannot write {what} here: the folder {display_path(folder)} {why}", target))
    role = _study_role(target, study_root)
    if role is not None:
        verb = "is" if os.path.lexists(target) else "would be read as"
        raise OutputRefused(Problem(
            f"not written: this {verb} {role}, and an output never replaces or adds a study's files "
            f"({option} does not change that). Write {what} outside the study folder, or under another name",
            target))
    if _special(target):
        return target  # /dev/null, a named pipe, a terminal: written to, never replaced
    if os.path.lexists(target) and not force:
        question = f"{display_path(target)} exists. Replace it with {what}?"
        if ask is None or not ask(question):
            raise OutputRefused(Problem(f"not written: the file exists; use {option} to replace it, or give "
                                        "another name", target))
    return target


def _study_role(target: Path, study_root: str | os.PathLike[str] | None) -> str | None:
    from tcoder.study import study_file_role

    roots = [Path(study_root)] if study_root is not None else []
    found = enclosing_study(target.parent)
    if found is not None:
        roots.append(found)
    for root in roots:
        role = study_file_role(root, target)
        if role is not None:
            return role
    return None


def write_output(text: str, path: str | os.PathLike[str] | None, out: TextIO | None = None,
                 what: str = "the report") -> None:
    """To a file (atomically: the old file or the new one, never a torn one) or to standard
    output, where a terminal sees control characters as glyphs and a pipe gets the text
    exactly. Check the path with :func:`check_output` first."""
    if path and str(path) != "-":
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: shown as \udNNN rather than failing
            from tcoder.errors import printable

            data = printable(text).encode("utf-8")
        write_output_bytes(data, path, what)
    else:
        from tcoder.textsafe import for_stream

        stream = out or sys.stdout
        stream.write(for_stream(text, stream))


def streamed_output(path: str | os.PathLike[str] | None, what: str = "the report") -> StreamedOutput:
    """:func:`write_output_bytes` and :func:`write_output` for an output written piece by piece:
    ``with streamed_output(path) as handle:`` gives a binary file. A file is replaced atomically
    once the block ends without an error (the old file stays otherwise); a device or named pipe
    is written into, and standard output (no path, or '-') gets the bytes at the end, from a
    temporary file, as :func:`write_output` writes text: exact into a pipe, control
    characters as glyphs on a terminal. Either way an error part way leaves no partial output."""
    return StreamedOutput(path, what)


class StreamedOutput:
    """See :func:`streamed_output`."""

    def __init__(self, path: str | os.PathLike[str] | None, what: str = "the report") -> None:
        self.path = Path(path) if path and str(path) != "-" else None
        self.what = what
        self.handle: IO[bytes] | None = None
        self._writer: AbstractContextManager[IO[bytes]] | None = None

    def __enter__(self) -> IO[bytes]:
        import tempfile

        if self.path is not None and not _special(self.path):
            from tcoder.atomicio import atomic_writer

            self._writer = atomic_writer(self.path)
            try:
                self.handle = self._writer.__enter__()
            except OSError as exc:
                raise self._cannot_write(exc) from None
        else:
            self.handle = tempfile.TemporaryFile()
        return self.handle

    def __exit__(self, kind, error, trace) -> bool:
        import shutil

        assert self.handle is not None
        if self._writer is not None:
            try:
                return bool(self._writer.__exit__(kind, error, trace))
            except OSError as exc:
                raise self._cannot_write(exc) from None
        try:
            if kind is None:
                self.handle.seek(0)
                if self.path is not None:  # a device, a named pipe
                    try:
                        with open(self.path, "wb") as stream:
                            shutil.copyfileobj(self.handle, stream, 1 << 20)
                    except OSError as exc:
                        raise self._cannot_write(exc) from None
                else:
                    _copy_to_stdout(self.handle)
        finally:
            self.handle.close()
        return False

    def _cannot_write(self, exc: OSError) -> TcoderError:
        from tcoder.safeio import os_error_message

        return TcoderError(Problem(f"cannot write {self.what}: {os_error_message(exc)}; nothing was changed",
                                   self.path))


def _copy_to_stdout(handle: IO[bytes]) -> None:
    import io
    import shutil

    from tcoder.textsafe import for_stream, is_terminal

    sys.stdout.flush()
    if not is_terminal(sys.stdout) and hasattr(sys.stdout, "buffer"):
        shutil.copyfileobj(handle, sys.stdout.buffer, 1 << 20)
        sys.stdout.buffer.flush()
        return
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    while chunk := text.read(1 << 20):
        sys.stdout.write(for_stream(chunk, sys.stdout))
    text.detach()


def _special(path: Path) -> bool:
    """A device, a named pipe or a socket (following links): written to, never replaced."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_output_bytes(data: bytes, path: str | os.PathLike[str], what: str = "the report") -> None:
    """Replace ``path`` atomically (or write into it, if it is /dev/null, a pipe or a
    terminal); a failure names the file and the reason (a full disk...)."""
    from tcoder.atomicio import atomic_write_bytes
    from tcoder.safeio import os_error_message

    try:
        if _special(Path(path)):
            with open(path, "wb") as stream:
                stream.write(data)
            return
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise TcoderError(Problem(f"cannot write {what}: {os_error_message(exc)}; nothing was changed",
                                  path)) from None

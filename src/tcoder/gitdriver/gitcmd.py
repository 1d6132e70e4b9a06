"""Running git: one place for its errors, its output decoding and batch reads."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from tcoder.errors import Problem, TcoderError


class GitError(TcoderError):
    """git failed, or is not installed."""


def git(args: Sequence[str], cwd: str | os.PathLike[str] | None = None, *, input: bytes | None = None,
        check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``cwd``; raise :class:`GitError` with git's message when it fails."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True)
    except FileNotFoundError:
        raise GitError(Problem("git is not installed (or not on PATH); install git first")) from None
    except NotADirectoryError:
        raise GitError(Problem("not a folder", cwd)) from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed"
        raise GitError(Problem(f"git {args[0]}: {message}", cwd))
    return done


def git_text(args: Sequence[str], cwd: str | os.PathLike[str] | None = None, **kwargs) -> str:
    return git(args, cwd, **kwargs).stdout.decode("utf-8", "surrogateescape")


def toplevel(folder: str | os.PathLike[str]) -> Path | None:
    """The top of the work tree that contains ``folder``, or None outside a repository."""
    done = git(["rev-parse", "--show-toplevel"], folder, check=False)
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip())


def read_blobs(cwd: str | os.PathLike[str], names: Sequence[str]) -> dict[str, bytes | None]:
    """Read many objects (``REV:path`` or blob ids) with one ``git cat-file --batch``;
    a name that does not exist maps to None."""
    if not names:
        return {}
    request = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")
    out = git(["cat-file", "--batch"], cwd, input=request).stdout
    result: dict[str, bytes | None] = {}
    pos = 0
    for name in names:
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) == 3 and header[1] != b"missing":
            size = int(header[2])
            result[name] = out[pos:pos + size]
            pos += size + 1  # the content is followed by a newline
        else:
            result[name] = None
    return result


def object_ids(cwd: str | os.PathLike[str], names: Sequence[str]) -> dict[str, str | None]:
    """Object ids of many names (``REV:path``) with one ``git cat-file --batch-check``."""
    if not names:
        return {}
    request = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")
    lines = git(["cat-file", "--batch-check"], cwd, input=request).stdout.decode("utf-8", "surrogateescape")
    result: dict[str, str | None] = {}
    for name, line in zip(names, lines.splitlines(), strict=False):
        fields = line.split()
        result[name] = fields[0] if len(fields) == 3 and fields[1] == "blob" else None
    return result

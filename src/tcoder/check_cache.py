"""What ``tcoder check`` found in each transcript, kept until anything it rests on changes.

Checking a study reads and validates every annotation file, which at hundreds of
thousands of annotations is most of the time a check takes; yet between two checks
most transcripts and their files have not changed. The result of checking one
transcript with its annotation files (its problems and counts) is kept in the
study's local state, ``.tcoder/check.jsonl`` (one line per transcript, in one file:
thousands of small files are slow to create on many disks and a burden to folders
that a sync tool watches), under a key: a digest of the exact bytes of the
transcript and each of its annotation files (with their paths and coders), of the
study files a check reads for every transcript (tcoder.yaml, the codebook's ids, its
history, the participants and speakers tables) and of the rules' version and the code
that applies them.
Modification times are never trusted: each check reads every file and computes its
key. A line that is damaged or matches no key is ignored and the transcript is
checked again; where nothing can be written nothing is kept. Transcripts with less
than :data:`KEEP_FROM_BYTES` of annotation files are checked each time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from tcoder.atomicio import atomic_write_bytes

#: Bumped whenever a check of a transcript may find other problems or word them
#: differently: entries of older rules stop matching.
RULES_VERSION = "1"
FORMAT = "tcoder-check-2"  # 2: unknown codes as [code, count] pairs, in the order met
FILE = Path(".tcoder") / "check.jsonl"
#: A transcript whose annotation files hold less is checked again each time: that is
#: about as quick as taking its entry, and a small study's folder stays as it was.
KEEP_FROM_BYTES = 64 * 1024
_HEADER = json.dumps({"format": FORMAT}, separators=(",", ":"))
_KEY_AT = len('{"key":"')  # each line starts with its key (keys sorted, "key" before "result")
_KEY_LENGTH = 64


def study_digest(parts: list[bytes]) -> bytes:
    """A digest of what every transcript's check rests on besides its own files (the
    caller lists it: settings, code ids, history, participants...), with the rules' version
    and the code that applies them."""
    digest = hashlib.sha256(f"{FORMAT}\n{RULES_VERSION}\n".encode())
    digest.update(code_digest(Path(__file__).parent))
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.digest()


@functools.cache
def code_digest(package: Path) -> bytes:
    """tcoder's version, Python's, the installed libraries' versions and the bytes of every
    module in ``package`` (tcoder's folder: about 250 files, a few milliseconds), so that a
    result kept by other code, even of the same version number, never matches."""
    import sys

    from tcoder import __version__

    digest = hashlib.sha256(f"{__version__}\n{sys.version}\n".encode())
    digest.update("\n".join(installed_libraries()).encode("utf-8", "surrogatepass") + b"\0")
    for folder, folders, files in os.walk(package):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            path = Path(folder, name)
            digest.update(path.relative_to(package).as_posix().encode("utf-8", "surrogatepass") + b"\0")
            digest.update(file_part(path))
    return digest.digest()


def installed_libraries() -> list[str]:
    """The libraries installed where Python finds them, by name and version: the
    ``*.dist-info`` and ``*.egg-info`` entries of every folder on ``sys.path`` (a virtual
    environment's, the user's, ``PYTHONPATH``'s, the system's), one listing per folder,
    where asking each library's metadata would take tens of milliseconds."""
    import sys
    import sysconfig

    found: set[str] = set()
    paths = sysconfig.get_paths()
    for folder in dict.fromkeys([paths["purelib"], paths["platlib"], *sys.path]):
        if not folder or not os.path.isdir(folder):
            continue  # the current folder, or a zip archive (the standard library's: Python's version)
        try:
            found.update(name for name in os.listdir(folder) if name.endswith((".dist-info", ".egg-info")))
        except OSError:
            found.add(f"unreadable {folder}")
    return sorted(found)


def file_part(path: Path) -> bytes:
    """A file's bytes for :func:`study_digest`, or a marker that it is missing or unreadable."""
    try:
        return b"file\0" + path.read_bytes()
    except OSError as exc:
        return f"unreadable\0{type(exc).__name__}".encode()


class TranscriptKey:
    """The key of one transcript's entry, from the bytes just read of its files."""

    def __init__(self, study: bytes):
        self._digest = hashlib.sha256(study)

    def add(self, label: str, raw: bytes) -> None:
        """One file: what it is (its path, its coder) and its bytes."""
        encoded = label.encode("utf-8", "surrogatepass")
        self._digest.update(len(encoded).to_bytes(8, "little"))
        self._digest.update(encoded)
        self._digest.update(hashlib.sha1(raw, usedforsecurity=False).digest())

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def read_lines(root: Path) -> dict[str, str]:
    """Every entry kept in the study, by key, as its line (parsed only when its key is asked
    for); nothing when the file is missing, unreadable or of another format."""
    try:
        text = (root / FILE).read_bytes().decode("ascii")
    except (OSError, UnicodeDecodeError):
        return {}
    lines = text.split("\n")
    if lines[0] != _HEADER:
        return {}
    end = _KEY_AT + _KEY_LENGTH
    return {line[_KEY_AT:end]: line for line in lines[1:] if line.startswith('{"key":"') and line[end:end + 2] == '",'}


def entry_line(key: str, result: dict[str, Any]) -> str:
    """The line that keeps ``result`` under ``key`` (canonical JSON: sorted keys, ASCII, no spaces)."""
    return json.dumps({"key": key, "result": result}, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def result_of(line: str, key: str) -> dict[str, Any] | None:
    """The result a line keeps under ``key``, or None when the line is damaged."""
    try:
        entry = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("result"), dict):
        return None
    return entry["result"]


def forget(root: Path) -> str | None:
    """Delete every kept result (their problems may quote the transcripts: de-identification
    deletes them with the journal's copies of the files); what went wrong, if it could not."""
    try:
        os.unlink(root / FILE)
    except FileNotFoundError:
        pass
    except OSError as exc:
        return f"{root / FILE} could not be deleted ({exc.strerror or exc}); it may quote passages as they were"
    return None


def write_lines(root: Path, lines: list[str]) -> None:
    """Keep these entries (and no others), one per line; nothing is kept where nothing can be written."""
    data = "\n".join([_HEADER, *lines]).encode("ascii") + b"\n"
    path = root / FILE
    try:
        if not path.parent.is_dir():
            os.makedirs(path.parent, exist_ok=True)
        atomic_write_bytes(path, data, durable=False)
    except OSError:
        pass

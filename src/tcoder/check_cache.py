"""What ``tcoder check`` found in each transcript, kept until anything it rests on changes.

Checking a study reads and validates every annotation file, which at hundreds of
thousands of annotations is most of the time a check takes; yet between two checks
most transcripts and their files have not changed. The result of checking one
transcript with its annotation files (its problems and counts) is kept in the
study's local state folder, ``.tcoder/check/``, keyed by digests of the exact bytes
of the transcript and each of its annotation files (with their names and coders),
of the study files a check reads for every transcript (tcoder.yaml's settings, the
codebook's ids, its history, the participants and speakers tables) and of the
rules' version. Modification times are never trusted: a file is read and its
digest compared each time. An entry that is damaged or does not fit is ignored and
the transcript is checked again; a folder that cannot be written only means that
nothing is kept. Transcripts with less than :data:`KEEP_FROM_BYTES` of annotation
files are checked each time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from tcoder.atomicio import atomic_write_bytes

#: Bumped whenever a check of a transcript may find other problems or word them
#: differently: entries of older rules stop matching.
RULES_VERSION = "1"
FORMAT = "tcoder-check-1"
FOLDER = Path(".tcoder") / "check"
#: A transcript whose annotation files hold less is checked again each time: that is
#: about as quick as reading an entry, and a small study's folder stays as it was.
KEEP_FROM_BYTES = 64 * 1024


def study_digest(parts: list[bytes]) -> bytes:
    """A digest of what every transcript's check rests on besides its own files (the
    caller lists it: settings, code ids, history, participants...), with the rules' version."""
    from tcoder import __version__

    digest = hashlib.sha256(f"{FORMAT}\n{RULES_VERSION}\n{__version__}\n".encode())
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.digest()


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


def entry_path(root: Path, transcript: str) -> Path:
    """One entry per transcript: a newer result replaces the older one."""
    name = hashlib.sha256(transcript.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return root / FOLDER / f"{name}.json"


def load(path: Path, key: str) -> dict[str, Any] | None:
    """The result kept under ``key``, or None when there is none (or it is damaged)."""
    try:
        entry = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
        return None
    result = entry.get("result")
    return result if isinstance(result, dict) else None


def store(path: Path, key: str, result: dict[str, Any]) -> None:
    """Keep ``result`` (canonical JSON: sorted keys, ASCII); nothing is kept where nothing can be written."""
    data = json.dumps({"format": FORMAT, "key": key, "result": result}, sort_keys=True, ensure_ascii=True,
                      separators=(",", ":")).encode("ascii") + b"\n"
    try:
        if not path.parent.is_dir():
            os.makedirs(path.parent, exist_ok=True)
        atomic_write_bytes(path, data, durable=False)
    except OSError:
        pass

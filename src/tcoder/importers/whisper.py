"""Speech-to-text JSON: Whisper and the tools built on it.

Read, by their shape:

- openai-whisper's ``--output_format json`` and faster-whisper's dumps:
  ``{"text": ..., "segments": [{"start": 1.2, "end": 3.4, "text": " ..."}], "language": ...}``;
- WhisperX: the same ``segments``, each with a ``"speaker"`` (``SPEAKER_00``) when
  diarization ran;
- whisper.cpp's ``-oj``: ``{"transcription": [{"offsets": {"from": 1200}, "text": ...}]}``;
- Hugging Face's pipeline: ``{"chunks": [...]}`` or a list of ``{"timestamp": [1.2, 3.4],
  "text": ...}``.

Each segment is one caption-like cue with its start time and, where the file has one,
its speaker. Segments of one speaker join into turns; a file without speakers gives
one line per segment (with ``--timestamps``, each with its time). Words are never
dropped: a segment's ``text`` is written as it is (word lists are not used).
"""

from __future__ import annotations

import json
import os
from typing import Any

from tcoder.errors import Problem, TcoderError
from tcoder.importers.model import Cue

MAX_SEGMENTS = 1_000_000


def looks_like_whisper(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith(("{", "[")) and any(k in text[:20000] for k in ('"segments"', '"transcription"',
                                                                               '"chunks"', '"timestamp"'))


def parse_whisper(text: str, path: str | os.PathLike[str] | None = None) -> list[Cue]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise TcoderError(Problem(f"not valid JSON ({getattr(exc, 'msg', exc)})", path, line,
                                  getattr(exc, "colno", None))) from None
    segments = _segments(data)
    if segments is None:
        keys = ", ".join(list(data)[:6]) if isinstance(data, dict) else type(data).__name__
        raise TcoderError(Problem(
            "a JSON file that is not a speech-to-text transcript tcoder knows: expected Whisper's or WhisperX's "
            "'segments', whisper.cpp's 'transcription' or a list of 'timestamp'/'text' chunks; found "
            f"{keys}", path))
    if len(segments) > MAX_SEGMENTS:
        raise TcoderError(Problem(f"{len(segments):,} segments is more than a transcript holds; refused", path))
    cues = []
    for number, segment in enumerate(segments, 1):
        if not isinstance(segment, dict):
            raise TcoderError(Problem(f"segment {number} is not an object with 'text'", path))
        words = segment.get("text")
        if not isinstance(words, str):
            raise TcoderError(Problem(f"segment {number} has no 'text'", path))
        speaker = segment.get("speaker")
        cues.append(Cue(words, speaker.strip() if isinstance(speaker, str) and speaker.strip() else None,
                        _start(segment), line=number))
    if not any(c.text.strip() for c in cues):
        raise TcoderError(Problem("the transcript's segments hold no text", path))
    return cues


def _segments(data: Any) -> list | None:
    if isinstance(data, dict):
        for key in ("segments", "chunks"):
            if isinstance(data.get(key), list):
                return data[key]
        if isinstance(data.get("transcription"), list):  # whisper.cpp -oj
            return data["transcription"]
        if isinstance(data.get("result"), dict):
            return _segments(data["result"])
    if isinstance(data, list) and data and all(isinstance(d, dict) and "text" in d for d in data):
        return data
    return None


def _start(segment: dict) -> float | None:
    """Seconds from the start: ``start``, whisper.cpp's ``offsets.from`` (ms) or ``timestamp[0]``."""
    value = segment.get("start")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    offsets = segment.get("offsets")
    if isinstance(offsets, dict) and isinstance(offsets.get("from"), (int, float)):
        return offsets["from"] / 1000
    stamp = segment.get("timestamp")
    if isinstance(stamp, (list, tuple)) and stamp and isinstance(stamp[0], (int, float)):
        return float(stamp[0])
    return None

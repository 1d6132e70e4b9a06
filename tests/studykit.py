"""Helpers for tests: build real studies on disk. Import with ``from studykit import ...``."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tcoder.annotations import Annotation, AnnotationFile, save_annotations
from tcoder.transcript import text_sha256

REPO = Path(__file__).resolve().parents[1]
SAMPLE_STUDY = REPO / "sample_data" / "activism-study"

MINI_CODEBOOK = """\
title: Mini codebook
codes:
  - id: motivation
    name: Motivations
    codes:
      - {id: personal, name: Personal experience, key: p}
      - {id: duty, name: Professional duty, key: d}
  - id: strategy
    name: Strategies
    codes:
      - {id: curriculum, name: Curriculum advocacy, key: a}
      - {id: outreach, name: Community outreach, key: o}
  - id: stance
    name: Stance
    exclusive: true
    level: ordinal
    codes:
      - {id: stance-low, name: Low, value: 1, key: "1"}
      - {id: stance-high, name: High, value: 2, key: "2"}
"""

MINI_TRANSCRIPT = """\
Interviewer: Thanks for joining. What got you involved?

Amara: Honestly, it was my grandmother. I saw how she was treated at the clinic. That stayed with me.

Interviewer: And what did you do about it?

Amara: We pushed to change the renal block. We also ran a free clinic day in the neighbourhood.
"""


# Where passages of MINI_TRANSCRIPT start and end, for tests that code them.
GRAND = MINI_TRANSCRIPT.index("my grandmother")
SAW = MINI_TRANSCRIPT.index("I saw how")
STAYED = MINI_TRANSCRIPT.index(" That stayed")
RENAL = MINI_TRANSCRIPT.index("We pushed")
ALSO = MINI_TRANSCRIPT.index(" We also")
CLINIC = MINI_TRANSCRIPT.index("We also ran")
END = MINI_TRANSCRIPT.index("neighbourhood.") + len("neighbourhood.")

class StudyBuilder:
    """Write a study folder: codebook, transcripts, annotation files, attributes."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def codebook(self, text: str = MINI_CODEBOOK, name: str = "codebook.yaml") -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def transcript(self, name: str = "interviews/P01.txt", text: str = MINI_TRANSCRIPT) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return path

    def annotations(self, transcript: str, coder: str, spans: list[tuple[str, int, int]],
                    text: str | None = None, status: str | None = None) -> Path:
        """spans: (code, start, end); ids are deterministic (coder-n). ``status`` ("done" or
        "in-progress") records a coding status in the header; without it the file is unmarked,
        like a file written before tcoder recorded coding status."""
        tpath = self.root / transcript
        text = tpath.read_text(encoding="utf-8") if text is None else text
        items = []
        for i, (code, start, end) in enumerate(spans):
            a = Annotation(f"{coder}-{i:04d}", code, start, end)
            a.set_context(text)
            items.append(a)
        path = tpath.with_name(f"{tpath.stem}.{coder}.json")
        extra = {} if status is None else {"status": {"state": status, "changed": "2026-01-01T00:00:00Z"}}
        save_annotations(AnnotationFile(coder, tpath.name, text_sha256(text), items, extra=extra), path)
        return path

    def attributes(self, csv_text: str) -> Path:
        path = self.root / "attributes.csv"
        path.write_text(csv_text, encoding="utf-8")
        return path

    def participants(self, csv_text: str) -> Path:
        path = self.root / "participants.csv"
        path.write_text(csv_text, encoding="utf-8")
        return path

    def speakers(self, csv_text: str) -> Path:
        path = self.root / "speakers.csv"
        path.write_text(csv_text, encoding="utf-8")
        return path


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail with TimeoutError instead of hanging when the block takes longer (a blocking
    open of a named pipe, say). Main thread only; uses SIGALRM."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

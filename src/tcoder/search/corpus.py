"""The coded study as searches and queries read it: each coder's annotations per
transcript, loaded once on demand and placed on the current text.

Nothing here writes. Files that cannot be read are reported in
:attr:`Corpus.problems` (with the file) and count as having no annotations, so
one damaged file never stops a search, and the caller can say what was left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Sequence

from tcoder.annotations import Annotation
from tcoder.codebook import Codebook
from tcoder.errors import Problem, TcoderError
from tcoder.study import Study, TranscriptRef
from tcoder.transcript import Transcript


@dataclass(frozen=True, slots=True)
class Coded:
    """One coder's annotation, with where it is."""

    transcript: str
    coder: str
    annotation: Annotation

    @property
    def start(self) -> int:
        return self.annotation.start

    @property
    def end(self) -> int:
        return self.annotation.end

    @property
    def code(self) -> str:
        return self.annotation.code


class Corpus:
    """Annotations of a study by transcript and coder, loaded lazily and cached."""

    def __init__(self, study: Study):
        self.study = study
        self._annotations: dict[tuple[str, str], list[Annotation]] = {}
        self._stamps: dict[tuple[str, str], tuple[int, int] | None] = {}  # each file's (mtime, size) when read
        self._problems: dict[tuple[str, str], list[Problem]] = {}
        self._transcript_problems: dict[str, Problem] = {}
        self._refs = {r.name: r for r in study.transcripts}

    # ------------------------------------------------------------ what there is

    @property
    def codebook(self) -> Codebook:
        return self.study.codebook

    @property
    def coders(self) -> list[str]:
        return self.study.coders

    def coders_of(self, transcript: str) -> list[str]:
        return self.study.coders_of(transcript)

    @property
    def transcripts(self) -> list[TranscriptRef]:
        return self.study.transcripts

    def transcript(self, name: str) -> Transcript | None:
        """The transcript's text, or None (with a problem recorded) when it cannot be read."""
        if name in self._transcript_problems:
            return None
        try:
            return self.study.transcript(self._refs.get(name) or name)
        except TcoderError as exc:
            self._transcript_problems[name] = exc.problems[0]
            return None

    @property
    def problems(self) -> list[Problem]:
        """Every file that could not be read so far, once each."""
        out = list(self._transcript_problems.values())
        for problems in self._problems.values():
            out.extend(p for p in problems if p.severity == "error")
        return out

    # ------------------------------------------------------------ annotations

    def annotations(self, transcript: str, coder: str) -> list[Annotation]:
        """One coder's annotations placed on the current text of a transcript (orphaned ones,
        which have no place, are left out). Read again when the file changed since (a
        coding screen saved it): a screen keeps its corpus and never shows stale coding."""
        key = (transcript, coder)
        cached = self._annotations.get(key)
        stamp = self._stamp(transcript, coder)
        if cached is not None and self._stamps.get(key) == stamp:
            return cached
        self._problems.pop(key, None)
        self._stamps[key] = stamp
        text = self.transcript(transcript)
        found: list[Annotation] = []
        if text is not None and coder in self.study.annotation_files(transcript):
            try:
                loaded = self.study.load_annotations(transcript, coder, self._known_codes())
            except TcoderError as exc:
                self._problems[key] = list(exc.problems)
            else:
                self._problems[key] = [p for p in loaded.problems if p.severity == "error"
                                       and "not in the codebook" not in p.message]
                limit = len(text.text)
                found = [a for a in loaded.annotations if a.end <= limit]
                found.sort(key=Annotation.sort_key)
        self._annotations[key] = found
        return found

    def _stamp(self, transcript: str, coder: str) -> tuple[int, int] | None:
        path = self.study.annotation_files(transcript).get(coder)
        if path is None:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size

    def forget(self, transcript: str, coder: str | None = None) -> None:
        """Read a transcript's files (or one coder's) again next time: they changed on disk."""
        for key in [k for k in self._annotations if k[0] == transcript and (coder is None or k[1] == coder)]:
            del self._annotations[key]
            self._problems.pop(key, None)
        if coder is None:
            self._transcript_problems.pop(transcript, None)
            self.study.forget_transcript(transcript)

    def coded(self, codes: Iterable[str] | None, coders: Sequence[str] | None = None,
              transcripts: Iterable[str] | None = None) -> list[Coded]:
        """Annotations with one of ``codes`` (all codes when None) by ``coders`` (every coder when
        None), in study order: transcript, then position."""
        wanted = None if codes is None else set(codes)
        names = [r.name for r in self.transcripts] if transcripts is None else list(transcripts)
        out: list[Coded] = []
        for name in names:
            for coder in self.coders_of(name):
                if coders is not None and coder not in coders:
                    continue
                for a in self.annotations(name, coder):
                    if wanted is None or a.code in wanted:
                        out.append(Coded(name, coder, a))
        return out

    def expand(self, code: str, exact: bool = False) -> list[str]:
        """A code and, unless ``exact``, every code below it in the tree."""
        codebook = self.codebook
        if exact or code not in codebook:
            return [code]
        return codebook.descendants(code)

    def _known_codes(self) -> set[str] | None:
        try:
            return set(self.codebook.codes)
        except TcoderError:
            return None

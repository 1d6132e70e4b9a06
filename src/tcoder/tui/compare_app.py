"""The `tcoder compare` application: the coding app of the ``consensus`` coder whose
transcripts open on the compare screen. The transcript list (ctrl+l) lists the
study with the consensus's annotation counts; enter compares another transcript."""

from __future__ import annotations

from typing import Sequence

from tcoder.adjudication import Adjudication, default_coders_explained
from tcoder.coding_status import CoderStatus, Policy
from tcoder.errors import Problem, TcoderError
from tcoder.numbers import plural
from tcoder.session import CodingSession
from tcoder.study import CONSENSUS, Study, TranscriptRef
from tcoder.tui.app import TcoderApp
from tcoder.tui.screens.compare import CompareScreen
from tcoder.tui.screens.dialogs import MessageDialog


class CompareApp(TcoderApp):
    list_purpose = "to compare its coders and adjudicate"

    def __init__(self, study: Study, transcript: TranscriptRef, coders: Sequence[str] | None = None, *,
                 unit: str = "char", cursor_blink: bool = True, policy: Policy | None = None) -> None:
        """``coders``: the coders to compare (default: the coders who count for the
        transcript, by default those who marked it done, except the consensus)."""
        super().__init__(study, CONSENSUS, transcript, cursor_blink=cursor_blink)
        self.compare_coders = list(coders) if coders else None
        self.unit = unit
        self.policy = policy

    def open_transcript(self, ref: TranscriptRef, select: tuple[int, int] | None = None) -> None:
        left_out: list[CoderStatus] = []
        if self.compare_coders:
            coders = self.compare_coders
        else:
            try:
                coders, left_out = default_coders_explained(self.study, ref, self.policy)
            except TcoderError as exc:
                self._cannot_open(ref, exc.problems)
                return
        if len(coders) < 2:
            why = "".join(f"; {s.note}" for s in left_out)
            problem = Problem(f"{ref.name} has annotation files that count from {plural(len(coders), 'coder')} "
                              f"({', '.join(coders) or 'none'}); comparing needs two{why}", ref.path)
            self._cannot_open(ref, [problem])
            return
        opened: list[CodingSession] = []
        try:
            consensus = CodingSession(self.study, ref, CONSENSUS, background_save=True,
                                      schedule_save=self.call_after_refresh)
            opened.append(consensus)
            sessions = {}
            for coder in coders:
                sessions[coder] = CodingSession(self.study, ref, coder, read_only=True)
                opened.append(sessions[coder])
        except TcoderError as exc:
            for session in opened:
                session.close()
            self._cannot_open(ref, exc.problems)
            return
        adjudication = Adjudication(consensus, sessions)
        screen = CompareScreen(adjudication, no_color=self.no_color, unit=self.unit)
        self.push_screen(screen)
        if select is not None:
            self.call_after_refresh(screen.show_passage, *select)

    def _cannot_open(self, ref: TranscriptRef, problems: list[Problem]) -> None:
        if self._list_screen() is None:
            self.problems.extend(problems)
            self.exit(return_code=1)
        else:
            self.push_screen(MessageDialog(f"Cannot compare {ref.name}", problems))


__all__ = ["CompareApp"]

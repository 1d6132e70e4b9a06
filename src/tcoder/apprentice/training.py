"""What the apprentice learns from: one coder's counted coding, unit by unit.

A transcript is used when the coder's file counts for it under the study's coding-status
policy (tcoder.coding_status: by default, marked done), exactly as agreement would count
it. Orphaned annotations and codes not in the codebook are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tcoder.apprentice import APPRENTICE, ApprenticeError
from tcoder.apprentice.units import TranscriptUnits, UnitName, counted_units, label_units
from tcoder.errors import Problem


@dataclass
class TrainingData:
    coder: str
    unit: UnitName
    examples: list[TranscriptUnits]
    codes: list[str]  # every code of the codebook the coder used, codebook order
    not_counted: list[tuple[str, str]] = field(default_factory=list)  # (transcript, why the coder's file is left out)
    left_out_annotations: int = 0  # orphaned or with codes not in the codebook


def training_data(study, coder: str, unit: UnitName, names: list[str] | None = None,
                  include_unfinished: bool = False) -> TrainingData:
    """The coder's coding on every transcript where their file counts (or only ``names``)."""
    from tcoder.coding_status import coders_for, policy_of

    if coder == APPRENTICE:
        raise ApprenticeError(Problem("the apprentice does not learn from its own proposals; name a human coder or "
                                      "the consensus with --from"))
    policy = policy_of(study, include_unfinished)
    data = TrainingData(coder, unit, [], [])
    used: set[str] = set()
    codebook = study.codebook
    wanted = set(names) if names is not None else None
    for ref in study.transcripts:
        if wanted is not None and ref.name not in wanted:
            continue
        if coder not in study.coders_of(ref):
            continue
        decided = coders_for(study, ref, [coder], policy)
        status = decided.statuses[coder]
        if not status.counted:
            data.not_counted.append((ref.name, status.reason or status.state))
            continue
        loaded = decided.loaded[coder]
        data.left_out_annotations += len(loaded.orphaned)
        spans = []
        for a in loaded.annotations:
            if a.code in codebook:
                spans.append((a.code, a.start, a.end))
                used.add(a.code)
            else:
                data.left_out_annotations += 1
        transcript, units = counted_units(study, ref, unit)
        text = transcript.text
        data.examples.append(TranscriptUnits(ref.name, transcript.sha256, units, [text[s:e] for s, e in units],
                                             label_units(transcript, units, spans, unit)))
    data.codes = [c.id for c in codebook if c.id in used]
    return data

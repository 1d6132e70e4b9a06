"""Writing the apprentice's proposals: its own annotation files, one recorded step.

Each proposal is one unit (sentence or turn) scored at least the threshold for a code,
written as an annotation of the coder ``apprentice`` carrying ``suggestion``: its score,
the model id and the training data hash (docs/formats.md#apprentice-proposals). A run
replaces the apprentice's earlier proposals on the transcripts it covers, and is one
crash-safe operation in the study's journal (``tcoder undo`` takes it back byte for byte).
Human coders' files are never opened for writing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tcoder.apprentice import APPRENTICE, SUGGESTION_FIELD
from tcoder.apprentice.model import THRESHOLD, Model, scores
from tcoder.apprentice.units import counted_units

SUGGEST_KIND = "suggest"


@dataclass
class Proposal:
    code: str
    start: int
    end: int
    score: float


@dataclass
class RunOutcome:
    proposals: dict[str, int] = field(default_factory=dict)  # transcript -> proposals written
    units: int = 0
    operation: str | None = None


def propose(study, ref, model: Model, threshold: float = THRESHOLD) -> tuple[list[Proposal], int]:
    """The proposals for one transcript and the number of units scored."""
    transcript, units = counted_units(study, ref, model.unit)  # type: ignore[arg-type]
    text = transcript.text
    per_code = scores(model, [text[s:e] for s, e in units])
    out = []
    for code, values in per_code.items():
        for (s, e), p in zip(units, values, strict=True):
            if p >= threshold:
                out.append(Proposal(code, s, e, round(p, 3)))
    out.sort(key=lambda p: (p.start, p.end, p.code))
    return out, len(units)


def write_proposals(study, refs: list, model: Model, *, who: str = "") -> RunOutcome:
    """Score ``refs`` and write the apprentice's files for them as one operation."""
    from tcoder.annotations import AnnotationFile, AnnotationLock, encode_annotations, new_annotation
    from tcoder.changeset import ChangeSet, operation_lock
    from tcoder.coding_status import DONE, with_status
    from tcoder.numbers import plural

    outcome = RunOutcome()
    locks: list[AnnotationLock] = []
    with operation_lock(study.root, who=who or APPRENTICE, purpose="apprentice proposals"):
        try:
            change = ChangeSet(study.root, SUGGEST_KIND, "", who=who or APPRENTICE,
                               note=f"model {model.id}, training data {model.training[:16]}")
            for ref in refs:
                proposals, units = propose(study, ref, model)
                outcome.units += units
                transcript = study.transcript(ref)
                path = study.annotation_files(ref).get(APPRENTICE) or ref.annotation_path(APPRENTICE)
                lock = AnnotationLock(path, coder=APPRENTICE, purpose="apprentice proposals")
                lock.acquire()
                locks.append(lock)
                try:
                    raw: bytes | None = path.read_bytes()
                except FileNotFoundError:
                    raw = None
                af = AnnotationFile(APPRENTICE, ref.file_name, transcript.sha256)
                for p in proposals:
                    a = new_annotation(p.code, p.start, p.end, transcript.text)
                    a.extra[SUGGESTION_FIELD] = {"score": p.score, "model": model.id, "training": model.training}
                    af.annotations.append(a)
                af = with_status(af, DONE)
                change.write(path, encode_annotations(af), before=raw)
                outcome.proposals[ref.name] = len(proposals)
            total = sum(outcome.proposals.values())
            change.label = (f"apprentice proposals: {plural(total, 'passage')} on "
                            f"{plural(len(outcome.proposals), 'transcript')} (model {model.id})")
            change.meta = {"coder": APPRENTICE, "model": model.id, "training": model.training,
                           "transcripts": list(outcome.proposals)}
            operation = change.apply()
            outcome.operation = operation.id if operation is not None else None
        finally:
            for lock in locks:
                lock.release()
    for name in outcome.proposals:
        study.track_annotation_file(name, APPRENTICE)
    return outcome

"""The units the apprentice learns and proposes on: sentences or turns of counted turns.

Units are those of agreement (tcoder.segments), restricted to the turns that count for
agreement (tcoder.turnrule: by default interviewers' and moderators' turns do not), so a
proposal and its evaluation rest on the same units as ``tcoder agree --unit``. A unit is
coded with a code when one of the coder's spans meets its words, as agreement reads it
(tcoder.agreement.units).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterable, Literal

from tcoder.agreement.data import CodedSpan
from tcoder.transcript import Transcript

UnitName = Literal["sentence", "turn"]
UNITS: tuple[UnitName, ...] = ("sentence", "turn")


@dataclass
class TranscriptUnits:
    """One transcript's units, their text and (for training) the codes each carries."""

    name: str
    text_sha256: str
    spans: list[tuple[int, int]]
    texts: list[str]
    codes: list[set[str]] = field(default_factory=list)  # per unit; empty lists when not labelled


def counted_units(study, ref, unit: UnitName) -> tuple[Transcript, list[tuple[int, int]]]:
    """(transcript, units inside the turns that count for agreement)."""
    import bisect

    from tcoder.segments import unit_spans

    transcript = study.transcript(ref)
    spans = unit_spans(transcript, unit)
    selection = study.turn_selection(ref, study.turn_rule("agreement"))
    if selection.everything_counts:
        return transcript, spans
    ranges = selection.counted_ranges()
    starts = [r[0] for r in ranges]
    kept = []
    for s, e in spans:
        i = bisect.bisect_right(starts, s) - 1
        if i >= 0 and ranges[i][0] <= s and e <= ranges[i][1]:
            kept.append((s, e))
    return transcript, kept


def label_units(transcript, units: list[tuple[int, int]], coded: Iterable[CodedSpan], unit: UnitName
                ) -> list[set[str]]:
    """The codes on each unit: a span codes the units its words meet (as agreement counts them)."""
    import numpy as np

    from tcoder.agreement.units import unit_boundaries, unit_index

    index = unit_index(transcript, unit)
    starts = unit_boundaries(transcript, unit)[:, 0].tolist()  # every unit; ``units`` is a subset
    mine = {s: i for i, (s, _) in enumerate(units)}
    out: list[set[str]] = [set() for _ in units]
    coded = list(coded)
    if not coded:
        return out
    lo, hi = index.ranges(np.array([c[1] for c in coded]), np.array([c[2] for c in coded]))
    for (code, _, _), a, b in zip(coded, lo.tolist(), hi.tolist(), strict=True):
        for k in range(a, b):
            i = mine.get(starts[k])
            if i is not None:
                out[i].add(code)
    return out


def training_hash(examples: list[TranscriptUnits], coder: str, unit: str, codes: list[str]) -> str:
    """A digest of exactly what a model learns from: each transcript's text digest, its units and
    their codes, the coder, the unit and the codes asked for. The same coding gives the same hash."""
    h = hashlib.sha256()
    h.update(f"tcoder-apprentice-training/1\0{coder}\0{unit}\0{','.join(codes)}\0".encode())
    for ex in sorted(examples, key=lambda e: e.name):
        h.update(f"{ex.name}\0{ex.text_sha256}\0".encode())
        for (s, e), c in zip(ex.spans, ex.codes, strict=True):
            h.update(f"{s},{e}:{','.join(sorted(c))};".encode())
    return h.hexdigest()

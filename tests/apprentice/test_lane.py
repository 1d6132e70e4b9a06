"""Which of the apprentice's proposals are still open for a coder, in which order."""

from __future__ import annotations

import random

from tcoder.annotations import Annotation
from tcoder.apprentice.lane import open_suggestions


def _proposal(i: int, code: str, start: int, end: int, score: float) -> Annotation:
    return Annotation(f"p{i}", code, start, end, extra={"suggestion": {"score": score, "model": "m", "training": "t"}})


def test_open_suggestions_match_a_direct_check_least_certain_first():
    rng = random.Random(3)
    for _ in range(50):
        codes = ["a", "b", "c"]
        proposals = [_proposal(i, rng.choice(codes), s, s + rng.randint(1, 30), round(rng.uniform(0.5, 1), 3))
                     for i, s in enumerate(rng.sample(range(500), 40))]
        own = [Annotation(f"o{i}", rng.choice(codes), s, s + rng.randint(1, 60))
               for i, s in enumerate(rng.sample(range(500), 30))]
        dismissed = [{"code": p.code, "start": p.start, "end": p.end, "model": "m"} for p in proposals[:5]]
        got = open_suggestions(proposals, own, dismissed)
        expected = [p for p in proposals[5:]
                    if not any(o.code == p.code and o.start <= p.start and p.end <= o.end for o in own)]
        assert sorted((s.code, s.start, s.end) for s in got) == sorted((p.code, p.start, p.end) for p in expected)
        distances = [abs(s.score - 0.5) for s in got]
        assert distances == sorted(distances)

"""Generate a study whose coding has known lexical signal, for measuring the apprentice.

    python benchmarks/signal_study.py OUT_DIR [--transcripts 30] [--seed 1]

Interviews of plain English filler sentences. Three codes have clear lexical markers:
the consensus codes a participant's sentence with ``workload`` when it holds one of
``exhausted``, ``burnout``, ``overtime``, with ``mentorship`` for ``mentor``,
``advisor``, ``supervisor`` and with ``funding`` for ``grant``, ``budget``,
``stipend`` (a few such sentences are missed, as coders miss them). A fourth code,
``ambivalence``, is put on random sentences: nothing in the words tells it, so the
apprentice must not be found reliable on it. Two coders, alice and bob, each differ
from the consensus on a few sentences.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tcoder.annotations import Annotation, AnnotationFile, new_id, save_annotations  # noqa: E402
from tcoder.coding_status import DONE, with_status  # noqa: E402
from tcoder.transcript import text_sha256  # noqa: E402

MARKERS = {
    "workload": ("exhausted", "burnout", "overtime"),
    "mentorship": ("mentor", "advisor", "supervisor"),
    "funding": ("grant", "budget", "stipend"),
}
RANDOM_CODE = "ambivalence"
MISSED = 0.05  # marker sentences the consensus leaves uncoded
RANDOM_SHARE = 0.06

_FILLER = ("the", "we", "clinic", "team", "week", "patients", "really", "think", "time", "work", "people", "then",
           "usually", "training", "ward", "meeting", "students", "year", "kind", "felt", "always", "maybe", "group",
           "program", "rotation", "course", "hospital", "notes", "morning", "about", "with", "after", "before",
           "later", "project", "colleagues", "report", "schedule", "lecture", "exam", "talk", "plan", "change")
_QUESTIONS = ("How did that go?", "Can you say more about that?", "What happened next?", "How did you feel then?")

CODEBOOK = """title: Generated study with known lexical signal
codes:
  - id: workload
    name: Workload
    description: Sentences about exhaustion, burnout or overtime.
  - id: mentorship
    name: Mentorship
    description: Sentences about a mentor, advisor or supervisor.
  - id: funding
    name: Funding
    description: Sentences about a grant, budget or stipend.
  - id: ambivalence
    name: Ambivalence
    description: Put on random sentences; no words tell it.
"""


def _sentence(rng: random.Random, marker: str | None) -> str:
    words = rng.choices(_FILLER, k=rng.randint(7, 16))
    if marker is not None:
        words.insert(rng.randrange(len(words) + 1), marker)
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def generate(root: Path, transcripts: int = 30, seed: int = 1) -> Path:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    folder = root / "interviews"
    folder.mkdir(exist_ok=True)
    for i in range(transcripts):
        name = f"S{i + 1:03d}"
        parts: list[str] = []
        coded: list[tuple[str, int, int]] = []
        size = 0
        for _ in range(rng.randint(14, 20)):
            question = f"Interviewer: {rng.choice(_QUESTIONS)}\n\n"
            parts.append(question)
            size += len(question)
            label = "Participant: "
            parts.append(label)
            size += len(label)
            sentences = []
            for _ in range(rng.randint(2, 5)):
                code = rng.choice([*MARKERS, None, None, None, None])
                sentence = _sentence(rng, rng.choice(MARKERS[code]) if code else None)
                start = size + sum(len(s) + 1 for s in sentences)
                if code and rng.random() >= MISSED:
                    coded.append((code, start, start + len(sentence)))
                if rng.random() < RANDOM_SHARE:
                    coded.append((RANDOM_CODE, start, start + len(sentence)))
                sentences.append(sentence)
            turn = " ".join(sentences) + "\n\n"
            parts.append(turn)
            size += len(turn)
        text = "".join(parts)
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        sha = text_sha256(text)
        for coder, noise in (("consensus", 0.0), ("alice", 0.05), ("bob", 0.08)):
            items = []
            for code, s, e in coded:
                if rng.random() < noise:
                    continue
                a = Annotation(new_id(), code, s, e, created="2026-01-01T00:00:00Z")
                a.set_context(text)
                items.append(a)
            af = with_status(AnnotationFile(coder, f"{name}.txt", sha, items), DONE, "2026-01-01T00:00:00Z")
            save_annotations(af, folder / f"{name}.{coder}.json")
    return root


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path)
    p.add_argument("--transcripts", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    print(generate(a.out, a.transcripts, a.seed))


if __name__ == "__main__":
    main()

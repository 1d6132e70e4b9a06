"""Generate large synthetic studies for the benchmarks.

    python benchmarks/generate.py OUT_DIR [--transcripts 200] [--chars 5000000]
        [--coders alice,bob,carol] [--codes 60] [--annotations 60000] [--seed 1]

The default is the reference study of docs/benchmarks.md: 200 transcripts,
5 MB of text, 3 coders, 60 codes in 6 themes, 60,000 annotations. Coders share
most spans (with boundary jitter), miss some and add some, so agreement is
realistic rather than perfect or random.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tcoder.annotations import Annotation, AnnotationFile, new_id, save_annotations  # noqa: E402
from tcoder.transcript import text_sha256  # noqa: E402

_SYLLABLES = ("ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "de", "sha", "qui", "ber", "an", "el", "or")
_SPEAKERS = ("Interviewer", "Participant", "Moderator", "Amara", "Ben", "Chloe", "Dev")


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words = {"the", "and", "I", "we", "it", "was", "so", "like", "you", "know", "that", "a", "to", "of"}
    while len(words) < size:
        words.add("".join(rng.choices(_SYLLABLES, k=rng.randint(1, 4))))
    return sorted(words)


def make_text(rng: random.Random, chars: int, vocab: list[str]) -> str:
    """Speaker turns of sentences of words, about ``chars`` characters long."""
    parts: list[str] = []
    size = 0
    while size < chars:
        speaker = rng.choice(_SPEAKERS)
        sentences = []
        for _ in range(rng.randint(1, 8)):
            words = rng.choices(vocab, k=rng.randint(4, 22))
            words[0] = words[0].capitalize()
            sentences.append(" ".join(words) + rng.choice(".....?!"))
        turn = f"{speaker}: {' '.join(sentences)}\n\n"
        parts.append(turn)
        size += len(turn)
    return "".join(parts)


def make_codebook(codes: int, themes: int = 6) -> tuple[str, list[str]]:
    keys = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    lines = ["title: Generated benchmark codebook", "codes:"]
    ids: list[str] = []
    per_theme = max(1, codes // themes)
    k = 0
    for t in range(themes):
        lines += [f"  - id: theme-{t + 1}", f"    name: Theme {t + 1}",
                  f"    description: Generated theme {t + 1}.", "    codes:"]
        for c in range(per_theme):
            cid = f"code-{t + 1}-{c + 1}"
            ids.append(cid)
            lines += [f"      - id: {cid}", f"        name: Code {t + 1}.{c + 1}",
                      f"        description: Generated code {t + 1}.{c + 1}."]
            if k < len(keys):
                lines.append(f'        key: "{keys[k]}"')
                k += 1
    return "\n".join(lines) + "\n", ids


def _spans(rng: random.Random, text: str, n: int, codes: list[str]) -> list[tuple[str, int, int]]:
    out = []
    for _ in range(n):
        length = rng.randint(20, 600)
        start = rng.randrange(0, max(1, len(text) - length))
        out.append((rng.choice(codes), start, min(len(text), start + length)))
    return out


def generate_study(root: Path, transcripts: int = 200, chars: int = 5_000_000,
                   coders: tuple[str, ...] = ("alice", "bob", "carol"), codes: int = 60,
                   annotations: int = 60_000, seed: int = 1) -> Path:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    codebook, code_ids = make_codebook(codes)
    (root / "codebook.yaml").write_text(codebook, encoding="utf-8")
    vocab = _vocabulary(rng)
    per_transcript = max(1, chars // transcripts)
    per_file = max(1, annotations // (transcripts * len(coders)))
    rows = ["transcript,group,gender"]
    for i in range(transcripts):
        folder = root / ("interviews" if i % 2 == 0 else "focus-groups")
        folder.mkdir(exist_ok=True)
        name = f"T{i + 1:04d}.txt"
        text = make_text(rng, per_transcript, vocab)
        (folder / name).write_text(text, encoding="utf-8")
        rows.append(f"{folder.name}/{name},{rng.choice(['intervention', 'control'])},"
                    f"{rng.choice(['woman', 'man', 'non-binary'])}")
        shared = _spans(rng, text, per_file, code_ids)
        sha = text_sha256(text)
        for coder in coders:
            anns = []
            for code, s, e in shared:
                if rng.random() < 0.15:
                    continue  # missed by this coder
                if rng.random() < 0.3:
                    s = max(0, s + rng.randint(-15, 15))
                    e = min(len(text), max(s + 1, e + rng.randint(-15, 15)))
                anns.append((code, s, e))
            anns += _spans(rng, text, per_file - len(anns), code_ids)
            items = []
            for code, s, e in anns:
                a = Annotation(new_id(), code, s, e, created="2026-01-01T00:00:00Z")
                a.set_context(text)
                items.append(a)
            save_annotations(AnnotationFile(coder, name, sha, items), folder / f"T{i + 1:04d}.{coder}.json")
    (root / "attributes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path)
    p.add_argument("--transcripts", type=int, default=200)
    p.add_argument("--chars", type=int, default=5_000_000)
    p.add_argument("--coders", default="alice,bob,carol")
    p.add_argument("--codes", type=int, default=60)
    p.add_argument("--annotations", type=int, default=60_000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    generate_study(a.out, a.transcripts, a.chars, tuple(a.coders.split(",")), a.codes, a.annotations, a.seed)
    print(a.out)


if __name__ == "__main__":
    main()

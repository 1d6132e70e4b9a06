"""The re-anchoring edit suite: edit coded transcripts the ways people edit them,
re-anchor, and count where every annotation went.

    python benchmarks/editsuite.py [--study DIR] [--seeds 5]

Each kind of edit (typos fixed, sentences inserted or deleted, lines re-wrapped,
speakers renamed, CRLF line ends, paragraphs moved, names anonymised, clean
verbatim, and all of them at once) is applied to every transcript of the study
(the sample study by default), with the study's own annotation files plus short
annotations on every "Um.", "Yeah.", "[laughs]" and the like, which repeat
throughout a transcript. Because the suite makes the edits, it knows where each
annotated passage truly is afterwards, and classifies each annotation:

- exact: placed on exactly its passage (from its first to its last character, as
  edited);
- approximate: placed on part of its (edited) passage, or a little beyond it;
- orphaned: kept with its old offsets and flagged (its passage gone or not found);
- silently wrong: placed on other text, or placed although its passage is gone.

The goal is silently wrong = 0: an annotation on the wrong words corrupts an
analysis without anyone noticing, while an orphan is reported and can be placed
by hand.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from tcoder.annotations import Annotation, reanchor  # noqa: E402
from tcoder.study import open_study  # noqa: E402
from tcoder.transcript import decode_bytes  # noqa: E402

SAMPLE = HERE.parent / "sample_data" / "activism-study"

#: An edit: a list of pieces making the new text, each a string (new text) or
#: (start, end) of the old text. Every old character appears at most once.
Piece = str | tuple[int, int]


def apply_pieces(text: str, pieces: list[Piece]) -> str:
    return "".join(p if isinstance(p, str) else text[p[0]:p[1]] for p in pieces)


def pieces_from_replacements(text: str, replacements: list[tuple[int, int, list[Piece]]]) -> list[Piece]:
    """Pieces for non-overlapping replacements of old ranges (start, end, new pieces)."""
    out: list[Piece] = []
    at = 0
    for start, end, new in sorted(replacements, key=lambda r: (r[0], r[1])):
        if start < at:
            continue  # overlaps one already made
        if start > at:
            out.append((at, start))
        out.extend(new)
        at = end
    if at < len(text):
        out.append((at, len(text)))
    return out


def new_positions(pieces: list[Piece]) -> list[tuple[int, int, int]]:
    """(old start, old end, new start) of each old range kept, sorted by old start."""
    kept = []
    at = 0
    for p in pieces:
        if isinstance(p, str):
            at += len(p)
        else:
            kept.append((p[0], p[1], at))
            at += p[1] - p[0]
    kept.sort()
    return kept


def truth(kept: list[tuple[int, int, int]], start: int, end: int) -> tuple[str, int, int]:
    """Where the old passage [start, end) is in the new text: ("exact", s, e) when all of
    it is there in one piece, ("part", s, e) the new range of what is left of it, or
    ("gone", 0, 0)."""
    found = []  # new ranges of the surviving parts, in old order
    for old_start, old_end, new_start in kept:
        if old_end <= start or old_start >= end:
            continue
        lo, hi = max(start, old_start), min(end, old_end)
        found.append((new_start + lo - old_start, new_start + hi - old_start, hi - lo))
    if not found:
        return ("gone", 0, 0)
    survived = sum(f[2] for f in found)
    contiguous = all(found[i][1] == found[i + 1][0] for i in range(len(found) - 1))
    if survived == end - start and contiguous:
        return ("exact", found[0][0], found[-1][1])
    if survived < max(1, (end - start) // 4):
        return ("gone", 0, 0)  # too little left to call it the passage
    return ("part", min(f[0] for f in found), max(f[1] for f in found))


# ---------------------------------------------------------------- the edits

_SENTENCE = re.compile(r"[^.?!\n]+[.?!]+ ?")
_TURN = re.compile(r"^[^\n:]{1,40}: .*?(?:\n\n|\Z)", re.M | re.S)
_WORD = re.compile(r"[A-Za-z]{4,}")
_FILLERS = re.compile(r"\b(?:[Uu]m|[Uu]h|[Ee]r),? |\[laughs\] ?|\byou know,? |\blike, |\bI mean,? |\b(\w+) \1\b ?")
_NAMES = re.compile(r"\b(?:Amara|Ben|Chloe|Dev|Houston|Nigeria|Chicago|Dr\.? [A-Z][a-z]+|[A-Z][a-z]+(?:ville|ton))\b")


def typos(text: str, rng: random.Random) -> list[Piece]:
    """Typing errors corrected: a letter changed, added or removed in about one word in 60."""
    edits: list[tuple[int, int, list[Piece]]] = []
    for m in _WORD.finditer(text):
        if rng.random() < 1 / 60:
            i = m.start() + rng.randrange(1, len(m.group()) - 1)
            kind = rng.choice(("change", "add", "drop"))
            letter = rng.choice("aeiourstln")
            if kind == "change":
                edits.append((i, i + 1, [letter]))
            elif kind == "add":
                edits.append((i, i, [letter]))
            else:
                edits.append((i, i + 1, []))
    return pieces_from_replacements(text, edits)


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if len(m.group().strip()) > 3]


def inserted_sentences(text: str, rng: random.Random, pool: list[str]) -> list[Piece]:
    """A sentence (taken from other transcripts, so it may repeat words coded here) inserted
    before about one sentence in eight."""
    edits: list[tuple[int, int, list[Piece]]] = []
    for start, _ in _sentences(text):
        if rng.random() < 1 / 8:
            edits.append((start, start, [rng.choice(pool).strip() + " "]))
    return pieces_from_replacements(text, edits)


def deleted_sentences(text: str, rng: random.Random) -> list[Piece]:
    """About one sentence in eight deleted (passages coded in them are gone)."""
    return pieces_from_replacements(text, [(s, e, []) for s, e in _sentences(text) if rng.random() < 1 / 8])


def rewrapped(text: str, rng: random.Random) -> list[Piece]:
    """Every paragraph hard-wrapped at 60 to 76 columns (a space becomes a line break)."""
    width = rng.randint(60, 76)
    edits: list[tuple[int, int, list[Piece]]] = []
    column = 0
    last_space = -1
    for i, ch in enumerate(text):
        if ch == "\n":
            column, last_space = 0, -1
            continue
        if ch == " ":
            last_space = i
        column += 1
        if column > width and last_space >= 0:
            edits.append((last_space, last_space + 1, ["\n"]))
            column = i - last_space
            last_space = -1
    return pieces_from_replacements(text, edits)


def renamed_speakers(text: str, rng: random.Random) -> list[Piece]:
    """Speaker labels replaced by participant ids (Amara: -> P07:, Interviewer: -> I:)."""
    labels: dict[str, str] = {}
    edits: list[tuple[int, int, list[Piece]]] = []
    for m in re.finditer(r"^([^\n:]{1,40}):", text, re.M):
        name = m.group(1)
        new = labels.setdefault(name, "I" if name.lower().startswith(("interviewer", "moderator"))
                                else f"P{len(labels) + 1:02d}")
        edits.append((m.start(1), m.end(1), [new]))
    return pieces_from_replacements(text, edits)


def crlf(text: str, rng: random.Random) -> list[Piece]:
    """Saved with Windows line ends: the canonical text tcoder reads is unchanged."""
    decoded = decode_bytes(text.replace("\n", "\r\n").encode("utf-8")).text
    assert decoded == text
    return [(0, len(text))]


def moved_paragraphs(text: str, rng: random.Random) -> list[Piece]:
    """Three speaker turns moved elsewhere (a transcript put in the right order)."""
    turns = [(m.start(), m.end()) for m in _TURN.finditer(text)]
    if len(turns) < 6:
        return [(0, len(text))]
    moved = rng.sample(range(1, len(turns) - 1), 3)
    edits: list[tuple[int, int, list[Piece]]] = []
    used = set(moved)
    for i in moved:
        targets = [t for t in range(len(turns)) if t not in used and abs(t - i) > 2]
        if not targets:
            continue
        target = rng.choice(targets)
        used.add(target)
        s, e = turns[i]
        edits.append((s, e, []))
        at = turns[target][0]
        edits.append((at, at, [(s, e)]))
    return pieces_from_replacements(text, edits)


def anonymised(text: str, rng: random.Random) -> list[Piece]:
    """Names of people and places replaced by [NAME] and [PLACE] in the text (not the labels)."""
    edits: list[tuple[int, int, list[Piece]]] = []
    for m in _NAMES.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if text.startswith(m.group() + ":", line_start) and line_start == m.start():
            continue  # a speaker label: renamed_speakers does those
        place = m.group() in ("Houston", "Nigeria", "Chicago") or m.group().endswith(("ville", "ton"))
        edits.append((m.start(), m.end(), ["[PLACE]" if place else "[NAME]"]))
    return pieces_from_replacements(text, edits)


def clean_verbatim(text: str, rng: random.Random) -> list[Piece]:
    """Fillers, false starts and laughter removed (um, uh, you know, like, [laughs], doubled words)."""
    edits: list[tuple[int, int, list[Piece]]] = []
    for m in _FILLERS.finditer(text):
        if m.group(1):
            edits.append((m.start(), m.start() + len(m.group(1)) + 1, []))  # keep one of a doubled word
        else:
            edits.append((m.start(), m.end(), []))
    return pieces_from_replacements(text, edits)


def everything(text: str, rng: random.Random, pool: list[str]) -> list[Piece]:
    """Several kinds one after the other (typos, clean verbatim, a sentence deleted and one
    inserted here and there, speakers renamed, re-wrapped)."""
    steps: list[Callable[[str], list[Piece]]] = [
        lambda t: typos(t, rng), lambda t: clean_verbatim(t, rng),
        lambda t: pieces_from_replacements(t, [(s, e, []) for s, e in _sentences(t) if rng.random() < 1 / 20]),
        lambda t: pieces_from_replacements(t, [(s, s, [rng.choice(pool).strip() + " "]) for s, _ in _sentences(t)
                                               if rng.random() < 1 / 20]),
        lambda t: renamed_speakers(t, rng), lambda t: rewrapped(t, rng)]
    # Compose: keep, for the original text, which old range each kept range came from.
    composed: list[Piece] = [(0, len(text))]
    current = text
    for step in steps:
        pieces = step(current)
        composed = _compose(composed, pieces)
        current = apply_pieces(current, pieces)
    return composed


def _compose(first: list[Piece], second: list[Piece]) -> list[Piece]:
    """Pieces on the original text for `second` applied after `first`."""
    # Where each character of the intermediate text came from: an old range or new text.
    spans: list[tuple[int, int, Piece]] = []  # (intermediate start, end, origin piece)
    at = 0
    for p in first:
        n = len(p) if isinstance(p, str) else p[1] - p[0]
        spans.append((at, at + n, p))
        at += n
    out: list[Piece] = []
    for p in second:
        if isinstance(p, str):
            out.append(p)
            continue
        lo, hi = p
        for s, e, origin in spans:
            if e <= lo or s >= hi:
                continue
            a, b = max(lo, s), min(hi, e)
            if isinstance(origin, str):
                out.append(origin[a - s:b - s])
            else:
                out.append((origin[0] + a - s, origin[0] + b - s))
    return out


# ---------------------------------------------------------------- the run

SHORT = re.compile(r"(?<![\w\[])(?:Um|Uh|Yeah|Yes|No|Okay|Right|Sure|Mm-hmm|Exactly|Totally)[.,!?]|\[laughs\]")


@dataclass
class Tally:
    annotations: int = 0
    exact: int = 0
    approximate: int = 0
    orphaned: int = 0
    orphaned_gone: int = 0  # orphaned because their passage is gone (the right outcome)
    wrong: int = 0
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        for name in ("annotations", "exact", "approximate", "orphaned", "orphaned_gone", "wrong", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.examples.extend(other.examples[:5])


def short_annotations(text: str, rng: random.Random) -> list[Annotation]:
    """Short passages that repeat: "Um.", "Yeah.", "[laughs]" (about half of them coded)."""
    out = []
    for k, m in enumerate(SHORT.finditer(text)):
        if rng.random() < 0.5:
            a = Annotation(f"short{k}", "short", m.start(), m.end())
            a.set_context(text)
            out.append(a)
    return out


def classify(text: str, new_text: str, pieces: list[Piece], annotations: list[Annotation]) -> Tally:
    kept = new_positions(pieces)
    copies = [a.copy() for a in annotations]
    started = time.perf_counter()
    results = reanchor(copies, new_text)
    tally = Tally(len(copies), seconds=time.perf_counter() - started)
    for original, result in zip(annotations, results, strict=True):
        a = result.annotation
        where, s, e = truth(kept, original.start, original.end)
        if result.status == "orphaned":
            tally.orphaned += 1
            tally.orphaned_gone += where == "gone"
            continue
        if where != "gone" and (a.start, a.end) == (s, e):
            tally.exact += 1
        elif where != "gone" and a.start < e and s < a.end:
            tally.approximate += 1
        else:
            tally.wrong += 1
            tally.examples.append(f"{original.quote!r} [{original.start}, {original.end}) -> "
                                  f"{new_text[a.start:a.end]!r} [{a.start}, {a.end}) ({result.status}); truly {where} "
                                  f"[{s}, {e})")
    return tally


KINDS: dict[str, Callable[..., list[Piece]]] = {
    "typos fixed": typos,
    "sentences inserted": inserted_sentences,
    "sentences deleted": deleted_sentences,
    "re-wrapped lines": rewrapped,
    "speakers renamed": renamed_speakers,
    "CRLF line ends": crlf,
    "paragraphs moved": moved_paragraphs,
    "names anonymised": anonymised,
    "clean verbatim": clean_verbatim,
    "all of these at once": everything,
}


def load_cases(root: Path) -> list[tuple[str, str, list[Annotation]]]:
    """(name, text, annotations) per transcript: every coder's file, plus short passages."""
    study = open_study(root)
    cases = []
    rng = random.Random(7)
    for ref in study.transcripts:
        text = study.transcript(ref).text
        annotations = []
        for coder in study.coders_of(ref):
            for a in study.load_annotations(ref, coder).annotations:
                a = a.copy(id=f"{coder}-{a.id}")
                a.set_context(text)
                annotations.append(a)
        annotations.extend(short_annotations(text, rng))
        cases.append((ref.name, text, annotations))
    return cases


def run(root: Path = SAMPLE, seeds: int = 3) -> dict[str, Tally]:
    cases = load_cases(root)
    sentences = {name: [m.group() for m in _SENTENCE.finditer(text) if len(m.group()) > 20]
                 for name, text, _ in cases}
    out: dict[str, Tally] = {}
    for kind, edit in KINDS.items():
        total = Tally()
        for seed in range(seeds):
            for name, text, coded in cases:
                rng = random.Random(f"{kind}/{name}/{seed}")
                pool = [s for other, found in sentences.items() if other != name for s in found]
                pieces = edit(text, rng, pool) if kind in ("sentences inserted", "all of these at once") \
                    else edit(text, rng)
                new_text = apply_pieces(text, pieces)
                total.add(classify(text, new_text, pieces, coded))
        out[kind] = total
    return out


def table(results: dict[str, Tally]) -> str:
    lines = ["| edit | annotations | exact | approximate | orphaned (passage gone) | silently wrong | ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for kind, t in results.items():
        lines.append(f"| {kind} | {t.annotations:,} | {t.exact:,} | {t.approximate:,} | "
                     f"{t.orphaned:,} ({t.orphaned_gone:,}) | {t.wrong:,} | {1000 * t.seconds:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--study", type=Path, default=SAMPLE)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    results = run(args.study, args.seeds)
    print(table(results))
    for kind, t in results.items():
        for example in t.examples[:5]:
            print(f"wrong ({kind}): {example}")


if __name__ == "__main__":
    main()

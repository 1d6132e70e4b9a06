"""Build the sample study's annotation files from its consensus key.

    python tools/sample_study/make_annotations.py [--check]

``passages.yaml`` beside this script is the consensus coding of the sample study:
exact quotes with the code a careful adjudication gave them. From it this script
writes, for every transcript, three annotation files:

- ``consensus``: the key itself, each annotation recording in ``sources`` the ids
  of the coders' annotations it was agreed from, and in its header
  (``adjudicated_none``) every disagreement the team decided to leave out, so
  ``tcoder compare`` opens the sample as a finished adjudication;
- ``alice`` and ``bob``: two independent coders who mostly find the same
  passages but, as real coders do, stop at different words or take the whole
  sentence, sometimes miss a passage, confuse codes whose definitions overlap,
  and code a few passages nobody else did.

How much they differ depends on the code (see PROFILES): crisp codes such as
curriculum-advocacy agree well, while emotional-toll vs disillusionment or
personal-growth vs sustained-commitment do not, so the agreement tables of the
tutorial show both. The result is deterministic (seeded), so re-running the
script reproduces the committed files byte for byte; ``--check`` verifies that.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
STUDY = REPO / "sample_data" / "activism-study"
sys.path.insert(0, str(REPO / "src"))

from tcoder.adjudication import NONE_FIELD, SOURCES_FIELD, find_disagreements, usable_annotations  # noqa: E402
from tcoder.annotations import Annotation, AnnotationFile, annotation_path, dumps_annotations  # noqa: E402
from tcoder.codebook import load_codebook  # noqa: E402
from tcoder.coding_status import DONE, STATUS_FIELD, status_record  # noqa: E402
from tcoder.overlaps import merged_annotation, overlap_groups  # noqa: E402
from tcoder.segments import sentences_in  # noqa: E402
from tcoder.transcript import read_transcript  # noqa: E402


@dataclass(frozen=True)
class Profile:
    miss: float  # chance a coder does not code the passage at all
    confuse: float  # chance a coder gives it a confusable code instead
    boundary: float  # chance a coder's span stops somewhere else
    extra: float  # passages per transcript this coder adds on their own, on average


CRISP = Profile(miss=0.04, confuse=0.0, boundary=0.25, extra=0.1)
FAIR = Profile(miss=0.12, confuse=0.08, boundary=0.45, extra=0.35)
HARD = Profile(miss=0.22, confuse=0.30, boundary=0.6, extra=0.6)
THEME = Profile(miss=0.45, confuse=0.0, boundary=0.5, extra=0.3)

PROFILES = {
    "curriculum-advocacy": CRISP, "community-outreach": CRISP, "personal-discrimination": CRISP,
    "lack-of-mentorship": CRISP, "curricular-change": CRISP,
    "institutional-engagement": FAIR, "institutional-resistance": FAIR, "time-pressure": FAIR,
    "peer-education": FAIR, "coalition-building": FAIR, "community-ties": FAIR, "professional-risk": FAIR,
    "support-low": FAIR, "support-high": FAIR,
    "emotional-toll": HARD, "disillusionment": HARD, "personal-growth": HARD, "sustained-commitment": HARD,
    "professional-duty": HARD, "witnessed-inequity": HARD, "support-mixed": HARD,
}

CONFUSIONS = {
    "emotional-toll": ["disillusionment"], "disillusionment": ["emotional-toll"],
    "personal-growth": ["sustained-commitment"], "sustained-commitment": ["personal-growth"],
    "professional-duty": ["witnessed-inequity"], "witnessed-inequity": ["professional-duty"],
    "institutional-engagement": ["institutional-resistance"], "institutional-resistance": ["institutional-engagement"],
    "coalition-building": ["peer-education"], "peer-education": ["coalition-building"],
    "community-ties": ["community-outreach"], "professional-risk": ["emotional-toll"],
    "time-pressure": ["emotional-toll"],
    "support-low": ["support-mixed"], "support-high": ["support-mixed"], "support-mixed": ["support-low", "support-high"],
}

MEMOS = {
    "alice": ["Could be disillusionment rather than toll - discuss.", "Strong quote for the paper.",
              "Borderline: is this a strategy or an outcome?", "Check with the team."],
    "bob": ["Not sure about the boundary here.", "Coded as growth; she also says she'll keep going.",
            "Overlaps with resistance.", "Good example for the codebook."],
}

CODERS = ("alice", "bob")
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _stable_id(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def _stamp(rng: random.Random) -> str:
    moment = START + timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600), seconds=rng.randint(0, 59))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _vary_boundaries(text: str, turn_body: tuple[int, int], start: int, end: int,
                     rng: random.Random) -> tuple[int, int]:
    """Where a second coder would plausibly have stopped instead."""
    sentences = [s for s in sentences_in(text, *turn_body)]
    choice = rng.random()
    if choice < 0.45:  # take the whole sentences around the passage
        covering = [s for s in sentences if s[1] > start and s[0] < end]
        if covering:
            return min(s for s, _ in covering), max(e for _, e in covering)
    if choice < 0.8:  # drop or add a few words at one end
        words = [i for i in range(start, end) if text[i] == " "]
        if rng.random() < 0.5 and len(words) > 4:
            return words[rng.randint(0, 2)] + 1, end
        if len(words) > 4:
            return start, words[-rng.randint(1, 3)]
    # stop one sentence later (or earlier, when the passage has several)
    following = [s for s in sentences if s[0] >= end]
    if following:
        return start, following[0][1]
    return start, end


def _turn_body(transcript, offset: int) -> tuple[int, int]:
    turn = transcript.turn_at(offset)
    return (turn.body_start, turn.end) if turn else (0, len(transcript.text))


def build(study: Path = STUDY, key: Path = HERE / "passages.yaml") -> dict[Path, str]:
    """The annotation files' paths and canonical contents."""
    codebook = load_codebook(study / "codebook.yaml")
    passages = yaml.safe_load(key.read_text(encoding="utf-8"))
    leaf_codes = [c.id for c in codebook if not c.children and codebook.domain_of(c.id) is None]
    outputs: dict[Path, str] = {}
    for name, items in passages.items():
        path = study / name
        transcript = read_transcript(path, name)
        text = transcript.text
        rng = random.Random(_stable_id("sample", name))
        coded: dict[str, list[Annotation]] = {c: [] for c in (*CODERS, "consensus")}
        for number, item in enumerate(items):
            code, quote = item["code"], item["quote"]
            start = text.index(quote)
            end = start + len(quote)
            assert text.count(quote) == 1, (name, quote)
            profile = PROFILES.get(code, THEME if codebook[code].children else FAIR)
            sources = []
            for coder in CODERS:
                if rng.random() < profile.miss:
                    continue
                their_code = code
                if code in CONFUSIONS and rng.random() < profile.confuse:
                    their_code = rng.choice(CONFUSIONS[code])
                s, e = start, end
                if rng.random() < profile.boundary:
                    s, e = _vary_boundaries(text, _turn_body(transcript, start), start, end, rng)
                a = Annotation(_stable_id(name, coder, number), their_code, s, e, created=_stamp(rng))
                a.updated = a.created
                if rng.random() < 0.06:
                    a.memo = rng.choice(MEMOS[coder])
                a.set_context(text)
                coded[coder].append(a)
                sources.append(a.id)
            agreed = Annotation(_stable_id(name, "consensus", number), code, start, end,
                                created=(START + timedelta(days=28)).strftime("%Y-%m-%dT%H:%M:%SZ"))
            agreed.updated = agreed.created
            agreed.exemplar = bool(item.get("exemplar"))  # chosen by the team as a quote for the write-up
            agreed.set_context(text)
            if sources:
                agreed.extra = {"sources": sources}
            coded["consensus"].append(agreed)
        for coder in CODERS:
            profile_extra = sum(PROFILES.get(item["code"], FAIR).extra for item in items) / max(1, len(items))
            for k in range(round(profile_extra * 12)):
                turn = rng.choice([t for t in transcript.turns if t.speaker not in ("Interviewer", "Moderator")])
                sentences = sentences_in(text, turn.body_start, turn.end)
                if not sentences:
                    continue
                s, e = rng.choice(sentences)
                a = Annotation(_stable_id(name, coder, "extra", k), rng.choice(leaf_codes), s, e,
                               created=_stamp(rng))
                a.updated = a.created
                a.set_context(text)
                coded[coder].append(a)
        _merge_overlaps(coded, text)
        decided_none = _none_decisions(coded, codebook, len(text))
        for coder, items in coded.items():
            # Every coder finished the transcript: marked done the evening of their last change.
            last = max(a.updated or a.created or "" for a in items)
            extra: dict = {STATUS_FIELD: status_record(DONE, last[:10] + "T18:00:00Z")}
            if coder == "consensus" and decided_none:
                extra[NONE_FIELD] = decided_none
            af = AnnotationFile(coder, path.name, transcript.sha256, items, extra=extra)
            outputs[annotation_path(path, coder)] = dumps_annotations(af)
    return outputs


def _merge_overlaps(coded: dict[str, list[Annotation]], text: str) -> None:
    """A coder who coded overlapping text twice with one code has it once, as the coding screen
    does when a code is applied over text that already has it; the consensus follows the ids."""
    renamed: dict[str, str] = {}
    for coder in CODERS:
        for group in overlap_groups(coded[coder]):
            merged = merged_annotation(group.annotations, text, max(a.updated or "" for a in group.annotations))
            gone = {a.id for a in group.annotations}
            renamed.update((i, merged.id) for i in gone)
            coded[coder] = [a for a in coded[coder] if a.id not in gone] + [merged]
    for agreed in coded["consensus"]:
        sources = agreed.extra.get("sources")
        if sources:
            agreed.extra["sources"] = list(dict.fromkeys(renamed.get(i, i) for i in sources))


def _none_decisions(coded: dict[str, list[Annotation]], codebook, text_length: int) -> list[dict]:
    """The coders' disagreements that the consensus leaves out: the team decided "none"."""
    usable = {c: usable_annotations(coded[c], text_length, codebook)[0] for c in CODERS}
    consensus = coded["consensus"]
    records = []
    for d in find_disagreements(usable, CODERS):
        if any(a.code == d.code and a.start < d.end and d.start < a.end for a in consensus):
            continue
        records.append({"code": d.code, "start": d.start, "end": d.end, SOURCES_FIELD: sorted(d.ids),
                        "decided": (START + timedelta(days=28)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return sorted(records, key=lambda r: (r["start"], r["end"], r["code"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="verify the committed files instead of writing")
    args = parser.parse_args(argv)
    outputs = build()
    stale = [p for p, text in outputs.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for p in stale:
            print(f"out of date: {p.relative_to(REPO)}")
        return 1 if stale else 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8", newline="\n")
    counts = {}
    for path, text in outputs.items():
        coder = path.name.split(".")[-2]
        counts[coder] = counts.get(coder, 0) + text.count('"id": ')
    print(", ".join(f"{c}: {n} annotations" for c, n in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

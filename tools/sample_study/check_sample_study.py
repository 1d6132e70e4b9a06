"""Consistency checks for the sample study in sample_data/activism-study.

Checks the transcripts (format, speaker labels, timestamps, word counts),
attributes.csv, codebook.yaml and the consensus passages in
tools/sample_study/passages.yaml, then prints a summary.

Usage:
    python tools/sample_study/check_sample_study.py

Exits with status 1 if any check fails.
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "sample_data" / "activism-study"
PASSAGES = Path(__file__).resolve().parent / "passages.yaml"

LABEL_RE = re.compile(r"^(\[\d{2}:\d{2}:\d{2}\] )?[^:\n\s][^:\n]{0,39}:(\s|$)")
TIMESTAMP_RE = re.compile(r"^\[(\d{2}):(\d{2}):(\d{2})\] ")

TRANSCRIPTS = {
    "interviews/P01.txt": (1800, 3500),
    "interviews/P02.txt": (1800, 3500),
    "interviews/P03.txt": (1800, 3500),
    "interviews/P04.txt": (1800, 3500),
    "focus-groups/FG1.txt": (2500, 4000),
    "focus-groups/FG2.txt": (2500, 4000),
}
TIMESTAMPED = {"interviews/P03.txt"}
FACILITATORS = {"Interviewer", "Moderator"}

EXPECTED_TREE = {
    "motivation": ("Motivations for engagement", None, {
        "personal-discrimination": ("Personal experience of discrimination", "p"),
        "witnessed-inequity": ("Witnessing inequity in care", "w"),
        "professional-duty": ("Sense of professional duty", "d"),
        "community-ties": ("Ties to a community", "c"),
    }),
    "strategy": ("Strategies", None, {
        "curriculum-advocacy": ("Curriculum advocacy", "a"),
        "community-outreach": ("Community outreach", "o"),
        "institutional-engagement": ("Work with institutional stakeholders", "i"),
        "peer-education": ("Peer education and dialogue", "e"),
        "coalition-building": ("Coalition building", "b"),
    }),
    "challenge": ("Challenges", None, {
        "institutional-resistance": ("Institutional resistance", "r"),
        "lack-of-mentorship": ("Lack of mentorship", "m"),
        "emotional-toll": ("Emotional toll and burnout", "t"),
        "time-pressure": ("Competing time pressures", "h"),
        "professional-risk": ("Professional risk", "k"),
    }),
    "outcome": ("Outcomes", None, {
        "curricular-change": ("Curricular change achieved", "u"),
        "personal-growth": ("Personal growth", "g"),
        "sustained-commitment": ("Sustained commitment", "s"),
        "disillusionment": ("Disillusionment", "l"),
    }),
    "institutional-support": ("Perceived institutional support", None, {
        "support-low": ("Low", "1"),
        "support-mixed": ("Mixed", "2"),
        "support-high": ("High", "3"),
    }),
}
DOMAIN_CODES = {"support-low", "support-mixed", "support-high"}
LEAF_CODES = {c for _, _, kids in EXPECTED_TREE.values() for c in kids} - DOMAIN_CODES

errors: list[str] = []


def fail(msg: str) -> None:
    errors.append(msg)


def parse_turns(name: str, text: str) -> list[tuple[str, int, int]]:
    """Return (speaker, start, end) character spans of each turn's text."""
    turns = []
    offset = 0
    blocks = text.split("\n\n")
    for block in blocks:
        lines = block.split("\n")
        first = lines[0]
        m = LABEL_RE.match(first)
        if not m:
            fail(f"{name}: turn does not start with a speaker label: {first[:60]!r}")
        else:
            label = first[: m.end()].strip()
            ts = TIMESTAMP_RE.match(label)
            speaker = label[ts.end():] if ts else label
            turns.append((speaker.rstrip(":"), offset + m.end(), offset + len(block)))
        for line in lines[1:]:
            if not line.strip():
                fail(f"{name}: more than one blank line between turns")
            elif LABEL_RE.match(line):
                fail(f"{name}: continuation line looks like a speaker label: {line[:60]!r}")
        offset += len(block) + 2
    return turns


def check_transcripts() -> dict[str, tuple[str, list]]:
    loaded = {}
    for name, (lo, hi) in TRANSCRIPTS.items():
        path = STUDY / name
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        if "\r" in text:
            fail(f"{name}: contains CR characters")
        if not text.endswith("\n") or text.endswith("\n\n"):
            fail(f"{name}: must end with exactly one newline")
        body = text[:-1]
        turns = parse_turns(name, body)
        words = len(text.split())
        if not lo <= words <= hi:
            fail(f"{name}: {words} words, expected {lo}-{hi}")
        labels = [l for l in body.split("\n") if LABEL_RE.match(l)]
        stamps = [TIMESTAMP_RE.match(l) for l in labels]
        if name in TIMESTAMPED:
            if not all(stamps):
                fail(f"{name}: every turn label needs a timestamp")
            else:
                secs = [int(h) * 3600 + int(m) * 60 + int(s) for h, m, s in (x.groups() for x in stamps)]
                if any(b <= a for a, b in itertools.pairwise(secs)):
                    fail(f"{name}: timestamps do not increase")
        elif any(stamps):
            fail(f"{name}: unexpected timestamps")
        speakers = Counter(s for s, _, _ in turns)
        participants = set(speakers) - FACILITATORS
        if name.startswith("interviews/") and (len(participants) != 1 or "Interviewer" not in speakers):
            fail(f"{name}: expected Interviewer and one participant, got {sorted(speakers)}")
        if name.startswith("focus-groups/") and (len(participants) < 6 or "Moderator" not in speakers):
            fail(f"{name}: expected Moderator and at least 6 participants, got {sorted(speakers)}")
        loaded[name] = (body, turns)
        print(f"{name:24} {words:5} words, {len(turns):3} turns, speakers: {', '.join(sorted(speakers))}")
    return loaded


def check_attributes() -> None:
    with open(STUDY / "attributes.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = ["transcript", "group", "gender", "year_of_study", "prior_activism", "setting"]
    if rows and list(rows[0].keys()) != header:
        fail(f"attributes.csv: header is {list(rows[0].keys())}")
    if sorted(r["transcript"] for r in rows) != sorted(TRANSCRIPTS):
        fail("attributes.csv: rows do not match the transcripts")
    for r in rows:
        fg = r["transcript"].startswith("focus-groups/")
        if r["group"] not in {"intervention", "control"}:
            fail(f"attributes.csv: bad group {r['group']!r}")
        if r["setting"] != ("focus group" if fg else "interview"):
            fail(f"attributes.csv: bad setting for {r['transcript']}")
        if fg and (r["gender"], r["year_of_study"], r["prior_activism"]) != ("mixed", "mixed", "mixed"):
            fail(f"attributes.csv: focus group {r['transcript']} should be mixed")
        if not fg and r["gender"] not in {"woman", "man", "non-binary"}:
            fail(f"attributes.csv: bad gender for {r['transcript']}")
        if not fg and r["prior_activism"] not in {"yes", "no"}:
            fail(f"attributes.csv: bad prior_activism for {r['transcript']}")


def check_participants() -> None:
    """Every speaker of every transcript has a row in speakers.csv; every participant a row in
    participants.csv with realistic attributes."""
    with open(STUDY / "speakers.csv", newline="", encoding="utf-8") as fh:
        speakers = list(csv.DictReader(fh))
    with open(STUDY / "participants.csv", newline="", encoding="utf-8") as fh:
        people = {r["participant"]: r for r in csv.DictReader(fh)}
    for name in TRANSCRIPTS:
        text = (STUDY / name).read_text(encoding="utf-8")
        labels = {m.group(2) for m in re.finditer(r"^(\[\d{2}:\d{2}:\d{2}\] )?([^:\n]{1,40}):", text, re.MULTILINE)}
        listed = {r["speaker"] for r in speakers if r["transcript"] == name}
        if labels != listed:
            fail(f"speakers.csv: {name} speakers {sorted(listed)} but the transcript has {sorted(labels)}")
    for r in speakers:
        facilitator = r["speaker"] in FACILITATORS
        if r["role"] != ("interviewer" if r["speaker"] == "Interviewer" else
                         "moderator" if r["speaker"] == "Moderator" else "participant"):
            fail(f"speakers.csv: {r['transcript']} {r['speaker']} has role {r['role']}")
        if not facilitator and r["participant"] not in people:
            fail(f"speakers.csv: no participant {r['participant']!r} in participants.csv")
    for pid, r in people.items():
        if r["group"] not in {"intervention", "control"} or r["gender"] not in {"woman", "man", "non-binary"} \
                or r["prior_activism"] not in {"yes", "no"} or not 20 <= int(r["age"]) <= 45:
            fail(f"participants.csv: unrealistic attributes for {pid}: {r}")


def check_codebook(all_text: str) -> set[str]:
    cb = yaml.safe_load((STUDY / "codebook.yaml").read_text(encoding="utf-8"))
    for field in ("title", "description", "codes"):
        if field not in cb:
            fail(f"codebook.yaml: missing {field}")
    ids = set()
    themes = cb.get("codes", [])
    if [t["id"] for t in themes] != list(EXPECTED_TREE):
        fail(f"codebook.yaml: top-level ids are {[t['id'] for t in themes]}")
    for theme in themes:
        ids.add(theme["id"])
        name, _, kids = EXPECTED_TREE.get(theme["id"], (None, None, {}))
        if theme.get("name") != name:
            fail(f"codebook.yaml: {theme['id']} name is {theme.get('name')!r}")
        if "key" in theme:
            fail(f"codebook.yaml: theme {theme['id']} should have no key")
        for field in ("description", "include", "exclude"):
            if not theme.get(field):
                fail(f"codebook.yaml: {theme['id']} missing {field}")
        if theme["id"] == "institutional-support":
            if theme.get("exclusive") is not True or theme.get("level") != "ordinal":
                fail("codebook.yaml: institutional-support needs exclusive: true and level: ordinal")
        children = theme.get("codes", [])
        if [c["id"] for c in children] != list(kids):
            fail(f"codebook.yaml: children of {theme['id']} are {[c['id'] for c in children]}")
        for child in children:
            ids.add(child["id"])
            cname, key = kids.get(child["id"], (None, None))
            if child.get("name") != cname or child.get("key") != key:
                fail(f"codebook.yaml: {child['id']} has name/key {child.get('name')!r}/{child.get('key')!r}")
            if child["id"] in DOMAIN_CODES and child.get("value") != int(key):
                fail(f"codebook.yaml: {child['id']} value should be {key}")
            for field in ("description", "include", "exclude"):
                if not child.get(field):
                    fail(f"codebook.yaml: {child['id']} missing {field}")
            examples = child.get("examples") or []
            if not 1 <= len(examples) <= 2:
                fail(f"codebook.yaml: {child['id']} needs 1-2 examples")
            for ex in examples:
                if ex not in all_text:
                    fail(f"codebook.yaml: example for {child['id']} not found in transcripts: {ex[:60]!r}")
            if child.get("codes"):
                fail(f"codebook.yaml: {child['id']} should have no children")
    return ids


def check_passages(loaded: dict, code_ids: set[str]) -> None:
    data = yaml.safe_load(PASSAGES.read_text(encoding="utf-8"))
    if sorted(data) != sorted(TRANSCRIPTS):
        fail("passages.yaml: transcripts do not match")
    per_code = Counter()
    per_transcript = {}
    overlaps = 0
    for name, items in data.items():
        text, turns = loaded[name]
        spans = []
        domain = Counter()
        for item in items:
            code, quote = item["code"], item["quote"]
            per_code[code] += 1
            if code in DOMAIN_CODES:
                domain[code] += 1
            if code not in code_ids:
                fail(f"{name}: unknown code {code!r}")
            n = text.count(quote)
            if n != 1:
                fail(f"{name}: quote occurs {n} times: {quote[:70]!r}")
                continue
            if not 60 <= len(quote) <= 400:
                fail(f"{name}: quote is {len(quote)} characters: {quote[:60]!r}")
            if "\n" in quote:
                fail(f"{name}: quote spans lines: {quote[:60]!r}")
            start = text.index(quote)
            end = start + len(quote)
            if not any(s <= start and end <= e for _, s, e in turns):
                fail(f"{name}: quote is not inside one turn's text: {quote[:60]!r}")
            for s2, e2, c2 in spans:
                if start < e2 and s2 < end and c2 != code:
                    overlaps += 1
            spans.append((start, end, code))
        per_transcript[name] = (len(items), sum(domain.values()))
    print()
    print("Passages per transcript (domain-coded in brackets):")
    for name, (n, d) in per_transcript.items():
        print(f"  {name:24} {n:3} ({d})")
    print(f"  {'total':24} {sum(n for n, _ in per_transcript.values()):3}")
    print(f"Overlapping passage pairs with different codes: {overlaps}")
    print()
    print("Passages per code:")
    for theme, (_, _, kids) in EXPECTED_TREE.items():
        print(f"  {theme:26} {per_code[theme]:3}")
        for kid in kids:
            print(f"    {kid:24} {per_code[kid]:3}")
    for code in LEAF_CODES:
        if per_code[code] < 6:
            fail(f"passages.yaml: {code} used {per_code[code]} times, expected at least 6")


def main() -> int:
    loaded = check_transcripts()
    check_attributes()
    check_participants()
    all_text = "\n".join(text for text, _ in loaded.values())
    code_ids = check_codebook(all_text)
    check_passages(loaded, code_ids)
    print()
    if errors:
        print(f"{len(errors)} problem(s):")
        for e in errors:
            print("  - " + e)
        return 1
    print("All checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The facts a methods section states, read from a study: the data, who coded what, the
codebook and its history, how disagreements were decided, the themes, the journal and
the software. Every number here is counted from the study's files, so the text built
from it (:mod:`tcoder.reports.methods_text`) states nothing the data does not hold.

No pandas and no agreement statistics here: the reliability figures come from
:mod:`tcoder.agreement.methods`, which builds them from an agreement result.
"""

from __future__ import annotations

import platform
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tcoder.apprentice import APPRENTICE
from tcoder.apprentice.provenance import MachineFacts, machine_facts
from tcoder.codebook import Codebook
from tcoder.codebook_history import History
from tcoder.errors import TcoderError
from tcoder.numbers import plural, verb_for
from tcoder.study import CONSENSUS, Study

#: The kinds of consensus decision, in the order the text and the tables give them.
DECISION_KINDS = ("agreed", "kept", "left out", "one coder's boundaries", "union", "intersection", "edited",
                  "added")
DECISION_LABELS = {
    "agreed": "coded identically by every coder, taken over",
    "kept": "coded by one coder only, kept",
    "left out": "coded by one coder only (or with boundaries the team did not keep), left out",
    "one coder's boundaries": "coded with different boundaries, one coder's version chosen",
    "union": "coded with different boundaries, the union kept",
    "intersection": "coded with different boundaries, the intersection kept",
    "edited": "drawn from the coders' passages with new boundaries",
    "added": "added during adjudication without a coder's passage behind it",
}


@dataclass
class DataFacts:
    transcripts: list[str] = field(default_factory=list)  # readable transcripts, study order
    unreadable: list[str] = field(default_factory=list)
    words: int = 0  # whitespace-separated tokens in every readable transcript
    characters: int = 0
    characters_of: dict[str, int] = field(default_factory=dict)
    interviews: list[str] = field(default_factory=list)  # one participant speaks
    focus_groups: list[str] = field(default_factory=list)  # two or more participants speak
    unknown_kind: list[str] = field(default_factory=list)  # the speakers file says nothing of it
    participants: int | None = None  # None: no speakers file
    speakers_file: bool = False


@dataclass
class CodingFacts:
    coders: list[str] = field(default_factory=list)  # coders whose files count, consensus apart
    coded: dict[str, list[str]] = field(default_factory=dict)  # coder -> transcripts their files count for
    left_out: dict[str, list[str]] = field(default_factory=dict)  # coder -> transcripts whose files do not count
    double_coded: list[str] = field(default_factory=list)  # transcripts with two or more counted coders
    double_characters: int = 0
    consensus: list[str] = field(default_factory=list)  # transcripts with a consensus file that counts


@dataclass
class CodebookFacts:
    title: str = ""
    codes: int = 0
    top_level: int = 0
    levels: int = 0  # depth of the deepest code, counting the top as 1
    domains: int = 0
    defined: int = 0  # with a description
    include: int = 0
    exclude: int = 0
    examples: int = 0  # with at least one example
    changes: int = 0
    changes_by_kind: dict[str, int] = field(default_factory=dict)
    first_change: str = ""
    last_change: str = ""
    changed_by: list[str] = field(default_factory=list)
    initial_codes: int | None = None  # before the first recorded change
    created_during_coding: int = 0


@dataclass
class ConsensusFacts:
    transcripts: list[str] = field(default_factory=list)
    annotations: int = 0  # in the consensus files
    kinds: Counter[str] = field(default_factory=Counter)  # DECISION_KINDS -> count
    by_transcript: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def decisions(self) -> int:
        """Disagreements decided: everything but the passages every coder coded alike."""
        return sum(n for kind, n in self.kinds.items() if kind not in ("agreed", "added"))


@dataclass
class ThemeFacts:
    themes: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    codes: int = 0  # distinct codebook codes linked to a theme
    changes: int = 0  # entries in the themes' history


@dataclass
class SoftwareFacts:
    tcoder: str = ""
    python: str = ""
    commit: str | None = None  # the study repository's HEAD
    clean: bool | None = None  # whether its work tree has no uncommitted changes under the study
    repository: bool = False


@dataclass
class StudyFacts:
    study: Study
    data: DataFacts
    coding: CodingFacts
    codebook: CodebookFacts
    consensus: ConsensusFacts
    themes: ThemeFacts
    journal: int  # entries of the reflexive journal
    memos: int  # every memo, the journal included
    software: SoftwareFacts
    reflexive: bool
    notes: list[str] = field(default_factory=list)  # what could not be read, and so is not counted
    machine: MachineFacts = field(default_factory=MachineFacts)  # the apprentice's proposals and accepted passages


def gather_facts(study: Study, include_unfinished: bool = False) -> StudyFacts:
    notes: list[str] = []
    data = _data(study, notes)
    coding = _coding(study, data, include_unfinished, notes)
    return StudyFacts(study, data, coding, _codebook(study.codebook, study.history),
                      _consensus(study, coding, notes), _themes(study, notes), *_memos(study, notes),
                      software=_software(study), reflexive=study.settings.reflexive, notes=notes,
                      machine=machine_facts(study))


def _data(study: Study, notes: list[str]) -> DataFacts:
    facts = DataFacts(speakers_file=study.participants.defined)
    participants = study.participants
    for ref in study.transcripts:
        try:
            text = study.transcript(ref).text
        except TcoderError:
            facts.unreadable.append(ref.name)
            continue
        facts.transcripts.append(ref.name)
        facts.words += len(text.split())
        facts.characters += len(text)
        facts.characters_of[ref.name] = len(text)
        if not facts.speakers_file:
            continue
        people = participants.in_transcript(ref.name)
        kind = facts.unknown_kind if not people else facts.interviews if len(people) == 1 else facts.focus_groups
        kind.append(ref.name)
    if facts.speakers_file:
        facts.participants = len(participants.cases(facts.transcripts))
    if facts.unreadable:
        notes.append(f"{plural(len(facts.unreadable), 'transcript')} could not be read and {verb_for(len(facts.unreadable), 'is')} not counted: "
                     + ", ".join(facts.unreadable))
    return facts


def _coding(study: Study, data: DataFacts, include_unfinished: bool, notes: list[str]) -> CodingFacts:
    from tcoder.coding_status import coders_for, policy_of

    policy = policy_of(study, include_unfinished)
    facts = CodingFacts()
    for name in data.transcripts:
        ref = study.find(name)
        try:
            chosen = coders_for(study, ref, policy=policy)
        except TcoderError as exc:
            notes.append(f"{name}: an annotation file could not be read ({exc}); its coding is not counted")
            continue
        counted = [c for c in chosen.counted if c not in (CONSENSUS, APPRENTICE)]  # people only
        for coder in counted:
            facts.coded.setdefault(coder, []).append(name)
        for status in chosen.left_out:
            if status.coder not in (CONSENSUS, APPRENTICE):
                facts.left_out.setdefault(status.coder, []).append(name)
        if CONSENSUS in chosen.counted:
            facts.consensus.append(name)
        if len(counted) >= 2:
            facts.double_coded.append(name)
            facts.double_characters += data.characters_of[name]
    facts.coders = [c for c in study.coders if c in facts.coded]
    return facts


def _codebook(codebook: Codebook, history: History) -> CodebookFacts:
    from tcoder.reports.codebook_log import initial_codes

    codes = list(codebook)
    facts = CodebookFacts(
        title=codebook.title, codes=len(codes), top_level=len(codebook.roots),
        levels=max((c.depth for c in codes), default=-1) + 1, domains=len(codebook.domains),
        defined=sum(1 for c in codes if c.description.strip()), include=sum(1 for c in codes if c.include.strip()),
        exclude=sum(1 for c in codes if c.exclude.strip()), examples=sum(1 for c in codes if c.examples))
    entries = history.entries
    if entries:
        facts.changes = len(entries)
        facts.changes_by_kind = dict(Counter(e.op for e in entries))
        facts.first_change, facts.last_change = entries[0].when[:10], entries[-1].when[:10]
        facts.changed_by = sorted({e.who for e in entries if e.who})
        facts.initial_codes = len(initial_codes(history, codebook))
        facts.created_during_coding = sum(1 for e in entries if e.op == "new")
    return facts


def _consensus(study: Study, coding: CodingFacts, notes: list[str]) -> ConsensusFacts:
    facts = ConsensusFacts()
    for name in coding.consensus:
        coders = [c for c in coding.coders if name in coding.coded[c]]
        try:
            consensus = study.load_annotations(name, CONSENSUS).file
            theirs = {c: study.load_annotations(name, c).file for c in coders}
        except TcoderError as exc:
            notes.append(f"{name}: the consensus could not be compared with the coders' files ({exc})")
            continue
        kinds = classify_consensus(consensus.annotations, consensus.extra.get("adjudicated_none"), theirs)
        facts.transcripts.append(name)
        facts.annotations += len([a for a in consensus.annotations if not a.orphaned])
        facts.by_transcript[name] = kinds
        facts.kinds.update(kinds)
    return facts


def classify_consensus(annotations: list[Any], none_records: Any, coders: dict[str, Any]) -> Counter[str]:
    """How each consensus passage came to be, from its ``sources`` (the coders' annotations it
    was made from) and the recorded decisions of none (docs/formats.md#annotation-files).

    ``coders`` maps each compared coder to their annotation file. A passage whose sources are
    every coder's identical passage was *agreed*; from one coder's passage alone, it was *kept*
    (or that coder's boundaries were chosen, when another coder coded the code there too);
    from several with other boundaries, the *union*, the *intersection* or *edited* boundaries;
    without sources, *added*. A decision of none is *left out*.
    """
    from tcoder.adjudication import SOURCES_FIELD

    owner: dict[str, tuple[str, Any]] = {}
    for coder, af in coders.items():
        for a in af.annotations:
            owner[a.id] = (coder, a)
    kinds: Counter[str] = Counter()
    for a in annotations:
        if a.orphaned:
            continue
        raw = a.extra.get(SOURCES_FIELD)
        sources = [owner[i] for i in raw if isinstance(i, str) and i in owner] if isinstance(raw, list) else []
        if not sources:
            kinds["added"] += 1
            continue
        by = {coder for coder, _ in sources}
        spans = {(s.start, s.end) for _, s in sources}
        if by == set(coders) and len(coders) >= 2 and spans == {(a.start, a.end)}:
            kinds["agreed"] += 1
        elif len(by) == 1:
            coder = next(iter(by))
            others = any(o.code == a.code and o.start < a.end and a.start < o.end
                         for c, af in coders.items() if c != coder for o in af.annotations)
            kinds["one coder's boundaries" if others else "kept"] += 1
        elif (a.start, a.end) == (min(s for s, _ in spans), max(e for _, e in spans)):
            kinds["union"] += 1
        elif (a.start, a.end) == (max(s for s, _ in spans), min(e for _, e in spans)):
            kinds["intersection"] += 1
        else:
            kinds["edited"] += 1
    if isinstance(none_records, list):
        kinds["left out"] += sum(1 for r in none_records if isinstance(r, dict))
    return kinds


def _themes(study: Study, notes: list[str]) -> ThemeFacts:
    from tcoder.themes import read_themes

    facts = ThemeFacts()
    path = study.themes_path
    if not path.exists():
        return facts
    try:
        themes = read_themes(path)
    except TcoderError as exc:
        notes.append(f"the themes could not be read ({exc}); they are not described")
        return facts
    facts.themes = len(themes.themes)
    facts.by_status = dict(Counter(t.status for t in themes.themes.values()))
    facts.codes = len({c for t in themes.themes.values() for c in t.codes if c in study.codebook.codes})
    from tcoder.themelog import history_path, read_history

    if history_path(path).exists():
        try:
            facts.changes = len(read_history(history_path(path)).entries)
        except TcoderError as exc:
            notes.append(f"the themes' history could not be read ({exc}); its changes are not counted")
    return facts


def _memos(study: Study, notes: list[str]) -> tuple[int, int]:
    from tcoder.memoset import load_memos

    memos = load_memos(study)
    if memos.problems:
        notes.append(f"{plural(len(memos.problems), 'memo file')} could not be read and {verb_for(len(memos.problems), 'is')} not counted")
    return sum(1 for m in memos if m.kind == "journal"), len(memos)


def _software(study: Study) -> SoftwareFacts:
    from tcoder import __version__

    facts = SoftwareFacts(tcoder=__version__, python=platform.python_version())
    try:
        from tcoder.gitdriver.gitcmd import git

        top = git(["rev-parse", "--show-toplevel"], study.root, check=False)
        if top.returncode != 0:
            return facts
        facts.repository = True
        head = git(["rev-parse", "--verify", "--quiet", "HEAD"], study.root, check=False)
        if head.returncode == 0:
            facts.commit = head.stdout.decode().strip()
            status = git(["status", "--porcelain", "--untracked-files=normal", "--", "."], study.root, check=False)
            facts.clean = status.returncode == 0 and not status.stdout.strip()
    except TcoderError:  # git is not installed
        pass
    return facts

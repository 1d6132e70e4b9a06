"""A study's memos and journal entries: listing, finding, filtering, and checking
what their links point to.

Memos live in the study's memos folder (``memos/`` unless tcoder.yaml names
another), one Markdown file each (:mod:`tcoder.memos`). A link whose code,
transcript, theme, participant, memo or annotation no longer exists is kept
and reported, never dropped. Links to passages are placed again on an edited
transcript by the same re-anchoring as annotations
(:func:`tcoder.annotations.reanchor`); ``tcoder check --fix`` saves the new
offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

from tcoder.annotations import Annotation, reanchor
from tcoder.errors import Problem, TcoderError
from tcoder.memos import KINDS, Link, Memo, MemoFileError, read_memo
from tcoder.numbers import plural
from tcoder.study import Study

PlaceStatus = Literal["unchanged", "moved", "fuzzy", "unverified", "orphaned", "no-transcript"]


@dataclass(slots=True)
class Placement:
    """What re-anchoring did to one passage link."""

    memo: Memo
    link: Link
    status: PlaceStatus
    old_start: int
    old_end: int
    similarity: float = 1.0


@dataclass
class MemoSet:
    """Every memo of a study that could be read, and the problems of those that could not."""

    study: Study
    memos: list[Memo] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.memos)

    def __iter__(self):
        return iter(self.memos)

    @property
    def by_id(self) -> dict[str, Memo]:
        out: dict[str, Memo] = {}
        for memo in self.memos:
            out.setdefault(memo.id, memo)
        return out

    def find(self, wanted: str) -> Memo:
        """A memo by id, a unique beginning of its id, its file name or path, or (when only one
        memo matches) its title or words of it."""
        wanted = wanted.strip()
        exact = [m for m in self.memos if m.id == wanted]
        if len(exact) == 1:
            return exact[0]
        by_file = [m for m in self.memos if m.path is not None and wanted in (
            m.path.name, m.path.stem, self.relative(m), str(m.path))]
        if len(by_file) == 1:
            return by_file[0]
        prefixed = [m for m in self.memos if m.id.startswith(wanted)] if len(wanted) >= 4 else []
        if len(prefixed) == 1:
            return prefixed[0]
        folded = wanted.casefold()
        titled = [m for m in self.memos if m.display_title.casefold() == folded] or \
            [m for m in self.memos if folded in m.display_title.casefold()]
        if len(titled) == 1:
            return titled[0]
        many = exact or by_file or prefixed or titled
        if many:
            listed = ", ".join(f"{m.id} ({self.relative(m)})" for m in many[:6])
            raise TcoderError(Problem(f"{wanted!r} names several memos: {listed}; give the whole id or the file",
                                      self.study.memo_folder))
        raise TcoderError(Problem(f"no memo {wanted!r} in this study ('tcoder memo list' lists them)",
                                  self.study.memo_folder))

    def relative(self, memo: Memo) -> str:
        """The memo's file, relative to the study (``memos/code-resistance.md``)."""
        if memo.path is None:
            return ""
        try:
            return memo.path.relative_to(self.study.root).as_posix()
        except ValueError:
            return str(memo.path)

    def linked_to(self, kind: str, target: str) -> list[Memo]:
        """Memos with a link of this kind to this target (a transcript also counts the
        memos on its passages and annotations)."""
        if kind == "transcript":
            return [m for m in self.memos if any(link.transcript_name == target for link in m.links)]
        return [m for m in self.memos if target in m.targets(kind)]

    def passages(self, transcript: str) -> list[tuple[Memo, Link]]:
        """The passage links into one transcript, with their memos."""
        return [(m, link) for m in self.memos for link in m.links
                if link.kind == "passage" and link.target == transcript]

    def annotation_memos(self) -> dict[str, list[Memo]]:
        """Annotation id -> the memos that link it."""
        out: dict[str, list[Memo]] = {}
        for m in self.memos:
            for link in m.links_of("annotation"):
                out.setdefault(link.target, []).append(m)
        return out

    def select(self, *, kinds: Iterable[str] | None = None, authors: Iterable[str] | None = None,
               codes: Iterable[str] | None = None, transcripts: Iterable[str] | None = None,
               themes: Iterable[str] | None = None, participants: Iterable[str] | None = None,
               text: str | None = None) -> list[Memo]:
        """The memos that pass every filter given (each filter: any of its values).
        ``text`` is searched, ignoring case, in the title, body and author."""
        chosen = list(self.memos)
        if kinds:
            wanted = set(kinds)
            chosen = [m for m in chosen if m.kind in wanted]
        if authors:
            wanted = set(authors)
            chosen = [m for m in chosen if (m.author or "") in wanted]
        for kind, values in (("code", codes), ("theme", themes), ("participant", participants)):
            if values:
                wanted = set(values)
                chosen = [m for m in chosen if wanted & set(m.targets(kind))]
        if transcripts:
            wanted = set(transcripts)
            chosen = [m for m in chosen if any(link.transcript_name in wanted for link in m.links)]
        if text:
            needle = text.casefold()
            chosen = [m for m in chosen if needle in "\n".join((m.title or "", m.body, m.author or "")).casefold()]
        return chosen

    def sorted(self, memos: Iterable[Memo] | None = None) -> list[Memo]:
        """Journal entries by date, then other memos by kind (in :data:`KINDS` order) and title."""
        order = {k: i for i, k in enumerate(KINDS)}
        return sorted(self.memos if memos is None else memos,
                      key=lambda m: (order.get(m.kind, len(order)), m.created or "" if m.kind == "journal" else "",
                                     m.display_title.casefold(), m.id))


def load_memos(study: Study) -> MemoSet:
    """Read every memo file of the study. A file that cannot be read is reported (and
    never written over); two memos with one id are both kept and reported."""
    found = MemoSet(study)
    for path in sorted(study.memo_paths):
        try:
            found.memos.append(read_memo(path))
        except MemoFileError as exc:
            found.problems.extend(exc.problems)
            found.unreadable.append(path)
    seen: dict[str, Memo] = {}
    for memo in found.memos:
        first = seen.setdefault(memo.id, memo)
        if first is not memo:
            found.problems.append(Problem(
                f"two memos have the id {memo.id!r}: this one and {found.relative(first)}; give one of them a new "
                "id (links to the memo use it)", memo.path, _id_line(memo), 1))
    return found


def _id_line(memo: Memo) -> int | None:
    source = memo.source
    if source is None or "id" not in source.ranges:
        return None
    return source.ranges["id"][0] + 2


# ---------------------------------------------------------------- links


def place_passages(study: Study, memo: Memo) -> list[Placement]:
    """Place each passage link of a memo on its transcript's current text, in place."""
    out: list[Placement] = []
    for link in memo.links_of("passage"):
        assert link.start is not None and link.end is not None
        old = (link.start, link.end)
        try:
            text = study.transcript(study.find(link.target)).text
        except TcoderError:
            out.append(Placement(memo, link, "no-transcript", *old))
            continue
        if link.quote and not link.orphaned and text[link.start:link.end] == link.quote:
            out.append(Placement(memo, link, "unchanged", *old))
            continue
        proxy = Annotation("link", "", link.start, link.end, link.quote, link.prefix, link.suffix,
                           orphaned=link.orphaned)
        result = reanchor([proxy], text)[0]
        link.start, link.end, link.orphaned = proxy.start, proxy.end, proxy.orphaned
        link.quote, link.prefix, link.suffix = proxy.quote, proxy.prefix, proxy.suffix
        if result.status == "unverified" and link.end <= len(text):
            link.set_context(text)  # a hand-written link without its quote gets one
        out.append(Placement(memo, link, result.status, *old, similarity=result.similarity))
    return out


@dataclass
class LinkReport:
    """What checking the links of a study's memos found."""

    problems: list[Problem] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)

    @property
    def changed_memos(self) -> list[Memo]:
        """Memos whose passage links moved, lost their place or got their quote: ``check --fix`` saves them."""
        out: dict[int, Memo] = {}
        for p in self.placements:
            if p.memo.values() != p.memo._read_values:
                out[id(p.memo)] = p.memo
        return list(out.values())


def check_links(study: Study, memos: MemoSet, *, known_codes: set[str] | None = None,
                known_themes: set[str] | None = None, known_participants: set[str] | None = None,
                fixing: bool = False) -> LinkReport:
    """Every link of every memo: what it points to must exist; passages are re-anchored.
    ``None`` for a set of known ids means it is not known (that kind is not checked)."""
    report = LinkReport()
    annotations: dict[str, list[tuple[str, str]]] | None = None
    memo_ids = set(memos.by_id)
    for memo in memos:
        for link in memo.links:
            where = (memo.path, link.line, link.column)
            missing = None
            if link.kind == "code" and known_codes is not None and link.target not in known_codes:
                missing = f"links to the code {link.target!r}, which is not in the codebook"
            elif link.kind == "theme" and known_themes is not None and link.target not in known_themes:
                missing = f"links to the theme {link.target!r}, which is not in the themes file"
            elif link.kind == "participant" and known_participants is not None \
                    and link.target not in known_participants:
                missing = f"links to the participant {link.target!r}, who is not in the participants file"
            elif link.kind == "memo" and link.target not in memo_ids:
                missing = f"links to the memo {link.target!r}, which does not exist"
            elif link.kind in ("transcript", "passage", "annotation") and link.transcript_name is not None \
                    and not _has_transcript(study, link.transcript_name):
                missing = f"links to the transcript {link.transcript_name!r}, which is not in the study"
            elif link.kind == "annotation":
                if annotations is None:
                    annotations = _annotation_index(study)
                homes = annotations.get(link.target, [])
                if not homes:
                    missing = f"links to the annotation {link.target}, which no annotation file has any more"
            if missing:
                report.problems.append(Problem(f"{missing} (the link is kept; change or remove it)", *where,
                                               severity="warning"))
        for placement in place_passages(study, memo):
            report.placements.append(placement)
            link = placement.link
            where = (memo.path, link.line, link.column)
            save = "saved (--fix)" if fixing else "'tcoder check --fix' saves the new place"
            if placement.status == "orphaned":
                report.problems.append(Problem(
                    f"the linked passage {_short(link.quote)} is no longer in {link.target} (the link is kept, with "
                    "its old offsets)", *where, severity="warning"))
            elif placement.status == "moved":
                report.problems.append(Problem(
                    f"the transcript changed: the linked passage {_short(link.quote)} moved from "
                    f"[{placement.old_start}, {placement.old_end}) to [{link.start}, {link.end}); {save}",
                    *where, severity="warning"))
            elif placement.status == "fuzzy":
                report.problems.append(Problem(
                    f"the transcript changed: the linked passage was found again by fuzzy match "
                    f"({placement.similarity:.0%} similar) at [{link.start}, {link.end}); check it, {save}",
                    *where, severity="warning"))
    return report


def _has_transcript(study: Study, name: str) -> bool:
    try:
        study.find(name)
    except TcoderError:
        return False
    return True


def _annotation_index(study: Study) -> dict[str, list[tuple[str, str]]]:
    """Annotation id -> (transcript, coder) of every readable annotation file."""
    index: dict[str, list[tuple[str, str]]] = {}
    for loaded in study.iter_loaded():
        if isinstance(loaded, TcoderError):
            continue
        for a in loaded.file.annotations:
            index.setdefault(a.id, []).append((loaded.ref.name, loaded.coder))
    return index


def _short(quote: str | None, width: int = 50) -> str:
    if not quote:
        return "(no quote stored)"
    quote = " ".join(quote.split())
    return repr(quote if len(quote) <= width else quote[: width - 1] + "\u2026")


def kind_problems(memos: MemoSet) -> list[Problem]:
    """A code memo that links no code (and the like): worth a warning, not an error."""
    from tcoder.memos import EXPECTED_LINK

    out = []
    for memo in memos:
        wanted = EXPECTED_LINK.get(memo.kind)
        if wanted and not any(link.kind in wanted for link in memo.links):
            out.append(Problem(f"a {memo.kind} memo that links no {' or '.join(wanted)}; add a link such as "
                               f"'{{{wanted[0]}: ...}}' to 'links', or make it a project memo", memo.path,
                               severity="warning"))
    return out


# ---------------------------------------------------------------- making memos


def create_memo(study: Study, memo: Memo) -> Path:
    """Save a new memo in the memos folder under a name made from its kind and title
    (a journal entry under ``journal/`` with its date); never over an existing file."""
    from tcoder.memos import file_name_for, save_memo, unique_path

    folder = study.memo_folder
    target = unique_path(folder, file_name_for(memo))
    target.parent.mkdir(parents=True, exist_ok=True)
    path = save_memo(memo, target)
    study.memo_paths.append(path)
    return path


def passage_from_spec(study: Study, spec: str) -> Link:
    """A passage link from ``TRANSCRIPT:START-END`` or ``TRANSCRIPT:QUOTE`` (the quote
    must occur once in the transcript)."""
    from tcoder.memos import passage_link

    name, colon, where = spec.rpartition(":")
    if not colon or not name:
        raise TcoderError(Problem(f"a passage is TRANSCRIPT:START-END or TRANSCRIPT:QUOTE, not {spec!r}"))
    ref = study.find(name)
    text = study.transcript(ref).text
    numbers = where.split("-")
    if len(numbers) == 2 and all(n.strip().isdigit() for n in numbers):
        start, end = (int(n) for n in numbers)
        if not 0 <= start < end <= len(text):
            raise TcoderError(Problem(f"[{start}, {end}) is not a passage of {ref.name} ({plural(len(text), 'character')})"))
        return passage_link(ref.name, start, end, text)
    quote = where.strip()
    count = text.count(quote) if quote else 0
    if count != 1:
        why = "is not in" if count == 0 else f"occurs {count} times in"
        raise TcoderError(Problem(f"the quote {quote!r} {why} {ref.name}; give offsets (START-END) or a longer quote"))
    start = text.index(quote)
    return passage_link(ref.name, start, start + len(quote), text)


def annotation_from_id(study: Study, annotation_id: str) -> Link:
    """A link to an annotation, found in the study's annotation files (a unique
    beginning of its id is enough)."""
    from tcoder.memos import annotation_link

    hits = [(t, c, aid) for aid, homes in _annotation_index(study).items() if aid.startswith(annotation_id)
            for t, c in homes]
    if not hits:
        raise TcoderError(Problem(f"no annotation {annotation_id!r} in this study's annotation files", study.root))
    if len({aid for _, _, aid in hits}) > 1:
        raise TcoderError(Problem(f"{annotation_id!r} is the beginning of several annotation ids; give more of it",
                                  study.root))
    transcript, coder, aid = hits[0]
    return annotation_link(aid, transcript, coder)

"""``tcoder review``: what coding changed between two revisions.

The annotation files of the study are read at each revision with
``git cat-file`` (the work tree and the index are never touched), matched by
coder and annotation id (so a renamed transcript is not a change), and each
difference becomes a :class:`Change`: added, removed, or changed (code, span,
memo). Offsets that moved only because the transcript was edited (same code,
quote and memo) are counted, not listed. An annotation file whose transcript is
not there at a revision is still read (the quotes are stored in it), and the
missing transcript is noted.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tcoder.annotations import (
    Annotation,
    AnnotationFile,
    annotation_name,
    looks_like_annotations,
    parse_annotations,
    reanchor,
    split_annotation_name,
)
from tcoder.codebook import Codebook, parse_codebook
from tcoder.errors import Problem, TcoderError
from tcoder.gitdriver.gitcmd import git, git_text, read_blobs, toplevel
from tcoder.numbers import verb_for, word_for
from tcoder.settings import SETTINGS_FILE, Settings, parse_settings
from tcoder.study import CONSENSUS
from tcoder.transcript import TRANSCRIPT_SUFFIXES, Transcript, decode_bytes

Kind = Literal["added", "removed", "changed"]


class RangeError(ValueError):
    """A revision range that is not REV1..REV2 (bad usage, not bad data)."""


@dataclass(frozen=True, slots=True)
class Revision:
    spec: str  # as the user wrote it
    commit: str

    @property
    def short(self) -> str:
        return self.commit[:10]


@dataclass(slots=True)
class Placed:
    """An annotation at one revision: its file's transcript and the speaker of its passage."""

    transcript: str  # study-relative, e.g. interviews/P01.txt
    annotation: Annotation
    speaker: str | None = None
    text_sha256: str | None = None
    transcript_missing: bool = False  # the annotation file is there, its transcript is not


@dataclass(slots=True)
class Change:
    kind: Kind
    coder: str
    old: Placed | None
    new: Placed | None
    fields: list[str] = field(default_factory=list)  # for "changed": code, span, memo, transcript

    @property
    def current(self) -> Placed:
        placed = self.new if self.new is not None else self.old
        assert placed is not None
        return placed

    @property
    def code(self) -> str:
        return self.current.annotation.code

    @property
    def id(self) -> str:
        return self.current.annotation.id


@dataclass
class Review:
    study: str  # the study folder relative to the top of the work tree ("" = the top)
    old: Revision
    new: Revision
    changes: list[Change] = field(default_factory=list)
    moved: int = 0  # re-anchored only: the transcript was edited around them
    problems: list[Problem] = field(default_factory=list)
    codebook: Codebook | None = None
    #: (revision, study-relative transcript path, coders): annotation files whose
    #: transcript is not in the study at that revision (read all the same)
    missing_transcripts: list[tuple[Revision, str, list[str]]] = field(default_factory=list)

    def notes(self) -> list[str]:
        """Sentences about the comparison that are not changes (for every output)."""
        result = []
        for rev, transcript, coders in self.missing_transcripts:
            folder, name = posixpath.split(transcript)
            stem = posixpath.splitext(name)[0]
            files = ", ".join(posixpath.join(folder, annotation_name(stem, c)) for c in coders)
            result.append(f"{transcript} is not in the study at {rev.spec} ({rev.short}) but its annotation "
                          f"{word_for(len(coders), 'file')} {verb_for(len(coders), 'is')} ({files}): their annotations are compared as stored, without speakers")
        return result

    def count(self, kind: Kind) -> int:
        return sum(c.kind == kind for c in self.changes)

    def code_name(self, code: str) -> str | None:
        if self.codebook is not None and code in self.codebook:
            name = self.codebook[code].name
            return name if name != code else None
        return None

    def grouped(self) -> list[tuple[str, list[tuple[str, list[Change]]]]]:
        """Changes by coder (consensus last), then by code (codebook order), in file order."""
        coders: dict[str, dict[str, list[Change]]] = {}
        for change in self.changes:
            coders.setdefault(change.coder, {}).setdefault(change.code, []).append(change)

        def code_key(code: str):
            if self.codebook is not None and code in self.codebook:
                return (0, self.codebook.sort_key(code), code)
            return (1, (0, ""), code)

        result = []
        for coder in sorted(coders, key=lambda c: (c == CONSENSUS, c)):
            codes = coders[coder]
            result.append((coder, [(code, codes[code]) for code in sorted(codes, key=code_key)]))
        return result


def parse_range(spec: str) -> tuple[str, str, bool]:
    """``A..B``, ``A...B`` (from where B left A: a pull request), ``A..`` (to HEAD)."""
    symmetric = "..." in spec
    old, sep, new = spec.partition("..." if symmetric else "..")
    if not sep or not old:
        raise RangeError(f"{spec!r} is not a range: give two revisions as REV1..REV2 (e.g. main..my-branch, "
                         "or main...my-branch for the changes of a pull request)")
    return old, new or "HEAD", symmetric


def _commit(top: Path, spec: str) -> str:
    done = git(["rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"], top, check=False)
    if done.returncode != 0:
        raise TcoderError(Problem(f"{spec!r} is not a commit, branch or tag in this repository", top))
    return done.stdout.decode().strip()


def _tree_files(top: Path, commit: str, prefix: str) -> list[str]:
    args = ["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit]
    if prefix:
        args += ["--", prefix]
    return [f for f in git_text(args, top).split("\0") if f]


@dataclass
class _Snapshot:
    """The annotation files of the study at one revision."""

    placed: dict[tuple[str, str], Placed] = field(default_factory=dict)  # (coder, id) -> placed
    codebook: Codebook | None = None
    missing: dict[str, list[str]] = field(default_factory=dict)  # transcript not there -> coders


def _study_relative(path: str, prefix: str) -> str:
    return path[len(prefix) + 1:] if prefix else path


def _snapshot(top: Path, rev: Revision, prefix: str, problems: list[Problem], with_codebook: bool) -> _Snapshot:
    """Like opening the study (docs/formats.md#a-study-on-disk), but from the files at ``rev``.

    An annotation file whose transcript is not there at ``rev`` (deleted, or not
    yet added) is read all the same: its annotations carry their quotes, and
    leaving them out would list them as removed (or hide new ones). Its
    transcript is recorded as missing."""
    files = _tree_files(top, rev.commit, prefix)
    settings = _settings(top, rev, prefix, problems)
    inside = [f for f in files if not any(part.startswith(".") for part in _study_relative(f, prefix).split("/"))]
    transcripts: dict[tuple[str, str], str] = {}  # (folder, stem) -> path
    excluded: set[tuple[str, str]] = set()  # transcripts the settings leave out of the study
    for f in sorted(inside, key=lambda f: (not f.lower().endswith(".txt"), f)):  # P01.txt before P01.md
        folder, name = posixpath.split(f)
        stem, dot, suffix = name.rpartition(".")
        if dot and "." + suffix.lower() in TRANSCRIPT_SUFFIXES:
            if settings.includes(_study_relative(f, prefix)):
                transcripts.setdefault((folder, stem), f)
            else:
                excluded.add((folder, stem))
    pairs: list[tuple[str, str, str | None]] = []  # annotation path, coder, transcript path (None: not there)
    for f in inside:
        folder, name = posixpath.split(f)
        split = split_annotation_name(name)
        if split is None:
            continue
        stem, coder = split
        if (folder, stem) in transcripts:
            pairs.append((f, coder, transcripts[(folder, stem)]))
        elif (folder, stem) not in excluded:
            pairs.append((f, coder, None))
    blobs = read_blobs(top, [f"{rev.commit}:{p}" for p, _, _ in pairs])
    pattern = settings.compiled_speaker_pattern
    snapshot = _Snapshot()
    needed_transcripts: dict[str, list[tuple[str, AnnotationFile]]] = {}
    missing: dict[str, list[tuple[str, AnnotationFile]]] = {}
    for path, coder, transcript in pairs:
        raw = blobs.get(f"{rev.commit}:{path}")
        if raw is None:
            continue
        if not looks_like_annotations(raw):
            continue  # some other JSON file
        where = f"{rev.spec}:{path}"
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(Problem("not UTF-8; left out of the review", where))
            continue
        try:
            af = parse_annotations(text, where)
        except TcoderError as exc:
            problems.extend(Problem(p.message + " (left out of the review)", where, p.line, p.column)
                            for p in exc.problems)
            continue
        if transcript is None:
            missing.setdefault(_missing_transcript(path, af), []).append((coder, af))
        else:
            needed_transcripts.setdefault(transcript, []).append((coder, af))
    texts = read_blobs(top, [f"{rev.commit}:{t}" for t in needed_transcripts])
    for transcript_path, coded in needed_transcripts.items():
        data = texts.get(f"{rev.commit}:{transcript_path}")
        try:
            content = decode_bytes(data).text if data is not None else None
        except TcoderError:
            content = None
        placed_transcript = Transcript(content, speaker_pattern=pattern) if content is not None else None
        for coder, af in coded:
            for a in af.annotations:
                speaker = _speaker(a, placed_transcript, af.text_sha256)
                key = (coder, a.id)
                snapshot.placed[key] = Placed(_study_relative(transcript_path, prefix), a, speaker, af.text_sha256)
    for transcript_path, coded in sorted(missing.items()):
        name = _study_relative(transcript_path, prefix)
        snapshot.missing[name] = sorted(coder for coder, _ in coded)
        for coder, af in coded:
            for a in af.annotations:
                snapshot.placed[(coder, a.id)] = Placed(name, a, None, af.text_sha256, transcript_missing=True)
    if with_codebook:
        snapshot.codebook = _codebook(top, rev, posixpath.join(prefix, settings.codebook))
    return snapshot


def _missing_transcript(annotation_path: str, af: AnnotationFile) -> str:
    """The path a missing transcript would have: the header's name when it matches
    the annotation file's name (``P03.alice.json`` and ``P03.md``), else ``.txt``."""
    folder, name = posixpath.split(annotation_path)
    split = split_annotation_name(name)
    stem = split[0] if split is not None else name
    header = af.transcript or ""
    base, dot, suffix = header.rpartition(".")
    if dot and base == stem and "." + suffix.lower() in TRANSCRIPT_SUFFIXES:
        return posixpath.join(folder, header)
    return posixpath.join(folder, stem + TRANSCRIPT_SUFFIXES[0])


def _settings(top: Path, rev: Revision, prefix: str, problems: list[Problem]) -> Settings:
    path = posixpath.join(prefix, SETTINGS_FILE)
    raw = read_blobs(top, [f"{rev.commit}:{path}"]).get(f"{rev.commit}:{path}")
    if raw is None:
        return Settings()
    try:
        return parse_settings(raw.decode("utf-8-sig"), Path(f"{rev.spec}:{path}"))
    except (TcoderError, UnicodeDecodeError):
        problems.append(Problem(f"{SETTINGS_FILE} is not valid at this revision; the default settings are used",
                                f"{rev.spec}:{path}", severity="warning"))
        return Settings()


def _codebook(top: Path, rev: Revision, path: str) -> Codebook | None:
    raw = read_blobs(top, [f"{rev.commit}:{path}"]).get(f"{rev.commit}:{path}")
    if raw is None:
        return None
    try:
        return parse_codebook(raw.decode("utf-8-sig"), f"{rev.spec}:{path}")
    except (TcoderError, UnicodeDecodeError):
        return None


def _speaker(a: Annotation, transcript: Transcript | None, text_sha: str | None) -> str | None:
    if transcript is None:
        return None
    start = a.start
    if text_sha is not None and text_sha != transcript.sha256:
        copy = a.copy()
        if reanchor([copy], transcript.text)[0].status == "orphaned":
            return None
        start = copy.start
    if start >= len(transcript.text):
        return None
    return transcript.speaker_at(start)


def compare(old: Placed, new: Placed) -> tuple[list[str], bool]:
    """(fields that changed, moved only): offsets that differ only because the
    transcript text changed are not a coding change."""
    a, b = old.annotation, new.annotation
    fields = []
    if a.code != b.code:
        fields.append("code")
    if old.text_sha256 == new.text_sha256:
        span_changed = (a.start, a.end) != (b.start, b.end)
    else:  # the transcript changed: compare what the spans cover
        span_changed = (a.quote or "") != (b.quote or "")
    if span_changed:
        fields.append("span")
    if (a.memo or "") != (b.memo or ""):
        fields.append("memo")
    moved = not fields and (a.start, a.end) != (b.start, b.end)
    return fields, moved


def review(study: str | Path, spec: str) -> Review:
    folder = Path(study)
    if not folder.is_dir():
        raise TcoderError(Problem("no such folder", folder))
    top = toplevel(folder)
    if top is None:
        raise TcoderError(Problem("not inside a git repository, so there are no revisions to compare", folder))
    prefix = git_text(["rev-parse", "--show-prefix"], folder).strip().rstrip("/")
    old_spec, new_spec, symmetric = parse_range(spec)
    new = Revision(new_spec, _commit(top, new_spec))
    old_commit = _commit(top, old_spec)
    if symmetric:
        base = git(["merge-base", old_commit, new.commit], top, check=False)
        if base.returncode != 0:
            raise TcoderError(Problem(f"{old_spec} and {new_spec} have no common ancestor", top))
        old_commit = base.stdout.decode().strip()
    old = Revision(old_spec, old_commit)
    result = Review(prefix, old, new)
    before = _snapshot(top, old, prefix, result.problems, with_codebook=False)
    after = _snapshot(top, new, prefix, result.problems, with_codebook=True)
    result.codebook = after.codebook
    for rev, snapshot in ((old, before), (new, after)):
        result.missing_transcripts += [(rev, name, coders) for name, coders in snapshot.missing.items()]
    for key, placed in after.placed.items():
        previous = before.placed.get(key)
        if previous is None:
            result.changes.append(Change("added", key[0], None, placed))
            continue
        fields, moved = compare(previous, placed)
        if previous.transcript != placed.transcript and fields:
            fields.append("transcript")
        if fields:
            result.changes.append(Change("changed", key[0], previous, placed, fields))
        elif moved:
            result.moved += 1
    for key, placed in before.placed.items():
        if key not in after.placed:
            result.changes.append(Change("removed", key[0], placed, None))
    result.changes.sort(key=lambda c: (c.current.transcript, c.current.annotation.sort_key(), c.kind))
    return result

"""The merge driver: ``tcoder git merge %O %A %B %P``.

git runs it for files routed to ``merge=tcoder`` when both branches changed
them, with the common ancestor (%O), ours (%A, where the result goes), theirs
(%B) and the file's path in the merge (%P); the working folder is the top of
the work tree. Annotation files are merged by annotation id
(:func:`tcoder.merge.merge_annotations`); anything else, and annotation files
that cannot be read, get git's own line merge (``git merge-file``).

The transcript. Each side's annotations refer to the text whose hash the side
records (``text_sha256``). When the two sides record different texts, the
transcript changed on a branch: the merged file is anchored to the newer text
(the side that differs from the ancestor; both changed: the line merge of the
three texts, else ours), and the annotations of every other side (the ancestor
included, so unchanged annotations still compare equal) are re-anchored to it.
git has not yet written the merged transcript when the driver runs (the work
tree holds ours), so the texts are found by hash in the work tree and history
(:mod:`tcoder.gitdriver.versions`).
"""

from __future__ import annotations

import posixpath
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tcoder.annotations import (
    FORMAT_ID,
    Annotation,
    AnnotationFile,
    NotAnnotations,
    annotations_from_bytes,
    reanchor,
    save_annotations,
)
from tcoder.errors import TcoderError
from tcoder.gitdriver.gitcmd import git
from tcoder.merge import CONFLICT_FIELD, HEADER_FIELDS, conflict_record, merge_annotations, merge_value
from tcoder.numbers import plural
from tcoder.textsafe import inert
from tcoder.transcript import text_sha256

TextLookup = Callable[[str | None], "str | None"]
TextMerger = Callable[[str, str, str], "str | None"]


#: The content is not a tcoder annotation file (git's own merge handles it).
NotAnnotationFile = NotAnnotations


@dataclass
class FileMerge:
    file: AnnotationFile
    conflicts: int = 0
    notes: list[str] = field(default_factory=list)


def load_side(raw: bytes, path: str = "") -> AnnotationFile | None:
    """An annotation file from one side's bytes; None for an empty file (no
    ancestor: added on both branches). Raises :class:`NotAnnotationFile` for
    other content and :class:`TcoderError` for a damaged annotation file."""
    if not raw.strip():
        return None
    return annotations_from_bytes(raw, path)


def choose_target(base: str | None, ours: str | None, theirs: str | None) -> list[str | None]:
    """Which text to anchor the merged file to, in order of preference; ``"merged"``
    stands for the line merge of the three texts."""
    if ours == theirs:
        return [ours]
    if base == ours:
        return [theirs, ours]  # the transcript changed on their branch
    if base == theirs:
        return [ours, theirs]
    return ["merged", ours, theirs]


def merge_files(base: AnnotationFile | None, ours: AnnotationFile, theirs: AnnotationFile,
                find_text: TextLookup, merge_texts: TextMerger | None = None,
                transcript_label: str = "the transcript") -> FileMerge:
    """Three-way merge of annotation files, re-anchoring sides written against another text."""
    sides = {"base": base, "ours": ours, "theirs": theirs}
    shas = {name: (af.text_sha256 if af is not None else None) for name, af in sides.items()}
    present = {shas[name] for name, af in sides.items() if af is not None and af.annotations}
    notes: list[str] = []
    target_sha, target_text = shas["ours"], None
    no_ancestor = "(added on both branches)"
    for candidate in choose_target(shas["base"] if base is not None else no_ancestor, shas["ours"], shas["theirs"]):
        if candidate == "merged":
            base_text, ours_text, theirs_text = (find_text(shas[name]) for name in ("base", "ours", "theirs"))
            merged = (merge_texts(base_text, ours_text, theirs_text) if merge_texts is not None
                      and base_text is not None and ours_text is not None and theirs_text is not None else None)
            if merged is not None:
                target_sha, target_text = text_sha256(merged), merged
                break
            continue
        if present <= {candidate}:  # nothing to re-anchor
            target_sha = candidate
            break
        text = find_text(candidate)
        if text is not None:
            target_sha, target_text = candidate, text
            break
    else:
        notes.append(f"the branches' annotations refer to different versions of {transcript_label} and "
                     "neither version could be found, so nothing was re-anchored; run 'tcoder check' "
                     "after the merge")
    anchored: dict[str, list[Annotation]] = {}
    for name, af in sides.items():
        items = [a.copy() for a in af.annotations] if af is not None else []
        if af is not None and items and af.text_sha256 != target_sha and target_text is not None:
            results = reanchor(items, target_text)
            if name != "base":
                moved = sum(r.status in ("moved", "fuzzy") for r in results)
                orphaned = sum(r.status == "orphaned" for r in results)
                if moved or orphaned:
                    whose = "our" if name == "ours" else "their"
                    notes.append(f"{transcript_label} changed on the other branch: re-anchored {whose} "
                                 f"{plural(len(items), 'annotation')} to the merged text ({moved} moved"
                                 + (f", {orphaned} orphaned: their passage is gone; kept and flagged, "
                                    "see 'tcoder check'" if orphaned else "") + ")")
        anchored[name] = items
    result = merge_annotations(anchored["base"], anchored["ours"], anchored["theirs"])
    annotations = list(result.annotations) + [conflict_record(c) for c in result.conflicts]
    header, header_conflict = _merge_header(base, ours, theirs)
    merged_file = AnnotationFile(header.pop("coder") or "", header.pop("transcript") or "", target_sha,
                                 annotations, FORMAT_ID, header)
    if header_conflict:
        merged_file.extra[CONFLICT_FIELD] = header_conflict
    conflicts = len(result.conflicts) + bool(header_conflict)
    return FileMerge(merged_file, conflicts, notes)


def _header(af: AnnotationFile | None) -> dict[str, Any]:
    if af is None:
        return {}
    values: dict[str, Any] = {k: v for k, v in af.extra.items() if k != CONFLICT_FIELD}
    values.update(transcript=af.transcript or None, coder=af.coder or None)
    return values


def _merge_header(base: AnnotationFile | None, ours: AnnotationFile,
                  theirs: AnnotationFile) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Merge header fields one by one. A list changed on both sides (such as the
    consensus's record of disagreements decided as none) keeps what either side
    added and drops what either side removed; any other field changed two ways
    keeps ours and is recorded as a conflict."""
    b, o, t = _header(base), _header(ours), _header(theirs)
    merged: dict[str, Any] = {}
    record: dict[str, dict[str, Any]] = {"ours": {}, "theirs": {}, "base": {}}
    for key in dict.fromkeys([*o, *t]):
        bv, ov, tv = b.get(key), o.get(key), t.get(key)
        value, conflicted = merge_value(bv, ov, tv)
        if conflicted:
            record["ours"][key], record["theirs"][key], record["base"][key] = ov, tv, bv
        if value is not None or key in HEADER_FIELDS:
            merged[key] = value
    if not record["ours"]:
        return merged, None
    return merged, {"kept": "ours", **record}


# ---------------------------------------------------------------- the git side


def line_merge(current: Path, base: Path, other: Path, label: str | None = None) -> int:
    """git's own merge of text files, written into ``current``; the number of conflicts."""
    theirs_label = label or "theirs"
    done = git(["merge-file", "-L", "ours", "-L", "base", "-L", theirs_label, str(current), str(base), str(other)],
               check=False)
    if done.returncode < 0 or done.returncode > 127:
        raise TcoderError(f"git merge-file failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.returncode


def merge_texts_with_git(base: str, ours: str, theirs: str) -> str | None:
    """The line merge of three transcript texts, or None when it conflicts."""
    with tempfile.TemporaryDirectory(prefix="tcoder-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        done = git(["merge-file", "-p", "-q", *paths], check=False)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8")


def _transcript_path(merged_path: str, *files: AnnotationFile | None) -> str | None:
    """The transcript's path relative to the top of the work tree (where git runs the driver):
    by the annotation file's own name first (``P01.alice.json`` -> ``P01.txt``, ``P01.md``),
    then by the header's ``transcript`` field (the old name after a ``git mv``)."""
    from tcoder.gitdriver.versions import transcript_names

    folder = posixpath.dirname(merged_path.replace("\\", "/"))
    names = _names(merged_path, *files)
    for name in names:
        candidate = posixpath.join(folder, name)
        if Path(candidate).is_file():
            return candidate
    for af in files:  # not in the work tree: its versions are looked up in the history
        if af is not None and af.transcript and af.transcript in names:
            return posixpath.join(folder, af.transcript)
    stem_names = transcript_names(posixpath.basename(merged_path))
    return posixpath.join(folder, stem_names[0]) if stem_names else None


def _names(merged_path: str, *files: AnnotationFile | None) -> list[str]:
    from tcoder.gitdriver.versions import transcript_names

    names: list[str] = []
    for af in files:
        for name in transcript_names(posixpath.basename(merged_path.replace("\\", "/")),
                                     af.transcript if af is not None else None):
            if name not in names:
                names.append(name)
    return names


def _say(path: str, message: str) -> None:
    """A message on the merge's output (git shows it as it is, usually on a terminal).
    It may name files and quote a damaged file's content (a code id, an id), so
    control characters are always shown as glyphs: these lines are for reading only."""
    print(inert(f"tcoder merge: {path}: {message}"), file=sys.stderr)


def run_driver(base_path: str, ours_path: str, theirs_path: str, merged_path: str) -> int:
    """What ``tcoder git merge`` does: 0 when merged cleanly, 1 when conflicts remain in %A."""
    from tcoder.gitdriver.versions import TranscriptVersions, find_in_history

    paths = [Path(base_path), Path(ours_path), Path(theirs_path)]
    raws = [p.read_bytes() for p in paths]
    try:
        base, ours, theirs = (load_side(raw, merged_path) for raw in raws)
    except NotAnnotationFile:
        return 1 if line_merge(paths[1], paths[0], paths[2]) else 0
    except TcoderError as exc:
        _say(merged_path, f"not a valid annotation file on one side ({exc.problems[0].message}); "
                          "merged line by line instead")
        return 1 if line_merge(paths[1], paths[0], paths[2]) else 0
    if ours is None or theirs is None:  # emptied on one side: nothing to merge by id
        return 1 if line_merge(paths[1], paths[0], paths[2]) else 0
    try:
        top = Path.cwd()
        from tcoder.gitdriver.codebook_history import map_sides

        mapped = map_sides(top, merged_path, [base, ours, theirs])
        rel = _transcript_path(merged_path, ours, theirs, base)
        versions = TranscriptVersions(top, rel)
        names = _names(merged_path, ours, theirs, base)

        def find_text(sha: str | None) -> str | None:
            """By hash: the transcript's path (work tree, history), then any path with its name in the
            history (renamed or moved on a branch)."""
            text = versions.find(sha)
            if text is None:
                found = find_in_history(top, names, sha, skip=(rel,))
                text = found[1] if found is not None else None
            return text

        outcome = merge_files(base, ours, theirs, find_text, merge_texts_with_git, rel or "the transcript")
        save_annotations(outcome.file, paths[1])
    except Exception as exc:  # never leave a half-done merge: fall back to git's line merge
        _say(merged_path, f"could not merge by annotation id ({type(exc).__name__}: {exc}); "
                          "merged line by line instead")
        return 1 if line_merge(paths[1], paths[0], paths[2]) else 0
    for note in [*mapped, *outcome.notes]:
        _say(merged_path, note)
    if outcome.conflicts:
        _say(merged_path, f"{plural(outcome.conflicts, 'annotation')} changed differently on both branches; both "
                          "versions are in the file. 'tcoder check' lists them; settle them with "
                          "'tcoder git resolve FILE --keep ours|theirs', then 'git add' the file")
        return 1
    return 0

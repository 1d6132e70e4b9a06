"""Where re-anchoring put an annotation file's passages, kept until either file changes.

Until someone saves an annotation file again after its transcript was edited, every
read (each open, ``check``, ``agree``, ``report``, ``export``) would place all its
annotations on the new text again. The placements are kept in the study's local
state folder, ``.tcoder/anchors/``, keyed by a digest of the annotation file's bytes,
the transcript's SHA-256 and the re-anchoring rules' version; the annotation file is
never written. A cache entry that does not fit (another file, a quote no longer at
its place) is ignored and the annotations are placed again. Files of fewer than
:data:`KEEP_FROM` annotations are placed again each time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tcoder.anchoring import AnchorResult
from tcoder.annotations import Annotation
from tcoder.atomicio import atomic_write_bytes

#: Bumped whenever re-anchoring may place a passage differently: older entries stop matching.
RULES_VERSION = "1"
FORMAT = "tcoder-anchors-1"
FOLDER = Path(".tcoder") / "anchors"
#: Fewer annotations are placed again faster than an entry is read (about 0.03 s for
#: 1,000 on 1 MB), and a small study's folder stays as it was.
KEEP_FROM = 1000
_STATUSES = {"unchanged", "moved", "fuzzy", "unverified", "orphaned"}


def cache_path(root: Path, transcript: str, coder: str) -> Path:
    """One entry per transcript and coder: a newer placement replaces the older one."""
    name = hashlib.sha256(transcript.encode("utf-8")).hexdigest()[:16]
    return root / FOLDER / f"{name}.{coder}.json"


def cache_key(version: bytes, text_sha256: str) -> str:
    """``version``: the annotation file's :func:`~tcoder.annotations.version_digest`."""
    return hashlib.sha256(f"{RULES_VERSION}\n{text_sha256}\n{version.hex()}".encode("ascii")).hexdigest()


def load(path: Path, key: str, annotations: list[Annotation], text: str) -> list[AnchorResult] | None:
    """Place ``annotations`` (as read from the file, in its order) as the entry says, or
    None (and nothing changed) when there is no entry for this key or it does not fit."""
    if len(annotations) < KEEP_FROM:
        return None
    try:
        entry = json.loads(path.read_bytes())
        if entry.get("format") != FORMAT or entry.get("key") != key:
            return None
        rows = entry["results"]
        if not isinstance(rows, list) or len(rows) != len(annotations):
            return None
        checked = []
        for a, row in zip(annotations, rows, strict=True):
            status, start, end, similarity, shifted, reason = row
            if status not in _STATUSES or type(start) is not int or type(end) is not int \
                    or not 0 <= start < end <= len(text):
                if status != "orphaned":
                    return None
            if status in ("unchanged", "moved") and a.quote and text[start:end] != a.quote:
                return None
            checked.append((status, start, end, float(similarity), bool(shifted), str(reason)))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    results = []
    for a, (status, start, end, similarity, shifted, reason) in zip(annotations, checked, strict=True):
        old_start, old_end = a.start, a.end
        if status == "orphaned":
            a.orphaned = True
        else:
            a.start, a.end = start, end
            a.orphaned = False
            a.set_context(text)
        results.append(AnchorResult(a, status, old_start, old_end, similarity, shifted, reason))
    return results


def store(path: Path, key: str, results: list[AnchorResult]) -> None:
    """Keep the placements of :data:`KEEP_FROM` annotations or more; a folder that
    cannot be written only means no cache."""
    if len(results) < KEEP_FROM:
        return
    rows = [[r.status, r.annotation.start, r.annotation.end, r.similarity, r.shifted, r.reason] for r in results]
    data = json.dumps({"format": FORMAT, "key": key, "results": rows}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data, durable=False)
    except OSError:
        pass

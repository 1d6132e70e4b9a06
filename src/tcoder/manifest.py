"""Reproducibility manifests (docs/formats.md#reproducibility-manifests): what a published
figure was computed from, and the numbers it showed, so that ``tcoder verify`` can
say later whether they still hold.

A manifest names the inputs by digest only (a transcript's ``text_sha256``, each
annotation file's and table's SHA-256), never by content, and keeps the numbers
of the result (every number of the command's JSON output, by a readable path such
as ``codes[personal-discrimination].alpha``) with a digest of the whole result. It
can be handed to a reviewer who may not read the transcripts; someone with the
study recomputes and compares.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tcoder.errors import Problem, TcoderError
from tcoder.study import Study

MANIFEST_FORMAT = "tcoder-manifest/1"
#: Keys that name the element of a list in a number's path, tried in this order.
_ROW_KEYS = ("code", "domain", "id", "transcript", "coder", "value", "group", "name")
#: Two numbers are the same result when they differ by less than this (relative), which
#: absorbs the last bits a different BLAS may round differently.
TOLERANCE = 1e-9


class ManifestError(TcoderError):
    """A manifest that cannot be read."""


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, IsADirectoryError):
        return None


def canonical_json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")


# ---------------------------------------------------------------- inputs


def study_tables(study: Study) -> dict[str, str]:
    """The study's files besides transcripts and annotation files that a result can rest
    on (settings, codebook and its history, tables, themes), by role -> relative path."""
    s = study.settings
    return {"settings": "tcoder.yaml", "codebook": s.codebook,
            "codebook history": str(Path(s.codebook).with_suffix(".history.yaml")),
            "attributes": s.attributes, "participants": s.participants, "speakers": s.speakers,
            "themes": s.themes}


def inputs(study: Study) -> dict[str, Any]:
    """Every input of the study by digest: transcripts (``text_sha256``: the text as tcoder
    reads it), annotation files and tables (SHA-256 of their bytes; null when absent)."""
    transcripts = []
    annotations = []
    for ref in study.transcripts:
        try:
            digest: str | None = study.transcript(ref).sha256
        except TcoderError:
            digest = None
        transcripts.append({"name": ref.name, "text_sha256": digest})
        for coder, path in sorted(study.annotation_files(ref).items()):
            annotations.append({"transcript": ref.name, "coder": coder,
                                "file": path.relative_to(study.root).as_posix(), "sha256": sha256_file(path)})
    files = {role: {"path": rel, "sha256": sha256_file(study.root / rel)} for role, rel in study_tables(study).items()}
    return {"files": files, "transcripts": transcripts, "annotations": annotations}


def git_state(root: Path) -> dict[str, Any] | None:
    """The study repository's commit and whether the study's files differ from it."""
    from tcoder.gitdriver.gitcmd import GitError, git_text, toplevel

    try:
        top = toplevel(root)
        if top is None:
            return None
        commit = git_text(["rev-parse", "HEAD"], root, check=False).strip() or None
        status = git_text(["status", "--porcelain", "-z", "--untracked-files=all", "--", "."], root)
    except GitError:
        return None
    try:
        prefix = root.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        prefix = "."
    prefix = "" if prefix == "." else prefix + "/"
    # paths relative to the study, as everything else in the manifest
    changed = sorted({entry[3:].removeprefix(prefix) for entry in status.split("\0") if len(entry) > 3})
    return {"commit": commit, "clean": not changed, "changed_files": changed[:200],
            "changed_count": len(changed)}


# ---------------------------------------------------------------- numbers


def numbers(result: Any) -> dict[str, float | int | None]:
    """Every number of a JSON result by path (``codes[motivation].alpha``), strings left
    out (they may quote transcripts); a null where a number may stand is kept."""
    out: dict[str, float | int | None] = {}
    _walk(result, "", out)
    return out


def _walk(value: Any, path: str, out: dict[str, float | int | None]) -> None:
    if isinstance(value, bool):
        out[path] = int(value)
    elif isinstance(value, (int, float)):
        out[path] = value
    elif value is None:
        out[path] = None
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        names = _row_names(value)
        for i, item in enumerate(value):
            _walk(item, f"{path}[{names[i] if names else i}]", out)


def _row_names(items: list[Any]) -> list[str] | None:
    """Names for the elements of a list of objects, from the first key that tells them apart."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    first = next(iter(items[0]), None)  # else the first column, as a table's rows are named
    for key in (*_ROW_KEYS, *([first] if first is not None else [])):
        values = [i.get(key) for i in items]
        if all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values) and \
                len(set(values)) == len(values):
            return [str(v) for v in values]
    return None


def result_digest(result: Any) -> str:
    return hashlib.sha256(canonical_json(result)).hexdigest()


# ---------------------------------------------------------------- building and reading


def build(study: Study, *, command: str, options: dict[str, Any], result: Any, coders: list[str],
          outputs: list[Path], manifest_path: Path) -> dict[str, Any]:
    from tcoder import __version__

    seed = options.get("seed")
    return {
        "format": MANIFEST_FORMAT,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tcoder": __version__,
        "python": platform.python_version(),
        "command": command,
        "options": options,
        "seed": seed if isinstance(seed, int) else None,
        "coders": coders,
        "study": {"name": study.root.name, "path": _relative(study.root, manifest_path.parent),
                  "git": git_state(study.root)},
        "inputs": inputs(study),
        "outputs": [{"file": _relative(p, manifest_path.parent), "sha256": sha256_file(p)} for p in outputs],
        "result": {"sha256": result_digest(result), "numbers": numbers(result)},
    }


def _relative(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive
        return str(path.resolve())


def read(path: Path) -> dict[str, Any]:
    from tcoder.safeio import read_file

    raw = read_file(path, limit=200 * 1024 * 1024, what="manifest", error=ManifestError)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(Problem(f"not a manifest: it is not JSON ({exc})", path)) from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise ManifestError(Problem(f"not a tcoder manifest (its format is {found!r}, not {MANIFEST_FORMAT!r}); "
                                    "'--manifest FILE' on agree or report writes one", path))
    for key, kind in (("command", str), ("options", dict), ("inputs", dict), ("result", dict)):
        if not isinstance(data.get(key), kind):
            raise ManifestError(Problem(f"the manifest's {key!r} is missing or damaged", path))
    return data


# ---------------------------------------------------------------- comparing


@dataclass
class Comparison:
    """What changed between a manifest and the study, and between its numbers and the recomputed ones."""

    changed_inputs: list[str] = field(default_factory=list)
    unchanged_transcripts: int = 0
    unchanged_annotation_files: int = 0
    differing: list[tuple[str, Any, Any]] = field(default_factory=list)  # path, recorded, recomputed
    numbers_compared: int = 0
    other_content_differs: bool = False

    @property
    def numbers_hold(self) -> bool:
        return not self.differing

    @property
    def verified(self) -> bool:
        return self.numbers_hold and not self.changed_inputs


def compare_inputs(recorded: dict[str, Any], now: dict[str, Any], comparison: Comparison) -> None:
    out = comparison.changed_inputs
    for role, spec in (recorded.get("files") or {}).items():
        current = (now["files"].get(role) or {}).get("sha256")
        before = spec.get("sha256") if isinstance(spec, dict) else None
        if before != current:
            out.append(f"{spec.get('path', role)} ({role}): " + _how(before, current))
    then = {t["name"]: t.get("text_sha256") for t in recorded.get("transcripts") or []}
    current_t = {t["name"]: t.get("text_sha256") for t in now["transcripts"]}
    for name in sorted(then.keys() | current_t.keys()):
        if then.get(name) != current_t.get(name):
            out.append(f"{name} (transcript): " + _how(then.get(name), current_t.get(name), "its text_sha256"))
        else:
            comparison.unchanged_transcripts += 1
    then_a = {a["file"]: a.get("sha256") for a in recorded.get("annotations") or []}
    current_a = {a["file"]: a.get("sha256") for a in now["annotations"]}
    for name in sorted(then_a.keys() | current_a.keys()):
        if then_a.get(name) != current_a.get(name):
            out.append(f"{name} (annotation file): " + _how(then_a.get(name), current_a.get(name)))
        else:
            comparison.unchanged_annotation_files += 1


def _how(before: str | None, now: str | None, what: str = "its SHA-256") -> str:
    if before is None:
        return "new since the manifest"
    if now is None:
        return "gone since the manifest"
    return f"changed ({what} was {before[:12]}..., is {now[:12]}...)"


def compare_numbers(recorded: dict[str, Any], result: Any, comparison: Comparison) -> None:
    then = recorded.get("numbers") or {}
    now = numbers(result)
    comparison.numbers_compared = len(then.keys() | now.keys())
    for path in sorted(then.keys() | now.keys()):
        a, b = then.get(path, _MISSING), now.get(path, _MISSING)
        if not _same(a, b):
            comparison.differing.append((path, ABSENT if a is _MISSING else a, ABSENT if b is _MISSING else b))
    comparison.other_content_differs = recorded.get("sha256") != result_digest(result)


_MISSING: Any = object()
#: How a number that is on one side only is shown.
ABSENT = "absent"


def _same(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return a is b
    if a is None or b is None:
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return bool(a == b)


__all__ = ["Comparison", "MANIFEST_FORMAT", "ManifestError", "build", "canonical_json", "compare_inputs",
           "compare_numbers", "inputs", "numbers", "read", "sha256_file"]

"""The apprentice's model file (docs/formats.md#apprentice-model-files).

Canonical JSON under ``.tcoder/apprentice/`` (local state, which the study's .gitignore
leaves out of git), named by the model id: the first 16 hex digits of the SHA-256 of
the file's content without its id. Fitting is deterministic, so the same training data
(same hash) with the same tcoder and scikit-learn versions gives the same id; proposals
carry both, which is what git keeps. ``current`` names the model ``tcoder suggest run``
uses.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tcoder.apprentice import ApprenticeError
from tcoder.apprentice.model import CodeModel, Model, Vocabulary
from tcoder.errors import Problem

FORMAT_ID = "tcoder-apprentice-model/1"
FOLDER = Path(".tcoder") / "apprentice"
CURRENT = "current"


def _content(model: Model) -> dict[str, Any]:
    return {
        "format": FORMAT_ID,
        "coder": model.coder,
        "unit": model.unit,
        "training": model.training,
        "units": model.units,
        "transcripts": [{"name": n, "text_sha256": h} for n, h in model.transcripts],
        "versions": model.versions,
        "vocabularies": [{"analyzer": v.analyzer, "ngrams": list(v.ngrams), "terms": v.terms, "idf": v.idf}
                         for v in model.vocabularies],
        "codes": {code: {"intercept": cm.intercept, "units": cm.units, "transcripts": cm.transcripts,
                         "weights": [[k, w] for k, w in sorted(cm.weights.items())]}
                  for code, cm in sorted(model.codes.items())},
        "skipped": dict(sorted(model.skipped.items())),
    }


def _encode(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
            + "\n").encode("utf-8")


def model_id(model: Model, content: dict[str, Any] | None = None) -> str:
    return hashlib.sha256(_encode(content or _content(model))).hexdigest()[:16]


def save_model(root: Path, model: Model) -> Path:
    """Write the model (its id set) and make it the current one."""
    from tcoder.atomicio import atomic_write_bytes

    content = _content(model)
    model.id = model_id(model, content)
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{model.id}.json"
    atomic_write_bytes(path, _encode({**content, "id": model.id}))
    atomic_write_bytes(folder / CURRENT, (model.id + "\n").encode())
    return path


def current_id(root: Path) -> str | None:
    try:
        return (root / FOLDER / CURRENT).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def load_model(root: Path, ident: str | None = None) -> Model:
    """The current model (or the one named); a clear message when there is none or it is damaged."""
    ident = ident or current_id(root)
    if ident is None:
        raise ApprenticeError(Problem("no apprentice model yet: train one first ('tcoder suggest train STUDY')",
                                      root))
    path = root / FOLDER / f"{ident}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT_ID:
            raise ValueError(f"format is {data.get('format')!r}, not {FORMAT_ID}")
        model = Model(
            data["coder"], data["unit"], data["training"],
            [(t["name"], t["text_sha256"]) for t in data["transcripts"]],
            [Vocabulary(v["analyzer"], (int(v["ngrams"][0]), int(v["ngrams"][1])), list(v["terms"]),
                        [float(x) for x in v["idf"]]) for v in data["vocabularies"]],
            {code: CodeModel({int(k): float(w) for k, w in c["weights"]}, float(c["intercept"]), int(c["units"]),
                             int(c["transcripts"])) for code, c in data["codes"].items()},
            dict(data["skipped"]), int(data["units"]), dict(data["versions"]), str(data["id"]))
    except FileNotFoundError:
        raise ApprenticeError(Problem(f"the apprentice model {ident} is missing; train again "
                                      "('tcoder suggest train STUDY')", path)) from None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ApprenticeError(Problem(f"the apprentice model cannot be read ({exc}); train again "
                                      "('tcoder suggest train STUDY')", path)) from None
    if model_id(model) != model.id:
        raise ApprenticeError(Problem(f"the apprentice model {ident} was changed after it was saved (its content "
                                      "no longer matches its id); train again", path))
    return model

"""Saved coding queries: ``queries:`` in ``tcoder.yaml``, read with the settings and
written back without disturbing the rest of the file.

The file is hand-written, so saving a query keeps its comments, key order and
quoting: it is edited as a round-trip document (ruamel.yaml) and replaced
atomically. A query is checked before it is saved; a name that is taken is
replaced only when asked.
"""

from __future__ import annotations

import io
from pathlib import Path

from tcoder.atomicio import atomic_write_text
from tcoder.errors import Problem, TcoderError
from tcoder.search.query_syntax import SAVED_NAME, parse_query
from tcoder.settings import SETTINGS_FILE


class SavedQueryError(ValueError):
    """A name or a query that cannot be saved (the message says why)."""


def save_query(root: Path, name: str, text: str, *, replace: bool = False) -> Path:
    """Save ``text`` as ``name`` in the study's tcoder.yaml (created if missing)."""
    if not SAVED_NAME.match(name):
        raise SavedQueryError(f"the name {name!r} is not valid: use letters, digits, '-' and '_', starting with a "
                              "letter or digit")
    text = " ".join(text.split())
    parse_query(text)  # raises QueryError
    path = root / SETTINGS_FILE
    document, yaml = _load(path)
    queries = document.get("queries")
    if queries is None:
        from ruamel.yaml.comments import CommentedMap

        queries = CommentedMap()
        document["queries"] = queries
    elif not hasattr(queries, "items"):
        raise TcoderError(Problem("'queries' is not a mapping of names to queries; fix it by hand first", path))
    if name in queries and not replace and queries[name] != text:
        raise SavedQueryError(f"a query named {name!r} is already saved ({queries[name]}); choose another name "
                              "or replace it")
    queries[name] = text
    _write(path, document, yaml)
    return path


def delete_query(root: Path, name: str) -> bool:
    """Remove a saved query; False when there was none by that name."""
    path = root / SETTINGS_FILE
    if not path.is_file():
        return False
    document, yaml = _load(path)
    queries = document.get("queries")
    if not queries or name not in queries:
        return False
    del queries[name]
    if not queries:
        del document["queries"]
    _write(path, document, yaml)
    return True


def _load(path: Path):
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    if not path.exists():
        from ruamel.yaml.comments import CommentedMap

        return CommentedMap(), yaml
    from tcoder.safeio import YAML_LIMIT, decode_utf8, read_file

    raw = decode_utf8(read_file(path, limit=YAML_LIMIT, what="tcoder.yaml"), path, "tcoder.yaml")
    try:
        document = yaml.load(raw)
    except YAMLError as exc:
        raise TcoderError(Problem(f"not valid YAML ({exc}); fix it before saving a query", path)) from None
    if document is None:
        from ruamel.yaml.comments import CommentedMap

        document = CommentedMap()
    if not hasattr(document, "items"):
        raise TcoderError(Problem("tcoder.yaml must be a mapping of settings", path))
    return document, yaml


def _write(path: Path, document, yaml) -> None:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    try:
        atomic_write_text(path, buffer.getvalue())
    except OSError as exc:
        raise TcoderError(Problem(f"cannot write it: {exc.strerror or exc}", path)) from None

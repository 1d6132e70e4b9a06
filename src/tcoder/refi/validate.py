"""Validate REFI-QDA documents against the official schemas shipped in ``schemas/``."""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from pathlib import Path

from tcoder.errors import Problem, TcoderError

SCHEMAS = Path(__file__).with_name("schemas")


@lru_cache(maxsize=2)
def schema(name: str):
    """``Project`` or ``Codebook``, as an ``xmlschema.XMLSchema``."""
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMAS / f"{name}.xsd"))


def schema_errors(xml: bytes, name: str, limit: int = 20) -> list[str]:
    """Up to ``limit`` messages; an empty list means the document is valid."""
    import xml.etree.ElementTree as ET

    errors = []
    try:
        for error in schema(name).iter_errors(io.BytesIO(xml)):
            errors.append(f"{error.path or ''}: {error.reason}".strip(": "))
            if len(errors) >= limit:
                break
    except ET.ParseError as exc:  # xmlschema's parse error is one too
        errors.append(f"not well-formed XML: {exc}")
    return errors


def validate_file(path: str | Path) -> None:
    """Raise :class:`TcoderError` if a .qdpx's project.qde or a .qdc is not valid."""
    path = Path(path)
    if path.suffix.lower() == ".qdc":
        xml, name = path.read_bytes(), "Codebook"
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                xml, name = archive.read("project.qde"), "Project"
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise TcoderError(Problem(f"cannot read project.qde from it: {exc}", path)) from None
    errors = schema_errors(xml, name)
    if errors:
        raise TcoderError([Problem(f"not valid against {name}.xsd: {e}", path) for e in errors])

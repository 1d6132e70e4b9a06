"""Deterministic GUIDs, so that exporting the same study twice gives the same file
and a re-export diffs cleanly.

Every GUID is a version-5 UUID of the project's namespace (itself a UUID5 of the
project name) and a path of ids, e.g. ``("code", "motivation")``.
"""

from __future__ import annotations

import hashlib
import uuid

#: tcoder's own root namespace (a fixed UUID5 of its URL).
TCODER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tcoder.invalid/refi-qda")


class Guids:
    def __init__(self, project: str):
        self.namespace = uuid.uuid5(TCODER_NAMESPACE, project)
        self._prefix = hashlib.sha1(self.namespace.bytes, usedforsecurity=False)

    def of(self, *parts: str) -> str:
        """``str(uuid.uuid5(namespace, "\\0".join(parts)))``, computed without building UUID objects
        (an export makes hundreds of thousands). NUL cannot occur in ids or paths, so distinct
        tuples never collide."""
        h = self._prefix.copy()
        h.update("\x00".join(parts).encode("utf-8", "surrogatepass"))  # an undecodable file name too
        b = bytearray(h.digest()[:16])
        b[6] = (b[6] & 0x0F) | 0x50  # version 5
        b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
        x = b.hex()
        return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"

    def user(self, coder: str) -> str:
        return self.of("user", coder)

    def code(self, code_id: str) -> str:
        return self.of("code", code_id)

    def source(self, transcript: str) -> str:
        return self.of("source", transcript)

    def case(self, transcript: str) -> str:
        return self.of("case", transcript)

    def variable(self, name: str) -> str:
        return self.of("variable", name)

    def selection(self, transcript: str, coder: str, annotation_id: str) -> str:
        return self.of("selection", transcript, coder, annotation_id)

    def coding(self, transcript: str, coder: str, annotation_id: str) -> str:
        return self.of("coding", transcript, coder, annotation_id)

    def note(self, transcript: str, coder: str, annotation_id: str) -> str:
        return self.of("note", transcript, coder, annotation_id)

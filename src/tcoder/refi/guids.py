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


#: The hex digit of a UUID's variant nibble (RFC 4122: 10xx) for each hex digit of the hash.
_VARIANT = {f"{n:x}": f"{(n & 0x3) | 0x8:x}" for n in range(16)}


def _uuid5_text(x: str) -> str:
    """The text of the version-5 UUID of a SHA-1 hex digest: its first 16 bytes, version 5
    in the high half of byte 6, the variant in the top two bits of byte 8."""
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:32]}"


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
        return _uuid5_text(h.hexdigest())

    def maker(self, *parts: str):
        """``lambda last: self.of(*parts, last)``, quicker when ``parts`` stay the same (the
        selections of one coder's annotations of one transcript)."""
        start = self._prefix.copy()
        start.update("".join(part + "\x00" for part in parts).encode("utf-8", "surrogatepass"))

        def of(last: str) -> str:
            h = start.copy()
            h.update(last.encode("utf-8", "surrogatepass"))
            return _uuid5_text(h.hexdigest())

        return of

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

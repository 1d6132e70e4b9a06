"""A corpus of hostile and odd inputs, built on the fly (none is stored in the repository).

Each :class:`Case` puts one hostile file into (or beside) a small real study and names
the commands to run on it, the exit status each must end with, and the words its
message must contain. ``run_limited.py`` runs the commands in a child process under a
memory limit (``RLIMIT_AS``, as ``ulimit -v``) and a time limit;
``test_hostile_corpus.py`` asserts the outcome and that the disk is unchanged, and
``benchmarks/hostile.py`` prints the time and memory of each case.

The archives are real: a 1.9 GB text in a 2 MB .qdpx is a valid zip whose deflate
stream repeats one block, with the true size and checksum in its directory, written
without ever holding the 1.9 GB.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from studykit import MINI_CODEBOOK, MINI_TRANSCRIPT, StudyBuilder

MB = 1024 * 1024


# ---------------------------------------------------------------- archives that expand enormously


@dataclass(frozen=True)
class Repeated:
    """``head`` + ``byte`` * ``size`` + ``tail``, never built in memory."""

    byte: bytes
    size: int
    head: bytes = b""
    tail: bytes = b""

    @property
    def length(self) -> int:
        return len(self.head) + self.size + len(self.tail)


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """zlib's crc32_combine (not in Python's zlib): the CRC of A+B from crc(A), crc(B), len(B)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _crc_of_repeats(block: bytes, times: int) -> int:
    result, result_len = 0, 0
    unit, unit_len = zlib.crc32(block), len(block)
    while times:
        if times & 1:
            result = crc32_combine(result, unit, unit_len) if result_len else unit
            result_len += unit_len
        unit = crc32_combine(unit, unit, unit_len)
        unit_len *= 2
        times >>= 1
    return result


def deflate_repeated(content: Repeated) -> tuple[bytes, int]:
    """(raw deflate stream, CRC-32) of the content. After two blocks of the repeated byte the
    compressor's output for a further block is always the same bytes, so those are
    repeated instead of compressing gigabytes."""
    chunk = MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [compressor.compress(content.head), compressor.flush(zlib.Z_FULL_FLUSH)]
    crc = zlib.crc32(content.head)
    block = content.byte * chunk
    times, rest = divmod(content.size, chunk)
    if times:
        first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
        parts.append(first)
        if times > 1:
            steady = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
            parts.extend([steady] * (times - 1))
        crc = crc32_combine(crc, _crc_of_repeats(block, times), chunk * times)
    if rest:
        parts.append(compressor.compress(content.byte * rest))
        crc = zlib.crc32(content.byte * rest, crc)
    parts.append(compressor.compress(content.tail))
    crc = zlib.crc32(content.tail, crc)
    parts.append(compressor.flush(zlib.Z_FINISH))
    return b"".join(parts), crc


def write_zip(path: Path, entries: dict[str, bytes | Repeated]) -> Path:
    """A valid zip (deflate, true sizes and CRCs in its directory) of these entries."""
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, content in entries.items():
        if isinstance(content, Repeated):
            data, crc = deflate_repeated(content)
            size = content.length
        else:
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            data = compressor.compress(content) + compressor.flush()
            crc, size = zlib.crc32(content), len(content)
        encoded = name.encode("utf-8")
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, len(data), size,
                             len(encoded), 0) + encoded
        local.append(header + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, 0, 0x21, crc, len(data),
                                   size, len(encoded), 0, 0, 0, 0, 0o644 << 16, offset) + encoded)
        offset += len(header) + len(data)
    directory = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0)
    path.write_bytes(b"".join(local) + directory + end)
    return path


# ---------------------------------------------------------------- the corpus


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def annotation_file(builder: StudyBuilder, coder: str = "alice") -> Path:
    return builder.annotations("interviews/P01.txt", coder, [("personal", 14, 40), ("duty", 60, 90)])


def edit_json(path: Path, raw_field: str) -> Path:
    """Insert ``"x": RAW`` (text written as is, not through a JSON encoder) into the first annotation."""
    text = path.read_text("utf-8")
    at = text.index('"code": ')
    path.write_text(text[:at] + f'"x": {raw_field}, ' + text[at:], "utf-8")
    return path


QDPX_PROJECT = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="p">'
                '<Sources><TextSource guid="11111111-1111-1111-1111-111111111111" name="P01" '
                'plainTextPath="internal://11111111-1111-1111-1111-111111111111.txt"/></Sources></Project>\n')
DOCX_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
              'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
              'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
              'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
              'wordprocessingml.document.main+xml"/></Types>')
DOCX_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
             'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
             'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
DOCX_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
             'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Interviewer: ')
DOCX_TAIL = "</w:t></w:r></w:p></w:body></w:document>"


@dataclass
class Run:
    """One command of a case: its arguments (``{study}`` and ``{tmp}`` are filled in), the
    exit status it must end with, and words its output must contain."""

    args: list[str]
    status: int
    says: tuple[str, ...] = ()


@dataclass
class Case:
    name: str
    what: str  # the hostile input, in words (for docs/reliability.md)
    build: Callable[[StudyBuilder, Path], None]
    runs: list[Run]
    memory_mb: int = 1024
    seconds: int = 60
    outputs: tuple[str, ...] = ()  # paths (with {tmp}) a command may create: left out of the unchanged check
    extra: dict[str, object] = field(default_factory=dict)


def base_study(builder: StudyBuilder) -> None:
    builder.codebook(MINI_CODEBOOK)
    builder.transcript("interviews/P01.txt", MINI_TRANSCRIPT)
    annotation_file(builder, "alice")
    builder.annotations("interviews/P01.txt", "bob", [("personal", 14, 40)])


def _link(target: str, name: str = "interviews/P02.txt") -> Callable[[StudyBuilder, Path], None]:
    def build(builder: StudyBuilder, tmp: Path) -> None:
        target_path = target.replace("{tmp}", str(tmp))
        if target_path.startswith("{self}"):
            target_path = Path(name).name
        (builder.root / name).symlink_to(target_path)
    return build


def _json_field(raw: str, coder: str = "alice") -> Callable[[StudyBuilder, Path], None]:
    def build(builder: StudyBuilder, tmp: Path) -> None:
        edit_json(builder.root / f"interviews/P01.{coder}.json", raw)
    return build


def _write(name: str, text: str | bytes) -> Callable[[StudyBuilder, Path], None]:
    def build(builder: StudyBuilder, tmp: Path) -> None:
        path = builder.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return build


def _secret(builder: StudyBuilder, tmp: Path) -> None:
    (tmp / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n")
    (builder.root / "interviews" / "P02.txt").symlink_to(tmp / "id_ed25519")


def _qdpx(text_size: int, project_padding: int = 0) -> Callable[[StudyBuilder, Path], None]:
    def build(builder: StudyBuilder, tmp: Path) -> None:
        project: bytes | Repeated = QDPX_PROJECT.encode()
        if project_padding:
            head, tail = QDPX_PROJECT.encode().split(b"</Project>")
            project = Repeated(b" ", project_padding, head, b"</Project>" + tail)
        write_zip(tmp / "bomb.qdpx", {
            "project.qde": project,
            "sources/11111111-1111-1111-1111-111111111111.txt": Repeated(b"a", text_size, b"Interviewer: ", b"\n"),
        })
    return build


def _docx(text_size: int) -> Callable[[StudyBuilder, Path], None]:
    def build(builder: StudyBuilder, tmp: Path) -> None:
        write_zip(tmp / "P09.docx", {"[Content_Types].xml": DOCX_TYPES.encode(), "_rels/.rels": DOCX_RELS.encode(),
                                     "word/document.xml": Repeated(b"a", text_size, DOCX_HEAD.encode(),
                                                                   DOCX_TAIL.encode())})
    return build


def _name_not_utf8(builder: StudyBuilder, tmp: Path) -> None:
    folder = os.fsencode(builder.root / "interviews")
    with open(os.path.join(folder, b"P\xff.txt"), "wb") as f:
        f.write(MINI_TRANSCRIPT.encode())


CHECK, TEXTCONV = ["check", "{study}"], ["git", "textconv", "{study}/interviews/P01.alice.json"]
AGREE = ["agree", "{study}"]
SEGMENTS = ["report", "{study}", "segments", "--format", "csv"]
EXPORT = ["export", "{study}", "--qdpx", "{tmp}/out.qdpx"]
GIB = 1024 * MB

CASES: list[Case] = [
    Case("billion-laughs-codebook", "codebook.yaml of 10 lines whose aliases expand to 10^9 values",
         _write("codebook.yaml", billion_laughs() + "codes: []\n"),
         [Run(CHECK, 1, ("billion laughs", "codebook.yaml")), Run(AGREE, 1, ("billion laughs",))]),
    Case("billion-laughs-settings", "tcoder.yaml whose aliases expand to 10^9 values",
         _write("tcoder.yaml", billion_laughs()),
         [Run(CHECK, 1, ("billion laughs", "tcoder.yaml")), Run(SEGMENTS, 1, ("billion laughs",))]),
    Case("deep-yaml", "codebook.yaml nested 20,000 levels deep",
         _write("codebook.yaml", "codes: " + "[" * 20_000 + "]" * 20_000 + "\n"),
         [Run(CHECK, 1, ("nest", "codebook.yaml"))]),
    Case("deep-json", "an annotation file with a field nested 20,000 levels deep",
         _json_field("[" * 20_000 + "]" * 20_000),
         [Run(CHECK, 1, ("nests more than 200 levels", "P01.alice.json")), Run(AGREE, 1, ("nests more than",)),
          Run(TEXTCONV, 0, ("nests more than",))]),
    Case("huge-int-yaml", "a domain value of 5,000 digits in codebook.yaml",
         _write("codebook.yaml", "codes:\n  - id: d\n    exclusive: true\n    level: interval\n    codes:\n"
                                 f"      - {{id: a, value: {'7' * 5000}}}\n"),
         [Run(CHECK, 1, ("5,000 digits", "codebook.yaml"))]),
    Case("huge-int-json", "an annotation offset of 5,000 digits",
         _json_field("7" * 5000),
         [Run(CHECK, 1, ("5,000 digits", "P01.alice.json")), Run(TEXTCONV, 0, ("5,000 digits",))]),
    Case("fifo-transcript", "a named pipe called interviews/P02.txt",
         lambda b, t: os.mkfifo(b.root / "interviews/P02.txt"),
         [Run(CHECK, 1, ("named pipe", "P02.txt")), Run(AGREE, 0, ("named pipe",)),
          Run(EXPORT, 0, ("named pipe",))], outputs=("{tmp}/out.qdpx",)),
    Case("fifo-annotations", "a named pipe called interviews/P01.carol.json",
         lambda b, t: os.mkfifo(b.root / "interviews/P01.carol.json"),
         [Run(CHECK, 1, ("named pipe", "P01.carol.json")),
          Run(["git", "textconv", "{study}/interviews/P01.carol.json"], 0, ("named pipe",))]),
    Case("dev-zero", "interviews/P02.txt, a link to /dev/zero", _link("/dev/zero"),
         [Run(CHECK, 1, ("/dev/zero", "P02.txt")), Run(EXPORT, 0, ("/dev/zero",))], outputs=("{tmp}/out.qdpx",)),
    Case("outside-link", "interviews/P02.txt, a link to a private key outside the study", _secret,
         [Run(CHECK, 1, ("outside the study", "P02.txt")), Run(EXPORT, 0, ("outside the study",))],
         outputs=("{tmp}/out.qdpx",), extra={"not_in": ("{tmp}/out.qdpx", b"PRIVATE KEY")}),
    Case("self-link", "interviews/P02.txt, a link to itself", _link("{self}"),
         [Run(CHECK, 1, ("points to itself", "P02.txt")), Run(AGREE, 0, ("points to itself",))]),
    Case("sparse-transcript", "a 1 GB sparse transcript", lambda b, t: sparse(b.root / "interviews/P02.txt", GIB),
         [Run(CHECK, 1, ("1,024.0 MB, more than tcoder reads", "P02.txt")),
          Run(AGREE, 0, ())]),
    Case("sparse-annotations", "a 1 GB sparse annotation file",
         lambda b, t: sparse(b.root / "interviews/P01.bob.json", GIB),
         [Run(CHECK, 1, ("1,024.0 MB, more than tcoder reads", "P01.bob.json")),
          Run(["git", "textconv", "{study}/interviews/P01.bob.json"], 0, ("more than tcoder reads",))]),
    Case("qdpx-huge-text", "a 2 MB .qdpx holding a 1.9 GB text", _qdpx(1900 * MB),
         [Run(["import-qdpx", "{tmp}/bomb.qdpx", "--into", "{tmp}/imported"], 1, ("zip bomb", "bomb.qdpx"))]),
    Case("qdpx-huge-text-raised-limit", "the same with --max-size 4096: the text source's own limit",
         _qdpx(1900 * MB),
         [Run(["import-qdpx", "{tmp}/bomb.qdpx", "--into", "{tmp}/imported", "--max-size", "4096"], 1,
              ("text source", "more than tcoder reads from one"))]),
    Case("qdpx-huge-project", "a .qdpx whose project.qde expands to 1.5 GB", _qdpx(10, 1500 * MB),
         [Run(["import-qdpx", "{tmp}/bomb.qdpx", "--into", "{tmp}/imported", "--max-size", "4096"], 1,
              ("'project.qde' expands to", "more than tcoder reads"))]),
    Case("docx-huge", "a 1.6 MB .docx with 1.6 GB of text", _docx(1600 * MB),
         [Run(["import", "{tmp}/P09.docx", "--into", "{tmp}/imported"], 1, ("word/document.xml", "P09.docx"))]),
    Case("encoding-base64", "encoding: base64 in tcoder.yaml", _write("tcoder.yaml", "encoding: base64\n"),
         [Run(CHECK, 1, ("'base64' is not a text encoding", "tcoder.yaml")), Run(AGREE, 1, ("not a text encoding",))]),
    Case("memo-surrogate", "a lone surrogate escaped in a memo", _json_field('"caf\\udce9"'),
         [Run(CHECK, 1, ("lone surrogate", "P01.alice.json")), Run(SEGMENTS, 1, ("lone surrogate",)),
          Run(TEXTCONV, 0, ("lone surrogate",))]),
    Case("name-not-utf8", "a transcript whose file name is not UTF-8", _name_not_utf8,
         [Run(CHECK, 1, ("not valid UTF-8", "P\\xff.txt")), Run(["check", "{study}", "--format", "json"], 1, ()),
          Run(SEGMENTS, 0, ("not valid UTF-8",)), Run(EXPORT, 0, ("not valid UTF-8",))],
         outputs=("{tmp}/out.qdpx",)),
    Case("nan-json", "NaN in an annotation's extra field", _json_field("NaN"),
         [Run(CHECK, 1, ("NaN is not a JSON value", "P01.alice.json"))]),
    Case("duplicate-key", "a key twice in one annotation", _json_field('"a", "x": "b"'),
         [Run(CHECK, 1, ('"x" appears twice', "P01.alice.json"))]),
    Case("report-over-transcript", "report -o naming a transcript of the study", lambda b, t: None,
         [Run([*SEGMENTS, "-o", "{study}/interviews/P01.txt", "--force"], 2, ("not written", "P01.txt"))]),
]


def case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


def fill(args: list[str], study: Path, tmp: Path) -> list[str]:
    return [a.replace("{study}", str(study)).replace("{tmp}", str(tmp)) for a in args]


def dump_runs(found: Case, study: Path, tmp: Path) -> str:
    return json.dumps([fill(run.args, study, tmp) for run in found.runs])

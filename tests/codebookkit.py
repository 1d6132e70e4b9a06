"""Helpers for the codebook development tests: a study coded by three coders, snapshots,
and a live coding session held by another process."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

from studykit import MINI_TRANSCRIPT, StudyBuilder
from tcoder.annotations import Annotation, AnnotationFile, read_annotations, save_annotations
from tcoder.transcript import text_sha256

TRANSCRIPTS = ("interviews/P01.txt", "interviews/P02.txt", "focus-groups/FG1.txt")
CODERS = ("alice", "bob", "consensus")

P = MINI_TRANSCRIPT
GRAND = P.index("my grandmother")
SAW = P.index("I saw how")
RENAL = P.index("We pushed")
CLINIC = P.index("We also ran")
END = P.index("neighbourhood.") + len("neighbourhood.")

#: (code, start, end, memo) per coder; the same for every transcript
CODING = {
    "alice": [("personal", GRAND, GRAND + 14, "grandmother"), ("duty", SAW, SAW + 40, None),
              ("curriculum", RENAL, RENAL + 30, None), ("outreach", CLINIC, END, "free clinic"),
              ("stance-high", RENAL, END, None)],
    "bob": [("personal", GRAND, GRAND + 14, None), ("personal", SAW, SAW + 40, "saw it"),
            ("outreach", CLINIC, END, None), ("stance-low", RENAL, END, None)],
    "consensus": [("personal", GRAND, GRAND + 14, "agreed"), ("duty", SAW, SAW + 40, None),
                  ("outreach", CLINIC, END, None)],
}


def coded_study(root: Path) -> StudyBuilder:
    builder = StudyBuilder(root)
    builder.codebook()
    for n, name in enumerate(TRANSCRIPTS):
        builder.transcript(name)
        for coder, spans in CODING.items():
            items = []
            for i, (code, start, end, memo) in enumerate(spans):
                a = Annotation(f"{coder[:2]}{n}{i:013d}", code, start, end, memo=memo,
                               created="2026-01-0%dT10:00:00Z" % (i + 1), updated="2026-01-0%dT10:00:00Z" % (i + 1))
                a.set_context(P)
                items.append(a)
            path = (root / name).with_name(f"{Path(name).stem}.{coder}.json")
            extra = {}
            if coder == "consensus":
                extra["adjudicated_none"] = [{"code": "curriculum", "start": RENAL, "end": RENAL + 30,
                                              "sources": [f"al{n}{2:013d}"], "decided": "2026-02-01T00:00:00Z"}]
            save_annotations(AnnotationFile(coder, Path(name).name, text_sha256(P), items, extra=extra), path)
    return builder


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the study but tcoder's own state and lock files."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(".tcoder/") and not path.name.endswith(".lock"):
            out[rel] = path.read_bytes()
    return out


def codes_in(root: Path, name: str, coder: str) -> list[str]:
    path = (root / name).with_name(f"{Path(name).stem}.{coder}.json")
    return [a.code for a in sorted(read_annotations(path).annotations, key=Annotation.sort_key)]


@contextlib.contextmanager
def live_session(root: Path, transcript: str, coder: str) -> Iterator[subprocess.Popen[str]]:
    """Another tcoder process with ``coder``'s file of ``transcript`` open for coding
    (it holds the writer lock). Lines written to its stdin are Python statements run
    with ``session`` in scope; it prints 'ok' after each."""
    program = textwrap.dedent(f"""
        import sys
        from tcoder.study import open_study
        from tcoder.session import CodingSession
        study = open_study({str(root)!r})
        session = CodingSession(study, {transcript!r}, {coder!r})
        assert not session.read_only, session.read_only_reason
        print("ready", flush=True)
        for line in sys.stdin:
            exec(line)
            print("ok", flush=True)
        session.close()
        """)
    process = subprocess.Popen([sys.executable, "-c", program], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield process
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)


def tell(process: subprocess.Popen[str], statement: str) -> None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(statement + "\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "ok"

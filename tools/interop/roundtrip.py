"""tcoder's REFI-QDA and codebook exports read by other programs, and read back.

Runs the other programs themselves, each in its own Python (they are not tcoder's
dependencies, and QualCoder is not on PyPI), and prints one table of what went in
and what came out. Each part runs only when its program is given and works; otherwise
it says why it was skipped.

    python tools/interop/roundtrip.py \\
        --qualcoder ~/src/QualCoder --qualcoder-python ~/venvs/pyqt6/bin/python \\
        --qc-python ~/venvs/qc/bin/python --taguette-python ~/venvs/taguette/bin/python

- QualCoder (a git checkout; its Python needs PyQt6, pymupdf, Pillow, qtawesome):
  tcoder's export (--for qualcoder) through QualCoder's own REFI-QDA importer, then
  QualCoder's own exports (standard line endings and "for MAXQDA") back into tcoder.
  A coding is in place in QualCoder when its stored text is the source's text at its
  positions and equals tcoder's passage; back in tcoder, when its transcript, coder,
  code, offsets and memo are the study's own.
- qc (`pip install qualitative-coding==1.7.8`): `qc init -i` on tcoder's export.
- Taguette (`pip install taguette==1.5.2`): its codebook importer and validators on
  `tcoder export --codebook-csv`.

Results and versions are recorded in docs/refi-qda.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SAMPLE = REPO / "sample_data" / "activism-study"


def tcoder(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "tcoder", *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"tcoder {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result.stdout + result.stderr


def study_codings(root: Path) -> Counter:
    """(transcript, coder, code name, start, end, memo) for every annotation of a study."""
    from tcoder.codebook import load_codebook
    from tcoder.study import open_study

    study = open_study(root)
    names = {c.id: c.name for c in load_codebook(study.codebook_path)}
    out: Counter = Counter()
    for ref in study.transcripts:
        for coder in study.coders_of(ref):
            for a in study.load_annotations(ref, coder).file.annotations:
                out[(ref.name, coder, names.get(a.code, a.code), a.start, a.end, (a.memo or "").strip())] += 1
    return out


def memo_count(root: Path) -> int:
    return sum(1 for item in study_codings(root).elements() if item[5])


def analysis_layer(root: Path) -> tuple[Counter, list[tuple[str, str]]]:
    """The study's memo files by kind, and its themes (name, status)."""
    from tcoder.memoset import load_memos
    from tcoder.study import open_study
    from tcoder.themes import read_themes

    study = open_study(root)
    kinds = Counter(m.kind for m in load_memos(study))
    themes = sorted((t.name, t.status) for t in read_themes(study.themes_path)) if study.themes_path.is_file() else []
    return kinds, themes


def version_of(python: str, code: str) -> str:
    result = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return result.stdout.strip() or "?"


def transcripts_with_memos(qdpx: Path) -> int:
    """Text sources to which tcoder's export gave a ``<Description>`` (their memos)."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(qdpx) as archive:
        root = ET.fromstring(archive.read("project.qde"))
    return sum(1 for el in root.iter("{urn:QDA-XML:project:1.0}TextSource")
               if el.find("{urn:QDA-XML:project:1.0}Description") is not None)


def passage_memos(study: Path) -> list[tuple[str, int, int]]:
    """(transcript file name, start, end) of every memo file on a passage of the study."""
    from tcoder.memoset import load_memos
    from tcoder.study import open_study

    out = []
    for memo in load_memos(open_study(study)):
        for link in memo.links:
            if link.kind == "passage" and link.start is not None and link.end is not None and not link.orphaned:
                out.append((link.target.rpartition("/")[2], link.start, link.end))
    return out


def qualcoder(study: Path, checkout: Path, python: str, work: Path, rows: list[list[str]]) -> None:
    commit = subprocess.run(["git", "-C", str(checkout), "log", "-1", "--format=%h %ad", "--date=short"],
                            capture_output=True, text=True).stdout.strip() or "?"
    qt = version_of(python, "import PyQt6.QtCore as c; print(c.PYQT_VERSION_STR)")
    label = f"QualCoder @{commit} (PyQt6 {qt})"
    original = study_codings(study)
    wanted = passage_memos(study)
    memos = sum(1 for item in original.elements() if item[5])
    export = work / "for-qualcoder.qdpx"
    tcoder("export", study, "--qdpx", export, "--for", "qualcoder", "--plain", "--force")
    texts = {}
    from tcoder.study import open_study

    opened = open_study(study)
    for ref in opened.transcripts:
        texts[ref.name.rpartition("/")[2]] = opened.transcript(ref).text
    for maxqda in (False, True):
        out, report_path = work / f"qualcoder-{'maxqda' if maxqda else 'standard'}.qdpx", work / "report.json"
        command = [python, str(HERE / "qualcoder_driver.py"), str(checkout), str(export), str(out), str(report_path)]
        if maxqda:
            command.append("--maxqda-line-endings")
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if result.returncode != 0 or not report_path.exists():
            rows.append([label, "run", "-", "-", "-", "-", f"failed: {result.stderr.strip()[-300:]}"])
            return
        report = json.loads(report_path.read_text("utf-8"))
        codings = report["codings"]
        if not maxqda:
            placed = sum(1 for c in codings if c["in_place"]
                         and texts.get(c["source"], "")[c["start"]:c["end"]] == c["text"])
            got = {(a["source"], a["start"], a["end"]) for a in report["annotations"]}
            placed_memos = sum(1 for w in wanted if w in got)
            described = transcripts_with_memos(export)
            rows.append([label, "tcoder --for qualcoder -> QualCoder import", str(sum(original.values())),
                         str(len(codings)), f"{placed} of {len(codings)}",
                         f"{memos} -> {sum(1 for c in codings if c['memo'])}",
                         f"sources {len(report['sources'])}, codes {report['codes']}, variables "
                         f"{', '.join(report['variables'])}; memo files on a passage -> QualCoder annotations on "
                         f"that passage: {placed_memos} of {len(wanted)}; memo files on a whole transcript -> "
                         f"QualCoder document memos: {len(report['document_memos'])} of {described} documents; other "
                         f"memo files -> journal entries: {len(report['journals'])}"])
        if not out.exists():
            rows.append([label, "QualCoder export", "-", "-", "-", "-", report.get("export_error", "no file")])
            continue
        back = work / f"back-{'maxqda' if maxqda else 'standard'}"
        shutil.rmtree(back, ignore_errors=True)
        said = tcoder("import-qdpx", out, "--into", back)
        returned = study_codings(back)
        same = sum((original & returned).values())
        positions = next((line for line in said.splitlines() if line.startswith("Positions")), "")
        direction = "QualCoder export " + ("for MAXQDA (CRLF as one)" if maxqda else "(standard)") + " -> tcoder"
        kinds, themes = analysis_layer(study)
        kinds_back, themes_back = analysis_layer(back)
        rows.append([label, direction, str(len(codings)), str(sum(returned.values())),
                     f"{same} of {sum(original.values())} identical", f"{memos} -> {memo_count(back)}",
                     positions.split(":")[0].removeprefix("Positions read as ")
                     + f"; memo files {sum(kinds.values())} -> {sum(kinds_back.values())} "
                     f"({', '.join(f'{k} {n}' for k, n in sorted(kinds_back.items()))}); themes {len(themes)} -> "
                     f"{len(themes_back)}, {sum(1 for t in themes if t in themes_back)} with name and status "
                     "as they were"])


def qc(study: Path, python: str, work: Path, rows: list[list[str]]) -> None:
    version = version_of(python, "import importlib.metadata as m; print(m.version('qualitative-coding'))")
    label = f"qc {version}"
    export = work / "for-qc.qdpx"
    tcoder("export", study, "--qdpx", export, "--plain", "--force")
    project = work / "qc-project"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir()
    qc_bin = Path(python).with_name("qc")
    environment = dict(os.environ, PYTHONBREAKPOINT="0")  # qc 1.7.8's reader stops at a breakpoint()
    result = subprocess.run([str(qc_bin), "init", "-i", str(export)], cwd=project, capture_output=True, text=True,
                            env=environment, timeout=600)
    if result.returncode != 0:
        rows.append([label, "tcoder -> qc init -i", "-", "-", "-", "-", f"failed: {result.stderr.strip()[-300:]}"])
        return
    db = sqlite3.connect(project / "qualitative_coding.sqlite3")
    documents = db.execute("select count(*) from document").fetchone()[0]
    coded = db.execute("select count(*) from coded_line").fetchone()[0]
    lines = db.execute("select count(distinct line) from coded_line").fetchone()[0]
    codes = len((project / "codebook.yaml").read_text("utf-8").splitlines())
    original = study_codings(study)
    rows.append([label, "tcoder -> qc init -i", str(sum(original.values())), f"{coded} coded lines", "-",
                 "not read (qc has no memos on codings)",
                 f"documents {documents}, codebook lines {codes}; qc codes whole lines and its reader puts every "
                 f"selection not named line:N on line 0 ({lines} distinct line(s) coded)"])


def taguette(study: Path, python: str, work: Path, rows: list[list[str]]) -> None:
    version = version_of(python, "import importlib.metadata as m; print(m.version('taguette'))")
    csv_path = work / "codebook.csv"
    tcoder("export", study, "--codebook-csv", csv_path, "--force")
    check = ("import json, sys\nfrom taguette import import_codebook, validate\n"
             "tags = import_codebook.list_tags(open(sys.argv[1], 'rb'))\n"
             "for t in tags:\n    validate.tag_path(t['path']); validate.description(t['description'])\n"
             "print(json.dumps([t['path'] for t in tags]))\n")
    result = subprocess.run([python, "-c", check, str(csv_path)], capture_output=True, text=True, timeout=300)
    from tcoder.codebook import load_codebook
    from tcoder.study import open_study

    codes = len(load_codebook(open_study(study).codebook_path))
    if result.returncode != 0:
        rows.append([f"Taguette {version}", "codebook CSV", str(codes), "-", "-", "-",
                     f"refused: {result.stderr.strip()[-300:]}"])
        return
    tags = json.loads(result.stdout)
    rows.append([f"Taguette {version}", "tcoder --codebook-csv -> Taguette import_codebook", str(codes),
                 f"{len(tags)} tags", "-", "-", f"every path and description valid; e.g. {tags[1]!r}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--study", type=Path, default=SAMPLE)
    parser.add_argument("--qualcoder", type=Path, help="a QualCoder git checkout")
    parser.add_argument("--qualcoder-python", default=sys.executable, help="a Python with PyQt6 for QualCoder")
    parser.add_argument("--qc-python", help="a Python with qualitative-coding installed")
    parser.add_argument("--taguette-python", help="a Python with taguette installed")
    parser.add_argument("--keep", type=Path, help="keep the files made here in this folder")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="tcoder-interop-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[list[str]] = []
    skipped = []
    if args.qualcoder and (args.qualcoder / "src" / "qualcoder" / "refi.py").is_file():
        qualcoder(args.study, args.qualcoder, args.qualcoder_python, work, rows)
    else:
        skipped.append("QualCoder (give --qualcoder CHECKOUT and --qualcoder-python)")
    if args.qc_python and Path(args.qc_python).with_name("qc").exists():
        qc(args.study, args.qc_python, work, rows)
    else:
        skipped.append("qc (give --qc-python, a Python with qualitative-coding)")
    if args.taguette_python:
        taguette(args.study, args.taguette_python, work, rows)
    else:
        skipped.append("Taguette (give --taguette-python, a Python with taguette)")
    header = ["program", "direction", "codings in", "out", "in place", "memos", "notes"]
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in rows:
        print(" | ".join(row))
    for what in skipped:
        print(f"skipped: {what}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

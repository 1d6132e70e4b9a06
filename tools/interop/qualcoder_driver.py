"""Run QualCoder's own REFI-QDA importer and exporter without a display.

Runs in a Python that has PyQt6 (and pymupdf, Pillow), not in tcoder's: it imports
QualCoder from the checkout named on the command line, at run time. Nothing of
QualCoder is part of tcoder. QualCoder's dialogs are answered by replacing the
file dialogs and message boxes with functions that return what a person would
choose; its project database is created from the CREATE TABLE statements of its
own "new project" code, read from the checkout.

    python qualcoder_driver.py CHECKOUT IN.qdpx OUT.qdpx REPORT.json [--maxqda-line-endings]

REPORT.json gets what QualCoder holds after its import: codings (with their text
and whether that text is the source's text at their positions), memos, annotations,
sources, codes, journals and variables.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import sqlite3
import sys
import tempfile
import types
from pathlib import Path


def main(argv: list[str]) -> int:
    checkout, source, target, report_path = (Path(a) for a in argv[:4])
    maxqda = "--maxqda-line-endings" in argv
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="qualcoder-home-"))
    os.environ["HOME"] = str(home)  # QualCoder writes ~/.qualcoder/<project> while exporting
    (home / ".qualcoder").mkdir()
    sys.path.insert(0, str(checkout / "src"))
    builtins._ = lambda text: text  # type: ignore[attr-defined]  # QualCoder's gettext
    # qualcoder.app imports the AI helpers, which need langchain; the REFI code does not use them.
    fake_ai = types.ModuleType("qualcoder.ai_llm")
    fake_ai.get_default_ai_models = lambda *a, **k: []  # type: ignore[attr-defined]
    fake_ai.update_ai_models = lambda *a, **k: []  # type: ignore[attr-defined]
    sys.modules["qualcoder.ai_llm"] = fake_ai

    from PyQt6 import QtWidgets

    qt_app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from qualcoder import helpers, refi
    from qualcoder.app import App

    # Dialogs answered as a person would: open this file, save into that folder, close messages.
    QtWidgets.QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(source), "qdpx"))  # type: ignore
    export_dir = Path(tempfile.mkdtemp(prefix="qualcoder-export-"))
    QtWidgets.QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: str(export_dir))  # type: ignore
    quiet = lambda self, *a, **k: 0  # noqa: E731
    helpers.Message.exec = quiet  # type: ignore[assignment]
    refi.Message.exec = quiet  # type: ignore[assignment]
    QtWidgets.QProgressDialog.show = lambda self: None  # type: ignore[assignment]

    def line_endings_exec(self, *a, **k):
        self.ui.radioButton_maxqda.setChecked(maxqda)
        return 1

    refi.RefiLineEndings.exec = line_endings_exec  # type: ignore[assignment]

    project = home / "roundtrip.qda"
    for folder in ("", "images", "audio", "video", "documents"):
        (project / folder).mkdir(parents=True, exist_ok=True)
    app = App.__new__(App)
    app.project_path = str(project)
    app.project_name = project.name
    app.version = "tcoder round trip"
    app.settings = {"codername": "default", "directory": str(home), "fontsize": 10, "font": "Noto Sans",
                    "showids": False, "language": "en", "ai_enable": "False"}
    app.ai = None
    app.configpath = str(home / "config.ini")
    app.persist_path = str(home / "recent_projects.txt")
    app.ai_models = []
    app.project_events = None
    app.conn = sqlite3.connect(project / "data.qda")
    _create_schema(app, checkout)
    log = _Log()
    refi.RefiImport(app, log, "qdpx")
    report = _contents(app.conn)
    report["log"] = log.lines[-40:]
    refi.RefiExport(app, log, "project")
    exported = sorted(export_dir.glob("*.qdpx"))
    if not exported:
        report["export_error"] = "QualCoder wrote no .qdpx"
    else:
        target.write_bytes(exported[0].read_bytes())
    report_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    qt_app.quit()
    return 0


class _Log:
    """Stands in for the main window's text panel, where QualCoder writes its progress."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def append(self, text: str) -> None:
        self.lines.append(re.sub(r"<[^>]+>", "", str(text)))


def _create_schema(app, checkout: Path) -> None:
    """QualCoder's tables, from the CREATE TABLE statements of its own new-project code."""
    main_py = (checkout / "src" / "qualcoder" / "__main__.py").read_text("utf-8")
    body = main_py[main_py.index("def new_project"):main_py.index("def change_settings")]
    statements = []
    for m in re.finditer(r'cur\.execute\(\s*((?:"[^"]*"\s*)+)\)', body):
        sql = "".join(re.findall(r'"([^"]*)"', m.group(1)))
        if sql.upper().startswith("CREATE TABLE"):
            statements.append(sql)
    cur = app.conn.cursor()
    for sql in statements:
        cur.execute(sql)
    app.update_coder_names()
    columns = len(cur.execute("select * from project").description)
    cur.execute(f"insert into project values({','.join('?' * columns)})",
                ["v17", "2026-01-01 00:00:00", "", "tcoder round trip", 0, 0, "default", "", *[None] * (columns - 8)])
    app.conn.commit()


def _contents(conn: sqlite3.Connection) -> dict:
    cur = conn.cursor()
    sources = {fid: (name, text or "") for fid, name, text in cur.execute("select id, name, fulltext from source")}
    codes = dict(cur.execute("select cid, name from code_name"))
    codings = []
    for cid, fid, seltext, pos0, pos1, owner, memo in cur.execute(
            "select cid, fid, seltext, pos0, pos1, owner, ifnull(memo,'') from code_text"):
        name, text = sources.get(fid, ("?", ""))
        codings.append({"source": name, "code": codes.get(cid), "coder": owner, "start": pos0, "end": pos1,
                        "text": seltext, "memo": memo, "in_place": text[pos0:pos1] == seltext})
    annotations = [{"source": sources.get(fid, ("?", ""))[0], "start": p0, "end": p1, "memo": memo}
                   for fid, p0, p1, memo in cur.execute("select fid, pos0, pos1, memo from annotation")]
    journals = [name for (name,) in cur.execute("select name from journal")]
    document_memos = [name for name, memo in cur.execute("select name, ifnull(memo,'') from source") if memo.strip()]
    variables = [name for (name,) in cur.execute("select name from attribute_type")]
    return {"sources": sorted(name for name, _ in sources.values()), "codes": len(codes), "codings": codings,
            "annotations": annotations, "journals": journals, "variables": variables,
            "document_memos": document_memos}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Characters XML 1.0 forbids (control characters pasted into names, memos and attribute
values) never make an export unreadable: they become U+FFFD in project.qde and .qdc files,
one warning names where, and tcoder.json gives back the originals."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
import zipfile

import pytest

from studykit import MINI_CODEBOOK, MINI_TRANSCRIPT
from tcoder.refi.validate import schema_errors
from tcoder.study import open_study

ESC_NAME = "Bad\x1b[2J"  # an escape sequence in a code name
POISONED_CODEBOOK = MINI_CODEBOOK.replace(
    "      - {id: personal, name: Personal experience, key: p}",
    '      - id: personal\n'
    '        name: "Bad\\e[2J"\n'
    '        key: p\n'
    '        description: "Pasted\\vfrom Word"\n'
    '        include: "in\\x01clude"\n'
    '        exclude: "ex\\x02clude"\n'
    '        examples: ["an \\x01 example"]\n')
ODD_FILE = "interviews/P\x1b[31m02.txt"  # a control character in a transcript's file name


@pytest.fixture
def poisoned(study_builder):
    b = study_builder
    b.codebook(POISONED_CODEBOOK)
    b.transcript("interviews/P01.txt", MINI_TRANSCRIPT)
    b.transcript(ODD_FILE, MINI_TRANSCRIPT)
    start = MINI_TRANSCRIPT.index("Honestly")
    path = b.annotations("interviews/P01.txt", "alice", [("personal", start, start + 20), ("duty", 100, 120)])
    data = json.loads(path.read_text("utf-8"))
    data["annotations"][0]["memo"] = "red \x1b[31m alert\x0b from Word"
    path.write_text(json.dumps(data), "utf-8")
    b.annotations(ODD_FILE, "bob", [("personal", start, start + 10)])
    b.attributes(f"transcript,group,note\x07s\ninterviews/P01.txt,wo\x0bman,x\n{ODD_FILE},control,y\n")
    return b.root


def _project(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("project.qde")


def test_export_with_control_characters_is_valid_and_warns_once(poisoned, tmp_path, run_cli):
    target = tmp_path / "p.qdpx"
    code, out, err = run_cli("export", poisoned, "--qdpx", target, "--validate")
    assert code == 0, err
    assert "Valid against the REFI-QDA schema" in out
    xml = _project(target)
    assert schema_errors(xml, "Project") == []
    root = ET.fromstring(xml)  # well-formed
    names = [el.get("name") for el in root.iter("{urn:QDA-XML:project:1.0}Code")]
    assert "Bad\ufffd[2J" in names
    description = next(el for el in root.iter("{urn:QDA-XML:project:1.0}Code") if el.get("name") == "Bad\ufffd[2J")
    text = "".join(description.itertext())
    assert "Pasted\ufffdfrom Word" in text and "in\ufffdclude" in text and "ex\ufffdclude" in text
    assert "an \ufffd example" in text
    values = [el.text for el in root.iter("{urn:QDA-XML:project:1.0}TextValue")]
    assert "wo\ufffdman" in values
    memo = next(el.text for el in root.iter("{urn:QDA-XML:project:1.0}PlainTextContent"))
    assert memo == "red \ufffd[31m alert\ufffd from Word"
    assert b"\x1b" not in xml and b"\x0b" not in xml
    # the transcripts are plain text, not XML: written exactly
    with zipfile.ZipFile(target) as z:
        sources = [z.read(n) for n in z.namelist() if n.startswith("sources/")]
    assert sources == [MINI_TRANSCRIPT.encode("utf-8")] * 2
    # one warning names every place
    warnings = [line for line in err.splitlines() if line.startswith("warning:") and "XML cannot hold" in line]
    assert len(warnings) == 1
    [warning] = warnings
    assert "code personal (name, description)" in warning
    assert "attribute group (value for interviews/P01.txt)" in warning
    assert "attribute note\x07s (name)" in warning
    assert "memo of annotation alice-0000 (interviews/P01.txt, alice) (title, text)" in warning
    assert f"transcript {ODD_FILE} (name)" in warning
    assert "tcoder.json keeps the originals" in warning


def test_the_export_imports_back_exactly(poisoned, tmp_path, run_cli):
    target = tmp_path / "p.qdpx"
    assert run_cli("export", poisoned, "--qdpx", target)[0] == 0
    code, out, err = run_cli("import-qdpx", target, "--into", tmp_path / "back")
    assert code == 0, err
    assert "restored exactly" in out
    back = tmp_path / "back"
    for rel in ("codebook.yaml", "attributes.csv", ODD_FILE):
        assert (back / rel).read_bytes() == (poisoned / rel).read_bytes(), rel
    assert _annotations(back) == _annotations(poisoned)
    assert _annotations(back)[("interviews/P01.txt", "alice")][0]["memo"] == "red \x1b[31m alert\x0b from Word"


def _annotations(root) -> dict:
    study = open_study(root)
    return {(ref.name, coder): [a.to_dict() for a in study.load_annotations(ref, coder).file.annotations]
            for ref in study.transcripts for coder in study.coders_of(ref)}


def test_a_plain_export_imports_with_replacement_characters(poisoned, tmp_path, run_cli):
    target = tmp_path / "p.qdpx"
    code, out, err = run_cli("export", poisoned, "--qdpx", target, "--plain")
    assert code == 0, err
    assert "they are lost in this file" in err
    code, out, err = run_cli("import-qdpx", target, "--into", tmp_path / "back")
    assert code == 0, err
    codebook = (tmp_path / "back" / "codebook.yaml").read_text("utf-8")
    assert "Bad\ufffd[2J" in codebook
    assert run_cli("check", tmp_path / "back")[0] == 0


def test_a_qdc_with_control_characters_is_valid(poisoned, tmp_path, run_cli):
    target = tmp_path / "c.qdc"
    code, out, err = run_cli("export", poisoned, "--qdc", target, "--validate")
    assert code == 0, err
    assert schema_errors(target.read_bytes(), "Codebook") == []
    assert "code personal (name, description)" in err
    code, out, err = run_cli("import-qdc", target, "-o", tmp_path / "c.yaml")
    assert code == 0, err
    assert "Bad\ufffd[2J" in (tmp_path / "c.yaml").read_text("utf-8")


def test_a_clean_study_exports_without_the_warning(sample_study, tmp_path, run_cli):
    code, out, err = run_cli("export", sample_study, "--qdpx", tmp_path / "s.qdpx")
    assert code == 0 and "XML cannot hold" not in err

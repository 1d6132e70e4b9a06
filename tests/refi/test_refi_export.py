"""REFI-QDA export: validity against the official schemas, mapping, determinism."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
import zipfile

import pytest

from tcoder.refi.export import SIDECAR
from tcoder.refi.guids import Guids
from tcoder.refi.validate import schema_errors

NS = {"q": "urn:QDA-XML:project:1.0"}

TEXT = "Interviewer: Why medicine?\n\nAmara: My gran\u2019s clinic \U0001F3E5 \u2014 I saw it.\nAmara: Then \"we\" acted & <won>.\n"


@pytest.fixture
def coded(study_builder):
    b = study_builder
    b.codebook()
    b.transcript("interviews/P01.txt", TEXT)
    b.transcript("interviews/P02.txt", "Interviewer: Hi.\n\nBen: Nothing to add.\n")
    gran = TEXT.index("My gran")
    emoji_end = TEXT.index("\u2014")
    b.annotations("interviews/P01.txt", "alice", [("personal", gran, emoji_end), ("curriculum", TEXT.index("Then"),
                                                                                   len(TEXT) - 1)])
    b.annotations("interviews/P01.txt", "bob", [("personal", gran, TEXT.index(" I saw"))])
    path = b.root / "interviews/P01.alice.json"
    path.write_text(path.read_text("utf-8").replace('"code": "personal",', '"code": "personal", "memo": "gran & <clinic>",'),
                    "utf-8")
    b.attributes("transcript,group,age\nP01,intervention,34\nP02,control,29\n")
    return b.root


def export(run_cli, root, target, *extra):
    code, out, err = run_cli("export", root, "--qdpx", target, *extra)
    assert code == 0, err
    return out


def test_export_is_valid_and_maps_every_part(coded, tmp_path, run_cli):
    target = tmp_path / "p.qdpx"
    export(run_cli, coded, target)
    with zipfile.ZipFile(target) as z:
        xml = z.read("project.qde")
        names = z.namelist()
        assert schema_errors(xml, "Project") == []
        root = ET.fromstring(xml)
        users = [u.get("name") for u in root.iterfind("q:Users/q:User", NS)]
        assert users == ["alice", "bob"]
        top = root.findall("q:CodeBook/q:Codes/q:Code", NS)
        assert [c.get("name") for c in top] == ["Motivations", "Strategies", "Stance"]
        assert [c.get("name") for c in top[0].findall("q:Code", NS)] == ["Personal experience", "Professional duty"]
        assert all(c.get("color", "").startswith("#") for c in root.iter("{urn:QDA-XML:project:1.0}Code"))
        variables = {v.get("name"): v.get("typeOfVariable") for v in root.iterfind("q:Variables/q:Variable", NS)}
        # the folder is a variable: names have no path separators (QualCoder and qc use them as file names)
        assert variables == {"group": "Text", "age": "Integer", "tcoder folder": "Text"}
        cases = root.findall("q:Cases/q:Case", NS)
        assert [c.get("name") for c in cases] == ["P01.txt", "P02.txt"]
        sources = root.findall("q:Sources/q:TextSource", NS)
        p01 = sources[0]
        text = z.read("sources/" + p01.get("plainTextPath").removeprefix("internal://"))
        assert text == TEXT.encode("utf-8") and not text.startswith(b"\xef\xbb\xbf")
        selections = p01.findall("q:PlainTextSelection", NS)
        assert len(selections) == 3
        # positions are code points: the span ends just before the em dash, after an astral emoji
        gran = TEXT.index("My gran")
        starts = sorted((int(s.get("startPosition")), int(s.get("endPosition"))) for s in selections)
        assert (gran, TEXT.index("\u2014")) in starts
        memo_sel = [s for s in selections if s.find("q:NoteRef", NS) is not None]
        assert len(memo_sel) == 1
        note = root.find("q:Notes/q:Note", NS)
        assert note.get("guid") == memo_sel[0].find("q:NoteRef", NS).get("targetGUID")
        assert note.find("q:PlainTextContent", NS).text == "gran & <clinic>"
        assert SIDECAR in names and len([n for n in names if n.startswith("sources/")]) == 2


def test_reexport_is_byte_identical_and_guids_are_uuid5(coded, tmp_path, run_cli):
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    export(run_cli, coded, first)
    export(run_cli, coded, second)
    assert first.read_bytes() == second.read_bytes()
    guids = Guids("study")
    root = ET.fromstring(zipfile.ZipFile(first).read("project.qde"))
    user = root.find("q:Users/q:User", NS)
    assert user.get("guid") == str(uuid.uuid5(guids.namespace, "user\x00alice"))
    # another project name gives other GUIDs
    other = tmp_path / "c.qdpx"
    export(run_cli, coded, other, "--name", "Another study")
    root2 = ET.fromstring(zipfile.ZipFile(other).read("project.qde"))
    assert root2.find("q:Users/q:User", NS).get("guid") != user.get("guid")


def test_plain_export_has_no_sidecar(coded, tmp_path, run_cli):
    target = tmp_path / "p.qdpx"
    export(run_cli, coded, target, "--plain", "--validate")
    assert SIDECAR not in zipfile.ZipFile(target).namelist()


def test_qdc_is_valid_and_refuses_to_overwrite(coded, tmp_path, run_cli):
    target = tmp_path / "c.qdc"
    code, out, err = run_cli("export", coded, "--qdc", target, "--validate")
    assert code == 0, err
    assert schema_errors(target.read_bytes(), "Codebook") == []
    code, out, err = run_cli("export", coded, "--qdc", target)
    assert code == 2 and "--force" in err
    code, out, err = run_cli("export", coded, "--qdc", tmp_path / "c.txt")
    assert code == 2 and ".qdc" in err


def test_sample_study_exports_valid(sample_study, tmp_path, run_cli):
    target = tmp_path / "sample.qdpx"
    export(run_cli, sample_study, target)
    assert schema_errors(zipfile.ZipFile(target).read("project.qde"), "Project") == []


def test_spans_past_the_text_stop_the_export(coded, tmp_path, run_cli):
    import json

    path = coded / "interviews/P01.bob.json"
    data = json.loads(path.read_text("utf-8"))
    data["text_sha256"] = None
    data["annotations"][0].update(start=5, end=10_000, quote=None)
    del data["annotations"][0]["quote"]
    path.write_text(json.dumps(data), "utf-8")
    code, out, err = run_cli("export", coded, "--qdpx", tmp_path / "x.qdpx")
    assert code == 1 and "past the end" in err and "P01.bob.json" in err
    assert not (tmp_path / "x.qdpx").exists()


def test_a_code_missing_from_the_codebook_goes_out_as_a_top_level_code(coded, tmp_path, run_cli):
    path = coded / "interviews/P01.bob.json"
    path.write_text(path.read_text("utf-8").replace('"code": "personal"', '"code": "not-in-the-codebook"'), "utf-8")
    target = tmp_path / "out.qdpx"
    code, out, err = run_cli("export", coded, "--qdpx", target)
    assert code == 0, err
    assert "codes not in the codebook were exported as top-level codes: not-in-the-codebook" in err
    with zipfile.ZipFile(target) as archive:
        archive_xml = archive.read("project.qde")
    root = ET.fromstring(archive_xml)
    assert schema_errors(archive_xml, "Project") == []
    added = [c for c in root.findall("q:CodeBook/q:Codes/q:Code", NS) if c.get("name") == "not-in-the-codebook"]
    assert len(added) == 1
    refs = [r.get("targetGUID") for r in root.iter("{urn:QDA-XML:project:1.0}CodeRef")]
    assert refs.count(added[0].get("guid")) == 1

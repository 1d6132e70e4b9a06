"""REFI-QDA import: exact round trip, projects from other programs, unsafe archives."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tcoder.codebook import load_codebook
from tcoder.refi.export import SIDECAR
from tcoder.study import open_study

DATA = Path(__file__).parent / "data"


def annotations_of(root: Path) -> dict:
    """(transcript, coder) -> sorted list of every annotation field, read through the study API."""
    study = open_study(root)
    out = {}
    for ref in study.transcripts:
        for coder in study.coders_of(ref):
            loaded = study.load_annotations(ref, coder)
            out[(ref.name, coder)] = sorted((a.to_dict() for a in loaded.file.annotations), key=lambda d: d["id"])
    return out


def test_export_then_import_reproduces_the_sample_study_exactly(sample_study, tmp_path, run_cli):
    target = tmp_path / "s.qdpx"
    assert run_cli("export", sample_study, "--qdpx", target)[0] == 0
    code, out, err = run_cli("import-qdpx", target, "--into", tmp_path / "back")
    assert code == 0, err
    assert "restored exactly" in out
    before, after = annotations_of(sample_study), annotations_of(tmp_path / "back")
    assert before == after and sum(map(len, before.values())) > 100
    # every file of the study comes back byte for byte
    files = sorted(p.relative_to(sample_study) for p in sample_study.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "back") for p in (tmp_path / "back").rglob("*") if p.is_file())
    for rel in files:
        assert (sample_study / rel).read_bytes() == (tmp_path / "back" / rel).read_bytes(), rel


def test_without_the_sidecar_positions_codes_coders_and_memos_still_survive(sample_study, tmp_path, run_cli):
    target = tmp_path / "s.qdpx"
    assert run_cli("export", sample_study, "--qdpx", target, "--plain")[0] == 0
    code, out, err = run_cli("import-qdpx", target, "--into", tmp_path / "back")
    assert code == 0, err
    codebook = load_codebook(sample_study / "codebook.yaml")
    imported = load_codebook(tmp_path / "back" / "codebook.yaml")
    name_to_id = {c.name: c.id for c in imported}

    def key(d, names):
        return (d["start"], d["end"], names[d["code"]], d.get("memo") or "")

    before = {k: sorted(key(d, {c.id: c.name for c in codebook}) for d in v)
              for k, v in annotations_of(sample_study).items() if v}
    after = {k: sorted(key(d, {i: n for n, i in name_to_id.items()}) for d in v)
             for k, v in annotations_of(tmp_path / "back").items()}
    assert before == after
    assert [c.name for c in imported] == [c.name for c in codebook]  # the tree order and names
    assert (tmp_path / "back" / "attributes.csv").read_text("utf-8").startswith("transcript,")
    assert run_cli("check", tmp_path / "back")[0] == 0


def test_a_qdpx_written_by_qc(tmp_path, run_cli):
    """tests/refi/data/qc-export.qdpx was exported by the qualitative-coding package (see README.md)."""
    into = tmp_path / "qc"
    code, out, err = run_cli("import-qdpx", DATA / "qc-export.qdpx", "--into", into)
    assert code == 0, err
    assert "read from project.qde" in out
    codebook = load_codebook(into / "codebook.yaml")
    assert codebook.roots == ["motivation", "reception", "strategy"]
    assert codebook.descendants("strategy") == ["strategy", "curriculum", "outreach"]
    got = annotations_of(into)
    assert sorted(got) == [("amara.txt", "alice"), ("amara.txt", "bob"), ("jose.txt", "alice"), ("jose.txt", "bob")]
    assert sum(map(len, got.values())) == 12
    jose = (into / "jose.txt").read_text("utf-8")
    lines = jose.splitlines(keepends=True)
    # qc codes whole lines (newline included); positions are code points, the emoji is one
    alice = {(d["code"], jose[d["start"]:d["end"]]) for d in got[("jose.txt", "alice")]}
    assert alice == {("curriculum", lines[2]), ("resistance", lines[4]), ("support", lines[5])}
    assert "\U0001F642" in lines[2]
    bob = sorted(d["code"] for d in got[("jose.txt", "bob")])
    assert bob == ["curriculum", "duty", "support"]
    amara_alice = {d["code"] for d in got[("amara.txt", "alice")]}
    assert amara_alice == {"personal_experience", "curriculum", "outreach"}
    # importing the same file twice gives the same ids
    run_cli("import-qdpx", DATA / "qc-export.qdpx", "--into", tmp_path / "again")
    assert annotations_of(tmp_path / "again") == got
    assert run_cli("check", into)[0] == 0


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)  # keeps names as given, backslashes and all
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return path


PROJECT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="t"><Users><User guid="11111111-1111-1111-1111-111111111111" name="Dr. Jane Roe"/></Users>
<CodeBook><Codes><Code guid="22222222-2222-2222-2222-222222222222" name="Cost of care" isCodable="true" color="#ff0000"/></Codes></CodeBook>
<Sources><TextSource guid="33333333-3333-3333-3333-333333333333" name="../../evil" plainTextPath="internal://33333333-3333-3333-3333-333333333333.txt">
<PlainTextSelection guid="44444444-4444-4444-4444-444444444444" startPosition="8" endPosition="13" creatingUser="11111111-1111-1111-1111-111111111111">
<Coding guid="55555555-5555-5555-5555-555555555555"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
<NoteRef targetGUID="66666666-6666-6666-6666-666666666666"/></PlainTextSelection></TextSource></Sources>
<Notes><Note guid="66666666-6666-6666-6666-666666666666" name="n"><PlainTextContent>why?</PlainTextContent></Note></Notes></Project>"""


SOURCE_GUID = "33333333-3333-3333-3333-333333333333"  # PROJECT's one text source


def test_crlf_sources_are_mapped_to_canonical_offsets(tmp_path, run_cli):
    text = "line 1\r\nline 2\r\n"  # REFI positions count the CR: 'line 2' is [8, 14)
    archive = _zip(tmp_path / "crlf.qdpx", {"project.qde": PROJECT,
                                           "sources/33333333-3333-3333-3333-333333333333.txt": text.encode()})
    code, out, err = run_cli("import-qdpx", archive, "--into", tmp_path / "s")
    assert code == 0, err
    # the source name '../../evil' stays inside the study
    assert (tmp_path / "s" / "evil.txt").read_text("utf-8") == "line 1\nline 2\n"
    got = annotations_of(tmp_path / "s")
    [(key, [a])] = got.items()
    assert key == ("evil.txt", "dr-jane-roe")
    assert (a["start"], a["end"], a["quote"], a["memo"], a["code"]) == (7, 12, "line ", "why?", "cost-of-care")
    assert load_codebook(tmp_path / "s" / "codebook.yaml")["cost-of-care"].color == "#FF0000"


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.txt", "sources/../../x.txt", "C:/Windows/x.txt",
                                  "sources\\..\\..\\x.txt"])
def test_unsafe_entry_names_are_refused(tmp_path, run_cli, name):
    archive = _zip(tmp_path / "bad.qdpx", {"project.qde": PROJECT, name: b"x"})
    code, out, err = run_cli("import-qdpx", archive, "--into", tmp_path / "s")
    assert code == 1
    assert repr(name) in err and ("absolute" in err or "'..'" in err)
    assert not (tmp_path / "s").exists()


def test_archives_that_expand_past_the_limit_are_refused(tmp_path, run_cli):
    archive = _zip(tmp_path / "bomb.qdpx", {"project.qde": PROJECT,
                                            f"sources/{SOURCE_GUID}.txt": b"0" * (3 * 1024 * 1024)})
    assert archive.stat().st_size < 64 * 1024  # small on disk, large once inflated
    code, out, err = run_cli("import-qdpx", archive, "--into", tmp_path / "s", "--max-size", "1")
    assert code == 1 and "zip bomb" in err and "--max-size" in err
    assert not (tmp_path / "s").exists()
    assert run_cli("import-qdpx", archive, "--into", tmp_path / "ok", "--max-size", "10")[0] == 0


def test_a_lying_size_header_is_caught_while_reading(tmp_path):
    from tcoder.errors import TcoderError
    from tcoder.refi.archive import SafeArchive

    archive = _zip(tmp_path / "a.qdpx", {"project.qde": b"x" * 5000})
    with SafeArchive(archive, max_bytes=4096 * 2) as safe:
        safe.max_bytes = 4096  # as if the header had declared less than the member inflates to
        with pytest.raises(TcoderError, match="zip bomb"):
            safe.read("project.qde")


def test_bad_inputs_give_clear_errors(tmp_path, run_cli):
    not_zip = tmp_path / "x.qdpx"
    not_zip.write_text("hello")
    code, out, err = run_cli("import-qdpx", not_zip, "--into", tmp_path / "s")
    assert code == 1 and "zip archive" in err
    no_project = _zip(tmp_path / "y.qdpx", {"sources/a.txt": b"a"})
    code, out, err = run_cli("import-qdpx", no_project, "--into", tmp_path / "s")
    assert code == 1 and "no project.qde" in err
    broken = _zip(tmp_path / "z.qdpx", {"project.qde": b"<Project><Users>"})
    code, out, err = run_cli("import-qdpx", broken, "--into", tmp_path / "s")
    assert code == 1 and "not well-formed XML" in err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    code, out, err = run_cli("import-qdpx", DATA / "qc-export.qdpx", "--into", tmp_path / "full")
    assert code == 1 and "not empty" in err
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_a_tampered_sidecar_is_ignored_with_a_warning(sample_study, tmp_path, run_cli):
    target = tmp_path / "s.qdpx"
    run_cli("export", sample_study, "--qdpx", target)
    with zipfile.ZipFile(target) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    sidecar = json.loads(entries[SIDECAR])
    sidecar["sources"] = {}
    entries[SIDECAR] = json.dumps(sidecar).encode()
    _zip(target, entries)
    code, out, err = run_cli("import-qdpx", target, "--into", tmp_path / "back")
    assert code == 0 and "does not match project.qde" in err and "read from project.qde" in out


def test_qdc_round_trip_keeps_tree_names_colours_and_definitions(sample_study, tmp_path, run_cli):
    qdc = tmp_path / "c.qdc"
    assert run_cli("export", sample_study, "--qdc", qdc)[0] == 0
    code, out, err = run_cli("import-qdc", qdc, "-o", tmp_path / "c.yaml")
    assert code == 0, err
    original = load_codebook(sample_study / "codebook.yaml")
    back = load_codebook(tmp_path / "c.yaml")
    assert len(back) == len(original)
    for a, b in zip(original, back, strict=True):
        assert (a.name, a.description, a.include, a.exclude, a.color, a.depth) == \
               (b.name, b.description, b.include, b.exclude, b.color, b.depth)
        assert b.examples == tuple(" ".join(e.split()) for e in a.examples)  # one line each
    code, out, err = run_cli("import-qdc", qdc, "-o", tmp_path / "c.yaml")
    assert code == 2 and "--force" in err
    not_codebook = tmp_path / "p.qdc"
    not_codebook.write_text('<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>')
    code, out, err = run_cli("import-qdc", not_codebook, "-o", "-")
    assert code == 1 and "<CodeBook>" in err

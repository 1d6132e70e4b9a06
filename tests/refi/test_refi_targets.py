"""Export for a program (--for), names without folders, memos in both places, sets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from realkit import imported_passages, in_place, stored_passages

from tcoder.refi.validate import schema_errors

NS = {"q": "urn:QDA-XML:project:1.0"}
T = ("Interviewer: How did it start? \U0001F600\n\nAmara: My gran \U0001F64F was treated badly.\n"
     "It stayed with me \U0001F393.\n\nInterviewer: Thanks.\n")


@pytest.fixture
def emoji_study(study_builder):
    b = study_builder
    b.codebook()
    b.transcript("interviews/P01.txt", T)
    b.transcript("pilot/P01.txt", "Interviewer: Hello.\n\nBo: Hi.\n")
    b.annotations("interviews/P01.txt", "alice", [("personal", T.index("My gran"), T.index(" was")),
                                                  ("duty", T.index("It stayed"), T.index("\U0001F393") + 1)])
    path = b.root / "interviews/P01.alice.json"
    path.write_text(path.read_text("utf-8").replace('"code": "duty",', '"code": "duty", "memo": "why it stayed",'),
                    "utf-8")
    b.attributes("transcript,group,set: Intervention\ninterviews/P01.txt,a,yes\npilot/P01.txt,b,no\n")
    (b.root / "themes.yaml").write_text("themes:\n  - id: why\n    name: Why\n    status: reviewed\n"
                                        "    definition: Reasons\n    codes: [personal, duty]\n", "utf-8")
    return b.root


def _export(run_cli, root: Path, target: Path, *extra: str) -> str:
    code, out, err = run_cli("export", root, "--qdpx", target, *extra)
    assert code == 0, err
    return out + err


def _p01(archive: zipfile.ZipFile):
    root = ET.fromstring(archive.read("project.qde"))
    source = next(s for s in root.iterfind("q:Sources/q:TextSource", NS) if s.get("name") == "P01 (interviews).txt")
    data = archive.read("sources/" + source.get("plainTextPath").removeprefix("internal://"))
    return root, source, data


@pytest.mark.parametrize("program, bom, crlf", [("nvivo", True, True), ("maxqda", True, True),
                                                ("atlasti", True, True), ("qualcoder", False, False)])
def test_export_for_a_program_counts_its_way_and_comes_back_in_place(emoji_study, tmp_path, run_cli,
                                                                     program, bom, crlf):
    target = tmp_path / f"{program}.qdpx"
    said = _export(run_cli, emoji_study, target, "--for", program, "--plain", "--validate")
    with zipfile.ZipFile(target) as archive:
        root, source, data = _p01(archive)
    assert data.startswith(b"\xef\xbb\xbf") == bom
    text = data.decode("utf-8-sig")
    assert ("\r\n" in text) == crlf
    for sel in source.iterfind("q:PlainTextSelection", NS):
        start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
        if program == "nvivo":  # UTF-16 code units over the CRLF text
            units = text.encode("utf-16-le")
            covered = units[2 * start:2 * end].decode("utf-16-le")
        elif crlf:  # a CRLF counted as one: code points over the text with LF
            covered = text.replace("\r\n", "\n")[start:end]
        else:
            covered = text[start:end]
        assert covered.replace("\r\n", "\n") == sel.get("name")  # each selection stores its own text
    if program in ("maxqda", "atlasti"):
        assert "is not known" in said  # emoji: how these count them is not verified
    into = tmp_path / "back"
    assert run_cli("import-qdpx", target, "--into", into)[0] == 0
    assert in_place(stored_passages(target), imported_passages(into)) == 2  # 2 of 2 in place


def test_names_have_no_folders_and_come_back_to_their_place(emoji_study, tmp_path, run_cli):
    target = tmp_path / "p.qdpx"
    _export(run_cli, emoji_study, target, "--plain")
    root = ET.fromstring(zipfile.ZipFile(target).read("project.qde"))
    names = sorted(s.get("name") for s in root.iterfind("q:Sources/q:TextSource", NS))
    assert names == ["P01 (interviews).txt", "P01 (pilot).txt"]  # same file name, two folders
    assert not any("/" in (el.get("name") or "") for el in root.iter() if el.tag.endswith(("Source", "Case")))
    into = tmp_path / "back"
    assert run_cli("import-qdpx", target, "--into", into)[0] == 0
    assert (into / "interviews/P01.txt").read_text("utf-8") == T
    assert (into / "pilot/P01.txt").is_file()
    assert "tcoder folder" not in (into / "attributes.csv").read_text("utf-8")


def test_memo_goes_into_the_note_and_the_description_and_comes_back_once(emoji_study, tmp_path, run_cli):
    target = tmp_path / "p.qdpx"
    _export(run_cli, emoji_study, target, "--plain")
    with zipfile.ZipFile(target) as archive:
        root, source, _ = _p01(archive)
        assert schema_errors(archive.read("project.qde"), "Project") == []
    memo_sel = [s for s in source.iterfind("q:PlainTextSelection", NS) if s.find("q:Description", NS) is not None]
    assert [s.find("q:Description", NS).text for s in memo_sel] == ["why it stayed"]
    assert memo_sel[0].find("q:NoteRef", NS) is not None
    into = tmp_path / "back"
    code, out, _ = run_cli("import-qdpx", target, "--into", into)
    assert code == 0 and "1 memo," in out
    memos = [a["memo"] for a in __import__("json").loads((into / "interviews/P01.alice.json").read_text("utf-8"))
             ["annotations"] if "memo" in a]
    assert memos == ["why it stayed"]


def test_document_sets_and_themes_go_out_as_sets_and_come_back(emoji_study, tmp_path, run_cli):
    target = tmp_path / "p.qdpx"
    out = _export(run_cli, emoji_study, target, "--plain", "--validate")
    assert "2 sets" in out
    root = ET.fromstring(zipfile.ZipFile(target).read("project.qde"))
    sets = {s.get("name"): s for s in root.iterfind("q:Sets/q:Set", NS)}
    assert sorted(sets) == ["Intervention", "Why"]
    assert len(sets["Intervention"].findall("q:MemberSource", NS)) == 1
    assert len(sets["Why"].findall("q:MemberCode", NS)) == 2
    variables = [v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)]
    assert "set: Intervention" not in variables
    into = tmp_path / "back"
    code, out, err = run_cli("import-qdpx", target, "--into", into)
    assert code == 0, err
    rows = (into / "attributes.csv").read_text("utf-8").splitlines()
    assert rows[0] == "transcript,group,set: Intervention"
    assert rows[1:] == ["interviews/P01.txt,a,yes", "pilot/P01.txt,b,no"]
    from tcoder.themes import read_themes

    themes = read_themes(into / "themes.yaml")  # a theme tcoder exported comes back as it was
    assert [(t.id, t.name, t.status, t.definition, t.codes) for t in themes] == [
        ("why", "Why", "reviewed", "Reasons", ["personal-experience", "professional-duty"])]  # as exported


def test_atlasti_code_groups_in_a_qdc_become_candidate_themes(tmp_path, run_cli):
    """A real ATLAS.ti 23.4 codebook (members named with guid=, not targetGUID=)."""
    real = Path(__file__).parent / "data" / "real" / "atlasti-23.4-code-groups.qdc"
    code, out, err = run_cli("import-qdc", real, "-o", tmp_path / "codebook.yaml")
    assert code == 0, err
    assert "1 set of codes (code groups) as candidate themes" in out
    from tcoder.themes import read_themes

    themes = read_themes(tmp_path / "themes.yaml")
    assert [(t.id, t.name, t.status, t.definition, t.codes) for t in themes] == [
        ("code-group-1", "code group 1", "candidate", "kategorie 1", ["code1"])]


def test_themes_go_into_a_qdc_and_back(emoji_study, tmp_path, run_cli):
    target = tmp_path / "c.qdc"
    code, out, err = run_cli("export", emoji_study, "--qdc", target, "--validate")
    assert code == 0, err
    (tmp_path / "back").mkdir()
    code, out, err = run_cli("import-qdc", target, "-o", tmp_path / "back" / "codebook.yaml")
    assert code == 0, err
    from tcoder.themes import read_themes

    assert "1 theme as tcoder exported them" in out
    assert [(t.id, t.name, t.status, t.definition, t.codes) for t in read_themes(tmp_path / "back" / "themes.yaml")] \
        == [("why", "Why", "reviewed", "Reasons", ["personal-experience", "professional-duty"])]


def test_the_sample_studys_themes_go_into_a_qdc_and_back_as_they_were(sample_study, tmp_path, run_cli):
    """Status, ids, sub-themes, concept and definition: a .qdc carries them as a .qdpx does."""
    from tcoder.study import open_study
    from tcoder.themes import read_themes

    target = tmp_path / "c.qdc"
    assert run_cli("export", sample_study, "--qdc", target, "--validate")[0] == 0
    (tmp_path / "back").mkdir()
    code, out, err = run_cli("import-qdc", target, "-o", tmp_path / "back" / "codebook.yaml")
    assert code == 0, err
    original, codebook = read_themes(sample_study / "themes.yaml"), open_study(sample_study).codebook
    from tcoder.codebook import load_codebook

    back, back_codebook = read_themes(tmp_path / "back" / "themes.yaml"), load_codebook(tmp_path / "back" /
                                                                                        "codebook.yaml")

    def comparable(themes, cb):
        return sorted((t.id, t.name, t.status, t.concept, t.definition, sorted(cb[c].name for c in t.codes),
                       t.subthemes) for t in themes)

    assert len(original) == 6 and comparable(back, back_codebook) == comparable(original, codebook)


def test_a_document_memo_in_the_source_description_comes_in_once(mini_study, tmp_path, run_cli):
    """QualCoder keeps a memo on a document in its TextSource's Description; tcoder writes a memo on
    a whole transcript both there and as a note, and reads the two as one."""
    from tcoder.memos import Link, new_memo, save_memo
    from tcoder.memoset import load_memos
    from tcoder.study import open_study

    memo = new_memo("transcript", author="alice", title="About P01", body="Spoke fast; nervous at first.\n")
    memo.links.append(Link("transcript", "interviews/P01.txt"))
    (mini_study.root / "memos").mkdir()
    save_memo(memo, mini_study.root / "memos" / "p01.md")
    target = tmp_path / "p.qdpx"
    assert run_cli("export", mini_study.root, "--qdpx", target, "--plain", "--validate")[0] == 0
    root = ET.fromstring(zipfile.ZipFile(target).read("project.qde"))
    source = root.find("q:Sources/q:TextSource", NS)
    assert source.find("q:Description", NS).text == "Spoke fast; nervous at first."
    assert run_cli("import-qdpx", target, "--into", tmp_path / "back")[0] == 0
    memos = list(load_memos(open_study(tmp_path / "back")))
    assert [(m.kind, m.body.strip(), [link.target for link in m.links]) for m in memos] == [
        ("transcript", "Spoke fast; nervous at first.", ["interviews/P01.txt"])]
    # the Description alone, as QualCoder writes it
    for note in list(root.iter("{urn:QDA-XML:project:1.0}Notes")):
        root.remove(note)
    for ref in list(source.findall("q:NoteRef", NS)):
        source.remove(ref)
    alone = tmp_path / "alone.qdpx"
    with zipfile.ZipFile(target) as original, zipfile.ZipFile(alone, "w") as out:
        for name in original.namelist():
            out.writestr(name, ET.tostring(root) if name == "project.qde" else original.read(name))
    assert run_cli("import-qdpx", alone, "--into", tmp_path / "alone")[0] == 0
    memos = list(load_memos(open_study(tmp_path / "alone")))
    assert [(m.kind, m.body.strip()) for m in memos] == [("transcript", "Spoke fast; nervous at first.")]

"""REFI-QDA projects written by other programs (tests/refi/data/real/, origins in SOURCES.md):
every import states how many passages are in place, i.e. on the text the file says they cover."""

from __future__ import annotations

from pathlib import Path

import pytest
from realkit import imported_passages, in_place, stored_passages, utf16_passages

REAL = Path(__file__).parent / "data" / "real"


def _import(run_cli, name: str, into: Path, *extra: str) -> str:
    code, out, err = run_cli("import-qdpx", REAL / name, "--into", into, *extra)
    assert code == 0, err
    return out


@pytest.mark.parametrize("name, passages", [("nvivo-win-12.6.qdpx", 303), ("nvivo-mac-12.7.qdpx", 297)])
def test_nvivo_positions_are_utf16_code_units(name, passages, tmp_path, run_cli):
    """NVivo counts UTF-16 code units: read as code points, every passage after the first emoji
    lands on the wrong text. The files store no passage text; the oracle is the UTF-16 slice."""
    out = _import(run_cli, name, tmp_path / "s")
    assert "Positions read as UTF-16 code units" in out
    assert "inferred" in out  # said plainly: nothing in the file confirms it passage by passage
    expected, imported = utf16_passages(REAL / name), imported_passages(tmp_path / "s")
    assert sum(expected.values()) == passages
    assert in_place(expected, imported) == passages  # 303 of 303 (Windows), 297 of 297 (Mac) in place
    assert run_cli("check", tmp_path / "s")[0] == 0


@pytest.mark.parametrize("name, wrong", [("nvivo-win-12.6.qdpx", 290), ("nvivo-mac-12.7.qdpx", 284)])
def test_nvivo_read_as_code_points_would_misplace_most_passages(name, wrong):
    """What 0.1 did, measured on the same files without tcoder's code: the text at each selection's
    positions taken as code points differs from the UTF-16 slice for 290 of 303 (284 of 297)."""
    import xml.etree.ElementTree as ET
    import zipfile

    with zipfile.ZipFile(REAL / name) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        names = {n.lower(): n for n in archive.namelist()}
        differ = total = 0
        for source in (el for el in root.iter() if el.tag.endswith("}TextSource")):
            rest = source.get("plainTextPath").split("://")[1]
            raw = archive.read(names.get(f"sources/{rest}".lower()) or names[rest.lower()]).decode("utf-8")
            text = raw.lstrip("\ufeff")
            units = text.encode("utf-16-le")
            for sel in (c for c in source if c.tag.endswith("}PlainTextSelection")):
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                codings = sum(1 for c in sel if c.tag.endswith("}Coding"))
                total += codings
                differ += codings * (text[start:end] != units[2 * start:2 * end].decode("utf-16-le"))
    assert differ == wrong and total - differ < 15


def test_qualcoder_export_for_maxqda_counts_crlf_as_one(tmp_path, run_cli):
    """QualCoder's "line endings for MAXQDA" export: CRLF in the text files, positions counted as
    if each were one character; every selection stores its text."""
    out = _import(run_cli, "qualcoder-maxqda-lineendings.qdpx", tmp_path / "s", "--partial")
    assert "a CRLF line end as one position: 709 of 709" in out
    assert "In place: 709 of 709" in out
    expected, imported = stored_passages(REAL / "qualcoder-maxqda-lineendings.qdpx"), imported_passages(tmp_path / "s")
    assert sum(expected.values()) == 709
    assert in_place(expected, imported) == 709  # 709 of 709 in place (0 of 709 read the standard way)


def test_qc_132_bare_paths_and_line_names(tmp_path, run_cli):
    """qc 1.3.2: plainTextPath without internal://, no source names, selections named line:N."""
    out = _import(run_cli, "qc-1.3.2.qdpx", tmp_path / "s")
    assert "In place: 205 of 205" in out
    assert sorted(p.name for p in (tmp_path / "s").glob("*.txt")) == ["admin-1.txt", "board_2017.txt"]
    expected, imported = stored_passages(REAL / "qc-1.3.2.qdpx"), imported_passages(tmp_path / "s")
    assert in_place(expected, imported) == sum(expected.values()) == 205  # 205 of 205 in place


def test_requal_inline_text(tmp_path, run_cli):
    """requal: the text both inline (PlainTextContent) and as a bare file name."""
    _import(run_cli, "requal.qdpx", tmp_path / "s", "--partial")
    text = (tmp_path / "s" / "Document 1.txt").read_text("utf-8")
    passages = imported_passages(tmp_path / "s")
    expected = {("Theme A", " ".join(text[0:31].split())): 1, ("Theme B", " ".join(text[32:55].split())): 1}
    assert passages == expected  # 2 of 2 in place


def _project(path: Path, text: str, selections: list[tuple[int, int, str]], origin: str = "Some program") -> Path:
    """A minimal project whose selections store their text in ``name``."""
    import zipfile
    from xml.sax.saxutils import quoteattr

    sels = "".join(
        f'<PlainTextSelection guid="00000000-0000-0000-0000-{i:012d}" name={quoteattr(name)} startPosition="{s}" '
        f'endPosition="{e}"><Coding guid="10000000-0000-0000-0000-{i:012d}" creatingUser="u1">'
        '<CodeRef targetGUID="c1"/></Coding></PlainTextSelection>' for i, (s, e, name) in enumerate(selections))
    qde = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="{origin}"><Users><User guid="u1" name="Ana"/>'
           '</Users><CodeBook><Codes><Code guid="c1" name="Care" isCodable="true"/></Codes></CodeBook><Sources>'
           f'<TextSource guid="s1" name="P01" plainTextPath="internal://s1.txt">{sels}</TextSource></Sources>'
           "</Project>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/s1.txt", text.encode("utf-8"))
    return path


TEXT = "Interviewer: What happened?\r\nAna: The nurse was kind. Then she left.\r\nInterviewer: And then?\r\n"


def test_a_selection_whose_text_is_elsewhere_moves_to_it_and_is_listed(tmp_path, run_cli):
    canonical = TEXT.replace("\r\n", "\n")
    kind = canonical.index("The nurse was kind.")
    left = canonical.index("Then she left.")
    qdpx = _project(tmp_path / "p.qdpx", TEXT, [
        (kind + 1, kind + 1 + len("The nurse was kind."), "The nurse was kind."),  # CRLF as two: in place
        (left + 3, left + 3 + 14, "Then she left."),  # three off: found where its text is
    ])
    code, out, err = run_cli("import-qdpx", qdpx, "--into", tmp_path / "s")
    assert code == 0, err
    assert "In place: 1 of 2" in out and "1 selection was moved to where their text is" in out
    assert "moved: P01.txt, selection 00000000-0000-0000-0000-000000000001 ('Then she left.')" in err
    assert in_place(stored_passages(qdpx), imported_passages(tmp_path / "s")) == 2  # 2 of 2 in place
    code, out, err = run_cli("check", tmp_path / "s")
    assert code == 0 and "came from another program" not in out + err


def test_a_selection_whose_text_is_nowhere_is_kept_flagged_and_check_sees_it(tmp_path, run_cli):
    canonical = TEXT.replace("\r\n", "\n")
    kind = canonical.index("The nurse was kind.")
    qdpx = _project(tmp_path / "p.qdpx", TEXT, [
        (kind + 1, kind + 1 + 19, "The nurse was kind."),
        (kind + 1, kind + 1 + 19, "Kindness (renamed quotation)"),  # a title given in the program
    ])
    code, out, err = run_cli("import-qdpx", qdpx, "--into", tmp_path / "s")
    assert code == 0, err
    assert "In place: 1 of 2" in out and "flagged for 'tcoder check'" in out
    assert "not on its text: P01.txt, selection 00000000-0000-0000-0000-000000000001" in err
    assert in_place(stored_passages(qdpx), imported_passages(tmp_path / "s")) == 1  # 1 of 2 in place
    code, out, err = run_cli("check", tmp_path / "s")
    assert "which stored the text 'Kindness (renamed quotation)'" in out + err
    assert "the passage at its offsets is 'The nurse was kind.'" in out + err


def test_positions_past_the_end_but_text_found_are_placed(tmp_path, run_cli):
    """A selection that does not fit the text at all is still placed when its stored text is there."""
    qdpx = _project(tmp_path / "p.qdpx", TEXT, [(500, 514, "Then she left.")])
    code, out, err = run_cli("import-qdpx", qdpx, "--into", tmp_path / "s")
    assert code == 0, err
    assert in_place(stored_passages(qdpx), imported_passages(tmp_path / "s")) == 1  # 1 of 1 in place


def test_without_stored_text_passages_between_words_decide(tmp_path, run_cli):
    """No selection stores its text: the way of counting under which passages start and end
    between words is used, and the message says it was inferred."""
    canonical = TEXT.replace("\r\n", "\n")
    start = canonical.index("Interviewer: And")
    qdpx = _project(tmp_path / "p.qdpx", TEXT, [(start, start + 11, "")], origin="ATLAS.ti Win 23.4.0")
    code, out, err = run_cli("import-qdpx", qdpx, "--into", tmp_path / "s")
    assert code == 0, err
    assert "a CRLF line end as one position" in out and "inferred" in out
    text = (tmp_path / "s" / "P01.txt").read_text("utf-8")
    assert imported_passages(tmp_path / "s") == {("Care", "Interviewer"): 1}
    assert text.count("\n") == 3


def _analysis_in(qdpx: Path) -> dict[str, int]:
    """Sets, notes and descriptions as the file holds them, read without tcoder's importer."""
    import xml.etree.ElementTree as ET
    import zipfile

    with zipfile.ZipFile(qdpx) as archive:
        root = ET.fromstring(archive.read("project.qde"))

    def tag(el):
        return el.tag.rsplit("}", 1)[-1]

    def described(el):
        return any(tag(c) == "Description" and (c.text or "").strip() for c in el)

    sets = [[tag(m) for m in s] for s in root.iter() if tag(s) == "Set"]
    return {"code sets": sum("MemberCode" in s or "MemberSource" not in s for s in sets),
            "document sets": sum("MemberSource" in s for s in sets),
            "memos": sum(tag(e) == "Note" for e in root.iter())
            + sum(described(e) for e in root.iter() if tag(e) in ("PlainTextSelection", "TextSource"))}


def _analysis_out(study: Path) -> dict[str, int]:
    import csv

    from tcoder.memoset import load_memos
    from tcoder.study import open_study
    from tcoder.themes import read_themes

    opened = open_study(study)
    header = next(csv.reader((study / "attributes.csv").open())) if (study / "attributes.csv").is_file() else []
    annotation_memos = sum(1 for ref in opened.transcripts for coder in opened.coders_of(ref)
                           for a in opened.load_annotations(ref, coder).file.annotations if a.memo)
    return {"code sets": len(read_themes(opened.themes_path)) if opened.themes_path.is_file() else 0,
            "document sets": sum(c.startswith("set: ") for c in header),
            "memos": len(load_memos(opened)) + annotation_memos}


@pytest.mark.parametrize("name", ["nvivo-win-12.6.qdpx", "nvivo-mac-12.7.qdpx", "qc-1.3.2.qdpx", "requal.qdpx",
                                  "qualcoder-maxqda-lineendings.qdpx"])
def test_sets_notes_and_descriptions_all_come_in(name, tmp_path, run_cli):
    """Counts in = counts out: every set (of codes: a theme; of documents: a set column), every note
    and every description (a memo file, or the memo of the annotation it is on)."""
    _import(run_cli, name, tmp_path / "s", "--partial")
    counts_in = _analysis_in(REAL / name)
    assert _analysis_out(tmp_path / "s") == counts_in
    if name in ("requal.qdpx", "qualcoder-maxqda-lineendings.qdpx"):
        assert counts_in["memos"] == 3 and counts_in["code sets"] == (name == "requal.qdpx")

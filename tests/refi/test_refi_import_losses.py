"""An import never drops codings or notes silently: what cannot be placed is counted per
source and reason, and stops the import (nothing written) unless --partial. Also: ids made
from names are slugs everywhere, and a study that cannot be written is a clear error."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from tcoder.codebook import load_codebook
from tcoder.numbers import plural
from tcoder.study import open_study

GUID = "{:08d}-0000-0000-0000-000000000000".format


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def _without(archive: Path, target: Path, drop) -> Path:
    with zipfile.ZipFile(archive) as z:
        return _zip(target, {n: z.read(n) for n in z.namelist() if not drop(n)})


def _annotation_count(root: Path) -> tuple[int, int]:
    study = open_study(root)
    annotations = [a for ref in study.transcripts for coder in study.coders_of(ref)
                   for a in study.load_annotations(ref, coder).file.annotations]
    return len(annotations), sum(1 for a in annotations if a.memo)


def _counts(err: str) -> dict[str, tuple[int, int]]:
    """source -> (codings, notes) from the per-source lines."""
    found = {}
    pattern = r"text source '([^']+)': (\d+) codings?(?: and (\d+) notes?)? (?:cannot be placed|left out)"
    for m in re.finditer(pattern, err):
        found[m.group(1)] = (int(m.group(2)), int(m.group(3) or 0))
    return found


def test_a_project_without_its_texts_is_refused_and_nothing_is_written(sample_study, tmp_path, run_cli):
    full = tmp_path / "full.qdpx"
    assert run_cli("export", sample_study, "--qdpx", full)[0] == 0
    stripped = _without(full, tmp_path / "q.qdpx", lambda n: n.startswith("sources/") or n == "tcoder.json")
    annotations, memos = _annotation_count(sample_study)
    from tcoder.memoset import load_memos

    study = open_study(sample_study)
    names = {r.name for r in study.transcripts}
    # memo files on a transcript, a passage or an annotation go out as notes on its source: lost with it;
    # the others keep their text in a file under sources/ (as QualCoder reads journals): lost with it too
    on_sources = sum(1 for m in load_memos(study) if any(link.transcript_name in names for link in m.links))
    elsewhere = len(load_memos(study)) - on_sources
    memos += on_sources
    into = tmp_path / "out"
    code, out, err = run_cli("import-qdpx", stripped, "--into", into)
    assert code == 1
    assert not into.exists()
    per_source = _counts(err)
    assert sorted(per_source) == sorted(r.name for r in open_study(sample_study).transcripts)
    assert sum(c for c, _ in per_source.values()) == annotations
    assert sum(n for _, n in per_source.values()) == memos
    assert "is not in the archive" in err
    assert err.count("the text of a note is missing") == elsewhere
    assert f"{plural(annotations, 'coding')} and {plural(memos + elsewhere, 'note')} in all would be lost" in err
    assert "--partial" in err and "was not created" in err


def test_partial_imports_the_rest_and_warns_with_every_count(sample_study, tmp_path, run_cli):
    full = tmp_path / "full.qdpx"
    assert run_cli("export", sample_study, "--qdpx", full)[0] == 0
    one = next(r.name for r in open_study(sample_study).transcripts)
    with zipfile.ZipFile(full) as z:
        import json

        sources = json.loads(z.read("tcoder.json"))["sources"]
    missing = f"sources/{next(g for g, name in sources.items() if name == one)}.txt"
    stripped = _without(full, tmp_path / "q.qdpx", lambda n: n == missing)
    code, out, err = run_cli("import-qdpx", stripped, "--into", tmp_path / "refused")
    assert code == 1 and list(_counts(err)) == [one] and not (tmp_path / "refused").exists()
    lost = _counts(err)[one]

    into = tmp_path / "out"
    code, out, err = run_cli("import-qdpx", stripped, "--into", into, "--partial")
    assert code == 0, err
    assert _counts(err) == {one: lost}
    assert f"text source '{one}': {plural(lost[0], 'coding')} and {plural(lost[1], 'note')} left out (--partial): its text is " \
           "missing" in err
    assert f"{plural(lost[0], 'coding')} and {plural(lost[1], 'note')} left out" in out
    annotations, memos = _annotation_count(sample_study)
    from tcoder.memoset import load_memos

    # of the notes lost, those of memo files on that transcript are not annotation memos
    file_notes = sum(1 for m in load_memos(open_study(sample_study)) if any(link.transcript_name == one
                                                                          for link in m.links))
    assert _annotation_count(into) == (annotations - lost[0], memos - (lost[1] - file_notes))
    assert not (into / one).exists()


PROJECT = """<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="t">
<Users><User guid="{u}" name="Ann"/></Users>
<CodeBook><Codes><Code guid="{c}" name="Cost of care" isCodable="true"/></Codes></CodeBook>
<Sources>
<TextSource guid="{s}" name="one" plainTextPath="internal://{s}.txt">
  <NoteRef targetGUID="{n3}"/>
  <PlainTextSelection guid="{g1}" startPosition="0" endPosition="4" creatingUser="{u}">
    <Coding guid="{k1}"><CodeRef targetGUID="{c}"/></Coding></PlainTextSelection>
  <PlainTextSelection guid="{g2}" startPosition="5" endPosition="999" creatingUser="{u}">
    <Coding guid="{k2}"><CodeRef targetGUID="{c}"/></Coding>
    <Coding guid="{k3}"><CodeRef targetGUID="{c}"/></Coding><NoteRef targetGUID="{n1}"/></PlainTextSelection>
  <PlainTextSelection guid="{g3}" startPosition="0" endPosition="3" creatingUser="{u}"><NoteRef targetGUID="{n2}"/>
  </PlainTextSelection>
</TextSource>
<PDFSource guid="{p}" name="scan.pdf" path="internal://{p}.pdf">
  <PDFSelection guid="{g4}" page="1" firstX="0" firstY="0" secondX="1" secondY="1">
    <Coding guid="{k4}"><CodeRef targetGUID="{c}"/></Coding></PDFSelection>
</PDFSource>
</Sources>
<Notes>
<Note guid="{n1}" name="a"><PlainTextContent>on the bad selection</PlainTextContent></Note>
<Note guid="{n2}" name="b"><PlainTextContent>on an uncoded passage</PlainTextContent></Note>
<Note guid="{n3}" name="c"><PlainTextContent>on the whole document</PlainTextContent></Note>
<Note guid="{n4}" name="d"><PlainTextContent>a project memo</PlainTextContent></Note>
</Notes></Project>""".format(u=GUID(1), c=GUID(2), s=GUID(3), p=GUID(4), g1=GUID(11), g2=GUID(12), g3=GUID(13),
                             g4=GUID(14), k1=GUID(21), k2=GUID(22), k3=GUID(23), k4=GUID(24), n1=GUID(31),
                             n2=GUID(32), n3=GUID(33), n4=GUID(34))


def test_every_unplaceable_coding_and_note_is_counted_with_its_reason(tmp_path, run_cli):
    archive = _zip(tmp_path / "p.qdpx", {"project.qde": PROJECT.encode(), f"sources/{GUID(3)}.txt": b"text here\n"})
    code, out, err = run_cli("import-qdpx", archive, "--into", tmp_path / "s")
    assert code == 1 and not (tmp_path / "s").exists()
    assert ("text source 'one': 2 codings and 1 note cannot be placed: selections whose positions are not "
            f"a passage of its text of 10 characters (e.g. selection {GUID(12)} at [5, 999))") in err
    assert "PDFSource 'scan.pdf': 1 coding cannot be placed: tcoder codes text only" in err
    # notes on an uncoded passage, on the whole document and on the project are memo files, not losses
    assert "notes on passages without a code" not in err and "whole source" not in err
    assert "3 codings and 1 note in all would be lost" in err

    code, out, err = run_cli("import-qdpx", archive, "--into", tmp_path / "s", "--partial")
    assert code == 0, err
    assert "3 codings and 1 note in all left out (--partial)" in err
    assert "3 memo files in memos/" in out
    assert _annotation_count(tmp_path / "s") == (1, 0)
    from tcoder.memoset import load_memos
    from tcoder.study import open_study

    memos = load_memos(open_study(tmp_path / "s"))
    assert memos.problems == []
    assert sorted((m.kind, m.body.strip(), [(link.kind, link.target, link.start, link.end, link.quote)
                                            for link in m.links]) for m in memos) == [
        ("passage", "on an uncoded passage", [("passage", "one.txt", 0, 3, "tex")]),
        ("project", "a project memo", []),
        ("transcript", "on the whole document", [("transcript", "one.txt", None, None, None)]),
    ]


def test_ids_made_from_names_are_slugs_everywhere(sample_study, tmp_path, run_cli):
    from tcoder.refi.codebook_xml import slugify

    target = tmp_path / "plain.qdpx"
    assert run_cli("export", sample_study, "--qdpx", target, "--plain")[0] == 0
    code, out, err = run_cli("import-qdpx", target, "--into", tmp_path / "back")
    assert code == 0, err
    codebook = load_codebook(tmp_path / "back" / "codebook.yaml")
    ids = list(codebook.codes)
    assert len(ids) == len(set(ids))
    for code_ in codebook:
        assert re.fullmatch(r"[a-z0-9_]+(-[a-z0-9_]+)*", code_.id), code_.id
        assert code_.id == slugify(code_.name) or re.fullmatch(re.escape(slugify(code_.name)) + r"-\d+", code_.id)
    names = {c.name: c.id for c in codebook}
    assert names["Strategies"] == "strategies" and names["High"] == "high"
    assert names["Motivations for engagement"] == "motivations-for-engagement"
    # the same file gives the same ids
    assert run_cli("import-qdpx", target, "--into", tmp_path / "again")[0] == 0
    assert list(load_codebook(tmp_path / "again" / "codebook.yaml").codes) == ids


def test_same_named_codes_get_numbered_slugs(tmp_path, run_cli):
    qdc = tmp_path / "c.qdc"
    qdc.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                   f'<Code guid="{GUID(1)}" name="High" isCodable="true"/>'
                   f'<Code guid="{GUID(2)}" name="high" isCodable="true"/>'
                   f'<Code guid="{GUID(3)}" name="Ärger / Wut" isCodable="true"/>'
                   f'<Code guid="{GUID(4)}" name="\u6210\u672c" isCodable="true"/>'
                   "</Codes></CodeBook>", "utf-8")
    code, out, err = run_cli("import-qdc", qdc, "-o", tmp_path / "c.yaml")
    assert code == 0, err
    assert list(load_codebook(tmp_path / "c.yaml").codes) == ["high", "high-2", "arger-wut", "code"]


def test_a_study_that_cannot_be_written_is_a_clear_error_and_is_removed(tmp_path, run_cli):
    long_name = "x" * 300  # longer than a file name may be
    project = PROJECT.replace('name="one"', f'name="{long_name}"')
    archive = _zip(tmp_path / "p.qdpx", {"project.qde": project.encode(), f"sources/{GUID(3)}.txt": b"text here\n"})
    into = tmp_path / "new" / "study"
    code, out, err = run_cli("import-qdpx", archive, "--into", into, "--partial")
    assert code == 1
    assert "Traceback" not in err
    assert long_name + ".txt" in err and "cannot write the study here" in err
    assert "name too long" in err.lower()
    assert not into.exists() and not (tmp_path / "new").exists()  # what it made is gone again


def test_an_into_folder_that_cannot_be_made_is_a_clear_error(sample_study, tmp_path, run_cli):
    full = tmp_path / "full.qdpx"
    assert run_cli("export", sample_study, "--qdpx", full)[0] == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("mine")
    code, out, err = run_cli("import-qdpx", full, "--into", blocker / "study")
    assert code == 1
    assert "cannot write the study here" in err and "a-file" in err and "Not a directory" in err
    assert blocker.read_text() == "mine"

"""Small things an import must get right: .md files, empty studies, transcripts without turns."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

DATA = Path(__file__).parent / "data" / "import"


def test_an_otter_export_saved_as_markdown_is_imported(tmp_path, run_cli):
    md = tmp_path / "FG1.md"
    md.write_bytes((DATA / "otter_P05.txt").read_bytes())
    code, out, err = run_cli("import", md, "--into", tmp_path / "out")
    assert code == 0, err
    assert "from Otter text" in out and (tmp_path / "out" / "FG1.txt").is_file()


def test_a_markdown_transcript_gets_the_right_advice(tmp_path, run_cli):
    md = tmp_path / "P01.md"
    md.write_text("Interviewer: Hello.\n\nAna: Hi.\n", "utf-8")
    code, out, err = run_cli("import", md)
    assert code == 1
    assert "tcoder reads it as it is; put it in the study folder" in err


def test_check_warns_about_a_transcript_without_speaker_turns(mini_study, run_cli):
    (mini_study.root / "interviews" / "notes.txt").write_text("Just a paragraph of field notes.\n", "utf-8")
    code, out, err = run_cli("check", mini_study.root)
    assert code == 0
    assert "notes.txt: no speaker turns" in out + err
    assert "P01.txt: no speaker turns" not in out + err


def test_a_codebook_only_project_does_not_point_to_a_failing_check(tmp_path, run_cli):
    qde = ('<Project xmlns="urn:QDA-XML:project:1.0" name="p"><CodeBook><Codes>'
           '<Code guid="c1" name="Care" isCodable="true"/></Codes></CodeBook></Project>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", qde)
    (tmp_path / "p.qdpx").write_bytes(buffer.getvalue())
    code, out, err = run_cli("import-qdpx", tmp_path / "p.qdpx", "--into", tmp_path / "s")
    assert code == 0, err
    assert "Next: tcoder check" not in out
    assert "no text sources" in out and "tcoder import FILE --into" in out

"""Themes and memos of every kind through REFI-QDA: sets (or codes), notes, and back."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile

import pytest

from tcoder.memoset import load_memos
from tcoder.refi.themes_xml import THEMES_CODE, read_description, theme_description
from tcoder.study import open_study
from tcoder.themes import read_themes

NS = "{urn:QDA-XML:project:1.0}"


def _project(path) -> ET.Element:
    with zipfile.ZipFile(path) as archive:
        return ET.fromstring(archive.read("project.qde"))


def _comparable(themes, codebook):
    """Themes as another program hands them back: names for codes (ids are made from names)."""
    return sorted((t.id, t.name, t.status, t.concept, t.definition, sorted(codebook[c].name for c in t.codes),
                   t.subthemes) for t in themes)


@pytest.mark.parametrize("target", ["standard", "qualcoder"])
def test_themes_go_out_and_come_back_without_tcoder_json(sample_study, tmp_path, run_cli, target):
    archive = tmp_path / "p.qdpx"
    code, out, err = run_cli("export", sample_study, "--qdpx", archive, "--plain", "--for", target, "--validate")
    assert code == 0, err
    assert "6 themes" in out
    root = _project(archive)
    sets = {s.get("name"): s for s in root.iter(f"{NS}Set")}
    theme_codes = [c for c in root.iter(f"{NS}Code") if c.get("name") == THEMES_CODE]
    if target == "qualcoder":  # QualCoder reads sets of sources only: themes go out as codes
        assert "The institution says no by waiting" not in sets and len(theme_codes) == 1
        assert theme_codes[0].get("isCodable") == "false" and len(theme_codes[0].findall(f"{NS}Code")) == 6
    else:
        waiting = sets["The institution says no by waiting"]
        assert waiting.find(f"{NS}Description").text.startswith("Theme (status: reviewed; id: waiting-as-refusal)")
        assert len(waiting.findall(f"{NS}MemberCode")) == 2 and len(waiting.findall(f"{NS}MemberNote")) == 1
        assert not theme_codes
    code, out, err = run_cli("import-qdpx", archive, "--into", tmp_path / "back")
    assert code == 0, err
    assert "6 themes in themes.yaml" in out
    original, study = read_themes(sample_study / "themes.yaml"), open_study(sample_study)
    back, back_study = read_themes(tmp_path / "back" / "themes.yaml"), open_study(tmp_path / "back")
    assert _comparable(back, back_study.codebook) == _comparable(original, study.codebook)
    assert THEMES_CODE not in {c.name for c in back_study.codebook}  # not a code of the study
    memos = load_memos(back_study)
    assert sorted(m.display_title for m in memos if m.kind == "journal") == sorted(
        m.display_title for m in load_memos(study) if m.kind == "journal")
    if target == "standard":
        about_theme = memos.select(themes=["waiting-as-refusal"])
        assert [m.display_title for m in about_theme] == ["Is waiting the same in both groups?"]


@pytest.mark.parametrize("target", ["standard", "nvivo", "maxqda", "atlasti", "qualcoder"])
def test_every_memo_kind_survives_an_exact_round_trip(sample_study, tmp_path, run_cli, target):
    study = open_study(sample_study)
    kinds = {m.kind for m in load_memos(study)}
    assert kinds == {"project", "code", "transcript", "participant", "passage", "theme", "journal"}
    archive = tmp_path / "p.qdpx"
    assert run_cli("export", sample_study, "--qdpx", archive, "--for", target)[0] == 0
    code, out, err = run_cli("import-qdpx", archive, "--into", tmp_path / "back")
    assert code == 0, err
    assert "does not match" not in out + err  # tcoder.json was used: everything comes back exactly
    for memo in load_memos(study):
        relative = memo.path.relative_to(sample_study)
        assert (tmp_path / "back" / relative).read_bytes() == memo.path.read_bytes(), relative
    for name in ("themes.yaml", "themes.history.yaml"):
        assert (tmp_path / "back" / name).read_bytes() == (sample_study / name).read_bytes()


def test_a_description_tcoder_did_not_write_is_no_theme():
    assert read_description("Group 1", "Memo to document group") is None
    assert read_description("x", "Theme (status: finished; id: x)") is None
    themes = read_themes("/nonexistent/themes.yaml")
    from tcoder.themes import Theme

    themes.themes["a"] = Theme("a", "A", "final", "One idea.", "Line one.\nLine two.\n", ["c1"])
    themes.themes["b"] = Theme("b", "B")
    themes.themes["a"].subthemes.append("b")
    again = read_description("B", theme_description(themes["b"], themes))
    assert again is not None and (again.id, again.status, again.parent) == ("b", "candidate", "a")
    first = read_description("A", theme_description(themes["a"], themes))
    assert first is not None and (first.concept, first.definition) == ("One idea.", "Line one.\nLine two.\n")


@pytest.mark.parametrize("target", ["standard", "nvivo", "atlasti"])
def test_memo_kinds_and_their_codes_come_back_without_tcoder_json(sample_study, tmp_path, run_cli, target):
    """As another program hands them back: a memo's note hangs on every code it is about (NoteRef in
    each Code), a theme's memo is a member of the theme's set, a journal entry is named as one."""
    archive = tmp_path / "p.qdpx"
    assert run_cli("export", sample_study, "--qdpx", archive, "--plain", "--for", target, "--validate")[0] == 0
    assert run_cli("import-qdpx", archive, "--into", tmp_path / "back")[0] == 0
    study, back = open_study(sample_study), open_study(tmp_path / "back")

    def by_title(s):
        codebook = s.codebook
        return {m.display_title: (m.kind, sorted(codebook[c].name for c in m.targets("code")), m.targets("theme"),
                                  m.author, m.created, m.body.strip())
                for m in load_memos(s)}

    before, after = by_title(study), by_title(back)
    assert len(before) == len(after) == 10
    differ = {title for title in before if before[title] != after.get(title)}
    # REFI-QDA has no participants (a case is a transcript): only the memo on one changes its kind
    assert differ == {"Tomas: from the library to the workroom"}
    assert after["Tomas: from the library to the workroom"][0] == "transcript"
    assert after["Boundary: emotional toll or disillusionment?"][:2] == (
        "code", ["Disillusionment", "Emotional toll and burnout"])


@pytest.mark.parametrize("plain", [False, True])
def test_export_names_every_memo_link_a_note_cannot_carry(sample_study, tmp_path, run_cli, plain):
    """A note hangs on codes, themes and one passage or transcript: the export names each memo
    whose other links (a second passage, a participant) other programs will not see, and says
    whether tcoder.json keeps them."""
    from tcoder.refi.export import links_a_note_cannot_carry

    memos = {m.path.name: m for m in load_memos(open_study(sample_study))}
    expected = {}
    for name, memo in memos.items():
        transcripts = [link.transcript_name for link in memo.links if link.transcript_name]
        left = links_a_note_cannot_carry(memo, transcripts[0] if transcripts else None)
        if left:
            expected[name] = left
    # computed independently: links other than codes, themes and the first passage or transcript
    independent = {}
    for name, memo in memos.items():
        first = next((li for li in memo.links if li.transcript_name), None)
        first_passage = next((li for li in memo.links if li.kind == "passage" and first is not None
                              and li.target == first.transcript_name), None)
        lost = [li for li in memo.links if li.kind in ("participant", "memo", "annotation")
                or (li.kind == "passage" and li is not first_passage)
                or (li.kind == "transcript" and first is not None and li.target != first.transcript_name)]
        if lost:
            independent[name] = [li.describe() for li in lost]
    assert expected == independent
    assert set(expected) == {"code-resistance-as-delay.md", "participant-tomas.md", "transcript-fg1.md"}
    archive = tmp_path / "p.qdpx"
    code, out, err = run_cli("export", sample_study, "--qdpx", archive, *(["--plain"] if plain else []))
    assert code == 0
    warning = next(line for line in err.splitlines() if "link to more than a REFI-QDA note can" in line)
    assert warning.startswith("warning: ") and "/memos: 3 memos link" in warning
    for name, left in expected.items():
        assert f"memos/{name} ({'; '.join(left)})" in warning
    assert ("these links are lost in this file" in warning) == plain
    assert ("tcoder.json in the archive keeps every link" in warning) == (not plain)


def test_export_counts_memo_files_and_annotation_memos_as_check_does(sample_study, tmp_path, run_cli):
    import json

    memo_files = len(list((sample_study / "memos").rglob("*.md")))
    on_annotations = sum(1 for path in sample_study.rglob("*.json") if path.name.count(".") == 2
                         for a in json.loads(path.read_text(encoding="utf-8"))["annotations"] if a.get("memo"))
    assert (memo_files, on_annotations) == (10, 28)
    code, out, _ = run_cli("export", sample_study, "--qdpx", tmp_path / "p.qdpx")
    assert code == 0
    assert f", {memo_files} memo files and {on_annotations} annotation memos, 6 cases, 6 sets, 6 themes" in out
    _, check_out, _ = run_cli("check", sample_study)
    assert "7 memos, 3 journal entries" in check_out  # the same 10 files, by kind

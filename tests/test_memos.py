"""Memo files: the format, round trips, links, re-anchoring, the study walk, check."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykit import MINI_TRANSCRIPT, SAW, STAYED
from tcoder.check import check_study, save_moved_memos
from tcoder.memos import (
    Link,
    MemoChangedError,
    MemoFileError,
    code_link,
    dumps_memo,
    new_memo,
    parse_memo,
    passage_link,
    read_memo,
    save_memo,
)
from tcoder.memoset import check_links, create_memo, load_memos, passage_from_spec
from tcoder.study import open_study

HAND_WRITTEN = """\
---
id: my-memo   # a comment kept as it is
kind: journal
# Obsidian's tags: not tcoder's, kept
tags: [fieldwork, fg1]
title: 'After the first focus group'
created: 2026-03-14
links:
- code: motivation
- {transcript: interviews/P01.txt}
obsidian:
  alias: fg1
---
I expected anger and heard tiredness.
"""


def test_a_new_memo_round_trips_byte_for_byte():
    memo = new_memo("code", author="alice", title="Resistance: as delay", body="Nobody says no.\n\nIt stops.",
                    links=[code_link("institutional-resistance"),
                           passage_link("interviews/P01.txt", SAW, STAYED, MINI_TRANSCRIPT)])
    text = dumps_memo(memo)
    assert text.startswith("---\nid: ") and "\n---\n\nNobody says no.\n\nIt stops.\n" in text
    again = parse_memo(text, "m.md")
    assert dumps_memo(again) == text
    assert again.title == "Resistance: as delay" and again.author == "alice"
    assert again.links[1].quote == MINI_TRANSCRIPT[SAW:STAYED]
    assert again.links[1].prefix == MINI_TRANSCRIPT[SAW - 32:SAW]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_a_hand_written_memo_round_trips_byte_for_byte(newline, bom):
    text = bom + HAND_WRITTEN.replace("\n", newline)
    memo = parse_memo(text, "fg1.md")
    assert memo.id == "my-memo" and memo.kind == "journal" and memo.created == "2026-03-14"
    assert memo.extra == {"tags": ["fieldwork", "fg1"], "obsidian": {"alias": "fg1"}}
    assert [(link.kind, link.target) for link in memo.links] == [("code", "motivation"),
                                                                  ("transcript", "interviews/P01.txt")]
    assert dumps_memo(memo) == text


def test_changing_one_field_keeps_every_other_line():
    memo = parse_memo(HAND_WRITTEN, "fg1.md")
    memo.title = "After FG1"
    memo.add_link(code_link("strategy"))
    text = dumps_memo(memo)
    assert "id: my-memo   # a comment kept as it is\n" in text
    assert "# Obsidian's tags: not tcoder's, kept\ntags: [fieldwork, fg1]\n" in text
    assert "obsidian:\n  alias: fg1\n" in text
    assert "title: After FG1\n" in text
    assert "  - {code: strategy}\n" in text
    assert text.endswith("---\nI expected anger and heard tiredness.\n")
    assert parse_memo(text, "fg1.md").extra == memo.extra


def test_a_markdown_file_without_front_matter_is_a_project_memo():
    memo = parse_memo("# Audit trail\n\nDecisions.\n", "memos/audit.md")
    assert (memo.id, memo.kind, memo.display_title) == ("audit", "project", "Audit trail")
    assert dumps_memo(memo) == "# Audit trail\n\nDecisions.\n"
    memo.author = "bob"
    assert dumps_memo(memo).startswith("---\nid: audit\nkind: project\nauthor: bob\n---\n\n# Audit trail")


@pytest.mark.parametrize("text, line, column, words", [
    ("---\nid: x\nkind: [\n---\nbody\n", 4, 1, "YAML syntax error"),
    ("---\nid: x\nkind: code\n", 1, 1, "never closed"),
    ("---\nid: x\nkind: coed\n---\n", 3, 7, "did you mean 'code'"),
    ("---\nid: x\nlinks:\n  - {cod: motivation}\n---\n", 4, 5, "names no target"),
    ("---\nid: x\nlinks:\n  - {passage: P01.txt, start: 9, end: 3}\n---\n", 4, 5, "empty or reversed"),
    ("---\nid: x\nlinks:\n  - {code: a, theme: b}\n---\n", 4, 5, "2 (code, theme)"),
    ("---\nid: bad id!\n---\n", 2, 5, "not valid"),
    ("---\n- a list\n---\n", 2, 1, "must be a mapping"),
])
def test_broken_front_matter_is_reported_with_line_and_column(text, line, column, words):
    with pytest.raises(MemoFileError) as exc:
        parse_memo(text, "memos/broken.md")
    problem = exc.value.problems[0]
    assert (problem.line, problem.column) == (line, column), problem
    assert words in problem.message


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_body = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=40)


@settings(max_examples=150, deadline=None)
@given(title=_text, author=_text, body=_body, quote=_text, extra=_text)
def test_any_text_round_trips(title, author, body, quote, extra):
    memo = new_memo("passage", author=author or None, title=title or None, body=body,
                    links=[Link("passage", "a.txt", start=0, end=1, quote=quote)])
    memo.extra["note"] = extra
    text = dumps_memo(memo)
    again = parse_memo(text, "m.md")
    assert (again.title, again.author, again.links[0].quote, again.extra["note"]) == (
        title or None, author or None, quote, extra)
    assert again.body.rstrip("\n") == body.rstrip("\n") or not body.strip()
    assert dumps_memo(again) == text


# ---------------------------------------------------------------- the study walk


def test_memo_files_never_become_transcripts(mini_study):
    root = mini_study.root
    create_memo(open_study(root), new_memo("project", author="alice", title="Audit trail", body="Why we..."))
    (root / "memos" / "journal").mkdir()
    (root / "memos" / "journal" / "day1.md").write_text("Interviewer: a line that looks like a turn\n")
    (root / "memos" / "stray.txt").write_text("notes\n")
    study = open_study(root)
    assert [r.name for r in study.transcripts] == ["interviews/P01.txt"]
    assert sorted(p.name for p in study.memo_paths) == ["day1.md", "project-audit-trail.md"]
    assert any("neither a memo" in p.message and p.severity == "warning" for p in study.problems)


def test_an_old_study_with_coded_transcripts_in_a_memos_folder_keeps_them(study_builder):
    study_builder.codebook()
    study_builder.transcript("memos/M1.txt")
    study_builder.annotations("memos/M1.txt", "alice", [("personal", SAW, STAYED)])
    study = open_study(study_builder.root)
    assert [r.name for r in study.transcripts] == ["memos/M1.txt"]
    assert study.coders_of("memos/M1.txt") == ["alice"]
    assert any("memos folder" in p.message for p in study.problems)


def test_the_memos_folder_can_be_named_in_settings(mini_study):
    root = mini_study.root
    (root / "tcoder.yaml").write_text("memos: notes/memos\n")
    (root / "notes" / "memos").mkdir(parents=True)
    (root / "notes" / "memos" / "a.md").write_text("---\nid: a\n---\ntext\n")
    (root / "memos").mkdir()
    (root / "memos" / "P02.md").write_text("Interviewer: a transcript after all\n")
    study = open_study(root)
    assert [r.name for r in study.transcripts] == ["interviews/P01.txt", "memos/P02.md"]
    assert [p.name for p in study.memo_paths] == ["a.md"]


# ---------------------------------------------------------------- links and re-anchoring


def _memo_on_passage(root: Path, start: int, end: int) -> Path:
    study = open_study(root)
    link = passage_link("interviews/P01.txt", start, end, MINI_TRANSCRIPT)
    return create_memo(study, new_memo("passage", author="alice", body="Grandmother.", links=[link]))


def test_passage_links_are_reanchored_after_the_transcript_is_edited(mini_study):
    root = mini_study.root
    path = _memo_on_passage(root, SAW, STAYED)
    mini_study.transcript(text="Interviewer: (added line)\n" + MINI_TRANSCRIPT)
    study = open_study(root)
    report = check_study(study)
    warnings = [p for p in report.warnings if "linked passage" in p.message]
    assert warnings and "moved from" in warnings[0].message and warnings[0].path == path
    assert not report.errors
    assert [m.path for m in report.memos_moved] == [path]
    assert save_moved_memos(report) == [str(path)]
    link = read_memo(path).links[0]
    shift = len("Interviewer: (added line)\n")
    assert (link.start, link.end) == (SAW + shift, STAYED + shift)
    assert not check_study(open_study(root)).memos_moved


def test_a_passage_that_is_gone_is_kept_and_reported(mini_study):
    root = mini_study.root
    path = _memo_on_passage(root, SAW, STAYED)
    mini_study.transcript(text=MINI_TRANSCRIPT.replace(MINI_TRANSCRIPT[SAW:STAYED], "Something else entirely."))
    report = check_study(open_study(root))
    warnings = [p for p in report.warnings if "no longer in" in p.message]
    assert warnings and warnings[0].path == path and warnings[0].line == 8
    save_moved_memos(report)
    link = read_memo(path).links[0]
    assert link.orphaned and (link.start, link.end) == (SAW, STAYED)  # kept, with its old offsets
    assert link.quote == MINI_TRANSCRIPT[SAW:STAYED]


def test_links_to_things_that_do_not_exist_are_kept_and_reported(mini_study):
    root = mini_study.root
    (root / "memos").mkdir()
    (root / "memos" / "a.md").write_text(
        "---\nid: a\nkind: code\nlinks:\n  - {code: no-such-code}\n  - {transcript: interviews/P09.txt}\n"
        "  - {theme: no-theme}\n  - {memo: nobody}\n  - {annotation: 0123456789abcdef, transcript: "
        "interviews/P01.txt, coder: alice}\n---\ntext\n")
    (root / "memos" / "b.md").write_text("---\nid: a\n---\nsame id\n")
    report = check_study(open_study(root))
    messages = [(p.line, p.message) for p in report.problems]
    assert all(p.severity == "warning" for p in report.problems if "(the link is kept" in p.message)
    assert any("two memos have the id 'a'" in p.message for p in report.errors)
    assert any(line == 5 and "code 'no-such-code'" in m for line, m in messages)
    assert any(line == 6 and "transcript 'interviews/P09.txt'" in m for line, m in messages)
    assert any(line == 7 and "theme 'no-theme'" in m for line, m in messages)
    assert any(line == 8 and "memo 'nobody'" in m for line, m in messages)
    assert any(line == 9 and "annotation 0123456789abcdef" in m for line, m in messages)
    assert any("two memos have the id 'a'" in m for _, m in messages)
    assert read_memo(root / "memos" / "a.md").links[0].target == "no-such-code"  # nothing dropped


def test_a_broken_memo_is_reported_and_never_written_over(mini_study):
    root = mini_study.root
    (root / "memos").mkdir()
    broken = root / "memos" / "broken.md"
    broken.write_bytes(b"---\nid: x\nkind: [\n---\n")
    report = check_study(open_study(root))
    assert any(p.path == broken and p.line == 4 for p in report.errors)
    assert broken.read_bytes() == b"---\nid: x\nkind: [\n---\n"


def test_a_memo_changed_elsewhere_is_never_written_over(mini_study):
    study = open_study(mini_study.root)
    path = create_memo(study, new_memo("project", author="alice", body="first"))
    memo = read_memo(path)
    path.write_text(path.read_text() + "added in an editor\n")
    memo.body = "my version"
    with pytest.raises(MemoChangedError):
        save_memo(memo)
    assert path.read_text().endswith("added in an editor\n")
    with pytest.raises(MemoChangedError):  # a new memo never replaces an existing file
        save_memo(new_memo("project", body="x"), path)


def test_passage_specs(mini_study):
    study = open_study(mini_study.root)
    link = passage_from_spec(study, "P01:I saw how")
    assert (link.start, link.quote) == (SAW, "I saw how")
    assert passage_from_spec(study, f"interviews/P01.txt:{SAW}-{STAYED}").quote == MINI_TRANSCRIPT[SAW:STAYED]
    with pytest.raises(Exception, match="occurs 2 times|not in"):
        passage_from_spec(study, "P01:Interviewer")


def test_filters(mini_study):
    study = open_study(mini_study.root)
    create_memo(study, new_memo("code", author="alice", body="duty", links=[code_link("duty")]))
    create_memo(study, new_memo("journal", author="bob", body="Tired today"))
    memos = load_memos(open_study(mini_study.root))
    assert [m.body for m in memos.select(codes=["duty"])] == ["duty\n"]
    assert [m.kind for m in memos.select(authors=["bob"])] == ["journal"]
    assert [m.kind for m in memos.select(text="TIRED")] == ["journal"]
    assert memos.find("tired").kind == "journal"
    assert not check_links(study, memos, known_codes={"duty"}).problems


# ---------------------------------------------------------------- memo files and REFI-QDA


def test_a_memo_file_round_trips_byte_for_byte_and_keeps_unknown_fields(mini_study):
    memo = new_memo("passage", author="alice", title="Start", body="Where it starts.\n\nSecond paragraph: with a colon.\n",
                    links=[passage_link("interviews/P01.txt", SAW, SAW + 9, MINI_TRANSCRIPT)], memo_id="a1")
    memo.extra["mood"] = ["curious"]
    path = create_memo(open_study(mini_study.root), memo)
    raw = path.read_text("utf-8")
    parsed = read_memo(path)
    assert dumps_memo(parsed) == raw
    assert raw.startswith("---\nid: a1\nkind: passage\ntitle: Start\nauthor: alice\n")
    assert parsed.extra == {"mood": ["curious"]} and parsed.body == memo.body


def test_broken_memo_files_are_reported_with_their_place_and_others_still_read(mini_study):
    folder = mini_study.root / "memos"
    folder.mkdir()
    (folder / "good.md").write_text("---\nid: good\nkind: project\n---\nfine\n", "utf-8")
    (folder / "yaml.md").write_text("---\nid: [unclosed\n---\nx\n", "utf-8")
    (folder / "kind.md").write_text("---\nid: k\nkind: diary\n---\nx\n", "utf-8")
    (folder / "dup.md").write_text("---\nid: good\nkind: project\n---\nagain\n", "utf-8")
    memos = load_memos(open_study(mini_study.root))
    assert sorted(m.id for m in memos) == ["good", "good"]  # both kept, and reported
    text = "\n".join(str(p) for p in memos.problems)
    assert "yaml.md, line 3" in text  # the YAML error's line counted in the file, not the front matter
    assert "kind.md, line 3, column 7: unknown memo kind 'diary'" in text
    assert "two memos have the id 'good'" in text


def test_check_reports_memo_links_that_lost_their_place(mini_study, run_cli):
    root = mini_study.root
    (root / "memos").mkdir()
    (root / "memos" / "m1.md").write_text("---\nid: m1\nkind: passage\nlinks:\n  - {transcript: interviews/P01.txt, "
                                          "start: 0, end: 11, quote: Not there}\n---\nx\n")
    (root / "memos" / "m2.md").write_text("---\nid: m2\nkind: code\nlinks:\n  - {code: no-such-code}\n---\ny\n")
    code, out, err = run_cli("check", root)
    assert code == 0
    assert "m1.md, line 5, column 5: the linked passage 'Not there' is no longer in interviews/P01.txt" in out + err
    assert "m2.md, line 5, column 5: links to the code 'no-such-code', which is not in the codebook" in out + err
    assert [r.name for r in open_study(root).transcripts] == ["interviews/P01.txt"]  # memos are not


def test_memos_go_out_as_notes_and_come_back(mini_study, tmp_path, run_cli):
    root = mini_study.root
    study = open_study(root)
    files = [create_memo(study, m) for m in (
        new_memo("passage", author="alice", body="On this passage.", memo_id="p1",
                 links=[passage_link("interviews/P01.txt", SAW, SAW + 9, MINI_TRANSCRIPT)]),
        new_memo("code", body="About the code.", memo_id="c1", links=[code_link("duty")]),
        new_memo("journal", author="alice", body="Journal entry.", memo_id="j1"))]
    target = tmp_path / "p.qdpx"
    code, out, err = run_cli("export", root, "--qdpx", target, "--validate")
    assert code == 0, err
    assert run_cli("import-qdpx", target, "--into", tmp_path / "exact")[0] == 0
    for path in files:  # with tcoder.json: the same files
        assert (tmp_path / "exact" / path.relative_to(root)).read_bytes() == path.read_bytes()
    plain = tmp_path / "plain.qdpx"
    assert run_cli("export", root, "--qdpx", plain, "--plain")[0] == 0
    assert run_cli("import-qdpx", plain, "--into", tmp_path / "back")[0] == 0
    memos = load_memos(open_study(tmp_path / "back"))
    assert memos.problems == []
    got = sorted((m.kind, m.body.strip(), m.author, [(link.kind, link.target, link.start, link.end, link.quote)
                                                      for link in m.links]) for m in memos)
    assert got == [
        ("code", "About the code.", None, [("code", "professional-duty", None, None, None)]),  # ids from names
        ("journal", "Journal entry.", "alice", []),  # its note is named "Journal: ..."
        ("passage", "On this passage.", "alice",
         [("passage", "interviews/P01.txt", SAW, SAW + 9, MINI_TRANSCRIPT[SAW:SAW + 9])]),
    ]

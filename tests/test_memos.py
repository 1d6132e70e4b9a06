"""Memo files (memos/*.md): format round trip, problems reported, REFI-QDA round trip."""

from __future__ import annotations

from tcoder.memos import Memo, MemoLink, dumps_memo, parse_memo, read_memos, write_memo


def test_a_memo_file_round_trips_byte_for_byte_and_keeps_unknown_fields(tmp_path):
    memo = Memo("a1", "passage", "Where it starts.\n\nSecond paragraph: with a colon.\n", "alice",
                "2026-01-01T10:00:00Z", None, [MemoLink("interviews/P01.txt", 3, 9, "it was")],
                {"title": "Start", "mood": ["curious"]})
    path = write_memo(tmp_path, memo)
    raw = path.read_text("utf-8")
    parsed, problems = parse_memo(raw, path)
    assert problems == [] and parsed == memo
    assert dumps_memo(parsed) == raw
    assert raw.startswith("---\nid: a1\nkind: passage\nauthor: alice\n")


def test_broken_memo_files_are_reported_with_their_place_and_others_still_read(tmp_path):
    folder = tmp_path / "memos"
    folder.mkdir()
    (folder / "good.md").write_text("---\nid: good\nkind: project\n---\nfine\n", "utf-8")
    (folder / "nofront.md").write_text("just text\n", "utf-8")
    (folder / "yaml.md").write_text("---\nid: [unclosed\n---\nx\n", "utf-8")
    (folder / "kind.md").write_text("---\nid: k\nkind: diary\n---\nx\n", "utf-8")
    (folder / "dup.md").write_text("---\nid: good\nkind: project\n---\nagain\n", "utf-8")
    memos, problems = read_memos(tmp_path)
    assert [m.id for m in memos] == ["good"]
    text = "\n".join(str(p) for p in problems)
    assert "nofront.md, line 1, column 1: a memo file starts with a '---' line" in text
    assert "yaml.md, line 3" in text  # the YAML error's line counted in the file, not the front matter
    assert "kind.md" in text and "'kind' must be one of passage, transcript, code, project" in text
    assert "good.md" in text and "also used by" in text


def test_check_reports_memo_links_that_lost_their_place(mini_study, run_cli):
    write_memo(mini_study.root, Memo("m1", "passage", "x", links=[MemoLink("interviews/P01.txt", 0, 11, "Not there")]))
    write_memo(mini_study.root, Memo("m2", "code", "y", links=[MemoLink(code="no-such-code")]))
    code, out, err = run_cli("check", mini_study.root)
    assert code == 0
    assert "memo m1: its passage [0, 11) of interviews/P01.txt no longer holds 'Not there'" in out + err
    assert "memo m2 is linked to the code 'no-such-code', which is not in the codebook" in out + err
    from tcoder.study import open_study

    assert [r.name for r in open_study(mini_study.root).transcripts] == ["interviews/P01.txt"]  # memos are not


def test_memos_go_out_as_notes_and_come_back(mini_study, tmp_path, run_cli):
    from studykit import MINI_TRANSCRIPT, SAW

    root = mini_study.root
    write_memo(root, Memo("p1", "passage", "On this passage.", "alice", None, None,
                          [MemoLink("interviews/P01.txt", SAW, SAW + 9, MINI_TRANSCRIPT[SAW:SAW + 9])]))
    write_memo(root, Memo("c1", "code", "About the code.", links=[MemoLink(code="duty")]))
    write_memo(root, Memo("j1", "project", "Journal entry.", "alice", "2026-02-01T09:00:00Z"))
    target = tmp_path / "p.qdpx"
    code, out, err = run_cli("export", root, "--qdpx", target, "--validate")
    assert code == 0, err
    assert run_cli("import-qdpx", target, "--into", tmp_path / "exact")[0] == 0
    for name in ("p1.md", "c1.md", "j1.md"):  # with tcoder.json: the same files
        assert (tmp_path / "exact" / "memos" / name).read_bytes() == (root / "memos" / name).read_bytes()
    plain = tmp_path / "plain.qdpx"
    assert run_cli("export", root, "--qdpx", plain, "--plain")[0] == 0
    assert run_cli("import-qdpx", plain, "--into", tmp_path / "back")[0] == 0
    memos, problems = read_memos(tmp_path / "back")
    assert problems == []
    got = sorted((m.kind, m.text.strip(), m.author, [link.as_dict() for link in m.links]) for m in memos)
    assert got == [
        ("code", "About the code.", None, [{"code": "professional-duty"}]),  # ids made from names (--plain)
        ("passage", "On this passage.", "alice",
         [{"transcript": "interviews/P01.txt", "start": SAW, "end": SAW + 9, "quote": MINI_TRANSCRIPT[SAW:SAW + 9]}]),
        ("project", "Journal entry.", "alice", []),
    ]

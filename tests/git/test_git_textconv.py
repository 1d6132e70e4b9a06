"""textconv: `git diff` and `git log -p` show coding, not offsets."""

from __future__ import annotations

import re

from gitkit import GitStudy, new_repo
from studykit import StudyBuilder
from tcoder.annotations import Annotation
from tcoder.gitdriver.textconv import shorten


def test_git_diff_shows_codes_speakers_and_quotes(repo: GitStudy):
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("alice codes")
    repo.edit("alice", a.id, code="duty", memo="family, not duty?")
    added = repo.code("alice", "outreach", "a free clinic day in the neighbourhood")

    diff = repo.git("diff").stdout

    assert f'-personal  Amara  3:18-3:38  "it was my grandmother"  #{a.id}' in diff
    assert f'+duty  Amara  3:18-3:38  "it was my grandmother"  memo: family, not duty?  #{a.id}' in diff
    assert f'+outreach  Amara  7:57-7:94  "a free clinic day in the neighbourhood"  #{added.id}' in diff
    assert '"start"' not in diff and "text_sha256" not in diff


def test_git_log_p_shows_each_commit_as_coding(repo: GitStudy):
    first = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("first")
    second = repo.code("alice", "curriculum", "change the renal block")
    repo.commit("second")

    log = repo.git("log", "-p", "--format=commit %s", "--", "study/interviews/P01.alice.json").stdout

    second_part, first_part = log.split("commit first")
    assert f'+curriculum  Amara  7:21-7:42  "change the renal block"  #{second.id}' in second_part
    assert f'+personal  Amara  3:18-3:38  "it was my grandmother"  #{first.id}' in first_part


def test_old_revisions_come_as_temporary_files_and_still_get_speakers(repo: GitStudy):
    """git passes old revisions as /tmp/git-blob-XXXX/P01.alice.json: the transcript is found by name."""
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("one")
    b = repo.code("alice", "duty", "What got you involved")
    repo.commit("two")

    diff = repo.git("diff", "HEAD~1", "HEAD").stdout  # both sides are temporary files

    assert f' personal  Amara  3:18-3:38  "it was my grandmother"  #{a.id}' in diff
    assert f'+duty  Interviewer  1:34-1:54  "What got you involved"  #{b.id}' in diff


def test_an_edited_transcript_uses_the_version_from_history(repo: GitStudy, run_cli):
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("one")
    repo.edit_transcript("Interviewer: Thanks", "Interviewer: (Consent recorded.)\n\nInterviewer: Thanks")
    assert run_cli("check", repo.study, "--fix")[0] == 0
    repo.commit("transcript edited, annotations re-anchored")

    diff = repo.git("diff", "HEAD~1", "HEAD", "--", "study/interviews/P01.alice.json").stdout

    assert f'-personal  Amara  3:18-3:38  "it was my grandmother"  #{a.id}' in diff
    assert f'+personal  Amara  5:18-5:38  "it was my grandmother"  #{a.id}' in diff


def test_without_the_transcript_it_works_from_the_stored_quote(repo: GitStudy, run_cli, monkeypatch):
    monkeypatch.chdir(repo.root)  # where git runs textconv
    a = repo.code("alice", "personal", "it was my grandmother")
    path = repo.path_of("alice")
    lonely = repo.root / "elsewhere" / path.name
    lonely.parent.mkdir()
    lonely.write_bytes(path.read_bytes())

    code, out, err = run_cli("git", "textconv", lonely)

    assert code == 0
    assert f'personal  @{a.start}-{a.end}  "it was my grandmother"  #{a.id}' in out
    assert "character offsets" in out.splitlines()[0]


def test_a_malformed_annotation_file_prints_a_readable_line(repo: GitStudy, run_cli):
    path = repo.path_of("alice")
    repo.code("alice", "personal", "it was my grandmother")
    path.write_text(path.read_text()[:-30])

    code, out, err = run_cli("git", "textconv", path)

    assert code == 0
    assert out.startswith("# tcoder: this annotation file cannot be read: it is not valid JSON")
    assert "Traceback" not in out + err

    path.write_text('{"format": "tcoder-annotations/1", "annotations": [{"id": "x", "code": "c", "start": 5}]}')
    code, out, err = run_cli("git", "textconv", path)
    assert code == 0 and "'end' is missing" in out.splitlines()[0]


def test_other_json_is_printed_as_it_is(repo: GitStudy):
    other = repo.study / "package.lock.json"
    raw = b'{\n  "name": "caf\xc3\xa9",\n  "list": [1, 2]\n}\n'
    other.write_bytes(raw)
    from tcoder.gitdriver.textconv import textconv

    assert textconv(other) == raw
    not_json = repo.study / "broken.data.json"
    not_json.write_bytes(b"\x00\x01 not json")
    assert textconv(not_json) == b"\x00\x01 not json"

    repo.commit("other json")
    other.write_bytes(raw.replace(b"[1, 2]", b"[1, 2, 3]"))
    diff = repo.git("diff").stdout
    assert '-  "list": [1, 2]' in diff and '+  "list": [1, 2, 3]' in diff


def test_conflict_records_and_orphans_are_visible(repo: GitStudy, run_cli):
    from tcoder.merge import Conflict, conflict_record

    a = repo.code("alice", "personal", "it was my grandmother")
    af = repo.read("alice")
    theirs = a.copy(code="duty", memo="theirs")
    af.annotations = [conflict_record(Conflict(a.id, a, a.copy(code="curriculum"), theirs))]
    orphan = Annotation("gone", "outreach", 5, 9, quote="a passage that was cut", orphaned=True)
    af.annotations.append(orphan)
    repo.save(af, "alice")

    code, out, err = run_cli("git", "textconv", repo.path_of("alice"))

    assert "CONFLICT: this is ours; theirs has duty @" in out and "memo: theirs" in out
    assert "ORPHANED" in out


def test_shorten_cuts_the_middle_and_keeps_one_line():
    text = "Honestly, it was my grandmother.\nI saw how she was treated at the clinic. " * 3
    short = shorten(text, 40)
    assert len(short) == 40 and "\n" not in short
    assert short.startswith("Honestly, it was my") and short.endswith("at the clinic.")
    assert "\u2026" in short
    assert shorten("a\nb") == "a \u23ce b"
    assert re.fullmatch(r"x+", shorten("x" * 10))


def test_git_diff_when_the_transcript_is_gone_uses_offsets_on_both_sides(repo: GitStudy):
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("one")
    repo.edit("alice", a.id, memo="checked")
    repo.commit("two")
    repo.transcript_path.unlink()

    diff = repo.git("diff", "HEAD~1", "HEAD").stdout

    assert f'-personal  @{a.start}-{a.end}  "it was my grandmother"  #{a.id}' in diff
    assert f'+personal  @{a.start}-{a.end}  "it was my grandmother"  memo: checked  #{a.id}' in diff


def test_folders_with_spaces(tmp_path, git_home):
    repo = new_repo(tmp_path / "my repo")
    repo.study = repo.root / "wave 1 study"
    repo.builder = StudyBuilder(repo.study)
    repo.builder.codebook()
    repo.builder.transcript()
    repo.setup_drivers()
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("one")
    repo.checkout("feature", new=True)
    b = repo.code("alice", "duty", "I saw how she was treated")
    repo.commit("feature")
    repo.checkout("main")
    c = repo.code("alice", "outreach", "a free clinic day")
    repo.commit("main")

    assert '+duty  Amara' in repo.git("diff", "main", "feature").stdout
    done = repo.merge("feature")
    assert done.returncode == 0, done.stderr
    assert set(repo.quotes("alice")) == {a.id, b.id, c.id}

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
    repo.edit_transcript("Thanks for joining", "Thanks for joining us")  # a text that never reaches git
    a = repo.code("alice", "personal", "it was my grandmother")
    path = repo.path_of("alice")
    lonely = repo.root / "elsewhere" / path.name
    lonely.parent.mkdir()
    lonely.write_bytes(path.read_bytes())
    repo.git("checkout", "--", "study/" + "interviews/P01.txt")

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
    repo.edit_transcript("Thanks for joining", "Thanks for joining us")  # never committed
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.git("add", str(repo.path_of("alice")))
    repo.git("commit", "-q", "-m", "one")
    repo.edit("alice", a.id, memo="checked")
    repo.git("commit", "-q", "-m", "two", "--", str(repo.path_of("alice")))
    repo.git("checkout", "--", "study/interviews/P01.txt")
    assert repo.git("status", "--porcelain").stdout == ""
    repo.transcript_path.unlink()

    diff = repo.git("diff", "HEAD~1", "HEAD").stdout

    assert f'-personal  @{a.start}-{a.end}  "it was my grandmother"  #{a.id}' in diff
    assert f'+personal  @{a.start}-{a.end}  "it was my grandmother"  memo: checked  #{a.id}' in diff


def test_a_deleted_transcript_is_found_in_the_history(repo: GitStudy):
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("one")
    repo.git("rm", "-q", "study/interviews/P01.txt")
    repo.commit("transcript deleted, annotations kept")
    repo.edit("alice", a.id, memo="checked")
    repo.commit("two")

    diff = repo.git("diff", "HEAD~1", "HEAD").stdout
    worktree = repo.git("log", "-p", "-1", "--format=", "--", "study/interviews/P01.alice.json").stdout

    assert f'-personal  Amara  3:18-3:38  "it was my grandmother"  #{a.id}' in diff
    assert f'+personal  Amara  3:18-3:38  "it was my grandmother"  memo: checked  #{a.id}' in diff
    assert f'+personal  Amara  3:18-3:38  "it was my grandmother"  memo: checked  #{a.id}' in worktree


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


def test_after_git_mv_the_transcript_is_found_by_the_annotation_files_name(repo: GitStudy):
    """The header still says P01.txt after `git mv`; the file's own name says P07."""
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("one")
    folder = "study/interviews/"
    repo.git("mv", folder + "P01.txt", folder + "P07.txt")
    repo.git("mv", folder + "P01.alice.json", folder + "P07.alice.json")
    repo.commit("P01 is P07 now")
    moved = repo.study / "interviews" / "P07.alice.json"
    text = moved.read_text()
    assert '"transcript": "P01.txt"' in text
    moved.write_text(text.replace('"personal"', '"duty"'))

    worktree = repo.git("diff").stdout  # the new side is the real file
    repo.commit("recoded")
    renamed = repo.git("diff", "-M30%", "HEAD~2", "HEAD", "--", folder).stdout  # both sides are temporary copies

    assert f'-personal  Amara  3:18-3:38  "it was my grandmother"  #{a.id}' in worktree
    assert f'+duty  Amara  3:18-3:38  "it was my grandmother"  #{a.id}' in worktree
    assert "rename from study/interviews/P01.alice.json" in renamed
    assert f'-personal  Amara  3:18-3:38  "it was my grandmother"  #{a.id}' in renamed
    assert f'+duty  Amara  3:18-3:38  "it was my grandmother"  #{a.id}' in renamed
    assert "not at hand" not in worktree + renamed


def test_the_files_own_name_comes_before_the_header(repo: GitStudy, run_cli):
    """P01 became wave2/P07, and wave2 has a different interview called P01.txt:
    P07.alice.json belongs to P07.txt, whatever its header says."""
    a = repo.code("alice", "personal", "it was my grandmother")
    repo.commit("one")
    (repo.study / "wave2").mkdir()
    repo.git("mv", "study/interviews/P01.txt", "study/wave2/P07.txt")
    repo.git("mv", "study/interviews/P01.alice.json", "study/wave2/P07.alice.json")
    repo.builder.transcript("wave2/P01.txt", "Bea: a different interview altogether.\n")
    repo.commit("P01 is wave2/P07 now; wave2 has its own P01")

    code, out, err = run_cli("git", "textconv", repo.study / "wave2" / "P07.alice.json")

    assert code == 0
    assert '"transcript": "P01.txt"' in (repo.study / "wave2" / "P07.alice.json").read_text()
    assert out.splitlines()[0].endswith("positions are line:column")
    assert f'personal  Amara  3:18-3:38  "it was my grandmother"  #{a.id}' in out

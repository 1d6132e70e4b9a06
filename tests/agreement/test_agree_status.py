"""`tcoder agree` counts the coders who finished a transcript, and says who it left out and why."""

from __future__ import annotations

import json
import re

import pytest

from studykit import GRAND, REPO, STAYED
from tcoder.session import CodingSession
from tcoder.study import open_study


def readme_agree_command() -> list[str]:
    """The `tcoder agree` command the README's tour shows, as arguments after `tcoder`."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    line = next(m.group(1) for m in re.finditer(r"^\$ tcoder (agree .*)$", readme, re.MULTILINE))
    return line.split()


def code_a_little(root, transcript: str, coder: str = "me") -> None:
    """What a reader following the quick start does: open a transcript as `me` and code two passages."""
    study = open_study(root)
    with CodingSession(study, transcript, coder) as session:
        text = session.transcript.text
        start = text.index("I")
        session.apply("motivation", start, start + 80)
        session.apply("emotional-toll", start + 100, start + 200)


def test_the_readme_numbers_do_not_change_after_the_quick_start(sample_study, run_cli):
    args = readme_agree_command()
    assert args[0] == "agree"
    arguments = [str(sample_study) if a == "sample_data/activism-study" else a for a in args[1:]]
    code, before, _ = run_cli("agree", *arguments)
    assert code == 0
    code, before_json, _ = run_cli("agree", *arguments, "--format", "json")
    for name in ("interviews/P01.txt", "interviews/P02.txt", "focus-groups/FG1.txt"):
        code_a_little(sample_study, name)
    code, after, err = run_cli("agree", *arguments)
    assert code == 0
    assert after == before  # the table is the README's, to the last digit
    code, after_json, _ = run_cli("agree", *arguments, "--format", "json")
    payload = json.loads(after_json)
    assert {k: v for k, v in payload.items() if k not in ("notes", "left_out", "methods")} == \
        {k: v for k, v in json.loads(before_json).items() if k not in ("notes", "left_out", "methods")}
    assert "me" not in payload["coders"]
    assert "left out: me (focus-groups/FG1.txt, interviews/P01.txt, interviews/P02.txt): still coding" in err


def test_an_empty_file_from_coding_and_undoing_is_not_a_judgement(sample_study, run_cli):
    code, before, _ = run_cli("agree", sample_study, "--transcripts", "P04", "--coders", "alice,bob",
                              "--format", "json")
    study = open_study(sample_study)
    with CodingSession(study, "P04", "carol") as session:
        session.apply("motivation", GRAND, STAYED)
        session.undo()
    assert (sample_study / "interviews" / "P04.carol.json").exists()
    code, after, err = run_cli("agree", sample_study, "--transcripts", "P04", "--coders", "alice,bob,carol",
                               "--format", "json")
    assert code == 0
    assert json.loads(after)["overall"]["alpha"] == json.loads(before)["overall"]["alpha"]
    assert "carol (interviews/P04.txt): an empty file that is not marked done" in err


def test_an_empty_file_marked_done_counts_as_nothing_applies(sample_study, run_cli):
    code, before, _ = run_cli("agree", sample_study, "--transcripts", "P04", "--format", "json")
    code, out, _ = run_cli("status", sample_study, "--coder", "carol", "--done", "P04")
    assert code == 0
    code, after, err = run_cli("agree", sample_study, "--transcripts", "P04", "--format", "json")
    result = json.loads(after)
    assert result["coders"] == ["alice", "bob", "carol"]
    assert result["overall"]["alpha"] < json.loads(before)["overall"]["alpha"]
    assert "carol (interviews/P04.txt): marked done with no annotations" in err


def test_unfinished_coders_count_when_asked(sample_study, run_cli):
    code_a_little(sample_study, "interviews/P01.txt", "carol")
    code, out, err = run_cli("agree", sample_study, "--transcripts", "P01", "--coders", "alice,carol",
                             "--format", "json")
    assert code == 1 and "--include-unfinished" in err and "tcoder status" in err
    code, out, err = run_cli("agree", sample_study, "--transcripts", "P01", "--coders", "alice,carol",
                             "--include-unfinished", "--format", "json")
    assert code == 0 and json.loads(out)["coders"] == ["alice", "carol"]
    (sample_study / "tcoder.yaml").write_text("include_unfinished: true\n", encoding="utf-8")
    code, out, err = run_cli("agree", sample_study, "--transcripts", "P01", "--coders", "alice,carol",
                             "--format", "json")
    assert code == 0 and json.loads(out)["coders"] == ["alice", "carol"]


def test_unmarked_files_count_and_are_named(mini_study, run_cli):
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", GRAND, STAYED)])
    mini_study.annotations("interviews/P01.txt", "bob", [("personal", GRAND, STAYED)], status="done")
    code, out, err = run_cli("agree", mini_study.root, "--format", "json")
    assert code == 0 and json.loads(out)["coders"] == ["alice", "bob"]
    assert "counted: alice (interviews/P01.txt): file without a coding status" in err
    assert "tcoder status --done" in err


@pytest.mark.parametrize("command", ["compare", "report"])
def test_compare_and_reports_leave_unfinished_coders_out_by_default(sample_study, run_cli, command):
    code_a_little(sample_study, "interviews/P01.txt")
    if command == "compare":
        code, out, err = run_cli("compare", sample_study, "P01", "--format", "json")
        assert code == 0 and '"me"' not in out and "me left out: still coding" in err
        code, out, err = run_cli("compare", sample_study, "P01", "--format", "json", "--include-unfinished")
        assert code == 0 and '"me"' in out
    else:
        code, out, err = run_cli("report", sample_study, "segments", "--pool", "--format", "csv")
        assert code == 0 and ",me," not in out and "left out: me (interviews/P01.txt)" in err
        code, out, err = run_cli("report", sample_study, "segments", "--pool", "--format", "csv",
                                 "--include-unfinished")
        assert code == 0 and ",me," in out


def test_the_readme_agree_table_is_the_programs_output(run_cli):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("$ tcoder agree "):]
    block = block[:block.index("```")]
    rows = [line for line in block.splitlines() if line.startswith("│") and "..." not in line]
    code, out, _ = run_cli(*readme_agree_command()[:1], REPO / "sample_data" / "activism-study",
                           *readme_agree_command()[2:])
    assert code == 0 and len(rows) >= 5
    printed = {line.strip() for line in out.splitlines()}
    for row in rows:
        assert row.strip() in printed, row

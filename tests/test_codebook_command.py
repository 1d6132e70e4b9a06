"""tcoder codebook ...: the command line, its output, exit codes and the history's renderings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from codebookkit import coded_study, codes_in, snapshot
from tcoder.codebook_history import parse_history, render_entry


@pytest.fixture
def study_root(tmp_path: Path, monkeypatch) -> Path:
    root = coded_study(tmp_path / "study").root
    monkeypatch.chdir(root)
    monkeypatch.setenv("TCODER_CODER", "alice")
    return root


def test_dry_run_lists_what_would_change_per_coder_and_file_and_writes_nothing(study_root, run_cli):
    before = snapshot(study_root)
    code, out, err = run_cli("codebook", "merge", ".", "duty", "--into", "personal", "--dry-run")
    assert code == 0, err
    assert snapshot(study_root) == before
    lines = out.splitlines()
    assert lines[0] == "Would merge 'duty' into 'personal':"
    assert "  codebook.yaml: 1 code merged into 'personal'" in lines
    assert "  codebook.history.yaml: 1 line added" in lines
    assert "  alice      3 annotations in 3 files" in lines
    assert "    interviews/P01.alice.json: 1 recoded" in lines
    assert "  consensus  3 annotations in 3 files" in lines
    assert not any(line.strip().startswith("bob") for line in lines)  # bob never used 'duty'
    assert lines[-1] == "Nothing was written (--dry-run)."


def test_each_subcommand_then_log_and_undo(study_root, run_cli):
    before = snapshot(study_root)
    steps = [
        ("new", ".", "Hope for change", "--parent", "motivation", "--key", "h", "--description", "Optimism.",
         "--why", "seen in P02"),
        ("edit", ".", "hope-for-change", "--name", "Hope", "--include", "Hope for the future."),
        ("rename", ".", "hope-for-change", "hope"),
        ("move", ".", "hope", "--top"),
        ("merge", ".", "duty", "--into", "personal", "--why", "hard to tell apart"),
        ("delete", ".", "hope"),
    ]
    for args in steps:
        code, out, err = run_cli("codebook", *args)
        assert code == 0, (args, err)
        assert out.startswith("Done: ") and "Undo with: tcoder codebook undo ." in out
    code, out, err = run_cli("codebook", "log", ".")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 6
    assert "alice  Created 'Hope for change' (hope-for-change) under 'Motivations' (motivation)  (why: seen in P02)" \
        in lines[0]
    assert "Renamed the id 'hope-for-change' to 'hope'" in lines[2]
    assert "Merged 'Professional duty' (duty) into 'Personal experience' (personal)  (why: hard to tell apart)" \
        in lines[4]
    code, out, err = run_cli("codebook", "undo", ".", "--list")
    assert out.count("[undo possible]") == 6
    for _ in steps:
        code, out, err = run_cli("codebook", "undo", ".")
        assert code == 0 and out.startswith("Undone: "), err
    assert snapshot(study_root) == before
    code, out, err = run_cli("codebook", "undo", ".")
    assert code == 1 and "no codebook operation to undo" in err


def test_refusals_exit_1_with_the_file_and_nothing_changes(study_root, run_cli):
    before = snapshot(study_root)
    code, out, err = run_cli("codebook", "delete", ".", "outreach")
    assert code == 1
    assert err.startswith("error: codebook.yaml: 'outreach' is used by 9 annotations (alice 3, bob 3, consensus 3)")
    assert snapshot(study_root) == before
    code, out, err = run_cli("codebook", "new", ".", "X", "--key", "?")
    assert code == 1 and "kept by tcoder for the command 'help'" in err


def test_bad_usage_exits_2(study_root, run_cli):
    assert run_cli("codebook")[0] == 2
    assert run_cli("codebook", "move", ".", "duty")[0] == 2  # --under or --top
    code, out, err = run_cli("codebook", "edit", ".", "duty")
    assert code == 2 and "nothing to change" in err
    code, out, err = run_cli("codebook", "split", ".", "duty", "--into", "a,b")
    assert code == 2 and "--assign" in err
    code, out, err = run_cli("codebook", "rename", ".", "duty", "x", "--coder", "Not Valid")
    assert code == 2


def test_split_through_an_assignments_file(study_root, run_cli):
    code, out, err = run_cli("codebook", "split", ".", "personal", "--into", "lived,witnessed",
                             "--write-assignments", "plan.csv")
    assert code == 0 and out.startswith("Wrote plan.csv: 12 passages of 'personal'.")
    rows = list(csv.DictReader(open("plan.csv", encoding="utf-8")))
    assert len(rows) == 12 and set(rows[0]) == {"annotation", "to", "coder", "transcript", "start", "end", "quote"}
    for row in rows:
        row["to"] = "both" if row["coder"] == "bob" and "saw" in row["quote"].lower() else (
            "witnessed" if row["coder"] == "alice" else "")
    with open("plan.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, err = run_cli("codebook", "split", ".", "personal", "--into", "lived,witnessed", "--name",
                             "lived=Lived experience", "--name", "witnessed=Witnessed", "--assign", "plan.csv")
    assert code == 1 and "not assigned" in err
    code, out, err = run_cli("codebook", "split", ".", "personal", "--into", "lived,witnessed", "--name",
                             "lived=Lived experience", "--name", "witnessed=Witnessed", "--assign", "plan.csv",
                             "--default", "lived", "--why", "two kinds of experience")
    assert code == 0, err
    bob = codes_in(study_root, "interviews/P01.txt", "bob")
    assert bob.count("lived") == 2 and bob.count("witnessed") == 1
    assert codes_in(study_root, "interviews/P01.txt", "alice").count("witnessed") == 1


def test_log_as_a_methods_appendix(study_root, run_cli):
    for args in (("new", ".", "Hope", "--parent", "motivation", "--why", "participants spoke of it unprompted"),
                 ("merge", ".", "duty", "--into", "personal", "--why", "coders could not tell them apart"),
                 ("rename", ".", "hope", "hope-for-change")):
        assert run_cli("codebook", *args)[0] == 0
    code, out, err = run_cli("codebook", "log", ".", "--format", "md")
    assert code == 0, err
    assert out.startswith("## Development of the codebook\n")
    assert "began with 9 codes. It was changed 3 times" in out and "by alice" in out
    assert "| Date | Change | By | Rationale |" in out
    assert "Merged *Professional duty* (`duty`) into *Personal experience* (`personal`) | alice | coders could not " \
           "tell them apart |" in out
    assert "- Hope (`hope-for-change`) — created during coding" in out
    assert "8 of the 9 codes were defined before the recorded changes; 1 were created during coding." in out
    code, out, err = run_cli("codebook", "log", ".", "--format", "json")
    data = json.loads(out)
    assert [d["op"] for d in data] == ["new", "merge", "rename"] and data[1]["why"] == "coders could not tell them apart"
    code, out, err = run_cli("codebook", "log", ".", "--format", "md", "-o", "../appendix.md")
    assert code == 0 and Path("../appendix.md").read_text().startswith("## Development")
    # inside the study, a .md file would be read as a transcript: refused, nothing written
    code, out, err = run_cli("codebook", "log", ".", "--format", "md", "-o", "appendix.md")
    assert code == 2 and "would be read as a transcript" in err and not Path("appendix.md").exists()


def test_markdown_in_names_stays_text(study_root, run_cli):
    assert run_cli("codebook", "new", ".", "Hope | *bold* <b>", "--id", "hope")[0] == 0
    code, out, err = run_cli("codebook", "log", ".", "--format", "md")
    assert "Hope \\| \\*bold\\* \\<b\\>" in out


def test_history_lines_read_back_the_same():
    history = parse_history(
        "- {when: 2026-03-04T09:00:00Z, who: bob, op: merge, codes: [a, 'b c'], into: c, names: {a: \"A: x\"}, "
        "why: \"it's, quoted\", id: 1}\n")
    entry = history.entries[0]
    assert parse_history(render_entry(entry) + "\n").entries[0].as_dict() == entry.as_dict()
    for tricky in ("yes", "1.5", "null", "a: b", "#x", "é", "[x]", "tab\tin", "line\nbreak"):
        entry2 = type(entry)("new", "2026-03-04T09:00:00Z", tricky, "id", tricky, {"code": tricky, "name": tricky})
        back = parse_history(render_entry(entry2) + "\n").entries[0]
        assert (back.who, back.why, back.code, back.data["name"]) == (tricky,) * 4

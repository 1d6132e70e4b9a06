"""Codebook operations across every coder's files: each one, its undo, its refusals."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codebookkit import CODERS, TRANSCRIPTS, coded_study, codes_in, live_session, snapshot, tell
from tcoder.annotations import read_annotations
from tcoder.changeset import operations
from tcoder.codebook_history import derived_id, history_path, read_history
from tcoder.codebook_ops import (
    delete_code,
    derive_id,
    edit_code,
    free_keys,
    in_vivo_name,
    merge_codes,
    move_code,
    new_code,
    rename_code,
    split_code,
    split_passages,
    undo_operation,
)
from tcoder.errors import TcoderError
from tcoder.study import open_study


@pytest.fixture
def study_root(tmp_path: Path) -> Path:
    return coded_study(tmp_path / "study").root


def reopen(root: Path):
    return open_study(root)


def history(root: Path):
    return read_history(history_path(root / "codebook.yaml"))


def refused(root: Path, call, match: str) -> str:
    """The call is refused with a message matching ``match``, and nothing on disk changed."""
    before = snapshot(root)
    with pytest.raises(TcoderError) as info:
        call(reopen(root))
    message = str(info.value)
    assert match in message, message
    assert snapshot(root) == before
    return message


# ---------------------------------------------------------------- rename


def test_rename_changes_the_codebook_line_and_every_coders_annotations(study_root):
    before = snapshot(study_root)
    outcome = rename_code(reopen(study_root), "personal", "personal-experience", who="alice", why="clearer")
    after = snapshot(study_root)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == sorted(["codebook.yaml", "codebook.history.yaml"] + [
        str(Path(t).with_name(f"{Path(t).stem}.{c}.json")) for t in TRANSCRIPTS for c in CODERS])
    assert b"personal-experience" in after["codebook.yaml"]
    assert before["codebook.yaml"].replace(b"{id: personal,", b"{id: personal-experience,") == after["codebook.yaml"]
    for name in TRANSCRIPTS:
        for coder in CODERS:
            assert "personal" not in codes_in(study_root, name, coder)
    entry = history(study_root).entries[-1]
    assert (entry.op, entry.code, entry.targets, entry.who, entry.why) == (
        "rename", "personal", ["personal-experience"], "alice", "clearer")
    assert outcome.operation is not None and entry.id == outcome.operation.id
    # only the code changed in each annotation's line
    old = before["interviews/P01.bob.json"].decode().splitlines()
    new = after["interviews/P01.bob.json"].decode().splitlines()
    assert [line.replace('"personal"', '"personal-experience"') for line in old] == new
    undo_operation(reopen(study_root), who="alice")
    assert snapshot(study_root) == before


def test_rename_refusals_change_nothing(study_root):
    refused(study_root, lambda s: rename_code(s, "personal", "duty", who="t"), "there is already a code 'duty'")
    refused(study_root, lambda s: rename_code(s, "personal", "bad id!", who="t"), "is not valid")
    message = refused(study_root, lambda s: rename_code(s, "persnal", "x", who="t"), "no code 'persnal'")
    assert "did you mean 'personal'" in message


def test_an_old_id_is_never_reused_but_a_code_can_be_renamed_back(study_root):
    before = snapshot(study_root)
    rename_code(reopen(study_root), "personal", "lived", who="t")
    refused(study_root, lambda s: new_code(s, "Personal", code_id="personal", who="t"), "was used before")
    rename_code(reopen(study_root), "lived", "personal", who="t")
    after = snapshot(study_root)
    assert {k: v for k, v in after.items() if k != "codebook.history.yaml"} == \
        {k: v for k, v in before.items() if k != "codebook.history.yaml"}


# ---------------------------------------------------------------- merge


def test_merge_recodes_every_coder_combines_duplicates_and_undoes_byte_for_byte(study_root):
    before = snapshot(study_root)
    outcome = merge_codes(reopen(study_root), ["duty"], "personal", who="bob", why="too close to call")
    assert outcome.applied
    study = reopen(study_root)
    assert "duty" not in study.codebook.codes
    alice = read_annotations(study_root / "interviews/P01.alice.json").annotations
    assert [a.code for a in alice].count("personal") == 2 and "duty" not in [a.code for a in alice]
    # consensus had 'personal' and 'duty' on different spans: both stay, as 'personal'
    assert codes_in(study_root, "interviews/P01.txt", "consensus").count("personal") == 2
    entry = history(study_root).entries[-1]
    assert (entry.op, entry.sources, entry.targets, entry.name_of("duty")) == ("merge", ["duty"], ["personal"],
                                                                             "Professional duty")
    undo_operation(reopen(study_root))
    assert snapshot(study_root) == before


def test_merge_combines_the_same_passage_coded_with_both_codes(study_root):
    # bob coded [SAW, SAW+40) as personal; give him the same span as duty too, with a memo
    from tcoder.session import CodingSession

    study = reopen(study_root)
    with CodingSession(study, "interviews/P01.txt", "bob") as session:
        start = next(a.start for a in session.annotations if a.memo == "saw it")
        added = session.apply("duty", start + 5, start + 45, memo="duty too").annotation
    outcome = merge_codes(reopen(study_root), ["duty"], "personal", who="t")
    plans = {str(p.path.relative_to(study_root)): p for p in outcome.plan.files}
    assert plans["interviews/P01.bob.json"].combined == 1
    kept = [a for a in read_annotations(study_root / "interviews/P01.bob.json").annotations if a.start == start]
    assert len(kept) == 1 and kept[0].code == "personal"
    assert sorted(kept[0].memo.split("\n\n")) == ["duty too", "saw it"]
    assert added.id not in {a.id for a in kept}  # the earlier one stays
    assert any("combined" in note for note in outcome.plan.notes)
    from tcoder.check import check_study

    assert not [p for p in check_study(reopen(study_root)).problems if "overlapping text" in p.message]


def test_merge_into_a_new_code_creates_it_where_the_first_code_was(study_root):
    merge_codes(reopen(study_root), ["personal", "duty"], "reasons", name="Reasons to act", who="t")
    codebook = reopen(study_root).codebook
    assert codebook["reasons"].name == "Reasons to act" and codebook["reasons"].parent == "motivation"
    assert codebook["motivation"].children == ["reasons"]
    assert set(codes_in(study_root, "interviews/P01.txt", "alice")) == {"reasons", "curriculum", "outreach",
                                                                         "stance-high"}
    refused(study_root, lambda s: merge_codes(s, ["curriculum"], "nowhere", who="t"), "give its name")


def test_merge_moves_the_children_of_a_merged_code(study_root):
    merge_codes(reopen(study_root), ["strategy"], "motivation", who="t")
    codebook = reopen(study_root).codebook
    assert "strategy" not in codebook.codes
    assert codebook["motivation"].children == ["personal", "duty", "curriculum", "outreach"]


def test_merge_refusals(study_root):
    refused(study_root, lambda s: merge_codes(s, ["stance-low"], "personal", who="t"), "across exclusive domains")
    refused(study_root, lambda s: merge_codes(s, ["personal"], "stance-low", who="t"), "across exclusive domains")
    refused(study_root, lambda s: merge_codes(s, ["stance"], "motivation", who="t"), "exclusive domain")
    refused(study_root, lambda s: merge_codes(s, ["motivation"], "personal", who="t"), "inside 'motivation'")
    refused(study_root, lambda s: merge_codes(s, ["personal"], "personal", who="t"), "at least one code")


def test_merging_values_of_one_domain_is_fine(study_root):
    merge_codes(reopen(study_root), ["stance-low"], "stance-high", who="t")
    assert "stance-low" not in reopen(study_root).codebook.codes
    assert "stance-high" in codes_in(study_root, "interviews/P01.txt", "bob")


def test_a_consensus_decision_of_none_follows_its_code(study_root):
    outcome = merge_codes(reopen(study_root), ["curriculum"], "outreach", who="t")
    header = json.loads((study_root / "interviews/P01.consensus.json").read_text())
    assert [r["code"] for r in header["adjudicated_none"]] == ["outreach"]
    # the summary says what changes in every file it lists (it once listed such a file with nothing after it)
    lines = outcome.plan.summary(applied=True)
    assert "  consensus  3 decisions of 'none' in 3 files" in lines
    assert next(x for x in lines if "P01.consensus.json" in x).endswith(": 1 decision of 'none' moved to the new code")


def test_the_summary_of_a_deletion_names_the_decisions_of_none_it_removes(study_root):
    lines = delete_code(reopen(study_root), "curriculum", delete_annotations=True, who="t", dry_run=True).plan.summary()
    assert not any(line.endswith(": ") for line in lines)
    assert next(x for x in lines if "P01.consensus.json" in x).endswith(": 1 decision of 'none' removed")
    assert "  consensus  3 decisions of 'none' in 3 files" in lines


# ---------------------------------------------------------------- split


def test_split_assigns_every_passage_and_both_makes_a_second_annotation(study_root):
    passages = split_passages(reopen(study_root), "personal")
    assert len(passages) == 3 * (1 + 2 + 1)
    assignment = {}
    for p in passages:
        if p.annotation.memo == "saw it":
            assignment[p.annotation.id] = ["witnessed", "lived"]
        elif p.coder == "alice":
            assignment[p.annotation.id] = ["witnessed"]
    before = snapshot(study_root)
    outcome = split_code(reopen(study_root), "personal", ["lived", "witnessed"], assignment,
                         names={"lived": "Lived experience", "witnessed": "Witnessed"}, default=["lived"], who="t")
    codebook = reopen(study_root).codebook
    assert "personal" not in codebook.codes
    assert codebook["motivation"].children == ["lived", "witnessed", "duty"]
    bob = read_annotations(study_root / "interviews/P01.bob.json").annotations
    saw = [a for a in bob if a.memo == "saw it"]
    assert sorted(a.code for a in saw) == ["lived", "witnessed"]
    original = next(p.annotation for p in passages if p.annotation.memo == "saw it" and p.transcript.endswith("P01.txt"))
    assert {a.id for a in saw} == {original.id, derived_id(original.id, "witnessed")}
    assert codes_in(study_root, "interviews/P01.txt", "alice").count("witnessed") == 1
    assert codes_in(study_root, "interviews/P01.txt", "consensus").count("lived") == 1
    assert outcome.plan.annotations_changed == 3 * 4 + 3
    undo_operation(reopen(study_root))
    assert snapshot(study_root) == before


def test_split_keeping_the_code_itself(study_root):
    passages = split_passages(reopen(study_root), "outreach")
    assignment = {p.annotation.id: ["events"] for p in passages if p.coder == "bob"}
    split_code(reopen(study_root), "outreach", ["outreach", "events"], assignment, names={"events": "Events"},
               default=["outreach"], who="t")
    codebook = reopen(study_root).codebook
    assert "outreach" in codebook.codes and codebook["events"].parent == "strategy"
    assert codes_in(study_root, "interviews/P02.txt", "bob").count("events") == 1


def test_split_refusals(study_root):
    refused(study_root, lambda s: split_code(s, "personal", ["a"], {}, names={"a": "A"}, who="t"), "at least two")
    refused(study_root, lambda s: split_code(s, "personal", ["a", "b"], {}, names={"a": "A", "b": "B"}, who="t"),
            "not assigned")
    refused(study_root, lambda s: split_code(s, "personal", ["a", "b"], {}, names={"a": "A"}, default=["a"],
                                             who="t"), "give its name")
    refused(study_root, lambda s: split_code(s, "stance-low", ["personal", "duty"], {}, default=["duty"], who="t"),
            "cannot split")


# ---------------------------------------------------------------- move


def test_move_changes_the_tree_not_the_annotation_files(study_root):
    before = snapshot(study_root)
    move_code(reopen(study_root), "curriculum", "motivation", who="t")
    after = snapshot(study_root)
    assert sorted(k for k in after if after[k] != before.get(k)) == ["codebook.history.yaml", "codebook.yaml"]
    assert reopen(study_root).codebook["curriculum"].parent == "motivation"
    move_code(reopen(study_root), "curriculum", None, who="t")
    assert reopen(study_root).codebook["curriculum"].parent is None
    move_code(reopen(study_root), "curriculum", "strategy", index=0, who="t")
    assert reopen(study_root).codebook["strategy"].children == ["curriculum", "outreach"]


def test_move_refusals(study_root):
    refused(study_root, lambda s: move_code(s, "motivation", "personal", who="t"), "inside 'motivation'")
    refused(study_root, lambda s: move_code(s, "motivation", "motivation", who="t"), "the code itself")
    refused(study_root, lambda s: move_code(s, "personal", "stance", who="t"), "exclusive domain")
    refused(study_root, lambda s: move_code(s, "stance-low", None, who="t"), "cannot leave its domain")
    refused(study_root, lambda s: move_code(s, "personal", "stance-low", who="t"), "cannot have codes")
    refused(study_root, lambda s: move_code(s, "personal", "motivation", who="t"), "already under")
    refused(study_root, lambda s: move_code(s, "personal", "nowhere", who="t"), "no parent code 'nowhere'")


# ---------------------------------------------------------------- delete


def test_delete_is_refused_while_annotations_use_the_code_and_lists_them(study_root):
    message = refused(study_root, lambda s: delete_code(s, "outreach", who="t"), "is used by 9 annotations")
    assert "alice 3, bob 3, consensus 3" in message and "merge" in message


def test_delete_with_its_annotations_and_undo(study_root):
    before = snapshot(study_root)
    outcome = delete_code(reopen(study_root), "outreach", delete_annotations=True, who="t", why="out of scope")
    assert "outreach" not in reopen(study_root).codebook.codes
    assert all("outreach" not in codes_in(study_root, t, c) for t in TRANSCRIPTS for c in CODERS)
    assert sum(f.removed for f in outcome.plan.files) == 9
    entry = history(study_root).entries[-1]
    assert entry.data["annotations"] == 9 and entry.data["per_coder"] == {"alice": 3, "bob": 3, "consensus": 3}
    undo_operation(reopen(study_root))
    assert snapshot(study_root) == before


def test_delete_a_code_with_codes_of_its_own_is_refused(study_root):
    refused(study_root, lambda s: delete_code(s, "strategy", delete_annotations=True, who="t"), "has codes of its own")


def test_delete_an_unused_code(study_root):
    new_code(reopen(study_root), "Spare", who="t")
    delete_code(reopen(study_root), "spare", who="t")
    assert "spare" not in reopen(study_root).codebook.codes


# ---------------------------------------------------------------- new and edit


def test_new_code_with_everything(study_root):
    outcome = new_code(reopen(study_root), "Hope for change", parent="motivation", key="h",
                       description="Optimism.", include="Hope.", exclude="Plans.", examples=["It will get better."],
                       color="#123456", who="carol", why="seen in P02")
    code = reopen(study_root).codebook["hope-for-change"]
    assert (code.name, code.parent, code.key, code.description, code.include, code.exclude, code.examples,
            code.color) == ("Hope for change", "motivation", "h", "Optimism.", "Hope.", "Plans.",
                            ("It will get better.",), "#123456")
    assert outcome.plan.introduces == ["hope-for-change"]
    entry = history(study_root).entries[-1]
    assert (entry.op, entry.code, entry.data["parent"], entry.who) == ("new", "hope-for-change", "motivation", "carol")


@pytest.mark.parametrize("key, message", [("p", "already the key of 'personal'"), ("/", "kept by tcoder for the "
                                          "command 'search'"), ("ab", "one letter or digit"),
                                          ("?", "command 'help'")])
def test_new_code_key_refusals(study_root, key, message):
    text = refused(study_root, lambda s: new_code(s, "X", key=key, who="t"), message)
    if "already" in text:  # the keys free are listed whole, or counted past the first fourteen
        assert "free keys: b, c, e, f, g, h, i, j, k, l, m, n, q, r and 42 more;" in text


def test_new_code_other_refusals(study_root):
    refused(study_root, lambda s: new_code(s, "X", parent="nowhere", who="t"), "no parent code 'nowhere'")
    refused(study_root, lambda s: new_code(s, "X", parent="stance-low", who="t"), "cannot have codes of its own")
    refused(study_root, lambda s: new_code(s, "Medium", parent="stance", who="t"), "needs a numeric 'value'")
    refused(study_root, lambda s: new_code(s, "Duty", code_id="duty", who="t"), "already a code 'duty'")
    refused(study_root, lambda s: new_code(s, "   ", who="t"), "needs a name")
    refused(study_root, lambda s: new_code(s, "X", color="not-a-colour", who="t"), "is not a colour")


def test_new_value_of_an_ordinal_domain(study_root):
    new_code(reopen(study_root), "Medium", parent="stance", value=1.5, key="5", who="t")
    assert reopen(study_root).codebook["medium"].value == 1.5


def test_edit_a_codes_definition_key_and_colour(study_root):
    before = snapshot(study_root)["codebook.yaml"].decode()
    edit_code(reopen(study_root), "curriculum", {"name": "Curriculum reform", "description": "Changing what is taught.",
                                                 "key": "c", "color": "orange"}, who="t")
    code = reopen(study_root).codebook["curriculum"]
    assert (code.name, code.description, code.key, code.color) == ("Curriculum reform", "Changing what is taught.",
                                                                   "c", "#E69F00")
    after = (study_root / "codebook.yaml").read_text()
    assert len(before.splitlines()) == len(after.splitlines())  # a flow item: its one line changed
    entry = history(study_root).entries[-1]
    assert entry.data["fields"] == ["color", "description", "key", "name"] and entry.data["was"] == "Curriculum advocacy"
    edit_code(reopen(study_root), "curriculum", {"key": None, "color": None, "description": ""}, who="t")
    code = reopen(study_root).codebook["curriculum"]
    assert code.key is None and not code.color_given and code.description == ""
    refused(study_root, lambda s: edit_code(s, "curriculum", {"key": "p"}, who="t"), "already the key")
    refused(study_root, lambda s: edit_code(s, "curriculum", {"name": "Curriculum reform"}, who="t"),
            "already has these values")


# ---------------------------------------------------------------- names, ids, keys


def test_in_vivo_names_ids_and_free_keys():
    assert in_vivo_name('  "we   pushed to change the renal block, and then..."  ') == \
        "we pushed to change the renal block"
    assert in_vivo_name("it's my people.") == "it's my people"
    assert in_vivo_name("x" * 100) == "x" * 48
    assert derive_id("Hope for change") == "hope-for-change"
    assert derive_id("Über élan!", {"uber-elan"}) == "uber-elan-2"
    assert derive_id("日本") == "code"
    from studykit import MINI_CODEBOOK
    from tcoder.codebook import parse_codebook

    keys = free_keys(parse_codebook(MINI_CODEBOOK), "Outrage")
    assert keys[:3] == ["u", "t", "r"] and "o" not in keys and "p" not in keys


# ---------------------------------------------------------------- bad input and concurrency


def test_a_codebook_with_errors_on_disk_is_not_changed(study_root):
    path = study_root / "codebook.yaml"
    path.write_text(path.read_text().replace("key: d}", "key: p}"))
    message = refused(study_root, lambda s: new_code(s, "X", who="t"), "the codebook has errors")
    assert "line" in message and "used twice" in message


def test_a_codebook_edited_since_it_was_loaded_is_never_overwritten(study_root):
    study = reopen(study_root)
    loaded = study.codebook.source_sha256
    path = study_root / "codebook.yaml"
    path.write_text(path.read_text().replace("title: Mini codebook", "title: Edited elsewhere"), encoding="utf-8")
    refused(study_root, lambda s: new_code(s, "X", expected_sha256=loaded, who="t"),
            "changed on disk (in another window")


def test_an_unreadable_annotation_file_stops_the_operation(study_root):
    path = study_root / "interviews/P02.bob.json"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    message = refused(study_root, lambda s: rename_code(s, "personal", "lived", who="t"), "cannot be read")
    assert "P02.bob.json" in message


def test_a_file_open_in_a_live_session_is_left_to_the_mapping(study_root, monkeypatch):
    monkeypatch.chdir(study_root)
    with live_session(study_root, "interviews/P01.txt", "bob") as bob:
        dry = merge_codes(reopen(study_root), ["duty"], "personal", who="t", dry_run=True)
        assert [left.path.name for left in dry.plan.left] == []  # bob has no 'duty' annotation
        outcome = rename_code(reopen(study_root), "personal", "lived", who="t")
        assert [left.path.name for left in outcome.plan.left] == ["P01.bob.json"]
        assert outcome.plan.left[0].holder["pid"] == bob.pid
        assert "live coding session" in "\n".join(outcome.plan.summary(applied=True))
        # bob's file still has the old id on disk, and is read under the new one
        assert codes_in(study_root, "interviews/P01.txt", "bob").count("personal") == 2
        fresh = reopen(study_root)
        loaded = fresh.load_annotations("interviews/P01.txt", "bob", set(fresh.codebook.codes))
        assert [a.code for a in loaded.file.annotations].count("lived") == 2
        assert len(loaded.pending_migration) == 2 and not loaded.problems
        from tcoder.check import check_study

        report = check_study(reopen(study_root))
        assert not report.errors, report.errors
        assert report.pending_lines() == ["interviews/P01.bob.json: 2 x personal -> lived ('personal' was renamed "
                                          f"'lived' on {history(study_root).entries[-1].when[:10]})"]
        # bob's session saves a change: his file is written with the new id
        tell(bob, "session.study.reload_codebook(); assert session.remap_codes() == 2; "
                  "session.remove(session.annotations[-1].id)")
    assert "personal" not in codes_in(study_root, "interviews/P01.txt", "bob")


def test_undo_is_refused_while_a_file_it_wrote_is_open_in_a_session(study_root):
    rename_code(reopen(study_root), "personal", "lived", who="t")
    with live_session(study_root, "interviews/P02.txt", "alice"):
        refused(study_root, lambda s: undo_operation(s), "Close that coding session")
    undo_operation(reopen(study_root))


def test_undo_is_refused_when_a_file_changed_since(study_root):
    rename_code(reopen(study_root), "personal", "lived", who="t")
    path = study_root / "interviews/P02.alice.json"
    path.write_text(path.read_text().replace('"grandmother"', '"grandmother, edited"'))
    message = refused(study_root, lambda s: undo_operation(s), "changed since")
    assert "interviews/P02.alice.json" in message


def test_undo_of_a_new_code_is_refused_once_the_code_is_used(study_root):
    new_code(reopen(study_root), "Hope", key="h", who="t")
    from tcoder.session import CodingSession

    with CodingSession(reopen(study_root), "interviews/P02.txt", "alice") as session:
        session.apply("hope", 0, 11)
    message = refused(study_root, lambda s: undo_operation(s), "used since")
    assert "'hope': 1 annotation in P02.alice.json" in message


def test_two_coders_creating_codes_at_the_same_moment_both_succeed(study_root):
    program = textwrap.dedent("""
        import sys
        from tcoder.study import open_study
        from tcoder.codebook_ops import new_code
        new_code(open_study(sys.argv[1]), sys.argv[2], who=sys.argv[2].lower())
        """)
    processes = [subprocess.Popen([sys.executable, "-c", program, str(study_root), name])
                 for name in ("Alpha", "Beta", "Gamma")]
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0]
    codebook = reopen(study_root).codebook
    assert {"alpha", "beta", "gamma"} <= set(codebook.codes)
    assert sorted(e.code for e in history(study_root).entries) == ["alpha", "beta", "gamma"]
    assert len(operations(study_root)) == 3


def test_a_split_with_a_live_session_records_where_its_passages_go(study_root):
    passages = split_passages(reopen(study_root), "personal")
    assignment = {p.annotation.id: ["witnessed"] if p.annotation.memo == "saw it" else ["lived"] for p in passages}
    with live_session(study_root, "interviews/P01.txt", "bob"):
        split_code(reopen(study_root), "personal", ["lived", "witnessed"], assignment,
                   names={"lived": "Lived", "witnessed": "Witnessed"}, who="t")
    assert codes_in(study_root, "interviews/P01.txt", "bob").count("personal") == 2
    entry = history(study_root).entries[-1]
    assert sorted(entry.data["assigned"]) == ["lived", "witnessed"]
    loaded = reopen(study_root).load_annotations("interviews/P01.txt", "bob")
    assert sorted(a.code for a in loaded.file.annotations if a.code in ("lived", "witnessed")) == ["lived",
                                                                                                  "witnessed"]
    # an annotation the split never saw (coded on a branch, say) cannot be placed: check says so
    path = study_root / "interviews/P01.bob.json"
    text = path.read_text().replace('"id": "bo0', '"id": "zz0', 1)
    path.write_text(text)
    loaded = reopen(study_root).load_annotations("interviews/P01.txt", "bob",
                                                 set(reopen(study_root).codebook.codes))
    assert any("was split into 'lived', 'witnessed'" in p.message and "recode it" in p.message
               for p in loaded.problems)


def test_check_fix_writes_pending_migrations(study_root, run_cli, monkeypatch):
    monkeypatch.chdir(study_root)
    with live_session(study_root, "focus-groups/FG1.txt", "alice"):
        rename_code(reopen(study_root), "outreach", "community-outreach", who="t")
    code, out, err = run_cli("check", study_root)
    assert code == 0, err
    assert "Pending migration 1 annotation in 1 file" in out
    assert "focus-groups/FG1.alice.json: 1 x outreach -> community-outreach ('outreach' was renamed" in out
    code, out, err = run_cli("check", study_root, "--fix")
    assert code == 0 and "written with their current codes" in out
    assert "outreach" not in codes_in(study_root, "focus-groups/FG1.txt", "alice")
    code, out, err = run_cli("check", study_root)
    assert "Pending migration" not in out


def test_themes_and_memos_follow_their_codes(study_root, monkeypatch):
    from tcoder.memos import code_link, new_memo
    from tcoder.memoset import create_memo, load_memos
    from tcoder.themes import read_themes

    monkeypatch.chdir(study_root)
    (study_root / "themes.yaml").write_text(
        "# our candidate themes\nthemes:\n  - id: why\n    name: Why they act\n    codes: [personal, duty]\n"
        "  - id: what\n    name: What they do   # keep this comment\n    codes: [curriculum, outreach]\n",
        encoding="utf-8")
    study = reopen(study_root)
    create_memo(study, new_memo("code", title="Duty", body="Personal and duty overlap a lot.",
                                links=[code_link("duty")], memo_id="m1"))
    create_memo(study, new_memo("code", title="Outreach", body="About outreach.", links=[code_link("outreach")],
                                memo_id="m2"))
    before = snapshot(study_root)
    outcome = merge_codes(reopen(study_root), ["duty"], "personal", who="t")
    summary = outcome.plan.summary(applied=True)
    assert "  themes.yaml: theme Why they act follows their codes" in summary
    themes = read_themes(study_root / "themes.yaml")
    assert [t.codes for t in themes] == [["personal"], ["curriculum", "outreach"]]
    assert "# keep this comment" in (study_root / "themes.yaml").read_text()
    memos = load_memos(reopen(study_root)).by_id
    assert memos["m1"].targets("code") == ["personal"] and memos["m1"].body.startswith("Personal and")
    outcome = delete_code(reopen(study_root), "outreach", delete_annotations=True, who="t")
    assert any("memo m2 is about 'outreach', which is deleted; the memo is kept" in n for n in outcome.plan.notes)
    assert [t.codes for t in read_themes(study_root / "themes.yaml")] == [["personal"], ["curriculum"]]
    undo_operation(reopen(study_root))
    undo_operation(reopen(study_root))
    assert snapshot(study_root) == before

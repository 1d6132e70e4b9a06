"""`tcoder check` on bad and good input: a clear message naming the file (and line
and column for YAML), exit 1, no traceback, and nothing changed on disk."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest

from studykit import MINI_TRANSCRIPT


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _check(run_cli, root: Path, *extra: str) -> tuple[int, str, str]:
    before = _tree(root)
    code, out, err = run_cli("check", root, *extra)
    assert "Traceback" not in out + err
    if "--fix" not in extra:
        assert _tree(root) == before, "check changed files on disk"
    return code, out, err


# ------------------------------------------------------------------ bad input: exit 1

BAD_CODEBOOKS = {
    "yaml syntax": ("codes:\n  - id: a\n   name: b\n", "codebook.yaml, line 3, column 4: YAML syntax error"),
    "object tag": ("codes:\n  - id: !!python/object/apply:os.system ['true']\n",
                   "codebook.yaml, line 2, column 9: YAML tag"),
    "duplicate id": ("codes:\n  - id: a\n  - id: a\n", "codebook.yaml, line 3, column 9: duplicate code id 'a'"),
    "duplicate key": ("codes:\n  - {id: a, key: x}\n  - {id: b, key: x}\n", "codebook.yaml, line 3"),
    "kept key": ("codes:\n  - {id: a, key: '?'}\n", "kept by tcoder for the command 'help'"),
    "unknown field": ("codes:\n  - {id: a, nmae: A}\n", "unknown field 'nmae' in a code (did you mean 'name'?)"),
    "no id": ("codes:\n  - name: A\n", "codebook.yaml, line 2, column 5: a code without an 'id'"),
    "non-numeric": ("codes:\n  - id: d\n    exclusive: true\n    level: ratio\n    codes:\n      - {id: x, value: lots}\n",
                    "codebook.yaml, line 6"),
}


@pytest.mark.parametrize("name", BAD_CODEBOOKS)
def test_bad_codebooks(mini_study, run_cli, name):
    text, message = BAD_CODEBOOKS[name]
    mini_study.codebook(text)
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 1
    assert message in err
    assert "FAILED" in out


def test_binary_file_named_txt(mini_study, run_cli):
    (mini_study.root / "interviews" / "P02.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, _, err = _check(run_cli, mini_study.root)
    assert code == 1 and "interviews/P02.txt" in err and "does not look like a text transcript" in err


def test_truncated_annotation_file(mini_study, run_cli):
    path = mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 12), ("duty", 14, 20)])
    path.write_bytes(path.read_bytes()[:-40])
    code, _, err = _check(run_cli, mini_study.root)
    assert code == 1 and "P01.alice.json, line 8" in err and "truncated" in err


def test_malformed_annotation_file(mini_study, run_cli):
    path = mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 12)])
    path.write_text(path.read_text().replace('"id": "alice-0000"', '"id": 7'))
    code, _, err = _check(run_cli, mini_study.root)
    assert code == 1 and "P01.alice.json" in err and "'id' is missing or not a non-empty string" in err


def test_reversed_span(mini_study, run_cli):
    path = mini_study.annotations("interviews/P01.txt", "alice", [("personal", 5, 12)])
    path.write_text(path.read_text().replace('"start": 5, "end": 12', '"start": 12, "end": 5'))
    code, _, err = _check(run_cli, mini_study.root)
    assert code == 1 and "P01.alice.json, line 7" in err and "reversed" in err


def test_span_beyond_the_text(mini_study, run_cli):
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", 5, 12)])
    path = mini_study.root / "interviews" / "P01.alice.json"
    path.write_text(path.read_text().replace('"end": 12', '"end": 99999'))
    code, _, err = _check(run_cli, mini_study.root)
    assert code == 1 and "spans [5, 99999)" in err


def test_unknown_code_is_kept_and_reported(mini_study, run_cli):
    mini_study.annotations("interviews/P01.txt", "alice", [("no-such-code", 5, 12)])
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 1 and "'no-such-code', which is not in the codebook" in err
    assert "no-such-code (1)" in out


def test_two_transcripts_with_the_same_stem(mini_study, run_cli):
    mini_study.transcript("interviews/P01.md", "P1: x\n")
    code, _, err = _check(run_cli, mini_study.root)
    assert code == 1 and "share the stem 'P01'" in err


def test_orphaned_annotation_after_the_transcript_changed(mini_study, run_cli):
    quote = "We also ran a free clinic day in the neighbourhood."
    start = MINI_TRANSCRIPT.index(quote)
    mini_study.annotations("interviews/P01.txt", "alice", [("outreach", start, start + len(quote))])
    mini_study.transcript(text=MINI_TRANSCRIPT.replace(quote, "That was all."))
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 1 and "orphaned" in err and "Orphaned    1" in out


def test_json_report(mini_study, run_cli):
    mini_study.annotations("interviews/P01.txt", "alice", [("no-such-code", 5, 12)])
    code, out, _ = _check(run_cli, mini_study.root, "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["unknown_codes"] == {"no-such-code": 1} and data["transcripts"] == 1


# ------------------------------------------------------------------ loads cleanly: exit 0


def _write(study, name: str, data: bytes) -> None:
    path = study.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF8 + MINI_TRANSCRIPT.encode(),
    codecs.BOM_UTF16_LE + MINI_TRANSCRIPT.encode("utf-16-le"),
    b"",
    b"P1: I said [bold]no[/] and [link=x]y[/link] \x1b[31mred\x1b[0m \x07bell\n",
], ids=["utf8-bom", "utf16-bom", "empty", "markup-and-ansi"])
def test_inputs_that_load_cleanly(mini_study, run_cli, data):
    _write(mini_study, "interviews/P02.txt", data)
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 0, err
    assert "Transcripts 2" in out and err == ""


def test_windows_1252_with_crlf_warns_naming_the_encoding(mini_study, run_cli):
    _write(mini_study, "interviews/P02.txt", "P1: caf\u00e9 \u201cyes\u201d\r\nP2: \u20ac5\r\n".encode("cp1252"))
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 0 and "interviews/P02.txt: not UTF-8; decoded as Windows-1252" in err and err.startswith("warning: ")
    assert "OK: 0 errors, 1 warning" in out


def test_sample_study_checks_clean(run_cli, sample_study):
    code, out, err = _check(run_cli, sample_study)
    assert code == 0, err
    assert "alice" in out and "bob" in out and "consensus" in out


# ------------------------------------------------------------------ --fix


def _without_quotes(path: Path, *, context: bool) -> None:
    """Rewrite an annotation file as other programs and scripts may: no quote (and no context)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for item in data["annotations"]:
        del item["quote"]
        if not context:
            item.pop("prefix", None)
            item.pop("suffix", None)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_annotations_without_quotes_after_an_edit_fail_check_with_the_reason(mini_study, run_cli):
    """Nothing tells where a quote-less annotation belongs once the text before it changed:
    every one is flagged and reported, none is silently left on other words."""
    spans = [("personal", MINI_TRANSCRIPT.index("I saw how"), MINI_TRANSCRIPT.index(" That stayed")),
             ("curriculum", MINI_TRANSCRIPT.index("We pushed"), MINI_TRANSCRIPT.index(" We also"))]
    path = mini_study.annotations("interviews/P01.txt", "alice", spans)
    _without_quotes(path, context=False)
    mini_study.transcript(text="[Recording starts]\n" + MINI_TRANSCRIPT)
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 1
    assert err.count("has no stored quote, so its passage cannot be found again") == 2, err
    code, out, err = _check(run_cli, mini_study.root, "--fix")
    kept = json.loads(path.read_text(encoding="utf-8"))["annotations"]
    assert [(a["start"], a["end"], a.get("orphaned")) for a in kept] == [(s, e, True) for _, s, e in spans]


def test_annotations_without_quotes_keep_their_place_where_their_context_is_unchanged(mini_study, run_cli):
    """With the stored context still around the offsets (the edit was after them), the place is
    proven: the annotation stays and its quote is written from now on; one whose context changed
    is flagged."""
    before = ("personal", MINI_TRANSCRIPT.index("I saw how"), MINI_TRANSCRIPT.index(" That stayed"))
    after = ("curriculum", MINI_TRANSCRIPT.index("We pushed"), MINI_TRANSCRIPT.index(" We also"))
    path = mini_study.annotations("interviews/P01.txt", "alice", [before, after])
    _without_quotes(path, context=True)
    # The edit is after the first passage's context and inside the second one's.
    mini_study.transcript(text=MINI_TRANSCRIPT.replace("And what did you do about it?", "And what then?"))
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 1 and "alice-0001 (curriculum) is orphaned" in err and "the text around its offsets changed" in err
    assert "alice-0000" not in err
    _check(run_cli, mini_study.root, "--fix")
    first, second = json.loads(path.read_text(encoding="utf-8"))["annotations"]
    assert first["quote"] == "I saw how she was treated at the clinic." and "orphaned" not in first
    assert second.get("orphaned") is True and "quote" not in second


def test_a_file_without_the_text_hash_is_checked_by_its_quotes(mini_study, run_cli):
    """Without text_sha256 a quote no longer at its offsets still shows the transcript changed
    (the file is re-anchored); quote-less annotations there cannot be checked, and check says so."""
    start, end = MINI_TRANSCRIPT.index("I saw how"), MINI_TRANSCRIPT.index(" That stayed")
    path = mini_study.annotations("interviews/P01.txt", "alice", [("personal", start, end), ("duty", 0, 11)])
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["text_sha256"]
    (duty,) = [item for item in data["annotations"] if item["code"] == "duty"]
    for field in ("quote", "prefix", "suffix"):
        del duty[field]
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 0 and "1 annotation has no quote and the file has no text_sha256" in err
    mini_study.transcript(text="[Recording starts]\n" + MINI_TRANSCRIPT)
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 1 and "1 annotation found their exact passage at a new place" in err
    assert "(duty) is orphaned: (no quote stored) at [0, 11): it has no stored quote" in err


def test_every_annotation_placed_elsewhere_is_reported_on_its_own(mini_study, run_cli):
    """Moving paragraphs far away moves their annotations away from where the text before them
    went: each is named with its quote and its old and new offsets, not only counted."""
    filler = "".join(f"Interviewer: Question {i} about the clinic and the curriculum, asked again?\n\n"
                     f"Amara: Answer {i}, which nobody coded in this study.\n\n" for i in range(60))
    text = MINI_TRANSCRIPT + "\n" + filler
    mini_study.transcript(text=text)
    spans = [("personal", text.index("I saw how"), text.index(" That stayed")),
             ("curriculum", text.index("We pushed"), text.index(" We also"))]
    answers = [("duty", text.index(f"Answer {i},"), text.index(f"Answer {i},") + 9) for i in range(0, 60, 6)]
    mini_study.annotations("interviews/P01.txt", "alice", spans + answers)
    paragraphs = MINI_TRANSCRIPT.rstrip("\n").split("\n\n")
    moved = "\n\n".join([paragraphs[0], paragraphs[2]]) + "\n\n" + filler + "\n\n".join(
        [paragraphs[3], paragraphs[1]]) + "\n"
    mini_study.transcript(text=moved)
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 0, err
    assert "10 annotations found their exact passage at a new place" in err  # the answers, shifted
    for code_id, start, end in spans:
        quote = text[start:end]
        now = moved.index(quote)
        assert f"({code_id}) {quote!r} was found at another place from [{start}, {end}) to [{now}, {now + len(quote)})" \
            in err, err


def test_fix_saves_re_anchored_offsets_and_keeps_everything(mini_study, run_cli):
    quote = "I saw how she was treated at the clinic."
    start = MINI_TRANSCRIPT.index(quote)
    path = mini_study.annotations("interviews/P01.txt", "alice", [("personal", start, start + len(quote))])
    edited = "[Recording starts]\n" + MINI_TRANSCRIPT
    mini_study.transcript(text=edited)
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 0 and "not yet saved: run with --fix" in out
    assert "1 annotation found their exact passage at a new place" in err
    code, out, err = _check(run_cli, mini_study.root, "--fix")
    assert code == 0 and "(saved)" in out and "saved (--fix)" in err and "saves the new offsets" not in err
    (a,) = json.loads(path.read_text())["annotations"]
    assert edited[a["start"]:a["end"]] == quote
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 0 and "Re-anchored" not in out and err == ""


# ------------------------------------------------------------------ the real command


def test_real_process_prints_no_traceback_and_exits_1(mini_study):
    mini_study.codebook("codes:\n  - id: !!python/object/apply:os.system ['true']\n")
    result = subprocess.run([sys.executable, "-m", "tcoder", "check", str(mini_study.root)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "line 2, column 9" in result.stderr


def test_missing_study_folder(run_cli, tmp_path):
    code, _, err = run_cli("check", tmp_path / "nope")
    assert code == 1 and "no such folder" in err


def test_bad_usage_exits_2(run_cli):
    code, _, err = run_cli("check")
    assert code == 2 and "required" in err


def test_fuzzy_re_anchoring_is_listed_for_review(mini_study, run_cli):
    quote = "I saw how she was treated at the clinic."
    start = MINI_TRANSCRIPT.index(quote)
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", start, start + len(quote))])
    mini_study.transcript(text=MINI_TRANSCRIPT.replace("treated at the clinic", "treated at the clinc"))
    code, _, err = _check(run_cli, mini_study.root)
    assert code == 0 and "re-anchored by fuzzy match (99% similar) from [97, 137) to [97, 136)" in err


def test_unreadable_adjudication_records_are_reported(mini_study, run_cli):
    path = mini_study.annotations("interviews/P01.txt", "consensus", [("personal", 14, 40)])
    data = json.loads(path.read_text())
    data["annotations"][0]["sources"] = 5
    data["adjudicated_none"] = [{"code": "duty", "start": None, "end": 4, "sources": []},
                                {"code": "duty", "start": 1, "end": 4, "sources": ["x"]}]
    path.write_text(json.dumps(data))
    code, _, err = _check(run_cli, mini_study.root)
    assert code == 1 and "P01.consensus.json" in err
    assert "'sources' must be a list of annotation ids, not 5" in err
    assert "'adjudicated_none' entry 1 is not a decision record" in err and "entry 2" not in err
    path.write_text(json.dumps(dict(data, adjudicated_none="oops")))
    code, _, err = _check(run_cli, mini_study.root)
    assert code == 1 and "'adjudicated_none' in the header must be a list of decisions" in err


# ------------------------------------------------------------------ temporary files left by a kill -9


def _dead_pid() -> int:
    """A process id that no process has now."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_check_counts_leftover_temporary_files_and_fix_removes_them(mini_study, run_cli):
    import os
    import time

    folder = mini_study.root / "interviews"
    dead = _dead_pid()
    stale = [folder / f".P01.alice.json.{dead}.{n:08x}.tmp" for n in range(3)]
    for path in stale:
        path.write_bytes(b"x" * 400_000)
    (mini_study.root / f".codebook.yaml.{dead}.0badc0de.tmp").write_text("codes: [")
    in_use = folder / f".P01.bob.json.{os.getpid()}.0000beef.tmp"  # this process is alive: a save in progress
    in_use.write_text("{")
    old_but_alive = folder / f".P01.carol.json.{os.getpid()}.0000cafe.tmp"
    old_but_alive.write_text("{")
    os.utime(old_but_alive, (time.time() - 3600, time.time() - 3600))  # an hour old: not being written
    code, out, err = _check(run_cli, mini_study.root)
    assert code == 0
    assert "warning: " in err and "6 temporary files (1.1 MB) left by interrupted saves" in err
    assert "'tcoder check --fix' removes them" in err and err.count("temporary") == 1
    code, out, err = _check(run_cli, mini_study.root, "--fix")
    assert code == 0, err
    assert "Removed     5 temporary files (1.1 MB) left by interrupted saves" in out
    assert "a save may still be writing this temporary file; kept" in err and in_use.name in err
    left = sorted(p.name for p in mini_study.root.rglob(".*.tmp"))
    assert left == [in_use.name]


_KILLED_FIX = """
import sys
from tcoder.cli import main
print("ready", flush=True)
sys.exit(main(["check", sys.argv[1], "--fix", "--quiet"]))
"""


@pytest.mark.slow
def test_killing_check_fix_mid_write_leaves_whole_files_and_fix_cleans_up(study_builder, run_cli):
    """kill -9 `check --fix` while it saves many files, again and again: each file is the old
    version or the new one, and the temporary files the kills leave are removed by the next
    `check --fix`, which then saves everything."""
    import random
    import signal
    import time

    from tcoder.annotations import read_annotations

    study_builder.codebook()
    text = "".join(f"Speaker{i % 3}: line {i} says something worth coding about the clinic.\n" for i in range(300))
    spans = [("personal", s, s + 30) for s in range(0, len(text) - 40, 70)]
    names = [f"interviews/P{n:02d}.txt" for n in range(8)]
    root = study_builder.root
    files = [root / name.replace(".txt", ".alice.json") for name in names]
    moved = len("A new first line.\n")

    def prepare() -> None:
        for name in names:
            study_builder.transcript(name, text)
            study_builder.annotations(name, "alice", spans)
            study_builder.transcript(name, "A new first line.\n" + text)

    def run_fix() -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", _KILLED_FIX, str(root)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        assert proc.stdout.readline().strip() == b"ready"
        return proc

    prepare()
    started = time.monotonic()
    run_fix().wait()
    full = time.monotonic() - started
    rng = random.Random(7)
    kills = 0
    states = set()
    for _ in range(10):
        prepare()
        before = {path: path.read_bytes() for path in files}
        proc = run_fix()
        # Kill while the files are being saved: checking them first takes a share of the run
        # that depends on the machine, so wait for the first saved file, then a little more.
        deadline = time.monotonic() + 10 * full + 5
        while proc.poll() is None and time.monotonic() < deadline and all(
                path.read_bytes() == old for path, old in before.items()):
            time.sleep(0.001)
        time.sleep(rng.random() * 0.1 * full)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        for path in files:
            af = read_annotations(path)  # never torn: it parses, whole, old or new
            starts = {a.start - s for a, (_, s, _) in zip(af.annotations, spans, strict=True)}
            assert len(af.annotations) == len(spans) and starts in ({0}, {moved}), path
            states.add(starts.pop())
    assert kills >= 3, "check --fix was rarely killed: the test proves little"
    assert states == {0, moved}, "no kill landed between two saves"
    code, out, err = run_cli("check", root, "--fix")
    assert code == 0, err
    assert not list(root.rglob(".*.tmp")), "temporary files left after check --fix"
    assert all(read_annotations(p).annotations[0].start == moved for p in files)

"""tcoder search and tcoder query on real studies: output formats, saved queries, messages."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading

import pytest

from tcoder.cli import main
from tcoder.errors import TcoderError
from tcoder.settings import load_settings


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_search_lists_hits_in_context_per_transcript(sample_study, capsys):
    code, out, err = run(capsys, "search", sample_study, "dean", "--word")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "focus-groups/FG1.txt  (2 hits)"
    assert "interviews/P04.txt  (3 hits)" in lines
    assert len([line for line in lines if line.startswith("  ")]) == 6
    assert "6 hits in 3 of 6 transcripts" in out
    assert "whole word 'dean' (case ignored, accents ignored)" in out
    code, out, err = run(capsys, "search", sample_study, "WHITE COAT")
    hit_lines = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(hit_lines) == 3
    assert len({line.index("white coat") for line in hit_lines}) == 1  # every hit at the same column


def test_search_exports_csv_json_md(sample_study, capsys, tmp_path):
    code, out, _ = run(capsys, "search", sample_study, "white coat", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["match"] for r in rows] == ["white coat"] * 3
    assert rows[0]["transcript"] == "interviews/P01.txt" and rows[0]["group"] == "intervention"
    assert rows[0]["speaker"] == "Amara" and rows[0]["right"].startswith(". I had my badge on")
    target = tmp_path / "hits.json"
    code, _, err = run(capsys, "search", sample_study, "white coat", "--format", "json", "-o", target)
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["per_transcript"] == {"interviews/P01.txt": 2, "interviews/P03.txt": 1}
    assert document["complete"] is True and len(document["hits"]) == 3
    assert "3 hits in 2 of 6 transcripts" in err
    code, out, _ = run(capsys, "search", sample_study, "white coat", "--format", "md")
    assert "## interviews/P01.txt (2)" in out and "**white coat**" in out


def test_search_filters_from_the_command_line(sample_study, capsys):
    code, out, _ = run(capsys, "search", sample_study, "dean", "--word", "--where", "group=control",
                       "--format", "csv")
    assert {r["transcript"] for r in csv.DictReader(io.StringIO(out))} == {"interviews/P04.txt"}
    code, out, _ = run(capsys, "search", sample_study, "dean", "--speaker", "Keisha,Luis", "--format", "csv")
    assert {r["speaker"] for r in csv.DictReader(io.StringIO(out))} == {"Keisha", "Luis"}


def test_search_by_participant_and_participant_attribute(sample_study, capsys):
    code, out, _ = run(capsys, "search", sample_study, "dean", "--word", "--where", "gender=woman", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["speaker"], r["participant"]) for r in rows] == [("Keisha", "keisha"), ("Amara", "amara")]
    code, out, _ = run(capsys, "search", sample_study, "dean", "--participant", "ben", "--format", "csv")
    assert {r["participant"] for r in csv.DictReader(io.StringIO(out))} == {"ben"}
    code, _, err = run(capsys, "search", sample_study, "dean", "--participant", "nobody")
    assert code == 2 and "no participant 'nobody'" in err


def test_query_by_participant_attribute_and_role(sample_study, capsys):
    code, out, _ = run(capsys, "query", sample_study, "emotional-toll WHERE gender = woman AND coder = consensus",
                       "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    speakers = {r["speaker"] for r in rows}
    assert rows and speakers <= {"Amara", "Keisha", "Hannah", "Mei", "Aisha", "Fatima", "Danielle", "Lena"}
    code, out, _ = run(capsys, "query", sample_study, "ANY WHERE role = interviewer", "--format", "json")
    assert json.loads(out)["passages"] == []
    code, _, err = run(capsys, "query", sample_study, "ANY WHERE participant = nobody")
    assert code == 2 and "no speaker has participant = 'nobody'" in err


@pytest.mark.parametrize("argv, message", [
    (["(oops", "--regex"], "not a valid regular expression: missing ) at position 6"),
    (["dean", "--where", "group"], "--where takes ATTRIBUTE=VALUE"),
    (["dean", "--where", "grp=x"], "no attribute 'grp'"),
    (["dean", "--inside", "nope"], "no code 'nope' in the codebook"),
    (["dean", "--transcript", "P99"], "no transcript 'P99'"),
])
def test_search_usage_errors(sample_study, capsys, argv, message):
    code, out, err = run(capsys, "search", sample_study, *argv)
    assert code == 2 and message in err and out == ""


def test_query_command_lists_passages_and_exports(sample_study, capsys, tmp_path):
    code, out, _ = run(capsys, "query", sample_study, "institutional-resistance SAME TURN emotional-toll")
    assert code == 0
    assert "interviews/P01.txt  (2 passages)" in out
    assert "alice 0, bob 1, consensus 1" in out
    code, out, _ = run(capsys, "query", sample_study, "curriculum-advocacy WHERE group = control", "--coder",
                       "consensus", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {r["coder"] for r in rows} == {"consensus"} and {r["group"] for r in rows} == {"control"}
    assert all(r["codes"] == "curriculum-advocacy" for r in rows)
    page = tmp_path / "q.html"
    code, _, err = run(capsys, "query", sample_study, "curriculum-advocacy", "--format", "html", "-o", page)
    assert "<blockquote>" in page.read_text(encoding="utf-8") and "Wrote" in err


def test_query_errors_show_a_caret(sample_study, capsys):
    code, out, err = run(capsys, "query", sample_study, "curriculum-advocacy AND emotinal-toll")
    assert code == 2
    lines = err.splitlines()
    assert "column 25: no code 'emotinal-toll' in the codebook; did you mean 'emotional-toll'?" in lines[0]
    assert lines[2] == "  " + " " * 24 + "^" * len("emotinal-toll")


def test_saved_queries_keep_the_settings_file_as_written(sample_study, capsys):
    settings = sample_study / "tcoder.yaml"
    settings.write_text("# Study settings\ncodebook: codebook.yaml  # where the codes are\n", encoding="utf-8")
    code, _, err = run(capsys, "query", sample_study, "curriculum-advocacy  WHERE group = intervention",
                       "--save", "adv", "-o", os.devnull)
    assert code == 0 and "Saved as @adv" in err
    assert settings.read_text(encoding="utf-8") == (
        "# Study settings\ncodebook: codebook.yaml  # where the codes are\n"
        "queries:\n  adv: curriculum-advocacy WHERE group = intervention\n")
    assert load_settings(sample_study).queries == {"adv": "curriculum-advocacy WHERE group = intervention"}
    code, out, _ = run(capsys, "query", sample_study, "--list")
    assert out.strip() == "@adv  curriculum-advocacy WHERE group = intervention"
    code, out, _ = run(capsys, "query", sample_study, "@adv", "--format", "json")
    document = json.loads(out)
    assert document["name"] == "adv" and document["passages"]
    code, _, err = run(capsys, "query", sample_study, "emotional-toll", "--save", "adv", "-o", os.devnull)
    assert code == 2 and "already saved" in err
    code, out, _ = run(capsys, "query", sample_study, "@adv AND emotional-toll")
    assert code == 2  # a saved query with WHERE is not part of another
    code, _, _ = run(capsys, "query", sample_study, "--delete", "adv")
    assert code == 0 and "queries" not in settings.read_text(encoding="utf-8")


def test_a_saved_query_with_an_error_is_reported_at_its_line_and_column(sample_study):
    (sample_study / "tcoder.yaml").write_text(
        "queries:\n  good: motivation\n  bad: motivation AND\n  'no good': x\n", encoding="utf-8")
    with pytest.raises(TcoderError) as info:
        load_settings(sample_study)
    problems = {(p.line, p.column): p.message for p in info.value.problems}
    assert "the query ends too early" in problems[(3, 22)]
    assert "the query name 'no good' is not valid" in problems[(4, 3)]


def test_output_to_a_named_pipe_stays_a_pipe(sample_study, tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    code, _, _ = run(capsys, "search", sample_study, "dean", "--format", "csv", "-o", fifo)
    reader.join(10)
    assert code == 0 and received and received[0].startswith("transcript,line,column")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_report_segments_with_a_saved_query(sample_study, capsys):
    (sample_study / "tcoder.yaml").write_text(
        "queries:\n  cost: institutional-resistance SAME TURN emotional-toll\n", encoding="utf-8")
    code, out, _ = run(capsys, "report", sample_study, "segments", "--query", "cost", "--format", "csv",
                       "--coder", "consensus")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 1 and rows[0]["coder"] == "consensus"
    assert set(rows[0]["codes"].split(";")) == {"institutional-resistance", "emotional-toll"}
    code, out, _ = run(capsys, "report", sample_study, "segments", "--query", "cost", "--format", "md")
    assert out.startswith("# Coded segments: @cost") and "consensus 1" in out and "bob" not in out
    code, out, _ = run(capsys, "report", sample_study, "segments", "--query", "cost", "--format", "md",
                       "--coder", "alice,bob")
    assert "alice 0, bob 1" in out
    code, _, err = run(capsys, "report", sample_study, "frequencies", "--query", "cost")
    assert code == 2 and "use it with 'segments'" in err
    code, _, err = run(capsys, "report", sample_study, "segments", "--query", "cost AND")
    assert code == 2 and "ends too early" in err


def test_word_documents_of_hits_passages_and_a_matrix(sample_study, capsys, tmp_path):
    from docx import Document

    hits = tmp_path / "hits.docx"
    code, _, err = run(capsys, "search", sample_study, "dean", "--word", "--format", "docx", "-o", hits)
    assert code == 0 and "6 hits in 3 of 6 transcripts" in err
    doc = Document(str(hits))
    assert doc.paragraphs[0].text == "Search results"
    first = doc.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["line", "speaker", "before", "hit", "after"]
    assert first.rows[1].cells[3].text == "dean" and first.rows[1].cells[1].text == "Luis"
    passages = tmp_path / "q.docx"
    code, _, err = run(capsys, "query", sample_study, "institutional-resistance SAME TURN emotional-toll",
                       "--format", "docx", "-o", passages)
    assert code == 0
    quotes = [p for p in Document(str(passages)).paragraphs if p.style.name == "Quote"]
    assert len(quotes) == 2 and quotes[0].text.startswith("And nobody could tell us!")
    matrix = tmp_path / "m.docx"
    code, _, _ = run(capsys, "matrix", sample_study, "--rows", "themes", "--format", "docx", "-o", matrix)
    table = Document(str(matrix)).tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["code", "FG1.txt", "FG2.txt"]
    assert table.rows[1].cells[0].text == "Motivations for engagement"
    code, _, err = run(capsys, "search", sample_study, "dean", "--format", "docx")
    assert code == 2 and "add -o FILE.docx" in err

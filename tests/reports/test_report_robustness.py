"""Reports on empty selections, unwritable paths, malformed alpha JSON and hostile text:
a clear message and the right exit status, never a traceback; control characters from a
study never reach a terminal, while files and pipes get the data exactly."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from studykit import MINI_CODEBOOK, MINI_TRANSCRIPT

KINDS = [("segments",), ("frequencies",), ("cooccurrence",), ("crosstab", "--by", "group")]
FORMATS = ("table", "csv", "md", "html")


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as sys.stdout does in an interactive shell."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def in_terminal(monkeypatch):
    """Run tcoder with standard output and error on terminals; returns (exit code, stdout, stderr)."""
    from tcoder.cli import main

    def run(*args):
        out, err = Terminal(), Terminal()
        monkeypatch.setenv("COLUMNS", "240")  # wide enough that no cell wraps, whatever runs the tests
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        code = main([str(a) for a in args])
        monkeypatch.undo()
        return code, out.getvalue(), err.getvalue()

    return run


# ---------------------------------------------------------------- empty selections


@pytest.fixture
def unannotated(study_builder):
    """A transcript and attributes, no annotation files."""
    study_builder.codebook()
    study_builder.transcript("interviews/P01.txt", MINI_TRANSCRIPT)
    study_builder.attributes("transcript,group\ninterviews/P01.txt,a\n")
    return study_builder


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k[0])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_kind_and_format_handles_a_study_without_annotations(unannotated, run_cli, kind, fmt):
    code, out, err = run_cli("report", unannotated.root, *kind, "--format", fmt)
    assert code == 0, err
    assert "No coded segments to report: there are no annotation files of any coder" in (err if fmt == "csv"
                                                                                       else out)
    if fmt == "csv":
        assert "No coded segments" not in out  # CSV stays data
        header = next(csv.reader(io.StringIO(out)))
        assert header[0] in ("transcript", "code", "code_a")


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k[0])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_coder_whose_files_are_empty(unannotated, run_cli, kind, fmt):
    unannotated.annotations("interviews/P01.txt", "alice", [], status="done")
    unannotated.annotations("interviews/P01.txt", "bob", [("personal", 0, 10)])
    code, out, err = run_cli("report", unannotated.root, *kind, "--format", fmt, "--coder", "alice")
    assert code == 0, err
    assert "the annotation files of coder alice hold no annotations" in (err if fmt == "csv" else out)


def test_empty_segments_csv_is_the_header_row(unannotated, run_cli):
    code, out, err = run_cli("report", unannotated.root, "segments", "--format", "csv")
    assert code == 0
    assert out == "transcript,coder,code,code_name,speaker,start,end,quote,memo,group\n"


def test_a_code_nobody_used(unannotated, run_cli):
    unannotated.annotations("interviews/P01.txt", "alice", [("personal", 0, 10)])
    code, out, err = run_cli("report", unannotated.root, "segments", "--code", "outreach")
    assert code == 0, err
    assert "Coded segments (0)" in out and "none of the chosen codes is used" in out


def test_empty_plots_are_drawn(unannotated, run_cli, tmp_path):
    for kind in KINDS[1:]:
        target = tmp_path / f"{kind[0]}.png"
        code, out, err = run_cli("report", unannotated.root, *kind, "--plot", target)
        assert code == 0, err
        assert target.read_bytes().startswith(b"\x89PNG")


# ---------------------------------------------------------------- output paths


@pytest.fixture
def coded(study_builder):
    study_builder.codebook()
    study_builder.transcript("interviews/P01.txt", MINI_TRANSCRIPT)
    study_builder.annotations("interviews/P01.txt", "alice", [("personal", 14, 40), ("duty", 20, 60)])
    return study_builder.root


def test_an_output_in_a_missing_folder(coded, run_cli, tmp_path):
    target = tmp_path / "nowhere" / "x.csv"
    code, out, err = run_cli("report", coded, "segments", "--format", "csv", "-o", target)
    assert code == 1
    assert f"{target}: cannot write the report here: the folder {target.parent} does not exist" in err
    assert ".tmp" not in err


def test_an_output_that_is_a_folder(coded, run_cli, tmp_path):
    code, out, err = run_cli("report", coded, "segments", "-o", tmp_path)
    assert code == 1
    assert "cannot write the report here: this is a folder; give a file name" in err


def test_a_plot_in_a_missing_folder(coded, run_cli, tmp_path):
    target = tmp_path / "nowhere" / "d" / "p.png"
    code, out, err = run_cli("report", coded, "frequencies", "--plot", target)
    assert code == 1
    assert f"{target}: cannot write the plot here: the folder {target.parent} does not exist" in err


def test_import_qdc_to_a_missing_folder(coded, run_cli, tmp_path):
    qdc = tmp_path / "c.qdc"
    assert run_cli("export", coded, "--qdc", qdc)[0] == 0
    target = tmp_path / "nowhere" / "x.yaml"
    code, out, err = run_cli("import-qdc", qdc, "-o", target)
    assert code == 1
    assert f"{target}: cannot write the codebook here: the folder {target.parent} does not exist" in err


def test_outputs_replace_files_whole_and_leave_no_temporary_files(coded, run_cli, tmp_path):
    report, plot = tmp_path / "r.csv", tmp_path / "p.svg"
    report.write_text("old")
    plot.write_text("old")
    code, out, err = run_cli("report", coded, "frequencies", "--format", "csv", "-o", report, "--plot", plot,
                             "--force")
    assert code == 0, err
    assert report.read_text("utf-8").startswith("code,code_name,")
    assert "<svg" in plot.read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.svg", "r.csv", "study"]


# ---------------------------------------------------------------- alpha JSON


@pytest.mark.parametrize("document, where", [
    ({"codes": "x"}, "'codes' is a string (\"x\"); expected a list of objects"),
    ({"codes": [{"code": "a", "alpha": "high"}]}, 'codes[0].alpha is a string ("high"); expected a number or null'),
    ({"codes": [{"alpha": 0.5}]}, "codes[0].code is missing; expected a string"),
    ({"codes": [3]}, "codes[0] is a number (3); expected an object"),
    ({"domains": [{"domain": "d", "alpha": 0.5, "ci_low": True}]}, "domains[0].ci_low is a boolean (true)"),
    ({"overall": {"alpha": [1]}}, "overall.alpha is a list ([1]); expected a number or null"),
    ({"codes": [], "coders": "alice"}, "'coders' is a string (\"alice\"); expected a list of names"),
    ([1, 2], "the top level is a list ([1, 2])"),
])
@pytest.mark.parametrize("plot", [False, True])
def test_malformed_alpha_json_says_what_and_where(mini_study, run_cli, tmp_path, monkeypatch, document, where,
                                                  plot):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(document)))
    extra = ["--plot", tmp_path / "a.png"] if plot else []
    code, out, err = run_cli("report", mini_study.root, "alpha", "--input", "-", *extra)
    assert code == 1
    assert f"standard input: {where}" in err
    assert "tcoder agree --format json" in err
    assert not (tmp_path / "a.png").exists()


def test_alpha_json_that_is_not_json_names_the_line(mini_study, run_cli, tmp_path):
    source = tmp_path / "a.json"
    source.write_text('{"codes": [\n  {"code": "a",, }]}')
    code, out, err = run_cli("report", mini_study.root, "alpha", "--input", source)
    assert code == 1 and "a.json, line 2, column" in err and "not JSON" in err


def test_alpha_table_shows_three_decimals_and_csv_every_digit(mini_study, run_cli, tmp_path):
    source = tmp_path / "a.json"
    source.write_text(json.dumps({"unit": "turn", "coders": ["alice", "bob"],
                                  "codes": [{"code": "a", "alpha": -0.00165563, "units": 12, "ci_low": 0.8,
                                             "ci_high": 0.91234}, {"code": "b", "alpha": None, "units": 12}],
                                  "overall": {"alpha": 0.7}}))
    code, out, err = run_cli("report", mini_study.root, "alpha", "--input", source)
    assert code == 0, err
    assert "-0.002" in out and "0.800" in out and "0.912" in out and "0.700" in out
    assert "0.00165563" not in out and "0.91234" not in out
    code, out, err = run_cli("report", mini_study.root, "alpha", "--input", source, "--format", "md")
    assert "| a | -0.002 | 0.800 | 0.912 | 12 |" in out and "| overall | 0.700 |" in out
    code, out, err = run_cli("report", mini_study.root, "alpha", "--input", source, "--format", "csv")
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["code"] == "a")
    assert float(row["alpha"]) == -0.00165563 and float(row["ci_high"]) == 0.91234


# ---------------------------------------------------------------- control characters

CLEAR = "\x1b[2J"
RED = "\x1b[31m"


@pytest.fixture
def hostile(study_builder):
    """A code name, a memo, a quote and an attribute value that carry escape sequences."""
    b = study_builder
    b.codebook(MINI_CODEBOOK.replace("name: Personal experience", 'name: "Bad\\e[2J"'))
    text = MINI_TRANSCRIPT.replace("my grandmother", f"my {RED}grandmother")
    b.transcript("interviews/P01.txt", text)
    b.transcript("interviews/P02.txt", MINI_TRANSCRIPT)
    start = text.index("Honestly")
    path = b.annotations("interviews/P01.txt", "alice", [("personal", start, start + 40), ("duty", start, start + 60)])
    data = json.loads(path.read_text("utf-8"))
    data["annotations"][0]["memo"] = f"memo {RED}red"
    path.write_text(json.dumps(data), "utf-8")
    b.annotations("interviews/P02.txt", "alice", [("personal", start, start + 30)])
    b.attributes(f"transcript,group\ninterviews/P01.txt,one{CLEAR}\ninterviews/P02.txt,two\n")
    return b.root


@pytest.mark.parametrize("kind", KINDS + [("frequencies", "--by", "group")], ids=lambda k: " ".join(k))
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_terminal_never_receives_control_characters(hostile, in_terminal, kind, fmt):
    code, out, err = in_terminal("report", hostile, *kind, "--format", fmt)
    assert code == 0, err
    assert "\x1b" not in out and "\x1b" not in err
    names_shown = not (kind[0] == "segments" and fmt == "table"  # the segments table shows code ids
                       or kind[0] == "cooccurrence" and fmt in ("md", "html"))  # so do these matrices' heads
    if names_shown:
        assert "Bad\u241b" in out  # Markdown escapes the '[' that follows
    # (Markdown escapes the '[' after each escape character)
    if kind[0] == "segments":
        assert "my \u241b" in out
        if fmt != "table":
            assert "memo \u241b" in out
    if "--by" in kind and fmt != "csv":  # attribute values head the columns
        assert "one\u241b" in out


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k[0])
@pytest.mark.parametrize("fmt", ("csv", "md", "html"))
def test_files_and_pipes_get_the_data_exactly(hostile, run_cli, tmp_path, kind, fmt):
    code, piped, err = run_cli("report", hostile, *kind, "--format", fmt)
    assert code == 0, err
    target = tmp_path / f"out.{fmt}"
    assert run_cli("report", hostile, *kind, "--format", fmt, "-o", target)[0] == 0
    written = target.read_text("utf-8")
    assert written == piped
    assert "\u241b" not in written
    if not (kind[0] == "cooccurrence" and fmt != "csv"):  # those matrices are headed by code ids
        assert "Bad\x1b" in written
    if kind[0] == "segments":
        assert (f"my {RED}grandmother" if fmt != "md" else "my \x1b\\[31mgrandmother") in written
        assert (f"memo {RED}red" if fmt != "md" else "memo \x1b\\[31mred") in written
    if kind[0] == "crosstab":
        assert "one\x1b" in written


def test_the_table_is_inert_even_when_written_to_a_file(hostile, run_cli, tmp_path):
    target = tmp_path / "t.txt"
    assert run_cli("report", hostile, "segments", "-o", target)[0] == 0
    table = target.read_text("utf-8")
    assert "\x1b" not in table and "my \u241b[31mgrandmother" in table


def test_table_cells_titles_and_notes_are_inert():
    import pandas as pd

    from tcoder.reports.output import render_frame, rich_table_text

    frame = pd.DataFrame({f"head{RED}": [f"cell{CLEAR}"]})
    text = rich_table_text(frame, f"title{CLEAR}")
    assert "\x1b" not in text and "title\u241b[2J" in text and "cell\u241b[2J" in text and "head\u241b[31m" in text
    text = render_frame(frame, "table", "t", [f"note{CLEAR}"])
    assert "note\u241b[2J" in text and "\x1b" not in text
    assert "\x1b" in render_frame(frame, "csv", "t")  # data formats are exact; the stream decides


# ---------------------------------------------------------------- code names in CSV


def test_csv_code_names_are_not_indented(coded, run_cli):
    for kind in (("frequencies",), ("crosstab", "--by", "group")):
        if kind[0] == "crosstab":
            (coded / "attributes.csv").write_text("transcript,group\ninterviews/P01.txt,a\n", "utf-8")
        code, out, err = run_cli("report", coded, *kind, "--format", "csv")
        assert code == 0, err
        names = {r["code"]: r["code_name"] for r in csv.DictReader(io.StringIO(out))}
        assert names["personal"] == "Personal experience" and names["motivation"] == "Motivations"
        code, out, err = run_cli("report", coded, *kind)  # the table keeps the tree's indent
        assert "  Personal experience" in out


@pytest.mark.parametrize("command", [
    ("report", "{root}", "frequencies", "--by", "transcript.group"),
    ("report", "{root}", "cases", "--by", "transcript.group"),
    ("report", "{root}", "crosstab", "--by", "transcript.group", "--pool"),
    ("matrix", "{root}", "--columns", "transcript.group", "--pool"),
    ("search", "{root}", "dean", "--where", "transcript.group=control"),
    ("query", "{root}", 'motivation WHERE transcript.group = "control"'),
])
def test_groups_by_an_attribute_whose_file_has_errors_are_refused(sample_study, run_cli, command):
    """A transcript with two rows in attributes.csv (check: an error) has no one group: a report,
    matrix or search by that attribute says so and stops (exit 1) instead of counting it under
    the first row."""
    with open(sample_study / "attributes.csv", "a", encoding="utf-8") as f:
        f.write("interviews/P02.txt,control,woman,MS1,no,interview\n")
    code, out, err = run_cli(*(part.format(root=sample_study) for part in command))
    assert code == 1, (out, err)
    assert "attributes.csv, line 8: interviews/P02.txt has two rows (lines 3 and 8)" in err
    assert err.count("has two rows") == 1
    assert "so the groups of 'group' would rest on rows tcoder ignored" in err
    assert "Traceback" not in err and out == ""


def test_an_error_in_attributes_does_not_stop_what_does_not_group_by_them(sample_study, run_cli):
    with open(sample_study / "attributes.csv", "a", encoding="utf-8") as f:
        f.write("interviews/P02.txt,control,woman,MS1,no,interview\n")
    code, out, err = run_cli("report", sample_study, "frequencies", "--by", "gender", "--format", "csv")
    assert code == 0 and "has two rows" in err and out.startswith("code,")

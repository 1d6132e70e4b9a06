"""Every report as Word (.docx) and its tables as Excel (.xlsx), opened with python-docx and
openpyxl and checked cell by cell against the CSV of the same report and against counts
made here from the study's raw files."""

from __future__ import annotations

import io
import json
import math

import docx
import openpyxl
import pandas as pd
import pytest
import yaml

from studykit import MINI_TRANSCRIPT


def workbook(path):
    return openpyxl.load_workbook(path)


def sheet_rows(sheet) -> list[list[object]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def csv_rows(text: str) -> list[list[object]]:
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    out = [list(frame.columns)]
    for row in frame.itertuples(index=False):
        out.append([None if isinstance(v, float) and math.isnan(v) else v.item() if hasattr(v, "item") else v
                    for v in row])
    return out


def same_cells(xlsx: list[list[object]], csv: list[list[object]]) -> None:
    assert len(xlsx) == len(csv)
    for r, (got, want) in enumerate(zip(xlsx, csv, strict=True)):
        assert len(got) == len(want), r
        for c, (g, w) in enumerate(zip(got, want, strict=True)):
            if isinstance(w, (int, float)) and not isinstance(w, bool):
                assert isinstance(g, (int, float)) and not isinstance(g, bool), (r, c, g, w)  # typed, not text
                assert g == pytest.approx(w, rel=1e-15, abs=0), (r, c, g, w)  # openpyxl keeps 16 digits
            else:
                assert (g if g is not None else "") == (w if w is not None else ""), (r, c, g, w)


@pytest.mark.parametrize("kind, options, sheet", [
    ("frequencies", ["--coder", "alice,bob"], "Frequencies"),
    ("crosstab", ["--by", "group"], "Crosstab"),
    ("cases", ["--by", "group"], "Cases"),
    ("segments", [], "Segments"),
])
def test_a_tabular_report_in_excel_is_its_csv_with_typed_cells(sample_study, run_cli, tmp_path, kind, options, sheet):
    target = tmp_path / f"{kind}.xlsx"
    code, _, err = run_cli("report", sample_study, kind, *options, "--format", "xlsx", "-o", target)
    assert code == 0, err
    assert f"Wrote {target}" in err
    code, csv_text, _ = run_cli("report", sample_study, kind, *options, "--format", "csv")
    book = workbook(target)
    assert book.sheetnames == [sheet, "Notes"]
    same_cells(sheet_rows(book[sheet]), csv_rows(csv_text))
    assert book[sheet].freeze_panes == "A2"
    assert book[sheet]["A1"].font.bold


def test_frequencies_in_excel_match_counts_from_the_raw_files(sample_study, run_cli, tmp_path):
    target = tmp_path / "f.xlsx"
    assert run_cli("report", sample_study, "frequencies", "--format", "xlsx", "-o", target)[0] == 0
    book = workbook(target)
    rows = sheet_rows(book["Frequencies"])
    head = rows[0]
    notes = sheet_rows(book["Notes"])
    assert notes[0][0] == "Code frequencies" and notes[1] == [None, None]
    assert notes[2] == ["Frequencies", "Code frequencies"]
    assert notes[3][0] is None and notes[3][1].startswith("Groups: consensus: 6 transcripts.")
    by_code = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    consensus = [json.loads(p.read_text(encoding="utf-8")) for p in sample_study.rglob("*.consensus.json")]
    for leaf in ("witnessed-inequity", "coalition-building", "support-high"):
        n = sum(1 for f in consensus for a in f["annotations"] if a["code"] == leaf)
        files = sum(1 for f in consensus if any(a["code"] == leaf for a in f["annotations"]))
        assert by_code[leaf]["consensus annotations"] == n
        assert by_code[leaf]["consensus transcripts"] == files


def test_cooccurrence_in_excel_has_counts_jaccard_and_pairs(sample_study, run_cli, tmp_path):
    target = tmp_path / "c.xlsx"
    assert run_cli("report", sample_study, "cooccurrence", "--format", "xlsx", "-o", target)[0] == 0
    book = workbook(target)
    assert book.sheetnames == ["Counts", "Jaccard", "Pairs", "Notes"]
    code, csv_text, _ = run_cli("report", sample_study, "cooccurrence", "--format", "csv")
    same_cells(sheet_rows(book["Pairs"]), csv_rows(csv_text))
    counts = sheet_rows(book["Counts"])
    codes = counts[0][1:]
    assert [r[0] for r in counts[1:]] == codes
    for i in range(len(codes)):
        for j in range(len(codes)):
            assert counts[1 + i][1 + j] == counts[1 + j][1 + i]  # symmetric
    jaccard = sheet_rows(book["Jaccard"])
    assert all(v is None or (isinstance(v, (int, float)) and 0 <= v <= 1) for r in jaccard[1:] for v in r[1:])
    assert any(isinstance(v, float) and v > 0 for r in jaccard[1:] for v in r[1:])
    assert book["Jaccard"].cell(row=2, column=2).number_format == "0.000"


def test_segments_in_word_are_quotes_with_their_citations(sample_study, run_cli, tmp_path):
    target = tmp_path / "s.docx"
    code, _, err = run_cli("report", sample_study, "segments", "--code", "curriculum-advocacy", "--cite",
                           "year_of_study,group", "--format", "docx", "-o", target)
    assert code == 0, err
    _, csv_text, _ = run_cli("report", sample_study, "segments", "--code", "curriculum-advocacy", "--format", "csv")
    segments = pd.read_csv(io.StringIO(csv_text), keep_default_na=False)
    paragraphs = docx.Document(str(target)).paragraphs
    quotes = [(i, p) for i, p in enumerate(paragraphs) if p.style.name == "Quote"]
    assert sorted(p.text for _, p in quotes) == sorted(segments["quote"])
    people = pd.read_csv(sample_study / "participants.csv", keep_default_na=False).set_index("participant")
    expected = {}
    for row in segments.itertuples():
        who = people.loc[row.participant]
        line = (sample_study / row.transcript).read_text(encoding="utf-8").count("\n", 0, row.start) + 1
        expected[row.quote] = (f"\u2014 {row.speaker}, {who['year_of_study']}, {who['group']} ({row.transcript}, "
                               f"line {line}, characters {row.start}\u2013{row.end}; {row.coder})")
    assert [paragraphs[i + 1].text for i, _ in quotes] == [expected[p.text] for _, p in quotes]
    headings = [p.text for p in paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Strategies", f"Strategies / Curriculum advocacy ({len(segments)})"]


def test_frequencies_in_word_are_a_real_table(sample_study, run_cli, tmp_path):
    target = tmp_path / "f.docx"
    assert run_cli("report", sample_study, "frequencies", "--format", "docx", "-o", target)[0] == 0
    _, csv_text, _ = run_cli("report", sample_study, "frequencies", "--format", "csv")
    want = csv_rows(csv_text)
    (table,) = docx.Document(str(target)).tables
    assert [c.text for c in table.rows[0].cells] == want[0]
    assert len(table.rows) == len(want)
    for row, expected in zip(table.rows[1:], want[1:], strict=True):
        cells = [c.text for c in row.cells]
        assert cells[0] == expected[0] and cells[1].strip() == expected[1]
        assert cells[2] == str(expected[2])  # annotations: whole numbers as written
        assert cells[4] == f"{expected[4]:.1f}"


def test_agreement_in_excel_and_word(sample_study, run_cli, tmp_path):
    code, payload, _ = run_cli("agree", sample_study, "--bootstrap", "200", "--format", "json", "--pairs")
    result = json.loads(payload)
    target = tmp_path / "a.xlsx"
    code, _, err = run_cli("agree", sample_study, "--bootstrap", "200", "--pairs", "--format", "xlsx", "-o", target)
    assert code == 0, err
    book = workbook(target)
    assert book.sheetnames == ["Alpha", "alice & bob", "Methods", "Notes"]
    rows = sheet_rows(book["Alpha"])
    head = rows[0]
    codes = [dict(zip(head, r, strict=True)) for r in rows[1:] if r[1] == "code"]
    assert len(codes) == len(result["codes"])
    for got, want in zip(codes, result["codes"], strict=True):
        assert got["Alpha"] == pytest.approx(want["alpha"], rel=1e-15)
        assert got["95% CI low"] == pytest.approx(want["ci_low"], rel=1e-15)
        assert got["95% CI high"] == pytest.approx(want["ci_high"], rel=1e-15)
        assert got["Verdict"] == (want["verdict"] or ("too few" if want["few"] else None))
    assert book["Alpha"].cell(row=2, column=4).number_format == "0.000"
    word = tmp_path / "a.docx"
    assert run_cli("agree", sample_study, "--bootstrap", "200", "--format", "docx", "-o", word)[0] == 0
    document = docx.Document(str(word))
    texts = [p.text for p in document.paragraphs]
    assert result["methods"]["sentence"] + " " + result["methods"]["results"] in texts
    assert len(document.tables[0].rows) == 1 + len(result["codes"]) + len(result["domains"]) + 1


def test_a_reflexive_study_writes_the_overlap_table(sample_study, run_cli, tmp_path):
    (sample_study / "tcoder.yaml").write_text("approach: reflexive\n", encoding="utf-8")
    target = tmp_path / "o.xlsx"
    code, _, err = run_cli("agree", sample_study, "--format", "xlsx", "-o", target)
    assert code == 0, err
    book = workbook(target)
    assert book.sheetnames == ["Overlap", "Notes"]
    _, csv_text, _ = run_cli("agree", sample_study, "--format", "csv")
    want = csv_rows(csv_text)
    rows = sheet_rows(book["Overlap"])
    assert len(rows) == len(want)
    assert [r[3:6] for r in rows[1:]] == [[w[3], w[4], w[5]] for w in want[1:]]
    assert "alpha" not in " ".join(str(c) for r in sheet_rows(book["Notes"]) for c in r).lower().replace(
        "not a reliability", "")


def test_the_codebook_document_for_an_appendix(sample_study, run_cli, tmp_path):
    raw = yaml.safe_load((sample_study / "codebook.yaml").read_text(encoding="utf-8"))
    codes = []

    def walk(items, depth):
        for item in items or []:
            codes.append((item, depth))
            walk(item.get("codes"), depth + 1)

    walk(raw["codes"], 0)
    target = tmp_path / "cb.docx"
    code, _, err = run_cli("report", sample_study, "codebook", "--format", "docx", "-o", target)
    assert code == 0, err
    document = docx.Document(str(target))
    headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [h.text.split(" ", 1)[1] for h in headings] == [c["name"] for c, _ in codes]
    assert [int(h.style.name.split()[-1]) for h in headings] == [d + 1 for _, d in codes]
    assert [p.text for p in document.paragraphs if p.style.name == "Quote"] == [
        e for c, _ in codes for e in c.get("examples", [])]
    definitions = [p.text for p in document.paragraphs if p.text.startswith("Definition: ")]
    assert definitions == [f"Definition: {c['description']}" for c, _ in codes]
    book = tmp_path / "cb.xlsx"
    assert run_cli("report", sample_study, "codebook", "--format", "xlsx", "-o", book)[0] == 0
    rows = sheet_rows(workbook(book)["Codebook"])
    assert rows[0][:9] == ["number", "code", "name", "parent", "level", "definition", "include", "exclude",
                           "examples"]
    assert [(r[1], r[2], r[4], r[5]) for r in rows[1:]] == [(c["id"], c["name"], d + 1, c["description"])
                                                            for c, d in codes]
    consensus = [json.loads(p.read_text(encoding="utf-8")) for p in sample_study.rglob("*.consensus.json")]
    high = next(r for r in rows[1:] if r[1] == "support-high")
    assert high[9] == sum(1 for f in consensus for a in f["annotations"] if a["code"] == "support-high")
    # tree numbers are labels, not numbers: 1.10 must not become 1.1
    numbers = [r[0] for r in rows[1:]]
    assert all(isinstance(n, str) for n in numbers) and numbers[:3] == ["1", "1.1", "1.2"]


def test_text_from_the_study_stays_text_in_excel(study_builder, run_cli, tmp_path):
    study_builder.codebook("title: T\ncodes:\n  - id: a\n    name: \"=HYPERLINK(\\\"http://x\\\")\"\n"
                           "    description: \"+1 bell \\a here\"\n")
    study_builder.transcript()
    study_builder.annotations("interviews/P01.txt", "alice", [("a", 0, 12)], status="done")
    target = tmp_path / "cb.xlsx"
    code, _, err = run_cli("report", study_builder.root, "codebook", "--coder", "alice", "--format", "xlsx",
                           "-o", target)
    assert code == 0, err
    sheet = workbook(target)["Codebook"]
    name, definition = sheet.cell(row=2, column=3), sheet.cell(row=2, column=6)
    assert name.data_type == "s" and name.value == '=HYPERLINK("http://x")'
    assert definition.value == "+1 bell \ufffd here"
    assert "1 character Excel cannot hold" in err
    assert MINI_TRANSCRIPT  # the transcript the annotation points into


def test_word_and_excel_need_a_file(sample_study, run_cli):
    for kind in ("frequencies", "segments", "codebook"):
        code, out, err = run_cli("report", sample_study, kind, "--format", "xlsx")
        assert code == 2 and "give -o FILE.xlsx" in err and not out
    code, _, err = run_cli("report", sample_study, "memos", "--format", "xlsx", "-o", "x.xlsx")
    assert code == 2 and "not a table" in err
    code, _, err = run_cli("report", sample_study, "frequencies", "--format", "svg", "-o", "x.svg")
    assert code == 2 and "thematic map" in err
    code, _, err = run_cli("agree", sample_study, "--format", "docx")
    assert code == 2 and "give -o FILE.docx" in err


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_word_and_excel_files(sample_study, run_cli, tmp_path):
    import subprocess

    files = [tmp_path / "methods.docx", tmp_path / "segments.docx", tmp_path / "frequencies.xlsx"]
    assert run_cli("methods", sample_study, "--bootstrap", "0", "--format", "docx", "-o", files[0])[0] == 0
    assert run_cli("report", sample_study, "segments", "--format", "docx", "-o", files[1])[0] == 0
    assert run_cli("report", sample_study, "frequencies", "--format", "xlsx", "-o", files[2])[0] == 0
    for source in files:
        done = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                               str(source)], capture_output=True, timeout=180)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "pdf" / (source.stem + ".pdf")).read_bytes().startswith(b"%PDF")


def test_report_alpha_and_query_passages_in_word_and_excel(sample_study, run_cli, tmp_path):
    code, payload, _ = run_cli("agree", sample_study, "--format", "json")
    source = tmp_path / "a.json"
    source.write_text(payload, encoding="utf-8")
    result = json.loads(payload)
    book_path = tmp_path / "alpha.xlsx"
    code, _, err = run_cli("report", sample_study, "alpha", "--input", source, "--format", "xlsx", "-o", book_path)
    assert code == 0, err
    rows = sheet_rows(workbook(book_path)["Alpha"])
    assert rows[0][:2] == ["code", "alpha"]
    assert [r[0] for r in rows[1:len(result["codes"]) + 1]] == [c["code"] for c in result["codes"]]
    for row, want in zip(rows[1:], result["codes"], strict=False):
        assert row[1] == pytest.approx(want["alpha"], rel=1e-15)
    word = tmp_path / "alpha.docx"
    assert run_cli("report", sample_study, "alpha", "--input", source, "--format", "docx", "-o", word)[0] == 0
    (table,) = docx.Document(str(word)).tables
    assert table.rows[1].cells[1].text == f"{result['codes'][0]['alpha']:.3f}"  # three decimals, as agree shows

    _, csv_text, _ = run_cli("report", sample_study, "segments", "--query", "curriculum-advocacy", "--format", "csv")
    passages = csv_rows(csv_text)
    target = tmp_path / "q.xlsx"
    code, _, err = run_cli("report", sample_study, "segments", "--query", "curriculum-advocacy", "--format", "xlsx",
                           "-o", target)
    assert code == 0, err
    same_cells(sheet_rows(workbook(target)["Passages"]), passages)
    target = tmp_path / "q.docx"
    assert run_cli("report", sample_study, "segments", "--query", "curriculum-advocacy", "--format", "docx", "-o",
                   target)[0] == 0
    quotes = [p.text for p in docx.Document(str(target)).paragraphs if p.style.name == "Quote"]
    head = passages[0]
    assert quotes == [str(r[head.index("quote")]) for r in passages[1:]]


def test_agreement_without_intervals_still_marks_the_codes_used_too_little(sample_study, run_cli, tmp_path):
    """The terminal stars them and the note lists them: the table's Verdict says 'too few' too."""
    code, payload, _ = run_cli("agree", sample_study, "--format", "json")
    result = json.loads(payload)
    few = {c["name"] for c in result["codes"] if c["few"]}
    assert few and all(c["verdict"] is None for c in result["codes"])
    word = tmp_path / "a.docx"
    assert run_cli("agree", sample_study, "--format", "docx", "-o", word)[0] == 0
    table = docx.Document(str(word)).tables[0]
    head = [c.text for c in table.rows[0].cells]
    rows = [dict(zip(head, (c.text for c in r.cells), strict=True)) for r in table.rows[1:]]
    marked = {r["Code"].rsplit(" / ", 1)[-1] for r in rows if r["Verdict"] == "too few"}
    assert marked == few
    assert all(r["Verdict"] in ("", "too few") for r in rows)

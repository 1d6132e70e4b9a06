"""tcoder methods: the methods text for the sample study, checked sentence by sentence
against figures this test counts from the study's files on its own (plain json, csv and
yaml, no tcoder reader), and the Word version opened with python-docx."""

from __future__ import annotations

import csv
import json
import platform
import re
import subprocess
from collections import Counter
from pathlib import Path

import docx
import pytest
import yaml

from tcoder import __version__

WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def word(n: int) -> str:
    return WORDS.get(n, f"{n:,}")


def sections(markdown: str) -> dict[str, list[str]]:
    """Heading -> its paragraphs (tables and notes included as they are)."""
    out: dict[str, list[str]] = {}
    current = ""
    for block in markdown.split("\n\n"):
        block = block.strip()
        if block.startswith("## "):
            current = block[3:].strip()
            out[current] = []
        elif current and block:
            out[current].append(block)
    return out


def checklist_caption(markdown: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith("**COREQ"))


def sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.) (?=[A-Z])", paragraph) if s]


# ---------------------------------------------------------------- independent counts


def transcripts(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.txt") if "memos" not in p.parts)


def annotation_files(root: Path) -> dict[tuple[str, str], dict]:
    out = {}
    for path in root.rglob("*.json"):
        stem, coder = path.name[:-5].rsplit(".", 1)
        out[(path.parent.name + "/" + stem + ".txt", coder)] = json.loads(path.read_text(encoding="utf-8"))
    return out


def codebook_codes(root: Path) -> list[tuple[dict, int]]:
    out: list[tuple[dict, int]] = []

    def walk(items, depth):
        for item in items or []:
            out.append((item, depth))
            walk(item.get("codes"), depth + 1)

    walk(yaml.safe_load((root / "codebook.yaml").read_text(encoding="utf-8"))["codes"], 0)
    return out


def consensus_kinds(files: dict[tuple[str, str], dict]) -> Counter:
    """The same definitions as docs/reporting.md, written out again from the raw JSON."""
    kinds: Counter = Counter()
    for (name, coder), consensus in files.items():
        if coder != "consensus":
            continue
        theirs = {c: files[(name, c)]["annotations"] for c in ("alice", "bob")}
        owner = {a["id"]: (c, a) for c, items in theirs.items() for a in items}
        for a in consensus["annotations"]:
            src = [owner[i] for i in a.get("sources", []) if i in owner]
            coders = {c for c, _ in src}
            spans = {(s["start"], s["end"]) for _, s in src}
            if not src:
                kinds["added"] += 1
            elif coders == {"alice", "bob"} and spans == {(a["start"], a["end"])}:
                kinds["agreed"] += 1
            elif len(coders) == 1:
                (only,) = coders
                other = "bob" if only == "alice" else "alice"
                overlap = any(o["code"] == a["code"] and o["start"] < a["end"] and a["start"] < o["end"]
                              for o in theirs[other])
                kinds["boundaries" if overlap else "kept"] += 1
            elif (a["start"], a["end"]) == (min(s for s, _ in spans), max(e for _, e in spans)):
                kinds["union"] += 1
            elif (a["start"], a["end"]) == (max(s for s, _ in spans), min(e for _, e in spans)):
                kinds["intersection"] += 1
            else:
                kinds["edited"] += 1
        kinds["left out"] += len(consensus.get("adjudicated_none", []))
    return kinds


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


# ---------------------------------------------------------------- the sample study


@pytest.fixture
def committed_sample(sample_study: Path) -> Path:
    git(sample_study, "init", "-q")
    git(sample_study, "add", "-A")
    git(sample_study, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "data")
    return sample_study


def test_the_methods_text_states_what_the_files_hold(committed_sample, run_cli, tmp_path):
    root = committed_sample
    code, out, err = run_cli("methods", root, "--bootstrap", "200")
    assert code == 0, err
    parts = sections(out)
    texts = transcripts(root)
    files = annotation_files(root)

    # Data and coding
    data = sentences(parts["Data and coding"][0])
    words = sum(len(re.findall(r"\S+", p.read_text(encoding="utf-8"))) for p in texts)
    with open(root / "speakers.csv", newline="", encoding="utf-8") as stream:
        rows = [r for r in csv.DictReader(stream) if r["role"] == "participant"]
    per_transcript = Counter(r["transcript"] for r in rows)
    interviews = sum(1 for n in per_transcript.values() if n == 1)
    groups = sum(1 for n in per_transcript.values() if n > 1)
    people = len({r["participant"] for r in rows})
    assert data[0] == (f"The data are {word(len(texts))} transcripts ({words:,} words): {word(interviews)} one-to-one "
                       f"interviews and {word(groups)} focus groups, with {people} participants in all.")
    done = Counter(coder for (_, coder), f in files.items() if f["status"]["state"] == "done")
    assert set(done) == {"alice", "bob", "consensus"}
    assert data[1] == (f"Two coders (alice and bob) coded the transcripts, each in their own annotation file "
                       f"(alice {word(done['alice'])}, bob {word(done['bob'])} transcripts).")
    both = sum(1 for p in texts if {("%s/%s" % (p.parent.name, p.name), c) for c in ("alice", "bob")} <= set(files))
    assert both == len(texts) > 2  # every transcript: 'All six', never 'Six of the six'
    assert data[2] == (f"All {word(len(texts))} transcripts (100% of the text by length) "
                       "were coded by two or more coders.")
    assert len(data) == 3

    # Codebook
    codes = codebook_codes(root)
    book = sentences(parts["Codebook"][0])
    top = sum(1 for _, depth in codes if depth == 0)
    title = yaml.safe_load((root / "codebook.yaml").read_text(encoding="utf-8"))["title"]
    exclusive = sum(1 for c, _ in codes if c.get("exclusive"))
    assert book[0] == (f"The codebook (\u201c{title}\u201d) has {len(codes)} codes: {word(top)} codes at the top level "
                       f"and {len(codes) - top} below them, in {word(max(d for _, d in codes) + 1)} levels, including "
                       f"{'one set' if exclusive == 1 else word(exclusive) + ' sets'} of mutually exclusive codes.")
    counts = [sum(1 for c, _ in codes if c.get(f)) for f in ("description", "include", "exclude", "examples")]
    assert counts[0] == len(codes)
    assert book[1] == (f"All {len(codes)} codes have a definition, {counts[1]} an inclusion and {counts[2]} an "
                       f"exclusion criterion, and {counts[3]} have examples; Appendix A gives the coding tree with "
                       "every definition.")
    assert len(book) == 2  # the sample has no codebook history: nothing is said about one

    # Reliability: the agreement figures are those 'tcoder agree' gives with the same options
    code, agree_json, err = run_cli("agree", root, "--bootstrap", "200", "--format", "json")
    assert code == 0, err
    agree = json.loads(agree_json)
    reliability, consensus = parts["Reliability and consensus"]
    assert reliability == agree["methods"]["sentence"] + " " + agree["methods"]["results"]
    alphas = [c["alpha"] for c in agree["codes"] if c["alpha"] is not None]
    assert f"alpha ranged from {min(alphas):.3f} to {max(alphas):.3f}".replace("0.", ".") in reliability

    # Consensus, passage by passage
    kinds = consensus_kinds(files)
    passages = sum(len(f["annotations"]) for (_, c), f in files.items() if c == "consensus")
    said = sentences(consensus)
    assert said[0] == ("The coders' versions were merged into a consensus for six transcripts, decided disagreement "
                       "by disagreement in tcoder compare, which records where each consensus passage came from.")
    assert said[1] == (f"The consensus holds {passages} passages: {kinds['agreed']} had been coded identically by both "
                       f"coders, {kinds['kept']} had been coded by one coder only, {kinds['boundaries']} took one "
                       f"coder's boundaries where the coders' boundaries differed, {kinds['union']} took the union of "
                       f"the coders' passages, {kinds['intersection']} took their intersection, {kinds['edited']} were "
                       f"redrawn from the coders' passages and {kinds['added']} were added without a coder's passage "
                       "behind them.")
    assert sum(kinds[k] for k in kinds if k != "left out") == passages
    assert said[2] == f"A further {kinds['left out']} disagreements were decided by keeping no code."

    # Analysis and software
    analysis = sentences(parts["Analysis and software"][0])
    themes = yaml.safe_load((root / "themes.yaml").read_text(encoding="utf-8"))["themes"]
    status = Counter(t.get("status", "candidate") for t in themes)
    linked = {c for t in themes for c in t.get("codes", [])} & {c["id"] for c, _ in codes}
    history = [line for line in (root / "themes.history.yaml").read_text(encoding="utf-8").splitlines()
               if line.startswith("- ")]
    listed = ", ".join(f"{n} {s}" for s, n in sorted(status.items(), key=lambda i: (-i[1], i[0])))
    assert analysis[0] == (f"The thematic map holds {word(len(themes))} themes ({listed}), linked to {len(linked)} codes "
                           f"of the codebook; its history records {len(history)} changes, each with who made it, when "
                           "and why.")
    memos = list((root / "memos").rglob("*.md"))
    journal = list((root / "memos" / "journal").glob("*.md"))
    assert analysis[1] == (f"The audit trail consists of {len(memos)} memos, {word(len(journal))} journal entries among "
                           "them, the themes' history and the study's git history.")
    commit = git(root, "rev-parse", "HEAD")
    assert analysis[2] == (f"Coding and analysis used tcoder {__version__} (Python {platform.python_version()}); the "
                           f"figures were computed from commit {commit[:12]} of the study's git repository.")

    # Appendix A: every code, numbered in the tree, with its definition
    tree = [line for line in parts["Appendix A. The coding tree"][1].splitlines()[2:]]
    assert len(tree) == len(codes)
    assert tree[0].startswith(f"| 1 {codes[0][0]['name']} | {codes[0][0]['description']} |")
    assert tree[1].startswith(f"| 1.1 {codes[1][0]['name']} |")
    # Appendix B: one row per code and domain, alpha as agree has it
    rows = parts["Appendix B. Reliability per code"][1].splitlines()[2:]
    assert len(rows) == len(agree["codes"]) + len(agree["domains"])
    first = agree["codes"][0]
    assert f"| {first['alpha']:.3f} |".replace("0.", ".") in rows[0]
    # Appendix C: consensus by transcript, the totals are the sentence's
    table = parts["Appendix C. How the consensus was reached"][1].splitlines()
    total = dict(zip([c.strip() for c in table[0].strip("|").split("|")],
                     [c.strip() for c in table[-1].strip("|").split("|")], strict=True))
    assert total["Transcript"] == "All" and int(total["agreed"]) == kinds["agreed"]
    assert int(total["left out"]) == kinds["left out"]
    # the checklist: each COREQ item 24-29 and SRQR 11-13 once
    checklist = parts["Appendix D. Reporting checklist"][1]
    for item in [f"COREQ {n}" for n in range(24, 30)] + [f"SRQR {n}" for n in range(11, 14)]:
        assert checklist.count(f"| {item} |") == 1
    assert "| COREQ 28 | Participant checking | for the authors |" in checklist
    assert "| COREQ 24 | Number of data coders | covered | Data and coding: two coders |" in checklist
    # every work cited, and only those, in the references
    references = [line[2:] for line in parts["References"][0].splitlines()]
    assert [r.split(" (")[0].replace("\\&", "&") for r in references] == [
        "Krippendorff, K.", "O'Brien, B. C., Harris, I. B., Beckman, T. J., Reed, D. A., & Cook, D. A.",
        "Tong, A., Sainsbury, P., & Craig, J."]
    assert "Krippendorff's (2004)" in reliability and "(Tong et al. 2007)" in checklist_caption(out)


def test_uncommitted_changes_and_no_repository_are_said(sample_study, committed_sample, run_cli):
    (committed_sample / "interviews" / "P01.txt").write_text("changed", encoding="utf-8")
    code, out, _ = run_cli("methods", committed_sample, "--bootstrap", "0")
    assert code == 0
    assert ", with uncommitted changes in the study folder." in out


def test_a_study_outside_git_names_no_commit(sample_study, run_cli):
    code, out, err = run_cli("methods", sample_study, "--bootstrap", "0")
    assert code == 0, err
    assert "commit" not in sections(out)["Analysis and software"][0]
    assert "without confidence intervals, no code can be called reliable" in out


def test_a_reflexive_study_gets_reflexive_wording_and_no_reliability(sample_study, run_cli):
    (sample_study / "tcoder.yaml").write_text("approach: reflexive\n", encoding="utf-8")
    code, out, err = run_cli("methods", sample_study)
    assert code == 0, err
    parts = sections(out)
    assert "Reliability and consensus" not in parts
    assert sentences(parts["Reflexivity"][0]) == [
        "The study follows a reflexive approach to thematic analysis: where more than one researcher coded a "
        "transcript, their readings were material for reflection rather than measurements, so no inter-coder "
        "reliability coefficient is reported.", "The reflexive journal holds three entries."]
    assert not any(h.startswith("Appendix") and "Reliability" in h for h in parts)
    assert "alpha" not in out.lower() and "consensus" not in out.lower()
    assert "Appendix B. Reporting checklist" in parts
    assert "reflexive journal, audit trail" in out


def test_one_coder_gives_no_reliability_claim(mini_study, run_cli):
    mini_study.annotations("interviews/P01.txt", "alice", [("personal", 0, 10)], status="done")
    code, out, err = run_cli("methods", mini_study.root)
    assert code == 0, err
    assert ("One coder (alice) coded one transcript; no transcript was coded by a second coder."
            in sections(out)["Data and coding"][0])
    assert sections(out)["Reliability and consensus"] == [
        "No transcript was coded by two coders whose files count, so no inter-coder reliability can be reported."]


def test_the_word_version_has_headings_and_real_tables(sample_study, run_cli, tmp_path):
    target = tmp_path / "methods.docx"
    code, _, err = run_cli("methods", sample_study, "--bootstrap", "0", "--format", "docx", "-o", target)
    assert code == 0, err
    assert f"Wrote {target}" in err
    document = docx.Document(str(target))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == ["Data and coding", "Codebook", "Reliability and consensus", "Analysis and software"]
    codes = codebook_codes(sample_study)
    tree, reliability, consensus, checklist = document.tables
    assert [c.text for c in tree.rows[0].cells] == ["Code", "Definition", "Include", "Exclude", "Examples"]
    assert len(tree.rows) == len(codes) + 1
    for row, (code_, _) in zip(tree.rows[1:], codes, strict=True):
        cells = [c.text for c in row.cells]
        assert cells[0].endswith(" " + code_["name"])
        assert cells[1:4] == [code_.get("description", ""), code_.get("include", ""), code_.get("exclude", "")]
        assert cells[4] == "\n".join(f"\u201c{e}\u201d" for e in code_.get("examples", []))
    assert [c.text for c in checklist.rows[1].cells][:3] == ["COREQ 24", "Number of data coders", "covered"]
    assert len(checklist.rows) == 1 + 9


def test_docx_needs_a_file_and_study_files_are_never_written(sample_study, run_cli):
    code, _, err = run_cli("methods", sample_study, "--format", "docx")
    assert code == 2 and "give -o FILE.docx" in err
    before = (sample_study / "codebook.yaml").read_bytes()
    code, _, err = run_cli("methods", sample_study, "-o", sample_study / "codebook.yaml", "--force")
    assert code == 2 and "not written" in err
    assert (sample_study / "codebook.yaml").read_bytes() == before


def test_the_codebook_history_is_told_from_the_history_file(sample_study, run_cli):
    root = sample_study
    assert run_cli("codebook", "new", root, "Mentoring others", "--parent", "strategy", "--description",
                   "Teaching and supporting juniors.", "--why", "seen in FG1", "--coder", "alice")[0] == 0
    assert run_cli("codebook", "merge", root, "disillusionment", "--into", "emotional-toll", "--why",
                   "too close to tell apart", "--coder", "bob")[0] == 0
    entries = yaml.safe_load((root / "codebook.history.yaml").read_text(encoding="utf-8"))
    assert [e["op"] for e in entries] == ["new", "merge"]
    code, out, err = run_cli("methods", root, "--bootstrap", "0")
    assert code == 0, err
    parts = sections(out)
    book = sentences(parts["Codebook"][0])
    codes = codebook_codes(root)
    assert book[0].startswith("The codebook (\u201c") and f"has {len(codes)} codes:" in book[0]

    def day(when):  # 2026-12-04 -> 4 December 2026
        import datetime

        d = datetime.date.fromisoformat(str(when)[:10])
        return f"{d.day} {d:%B %Y}"

    dates = sorted({day(e["when"]) for e in entries})
    span = f"on {dates[0]}" if len(dates) == 1 else f"between {dates[0]} and {dates[-1]}"
    # before the changes: today's codes, less the new one, plus the one merged away
    before = len(codes) - 1 + 1
    assert book[2] == (f"Its recorded history holds two changes {span} by alice and bob (1 created, 1 merged): it "
                       f"began with {before} codes, and every change was applied to every coder's annotations "
                       "(Appendix D).")
    history = parts["Appendix D. How the codebook changed"][1].splitlines()
    assert len(history) == 2 + len(entries)
    assert "| alice | seen in FG1 |" in history[2] and "| bob | too close to tell apart |" in history[3]
    assert "| COREQ 25 | Description of the coding tree | covered | Codebook; Appendix A; Appendix D (its history) |" \
        in out


def test_the_html_version_is_one_page_with_the_same_text(sample_study, run_cli, tmp_path):
    target = tmp_path / "methods.html"
    code, _, err = run_cli("methods", sample_study, "--bootstrap", "0", "--format", "html", "-o", target)
    assert code == 0, err
    page = target.read_text(encoding="utf-8")
    _, markdown, _ = run_cli("methods", sample_study, "--bootstrap", "0")
    first = sections(markdown)["Data and coding"][0]
    import html

    assert html.escape(first, quote=False) in page
    assert page.count("<table>") == 4 and page.count("<h2>") >= 8


def test_a_consensus_without_sources_is_not_said_to_come_from_adjudication(mini_study, run_cli):
    for coder in ("alice", "bob", "consensus"):
        mini_study.annotations("interviews/P01.txt", coder, [("personal", 0, 10), ("duty", 20, 30)], status="done")
    code, out, err = run_cli("methods", mini_study.root, "--bootstrap", "0")
    assert code == 0, err
    consensus = sections(out)["Reliability and consensus"][1]
    assert consensus == ("A consensus version exists for one transcript (two passages); it records no source for any "
                         "passage, so how it was reached is for the authors to describe.")
    assert "tcoder compare" not in out


def test_redact_withholds_the_codebook_examples(sample_study, run_cli):
    code, out, err = run_cli("methods", sample_study, "--bootstrap", "0", "--redact")
    assert code == 0, err
    examples = [e for c, _ in codebook_codes(sample_study) for e in c.get("examples", [])]
    assert examples and not any(e in out for e in examples)
    first = codebook_codes(sample_study)[1][0]["examples"][0]
    assert f"quote withheld: {len(first.split())} words" in out


def test_the_appendix_tables_in_excel(sample_study, run_cli, tmp_path):
    import openpyxl

    target = tmp_path / "methods.xlsx"
    code, _, err = run_cli("methods", sample_study, "--bootstrap", "0", "--format", "xlsx", "-o", target)
    assert code == 0, err
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Coding tree", "Reliability", "Consensus", "Checklist", "Notes"]
    tree = list(book["Coding tree"].iter_rows(values_only=True))
    codes = codebook_codes(sample_study)
    assert len(tree) == 1 + len(codes)
    assert [r[1] for r in tree[1:]] == [c["description"] for c, _ in codes]
    consensus = list(book["Consensus"].iter_rows(values_only=True))
    totals = dict(zip(consensus[0], consensus[-1], strict=True))
    kinds = consensus_kinds(annotation_files(sample_study))
    assert totals["Transcript"] == "All" and totals["agreed"] == kinds["agreed"] and totals["union"] == kinds["union"]
    assert isinstance(totals["left out"], int)


def test_the_reliability_sheet_holds_alpha_as_numbers(sample_study, run_cli, tmp_path):
    """The appendix prints alpha as a paper does ('.724'); the workbook keeps it a number cell."""
    import json

    import openpyxl

    target = tmp_path / "methods.xlsx"
    code, _, err = run_cli("methods", sample_study, "--bootstrap", "0", "--format", "xlsx", "-o", target)
    assert code == 0, err
    code, out, err = run_cli("agree", sample_study, "--format", "json")
    assert code == 0, err
    alphas = {c["name"]: c["alpha"] for c in json.loads(out)["codes"]}
    rows = list(openpyxl.load_workbook(target)["Reliability"].iter_rows())
    assert rows[0][1].value == "Alpha"
    by_name = {row[0].value.split(" ", 1)[1]: row[1] for row in rows[1:]}
    for name, alpha in alphas.items():
        cell = by_name[name.rsplit(" / ", 1)[-1]]
        assert cell.data_type == "n" and cell.value == pytest.approx(alpha, abs=0.0005), name
        assert cell.number_format == "0.000"


def test_the_reliability_caption_names_the_unit_in_words(sample_study, run_cli, tmp_path):
    """A caption in a paper says 'character units', not the command-line option's 'char'."""
    code, out, err = run_cli("methods", sample_study, "--bootstrap", "0")
    assert code == 0, err
    assert "Krippendorff's alpha per code (character units; coders: alice, bob)" in out
    assert "char units" not in out
    word = tmp_path / "agree.docx"
    assert run_cli("agree", sample_study, "--unit", "turn", "--format", "docx", "-o", word)[0] == 0
    import docx

    texts = [p.text for p in docx.Document(str(word)).paragraphs]
    assert texts[0] == "Inter-coder agreement (speaker turn units; coders: alice, bob)"
    assert any(t.endswith("Krippendorff's alpha, speaker turn units") for t in texts)

"""report --redact: every quote withheld (its length said), in every format that shows quotes."""

from __future__ import annotations

import csv
import io

from studykit import SAMPLE_STUDY
from tcoder.annotations import read_annotations
from tcoder.memos import read_memo
from tcoder.study import open_study


def consensus_quotes() -> list[str]:
    study = open_study(SAMPLE_STUDY)
    out = []
    for ref in study.transcripts:
        text = study.transcript(ref).text
        path = study.annotation_files(ref).get("consensus")
        out.extend(text[a.start:a.end] for a in read_annotations(path).annotations)
    return out


def test_segments_withhold_every_quote_and_say_its_length(run_cli):
    code, out, err = run_cli("report", SAMPLE_STUDY, "segments", "--format", "csv", "--redact")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    study = open_study(SAMPLE_STUDY)
    for row in rows:
        quote = study.transcript(row["transcript"]).text[int(row["start"]):int(row["end"])]
        words = len(quote.split())
        assert row["quote"] == f"[quote withheld: {words} word{'' if words == 1 else 's'}]"
    long_quotes = [q for q in consensus_quotes() if len(q) > 25]
    assert len(rows) == len(consensus_quotes()) and long_quotes
    for fmt in ("md", "html", "json", "table"):
        code, text, err = run_cli("report", SAMPLE_STUDY, "segments", "--format", fmt, "--redact")
        assert code == 0 and "quote withheld" in text
        assert not [q for q in long_quotes if q in text], fmt


def test_query_segments_withhold_quotes(run_cli):
    code, out, err = run_cli("report", SAMPLE_STUDY, "segments", "--query", "emotional-toll", "--format", "md",
                             "--redact")
    assert code == 0 and "[quote withheld:" in out
    assert not [q for q in consensus_quotes() if len(q) > 25 and q in out]


def test_memos_and_themes_withhold_their_quotes(run_cli):
    study = open_study(SAMPLE_STUDY)
    linked = [link.quote for path in study.memo_paths for link in read_memo(path).links
              if link.kind == "passage" and link.quote and len(link.quote) > 25]
    code, out, err = run_cli("report", SAMPLE_STUDY, "memos", "--format", "md", "--redact")
    assert code == 0 and linked and not [q for q in linked if q in out]
    assert "quote withheld" in out and "withheld (--redact)" in err
    code, out, err = run_cli("report", SAMPLE_STUDY, "themes", "--format", "md", "--redact")
    assert code == 0 and "quote withheld" in out
    exemplars = [a for ref in study.transcripts for p in study.annotation_files(ref).values()
                 for a in read_annotations(p).annotations if a.exemplar and len(a.quote or "") > 25]
    assert exemplars and not [a for a in exemplars if a.quote in out]


def test_the_codebook_withholds_its_examples(run_cli):
    examples = [e for code in open_study(SAMPLE_STUDY).codebook for e in code.examples if len(e) > 25]
    assert examples
    for fmt in ("md", "csv"):
        code, out, err = run_cli("report", SAMPLE_STUDY, "codebook", "--format", fmt, "--redact")
        assert code == 0, err
        assert "quote withheld" in out and not [e for e in examples if e in out], fmt


def test_codebook_exports_withhold_their_examples(run_cli, tmp_path):
    every = [e for code in open_study(SAMPLE_STUDY).codebook for e in code.examples]
    examples = [e for e in every if len(e) > 25 and '"' not in e]  # as they would be written, unescaped
    assert examples
    for option, name in (("--codebook-csv", "codebook.csv"), ("--qdc", "codebook.qdc")):
        target = tmp_path / name
        code, out, err = run_cli("export", SAMPLE_STUDY, option, target, "--redact")
        assert code == 0, err
        text = target.read_text(encoding="utf-8")
        assert text.count("[quote withheld:") == len(every) and not [e for e in examples if e in text], option
        assert f"{len(every)} examples withheld (--redact)" in err
    code, out, err = run_cli("export", SAMPLE_STUDY, "--qdpx", tmp_path / "p.qdpx", "--redact")
    assert code == 2 and "de-identify the study first" in err


def test_segments_and_codebook_say_how_many_quotes_they_withhold(run_cli):
    """As the memos and themes reports do: nothing is withheld unsaid."""
    quotes = consensus_quotes()
    code, _, err = run_cli("report", SAMPLE_STUDY, "segments", "--format", "md", "--redact")
    assert code == 0 and f"{len(quotes)} quotes withheld (--redact)" in err
    examples = [e for c in open_study(SAMPLE_STUDY).codebook for e in c.examples]
    code, _, err = run_cli("report", SAMPLE_STUDY, "codebook", "--format", "md", "--redact")
    assert code == 0 and f"{len(examples)} examples withheld (--redact)" in err
    code, _, err = run_cli("report", SAMPLE_STUDY, "segments", "--format", "md")
    assert code == 0 and "withheld" not in err

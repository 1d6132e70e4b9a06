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

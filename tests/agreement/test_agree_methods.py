"""What a methods section needs: `tcoder agree --format md` and the JSON's `methods` carry the
coefficient and its version, unit, coders, transcripts, units, share double-coded, interval
method, seed and tcoder version, and one sentence to paste; `--kappa` shows the secondary
coefficients beside alpha without making them the measure."""

from __future__ import annotations

import csv
import io
import json
import re

from tcoder import __version__


def test_json_methods_fields_come_from_the_result(run_cli, sample_study):
    code, out, _ = run_cli("agree", sample_study, "--unit", "sentence", "--bootstrap", "200", "--seed", "7",
                           "--format", "json")
    assert code == 0
    payload = json.loads(out)
    m = payload["methods"]
    assert m["coefficient"] == "Krippendorff's alpha" and m["unit"] == "sentence"
    assert m["coders"] == ["alice", "bob"] and m["n_coders"] == 2
    assert m["transcripts_compared"] == 6 and m["transcripts_considered"] == 6
    assert m["share_of_characters"] == 1.0
    assert m["units_per_code"] == payload["codes"][0]["units"] == 1346
    assert m["interval"] == {"method": "cluster bootstrap", "resampled": "turn", "samples": 200, "seed": 7,
                             "level": 0.95, "percentile": True}
    assert m["tcoder_version"] == __version__
    assert m["left_out_roles"] == ["interviewer", "moderator"]
    verdicts = [row["verdict"] for row in payload["codes"]]
    assert m["verdicts"] == {v: verdicts.count(v) for v in set(verdicts)}
    sentence = m["sentence"]
    for phrase in ("Krippendorff's alpha", "sentence as the unit", "two coders (alice and bob)",
                   "all six transcripts", "100% of the corpus by length", "1,346 sentences per code",
                   "interviewer and moderator turns excluded", "cluster bootstrap resampling speaker turns",
                   "200 samples, seed 7", f"tcoder {__version__}"):
        assert phrase in sentence, phrase
    alphas = [row["alpha"] for row in payload["codes"] if row["alpha"] is not None]
    low = f"{min(alphas):.3f}".replace("0.", ".")
    assert f"alpha ranged from {low} to {max(alphas):.3f}".replace("0.", ".") in m["results"]


def test_partly_double_coded_corpus_gives_its_share(run_cli, sample_study):
    """Only the coders' files on two transcripts count: the share is theirs, by characters."""
    code, out, _ = run_cli("agree", sample_study, "--transcripts", "P01", "--transcripts", "P02", "--format",
                           "json")
    m = json.loads(out)["methods"]
    assert m["transcripts_compared"] == 2 and m["transcripts_considered"] == 2
    for name in ("P03", "P04", "FG1", "FG2"):
        for coder in ("alice", "bob"):
            for path in sample_study.rglob(f"{name}.{coder}.json"):
                path.unlink()
    code, out, _ = run_cli("agree", sample_study, "--format", "json")
    m = json.loads(out)["methods"]
    texts = {p.stem: len(p.read_text(encoding="utf-8")) for p in sample_study.rglob("*.txt")}
    assert m["transcripts_compared"] == 2 and m["transcripts_considered"] == 6
    assert m["characters_compared"] == texts["P01"] + texts["P02"]
    assert m["share_of_characters"] == (texts["P01"] + texts["P02"]) / sum(texts.values())
    assert "two of six transcripts (" in m["sentence"]
    assert "without confidence intervals, no code can be called reliable" in m["results"]


def test_span_methods_name_the_1995_2004_alpha_u(run_cli, sample_study):
    code, out, _ = run_cli("agree", sample_study, "--unit", "span", "--format", "json")
    m = json.loads(out)["methods"]
    assert m["coefficient"] == "Krippendorff's unitizing alpha (alpha_u)"
    assert "1995, 2004" in m["coefficient_version"] and "alpha_u" in m["sentence"]


def test_markdown_report_opens_with_the_methods_sentence(run_cli, sample_study):
    code, out, err = run_cli("agree", sample_study, "--unit", "sentence", "--bootstrap", "200", "--format", "md")
    assert code == 0 and "Traceback" not in err
    _, js, _ = run_cli("agree", sample_study, "--unit", "sentence", "--bootstrap", "200", "--format", "json")
    payload = json.loads(js)
    lines = out.splitlines()
    assert lines[0] == "# Inter-coder agreement"
    assert lines[4].startswith("Inter-coder reliability was assessed with Krippendorff")
    rows = [line for line in lines if line.startswith("| ")]
    header = rows[0]
    assert header == "| Code | alpha | Used | 95% CI | q<.800 | % agree | Verdict |"
    lack = next(line for line in rows if "lack-of-mentorship" in line)
    row = next(r for r in payload["codes"] if r["code"] == "lack-of-mentorship")
    assert f"| {row['alpha']:.3f} | {row['coded_units']} | {row['ci_low']:.3f} to {row['ci_high']:.3f} |" in lack
    assert lack.endswith(f"| {row['verdict']} |")
    pooled = next(line for line in rows if "codes pooled" in line)
    assert pooled.endswith("| – |")  # no verdict for the pooled row
    fields = out[out.index("## For the methods section"):]
    for item in ("Coefficient", "Unit", "Coders", "Transcripts compared", "Share of the corpus double-coded",
                 "Interval", "Seed", "Program"):
        assert re.search(rf"^\| {item} \| .+ \|$", fields, re.MULTILINE), item
    assert "| Seed | 1 |" in fields and f"| Program | tcoder {__version__} |" in fields


def test_markdown_escapes_names_from_the_study(run_cli, mini_study):
    from studykit import GRAND, STAYED

    mini_study.codebook("codes:\n  - id: a_b_\n")
    mini_study.annotations("interviews/P01.txt", "alice", [("a_b_", GRAND, STAYED)], status="done")
    mini_study.annotations("interviews/P01.txt", "bob", [("a_b_", GRAND, STAYED + 3)], status="done")
    code, out, err = run_cli("agree", mini_study.root, "--format", "md")
    assert code == 0, err
    assert "| a\\_b\\_ |" in out


def test_kappa_columns_are_secondary_and_match_json(run_cli, sample_study):
    code, table, _ = run_cli("agree", sample_study, "--unit", "sentence", "--kappa")
    assert code == 0
    header = next(line for line in table.splitlines() if "Code" in line and "alpha" in line)
    assert header.index("alpha") < header.index("% agree") < header.index("Cohen κ") < header.index("AC1")
    assert "secondary to alpha" in table
    code, plain, _ = run_cli("agree", sample_study, "--unit", "sentence")
    assert "Cohen" not in plain
    _, js, _ = run_cli("agree", sample_study, "--unit", "sentence", "--format", "json")
    row = next(r for r in json.loads(js)["codes"] if r["code"] == "witnessed-inequity")
    other = row["other_coefficients"]
    line = next(line for line in table.splitlines() if " witnessed-inequity " in line)
    for key in ("cohen_kappa", "fleiss_kappa", "gwet_ac1"):
        assert f"{other[key]['value']:.3f}" in line
    # two coders on every transcript: Cohen's kappa and Fleiss' kappa differ only in their chance term
    assert other["cohen_kappa"]["observed"] == other["fleiss_kappa"]["observed"]
    code, out, _ = run_cli("agree", sample_study, "--unit", "sentence", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    csv_row = next(r for r in rows if r["id"] == "witnessed-inequity" and r["scope"] == "study")
    assert float(csv_row["gwet_ac1"]) == other["gwet_ac1"]["value"]


def test_cohen_needs_two_coders(run_cli, sample_study):
    code, out, _ = run_cli("agree", sample_study, "--coders", "alice,bob,consensus", "--unit", "sentence",
                           "--pairs", "--format", "json")
    payload = json.loads(out)
    cohen = payload["codes"][1]["other_coefficients"]["cohen_kappa"]
    assert cohen["value"] is None and "two coders" in cohen["reason"]
    assert payload["codes"][1]["other_coefficients"]["fleiss_kappa"]["value"] is not None
    pair = payload["pairs"][0]
    assert pair["codes"][1]["other_coefficients"]["cohen_kappa"]["value"] is not None

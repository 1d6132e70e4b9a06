"""The codebook as CSV (for Taguette) and back."""

from __future__ import annotations

import csv

from tcoder.codebook import codebook_to_yaml, load_codebook


def test_codebook_csv_round_trips_tree_ids_keys_colours_and_domains(sample_study, tmp_path, run_cli):
    target = tmp_path / "codebook.csv"
    code, out, err = run_cli("export", sample_study, "--codebook-csv", target)
    assert code == 0, err
    rows = list(csv.reader(target.open(encoding="utf-8", newline="")))
    assert rows[0][:2] == ["tag", "description"]  # the two columns Taguette reads
    original = load_codebook(sample_study / "codebook.yaml")
    assert len(rows) - 1 == len(original)
    first_child = next(c for c in original if c.parent)
    parent = original[first_child.parent]
    assert [parent.name + "." + first_child.name, first_child.id] in [[r[0], r[2]] for r in rows]
    code, out, err = run_cli("import-codebook-csv", target, "-o", tmp_path / "back.yaml")
    assert code == 0, err
    back = load_codebook(tmp_path / "back.yaml")
    strip = lambda text: text.split("\ncodes:", 1)[1]  # noqa: E731 - the title is not in a CSV
    assert strip(codebook_to_yaml(back)) == strip(codebook_to_yaml(original))


def test_a_taguette_codebook_csv_is_read_by_its_paths(tmp_path, run_cli):
    """The columns Taguette 1.5.2's 'Export codebook' writes (taguette/export.py, codebook_csv)."""
    path = tmp_path / "codebook.csv"
    path.write_text("tag,description,number of highlights,number of documents\r\n"
                    "barriers,Things in the way,4,2\r\nbarriers.time,No time,1,1\r\nDr. visits,,0,0\r\n"
                    "interesting,Further review required,3,1\r\n", "utf-8")
    code, out, err = run_cli("import-codebook-csv", path, "-o", tmp_path / "c.yaml")
    assert code == 0, err
    codebook = load_codebook(tmp_path / "c.yaml")
    assert codebook.roots == ["barriers", "dr-visits", "interesting"]
    assert codebook.descendants("barriers") == ["barriers", "time"]
    assert codebook["dr-visits"].name == "Dr. visits"  # a dot in a name without a parent row
    assert codebook["barriers"].description == "Things in the way"


def test_bad_codebook_csv_is_reported_with_its_row(tmp_path, run_cli):
    path = tmp_path / "c.csv"
    path.write_text("tag,description,id,parent\nA,,a,\nB,,b,zzz\n", "utf-8")
    code, out, err = run_cli("import-codebook-csv", path, "-o", tmp_path / "c.yaml")
    assert code == 1 and "line 3" in err and "the parent 'zzz' is not on an earlier row" in err
    path.write_text("code,description\nA,\n", "utf-8")
    code, out, err = run_cli("import-codebook-csv", path, "-o", tmp_path / "c.yaml")
    assert code == 1 and "no 'tag'" in err

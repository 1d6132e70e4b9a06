"""Matrices: counts by cases, participants and attribute values; the files they are written to."""

from __future__ import annotations

import csv
import io

import pytest

from studykit import StudyBuilder
from tcoder.cli import main
from tcoder.search.matrix import MatrixError, build_matrix
from tcoder.study import open_study

TEXT = ("Moderator: Who starts?\n"
        "Amara: The dean refused our memo. It hurt.\n"
        "Ben: We kept going. The dean came round.\n"
        "Moderator: And then?\n"
        "Amara: We won.\n")
CODEBOOK = """\
codes:
  - id: challenges
    name: Challenges
    codes:
      - {id: resistance, name: Resistance}
      - {id: toll, name: Toll}
  - id: outcomes
    name: Outcomes
    codes:
      - {id: change, name: Change}
"""


def span(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def study(study_builder: StudyBuilder):
    study_builder.codebook(CODEBOOK)
    study_builder.transcript("FG1.txt", TEXT)
    study_builder.transcript("FG2.txt", TEXT)
    study_builder.attributes("transcript,site\nFG1,north\nFG2,south\n")
    (study_builder.root / "participants.csv").write_text(
        "participant,gender\namara,woman\nben,man\n", encoding="utf-8")
    (study_builder.root / "speakers.csv").write_text(
        "transcript,speaker,participant,role\nFG1.txt,Moderator,,moderator\nFG1.txt,Amara,amara,participant\n"
        "FG1.txt,Ben,ben,participant\nFG2.txt,Moderator,,moderator\nFG2.txt,Amara,amara,participant\n"
        "FG2.txt,Ben,ben,participant\n", encoding="utf-8")
    coded = [("resistance", *span("The dean refused our memo.")), ("toll", *span("refused our memo. It hurt.")),
             # one passage from Amara's turn into Ben's, and one from the moderator's question into it
             ("resistance", *span("It hurt.\nBen: We kept going.")), ("change", *span("then?\nAmara: We won."))]
    study_builder.annotations("FG1.txt", "consensus", coded)
    study_builder.annotations("FG2.txt", "consensus", [("toll", *span("It hurt."))])
    study_builder.annotations("FG2.txt", "alice", [("toll", *span("The dean came round."))])
    return open_study(study_builder.root)


def values(matrix):
    return {matrix.rows[i]: row for i, row in enumerate(matrix.table())}


def test_codes_by_transcripts_count_overlapping_passages_once(study):
    m = build_matrix(study, coders=["consensus"])
    assert m.columns == ["FG1.txt", "FG2.txt"]
    # challenges stands for resistance and toll: their three FG1 passages overlap into one stretch
    assert values(m) == {"challenges": [1, 1], "resistance": [2, 0], "toll": [1, 1], "outcomes": [1, 0],
                         "change": [1, 0]}
    assert values(build_matrix(study, coders=["consensus"], exact=True))["challenges"] == [0, 0]
    words = build_matrix(study, coders=["consensus"], measure="words", rows="themes")
    assert values(words) == {"challenges": [len("The dean refused our memo. It hurt.\nBen: We kept going.".split()),
                                            2], "outcomes": [len("then?\nAmara: We won.".split()), 0]}


def test_participant_columns_split_passages_by_turn(study):
    m = build_matrix(study, coders=["consensus"], columns="participants", rows="themes")
    assert m.columns == ["amara", "ben"]
    # FG1: Amara's resistance/toll stretch, Ben's part of the passage that runs into his turn; FG2: Amara's toll
    assert values(m) == {"challenges": [2, 1], "outcomes": [1, 0]}
    # the moderator's part of the 'change' passage belongs to nobody
    assert m.left_out == 1 and "belongs to no participant" in " ".join(m.describe())
    cell = m.cell("challenges", "ben")
    assert [c.transcript for c in cell.items] == ["FG1.txt"]


def test_attribute_columns_and_participants_measure(study):
    m = build_matrix(study, coders=["consensus"], columns="gender", measure="participants", rows="themes")
    assert m.columns == ["man", "woman"]
    assert values(m) == {"challenges": [1, 1], "outcomes": [0, 1]}
    assert "Cases per column (participants): man 1, woman 1." in m.describe()
    m = build_matrix(study, coders=["consensus"], columns="site", measure="participants", rows="themes")
    assert m.column_kind == "transcript attribute site"
    assert values(m) == {"challenges": [2, 1], "outcomes": [1, 0]}


def test_pooled_coders_count_a_stretch_once(study):
    m = build_matrix(study, coders=["consensus", "alice"], codes=["toll"])
    assert values(m) == {"toll": [1, 2]}
    assert "pooled: consensus, alice" in m.describe()[1]


def test_bad_requests(study):
    with pytest.raises(MatrixError, match="no attribute 'nope'"):
        build_matrix(study, coders=["consensus"], columns="nope")
    with pytest.raises(MatrixError, match="no code 'x'"):
        build_matrix(study, coders=["consensus"], codes=["x"])
    with pytest.raises(MatrixError, match="coder 'zed'"):
        build_matrix(study, coders=["zed"])


def test_matrix_command_formats(study, tmp_path, capsys):
    root = study.root
    assert main(["matrix", str(root), "--rows", "themes", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["code", "name", "FG1.txt", "FG2.txt"], ["challenges", "Challenges", "1", "1"],
                    ["outcomes", "Outcomes", "1", "0"]]
    workbook_path = tmp_path / "m.xlsx"
    plot = tmp_path / "m.png"
    assert main(["matrix", str(root), "--columns", "gender", "--format", "xlsx", "-o", str(workbook_path),
                 "--plot", str(plot)]) == 0
    from openpyxl import load_workbook

    sheet = load_workbook(workbook_path)["Matrix"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == ["code", "name", "gender = man", "gender = woman"]
    assert cells[1] == ["challenges", "Challenges", 1, 2]
    notes = [c.value for c in load_workbook(workbook_path)["Notes"]["A"]]
    assert "Coders: consensus." in notes
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert main(["matrix", str(root), "--format", "html"]) == 0
    assert "background:#" in capsys.readouterr().out


def test_matrix_command_never_pools_silently(study, capsys):
    (study.root / "FG1.consensus.json").unlink()
    (study.root / "FG2.consensus.json").unlink()
    (study.root / "FG2.bob.json").write_text((study.root / "FG2.alice.json").read_text().replace(
        '"coder": "alice"', '"coder": "bob"'), encoding="utf-8")
    assert main(["matrix", str(study.root)]) == 2
    assert "several coders (alice, bob) and no consensus" in capsys.readouterr().err
    assert main(["matrix", str(study.root), "--pool", "--format", "csv"]) == 0
    assert main(["matrix", str(study.root), "--format", "xlsx"]) == 2


def test_a_value_written_no_value_is_its_own_column_apart_from_no_value(study, capsys):
    """A site written "(no value)" and a transcript with no site are two columns, each with
    its own counts (they once shared one key: both columns showed their sum)."""
    (study.root / "attributes.csv").write_text("transcript,site\nFG1,(no value)\nFG2,\n", encoding="utf-8")
    study = open_study(study.root)
    m = build_matrix(study, coders=["consensus"], columns="site", codes=["toll", "change"], exact=True)
    assert m.column_names() == ['"(no value)"', "(no value)"]
    assert m.column_labels == ['site = "(no value)"', "site: (no value)"]
    assert values(m) == {"toll": [1, 1], "change": [1, 0]}
    assert 'Cases per column (transcripts): "(no value)" 1, (no value) 1.' in m.describe()
    assert main(["matrix", str(study.root), "--columns", "site", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["code", "name", '"(no value)"', "(no value)"]


def test_the_no_value_column_is_named_as_before_and_left_out_when_empty(study, capsys):
    (study.root / "attributes.csv").write_text("transcript,site\nFG1,north\n", encoding="utf-8")
    m = build_matrix(open_study(study.root), coders=["consensus"], columns="site", codes=["toll"], exact=True)
    assert (m.column_names(), m.column_labels, values(m)) == (["north", "(no value)"],
                                                              ["site = north", "site: (no value)"], {"toll": [1, 1]})
    (study.root / "attributes.csv").write_text("transcript,site\nFG1,north\nFG2,south\n", encoding="utf-8")
    m = build_matrix(open_study(study.root), coders=["consensus"], columns="site", codes=["toll"], exact=True)
    assert m.column_names() == ["north", "south"]

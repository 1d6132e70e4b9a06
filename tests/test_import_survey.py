"""tcoder import-survey: respondents become participants, open answers documents to code."""

from __future__ import annotations

import csv
import io

import pytest

from tcoder.study import open_study

# The layout of a Qualtrics CSV export: column names, then the question texts, then the
# ImportId row; identifying and bookkeeping columns come first.
QUALTRICS = [
    ["StartDate", "EndDate", "IPAddress", "RecipientEmail", "ResponseId", "year", "arm", "age", "barriers", "support"],
    ["Start Date", "End Date", "IP Address", "Recipient Email", "Response ID", "Year of study", "Study arm", "Age",
     "What barriers have you met in anti-racist work?", "Who supported you?"],
    ['{"ImportId":"startDate","timeZone":"America/Denver"}', '{"ImportId":"endDate"}', '{"ImportId":"ipAddress"}',
     '{"ImportId":"recipientEmail"}', '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2"}',
     '{"ImportId":"QID3_TEXT"}', '{"ImportId":"QID4_TEXT"}', '{"ImportId":"QID5_TEXT"}'],
    ["2025-04-01 10:02:11", "2025-04-01 10:09:40", "10.0.0.1", "a@example.org", "R_1a", "MS2", "control", "24",
     "Mostly time: the block exams leave no room for anything else, honestly.", "Nobody at first."],
    ["2025-04-01 11:00:00", "2025-04-01 11:12:00", "10.0.0.2", "b@example.org", "R_2b", "MS3", "intervention", "26",
     "The dean's office kept saying it would look at it next year.", ""],
    ["2025-04-02 09:30:00", "2025-04-02 09:41:00", "10.0.0.3", "c@example.org", "R_3c", "MS2", "intervention", "25",
     "", "A resident who had done the same thing before me and told me where to start."],
]


@pytest.fixture
def study(mini_study):
    mini_study.participants("participant,arm\namara,intervention\n")
    mini_study.speakers("transcript,speaker,participant,role\nP01,Interviewer,,interviewer\nP01,Amara,amara,participant\n")
    return mini_study.root


def _write_csv(path, rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_a_qualtrics_csv_becomes_participants_and_documents(study, tmp_path, run_cli):
    export = _write_csv(tmp_path / "survey.csv", QUALTRICS)
    code, out, err = run_cli("import-survey", study, export)
    assert code == 0, err
    assert "closed -> attributes (3): year, arm, age" in out
    assert "open -> documents (2): barriers, support" in out
    assert "left out (3): StartDate, EndDate, IPAddress" in out.replace(", RecipientEmail", "") or \
        "RecipientEmail" in out
    text = (study / "survey" / "barriers" / "R_1a.txt").read_text()
    assert text == ("Survey: barriers. What barriers have you met in anti-racist work?\n\n"
                    "R_1a: Mostly time: the block exams leave no room for anything else, honestly.\n")
    assert not (study / "survey" / "barriers" / "R_3c.txt").exists()  # an empty answer is no document
    s = open_study(study)
    assert s.participant_problems == []
    people = s.participants
    assert people.columns == ["arm", "year", "age"]
    assert people.attributes_of("R_2b") == {"arm": "intervention", "year": "MS3", "age": "26"}
    assert people.attributes_of("amara") == {"arm": "intervention", "year": "", "age": ""}
    assert "a@example.org" not in (study / "participants.csv").read_text()  # identifying columns stay out
    assert people.role("survey/support/R_3c.txt", "Survey") == "interviewer"
    assert people.participant("survey/support/R_3c.txt", "R_3c") == "R_3c"
    code, out, err = run_cli("check", study)
    assert code == 0, err


def test_codes_of_answers_crosstab_against_survey_groups(study, tmp_path, run_cli):
    from studykit import StudyBuilder

    export = _write_csv(tmp_path / "survey.csv", QUALTRICS)
    assert run_cli("import-survey", study, export, "--per", "respondent")[0] == 0
    text = (study / "survey" / "R_1a.txt").read_text()
    assert text.count("Survey: ") == 2  # both answers in one document
    b = StudyBuilder(study)
    for rid in ("R_1a", "R_2b"):
        doc = (study / "survey" / f"{rid}.txt").read_text()
        start = doc.index(f"{rid}: ") + len(rid) + 2
        b.annotations(f"survey/{rid}.txt", "consensus", [("duty", start, start + 10)])
    b.annotations("survey/R_3c.txt", "consensus", [], status="done")  # coded: nothing applies
    code, out, err = run_cli("report", study, "crosstab", "--by", "year", "--code", "duty", "--format", "csv")
    assert code == 0, err
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["MS2 n"] == "1" and row["MS2 N"] == "2" and row["MS3 n"] == "1"


def test_xlsx_and_overrides(study, tmp_path, run_cli):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    sheet.append(["respondent_id", "cohort", "comment", "score"])
    sheet.append(["s1", "2024", "Too short to look open", 3.0])
    sheet.append(["s2", "2025", "Also short", 4.5])
    book.save(tmp_path / "s.xlsx")
    code, out, err = run_cli("import-survey", study, tmp_path / "s.xlsx", "--open", "comment", "--dry-run")
    assert code == 0, err
    assert "Would write 2 documents" in out
    assert not (study / "survey").exists()
    code, out, err = run_cli("import-survey", study, tmp_path / "s.xlsx", "--open", "comment", "--skip", "score",
                             "--folder", "surveys/2025")
    assert code == 0, err
    assert (study / "surveys/2025/comment/s1.txt").read_text().endswith("s1: Too short to look open\n")
    assert open_study(study).participants.attributes_of("s1")["cohort"] == "2024"
    code, out, err = run_cli("import-survey", study, tmp_path / "s.xlsx", "--open", "comment", "--folder",
                             "surveys/2025")
    assert code == 1 and "already exists" in err  # never replaces a transcript
    code, out, err = run_cli("import-survey", study, tmp_path / "s.xlsx", "--open", "coment")
    assert code == 2 and "(did you mean 'comment'?)" in err


def test_bad_surveys_get_clear_messages(study, tmp_path, run_cli):
    export = _write_csv(tmp_path / "dup.csv", [["id", "q"], ["r1", "a"], ["r1", "b"], ["", "c"]], "cp1252")
    code, out, err = run_cli("import-survey", study, export)
    assert code == 1
    assert "dup.csv, line 3: the respondent id 'r1' appears twice (rows 2 and 3)" in err
    assert "dup.csv, line 4: the respondent id (id) is empty" in err
    export = _write_csv(tmp_path / "noid.csv", [["name", "q"], ["r1", "a"]])
    code, out, err = run_cli("import-survey", study, export)
    assert code == 2 and "name it with --id" in err
    export = _write_csv(tmp_path / "conflict.csv", [["id", "arm"], ["amara", "control"]])
    code, out, err = run_cli("import-survey", study, export)
    assert code == 1 and "participant 'amara' has arm = 'intervention' there but the survey says 'control'" in err
    assert not (study / "survey").exists()
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    code, out, err = run_cli("import-survey", study, tmp_path / "bad.xlsx")
    assert code == 1 and "not a readable Excel workbook" in err


# ---------------------------------------------------------------- one step: recorded, undone, crash-safe


def test_a_survey_import_is_one_operation_undone_byte_for_byte(study, tmp_path, run_cli):
    from codebookkit import snapshot
    from tcoder.changeset import operations

    before = snapshot(study)
    export = _write_csv(tmp_path / "survey.csv", QUALTRICS)
    code, out, err = run_cli("import-survey", study, export)
    assert code == 0, err
    (op,) = operations(study)
    assert op.kind == "survey.import" and op.label == "import the survey survey.csv"
    assert f"Recorded as operation {op.id}" in out
    assert sorted(f.path for f in op.files) == ["participants.csv", "speakers.csv", "survey/barriers/R_1a.txt",
                                                "survey/barriers/R_2b.txt", "survey/support/R_1a.txt",
                                                "survey/support/R_3c.txt"]
    code, out, err = run_cli("undo", study, "--list")
    assert code == 0 and "import the survey survey.csv  (6 files; can be undone)" in out
    code, out, err = run_cli("undo", study)
    assert code == 0, err
    assert "Undone: import the survey survey.csv (6 files restored byte for byte" in out
    assert snapshot(study) == before  # the documents are gone, both tables as they were
    code, out, err = run_cli("undo", study)
    assert code == 1 and "there is no operation to undo" in err


def test_an_undo_that_would_lose_later_work_is_refused(study, tmp_path, run_cli):
    export = _write_csv(tmp_path / "survey.csv", QUALTRICS)
    assert run_cli("import-survey", study, export)[0] == 0
    people = study / "participants.csv"
    people.write_text(people.read_text() + "zoe,control,,,\n")  # edited since
    code, out, err = run_cli("undo", study)
    assert code == 1 and "1 file changed since it was made" in err and "participants.csv" in err
    assert "zoe,control" in people.read_text() and (study / "survey" / "barriers" / "R_1a.txt").exists()


def test_a_survey_import_killed_at_any_point_is_all_or_nothing(study, tmp_path):
    """The import runs in a child process killed (SIGKILL) at crash points from the first
    to the last; opening the study afterwards leaves it exactly as before or exactly as after."""
    import os
    import shutil
    import subprocess
    import sys

    from codebookkit import snapshot

    export = _write_csv(tmp_path / "survey.csv", QUALTRICS)
    child = ("import sys\nfrom tcoder import changeset\nfrom tcoder.cli import main\n"
             "code = main(['import-survey', sys.argv[1], sys.argv[2]])\n"
             "print(changeset.checkpoints_passed())\nsys.exit(code)\n")
    env = {k: v for k, v in os.environ.items() if k != "TCODER_FAULT_KILL_AT"}

    def run(root, kill_at=None):
        extra = {"TCODER_FAULT_KILL_AT": str(kill_at)} if kill_at else {}
        return subprocess.run([sys.executable, "-c", child, str(root), str(export)], capture_output=True, text=True,
                              env={**env, **extra}, timeout=120)

    before = snapshot(study)
    reference = tmp_path / "reference"
    shutil.copytree(study, reference)
    done = run(reference)
    assert done.returncode == 0, done.stderr
    points = int(done.stdout.splitlines()[-1])
    after = snapshot(reference)
    assert points >= 8  # journal written, each of the 6 files, flushed, finished
    outcomes = {}
    for kill_at in sorted({1, 2, points // 3, points // 2, 2 * points // 3, points - 1, points}):
        root = tmp_path / f"run{kill_at}"
        shutil.copytree(study, root)
        killed = run(root, kill_at)
        assert killed.returncode == -9, killed.stderr
        open_study(root)  # completes or discards the interrupted operation
        state = snapshot(root)
        assert state in (before, after), f"a mixture after a kill at point {kill_at} of {points}"
        outcomes[kill_at] = "after" if state == after else "before"
    assert outcomes[1] == "before" and outcomes[points] == "after", outcomes

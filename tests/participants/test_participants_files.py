"""participants.csv and speakers.csv: reading, validation with file/line/column, and fill."""

from __future__ import annotations

from studykit import MINI_TRANSCRIPT, StudyBuilder
from tcoder.study import open_study

FG = """\
Moderator: Welcome, everyone. Who wants to start?

Keisha: I will. I'm an MS2 and I organise.

Luis: Luis, third year. My community, mostly.

Moderator: Thank you both.
"""


def _study(builder: StudyBuilder) -> StudyBuilder:
    builder.codebook()
    builder.transcript()
    builder.transcript("focus-groups/FG1.txt", FG)
    return builder


def test_a_study_says_who_speaks(study_builder):
    b = _study(study_builder)
    b.participants("participant,gender,year\namara,woman,MS3\nkeisha,woman,MS2\nluis,man,MS3\n")
    b.speakers("transcript,speaker,participant,role\n"
               "P01,Interviewer,,interviewer\nP01,Amara,amara,participant\n"
               "FG1,Moderator,,moderator\nFG1,Keisha,keisha,participant\nFG1,Luis,luis,participant\n")
    study = open_study(b.root)
    assert study.participant_problems == []
    p = study.participants
    assert p.defined and p.columns == ["gender", "year"]
    assert p.role("interviews/P01.txt", "Interviewer") == "interviewer"
    assert p.participant("focus-groups/FG1.txt", "Luis") == "luis"
    assert p.attributes_of("luis") == {"gender": "man", "year": "MS3"}
    assert p.in_transcript("focus-groups/FG1.txt") == ["keisha", "luis"]
    assert p.cases() == ["amara", "keisha", "luis"]


def test_one_person_in_two_transcripts(study_builder):
    b = _study(study_builder)
    b.transcript("focus-groups/FG1.txt", FG + "\nAmara: I came to this group too.\n")
    b.participants("participant,gender\namara,woman\nkeisha,woman\nluis,man\n")
    b.speakers("transcript,speaker,participant,role\nP01,Interviewer,,interviewer\nP01,Amara,amara,participant\n"
               "FG1,Moderator,,moderator\nFG1,Keisha,keisha,participant\nFG1,Luis,luis,participant\n"
               "FG1,Amara,amara,participant\n")
    study = open_study(b.root)
    assert study.participant_problems == []
    assert study.participants.cases() == ["amara", "keisha", "luis"]
    assert study.participants.in_transcript("interviews/P01.txt") == ["amara"]
    assert "amara" in study.participants.in_transcript("focus-groups/FG1.txt")


def _check(run_cli, root):
    code, out, err = run_cli("check", root)
    return code, err


def test_bad_files_each_get_a_clear_message(study_builder, run_cli):
    b = _study(study_builder)
    b.participants("participant,gender\namara,woman\nkeisha,woman\namara,man\n")
    b.speakers("transcript,speaker,participant,role\n"
               "P07,Amara,amara,participant\n"           # line 2: unknown transcript
               "P01,Amra,amara,participant\n"            # line 3: never speaks
               "FG1,Keisha,keisha,participant\n"
               "FG1,Luis,keisha,moderator\n"             # line 5: keisha has two roles in FG1
               "FG1,Moderator,,chair\n"                  # line 6: unknown role
               "P01,Interviewer,nobody,interviewer\n")   # line 7: unknown participant id
    code, err = _check(run_cli, b.root)
    assert code == 1
    assert "participants.csv, line 4, column 1: the participant id 'amara' is used twice (lines 2 and 4)" in err
    assert "speakers.csv, line 2, column 1: 'P07' is not a transcript of this study" in err
    assert ("speakers.csv, line 3, column 5: the speaker 'Amra' never speaks in interviews/P01.txt "
            "(did you mean 'Amara'?) (its speakers: Interviewer, Amara)") in err
    assert ("speakers.csv, line 5, column 17: 'keisha' has two roles in focus-groups/FG1.txt: participant (line 4) "
            "and moderator; a person has one role in a transcript") in err
    assert "speakers.csv, line 6, column 16: unknown role 'chair'" in err
    assert "speakers.csv, line 7, column 17: no participant 'nobody' in participants.csv" in err
    # speakers nobody described are a warning, not an error
    assert "warning: " in err and "2 speakers not in speakers.csv: Moderator, Luis" in err


def test_bad_header_and_short_rows(study_builder, run_cli):
    b = _study(study_builder)
    b.participants("id,gender\namara,woman\n")
    b.speakers("transcript,speaker,person,role\n")
    code, err = _check(run_cli, b.root)
    assert code == 1
    assert "participants.csv, line 1, column 1: the first column must be 'participant'" in err
    assert "speakers.csv, line 1, column 1: unknown column 'person'" in err
    b.participants("participant,gender\namara\n")
    b.speakers("transcript;speaker;participant;role\nP01;Amara;;participant\n")
    code, err = _check(run_cli, b.root)
    assert "participants.csv, line 2: this row has 1 cells but the header has 2" in err
    assert ("speakers.csv, line 2, column 11: the speaker 'Amara' of interviews/P01.txt is a participant but has "
            "no participant id") in err


def test_fill_adds_every_speaker_and_keeps_what_is_there(study_builder, run_cli):
    b = _study(study_builder)
    b.attributes("transcript,group,gender\nP01,intervention,woman\nFG1,control,mixed\n")
    existing = "transcript,speaker,participant,role\r\nP01,Amara,amara-k,participant\r\n"
    b.speakers(existing)
    b.participants("participant,group,gender\r\namara-k,intervention,woman\r\n")
    (b.root / "speakers.csv").write_bytes(existing.encode())
    (b.root / "participants.csv").write_bytes(b"participant,group,gender\r\namara-k,intervention,woman\r\n")
    code, out, err = run_cli("participants", "fill", b.root, "--dry-run")
    assert code == 0 and "Would add 4 speaker rows" in out
    assert (b.root / "speakers.csv").read_bytes() == existing.encode()
    code, out, err = run_cli("participants", "fill", b.root)
    assert code == 0, err
    speakers = (b.root / "speakers.csv").read_bytes().decode()
    assert speakers.startswith(existing)  # byte for byte, CRLF kept
    assert speakers[len(existing):] == ("focus-groups/FG1.txt,Moderator,,moderator\r\n"
                                        "focus-groups/FG1.txt,Keisha,keisha,participant\r\n"
                                        "focus-groups/FG1.txt,Luis,luis,participant\r\n"
                                        "interviews/P01.txt,Interviewer,,interviewer\r\n")
    people = (b.root / "participants.csv").read_bytes().decode()
    assert people.endswith("keisha,,\r\nluis,,\r\n")
    code, out, err = run_cli("check", b.root)
    assert code == 0, err
    code, out, _ = run_cli("participants", "fill", b.root)
    assert "already in speakers.csv" in out


def test_fill_creates_files_and_seeds_interviewees_from_transcript_attributes(study_builder, run_cli):
    b = _study(study_builder)
    b.transcript("interviews/P02.txt", MINI_TRANSCRIPT.replace("Amara", "Speaker 2"))
    b.transcript("interviews/P03.txt", MINI_TRANSCRIPT.replace("Amara", "Speaker 2"))
    b.attributes("transcript,group,gender\nP01,intervention,woman\nFG1,control,mixed\n")
    code, out, err = run_cli("participants", "fill", b.root)
    assert code == 0, err
    assert "amara: attributes copied from interviews/P01.txt's row in attributes.csv" in out
    people = (b.root / "participants.csv").read_text().splitlines()
    assert people[0] == "participant,group,gender"
    assert "amara,intervention,woman" in people
    assert "keisha,," in people  # a focus group's 'mixed' is nobody's attribute
    # generic labels are different people in different transcripts
    assert "p02-speaker-2,," in people and "p03-speaker-2,," in people
    study = open_study(b.root)
    assert study.participant_problems == []
    assert study.participants.role("interviews/P02.txt", "Interviewer") == "interviewer"


def test_settings_name_other_files_and_roles(study_builder):
    b = _study(study_builder)
    (b.root / "tcoder.yaml").write_text("participants: people.csv\nspeakers: who.csv\n"
                                        "left_out_roles: {agreement: [interviewer], reports: []}\n")
    (b.root / "people.csv").write_text("participant\namara\n")
    (b.root / "who.csv").write_text("transcript,speaker,participant,role\nP01,Amara,amara,participant\n"
                                    "P01,Interviewer,,interviewer\n")
    study = open_study(b.root)
    assert study.participants.role("interviews/P01.txt", "Interviewer") == "interviewer"
    assert study.turn_rule("agreement").left_out_roles == {"interviewer"}
    assert study.turn_rule("reports").left_out_roles == frozenset()
    assert study.turn_rule("uncoded_turns").left_out_roles == {"interviewer", "moderator", "observer"}


def test_bad_left_out_roles_setting(study_builder, run_cli):
    b = _study(study_builder)
    (b.root / "tcoder.yaml").write_text("left_out_roles: [interviewr]\n")
    code, out, err = run_cli("check", b.root)
    assert code == 1
    assert "tcoder.yaml, line 1, column 17: unknown role 'interviewr' in 'left_out_roles' (did you mean " \
           "'interviewer'?)" in err
    (b.root / "tcoder.yaml").write_text("left_out_roles:\n  agreemnt: [interviewer]\n")
    code, out, err = run_cli("check", b.root)
    assert "unknown purpose 'agreemnt'" in err and "(did you mean 'agreement'?)" in err


def test_skip_speakers_in_settings_leave_their_turns_out_without_a_speakers_file(study_builder, run_cli):
    b = _study(study_builder)
    (b.root / "tcoder.yaml").write_text("skip_speakers: [Interviewer]\n")
    study = open_study(b.root)
    assert study.settings.skip_speakers == ("Interviewer",)
    selection = study.turn_selection("interviews/P01.txt", study.turn_rule("uncoded_turns"))
    assert selection.reasons == {"Interviewer": "skip_speakers in tcoder.yaml"}
    assert {t.speaker for t in selection.counted} == {"Amara"}
    (b.root / "tcoder.yaml").write_text("skip_speakers: {Interviewer: yes}\n")
    code, out, err = run_cli("check", b.root)
    assert code == 1
    assert "tcoder.yaml, line 1, column 16: 'skip_speakers' must be a list of speaker labels" in err


def test_a_spreadsheet_export_in_windows_1252_reads_with_a_warning(study_builder, run_cli):
    b = _study(study_builder)
    b.transcript("interviews/P02.txt", MINI_TRANSCRIPT.replace("Amara", "Tomás"))
    (b.root / "participants.csv").write_bytes("participant;name;group\r\ntomas;Tomás;control\r\n".encode("cp1252"))
    (b.root / "speakers.csv").write_bytes("transcript;speaker;participant;role\r\nP02;Tomás;tomas;participant\r\n"
                                          .encode("cp1252"))
    study = open_study(b.root)
    assert study.participants.attributes_of("tomas") == {"name": "Tomás", "group": "control"}
    assert study.participants.participant("interviews/P02.txt", "Tomás") == "tomas"
    assert any("not UTF-8" in p.message and p.severity == "warning" for p in study.participant_problems)
    code, out, err = run_cli("participants", "fill", b.root)
    assert code == 1 and "not UTF-8" in err and "before tcoder adds rows" in err  # never rewrites what it cannot keep

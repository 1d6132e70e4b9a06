"""export --coders: only the chosen coders' coding leaves the study, the rest is counted."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from studykit import SAMPLE_STUDY
from tcoder.annotations import read_annotations
from tcoder.study import open_study


def test_only_the_chosen_coders_leave_the_study(run_cli, tmp_path: Path):
    target = tmp_path / "shared.qdpx"
    code, out, err = run_cli("export", SAMPLE_STUDY, "--qdpx", target, "--coders", "alice,consensus")
    assert code == 0, err
    study = open_study(SAMPLE_STUDY)
    counts = {c: sum(len(read_annotations(p).annotations) for ref in study.transcripts
                     for coder, p in study.annotation_files(ref).items() if coder == c)
              for c in ("alice", "bob", "consensus")}
    files_bob = sum(1 for ref in study.transcripts if "bob" in study.annotation_files(ref))
    assert f"left out (--coders): bob's {counts['bob']} annotations in {files_bob} files" in out
    assert f"{counts['alice'] + counts['consensus']} annotations" in out and "2 coders (alice, consensus)" in out
    with zipfile.ZipFile(target) as archive:
        project = archive.read("project.qde").decode("utf-8")
        sidecar = archive.read("tcoder.json").decode("utf-8")
    # bob stays a user as the author of memos (memos are not coding); none of his coding is there
    assert re.findall(r'<User [^>]*name="([^"]+)"', project) == ["alice", "consensus", "bob"]
    assert {f["coder"] for f in json.loads(sidecar)["files"]} == {"alice", "consensus"}
    bob = re.search(r'<User [^>]*guid="([^"]+)"[^>]*name="bob"', project).group(1)
    makers = re.findall(r'<Coding [^>]*creatingUser="([^"]+)"', project)
    assert bob not in makers and len(makers) == counts["alice"] + counts["consensus"]
    code, out, err = run_cli("import-qdpx", target, "--into", tmp_path / "back")
    assert code == 0, err
    back = open_study(tmp_path / "back")
    assert back.coders == ["alice", "consensus"]
    assert sum(len(read_annotations(p).annotations) for ref in back.transcripts
               for p in back.annotation_files(ref).values()) == counts["alice"] + counts["consensus"]


def test_coders_must_exist_and_apply_to_projects_only(run_cli, tmp_path: Path):
    code, out, err = run_cli("export", SAMPLE_STUDY, "--qdpx", tmp_path / "x.qdpx", "--coders", "zed")
    assert code == 2 and "no annotation files from zed" in err
    code, out, err = run_cli("export", SAMPLE_STUDY, "--qdc", tmp_path / "x.qdc", "--coders", "alice")
    assert code == 2 and "a codebook carries no coding" in err

"""export --qdpx on several cores writes the archive one process writes, byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tcoder.parallel import JOBS_VARIABLE, can_fork


@pytest.fixture
def many(sample_study: Path) -> Path:
    """The sample study four more times in folders (22 transcripts: enough to fork workers), a
    memo with characters XML cannot hold and an edited transcript (orphaned or moved passages)."""
    for n in range(1, 5):
        folder = sample_study / "interviews" / f"batch{n}"
        folder.mkdir()
        for path in (sample_study / "interviews").glob("P0*.*"):
            shutil.copy(path, folder / path.name)
    path = sample_study / "interviews/batch2/P01.alice.json"
    data = json.loads(path.read_text("utf-8"))
    data["annotations"][1]["memo"] = "a vertical tab \x0b and an escape \x1b"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    text = sample_study / "interviews/batch3/P02.txt"
    text.write_text(text.read_text("utf-8").replace("the", "THE", 40), "utf-8")
    return sample_study


@pytest.mark.skipif(not can_fork(), reason="workers are forked only on Linux")
@pytest.mark.parametrize("target", ["standard", "nvivo", "qualcoder"])
def test_two_processes_write_the_archive_one_writes(many: Path, tmp_path: Path, run_cli, monkeypatch,
                                                    target: str) -> None:
    archives = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv(JOBS_VARIABLE, jobs)
        out = tmp_path / f"{jobs}.qdpx"
        code, _, err = run_cli("export", many, "--qdpx", out, "--for", target)
        assert code == 0, err
        assert "were replaced in: memo of annotation" in err
        archives[jobs] = out.read_bytes()
    assert archives["1"] == archives["2"]

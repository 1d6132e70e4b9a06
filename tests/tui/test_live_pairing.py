"""Two coders code the same transcript at the same time, in two processes, each
showing the other's spans live (`tcoder code --with`): nothing is lost, each file
holds exactly its coder's work, and each screen ends up showing the other's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tcoder.annotations import read_annotations

LIVE_CODER = Path(__file__).with_name("live_coder.py")


def test_two_coders_at_once_lose_nothing(fresh_tui_study, tmp_path):
    root = fresh_tui_study.root
    go = tmp_path / "go"
    keys = {"alice": ["p", "w", "a", "o", "1"], "bob": ["w", "p", "o", "a", "2"]}
    partners = {"alice": "bob", "bob": "alice"}
    processes = {coder: subprocess.Popen([sys.executable, str(LIVE_CODER), str(root), coder, partners[coder],
                                          str(go), *keys[coder]], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)
                 for coder in keys}
    go.touch()  # both start coding together (each waits until its folder watch runs)
    reports = {}
    for coder, process in processes.items():
        out, err = process.communicate(timeout=90)
        assert process.returncode == 0, err
        reports[coder] = json.loads(out.strip().splitlines()[-1])

    on_disk = {coder: sorted((a.code, a.start, a.end)
                             for a in read_annotations(root / f"interviews/P01.{coder}.json").annotations)
               for coder in keys}
    for coder in keys:
        codes = {"p": "personal", "w": "witnessing", "a": "curriculum", "o": "outreach", "1": "stance-low",
                 "2": "stance-high"}
        assert sorted(c for c, _, _ in on_disk[coder]) == sorted(codes[k] for k in keys[coder])
        assert [list(x) for x in on_disk[coder]] == reports[coder]["mine"]  # everything coded is on disk
        assert reports[partners[coder]]["seen"] == reports[coder]["mine"]  # and the partner saw all of it
    starts = {coder: sorted(s for _, s, _ in on_disk[coder]) for coder in keys}
    assert starts["alice"] == starts["bob"]  # the same five sentences, coded at the same time

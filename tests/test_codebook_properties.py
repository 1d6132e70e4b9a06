"""Random sequences of codebook operations and undos, some with a coder's file held by a
live session: every annotation stays, exactly once, with its span and memo, on a code
of the codebook (read through the history when its file was held), and undo restores
every byte."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codebookkit import coded_study, snapshot
from tcoder.annotations import AnnotationLock
from tcoder.codebook_history import derived_id
from tcoder.codebook_ops import (
    OperationRefused,
    delete_code,
    merge_codes,
    move_code,
    new_code,
    rename_code,
    split_code,
    split_passages,
    undo_operation,
)
from tcoder.study import open_study

STEP = st.one_of(
    st.tuples(st.just("rename"), st.integers(0, 50)),
    st.tuples(st.just("merge"), st.integers(0, 50), st.integers(0, 50)),
    st.tuples(st.just("split"), st.integers(0, 50), st.integers(0, 3)),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(0, 50)),
    st.tuples(st.just("new"), st.integers(0, 50)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("undo")),
)


def read_all(root: Path) -> dict[str, tuple[str, int, int, str | None]]:
    """Every annotation as the study reads it (through the history): id -> (code, start, end, memo)."""
    return {aid: rest[1:] for aid, rest in read_files(root).items()}


def read_files(root: Path) -> dict[str, tuple[str, str, int, int, str | None]]:
    """id -> (file, code, start, end, memo), every annotation read through the history."""
    study = open_study(root)
    known = set(study.codebook.codes)
    out = {}
    for ref in study.transcripts:
        for coder in study.coders_of(ref):
            loaded = study.load_annotations(ref, coder, known)
            assert not [p for p in loaded.problems if p.severity == "error"], loaded.problems
            for a in loaded.file.annotations:
                assert a.id not in out, f"{a.id} twice"
                assert a.code in known, f"{a.id} on {a.code!r}, not in the codebook"
                out[a.id] = (loaded.path.name, a.code, a.start, a.end, a.memo)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=6), held=st.lists(st.integers(0, 8), max_size=6))
def test_random_operations_and_undos_keep_every_annotation(tmp_path_factory, steps, held):
    root = coded_study(tmp_path_factory.mktemp("prop") / "study").root
    files = sorted(root.rglob("*.*.json"))
    model = {aid: rest[1:] for aid, rest in read_all(root).items()}  # id -> (start, end, memo)
    history: list[tuple[dict[str, bytes], dict]] = []
    fresh = (f"c{n}" for n in itertools.count())
    for n, step in enumerate(steps):
        study = open_study(root)
        codes = list(study.codebook.codes)
        leaves = [c for c in codes if not study.codebook[c].children and not study.codebook[c].exclusive]
        before = snapshot(root)
        expected = dict(model)
        files_before = {aid: rest[0] for aid, rest in read_files(root).items()}
        lock = None
        if n < len(held) and held[n] < len(files):  # a live session holds this coder's file meanwhile
            lock = AnnotationLock(files[held[n]], coder="someone", purpose="coding").acquire()
        try:
            kind = step[0]
            if kind == "rename":
                rename_code(study, codes[step[1] % len(codes)], next(fresh), who="p")
            elif kind == "merge":
                merge_codes(study, [leaves[step[1] % len(leaves)]], leaves[step[2] % len(leaves)], who="p")
            elif kind == "split":
                source = leaves[step[1] % len(leaves)]
                new_a, new_b = next(fresh), next(fresh)
                assignment = {}
                for i, p in enumerate(split_passages(study, source)):
                    choice = (i + step[2]) % 3
                    assignment[p.annotation.id] = [[new_a], [new_b], [new_a, new_b]][choice]
                    if choice == 2:
                        expected[derived_id(p.annotation.id, new_b)] = model[p.annotation.id]
                split_code(study, source, [new_a, new_b], assignment, names={new_a: "A", new_b: "B"}, who="p")
            elif kind == "move":
                parent = [None, *codes][step[2] % (len(codes) + 1)]
                move_code(study, codes[step[1] % len(codes)], parent, who="p")
            elif kind == "new":
                new_code(study, f"New {step[1]}", code_id=next(fresh), who="p")
            elif kind == "delete":
                code = leaves[step[1] % len(leaves)]
                gone = {aid for aid, (c, *_rest) in read_all(root).items() if c == code}
                delete_code(study, code, delete_annotations=True, who="p")
                expected = {aid: v for aid, v in expected.items() if aid not in gone}
            else:
                if not history:
                    continue
                undo_operation(study, who="p")
                restored, expected = history.pop()
                assert snapshot(root) == restored
        except OperationRefused:
            assert snapshot(root) == before  # refused: nothing changed
            event(f"{step[0]} refused")
            continue
        finally:
            if lock is not None:
                lock.release()
        event(f"{step[0]} made" + (" with a held file" if lock is not None else ""))
        if step[0] != "undo":
            history.append((before, model))
        now = read_files(root)
        for aid, (start, end, memo) in expected.items():
            if aid in now:
                _f, _c, s_, e_, m_ = now[aid]
                # a merge may unite a passage with another of its new code that shares its text
                assert (s_, e_, m_) == (start, end, memo) or step[0] == "merge" and s_ <= start and end <= e_ \
                    and (memo or "") in (m_ or ""), f"{aid} changed by {step}"
                continue
            assert step[0] == "merge", f"{aid} lost by {step}"
            file = files_before[aid]
            assert any(f == file and s_ <= start and end <= e_ and (memo or "") in (m_ or "")
                       for f, _c, s_, e_, m_ in now.values()), f"{aid} lost by {step}"
        assert set(now) <= set(expected)
        model = {aid: rest[2:] for aid, rest in now.items()}

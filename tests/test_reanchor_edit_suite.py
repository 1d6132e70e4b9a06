"""The re-anchoring edit suite (benchmarks/editsuite.py) as a test: the sample study's
transcripts edited the ways people edit them, every annotation classified against where
its passage truly went. No annotation may end up on other words without a word."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SUITE = Path(__file__).resolve().parents[1] / "benchmarks" / "editsuite.py"


@pytest.fixture(scope="module")
def editsuite():
    spec = importlib.util.spec_from_file_location("editsuite", SUITE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["editsuite"] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["editsuite"]


@pytest.mark.slow
def test_no_edit_puts_an_annotation_on_other_words(editsuite):
    results = editsuite.run(seeds=1)
    assert set(results) == set(editsuite.KINDS)
    wrong = {kind: t.examples for kind, t in results.items() if t.wrong}
    assert not wrong, wrong
    for kind, t in results.items():
        assert t.exact + t.approximate + t.orphaned == t.annotations, kind
    # Edits that keep every word find every annotation exactly.
    for kind in ("re-wrapped lines", "CRLF line ends", "paragraphs moved", "speakers renamed"):
        assert results[kind].exact == results[kind].annotations, (kind, results[kind])
    # An orphan is the exception, not the rule, when passages survive.
    assert results["typos fixed"].orphaned <= results["typos fixed"].annotations // 100


def test_the_suite_knows_where_every_passage_went(editsuite):
    """The suite's own bookkeeping, checked on an edit it can compute by hand."""
    text = "Amara: Um. I saw it.\nBen: Um. Yes.\n"
    pieces = [(0, 11), (20, len(text))]  # "I saw it." deleted
    new = editsuite.apply_pieces(text, pieces)
    assert new == "Amara: Um. \nBen: Um. Yes.\n"
    kept = editsuite.new_positions(pieces)
    assert editsuite.truth(kept, 7, 10) == ("exact", 7, 10)
    assert editsuite.truth(kept, 11, 20)[0] == "gone"
    assert editsuite.truth(kept, 26, 29) == ("exact", 17, 20)

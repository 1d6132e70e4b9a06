"""Numbers as tables print them: never -0.000."""

from __future__ import annotations

import pytest

from tcoder.numbers import fixed, plural


@pytest.mark.parametrize(("value", "places", "shown"), [
    (-0.0004, 3, "0.000"), (-0.0, 3, "0.000"), (-1e-12, 3, "0.000"), (-0.004, 2, "0.00"),
    (-0.0006, 3, "-0.001"), (0.8004, 3, "0.800"), (-0.25, 2, "-0.25"), (12.5, 1, "12.5"),
])
def test_a_figure_that_rounds_to_zero_has_no_sign(value, places, shown):
    assert fixed(value, places) == shown


def test_agree_tables_use_it():
    from tcoder.commands.agree_markdown import _number
    from tcoder.commands.agree_output import _alpha

    assert _alpha(-0.0002) == "0.000" and _number(-0.0002) == "0.000" and _alpha(None) == "-"


@pytest.mark.parametrize(("n", "word", "verb", "shown"), [
    (1, "file", None, "1 file"), (0, "file", None, "0 files"), (2031, "file", None, "2,031 files"),
    (1, "page", "has", "1 page has"), (3, "page", "has", "3 pages have"), (2, "caption", "starts", "2 captions start"),
    (2, "journal entry", None, "2 journal entries"), (1, "journal entry", None, "1 journal entry"),
    (4, "file or folder", "was", "4 files or folders were"), (2.0, "unit", None, "2 units"), (2.5, "unit", None, "2.5 units"),
    (2, "annotation", "reaches", "2 annotations reach"),
])
def test_counts_read_as_words(n, word, verb, shown):
    assert plural(n, word, verb) == shown


def test_messages_count_in_words_not_with_a_parenthesised_s():
    """One home for the plural: no string in the program builds "file(s)" or "file{'s' if ...}" by hand."""
    import io
    import re
    import tokenize
    from pathlib import Path

    import tcoder

    hand_made = re.compile(r"[a-z]\((?:e|ie)?s\)(?![a-z])|\{'s' if |\{\"s\" if ")
    found = []
    for path in Path(tcoder.__file__).parent.rglob("*.py"):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        found += [f"{path.name}:{tok.start[0]}" for tok in tokens
                  if tok.type == tokenize.STRING and hand_made.search(tok.string)]
    assert found == []


def test_report_figures_that_round_to_zero_have_no_sign():
    from tcoder.agreement.methods import _alpha
    from tcoder.reports.crosstab import _effect
    from tcoder.reports.markup import plain
    from tcoder.reports.stats import format_p

    assert _effect(-0.001, -0.004, 0.25) == "0.00 [0.00, 0.25]"  # a risk difference just below zero
    assert _alpha(-0.0002) == ".000" and _alpha(-0.25) == "-.250"
    assert plain(-0.0) == "0" and plain(-0.25) == "-0.25"
    assert format_p(0.0321) == ".032"


def test_program_strings_format_decimals_through_fixed():
    """One home for decimals: no string in the program formats a number with a bare ':.2f' (which
    prints -0.00); grouped sizes (':,.1f' MB) are never negative and may."""
    import io
    import re
    import tokenize
    from pathlib import Path

    import tcoder

    raw = re.compile(r"\{[^{}]*:[+ ]?\.\d+f\}")
    found = []
    for path in Path(tcoder.__file__).parent.rglob("*.py"):
        if path.name == "numbers.py":
            continue
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        found += [f"{path.name}:{tok.start[0]}" for tok in tokens
                  if tok.type == tokenize.STRING and raw.search(tok.string)]
    assert found == []


@pytest.mark.parametrize(("singular", "many"), [
    ("is", "are"), ("was", "were"), ("has", "have"), ("shows", "show"), ("belongs", "belong"),
    ("carries", "carry"), ("reaches", "reach"), ("touches", "touch"), ("misses", "miss"),
])
def test_verbs_agree_with_a_count_of_several(singular, many):
    from tcoder.numbers import verb_for

    assert verb_for(1, singular) == singular
    assert verb_for(3, singular) == many  # 'Pending migration 3 annotations ... carry', not 'carrie'

"""Numbers as tables print them: never -0.000."""

from __future__ import annotations

import pytest

from tcoder.numbers import fixed


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

"""``report cases --by ATTRIBUTE``: the sample's characteristics by group (Table 1 of a paper).

Cases are participants when ``--by`` is a participant attribute (the people who take
part as participants in some transcript) and transcripts otherwise. For every other
attribute of the same cases:

- numeric (every value a number): mean ± SD per group and Welch's t-test for two
  groups, one-way ANOVA for more; with ``--median``, median [IQR] and the
  Mann-Whitney U test (Kruskal-Wallis for more groups);
- categorical: n (%) per group for each value (% of the group's cases with a
  value), and the independence test of :mod:`tcoder.reports.stats` (chi-square,
  or Fisher's exact test for a 2 x 2 table with small expected counts).

An attribute with a different value for every case (a name, an id) describes nobody's
group and is left out, as are cases without a value for ``--by``; missing values
are counted per group and never enter a test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tcoder.attributes import value_name
from tcoder.numbers import fixed, plural
from tcoder.participants import Grouping
from tcoder.reports.stats import independence_test

#: Values are indented under their attribute with no-break spaces, which Markdown and HTML keep.
INDENT = "\u00a0\u00a0"
#: The row of each characteristic that counts the cases without a value.
MISSING = "(missing)"


def case_values(study, grouping: Grouping) -> tuple[list[str], list[str], dict[str, dict[str, str]]]:
    """(cases, attribute columns, case -> values) at the grouping's level."""
    if grouping.level == "participant":
        people = study.participants
        cases = people.cases()
        return cases, list(people.columns), {c: people.attributes_of(c) for c in cases}
    attributes = study.attributes
    cases = [r.name for r in study.transcripts if r.name in attributes.rows]
    return cases, list(attributes.columns), {c: attributes.of(c) for c in cases}


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def cases_table(study, grouping: Grouping, median: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(printed table, full-precision data, notes)."""
    cases, columns, values = case_values(study, grouping)
    by = grouping.attribute
    group_of = {c: values[c].get(by, "") for c in cases}
    labels = sorted({g for g in group_of.values() if g})
    members = {g: [c for c in cases if group_of[c] == g] for g in labels}
    left_out = [c for c in cases if not group_of[c]]
    shown_rows: list[dict[str, object]] = []
    data_rows: list[dict[str, object]] = []
    notes = [f"Cases: {grouping.cases} by {by} ({grouping.level} attribute): "
             + (", ".join(f"{value_name(g)} {len(members[g])}" for g in labels) or "none") + "."]
    if left_out:
        notes.append(f"{plural(len(left_out), 'case')} without a value for {by} left out.")
    skipped = []
    heads = {g: f"{value_name(g)}\n(n = {len(members[g])})" for g in labels}
    for column in columns:
        if column == by:
            continue
        present = {c: values[c].get(column, "") for c in cases if group_of[c]}
        given = [v for v in present.values() if v]
        if not given:
            skipped.append(f"{column} (no values)")
            continue
        numbers = {c: _number(v) for c, v in present.items() if v}
        if all(n is not None for n in numbers.values()):
            shown, data = _numeric_rows(column, labels, members, numbers, median)  # type: ignore[arg-type]
        elif len(set(given)) == len(given) and len(given) > 2:
            skipped.append(f"{column} (a different value for every case)")
            continue
        else:
            shown, data = _categorical_rows(column, labels, members, present)
        missing = {g: sum(1 for c in members[g] if not present[c]) for g in labels}
        if any(missing.values()):
            shown.append({"characteristic": INDENT + MISSING, **{heads[g]: str(missing[g]) for g in labels}})
            data.append({"attribute": column, "level": MISSING, **{f"{g} n": missing[g] for g in labels}})
        for row in shown:
            shown_rows.append({("characteristic" if k == "characteristic" else heads.get(k, k)): v
                               for k, v in row.items()})
        data_rows.extend(data)
    if skipped:
        notes.append("Left out: " + ", ".join(skipped) + ".")
    if any(str(r.get("note", "")).startswith("warning") for r in data_rows):
        notes.append("† expected count below 5 in some cells: the chi-square p-value is unreliable (merge "
                     "categories or read it as descriptive).")
    notes.append("Numeric attributes: " + ("median [IQR]; Mann-Whitney U (two groups) or Kruskal-Wallis." if median
                                           else "mean ± SD; Welch's t-test (two groups) or one-way ANOVA.")
                 + " Categorical: n (% of the group's cases with a value); chi-square, or Fisher's exact test "
                   "for a 2 x 2 table with an expected count below 5.")
    shown_frame = pd.DataFrame(shown_rows, columns=["characteristic", *heads.values(), "test", "p"])
    data_frame = pd.DataFrame(data_rows)
    return shown_frame.fillna(""), data_frame, notes


def _numeric_rows(column: str, labels: list[str], members: dict[str, list[str]], numbers: dict[str, float],
                  median: bool) -> tuple[list[dict], list[dict]]:
    from scipy import stats

    from tcoder.reports.stats import format_p

    samples = {g: np.array([numbers[c] for c in members[g] if c in numbers]) for g in labels}
    usable = [samples[g] for g in labels if len(samples[g])]
    test, statistic, df, p = "", np.nan, np.nan, np.nan
    if len(usable) >= 2 and all(len(s) >= 2 for s in usable):
        if median:
            if len(usable) == 2:
                result = stats.mannwhitneyu(usable[0], usable[1], alternative="two-sided")
                test, statistic, p = "Mann-Whitney U", float(result.statistic), float(result.pvalue)
            else:
                result = stats.kruskal(*usable)
                test, statistic, df, p = "Kruskal-Wallis", float(result.statistic), len(usable) - 1, float(result.pvalue)
        elif len(usable) == 2:
            result = stats.ttest_ind(usable[0], usable[1], equal_var=False)
            test, statistic, df, p = "Welch t-test", float(result.statistic), float(result.df), float(result.pvalue)
        else:
            result = stats.f_oneway(*usable)
            test, statistic, p = "one-way ANOVA", float(result.statistic), float(result.pvalue)
            df = len(usable) - 1
    shown: dict[str, object] = {"characteristic": column + (", median [IQR]" if median else ", mean ± SD")}
    data: dict[str, object] = {"attribute": column, "level": ""}
    for g in labels:
        s = samples[g]
        mean = float(s.mean()) if len(s) else np.nan
        sd = float(s.std(ddof=1)) if len(s) > 1 else np.nan
        q1, mid, q3 = (np.percentile(s, [25, 50, 75]) if len(s) else (np.nan, np.nan, np.nan))
        data.update({f"{g} n": len(s), f"{g} mean": mean, f"{g} sd": sd, f"{g} median": float(mid),
                     f"{g} q1": float(q1), f"{g} q3": float(q3)})
        if not len(s):
            shown[g] = ""
        elif median:
            shown[g] = f"{fixed(mid, 1)} [{fixed(q1, 1)}, {fixed(q3, 1)}]"
        else:
            shown[g] = f"{fixed(mean, 1)} ± {fixed(sd, 1)}" if len(s) > 1 else fixed(mean, 1)
    shown.update(test=test, p=format_p(p))
    data.update(test=test, statistic=statistic, df=df, p=p)
    return [shown], [data]


def _categorical_rows(column: str, labels: list[str], members: dict[str, list[str]], present: dict[str, str]
                      ) -> tuple[list[dict], list[dict]]:
    from tcoder.reports.stats import format_p

    levels = sorted({v for v in present.values() if v})
    counts = np.array([[sum(1 for c in members[g] if present[c] == level) for g in labels] for level in levels])
    with_value = counts.sum(axis=0)
    test = independence_test(counts) if len(levels) > 1 else {"test": "", "chi2": np.nan, "df": np.nan,
                                                               "p": np.nan, "note": ""}
    unreliable = str(test["note"]).startswith("warning")
    header: dict[str, object] = {"characteristic": column, "test": str(test["test"]) + (" †" if unreliable else ""),
                                  "p": format_p(test["p"])}  # type: ignore[arg-type]
    shown: list[dict[str, object]] = [header]
    data: list[dict[str, object]] = []
    for i, level in enumerate(levels):
        # a value written "(missing)" is quoted: the row of that name counts the cases without one
        row: dict[str, object] = {"characteristic": INDENT + value_name(level, MISSING)}
        entry: dict[str, object] = {"attribute": column, "level": value_name(level, MISSING)}
        for k, g in enumerate(labels):
            pct = 100.0 * counts[i, k] / with_value[k] if with_value[k] else np.nan
            row[g] = f"{counts[i, k]} ({fixed(pct, 1)})" if with_value[k] else "0"
            entry[f"{g} n"] = int(counts[i, k])
            entry[f"{g} %"] = pct
        if i == 0:
            entry.update(test=test["test"], statistic=test["chi2"], df=test["df"], p=test["p"], note=test["note"])
        shown.append(row)
        data.append(entry)
    return shown, data

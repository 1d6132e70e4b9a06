"""``report crosstab --by ATTRIBUTE``: codes by the values of a case attribute.

Cases are transcripts. For each code (with its sub-codes unless ``--exact``) and
each value: the cases with at least one annotation of the code by any chosen
coder, and their share of the cases with that value. Each code's 2 x k table
(cases with / without the code, by value) is tested for independence:

- Fisher's exact test for a 2 x 2 table with an expected count below 5;
- otherwise Pearson's chi-square test (with Yates' continuity correction for
  2 x 2), and a warning when expected counts below 5 make it unreliable.

The ``test`` column says which test ran. Cases without a value are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tcoder.reports.data import ReportData

SMALL_EXPECTED = 5.0


def independence_test(table: np.ndarray) -> dict[str, object]:
    """Test a 2 x k table (rows: with / without the code). Returns test, statistic, df, p and a note."""
    from scipy.stats import chi2_contingency, fisher_exact

    table = np.asarray(table, dtype=np.int64)
    result: dict[str, object] = {"test": "", "statistic": np.nan, "df": np.nan, "p": np.nan, "note": ""}
    if table.shape[1] < 2:
        result["note"] = "only one group: no test" if table.shape[1] else "no cases: no test"
        return result
    if (table.sum(axis=1) == 0).any():
        result["note"] = "every case or no case has the code: no test"
        return result
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    small = int((expected < SMALL_EXPECTED).sum())
    if table.shape == (2, 2) and small:
        odds, p = fisher_exact(table)
        result.update(test="Fisher exact", statistic=round(float(odds), 4) if np.isfinite(odds) else np.inf,
                      p=float(p), note=f"expected count below {SMALL_EXPECTED:g} in {small} of 4 cells")
        return result
    chi2, p, dof, _ = chi2_contingency(table, correction=True)
    result.update(test="chi-square (Yates)" if table.shape == (2, 2) else "chi-square",
                  statistic=round(float(chi2), 4), df=int(dof), p=float(p))
    if small:
        result["note"] = (f"warning: expected count below {SMALL_EXPECTED:g} in {small} of {expected.size} cells; "
                          "the chi-square p-value is unreliable (merge groups or collect more cases)")
    return result


def crosstab_frame(data: ReportData, by: str) -> tuple[pd.DataFrame, list[str]]:
    values_of = data.attribute(by)
    cases = [t for t in data.transcripts if values_of[t]]
    missing = len(data.transcripts) - len(cases)
    values = sorted({values_of[t] for t in cases})
    size = {v: sum(1 for t in cases if values_of[t] == v) for v in values}
    frame = data.frame[data.frame["transcript"].isin(cases)]
    coded = frame.groupby("code")["transcript"].agg(lambda s: set(s)).to_dict()
    rows = []
    for code in data.codes:
        with_code: set[str] = set()
        for member in data.members(code):
            with_code |= coded.get(member, set())
        row: dict[str, object] = {"code": code, "code_name": data.name(code)}
        table = np.zeros((2, len(values)), dtype=np.int64)
        for k, value in enumerate(values):
            n = sum(1 for t in with_code if values_of[t] == value)
            table[0, k], table[1, k] = n, size[value] - n
            row[f"{value} n"] = n
            row[f"{value} %"] = round(100.0 * n / size[value], 1) if size[value] else np.nan
        row.update(independence_test(table))
        p = row["p"]
        row["p"] = round(float(p), 4) if isinstance(p, float) and np.isfinite(p) else np.nan
        rows.append(row)
    notes = [f"Cases by {by}: " + (", ".join(f"{v} {size[v]}" for v in values)
                                   or "none (no transcript with a value has an annotation file of the chosen "
                                      "coders)") + "."]
    if missing:
        notes.append(f"{missing} case(s) without a value for {by} left out.")
    warned = sum(1 for r in rows if str(r["note"]).startswith("warning"))
    if warned:
        notes.append(f"Warning: {warned} code(s) have expected counts below {SMALL_EXPECTED:g} in the chi-square "
                     "test; their p-values are unreliable (see the note column).")
    return pd.DataFrame(rows), notes

"""``report crosstab --by ATTRIBUTE``: codes by the values of an attribute (Table 2 of a paper).

For each code (with its sub-codes unless ``--exact``) and each value: the cases with
the code by any chosen coder (``n``), the cases with that value (``N``) and the share
(``%``, unrounded in CSV and JSON). Cases are transcripts for a transcript attribute
and participants for a participant attribute (a participant has a code when one of
their counted turns carries it). Each code's 2 x k table is tested (see
:mod:`tcoder.reports.stats`), and each statistic has its own column: ``chi2`` and
``df`` (empty for Fisher's test), ``p``, with ``--correct holm|bh`` an adjusted
``p_holm`` or ``p_bh``; for two groups the risk difference and odds ratio of the
second value against the first, for more groups Cramér's V, each with its 95%
interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tcoder.numbers import fixed, plural
from tcoder.participants import Grouping
from tcoder.reports.data import ReportData
from tcoder.reports.frequencies import groups
from tcoder.reports.stats import (
    CORRECTIONS,
    SMALL_EXPECTED,
    adjust,
    cramers_v,
    independence_test,
    odds_ratio,
    risk_difference,
)


def crosstab_frame(data: ReportData, grouping: Grouping, correction: str | None = None
                   ) -> tuple[pd.DataFrame, list[str]]:
    found = groups(data, grouping)
    all_groups = [g for g in found if g.key]
    missing = sum(len(g.cases) for g in found if not g.key)
    labels = [g.label for g in all_groups]
    sizes = [len(g.cases) for g in all_groups]
    turns = data.turn_rows
    pieces = data.pieces
    case_of_row = (turns["participant"] if grouping.level == "participant" else turns["transcript"]).to_numpy()
    piece_row = pieces["row"].to_numpy()
    touches = pieces["touches"].to_numpy(dtype=bool)
    piece_code = pieces["code"].to_numpy()
    # each piece: is its turn one of the group's (worked out once, not per code)
    in_group = [np.asarray(g.rows, dtype=bool)[piece_row] for g in all_groups] if len(pieces) else []
    rows = []
    two = len(all_groups) == 2
    for code in data.codes:
        hit = touches & np.isin(piece_code, data.members(code))
        row: dict[str, object] = {"code": code, "code_name": data.name(code)}
        table = np.zeros((2, len(all_groups)), dtype=np.int64)
        for k, group in enumerate(all_groups):
            mine = hit & in_group[k] if len(pieces) else hit
            n = len(set(case_of_row[piece_row[mine]]) - {""})
            table[0, k], table[1, k] = n, sizes[k] - n
            row[f"{group.label} n"] = n
            row[f"{group.label} N"] = sizes[k]
            row[f"{group.label} %"] = 100.0 * n / sizes[k] if sizes[k] else np.nan
        test = independence_test(table)
        row.update(test=test["test"], chi2=test["chi2"], df=test["df"], p=test["p"])
        if two:
            (a, b), (c, d) = (table[0, 1], table[1, 1]), (table[0, 0], table[1, 0])
            rd, rd_low, rd_high = risk_difference(int(a), sizes[1], int(c), sizes[0])
            or_, or_low, or_high, corrected = odds_ratio(int(a), int(b), int(c), int(d))
            row.update(risk_difference=rd, rd_ci_low=rd_low, rd_ci_high=rd_high,
                       odds_ratio=or_, or_ci_low=or_low, or_ci_high=or_high)
            if corrected:
                test["note"] = "; ".join(filter(None, [str(test["note"]), "odds ratio with 0.5 added to every cell "
                                                                          "(a zero cell)"]))
        elif len(all_groups) > 2:
            v, v_low, v_high = cramers_v(table) if test["test"] else (np.nan, np.nan, np.nan)
            row.update(cramers_v=v, v_ci_low=v_low, v_ci_high=v_high)
        row["note"] = test["note"]
        rows.append(row)
    frame = pd.DataFrame(rows)
    notes = [f"Cases: {grouping.cases} by {grouping.attribute} ({grouping.level} attribute): "
             + (", ".join(f"{label} {size}" for label, size in zip(labels, sizes, strict=False))
                or f"none (no {grouping.cases} with a value in the chosen coders' transcripts)") + "."]
    if missing:
        notes.append(f"{plural(missing, 'case')} without a value for {grouping.attribute} left out.")
    if correction:
        column = f"p_{correction}"
        position = list(frame.columns).index("p") + 1 if "p" in frame.columns else len(frame.columns)
        frame.insert(position, column, adjust(frame["p"].to_numpy(dtype=float) if len(frame) else [], correction))
        tested = int(np.isfinite(frame["p"].to_numpy(dtype=float)).sum()) if len(frame) else 0
        notes.append(f"{column}: p adjusted for {plural(tested, 'comparison')} by the {CORRECTIONS[correction]} method.")
    if two:
        notes.append(f"Risk difference and odds ratio: {labels[1]} against {labels[0]}, with 95% intervals "
                     "(Newcombe's score interval; Woolf's logit interval).")
    elif len(all_groups) > 2:
        notes.append("Effect size: Cramér's V with a 95% interval (noncentral chi-square).")
    haldane = sum(1 for r in rows if "0.5 added" in str(r["note"]))
    if haldane:
        notes.append(f"{plural(haldane, 'code', 'has')} a zero cell: {'its' if haldane == 1 else 'their'} odds ratio adds 0.5 to every cell (Haldane-Anscombe).")
    warned = sum(1 for r in rows if str(r["note"]).startswith("warning"))
    if warned:
        notes.append(f"Warning: {plural(warned, 'code', 'has')} expected counts below {SMALL_EXPECTED:g} in the chi-square "
                     "test; their p-values are unreliable (see the note column).")
    return frame, notes


def display_frame(data: ReportData, frame: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The crosstab as printed: n (%) per group, the test, its statistic, p for a paper, the effect."""
    from tcoder.reports.stats import format_p

    out = pd.DataFrame({"code": [data.label(c) for c in frame["code"]]} if len(frame) else {"code": []})
    for label in labels:
        out[f"{label}\nn (%)"] = [f"{n} ({fixed(pct, 1)})" if np.isfinite(pct) else f"{n}"
                                  for n, pct in zip(frame[f"{label} n"], frame[f"{label} %"], strict=False)]
    out["test"] = frame["test"].replace({"chi-square (Yates)": "χ² (Yates)", "chi-square": "χ²",
                                         "Fisher exact": "Fisher"}) if len(frame) else []
    out["χ²"] = [fixed(x, 2) + (f" ({int(df)})" if np.isfinite(df) else "") if np.isfinite(x) else ""
                 for x, df in zip(frame["chi2"], frame["df"], strict=False)] if len(frame) else []
    if not out["χ²"].astype(bool).any():
        out = out.drop(columns="χ²")  # every test was Fisher's: no statistic to show
    out["p"] = [format_p(p) for p in frame["p"]] if len(frame) else []
    for column in [c for c in frame.columns if c.startswith("p_")]:
        out[column] = [format_p(p) for p in frame[column]]
    if "risk_difference" in frame.columns:
        out["risk difference\n(95% CI)"] = [_effect(*v) for v in zip(frame["risk_difference"], frame["rd_ci_low"],
                                                                      frame["rd_ci_high"], strict=False)]
        out["odds ratio\n(95% CI)"] = [_effect(*v) for v in zip(frame["odds_ratio"], frame["or_ci_low"],
                                                                 frame["or_ci_high"], strict=False)]
    if "cramers_v" in frame.columns:
        out["Cramér's V\n(95% CI)"] = [_effect(*v) for v in zip(frame["cramers_v"], frame["v_ci_low"],
                                                                frame["v_ci_high"], strict=False)]
    warnings = frame["note"].astype(str).str.startswith("warning") if len(frame) else None
    if warnings is not None and warnings.any():
        out["note"] = ["χ² unreliable: expected < 5" if w else "" for w in warnings]
    return out


def _effect(value: float, low: float, high: float) -> str:
    if not np.isfinite(value):
        return ""
    return f"{fixed(value, 2)} [{fixed(low, 2)}, {fixed(high, 2)}]"

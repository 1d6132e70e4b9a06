"""Figures for papers: frequency bars, a co-occurrence heatmap, alpha per code.

Matplotlib's object API with the Agg canvas: no display, no pyplot state, so
plots work on servers and in tests. The format follows the file's suffix
(.png, .svg, .pdf).
"""

from __future__ import annotations

import math
from pathlib import Path

PLOT_SUFFIXES = (".png", ".svg", ".pdf")
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path: str | Path) -> None:
    """Draw into memory, then replace ``path`` atomically (an interrupted run leaves the old
    figure or the new one). An unwritable path raises :class:`OSError`."""
    import io

    from tcoder.atomicio import atomic_write_bytes

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PLOT_SUFFIXES:
        raise ValueError(f"a plot is written as {', '.join(PLOT_SUFFIXES)}; {path.name} has another suffix")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=suffix[1:], dpi=200)
    atomic_write_bytes(path, buffer.getvalue())


def label(text: str) -> str:
    """A name from a study as a plot label: shown as written, never read as mathtext
    (a '$' would start a formula) and without control characters."""
    from tcoder.textsafe import inert

    return inert(str(text)).replace("$", r"\$")


def plot_frequencies(labels: list[str], series: dict[str, list[float]], path: str | Path,
                     xlabel: str = "annotations", title: str = "Code frequencies") -> None:
    """Horizontal bars, one row per code and one bar per group (coder or attribute value)."""
    figure = _figure(8, max(2.5, 0.28 * len(labels) * max(1, len(series)) ** 0.5 + 1.2))
    ax = figure.add_subplot()
    groups = list(series)
    height = 0.8 / max(1, len(groups))
    for g, group in enumerate(groups):
        ys = [i + (g - (len(groups) - 1) / 2) * height for i in range(len(labels))]
        ax.barh(ys, series[group], height=height, label=label(group), color=_COLOURS[g % len(_COLOURS)])
    ax.set_yticks(range(len(labels)), [label(x) for x in labels])
    ax.invert_yaxis()
    ax.set_xlabel(label(xlabel))
    ax.set_title(label(title))
    if len(groups) > 1:
        ax.legend(frameon=False)
    ax.grid(axis="x", alpha=0.3)
    _save(figure, path)


def plot_heatmap(labels: list[str], matrix, path: str | Path, title: str = "Code co-occurrence (Jaccard)",
                 value_label: str = "Jaccard") -> None:
    """A code x code heatmap with each cell's value written in it (for small matrices)."""
    import numpy as np

    values = np.asarray(matrix, dtype=float).reshape(len(labels), len(labels))
    size = max(4.0, 0.4 * len(labels) + 2.5)
    figure = _figure(size + 1, size)
    ax = figure.add_subplot()
    if not labels:  # nothing co-occurs: an empty, labelled figure rather than an error
        ax.text(0.5, 0.5, "no coded segments", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(label(title))
        _save(figure, path)
        return
    image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=0)
    ax.set_xticks(range(len(labels)), [label(x) for x in labels], rotation=60, ha="right")
    ax.set_yticks(range(len(labels)), [label(x) for x in labels])
    if len(labels) <= 20:
        top = np.nanmax(values) if np.isfinite(values).any() else 1
        for i in range(len(labels)):
            for j in range(len(labels)):
                v = values[i, j]
                if math.isfinite(v):
                    ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=7,
                            color="white" if v < 0.6 * top else "black")
    figure.colorbar(image, ax=ax, label=value_label, shrink=0.8)
    ax.set_title(label(title))
    _save(figure, path)


_ROW_NUMBERS = ("alpha", "ci_low", "ci_high", "q_667", "q_800", "units")


def agreement_problems(result: object, limit: int = 20) -> list[str]:
    """What in a document is not the JSON of ``tcoder agree --format json`` (docs/formats.md#agreement-data-and-results),
    each with where it is (``codes[2].alpha``); empty when the shape is right. Rows need
    their label (``code`` or ``domain``); alpha, the interval, q_667, q_800 and units are
    numbers or null; other keys are allowed."""
    if not isinstance(result, dict):
        return [f"the top level is {_kind(result)}; expected an object with 'codes', 'domains' or 'overall'"]
    problems: list[str] = []

    def row(item: object, where: str, key: str | None) -> None:
        if not isinstance(item, dict):
            problems.append(f"{where} is {_kind(item)}; expected an object")
            return
        if key is not None and not isinstance(item.get(key), str):
            problems.append(f"{where}.{key} is {_kind(item.get(key)) if key in item else 'missing'}; "
                            "expected a string")
        for name in _ROW_NUMBERS:
            value = item.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                problems.append(f"{where}.{name} is {_kind(value)}; expected a number or null")

    for section, key in (("codes", "code"), ("domains", "domain")):
        items = result.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(f"'{section}' is {_kind(items)}; expected a list of objects")
            continue
        for i, item in enumerate(items):
            row(item, f"{section}[{i}]", key)
    if result.get("overall") is not None:
        row(result["overall"], "overall", None)
    if result.get("unit") is not None and not isinstance(result["unit"], str):
        problems.append(f"'unit' is {_kind(result['unit'])}; expected a string")
    coders = result.get("coders")
    if coders is not None and not (isinstance(coders, list) and all(isinstance(c, str) for c in coders)):
        problems.append(f"'coders' is {_kind(coders)}; expected a list of names")
    if len(problems) > limit:
        problems = problems[:limit] + [f"and {len(problems) - limit} more"]
    return problems


def _kind(value: object) -> str:
    """How a JSON value is described in a message: its type and a short glimpse of it."""
    import json

    name = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)
    if value is None:
        return name
    shown = json.dumps(value, ensure_ascii=False)
    return f"{name} ({shown[:40] + '...' if len(shown) > 40 else shown})"


def alpha_rows(result: dict) -> list[dict]:
    """The rows of ``tcoder agree --format json``: codes, then domains, then overall."""
    rows = []
    for item in result.get("codes") or []:
        rows.append({"label": str(item.get("code")), **item})
    for item in result.get("domains") or []:
        rows.append({"label": f"{item.get('domain')} ({item.get('level', 'nominal')})", **item})
    overall = result.get("overall")
    if isinstance(overall, dict):
        rows.append({"label": "overall", **overall})
    return rows


def plot_alpha(result: dict, path: str | Path, title: str | None = None) -> None:
    """Krippendorff's alpha per code (and domain, and overall) with its 95% interval when the
    result has ``ci_low``/``ci_high`` (``tcoder agree --bootstrap N``). Undefined alphas
    (``null``) are labelled, not drawn. Dotted lines mark .667 and .800."""
    problems = agreement_problems(result)
    if problems:
        raise ValueError("not the JSON of 'tcoder agree --format json': " + "; ".join(problems))
    rows = alpha_rows(result)
    if not rows:
        raise ValueError("the agreement result has no codes, domains or overall alpha to plot")
    figure = _figure(7, max(2.5, 0.32 * len(rows) + 1.3))
    ax = figure.add_subplot()
    low_edge = 0.0
    for i, row in enumerate(rows):
        alpha = row.get("alpha")
        colour = "#D55E00" if row["label"] == "overall" else "#0072B2"
        if alpha is None or not math.isfinite(float(alpha)):
            ax.text(0.02, i, "undefined", va="center", fontsize=8, color="#777777",
                    transform=ax.get_yaxis_transform())
            continue
        alpha = float(alpha)
        lo, hi = row.get("ci_low"), row.get("ci_high")
        if lo is not None and hi is not None:
            ax.plot([float(lo), float(hi)], [i, i], color=colour, linewidth=2, solid_capstyle="butt")
            low_edge = min(low_edge, float(lo))
        ax.plot([alpha], [i], "o", color=colour)
        low_edge = min(low_edge, alpha)
    for threshold in (0.667, 0.8):
        ax.axvline(threshold, color="#999999", linestyle=":", linewidth=1)
    ax.set_xlim(min(-0.05, low_edge - 0.05), 1.02)
    ax.set_yticks(range(len(rows)), [label(r["label"]) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("Krippendorff's alpha" + (" (95% interval)" if any("ci_low" in r for r in rows) else ""))
    unit = result.get("unit")
    coders = ", ".join(result.get("coders") or [])
    ax.set_title(label(title or "Agreement per code" + (f", unit: {unit}" if unit else "")
                       + (f" ({coders})" if coders else "")))
    ax.grid(axis="x", alpha=0.3)
    _save(figure, path)


def plot_matrix(row_labels: list[str], column_labels: list[str], values, path: str | Path, title: str,
                value_label: str) -> None:
    """A shaded rows x columns matrix (codes by cases or groups), values written in the cells
    when there are few enough to read."""
    import numpy as np

    data = np.asarray(values, dtype=float).reshape(len(row_labels), len(column_labels))
    width = max(4.0, 0.35 * len(column_labels) + 0.12 * max([len(r) for r in row_labels] + [10]) + 2)
    height = max(3.0, 0.3 * len(row_labels) + 1.8)
    figure = _figure(min(width, 40.0), min(height, 40.0))
    ax = figure.add_subplot()
    if not row_labels or not column_labels:
        ax.text(0.5, 0.5, "nothing to show", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(label(title))
        _save(figure, path)
        return
    image = ax.imshow(data, cmap="Blues", vmin=0, aspect="auto")
    ax.set_xticks(range(len(column_labels)), [label(x) for x in column_labels], rotation=60, ha="right",
                  fontsize=8 if len(column_labels) <= 40 else 5)
    ax.set_yticks(range(len(row_labels)), [label(x) for x in row_labels], fontsize=8 if len(row_labels) <= 40 else 5)
    if data.size <= 400:
        top = data.max() if data.size else 1
        for i in range(len(row_labels)):
            for j in range(len(column_labels)):
                v = data[i, j]
                ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * top else "black")
    figure.colorbar(image, ax=ax, label=value_label, shrink=0.8)
    ax.set_title(label(title))
    _save(figure, path)

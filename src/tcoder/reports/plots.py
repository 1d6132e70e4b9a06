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
    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise ValueError(f"a plot is written as {', '.join(PLOT_SUFFIXES)}; {path.name} has another suffix")
    figure.savefig(path, dpi=200)


def plot_frequencies(labels: list[str], series: dict[str, list[float]], path: str | Path,
                     xlabel: str = "annotations", title: str = "Code frequencies") -> None:
    """Horizontal bars, one row per code and one bar per group (coder or attribute value)."""
    figure = _figure(8, max(2.5, 0.28 * len(labels) * max(1, len(series)) ** 0.5 + 1.2))
    ax = figure.add_subplot()
    groups = list(series)
    height = 0.8 / max(1, len(groups))
    for g, group in enumerate(groups):
        ys = [i + (g - (len(groups) - 1) / 2) * height for i in range(len(labels))]
        ax.barh(ys, series[group], height=height, label=group, color=_COLOURS[g % len(_COLOURS)])
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    if len(groups) > 1:
        ax.legend(frameon=False)
    ax.grid(axis="x", alpha=0.3)
    _save(figure, path)


def plot_heatmap(labels: list[str], matrix, path: str | Path, title: str = "Code co-occurrence (Jaccard)",
                 value_label: str = "Jaccard") -> None:
    """A code x code heatmap with each cell's value written in it (for small matrices)."""
    import numpy as np

    values = np.asarray(matrix, dtype=float)
    size = max(4.0, 0.4 * len(labels) + 2.5)
    figure = _figure(size + 1, size)
    ax = figure.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=0)
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    if len(labels) <= 20:
        top = np.nanmax(values) if np.isfinite(values).any() else 1
        for i in range(len(labels)):
            for j in range(len(labels)):
                v = values[i, j]
                if math.isfinite(v):
                    ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=7,
                            color="white" if v < 0.6 * top else "black")
    figure.colorbar(image, ax=ax, label=value_label, shrink=0.8)
    ax.set_title(title)
    _save(figure, path)


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
    ax.set_yticks(range(len(rows)), [r["label"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("Krippendorff's alpha" + (" (95% interval)" if any("ci_low" in r for r in rows) else ""))
    unit = result.get("unit")
    coders = ", ".join(result.get("coders") or [])
    ax.set_title(title or f"Agreement per code" + (f", unit: {unit}" if unit else "")
                 + (f" ({coders})" if coders else ""))
    ax.grid(axis="x", alpha=0.3)
    _save(figure, path)

"""Figures for papers: frequency bars, crosstab bars, a co-occurrence heatmap, alpha per
code, a codes-by-cases matrix.

One style for all of them, as journals ask: the width of one column (85 mm) or two
(174 mm, the default), 7-9 pt sans-serif type, the Okabe-Ito palette and the cividis
colour map (both readable with any colour vision), no chart junk. Vector files keep
their text as text (SVG) or embed TrueType fonts (PDF), so a journal or an editor can
restyle them; PNG is 300 dpi. Codes are labelled by name, qualified by their theme
where two codes share a name.

Matplotlib's object API with the Agg canvas: no display, no pyplot state, so plots work
on servers and in tests. The format follows the file's suffix (.png, .svg, .pdf).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any, Callable, TypeVar

from tcoder.numbers import fixed

PLOT_SUFFIXES = (".png", ".svg", ".pdf")
#: Okabe & Ito (2008): eight colours told apart with any colour vision.
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SEQUENTIAL = "cividis"  # a colour map made for colour-vision deficiency, monotone in lightness
#: Figure widths in inches: one journal column (85 mm) or the full page (174 mm).
WIDTHS = {"single": 85 / 25.4, "double": 174 / 25.4}
PLOT_SIZES = tuple(WIDTHS)
MAX_HEIGHT = 230 / 25.4  # a page's text height
DPI = 300
STYLE: dict[str, Any] = {
    "font.family": "sans-serif", "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "legend.fontsize": 7, "figure.titlesize": 9,
    "axes.spines.top": False, "axes.spines.right": False, "axes.linewidth": 0.6,
    "xtick.major.width": 0.6, "ytick.major.width": 0.6, "lines.linewidth": 1.2,
    "legend.frameon": False, "svg.fonttype": "none", "pdf.fonttype": 42, "ps.fonttype": 42,
    "image.cmap": SEQUENTIAL, "savefig.dpi": DPI,
}

F = TypeVar("F", bound=Callable[..., Any])


def styled(draw: F) -> F:
    """Draw (and save) inside the house style, leaving matplotlib's defaults alone."""

    @functools.wraps(draw)
    def run(*args: Any, **kwargs: Any) -> Any:
        import matplotlib
        from cycler import cycler

        style: dict[Any, Any] = {**STYLE, "axes.prop_cycle": cycler(color=list(_COLOURS))}
        with matplotlib.rc_context(style):
            return draw(*args, **kwargs)

    return run  # type: ignore[return-value]


def _figure(width: float, height: float, size: str = "double"):
    """A figure of the journal width ``size`` (``width`` is kept only as the shape's aspect
    for square plots) and ``height`` inches, capped at a page."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTHS.get(size, WIDTHS["double"]), min(MAX_HEIGHT, height)), layout="constrained")
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
    metadata = {"Date": None} if suffix == ".svg" else {"CreationDate": None} if suffix == ".pdf" else {}
    figure.savefig(buffer, format=suffix[1:], dpi=DPI, metadata=metadata)
    atomic_write_bytes(path, buffer.getvalue())


#: Characters per line of a tick label or axis title before it wraps, by figure width.
_WRAP = {"single": 26, "double": 44}


def _wrap(text: str, size: str) -> str:
    """A label in lines that fit the figure's width (an 85 mm figure has room for little)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, _WRAP.get(size, 44), break_long_words=False)) or text


def _row_height(labels: list[str], per_line: float = 0.125, gap: float = 0.08) -> float:
    """Inches per row so that the tallest (wrapped) label fits its row."""
    lines = max((text.count("\n") + 1 for text in labels), default=1)
    return gap + per_line * lines


def code_labels(code_ids: list[str], codebook=None) -> list[str]:
    """Each code's name; where two of the codes shown share a name, qualified by their theme
    ('Strategies / Other'), and by the id if that is not enough. Without a codebook, ids."""
    if codebook is None:
        return list(code_ids)
    names = [codebook.display_name(c) for c in code_ids]
    out = list(names)
    repeated = {n for n in names if names.count(n) > 1}
    for i, code in enumerate(code_ids):
        if names[i] in repeated and code in codebook.codes:
            chain = [c.name for c in reversed(codebook.ancestors(code))]
            out[i] = " / ".join([chain[0], names[i]]) if chain else names[i]
    for i, code in enumerate(code_ids):
        if out.count(out[i]) > 1:
            out[i] = f"{out[i]} ({code})"
    return out


def label(text: str) -> str:
    """A name from a study as a plot label: shown as written, never read as mathtext
    (a '$' would start a formula) and without control characters."""
    from tcoder.textsafe import inert

    return inert(str(text)).replace("$", r"\$")


@styled
def plot_frequencies(labels: list[str], series: dict[str, list[float]], path: str | Path,
                     xlabel: str = "annotations", title: str = "Code frequencies", *, size: str = "double",
                     group_n: dict[str, int] | None = None, counts: dict[str, list[int]] | None = None):
    """Horizontal bars, one row per code and one bar per group (coder or attribute value).
    ``group_n`` puts each group's n in the legend ('intervention (n = 8)'); ``counts`` writes
    each bar's count out of it at the bar's end ('6/8')."""
    wrapped = [_wrap(label(x), size) for x in labels]
    per_code = max(_row_height(wrapped), 0.11 * max(1, len(series)) + 0.06)
    figure = _figure(0, max(2.0, per_code * max(1, len(labels)) + 1.4), size)
    ax = figure.add_subplot()
    groups = list(series)
    height = 0.8 / max(1, len(groups))
    for g, group in enumerate(groups):
        ys = [i + (g - (len(groups) - 1) / 2) * height for i in range(len(labels))]
        name = label(group) + (f" (n = {group_n[group]:,})" if group_n and group in group_n else "")
        values = [0.0 if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in series[group]]
        ax.barh(ys, values, height=height, label=name, color=_COLOURS[g % len(_COLOURS)])
        if counts and group in counts:
            total = group_n.get(group) if group_n else None
            for y, value, count in zip(ys, values, counts[group], strict=False):
                ax.text(value, y, f" {count}" + (f"/{total}" if total is not None else ""), va="center",
                        ha="left", fontsize=6)
    ax.set_yticks(range(len(labels)), wrapped)
    ax.invert_yaxis()
    ax.set_xlabel(_wrap(label(xlabel), size))
    ax.set_title(_wrap(label(title), size))
    if counts:  # room for the counts at the bars' ends
        ax.set_xlim(0, max([v for g in groups for v in series[g] if isinstance(v, (int, float)) and v == v] + [1])
                    * 1.12)
    if len(groups) > 1 or group_n:  # below the plot, where it covers no bar
        figure.legend(loc="outside lower center", ncols=min(len(groups), 2 if size == "single" else 4))
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    ax.set_axisbelow(True)
    _save(figure, path)
    return figure


@styled
def plot_heatmap(labels: list[str], matrix, path: str | Path, title: str = "Code co-occurrence (Jaccard)",
                 value_label: str = "Jaccard", *, size: str = "double"):
    """A code x code heatmap with each cell's value written in it (for small matrices). The
    diagonal (a code with itself: always 1 for Jaccard) is left blank and out of the colour
    scale, so the scale shows how codes co-occur with each other."""
    import numpy as np

    values = np.asarray(matrix, dtype=float).reshape(len(labels), len(labels))
    # many codes for the figure's width: both axes numbered, the names in a key below
    numbered = len(labels) > (10 if size == "single" else 30)
    width = WIDTHS.get(size, WIDTHS["double"])
    if numbered:
        columns = 1 if size == "single" else 2
        per_column = math.ceil(len(labels) / columns)
        key_height = per_column * 0.105 + 0.15
        figure = _figure(0, width * 0.85 + key_height + 0.4, size)
        grid = figure.add_gridspec(2, 1, height_ratios=[width * 0.85, key_height])
        ax = figure.add_subplot(grid[0])
        key = figure.add_subplot(grid[1])
        key.axis("off")
        lines = [f"{i}  {label(x)}" for i, x in enumerate(labels, 1)]
        for c in range(columns):
            key.text(c / columns, 1, "\n".join(lines[c * per_column:(c + 1) * per_column]), va="top", ha="left",
                     fontsize=6, linespacing=1.3, transform=key.transAxes)
    else:
        figure = _figure(0, width * 1.05, size)
        ax = figure.add_subplot()
    if not labels:  # nothing co-occurs: an empty, labelled figure rather than an error
        ax.text(0.5, 0.5, "no coded segments", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(label(title))
        _save(figure, path)
        return figure
    shown = values.copy()
    np.fill_diagonal(shown, np.nan)
    finite = shown[np.isfinite(shown)]
    top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    import matplotlib

    colours = matplotlib.colormaps[SEQUENTIAL].with_extremes(bad="#FFFFFF")  # the diagonal: blank
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=colours, vmin=0, vmax=top)
    if numbered:
        numbers = [str(i) for i in range(1, len(labels) + 1)]
        ax.set_xticks(range(len(labels)), numbers, fontsize=5, rotation=90)
        ax.set_yticks(range(len(labels)), numbers, fontsize=5)
    else:
        ax.set_xticks(range(len(labels)), [label(x) for x in labels], rotation=60, ha="right",
                      rotation_mode="anchor")
        ax.set_yticks(range(len(labels)), [label(x) for x in labels])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if len(labels) <= (10 if size == "single" else 20):
        for i in range(len(labels)):
            for j in range(len(labels)):
                v = shown[i, j]
                if math.isfinite(v):
                    ax.text(j, i, fixed(v, 2).lstrip("0") if v < 1 else f"{v:.2g}", ha="center", va="center",
                            fontsize=5.5, color="white" if v < 0.55 * top else "black")
                elif i == j:
                    ax.text(j, i, "\u2013", ha="center", va="center", fontsize=5.5, color="#777777")
    figure.colorbar(image, ax=ax, label=_wrap(f"{value_label} (diagonal left out)", size), shrink=0.6)
    ax.set_title(_wrap(label(title), size))
    _save(figure, path)
    return figure


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


@styled
def plot_alpha(result: dict, path: str | Path, title: str | None = None, *, codebook=None, size: str = "double"):
    """Krippendorff's alpha per code (and domain, and overall) with its 95% interval when the
    result has ``ci_low``/``ci_high`` (``tcoder agree --bootstrap N``). Codes are labelled by
    name (qualified by theme where names repeat; ``codebook`` gives the themes). Undefined
    alphas (``null``) are labelled, not drawn. Dotted lines mark .667 and .800."""
    problems = agreement_problems(result)
    if problems:
        raise ValueError("not the JSON of 'tcoder agree --format json': " + "; ".join(problems))
    rows = alpha_rows(result)
    if not rows:
        raise ValueError("the agreement result has no codes, domains or overall alpha to plot")
    names = [_wrap(label(n), size) for n in alpha_labels(result, codebook)]
    figure = _figure(0, max(2.0, _row_height(names) * len(rows) + 1.1), size)
    ax = figure.add_subplot()
    low_edge = 0.0
    for i, row in enumerate(rows):
        alpha = row.get("alpha")
        colour = _COLOURS[5] if row["label"] == "overall" else _COLOURS[0]
        if alpha is None or not math.isfinite(float(alpha)):
            ax.text(0.02, i, "undefined", va="center", fontsize=7, color="#555555",
                    transform=ax.get_yaxis_transform())
            continue
        alpha = float(alpha)
        lo, hi = row.get("ci_low"), row.get("ci_high")
        if lo is not None and hi is not None:
            ax.plot([float(lo), float(hi)], [i, i], color=colour, linewidth=1.5, solid_capstyle="butt")
            low_edge = min(low_edge, float(lo))
        ax.plot([alpha], [i], "o", color=colour, markersize=4)
        low_edge = min(low_edge, alpha)
    for threshold in (0.667, 0.8):
        ax.axvline(threshold, color="#777777", linestyle=":", linewidth=0.8)
    ax.set_xlim(min(-0.05, low_edge - 0.05), 1.02)
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    ax.set_xlabel("Krippendorff's alpha" + (" (95% interval)" if any("ci_low" in r for r in rows) else ""))
    from tcoder.agreement.methods import UNIT_NOUNS

    unit = result.get("unit")
    unit = UNIT_NOUNS.get(unit, (unit,))[0] if unit else unit  # 'character', never the option's 'char'
    coders = ", ".join(result.get("coders") or [])
    ax.set_title(_wrap(label(title or "Agreement per code" + (f", unit: {unit}" if unit else "")
                             + (f" ({coders})" if coders else "")), size))
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    _save(figure, path)
    return figure


def alpha_labels(result: dict, codebook=None) -> list[str]:
    """The plot's labels for :func:`alpha_rows`: codes by name (the JSON's ``name``, or the
    codebook's), qualified by theme where two share a name; domains by name and level."""
    codes = [str(item.get("code")) for item in result.get("codes") or []]
    if codebook is not None:
        code_names = code_labels(codes, codebook)
    else:
        given = [str(item.get("name") or item.get("code")) for item in result.get("codes") or []]
        code_names = [n if given.count(n) == 1 else f"{n} ({c})" for n, c in zip(given, codes, strict=True)]
    domains = [f"{item.get('name') or item.get('domain')} ({item.get('level', 'nominal')})"
               for item in result.get("domains") or []]
    overall = ["overall"] if isinstance(result.get("overall"), dict) else []
    return code_names + domains + overall


@styled
def plot_matrix(row_labels: list[str], column_labels: list[str], values, path: str | Path, title: str,
                value_label: str, *, size: str = "double"):
    """A shaded rows x columns matrix (codes by cases or groups), values written in the cells
    when there are few enough to read."""
    import numpy as np

    data = np.asarray(values, dtype=float).reshape(len(row_labels), len(column_labels))
    figure = _figure(0, max(2.5, 0.2 * len(row_labels) + 1.6), size)
    ax = figure.add_subplot()
    if not row_labels or not column_labels:
        ax.text(0.5, 0.5, "nothing to show", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(label(title))
        _save(figure, path)
        return figure
    image = ax.imshow(data, cmap=SEQUENTIAL, vmin=0, aspect="auto")
    ax.set_xticks(range(len(column_labels)), [label(x) for x in column_labels], rotation=60, ha="right",
                  fontsize=7 if len(column_labels) <= 40 else 5)
    ax.set_yticks(range(len(row_labels)), [label(x) for x in row_labels], fontsize=7 if len(row_labels) <= 40 else 5)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if data.size <= 400:
        top = data.max() if data.size else 1
        for i in range(len(row_labels)):
            for j in range(len(column_labels)):
                v = data[i, j]
                ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=5.5,
                        color="white" if v < 0.55 * top else "black")
    figure.colorbar(image, ax=ax, label=value_label, shrink=0.6)
    ax.set_title(label(title))
    _save(figure, path)
    return figure

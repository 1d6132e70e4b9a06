"""The thematic map: themes, their sub-themes and the codes that inform them, as a diagram.

One graph (:func:`theme_graph`), four ways out: Graphviz ``dot`` and Mermaid text to
paste into other tools, and SVG or PNG drawn here with matplotlib (no Graphviz
needed). Columns read left to right: themes, sub-themes, codes; a code that informs
several themes is drawn once with an edge to each. Each theme shows its status by
its fill and border (candidate dashed, discarded dotted and greyed) and in words, so
nothing depends on colour. In SVG every node and edge is a group with an id
(``node--theme--ID``, ``node--code--ID``, ``edge--theme--A--code--B``) so the map can be
styled or checked by other programs.
"""

from __future__ import annotations

import io
import json
import textwrap
from dataclasses import dataclass, field
from typing import Literal

from tcoder.codebook import Codebook
from tcoder.themes import ThemeFile

MAP_FORMATS = ("svg", "png", "dot", "mermaid")

#: fill, border, text colour and border style per status (colour-blind-safe blues and greys)
#: theme status -> fill, border and text colours and the border's line style
STATUS_STYLE: dict[str, tuple[str, str, str, Literal["solid", "dashed", "dotted"]]] = {
    "candidate": ("#F2F2F2", "#555555", "#222222", "dashed"),
    "reviewed": ("#D6E9F8", "#0072B2", "#0B2F4A", "solid"),
    "defined": ("#9CCBEB", "#005A8C", "#0B2F4A", "solid"),
    "final": ("#0072B2", "#003E62", "#FFFFFF", "solid"),
    "discarded": ("#FFFFFF", "#999999", "#777777", "dotted"),
}


@dataclass
class Node:
    id: str  # "theme--ID" or "code--ID"
    kind: str  # theme | code
    label: str
    status: str = ""  # themes
    depth: int = 0  # themes: 0 top-level, 1 sub-theme...
    colour: str = ""  # codes: the codebook colour
    known: bool = True  # codes: in the codebook


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)  # (from, to): theme -> sub-theme, theme -> code

    def children(self, node: str) -> list[str]:
        return [b for a, b in self.edges if a == node]

    def parents(self, node: str) -> list[str]:
        return [a for a, b in self.edges if b == node]


def theme_graph(themes: ThemeFile, codebook: Codebook | None, *, discarded: bool = True) -> Graph:
    graph = Graph()
    for theme, depth in themes.walk():
        if theme.status == "discarded" and not discarded:
            continue
        key = f"theme--{theme.id}"
        graph.nodes[key] = Node(key, "theme", theme.label, theme.status, depth)
    for theme, _ in themes.walk():
        key = f"theme--{theme.id}"
        if key not in graph.nodes:
            continue
        for sub in theme.subthemes:
            if f"theme--{sub}" in graph.nodes and (key, f"theme--{sub}") not in graph.edges:
                graph.edges.append((key, f"theme--{sub}"))
        for code in theme.codes:
            code_key = f"code--{code}"
            if code_key not in graph.nodes:
                found = codebook.codes.get(code) if codebook is not None else None
                graph.nodes[code_key] = Node(code_key, "code", found.name if found else code,
                                             colour=found.color if found else "#999999", known=found is not None)
            graph.edges.append((key, code_key))
    return graph


# ---------------------------------------------------------------- text formats


def _dot_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a DOT quoted string accepts JSON's escapes for " and \


def to_dot(graph: Graph, title: str = "Thematic map") -> str:
    lines = [f"digraph {_dot_string(title)} {{", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];',
             '  edge [color="#777777", arrowsize=0.6];']
    for node in graph.nodes.values():
        if node.kind == "theme":
            fill, border, text, style = STATUS_STYLE.get(node.status, STATUS_STYLE["candidate"])
            label = f"{node.label}\n({node.status})"
            lines.append(f"  {_dot_string(node.id)} [label={_dot_string(label)}, shape=box, style=\"rounded,filled,"
                         f"{style}\", fillcolor=\"{fill}\", color=\"{border}\", fontcolor=\"{text}\"];")
        else:
            lines.append(f"  {_dot_string(node.id)} [label={_dot_string(node.label)}, shape=note, "
                         f"color=\"{node.colour}\"];")
    for a, b in graph.edges:
        lines.append(f"  {_dot_string(a)} -> {_dot_string(b)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_id(node_id: str, ids: dict[str, str]) -> str:
    return ids.setdefault(node_id, f"n{len(ids) + 1}")


def _mermaid_text(text: str) -> str:
    """A label Mermaid shows as it is: in quotes, with its own quotes and markup characters as entities."""
    escaped = "".join(f"#{ord(c)};" if c in '"#<>&' or ord(c) < 32 else c for c in text)
    return f'"{escaped}"'


def to_mermaid(graph: Graph) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]
    for node in graph.nodes.values():
        nid = _mermaid_id(node.id, ids)
        if node.kind == "theme":
            lines.append(f"  {nid}({_mermaid_text(f'{node.label} ({node.status})')}):::{node.status}")
        else:
            lines.append(f"  {nid}[{_mermaid_text(node.label)}]:::code")
    for a, b in graph.edges:
        lines.append(f"  {_mermaid_id(a, ids)} --> {_mermaid_id(b, ids)}")
    for status, (fill, border, text, style) in STATUS_STYLE.items():
        dash = ",stroke-dasharray:5 3" if style == "dashed" else ",stroke-dasharray:2 2" if style == "dotted" else ""
        lines.append(f"  classDef {status} fill:{fill},stroke:{border},color:{text}{dash}")
    lines.append("  classDef code fill:#FFFFFF,stroke:#777777")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- drawing

_WRAP = 26  # characters per line in a box
_BOX_W = 2.6  # inches
_COL_GAP = 1.3


def _layout(graph: Graph) -> tuple[dict[str, tuple[float, float]], list[list[str]]]:
    """Columns (themes by depth, then codes) and a height for each node: top-level themes
    spread evenly, every other node as near as it can be to the mean height of the themes
    it belongs to (sub-themes beside their theme, a code between the themes it informs)."""
    depth = max((n.depth for n in graph.nodes.values() if n.kind == "theme"), default=-1)
    columns: list[list[str]] = [[] for _ in range(depth + 1)]
    for node in graph.nodes.values():
        if node.kind == "theme":
            columns[node.depth].append(node.id)
    columns.append([n.id for n in graph.nodes.values() if n.kind == "code"])
    columns = [c for c in columns if c]
    rows = max((len(c) for c in columns), default=1)
    y: dict[str, float] = {}
    for i, column in enumerate(columns):
        if i == 0:
            step = rows / len(column)
            for rank, node_id in enumerate(column):
                y[node_id] = rows - (rank + 0.5) * step
            continue
        wanted = {n: sum(y[p] for p in graph.parents(n) if p in y) / max(1, len([p for p in graph.parents(n) if p in y]))
                  for n in column}
        column.sort(key=lambda n: (-wanted[n], n))
        y.update(_spread([wanted[n] for n in column], column, rows))
    positions = {node_id: (i * (_BOX_W + _COL_GAP), y[node_id] * 0.9) for i, c in enumerate(columns) for node_id in c}
    return positions, columns


def _spread(targets: list[float], names: list[str], rows: int, gap: float = 1.0) -> dict[str, float]:
    """Heights as near the targets (highest first) as a minimum gap allows, kept within [0.5, rows - 0.5]."""
    placed: list[float] = []
    for target in targets:
        value = min(target, rows - 0.5) if not placed else min(target, placed[-1] - gap)
        placed.append(value)
    overflow = 0.5 - placed[-1] if placed else 0.0
    if overflow > 0:  # pushed below the bottom: move the run up, keeping the gaps
        placed = [v + overflow for v in placed]
        for i in range(1, len(placed)):
            placed[i] = min(placed[i], placed[i - 1] - gap)
    return dict(zip(names, placed, strict=False))


def _route(positions: dict[str, tuple[float, float]], columns: list[list[str]], first: int, last: int,
           start: tuple[float, float], end: tuple[float, float], box_h: float) -> list[tuple[float, float]]:
    """An edge's points, from the right side of its start box to the left side of its end box.
    An edge that skips a column (a theme to a code, past its sub-themes) crosses that column
    between its boxes, never through one, so no code seems to belong to a sub-theme it does
    not inform."""
    margin = 0.08
    points = [(start[0] + _BOX_W / 2, start[1])]
    goal = (end[0] - _BOX_W / 2, end[1])
    for k in range(first + 1, last):
        x = k * (_BOX_W + _COL_GAP)
        left, right = x - _BOX_W / 2 - 0.1, x + _BOX_W / 2 + 0.1
        (px, py) = points[-1]

        def at(xx: float, px: float = px, py: float = py) -> float:  # on the straight line from here to the end
            return py + (goal[1] - py) * (xx - px) / (goal[0] - px)

        boxes = sorted(positions[n][1] for n in columns[k])
        bands = [(b - box_h / 2 - margin, b + box_h / 2 + margin) for b in boxes]
        low, high = sorted((at(left), at(right)))
        if not any(lo < high and hi > low for lo, hi in bands):
            continue  # the straight line passes this column between its boxes
        free = [b - box_h / 2 - 2 * margin for b in boxes] + [b + box_h / 2 + 2 * margin for b in boxes]
        free = [y for y in free if not any(lo < y < hi for lo, hi in bands)]
        y = min(free, key=lambda g: (abs(g - at(x)), g))
        points += [(left, y), (right, y)]
    points.append(goal)
    return points


def draw_map(graph: Graph, fmt: str, title: str = "Thematic map") -> bytes:
    """The map as SVG or PNG bytes (matplotlib, Agg), with the figures' type and file
    settings (tcoder.reports.plots): SVG text stays text, PNG is 300 dpi."""
    import matplotlib

    from tcoder.reports.plots import DPI

    with matplotlib.rc_context({"font.family": "sans-serif", "svg.fonttype": "none", "pdf.fonttype": 42}):
        return _draw_map(graph, fmt, title, DPI)


def _draw_map(graph: Graph, fmt: str, title: str, dpi: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
    from matplotlib.path import Path

    positions, columns = _layout(graph)
    rows = max((len(c) for c in columns), default=1)
    width = len(columns) * (_BOX_W + _COL_GAP) + 0.6
    height = max(3.0, rows * 0.9 + 1.6)
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-_BOX_W / 2 - 0.3, width - _BOX_W / 2 - 0.3)
    ax.set_ylim(-0.8, height - 0.8)
    ax.axis("off")
    ax.text(-_BOX_W / 2, height - 1.1, title, fontsize=13, fontweight="bold", va="bottom", parse_math=False)
    box_h = 0.62
    column_of = {node_id: i for i, column in enumerate(columns) for node_id in column}
    for a, b in graph.edges:
        route = _route(positions, columns, column_of[a], column_of[b], positions[a], positions[b], box_h)
        arrow = FancyArrowPatch(path=Path(route), arrowstyle="-|>", mutation_scale=9, color="#888888",
                                linewidth=0.9)
        arrow.set_gid(f"edge--{a}--{b}")
        ax.add_patch(arrow)
    for node_id, (x, y) in positions.items():
        node = graph.nodes[node_id]
        if node.kind == "theme":
            fill, border, text_colour, style = STATUS_STYLE.get(node.status, STATUS_STYLE["candidate"])
            label = "\n".join(textwrap.wrap(node.label, _WRAP)[:3]) + f"\n({node.status})"
            weight = "bold" if node.depth == 0 else "normal"
        else:
            fill, border, text_colour, style = "#FFFFFF", node.colour or "#777777", "#222222", "solid"
            label = "\n".join(textwrap.wrap(node.label, _WRAP)[:2]) + ("" if node.known else "\n(not in the codebook)")
            weight = "normal"
        group_box = FancyBboxPatch((x - _BOX_W / 2, y - box_h / 2), _BOX_W, box_h,
                                   boxstyle="round,pad=0.02,rounding_size=0.12", facecolor=fill, edgecolor=border,
                                   linewidth=2.0 if node.kind == "theme" else 1.4, linestyle=style)
        group_box.set_gid(f"node--{node_id}")
        ax.add_patch(group_box)
        text = ax.text(x, y, label, ha="center", va="center", fontsize=8.5 if node.kind == "theme" else 8,
                       color=text_colour, fontweight=weight, parse_math=False, wrap=False)
        text.set_gid(f"label--{node_id}")
    used = [s for s in STATUS_STYLE if any(n.status == s for n in graph.nodes.values())]
    if used:
        handles = [Patch(facecolor=STATUS_STYLE[s][0], edgecolor=STATUS_STYLE[s][1], linestyle=STATUS_STYLE[s][3],
                         label=s) for s in used]
        ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False, ncol=len(handles),
                  bbox_to_anchor=(0.0, 0.0))
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, dpi=dpi if fmt == "png" else 72, metadata=metadata)
    plt.close(fig)
    return buffer.getvalue()

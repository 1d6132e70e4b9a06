"""report memos and report themes: Markdown, HTML, Word, and the thematic map."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import docx
import pytest

from tcoder.reports.document import Document, Quote, Table, markdown_blocks, render_html, render_markdown
from tcoder.reports.docx import render_docx
from tcoder.reports.thememap import theme_graph, to_dot, to_mermaid
from tcoder.study import open_study
from tcoder.themes import parse_themes

SVG = "{http://www.w3.org/2000/svg}"


def test_the_thematic_map_has_every_theme_sub_theme_code_and_edge(sample_study, run_cli, tmp_path):
    target = tmp_path / "map.svg"
    code, out, err = run_cli("report", sample_study, "themes", "--format", "svg", "-o", target)
    assert code == 0, err
    root = ET.parse(target).getroot()
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    nodes = {i.split("--", 1)[1] for i in ids if i.startswith("node--")}
    edges = {i.split("--", 1)[1] for i in ids if i.startswith("edge--")}
    study = open_study(sample_study)
    themes = parse_themes((sample_study / "themes.yaml").read_text(), "themes.yaml")
    expected_nodes = {f"theme--{t.id}" for t in themes} | {f"code--{c}" for t in themes for c in t.codes}
    expected_edges = ({f"theme--{t.id}--code--{c}" for t in themes for c in t.codes}
                      | {f"theme--{t.id}--theme--{s}" for t in themes for s in t.subthemes})
    assert nodes == expected_nodes and edges == expected_edges
    assert "theme--waiting-as-refusal--theme--looping-in" in edges
    # each theme's label says its status, in words
    texts = " ".join("".join(el.itertext()) for el in root.iter(f"{SVG}g") if (el.get("id") or "").startswith("label--"))
    assert "The institution says no by waiting" in texts or study.codebook  # labels are drawn as paths or text
    png = tmp_path / "map.png"
    code, _, png_err = run_cli("report", sample_study, "themes", "--format", "png", "-o", png)
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG")
    # both files say where they went, as every plot does
    assert f"Wrote {target}" in err and f"Wrote {png}" in png_err


def _numbers(d: str) -> list[tuple[float, float]]:
    values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(values[::2], values[1::2], strict=False))


def test_no_edge_of_the_thematic_map_runs_through_a_box_it_does_not_join(sample_study, run_cli, tmp_path):
    """A theme's edge to a code passes its sub-themes' column between their boxes: drawn straight,
    'waiting' -> Disillusionment ran through 'Being passed between offices' and read as its code."""
    target = tmp_path / "map.svg"
    assert run_cli("report", sample_study, "themes", "--format", "svg", "-o", target)[0] == 0
    root = ET.parse(target).getroot()
    boxes, lines = {}, {}
    for group in root.iter(f"{SVG}g"):
        gid = group.get("id") or ""
        path = next(group.iter(f"{SVG}path"), None)
        if path is None:
            continue
        if gid.startswith("node--"):
            points = _numbers(path.get("d"))
            xs, ys = [x for x, _ in points], [y for _, y in points]
            boxes[gid[len("node--"):]] = (min(xs) + 1, min(ys) + 1, max(xs) - 1, max(ys) - 1)
        elif gid.startswith("edge--"):
            lines[gid[len("edge--"):]] = _numbers(path.get("d"))
    assert len(lines) == 13 and len(boxes) == 17  # 6 themes, 11 codes; 12 links to codes, 1 sub-theme
    for edge, points in lines.items():
        ends = {node for node in boxes if edge.startswith(node + "--") or edge.endswith("--" + node)}
        assert len(ends) == 2, edge
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            for step in range(101):
                x, y = x1 + (x2 - x1) * step / 100, y1 + (y2 - y1) * step / 100
                inside = [n for n, (a, b, c, d) in boxes.items() if n not in ends and a < x < c and b < y < d]
                assert not inside, (edge, inside)


def test_dot_and_mermaid_name_every_node_and_edge(sample_study):
    study = open_study(sample_study)
    themes = parse_themes((sample_study / "themes.yaml").read_text(), "themes.yaml")
    graph = theme_graph(themes, study.codebook)
    dot = to_dot(graph)
    for a, b in graph.edges:
        assert f'"{a}" -> "{b}";' in dot
    assert 'label="The institution says no by waiting\\n(reviewed)"' in dot
    mermaid = to_mermaid(graph)
    assert mermaid.startswith("flowchart LR\n")
    assert len(re.findall(r" --> ", mermaid)) == len(graph.edges)
    assert '("Hope in small wins (discarded)"):::discarded' in mermaid


def test_labels_with_quotes_and_markup_stay_text():
    themes = parse_themes('themes:\n  - id: a\n    name: \'He said "no" <b>$x$</b> & left\'\n')
    graph = theme_graph(themes, None)
    assert '"He said \\"no\\" <b>$x$</b> & left\\n(candidate)"' in to_dot(graph)
    assert '"He said #34;no#34; #60;b#62;$x$#60;/b#62; #38; left (candidate)"' in to_mermaid(graph)


def test_themes_report_in_markdown(sample_study, run_cli):
    code, out, err = run_cli("report", sample_study, "themes", "--format", "md")
    assert code == 0, err
    assert out.startswith("# Themes\n")
    section = out[out.index("## The institution says no by waiting"):out.index("### Being passed between offices")]
    assert "**Central organising concept.** Delay is how the institution refuses without refusing." in section
    assert "| Code | control: n | control: participants | intervention: n | intervention: participants |" in section
    assert "| the theme (any of its codes) |" in section
    assert "> There was no meeting where they said no. It just stopped." in section  # an exemplar
    assert "— Ben, interviews/P04.txt, line 38" in section
    assert "status of waiting-as-refusal: candidate -\\> reviewed" in section
    assert "Is waiting the same in both groups? (alice, 2026-03-29)" in section
    assert "Counts by group (the study's 'group' attribute" in out


def test_theme_counts_match_the_frequencies_report(sample_study, run_cli):
    """The theme's table counts exactly what 'report frequencies --by group' counts for its codes."""
    code, out, err = run_cli("report", sample_study, "frequencies", "--by", "group", "--format", "csv",
                             "--code", "institutional-resistance", "--exact")
    assert code == 0, err
    rows = [line.split(",") for line in out.strip().splitlines()]
    header, row = rows[0], rows[1]
    control_n = row[header.index("control annotations")]
    code, out, err = run_cli("report", sample_study, "themes", "--format", "md", "--exact")
    line = next(line for line in out.splitlines() if line.startswith("| Challenges / Institutional resistance |"))
    assert line.split(" | ")[1] == control_n


def test_themes_report_in_word_has_real_tables_quotes_and_headings(sample_study, run_cli, tmp_path):
    target = tmp_path / "themes.docx"
    code, out, err = run_cli("report", sample_study, "themes", "--format", "docx", "-o", target)
    assert code == 0, err
    document = docx.Document(str(target))
    styles = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Title", "Themes") in styles
    assert ("Heading 1", "The institution says no by waiting") in styles
    assert ("Heading 2", "Being passed between offices") in styles
    quotes = [text for style, text in styles if style == "Quote"]
    assert "There was no meeting where they said no. It just stopped. The calendar invite for March got cancelled and nothing replaced it." in quotes
    captions = [text for style, text in styles if style == "Caption"]
    assert captions[0].startswith("Figure 1. Thematic map")
    assert any(c.startswith("Table 1. Codes that inform") for c in captions)
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Code", "control: n", "control: participants"]
    assert table.rows[0]._tr.trPr.xml.count("tblHeader") == 1  # the header repeats on each page
    assert len(document.inline_shapes) == 1  # the map


def test_memos_report(sample_study, run_cli, tmp_path):
    code, out, err = run_cli("report", sample_study, "memos", "--format", "md")
    assert code == 0, err
    assert "7 memos and 3 journal entries by alice, bob." in out
    order = [out.index(h) for h in ("## Project memos", "## Memos on codes", "## Memos on transcripts",
                                    "## Memos on participants", "## Memos on passages", "## Memos on themes",
                                    "## Reflexive journal")]
    assert order == sorted(order)
    assert "> Stop sending emails. Get on the agenda of the curriculum committee." in out
    assert "— Amara, interviews/P01.txt, line 35" in out
    code, out, err = run_cli("report", sample_study, "memos", "--kind", "journal", "--format", "html")
    assert code == 0 and "<h2>Reflexive journal</h2>" in out and "Memos on codes" not in out
    target = tmp_path / "memos.docx"
    assert run_cli("report", sample_study, "memos", "--format", "docx", "-o", target)[0] == 0
    paragraphs = docx.Document(str(target)).paragraphs
    styles = [(p.style.name, p.text) for p in paragraphs]
    assert ("Heading 1", "Reflexive journal") in styles
    item = next(p for p in paragraphs if p.style.name == "List Bullet" and p.text.startswith("2026-03-01."))
    assert item.runs[0].bold and item.runs[0].text == "2026-03-01."  # the memo's **bold** kept
    assert item.text.endswith("recorded in the consensus coder's file.")


@pytest.mark.parametrize("argv, words", [
    (["memos", "--format", "csv"], "memos is written as md, html, docx"),
    (["themes", "--format", "docx"], "give -o FILE.docx"),
    (["frequencies", "--format", "docx"], "give -o FILE.docx"),
    (["frequencies", "--format", "png"], "draws the thematic map (report themes)"),
    (["themes", "--format", "md", "--status", "done"], "--status: done is not one of"),
])
def test_usage_errors(sample_study, run_cli, argv, words):
    code, out, err = run_cli("report", sample_study, *argv)
    assert code == 2 and words in err


def test_document_text_is_data_in_every_format():
    doc = Document("T <b>", blocks=[Quote("*not emphasis* <script>\x1b[2J", "a | b"),
                                    Table(["x|y"], [["1. item"]])])
    doc.blocks.extend(markdown_blocks("**bold** and *it*\n\n- one\n- two"))
    md = render_markdown(doc)
    assert "> \\*not emphasis\\* \\<script\\>" in md and "| x\\|y |" in md and "**bold** and *it*" in md
    page = render_html(doc)
    assert "&lt;script&gt;" in page and "<script>" not in page and "<strong>bold</strong>" in page
    result = render_docx(doc)
    assert result.replaced == 1  # ESC cannot be in a Word document


def test_code_spans_in_a_memo_are_not_shown_as_raw_backticks():
    """A memo that writes `disillusionment` shows the id in a fixed-width font, not the backticks."""
    doc = Document("T", blocks=markdown_blocks("See `disillusionment` and **bold**, `a*b*c`."))
    document = docx.Document(io.BytesIO(render_docx(doc).data))
    runs = [r for p in document.paragraphs for r in p.runs if r.text]
    text = "".join(r.text for r in runs)
    assert "`" not in text and "See disillusionment and bold, a*b*c." in text
    assert [r.font.name for r in runs if r.text in ("disillusionment", "a*b*c")] == ["Consolas", "Consolas"]
    assert "<code>disillusionment</code>" in render_html(doc) and "<code>a*b*c</code>" in render_html(doc)
    assert "See `disillusionment` and **bold**, `a*b*c`." in render_markdown(doc)

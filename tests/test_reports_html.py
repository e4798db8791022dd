"""Stakeholder HTML from hand-built notebooks (no kernel): what is kept and what is removed."""

from __future__ import annotations

import base64
import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from loyaltylab.reports.html import notebook_to_html, table_of_contents

# a 1x1 PNG
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def _notebook() -> nbformat.NotebookNode:
    params = new_code_cell('secret_param: str = "x"  # a parameter')
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('secret_param = "injected-value"')
    injected.metadata["tags"] = ["injected-parameters"]
    setup = new_code_cell("import hidden_module")
    setup.metadata["tags"] = ["remove-cell"]
    setup.outputs = [new_output("stream", name="stdout", text="setup chatter")]
    plot = new_code_cell("ax = frame.plot()\nax.set_title('T')")
    plot.outputs = [
        new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"}),
        new_output("execute_result", data={"text/plain": "Text(0.5, 1.0, 'T')"}, execution_count=3),
        new_output(
            "execute_result",
            data={"text/plain": "<Axes: title={'center': 'T'}>"},
            execution_count=3,
        ),
    ]
    table = new_code_cell("frame")
    table.outputs = [
        new_output(
            "execute_result",
            execution_count=4,
            data={"text/html": "<table><tr><td>42</td></tr></table>", "text/plain": "42"},
        )
    ]
    cells = [
        new_markdown_cell("# Report\n\nIntro & <b>story</b>."),
        params,
        injected,
        setup,
        new_markdown_cell("## First section"),
        plot,
        new_markdown_cell("### Detail *here*"),
        table,
    ]
    return new_notebook(cells=cells)


def test_html_keeps_narrative_figures_tables_and_drops_code_and_parameters():
    page = notebook_to_html(
        _notebook(),
        title="My <report>",
        run_id="2026-11-23T203000Z",
        status="ok",
        parameters={"transactions": "my.csv", "horizon": 26, "output_dir": "/srv/x"},
    )
    for gone in (
        "secret_param",
        "injected-value",
        "hidden_module",
        "setup chatter",
        "frame.plot",
        "<Axes:",
        "Text(0.5",
        "/srv/x",
        "In&nbsp;[",
        "<script",
    ):
        assert gone not in page, gone
    assert "<title>My &lt;report&gt;</title>" in page
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == 1
    assert "<td>42</td>" in page
    assert "<dt>Data source</dt><dd>my.csv</dd>" in page
    assert "<tr><td>horizon</td><td>26</td></tr>" in page
    assert "2026-11-23T203000Z" in page


def test_table_of_contents_from_rendered_headings():
    page = notebook_to_html(_notebook(), title="T")
    assert [(level, text) for level, _, text in table_of_contents(page)] == [
        (1, "Report"),
        (2, "First section"),
        (3, "Detail here"),
    ]
    assert '<a href="#First-section">First section</a>' in page
    assert 'class="ll-toc-3"' in page


def test_failed_report_shows_error_box_and_escapes_it():
    page = notebook_to_html(
        _notebook(), title="T", status="failed", error="ValueError: bad <input>"
    )
    assert "This report did not finish.</strong> ValueError: bad &lt;input&gt;" in page
    assert '<span class="ll-status-failed">failed</span>' in page


def test_progress_bars_and_warnings_on_stderr_stay_out_of_the_stakeholder_page():
    nb = new_notebook(
        cells=[
            new_markdown_cell("## Simulation"),
            new_code_cell(
                "run()",
                outputs=[
                    new_output(
                        "stream", name="stderr", text="simulating weeks:  46%|####  | 72/156"
                    ),
                    new_output("stream", name="stdout", text="finished 156 weeks"),
                ],
            ),
        ]
    )
    page = notebook_to_html(nb, title="Progress")
    assert "simulating weeks" not in page
    assert "finished 156 weeks" in page


def test_a_displayed_none_is_left_out_of_the_stakeholder_page():
    # issue 12: "None None" under the loyalty section (display(x if cond else None))
    cell = new_code_cell("display(None)")
    cell.outputs = [new_output("display_data", data={"text/plain": "None"}),
                    new_output("display_data", data={"text/plain": "kept text"})]
    page = notebook_to_html(new_notebook(cells=[cell]), title="None test")
    assert ">None<" not in page and "kept text" in page


def test_dollar_amounts_in_markdown_are_currency_not_formulas():
    # issue 12: "**Total CLV: $68,825** (interval $60,000 - $70,000)" kept its ** on the page,
    # because the Markdown parser read $...$ as a formula
    text = "**Total CLV: $68,825** (interval $60,000 - $70,000), see `$HOME`"
    cell = new_code_cell("display(Markdown(text))")
    cell.outputs = [new_output("display_data", data={"text/markdown": text, "text/plain": "x"})]
    page = notebook_to_html(
        new_notebook(cells=[new_markdown_cell("Worth **$5** each"), cell]), title="Dollars"
    )
    assert "<strong>Total CLV: $68,825</strong>" in page
    assert "<strong>$5</strong>" in page
    assert "**" not in page.split("<body", 1)[1]

"""Page templates: shipped as package data, escaped exactly once, no clash with nbconvert's."""

from __future__ import annotations

from importlib import resources

import jinja2
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from loyaltylab.reports.html import PAGE_TEMPLATE, TOC_MARK, notebook_to_html
from loyaltylab.reports.pages import page_environment, render_page

TEMPLATES = resources.files("loyaltylab") / "reports" / "templates"


def test_every_page_template_is_a_j2_file_in_the_package():
    names = sorted(entry.name for entry in TEMPLATES.iterdir() if entry.name.endswith(".j2"))
    assert names == sorted(page_environment().list_templates())
    assert PAGE_TEMPLATE in names
    assert TOC_MARK in (TEMPLATES / PAGE_TEMPLATE).read_text(encoding="utf-8")


def test_no_page_template_shadows_an_nbconvert_template():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    ours = set(page_environment().list_templates())
    theirs = set()
    for folder in exporter.template_paths:
        loader = jinja2.FileSystemLoader(folder)
        try:
            theirs.update(loader.list_templates())
        except OSError:
            continue
    assert not ours & theirs


def test_values_are_escaped_once_and_markup_in_the_header_is_not_escaped_again():
    page = notebook_to_html(
        new_notebook(cells=[new_markdown_cell("## A & B")]),
        title="Q&A <1>",
        status="failed",
        error="x < y & z",
        parameters={"transactions": "a&b.csv"},
    )
    assert '<div class="ll-title">Q&amp;A &lt;1&gt;</div>' in page
    assert "&amp;amp;" not in page and "&amp;lt;" not in page
    assert "<strong>This report did not finish.</strong> x &lt; y &amp; z<br/>" in page
    assert "<dt>Data source</dt><dd>a&amp;b.csv</dd>" in page
    # the table of contents is built from nbconvert's rendered heading: text and id unescaped
    # by the parser, escaped once by the template
    assert '<li class="ll-toc-2"><a href="#A-&amp;-B">A &amp; B</a></li>' in page


def test_a_name_missing_from_the_context_is_an_error_not_an_empty_string():
    with pytest.raises(jinja2.UndefinedError):
        render_page("notebook_toc.html.j2")

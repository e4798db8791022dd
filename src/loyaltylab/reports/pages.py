"""Page templates: the ``.j2`` files in ``loyaltylab/reports/templates`` and their environment.

Every page the reports write is a template in that folder, rendered by the one environment of
:func:`page_environment`, which autoescapes every ``.html.j2`` template: a value passed in (a
title, an error message, a parameter) is escaped exactly once. Markup that is already HTML (the
header inserted into the nbconvert page) is marked ``| safe`` in the template that receives it.

- ``notebook_header.html.j2``, ``notebook_toc.html.j2``: header and table of contents of a
  stakeholder page (:mod:`loyaltylab.reports.html`);
- ``notebook_page.html.j2``: the nbconvert template of that page; nbconvert renders it in its own
  environment (it extends nbconvert's ``lab`` template), finding it through :func:`template_loader`;
- ``index_layout.html.j2``, ``run_index.html.j2``, ``reports_index.html.j2``: the run and reports
  index pages (:mod:`loyaltylab.reports.index`).

Examples
--------
>>> from loyaltylab.reports.pages import render_page
>>> print(render_page("notebook_toc.html.j2", headings=[(2, "Fit", "Fit & <check>")]))
<nav class="ll-toc"><details><summary><strong>Contents</strong> (1 section)</summary>
<ul>
<li class="ll-toc-2"><a href="#Fit">Fit &amp; &lt;check&gt;</a></li>
</ul></details></nav>
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

__all__ = ["TEMPLATE_FOLDER", "page_environment", "render_page", "template_loader"]

TEMPLATE_FOLDER = "reports/templates"
"""Folder of the page templates inside the ``loyaltylab`` package (shipped as package data)."""


def template_loader() -> jinja2.PackageLoader:
    """Return a loader of the page templates (also handed to nbconvert for its page template).

    Returns
    -------
    jinja2.PackageLoader
    """
    return jinja2.PackageLoader("loyaltylab", TEMPLATE_FOLDER)


@lru_cache(maxsize=1)
def page_environment() -> jinja2.Environment:
    """Return the environment that renders the page templates (built once).

    ``.html.j2`` templates are autoescaped; an undefined name is an error rather than an empty
    string, so a template and its caller cannot drift apart silently.

    Returns
    -------
    jinja2.Environment
    """
    return jinja2.Environment(
        loader=template_loader(),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
        undefined=jinja2.StrictUndefined,
    )


def render_page(template_name: str, /, **context: Any) -> str:
    """Render one page template with ``context``.

    Parameters
    ----------
    template_name : str
        File name in the template folder, e.g. ``"run_index.html.j2"``.
    **context
        Names the template uses.

    Returns
    -------
    str
        The rendered text (no trailing newline).
    """
    return page_environment().get_template(template_name).render(**context)

"""Stakeholder HTML of an executed notebook: narrative, tables and figures, no code.

:func:`export_html` converts an executed notebook with nbconvert's ``HTMLExporter`` (``lab``
template) and

- drops every input and prompt (``exclude_input``), and whole cells tagged ``remove-cell``,
  ``parameters`` or ``injected-parameters`` (``TagRemovePreprocessor``), so neither code nor the
  parameters cell reaches the reader; ``hide-input`` / ``remove-input`` cells keep their output;
  results that are only a matplotlib object's repr (``<Axes: ...>``) and the stderr stream
  (progress bars, warnings: kept in the executed ``.ipynb``) are dropped;
- adds a header with the report title, run id, status, data source and parameters, and a table
  of contents built from the headings (``h1``-``h3``) nbconvert rendered;
- for a **failed** report, leaves out papermill's boilerplate cell ("An Exception was
  encountered ...") and every cell after the one that failed (headings with nothing under them),
  drops the traceback (it stays in the executed ``.ipynb``) and says in the failure box what
  failed, where (section and cell) and what to do;
- leaves out every external ``<script>`` (require.js, MathJax, mermaid, widgets from a CDN): the
  page is a single file that renders offline. Figures are inlined as ``data:`` URIs.

The page, header and table of contents are templates (``notebook_page.html.j2``,
``notebook_header.html.j2``, ``notebook_toc.html.j2``; see :mod:`loyaltylab.reports.pages`).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat

from loyaltylab.errors import ReportError
from loyaltylab.reports.pages import render_page, template_loader

__all__ = [
    "DATA_SOURCE_PARAMETERS",
    "HIDDEN_PARAMETERS",
    "REMOVE_CELL_TAGS",
    "export_html",
    "notebook_to_html",
    "table_of_contents",
]

REMOVE_CELL_TAGS = frozenset({"remove-cell", "parameters", "injected-parameters"})
"""Cells with any of these tags are left out of the HTML, output included."""

REMOVE_INPUT_TAGS = frozenset({"hide-input", "remove-input"})

DATA_SOURCE_PARAMETERS = ("transactions", "data", "population_source")
"""Parameters naming the data a report reads, shown as "Data source" in the header (first found)."""

HIDDEN_PARAMETERS = frozenset({"output_dir", "run_dir"})
"""Parameters not shown to readers (folders on the machine that ran the report)."""

TOC_MARK = "<!-- loyaltylab:toc -->"
"""Where ``notebook_page.html.j2`` leaves room for the table of contents (built from the page)."""

PAGE_TEMPLATE = "notebook_page.html.j2"
"""The nbconvert template of a stakeholder page (in the package's template folder)."""


def notebook_to_html(
    notebook: nbformat.NotebookNode,
    *,
    title: str,
    run_id: str | None = None,
    status: str | None = None,
    error: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    report_name: str | None = None,
) -> str:
    """Render an executed notebook as stakeholder HTML (see the module notes).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The executed notebook (it is not modified).
    title : str
        Page title and header.
    run_id : str, optional
        Run the report belongs to, shown in the header.
    status : {"ok", "failed"}, optional
        Outcome shown in the header.
    error : str, optional
        Error message shown in a red box under the header (for failed reports).
    parameters : mapping, optional
        Parameters shown in the header (default: those papermill recorded in the notebook
        metadata, defaults overlaid with the injected values).
    report_name : str, optional
        The report's name in ``reports.yaml``, for the rerun command of a failed report.

    Returns
    -------
    str
        A complete HTML document.
    """
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    if parameters is None:
        parameters = recorded_parameters(notebook)
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    exporter = HTMLExporter(
        config=config,
        template_name="lab",
        extra_loaders=[template_loader()],
        template_file=PAGE_TEMPLATE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    copy = nbformat.from_dict(nbformat.v4.upgrade(nbformat.from_dict(dict(notebook))))
    copy.metadata["title"] = title
    _drop_object_reprs(copy)
    _literal_dollars(copy)
    advice = _trim_failed(copy, report_name) if status == "failed" else None
    resources = {
        "loyaltylab_header": _header_html(title, run_id, status, error, parameters, advice),
        "metadata": {"name": title},
    }
    try:
        body, _ = exporter.from_notebook_node(copy, resources=resources)
    except Exception as error_:  # noqa: BLE001 - any nbconvert failure is a report failure
        raise ReportError(f"cannot convert report {title!r} to HTML: {error_}") from error_
    if TOC_MARK not in body:
        raise ReportError(f"the page template {PAGE_TEMPLATE} has lost its mark {TOC_MARK!r}")
    return body.replace(TOC_MARK, _toc_html(table_of_contents(body)), 1)


_OBJECT_REPR = re.compile(
    r"^(\[?<(Axes|Figure|matplotlib\.[\w.]+)\b.*>\]?|Text\([-\d.e]+, [-\d.e]+, .*\)|None)$",
    re.DOTALL,
)


def _drop_object_reprs(notebook: nbformat.NotebookNode) -> None:
    """Remove results that are only a matplotlib object's repr or ``None``, and stderr streams.

    A cell ending in ``ax.set_title(...)`` or ``df.plot()`` shows such a line (``<Axes: ...>``,
    ``Text(...)``) under the figure; progress bars and warnings go to stderr. Neither means
    anything to a reader of the stakeholder page; the executed notebook keeps both. Results with
    any richer representation are kept.
    """
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        cell.outputs = [
            output
            for output in cell.get("outputs", [])
            if not (
                output.get("output_type") in ("execute_result", "display_data")
                and set(output.get("data", {})) == {"text/plain"}
                and _OBJECT_REPR.match(str(output["data"]["text/plain"]).strip())
            )
            and not (output.get("output_type") == "stream" and output.get("name") == "stderr")
        ]


def literal_dollars(markdown: str) -> str:
    r"""Escape ``$`` in Markdown so it is a currency sign, not the start of a formula.

    The page has no MathJax, but nbconvert's Markdown parser still reads ``$...$`` as math:
    ``**Total CLV: $68,825** (interval $60,000 - ...)`` kept its ``**`` literally. Inline code
    spans and fenced code blocks are left as they are.

    Examples
    --------
    >>> literal_dollars("**$5** and `$HOME` and \\$6")
    '**\\$5** and `$HOME` and \\$6'
    """
    parts = re.split(r"(```.*?```|`[^`]*`)", markdown, flags=re.DOTALL)
    return "".join(
        part if part.startswith("`") else re.sub(r"(?<!\\)\$", r"\\$", part) for part in parts
    )


def _literal_dollars(notebook: nbformat.NotebookNode) -> None:
    """Apply :func:`literal_dollars` to Markdown cells and Markdown outputs."""
    for cell in notebook.cells:
        if cell.get("cell_type") == "markdown":
            cell.source = literal_dollars(str(cell.source))
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                text = data["text/markdown"]
                text = "".join(text) if isinstance(text, list) else str(text)
                data["text/markdown"] = literal_dollars(text)


def _trim_failed(notebook: nbformat.NotebookNode, report_name: str | None) -> dict[str, str]:
    """Cut a failed notebook after its failing cell; return where it failed and what to do."""
    cells = [
        cell
        for cell in notebook.cells
        if "papermill-error-cell-tag" not in cell.get("metadata", {}).get("tags", [])
    ]
    failing = next(
        (
            i
            for i, cell in enumerate(cells)
            if cell.get("cell_type") == "code"
            and any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        ),
        None,
    )
    if failing is None:  # a time limit or a dead kernel: the first code cell that did not finish
        counted = [
            i for i, cell in enumerate(cells)
            if cell.get("cell_type") == "code" and cell.get("execution_count")
        ]
        after = [
            i for i, cell in enumerate(cells)
            if cell.get("cell_type") == "code" and counted and i > counted[-1]
        ]
        failing = after[0] if after else (counted[-1] if counted else None)
    section = ""
    cell_label = ""
    if failing is not None:
        for cell in cells[:failing]:
            if cell.get("cell_type") == "markdown":
                for line in str(cell.get("source", "")).splitlines():
                    if line.startswith("#"):
                        section = line.lstrip("#").strip()
        count = cells[failing].get("execution_count")
        cell_label = f"cell In [{count}]" if count else "the cell that was running"
        cells[failing].outputs = [
            out for out in cells[failing].get("outputs", []) if out.get("output_type") != "error"
        ]
        cells = cells[: failing + 1]
    notebook.cells = cells
    where = (
        f"in {cell_label} of the section “{section}”" if section else f"in {cell_label}"
    ) if cell_label else "before the first cell ran (starting the kernel or reading the notebook)"
    rerun = f"loyaltylab run --only {report_name}" if report_name else "loyaltylab run"
    return {
        "where": where,
        "todo": (
            "Open the executed notebook of this run (the file list of the run index) for the "
            "full traceback, fix the data or the parameter the message names (reports.yaml), "
            f"then rerun this report with .venv/bin/{rerun} . The sections after the failure "
            "did not run and are left out."
        ),
    }


def export_html(
    executed_notebook: str | os.PathLike[str],
    html_path: str | os.PathLike[str],
    **options: Any,
) -> Path:
    """Write the stakeholder HTML of an executed notebook file.

    Parameters
    ----------
    executed_notebook : path-like
        The ``.ipynb`` papermill wrote.
    html_path : path-like
        Where to write the ``.html``.
    **options
        Passed to :func:`notebook_to_html` (``title`` is required).

    Returns
    -------
    pathlib.Path
        ``html_path``.
    """
    try:
        notebook = nbformat.read(str(executed_notebook), as_version=4)
    except (OSError, ValueError) as error:
        raise ReportError(f"cannot read executed notebook {executed_notebook}: {error}") from None
    path = Path(html_path)
    path.write_text(notebook_to_html(notebook, **options), encoding="utf-8")
    return path


def recorded_parameters(notebook: nbformat.NotebookNode) -> dict[str, Any]:
    """Return the parameters papermill recorded: defaults overlaid with the injected values.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A notebook executed by papermill.

    Returns
    -------
    dict
    """
    meta = notebook.get("metadata", {}).get("papermill", {})
    merged: dict[str, Any] = {}
    for name, info in (meta.get("default_parameters") or {}).items():
        source = info.get("default") if isinstance(info, Mapping) else info
        try:
            merged[name] = ast.literal_eval(source) if isinstance(source, str) else source
        except (ValueError, SyntaxError):
            merged[name] = source
    merged.update(meta.get("parameters") or {})
    return merged


class _HeadingCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str, str]] = []
        self._current: tuple[int, str] | None = None
        self._text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        level = re.fullmatch(r"h([1-3])", tag)
        if level and self._current is None:
            ident = dict(attrs).get("id")
            if ident:
                self._current = (int(level.group(1)), ident)
                self._text = []
        elif tag == "a" and self._current is not None:
            if "anchor-link" in (dict(attrs).get("class") or ""):
                self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._skip:
            self._skip -= 1
        elif self._current is not None and tag == f"h{self._current[0]}":
            text = " ".join("".join(self._text).split())
            if text:
                self.headings.append((self._current[0], self._current[1], text))
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None and not self._skip:
            self._text.append(data)


def table_of_contents(page: str) -> list[tuple[int, str, str]]:
    """Return the headings of a rendered notebook page as ``(level, id, text)``.

    Only ``h1``-``h3`` headings with an ``id`` (nbconvert gives every markdown heading one) inside
    the page body count; the header this module adds has no ids and is skipped.

    Parameters
    ----------
    page : str
        HTML produced by nbconvert.

    Returns
    -------
    list of tuple
    """
    collector = _HeadingCollector()
    collector.feed(page)
    return collector.headings


def _toc_html(headings: list[tuple[int, str, str]]) -> str:
    return render_page(
        "notebook_toc.html.j2", headings=[entry for entry in headings if entry[0] >= 2]
    )


def _format_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return repr(value)


def _header_html(
    title: str,
    run_id: str | None,
    status: str | None,
    error: str | None,
    parameters: Mapping[str, Any],
    advice: Mapping[str, str] | None = None,
) -> str:
    shown = {str(k): _format_value(v) for k, v in parameters.items() if k not in HIDDEN_PARAMETERS}
    source = next((parameters[k] for k in DATA_SOURCE_PARAMETERS if k in shown), None)
    return render_page(
        "notebook_header.html.j2",
        title=title,
        run_id=run_id,
        status=status,
        error=error,
        advice=advice or {},
        data_source=None if source is None else _format_value(source),
        parameters=shown,
    )

"""The report runner: ``reports.yaml`` → papermill runs → stakeholder HTML → run folder + index.

``loyaltylab run`` (:mod:`loyaltylab.cli`) is a thin layer over :func:`run_reports`:

>>> from loyaltylab.reports import load_config, run_reports
>>> config = load_config()  # doctest: +SKIP
>>> overrides = ["clv_cdnow.horizon=26"]
>>> result = run_reports(config, only=["clv_cdnow"], overrides=overrides)  # doctest: +SKIP
>>> result.counts  # doctest: +SKIP
'1 passed, 0 failed'

Modules: :mod:`~loyaltylab.reports.config` (parse and validate ``reports.yaml``, ``-p``
overrides), :mod:`~loyaltylab.reports.runner` (execute notebooks into a run folder),
:mod:`~loyaltylab.reports.html` (HTML without code), :mod:`~loyaltylab.reports.index` (run pages,
``reports/index.html``, ``reports/latest``), :mod:`~loyaltylab.reports.pages` (the ``.j2`` page
templates and the environment that renders them), :mod:`~loyaltylab.reports.catalog` (the metrics
catalog, :func:`metrics_catalog`, and the "Where these numbers come from" table of a report,
:func:`where_numbers_come_from`).
"""

from loyaltylab.reports.catalog import metrics_catalog, where_numbers_come_from
from loyaltylab.reports.config import (
    ReportsConfig,
    ReportSpec,
    RunSettings,
    load_config,
    parse_overrides,
    parse_yaml_value,
)
from loyaltylab.reports.html import export_html, notebook_to_html
from loyaltylab.reports.index import (
    latest_run,
    list_runs,
    read_run_status,
    update_reports_index,
    write_run_index,
)
from loyaltylab.reports.runner import ReportOutcome, RunResult, create_run_dir, run_reports

__all__ = [
    "ReportOutcome",
    "ReportSpec",
    "ReportsConfig",
    "RunResult",
    "RunSettings",
    "create_run_dir",
    "export_html",
    "latest_run",
    "list_runs",
    "load_config",
    "metrics_catalog",
    "notebook_to_html",
    "parse_overrides",
    "parse_yaml_value",
    "read_run_status",
    "run_reports",
    "update_reports_index",
    "where_numbers_come_from",
    "write_run_index",
]

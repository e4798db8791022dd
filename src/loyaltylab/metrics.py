"""Key numbers of a report run: ``{output_dir}/{name}.metrics.json``.

Every report notebook writes its key numbers with :func:`write_metrics`, so that the scorecard,
the report index and the tests read them without parsing notebooks. Metrics are nested dicts
(``{"models": {"bgnbd": {"params": {...}}}}``); :func:`flatten_metrics` and :func:`get_metric`
address them with dotted keys (``"models.bgnbd.params.r"``). :func:`read_run` reads what the
other reports of a run wrote and which of them failed (the runner's ``status.json``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError, ReportError
from loyaltylab.files import write_text_atomic

__all__ = [
    "METRICS_SUFFIX",
    "RUN_STATUS_FILE",
    "RunMetrics",
    "flatten_metrics",
    "get_metric",
    "read_metrics",
    "read_run",
    "read_run_metrics",
    "to_jsonable",
    "write_metrics",
]

METRICS_SUFFIX = ".metrics.json"
RUN_STATUS_FILE = "status.json"
"""The runner's record of a run (one entry per report with its status), in the run folder."""


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON types (NaN/inf → ``None``).

    Parameters
    ----------
    value : Any
        A number, string, date, mapping, sequence, Series or array.

    Returns
    -------
    Any
        The same value made of ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``.
    """
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, pd.Series):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, np.ndarray | list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is None or isinstance(value, str):
        return value
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return str(value)


def write_metrics(
    output_dir: str | os.PathLike[str], name: str, metrics: Mapping[str, Any]
) -> Path:
    """Write ``metrics`` to ``{output_dir}/{name}.metrics.json`` atomically.

    The file is written to a temporary name and renamed, so a reader never sees half a file and a
    failed write leaves an earlier file intact.

    Parameters
    ----------
    output_dir : path-like
        Directory of the report's outputs (created if missing).
    name : str
        Report name, e.g. ``"02_clv"``.
    metrics : mapping
        Nested mapping of key numbers.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    directory = Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}{METRICS_SUFFIX}"
    text = json.dumps(to_jsonable(metrics), indent=2, sort_keys=True, allow_nan=False)
    write_text_atomic(path, text + "\n")
    return path


def read_metrics(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read one metrics file.

    Parameters
    ----------
    path : path-like
        A ``*.metrics.json`` file.

    Returns
    -------
    dict
    """
    try:
        metrics = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ReportError(f"cannot read metrics file {path}: {error}") from None
    if not isinstance(metrics, dict):
        raise ReportError(
            f"metrics file {path} holds a JSON {type(metrics).__name__}, not an object of "
            "named numbers; write it with loyaltylab.metrics.write_metrics"
        )
    return metrics


def read_run_metrics(run_dir: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Read every ``*.metrics.json`` of a run folder, keyed by report name.

    The runner gives each report its own folder ``<run_dir>/<report-name>/`` as ``output_dir``;
    a metrics file there is keyed by that folder name. A metrics file directly in ``run_dir`` is
    keyed by its own name (the part before ``.metrics.json``).

    Parameters
    ----------
    run_dir : path-like
        A run folder (``reports/runs/<run-id>``) or any directory.

    Returns
    -------
    dict of str to dict
        ``{"clv_cdnow": {...}, "customers_loyalty": {...}}``.
    """
    root = Path(run_dir)
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(root.rglob(f"*{METRICS_SUFFIX}")):
        relative = path.relative_to(root)
        if len(relative.parts) == 1:
            name = path.name[: -len(METRICS_SUFFIX)]
        else:
            name = relative.parts[0]
        found[name] = read_metrics(path)
    return found


def flatten_metrics(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested metrics to dotted keys.

    Parameters
    ----------
    metrics : mapping
        Nested metrics.
    prefix : str, default ""
        Prefix for every key (used in recursion).

    Returns
    -------
    dict

    Examples
    --------
    >>> flatten_metrics({"clv": {"total": 1.0}})
    {'clv.total': 1.0}
    """
    flat: dict[str, Any] = {}
    for key, value in metrics.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_metrics(value, prefix=f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def get_metric(metrics: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """Return the value at dotted ``key`` (``"models.bgnbd.params.r"``) or ``default``.

    Parameters
    ----------
    metrics : mapping
        Nested metrics.
    key : str
        Dotted path.
    default : Any, optional
        Returned when any part of the path is missing.

    Returns
    -------
    Any
    """
    node: Any = metrics
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


@dataclass(frozen=True)
class RunMetrics:
    """The metrics the other reports of a run wrote, and which reports failed.

    Attributes
    ----------
    run_dir : str
        The run folder ("" when none was given).
    metrics : dict
        ``{report name: metrics}`` (:func:`loyaltylab.metrics.read_run_metrics`), without the
        scorecard's own folder.
    failed : tuple of str
        Reports whose status in ``status.json`` is not ``"ok"``.
    ran : tuple of str
        Reports listed in ``status.json`` so far (the scorecard runs last).
    """

    run_dir: str
    metrics: dict[str, dict[str, Any]]
    failed: tuple[str, ...] = ()
    ran: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """Return one row per report: whether it ran, its status and whether it wrote metrics."""
        names = list(dict.fromkeys([*self.ran, *self.metrics]))
        rows = [
            {
                "report": name,
                "status": "failed" if name in self.failed else ("ok" if name in self.ran else "?"),
                "metrics": name in self.metrics,
            }
            for name in names
        ]
        return pd.DataFrame(rows, columns=["report", "status", "metrics"])


def read_run(
    run_dir: str | os.PathLike[str] | None, *, output_dir: str | os.PathLike[str] | None = None
) -> RunMetrics:
    """Read the metrics and the report statuses of a run folder.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        ``reports/runs/<run-id>``; ``""`` or ``None`` gives an empty :class:`RunMetrics` (the
        scorecard then shows only the KPIs it computes itself).
    output_dir : str or pathlib.Path, optional
        The scorecard's own output folder; its metrics (from an earlier run of the scorecard)
        are left out.

    Returns
    -------
    RunMetrics

    Raises
    ------
    ParameterError
        If ``run_dir`` is given but is not a folder.
    """
    if run_dir is None or not str(run_dir).strip():
        return RunMetrics(run_dir="", metrics={})
    folder = Path(run_dir)
    if not folder.is_dir():
        raise ParameterError(f"parameter 'run_dir' is not a folder: {run_dir!r}")
    metrics = read_run_metrics(folder)
    if output_dir is not None and str(output_dir).strip():
        own = Path(output_dir).resolve()
        if own.parent == folder.resolve():
            metrics.pop(own.name, None)
    ran: list[str] = []
    failed: list[str] = []
    status_path = folder / RUN_STATUS_FILE
    if status_path.is_file():
        try:
            records = json.loads(status_path.read_text(encoding="utf-8")).get("reports", [])
        except (OSError, json.JSONDecodeError, AttributeError):
            records = []
        for record in records:
            if isinstance(record, Mapping) and isinstance(record.get("name"), str):
                ran.append(record["name"])
                if record.get("status") != "ok":
                    failed.append(record["name"])
    return RunMetrics(run_dir=str(folder), metrics=metrics, failed=tuple(failed), ran=tuple(ran))

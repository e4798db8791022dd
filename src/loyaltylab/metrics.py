"""Key numbers of a report run: ``{output_dir}/{name}.metrics.json``.

Every report notebook writes its key numbers with :func:`write_metrics`, so that the scorecard,
the report index and the tests read them without parsing notebooks. Metrics are nested dicts
(``{"models": {"bgnbd": {"params": {...}}}}``); :func:`flatten_metrics` and :func:`get_metric`
address them with dotted keys (``"models.bgnbd.params.r"``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ReportError
from loyaltylab.files import write_text_atomic

__all__ = [
    "METRICS_SUFFIX",
    "flatten_metrics",
    "get_metric",
    "read_metrics",
    "read_run_metrics",
    "to_jsonable",
    "write_metrics",
]

METRICS_SUFFIX = ".metrics.json"


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
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ReportError(f"cannot read metrics file {path}: {error}") from None


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

"""The first coercers of notebook parameters, kept for the code that still calls them.

The report notebooks validate their parameters with one typed model each
(:mod:`loyaltylab.reports.notebooks.parameters`: ``params = CLVParameters.from_namespace(
globals())``), which is the one home of how papermill's strings are read. What is left here is
used by small test notebooks of the runner and by tests: :func:`as_int`, :func:`as_date` (the
date rule of :func:`loyaltylab.rules.as_day`), :func:`as_str_list` (the list reading of
:func:`loyaltylab.reports.notebooks.parameters.read_names`), :func:`as_mapping` and
:func:`resolve_output_dir`. Each raises one :class:`~loyaltylab.errors.ParameterError` naming the
parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from loyaltylab.errors import LoyaltyLabError, ParameterError
from loyaltylab.rules import as_day

__all__ = [
    "as_date",
    "as_int",
    "as_mapping",
    "as_str_list",
    "resolve_output_dir",
]


def as_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int within ``[minimum, maximum]``.

    Parameters
    ----------
    value : Any
        The raw parameter value (an int, or a string of one).
    name : str
        The parameter name, used in the error message.
    minimum, maximum : int, optional
        Inclusive bounds.

    Returns
    -------
    int
    """
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
        if not number.is_integer():
            raise ValueError
        result = int(number)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {name!r} must be a whole number, got {value!r}") from None
    _check_bounds(result, name, minimum, maximum)
    return result


def _check_bounds(value: float, name: str, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name!r} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name!r} must be <= {maximum}, got {value}")


def _choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return the canonical spelling of ``value`` among ``choices`` (case-insensitive)."""
    options = list(choices)
    if isinstance(value, str):
        for option in options:
            if value.strip().lower() == option.lower():
                return option
    raise ParameterError(f"parameter {name!r} must be one of {options}, got {value!r}")


def as_str_list(
    value: Any, name: str, *, choices: Iterable[str] | None = None, allow_empty: bool = True
) -> list[str]:
    """Return ``value`` as a list of strings.

    Accepts a list/tuple, a comma-separated string (``"bgnbd,pareto_nbd"``), a YAML/JSON list in
    a string (``"[a, b]"``), or a single name, read as
    :func:`loyaltylab.reports.notebooks.parameters.read_names` reads them. ``None`` and ``""``
    give an empty list.

    Parameters
    ----------
    value : Any
        The raw parameter value.
    name : str
        The parameter name, used in the error message.
    choices : iterable of str, optional
        If given, every element must be one of these (case-insensitive); the canonical spelling
        is returned.
    allow_empty : bool, default True
        Whether an empty list is acceptable.

    Returns
    -------
    list of str

    Examples
    --------
    >>> as_str_list("pareto_nbd, BGNBD", "models", choices=["bgnbd", "pareto_nbd"])
    ['pareto_nbd', 'bgnbd']
    """
    from loyaltylab.reports.notebooks.parameters import read_names

    try:
        items = read_names(value)
    except LoyaltyLabError:
        raise ParameterError(f"parameter {name!r}: cannot read list {value!r}") from None
    if items is None:
        items = []
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ParameterError(f"parameter {name!r} must be a list of names, got {value!r}")
    bad = [item for item in items if not isinstance(item, str) or not item.strip()]
    if bad:
        raise ParameterError(f"parameter {name!r} must hold non-empty names, got {bad[:5]!r}")
    result = [item.strip() for item in items]
    if choices is not None:
        result = [_choice(item, name, choices) for item in result]
    if not allow_empty and not result:
        raise ParameterError(f"parameter {name!r} must name at least one value")
    return result


def as_mapping(value: Any, name: str) -> dict[str, Any]:
    """Return ``value`` as a dict; accepts a mapping, a YAML/JSON string, ``None`` or ``""``.

    Parameters
    ----------
    value : Any
        The raw parameter value, e.g. ``{"customer_id": "cust"}`` or ``'{"customer_id": "cust"}'``.
    name : str
        The parameter name, used in the error message.

    Returns
    -------
    dict
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            try:
                value = yaml.safe_load(value)
            except yaml.YAMLError:
                raise ParameterError(f"parameter {name!r}: cannot read mapping {value!r}") from None
    if not isinstance(value, Mapping):
        raise ParameterError(f"parameter {name!r} must be a mapping, got {value!r}")
    return {str(key): item for key, item in value.items()}


def as_date(value: Any, name: str, *, optional: bool = False) -> pd.Timestamp | None:
    """Return ``value`` as a timezone-naive day (midnight), by the date rule of the package.

    The same answer as :func:`loyaltylab.rules.as_day` (to which this delegates) and therefore
    as every loader: ISO 8601 text, a ``yyyymmdd`` integer, a datetime/date or a Timestamp; a
    value with a time zone is converted to UTC first, so ``"2024-12-31T23:30:00-05:00"`` is
    2025-01-01.

    Parameters
    ----------
    value : Any
        A date, datetime or ISO string such as ``"1997-09-30"``.
    name : str
        The parameter name, used in the error message.
    optional : bool, default False
        If true, ``None`` and ``""`` give ``None``.

    Returns
    -------
    pandas.Timestamp or None

    Examples
    --------
    >>> as_date("1997-09-30", "calibration_end")
    Timestamp('1997-09-30 00:00:00')
    """
    return as_day(value, name, optional=optional)


def _output_dir(value: Any, name: str) -> Path:
    if not isinstance(value, str | Path) or not str(value).strip():
        raise ParameterError(f"parameter {name!r} must be a directory path, got {value!r}")
    path = Path(value).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ParameterError(f"parameter {name!r}: cannot create {path}: {error}") from None
    return path


def resolve_output_dir(value: Any, report: str, name: str = "output_dir") -> Path:
    """Return the output directory of a report, creating it.

    An empty value (the notebooks' default, for interactive use in JupyterLab) means
    ``<project root>/reports/scratch/<report>``; the report runner always passes a folder inside
    its run folder.

    Parameters
    ----------
    value : Any
        The ``output_dir`` parameter: a path or ``""``.
    report : str
        The notebook's stem, e.g. ``"02_clv"``.
    name : str, default "output_dir"
        The parameter name, used in the error message.

    Returns
    -------
    pathlib.Path
    """
    from loyaltylab.paths import project_root

    if value is None or (isinstance(value, str) and not value.strip()):
        value = project_root() / "reports" / "scratch" / report
    return _output_dir(value, name)

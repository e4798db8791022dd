"""Validation of notebook parameters.

papermill hands notebooks whatever the command line or ``reports.yaml`` said: ``-p flag no`` arrives
as the string ``"no"``, ``-p models bgnbd,pareto_nbd`` as a string, a YAML date as a string. The
report notebooks therefore pass their parameters cell through these coercers in the next cell, so a
wrong value stops the run with one :class:`~loyaltylab.errors.ParameterError` that names the
parameter, instead of failing somewhere later.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from loyaltylab.errors import ParameterError
from loyaltylab.rules import as_day

__all__ = [
    "as_bool",
    "as_choice",
    "as_date",
    "as_float",
    "as_int",
    "as_mapping",
    "as_output_dir",
    "as_str_list",
    "resolve_output_dir",
]

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def as_bool(value: Any, name: str) -> bool:
    """Return ``value`` as a bool, accepting ``"yes"``/``"no"``, ``"true"``/``"false"``, 1/0.

    Parameters
    ----------
    value : Any
        The raw parameter value.
    name : str
        The parameter name, used in the error message.

    Returns
    -------
    bool

    Examples
    --------
    >>> as_bool("no", "show_plots")
    False
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ParameterError(f"parameter {name!r} must be true/false (or yes/no), got {value!r}")


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


def as_float(
    value: Any, name: str, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    """Return ``value`` as a finite float within ``[minimum, maximum]``.

    Parameters
    ----------
    value : Any
        The raw parameter value (a number, or a string of one such as ``"0.1"`` or ``"1e3"``).
    name : str
        The parameter name, used in the error message.
    minimum, maximum : float, optional
        Inclusive bounds.

    Returns
    -------
    float
    """
    try:
        if isinstance(value, bool):
            raise TypeError
        result = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {name!r} must be a number, got {value!r}") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise ParameterError(f"parameter {name!r} must be finite, got {value!r}")
    _check_bounds(result, name, minimum, maximum)
    return result


def _check_bounds(value: float, name: str, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name!r} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name!r} must be <= {maximum}, got {value}")


def as_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (case-insensitive), else raise.

    Parameters
    ----------
    value : Any
        The raw parameter value.
    name : str
        The parameter name, used in the error message.
    choices : iterable of str
        The allowed values, in their canonical spelling.

    Returns
    -------
    str
        The canonical spelling of the chosen value.
    """
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
    a string (``"[a, b]"``), or a single name. ``None`` and ``""`` give an empty list.

    Parameters
    ----------
    value : Any
        The raw parameter value.
    name : str
        The parameter name, used in the error message.
    choices : iterable of str, optional
        If given, every element must be one of these (case-insensitive).
    allow_empty : bool, default True
        Whether an empty list is acceptable.

    Returns
    -------
    list of str
    """
    if value is None:
        items: list[Any] = []
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = yaml.safe_load(text)
            except yaml.YAMLError:
                raise ParameterError(f"parameter {name!r}: cannot read list {value!r}") from None
            items = list(parsed or [])
        else:
            items = [part.strip() for part in text.split(",") if part.strip()]
    elif isinstance(value, Sequence):
        items = list(value)
    else:
        raise ParameterError(f"parameter {name!r} must be a list of names, got {value!r}")
    bad = [item for item in items if not isinstance(item, str) or not item.strip()]
    if bad:
        raise ParameterError(f"parameter {name!r} must hold non-empty names, got {bad[:5]!r}")
    result = [item.strip() for item in items]
    if choices is not None:
        result = [as_choice(item, name, choices) for item in result]
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


def as_output_dir(value: Any, name: str = "output_dir") -> Path:
    """Return ``value`` as a directory path, creating it if needed.

    Parameters
    ----------
    value : Any
        A path string.
    name : str, default "output_dir"
        The parameter name, used in the error message.

    Returns
    -------
    pathlib.Path
    """
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
    return as_output_dir(value, name)

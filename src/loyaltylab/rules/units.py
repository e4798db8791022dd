"""The one table of analysis time units: recency, T and horizons are days divided by these.

DESIGN.md "Time units": recency and T are measured in days and expressed in the analysis unit as
fractions, never truncated to whole periods. ``"W"`` (weeks, the default) is 7 days, ``"D"``
one day and ``"M"`` an average month of 365.25 / 12 days.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from loyaltylab.errors import ParameterError

__all__ = ["TIME_UNIT_DAYS", "time_unit"]

#: Days in one analysis time unit (read-only).
TIME_UNIT_DAYS: Mapping[str, float] = MappingProxyType({"D": 1.0, "W": 7.0, "M": 365.25 / 12})


def time_unit(value: Any, name: str = "time_unit") -> str:
    """Return ``value`` as one of the keys of :data:`TIME_UNIT_DAYS` (case and spaces ignored).

    Parameters
    ----------
    value : Any
        The raw parameter, e.g. ``"w"``.
    name : str, default "time_unit"
        The parameter name, used in the error message.

    Returns
    -------
    str

    Raises
    ------
    loyaltylab.errors.ParameterError
        Naming the parameter, the value and the allowed units.

    Examples
    --------
    >>> time_unit(" w ")
    'W'
    >>> TIME_UNIT_DAYS[time_unit("M")]
    30.4375
    """
    if isinstance(value, str) and value.strip().upper() in TIME_UNIT_DAYS:
        return value.strip().upper()
    raise ParameterError(
        f"parameter {name!r} must be one of {list(TIME_UNIT_DAYS)} (days, weeks, months of "
        f"365.25/12 days), got {value!r}"
    )

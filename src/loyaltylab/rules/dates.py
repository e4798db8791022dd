"""The one rule for dates and timestamps, used by every loader, parameter and config reader.

**The answer.** A date or date-time is read as ISO 8601 (``"2024-12-31"``, ``"20241231"``,
``"2024-12-31 10:30"``, ``"2024-12-31T23:30:00-05:00"``), or from a ``datetime``/``date``, a
:class:`pandas.Timestamp` or a ``numpy.datetime64``, or an integer written ``yyyymmdd``
(``20241231``). A value with a time zone is **converted to UTC and made naive**, as the
transaction loader has always done with timezone-aware columns; a naive value is taken as it is.
So ``"2024-12-31T23:30:00-05:00"`` is the instant ``2025-01-01 04:30`` and, as a day,
``2025-01-01``. A *day* is that instant at midnight (:func:`as_day`); "up to day ``d``
inclusive" means "before :func:`end_of_day` ``(d)``", the first instant of the next day.

Refused, with one error naming the parameter or column: text that is not ISO 8601 (no day/month
guessing such as ``"12/31/2024"``; give ``date_format=`` for a column in another layout), the
words ``"today"`` and ``"now"`` (a report must give the same answer tomorrow), booleans,
floats, and instants outside the range of ``datetime64[ns]`` (1677-09-22 to 2262-04-10), which
the canonical frames use.

A column is parsed by :func:`parse_timestamps` and a single value by :func:`as_timestamp` /
:func:`as_day`, which run the same parser on a one-element column, so a parameter and a column
can never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loyaltylab.errors import ParameterError

__all__ = [
    "ACCEPTED_DATE_FORMS",
    "FIRST_TIMESTAMP",
    "LAST_TIMESTAMP",
    "ParsedTimestamps",
    "as_day",
    "as_timestamp",
    "end_of_day",
    "parse_timestamps",
    "timestamp_problem",
]

#: What a date parameter accepts, quoted in every error message about one.
ACCEPTED_DATE_FORMS = (
    "an ISO 8601 date such as '2024-12-31' or '20241231', a date-time such as "
    "'2024-12-31 10:30' or '2024-12-31T23:30:00-05:00' (converted to UTC), a yyyymmdd integer, "
    "or a datetime/date/Timestamp"
)
#: The first and last instants a canonical frame (``datetime64[ns]``) can hold.
FIRST_TIMESTAMP = pd.Timestamp(np.iinfo(np.int64).min + 1, unit="ns").ceil("D")
LAST_TIMESTAMP = pd.Timestamp(np.iinfo(np.int64).max, unit="ns").floor("D") - pd.Timedelta(1)

_TZ_SUFFIX = (
    r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*"
    r"(?:[zZ]|[uU][tT][cC]|[gG][mM][tT]|[+-]\d{2}(?::?\d{2})?)\s*$"
)
_NOT_ISO_START = r"^[^0-9]"  # ISO 8601 text starts with a digit ("today", "now", "Dec 31" do not)


@dataclass(frozen=True)
class ParsedTimestamps:
    """A timestamp column parsed by the one rule, with a mask for each kind of problem.

    Attributes
    ----------
    timestamps : pandas.Series
        Timezone-naive ``datetime64[ns]`` (aware values converted to UTC), ``NaT`` where
        ``unparseable``.
    unparseable : pandas.Series
        Bool: missing, not ISO 8601 (or not matching ``date_format``), or out of range.
    out_of_range : pandas.Series
        Bool, a subset of ``unparseable``: a valid date outside 1677-09-22 .. 2262-04-10.
    aware : pandas.Series
        Bool: the value carried a time zone (and was converted to UTC).
    mixed : bool
        The column mixes aware and naive values (naive ones were read as UTC).
    """

    timestamps: pd.Series
    unparseable: pd.Series
    out_of_range: pd.Series
    aware: pd.Series
    mixed: bool

    def summary(self) -> pd.DataFrame:
        """Count of values per outcome (``outcome``, ``rows``).

        Returns
        -------
        pandas.DataFrame
        """
        rows = [
            ("parsed", int((~self.unparseable).sum())),
            ("unparseable", int(self.unparseable.sum())),
            ("out of range", int(self.out_of_range.sum())),
            ("converted from a time zone", int(self.aware.sum())),
        ]
        return pd.DataFrame(rows, columns=["outcome", "rows"])


def parse_timestamps(values: pd.Series, *, date_format: str | None = None) -> ParsedTimestamps:
    """Parse a column of dates or timestamps by the rule of this module.

    Parameters
    ----------
    values : pandas.Series
        Text (ISO 8601, or ``date_format``), ``yyyymmdd`` integers, datetime objects, or a
        ``datetime64`` column (naive or aware).
    date_format : str, optional
        ``strftime`` format of text values (e.g. ``"%d/%m/%Y"``); default ISO 8601.

    Returns
    -------
    ParsedTimestamps

    Raises
    ------
    loyaltylab.errors.ParameterError
        If ``date_format`` is not a valid format.

    Examples
    --------
    >>> import pandas as pd
    >>> parsed = parse_timestamps(pd.Series(["2024-12-31T23:30:00-05:00", "20241231", "soon"]))
    >>> parsed.timestamps.tolist()
    [Timestamp('2025-01-01 04:30:00'), Timestamp('2024-12-31 00:00:00'), NaT]
    >>> parsed.unparseable.tolist(), parsed.mixed
    ([False, False, True], True)
    """
    index = values.index
    none = pd.Series(False, index=index)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        aware = values.notna()
        parsed = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return _finish(parsed, values.isna(), aware, none)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return _finish(values, values.isna(), none, none)
    missing = values.isna()
    not_iso = none
    if pd.api.types.is_bool_dtype(values.dtype):
        return _finish(pd.Series(pd.NaT, index=index), pd.Series(True, index=index), none, none)
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("float64")
        whole = numbers.notna() & np.isfinite(numbers) & (numbers == np.floor(numbers))
        whole &= numbers.abs() < 1e15
        text = pd.Series("", index=index, dtype=object)
        text[whole] = numbers[whole].astype("int64").astype(str)
        text = text.astype(str)
        aware = none
    elif values.dtype == object and values.map(_is_datetime_object).any():
        aware = values.map(_is_aware).astype(bool)
        text = values.map(_datetime_to_text).astype(str)
    else:
        text = values.astype(object).where(~missing, "").astype(str).str.strip()
        aware = _regex_search(text, _TZ_SUFFIX)
        if date_format is None:
            not_iso = _regex_search(text, _NOT_ISO_START)
    fmt = date_format or "ISO8601"
    try:
        parsed = pd.to_datetime(
            text.where((text != "") & ~not_iso, None), format=fmt, errors="coerce", utc=True
        )
    except ValueError as error:
        raise ParameterError(
            f"parameter 'date_format' {date_format!r} is not a strftime format ({error}); "
            "use e.g. '%d/%m/%Y' or leave it empty for ISO 8601"
        ) from None
    parsed = parsed.dt.tz_localize(None)
    return _finish(parsed, parsed.isna(), aware, none)


def _finish(
    parsed: pd.Series, bad: pd.Series, aware: pd.Series, none: pd.Series
) -> ParsedTimestamps:
    """Flag instants outside the ``datetime64[ns]`` range and return the result in ns."""
    out_of_range = none
    if parsed.dtype != "datetime64[ns]":
        out_of_range = parsed.notna() & ((parsed < FIRST_TIMESTAMP) | (parsed > LAST_TIMESTAMP))
        if out_of_range.any():
            parsed = parsed.where(~out_of_range, pd.NaT)
        parsed = parsed.astype("datetime64[ns]")
    bad = (bad | out_of_range).astype(bool)
    aware = (aware & ~bad).astype(bool)
    mixed = bool(aware.any()) and bool((~aware & ~bad).any())
    return ParsedTimestamps(
        timestamps=parsed,
        unparseable=bad,
        out_of_range=out_of_range.astype(bool),
        aware=aware,
        mixed=mixed,
    )


def timestamp_problem(date_format: str | None = None) -> str:
    """Return the reason text for an unparseable timestamp, as quality tables and errors say it.

    Parameters
    ----------
    date_format : str, optional
        The ``date_format`` the column was read with.

    Returns
    -------
    str

    Examples
    --------
    >>> timestamp_problem()
    'timestamp is missing, not an ISO 8601 date/time or out of range'
    """
    if date_format is None:
        return "timestamp is missing, not an ISO 8601 date/time or out of range"
    return f"timestamp is missing, does not match date_format {date_format!r} or is out of range"


@overload
def as_timestamp(value: Any, name: str, *, optional: Literal[False] = ...) -> pd.Timestamp: ...
@overload
def as_timestamp(value: Any, name: str, *, optional: bool) -> pd.Timestamp | None: ...
def as_timestamp(value: Any, name: str, *, optional: bool = False) -> pd.Timestamp | None:
    """Return a parameter or config value as a timezone-naive instant (UTC if it had a zone).

    Parameters
    ----------
    value : Any
        See the module docstring for the accepted forms.
    name : str
        The parameter name (or YAML path), used in the error message.
    optional : bool, default False
        If true, ``None``, ``""`` and ``NaT`` give ``None``.

    Returns
    -------
    pandas.Timestamp or None

    Raises
    ------
    loyaltylab.errors.ParameterError
        Naming the parameter, the value and the accepted forms.

    Examples
    --------
    >>> as_timestamp("2024-12-31T23:30:00-05:00", "observation_end")
    Timestamp('2025-01-01 04:30:00')
    """
    if _is_empty(value):
        if optional:
            return None
        raise ParameterError(f"parameter {name!r} needs a date: {ACCEPTED_DATE_FORMS}")
    if isinstance(value, bool) or not isinstance(
        value, str | int | np.integer | dt.date | np.datetime64
    ):
        raise ParameterError(
            f"parameter {name!r} is not a date: {value!r} ({type(value).__name__}); "
            f"give {ACCEPTED_DATE_FORMS}"
        )
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        column = pd.Series([pd.Timestamp(value)])
    else:
        column = pd.Series([value], dtype=object if isinstance(value, str | dt.date) else None)
    parsed = parse_timestamps(column)
    if bool(parsed.out_of_range.iloc[0]):
        raise ParameterError(
            f"parameter {name!r} is out of range: {value!r}; dates must lie between "
            f"{FIRST_TIMESTAMP.date()} and {LAST_TIMESTAMP.date()}"
        )
    if bool(parsed.unparseable.iloc[0]):
        raise ParameterError(
            f"parameter {name!r} is not a date: {value!r}; give {ACCEPTED_DATE_FORMS}"
        )
    return pd.Timestamp(parsed.timestamps.iloc[0])


@overload
def as_day(value: Any, name: str, *, optional: Literal[False] = ...) -> pd.Timestamp: ...
@overload
def as_day(value: Any, name: str, *, optional: bool) -> pd.Timestamp | None: ...
def as_day(value: Any, name: str, *, optional: bool = False) -> pd.Timestamp | None:
    """Return a parameter or config date as a timezone-naive day (midnight).

    The day is the calendar day of :func:`as_timestamp` (UTC for a value with a time zone).

    Parameters
    ----------
    value : Any
        See the module docstring for the accepted forms.
    name : str
        The parameter name (or YAML path), used in the error message.
    optional : bool, default False
        If true, ``None``, ``""`` and ``NaT`` give ``None``.

    Returns
    -------
    pandas.Timestamp or None

    Raises
    ------
    loyaltylab.errors.ParameterError
        Naming the parameter, the value and the accepted forms.

    Examples
    --------
    >>> as_day("2024-12-31T23:30:00-05:00", "observation_end")
    Timestamp('2025-01-01 00:00:00')
    >>> as_day(20241231, "observation_end")
    Timestamp('2024-12-31 00:00:00')
    >>> as_day("", "observation_start", optional=True) is None
    True
    """
    stamp = as_timestamp(value, name, optional=optional)
    return None if stamp is None else stamp.normalize()


@overload
def end_of_day(value: Any, name: str, *, optional: Literal[False] = ...) -> pd.Timestamp: ...
@overload
def end_of_day(value: Any, name: str, *, optional: bool) -> pd.Timestamp | None: ...
def end_of_day(value: Any, name: str, *, optional: bool = False) -> pd.Timestamp | None:
    """Return the first instant after day ``value``: "up to day d inclusive" is ``< end_of_day(d)``.

    Parameters
    ----------
    value : Any
        A date, read by :func:`as_day`.
    name : str
        The parameter name, used in the error message.
    optional : bool, default False
        If true, an empty value gives ``None``.

    Returns
    -------
    pandas.Timestamp or None

    Examples
    --------
    >>> end_of_day("2024-12-31 10:30", "observation_end")
    Timestamp('2025-01-01 00:00:00')
    """
    day = as_day(value, name, optional=optional)
    return None if day is None else day + pd.Timedelta(days=1)


def _is_empty(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return value is pd.NaT or (isinstance(value, float) and value != value)


def _regex_search(text: pd.Series, pattern: str) -> pd.Series:
    """Return ``text.str.contains(pattern)`` computed by Arrow (RE2), ~5x faster than ``re``."""
    try:
        found = pc.match_substring_regex(pa.array(text, type=pa.string()), pattern)
        return pd.Series(found.to_numpy(zero_copy_only=False), index=text.index).fillna(False)
    except (pa.ArrowException, TypeError, ValueError):  # pragma: no cover - Arrow refused
        return text.str.contains(pattern, regex=True, na=False)


def _is_datetime_object(value: Any) -> bool:
    return isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "tzinfo")


def _is_aware(value: Any) -> bool:
    return getattr(value, "tzinfo", None) is not None


def _datetime_to_text(value: Any) -> str:
    if value is None or (not hasattr(value, "isoformat") and pd.isna(value)):
        return ""
    if value is pd.NaT:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)

"""The SQL engine of the KPIs: the window, the periods and the queries, written once.

Every KPI function resolves its window with :func:`observation_window`, opens one in-memory DuckDB
with :func:`connect` (tables ``orders`` and ``firsts`` over the pandas frame, no copy to a database
file) and reads its numbers with :func:`group_stats` and :func:`retention_pairs`; :func:`finish`
turns the counts and sums into the KPI columns of :data:`loyaltylab.kpi.KPI_DEFINITIONS`. The
definitions (window, order, active customer, complete period) are in :mod:`loyaltylab.kpi`; the
queries are the portable expressions of :mod:`loyaltylab.engine.expressions` (``orders``,
``firsts``, ``group_stats``, ``retention_pairs``), the same ones that run on PostgreSQL and Spark
(:func:`loyaltylab.kpi.engine_kpis.engine_customer_kpis`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from loyaltylab.engine import expressions as ex
from loyaltylab.engine.backends import fetch
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.kpi.definitions import PERIODS
from loyaltylab.rules import as_day

__all__ = [
    "EMPTY_STATS",
    "Window",
    "as_period",
    "attach_labels",
    "complete_periods",
    "connect",
    "finish",
    "finite_or_nan",
    "group_stats",
    "observation_window",
    "period_floor",
    "period_starts",
    "period_step",
    "ratio",
    "retention_pairs",
]

#: Group statistics of a group without orders (``base`` and ``retained``: retention pairs).
EMPTY_STATS: dict[str, int | float] = {
    "active_customers": 0,
    "new_customers": 0,
    "orders": 0,
    "revenue": 0.0,
    "repeat_customers": 0,
    "top10_revenue": 0.0,
    "top20_revenue": 0.0,
    "base": 0,
    "retained": 0,
}


def as_period(value: Any, name: str = "period") -> str:
    """Return a KPI period as its code ``"W"``, ``"M"`` or ``"Q"`` (case and spaces ignored).

    The one rule for a period: the KPI functions and the notebook parameter models read it here.

    Parameters
    ----------
    value : Any
        A key of :data:`loyaltylab.kpi.PERIODS` in any case, e.g. ``"m"`` or ``" Q "``.
    name : str, default "period"
        The parameter name, used in the error message.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        If ``value`` is not one of the period codes.

    Examples
    --------
    >>> as_period("m"), as_period(" q ", "retention_period")
    ('M', 'Q')
    """
    if isinstance(value, str) and value.strip().upper() in PERIODS:
        return value.strip().upper()
    raise ParameterError(f"parameter {name!r} must be one of {list(PERIODS)}, got {value!r}")


@dataclass(frozen=True)
class Window:
    """The observation window: whole days ``start`` to ``end`` (inclusive) and its period."""

    start: pd.Timestamp  # first day in the window
    end: pd.Timestamp  # last day in the window (inclusive)
    period: str

    @property
    def end_exclusive(self) -> pd.Timestamp:
        """The first moment after the window (midnight after ``end``)."""
        return self.end + pd.Timedelta(days=1)


def observation_window(
    frame: pd.DataFrame, observation_start: Any, observation_end: Any, period: str
) -> Window:
    """Resolve the window of validated transactions (dates read by :func:`loyaltylab.rules.as_day`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Validated transactions.
    observation_start, observation_end : date-like or None
        First and last day; defaults: start of the ``period`` holding the first purchase on or
        before the end, day of the last purchase.
    period : str
        A period code of :data:`loyaltylab.kpi.PERIODS`.

    Returns
    -------
    Window
    """
    start = as_day(observation_start, "observation_start", optional=True)
    end = as_day(observation_end, "observation_end", optional=True)
    if end is None:
        end = frame["timestamp"].max().normalize()
    if start is None:
        first = frame.loc[frame["timestamp"] < end + pd.Timedelta(days=1), "timestamp"].min()
        if pd.isna(first):
            raise DataValidationError(
                f"transactions have no purchase on or before observation_end {end.date()}; "
                f"the first purchase is on {frame['timestamp'].min().date()}"
            )
        start = period_floor(first, period)
    if start > end:
        raise ParameterError(
            f"observation_start {start.date()} is after observation_end {end.date()}"
        )
    return Window(start=start, end=end, period=period)


def period_floor(stamp: pd.Timestamp, period: str) -> pd.Timestamp:
    """Return the first day of the calendar week (Monday), month or quarter holding ``stamp``.

    Examples
    --------
    >>> import pandas as pd
    >>> period_floor(pd.Timestamp("2024-05-17 13:00"), "Q")
    Timestamp('2024-04-01 00:00:00')
    """
    day = stamp.normalize()
    if period == "W":
        return day - pd.Timedelta(days=day.day_of_week)
    if period == "M":
        return day.replace(day=1)
    return day.replace(day=1, month=3 * ((day.month - 1) // 3) + 1)


def period_starts(window: Window) -> pd.DatetimeIndex:
    """Return the start of every period touching the window (the first may begin before it)."""
    first = period_floor(window.start, window.period)
    freq = {"W": "W-MON", "M": "MS", "Q": "QS-JAN"}[window.period]
    return pd.date_range(first, window.end, freq=freq)


def _next_period(starts: pd.DatetimeIndex, period: str) -> pd.DatetimeIndex:
    offset = {"W": pd.DateOffset(weeks=1), "M": pd.DateOffset(months=1)}.get(
        period, pd.DateOffset(months=3)
    )
    return pd.DatetimeIndex([start + offset for start in starts])


def complete_periods(window: Window) -> pd.DatetimeIndex:
    """Return the starts of the periods lying completely inside the window."""
    starts = period_starts(window)
    ends = _next_period(starts, window.period)
    keep = (starts >= window.start) & (ends <= window.end_exclusive)
    return starts[keep]


def period_step(period: str) -> ir.IntervalScalar:
    """Return one period (``"W"``, ``"M"``, ``"Q"``) as an Ibis interval.

    Examples
    --------
    >>> period_step("Q").type().unit.name
    'MONTH'
    """
    return {"W": ibis.interval(weeks=1), "M": ibis.interval(months=1)}.get(
        period, ibis.interval(months=3)
    )


def connect(transactions: pd.DataFrame, window: Window) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB holding ``orders`` (window) and ``firsts`` (first purchase).

    ``tx`` is the transactions frame itself; ``orders`` has one row per order of the window
    (``customer_id``, ``ts``, ``period_start``, ``amount``, ``lines``: the expression
    :func:`loyaltylab.engine.expressions.orders`), ``firsts`` each customer's first purchase up
    to the window end (``first_ts``). The caller closes the connection.
    """
    con = duckdb.connect()
    con.register("tx", transactions)
    backend = ibis.duckdb.from_connection(con)
    tx = backend.table("tx")
    order_rows = ex.orders(tx, start=window.start, stop=window.end_exclusive, period=window.period)
    first_rows = ex.firsts(tx, stop=window.end_exclusive)
    con.execute(f"CREATE TEMP TABLE orders AS {backend.compile(order_rows)}")
    con.execute(f"CREATE TEMP TABLE firsts AS {backend.compile(first_rows)}")
    return con


def group_stats(
    con: duckdb.DuckDBPyConnection, group: str | None = None, group_start: Any = None
) -> pd.DataFrame:
    """Per-group customer KPIs of the ``orders`` of ``con`` (:func:`ex.group_stats`).

    ``group`` names the column of ``orders`` that labels each order (``"period_start"``,
    ``"segment"``; ``None``: one group ``"all"``), ``group_start`` the start of every group
    (default: the group column, a period start).
    """
    backend = ibis.duckdb.from_connection(con)
    expr = ex.group_stats(
        backend.table("orders"), backend.table("firsts"), group=group, group_start=group_start
    )
    return fetch(backend, expr)


def retention_pairs(
    con: duckdb.DuckDBPyConnection, window: Window, group: str | None = None
) -> pd.DataFrame:
    """Count customers active in t-1 (``base``) and of them in t (``retained``), per group and t.

    Only pairs whose both periods are complete enter (complete periods are consecutive, so a
    range check on the period start suffices).
    """
    complete = complete_periods(window)
    if len(complete) < 2:
        return pd.DataFrame(
            {"grp": [], "period_start": pd.DatetimeIndex([]), "base": [], "retained": []}
        )
    backend = ibis.duckdb.from_connection(con)
    expr = ex.retention_pairs(
        backend.table("orders"),
        step=period_step(window.period),
        first=complete[0],
        last=complete[-1],
        group=group,
    )
    return fetch(backend, expr)


def attach_labels(con: duckdb.DuckDBPyConnection, labels: pd.DataFrame, name: str) -> None:
    """Add the segment label to every order (one join) and check every customer has one."""
    con.register("labels", labels)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE orders AS
        SELECT o.*, l.segment FROM orders o LEFT JOIN labels l USING (customer_id)
        """
    )
    missing = con.execute(
        """
        SELECT customer_id, COUNT(*) OVER () AS n
        FROM (SELECT DISTINCT customer_id FROM orders WHERE segment IS NULL)
        ORDER BY customer_id LIMIT 5
        """
    ).fetchall()
    if missing:
        raise DataValidationError(
            f"{name} has no label for {missing[0][1]} customer(s) of the transactions, "
            f"e.g. {[row[0] for row in missing]}"
        )


def ratio(numerator: Any, denominator: Any) -> Any:
    """Divide elementwise; NaN where the denominator is not positive (a float for scalars).

    Examples
    --------
    >>> ratio(1, 4), ratio(1, 0)
    (0.25, nan)
    """
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )
    return result if result.ndim else float(result)


def finite_or_nan(value: Any) -> float:
    """Return ``value`` as a float, NaN if it is not finite."""
    number = float(value)
    return number if math.isfinite(number) else float("nan")


def finish(stats: pd.DataFrame) -> pd.DataFrame:
    """Turn counts and sums into the KPI columns of :data:`loyaltylab.kpi.KPI_DEFINITIONS`."""
    out = pd.DataFrame(index=stats.index)
    out["active_customers"] = stats["active_customers"].astype("int64")
    out["new_customers"] = stats["new_customers"].astype("int64")
    out["retention_rate"] = ratio(stats["retained"], stats["base"])
    out["churn_rate"] = 1.0 - out["retention_rate"]
    out["repeat_purchase_rate"] = ratio(stats["repeat_customers"], stats["active_customers"])
    out["purchase_frequency"] = ratio(stats["orders"], stats["active_customers"])
    out["aov"] = ratio(stats["revenue"], stats["orders"])
    out["revenue"] = stats["revenue"].astype(float)
    out["orders"] = stats["orders"].astype("int64")
    out["revenue_per_customer"] = ratio(stats["revenue"], stats["active_customers"])
    out["revenue_top10_share"] = ratio(stats["top10_revenue"], stats["revenue"])
    out["revenue_top20_share"] = ratio(stats["top20_revenue"], stats["revenue"])
    out["retention_base_customers"] = stats["base"].astype("int64")
    out["retained_customers"] = stats["retained"].astype("int64")
    return out

"""The SQL engine of the KPIs: the window, the periods and the DuckDB queries, written once.

Every KPI function resolves its window with :func:`observation_window`, opens one in-memory DuckDB
with :func:`connect` (tables ``orders`` and ``firsts`` over the pandas frame, no copy to a database
file) and reads its numbers with :func:`group_stats` and :func:`retention_pairs`; :func:`finish`
turns the counts and sums into the KPI columns of :data:`loyaltylab.kpi.KPI_DEFINITIONS`. The
definitions (window, order, active customer, complete period) are in :mod:`loyaltylab.kpi`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

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


def connect(transactions: pd.DataFrame, window: Window) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB holding ``orders`` (window) and ``firsts`` (first purchase).

    ``tx`` is the transactions frame itself; ``orders`` has one row per order of the window
    (``customer_id``, ``ts``, ``period_start``, ``amount``, ``lines``), ``firsts`` each customer's
    first purchase up to the window end (``first_ts``). The caller closes the connection.
    """
    con = duckdb.connect()
    con.register("tx", transactions)
    unit = PERIODS[window.period]["duckdb"]
    if "order_id" in transactions.columns:
        key = "order_id, CASE WHEN order_id IS NULL THEN CAST(timestamp AS DATE) END"
    else:
        key = "CAST(timestamp AS DATE)"
    con.execute(
        f"""
        CREATE TEMP TABLE orders AS
        SELECT customer_id, MIN(timestamp) AS ts,
               date_trunc('{unit}', MIN(timestamp)) AS period_start,
               SUM(amount) AS amount, COUNT(*) AS lines
        FROM tx
        WHERE timestamp >= $start AND timestamp < $stop
        GROUP BY customer_id, {key}
        """,
        {"start": window.start, "stop": window.end_exclusive},
    )
    con.execute(
        """
        CREATE TEMP TABLE firsts AS
        SELECT customer_id, MIN(timestamp) AS first_ts FROM tx
        WHERE timestamp < $stop GROUP BY customer_id
        """,
        {"stop": window.end_exclusive},
    )
    return con


def group_stats(con: duckdb.DuckDBPyConnection, group_sql: str, start_sql: str) -> pd.DataFrame:
    """Per-group customer KPIs; ``group_sql`` labels each order, ``start_sql`` its group start."""
    return con.execute(
        f"""
        WITH labelled AS (
            SELECT {group_sql} AS grp, {start_sql} AS grp_start, o.customer_id, o.amount
            FROM orders o
        ),
        cust AS (
            SELECT grp, customer_id, MIN(grp_start) AS grp_start, COUNT(*) AS n_orders,
                   SUM(amount) AS revenue
            FROM labelled GROUP BY grp, customer_id
        ),
        ranked AS (
            SELECT c.*, f.first_ts,
                   ROW_NUMBER() OVER (PARTITION BY grp ORDER BY revenue DESC)
                       AS rank_in_group,
                   COUNT(*) OVER (PARTITION BY grp) AS n_group
            FROM cust c JOIN firsts f USING (customer_id)
        )
        SELECT grp,
               COUNT(*) AS active_customers,
               SUM(CASE WHEN first_ts >= grp_start THEN 1 ELSE 0 END) AS new_customers,
               SUM(n_orders) AS orders,
               SUM(revenue) AS revenue,
               SUM(CASE WHEN n_orders >= 2 THEN 1 ELSE 0 END) AS repeat_customers,
               SUM(CASE WHEN rank_in_group <= CEIL(0.1 * n_group) THEN revenue ELSE 0 END)
                   AS top10_revenue,
               SUM(CASE WHEN rank_in_group <= CEIL(0.2 * n_group) THEN revenue ELSE 0 END)
                   AS top20_revenue
        FROM ranked GROUP BY grp
        """
    ).df()


def retention_pairs(con: duckdb.DuckDBPyConnection, window: Window, group_sql: str) -> pd.DataFrame:
    """Count customers active in t-1 (``base``) and of them in t (``retained``), per group and t.

    Only pairs whose both periods are complete enter (complete periods are consecutive, so a
    range check on the period start suffices).
    """
    complete = complete_periods(window)
    if len(complete) < 2:
        return pd.DataFrame(
            {"grp": [], "period_start": pd.DatetimeIndex([]), "base": [], "retained": []}
        )
    interval = PERIODS[window.period]["interval"]
    return con.execute(
        f"""
        WITH act AS (
            SELECT DISTINCT {group_sql} AS grp, o.customer_id, o.period_start
            FROM orders o
        )
        SELECT a.grp, a.period_start + INTERVAL {interval} AS period_start,
               COUNT(*) AS base, COUNT(b.customer_id) AS retained
        FROM act a
        LEFT JOIN act b ON b.customer_id = a.customer_id AND b.grp = a.grp
             AND b.period_start = a.period_start + INTERVAL {interval}
        WHERE a.period_start >= $first AND a.period_start + INTERVAL {interval} <= $last
        GROUP BY 1, 2
        """,
        {"first": complete[0], "last": complete[-1]},
    ).df()


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

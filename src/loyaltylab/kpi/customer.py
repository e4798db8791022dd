"""Customer and loyalty-program KPIs, each defined once.

Every KPI of Loyalty Lab is defined in :data:`KPI_DEFINITIONS` (name, formula, unit) and computed
here from the canonical frames of ``DESIGN.md``: transactions (``customer_id``, ``timestamp``,
``amount`` [, ``order_id``]), members (``customer_id``, ``enrolled_at``, ``tier``, ``channel``) and
the points ledger (``customer_id``, ``timestamp``, ``kind``, signed ``points``).

Definitions shared by all KPIs
------------------------------
* **Window.** KPIs describe the window ``[observation_start, observation_end]`` (whole days,
  both ends inclusive). Transactions outside it are outside the question, not errors; the result
  records how many there were. ``observation_start`` defaults to the start of the calendar period
  holding the first purchase, ``observation_end`` to the day of the last purchase.
* **Order.** One ``order_id`` of a customer; rows without an ``order_id`` (or a frame without the
  column) are grouped into one order per customer and calendar day. An order's time is its first
  row's time and its value the sum of its rows' ``amount``.
* **Active customer.** A customer with at least one order in the window (or period).
* **Periods.** Calendar weeks (Monday to Sunday), months or quarters (``"W"``, ``"M"``, ``"Q"``).
  A period is *complete* when it lies inside the window; rates that compare consecutive periods
  (retention, churn) use complete periods only, so a half-observed last month does not look like
  churn.

All aggregation runs as embedded DuckDB queries over the pandas frames (no copy to a database
file), so the same code serves a 1,000-row sample and 10 M transactions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import as_day, customer_ids, examples

__all__ = [
    "KPI_DEFINITIONS",
    "PANDAS_PERIOD_FREQ",
    "PERIODS",
    "SELF_SELECTION_NOTE",
    "CohortRetention",
    "CustomerKPIs",
    "ProgramKPIs",
    "cohort_retention",
    "customer_kpis",
    "customer_orders",
    "kpi_definitions",
    "kpis_by_period",
    "kpis_by_segment",
    "member_comparison",
    "order_table",
    "period_series_metrics",
    "plot_cohort_retention",
    "plot_kpi_trend",
    "plot_revenue_concentration",
    "program_kpis",
    "read_period_series",
]

#: Period codes accepted by the per-period functions, with the DuckDB unit and pandas frequency.
PERIODS: dict[str, dict[str, str]] = {
    "W": {"duckdb": "week", "interval": "7 DAY", "pandas": "W-MON", "label": "week"},
    "M": {"duckdb": "month", "interval": "1 MONTH", "pandas": "MS", "label": "month"},
    "Q": {"duckdb": "quarter", "interval": "3 MONTH", "pandas": "QS", "label": "quarter"},
}

#: The KPI table: one row per KPI with its formula and unit (the README table is made from it).
KPI_DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    ("active_customers", "customers with >= 1 order in the window (or period)", "customers"),
    (
        "new_customers",
        "active customers whose first purchase ever falls in the window (or period)",
        "customers",
    ),
    (
        "retention_rate",
        "customers active in period t-1 who buy in period t / customers active in period t-1; "
        "for a window: summed over its consecutive complete periods",
        "share 0-1",
    ),
    ("churn_rate", "1 - retention_rate", "share 0-1"),
    (
        "repeat_purchase_rate",
        "active customers with >= 2 orders / active customers",
        "share 0-1",
    ),
    ("purchase_frequency", "orders / active customers", "orders per customer"),
    ("aov", "revenue / orders (average order value)", "currency per order"),
    ("revenue", "sum of amount", "currency"),
    ("orders", "number of orders (order_id, else customer-day)", "orders"),
    ("revenue_per_customer", "revenue / active customers", "currency per customer"),
    (
        "revenue_top10_share",
        "revenue of the top ceil(10 % x active customers) customers by revenue / revenue",
        "share 0-1",
    ),
    (
        "revenue_top20_share",
        "revenue of the top ceil(20 % x active customers) customers by revenue / revenue",
        "share 0-1",
    ),
    (
        "clv_mean",
        "mean of the per-customer CLV given (from loyaltylab.clv)",
        "currency per customer",
    ),
    ("clv_total", "sum of the per-customer CLV given (from loyaltylab.clv)", "currency"),
    ("members", "members enrolled on or before the window end", "customers"),
    ("enrolment_rate", "members / customers (transacting customers and members)", "share 0-1"),
    (
        "participation_rate",
        "members with an order in the last `active_days` days of the window / members",
        "share 0-1",
    ),
    ("points_issued", "sum of earn points", "points"),
    ("points_redeemed", "- sum of redeem points", "points"),
    ("points_expired", "- sum of expire points", "points"),
    ("points_adjusted", "sum of adjust points (either sign)", "points"),
    ("points_outstanding", "sum of all signed points (the members' balance)", "points"),
    ("redemption_rate", "points_redeemed / points_issued", "share 0-1"),
    ("breakage_rate", "points_expired / points_issued (breakage realised so far)", "share 0-1"),
    ("reward_cost", "points_redeemed x point_value", "currency"),
    ("reward_cost_share", "reward_cost / revenue of the window", "share 0-1"),
)

_UNITS = {name: unit for name, _, unit in KPI_DEFINITIONS}
_FORMULAS = {name: formula for name, formula, _ in KPI_DEFINITIONS}

_CUSTOMER_KPIS = (
    "active_customers",
    "new_customers",
    "retention_rate",
    "churn_rate",
    "repeat_purchase_rate",
    "purchase_frequency",
    "aov",
    "revenue",
    "orders",
    "revenue_per_customer",
    "revenue_top10_share",
    "revenue_top20_share",
)

SELF_SELECTION_NOTE = (
    "Descriptive comparison only: customers choose to enrol, and those who enrol already buy "
    "more (self-selection), so the gap between members and non-members is not an effect of the "
    "program. Use an experiment (loyaltylab.experiments) to measure the effect."
)


def kpi_definitions() -> pd.DataFrame:
    """Return the KPI table (name, formula, unit) as a DataFrame.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi``, ``formula``, ``unit``, one row per KPI of :data:`KPI_DEFINITIONS`.

    Examples
    --------
    >>> kpi_definitions().set_index("kpi").loc["aov", "unit"]
    'currency per order'
    """
    return pd.DataFrame(list(KPI_DEFINITIONS), columns=["kpi", "formula", "unit"])


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------


def _examples(frame: pd.DataFrame, mask: Any, columns: list[str]) -> str:
    return "\n" + examples(frame, mask, columns)


def _require_frame(frame: Any, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            f"{name} must be a pandas DataFrame with columns {list(columns)}, "
            f"got {type(frame).__name__}"
        )
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{name} is missing column(s) {missing}; it has {list(frame.columns)[:10]}"
        )
    if frame.empty:
        raise DataValidationError(f"{name} has no rows")
    for column in columns:
        nulls = frame[column].isna()
        if nulls.any():
            raise DataValidationError(
                f"{name} column {column!r} has {int(nulls.sum())} missing value(s), e.g. rows "
                f"{_examples(frame, nulls, list(columns))}"
            )
    return frame


def _check_datetime(frame: pd.DataFrame, name: str, column: str) -> None:
    dtype = frame[column].dtype
    if not pd.api.types.is_datetime64_dtype(dtype):
        raise DataValidationError(
            f"{name} column {column!r} must be a timezone-naive datetime64 (load the data with "
            f"loyaltylab.data), got dtype {dtype}; first values {frame[column].head(3).tolist()}"
        )


def _check_numeric(frame: pd.DataFrame, name: str, column: str) -> None:
    if not pd.api.types.is_numeric_dtype(frame[column].dtype) or pd.api.types.is_bool_dtype(
        frame[column].dtype
    ):
        raise DataValidationError(
            f"{name} column {column!r} must be numeric, got dtype {frame[column].dtype}; "
            f"first values {frame[column].head(3).tolist()}"
        )
    bad = ~np.isfinite(frame[column].to_numpy(dtype=float))
    if bad.any():
        raise DataValidationError(
            f"{name} column {column!r} has {int(bad.sum())} non-finite value(s), e.g. rows "
            f"{_examples(frame, bad, ['customer_id', column])}"
        )


def _validate_transactions(transactions: Any) -> pd.DataFrame:
    frame = _require_frame(transactions, "transactions", ("customer_id", "timestamp", "amount"))
    _check_datetime(frame, "transactions", "timestamp")
    _check_numeric(frame, "transactions", "amount")
    columns = ["customer_id", "timestamp", "amount"]
    if "order_id" in frame.columns:
        columns.append("order_id")
    out = frame[columns].copy()
    out["customer_id"] = customer_ids(out["customer_id"])
    out["amount"] = out["amount"].astype(float)
    if "order_id" in out.columns:
        out["order_id"] = out["order_id"].astype("string").astype(object)
    return out


def _as_period(period: str) -> str:
    if not isinstance(period, str) or period.upper() not in PERIODS:
        raise ParameterError(f"parameter 'period' must be one of {list(PERIODS)}, got {period!r}")
    return period.upper()


def _as_day(value: Any, name: str) -> pd.Timestamp | None:
    return as_day(value, name, optional=True)


@dataclass(frozen=True)
class _Window:
    start: pd.Timestamp  # first day in the window
    end: pd.Timestamp  # last day in the window (inclusive)
    period: str

    @property
    def end_exclusive(self) -> pd.Timestamp:
        return self.end + pd.Timedelta(days=1)


def _window(
    frame: pd.DataFrame, observation_start: Any, observation_end: Any, period: str
) -> _Window:
    start = _as_day(observation_start, "observation_start")
    end = _as_day(observation_end, "observation_end")
    if end is None:
        end = frame["timestamp"].max().normalize()
    if start is None:
        first = frame.loc[frame["timestamp"] < end + pd.Timedelta(days=1), "timestamp"].min()
        if pd.isna(first):
            raise DataValidationError(
                f"transactions have no purchase on or before observation_end {end.date()}; "
                f"the first purchase is on {frame['timestamp'].min().date()}"
            )
        start = _period_floor(first, period)
    if start > end:
        raise ParameterError(
            f"observation_start {start.date()} is after observation_end {end.date()}"
        )
    return _Window(start=start, end=end, period=period)


def _period_floor(stamp: pd.Timestamp, period: str) -> pd.Timestamp:
    day = stamp.normalize()
    if period == "W":
        return day - pd.Timedelta(days=day.day_of_week)
    if period == "M":
        return day.replace(day=1)
    return day.replace(day=1, month=3 * ((day.month - 1) // 3) + 1)


def _period_starts(window: _Window) -> pd.DatetimeIndex:
    first = _period_floor(window.start, window.period)
    freq = {"W": "W-MON", "M": "MS", "Q": "QS-JAN"}[window.period]
    return pd.date_range(first, window.end, freq=freq)


def _next_period(starts: pd.DatetimeIndex, period: str) -> pd.DatetimeIndex:
    offset = {"W": pd.DateOffset(weeks=1), "M": pd.DateOffset(months=1)}.get(
        period, pd.DateOffset(months=3)
    )
    return pd.DatetimeIndex([start + offset for start in starts])


# ---------------------------------------------------------------------------------------------
# DuckDB core
# ---------------------------------------------------------------------------------------------


def _connect(transactions: pd.DataFrame, window: _Window) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB holding ``orders`` (window) and ``firsts`` (first purchase)."""
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


def _complete_periods(window: _Window) -> pd.DatetimeIndex:
    starts = _period_starts(window)
    ends = _next_period(starts, window.period)
    keep = (starts >= window.start) & (ends <= window.end_exclusive)
    return starts[keep]


def _group_stats(con: duckdb.DuckDBPyConnection, group_sql: str, start_sql: str) -> pd.DataFrame:
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


def _retention_pairs(
    con: duckdb.DuckDBPyConnection, window: _Window, group_sql: str
) -> pd.DataFrame:
    """Count customers active in t-1 (``base``) and of them in t (``retained``), per group and t.

    Only pairs whose both periods are complete enter (complete periods are consecutive, so a
    range check on the period start suffices).
    """
    complete = _complete_periods(window)
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


def _ratio(numerator: Any, denominator: Any) -> Any:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )
    return result if result.ndim else float(result)


def _finish(stats: pd.DataFrame) -> pd.DataFrame:
    """Turn counts and sums into the KPI columns of :data:`KPI_DEFINITIONS`."""
    out = pd.DataFrame(index=stats.index)
    out["active_customers"] = stats["active_customers"].astype("int64")
    out["new_customers"] = stats["new_customers"].astype("int64")
    out["retention_rate"] = _ratio(stats["retained"], stats["base"])
    out["churn_rate"] = 1.0 - out["retention_rate"]
    out["repeat_purchase_rate"] = _ratio(stats["repeat_customers"], stats["active_customers"])
    out["purchase_frequency"] = _ratio(stats["orders"], stats["active_customers"])
    out["aov"] = _ratio(stats["revenue"], stats["orders"])
    out["revenue"] = stats["revenue"].astype(float)
    out["orders"] = stats["orders"].astype("int64")
    out["revenue_per_customer"] = _ratio(stats["revenue"], stats["active_customers"])
    out["revenue_top10_share"] = _ratio(stats["top10_revenue"], stats["revenue"])
    out["revenue_top20_share"] = _ratio(stats["top20_revenue"], stats["revenue"])
    out["retention_base_customers"] = stats["base"].astype("int64")
    out["retained_customers"] = stats["retained"].astype("int64")
    return out


_EMPTY_STATS = {
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


def _attach_labels(con: duckdb.DuckDBPyConnection, labels: pd.DataFrame, name: str) -> None:
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


def _clv_series(clv: Any) -> pd.Series:
    if isinstance(clv, pd.DataFrame):
        if "customer_id" not in clv.columns or "clv" not in clv.columns:
            raise DataValidationError(
                f"clv frame needs columns 'customer_id' and 'clv', got {list(clv.columns)}"
            )
        series = clv.set_index("customer_id")["clv"]
    elif isinstance(clv, pd.Series):
        series = clv
    else:
        raise DataValidationError(
            f"clv must be a Series indexed by customer_id or a frame with customer_id and clv, "
            f"got {type(clv).__name__}"
        )
    series = pd.Series(
        pd.to_numeric(series, errors="coerce").to_numpy(dtype=float),
        index=customer_ids(series.index),
        name="clv",
    )
    bad = ~np.isfinite(series.to_numpy())
    if bad.any():
        raise DataValidationError(
            f"clv has {int(bad.sum())} missing or non-numeric value(s), e.g. customers "
            f"{list(series.index[bad][:5])}"
        )
    if series.index.duplicated().any():
        dupes = series.index[series.index.duplicated()].unique()
        raise DataValidationError(
            f"clv has {len(dupes)} duplicated customer_id(s), e.g. {list(dupes[:5])}"
        )
    return series


# ---------------------------------------------------------------------------------------------
# whole window
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerKPIs:
    """Customer KPIs of one window (formulas in :data:`KPI_DEFINITIONS`).

    Attributes
    ----------
    observation_start, observation_end : pandas.Timestamp
        First and last day of the window (inclusive).
    retention_period : str
        Period (``"W"``, ``"M"``, ``"Q"``) of the retention and churn rates.
    active_customers : int
        Customers with >= 1 order in the window.
    new_customers : int
        Active customers whose first purchase ever is in the window.
    retention_rate : float
        Sum over consecutive complete periods (t-1, t) of customers active in both / sum of
        customers active in t-1 (NaN with fewer than two complete periods).
    churn_rate : float
        ``1 - retention_rate``.
    repeat_purchase_rate : float
        Active customers with >= 2 orders / active customers.
    purchase_frequency : float
        Orders / active customers.
    aov : float
        Revenue / orders.
    revenue : float
        Sum of ``amount``.
    orders : int
        Orders (``order_id``, else one per customer and day).
    revenue_per_customer : float
        Revenue / active customers.
    revenue_top10_share, revenue_top20_share : float
        Revenue of the top ``ceil(10 %)`` (``ceil(20 %)``) of active customers ranked by revenue,
        divided by revenue.
    clv_mean, clv_total : float or None
        Mean and sum of the per-customer CLV passed in (``None`` without one).
    transactions_outside_window : int
        Transaction rows before the start or after the end of the window (not used).
    """

    observation_start: pd.Timestamp
    observation_end: pd.Timestamp
    retention_period: str
    active_customers: int
    new_customers: int
    retention_rate: float
    churn_rate: float
    repeat_purchase_rate: float
    purchase_frequency: float
    aov: float
    revenue: float
    orders: int
    revenue_per_customer: float
    revenue_top10_share: float
    revenue_top20_share: float
    clv_mean: float | None = None
    clv_total: float | None = None
    transactions_outside_window: int = 0

    def to_metrics(self) -> dict[str, Any]:
        """Return the KPI values as ``{kpi: value}`` (for ``write_metrics``)."""
        values = {name: getattr(self, name) for name in _CUSTOMER_KPIS}
        if self.clv_mean is not None:
            values["clv_mean"] = self.clv_mean
            values["clv_total"] = self.clv_total
        return values

    def summary(self) -> pd.DataFrame:
        """Return one row per KPI: ``kpi``, ``value``, ``unit``, ``formula``."""
        return pd.DataFrame(
            [
                {"kpi": name, "value": value, "unit": _UNITS[name], "formula": _FORMULAS[name]}
                for name, value in self.to_metrics().items()
            ]
        )


def _one(value: Any) -> float:
    number = float(value)
    return number if math.isfinite(number) else float("nan")


def customer_kpis(
    transactions: pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
    retention_period: str = "M",
    clv: pd.Series | pd.DataFrame | None = None,
) -> CustomerKPIs:
    """Compute the customer KPIs of one window.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (``customer_id``, ``timestamp``, ``amount`` [, ``order_id``]).
    observation_start, observation_end : date-like, optional
        First and last day of the window (inclusive). Defaults: start of the retention period
        holding the first purchase; day of the last purchase.
    retention_period : {"W", "M", "Q"}, default "M"
        Period over which retention and churn are measured.
    clv : pandas.Series or pandas.DataFrame, optional
        Per-customer CLV from :mod:`loyaltylab.clv` (Series indexed by ``customer_id``, or a frame
        with ``customer_id`` and ``clv``); gives ``clv_mean`` and ``clv_total``.

    Returns
    -------
    CustomerKPIs

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "timestamp": pd.to_datetime(["2024-01-02", "2024-02-03", "2024-01-05"]),
    ...                    "amount": [10.0, 20.0, 30.0]})
    >>> kpis = customer_kpis(tx, observation_end="2024-02-29")
    >>> kpis.aov, kpis.retention_rate
    (20.0, 0.5)
    """
    frame = _validate_transactions(transactions)
    period = _as_period(retention_period)
    window = _window(frame, observation_start, observation_end, period)
    con = _connect(frame, window)
    try:
        stats = _group_stats(con, "'all'", f"TIMESTAMP '{window.start}'")
        pairs = _retention_pairs(con, window, "'all'")
        outside = con.execute(
            "SELECT COUNT(*) FROM tx WHERE timestamp < $start OR timestamp >= $stop",
            {"start": window.start, "stop": window.end_exclusive},
        ).fetchone()[0]
    finally:
        con.close()
    row = {**_EMPTY_STATS, **(stats.iloc[0].to_dict() if len(stats) else {})}
    row["base"] = int(pairs["base"].sum())
    row["retained"] = int(pairs["retained"].sum())
    values = _finish(pd.DataFrame([row])).iloc[0]
    clv_mean = clv_total = None
    if clv is not None:
        series = _clv_series(clv)
        clv_mean, clv_total = float(series.mean()), float(series.sum())
    return CustomerKPIs(
        observation_start=window.start,
        observation_end=window.end,
        retention_period=period,
        active_customers=int(values["active_customers"]),
        new_customers=int(values["new_customers"]),
        retention_rate=_one(values["retention_rate"]),
        churn_rate=_one(values["churn_rate"]),
        repeat_purchase_rate=_one(values["repeat_purchase_rate"]),
        purchase_frequency=_one(values["purchase_frequency"]),
        aov=_one(values["aov"]),
        revenue=_one(values["revenue"]),
        orders=int(values["orders"]),
        revenue_per_customer=_one(values["revenue_per_customer"]),
        revenue_top10_share=_one(values["revenue_top10_share"]),
        revenue_top20_share=_one(values["revenue_top20_share"]),
        clv_mean=clv_mean,
        clv_total=clv_total,
        transactions_outside_window=int(outside),
    )


def customer_orders(
    transactions: pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Return one row per active customer of the window with their orders and revenue.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    observation_start, observation_end : date-like, optional
        The window, as in :func:`customer_kpis`.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``orders``, ``revenue``, ``first_order`` and ``last_order``
        (times of the first and last order in the window), ``first_purchase`` (first purchase
        ever, up to the window end), sorted by ``customer_id``.
    """
    frame = _validate_transactions(transactions)
    window = _window(frame, observation_start, observation_end, "M")
    con = _connect(frame, window)
    try:
        table = con.execute(
            """
            SELECT o.customer_id, COUNT(*) AS orders, SUM(o.amount) AS revenue,
                   MIN(o.ts) AS first_order, MAX(o.ts) AS last_order,
                   MIN(f.first_ts) AS first_purchase
            FROM orders o JOIN firsts f USING (customer_id)
            GROUP BY o.customer_id ORDER BY o.customer_id
            """
        ).df()
    finally:
        con.close()
    table["customer_id"] = table["customer_id"].astype(str)
    table["orders"] = table["orders"].astype("int64")
    table["revenue"] = table["revenue"].astype(float)
    table.attrs["observation_start"] = window.start
    table.attrs["observation_end"] = window.end
    return table


def order_table(
    transactions: pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Return the orders of the window: one row per order (see the module's definition).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    observation_start, observation_end : date-like, optional
        The window, as in :func:`customer_kpis`.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``timestamp`` (time of the order's first row), ``amount``
        (order value) and ``lines`` (rows in the order), sorted by customer and time.
    """
    frame = _validate_transactions(transactions)
    window = _window(frame, observation_start, observation_end, "M")
    con = _connect(frame, window)
    try:
        table = con.execute(
            "SELECT customer_id, ts AS timestamp, amount, lines FROM orders "
            "ORDER BY customer_id, ts"
        ).df()
    finally:
        con.close()
    table["customer_id"] = table["customer_id"].astype(str)
    table["lines"] = table["lines"].astype("int64")
    table.attrs["observation_start"] = window.start
    table.attrs["observation_end"] = window.end
    return table


# ---------------------------------------------------------------------------------------------
# per period and per segment
# ---------------------------------------------------------------------------------------------


def kpis_by_period(
    transactions: pd.DataFrame,
    period: str = "M",
    *,
    observation_start: Any = None,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Compute the customer KPIs of every calendar period of the window.

    In a period, ``new_customers`` are those whose first purchase ever is in that period and
    ``retention_rate`` is the share of the previous period's active customers who buy in it
    (NaN for the first period and for periods not completely inside the window).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    period : {"W", "M", "Q"}, default "M"
        Calendar weeks (starting Monday), months or quarters.
    observation_start, observation_end : date-like, optional
        The window, as in :func:`customer_kpis`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period_start`` (every period of the window, including periods without
        purchases), with the KPI columns of :data:`KPI_DEFINITIONS`, ``retention_base_customers``,
        ``retained_customers`` and ``complete`` (whether the period lies inside the window).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "timestamp": pd.to_datetime(["2024-01-02", "2024-02-03", "2024-01-05"]),
    ...                    "amount": [10.0, 20.0, 30.0]})
    >>> kpis_by_period(tx, "M", observation_end="2024-02-29")["retention_rate"].tolist()
    [nan, 0.5]
    """
    frame = _validate_transactions(transactions)
    period = _as_period(period)
    window = _window(frame, observation_start, observation_end, period)
    con = _connect(frame, window)
    try:
        stats = _group_stats(con, "o.period_start", "o.period_start")
        pairs = _retention_pairs(con, window, "'all'")
    finally:
        con.close()
    starts = _period_starts(window)
    stats = stats.set_index(pd.DatetimeIndex(stats["grp"]).astype("datetime64[us]"))
    stats.index = stats.index.astype("datetime64[ns]")
    stats = stats.drop(columns="grp").reindex(starts.astype("datetime64[ns]"))
    pairs_index = pd.DatetimeIndex(pairs["period_start"]).astype("datetime64[ns]")
    stats["base"] = pd.Series(pairs["base"].to_numpy(), index=pairs_index).reindex(stats.index)
    stats["retained"] = pd.Series(pairs["retained"].to_numpy(), index=pairs_index).reindex(
        stats.index
    )
    for column, empty in _EMPTY_STATS.items():
        if column not in ("base", "retained"):
            stats[column] = stats[column].fillna(empty)
    has_pair = stats["base"].notna()
    stats[["base", "retained"]] = stats[["base", "retained"]].fillna(0)
    out = _finish(stats)
    out.loc[~has_pair.to_numpy(), ["retention_rate", "churn_rate"]] = np.nan
    complete = set(_complete_periods(window).astype("datetime64[ns]"))
    out["complete"] = [start in complete for start in out.index]
    out.index.name = "period_start"
    out.attrs["period"] = period
    return out


#: pandas Period frequencies of the period codes (weeks Monday-Sunday, calendar quarters).
PANDAS_PERIOD_FREQ: dict[str, str] = {"W": "W-SUN", "M": "M", "Q": "Q-DEC"}


def period_series_metrics(
    by_period: pd.DataFrame, kpis: list[str] | tuple[str, ...] | None = None
) -> dict[str, dict[str, Any]]:
    """Turn :func:`kpis_by_period` output into the ``kpi_by_period`` section of a metrics file.

    Only complete periods with a value enter (a series never holds NaN).

    Parameters
    ----------
    by_period : pandas.DataFrame
        Output of :func:`kpis_by_period`.
    kpis : sequence of str, optional
        KPI columns to include (default: every customer KPI).

    Returns
    -------
    dict
        ``{kpi: {"freq": "M", "periods": ["1997-01-01", ...], "values": [...]}}``; ``periods``
        are period start dates, ``freq`` the pandas Period frequency (``"W-SUN"``, ``"M"``,
        ``"Q-DEC"``), so ``pd.PeriodIndex(periods, freq=freq)`` rebuilds the periods
        (:func:`read_period_series` does).
    """
    period = by_period.attrs.get("period")
    if period not in PANDAS_PERIOD_FREQ:
        raise ParameterError(
            "parameter 'by_period' must be the output of kpis_by_period (its attrs['period'] "
            f"is {period!r})"
        )
    names = list(kpis) if kpis is not None else list(_CUSTOMER_KPIS)
    unknown = [name for name in names if name not in by_period.columns]
    if unknown:
        raise ParameterError(f"parameter 'kpis' names unknown KPI column(s) {unknown}")
    complete = by_period.loc[by_period["complete"]]
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        series = complete[name].dropna()
        out[name] = {
            "freq": PANDAS_PERIOD_FREQ[period],
            "periods": [stamp.date().isoformat() for stamp in series.index],
            "values": [float(value) for value in series.to_numpy()],
        }
    return out


def read_period_series(section: Mapping[str, Any]) -> dict[str, pd.Series]:
    """Read a ``kpi_by_period`` metrics section back into Series indexed by ``PeriodIndex``.

    Parameters
    ----------
    section : mapping
        ``metrics["kpi_by_period"]`` as written from :func:`period_series_metrics`.

    Returns
    -------
    dict of str to pandas.Series
        One Series per KPI, named after it.

    Examples
    --------
    >>> read_period_series({"aov": {"freq": "M", "periods": ["2024-01-01"], "values": [5.0]}})
    {'aov': period
    2024-01    5.0
    Freq: M, Name: aov, dtype: float64}
    """
    out: dict[str, pd.Series] = {}
    for name, entry in section.items():
        if not isinstance(entry, Mapping) or not {"freq", "periods", "values"} <= set(entry):
            raise ParameterError(
                f"kpi_by_period entry {name!r} needs 'freq', 'periods' and 'values', got {entry!r}"
            )
        index = pd.PeriodIndex(entry["periods"], freq=entry["freq"], name="period")
        out[name] = pd.Series(entry["values"], index=index, name=name, dtype=float)
    return out


def _validate_labels(labels: Any, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    if isinstance(labels, pd.DataFrame):
        if "customer_id" not in labels.columns or "segment" not in labels.columns:
            raise DataValidationError(
                f"{name} frame needs columns 'customer_id' and 'segment', "
                f"got {list(labels.columns)}"
            )
        series = labels.set_index("customer_id")["segment"]
    elif isinstance(labels, pd.Series):
        series = labels
    else:
        raise DataValidationError(
            f"{name} must be a Series of segment labels indexed by customer_id, "
            f"got {type(labels).__name__}"
        )
    table = pd.DataFrame(
        {"customer_id": customer_ids(series.index), "segment": series.astype(str).to_numpy()}
    )
    if series.isna().any():
        raise DataValidationError(
            f"{name} has {int(series.isna().sum())} missing label(s), e.g. customers "
            f"{list(series.index[series.isna()][:5])}"
        )
    if table["customer_id"].duplicated().any():
        dupes = table.loc[table["customer_id"].duplicated(), "customer_id"].unique()
        raise DataValidationError(
            f"{name} has {len(dupes)} duplicated customer_id(s), e.g. {list(dupes[:5])}"
        )
    return table


def kpis_by_segment(
    transactions: pd.DataFrame,
    segments: pd.Series | pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
    retention_period: str = "M",
    clv: pd.Series | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compute the customer KPIs of the window for each segment.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    segments : pandas.Series or pandas.DataFrame
        Segment label per customer: a Series indexed by ``customer_id`` or a frame with
        ``customer_id`` and ``segment`` (e.g. ``RFMSegments.table``). Every customer of the
        transactions needs a label.
    observation_start, observation_end : date-like, optional
        The window, as in :func:`customer_kpis`.
    retention_period : {"W", "M", "Q"}, default "M"
        Period of retention and churn.
    clv : pandas.Series or pandas.DataFrame, optional
        Per-customer CLV; adds ``clv_mean`` and ``clv_total`` per segment.

    Returns
    -------
    pandas.DataFrame
        One row per segment (index ``segment``) with the KPI columns and ``customer_share``
        (active customers of the segment / active customers).
    """
    frame = _validate_transactions(transactions)
    period = _as_period(retention_period)
    table = _validate_labels(segments, frame, "segments")
    window = _window(frame, observation_start, observation_end, period)
    con = _connect(frame, window)
    try:
        _attach_labels(con, table, "segments")
        stats = _group_stats(con, "o.segment", f"TIMESTAMP '{window.start}'")
        pairs = _retention_pairs(con, window, "o.segment")
    finally:
        con.close()
    stats = stats.set_index("grp")
    pooled = pairs.groupby("grp")[["base", "retained"]].sum()
    stats = stats.join(pooled, how="left").fillna({"base": 0, "retained": 0})
    out = _finish(stats)
    out.index.name = "segment"
    out["customer_share"] = out["active_customers"] / out["active_customers"].sum()
    if clv is not None:
        series = _clv_series(clv)
        joined = table.set_index("customer_id")["segment"].to_frame().join(series, how="inner")
        grouped = joined.groupby("segment")["clv"]
        out["clv_mean"] = grouped.mean().reindex(out.index)
        out["clv_total"] = grouped.sum().reindex(out.index)
    return out.sort_values("revenue", ascending=False)


# ---------------------------------------------------------------------------------------------
# cohorts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortRetention:
    """Cohort retention: share of each first-purchase cohort active k periods later.

    Attributes
    ----------
    period : str
        ``"W"``, ``"M"`` or ``"Q"``.
    matrix : pandas.DataFrame
        Rows: cohort (start of the period of the first purchase); columns: periods since
        (0, 1, ...); values: active customers of the cohort in that period / cohort size.
        Cells after the window or in an incomplete period are NaN.
    counts : pandas.DataFrame
        Active customers of the cohort, same shape as ``matrix``.
    cohort_sizes : pandas.Series
        Customers per cohort.
    """

    period: str
    matrix: pd.DataFrame
    counts: pd.DataFrame
    cohort_sizes: pd.Series = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """Return the matrix with a ``customers`` column (cohort size) in front."""
        out = self.matrix.copy()
        out.insert(0, "customers", self.cohort_sizes)
        return out

    def mean_curve(self) -> pd.Series:
        """Return the customer-weighted mean retention by periods since the first purchase."""
        observed = self.matrix.notna()
        weights = observed.mul(self.cohort_sizes, axis=0)
        return self.counts.where(observed).sum() / weights.sum()


def cohort_retention(
    transactions: pd.DataFrame,
    *,
    period: str = "M",
    observation_end: Any = None,
) -> CohortRetention:
    """Build the cohort retention matrix (first-purchase period x periods since).

    A customer's cohort is the period of their first purchase; cell ``(c, k)`` is the share of
    cohort ``c`` with an order in period ``c + k``. Cohort 0 is always 1.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (all history up to ``observation_end``).
    period : {"W", "M", "Q"}, default "M"
        Cohort and offset period.
    observation_end : date-like, optional
        Last day observed (default: day of the last purchase); later rows are not used and
        periods not completely observed are NaN.

    Returns
    -------
    CohortRetention
    """
    frame = _validate_transactions(transactions)
    period = _as_period(period)
    window = _window(frame, None, observation_end, period)
    unit = PERIODS[period]["duckdb"]
    con = _connect(frame, window)
    try:
        cells = con.execute(
            f"""
            WITH act AS (SELECT DISTINCT customer_id, period_start FROM orders),
            cohorts AS (
                SELECT customer_id, MIN(period_start) AS cohort FROM act GROUP BY customer_id
            )
            SELECT c.cohort, date_diff('{unit}', c.cohort, a.period_start) AS since,
                   COUNT(*) AS customers
            FROM act a JOIN cohorts c USING (customer_id)
            GROUP BY 1, 2
            """
        ).df()
    finally:
        con.close()
    if period == "W":
        cells["since"] = cells["since"].astype(int)
    counts = cells.pivot(index="cohort", columns="since", values="customers")
    counts.index = pd.DatetimeIndex(counts.index).astype("datetime64[ns]")
    starts = _period_starts(window).astype("datetime64[ns]")
    counts = counts.reindex(index=starts, columns=range(len(starts))).fillna(0).astype("int64")
    counts = counts.loc[counts[0] > 0]
    sizes = counts[0].rename("customers")
    complete = set(_complete_periods(window).astype("datetime64[ns]"))
    position = {start: i for i, start in enumerate(starts)}
    observed = np.zeros(counts.shape, dtype=bool)
    for row, cohort in enumerate(counts.index):
        base = position[cohort]
        for k in range(counts.shape[1]):
            if base + k < len(starts) and starts[base + k] in complete:
                observed[row, k] = True
    observed[:, 0] = True
    matrix = counts.div(sizes, axis=0).where(observed)
    counts.index.name = matrix.index.name = "cohort"
    counts.columns.name = matrix.columns.name = "periods_since"
    return CohortRetention(period=period, matrix=matrix, counts=counts, cohort_sizes=sizes)


# ---------------------------------------------------------------------------------------------
# loyalty program
# ---------------------------------------------------------------------------------------------

_LEDGER_KINDS = ("earn", "redeem", "expire", "adjust")


def _validate_members(members: Any) -> pd.DataFrame:
    frame = _require_frame(members, "members", ("customer_id", "enrolled_at"))
    _check_datetime(frame, "members", "enrolled_at")
    out = frame.copy()
    out["customer_id"] = customer_ids(out["customer_id"])
    dupes = out["customer_id"].duplicated()
    if dupes.any():
        raise DataValidationError(
            f"members has {int(dupes.sum())} duplicated customer_id(s), e.g. rows "
            f"{_examples(out, dupes, ['customer_id', 'enrolled_at'])}"
        )
    return out


def _validate_ledger(ledger: Any) -> pd.DataFrame:
    frame = _require_frame(ledger, "ledger", ("customer_id", "timestamp", "kind", "points"))
    _check_datetime(frame, "ledger", "timestamp")
    _check_numeric(frame, "ledger", "points")
    out = frame.copy()
    out["customer_id"] = customer_ids(out["customer_id"])
    out["kind"] = out["kind"].astype(str)
    unknown = ~out["kind"].isin(_LEDGER_KINDS)
    if unknown.any():
        raise DataValidationError(
            f"ledger column 'kind' has {int(unknown.sum())} value(s) outside {list(_LEDGER_KINDS)}"
            f", e.g. rows {_examples(out, unknown, ['customer_id', 'timestamp', 'kind', 'points'])}"
        )
    wrong_sign = ((out["kind"] == "earn") & (out["points"] <= 0)) | (
        out["kind"].isin(["redeem", "expire"]) & (out["points"] >= 0)
    )
    if wrong_sign.any():
        raise DataValidationError(
            f"ledger column 'points' has {int(wrong_sign.sum())} value(s) with the wrong sign "
            "(earn must be > 0, redeem and expire < 0), e.g. rows "
            f"{_examples(out, wrong_sign, ['customer_id', 'timestamp', 'kind', 'points'])}"
        )
    return out


@dataclass(frozen=True)
class ProgramKPIs:
    """Loyalty-program KPIs at the end of a window (formulas in :data:`KPI_DEFINITIONS`).

    Attributes
    ----------
    observation_end : pandas.Timestamp
        Last day included (members enrolled and ledger rows up to and including it).
    point_value : float
        Cost to the firm of one redeemed point, in currency.
    customers : int
        Transacting customers of the window plus members who did not transact.
    members : int
        Members enrolled on or before ``observation_end``.
    active_members : int
        Members with an order in the last ``active_days`` days of the window.
    enrolment_rate, participation_rate : float
        ``members / customers`` and ``active_members / members``.
    points_issued, points_redeemed, points_expired, points_adjusted, points_outstanding : float
        Ledger totals; redeemed and expired as positive amounts; outstanding = signed sum.
    redemption_rate, breakage_rate : float
        ``points_redeemed / points_issued`` and ``points_expired / points_issued``.
    reward_cost, reward_cost_share : float
        ``points_redeemed * point_value`` and that divided by the window's revenue.
    revenue : float
        Revenue of the window's transactions.
    members_vs_non_members : pandas.DataFrame
        Descriptive KPIs of members and non-members (see :data:`SELF_SELECTION_NOTE`).
    """

    observation_end: pd.Timestamp
    point_value: float
    active_days: int
    customers: int
    members: int
    active_members: int
    enrolment_rate: float
    participation_rate: float
    points_issued: float
    points_redeemed: float
    points_expired: float
    points_adjusted: float
    points_outstanding: float
    redemption_rate: float
    breakage_rate: float
    reward_cost: float
    reward_cost_share: float
    revenue: float
    members_vs_non_members: pd.DataFrame = field(repr=False)
    note: str = SELF_SELECTION_NOTE

    _KPIS = (
        "members",
        "enrolment_rate",
        "participation_rate",
        "points_issued",
        "points_redeemed",
        "points_expired",
        "points_adjusted",
        "points_outstanding",
        "redemption_rate",
        "breakage_rate",
        "reward_cost",
        "reward_cost_share",
    )

    def to_metrics(self) -> dict[str, Any]:
        """Return the program KPI values as ``{kpi: value}`` (for ``write_metrics``)."""
        return {name: getattr(self, name) for name in self._KPIS}

    def summary(self) -> pd.DataFrame:
        """Return one row per program KPI: ``kpi``, ``value``, ``unit``, ``formula``."""
        return pd.DataFrame(
            [
                {"kpi": name, "value": value, "unit": _UNITS[name], "formula": _FORMULAS[name]}
                for name, value in self.to_metrics().items()
            ]
        )


def member_comparison(
    transactions: pd.DataFrame,
    members: pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
    retention_period: str = "M",
) -> pd.DataFrame:
    """Compare the KPIs of members and non-members - descriptively.

    Customers enrolled on or before ``observation_end`` are ``"member"``, others
    ``"non-member"``. The gap is **not** an effect of the program: members self-select (see
    :data:`SELF_SELECTION_NOTE`, also stored in ``DataFrame.attrs["note"]``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    members : pandas.DataFrame
        Members table (``customer_id``, ``enrolled_at``, ...).
    observation_start, observation_end : date-like, optional
        The window, as in :func:`customer_kpis`.
    retention_period : {"W", "M", "Q"}, default "M"
        Period of retention and churn.

    Returns
    -------
    pandas.DataFrame
        :func:`kpis_by_segment` output with index ``member`` / ``non-member``.
    """
    frame = _validate_transactions(transactions)
    table = _validate_members(members)
    end = _window(frame, observation_start, observation_end, _as_period(retention_period)).end
    enrolled = set(table.loc[table["enrolled_at"] < end + pd.Timedelta(days=1), "customer_id"])
    customers = frame["customer_id"].drop_duplicates()
    labels = pd.Series(
        np.where(pd.Index(list(enrolled)).get_indexer(customers) >= 0, "member", "non-member"),
        index=customers.to_numpy(),
    )
    out = kpis_by_segment(
        frame,
        labels,
        observation_start=observation_start,
        observation_end=observation_end,
        retention_period=retention_period,
    )
    out.index.name = "group"
    out.attrs["note"] = SELF_SELECTION_NOTE
    return out


def program_kpis(
    transactions: pd.DataFrame,
    members: pd.DataFrame,
    ledger: pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
    point_value: float = 0.01,
    active_days: int = 90,
) -> ProgramKPIs:
    """Compute the loyalty-program KPIs.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (revenue, activity of members).
    members : pandas.DataFrame
        Members table per the contract (``customer_id``, ``enrolled_at``, ``tier``, ``channel``).
    ledger : pandas.DataFrame
        Points ledger (``customer_id``, ``timestamp``, ``kind`` in earn/redeem/expire/adjust,
        signed ``points``: earn > 0, redeem < 0, expire < 0).
    observation_start, observation_end : date-like, optional
        The window for revenue and customers, as in :func:`customer_kpis`; members and ledger
        count everything up to ``observation_end`` (points accumulate over the program's life).
    point_value : float, default 0.01
        Cost of one redeemed point in currency.
    active_days : int, default 90
        A member is active with an order in the last ``active_days`` days of the window.

    Returns
    -------
    ProgramKPIs
    """
    frame = _validate_transactions(transactions)
    member_table = _validate_members(members)
    ledger_table = _validate_ledger(ledger)
    if (
        not isinstance(point_value, int | float)
        or not math.isfinite(point_value)
        or point_value < 0
    ):
        raise ParameterError(f"parameter 'point_value' must be a number >= 0, got {point_value!r}")
    if isinstance(active_days, bool) or not isinstance(active_days, int) or active_days < 1:
        raise ParameterError(
            f"parameter 'active_days' must be a whole number >= 1, got {active_days!r}"
        )
    window = _window(frame, observation_start, observation_end, "M")
    stop = window.end_exclusive
    in_window = (frame["timestamp"] >= window.start) & (frame["timestamp"] < stop)
    enrolled = member_table.loc[member_table["enrolled_at"] < stop, "customer_id"]
    buyers = frame.loc[in_window, "customer_id"].unique()
    customers = len(set(buyers) | set(enrolled))
    recent = frame.loc[
        (frame["timestamp"] >= stop - pd.Timedelta(days=active_days)) & (frame["timestamp"] < stop),
        "customer_id",
    ].unique()
    active_members = int(enrolled.isin(recent).sum())
    rows = ledger_table.loc[ledger_table["timestamp"] < stop]
    totals = rows.groupby("kind")["points"].sum().reindex(list(_LEDGER_KINDS), fill_value=0.0)
    issued = float(totals["earn"])
    redeemed = float(-totals["redeem"])
    expired = float(-totals["expire"])
    adjusted = float(totals["adjust"])
    revenue = float(frame.loc[in_window, "amount"].sum())
    reward_cost = redeemed * float(point_value)
    comparison = member_comparison(
        frame,
        member_table,
        observation_start=window.start,
        observation_end=window.end,
    )
    return ProgramKPIs(
        observation_end=window.end,
        point_value=float(point_value),
        active_days=active_days,
        customers=customers,
        members=len(enrolled),
        active_members=active_members,
        enrolment_rate=_one(_ratio(len(enrolled), customers)),
        participation_rate=_one(_ratio(active_members, len(enrolled))),
        points_issued=issued,
        points_redeemed=redeemed,
        points_expired=expired,
        points_adjusted=adjusted,
        points_outstanding=float(rows["points"].sum()),
        redemption_rate=_one(_ratio(redeemed, issued)),
        breakage_rate=_one(_ratio(expired, issued)),
        reward_cost=reward_cost,
        reward_cost_share=_one(_ratio(reward_cost, revenue)),
        revenue=revenue,
        members_vs_non_members=comparison,
    )


# ---------------------------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------------------------


def plot_cohort_retention(
    cohorts: CohortRetention, *, max_periods: int | None = 12, ax: Axes | None = None
) -> Axes:
    """Draw the cohort retention matrix as a heat map (percent of the cohort active).

    Parameters
    ----------
    cohorts : CohortRetention
        From :func:`cohort_retention`.
    max_periods : int or None, default 12
        Show periods since 0..max_periods (``None``: all).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 6))
    matrix = cohorts.matrix
    if max_periods is not None:
        matrix = matrix.loc[:, [c for c in matrix.columns if c <= max_periods]]
    values = matrix.to_numpy(dtype=float) * 100
    # period 0 is 100 % by definition; scale colours on the later periods
    later = values[:, 1:] if values.shape[1] > 1 else values
    top = np.nanmax(later) if np.isfinite(later).any() else 100.0
    image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0, vmax=max(top, 1e-9))
    label = PERIODS[cohorts.period]["label"]
    fmt = {"W": "%Y-%m-%d", "M": "%Y-%m", "Q": "%Y-%m"}[cohorts.period]
    ax.set_yticks(range(len(matrix.index)))
    ax.set_yticklabels([stamp.strftime(fmt) for stamp in matrix.index])
    ax.set_xticks(range(len(matrix.columns)))
    ax.set_xticklabels([str(c) for c in matrix.columns])
    if values.size <= 400:
        for (row, col), value in np.ndenumerate(values):
            if np.isfinite(value) and col > 0:
                ax.text(col, row, f"{value:.0f}", ha="center", va="center", fontsize=7, color="w")
    ax.figure.colorbar(image, ax=ax, label="customers of the cohort active (%)")
    ax.set_xlabel(f"{label}s since first purchase")
    ax.set_ylabel(f"cohort ({label} of first purchase)")
    ax.set_title(f"Cohort retention: share of each cohort buying again, by {label}")
    return ax


def plot_kpi_trend(
    by_period: pd.DataFrame, kpi: str, *, ax: Axes | None = None, complete_only: bool = True
) -> Axes:
    """Plot one KPI of :func:`kpis_by_period` over time.

    Parameters
    ----------
    by_period : pandas.DataFrame
        Output of :func:`kpis_by_period`.
    kpi : str
        A KPI column, e.g. ``"retention_rate"``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    complete_only : bool, default True
        Leave out periods not completely inside the window.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if kpi not in by_period.columns or kpi not in _UNITS:
        raise ParameterError(
            f"parameter 'kpi' must be a KPI column of the table, got {kpi!r}; "
            f"choose from {[c for c in by_period.columns if c in _UNITS]}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    data = by_period.loc[by_period["complete"]] if complete_only else by_period
    ax.plot(data.index, data[kpi], marker="o")
    name = {"aov": "average order value"}.get(kpi, kpi.replace("_", " "))
    label = PERIODS.get(str(by_period.attrs.get("period")), {}).get("label", "period")
    ax.set_title(f"{name.capitalize()} by {label}")
    ax.set_xlabel(f"{label} start (date)")
    ax.set_ylabel(f"{name} ({_UNITS[kpi]})")
    ax.tick_params(axis="x", labelrotation=30)
    ax.grid(alpha=0.3)
    return ax


def plot_revenue_concentration(transactions: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Plot the cumulative share of revenue against the share of customers (a Lorenz-type curve).

    Customers are ranked by revenue, largest first; marks show the top 10 % and 20 %.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    frame = _validate_transactions(transactions)
    revenue = frame.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    share = revenue.cumsum() / revenue.sum() * 100
    customers = np.arange(1, len(revenue) + 1) / len(revenue) * 100
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    ax.plot(np.r_[0, customers], np.r_[0, share.to_numpy()], label="customers ranked by revenue")
    ax.plot([0, 100], [0, 100], linestyle="--", color="grey", label="equal revenue per customer")
    for top in (10, 20):
        k = max(1, math.ceil(top / 100 * len(revenue)))
        ax.scatter([k / len(revenue) * 100], [share.iloc[k - 1]], zorder=3)
        ax.annotate(
            f"top {top} %: {share.iloc[k - 1]:.0f} % of revenue",
            (k / len(revenue) * 100, share.iloc[k - 1]),
            textcoords="offset points",
            xytext=(8, -12),
        )
    ax.set_title("Revenue concentration")
    ax.set_xlabel("customers, largest first (% of customers)")
    ax.set_ylabel("cumulative revenue (% of revenue)")
    ax.legend(loc="lower right")
    return ax

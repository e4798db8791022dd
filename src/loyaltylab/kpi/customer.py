"""Customer KPIs of one window, and the per-customer and per-order tables of that window.

:func:`customer_kpis` gives the :class:`CustomerKPIs` of a window (formulas in
:data:`loyaltylab.kpi.KPI_DEFINITIONS`); :func:`customer_orders` and :func:`order_table` give the
active customers and the orders the KPIs count (:mod:`loyaltylab.segments` builds RFM on them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from loyaltylab.kpi.definitions import CUSTOMER_KPIS, kpi_summary
from loyaltylab.kpi.engine import (
    EMPTY_STATS,
    as_period,
    connect,
    finish,
    finite_or_nan,
    group_stats,
    observation_window,
    retention_pairs,
)
from loyaltylab.kpi.engine_kpis import engine_stats, engine_table
from loyaltylab.kpi.validation import clv_series, validate_transactions

__all__ = ["CustomerKPIs", "customer_kpis", "customer_orders", "order_table"]


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
        values = {name: getattr(self, name) for name in CUSTOMER_KPIS}
        if self.clv_mean is not None:
            values["clv_mean"] = self.clv_mean
            values["clv_total"] = self.clv_total
        return values

    def summary(self) -> pd.DataFrame:
        """Return one row per KPI: ``kpi``, ``value``, ``unit``, ``formula``."""
        return kpi_summary(self.to_metrics())


def customer_kpis(
    transactions: pd.DataFrame | Any,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
    retention_period: str = "M",
    clv: pd.Series | pd.DataFrame | None = None,
) -> CustomerKPIs:
    """Compute the customer KPIs of one window.

    Parameters
    ----------
    transactions : pandas.DataFrame or EngineTransactions
        Canonical transactions (``customer_id``, ``timestamp``, ``amount`` [, ``order_id``]), or
        a table on an engine (:func:`loyaltylab.engine.loading.load_engine_transactions`), whose
        KPIs are computed there (:mod:`loyaltylab.kpi.engine_kpis`).
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
    period = as_period(retention_period, "retention_period")
    on_engine = engine_table(transactions)
    if on_engine is not None:  # a table on an engine: the same expressions, run there
        fetched = engine_stats(on_engine, observation_start, observation_end, period)
        window, stats, pairs = fetched.window, fetched.stats, fetched.pairs
        outside = fetched.outside
    else:
        frame = validate_transactions(transactions)
        window = observation_window(frame, observation_start, observation_end, period)
        con = connect(frame, window)
        try:
            stats = group_stats(con, None, window.start)
            pairs = retention_pairs(con, window)
            counted = con.execute(
                "SELECT COUNT(*) FROM tx WHERE timestamp < $start OR timestamp >= $stop",
                {"start": window.start, "stop": window.end_exclusive},
            ).fetchone()
            outside = counted[0] if counted is not None else 0
        finally:
            con.close()
    row: dict[str, Any] = dict(EMPTY_STATS)
    if len(stats):
        row.update({str(column): value for column, value in stats.iloc[0].items()})
    row["base"] = int(pairs["base"].sum())
    row["retained"] = int(pairs["retained"].sum())
    values = finish(pd.DataFrame([row])).iloc[0]
    clv_mean = clv_total = None
    if clv is not None:
        series = clv_series(clv)
        clv_mean, clv_total = float(series.mean()), float(series.sum())
    return CustomerKPIs(
        observation_start=window.start,
        observation_end=window.end,
        retention_period=period,
        active_customers=int(values["active_customers"]),
        new_customers=int(values["new_customers"]),
        retention_rate=finite_or_nan(values["retention_rate"]),
        churn_rate=finite_or_nan(values["churn_rate"]),
        repeat_purchase_rate=finite_or_nan(values["repeat_purchase_rate"]),
        purchase_frequency=finite_or_nan(values["purchase_frequency"]),
        aov=finite_or_nan(values["aov"]),
        revenue=finite_or_nan(values["revenue"]),
        orders=int(values["orders"]),
        revenue_per_customer=finite_or_nan(values["revenue_per_customer"]),
        revenue_top10_share=finite_or_nan(values["revenue_top10_share"]),
        revenue_top20_share=finite_or_nan(values["revenue_top20_share"]),
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
    frame = validate_transactions(transactions)
    window = observation_window(frame, observation_start, observation_end, "M")
    con = connect(frame, window)
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
    frame = validate_transactions(transactions)
    window = observation_window(frame, observation_start, observation_end, "M")
    con = connect(frame, window)
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

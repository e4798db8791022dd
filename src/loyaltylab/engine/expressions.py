"""The heavy steps of the analysis as Ibis expressions, written once for every engine.

Each function takes an Ibis table of canonical transactions (``customer_id`` string,
``timestamp`` timestamp, ``amount`` float64, optionally ``order_id``) and returns an Ibis
expression; the same expression compiles to DuckDB (the default, embedded), PostgreSQL and Spark
SQL (:mod:`loyaltylab.engine.backends` runs it). The definitions are those of
:mod:`loyaltylab.customers` (summary, calibration/holdout) and :mod:`loyaltylab.kpi` (orders,
active customers, retention):

* an **order** is the rows of one ``order_id`` of a customer, dated at its first row; rows
  without an order id are merged per customer and calendar day (:func:`orders`);
* a **purchase day** merges a customer's orders of one calendar day (:func:`daily`);
* the **summary** counts purchase days: ``frequency`` = days - 1, first and last day, the total
  and the first day's amount (:func:`customer_summary`); the divisions by the time unit happen
  after the fetch, in float64 on the client, so that every engine gives the same numbers.

Days leave the engine as day numbers (days since 1970-01-01, ``epoch_days``), so no engine's date
type or time zone enters the numbers.

Examples
--------
>>> import ibis, pandas as pd
>>> tx = ibis.memtable(pd.DataFrame({
...     "customer_id": ["a", "a", "a"], "amount": [10.0, 5.0, 30.0],
...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15"])}))
>>> expr = customer_summary(daily(tx, end_day=19751))
>>> ibis.duckdb.connect().execute(expr)[["customer_id", "days", "total", "first_amount"]]
  customer_id  days  total  first_amount
0           a     2   45.0          15.0
"""

from __future__ import annotations

import datetime
from typing import Any

import ibis
import ibis.expr.types as ir

__all__ = [
    "cohort_cells",
    "customer_summary",
    "daily",
    "firsts",
    "group_stats",
    "holdout",
    "orders",
    "period_activity",
    "retention_pairs",
]


_EPOCH = datetime.date(1970, 1, 1)


def orders(
    tx: ir.Table,
    *,
    start: Any = None,
    stop: Any = None,
    period: str | None = None,
) -> ir.Table:
    """One row per order: ``customer_id``, ``ts`` (first row), ``amount`` (sum), ``lines``.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions.
    start, stop : datetime-like, optional
        Only rows with ``start <= timestamp < stop`` enter (the KPI window), before grouping.
    period : {"W", "M", "Q"}, optional
        Adds ``period_start``, the start of the period holding the order (``date_trunc``).

    Returns
    -------
    ibis.Table
    """
    rows = tx
    if start is not None:
        rows = rows.filter(rows.timestamp >= ibis.literal(start, type="timestamp"))
    if stop is not None:
        rows = rows.filter(rows.timestamp < ibis.literal(stop, type="timestamp"))
    if "order_id" in rows.columns:
        # an order id groups the customer's rows; without one, a customer-day is the order
        rows = rows.mutate(
            _order=rows.order_id.cast("string"),
            _odate=ibis.cases((rows.order_id.isnull(), rows.timestamp.date()), else_=None),
        )
        keys = ["customer_id", "_order", "_odate"]
    else:
        rows = rows.mutate(_odate=rows.timestamp.date())
        keys = ["customer_id", "_odate"]
    out = rows.group_by(keys).aggregate(
        ts=rows.timestamp.min(), amount=rows.amount.sum(), lines=rows.count()
    )
    out = out.select("customer_id", "ts", "amount", "lines")
    if period is not None:
        out = out.mutate(period_start=out.ts.truncate(period))
    return out


def daily(tx: ir.Table, *, end_day: int, after_day: int | None = None) -> ir.Table:
    """Purchase days: ``customer_id``, ``day`` (a date), ``amount`` (sum of the day's orders).

    Orders are dated at their first row (:func:`orders`); days after ``end_day`` (a day number,
    inclusive) are left out, and with ``after_day`` those on or before it too.
    """
    if "order_id" in tx.columns:
        order_rows = orders(tx)
        days = order_rows.mutate(day=order_rows.ts.date())
    else:  # every order is a customer-day already: one GROUP BY less
        days = tx.mutate(day=tx.timestamp.date())
    days = days.filter(days.day <= _date(end_day))
    if after_day is not None:
        days = days.filter(days.day > _date(after_day))
    return days.group_by(["customer_id", "day"]).aggregate(amount=days.amount.sum())


def _date(day_number: int) -> ir.DateScalar:
    """Return a day number as a date literal."""
    return ibis.literal(_EPOCH + datetime.timedelta(days=int(day_number)), type="date")


@ibis.udf.agg.builtin(name="arg_min")
def _duckdb_arg_min(arg: float, key: datetime.date) -> float:  # type: ignore[empty-body]
    """DuckDB's ``arg_min`` (Ibis writes ``FIRST(... ORDER BY ...)``, slower on DuckDB)."""


def customer_summary(days: ir.Table, *, engine: str | None = None) -> ir.Table:
    """Per customer: ``days``, ``first_day``, ``last_day``, ``total``, ``first_amount``.

    ``days`` purchase days (``frequency`` = days - 1), ``first_day`` / ``last_day`` day numbers,
    ``total`` the amount of all days and ``first_amount`` that of the first day (so the mean
    repeat spend is ``(total - first_amount) / (days - 1)``). ``engine="duckdb"`` picks DuckDB's
    own ``arg_min`` for the first day's amount (the same number, faster there).
    """
    if engine == "duckdb":
        first_amount = _duckdb_arg_min(days.amount, days.day)
    else:
        first_amount = days.amount.argmin(days.day)
    per_customer = days.group_by("customer_id").aggregate(
        days=days.count(),
        first=days.day.min(),
        last=days.day.max(),
        total=days.amount.sum(),
        first_amount=first_amount,
    )
    return per_customer.select(
        "customer_id",
        "days",
        first_day=per_customer.first.epoch_days(),
        last_day=per_customer.last.epoch_days(),
        total=per_customer.total,
        first_amount=per_customer.first_amount,
    )


def holdout(tx: ir.Table, *, calibration_day: int, end_day: int) -> ir.Table:
    """Per customer with purchases after ``calibration_day`` up to ``end_day``: days and mean."""
    days = daily(tx, end_day=end_day, after_day=calibration_day)
    return days.group_by("customer_id").aggregate(
        frequency_holdout=days.count(), monetary_value_holdout=days.amount.mean()
    )


def firsts(tx: ir.Table, *, stop: Any) -> ir.Table:
    """Each customer's first purchase before ``stop``: ``customer_id``, ``first_ts``."""
    rows = tx.filter(tx.timestamp < ibis.literal(stop, type="timestamp"))
    return rows.group_by("customer_id").aggregate(first_ts=rows.timestamp.min())


def group_stats(
    order_rows: ir.Table,
    first_rows: ir.Table,
    *,
    group: str | None = None,
    group_start: Any = None,
) -> ir.Table:
    """Count and sum the customer KPIs' inputs per group of orders (``EMPTY_STATS``).

    Parameters
    ----------
    order_rows : ibis.Table
        :func:`orders` of the window (with ``period_start`` when grouping by it).
    first_rows : ibis.Table
        :func:`firsts` up to the window end.
    group : str, optional
        Column of ``order_rows`` that labels the group (``"period_start"``, ``"segment"``);
        ``None``: one group ``"all"``.
    group_start : datetime-like, optional
        Start of every group (a customer is new if the first purchase is on or after it); by
        default the group column itself (a period start).

    Returns
    -------
    ibis.Table
        ``grp``, ``active_customers``, ``new_customers``, ``orders``, ``revenue``,
        ``repeat_customers``, ``top10_revenue``, ``top20_revenue``.
    """
    grp = ibis.literal("all") if group is None else order_rows[group]
    start = order_rows[group] if group_start is None else ibis.literal(group_start, "timestamp")
    labelled = order_rows.select(
        grp=grp, grp_start=start, customer_id=order_rows.customer_id, amount=order_rows.amount
    )
    cust = labelled.group_by(["grp", "customer_id"]).aggregate(
        grp_start=labelled.grp_start.min(),
        n_orders=labelled.count(),
        revenue=labelled.amount.sum(),
    )
    joined = cust.join(first_rows, "customer_id")
    ranked = joined.mutate(
        rank_in_group=ibis.row_number().over(group_by="grp", order_by=ibis.desc("revenue")) + 1,
        n_group=joined.count().over(group_by="grp"),
    )

    def top(share: float) -> ir.NumericValue:
        keep = ranked.rank_in_group <= (ranked.n_group * share).ceil()
        return ibis.cases((keep, ranked.revenue), else_=0.0).sum()

    return ranked.group_by("grp").aggregate(
        active_customers=ranked.count(),
        new_customers=ibis.cases((ranked.first_ts >= ranked.grp_start, 1), else_=0).sum(),
        orders=ranked.n_orders.sum(),
        revenue=ranked.revenue.sum(),
        repeat_customers=ibis.cases((ranked.n_orders >= 2, 1), else_=0).sum(),
        top10_revenue=top(0.1),
        top20_revenue=top(0.2),
    )


def period_activity(order_rows: ir.Table, *, group: str | None = None) -> ir.Table:
    """Distinct (``grp``, ``customer_id``, ``period_start``) of the orders: who was active when."""
    grp = ibis.literal("all") if group is None else order_rows[group]
    return order_rows.select(
        grp=grp, customer_id=order_rows.customer_id, period_start=order_rows.period_start
    ).distinct()


def retention_pairs(
    order_rows: ir.Table,
    *,
    step: ir.IntervalValue,
    first: Any,
    last: Any,
    group: str | None = None,
) -> ir.Table:
    """Count customers active in t-1 (``base``) and of them in t (``retained``), per group.

    ``step`` is one period (``ibis.interval(months=1)``); only pairs with ``first <= t-1`` and
    ``t <= last`` (starts of complete periods) enter. Columns ``grp``, ``period_start`` (t),
    ``base``, ``retained``.
    """
    act = period_activity(order_rows, group=group)
    nxt = act.view()
    lo = ibis.literal(first, type="timestamp")
    hi = ibis.literal(last, type="timestamp")
    left = act.filter((act.period_start >= lo) & (act.period_start + step <= hi))
    left = left.mutate(next_start=left.period_start + step)
    later = nxt.select(
        grp_b="grp", customer_b="customer_id", start_b="period_start", hit=ibis.literal(1)
    )
    joined = left.left_join(
        later,
        [
            left.customer_id == later.customer_b,
            left.grp == later.grp_b,
            left.next_start == later.start_b,
        ],
    )
    return joined.group_by(["grp", joined.next_start.name("period_start")]).aggregate(
        base=joined.count(), retained=joined.hit.count()
    )


def cohort_cells(order_rows: ir.Table, *, period: str) -> ir.Table:
    """Count active customers per first-purchase cohort and periods since (``period``: W/M/Q).

    ``order_rows`` are :func:`orders` with ``period_start``; a customer's cohort is the period of
    their first order, ``since`` the whole periods from the cohort to the order's period (weeks
    from day numbers, months and quarters from year and month). Columns ``cohort``, ``since``,
    ``customers``.
    """
    act = order_rows.select("customer_id", "period_start").distinct()
    cohorts = act.group_by("customer_id").aggregate(cohort=act.period_start.min())
    cells = act.join(cohorts, "customer_id")
    if period == "W":
        since = (cells.period_start.date().epoch_days() - cells.cohort.date().epoch_days()) // 7
    else:
        months = (cells.period_start.year() - cells.cohort.year()) * 12 + (
            cells.period_start.month() - cells.cohort.month()
        )
        since = months // 3 if period == "Q" else months
    cells = cells.mutate(since=since.cast("int64"))
    return cells.group_by(["cohort", "since"]).aggregate(customers=cells.count())

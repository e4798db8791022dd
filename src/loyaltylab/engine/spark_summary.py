"""The customer summary on Spark, defined as :func:`loyaltylab.customers.summarize_customers`.

The portable expressions of :mod:`loyaltylab.engine.expressions`, compiled to Spark SQL by Ibis,
compute per customer what :func:`loyaltylab.customers.summarize_customers` computes
(reference/clv.md §3):

* the lines of an order (same customer and ``order_id``) are one purchase on the day of the
  order's first line; rows without an order id are purchases of their own;
* purchases of one calendar day (UTC session time zone: the day of
  :mod:`loyaltylab.rules.dates`) are merged, their amounts summed;
* ``frequency`` = purchase days after the first, ``recency`` = days first -> last,
  ``T`` = days first -> ``observation_end``, both divided by the days of ``time_unit``;
  ``monetary_value`` = mean amount of the repeat days (0 without repeats);
* transactions after ``observation_end`` are ignored.

The result stays a Spark DataFrame (one row per customer: for 100 M customers it never passes
through pandas). :func:`compressed_summary` gives what the models are fitted on - the distinct
(frequency, recency, T) rows with their customer counts, rounded as
:func:`loyaltylab.clv.compress_customers` rounds - and :func:`summary_to_pandas` the full
summary, for small data and tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from loyaltylab.engine.spark import spark_table, to_pandas, to_spark
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import TIME_UNIT_DAYS, as_day
from loyaltylab.rules import time_unit as _time_unit

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["compressed_summary", "summarize_customers_spark", "summary_to_pandas"]

#: Decimals of the rounding before compressing (as :func:`loyaltylab.clv.compress_customers`).
ROUND_DECIMALS = 9


def _table(transactions: Any) -> tuple[Any, Any]:
    """(Ibis backend on Spark, canonical table) of a Spark DataFrame or a table on Spark."""
    opened = getattr(transactions, "canonical", transactions)  # EngineTransactions
    if hasattr(opened, "engine") and hasattr(opened, "table"):  # EngineTable
        if opened.engine != "spark":
            raise ParameterError(
                f"transactions are on the {opened.engine} engine, not Spark; summarise them with "
                "loyaltylab.customers.summarize_customers"
            )
        backend, table = opened.backend, opened.table
    elif hasattr(transactions, "schema") and hasattr(transactions, "sparkSession"):
        backend, table = spark_table(transactions)
    else:
        raise ParameterError(
            "parameter 'transactions' must be a Spark DataFrame or a table on Spark "
            "(loyaltylab.engine.spark_load.load_spark_transactions), got "
            f"{type(transactions).__name__}"
        )
    missing = [c for c in ("customer_id", "timestamp", "amount") if c not in table.columns]
    if missing:
        raise DataValidationError(
            f"transactions are missing column(s) {missing}; they have {list(table.columns)[:20]}"
            " (load them with loyaltylab.engine.spark_load.load_spark_transactions to map your "
            "column names)"
        )
    canonical = [
        c for c in ("customer_id", "timestamp", "amount", "order_id") if c in table.columns
    ]
    return backend, table.select(*canonical)


def _day_number(stamp: pd.Timestamp) -> int:
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def summarize_customers_spark(
    transactions: Any, observation_end: str | pd.Timestamp, *, time_unit: str = "W"
) -> DataFrame:
    """Summarise a transaction log per customer on Spark (module docstring).

    The purchase days and the per-customer aggregates are the portable expressions of
    :mod:`loyaltylab.engine.expressions` (:func:`~loyaltylab.engine.expressions.daily`,
    :func:`~loyaltylab.engine.expressions.customer_summary`), compiled to Spark SQL by Ibis; the
    divisions by the time unit run on Spark too (IEEE float64, the numbers of numpy's).

    Parameters
    ----------
    transactions : pyspark.sql.DataFrame, EngineTransactions or EngineTable on Spark
        Canonical columns ``customer_id`` (string), ``timestamp``, ``amount`` (double) and
        optionally ``order_id`` (e.g. from
        :func:`loyaltylab.engine.spark_load.load_spark_transactions`).
    observation_end : str or pandas.Timestamp
        Last day of observation (inclusive).
    time_unit : {"W", "D", "M"}, default "W"

    Returns
    -------
    pyspark.sql.DataFrame
        Columns of :data:`loyaltylab.customers.SUMMARY_COLUMNS`: ``customer_id``, ``frequency``
        (long), ``recency``, ``T``, ``monetary_value`` (double), ``first_purchase``,
        ``last_purchase`` (date); not sorted (sort when you collect).

    Examples
    --------
    >>> summary = summarize_customers_spark(loaded, "2024-06-30")  # doctest: +SKIP
    >>> summary_to_pandas(summary).head()  # doctest: +SKIP
    """
    import ibis

    from loyaltylab.engine.expressions import customer_summary, daily

    unit = _time_unit(time_unit)
    unit_days = float(TIME_UNIT_DAYS[unit])
    end = _day_number(as_day(observation_end, "observation_end"))
    backend, table = _table(transactions)
    per_customer = customer_summary(daily(table, end_day=end))
    days = per_customer.days
    epoch = ibis.date(1970, 1, 1)
    result = per_customer.select(
        customer_id=per_customer.customer_id,
        frequency=(days - 1).cast("int64"),
        recency=(per_customer.last_day - per_customer.first_day).cast("float64") / unit_days,
        T=(ibis.literal(end) - per_customer.first_day).cast("float64") / unit_days,
        monetary_value=ibis.cases(
            (days > 1, (per_customer.total - per_customer.first_amount) / (days - 1)),
            else_=ibis.literal(0.0),
        ).cast("float64"),
        first_purchase=epoch + per_customer.first_day.as_interval("D"),
        last_purchase=epoch + per_customer.last_day.as_interval("D"),
    )
    return to_spark(backend, result)


def compressed_summary(
    summary: DataFrame, columns: tuple[str, ...] = ("frequency", "recency", "T")
) -> pd.DataFrame:
    """Distinct rows of ``columns`` (rounded to 9 decimals) with their customer count ``weight``.

    The Spark form of :func:`loyaltylab.clv.compress_customers`, sorted the same way; the
    BG/NBD family is fitted on it (``fit_rows``) without the per-customer rows leaving Spark.

    Parameters
    ----------
    summary : pyspark.sql.DataFrame
        From :func:`summarize_customers_spark`.
    columns : tuple of str, default ("frequency", "recency", "T")

    Returns
    -------
    pandas.DataFrame
        ``columns`` (float) and ``weight`` (int64), one row per distinct combination.
    """
    from pyspark.sql import functions as F

    keys = [F.round(F.col(c).cast("double"), ROUND_DECIMALS).alias(c) for c in columns]
    grouped = summary.select(*keys).groupBy(*columns).agg(F.count(F.lit(1)).alias("weight"))
    rows = to_pandas(grouped.orderBy(*columns))
    rows = rows.astype({c: "float64" for c in columns} | {"weight": "int64"})
    return rows.reset_index(drop=True)


def summary_to_pandas(summary: DataFrame) -> pd.DataFrame:
    """Collect a Spark summary as :func:`loyaltylab.customers.summarize_customers` returns it.

    Sorted by ``customer_id`` (code-point order, as Python sorts strings), ``frequency`` int64,
    the dates ``datetime64[ns]``. Only for summaries that fit in the driver's memory.

    Parameters
    ----------
    summary : pyspark.sql.DataFrame

    Returns
    -------
    pandas.DataFrame
    """
    frame = to_pandas(summary.orderBy("customer_id"))
    frame["customer_id"] = frame["customer_id"].astype("str")
    frame["frequency"] = frame["frequency"].astype("int64")
    for name in ("recency", "T", "monetary_value"):
        frame[name] = frame[name].astype("float64")
    for name in ("first_purchase", "last_purchase"):
        if name in frame.columns:
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    return frame.reset_index(drop=True)

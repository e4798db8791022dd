"""The KPIs of a transactions table on an engine (PostgreSQL, Spark, Parquet on DuckDB).

:func:`loyaltylab.kpi.customer_kpis` and :func:`loyaltylab.kpi.kpis_by_period` take the result
of :func:`loyaltylab.engine.loading.load_engine_transactions` as well as a DataFrame; for such a
table they call :func:`engine_stats`, which runs the same expressions as the DuckDB path
(:mod:`loyaltylab.engine.expressions`: ``orders``, ``firsts``, ``group_stats``,
``retention_pairs``) where the table lies and fetches only the per-group counts and sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from loyaltylab.engine import expressions as ex
from loyaltylab.engine.backends import EngineTable, fetch
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.kpi.engine import (
    Window,
    complete_periods,
    period_floor,
    period_step,
)
from loyaltylab.rules import as_day

__all__ = ["EngineStats", "engine_stats", "engine_table", "engine_window"]


@dataclass(frozen=True)
class EngineStats:
    """Group statistics, retention pairs and rows outside the window, fetched from an engine."""

    window: Window
    stats: pd.DataFrame
    pairs: pd.DataFrame
    outside: int

    def summary(self) -> pd.DataFrame:
        """Window, groups and rows outside it as a two-column table (``metric``, ``value``)."""
        rows = [
            ("observation start", self.window.start),
            ("observation end", self.window.end),
            ("groups", len(self.stats)),
            ("transactions outside window", self.outside),
        ]
        return pd.DataFrame(rows, columns=["metric", "value"])


def engine_table(transactions: Any) -> EngineTable | None:
    """Return the engine table of ``transactions`` (``None`` for a DataFrame)."""
    table = getattr(transactions, "canonical", transactions)
    return table if isinstance(table, EngineTable) else None


def engine_window(
    table: EngineTable, observation_start: Any, observation_end: Any, period: str
) -> Window:
    """Resolve the window as :func:`loyaltylab.kpi.engine.observation_window`, on the engine."""
    start = as_day(observation_start, "observation_start", optional=True)
    end = as_day(observation_end, "observation_end", optional=True)
    tx = table.table
    if end is None:
        last = fetch(table.backend, tx.aggregate(last=tx.timestamp.max()))["last"].iloc[0]
        end = pd.Timestamp(last).normalize()
    if start is None:
        stop = ibis.literal(end + pd.Timedelta(days=1), type="timestamp")
        before = tx.filter(tx.timestamp < stop)
        first = fetch(table.backend, before.aggregate(first=before.timestamp.min()))["first"].iloc[
            0
        ]
        if pd.isna(first):
            raise DataValidationError(
                f"transactions have no purchase on or before observation_end {end.date()}"
            )
        start = period_floor(pd.Timestamp(first), period)
    if start > end:
        raise ParameterError(
            f"observation_start {start.date()} is after observation_end {end.date()}"
        )
    return Window(start=start, end=end, period=period)


def engine_stats(
    table: EngineTable,
    observation_start: Any,
    observation_end: Any,
    period: str,
    *,
    by_period: bool = False,
) -> EngineStats:
    """Group statistics of the window (one group, or one per period) and its retention pairs."""
    window = engine_window(table, observation_start, observation_end, period)
    tx = table.table
    order_rows = ex.orders(tx, start=window.start, stop=window.end_exclusive, period=period)
    first_rows = ex.firsts(tx, stop=window.end_exclusive)
    if by_period:
        expr = ex.group_stats(order_rows, first_rows, group="period_start")
    else:
        expr = ex.group_stats(order_rows, first_rows, group=None, group_start=window.start)
    stats = fetch(table.backend, expr)
    complete = complete_periods(window)
    if len(complete) >= 2:
        pairs_expr = ex.retention_pairs(
            order_rows, step=period_step(period), first=complete[0], last=complete[-1]
        )
        pairs = fetch(table.backend, pairs_expr)
    else:
        pairs = pd.DataFrame(
            {"grp": [], "period_start": pd.DatetimeIndex([]), "base": [], "retained": []}
        )
    lo = ibis.literal(window.start, type="timestamp")
    hi = ibis.literal(window.end_exclusive, type="timestamp")
    outside_expr = tx.aggregate(n=((tx.timestamp < lo) | (tx.timestamp >= hi)).sum())
    outside = fetch(table.backend, outside_expr)["n"].iloc[0]
    return EngineStats(
        window=window,
        stats=stats,
        pairs=pairs,
        outside=0 if pd.isna(outside) else int(outside),
    )

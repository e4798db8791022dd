"""Cohort retention: the share of each first-purchase cohort buying again k periods later."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd

from loyaltylab.engine import expressions as ex
from loyaltylab.engine.backends import fetch
from loyaltylab.kpi.engine import (
    as_period,
    complete_periods,
    connect,
    observation_window,
    period_starts,
)
from loyaltylab.kpi.engine_kpis import engine_table, engine_window
from loyaltylab.kpi.validation import validate_transactions

__all__ = ["CohortRetention", "cohort_retention"]


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
    transactions: pd.DataFrame | Any,
    *,
    period: str = "M",
    observation_end: Any = None,
) -> CohortRetention:
    """Build the cohort retention matrix (first-purchase period x periods since).

    A customer's cohort is the period of their first purchase; cell ``(c, k)`` is the share of
    cohort ``c`` with an order in period ``c + k``. Cohort 0 is always 1.

    Parameters
    ----------
    transactions : pandas.DataFrame or EngineTransactions
        Canonical transactions (all history up to ``observation_end``), or a table on an
        engine (the cells are counted there).
    period : {"W", "M", "Q"}, default "M"
        Cohort and offset period.
    observation_end : date-like, optional
        Last day observed (default: day of the last purchase); later rows are not used and
        periods not completely observed are NaN.

    Returns
    -------
    CohortRetention
    """
    period = as_period(period)
    on_engine = engine_table(transactions)
    if on_engine is not None:  # a table on an engine: the same expression, run there
        window = engine_window(on_engine, None, observation_end, period)
        order_rows = ex.orders(
            on_engine.table, start=window.start, stop=window.end_exclusive, period=period
        )
        cells = fetch(on_engine.backend, ex.cohort_cells(order_rows, period=period))
    else:
        frame = validate_transactions(transactions)
        window = observation_window(frame, None, observation_end, period)
        con = connect(frame, window)
        try:
            backend = ibis.duckdb.from_connection(con)
            expr = ex.cohort_cells(backend.table("orders"), period=period)
            cells = fetch(backend, expr)
        finally:
            con.close()
    counts = cells.pivot(index="cohort", columns="since", values="customers")
    counts.index = pd.DatetimeIndex(counts.index).astype("datetime64[ns]")
    starts = period_starts(window).astype("datetime64[ns]")
    counts = counts.reindex(index=starts, columns=range(len(starts))).fillna(0).astype("int64")
    counts = counts.loc[counts[0] > 0]
    sizes = counts[0].rename("customers")
    complete = set(complete_periods(window).astype("datetime64[ns]"))
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

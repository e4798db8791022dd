"""Cohort retention: the share of each first-purchase cohort buying again k periods later."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.kpi.definitions import PERIODS
from loyaltylab.kpi.engine import (
    as_period,
    complete_periods,
    connect,
    observation_window,
    period_starts,
)
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
    frame = validate_transactions(transactions)
    period = as_period(period)
    window = observation_window(frame, None, observation_end, period)
    unit = PERIODS[period]["duckdb"]
    con = connect(frame, window)
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

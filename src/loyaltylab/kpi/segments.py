"""Customer KPIs of the window for each segment of customers (RFM segments, members, ...)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from loyaltylab.kpi.engine import (
    as_period,
    attach_labels,
    connect,
    finish,
    group_stats,
    observation_window,
    retention_pairs,
)
from loyaltylab.kpi.validation import clv_series, validate_labels, validate_transactions

__all__ = ["kpis_by_segment"]


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
    frame = validate_transactions(transactions)
    period = as_period(retention_period, "retention_period")
    table = validate_labels(segments, "segments")
    window = observation_window(frame, observation_start, observation_end, period)
    con = connect(frame, window)
    try:
        attach_labels(con, table, "segments")
        stats = group_stats(con, "segment", window.start)
        pairs = retention_pairs(con, window, "segment")
    finally:
        con.close()
    stats = stats.set_index("grp")
    pooled = pairs.groupby("grp")[["base", "retained"]].sum()
    stats = stats.join(pooled, how="left").fillna({"base": 0, "retained": 0})
    out = finish(stats)
    out.index.name = "segment"
    out["customer_share"] = out["active_customers"] / out["active_customers"].sum()
    if clv is not None:
        series = clv_series(clv)
        joined = table.set_index("customer_id")["segment"].to_frame().join(series, how="inner")
        grouped = joined.groupby("segment")["clv"]
        out["clv_mean"] = grouped.mean().reindex(out.index)
        out["clv_total"] = grouped.sum().reindex(out.index)
    return out.sort_values("revenue", ascending=False)

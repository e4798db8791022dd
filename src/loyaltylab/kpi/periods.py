"""Customer KPIs of every calendar period, and their ``kpi_by_period`` section of a metrics file.

:func:`kpis_by_period` computes the KPIs of each week, month or quarter of the window;
:func:`period_series_metrics` writes the complete periods to a metrics file and
:func:`read_period_series` reads them back as Series indexed by a ``PeriodIndex``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.kpi.definitions import CUSTOMER_KPIS
from loyaltylab.kpi.engine import (
    EMPTY_STATS,
    as_period,
    complete_periods,
    connect,
    finish,
    group_stats,
    observation_window,
    period_starts,
    retention_pairs,
)
from loyaltylab.kpi.engine_kpis import engine_stats, engine_table
from loyaltylab.kpi.validation import validate_transactions

__all__ = ["PANDAS_PERIOD_FREQ", "kpis_by_period", "period_series_metrics", "read_period_series"]


def kpis_by_period(
    transactions: pd.DataFrame | Any,
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
    transactions : pandas.DataFrame or EngineTransactions
        Canonical transactions, or a table on an engine (computed there).
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
    period = as_period(period)
    on_engine = engine_table(transactions)
    if on_engine is not None:  # a table on an engine: the same expressions, run there
        fetched = engine_stats(
            on_engine, observation_start, observation_end, period, by_period=True
        )
        window, stats, pairs = fetched.window, fetched.stats, fetched.pairs
    else:
        frame = validate_transactions(transactions)
        window = observation_window(frame, observation_start, observation_end, period)
        con = connect(frame, window)
        try:
            stats = group_stats(con, "period_start")
            pairs = retention_pairs(con, window)
        finally:
            con.close()
    starts = period_starts(window)
    stats = stats.set_index(pd.DatetimeIndex(stats["grp"]).astype("datetime64[us]"))
    stats.index = stats.index.astype("datetime64[ns]")
    stats = stats.drop(columns="grp").reindex(starts.astype("datetime64[ns]"))
    pairs_index = pd.DatetimeIndex(pairs["period_start"]).astype("datetime64[ns]")
    stats["base"] = pd.Series(pairs["base"].to_numpy(), index=pairs_index).reindex(stats.index)
    stats["retained"] = pd.Series(pairs["retained"].to_numpy(), index=pairs_index).reindex(
        stats.index
    )
    for column, empty in EMPTY_STATS.items():
        if column not in ("base", "retained"):
            stats[column] = stats[column].fillna(empty)
    has_pair = stats["base"].notna()
    stats[["base", "retained"]] = stats[["base", "retained"]].fillna(0)
    out = finish(stats)
    out.loc[~has_pair.to_numpy(), ["retention_rate", "churn_rate"]] = np.nan
    complete = set(complete_periods(window).astype("datetime64[ns]"))
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
    names = list(kpis) if kpis is not None else list(CUSTOMER_KPIS)
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

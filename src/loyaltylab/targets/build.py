"""The scorecard in one call: compute the KPI series the targets need, then evaluate them.

:func:`kpi_series` computes per-period KPI series with :mod:`loyaltylab.kpi`;
:func:`build_scorecard` evaluates every target against them and against the other reports'
metrics of a run (:func:`loyaltylab.metrics.read_run`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import pandas as pd

from loyaltylab.kpi import PANDAS_PERIOD_FREQ, ProgramKPIs, kpis_by_period, program_kpis
from loyaltylab.metrics import RunMetrics
from loyaltylab.targets.model import SmartTarget
from loyaltylab.targets.scorecard import Scorecard, evaluate_targets

__all__ = ["build_scorecard", "kpi_series"]

_PROGRAM_FIELDS = frozenset(f.name for f in fields(ProgramKPIs))


def kpi_series(
    transactions: pd.DataFrame,
    names: Sequence[str],
    *,
    period: str = "M",
    observation_end: Any = None,
    members: pd.DataFrame | None = None,
    ledger: pd.DataFrame | None = None,
    point_value: float = 0.01,
) -> dict[str, pd.Series]:
    """Compute the per-period series of KPIs with :mod:`loyaltylab.kpi` (complete periods only).

    Customer KPIs come from :func:`loyaltylab.kpi.kpis_by_period`; program KPIs
    (``enrolment_rate``, ``breakage_rate``, ...) from :func:`loyaltylab.kpi.program_kpis` run on
    each complete period (members and ledger counted up to the period's end), and only when
    ``members`` and ``ledger`` are given.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    names : sequence of str
        KPI names (see :data:`KPI_METRICS`); names that cannot be computed are left out.
    period : {"W", "M", "Q"}, default "M"
        Period of the series.
    observation_end : date-like, optional
        Last day observed (default: the last transaction's day).
    members, ledger : pandas.DataFrame, optional
        Canonical member table and points ledger, for program KPIs.
    point_value : float, default 0.01
        Cost of a redeemed point (for ``reward_cost`` and ``reward_cost_share``).

    Returns
    -------
    dict of str to pandas.Series
        One Series per computable KPI, indexed by ``PeriodIndex``, without missing values.
    """
    by_period = kpis_by_period(transactions, period, observation_end=observation_end)
    complete = by_period.loc[by_period["complete"]]
    periods = pd.PeriodIndex(complete.index, freq=PANDAS_PERIOD_FREQ[by_period.attrs["period"]])
    out: dict[str, pd.Series] = {}
    for name in dict.fromkeys(names):
        if name in complete.columns:
            values = pd.Series(complete[name].to_numpy(dtype=float), index=periods, name=name)
            out[name] = values.dropna()
    wanted = [n for n in dict.fromkeys(names) if n not in out and n in _PROGRAM_FIELDS]
    if wanted and members is not None and ledger is not None:
        rows = [
            program_kpis(
                transactions,
                members,
                ledger,
                observation_start=when.start_time,
                observation_end=when.end_time.normalize(),
                point_value=point_value,
            )
            for when in periods
        ]
        for name in wanted:
            values = pd.Series([float(getattr(row, name)) for row in rows], index=periods)
            out[name] = values.rename(name).dropna()
    return out


def build_scorecard(
    targets: Sequence[SmartTarget],
    *,
    transactions: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
    ledger: pd.DataFrame | None = None,
    run: RunMetrics | None = None,
    period: str = "M",
    observation_end: Any = None,
    point_value: float = 0.01,
    current_months: float = 3.0,
    min_history: int = 6,
    data_source: str = "",
) -> Scorecard:
    """Compute the KPI series the targets need and evaluate every target (the scorecard).

    Parameters
    ----------
    targets : sequence of SmartTarget
        From :func:`load_targets`.
    transactions : pandas.DataFrame, optional
        Canonical transactions for the KPI targets; without them KPI targets are "missing".
    members, ledger : pandas.DataFrame, optional
        For program KPI targets.
    run : RunMetrics, optional
        The other reports' metrics (:func:`read_run`) for ``source`` targets.
    period : {"W", "M", "Q"}, default "M"
        Period of the KPI series (and so of the trend).
    observation_end : date-like, optional
        Last day observed; also the date of the values read from other reports.
    point_value : float, default 0.01
        Cost of a redeemed point.
    current_months : float, default 3
        Trailing window of each KPI target's current value, in months.
    min_history : int, default 6
        Fewest periods a trend is fitted through ("not enough history" below).
    data_source : str, default ""
        Name of the purchase data, shown per KPI target.

    Returns
    -------
    Scorecard
    """
    run = run or RunMetrics(run_dir="", metrics={})
    names = [target.metric for target in targets if target.source is None]
    notes: dict[str, str] = {}
    series: dict[str, pd.Series] = {}
    if names and transactions is None:
        notes = {name: "no transactions given to compute the KPI" for name in names}
    elif names and transactions is not None:
        series = kpi_series(
            transactions,
            names,
            period=period,
            observation_end=observation_end,
            members=members,
            ledger=ledger,
            point_value=point_value,
        )
        for name in names:
            if name not in series and name in _PROGRAM_FIELDS:
                notes[name] = f"program KPI {name!r} needs the members and ledger tables"
    as_of = observation_end
    if as_of in (None, "") and transactions is not None and len(transactions):
        as_of = pd.Timestamp(transactions["timestamp"].max()).normalize()
    return evaluate_targets(
        targets,
        kpi_series=series,
        run_metrics=run.metrics,
        as_of=as_of,
        failed_reports=run.failed,
        kpi_notes=notes,
        current_months=current_months,
        min_history=min_history,
        data_source=data_source,
    )

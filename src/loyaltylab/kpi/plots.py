"""Plots of the KPIs: cohort retention heat map, a KPI over time, revenue concentration."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from loyaltylab.errors import ParameterError
from loyaltylab.kpi.cohorts import CohortRetention
from loyaltylab.kpi.definitions import KPI_UNITS, PERIODS
from loyaltylab.kpi.validation import validate_transactions

__all__ = ["plot_cohort_retention", "plot_kpi_trend", "plot_revenue_concentration"]


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
        matrix = matrix[[c for c in matrix.columns if int(c) <= max_periods]]
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
    if kpi not in by_period.columns or kpi not in KPI_UNITS:
        raise ParameterError(
            f"parameter 'kpi' must be a KPI column of the table, got {kpi!r}; "
            f"choose from {[c for c in by_period.columns if c in KPI_UNITS]}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    data = by_period.loc[by_period["complete"]] if complete_only else by_period
    ax.plot(data.index, data[kpi], marker="o")
    name = {"aov": "average order value"}.get(kpi, kpi.replace("_", " "))
    label = PERIODS.get(str(by_period.attrs.get("period")), {}).get("label", "period")
    ax.set_title(f"{name.capitalize()} by {label}")
    ax.set_xlabel(f"{label} start (date)")
    ax.set_ylabel(f"{name} ({KPI_UNITS[kpi]})")
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
    frame = validate_transactions(transactions)
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

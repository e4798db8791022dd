"""Plots of CLV results. Each takes a result plus ``ax=None`` and returns the Axes.

lifetimes' ``plot_history_alive`` and ``plot_expected_repeat_purchases`` fail on the current
matplotlib/pandas stack (reference/clv.md §1b); these replacements draw from our result objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from loyaltylab.clv.boundary import ProfileLikelihood
from loyaltylab.clv.fitting import TransactionModelFit
from loyaltylab.clv.models import MODEL_LABELS
from loyaltylab.clv.predictions import CLVResult, alive_probability
from loyaltylab.clv.validation import HoldoutValidation

__all__ = [
    "plot_tracking",
    "plot_conditional_expectation",
    "plot_probability_alive",
    "plot_probability_alive_matrix",
    "plot_clv_distribution",
    "plot_clv_by_segment",
    "plot_profile_likelihood",
]

_UNIT_NAMES = {"W": "weeks", "D": "days", "M": "months"}


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    return ax


def _as_list(
    validations: HoldoutValidation | Sequence[HoldoutValidation] | Mapping[str, HoldoutValidation],
) -> list[HoldoutValidation]:
    if isinstance(validations, HoldoutValidation):
        return [validations]
    if isinstance(validations, Mapping):
        return list(validations.values())
    return list(validations)


def plot_tracking(
    validations: HoldoutValidation | Sequence[HoldoutValidation] | Mapping[str, HoldoutValidation],
    *,
    calibration_end: Any = None,
    ax: Axes | None = None,
) -> Axes:
    """Cumulative repeat transactions, actual vs each model, with the calibration end marked.

    Parameters
    ----------
    validations : HoldoutValidation or several
        Validations with a ``tracking`` table (made with transactions).
    calibration_end : date-like, optional
        Drawn as a vertical line; defaults to the last calibration period of the tracking.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    tracked = [(v.model, v.tracking) for v in _as_list(validations) if v.tracking is not None]
    if not tracked:
        raise ValueError("plot_tracking needs validations made with transactions (tracking)")
    first = tracked[0][1]
    ax.plot(first["period_end"], first["actual"], color="black", lw=2, label="Actual")
    for model, tracking in tracked:
        ax.plot(
            tracking["period_end"],
            tracking["predicted"],
            ls="--",
            label=f"{MODEL_LABELS[model]} forecast",
        )
    if calibration_end is None:
        calibration_end = first.loc[~first["holdout"], "period_end"].max()
    # matplotlib's stubs say float, but axvline takes any value its date converter reads
    end_line = cast(float, pd.Timestamp(calibration_end))
    ax.axvline(end_line, color="grey", ls=":", label="End of calibration")
    ax.set_title("Cumulative repeat transactions: model vs actual")
    ax.set_xlabel("Date (end of period)")
    ax.set_ylabel("Cumulative repeat transactions (count)")
    ax.legend()
    return ax


def plot_conditional_expectation(
    validations: HoldoutValidation | Sequence[HoldoutValidation] | Mapping[str, HoldoutValidation],
    *,
    ax: Axes | None = None,
) -> Axes:
    """Average holdout purchases by calibration frequency: actual vs each model.

    Parameters
    ----------
    validations : HoldoutValidation or several
        Holdout validations.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    items = _as_list(validations)
    table = items[0].by_frequency
    positions = np.arange(len(table))
    ax.plot(positions, table["actual_mean"], color="black", marker="o", lw=2, label="Actual")
    for validation in items:
        ax.plot(
            positions,
            validation.by_frequency["predicted_mean"],
            marker="s",
            ls="--",
            label=MODEL_LABELS[validation.model],
        )
    ax.set_xticks(positions, table["frequency_cal"])
    ax.set_title("Holdout purchases by calibration-period purchases")
    ax.set_xlabel("Repeat purchases in the calibration period (count)")
    ax.set_ylabel("Average repeat purchases in the holdout (count per customer)")
    ax.legend()
    return ax


def plot_probability_alive(result: CLVResult, *, bins: int = 20, ax: Axes | None = None) -> Axes:
    """Histogram of customers' probability of still being active.

    Parameters
    ----------
    result : CLVResult
        Output of :func:`loyaltylab.clv.customer_lifetime_value`.
    bins : int, default 20
        Histogram bins.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    ax.hist(result.per_customer["probability_alive"], bins=bins, range=(0, 1), color="#4C72B0")
    ax.set_title(f"Probability of still being active ({MODEL_LABELS[result.model]})")
    ax.set_xlabel("P(alive) (probability)")
    ax.set_ylabel("Customers (count)")
    return ax


def plot_probability_alive_matrix(
    fit: TransactionModelFit,
    *,
    max_frequency: int = 30,
    age: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """P(alive) for a customer of a given age as a function of frequency and recency.

    Parameters
    ----------
    fit : TransactionModelFit
        A transaction model fit.
    max_frequency : int, default 30
        Largest frequency shown.
    age : float, optional
        Customer age T in the fit's time unit (default 52 for weeks, 365 for days, 12 months).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    unit = _UNIT_NAMES.get(fit.time_unit, fit.time_unit)
    age = float(age if age is not None else {"W": 52, "D": 365, "M": 12}.get(fit.time_unit, 52))
    top = int(max_frequency)
    freq = np.arange(0, top + 1, dtype=float)
    recency = np.linspace(0, age, 101)
    grid_f, grid_r = np.meshgrid(freq, recency)
    grid_r = np.where(grid_f == 0, 0.0, grid_r)
    values = alive_probability(
        fit.model, list(fit.params.values()), grid_f, grid_r, np.full_like(grid_f, age)
    )
    image = ax.imshow(
        values,
        origin="lower",
        aspect="auto",
        extent=(-0.5, top + 0.5, 0, age),
        vmin=0,
        vmax=1,
        cmap="viridis",
    )
    plt.colorbar(image, ax=ax, label="P(alive) (probability)")
    ax.set_title(f"P(alive) by history, customer age {age:g} {unit} ({MODEL_LABELS[fit.model]})")
    ax.set_xlabel("Repeat purchases (count)")
    ax.set_ylabel(f"Recency: age at last purchase ({unit})")
    return ax


def plot_clv_distribution(
    result: CLVResult, *, currency: str = "$", bins: int = 50, ax: Axes | None = None
) -> Axes:
    """Histogram of customers' CLV (log-spaced bins; CLV is heavily skewed).

    Parameters
    ----------
    result : CLVResult
        Output of :func:`loyaltylab.clv.customer_lifetime_value`.
    currency : str, default "$"
        Currency label for the axis.
    bins : int, default 50
        Number of bins.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    clv = result.per_customer["clv"].to_numpy()
    positive = clv[clv > 0]
    if len(positive):
        edges = np.geomspace(max(positive.min(), 1e-2), positive.max() * 1.01, bins)
        ax.hist(positive, bins=edges.tolist(), color="#55A868")
        ax.set_xscale("log")
    ax.axvline(
        np.median(clv), color="black", ls="--", label=f"Median {currency}{np.median(clv):,.2f}"
    )
    ax.set_title(
        f"CLV per customer, next {result.horizon:g} {_UNIT_NAMES.get(result.time_unit, '')}, "
        f"discounted at {100 * result.discount_rate:g} %/year"
    )
    ax.set_xlabel(f"CLV ({currency}, log scale)")
    ax.set_ylabel("Customers (count)")
    ax.legend()
    return ax


def plot_clv_by_segment(
    table: pd.DataFrame, *, currency: str = "$", ax: Axes | None = None
) -> Axes:
    """Bar chart of total CLV per segment with each segment's share of customers and value.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`loyaltylab.clv.clv_by_segment`.
    currency : str, default "$"
        Currency label.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    labels = table["segment"].astype(str).to_numpy()
    positions = np.arange(len(table))
    bars = ax.bar(positions, table["clv_total"], color="#8172B2")
    n_total = table["n_customers"].sum()
    for bar, n, share in zip(bars, table["n_customers"], table["clv_share"], strict=True):
        ax.annotate(
            f"{100 * share:.0f}% of value\n{100 * n / n_total:.1f}% of customers",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xticks(positions, labels)
    ax.set_title("Total CLV by segment")
    ax.set_xlabel("Segment")
    ax.set_ylabel(f"Total CLV ({currency})")
    ax.margins(y=0.2)
    return ax


def plot_profile_likelihood(profile: ProfileLikelihood, *, ax: Axes | None = None) -> Axes:
    """Plot a profile log-likelihood over the mean dropout, relative to the NBD (dropout 0).

    Parameters
    ----------
    profile : ProfileLikelihood
        From :func:`loyaltylab.clv.profile_likelihood`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    table = profile.table
    finite = table[np.isfinite(table["relative"]) & (table["dropout_mean"] > 0)]
    ax.plot(
        finite["dropout_mean"], finite["relative"], marker="o", label=MODEL_LABELS[profile.model]
    )
    ax.axhline(0.0, color="grey", linestyle="--", linewidth=1, label="NBD (no dropout)")
    if finite.empty:  # e.g. at the NBD's Poisson limit the profile cannot be evaluated
        ax.text(
            0.5,
            0.5,
            "profile not available (non-finite likelihood)",
            ha="center",
            transform=ax.transAxes,
        )
    else:
        ax.set_xscale("log")
    ax.set_xlabel(profile.quantity)
    ax.set_ylabel("log-likelihood minus the NBD's")
    ax.set_title(f"Profile likelihood of {MODEL_LABELS[profile.model]}'s dropout")
    ax.legend()
    return ax

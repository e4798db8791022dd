"""Charts of the scorecard: one chart per target (values, baseline, goal, trend, deadline)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.targets.projection import period_times
from loyaltylab.targets.scorecard import Scorecard, TargetStatus

__all__ = ["plot_scorecard", "plot_target"]


def plot_target(status: TargetStatus, ax: Any = None, *, unit: str = "metric units") -> Any:
    """Draw one target: the per-period values, baseline, goal, trend and deadline.

    Parameters
    ----------
    status : TargetStatus
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when ``None``.
    unit : str, default "metric units"
        Unit of the metric for the y-axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    target = status.target
    if status.series is None and status.current is not None:
        return _plot_value_against_target(status, ax, unit)
    if status.series is not None and len(status.series):
        ax.plot(
            period_times(status.series.index),
            status.series.to_numpy(dtype=float),
            marker="o",
            label=f"{target.metric} per period",
        )
    elif status.current is not None and status.as_of is not None:
        ax.plot([status.as_of], [status.current], marker="o", linestyle="", label="current")
    if status.baseline is not None:
        ax.axhline(status.baseline, color="grey", linestyle=":", label="baseline")
    if status.goal is not None:
        ax.axhline(status.goal, color="green", linestyle="--", label="target")
    if status.trend is not None:
        times = pd.DatetimeIndex([status.trend.origin, target.deadline])
        ax.plot(times, status.trend.value_at(times), color="orange", label="trend to deadline")
    ax.axvline(target.deadline, color="black", linewidth=0.8, label="deadline")
    if status.missing and status.current is None:
        ax.text(
            0.5,
            0.5,
            f"no value: {status.missing}",
            transform=ax.transAxes,
            ha="center",
            va="center",
            wrap=True,
            color="firebrick",
        )
    title = f"{target.name}: {status.status_label()}"
    if status.missing:
        title += " (numbers missing)"
    ax.set_title(title)
    ax.set_xlabel("date (period midpoint)")
    ax.set_ylabel(f"{target.metric} ({unit})")
    ax.legend(loc="best", fontsize="small")
    return ax


def _plot_value_against_target(status: TargetStatus, ax: Any, unit: str) -> Any:
    """Draw a single value (one per run, from another report) as a bar against its target."""
    target = status.target
    labels, values, colours = ["current"], [float(status.current or 0.0)], ["tab:blue"]
    if status.baseline is not None:
        labels.insert(0, "baseline")
        values.insert(0, float(status.baseline))
        colours.insert(0, "lightgrey")
    ax.barh(labels, values, color=colours)
    if status.goal is not None:
        ax.axvline(status.goal, color="green", linestyle="--", label=f"target {status.goal:,.4g}")
    for position, value in enumerate(values):
        ax.text(value, position, f" {value:,.4g}", va="center")
    ax.set_xlim(0, max([*values, status.goal or 0.0]) * 1.25 or 1.0)
    ax.set_title(f"{target.name}: {status.status_label()} (one value, {status.data_source})")
    ax.set_xlabel(f"{target.metric} ({unit})")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_scorecard(
    scorecard: Scorecard, axes: Any = None, *, units: Mapping[str, str] | None = None
) -> Any:
    """Draw one chart per target (see :func:`plot_target`).

    Parameters
    ----------
    scorecard : Scorecard
    axes : sequence of matplotlib.axes.Axes, optional
        One Axes per target; a new figure with one row per target is created when ``None``.
    units : mapping of str to str, optional
        Unit per metric name for the y-axis labels; a target's own ``unit`` wins; default
        "metric units".

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    count = len(scorecard.statuses)
    if axes is None:
        _, axes = plt.subplots(max(count, 1), 1, figsize=(8, 3.2 * max(count, 1)), squeeze=False)
    axes = np.asarray(axes).ravel()
    if len(axes) < count:
        raise ParameterError(f"plot_scorecard needs {count} axes, got {len(axes)}")
    units = units or {}
    if not count:
        axes[0].set_title("No targets configured")
        axes[0].set_xlabel("date")
        axes[0].set_ylabel("metric (metric units)")
    for status, ax in zip(scorecard.statuses, axes, strict=False):
        unit = status.target.unit or units.get(status.target.metric, "metric units")
        plot_target(status, ax=ax, unit=unit)
    if count:
        axes[0].figure.tight_layout()
    return axes

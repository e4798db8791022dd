"""Plots of reward-program simulations; each takes ``ax=None`` and returns the Axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from loyaltylab.errors import ParameterError
from loyaltylab.rewards.results import SimulationResult
from loyaltylab.rewards.uncertainty import MonteCarloResult, TornadoResult

__all__ = [
    "plot_liability",
    "plot_metric_intervals",
    "plot_naive_vs_true",
    "plot_retention",
    "plot_tier_distribution",
    "plot_tornado",
]


def _label(metric: str) -> str:
    words = metric.replace("_", " ")
    for short in ("clv", "roi"):
        words = words.replace(short, short.upper())
    return words


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    return ax


def plot_metric_intervals(
    monte_carlo: MonteCarloResult,
    metric: str = "incremental_margin",
    *,
    unit: str = "currency",
    ax: Axes | None = None,
) -> Axes:
    """Draw each program's median of ``metric`` with its Monte Carlo interval.

    Parameters
    ----------
    monte_carlo : MonteCarloResult
    metric : str, default "incremental_margin"
    unit : str, default "currency"
        Axis unit label.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    table = monte_carlo.summary([metric])
    if table.empty:
        raise ParameterError("no Monte Carlo draws to plot")
    positions = np.arange(len(table))
    ax.barh(positions, table["median"], color="#4C72B0", alpha=0.8, label="median")
    ax.errorbar(
        table["median"],
        positions,
        xerr=[table["median"] - table["low"], table["high"] - table["median"]],
        fmt="none",
        ecolor="black",
        capsize=4,
        label=f"{monte_carlo.interval:.0%} interval",
    )
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(positions, table["program"])
    ax.invert_yaxis()
    label = _label(metric)
    ax.set_xlabel(f"{label} over {monte_carlo.horizon_weeks} weeks ({unit})")
    ax.set_ylabel("program")
    ax.set_title(f"{label[0].upper() + label[1:]}: median and {monte_carlo.interval:.0%} interval")
    ax.legend(loc="best")
    return ax


def plot_tornado(
    result: TornadoResult,
    program: str,
    *,
    k: int = 5,
    unit: str = "currency",
    ax: Axes | None = None,
) -> Axes:
    """Draw the ``k`` most influential assumptions of ``program`` as a tornado chart.

    Parameters
    ----------
    result : TornadoResult
    program : str
    k : int, default 5
    unit : str, default "currency"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    top = result.top(program, k)
    base = float(top["base"].iloc[0])
    positions = np.arange(len(top))
    ax.barh(
        positions,
        top["output_low"] - base,
        left=base,
        color="#DD8452",
        label="assumption at low end",
    )
    ax.barh(
        positions,
        top["output_high"] - base,
        left=base,
        color="#55A868",
        label="assumption at high end",
    )
    ax.axvline(base, color="black", linewidth=1)
    labels = [f"{row.parameter} [{row.low:g}, {row.high:g}]" for row in top.itertuples()]
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"{_label(result.metric)} ({unit})")
    ax.set_ylabel("assumption [range]")
    ax.set_title(f"What the {program} result depends on most")
    ax.legend(loc="best")
    return ax


def plot_liability(
    result: SimulationResult, *, period_weeks: int = 13, ax: Axes | None = None
) -> Axes:
    """Draw the IFRS 15 contract liability of each points program per period.

    Parameters
    ----------
    result : SimulationResult
    period_weeks : int, default 13
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    for program in result.programs:
        if program.points is None:
            continue
        schedule = result.accounting(program.name, period_weeks)
        weeks = (schedule["period"].to_numpy() + 1) * period_weeks
        ax.plot(weeks, schedule["contract_liability"], marker="o", markersize=3, label=program.name)
    ax.set_xlabel("weeks since launch")
    ax.set_ylabel("contract liability (currency)")
    ax.set_title("Deferred revenue for unredeemed points (IFRS 15)")
    ax.legend(loc="best")
    return ax


def plot_retention(
    result: SimulationResult, programs: list[str] | None = None, ax: Axes | None = None
) -> Axes:
    """Draw the share of members still alive, with the program and without it (dashed).

    Parameters
    ----------
    result : SimulationResult
    programs : list of str, optional
        Default: all.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    names = programs or [program.name for program in result.programs]
    for index, name in enumerate(names):
        curve = result.retention_curve(name)
        color = f"C{index % 10}"
        ax.plot(curve["week"], 100 * curve["with_program"], color=color, label=name)
        ax.plot(
            curve["week"],
            100 * curve["without_program"],
            color=color,
            linestyle="--",
            linewidth=0.8,
        )
    ax.set_xlabel("weeks since launch")
    ax.set_ylabel("members still active customers (%)")
    ax.set_title("Member retention with the program (solid) and without it (dashed)")
    ax.legend(loc="best")
    return ax


def plot_tier_distribution(result: SimulationResult, program: str, ax: Axes | None = None) -> Axes:
    """Draw the number of active members per tier over time (stacked).

    Parameters
    ----------
    result : SimulationResult
    program : str
        A tiered program.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if program not in result.tier_counts:
        raise ParameterError(
            f"program {program!r} has no tiers; tiered: {sorted(result.tier_counts)}"
        )
    ax = _axes(ax)
    counts = result.tier_counts[program]
    ax.stackplot(
        counts.index, *[counts[column] for column in counts.columns], labels=list(counts.columns)
    )
    ax.set_xlabel("weeks since launch")
    ax.set_ylabel("active members (customers)")
    ax.set_title(f"Tier distribution of {program}")
    ax.legend(loc="upper right")
    return ax


def plot_naive_vs_true(result: SimulationResult, ax: Axes | None = None) -> Axes:
    """Draw the naive member vs non-member sales lift beside the true (twin) lift, per program.

    Parameters
    ----------
    result : SimulationResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    table = result.totals[["naive_lift", "true_lift"]].dropna()
    table = pd.DataFrame(table)
    positions = np.arange(len(table))
    ax.bar(
        positions - 0.2, 100 * table["naive_lift"], width=0.4, label="naive: members vs non-members"
    )
    ax.bar(
        positions + 0.2, 100 * table["true_lift"], width=0.4, label="true: members with vs without"
    )
    ax.set_xticks(positions, table.index, rotation=20, ha="right")
    ax.set_ylabel("sales lift per member (%)")
    ax.set_xlabel("program")
    ax.set_title("Self-selection: what a member/non-member comparison would claim")
    ax.legend(loc="best")
    return ax

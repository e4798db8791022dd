"""Plots of experiment results: forest plot of effects, segment effects.

Every function takes a result, accepts ``ax=None`` and returns the Axes; none calls ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from loyaltylab.errors import ParameterError
from loyaltylab.experiments.results import ExperimentAnalysis

__all__ = ["plot_forest", "plot_segment_effects"]


def plot_forest(
    analysis: ExperimentAnalysis, *, relative: bool = True, ax: Axes | None = None
) -> Axes:
    """Forest plot: every arm x outcome effect with its confidence interval.

    Parameters
    ----------
    analysis : ExperimentAnalysis
        The analysed experiment.
    relative : bool, default True
        Plot relative effects in % (comparable across metrics); otherwise absolute effects.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new figure if None).

    Returns
    -------
    matplotlib.axes.Axes
    """
    effects = analysis.effects
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(effects) + 1.5))
    prefix = "relative" if relative else "absolute"
    scale = 100.0 if relative else 1.0
    centre = effects[prefix if relative else "absolute"].to_numpy() * scale
    low = effects[f"{prefix}_ci_low"].to_numpy() * scale
    high = effects[f"{prefix}_ci_high"].to_numpy() * scale
    positions = np.arange(len(effects))[::-1]
    colours = np.where(effects["significant"].to_numpy(), "tab:blue", "tab:gray")
    for y, c, lo, hi, colour in zip(positions, centre, low, high, colours, strict=True):
        ax.plot([lo, hi], [y, y], color=colour, linewidth=2)
        ax.plot([c], [y], "o", color=colour)
    ax.axvline(0.0, color="black", linewidth=1, linestyle="--")
    ax.set_yticks(positions)
    ax.set_yticklabels(
        [
            f"{arm} · {outcome}"
            for arm, outcome in zip(effects["arm"], effects["outcome"], strict=True)
        ]
    )
    level = f"{(1 - analysis.alpha) * 100:.0f} %"
    unit = (
        "relative effect vs control (%)"
        if relative
        else "absolute effect vs control (metric units)"
    )
    ax.set_xlabel(unit)
    ax.set_ylabel("arm · metric")
    ax.set_title(
        f"Effect of each arm with {level} confidence intervals "
        "(blue = significant after correction)"
    )
    return ax


def plot_segment_effects(
    analysis: ExperimentAnalysis,
    outcome: str,
    segment: str | None = None,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Absolute effect of each arm within each segment value, with intervals (exploratory).

    Parameters
    ----------
    analysis : ExperimentAnalysis
        The analysed experiment.
    outcome : str
        Outcome to show.
    segment : str, optional
        Segment column to show (default: the first analysed; without segments the Axes says so).
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = analysis.heterogeneity
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    if segment is None:
        if table.empty:
            ax.text(0.5, 0.5, "no segment columns were analysed", ha="center", va="center")
            ax.set_title(f"Effect on {outcome} by segment (none requested)")
            ax.set_xlabel("segment")
            ax.set_ylabel(f"effect on {outcome}")
            return ax
        segment = str(table["segment"].iloc[0])
    rows = table[(table["outcome"] == outcome) & (table["segment"] == segment)]
    if rows.empty:
        raise ParameterError(
            f"no segment effects for outcome {outcome!r} and segment "
            f"{segment!r}; analyse with segments=[{segment!r}]"
        )
    values = list(dict.fromkeys(rows["segment_value"]))
    arms = list(dict.fromkeys(rows["arm"]))
    width = 0.8 / len(arms)
    kind = analysis.outcome_kinds.get(outcome, "continuous")
    scale = 100.0 if kind == "binary" else 1.0
    for offset, arm in enumerate(arms):
        part = rows[rows["arm"] == arm].set_index("segment_value").loc[values]
        x = np.arange(len(values)) + (offset - (len(arms) - 1) / 2) * width
        centre = part["absolute"].to_numpy() * scale
        err = np.vstack(
            [
                centre - part["ci_low"].to_numpy() * scale,
                part["ci_high"].to_numpy() * scale - centre,
            ]
        )
        ax.errorbar(x, centre, yerr=err, fmt="o", capsize=4, label=str(arm))
    ax.axhline(0.0, color="black", linewidth=1, linestyle="--")
    ax.set_xticks(np.arange(len(values)))
    ax.set_xticklabels(values)
    ax.set_xlabel(f"{segment}")
    ax.set_ylabel(f"effect on {outcome} ({'percentage points' if kind == 'binary' else 'units'})")
    ax.set_title(f"Effect on {outcome} by {segment} (exploratory)")
    ax.legend(title="arm")
    return ax

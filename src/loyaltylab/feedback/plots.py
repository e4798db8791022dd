"""Charts of the feedback report: NPS per wave, retention per NPS group, the lifecycle funnel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.feedback.behaviour import FeedbackEffects

__all__ = ["plot_funnel", "plot_nps_by_wave", "plot_retention_by_group"]


def _axes(ax: Any, size: tuple[float, float] = (7.0, 3.5)) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_nps_by_wave(by_wave: pd.DataFrame, ax: Any = None) -> Any:
    """Draw the NPS of each wave with its 95 % interval.

    Parameters
    ----------
    by_wave : pandas.DataFrame
        From :func:`loyaltylab.feedback.nps_by` with ``by="wave"``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    x = np.arange(len(by_wave))
    values = by_wave["nps"].to_numpy(dtype=float)
    errors = np.vstack([values - by_wave["ci_low"], by_wave["ci_high"] - values])
    ax.errorbar(x, values, yerr=errors, marker="o", capsize=4, label="NPS (95 % interval)")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks(x, by_wave["wave"].astype(str))
    ax.set_xlabel("survey wave")
    ax.set_ylabel("NPS (points, -100..100)")
    ax.set_title("Net promoter score per wave")
    ax.legend(loc="best")
    return ax


def plot_retention_by_group(effects: FeedbackEffects, ax: Any = None) -> Any:
    """Draw next-period retention per NPS group: observed (with interval) and adjusted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    rates = effects.rates
    x = np.arange(len(rates))
    observed = rates["retention"].to_numpy(dtype=float)
    errors = np.vstack([observed - rates["ci_low"], rates["ci_high"] - observed])
    ax.bar(x - 0.2, observed, width=0.4, yerr=errors, capsize=4, label="observed (95 % interval)")
    ax.bar(
        x + 0.2, rates["adjusted_retention"], width=0.4, label="past behaviour held equal (logit)"
    )
    ax.set_xticks(x, rates["nps_group"].astype(str))
    ax.set_xlabel("NPS group of the answer")
    ax.set_ylabel("share buying in the next period")
    ax.set_ylim(0, 1)
    ax.set_title("Do promoters keep buying?")
    ax.legend(loc="upper left")
    return ax


def plot_funnel(funnel: pd.DataFrame, ax: Any = None) -> Any:
    """Draw the lifecycle counts per period: active, acquired, active members, retained, advocates.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (8.0, 3.8))
    x = np.arange(len(funnel))
    for column, label in (
        ("active", "active customers"),
        ("acquired", "acquired (new)"),
        ("active_members", "engaged (active members)"),
        ("retained", "retained"),
        ("advocates", "advocates (promoters or referrers)"),
    ):
        ax.plot(x, funnel[column], marker="o", label=label)
    ax.set_xticks(x, funnel["period"].astype(str), rotation=45)
    ax.set_xlabel("period")
    ax.set_ylabel("customers")
    ax.set_title("The loyalty lifecycle per period")
    ax.legend(loc="best", fontsize="small")
    return ax

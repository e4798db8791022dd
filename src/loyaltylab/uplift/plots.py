"""Plots of uplift targeting: Qini curve, uplift by decile, profit curve.

Every function accepts ``ax=None`` and returns the Axes; none calls ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from loyaltylab.uplift.evaluation import UpliftEvaluation
from loyaltylab.uplift.profit import TargetingProfit
from loyaltylab.uplift.targeting import UpliftTargeting

__all__ = [
    "plot_profit_curve",
    "plot_profit_curves",
    "plot_qini_curve",
    "plot_qini_curves",
    "plot_uplift_by_decile",
]


def plot_qini_curve(
    evaluation: UpliftEvaluation,
    *,
    label: str = "model",
    outcome_unit: str = "outcome units",
    ax: Axes | None = None,
) -> Axes:
    """Qini curve of a ranking against random targeting.

    Parameters
    ----------
    evaluation : UpliftEvaluation
        From :func:`~loyaltylab.uplift.evaluate_uplift`.
    label : str, default "model"
        Legend label of the curve.
    outcome_unit : str, default "outcome units"
        Unit of the incremental outcome (e.g. "conversions", "EUR of spend").
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    curve = evaluation.curve
    share = curve["share_targeted"] * 100
    ax.plot(share, curve["qini"], label=f"{label} (Qini coefficient {evaluation.qini:.3f})")
    ax.plot(share, curve["random_qini"], linestyle="--", color="gray", label="random targeting")
    ax.set_xlabel("customers targeted, highest predicted uplift first (%)")
    ax.set_ylabel(f"incremental {outcome_unit} (held-out customers)")
    ax.set_title("Qini curve: incremental outcome by share targeted")
    ax.legend()
    return ax


def plot_uplift_by_decile(
    evaluation: UpliftEvaluation, *, outcome_unit: str = "outcome units", ax: Axes | None = None
) -> Axes:
    """Observed uplift per decile of predicted uplift, with +-2 SE bars.

    Parameters
    ----------
    evaluation : UpliftEvaluation
        From :func:`~loyaltylab.uplift.evaluate_uplift`.
    outcome_unit : str, default "outcome units"
        Unit of the uplift per customer.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    deciles = evaluation.deciles
    ax.bar(
        deciles["bin"],
        deciles["uplift"],
        yerr=2 * deciles["uplift_se"],
        capsize=3,
        color="tab:blue",
        alpha=0.8,
        label="observed uplift (+-2 SE)",
    )
    ax.plot(
        deciles["bin"],
        deciles["predicted_uplift"],
        "o-",
        color="tab:orange",
        label="predicted uplift",
    )
    ax.axhline(0.0, color="black", linewidth=1)
    ax.set_xlabel("decile of predicted uplift (1 = highest)")
    ax.set_ylabel(f"uplift per customer ({outcome_unit})")
    ax.set_title("Observed vs predicted uplift by decile (held-out customers)")
    ax.legend()
    return ax


def plot_profit_curve(
    profit: TargetingProfit,
    *,
    currency: str = "EUR",
    label: str = "estimated",
    truth: TargetingProfit | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Incremental profit of targeting the top share, with the best share marked.

    Parameters
    ----------
    profit : TargetingProfit
        From :func:`~loyaltylab.uplift.targeting_profit`.
    currency : str, default "EUR"
        Currency label for the axis.
    label : str, default "estimated"
        Legend label.
    truth : TargetingProfit, optional
        A true profit curve (synthetic data) drawn for comparison.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    curve = profit.curve
    ax.plot(curve["share_targeted"] * 100, curve["profit"], label=label)
    ax.axvline(
        profit.best_share * 100,
        color="tab:green",
        linestyle=":",
        label=f"best share {profit.best_share:.0%}",
    )
    if truth is not None:
        scale = profit.population / truth.population
        ax.plot(
            truth.curve["share_targeted"] * 100,
            truth.curve["profit"] * scale,
            color="black",
            linestyle="--",
            label="true (synthetic truth)",
        )
    ax.axhline(0.0, color="gray", linewidth=1)
    ax.set_xlabel("customers targeted, highest predicted uplift first (%)")
    ax.set_ylabel(f"incremental profit ({currency} per {profit.population:,.0f} customers)")
    ax.set_title("Profit of targeting the top share vs everyone (right end) and no one (0)")
    ax.legend()
    return ax


def plot_qini_curves(
    targeting: UpliftTargeting, *, outcome_unit: str = "outcome units", ax: Axes | None = None
) -> Axes:
    """Qini curves of every treatment arm (held-out data), with random targeting.

    Parameters
    ----------
    targeting : UpliftTargeting
        From :func:`~loyaltylab.uplift.uplift_targeting`.
    outcome_unit : str, default "outcome units"
        Unit of the incremental outcome.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    for arm, evaluation in targeting.evaluations.items():
        curve = evaluation.curve
        line = ax.plot(
            curve["share_targeted"] * 100,
            curve["qini"],
            label=f"{arm} (Qini coefficient {evaluation.qini:.3f})",
        )[0]
        ax.plot(
            curve["share_targeted"] * 100,
            curve["random_qini"],
            linestyle="--",
            color=line.get_color(),
            alpha=0.6,
            label=f"{arm}: random targeting",
        )
    ax.set_xlabel("customers targeted, highest predicted uplift first (%)")
    ax.set_ylabel(f"incremental {outcome_unit} (held-out customers)")
    ax.set_title(f"Qini curves for {targeting.outcome}: model ranking vs random")
    ax.legend(fontsize="small")
    return ax


def plot_profit_curves(
    targeting: UpliftTargeting, *, currency: str = "EUR", ax: Axes | None = None
) -> Axes:
    """Profit of targeting the top share, every treatment arm.

    Parameters
    ----------
    targeting : UpliftTargeting
        From :func:`~loyaltylab.uplift.uplift_targeting` with the offer economics.
    currency : str, default "EUR"
        Currency label.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    population = 0.0
    for arm, profit in targeting.profits.items():
        population = profit.population
        line = ax.plot(
            profit.curve["share_targeted"] * 100,
            profit.curve["profit"],
            label=f"{arm}: best top {profit.best_share:.0%}",
        )[0]
        ax.axvline(profit.best_share * 100, color=line.get_color(), linestyle=":")
    ax.axhline(0.0, color="gray", linewidth=1)
    ax.set_xlabel("customers targeted, highest predicted uplift first (%)")
    ax.set_ylabel(f"incremental profit ({currency} per {population:,.0f} customers)")
    ax.set_title(
        f"Profit of targeting by predicted uplift in {targeting.outcome} "
        "(0 % = no one, 100 % = everyone)"
    )
    ax.legend(fontsize="small")
    return ax

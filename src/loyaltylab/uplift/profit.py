"""Profit of targeting the top share of customers by predicted uplift.

Targeting a share ``s`` of the customer base (the top ``s`` by score) costs ``offer_cost`` per
targeted customer and earns ``margin`` per unit of incremental outcome (per extra conversion for a
0/1 outcome, per currency unit of extra spend times the margin rate for spend). On held-out
experiment data the incremental outcome of the top ``s`` is estimated by the uplift curve
(``(mean_T - mean_C) * n_s``), so the estimated incremental profit of targeting the top ``s`` of a
population of ``population`` customers is

    profit(s) = population / n * (margin * U(n_s) - offer_cost * n_s).

``no one`` is ``s = 0`` (profit 0), ``everyone`` is ``s = 1``; the best share maximises the curve.
The empirical maximum is noisy (it picks the luckiest point of a noisy curve), so the *break-even
share* is reported too: the share of customers whose predicted uplift times ``margin`` exceeds
``offer_cost`` (it relies on the model's calibration instead of the held-out noise).
With known individual uplift (synthetic data) :func:`true_targeting_profit` gives the real profit
of any ranking, and its optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.uplift.evaluation import _arrays, uplift_curve

__all__ = ["TargetingProfit", "targeting_profit", "targeting_sentence", "true_targeting_profit"]


@dataclass(frozen=True)
class TargetingProfit:
    """Incremental profit of targeting the top share by score.

    Attributes
    ----------
    curve : pandas.DataFrame
        share_targeted, n_targeted (in the population), incremental_outcome, cost, profit.
    best_share : float
        Share of customers whose targeting maximises the profit.
    best_profit : float
        Profit at ``best_share``.
    everyone_profit : float
        Profit of targeting everyone.
    breakeven_share : float
        Share whose predicted uplift times ``margin`` exceeds ``offer_cost``.
    breakeven_profit : float
        Estimated profit of targeting the break-even share.
    no_one_profit : float
        Profit of targeting no one (0).
    offer_cost, margin : float
        The economics used.
    population : float
        Customers the profit is scaled to.
    """

    curve: pd.DataFrame
    best_share: float
    best_profit: float
    everyone_profit: float
    breakeven_share: float
    breakeven_profit: float
    no_one_profit: float
    offer_cost: float
    margin: float
    population: float

    def summary(self) -> pd.DataFrame:
        """Return no one / best share / break-even share / everyone as four rows."""
        return pd.DataFrame(
            {
                "strategy": [
                    "no one",
                    f"best: top {self.best_share:.0%}",
                    f"break-even: top {self.breakeven_share:.0%}",
                    "everyone",
                ],
                "share_targeted": [0.0, self.best_share, self.breakeven_share, 1.0],
                "profit": [
                    self.no_one_profit,
                    self.best_profit,
                    self.breakeven_profit,
                    self.everyone_profit,
                ],
            }
        )


def _check_economics(offer_cost: float, margin: float) -> None:
    if not np.isfinite(offer_cost) or offer_cost < 0:
        raise ParameterError(f"parameter 'offer_cost' must be >= 0, got {offer_cost}")
    if not np.isfinite(margin) or margin <= 0:
        raise ParameterError(f"parameter 'margin' must be > 0, got {margin}")


def targeting_profit(
    y: object,
    score: object,
    treatment: object,
    *,
    offer_cost: float,
    margin: float,
    population: float | None = None,
) -> TargetingProfit:
    """Estimated incremental profit of targeting the top share by score (held-out data).

    Parameters
    ----------
    y, score, treatment : array-like
        Held-out outcome, predicted uplift, treatment indicator.
    offer_cost : float
        Cost of the offer per targeted customer.
    margin : float
        Profit per unit of incremental outcome.
    population : float, optional
        Customers to scale the profit to (default: the held-out units).

    Returns
    -------
    TargetingProfit
    """
    _check_economics(offer_cost, margin)
    y_arr, s_arr, t_arr = _arrays(y, score, treatment)
    n = y_arr.size
    population = float(n if population is None else population)
    if population <= 0:
        raise ParameterError(f"parameter 'population' must be > 0, got {population}")
    x, uplift = uplift_curve(y_arr, s_arr, t_arr)
    scale = population / n
    incremental = uplift * scale
    cost = offer_cost * x * scale
    profit = margin * incremental - cost
    curve = pd.DataFrame(
        {
            "share_targeted": x / n,
            "n_targeted": x * scale,
            "incremental_outcome": incremental,
            "cost": cost,
            "profit": profit,
        }
    )
    best = int(np.argmax(profit))
    n_breakeven = int((s_arr * margin > offer_cost).sum())
    at = int(np.searchsorted(x, n_breakeven, side="right") - 1)
    return TargetingProfit(
        curve=curve,
        best_share=float(x[best] / n),
        best_profit=float(profit[best]),
        everyone_profit=float(profit[-1]),
        breakeven_share=float(x[at] / n),
        breakeven_profit=float(profit[at]),
        no_one_profit=0.0,
        offer_cost=float(offer_cost),
        margin=float(margin),
        population=population,
    )


def true_targeting_profit(
    true_uplift: object, score: object, *, offer_cost: float, margin: float
) -> TargetingProfit:
    """Real profit of targeting the top share by ``score`` when individual uplift is known.

    Parameters
    ----------
    true_uplift : array-like of float
        Expected individual uplift of every customer (synthetic truth).
    score : array-like of float
        The ranking (pass ``true_uplift`` itself for the best possible ranking).
    offer_cost, margin : float
        As in :func:`targeting_profit`.

    Returns
    -------
    TargetingProfit
        Scaled to the number of customers given.
    """
    _check_economics(offer_cost, margin)
    tau = np.asarray(true_uplift, dtype=float)
    s_arr = np.asarray(score, dtype=float)
    if tau.shape != s_arr.shape or tau.ndim != 1 or not np.all(np.isfinite(tau)):
        raise ParameterError("true_uplift and score must be finite 1-D arrays of equal length")
    order = np.argsort(s_arr, kind="mergesort")[::-1]
    gains = np.r_[0.0, np.cumsum(margin * tau[order] - offer_cost)]
    n_targeted = np.arange(tau.size + 1, dtype=float)
    incremental = np.r_[0.0, np.cumsum(tau[order])]
    curve = pd.DataFrame(
        {
            "share_targeted": n_targeted / tau.size,
            "n_targeted": n_targeted,
            "incremental_outcome": incremental,
            "cost": offer_cost * n_targeted,
            "profit": gains,
        }
    )
    best = int(np.argmax(gains))
    n_breakeven = int((s_arr * margin > offer_cost).sum())
    return TargetingProfit(
        curve=curve,
        best_share=float(best / tau.size),
        best_profit=float(gains[best]),
        everyone_profit=float(gains[-1]),
        breakeven_share=float(n_breakeven / tau.size),
        breakeven_profit=float(gains[n_breakeven]),
        no_one_profit=0.0,
        offer_cost=float(offer_cost),
        margin=float(margin),
        population=float(tau.size),
    )


def targeting_sentence(
    profit: TargetingProfit, *, arm: str = "the offer", currency: str = ""
) -> str:
    """Return one sentence comparing best-share targeting with everyone and no one.

    Parameters
    ----------
    profit : TargetingProfit
        The estimated profit curve.
    arm : str, default "the offer"
        Name of the offer.
    currency : str, default ""
        Currency prefix for amounts.

    Returns
    -------
    str
    """
    per = f" per {profit.population:,.0f} customers"

    def money(value: float) -> str:
        sign = "-" if value < 0 else ""
        return f"{sign}{currency}{abs(value):,.0f}"

    if profit.best_profit <= 0:
        return (
            f"Sending {arm} is not expected to pay back at a cost of {currency}"
            f"{profit.offer_cost:,.2f} per customer: no targeting share earns a profit."
        )
    return (
        f"Next time, send {arm} to the {profit.best_share:.0%} of customers with the highest "
        f"predicted uplift: estimated incremental profit {money(profit.best_profit)}{per}, "
        f"against {money(profit.everyone_profit)} for everyone and {money(0.0)} for no one "
        "(an estimate on held-out customers; its noise is large when the share is small)."
    )

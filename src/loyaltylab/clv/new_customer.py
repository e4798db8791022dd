"""The expected value of a newly acquired customer, for acquisition budgets.

A customer acquired today has no history yet: the transaction model's unconditional expectation
E[X(t)] (BG/NBD: Fader, Hardie & Lee 2005, eq. 9; Pareto/NBD: Fader & Hardie 2005, note 009;
MBG/NBD) gives the repeat purchases expected in the customer's first t units, and the Gamma-Gamma
population mean p v / (q - 1) (Fader & Hardie 2013) the spend per purchase. The discounting is
the one of :func:`loyaltylab.clv.customer_lifetime_value`: the horizon H is cut into steps
t_k = min(k · step, H), the purchases of step k, E[X(t_k)] - E[X(t_{k-1})], are valued at the
mean spend times the margin and discounted to the acquisition date at the annual rate d as
(1 + d) ** (-t_k / units_per_year):

    value = margin · E[M] · Σ_k (E[X(t_k)] - E[X(t_{k-1})]) · (1 + d) ** (-t_k / units_per_year)

The acquisition purchase itself is not counted (add its margin when the budget should). The
result is what a new customer is expected to be worth, so what acquiring one may cost at most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab.clv.fitting import SpendModelFit, TransactionModelFit
from loyaltylab.clv.models import get_transaction_model
from loyaltylab.errors import ParameterError
from loyaltylab.rules import TIME_UNIT_DAYS

__all__ = ["NewCustomerValue", "new_customer_value"]


@dataclass(frozen=True)
class NewCustomerValue:
    """What a newly acquired customer is expected to bring over a horizon.

    Attributes
    ----------
    model : str
        Transaction model of the fit (``"bgnbd"``, ``"pareto_nbd"``, ``"mbgnbd"``).
    horizon : float
        Horizon in ``time_unit``.
    time_unit : str
        Analysis unit of the fit.
    discount_rate : float
        Annual discount rate.
    margin : float
        Share of spend that is margin.
    mean_spend : float
        Expected spend per purchase of a customer without history (Gamma-Gamma population mean,
        or the number given).
    expected_purchases : float
        Repeat purchases expected over the horizon, undiscounted (E[X(H)]).
    discounted_purchases : float
        The same, each step's purchases discounted to the acquisition date.
    value : float
        margin × mean spend × discounted purchases: the expected (discounted) margin.
    schedule : pandas.DataFrame
        One row per step: ``time`` (end of the step), ``expected_purchases`` (cumulative
        E[X(t)]), ``purchases`` (in the step), ``discount_factor`` and ``value`` (of the step).
    """

    model: str
    horizon: float
    time_unit: str
    discount_rate: float
    margin: float
    mean_spend: float
    expected_purchases: float
    discounted_purchases: float
    value: float
    schedule: pd.DataFrame

    @property
    def expected_spend(self) -> float:
        """Undiscounted spend over the horizon, mean spend × expected purchases."""
        return self.mean_spend * self.expected_purchases

    def summary(self) -> pd.DataFrame:
        """Return the result as one row (horizon, rates, purchases, spend, value)."""
        return pd.DataFrame(
            [
                {
                    "model": get_transaction_model(self.model).label,
                    "horizon": self.horizon,
                    "time_unit": self.time_unit,
                    "discount_rate": self.discount_rate,
                    "margin": self.margin,
                    "mean_spend": self.mean_spend,
                    "expected_purchases": self.expected_purchases,
                    "discounted_purchases": self.discounted_purchases,
                    "expected_spend": self.expected_spend,
                    "value": self.value,
                }
            ]
        )


def _number(value: float, name: str, *, low: float = 0.0, strict: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < low or (strict and value == low):
        relation = ">" if strict else ">="
        raise ParameterError(
            f"parameter {name!r} must be a finite number {relation} {low:g}, got {value!r}"
        )
    return float(value)


def new_customer_value(
    fit: TransactionModelFit,
    spend: SpendModelFit | float,
    horizon: float,
    discount_rate: float = 0.0,
    *,
    margin: float = 1.0,
    step: float = 1.0,
) -> NewCustomerValue:
    """Return the expected purchases and discounted value of a customer acquired today.

    Parameters
    ----------
    fit : TransactionModelFit
        A fitted BG/NBD, Pareto/NBD or MBG/NBD model (:func:`loyaltylab.clv.fit_transaction_model`).
    spend : SpendModelFit or float
        A Gamma-Gamma fit (its population mean p v / (q - 1) is used; needs q > 1) or the mean
        spend per purchase itself, in currency.
    horizon : float
        Horizon in the fit's time unit (e.g. 104 weeks).
    discount_rate : float, default 0
        Annual discount rate (0.10 for 10 %).
    margin : float, default 1.0
        Share of spend that is margin (1.0 values revenue).
    step : float, default 1
        Discounting step in the fit's time unit.

    Returns
    -------
    NewCustomerValue

    Raises
    ------
    ParameterError
        A negative or non-finite horizon, rate, margin or spend, a step <= 0, or a Gamma-Gamma
        fit with q <= 1 (infinite mean spend).

    Examples
    --------
    >>> from loyaltylab.clv.fitting import TransactionModelFit
    >>> fit = TransactionModelFit(
    ...     "bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4,
    ...     pd.DataFrame(), 2357, 2357, (),
    ... )
    >>> result = new_customer_value(fit, 35.0, horizon=52, discount_rate=0.10, margin=0.3)
    >>> round(result.expected_purchases, 3), round(result.value, 2)
    (1.446, 14.59)
    """
    family = get_transaction_model(fit.model)
    horizon = _number(horizon, "horizon")
    discount_rate = _number(discount_rate, "discount_rate")
    margin = _number(margin, "margin")
    step = _number(step, "step", strict=True)
    if isinstance(spend, SpendModelFit):
        mean_spend = spend.population_mean_spend
        if not math.isfinite(mean_spend):
            raise ParameterError(
                f"the Gamma-Gamma fit has q = {spend.params['q']:.4g} <= 1, so its mean spend "
                "per purchase is infinite; pass the mean spend as a number instead"
            )
    else:
        mean_spend = _number(spend, "spend")
    units_per_year = 365.25 / TIME_UNIT_DAYS[fit.time_unit]
    n_steps = max(1, math.ceil(horizon / step - 1e-9)) if horizon > 0 else 0
    times = np.minimum(np.arange(1, n_steps + 1) * step, horizon)
    params = list(fit.params.values())
    cumulative = (
        np.asarray(family.expected_purchases_new_customer(params, times), dtype=float)
        if n_steps
        else np.zeros(0)
    )
    purchases = np.diff(np.concatenate([[0.0], cumulative]))
    factor = (1.0 + discount_rate) ** (-times / units_per_year)
    step_value = margin * mean_spend * purchases * factor
    schedule = pd.DataFrame(
        {
            "time": times,
            "expected_purchases": cumulative,
            "purchases": purchases,
            "discount_factor": factor,
            "value": step_value,
        }
    )
    discounted = float((purchases * factor).sum())
    return NewCustomerValue(
        model=fit.model,
        horizon=horizon,
        time_unit=fit.time_unit,
        discount_rate=discount_rate,
        margin=margin,
        mean_spend=float(mean_spend),
        expected_purchases=float(cumulative[-1]) if n_steps else 0.0,
        discounted_purchases=discounted,
        value=float(step_value.sum()),
        schedule=schedule,
    )

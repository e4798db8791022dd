"""The value of a newly acquired customer (loyaltylab.clv.new_customer).

Parameters: the published CDNOW estimates, BG/NBD r = 0.243, alpha = 4.414, a = 0.793,
b = 2.426 and Pareto/NBD r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669 (Fader, Hardie & Lee
2005, via reference/clv.md §3), Gamma-Gamma p = 6.25, q = 3.74, v = 15.44 (Fader & Hardie 2013).
Checks: E[X(t)] against lifetimes' expected_number_of_purchases_up_to_time, the papers' closed forms
written here with scipy, and a Monte Carlo simulation of new customers; the discounted value
against the same simulation and a numerical integration.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, ParetoNBDFitter
from scipy.integrate import quad
from scipy.special import hyp2f1

from loyaltylab.clv import NewCustomerValue, expected_purchases_new_customer, new_customer_value
from loyaltylab.clv.fitting import SpendModelFit, TransactionModelFit
from loyaltylab.errors import ParameterError

BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PARETO = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
SPEND = {"p": 6.25, "q": 3.74, "v": 15.44}


def transaction_fit(model: str, params: dict[str, float]) -> TransactionModelFit:
    return TransactionModelFit(model, params, 0.0, pd.DataFrame(), 2357, 2357, ())


def spend_fit() -> SpendModelFit:
    return SpendModelFit(SPEND, 0.0, pd.DataFrame(), 946, 1411, 946, 0.11)


def bgnbd_expected(t: np.ndarray) -> np.ndarray:
    # Fader, Hardie & Lee 2005, eq. 9
    r, alpha, a, b = BGNBD.values()
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def pareto_expected(t: np.ndarray) -> np.ndarray:
    # Fader & Hardie 2005, note 009 (s != 1)
    r, alpha, s, beta = PARETO.values()
    return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


def simulate_purchase_times(
    model: str, n: int, horizon: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Customer and time of every repeat purchase of n new customers (first purchase at 0)."""
    rng = np.random.default_rng(seed)
    if model == "bgnbd":
        r, alpha, a, b = BGNBD.values()
        rate = rng.gamma(r, 1 / alpha, n)
        churn = rng.beta(a, b, n)
        lifetime = np.full(n, np.inf)
    else:
        r, alpha, s, beta = PARETO.values()
        rate = rng.gamma(r, 1 / alpha, n)
        churn = np.zeros(n)
        lifetime = rng.exponential(1 / rng.gamma(s, 1 / beta, n))
    times: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    clock = np.zeros(n)
    open_ = np.ones(n, dtype=bool)
    while open_.any():
        idx = np.flatnonzero(open_)
        clock[idx] += rng.exponential(1 / rate[idx])
        stop = (clock[idx] > horizon) | (clock[idx] > lifetime[idx])
        buying = idx[~stop]
        times.append(clock[buying].copy())
        owners.append(buying)
        open_[idx[stop]] = False
        # BG/NBD: dropout right after each repeat purchase with probability p
        open_[buying[rng.random(buying.size) < churn[buying]]] = False
    return np.concatenate(owners), np.concatenate(times)


@pytest.mark.parametrize(("model", "params"), [("bgnbd", BGNBD), ("pareto_nbd", PARETO)])
def test_expected_purchases_match_lifetimes_and_the_closed_forms(
    model: str, params: dict[str, float]
) -> None:
    t = np.array([1.0, 13.0, 39.0, 52.0, 78.0, 260.0])
    ours = expected_purchases_new_customer(transaction_fit(model, params), t)
    fitter = (BetaGeoFitter if model == "bgnbd" else ParetoNBDFitter)()
    fitter.params_ = pd.Series(params)
    np.testing.assert_allclose(ours, fitter.expected_number_of_purchases_up_to_time(t), rtol=1e-10)
    closed = bgnbd_expected(t) if model == "bgnbd" else pareto_expected(t)
    np.testing.assert_allclose(ours, closed, rtol=1e-8)


@pytest.mark.parametrize(("model", "params"), [("bgnbd", BGNBD), ("pareto_nbd", PARETO)])
def test_expected_purchases_and_value_match_a_simulation(
    model: str, params: dict[str, float]
) -> None:
    n, horizon, rate, units_per_year = 200_000, 52.0, 0.10, 365.25 / 7
    owner, times = simulate_purchase_times(model, n, horizon, seed=42)
    result = new_customer_value(transaction_fit(model, params), 30.0, horizon, rate, margin=0.25)
    counts = np.bincount(owner, minlength=n)
    se = counts.std() / math.sqrt(n)
    assert abs(result.expected_purchases - counts.mean()) < 4 * se
    # discounting at the end of each weekly step, as the package does
    factor = (1 + rate) ** (-np.ceil(times) / units_per_year)
    values = 0.25 * 30.0 * np.bincount(owner, weights=factor, minlength=n)
    assert abs(result.value - values.mean()) < 4 * values.std() / math.sqrt(n)
    assert result.discounted_purchases < result.expected_purchases


def test_value_converges_to_the_continuous_integral() -> None:
    # value with fine steps = margin * mean spend * integral of (1+d)^(-t/U) dE[X(t)]
    fit = transaction_fit("bgnbd", BGNBD)
    horizon, rate, units_per_year = 104.0, 0.10, 365.25 / 7

    def density(t: float) -> float:  # dE[X(t)]/dt, central differences
        low, high = max(t - 1e-5, 0.0), t + 1e-5
        return float(
            (bgnbd_expected(np.array(high)) - bgnbd_expected(np.array(low))) / (high - low)
        )

    integral, _ = quad(
        lambda t: density(t) * (1 + rate) ** (-t / units_per_year), 0, horizon, limit=200
    )
    fine = new_customer_value(fit, 1.0, horizon, rate, step=0.01)
    assert fine.discounted_purchases == pytest.approx(integral, rel=1e-4)
    # weekly steps value each week's purchases at its end: a little less than the integral
    weekly = new_customer_value(fit, 1.0, horizon, rate)
    assert integral * (1 + rate) ** (-1 / units_per_year) < weekly.discounted_purchases < integral


def test_gamma_gamma_mean_spend_margin_and_schedule() -> None:
    fit = transaction_fit("pareto_nbd", PARETO)
    result = new_customer_value(fit, spend_fit(), 52, 0.0, margin=0.3)
    assert isinstance(result, NewCustomerValue)
    mean_spend = 6.25 * 15.44 / (3.74 - 1)  # p v / (q - 1), Fader & Hardie 2013
    assert result.mean_spend == pytest.approx(mean_spend)
    # undiscounted: value = margin * mean spend * E[X(H)]
    assert result.value == pytest.approx(0.3 * mean_spend * float(pareto_expected(np.array(52.0))))
    assert result.expected_spend == pytest.approx(mean_spend * result.expected_purchases)
    assert len(result.schedule) == 52
    assert result.schedule["value"].sum() == pytest.approx(result.value)
    assert result.schedule["expected_purchases"].iloc[-1] == pytest.approx(
        result.expected_purchases
    )
    row = result.summary().iloc[0]
    assert row["model"] == "Pareto/NBD" and row["value"] == pytest.approx(result.value)
    # a horizon that is not a whole number of steps ends on the horizon
    assert new_customer_value(fit, 1.0, 10.5).schedule["time"].iloc[-1] == 10.5
    assert new_customer_value(fit, 1.0, 0.0).value == 0.0


def test_refuses_bad_inputs() -> None:
    fit = transaction_fit("bgnbd", BGNBD)
    with pytest.raises(ParameterError, match="horizon"):
        new_customer_value(fit, 30.0, -1)
    with pytest.raises(ParameterError, match="discount_rate"):
        new_customer_value(fit, 30.0, 52, math.nan)
    with pytest.raises(ParameterError, match="margin"):
        new_customer_value(fit, 30.0, 52, margin=-0.1)
    with pytest.raises(ParameterError, match="step"):
        new_customer_value(fit, 30.0, 52, step=0)
    heavy_tail = SpendModelFit({"p": 6.25, "q": 0.9, "v": 15.44}, 0.0, pd.DataFrame(), 1, 1, 1, 0.0)
    with pytest.raises(ParameterError, match="q = 0.9"):
        new_customer_value(fit, heavy_tail, 52)
    with pytest.raises(ParameterError, match="model"):
        new_customer_value(transaction_fit("not_a_model", BGNBD), 30.0, 52)

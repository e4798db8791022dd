"""Boundaries of the spend model and of the NBD, and calibration fits that take them (issue 10).

Data: simulated, each with its truth stated.

* One price for everything (every repeat purchase costs 12.50): no spend variation at all, the
  Gamma-Gamma likelihood grows without bound as p, q → ∞; the truth is that every customer's
  next order costs 12.50.
* Heavy-tailed spend: Gamma-Gamma with q = 0.7 < 1 (Fader & Hardie 2013, note 025: the
  population mean p v / (q - 1) exists only for q > 1), so a customer without history has no
  expected spend.
* Poisson buyers who never die: 200 customers over one year with one common rate of 0.3
  purchases a week. The NBD's maximum is its Poisson limit r → ∞ with λ̂ = Σx / ΣT (the Poisson
  maximum-likelihood estimate, computed by hand below), and BG/NBD, MBG/NBD, Pareto/NBD reduce
  to it (no dropout).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import loyaltylab.clv as clv
from loyaltylab.clv.models.gamma_gamma import BOUNDARY_P
from loyaltylab.clv.models.nbd import POISSON_R
from loyaltylab.customers import split_calibration_holdout
from loyaltylab.errors import DataValidationError
from loyaltylab.reports.notebooks import clv_sections as sections

PRICE = 12.50
RATE = 0.3  # purchases per week, the same for every customer


def one_price_summary(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    freq = rng.poisson(2.0, n)
    return pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "frequency": freq,
            "recency": np.where(freq > 0, 20.0, 0.0),
            "T": 40.0,
            "monetary_value": np.where(freq > 0, PRICE, 0.0),
        }
    )


def heavy_tail_summary(n: int = 2000, seed: int = 3) -> pd.DataFrame:
    """Gamma-Gamma spend with p = 3, q = 0.7, v = 5 (no population mean)."""
    rng = np.random.default_rng(seed)
    freq = rng.poisson(1.5, n)
    nu = rng.gamma(0.7, 1 / 5.0, n)
    mean_spend = np.array(
        [rng.gamma(3.0 * x, 1 / (rate * x)) if x else 0.0 for x, rate in zip(freq, nu, strict=True)]
    )
    return pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "frequency": freq,
            "recency": np.where(freq > 0, 20.0, 0.0),
            "T": 40.0,
            "monetary_value": mean_spend,
        }
    )


def poisson_log(n: int = 200, seed: int = 1) -> pd.DataFrame:
    """Transactions of Poisson buyers who never die, joining in the first half of 2020.

    With seed 1 the calibration counts are not over-dispersed, so the NBD's maximum is at
    r = ∞ (with seeds 0, 2, 3 sampling noise gives a finite r of 50-120: no boundary there).
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-01")
    rows = []
    for customer in range(n):
        first = int(rng.integers(0, 182))
        days = rng.integers(first + 1, 365, rng.poisson(RATE * (365 - first) / 7))
        for day in [first, *sorted(days.tolist())]:
            rows.append((customer, start + pd.Timedelta(days=int(day)), PRICE))
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])


# --------------------------------------------------------------------------- spend model


def test_one_price_is_the_spend_boundary_each_customers_own_mean():
    summary = one_price_summary()
    spend = clv.fit_spend_model(summary)  # used to be a ModelConvergenceError (p = 2.2e6)
    assert spend.status == "boundary"
    assert "no variation in spend within customers" in spend.boundary_note
    assert "spend per order taken as each customer's mean" in spend.boundary_note
    assert spend.params["p"] == BOUNDARY_P
    assert spend.observed_mean_spend == pytest.approx(PRICE)
    # truth: every next order costs the one price, one-time buyers included
    assert clv.expected_spend(spend, summary).to_numpy() == pytest.approx(PRICE, rel=1e-6)
    assert spend.population_mean_spend == pytest.approx(PRICE, rel=1e-9)
    # the parameters are fixed: the intervals carry no spend uncertainty, CLV is computed
    nbd = clv.TransactionModelFit(
        "nbd",
        {"r": 0.5, "alpha": 4.0},
        0.0,
        pd.DataFrame(
            np.diag([0.01, 0.01]), index=["log_r", "log_alpha"], columns=["log_r", "log_alpha"]
        ),
        len(summary),
        1,
        (),
    )
    result = clv.customer_lifetime_value(nbd, spend, summary, horizon=52)
    assert np.isfinite(result.total) and result.total > 0
    intervals = clv.clv_intervals(nbd, spend, summary, point=result, n_draws=20, seed=1)
    assert intervals.total_low <= result.total <= intervals.total_high
    assert not spend.summary().empty


def test_own_price_per_customer_gives_each_customer_about_their_mean():
    # each repeat buyer pays their own fixed price: the mean of their orders is the truth
    rng = np.random.default_rng(1)
    summary = one_price_summary(400, seed=1)
    prices = np.round(rng.gamma(4.0, 10.0, len(summary)), 2)
    summary["monetary_value"] = np.where(summary["frequency"] > 0, prices, 0.0)
    spend = clv.fit_spend_model(summary)
    expected = clv.expected_spend(spend, summary)
    repeat = summary["frequency"] > 0
    assert np.all(np.isfinite(expected)) and np.all(expected > 0)
    # shrunk towards the population mean, never beyond it
    low = np.minimum(summary["monetary_value"], spend.population_mean_spend)
    high = np.maximum(summary["monetary_value"], spend.population_mean_spend)
    assert np.all(
        (expected[repeat] >= low[repeat] - 1e-9) & (expected[repeat] <= high[repeat] + 1e-9)
    )


def test_fewer_than_two_repeat_buyers_boundary_and_none_refused_with_counts():
    summary = one_price_summary(50)
    summary["frequency"] = 0
    summary["recency"] = 0.0
    summary["monetary_value"] = 0.0
    summary.loc[0, ["frequency", "recency", "monetary_value"]] = [2, 20.0, 30.0]
    spend = clv.fit_spend_model(summary)
    assert spend.status == "boundary"
    assert "only 1 repeat customer(s)" in spend.boundary_note
    assert "49 without repeat purchases" in spend.boundary_note
    assert clv.expected_spend(spend, summary).to_numpy() == pytest.approx(30.0, rel=1e-6)
    summary.loc[0, ["frequency", "recency", "monetary_value"]] = [0, 0.0, 0.0]
    with pytest.raises(DataValidationError, match="0 repeat customer.*50 without repeat"):
        clv.fit_spend_model(summary)


def test_q_below_one_values_one_time_buyers_at_the_observed_mean_and_new_customer_na():
    summary = heavy_tail_summary()
    spend = clv.fit_spend_model(summary)
    assert spend.params["q"] < 1  # truth q = 0.7: no population mean spend
    assert not spend.mean_spend_defined
    assert "q = " in spend.note and "undefined" in spend.note
    expected = clv.expected_spend(spend, summary)
    one_time = summary["frequency"] == 0
    # before: p v / (q - 1) < 0, a negative spend for every one-time buyer (LT #362)
    repeat = summary[~one_time]
    observed = (repeat["frequency"] * repeat["monetary_value"]).sum() / repeat["frequency"].sum()
    assert expected[one_time].to_numpy() == pytest.approx(observed)
    assert np.all(expected > 0)
    # repeat buyers: the posterior mean p (v + x m̄) / (p x + q - 1), by hand for one customer
    p, q, v = (spend.params[k] for k in ("p", "q", "v"))
    row = repeat.iloc[0]
    by_hand = p * (v + row["frequency"] * row["monetary_value"]) / (p * row["frequency"] + q - 1)
    assert expected[row.name] == pytest.approx(by_hand)
    fit = clv.TransactionModelFit("nbd", {"r": 0.5, "alpha": 4.0}, 0.0, pd.DataFrame(), 1, 1, ())
    value = sections.new_customer(fit, spend, horizon=52, discount_rate=0.1)
    assert value == "n/a: spend model has q <= 1 (mean spend undefined)"
    metrics = sections.new_customer_metrics(value)
    assert metrics["status"] == "n/a" and np.isnan(metrics["value"])
    assert "n/a: spend model has q <= 1" in sections.new_customer_markdown(value)


# --------------------------------------------------------------------------- NBD Poisson limit


def test_poisson_buyers_nbd_is_its_poisson_limit():
    tx = poisson_log()
    summary = clv.calibration_summary(
        split_calibration_holdout(tx, "2020-09-30", "2020-12-30", time_unit="W")
    )
    fit = clv.fit_transaction_model(summary, "nbd")
    by_hand = summary["frequency"].sum() / summary["T"].sum()  # Poisson MLE Σx / ΣT
    assert fit.boundary is not None and fit.boundary.parameter == "r → ∞"
    assert fit.params["r"] == POISSON_R
    assert fit.params["r"] / fit.params["alpha"] == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(RATE, rel=0.1)  # the simulated truth
    # Poisson log-likelihood in the Fader-Hardie convention: Σ x ln λ - λ T
    poisson_ll = float((summary["frequency"] * np.log(by_hand) - by_hand * summary["T"]).sum())
    assert fit.log_likelihood == pytest.approx(poisson_ll, abs=0.01)
    assert fit.covariance.loc["log_alpha", "log_alpha"] == pytest.approx(
        1 / summary["frequency"].sum()
    )


def test_poisson_buyers_calibration_fits_are_boundary_rows_not_failed():
    # before: every model failed ("did not converge ... no usable maximum") and the comparison
    # raised; now each is a boundary row reducing to the NBD's Poisson limit
    tx = poisson_log()
    split = split_calibration_holdout(tx, "2020-09-30", "2020-12-30", time_unit="W")
    comparison = clv.evaluate_models(split, tx, ["bgnbd", "pareto_nbd", "mbgnbd"])
    assert comparison.failures == {}
    for name, fit in comparison.fits.items():
        assert fit.boundary is not None, name
        assert "no dropout detected in this window" in fit.boundary.note
        assert "Poisson" in fit.boundary.note
        assert fit.params["r"] / fit.params["alpha"] == pytest.approx(RATE, rel=0.1)
    assert set(comparison.summary()["status"]) == {"boundary"}
    # the boundary fits predict as the NBD's Poisson limit: nobody has left, E[Y(t)] = λ t
    # (Pareto/NBD's P(alive) was NaN there, which made the report's CLV total 0)
    summary = clv.calibration_summary(split)
    nbd = clv.fit_transaction_model(summary, "nbd")
    expected = clv.expected_purchases(nbd, summary, 52)
    for name, fit in comparison.fits.items():
        assert (clv.probability_alive(fit, summary) == 1.0).all(), name
        np.testing.assert_allclose(clv.expected_purchases(fit, summary, 52), expected, rtol=1e-6)


# --------------------------------------------------------------------------- Pareto/NBD speed


def no_dropout_lines(n: int, seed: int) -> pd.DataFrame:
    """A one-year NBD log (tests/test_notebook_02_clv.py's generator): gamma rates, no dropout."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    rows = []
    for customer in range(n):
        join = int(rng.integers(0, 180))
        rate = rng.gamma(0.8, 1 / 6.0) / 7  # per day
        scale = 1 / rng.gamma(4.0, 1 / 40.0)
        extra = rng.integers(join + 1, 366, rng.poisson(rate * (365 - join)))
        for day in [join, *sorted(set(extra.tolist()))]:
            stamp = start + pd.Timedelta(days=int(day))
            rows.append((f"c{customer}", stamp, round(float(rng.gamma(6.0, scale)), 2)))
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])


def test_400_customer_no_dropout_log_pareto_nbd_is_a_fast_boundary():
    # before: Pareto/NBD ran its 60 s time limit out on this log (lifetimes' Nelder-Mead
    # wandering to beta -> 0, a 45 s polish on the ridge s, beta -> infinity) and was a failed
    # row; the truth is no dropout, and the fit now says so within a second or two
    from loyaltylab.customers import summarize_customers

    summary = summarize_customers(no_dropout_lines(400, seed=4), "2024-12-31", time_unit="W")
    start = time.perf_counter()
    fit = clv.fit_transaction_model(summary, "pareto_nbd")
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0  # about 1 s unloaded
    assert fit.boundary is not None
    assert "not significantly better than the NBD" in fit.boundary.note
    assert fit.boundary.likelihood_ratio < 5.99

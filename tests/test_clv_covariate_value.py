"""With covariates the report's CLV comes from the covariate model (issue 10).

Data: Pareto/NBD customers simulated with known, strong covariate effects (tests/
test_clv_covariates.py's simulator): members (member = 1) buy e^1.0 = 2.7 times as often and
leave at half the rate. The truth a test can use: among customers without a repeat purchase
the plain model values members and non-members alike (it sees only x, t_x, T), while the truth
(and the covariate model) expects members to buy about 2.7 times as much.

The no-effect limit: a covariate fit whose coefficients are 0 and whose population parameters
are the plain fit's is the plain model, so its CLV must equal the plain CLV (to 1e-6).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from test_clv_covariates import simulate_pareto_nbd

import loyaltylab.clv as clv
from loyaltylab.reports.notebooks import clv_sections as sections

TRUTH = {"r": 0.8, "alpha": 8.0, "s": 0.6, "beta": 12.0}
GAMMA_P = np.array([1.0, 0.0])  # (member, score): members buy e^1 times as often
GAMMA_D = np.array([-0.7, 0.0])  # members' dropout rate is e^-0.7 = 0.5 times as high


@pytest.fixture(scope="module")
def data():
    summary, cov = simulate_pareto_nbd(2000, TRUTH, GAMMA_P, GAMMA_D, seed=7)
    rng = np.random.default_rng(7)
    summary["monetary_value"] = np.where(
        summary["frequency"] > 0, rng.gamma(6.0, 5.0, len(summary)), 0.0
    )
    plain = clv.fit_transaction_model(summary, "pareto_nbd")
    spend = clv.fit_spend_model(summary)
    covariate_fit = clv.fit_covariate_model(
        summary, "pareto_nbd", cov, purchase_covariates=["member"], dropout_covariates=["member"]
    )
    return summary, cov, plain, spend, covariate_fit


def _value(data, fits):
    summary, cov, plain, spend, _ = data
    return sections.value_customers(
        plain,
        spend,
        summary,
        horizon=52,
        discount_rate=0.1,
        n_draws=20,
        level=0.9,
        seed=1,
        covariate_fits=fits,
        covariates=cov,
    )


def test_with_covariates_the_clv_is_the_covariate_models(data):
    summary, cov, plain, spend, covariate_fit = data
    valuation = _value(data, {"pareto_nbd": covariate_fit})
    assert valuation.basis == "covariates"
    assert "with covariates" in valuation.note and "member" in valuation.note
    expected = covariate_fit.customer_lifetime_value(spend, summary, cov, horizon=52)
    np.testing.assert_allclose(valuation.result.per_customer["clv"], expected.per_customer["clv"])
    assert valuation.plain.total == pytest.approx(
        clv.customer_lifetime_value(plain, spend, summary, horizon=52).total
    )
    # strong effects: the totals differ, and by group the covariate model sees the truth
    assert abs(valuation.result.total / valuation.plain.total - 1) > 0.005
    table = valuation.result.per_customer.assign(member=cov["member"].to_numpy())
    plain_table = valuation.plain.per_customer.assign(member=cov["member"].to_numpy())
    zero = table["frequency"] == 0
    ratio = table[zero].groupby("member")["expected_purchases"].mean()
    plain_ratio = plain_table[zero].groupby("member")["expected_purchases"].mean()
    # the truth's own conditional expectation, E[Y(52) | x = 0, T, member] under the simulated
    # parameters and effects (members buy more but, having bought nothing, may have left)
    true_fit = replace(
        covariate_fit,
        params=dict(TRUTH),
        purchase_coefficients={"member": GAMMA_P[0]},
        dropout_coefficients={"member": GAMMA_D[0]},
    )
    truth = summary.assign(
        expected=true_fit.expected_purchases(summary, cov, 52).to_numpy(),
        member=cov["member"].to_numpy(),
    )
    true_ratio = truth[zero.to_numpy()].groupby("member")["expected"].mean()
    assert true_ratio[1.0] / true_ratio[0.0] > 1.3
    assert ratio[1.0] / ratio[0.0] == pytest.approx(true_ratio[1.0] / true_ratio[0.0], rel=0.15)
    assert plain_ratio[1.0] / plain_ratio[0.0] == pytest.approx(1.0, abs=0.1)
    intervals = valuation.intervals
    assert intervals.total_low < valuation.result.total < intervals.total_high
    assert (intervals.per_customer["clv_low"] <= valuation.result.per_customer["clv"] + 1e-9).all()


def test_a_zero_effect_covariate_model_gives_the_plain_clv(data):
    summary, cov, plain, spend, covariate_fit = data
    zero = replace(
        covariate_fit,
        params=dict(plain.params),
        purchase_coefficients={"member": 0.0},
        dropout_coefficients={"member": 0.0},
    )
    valuation = _value(data, {"pareto_nbd": zero})
    assert valuation.basis == "covariates"
    np.testing.assert_allclose(
        valuation.result.per_customer["clv"], valuation.plain.per_customer["clv"], rtol=1e-6
    )
    np.testing.assert_allclose(
        valuation.result.per_customer["probability_alive"],
        valuation.plain.per_customer["probability_alive"],
        rtol=1e-6,
    )
    assert valuation.result.total == pytest.approx(valuation.plain.total, rel=1e-6)


def test_without_a_usable_covariate_fit_the_plain_fit_is_used_and_said(data):
    summary, _, plain, spend, _ = data
    failed = _value(data, {"pareto_nbd": "ModelConvergenceError: no optimum"})
    assert failed.basis == "plain" and "its covariate fit failed" in failed.note
    none = _value(data, {})
    assert none.basis == "plain" and "no covariates given" in none.note
    assert none.result.total == pytest.approx(
        clv.customer_lifetime_value(plain, spend, summary, horizon=52).total
    )
    assert isinstance(none.summary(), pd.DataFrame)

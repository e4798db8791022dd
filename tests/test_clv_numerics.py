"""Numerics that real logs reach: long histories, the Pareto/NBD ridge, mostly one-time buyers.

A public-style e-commerce log where 97 % of customers buy once (generated below, truth stated)
gave the CLV interval "$nan - $nan": 78 of 200 parameter draws of the Pareto/NBD lay on the
ridge s, beta -> infinity, where the closed-form P(alive) (Fader & Hardie note 009, eq. 36) needs
a Gauss hypergeometric function that overflows. P(alive) is now also one integral over the
lifetime (independent of 2F1); both must agree where the closed form is finite.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import loyaltylab.clv as clv
from loyaltylab.clv.models.pareto_nbd import (
    pareto_probability_alive,
    pareto_probability_alive_by_quadrature,
)
from loyaltylab.clv.uncertainty import MIN_USABLE_DRAWS, _unusable_draws
from loyaltylab.customers import summarize_customers

GRID_X, GRID_SHARE, GRID_T = np.meshgrid(
    np.arange(0, 60, 3.0), np.linspace(0, 1, 7), np.array([5.0, 30, 78, 200])
)
T = GRID_T.ravel()
t_x = GRID_SHARE.ravel() * T
x = np.where(t_x == 0, 0.0, GRID_X.ravel())


@pytest.mark.parametrize(
    "params",
    [
        (0.55, 10.58, 0.61, 11.67),  # CDNOW, Fader, Hardie & Lee (2005) / note 009
        (0.078, 26.9, 208.7, 4117.0),  # on the ridge (a one-time-buyer log)
        (2.0, 1.0, 5.0, 30.0),
        (0.2, 100.0, 0.5, 400.0),
    ],
)
def test_p_alive_by_quadrature_equals_the_closed_form(params):
    closed = pareto_probability_alive(*params, x, t_x, T)
    assert np.isfinite(closed).all()
    quadrature = pareto_probability_alive_by_quadrature(*params, x, t_x, T)
    np.testing.assert_allclose(quadrature, closed, rtol=0, atol=1e-10)


def test_p_alive_stays_finite_on_the_ridge_and_converges():
    # s, beta -> infinity at a fixed mean dropout rate s / beta = 0.01: the Pareto lifetime tends
    # to the exponential one, so P(alive) converges; 2F1 overflowed from s = 200 on this grid
    values = [pareto_probability_alive(0.5, 5.0, s, s / 0.01, x, t_x, T) for s in (200, 800, 3200)]
    assert all(np.isfinite(v).all() for v in values)
    assert np.abs(values[2] - values[1]).max() < np.abs(values[1] - values[0]).max()
    assert np.abs(values[2] - values[1]).max() < 0.01


def _mostly_one_time_buyers(n: int = 3000, seed: int = 5) -> pd.DataFrame:
    """Orders of an e-commerce log: 3 % of customers come back once or twice (the truth)."""
    rng = np.random.default_rng(seed)
    first = pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D")
    rows = []
    for i in range(n):
        rows.append((f"c{i}", first[i], float(rng.gamma(2, 60))))
        if rng.random() < 0.03:
            for _ in range(int(rng.integers(1, 3))):
                day = first[i] + pd.Timedelta(days=int(rng.integers(1, 200)))
                if day <= pd.Timestamp("2018-08-31"):
                    rows.append((f"c{i}", day, float(rng.gamma(2, 60))))
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])


def test_clv_interval_of_a_log_of_one_time_buyers_uses_every_draw():
    summary = summarize_customers(_mostly_one_time_buyers(), "2018-08-31")
    fit = clv.fit_transaction_model(summary, "pareto_nbd")
    spend = clv.fit_spend_model(summary)
    intervals = clv.clv_intervals(fit, spend, summary, n_draws=200, seed=1)
    assert intervals.dropped_draws == 0 and intervals.note == ""
    assert intervals.total_low <= intervals.total <= intervals.total_high
    assert np.isfinite(intervals.per_customer[["clv_low", "clv_high"]].to_numpy()).all()


def test_draws_without_a_finite_clv_are_counted_and_worded():
    assert _unusable_draws(np.ones(200, dtype=bool)) == (0, "")
    usable = np.r_[np.ones(150, dtype=bool), np.zeros(50, dtype=bool)]
    dropped, note = _unusable_draws(usable)
    assert dropped == 50 and note.startswith("50 of 200 parameter draws gave no finite CLV")
    few = np.r_[np.ones(MIN_USABLE_DRAWS - 1, dtype=bool), np.zeros(181, dtype=bool)]
    assert _unusable_draws(few)[1].startswith(f"no interval: only {MIN_USABLE_DRAWS - 1} of 200")


def test_spend_without_differences_between_customers_is_the_pooled_boundary():
    # truth: every customer's order values are Gamma(p = 2, rate 0.02) (mean 100): no customer
    # spends more than another on average, so the Gamma-Gamma optimum is q, v -> infinity
    rng = np.random.default_rng(11)
    frequency = rng.integers(1, 4, 400).astype(float)
    spend = np.array([rng.gamma(2.0, 50.0, int(k)).mean() for k in frequency])
    summary = pd.DataFrame(
        {"frequency": frequency, "recency": 10.0, "T": 20.0, "monetary_value": spend}
    )
    fit = clv.fit_spend_model(summary)
    assert fit.boundary_note and "no differences in spend between customers" in fit.boundary_note
    assert fit.params["p"] == pytest.approx(2.0, rel=0.2)
    observed = float((frequency * spend).sum() / frequency.sum())
    expected = clv.expected_spend(fit, summary)
    np.testing.assert_allclose(expected, observed, rtol=1e-3)


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (1.2, 10.0, 3.0, 8.0)])
def test_bgnbd_expectation_by_quadrature_equals_the_closed_form(params):
    # CDNOW BG/NBD estimates (Fader, Hardie & Lee 2005) and a second set; BG/NBD passes
    # first = a+b-1-r, c = a+b+x-1, MBG/NBD first = a+b-r, c = a+b+x
    from loyaltylab.clv.models.bgnbd import (
        beta_geometric_expected_by_quadrature,
        bgnbd_expected_if_alive,
    )
    from loyaltylab.clv.models.mbgnbd import mbgnbd_expected_if_alive

    r, alpha, a, b = params
    for t in (13.0, 39.0):
        closed = bgnbd_expected_if_alive(t, r, alpha, a, b, x, T)
        quadrature = beta_geometric_expected_by_quadrature(
            t, alpha, a, T, a + b - 1 - r, a + b + x - 1
        )
        np.testing.assert_allclose(quadrature, closed, rtol=2e-6)
        closed = mbgnbd_expected_if_alive(t, r, alpha, a, b, x, T)
        quadrature = beta_geometric_expected_by_quadrature(t, alpha, a, T, a + b - r, a + b + x)
        np.testing.assert_allclose(quadrature, closed, rtol=2e-6)


def test_bgnbd_clv_of_a_log_of_one_time_buyers_is_finite_for_every_customer():
    # the one-time-buyer log puts BG/NBD on its ridge a, b -> infinity (no heterogeneity in the
    # dropout probability): 2F1(a+b-1-r, a-1; a+b+x-1; z) overflowed for the customers without
    # a repeat purchase and their CLV was NaN (a total skipping them)
    summary = summarize_customers(_mostly_one_time_buyers(), "2018-08-31")
    fit = clv.fit_transaction_model(summary, "bgnbd")
    result = clv.customer_lifetime_value(fit, clv.fit_spend_model(summary), summary)
    assert np.isfinite(result.per_customer["clv"]).all()
    assert (result.per_customer["expected_purchases"] >= 0).all()

"""Contractual retention: the shifted-beta-geometric model (loyaltylab.clv.retention).

Published values: Fader & Hardie (2007), "How to Project Customer Retention", Journal of
Interactive Marketing 21(1):76-90, the "regular" and "high end" segments of 1,000 customers,
years 0-7 fitted and years 8-12 the holdout (via reference/clv.md §7). DERL: Fader & Hardie
(2010), "Customer-Base Valuation in a Contractual Setting", Marketing Science 29(1), eq. 6, checked
against a direct summation of the survival curve.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln
from statsmodels.tools.numdiff import approx_hess

from loyaltylab.clv import (
    RetentionFit,
    fit_retention_model,
    plot_retention_projection,
    renewal_counts,
)
from loyaltylab.clv.retention import sbg_log_likelihood
from loyaltylab.errors import DataValidationError, ModelConvergenceError, ParameterError

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
REGULAR_HOLDOUT = [223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
HIGH_END_HOLDOUT = [468, 445, 427, 409, 394]


@pytest.mark.parametrize(
    ("survivors", "gamma", "delta", "loglik"),
    [
        (REGULAR, 0.704, 1.182, -1680.27),
        (HIGH_END, 0.668, 3.806, -1611.16),
    ],
    ids=["regular", "high_end"],
)
def test_sbg_matches_fader_hardie_2007(
    survivors: list[int], gamma: float, delta: float, loglik: float
) -> None:
    # Fader & Hardie 2007, Journal of Interactive Marketing 21(1), via reference/clv.md §7
    fit = fit_retention_model(survivors, model="sbg")
    assert fit.model == "sbg"
    assert fit.params["gamma"] == pytest.approx(gamma, abs=5e-4)
    assert fit.params["delta"] == pytest.approx(delta, abs=5e-4)
    assert fit.log_likelihood == pytest.approx(loglik, abs=5e-3)
    assert fit.n_members == 1000
    assert fit.counts.n_periods == 7


def test_holdout_projection_error_of_the_paper() -> None:
    # the paper's years 8-12 (reference/clv.md §7); the sBG projects both segments within a few
    # percent, slightly low: regular -1.3 % to -1.7 % (mean absolute 1.49 %), high end -1.6 %
    # to -4.1 % (mean absolute 2.83 %); computed here from the fit to years 0-7
    regular = fit_retention_model(REGULAR).projection(REGULAR_HOLDOUT)
    assert regular["period"].tolist() == [8, 9, 10, 11, 12]
    assert regular["projected"].round(1).tolist() == [220.1, 204.4, 191.2, 179.9, 170.0]
    assert regular["percent_error"].round(2).tolist() == [-1.31, -1.25, -1.45, -1.71, -1.71]
    assert regular.attrs["mean_absolute_percent_error"] == pytest.approx(1.486, abs=1e-3)
    high_end = fit_retention_model(HIGH_END).projection(HIGH_END_HOLDOUT)
    assert high_end["projected"].round(1).tolist() == [460.4, 435.8, 414.2, 395.1, 378.0]
    assert high_end["percent_error"].round(2).tolist() == [-1.62, -2.07, -3.0, -3.41, -4.06]
    assert high_end.attrs["mean_absolute_percent_error"] == pytest.approx(2.832, abs=1e-3)


def test_survival_retention_and_churn_curves_agree() -> None:
    fit = fit_retention_model(REGULAR)
    t = np.arange(1, 30)
    survival = fit.survival(np.arange(0, 30))
    assert survival[0] == pytest.approx(1.0)
    # r(t) = S(t) / S(t - 1) and P(T = t) = S(t - 1) - S(t)
    np.testing.assert_allclose(fit.retention_rate(t), survival[1:] / survival[:-1], rtol=1e-12)
    np.testing.assert_allclose(fit.churn_probability(t), survival[:-1] - survival[1:], rtol=1e-10)
    # retention rises with tenure (the sorting effect the paper is about)
    assert np.all(np.diff(fit.retention_rate(t)) > 0)
    assert fit.mean_churn == pytest.approx(1 - float(fit.retention_rate(1)))


@pytest.mark.parametrize("discount_rate", [0.05, 0.10, 0.25])
@pytest.mark.parametrize("renewals", [0, 1, 4, 10])
def test_derl_closed_form_equals_direct_summation(discount_rate: float, renewals: int) -> None:
    # Fader & Hardie 2010, eq. 6 (2F1 closed form) against sum_t S(t) / S(n-1) / (1+d)^(t-n)
    for survivors in (REGULAR, HIGH_END):
        fit = fit_retention_model(survivors)
        t = np.arange(renewals + 1, 20_000, dtype=float)
        direct = np.sum(
            fit.survival(t) / fit.survival(renewals) * (1 + discount_rate) ** -(t - renewals - 1)
        )
        assert fit.derl(discount_rate, renewals) == pytest.approx(direct, rel=1e-10)


def test_derl_values_and_residual_clv() -> None:
    # computed values (closed form = direct summation above), at 10 % per year
    regular, high_end = fit_retention_model(REGULAR), fit_retention_model(HIGH_END)
    assert regular.derl(0.10) == pytest.approx(2.9644, abs=1e-4)
    assert regular.derl(0.10, renewals=4) == pytest.approx(5.8941, abs=1e-4)
    assert high_end.derl(0.10) == pytest.approx(5.4145, abs=1e-4)
    # members who renewed more are worth more (they are the ones with low churn)
    assert regular.derl(0.10, 4) > regular.derl(0.10, 1) > regular.derl(0.10, 0)
    assert regular.residual_clv(50.0, 0.10, renewals=4) == pytest.approx(
        50.0 * regular.derl(0.10, 4)
    )
    # undiscounted: infinite when gamma <= 1, (delta + n - 1) / (gamma - 1) otherwise
    assert math.isinf(regular.derl(0.0))
    long_lived = RetentionFit(
        model="sbg",
        params={"gamma": 3.0, "delta": 5.0},
        log_likelihood=0.0,
        covariance=regular.covariance,
        counts=regular.counts,
    )
    assert long_lived.derl(0.0, renewals=2) == pytest.approx((5.0 + 2) / (3.0 - 1), rel=1e-9)
    with pytest.raises(ParameterError, match="discount_rate"):
        regular.derl(-0.1)
    with pytest.raises(ParameterError, match="renewals"):
        regular.derl(0.1, renewals=-1)


def test_standard_errors_match_a_numerical_hessian() -> None:
    # independent check: the likelihood written directly with betaln, differentiated numerically
    fit = fit_retention_model(REGULAR)
    survivors = np.array(REGULAR)
    lost = -np.diff(survivors)
    t = np.arange(1, len(survivors))

    def loglik(log_params: np.ndarray) -> float:
        g, d = np.exp(log_params)
        churn = betaln(g + 1, d + t - 1) - betaln(g, d)
        alive = betaln(g, d + t[-1]) - betaln(g, d)
        return float((lost * churn).sum() + survivors[-1] * alive)

    x = np.log([fit.gamma, fit.delta])
    covariance = np.linalg.inv(-approx_hess(x, loglik))
    np.testing.assert_allclose(fit.covariance.to_numpy(), covariance, rtol=1e-4)
    se = fit.standard_errors
    assert se["gamma"] == pytest.approx(fit.gamma * math.sqrt(covariance[0, 0]), rel=1e-4)
    table = fit.summary()
    assert table["parameter"].tolist() == ["gamma", "delta"]
    assert (table["ci_low"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_high"]).all()
    assert table.attrs["log_likelihood"] == pytest.approx(-1680.27, abs=5e-3)


def test_summary_interval_never_overflows() -> None:
    fit = fit_retention_model(REGULAR)
    huge = pd.DataFrame(
        np.diag([1e9, 1e9]), index=fit.covariance.index, columns=fit.covariance.columns
    )
    wide = RetentionFit("sbg", fit.params, fit.log_likelihood, huge, fit.counts)
    table = wide.summary()
    assert np.isfinite(table[["ci_low", "ci_high"]].to_numpy()).all()


def test_recovers_known_parameters_from_simulated_members() -> None:
    # members' churn probabilities drawn from Beta(0.8, 2.5), lifetimes geometric, observed for
    # 6 renewals: the fit recovers the parameters within 3 standard errors
    rng = np.random.default_rng(20070101)
    theta = rng.beta(0.8, 2.5, 20_000)
    lifetime = rng.geometric(theta)
    survivors = [int((lifetime > t).sum()) for t in range(7)]
    fit = fit_retention_model(survivors)
    se = fit.standard_errors
    assert abs(fit.gamma - 0.8) < 3 * se["gamma"]
    assert abs(fit.delta - 2.5) < 3 * se["delta"]


def test_member_records_give_the_same_fit_as_survivors() -> None:
    survivors = np.array(REGULAR)
    lost = -np.diff(survivors)
    periods = np.concatenate(
        [np.repeat(np.arange(1, len(survivors)), lost), np.full(survivors[-1], len(survivors))]
    )
    active = np.concatenate([np.zeros(lost.sum(), bool), np.ones(survivors[-1], bool)])
    records = pd.DataFrame({"tenure": periods, "member": active})
    counts = renewal_counts(records, periods_column="tenure", active_column="member")
    assert counts.churned.tolist() == lost.tolist() + [0]  # renewal 8 not yet observed
    assert counts.censored[-1] == 241 and counts.censored[:-1].sum() == 0
    from_records = fit_retention_model(records, periods_column="tenure", active_column="member")
    from_survivors = fit_retention_model(REGULAR)
    assert from_records.params["gamma"] == pytest.approx(from_survivors.params["gamma"], rel=1e-9)
    assert from_records.params["delta"] == pytest.approx(from_survivors.params["delta"], rel=1e-9)
    assert from_records.log_likelihood == pytest.approx(from_survivors.log_likelihood, rel=1e-12)


def test_member_records_of_several_cohorts_are_censored_at_their_own_tenure() -> None:
    # members who joined at different times: an active member with t periods paid has T > t - 1;
    # the likelihood of these six members written by hand must equal the package's
    records = pd.DataFrame(
        {"periods": [1, 3, 2, 4, 1, 2], "active": [False, True, False, True, True, False]}
    )
    g, d = 0.7, 1.2

    def log_churn(t: int) -> float:
        return float(betaln(g + 1, d + t - 1) - betaln(g, d))

    def log_alive(t: int) -> float:
        return float(betaln(g, d + t) - betaln(g, d))

    by_hand = log_churn(1) + log_alive(2) + log_churn(2) + log_alive(3) + 0.0 + log_churn(2)
    value, _, _ = sbg_log_likelihood(np.log([g, d]), renewal_counts(records))
    assert value == pytest.approx(by_hand, rel=1e-12)


def test_churn_the_same_for_every_member_is_named() -> None:
    # 40 % leave at every renewal, with no sign of the sorting effect: sBG's heterogeneity is
    # not identified (gamma, delta -> infinity at a fixed ratio), and the message says so
    survivors = [10_000, 6_000, 3_600, 2_160, 1_296]
    with pytest.raises(ModelConvergenceError, match="same for every member.*0.400"):
        fit_retention_model(survivors)


def test_refuses_bad_data_with_counts() -> None:
    with pytest.raises(DataValidationError, match="must not increase"):
        fit_retention_model([1000, 631, 700])
    with pytest.raises(DataValidationError, match="at least 2"):
        fit_retention_model([1000])
    with pytest.raises(DataValidationError, match="whole numbers"):
        fit_retention_model([1000, 631.5, 400])
    with pytest.raises(ModelConvergenceError, match="no member left.*1000 members"):
        fit_retention_model([1000, 1000, 1000])
    with pytest.raises(ModelConvergenceError, match="at 1 renewal"):
        fit_retention_model([1000, 631])
    with pytest.raises(DataValidationError, match="columns"):
        fit_retention_model(pd.DataFrame({"periods": [1, 2]}))
    with pytest.raises(DataValidationError, match="boolean"):
        fit_retention_model(pd.DataFrame({"periods": [1, 2], "active": ["yes", "no"]}))
    with pytest.raises(DataValidationError, match="whole numbers >= 1"):
        fit_retention_model(pd.DataFrame({"periods": [0, 2], "active": [False, True]}))
    with pytest.raises(ParameterError, match="model"):
        fit_retention_model(REGULAR, model="bdw")


def test_plot_projection_returns_axes() -> None:
    import matplotlib.pyplot as plt

    fit = fit_retention_model(REGULAR, period_days=365)
    ax = plot_retention_projection(fit, REGULAR_HOLDOUT, unit="year")
    assert ax.get_title() and "Years" in ax.get_xlabel() and "count" in ax.get_ylabel()
    assert len(ax.lines) == 4  # curve, fitted actuals, holdout actuals, calibration end
    plt.close(ax.figure)

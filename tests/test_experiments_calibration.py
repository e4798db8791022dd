"""Calibration of the experiment estimators by simulation (issue 4; reference/statistics.md §5).

4,000 simulated experiments per scenario (seeded once, not tuned): the false-positive rate of A/A
tests at alpha = 0.05 must lie in [0.04, 0.06] and 95 % intervals must cover the true effect of A/B
tests in 94-96 % of experiments. Monte Carlo standard error with 4,000 replications:
sqrt(0.05 * 0.95 / 4000) = 0.0034, so each band is +-2.9 MC standard errors around nominal.
Data are simulated as 2-D arrays (experiments x units); the package functions are applied to each
experiment's arm statistics.
"""

from __future__ import annotations

import numpy as np
import pytest

from loyaltylab.experiments import mean_effect, proportion_effect, ratio_effect
from loyaltylab.experiments.cuped import arm_regression_stats, regression_adjusted_from_stats

REPLICATIONS = 4000
UNITS = 1000  # per arm
ALPHA = 0.05
RNG_SEED = 20261123


def _spend(rng, shape, scale_factor=1.0):
    # zero-inflated Gamma: 30 % of customers spend, Gamma(2, 25) when they do (mean 15)
    buys = rng.random(shape) < 0.3
    return buys * rng.gamma(2.0, 25.0, shape) * scale_factor


def _welch_results(control, treatment):
    mc, mt = control.mean(axis=1), treatment.mean(axis=1)
    vc, vt = control.var(axis=1, ddof=1), treatment.var(axis=1, ddof=1)
    return [
        mean_effect(mc[i], vc[i], UNITS, mt[i], vt[i], UNITS, alpha=ALPHA)
        for i in range(REPLICATIONS)
    ]


def _in_band(rate, low, high):
    return low <= rate <= high


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(RNG_SEED)


def test_aa_false_positive_rate_continuous(rng):
    results = _welch_results(_spend(rng, (REPLICATIONS, UNITS)), _spend(rng, (REPLICATIONS, UNITS)))
    rate = np.mean([r.p_value < ALPHA for r in results])
    assert _in_band(rate, 0.04, 0.06), rate


def test_aa_false_positive_rate_binary(rng):
    control = rng.binomial(UNITS, 0.10, REPLICATIONS)
    treatment = rng.binomial(UNITS, 0.10, REPLICATIONS)
    rate = np.mean(
        [
            proportion_effect(c, UNITS, t, UNITS, alpha=ALPHA).p_value < ALPHA
            for c, t in zip(control, treatment, strict=True)
        ]
    )
    assert _in_band(rate, 0.04, 0.06), rate


def test_ab_coverage_continuous_absolute_and_relative(rng):
    lift = 1.10  # treatment spends 10 % more: true effect 1.5 on a mean of 15
    results = _welch_results(
        _spend(rng, (REPLICATIONS, UNITS)), _spend(rng, (REPLICATIONS, UNITS), lift)
    )
    absolute = np.mean([r.absolute_ci_low <= 1.5 <= r.absolute_ci_high for r in results])
    relative = np.mean([r.relative_ci_low <= 0.10 <= r.relative_ci_high for r in results])
    assert _in_band(absolute, 0.94, 0.96), absolute
    assert _in_band(relative, 0.94, 0.96), relative


def test_ab_coverage_binary(rng):
    control = rng.binomial(UNITS, 0.10, REPLICATIONS)
    treatment = rng.binomial(UNITS, 0.13, REPLICATIONS)
    covered = [
        (e.absolute_ci_low <= 0.03 <= e.absolute_ci_high)
        for e in (
            proportion_effect(c, UNITS, t, UNITS, alpha=ALPHA)
            for c, t in zip(control, treatment, strict=True)
        )
    ]
    assert _in_band(np.mean(covered), 0.94, 0.96), np.mean(covered)


def test_ab_coverage_regression_adjusted_hc2(rng):
    # pre-period spend predicts campaign spend; heteroscedastic noise; true effect 2.0
    shape = (REPLICATIONS, UNITS)
    x_c, x_t = _spend(rng, shape), _spend(rng, shape)
    y_c = 0.6 * x_c + rng.gamma(1.0, 5.0, shape) * (1 + x_c / 30)
    y_t = 0.6 * x_t + rng.gamma(1.0, 5.0, shape) * (1 + x_t / 30) + 2.0
    # E[y_c] = 0.6 * 15 + 5 * (1 + 15 / 30) = 16.5, so the true relative effect is 2 / 16.5
    true_relative = 2.0 / 16.5
    covered, covered_relative, fp_reduction = [], [], []
    for i in range(REPLICATIONS):
        result = regression_adjusted_from_stats(
            arm_regression_stats(y_c[i], x_c[i]), arm_regression_stats(y_t[i], x_t[i]), alpha=ALPHA
        )
        covered.append(result.adjusted.absolute_ci_low <= 2.0 <= result.adjusted.absolute_ci_high)
        covered_relative.append(
            result.adjusted.relative_ci_low <= true_relative <= result.adjusted.relative_ci_high
        )
        fp_reduction.append(result.variance_reduction)
    assert _in_band(np.mean(covered), 0.94, 0.96), np.mean(covered)
    assert _in_band(np.mean(covered_relative), 0.94, 0.96), np.mean(covered_relative)
    assert np.mean(fp_reduction) > 0.5  # the pre-period removes most of the variance


def test_ab_coverage_ratio_metric(rng):
    # spend per visit: visits ~ 1 + Poisson(2); spend per visit ~ Gamma(2, 10) (control mean 20),
    # treatment +1.0 per visit -> true ratio difference 1.0
    shape = (REPLICATIONS, UNITS)
    visits_c, visits_t = 1 + rng.poisson(2.0, shape), 1 + rng.poisson(2.0, shape)
    spend_c = rng.gamma(2.0 * visits_c, 10.0)
    spend_t = rng.gamma(2.0 * visits_t, 10.0) + 1.0 * visits_t

    def arm(num, den, i):
        return (
            UNITS,
            num[i].mean(),
            den[i].mean(),
            num[i].var(ddof=1),
            den[i].var(ddof=1),
            np.cov(num[i], den[i])[0, 1],
        )

    covered = []
    for i in range(REPLICATIONS):
        effect = ratio_effect(arm(spend_c, visits_c, i), arm(spend_t, visits_t, i), alpha=ALPHA)
        covered.append(effect.absolute_ci_low <= 1.0 <= effect.absolute_ci_high)
    assert _in_band(np.mean(covered), 0.94, 0.96), np.mean(covered)

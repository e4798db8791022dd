"""Variance reduction with the pre-period of the same metric: CUPED and regression adjustment.

Two estimators:

- :func:`regression_adjusted_effect` (used by :func:`~loyaltylab.experiments.analyze_experiment`):
  Lin's (2013) fully interacted regression ``y ~ t * (x - x_bar)`` with HC2 robust standard errors,
  computed in closed form. The interacted model splits into one simple regression per arm, so the
  HC2 sandwich is block-diagonal and needs only per-arm sums (verified against statsmodels
  ``OLS(...).fit(cov_type="HC2")`` in the tests). It runs in a few vectorised passes over the data.
- :func:`cuped_from_sums`: GrowthBook's CUPED from sufficient statistics (pooled
  ``theta = Cov(Y, X) / Var(X)``, adjusted means ``Y_bar - theta X_bar``, relative effect divided
  by the *unadjusted* control mean, Welch df on the adjusted variances), reproducing vector G1.

"Variance removed" is ``1 - Var(adjusted effect) / Var(unadjusted Welch effect)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab.errors import DataValidationError
from loyaltylab.experiments.effects import (
    EffectEstimate,
    _build,
    _check_alpha,
    mean_effect,
    welch_df,
)

__all__ = [
    "AdjustedEffect",
    "ArmRegressionStats",
    "CupedSums",
    "arm_regression_stats",
    "cuped_from_sums",
    "regression_adjusted_effect",
    "regression_adjusted_from_stats",
]


@dataclass(frozen=True)
class AdjustedEffect:
    """A covariate-adjusted effect next to the unadjusted one.

    Attributes
    ----------
    adjusted : EffectEstimate
        The regression-adjusted (or CUPED) effect.
    unadjusted : EffectEstimate
        The plain Welch effect on the same data.
    variance_reduction : float
        ``1 - Var(adjusted) / Var(unadjusted)`` of the absolute effect (0.3 = 30 % removed).
    slope_control, slope_treatment : float
        Covariate slopes (equal to the pooled theta for CUPED).
    """

    adjusted: EffectEstimate
    unadjusted: EffectEstimate
    variance_reduction: float
    slope_control: float
    slope_treatment: float

    def summary(self) -> pd.DataFrame:
        """Return adjusted and unadjusted estimates side by side (two rows)."""
        frame = pd.concat([self.adjusted.summary(), self.unadjusted.summary()], ignore_index=True)
        frame.insert(0, "estimate", ["adjusted", "unadjusted"])
        frame["variance_reduction"] = [self.variance_reduction, 0.0]
        return frame


@dataclass(frozen=True)
class ArmRegressionStats:
    """Per-arm sums of a simple regression of the outcome on its pre-period covariate.

    ``d = x - x_mean``; ``w = e^2 / (1 - h)`` are the HC2 weights (residual squared over one minus
    leverage). Everything needed for Lin's estimator and its HC2 variance.
    """

    n: int
    y_mean: float
    y_var: float
    x_mean: float
    sxx: float
    slope: float
    residual_var: float
    w_sum: float
    wd_sum: float
    wdd_sum: float


def arm_regression_stats(y: np.ndarray, x: np.ndarray) -> ArmRegressionStats:
    """Fit ``y ~ 1 + x`` in one arm and return the sums for the HC2 sandwich.

    Parameters
    ----------
    y, x : numpy.ndarray
        Outcome and pre-period covariate of the arm's units.

    Returns
    -------
    ArmRegressionStats
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    n = y.size
    if n < 3:
        raise DataValidationError(f"regression adjustment needs >= 3 units per arm, got {n}")
    y_mean = float(y.mean())
    x_mean = float(x.mean())
    d = x - x_mean
    sxx = float(d @ d)
    yc = y - y_mean
    syy = float(yc @ yc)
    if sxx > 0:
        slope = float(d @ yc) / sxx
        e = yc - slope * d
        leverage = 1.0 / n + d * d / sxx
    else:
        slope = 0.0
        e = yc
        leverage = np.full(n, 1.0 / n)
    w = e * e / (1.0 - leverage)
    w_sum = float(w.sum())
    wd = w * d
    return ArmRegressionStats(
        n=n,
        y_mean=y_mean,
        y_var=syy / (n - 1),
        x_mean=x_mean,
        sxx=sxx,
        slope=slope,
        residual_var=float(e @ e) / (n - 1),
        w_sum=w_sum,
        wd_sum=float(wd.sum()),
        wdd_sum=float(wd @ d),
    )


def _intercept_variance(stats_: ArmRegressionStats, center: float) -> float:
    """HC2 variance of the intercept of ``y ~ 1 + (x - center)`` in one arm."""
    shift = stats_.x_mean - center
    n = stats_.n
    zz = np.array([[n, n * shift], [n * shift, stats_.sxx + n * shift * shift]])
    meat01 = stats_.wd_sum + shift * stats_.w_sum
    meat11 = stats_.wdd_sum + 2 * shift * stats_.wd_sum + shift * shift * stats_.w_sum
    meat = np.array([[stats_.w_sum, meat01], [meat01, meat11]])
    if stats_.sxx <= 0:
        return stats_.w_sum / n**2
    bread = np.linalg.inv(zz)
    return float((bread @ meat @ bread)[0, 0])


def regression_adjusted_from_stats(
    control: ArmRegressionStats, treatment: ArmRegressionStats, *, alpha: float = 0.05
) -> AdjustedEffect:
    """Lin's regression-adjusted effect with HC2 errors from per-arm sums.

    Parameters
    ----------
    control, treatment : ArmRegressionStats
        From :func:`arm_regression_stats`.
    alpha : float, default 0.05
        1 - confidence level (normal reference distribution, as statsmodels' HC2 default).

    Returns
    -------
    AdjustedEffect
    """
    alpha = _check_alpha(alpha)
    n_c, n_t = control.n, treatment.n
    center = (n_c * control.x_mean + n_t * treatment.x_mean) / (n_c + n_t)
    alpha_c = control.y_mean - control.slope * (control.x_mean - center)
    alpha_t = treatment.y_mean - treatment.slope * (treatment.x_mean - center)
    tau = alpha_t - alpha_c
    var_tau = _intercept_variance(control, center) + _intercept_variance(treatment, center)
    mean_c = control.y_mean
    relative = tau / mean_c if mean_c != 0 else math.nan
    # Cov(tau, control mean) = -Cov(alpha_c, y_bar_c) ~ -residual variance / n_c (influence fns)
    cov = -control.residual_var / n_c
    if mean_c != 0:
        var_rel = (
            var_tau / mean_c**2
            + tau**2 * (control.y_var / n_c) / mean_c**4
            - 2 * tau * cov / mean_c**3
        )
    else:
        var_rel = math.nan
    adjusted = _build(
        "regression_hc2",
        n_c,
        n_t,
        alpha_c,
        alpha_t,
        tau,
        var_tau,
        relative,
        var_rel,
        math.inf,
        alpha,
    )
    unadjusted = mean_effect(
        control.y_mean, control.y_var, n_c, treatment.y_mean, treatment.y_var, n_t, alpha=alpha
    )
    var_unadj = unadjusted.absolute_se**2
    reduction = 1.0 - var_tau / var_unadj if var_unadj > 0 else 0.0
    return AdjustedEffect(adjusted, unadjusted, float(reduction), control.slope, treatment.slope)


def regression_adjusted_effect(
    y_control: np.ndarray,
    x_control: np.ndarray,
    y_treatment: np.ndarray,
    x_treatment: np.ndarray,
    *,
    alpha: float = 0.05,
) -> AdjustedEffect:
    """Regression-adjusted (Lin 2013) effect with HC2 robust errors.

    Equivalent to ``smf.ols("y ~ t * xc", data).fit(cov_type="HC2")`` with
    ``xc = x - mean(x)`` over both arms: the effect is the coefficient of ``t``.

    Parameters
    ----------
    y_control, x_control : numpy.ndarray
        Outcome and pre-period covariate of control units.
    y_treatment, x_treatment : numpy.ndarray
        The same for treated units.
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    AdjustedEffect
        ``adjusted.control_mean`` / ``treatment_mean`` are the adjusted arm means (at the pooled
        covariate mean); the relative effect divides by the unadjusted control mean.
    """
    return regression_adjusted_from_stats(
        arm_regression_stats(y_control, x_control),
        arm_regression_stats(y_treatment, x_treatment),
        alpha=alpha,
    )


@dataclass(frozen=True)
class CupedSums:
    """Sufficient statistics of one arm for CUPED (GrowthBook's inputs).

    Attributes
    ----------
    n : int
        Units.
    sum_y, sum_y2 : float
        Sum and sum of squares of the outcome.
    sum_x, sum_x2 : float
        Sum and sum of squares of the pre-period covariate.
    sum_xy : float
        Sum of products.
    """

    n: int
    sum_y: float
    sum_y2: float
    sum_x: float
    sum_x2: float
    sum_xy: float

    def moments(self) -> tuple[float, float, float, float, float]:
        """Return (mean_y, mean_x, var_y, var_x, cov_xy) with ``n - 1`` denominators."""
        n = self.n
        return (
            self.sum_y / n,
            self.sum_x / n,
            (self.sum_y2 - self.sum_y**2 / n) / (n - 1),
            (self.sum_x2 - self.sum_x**2 / n) / (n - 1),
            (self.sum_xy - self.sum_x * self.sum_y / n) / (n - 1),
        )


def cuped_from_sums(
    control: CupedSums, treatment: CupedSums, *, alpha: float = 0.05
) -> AdjustedEffect:
    """GrowthBook's CUPED from per-arm sums (pooled theta, Welch df).

    Parameters
    ----------
    control, treatment : CupedSums
        Per-arm sufficient statistics.
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    AdjustedEffect
        ``adjusted.method == "cuped"``; the relative effect and its p-value follow GrowthBook
        ``frequentist_variance_relative_cuped``.
    """
    alpha = _check_alpha(alpha)
    my_c, mx_c, vy_c, vx_c, cov_c = control.moments()
    my_t, mx_t, vy_t, vx_t, cov_t = treatment.moments()
    n = control.n + treatment.n
    sx = control.sum_x + treatment.sum_x
    var_x = (control.sum_x2 + treatment.sum_x2 - sx**2 / n) / (n - 1)
    cov_xy = (control.sum_xy + treatment.sum_xy - sx * (control.sum_y + treatment.sum_y) / n) / (
        n - 1
    )
    theta = cov_xy / var_x if var_x > 0 else 0.0
    adj_c = my_c - theta * mx_c
    adj_t = my_t - theta * mx_t
    v_c = vy_c + theta**2 * vx_c - 2 * theta * cov_c
    v_t = vy_t + theta**2 * vx_t - 2 * theta * cov_t
    tau = adj_t - adj_c
    var_tau = v_c / control.n + v_t / treatment.n
    df = welch_df(v_c, control.n, v_t, treatment.n)
    if my_c != 0:
        relative = tau / my_c
        v_trt = v_t / (treatment.n * my_c**2)
        const = -my_t
        v_ctrl = (
            vy_c * const**2 / my_c**2 + 2 * theta * cov_c * const / my_c + theta**2 * vx_c
        ) / (control.n * my_c**2)
        var_rel = v_trt + v_ctrl
    else:
        relative, var_rel = math.nan, math.nan
    adjusted = _build(
        "cuped", control.n, treatment.n, adj_c, adj_t, tau, var_tau, relative, var_rel, df, alpha
    )
    unadjusted = mean_effect(my_c, vy_c, control.n, my_t, vy_t, treatment.n, alpha=alpha)
    reduction = 1.0 - var_tau / unadjusted.absolute_se**2 if unadjusted.absolute_se > 0 else 0.0
    return AdjustedEffect(adjusted, unadjusted, float(reduction), theta, theta)

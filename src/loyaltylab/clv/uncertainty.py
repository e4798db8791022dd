"""Intervals for CLV from parameter uncertainty.

Parameters are drawn from the asymptotic normal distribution of the maximum-likelihood estimates
**on the log scale** (mean log θ̂, covariance = inverse Hessian of the summed log-likelihood, as
stored on the fits), exponentiated - so every draw is positive - and pushed through the same closed
forms as the point estimate. Transaction and spend models are fitted separately and drawn
independently. The interval of a customer is the equal-tailed quantile interval of that
customer's CLV over the draws; the interval of the total is that of the per-draw sum.

These intervals cover the uncertainty of the *expected* CLV given the model; they do not add the
Poisson/purchase-to-purchase noise of what a single customer will actually spend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from loyaltylab.clv.covariates import CustomerCovariates
from loyaltylab.clv.fitting import (
    SpendModelFit,
    TransactionModelFit,
    unique_rows,
    validate_summary,
)
from loyaltylab.clv.models import SPEND_MODEL, CovariateModelFit
from loyaltylab.clv.predictions import (
    CLVResult,
    customer_lifetime_value,
    discounted_expected_purchases,
)
from loyaltylab.errors import ParameterError
from loyaltylab.rules import TIME_UNIT_DAYS

__all__ = ["CLVIntervals", "draw_parameters", "clv_intervals", "covariate_clv_intervals"]


def draw_parameters(
    fit: TransactionModelFit | SpendModelFit, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw parameters from the fit's log-normal sampling distribution.

    Parameters
    ----------
    fit : TransactionModelFit or SpendModelFit
        A fit with ``params`` and the log-parameter ``covariance``.
    n_draws : int
        Number of draws.
    rng : numpy.random.Generator
        Seeded generator.

    Returns
    -------
    numpy.ndarray
        Shape (n_draws, n_params), columns in the order of ``fit.params``; parameters fixed at
        a boundary (zero variance, see ``TransactionModelFit.boundary``) are not drawn.
    """
    values = np.array(list(fit.params.values()), dtype=float)
    covariance = fit.covariance.to_numpy(dtype=float)
    # parameters fixed at a boundary (a = 0 or s = 0, zero variance) stay at their value
    free = (values > 0) & (np.diag(covariance) > 0)
    draws = np.tile(values, (n_draws, 1))
    if not free.any():  # every parameter fixed (e.g. the spend model's boundary)
        return draws
    log_draws = rng.multivariate_normal(
        np.log(values[free]), covariance[np.ix_(free, free)], size=n_draws
    )
    draws[:, free] = np.exp(log_draws)
    return draws


@dataclass(frozen=True)
class CLVIntervals:
    """CLV point estimates with parameter-uncertainty intervals.

    Attributes
    ----------
    per_customer : pandas.DataFrame
        ``customer_id`` (if given), ``clv`` (point estimate at the MLE), ``clv_low``, ``clv_high``.
    total : float
        Total CLV at the MLE.
    total_low, total_high : float
        Interval of the total.
    level : float
        Coverage of the intervals (e.g. 0.9).
    n_draws : int
        Parameter draws made.
    seed : int
        Seed of the generator.
    dropped_draws : int
        Draws left out because they gave no finite CLV for some customer (extreme parameter
        values far out in a wide sampling distribution); counted, never silently skipped.
    note : str
        Why the intervals are missing (NaN) or what was left out; empty when all draws count.
    """

    per_customer: pd.DataFrame
    total: float
    total_low: float
    total_high: float
    level: float
    n_draws: int
    seed: int
    dropped_draws: int = 0
    note: str = ""

    def summary(self) -> pd.DataFrame:
        """Return one row: total CLV and its interval, level and draws."""
        return pd.DataFrame(
            [
                {
                    "clv_total": self.total,
                    "clv_total_low": self.total_low,
                    "clv_total_high": self.total_high,
                    "level": self.level,
                    "n_draws": self.n_draws,
                    "seed": self.seed,
                }
            ]
        )


def clv_intervals(
    transaction_fit: TransactionModelFit,
    spend_fit: SpendModelFit,
    summary: pd.DataFrame,
    *,
    horizon: float = 52.0,
    discount_rate: float = 0.10,
    step: float = 1.0,
    n_draws: int = 200,
    level: float = 0.90,
    seed: int = 0,
    point: CLVResult | None = None,
    chunk_customers: int = 50_000,
) -> CLVIntervals:
    """Per-customer and total CLV intervals from parameter draws (see module docstring).

    Parameters
    ----------
    transaction_fit : TransactionModelFit
        Transaction model fit.
    spend_fit : SpendModelFit
        Gamma-Gamma fit.
    summary : pandas.DataFrame
        Customers, as for :func:`loyaltylab.clv.customer_lifetime_value`.
    horizon, discount_rate, step : float
        As in :func:`loyaltylab.clv.customer_lifetime_value`.
    n_draws : int, default 200
        Parameter draws (>= 20).
    level : float, default 0.90
        Interval coverage in (0, 1).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.
    point : CLVResult, optional
        Point estimates already computed with the same settings (saves recomputing them).
    chunk_customers : int, default 50000
        Customers per block when computing quantiles (bounds memory to n_draws x block).

    Returns
    -------
    CLVIntervals

    Examples
    --------
    >>> clv_intervals(bgnbd, gamma_gamma, summary, n_draws=200, seed=1).summary()  # doctest: +SKIP
    """
    if not isinstance(n_draws, int) or n_draws < 20:
        raise ParameterError(f"parameter 'n_draws' must be a whole number >= 20, got {n_draws!r}")
    if not 0 < level < 1:
        raise ParameterError(f"parameter 'level' must be in (0, 1), got {level!r}")
    validate_summary(summary, require_monetary=True)
    if point is None:
        point = customer_lifetime_value(
            transaction_fit,
            spend_fit,
            summary,
            horizon=horizon,
            discount_rate=discount_rate,
            step=step,
        )
    rng = np.random.default_rng(seed)
    transaction_draws = draw_parameters(transaction_fit, n_draws, rng)
    spend_draws = draw_parameters(spend_fit, n_draws, rng)
    units_per_year = 365.25 / TIME_UNIT_DAYS[point.time_unit]
    rows, codes = unique_rows(summary, ["frequency", "recency", "T"])
    params = [transaction_draws[:, [i]] for i in range(transaction_draws.shape[1])]
    discounted = discounted_expected_purchases(
        transaction_fit.model,
        params,
        rows["frequency"].to_numpy(),
        rows["recency"].to_numpy(),
        rows["T"].to_numpy(),
        horizon=point.horizon,
        discount_rate=point.discount_rate,
        units_per_year=units_per_year,
        step=point.step,
    )  # (n_draws, n_unique)
    spend_rows, spend_codes = unique_rows(summary, ["frequency", "monetary_value"])
    spend = SPEND_MODEL.expected_spend(
        [spend_draws[:, [i]] for i in range(3)],
        spend_rows["frequency"].to_numpy(),
        spend_rows["monetary_value"].to_numpy(),
        spend_fit.observed_mean_spend,
    )  # (n_draws, n_unique_spend)
    usable = np.isfinite(discounted).all(axis=1) & np.isfinite(spend).all(axis=1)
    dropped, note = _unusable_draws(usable)
    discounted, spend = discounted[usable], spend[usable]
    tail = (1 - level) / 2
    low = np.full(len(summary), np.nan)
    high = np.full(len(summary), np.nan)
    totals = np.zeros(int(usable.sum()))
    enough = usable.sum() >= MIN_USABLE_DRAWS
    for begin in range(0, len(summary), chunk_customers) if enough else ():
        block = slice(begin, begin + chunk_customers)
        values = discounted[:, codes[block]] * spend[:, spend_codes[block]]
        totals += values.sum(axis=1)
        low[block], high[block] = np.quantile(values, [tail, 1 - tail], axis=0)
    total_low, total_high = np.quantile(totals, [tail, 1 - tail]) if enough else (np.nan, np.nan)
    return _with_intervals(
        point, (low, high), (total_low, total_high), level, n_draws, seed, dropped, note
    )


def _with_intervals(
    point: CLVResult,
    customer_bounds: tuple[np.ndarray, np.ndarray],
    total_bounds: tuple[float, float],
    level: float,
    n_draws: int,
    seed: int,
    dropped: int,
    note: str,
) -> CLVIntervals:
    """Assemble :class:`CLVIntervals` from the point estimates and the quantiles of the draws."""
    frame = point.per_customer[[c for c in ("customer_id", "clv") if c in point.per_customer]]
    return CLVIntervals(
        per_customer=frame.assign(clv_low=customer_bounds[0], clv_high=customer_bounds[1]),
        total=point.total,
        total_low=float(total_bounds[0]),
        total_high=float(total_bounds[1]),
        level=level,
        n_draws=n_draws,
        seed=seed,
        dropped_draws=dropped,
        note=note,
    )


MIN_USABLE_DRAWS = 20
"""Fewer parameter draws with a finite CLV than this: no interval (NaN, with the reason)."""


def _unusable_draws(usable: np.ndarray) -> tuple[int, str]:
    """Count the draws without a finite CLV and word what that means for the intervals."""
    total, kept = len(usable), int(usable.sum())
    dropped = total - kept
    if dropped == 0:
        return 0, ""
    if kept < MIN_USABLE_DRAWS:
        return dropped, (
            f"no interval: only {kept} of {total} parameter draws give a finite CLV for every "
            "customer (the fit's standard errors are too wide to draw from); the point estimate "
            "stands alone"
        )
    return dropped, (
        f"{dropped} of {total} parameter draws gave no finite CLV for some customer (extreme "
        "values of a wide sampling distribution) and are left out of the intervals"
    )


def covariate_clv_intervals(
    fit: CovariateModelFit,
    spend_fit: SpendModelFit,
    summary: pd.DataFrame,
    covariates: pd.DataFrame | CustomerCovariates,
    *,
    point: CLVResult,
    n_draws: int = 200,
    level: float = 0.90,
    seed: int = 0,
) -> CLVIntervals:
    """CLV intervals of a covariate fit: population parameters and coefficients drawn together.

    The draws are normal in (log parameters, coefficients) with the fit's covariance, as
    :func:`clv_intervals` draws a plain fit; each draw values every customer with their own
    parameters (:meth:`loyaltylab.clv.CovariateModelFit.customer_lifetime_value`).

    Parameters
    ----------
    fit : CovariateModelFit
        From :func:`loyaltylab.clv.fit_covariate_model`.
    spend_fit : SpendModelFit
        Gamma-Gamma fit.
    summary : pandas.DataFrame
        The customers of ``point``.
    covariates : pandas.DataFrame or CustomerCovariates
        Their covariates.
    point : CLVResult
        ``fit.customer_lifetime_value(spend_fit, summary, covariates, ...)``; its horizon,
        discount rate and step are used.
    n_draws : int, default 200
        Parameter draws (>= 20).
    level : float, default 0.90
        Interval coverage in (0, 1).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    CLVIntervals
    """
    if not isinstance(n_draws, int) or n_draws < 20:
        raise ParameterError(f"parameter 'n_draws' must be a whole number >= 20, got {n_draws!r}")
    if not 0 < level < 1:
        raise ParameterError(f"parameter 'level' must be in (0, 1), got {level!r}")
    rng = np.random.default_rng(seed)
    labels = list(fit.covariance.index)
    estimates = {f"log_{name}": math.log(value) for name, value in fit.params.items()}
    estimates |= _prefixed("purchase", fit.purchase_coefficients)
    estimates |= _prefixed("dropout", fit.dropout_coefficients)
    centre = np.array([estimates[label] for label in labels])
    covariance = fit.covariance.to_numpy(dtype=float)
    covariance = np.where(np.isfinite(covariance), covariance, 0.0)
    theta = rng.multivariate_normal(centre, covariance, size=n_draws)
    spend_draws = draw_parameters(spend_fit, n_draws, rng)
    values = np.empty((n_draws, len(summary)))
    for k in range(n_draws):
        drawn = dict(zip(labels, theta[k], strict=True))
        draw_fit = replace(
            fit,
            params={name: math.exp(drawn[f"log_{name}"]) for name in fit.params},
            purchase_coefficients={c: drawn[f"purchase.{c}"] for c in fit.purchase_coefficients},
            dropout_coefficients={c: drawn[f"dropout.{c}"] for c in fit.dropout_coefficients},
        )
        draw_spend = replace(
            spend_fit, params=dict(zip(spend_fit.params, map(float, spend_draws[k]), strict=True))
        )
        values[k] = (
            draw_fit.customer_lifetime_value(
                draw_spend,
                summary,
                covariates,
                horizon=point.horizon,
                discount_rate=point.discount_rate,
                step=point.step,
            )
            .per_customer["clv"]
            .to_numpy()
        )
    tail = (1 - level) / 2
    usable = np.asarray(np.isfinite(values).all(axis=1))
    dropped, note = _unusable_draws(usable)
    values = values[usable]
    if len(values) >= MIN_USABLE_DRAWS:
        low, high = np.quantile(values, [tail, 1 - tail], axis=0)
        total_low, total_high = np.quantile(values.sum(axis=1), [tail, 1 - tail])
    else:
        low = high = np.full(len(summary), np.nan)
        total_low = total_high = np.nan
    return _with_intervals(
        point, (low, high), (total_low, total_high), level, n_draws, seed, dropped, note
    )


def _prefixed(process: str, coefficients: dict[str, float]) -> dict[str, float]:
    return {f"{process}.{column}": value for column, value in coefficients.items()}

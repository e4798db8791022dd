"""Gamma-Gamma spend model (Fader & Hardie 2013, note 025): closed form, likelihood, fit.

The spend per transaction of a customer is gamma(p, ν) with ν ~ gamma(q, v) across customers;
only repeat customers with a positive mean spend enter the fit. Likelihood: lifetimes'
``GammaGammaFitter._negative_log_likelihood`` summed with weights, written in numpy with an
analytic gradient (:func:`gamma_gamma_loglik_and_gradient`).

Fit attempts, in order: L-BFGS-B with the analytic gradient, lifetimes' fitter (tol 1e-7,
tol 1e-4, another start), Nelder-Mead on log-parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

from loyaltylab.clv import fitting
from loyaltylab.clv.fitting import (
    ConvergenceError,
    FitRun,
    FitStrategy,
    Likelihood,
    SpendModelFit,
    compress_customers,
    fit_with_retries,
    hessian_from_gradient,
    lifetimes_log_likelihood,
    validate_summary,
)
from loyaltylab.clv.models.base import ArrayLike, Parameters
from loyaltylab.errors import DataValidationError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes import GammaGammaFitter

__all__ = [
    "GammaGammaModel",
    "SPEND_MODEL",
    "fit_spend_model",
    "gamma_gamma_expected_spend",
    "gamma_gamma_loglik_and_gradient",
]


def gamma_gamma_expected_spend(
    p: ArrayLike, q: ArrayLike, v: ArrayLike, x: ArrayLike, mean_spend: ArrayLike
) -> np.ndarray:
    """E[M | x, m̄] under Gamma-Gamma (Fader & Hardie 2013, note 025, eq. 5).

    For x = 0 this is the population mean ``p v / (q - 1)``.

    Examples
    --------
    >>> float(gamma_gamma_expected_spend(6.25, 3.74, 15.44, 0, 0.0)).__round__(2)
    35.22
    """
    x = np.asarray(x, dtype=float)
    population_mean = p * v / (q - 1.0)
    weight = (q - 1.0) / (p * x + q - 1.0)
    return np.asarray(
        weight * population_mean + (1.0 - weight) * np.asarray(mean_spend, dtype=float)
    )


def gamma_gamma_loglik_and_gradient(
    freq: np.ndarray, mean_spend: np.ndarray, weights: np.ndarray
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Return log-params -> (summed Gamma-Gamma log-likelihood, gradient in log-parameters).

    lifetimes' ``GammaGammaFitter._negative_log_likelihood`` (Fader & Hardie 2013, note 025,
    eq. 1a) times -N in numpy with an analytic gradient (gamma functions once per distinct
    frequency). Equal to lifetimes' value to rounding (tests/test_clv.py).
    """
    x = np.asarray(freq, dtype=float)
    m = np.asarray(mean_spend, dtype=float)
    weights = np.asarray(weights, dtype=float)
    x_values, x_codes = np.unique(x, return_inverse=True)
    log_m = np.log(m)
    log_x = np.log(x)

    def evaluate(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, v = np.exp(log_params)
        px = p * x
        log_xm_v = np.log(x * m + v)
        gamma_terms = (gammaln(p * x_values + q) - gammaln(p * x_values))[x_codes]
        values = (
            gamma_terms
            - gammaln(q)
            + q * np.log(v)
            + (px - 1.0) * log_m
            + px * log_x
            - (px + q) * log_xm_v
        )
        total = float((weights * values).sum())
        psi_pxq = digamma(p * x_values + q)[x_codes]
        d_p = x * (psi_pxq - digamma(p * x_values)[x_codes] + log_m + log_x - log_xm_v)
        d_q = psi_pxq - digamma(q) + np.log(v) - log_xm_v
        d_v = q / v - (px + q) / (x * m + v)
        gradient = np.array(
            [p * (weights * d_p).sum(), q * (weights * d_q).sum(), v * (weights * d_v).sum()]
        )
        return total, gradient

    return evaluate


def _spend_arrays(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        rows["frequency"].to_numpy(dtype=float),
        rows["monetary_value"].to_numpy(dtype=float),
        rows["weight"].to_numpy(dtype=float),
    )


class GammaGammaModel:
    """Gamma-Gamma: the spend model, with the method names of the transaction models.

    Examples
    --------
    >>> round(float(SPEND_MODEL.expected_spend([6.25, 3.74, 15.44], 2, 50.0)), 2)
    47.34
    """

    name: ClassVar[str] = "gamma_gamma"
    label: ClassVar[str] = "Gamma-Gamma"
    parameter_names: ClassVar[tuple[str, ...]] = ("p", "q", "v")
    lifetimes_class: ClassVar[type] = GammaGammaFitter

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def expected_spend(
        self, params: Parameters, frequency: ArrayLike, mean_spend: ArrayLike
    ) -> np.ndarray:
        """E[M | x, m̄] (note 025, eq. 5); parameters as floats or ``(n_draws, 1)`` columns."""
        p, q, v = params
        return gamma_gamma_expected_spend(p, q, v, frequency, mean_spend)

    def likelihood(self, rows: pd.DataFrame) -> Likelihood:
        """Return the summed log-likelihood of compressed (frequency, monetary_value) rows.

        Parameters
        ----------
        rows : pandas.DataFrame
            Output of ``compress_customers(repeaters, ["frequency", "monetary_value"])``.

        Returns
        -------
        Likelihood
        """
        data = _spend_arrays(rows)
        reference = lifetimes_log_likelihood(GammaGammaFitter)
        evaluate = gamma_gamma_loglik_and_gradient(*data)

        def gradient(log_params: np.ndarray) -> np.ndarray:
            return evaluate(log_params)[1]

        return Likelihood(
            value=lambda lp: reference(lp, *data),
            gradient=gradient,
            hessian=lambda lp: hessian_from_gradient(gradient, lp),
            n_customers=float(data[-1].sum()),
        )

    def log_likelihood(self, log_params: np.ndarray, rows: pd.DataFrame) -> float:
        """Return the summed log-likelihood of compressed ``rows`` at ``log_params``."""
        return float(self.likelihood(rows).value(np.asarray(log_params, dtype=float)))

    def gradient(self, log_params: np.ndarray, rows: pd.DataFrame) -> np.ndarray:
        """Analytic gradient of :meth:`log_likelihood` in the log-parameters."""
        return np.asarray(self.likelihood(rows).gradient(np.asarray(log_params, dtype=float)))

    def fit_strategies(self, rows: pd.DataFrame, *, q_constraint: bool = True) -> list[FitStrategy]:
        """L-BFGS-B with the analytic gradient, lifetimes (3 settings), Nelder-Mead."""
        freq, mean_spend, weights = _spend_arrays(rows)
        data = (freq, mean_spend, weights)
        names = self.parameter_names
        options = {"q_constraint": True} if q_constraint else {}

        def lifetimes_attempt(tol: float, start: np.ndarray | None = None) -> FitRun:
            def run() -> dict[str, float]:
                fitter = GammaGammaFitter().fit(
                    freq, mean_spend, weights=weights, tol=tol, initial_params=start, **options
                )
                return {k: float(fitter.params_[k]) for k in names}

            return run

        def nelder_mead() -> dict[str, float]:
            loglik = lifetimes_log_likelihood(GammaGammaFitter)
            result = minimize(
                lambda lp: -loglik(lp, *data) / weights.sum(),
                np.log([1.0, 2.0, np.median(mean_spend)]),
                method="Nelder-Mead",
                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20000},
            )
            if not result.success:
                raise ConvergenceError(f"Nelder-Mead: {result.message}")
            return dict(zip(names, map(float, np.exp(result.x)), strict=True))

        evaluate = gamma_gamma_loglik_and_gradient(freq, mean_spend, weights)

        def lbfgs_analytic() -> dict[str, float]:
            # lifetimes' start (0.1 on the log scale); with q_constraint, log q >= 0 (q >= 1)
            bounds = [(None, None), (0.0, None), (None, None)] if q_constraint else None
            log_params = fitting.bfgs_with_gradient(
                evaluate, np.full(3, 0.1), float(weights.sum()), bounds
            )
            return dict(zip(names, map(float, np.exp(log_params)), strict=True))

        return [
            ("L-BFGS-B with analytic gradient (lifetimes' likelihood)", lbfgs_analytic),
            ("lifetimes L-BFGS-B, tol 1e-7", lifetimes_attempt(1e-7)),
            # LT #396: BFGS reports "precision loss" although the gradient is ~0; a looser tol
            # passes.
            ("lifetimes, tol 1e-4", lifetimes_attempt(1e-4)),
            (
                "lifetimes, start log-params (0, 0.7, log median spend), tol 1e-4",
                lifetimes_attempt(1e-4, np.log([1.0, 2.0, float(np.median(mean_spend))])),
            ),
            ("Nelder-Mead on log-parameters", nelder_mead),
        ]

    def fit(self, summary: pd.DataFrame, *, q_constraint: bool = True) -> SpendModelFit:
        """Fit to the repeat customers of a summary (see :func:`fit_spend_model`)."""
        validate_summary(summary, require_monetary=True)
        repeat = summary["frequency"].to_numpy(dtype=float) > 0
        spend = summary["monetary_value"].to_numpy(dtype=float)
        nonpositive = repeat & (spend <= 0)
        fitted = repeat & ~nonpositive
        if fitted.sum() < 2:
            raise DataValidationError(
                f"summary has {int(fitted.sum())} repeat customer(s) (frequency > 0) with a "
                f"positive mean spend ({int(nonpositive.sum())} more with monetary_value <= 0); "
                "the Gamma-Gamma model needs at least 2"
            )
        repeaters = summary.loc[fitted]
        rows = compress_customers(repeaters, ["frequency", "monetary_value"])
        params, loglik, covariance, attempts = fit_with_retries(
            self.label,
            self.parameter_names,
            self.fit_strategies(rows, q_constraint=q_constraint),
            self.likelihood(rows),
        )
        correlation = float(np.corrcoef(repeaters["frequency"], repeaters["monetary_value"])[0, 1])
        labels = [f"log_{k}" for k in self.parameter_names]
        return SpendModelFit(
            params=params,
            log_likelihood=loglik,
            covariance=pd.DataFrame(covariance, index=labels, columns=labels),
            n_customers=int(fitted.sum()),
            n_excluded_one_time=int((~repeat).sum()),
            n_unique_rows=len(rows),
            frequency_spend_correlation=correlation,
            attempts=attempts,
            n_excluded_nonpositive_spend=int(nonpositive.sum()),
        )


SPEND_MODEL = GammaGammaModel()
"""The registered spend model."""


def fit_spend_model(summary: pd.DataFrame, *, q_constraint: bool = True) -> SpendModelFit:
    """Fit the Gamma-Gamma model of spend per transaction to the repeat customers of a summary.

    Only customers with ``frequency > 0`` enter the fit (``monetary_value`` is the mean over their
    repeat purchase days); one-time buyers are counted in ``n_excluded_one_time`` and later get
    the population mean spend. Repeat customers with a mean spend <= 0 (free or fully refunded
    repeat orders, e.g. one in full CDNOW) cannot enter the gamma likelihood, which needs m > 0:
    they are left out of the fit and counted in ``n_excluded_nonpositive_spend``, and
    :func:`loyaltylab.clv.expected_spend` still gives them the conditional mean
    E[M | x, m̄] = (q - 1) / (p x + q - 1) · p v / (q - 1) + p x / (p x + q - 1) · m̄
    (Fader & Hardie 2013, note 025, eq. 5), which is defined for any m̄.

    Parameters
    ----------
    summary : pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T``, ``monetary_value`` (one row per customer).
    q_constraint : bool, default True
        Constrain q > 1 so that the population mean spend exists (lifetimes' ``q_constraint``;
        LT #362: q < 1 gives negative CLVs).

    Returns
    -------
    SpendModelFit

    Raises
    ------
    DataValidationError
        Missing columns, or fewer than 2 repeat customers with a positive mean spend.
    ModelConvergenceError
        No fit attempt converged.

    Examples
    --------
    >>> spend = fit_spend_model(summary)  # doctest: +SKIP
    >>> spend.params  # doctest: +SKIP
    {'p': 6.25, 'q': 3.74, 'v': 15.44}
    """
    return SPEND_MODEL.fit(summary, q_constraint=q_constraint)

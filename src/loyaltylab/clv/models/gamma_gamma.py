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
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

from loyaltylab.clv import fitting
from loyaltylab.clv.fitting import (
    ConvergenceError,
    FitAttempt,
    FitFailure,
    FitRun,
    FitStrategy,
    FitTimeoutError,
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
    "BOUNDARY_P",
    "MIN_SPEND_CUSTOMERS",
    "GammaGammaModel",
    "SPEND_MODEL",
    "fit_spend_model",
    "gamma_gamma_expected_spend",
    "gamma_gamma_loglik_and_gradient",
]


MIN_SPEND_CUSTOMERS = 2
"""Fewer repeat customers with a positive spend than this: the spend model is on its boundary."""

BOUNDARY_P = 1e8
"""p of the boundary spend model (no variation within customers): each customer's own mean."""

_BOUNDARY_Q = 1e6  # q when the customers' means do not vary either
_DIVERGED_P = 1e4  # an attempt with p above this went to the boundary p → ∞
_DIVERGED_V = 1e6  # an attempt with v (or q) above this went to the boundary q, v → ∞


def gamma_gamma_expected_spend(
    p: ArrayLike,
    q: ArrayLike,
    v: ArrayLike,
    x: ArrayLike,
    mean_spend: ArrayLike,
    undefined: ArrayLike = np.nan,
) -> np.ndarray:
    """E[M | x, m̄] under Gamma-Gamma (Fader & Hardie 2013, note 025, eq. 5).

    Written as the posterior mean p (v + x m̄) / (p x + q - 1), which equals eq. 5
    (q - 1) / (p x + q - 1) · p v / (q - 1) + p x / (p x + q - 1) · m̄ and stays defined for
    q <= 1 whenever p x + q > 1. For x = 0 it is the population mean ``p v / (q - 1)``; where
    the mean does not exist (p x + q <= 1, e.g. x = 0 with q <= 1) the result is ``undefined``.

    Examples
    --------
    >>> float(gamma_gamma_expected_spend(6.25, 3.74, 15.44, 0, 0.0)).__round__(2)
    35.22
    >>> gamma_gamma_expected_spend(3.0, 0.7, 5.0, np.array([0, 2]), np.array([0.0, 40.0]),
    ...                            undefined=30.0).round(2).tolist()
    [30.0, 44.74]
    """
    x = np.asarray(x, dtype=float)
    denominator = p * x + q - 1.0
    defined = denominator > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = p * (v + x * np.asarray(mean_spend, dtype=float)) / denominator
    return np.asarray(np.where(defined, value, undefined))


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
        self,
        params: Parameters,
        frequency: ArrayLike,
        mean_spend: ArrayLike,
        undefined: ArrayLike = np.nan,
    ) -> np.ndarray:
        """E[M | x, m̄] (note 025, eq. 5); parameters as floats or ``(n_draws, 1)`` columns.

        ``undefined`` is returned where the mean does not exist (q <= 1 and no repeat purchase).
        """
        p, q, v = params
        return gamma_gamma_expected_spend(p, q, v, frequency, mean_spend, undefined)

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

        def bfgs_unconstrained() -> dict[str, float]:
            start = np.log([1.0, 2.0, float(np.median(mean_spend))])
            log_params = fitting.bfgs_with_gradient(evaluate, start, float(weights.sum()))
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
            # the constraint q >= 1 holds the optimum of a heavy-tailed spend (q < 1) at q = 1,
            # where the gradient is not 0: the unconstrained maximum, reported with its note
            ("BFGS with analytic gradient, q unconstrained", bfgs_unconstrained),
            ("Nelder-Mead on log-parameters", nelder_mead),
        ]

    def fit(self, summary: pd.DataFrame, *, q_constraint: bool = True) -> SpendModelFit:
        """Fit to the repeat customers of a summary (see :func:`fit_spend_model`)."""
        validate_summary(summary, require_monetary=True)
        repeat = summary["frequency"].to_numpy(dtype=float) > 0
        spend = summary["monetary_value"].to_numpy(dtype=float)
        nonpositive = repeat & (spend <= 0)
        fitted = repeat & ~nonpositive
        counts = (
            f"{int(fitted.sum())} repeat customer(s) (frequency > 0) with a positive mean "
            f"spend ({int(nonpositive.sum())} more with monetary_value <= 0, "
            f"{int((~repeat).sum())} without repeat purchases)"
        )
        if not fitted.any():
            raise DataValidationError(
                f"summary has {counts}: no repeat purchase has a spend, so the spend per order "
                "cannot be estimated; use a longer period or a log with returning customers"
            )
        repeaters = summary.loc[fitted]
        rows = compress_customers(repeaters, ["frequency", "monetary_value"])
        freq, mean_spend, weights = _spend_arrays(rows)
        observed = float((weights * freq * mean_spend).sum() / (weights * freq).sum())
        common: dict[str, Any] = {
            "n_customers": int(fitted.sum()),
            "n_excluded_one_time": int((~repeat).sum()),
            "n_unique_rows": len(rows),
            "n_excluded_nonpositive_spend": int(nonpositive.sum()),
            "observed_mean_spend": observed,
        }
        with np.errstate(all="ignore"):
            correlation = (
                float(np.corrcoef(repeaters["frequency"], repeaters["monetary_value"])[0, 1])
                if fitted.sum() > 1
                else float("nan")
            )
        if fitted.sum() < MIN_SPEND_CUSTOMERS:
            return self._boundary_fit(
                rows,
                correlation,
                (),
                f"Gamma-Gamma: only {counts}, too few to estimate how spend varies between "
                "and within customers (it needs at least "
                f"{MIN_SPEND_CUSTOMERS}); spend per order taken as each customer's mean, "
                f"{observed:,.2f} for customers without repeat purchases.",
                **common,
            )
        if np.ptp(mean_spend) <= 1e-9 * abs(mean_spend).max():
            return self._boundary_fit(
                rows,
                correlation,
                (),
                "Gamma-Gamma: no variation in spend within customers: every repeat customer's "
                f"mean spend is {observed:,.2f}, so spend per order taken as each customer's "
                "mean (the model's boundary p, q → ∞).",
                **common,
            )
        try:
            params, loglik, covariance, attempts = fit_with_retries(
                self.label,
                self.parameter_names,
                self.fit_strategies(rows, q_constraint=q_constraint),
                self.likelihood(rows),
            )
        except FitTimeoutError:
            raise
        except FitFailure as error:
            # the likelihood grows without bound in p: no spend variation within customers
            diverged = [
                a.params["p"]
                for a in error.attempts
                if a.params and a.params.get("p", 0.0) > _DIVERGED_P
            ]
            pooled = [
                a
                for a in error.attempts
                if a.params
                and (a.params.get("q", 0.0) > _DIVERGED_P or a.params.get("v", 0.0) > _DIVERGED_V)
            ]
            if not diverged and pooled:
                return self._pooled_fit(rows, correlation, error.attempts, **common)
            if not diverged:
                raise
            return self._boundary_fit(
                rows,
                correlation,
                error.attempts,
                "Gamma-Gamma: no variation in spend within customers (the likelihood is largest "
                f"as p → ∞, best attempt p = {max(diverged):.3g}): spend "
                "per order taken as each customer's mean, and the observed mean "
                f"{observed:,.2f} for customers without repeat purchases.",
                **common,
            )
        labels = [f"log_{k}" for k in self.parameter_names]
        return SpendModelFit(
            params=params,
            log_likelihood=loglik,
            covariance=pd.DataFrame(covariance, index=labels, columns=labels),
            frequency_spend_correlation=correlation,
            attempts=attempts,
            **common,
        )

    def _boundary_fit(
        self,
        rows: pd.DataFrame,
        correlation: float,
        attempts: tuple[FitAttempt, ...],
        note: str,
        **counts: Any,
    ) -> SpendModelFit:
        """Return the boundary spend model: each customer's own mean, else the observed mean.

        p = :data:`BOUNDARY_P` makes the weight of the population mean in E[M | x, m̄],
        (q - 1) / (p x + q - 1), negligible for every repeat customer; q comes from the spread
        of the customers' means (the moment estimate q = 2 + mean² / variance, capped), and
        v = observed · (q - 1) / p makes the population mean p v / (q - 1) the observed mean.
        The parameters are fixed (zero covariance), so parameter draws keep them; the
        log-likelihood is NaN (it has no finite maximum there).
        """
        freq, mean_spend, weights = _spend_arrays(rows)
        observed = float(counts["observed_mean_spend"])
        mean = float(np.average(mean_spend, weights=weights))
        variance = float(np.average((mean_spend - mean) ** 2, weights=weights))
        q = 2.0 + mean**2 / variance if variance > 1e-12 * mean**2 else _BOUNDARY_Q
        q = min(q, _BOUNDARY_Q)
        params = {"p": BOUNDARY_P, "q": q, "v": observed * (q - 1.0) / BOUNDARY_P}
        labels = [f"log_{k}" for k in self.parameter_names]
        return SpendModelFit(
            params=params,
            # the likelihood grows without bound towards this boundary: no finite maximum
            log_likelihood=float("nan"),
            covariance=pd.DataFrame(0.0, index=labels, columns=labels),
            frequency_spend_correlation=correlation,
            attempts=attempts,
            boundary_note=note,
            **counts,
        )

    def _pooled_fit(
        self,
        rows: pd.DataFrame,
        correlation: float,
        attempts: tuple[FitAttempt, ...],
        **counts: Any,
    ) -> SpendModelFit:
        """Return the boundary q, v → ∞: no spend differences between customers detectable.

        There every customer's rate ν is the same ν₀, so a customer's mean of ``x`` orders is
        Gamma(p x, ν₀ x); the maximum over ν₀ is ν₀ = p / m̄ (m̄ the order-weighted mean spend)
        and p maximises the profile likelihood. Every customer's expected spend is then m̄. The
        parameters are stored as p, q = :data:`_BOUNDARY_Q`, v = m̄ (q - 1) / p, fixed (zero
        covariance); the log-likelihood is the pooled model's.
        """
        from scipy.optimize import minimize_scalar
        from scipy.special import gammaln

        freq, mean_spend, weights = _spend_arrays(rows)
        observed = float(counts["observed_mean_spend"])

        def negative_loglik(log_p: float) -> float:
            shape = np.exp(log_p) * freq
            rate = np.exp(log_p) / observed * freq
            terms = (
                shape * np.log(rate)
                - gammaln(shape)
                + (shape - 1) * np.log(mean_spend)
                - rate * mean_spend
            )
            return -float((weights * terms).sum())

        best = minimize_scalar(negative_loglik, bounds=(-10.0, 10.0), method="bounded")
        p_hat = float(np.exp(best.x))
        q = _BOUNDARY_Q
        labels = [f"log_{k}" for k in self.parameter_names]
        note = (
            "Gamma-Gamma: no differences in spend between customers detectable (the likelihood "
            "is largest as q, v → ∞): every customer's expected spend per order is the observed "
            f"mean {observed:,.2f} (spend per order varies around it with shape p = {p_hat:.3g})."
        )
        return SpendModelFit(
            params={"p": p_hat, "q": q, "v": observed * (q - 1.0) / p_hat},
            log_likelihood=-float(best.fun),
            covariance=pd.DataFrame(0.0, index=labels, columns=labels),
            frequency_spend_correlation=correlation,
            attempts=attempts,
            boundary_note=note,
            **counts,
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

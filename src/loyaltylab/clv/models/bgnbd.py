"""BG/NBD (Fader, Hardie & Lee 2005): closed forms, likelihood, analytic gradient, fit strategy.

lifetimes 0.11.3 loses precision for heavy buyers: its conditional expectation evaluates
``2F1(r+x, b+x; a+b+x-1; z)`` whose large parameters make scipy's ``hyp2f1`` inaccurate (a customer
with x=1000 purchases gets E[Y(39)] = 0.002). The forms below apply Euler's transformation
``2F1(a, b; c; z) = (1 - z)^(c-a-b) 2F1(c-a, c-b; c; z)`` so that only small parameters remain,
and work in log space. They agree with lifetimes to 1e-8 where lifetimes is accurate
(tests/test_clv.py). The algebra shared with MBG/NBD (:mod:`loyaltylab.clv.models.mbgnbd`) is in
:func:`beta_geometric_log_odds_dead` and :func:`beta_geometric_expected_if_alive`.

Fit attempts, in order: BFGS with the analytic gradient of lifetimes' likelihood written in numpy
(no autograd graph; gamma functions once per distinct frequency), then
:func:`beta_geometric_retries` (lifetimes' fitter at tol 1e-7 and 1e-4, another start,
Nelder-Mead, a small penalizer).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln, hyp2f1, polygamma

from loyaltylab.clv import fitting
from loyaltylab.clv.fitting import FitStrategy, Likelihood, likelihood_from_evaluator
from loyaltylab.clv.models.base import (
    ArrayLike,
    Parameters,
    TransactionModel,
    compressed_arrays,
    lifetimes_time_scale,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter

__all__ = [
    "BetaGeoModel",
    "bgnbd_probability_alive",
    "bgnbd_expected_if_alive",
    "bgnbd_loglik_and_gradient",
    "beta_geometric_log_odds_dead",
    "beta_geometric_expected_if_alive",
    "beta_geometric_retries",
]


def beta_geometric_log_odds_dead(
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b_term: ArrayLike,
    x: np.ndarray,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """Log of P(dead) / P(alive) in the BG/NBD family, log a - log b' + (r+x) log((α+T)/(α+t_x)).

    ``b_term`` (b' above) is b + x - 1 for BG/NBD (x >= 1) and b + x for MBG/NBD.
    """
    return np.asarray(
        np.log(a) - np.log(b_term) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )


def beta_geometric_expected_if_alive(
    t: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    T: ArrayLike,
    first: ArrayLike,
    c: ArrayLike,
) -> np.ndarray:
    """Compute c / (a-1) x (1 - (1-z)^(a-1) 2F1(first, a-1; c; z)), z = t / (α + T + t).

    The Euler-transformed E[Y(t) | x, T, alive] of the BG/NBD family: BG/NBD passes
    first = a+b-1-r, c = a+b+x-1; MBG/NBD first = a+b-r, c = a+b+x.
    """
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1(first, a - 1.0, c, z)
        closed = np.asarray(c / (a - 1.0) * (1.0 - tail))
    bad = ~np.isfinite(closed)
    if not bad.any():
        return closed
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, alpha, a, T, first, c)))
    fixed = np.array(np.broadcast_to(closed, arrays[0].shape), dtype=float, copy=True)
    bad = np.broadcast_to(bad, fixed.shape)
    fixed[bad] = beta_geometric_expected_by_quadrature(*(v[bad] for v in arrays))
    return fixed


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(96)
_SPAN = 12.0  # standard deviations of logit(p) on each side of its mean


def beta_geometric_expected_by_quadrature(
    t: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    T: ArrayLike,
    first: ArrayLike,
    c: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, T, alive] of the BG/NBD family as one integral over the dropout probability.

    Alive at T, a customer's purchase rate is Gamma(k, α + T) with k = r + x and her dropout
    probability p is Beta(a, b'), b' = c - a + 1 (b + x for BG/NBD, b + x + 1 for MBG/NBD); with
    a purchase rate λ she makes (1 - exp(-λ p t)) / p purchases in t on average, so
    E[Y(t) | alive] = E_p[(1 - (1 + p t / (α + T))^-k) / p]. The integral runs over logit(p)
    (96-point Gauss-Legendre over ±12 standard deviations of logit(p) around its mean, exact
    moments from digamma and trigamma), without 2F1: it stays finite where the closed form's
    hypergeometric function overflows (a, b -> infinity, the ridge of a one-time-buyer log) and
    equals it elsewhere (tests/test_clv_numerics.py).

    Examples
    --------
    >>> # CDNOW BG/NBD (Fader, Hardie & Lee 2005): x = 2, T = 38.86, t = 39 weeks
    >>> r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    >>> round(float(beta_geometric_expected_by_quadrature(39.0, alpha, a, 38.86,
    ...                                                    a + b - 1 - r, a + b + 2 - 1)), 4)
    1.6874
    """
    t, alpha, a, T, first, c = (
        np.asarray(v, dtype=float)[..., None]
        for v in np.broadcast_arrays(
            *(np.asarray(v, dtype=float) for v in (t, alpha, a, T, first, c))
        )
    )
    k, b_post = c - first, c - a + 1.0
    mean = digamma(a) - digamma(b_post)
    sd = np.sqrt(polygamma(1, a) + polygamma(1, b_post))
    u = mean + _SPAN * sd * _NODES
    log_p, log_q = -np.logaddexp(0.0, -u), -np.logaddexp(0.0, u)  # log p, log(1 - p)
    log_density = (
        gammaln(a + b_post) - gammaln(a) - gammaln(b_post) + a * log_p + b_post * log_q
    )  # Beta density times dp/du = p (1 - p)
    p = np.exp(log_p)
    purchases = -np.expm1(-k * np.log1p(p * t / (alpha + T))) / p
    values = (_SPAN * sd[..., 0]) * np.sum(_WEIGHTS * np.exp(log_density) * purchases, axis=-1)
    return np.asarray(values)


def bgnbd_probability_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """P(alive | x, t_x, T) under BG/NBD (Fader & Hardie 2008, note 021); 1 when x = 0."""
    x = np.asarray(x, dtype=float)
    log_odds_dead = beta_geometric_log_odds_dead(
        r, alpha, a, b + np.maximum(x, 1.0) - 1.0, x, t_x, T
    )
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def bgnbd_expected_if_alive(
    t: ArrayLike,
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, T, alive] under BG/NBD: the factor of eq. 10 that does not involve t_x."""
    x = np.asarray(x, dtype=float)
    # (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) == (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)
    return beta_geometric_expected_if_alive(t, alpha, a, T, a + b - 1.0 - r, a + b + x - 1.0)


def bgnbd_loglik_and_gradient(
    freq: np.ndarray, rec: np.ndarray, age: np.ndarray, weights: np.ndarray
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Return log-params -> (summed BG/NBD log-likelihood, its gradient in log-parameters).

    The likelihood is lifetimes' ``BetaGeoFitter._negative_log_likelihood`` (Fader, Hardie & Lee
    2005, eq. 6) times -N, written in numpy with an analytic gradient so that no autograd graph is
    built: the gamma functions are evaluated once per distinct frequency and the logarithms once
    per distinct recency and T. Equal to lifetimes' value and to its autograd gradient to
    rounding (tests/test_clv.py).
    """
    x = np.asarray(freq, dtype=float)
    weights = np.asarray(weights, dtype=float)
    x_values, x_codes = np.unique(x, return_inverse=True)
    rec_values, rec_codes = np.unique(np.asarray(rec, dtype=float), return_inverse=True)
    age_values, age_codes = np.unique(np.asarray(age, dtype=float), return_inverse=True)
    repeat = x > 0
    x_floor = np.maximum(x_values, 1.0) - 1.0

    def evaluate(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = np.exp(log_params)
        log_alpha_age = np.log(alpha + age_values)[age_codes]
        log_alpha_rec = np.log(alpha + rec_values)[rec_codes]
        a1 = (gammaln(r + x_values) - gammaln(r) + r * np.log(alpha))[x_codes]
        a2 = (gammaln(a + b) + gammaln(b + x_values) - gammaln(b) - gammaln(a + b + x_values))[
            x_codes
        ]
        a3 = -(r + x) * log_alpha_age
        a4 = (np.log(a) - np.log(b + x_floor))[x_codes] - (r + x) * log_alpha_rec
        a4 = np.where(repeat, a4, -np.inf)
        top = np.maximum(a3, a4)
        log_sum = top + np.log(np.exp(a3 - top) + np.exp(a4 - top))
        share_dead = np.exp(a4 - log_sum)  # weight of "dropped out right after the last purchase"
        share_alive = 1.0 - share_dead
        total = float((weights * (a1 + a2 + log_sum)).sum())
        inv_age = (1.0 / (alpha + age_values))[age_codes]
        inv_rec = (1.0 / (alpha + rec_values))[rec_codes]
        d_r = (digamma(r + x_values) - digamma(r) + np.log(alpha))[x_codes] - (
            share_alive * log_alpha_age + share_dead * log_alpha_rec
        )
        d_alpha = r / alpha - (r + x) * (share_alive * inv_age + share_dead * inv_rec)
        d_a = (digamma(a + b) - digamma(a + b + x_values))[x_codes] + share_dead / a
        d_b = (digamma(a + b) + digamma(b + x_values) - digamma(b) - digamma(a + b + x_values))[
            x_codes
        ] - share_dead * (1.0 / (b + x_floor))[x_codes]
        gradient = np.array(
            [
                r * (weights * d_r).sum(),
                alpha * (weights * d_alpha).sum(),
                a * (weights * d_a).sum(),
                b * (weights * d_b).sum(),
            ]
        )
        return total, gradient

    return evaluate


def beta_geometric_retries(model: TransactionModel, rows: pd.DataFrame) -> list[FitStrategy]:
    """Return the BG/NBD-family retries: lifetimes' BFGS (3 settings), Nelder-Mead, a penalizer.

    Parameters
    ----------
    model : TransactionModel
        BG/NBD or MBG/NBD.
    rows : pandas.DataFrame
        Compressed customers.

    Returns
    -------
    list of (str, callable)
    """
    size = len(model.parameter_names)
    return [
        ("lifetimes BFGS, tol 1e-7", model.lifetimes_attempt(rows)),
        ("lifetimes BFGS, tol 1e-4", model.lifetimes_attempt(rows, tol=1e-4)),
        (
            "lifetimes BFGS, start log-params 0, tol 1e-4",
            model.lifetimes_attempt(rows, tol=1e-4, initial_params=np.zeros(size)),
        ),
        ("Nelder-Mead on log-parameters, start 0", model.nelder_mead_attempt(rows, np.zeros(size))),
        (
            "lifetimes BFGS, penalizer 0.01, tol 1e-4",
            model.lifetimes_attempt(rows, penalizer=0.01, tol=1e-4),
        ),
    ]


class BetaDropout(TransactionModel):
    """What BG/NBD and MBG/NBD share: parameters (r, alpha, a, b), beta dropout, NBD boundary."""

    parameter_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    dropout_parameters: ClassVar[tuple[str, ...]] = ("a", "b")
    boundary_model: ClassVar[str | None] = "nbd"
    dropout_mean_label: ClassVar[str] = "mean dropout probability a / (a + b) per purchase"

    def dropout_scale_for_mean(self, shape: float, mean: float) -> float:
        """Return b with mean dropout probability a / (a + b) = ``mean`` at a = ``shape``."""
        return shape * (1.0 - mean) / mean


class BetaGeoModel(BetaDropout):
    """BG/NBD: Poisson purchases, gamma rates; a customer may drop out after each purchase.

    Examples
    --------
    >>> model = BetaGeoModel()
    >>> round(float(model.probability_alive([0.243, 4.414, 0.793, 2.426], 2, 30.43, 38.86)), 4)
    0.7266
    """

    name = "bgnbd"
    label = "BG/NBD"

    lifetimes_class = BetaGeoFitter

    def probability_alive(
        self, params: Parameters, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """P(alive | x, t_x, T) (Fader & Hardie 2008, note 021); 1 when x = 0."""
        r, alpha, a, b = params
        return bgnbd_probability_alive(r, alpha, a, b, frequency, recency, T)

    def expected_purchases_if_alive(
        self, params: Parameters, t: ArrayLike, frequency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """E[Y(t) | x, T, alive] (the factor of FHL 2005 eq. 10 without t_x), Euler-transformed."""
        r, alpha, a, b = params
        return bgnbd_expected_if_alive(t, r, alpha, a, b, frequency, T)

    def _derivatives(
        self, value: Callable[[np.ndarray], float], data: tuple[np.ndarray, ...]
    ) -> Likelihood:
        return likelihood_from_evaluator(value, bgnbd_loglik_and_gradient(*data), data[-1])

    def fit_strategies(self, rows: pd.DataFrame) -> list[FitStrategy]:
        """BFGS with the analytic gradient (time rescaled as lifetimes does), then the retries."""
        freq, rec, age, weights = compressed_arrays(rows)
        scale = lifetimes_time_scale(age)
        evaluate = bgnbd_loglik_and_gradient(freq, rec * scale, age * scale, weights)

        def bfgs_analytic() -> dict[str, float]:
            # lifetimes' start: 0.1 on the log scale, time rescaled to max T = 10
            log_params = fitting.bfgs_with_gradient(evaluate, np.full(4, 0.1), float(weights.sum()))
            params = dict(zip(self.parameter_names, map(float, np.exp(log_params)), strict=True))
            params["alpha"] /= scale
            return params

        return [
            ("BFGS with analytic gradient (lifetimes' likelihood)", bfgs_analytic),
            *beta_geometric_retries(self, rows),
        ]

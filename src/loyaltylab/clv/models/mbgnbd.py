"""MBG/NBD (Batislam, Denizel & Filiztekin 2007): closed forms, likelihood, fit strategy.

The MBG/NBD lets a customer drop out at time 0 too, so P(alive) < 1 for x = 0. Its closed forms
are the BG/NBD ones with b + x in place of b + x - 1 (the shared algebra lives in
:mod:`loyaltylab.clv.models.bgnbd`), Euler-transformed so heavy buyers stay finite (lifetimes
gives NaN at x = 5000).

Likelihood: lifetimes' ``ModifiedBetaGeoFitter._negative_log_likelihood`` summed with weights;
gradient and Hessian by automatic differentiation of it (autograd, which lifetimes uses).
Fit attempts: lifetimes' fitter, then the retries of the BG/NBD family
(:func:`~loyaltylab.clv.models.bgnbd.beta_geometric_retries`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.special import expit

from loyaltylab.clv.fitting import FitStrategy, Likelihood
from loyaltylab.clv.models.base import ArrayLike, Parameters
from loyaltylab.clv.models.bgnbd import (
    BetaDropout,
    beta_geometric_expected_if_alive,
    beta_geometric_log_odds_dead,
    beta_geometric_retries,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from autograd import grad as autograd_gradient
    from autograd import hessian as autograd_hessian
    from lifetimes import ModifiedBetaGeoFitter

__all__ = ["ModifiedBetaGeoModel", "mbgnbd_probability_alive", "mbgnbd_expected_if_alive"]


def mbgnbd_probability_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """P(alive | x, t_x, T) under MBG/NBD (Batislam, Denizel & Filiztekin 2007, eq. A5)."""
    x = np.asarray(x, dtype=float)
    return np.asarray(expit(-beta_geometric_log_odds_dead(r, alpha, a, b + x, x, t_x, T)))


def mbgnbd_expected_if_alive(
    t: ArrayLike,
    r: ArrayLike,
    alpha: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, T, alive] under MBG/NBD (the factor not involving t_x)."""
    x = np.asarray(x, dtype=float)
    # (1-z)^(r+x) 2F1(r+x, b+x+1; a+b+x; z) == (1-z)^(a-1) 2F1(a+b-r, a-1; a+b+x; z)
    return beta_geometric_expected_if_alive(t, alpha, a, T, a + b - r, a + b + x)


class ModifiedBetaGeoModel(BetaDropout):
    """MBG/NBD: BG/NBD where a customer may also drop out before the first repeat purchase.

    Examples
    --------
    >>> model = ModifiedBetaGeoModel()
    >>> round(float(model.probability_alive([0.525, 6.183, 0.891, 1.614], 0, 0.0, 38.86)), 4)
    0.3897
    """

    name = "mbgnbd"
    label = "MBG/NBD"

    lifetimes_class = ModifiedBetaGeoFitter

    def probability_alive(
        self, params: Parameters, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """P(alive | x, t_x, T) (Batislam, Denizel & Filiztekin 2007, eq. A5)."""
        r, alpha, a, b = params
        return mbgnbd_probability_alive(r, alpha, a, b, frequency, recency, T)

    def expected_purchases_if_alive(
        self, params: Parameters, t: ArrayLike, frequency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """E[Y(t) | x, T, alive], Euler-transformed like the BG/NBD form."""
        r, alpha, a, b = params
        return mbgnbd_expected_if_alive(t, r, alpha, a, b, frequency, T)

    def _derivatives(
        self, value: Callable[[np.ndarray], float], data: tuple[np.ndarray, ...]
    ) -> Likelihood:
        reference = self.reference_log_likelihood()
        return Likelihood(
            value=value,
            gradient=lambda lp: np.asarray(autograd_gradient(reference)(lp, *data), dtype=float),
            hessian=lambda lp: np.asarray(autograd_hessian(reference)(lp, *data), dtype=float),
            n_customers=float(data[-1].sum()),
        )

    def fit_strategies(self, rows: pd.DataFrame) -> list[FitStrategy]:
        """Return the retries of the BG/NBD family, starting with lifetimes' own fitter."""
        return beta_geometric_retries(self, rows)

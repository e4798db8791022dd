"""BG/NBD with static covariates (CLVTools' ``bgnbd`` with ``SetStaticCovariates``).

Customer i has α_i = α · exp(−γ_purchase · x_i), a_i = a · exp(γ_dropout · x_i) and
b_i = b · exp(γ_dropout · x_i), one dropout coefficient on both a and b as CLVTools has it
(``bgnbd_staticcov_a_i`` / ``_b_i``). A positive purchase coefficient raises the mean purchase
rate r / α_i; the dropout coefficient leaves the mean dropout probability a / (a + b) alone and
scales the concentration a + b (positive: the group's dropout probabilities are more alike).
The likelihood (Fader, Hardie & Lee 2005, eq. 6), P(alive) and E[Y(t) | alive] are the plain
family's forms (:mod:`loyaltylab.clv.models.bgnbd`) with per-customer α_i, a_i, b_i.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import betaln, gammaln

from loyaltylab.clv.models.bgnbd import bgnbd_expected_if_alive, bgnbd_probability_alive
from loyaltylab.clv.models.covariate_base import CovariateTransactionModel, IndividualParameters

__all__ = ["BetaGeoCovariateModel"]


class BetaGeoCovariateModel(CovariateTransactionModel):
    """BG/NBD, α_i = α exp(−γ_purchase · x_i), a_i, b_i = (a, b) exp(γ_dropout · x_i).

    Examples
    --------
    >>> import numpy as np
    >>> model = BetaGeoCovariateModel()
    >>> r, alpha, a, b = model.link([0.25, 4.0, 0.8, 2.4], np.zeros(2), np.array([0.0, 1.0]))
    >>> (a / (a + b)).round(6).tolist()
    [0.25, 0.25]
    """

    name = "bgnbd_covariates"
    base_model = "bgnbd"
    label = "BG/NBD"
    parameter_names = ("r", "alpha", "a", "b")
    time_scale_parameters = ("alpha",)
    dropout_link = "a_i = a * exp(gamma_dropout . x_i), b_i = b * exp(gamma_dropout . x_i)"

    def link(
        self,
        params: Sequence[float],
        purchase_index: np.ndarray,
        dropout_index: np.ndarray,
    ) -> IndividualParameters:
        """(r, α_i, a_i, b_i) from (r, α, a, b) and the indices γ_purchase·x_i, γ_dropout·x_i."""
        r, alpha, a, b = (float(v) for v in params)
        alpha_i = alpha * np.exp(-np.asarray(purchase_index, dtype=float))
        factor = np.exp(np.asarray(dropout_index, dtype=float))
        n = max(len(alpha_i), len(factor))
        factor = np.broadcast_to(factor, n)
        return [
            np.full(n, r),
            np.broadcast_to(alpha_i, n).astype(float),
            a * factor,
            b * factor,
        ]

    def row_log_likelihood(
        self, individual: IndividualParameters, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """Fader, Hardie & Lee (2005) eq. 6 per customer, in log space."""
        r, alpha, a, b = individual
        x = np.asarray(x, dtype=float)
        repeat = x > 0
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
        stayed = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            dropped = np.where(
                repeat,
                np.log(a) - np.log(b + np.maximum(x, 1.0) - 1.0) - (r + x) * np.log(alpha + t_x),
                -np.inf,
            )
        return np.asarray(head + np.logaddexp(stayed, dropped))

    def probability_alive(
        self, individual: IndividualParameters, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """P(alive | x, t_x, T) per customer (1 for a customer without repeat purchases)."""
        r, alpha, a, b = individual
        return bgnbd_probability_alive(r, alpha, a, b, x, t_x, T)

    def expected_if_alive(
        self, individual: IndividualParameters, t: float, x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """E[Y(t) | x, T, alive] per customer (Euler-transformed eq. 10 factor)."""
        r, alpha, a, b = individual
        return bgnbd_expected_if_alive(t, r, alpha, a, b, x, T)

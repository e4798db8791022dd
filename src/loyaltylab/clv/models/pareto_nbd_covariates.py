"""Pareto/NBD with static covariates (CLVTools' ``pnbd`` with ``SetStaticCovariates``).

Customer i has α_i = α · exp(−γ_purchase · x_i) and β_i = β · exp(−γ_dropout · x_i) (r and s
are shared), so a positive purchase coefficient raises the mean purchase rate r / α_i and a
positive dropout coefficient raises the mean dropout rate s / β_i (faster attrition). The
likelihood, P(alive) and E[Y(t) | alive] are the plain family's stable forms
(:mod:`loyaltylab.clv.models.pareto_nbd`, Fader & Hardie note 009) with per-customer α_i, β_i.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import gammaln

from loyaltylab.clv.models.covariate_base import CovariateTransactionModel, IndividualParameters
from loyaltylab.clv.models.pareto_nbd import (
    pareto_expected_if_alive,
    pareto_log_a0,
    pareto_probability_alive,
)

__all__ = ["ParetoNBDCovariateModel"]


class ParetoNBDCovariateModel(CovariateTransactionModel):
    """Pareto/NBD, α_i = α exp(−γ_purchase · x_i), β_i = β exp(−γ_dropout · x_i).

    Examples
    --------
    >>> import numpy as np
    >>> model = ParetoNBDCovariateModel()
    >>> r, alpha, s, beta = model.link([0.5, 10.0, 0.6, 12.0], np.array([0.0, 1.0]), np.zeros(2))
    >>> alpha.round(4).tolist(), beta.tolist()
    ([10.0, 3.6788], [12.0, 12.0])
    """

    name = "pareto_nbd_covariates"
    base_model = "pareto_nbd"
    label = "Pareto/NBD"
    parameter_names = ("r", "alpha", "s", "beta")
    time_scale_parameters = ("alpha", "beta")
    dropout_link = "beta_i = beta * exp(-gamma_dropout . x_i)"

    def link(
        self,
        params: Sequence[float],
        purchase_index: np.ndarray,
        dropout_index: np.ndarray,
    ) -> IndividualParameters:
        """(r, α_i, s, β_i) from (r, α, s, β) and the indices γ_purchase·x_i, γ_dropout·x_i."""
        r, alpha, s, beta = (float(v) for v in params)
        alpha_i = alpha * np.exp(-np.asarray(purchase_index, dtype=float))
        beta_i = beta * np.exp(-np.asarray(dropout_index, dtype=float))
        n = max(len(alpha_i), len(beta_i))
        return [
            np.full(n, r),
            np.broadcast_to(alpha_i, n).astype(float),
            np.full(n, s),
            np.broadcast_to(beta_i, n).astype(float),
        ]

    def row_log_likelihood(
        self, individual: IndividualParameters, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """Note 009 eq. 18 per customer, with log A_0 in the stable Euler form."""
        r, alpha, s, beta = individual
        log_a0 = pareto_log_a0(r, alpha, s, beta, x, t_x, T)
        first = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        second = np.logaddexp(
            -(r + x) * np.log(alpha + T) - s * np.log(beta + T),
            np.log(s) + log_a0 - np.log(r + s + x),
        )
        return np.asarray(first + second)

    def probability_alive(
        self, individual: IndividualParameters, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """P(alive | x, t_x, T) (note 009, eq. 36) per customer."""
        r, alpha, s, beta = individual
        return pareto_probability_alive(r, alpha, s, beta, x, t_x, T)

    def expected_if_alive(
        self, individual: IndividualParameters, t: float, x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """E[Y(t) | x, T, alive] (note 009, eq. 41 without P(alive)) per customer."""
        r, alpha, s, beta = individual
        return pareto_expected_if_alive(t, r, alpha, s, beta, x, T)

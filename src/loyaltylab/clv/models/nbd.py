"""NBD (Ehrenberg 1959; Morrison & Schmittlein 1988): gamma-Poisson purchases, nobody drops out.

The NBD is the boundary model of the latent-attrition families: BG/NBD and MBG/NBD with
a → 0 (or b → ∞) and Pareto/NBD with s → 0 (or β → ∞) reduce to it. A one-year log often shows
no detectable attrition, and the maximum of those models is then this model
(:class:`loyaltylab.clv.fitting.BoundaryFit`).

Closed forms, with purchase rates λ ~ Gamma(r, α) and Poisson purchases:

* log-likelihood of (x, T) in the Fader-Hardie convention (the factor t_x^... and x! terms that
  depend on the data only are left out, as in the BG/NBD and Pareto/NBD likelihoods, so the
  values compare with theirs): ln Γ(r+x) - ln Γ(r) + r ln α - (r+x) ln(α+T);
* P(alive) = 1; E[Y(t) | x, T] = (r + x) t / (α + T); E[X(t)] = r t / α.

The fit maximises this likelihood with BFGS on the log-parameters and its analytic gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from loyaltylab.clv import fitting
from loyaltylab.clv.fitting import (
    BoundaryFit,
    FitFailure,
    FitStrategy,
    FitTimeoutError,
    Likelihood,
    TransactionModelFit,
    likelihood_from_evaluator,
)
from loyaltylab.clv.models.base import (
    ArrayLike,
    Parameters,
    TransactionModel,
    compressed_arrays,
    lifetimes_time_scale,
)
from loyaltylab.errors import ParameterError

__all__ = ["NBDModel", "POISSON_R", "nbd_loglik_and_gradient"]

POISSON_R = 1e6
"""r of the Poisson limit of the NBD (no variation in purchase rates): gamma CV 1/sqrt(r)."""

_DIVERGED_R = 1e3  # an attempt with r above this went to the Poisson limit r → ∞


def nbd_loglik_and_gradient(
    freq: np.ndarray, rec: np.ndarray, age: np.ndarray, weights: np.ndarray
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Return log(r, α) -> (summed NBD log-likelihood, gradient in log r, log α).

    ``rec`` is accepted for the common signature and not used (the NBD ignores recency).

    Examples
    --------
    >>> evaluate = nbd_loglik_and_gradient(
    ...     np.array([0, 2]), np.array([0.0, 3.0]), np.array([4.0, 5.0]), np.ones(2)
    ... )
    >>> round(evaluate(np.log([1.0, 2.0]))[0], 6)
    -5.550048
    """
    x = np.asarray(freq, dtype=float)
    age = np.asarray(age, dtype=float)
    weights = np.asarray(weights, dtype=float)

    def evaluate(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha = np.exp(log_params)
        log_alpha_age = np.log(alpha + age)
        terms = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * log_alpha_age
        d_r = digamma(r + x) - digamma(r) + np.log(alpha) - log_alpha_age
        d_alpha = r / alpha - (r + x) / (alpha + age)
        gradient = np.array([r * (weights * d_r).sum(), alpha * (weights * d_alpha).sum()])
        return float((weights * terms).sum()), gradient

    return evaluate


class NBDModel(TransactionModel):
    """NBD: Poisson purchases with gamma-distributed rates and no dropout.

    Examples
    --------
    >>> model = NBDModel()
    >>> float(model.probability_alive([0.5, 4.0], 3, 10.0, 20.0))
    1.0
    >>> round(float(model.expected_purchases([0.5, 4.0], 10.0, 3, 10.0, 20.0)), 4)
    1.4583
    """

    name = "nbd"
    label = "NBD"
    parameter_names = ("r", "alpha")
    time_scale_parameters = ("alpha",)

    def probability_alive(
        self, params: Parameters, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """P(alive) = 1: nobody drops out."""
        r, alpha = params
        shape = np.broadcast(np.asarray(r), np.asarray(frequency, dtype=float)).shape
        return np.ones(shape)

    def expected_purchases_if_alive(
        self, params: Parameters, t: ArrayLike, frequency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """E[Y(t) | x, T] = (r + x) t / (α + T), the gamma posterior mean rate times t."""
        r, alpha = params
        return np.asarray((r + np.asarray(frequency, dtype=float)) * t / (alpha + T))

    def expected_purchases_new_customer(self, params: Parameters, t: ArrayLike) -> np.ndarray:
        """E[X(t)] = r t / α."""
        r, alpha = params
        return np.asarray(r * np.asarray(t, dtype=float) / alpha)

    def lifetimes_fitter(self, params: Parameters, penalizer_coef: float = 0.0) -> Any:
        """Raise: lifetimes has no NBD fitter; the closed forms above are used instead."""
        raise ParameterError(
            "the NBD has no lifetimes fitter; use its closed forms (expected_purchases, "
            "probability_alive) or fit_transaction_model(summary, 'nbd')"
        )

    def reference_log_likelihood(self) -> Any:
        """Return f(log_params, freq, rec, age, weights), the summed NBD log-likelihood."""

        def loglik(log_params: Any, freq: Any, rec: Any, age: Any, weights: Any) -> float:
            return nbd_loglik_and_gradient(freq, rec, age, weights)(np.asarray(log_params))[0]

        return loglik

    def _derivatives(
        self, value: Callable[[np.ndarray], float], data: tuple[np.ndarray, ...]
    ) -> Likelihood:
        return likelihood_from_evaluator(value, nbd_loglik_and_gradient(*data), data[-1])

    def fit_rows(self, rows: pd.DataFrame, *, time_unit: str = "W") -> TransactionModelFit:
        """Fit compressed rows; where purchase rates do not vary (r → ∞), the Poisson limit.

        When every customer buys at the same rate the NBD likelihood grows as r, α → ∞ with
        r / α = λ fixed: its maximum is the Poisson model with λ̂ = Σx / ΣT. The fit then
        carries r = :data:`POISSON_R` (gamma rates with a coefficient of variation of 0.1 %),
        α = r / λ̂, var(log α) = 1 / Σx (the Poisson information) and a
        :class:`~loyaltylab.clv.fitting.BoundaryFit` saying so.
        """
        try:
            return super().fit_rows(rows, time_unit=time_unit)
        except FitTimeoutError:
            raise
        except FitFailure as error:
            diverged = [
                a.params["r"] for a in error.attempts if a.params and a.params["r"] > _DIVERGED_R
            ]
            freq, _, age, weights = compressed_arrays(rows)
            purchases = float((weights * freq).sum())
            if not diverged or purchases <= 0:
                raise
            rate = purchases / float((weights * age).sum())
            params = {"r": POISSON_R, "alpha": POISSON_R / rate}
            value = self.log_likelihood(np.log([POISSON_R, params["alpha"]]), rows)
            labels = ["log_r", "log_alpha"]
            covariance = pd.DataFrame(0.0, index=labels, columns=labels)
            covariance.loc["log_alpha", "log_alpha"] = 1.0 / purchases
            note = (
                "NBD: purchase rates do not vary across customers (the likelihood is largest as "
                f"r → ∞, best attempt r = {max(diverged):.3g}): the NBD reduces to the Poisson "
                f"model with one rate λ = {rate:.4g} purchases per {time_unit}."
            )
            return TransactionModelFit(
                model=self.name,
                params=params,
                log_likelihood=value,
                covariance=covariance,
                n_customers=int(weights.sum()),
                n_unique_rows=len(rows),
                attempts=error.attempts,
                time_unit=time_unit,
                boundary=BoundaryFit(
                    parameter="r → ∞",
                    reduces_to="poisson",
                    fixed_parameters=("r",),
                    boundary_log_likelihood=value,
                    best_log_likelihood=max(
                        (a.log_likelihood for a in error.attempts if a.log_likelihood),
                        default=value,
                    ),
                    note=note,
                ),
            )

    def fit_strategies(self, rows: pd.DataFrame) -> list[FitStrategy]:
        """BFGS with the analytic gradient, time rescaled to max T = 10, from two starts."""
        freq, rec, age, weights = compressed_arrays(rows)
        scale = lifetimes_time_scale(age)
        evaluate = nbd_loglik_and_gradient(freq, rec * scale, age * scale, weights)

        def bfgs_from(start: np.ndarray) -> Callable[[], dict[str, float]]:
            def run() -> dict[str, float]:
                log_params = fitting.bfgs_with_gradient(evaluate, start, float(weights.sum()))
                r, alpha = map(float, np.exp(log_params))
                return {"r": r, "alpha": alpha / scale}

            return run

        return [
            ("BFGS with analytic gradient, start log-params 0", bfgs_from(np.zeros(2))),
            ("BFGS with analytic gradient, start (r, α) = (1, 10)", bfgs_from(np.log([1, 10]))),
        ]

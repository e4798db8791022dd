"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987): closed forms, likelihood, fit strategy.

lifetimes 0.11.3's ``A_0`` term overflows for heavy buyers (LT #25, PR #90); the forms below
apply Euler's transformation to the Gauss hypergeometric terms and work in log space (Fader &
Hardie note 009). They agree with lifetimes to 1e-8 where lifetimes is accurate
(tests/test_clv.py).

Likelihood: lifetimes' ``ParetoNBDFitter._conditional_log_likelihood`` summed with weights is the
reported value (where lifetimes' form is not finite, near s -> 0, the stable pairs form below);
the optimiser, the gradient check and the Hessian use the same likelihood with the
hypergeometric terms evaluated once per distinct (x, t_x) and (x, T) pair
(:func:`pareto_loglik_on_pairs`), differentiated by central differences.

Fit attempts, in order: BFGS on the pairs likelihood, then lifetimes' Nelder-Mead (polished: it
stops at tol=1e-4, reference/clv.md §3 item 6), Nelder-Mead on log-parameters, a small penalizer.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, gammaln, hyp2f1, logsumexp

from loyaltylab.clv.fitting import (
    PARAMETER_RANGE,
    ConvergenceError,
    EdgeReached,
    FitRun,
    FitStrategy,
    Likelihood,
    central_gradient,
    check_deadline,
    check_edge,
    numeric_hessian,
    run_quietly,
    unique_rows,
)
from loyaltylab.clv.models.base import (
    ArrayLike,
    Parameters,
    TransactionModel,
    compressed_arrays,
    lifetimes_time_scale,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes import ParetoNBDFitter

__all__ = [
    "ParetoNBDModel",
    "pareto_a0_term",
    "pareto_log_a0",
    "pareto_log_a0_from_terms",
    "pareto_log_alive_odds_from_a0",
    "pareto_probability_alive",
    "pareto_probability_alive_by_quadrature",
    "pareto_expected_if_alive",
    "pareto_loglik_on_pairs",
]

# s above this: the fit is on the ridge s, β → ∞ (no heterogeneity in dropout), not polished
_RIDGE_S = 20.0
# P(alive) of more customers than this evaluates the hypergeometric terms once per distinct pair
_PAIRS_FROM = 1000


def _log_hyp2f1_c_is_a_plus_1(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Log 2F1(a, b; a+1; z) via Euler: (1-z)^(1-b) 2F1(1, a+1-b; a+1; z)."""
    return np.asarray((1.0 - b) * np.log1p(-z) + np.log(hyp2f1(1.0, a + 1.0 - b, a + 1.0, z)))


def pareto_a0_term(
    r: ArrayLike, alpha: ArrayLike, s: ArrayLike, beta: ArrayLike, x: ArrayLike, span: ArrayLike
) -> np.ndarray:
    """log[2F1(r+s+x, b'; r+s+x+1; |α-β| / (max(α, β) + span)) / (max(α, β) + span)^(r+s+x)].

    One of the two terms of A_0 (note 009, eqs. 19-20), with span = t_x or T; it depends on
    (x, span) only, so callers may evaluate it once per distinct pair.
    """
    r, alpha, s, beta, x, span = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (r, alpha, s, beta, x, span))
    )
    alpha_smaller = alpha < beta
    big = np.where(alpha_smaller, beta, alpha)
    second = np.where(alpha_smaller, r + x, s + 1.0)
    rsx = r + s + x
    q = big + span
    return np.asarray(
        _log_hyp2f1_c_is_a_plus_1(rsx, second, np.abs(alpha - beta) / q) - rsx * np.log(q)
    )


def pareto_log_a0_from_terms(term_recency: np.ndarray, term_age: np.ndarray) -> np.ndarray:
    """Log A_0 = log(exp(term(t_x)) - exp(term(T))); -inf when t_x = T."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(
            term_recency + np.log(-np.expm1(np.minimum(term_age - term_recency, 0.0)))
        )


def pareto_log_a0(
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """Log A_0 of the Pareto/NBD likelihood (Fader & Hardie note 009, eqs. 19-20), stable form."""
    return pareto_log_a0_from_terms(
        pareto_a0_term(r, alpha, s, beta, x, t_x), pareto_a0_term(r, alpha, s, beta, x, T)
    )


def pareto_log_alive_odds_from_a0(
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
    log_a0: np.ndarray,
) -> np.ndarray:
    """Log of (1 - P(alive)) / P(alive) under Pareto/NBD given log A_0 (note 009, eq. 36)."""
    return np.asarray(
        np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T) + log_a0
    )


def pareto_probability_alive(
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """P(alive | x, t_x, T) under Pareto/NBD (Fader & Hardie note 009, eq. 36); 1 when s = 0.

    s = 0 is the boundary fit (no dropout): the hypergeometric terms need not be finite there
    (e.g. at the NBD's Poisson limit r = 1e6), the probability is 1.
    """
    with np.errstate(all="ignore"):
        log_a0 = pareto_log_a0(r, alpha, s, beta, x, t_x, T)
        alive = expit(-pareto_log_alive_odds_from_a0(r, alpha, s, beta, x, T, log_a0))
    alive = np.asarray(np.where(np.asarray(s) == 0, 1.0, alive))
    return _finite_or_quadrature(alive, r, alpha, s, beta, x, t_x, T)


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(96)


def pareto_probability_alive_by_quadrature(
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """P(alive | x, t_x, T) under Pareto/NBD from one integral, without hypergeometric functions.

    A customer alive at T has likelihood (α+T)^-(r+x) S(T); one who left at τ in (t_x, T) has
    f(τ) (α+τ)^-(r+x), with the Pareto (Lomax) lifetime S(τ) = (1 + τ/β)^-s and density
    f = -S' (the gamma mixture of exponential lifetimes). So P(alive) = 1 / (1 + I) with
    I = ∫ f(τ) (α+τ)^-(r+x) dτ / [(α+T)^-(r+x) S(T)], evaluated by 96-point Gauss-Legendre
    quadrature in log(α+τ) and in logs throughout. It agrees with the closed form (note 009,
    eq. 36) where that is finite, and stays finite where 2F1 overflows (large s and β, long
    histories).

    Examples
    --------
    >>> # CDNOW estimates (note 009), a customer with x = 2, t_x = 30.43, T = 38.86 weeks
    >>> round(float(pareto_probability_alive_by_quadrature(0.55, 10.58, 0.61, 11.67, 2, 30.43,
    ...                                                      38.86)), 6)
    0.868411
    """
    r, alpha, s, beta, x, t_x, T = (
        np.asarray(v, dtype=float)[..., None]
        for v in np.broadcast_arrays(
            *(np.asarray(v, dtype=float) for v in (r, alpha, s, beta, x, t_x, T))
        )
    )
    k = r + x
    low, high = np.log(alpha + t_x), np.log(alpha + T)
    half = (high - low) / 2
    w = low + half * (_NODES + 1.0)
    tau = np.exp(w) - alpha
    with np.errstate(all="ignore"):
        log_integrand = (
            np.log(s / beta)
            - (s + 1.0) * np.log1p(tau / beta)
            - k * w
            + k * high
            + s * np.log1p(T / beta)
            + w
            + np.log(_WEIGHTS)
        )
        log_i = np.log(half[..., 0]) + logsumexp(log_integrand, axis=-1)
        alive = expit(-log_i)
    return np.asarray(np.where(half[..., 0] <= 0, 1.0, alive))


def _finite_or_quadrature(
    alive: np.ndarray,
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """Replace the closed form's non-finite values of P(alive) by the quadrature's."""
    bad = ~np.isfinite(alive)
    if not bad.any():
        return alive
    arrays = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (r, alpha, s, beta, x, t_x, T))
    )
    shape = alive.shape
    picked = [np.broadcast_to(a, shape)[bad] for a in arrays]
    fixed = np.array(alive, dtype=float, copy=True)
    fixed[bad] = pareto_probability_alive_by_quadrature(*picked)
    return fixed


def pareto_expected_if_alive(
    t: ArrayLike,
    r: ArrayLike,
    alpha: ArrayLike,
    s: ArrayLike,
    beta: ArrayLike,
    x: ArrayLike,
    T: ArrayLike,
) -> np.ndarray:
    """E[Y(t) | x, T, alive] under Pareto/NBD (note 009, eq. 41 without P(alive))."""
    x = np.asarray(x, dtype=float)
    log_ratio = np.log(beta + T) - np.log(beta + T + t)
    s_minus_1 = s - 1.0
    near_one = np.abs(s_minus_1) < 1e-9
    safe = np.where(near_one, 1.0, s_minus_1)
    survival_integral = np.where(near_one, -log_ratio, -np.expm1(s_minus_1 * log_ratio) / safe)
    return np.asarray((r + x) / (alpha + T) * (beta + T) * survival_integral)


def _pareto_reference_log_likelihood(
    log_params: Any, freq: Any, rec: Any, age: Any, weights: Any
) -> float:
    """Sum lifetimes' Pareto/NBD log-likelihood (note 009, eq. 18) with weights."""
    params = np.exp(log_params)
    return float(
        (weights * ParetoNBDFitter._conditional_log_likelihood(params, freq, rec, age)).sum()
    )


def _checked(evaluate: Callable[[], float]) -> float:
    """Evaluate after checking the fit's time limit."""
    check_deadline()
    return evaluate()


def _pair_codes(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (first, second) pairs and each row's pair number."""
    frame = pd.DataFrame({"a": first, "b": second})
    codes = frame.groupby(["a", "b"], sort=False).ngroup().to_numpy()
    rows = pd.Series(np.arange(len(frame))).groupby(codes).first().to_numpy()
    return first[rows], second[rows], codes


def pareto_loglik_on_pairs(
    freq: np.ndarray, rec: np.ndarray, age: np.ndarray, weights: np.ndarray
) -> Callable[[np.ndarray], float]:
    """Return log-params -> summed Pareto/NBD log-likelihood, evaluating 2F1 on distinct pairs.

    This is lifetimes' ``ParetoNBDFitter._conditional_log_likelihood`` (Fader & Hardie note 009,
    eq. 18) summed with weights, rearranged for speed: the two Gauss hypergeometric terms of A_0
    depend only on (x, t_x) and on (x, T), so they are computed once per distinct pair (far
    fewer than customers) in the stable Euler form, then combined per row. Equal to lifetimes'
    value to rounding (tests/test_clv.py); used for the optimisation and the Hessian.
    """
    x = np.asarray(freq, dtype=float)
    age = np.asarray(age, dtype=float)
    x_rec, rec_pair, rec_codes = _pair_codes(x, np.asarray(rec, dtype=float))
    x_age, age_pair, age_codes = _pair_codes(x, age)
    # functions of x alone or of T alone: evaluated once per distinct value (the same numbers)
    x_values, x_codes = np.unique(x, return_inverse=True)
    t_values, t_codes = np.unique(age, return_inverse=True)

    def loglik(log_params: np.ndarray) -> float:
        r, alpha, s, beta = np.exp(log_params)
        big = max(alpha, beta)
        gap = abs(alpha - beta)
        terms = []
        for xs, span in ((x_rec, rec_pair), (x_age, age_pair)):
            rsx = r + s + xs
            second = r + xs if alpha < beta else np.full_like(xs, s + 1.0)
            terms.append(
                _log_hyp2f1_c_is_a_plus_1(rsx, second, gap / (big + span))
                - rsx * np.log(big + span)
            )
        first_term = terms[0][rec_codes]
        second_term = terms[1][age_codes]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_a0 = first_term + np.log(-np.expm1(np.minimum(second_term - first_term, 0.0)))
            a1 = gammaln(r + x_values)[x_codes] - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            a2 = np.logaddexp(
                -(r + x_values)[x_codes] * np.log(alpha + t_values)[t_codes]
                - s * np.log(beta + t_values)[t_codes],
                np.log(s) + log_a0 - np.log(r + s + x_values)[x_codes],
            )
            return float((weights * (a1 + a2)).sum())

    return loglik


class ParetoNBDModel(TransactionModel):
    """Pareto/NBD: Poisson purchases, gamma rates, exponential lifetimes with gamma dropout rates.

    Examples
    --------
    >>> model = ParetoNBDModel()
    >>> params = [0.553, 10.578, 0.606, 11.669]
    >>> round(float(model.expected_purchases(params, 39, 2, 30.43, 38.86)), 4)
    1.4551
    """

    name = "pareto_nbd"
    label = "Pareto/NBD"
    parameter_names = ("r", "alpha", "s", "beta")
    dropout_parameters = ("s", "beta")
    boundary_model = "nbd"
    lifetimes_class = ParetoNBDFitter
    time_scale_parameters = ("alpha", "beta")

    def probability_alive(
        self, params: Parameters, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """P(alive | x, t_x, T) (note 009, eq. 36).

        For more than 1,000 customers the hypergeometric terms, which depend on (x, t_x) and on
        (x, T) only, are evaluated once per distinct pair.
        """
        r, alpha, s, beta = params
        x = np.asarray(frequency, dtype=float)
        if not (x.ndim == 1 and len(x) > _PAIRS_FROM):
            return pareto_probability_alive(r, alpha, s, beta, x, recency, T)
        terms = []
        for span in (np.asarray(recency, dtype=float), np.asarray(T, dtype=float)):
            pairs, codes = unique_rows(pd.DataFrame({"x": x, "s": span}), ["x", "s"])
            values = pareto_a0_term(r, alpha, s, beta, pairs["x"].to_numpy(), pairs["s"].to_numpy())
            terms.append(values[..., codes])
        with np.errstate(all="ignore"):
            log_a0 = pareto_log_a0_from_terms(*terms)
            alive = expit(-pareto_log_alive_odds_from_a0(r, alpha, s, beta, x, T, log_a0))
        alive = np.asarray(np.where(np.asarray(s) == 0, 1.0, alive))
        return _finite_or_quadrature(alive, r, alpha, s, beta, x, recency, T)

    def expected_purchases_if_alive(
        self, params: Parameters, t: ArrayLike, frequency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """E[Y(t) | x, T, alive] (note 009, eq. 41 without P(alive))."""
        r, alpha, s, beta = params
        return pareto_expected_if_alive(t, r, alpha, s, beta, frequency, T)

    def reference_log_likelihood(self) -> Any:
        """Return lifetimes' Pareto/NBD log-likelihood of log-parameters, summed with weights."""
        return _pareto_reference_log_likelihood

    def _derivatives(
        self, value: Callable[[np.ndarray], float], data: tuple[np.ndarray, ...]
    ) -> Likelihood:
        fast = pareto_loglik_on_pairs(*data)

        def reported(log_params: np.ndarray) -> float:
            # lifetimes' per-row form gives NaN near s -> 0 (log A_0 of two equal terms); the
            # stable pairs form is the same likelihood and stays finite there
            result = float(value(log_params))
            return result if np.isfinite(result) else float(fast(log_params))

        return Likelihood(
            value=reported,
            gradient=lambda lp: central_gradient(fast, lp),
            hessian=lambda lp: numeric_hessian(fast, lp),
            n_customers=float(data[-1].sum()),
        )

    def fit_strategies(self, rows: pd.DataFrame) -> list[FitStrategy]:
        """BFGS on the pairs likelihood, lifetimes' Nelder-Mead, Nelder-Mead, a penalizer."""
        freq, rec, age, weights = compressed_arrays(rows)
        scale = lifetimes_time_scale(age)
        fast = pareto_loglik_on_pairs(freq, rec * scale, age * scale, weights.astype(float))
        total = float(weights.sum())

        def objective(log_params: np.ndarray) -> float:
            check_deadline()
            return -fast(log_params) / total

        def bfgs_on_pairs() -> dict[str, float]:
            result = minimize(
                objective,
                np.zeros(4),
                method="BFGS",
                options={"gtol": 1e-7, "maxiter": 1000},
            )
            # BFGS stops with "precision loss" at a flat optimum (LT #396); accept that only
            # when the gradient is small, otherwise report the failure.
            if not result.success and not (
                "precision" in str(result.message) and np.max(np.abs(result.jac)) < 1e-4
            ):
                raise ConvergenceError(f"BFGS: {result.message}")
            params = dict(zip(self.parameter_names, map(float, np.exp(result.x)), strict=True))
            params["alpha"] /= scale
            params["beta"] /= scale
            return params

        low, high = (math.log(v) for v in PARAMETER_RANGE)
        shrink = math.log(1.001)  # stay just inside the range, so the checks see the edge
        log_scale = math.log(scale)
        bounds = [
            (
                low + shrink + (log_scale if k in self.time_scale_parameters else 0.0),
                high - shrink + (log_scale if k in self.time_scale_parameters else 0.0),
            )
            for k in self.parameter_names
        ]

        def lbfgs_in_range() -> dict[str, float]:
            # where the maximum lies beyond the usable range (s, β → 0 or ∞), L-BFGS-B stops
            # at its edge within a second instead of wandering (lifetimes' Nelder-Mead: 10 s)
            result = minimize(
                objective,
                np.zeros(4),
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8},
            )
            params = dict(zip(self.parameter_names, map(float, np.exp(result.x)), strict=True))
            params["alpha"] /= scale
            params["beta"] /= scale
            return params

        return [
            ("BFGS on log-parameters, lifetimes' likelihood on distinct pairs", bfgs_on_pairs),
            ("L-BFGS-B on log-parameters within the usable range", lbfgs_in_range),
            (
                "lifetimes Nelder-Mead, start 1, tol 1e-4",
                self.lifetimes_attempt(rows, initial_params=np.ones(4)),
            ),
            (
                "lifetimes Nelder-Mead, start (0.5, 5, 0.5, 5), tol 1e-6",
                self.lifetimes_attempt(
                    rows, initial_params=np.array([0.5, 5.0, 0.5, 5.0]), tol=1e-6
                ),
            ),
            ("Nelder-Mead on log-parameters, start 0", self.nelder_mead_attempt(rows, np.zeros(4))),
            (
                "lifetimes Nelder-Mead, penalizer 0.01",
                self.lifetimes_attempt(rows, penalizer=0.01, initial_params=np.ones(4)),
            ),
        ]

    def lifetimes_attempt(
        self, rows: pd.DataFrame, penalizer: float = 0.0, **fit_options: Any
    ) -> FitRun:
        """Return an attempt running lifetimes' Nelder-Mead, stopped at the edge of the range.

        lifetimes' Pareto/NBD objective takes the parameters themselves, with time rescaled
        to max T = 1; an optimiser running to s, β → 0 (seen on no-dropout logs, 10-20 s an
        attempt before) ends at :data:`~loyaltylab.clv.fitting.EDGE_RANGE` with the
        parameters it reached, unscaled.
        """
        freq, rec, age, weights = compressed_arrays(rows)
        names = self.parameter_names
        scale = 1.0 / age.max() if age.max() > 0 else 1.0

        def guarded(params: Any, *args: Any) -> Any:
            check_deadline()
            values = np.asarray(getattr(params, "_value", params), dtype=float)
            if np.all(values > 0):  # lifetimes returns inf for a step to <= 0 itself
                check_edge(names, values)
            return ParetoNBDFitter._negative_log_likelihood(params, *args)

        fitter_class = type(
            "ParetoNBDFitter",
            (ParetoNBDFitter,),
            {"_negative_log_likelihood": staticmethod(guarded)},
        )

        def run() -> dict[str, float]:
            try:
                fitter = fitter_class(penalizer_coef=penalizer)
                fitter.fit(freq, rec, age, weights=weights, **fit_options)
            except EdgeReached as edge:
                reached = dict(edge.params)
                for key in self.time_scale_parameters:
                    reached[key] /= scale
                return reached
            return {k: float(fitter.params_[k]) for k in names}

        return run

    def polish(self, params: dict[str, float], rows: pd.DataFrame) -> dict[str, float]:
        """Refine an optimum from lifetimes with a tight Nelder-Mead on log-parameters.

        lifetimes stops Pareto/NBD at ``tol=1e-4`` on a sum-scaled objective, so β wanders in the
        third decimal (reference/clv.md §3 item 6); polishing makes the estimate reproducible.
        An optimum on the ridge s, β → ∞ (dropout rates that do not vary across customers) is
        left as it is: there the hypergeometric terms converge slowly (z → 1) and a polish of
        a 200-customer log took 45 s without getting anywhere.
        """
        if params["s"] > _RIDGE_S:
            return params
        freq, rec, age, weights = compressed_arrays(rows)
        loglik = pareto_loglik_on_pairs(freq, rec, age, weights.astype(float))
        start = np.log([params[k] for k in self.parameter_names])
        base = abs(loglik(start)) or 1.0
        result = run_quietly(
            lambda: minimize(
                lambda lp: _checked(lambda: -loglik(lp) / base),
                start,
                method="Nelder-Mead",
                options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 4000, "maxfev": 1500},
            )
        )
        if np.all(np.isfinite(result.x)) and -result.fun * base >= loglik(start):
            return dict(zip(self.parameter_names, map(float, np.exp(result.x)), strict=True))
        return params

"""Fitting the transaction models (BG/NBD, Pareto/NBD, MBG/NBD) and the Gamma-Gamma spend model.

The likelihoods are lifetimes' 0.11.3 (imported only inside ``loyaltylab.clv``), evaluated on
*compressed* rows: customers with identical (frequency, recency, T) are collapsed to one row with
their count as weight (lifetimes' ``weights=``), which gives the same estimates as one row per
customer at a fraction of the cost (reference/clv.md §4).

Fit attempts, in order, until one passes every check:

* BG/NBD and Gamma-Gamma: (L-)BFGS with an analytic gradient of lifetimes' likelihood written in
  numpy (no autograd graph; gamma functions once per distinct frequency), then lifetimes' own
  fitters (tol 1e-7, tol 1e-4, other start), Nelder-Mead, a small penalizer;
* Pareto/NBD: BFGS on lifetimes' likelihood with the hypergeometric terms evaluated once per
  distinct (x, t_x) and (x, T) pair, then lifetimes' Nelder-Mead (polished: it stops at tol=1e-4,
  reference/clv.md §3 item 6), Nelder-Mead on log-parameters, a small penalizer;
* MBG/NBD: lifetimes' fitter, then the same retries as BG/NBD.

Every fast likelihood is tested equal to lifetimes' (tests/test_clv.py). What this module adds:

* the log-likelihood **summed over customers** in the analysis unit, computed with lifetimes'
  function (lifetimes stores the mean negative log-likelihood of internally rescaled data; the
  papers report the sum in weeks, reference/clv.md §3 item 3);
* the covariance of the **log-parameters** from the Hessian of the summed log-likelihood, ready for
  drawing parameters (lifetimes' ``variance_matrix_`` multiplies by ``params**2`` column-wise, which
  is not the delta method, and ``ParetoNBDFitter`` has no Hessian at all);
* convergence checks and retries: lifetimes' ``ConvergenceError``, non-finite or absurd parameters
  such as r = 1e59, a gradient that is not ~0 (an optimiser that stopped early), a Hessian that is
  not negative definite; every attempt is recorded on the result, and
  :class:`~loyaltylab.errors.ModelConvergenceError` is raised when no attempt gives a usable
  optimum.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from loyaltylab.errors import DataValidationError, ModelConvergenceError, ParameterError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from autograd import hessian as _autograd_hessian
    from lifetimes import (
        BetaGeoFitter,
        GammaGammaFitter,
        ModifiedBetaGeoFitter,
        ParetoNBDFitter,
    )
    from lifetimes.utils import ConvergenceError

__all__ = [
    "TRANSACTION_MODELS",
    "PARAMETER_NAMES",
    "FitAttempt",
    "TransactionModelFit",
    "SpendModelFit",
    "compress_customers",
    "fit_transaction_model",
    "fit_spend_model",
    "validate_summary",
    "lifetimes_fitter",
    "pareto_loglik_on_pairs",
    "bgnbd_loglik_and_gradient",
    "gamma_gamma_loglik_and_gradient",
]

TRANSACTION_MODELS: tuple[str, ...] = ("bgnbd", "pareto_nbd", "mbgnbd")
PARAMETER_NAMES: dict[str, tuple[str, ...]] = {
    "bgnbd": ("r", "alpha", "a", "b"),
    "mbgnbd": ("r", "alpha", "a", "b"),
    "pareto_nbd": ("r", "alpha", "s", "beta"),
    "gamma_gamma": ("p", "q", "v"),
}
MODEL_LABELS: dict[str, str] = {
    "bgnbd": "BG/NBD",
    "pareto_nbd": "Pareto/NBD",
    "mbgnbd": "MBG/NBD",
    "gamma_gamma": "Gamma-Gamma",
}
# A parameter outside this range is a diverged optimiser, not an estimate (reference/clv.md §2:
# r = 1.0e59 from CLVTools' BFGS on CDNOW x 100).
PARAMETER_RANGE: tuple[float, float] = (1e-8, 1e6)
_ROUND_DECIMALS = 9
# An accepted optimum must have |d mean log-likelihood / d log θ| below this (a loose optimiser
# tolerance can stop far from the maximum, e.g. lifetimes' Gamma-Gamma with tol=1e-4).
GRADIENT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class FitAttempt:
    """One optimiser run of a fit: what was tried and why it was accepted or rejected."""

    strategy: str
    success: bool
    reason: str
    params: dict[str, float] | None = None
    log_likelihood: float | None = None


@dataclass(frozen=True)
class TransactionModelFit:
    """A fitted BG/NBD, Pareto/NBD or MBG/NBD model.

    Attributes
    ----------
    model : str
        ``"bgnbd"``, ``"pareto_nbd"`` or ``"mbgnbd"``.
    params : dict of str to float
        Estimates with lifetimes' names (BG/NBD, MBG/NBD: r, alpha, a, b; Pareto/NBD: r, alpha, s,
        beta); ``alpha`` and ``beta`` are in the time unit of the summary.
    log_likelihood : float
        Log-likelihood summed over customers, in the time unit of the summary (papers' convention).
    covariance : pandas.DataFrame
        Covariance of the log-parameters (index and columns ``log_r``, ``log_alpha``, ...), the
        inverse Hessian of the summed log-likelihood at the optimum.
    n_customers : int
        Customers fitted.
    n_unique_rows : int
        Distinct (frequency, recency, T) rows after compression.
    attempts : tuple of FitAttempt
        Every optimiser run, in order; the accepted one is the last successful one.
    time_unit : str
        Analysis unit of recency and T (``"W"``, ``"D"`` or ``"M"``), as passed to the fit.
    """

    model: str
    params: dict[str, float]
    log_likelihood: float
    covariance: pd.DataFrame
    n_customers: int
    n_unique_rows: int
    attempts: tuple[FitAttempt, ...]
    time_unit: str = "W"

    @property
    def standard_errors(self) -> dict[str, float]:
        """Delta-method standard errors of the parameters (from the log-parameter covariance)."""
        log_se = np.sqrt(np.diag(self.covariance.to_numpy()))
        return {
            name: float(value * se)
            for (name, value), se in zip(self.params.items(), log_se, strict=True)
        }

    def summary(self) -> pd.DataFrame:
        """Return one row per parameter: estimate, standard error and a 95 % interval.

        The interval is symmetric on the log scale (exp(log θ ± 1.96 se)), so it stays positive.
        """
        log_se = np.sqrt(np.diag(self.covariance.to_numpy()))
        rows = []
        for (name, value), se in zip(self.params.items(), log_se, strict=True):
            rows.append(
                {
                    "model": MODEL_LABELS[self.model],
                    "parameter": name,
                    "estimate": value,
                    "std_error": value * se,
                    "ci_low": value * math.exp(-1.96 * se),
                    "ci_high": value * math.exp(1.96 * se),
                }
            )
        frame = pd.DataFrame(rows)
        frame.attrs["log_likelihood"] = self.log_likelihood
        return frame


@dataclass(frozen=True)
class SpendModelFit:
    """A fitted Gamma-Gamma spend model (Fader & Hardie 2013, note 025).

    Attributes
    ----------
    params : dict of str to float
        p, q, v (lifetimes' names; v is the paper's γ), in the data's currency.
    log_likelihood : float
        Summed log-likelihood of the *average* spend per repeat customer (lifetimes/CLVTools
        convention; the JMR paper's value is this minus Σ ln x, reference/clv.md §3 item 2).
    covariance : pandas.DataFrame
        Covariance of ``log_p``, ``log_q``, ``log_v``.
    n_customers : int
        Repeat customers fitted (frequency > 0 and monetary_value > 0).
    n_excluded_one_time : int
        Customers without repeat purchases, not used by the fit (they get the population mean).
    n_unique_rows : int
        Distinct (frequency, monetary_value) rows after compression.
    frequency_spend_correlation : float
        Pearson correlation of frequency and mean spend among the fitted repeat customers; the
        model assumes independence, so a value far from 0 (say |ρ| > 0.3) is a warning sign.
    attempts : tuple of FitAttempt
        Every optimiser run.
    n_excluded_nonpositive_spend : int
        Repeat customers with a mean spend <= 0 (e.g. free or fully refunded repeat orders), left
        out of the fit because the gamma likelihood needs m > 0; their expected spend is still
        the Gamma-Gamma conditional mean E[M | x, m̄] (:func:`loyaltylab.clv.expected_spend`).
    """

    params: dict[str, float]
    log_likelihood: float
    covariance: pd.DataFrame
    n_customers: int
    n_excluded_one_time: int
    n_unique_rows: int
    frequency_spend_correlation: float
    attempts: tuple[FitAttempt, ...] = field(default=())
    n_excluded_nonpositive_spend: int = 0

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per transaction of the population, p v / (q - 1)."""
        p, q, v = (self.params[k] for k in ("p", "q", "v"))
        return p * v / (q - 1.0) if q > 1 else float("inf")

    def summary(self) -> pd.DataFrame:
        """Return one row per parameter: estimate, standard error and a 95 % interval.

        The columns ``n_customers`` (repeat customers fitted) and
        ``n_excluded_nonpositive_spend`` (repeat customers with mean spend <= 0, not fitted)
        repeat the fit's counts on every row; ``attrs["log_likelihood"]`` holds the
        log-likelihood.
        """
        log_se = np.sqrt(np.diag(self.covariance.to_numpy()))
        rows = [
            {
                "model": "Gamma-Gamma",
                "parameter": name,
                "estimate": value,
                "std_error": value * se,
                "ci_low": value * math.exp(-1.96 * se),
                "ci_high": value * math.exp(1.96 * se),
                "n_customers": self.n_customers,
                "n_excluded_nonpositive_spend": self.n_excluded_nonpositive_spend,
            }
            for (name, value), se in zip(self.params.items(), log_se, strict=True)
        ]
        frame = pd.DataFrame(rows)
        frame.attrs["log_likelihood"] = self.log_likelihood
        return frame


def _examples(frame: pd.DataFrame, mask: np.ndarray | pd.Series, columns: Sequence[str]) -> str:
    mask = np.asarray(mask, dtype=bool)
    shown = [c for c in ("customer_id", *columns) if c in frame.columns]
    return frame.loc[mask, shown].head(5).to_string(index=False)


def validate_summary(
    summary: pd.DataFrame, *, require_monetary: bool = False, what: str = "summary"
) -> None:
    """Check a customer summary and raise one clear error naming the problem.

    Parameters
    ----------
    summary : pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T`` (and ``monetary_value`` if required), one row per
        customer, as made by :func:`loyaltylab.customers.summarize_customers`.
    require_monetary : bool, default False
        Also require ``monetary_value``.
    what : str, default "summary"
        Name of the argument, used in messages.

    Raises
    ------
    DataValidationError
        Missing columns, no rows, missing/non-finite values, negative or non-integer frequency,
        negative recency, recency > T.
    """
    if not isinstance(summary, pd.DataFrame):
        raise DataValidationError(f"{what} must be a DataFrame, got {type(summary).__name__}")
    needed = ["frequency", "recency", "T"] + (["monetary_value"] if require_monetary else [])
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise DataValidationError(
            f"{what} lacks column(s) {missing}; it has {list(summary.columns)[:10]}"
            " (make it with loyaltylab.customers.summarize_customers)"
        )
    if len(summary) == 0:
        raise DataValidationError(f"{what} has no customers (0 rows)")
    for column in needed:
        if pd.api.types.is_numeric_dtype(summary[column]) and not pd.api.types.is_bool_dtype(
            summary[column]
        ):
            values = summary[column].to_numpy(dtype=float, na_value=np.nan)
        else:
            values = pd.to_numeric(summary[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            raise DataValidationError(
                f"{what} column {column!r} has {int(bad.sum())} missing or non-numeric value(s):\n"
                + _examples(summary, bad, needed)
            )
    freq = summary["frequency"].to_numpy(dtype=float)
    rec = summary["recency"].to_numpy(dtype=float)
    age = summary["T"].to_numpy(dtype=float)
    checks = [
        (freq < 0, "frequency", "negative frequency"),
        (freq != np.round(freq), "frequency", "non-integer frequency (repeat purchase count)"),
        (rec < 0, "recency", "negative recency"),
        (rec > age + 1e-9, "recency", "recency larger than T (last purchase after the end)"),
        ((freq == 0) & (rec > 1e-12), "recency", "recency > 0 with frequency 0"),
    ]
    for mask, column, problem in checks:
        if mask.any():
            raise DataValidationError(
                f"{what} column {column!r}: {int(mask.sum())} row(s) with {problem}:\n"
                + _examples(summary, mask, needed)
            )


def compress_customers(summary: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Collapse customers with identical values in ``columns`` to one row with a ``weight``.

    Values are rounded to 9 decimals first so that recency/T computed as days / 7 compare equal.

    Parameters
    ----------
    summary : pandas.DataFrame
        Customer summary.
    columns : sequence of str
        Columns that define identical customers, e.g. ``["frequency", "recency", "T"]``.

    Returns
    -------
    pandas.DataFrame
        ``columns`` plus ``weight`` (number of customers), one row per distinct combination.
    """
    keys = pd.DataFrame(
        {c: np.round(summary[c].to_numpy(dtype=float), _ROUND_DECIMALS) for c in columns}
    )
    grouped = keys.groupby(list(columns), sort=True).size().rename("weight").reset_index()
    return grouped


# --------------------------------------------------------------------------------------------
# Log-likelihoods in the analysis unit, summed over customers, as functions of log-parameters


def _summed_log_likelihood(model: str) -> Callable[..., Any]:
    """Return f(log_params, *data) = summed log-likelihood (weights = customer counts)."""
    if model in ("bgnbd", "mbgnbd", "gamma_gamma"):
        fitter = {
            "bgnbd": BetaGeoFitter,
            "mbgnbd": ModifiedBetaGeoFitter,
            "gamma_gamma": GammaGammaFitter,
        }[model]

        def loglik(log_params: Any, *data: Any) -> Any:
            weights = data[-1]
            return -fitter._negative_log_likelihood(log_params, *data, 0.0) * weights.sum()

        return loglik

    def pareto_loglik(log_params: Any, freq: Any, rec: Any, age: Any, weights: Any) -> Any:
        params = np.exp(log_params)
        return float(
            (weights * ParetoNBDFitter._conditional_log_likelihood(params, freq, rec, age)).sum()
        )

    return pareto_loglik


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
    from scipy.special import gammaln

    from loyaltylab.clv._formulas import _log_hyp2f1_c_is_a_plus_1

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
    from scipy.special import digamma, gammaln

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


def gamma_gamma_loglik_and_gradient(
    freq: np.ndarray, mean_spend: np.ndarray, weights: np.ndarray
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Return log-params -> (summed Gamma-Gamma log-likelihood, gradient in log-parameters).

    lifetimes' ``GammaGammaFitter._negative_log_likelihood`` (Fader & Hardie 2013, note 025,
    eq. 1a) times -N in numpy with an analytic gradient (gamma functions once per distinct
    frequency). Equal to lifetimes' value to rounding (tests/test_clv.py).
    """
    from scipy.special import digamma, gammaln

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


def _hessian_from_gradient(
    gradient: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, step: float = 1e-5
) -> np.ndarray:
    """Central differences of an analytic gradient, symmetrised."""
    size = len(x0)
    result = np.empty((size, size))
    for j in range(size):
        shift = np.zeros(size)
        shift[j] = step
        result[:, j] = (gradient(x0 + shift) - gradient(x0 - shift)) / (2 * step)
    return (result + result.T) / 2


def _bfgs_with_gradient(
    evaluate: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    total_weight: float,
    bounds: Sequence[tuple[float | None, float | None]] | None = None,
) -> np.ndarray:
    """Maximise a summed log-likelihood (as a mean per customer) with BFGS or L-BFGS-B."""

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = evaluate(log_params)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return 1e300, np.zeros_like(log_params)
        return -value / total_weight, -gradient / total_weight

    if bounds:
        options = {"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9}
    else:
        options = {"maxiter": 2000, "gtol": 1e-8}
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B" if bounds else "BFGS",
        bounds=bounds,
        options=options,
    )
    largest = float(np.max(np.abs(result.jac))) if result.jac is not None else float("inf")
    # BFGS stops with "precision loss" at a flat optimum (LT #396): accept a small gradient.
    if not result.success and not ("precision" in str(result.message) and largest < 1e-5):
        raise ConvergenceError(f"{result.message} (largest gradient {largest:.1e})")
    return result.x


def _numeric_hessian(func: Callable[[np.ndarray], float], x0: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of ``func`` at ``x0`` (step 1e-4 on the log scale)."""
    size = len(x0)
    step = 1e-4
    result = np.empty((size, size))
    for i in range(size):
        for j in range(i, size):
            shifts = []
            for di, dj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                point = x0.copy()
                point[i] += di * step
                point[j] += dj * step
                shifts.append(func(point))
            value = (shifts[0] - shifts[1] - shifts[2] + shifts[3]) / (4 * step * step)
            result[i, j] = result[j, i] = value
    return result


def _log_param_covariance(
    model: str,
    log_params: np.ndarray,
    data: tuple[np.ndarray, ...],
    fast_loglik: Callable[[np.ndarray], float] | None = None,
    fast_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
) -> tuple[np.ndarray | None, str]:
    """Covariance of log-parameters = inverse of minus the Hessian of the summed log-likelihood."""
    loglik = _summed_log_likelihood(model)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if fast_gradient is not None:
                hess = _hessian_from_gradient(lambda lp: fast_gradient(lp)[1], log_params)
            elif fast_loglik is not None:
                hess = _numeric_hessian(fast_loglik, log_params)
            elif model == "pareto_nbd":
                hess = _numeric_hessian(lambda lp: loglik(lp, *data), log_params)
            else:
                hess = np.asarray(_autograd_hessian(loglik)(log_params, *data), dtype=float)
    except (ValueError, FloatingPointError, ArithmeticError) as error:
        return None, f"Hessian failed: {error}"
    if not np.all(np.isfinite(hess)):
        return None, "Hessian has non-finite entries"
    information = -hess
    try:
        np.linalg.cholesky(information)
    except np.linalg.LinAlgError:
        return None, "Hessian is not negative definite (not a maximum)"
    return np.linalg.inv(information), ""


def _largest_gradient(
    model: str,
    log_params: np.ndarray,
    data: tuple[np.ndarray, ...],
    fast_loglik: Callable[[np.ndarray], float] | None,
    fast_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]] | None,
) -> float:
    """Largest |d log-likelihood / d log-parameter| per customer at ``log_params``."""
    total = float(np.asarray(data[-1]).sum())
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if fast_gradient is not None:
            gradient = fast_gradient(log_params)[1]
        else:
            loglik = _summed_log_likelihood(model)
            function = fast_loglik or (lambda lp: loglik(lp, *data))
            step = 1e-6
            gradient = np.array(
                [
                    (function(log_params + step * unit) - function(log_params - step * unit))
                    / (2 * step)
                    for unit in np.eye(len(log_params))
                ]
            )
    largest = float(np.max(np.abs(gradient))) / total
    return largest if math.isfinite(largest) else float("inf")


def _check_params(params: dict[str, float]) -> str:
    low, high = PARAMETER_RANGE
    values = np.array(list(params.values()), dtype=float)
    if not np.all(np.isfinite(values)):
        return f"non-finite parameters {params}"
    absurd = {k: v for k, v in params.items() if not low <= v <= high}
    if absurd:
        return f"absurd parameters {absurd} (outside [{low:g}, {high:g}])"
    return ""


def _run_quietly(func: Callable[[], Any]) -> Any:
    """Run ``func`` with lifetimes' prints and numpy warnings silenced."""
    with (
        contextlib.redirect_stdout(io.StringIO()),
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
    ):
        warnings.simplefilter("ignore")
        return func()


def _lifetimes_strategies(
    model: str, freq: np.ndarray, rec: np.ndarray, age: np.ndarray, weights: np.ndarray
) -> list[tuple[str, Callable[[], dict[str, float]]]]:
    """Fit attempts in order: lifetimes default, looser tol, other start, Nelder-Mead, penalizer."""
    names = PARAMETER_NAMES[model]

    def lifetimes_fit(penalizer: float = 0.0, **kwargs: Any) -> Callable[[], dict[str, float]]:
        def run() -> dict[str, float]:
            fitter_class = {
                "bgnbd": BetaGeoFitter,
                "mbgnbd": ModifiedBetaGeoFitter,
                "pareto_nbd": ParetoNBDFitter,
            }[model]
            fitter = fitter_class(penalizer_coef=penalizer)
            fitter.fit(freq, rec, age, weights=weights, **kwargs)
            return {k: float(fitter.params_[k]) for k in names}

        return run

    scale = 10.0 / age.max() if age.max() > 0 else 1.0  # lifetimes' internal rescaling

    def nelder_mead(start: np.ndarray) -> Callable[[], dict[str, float]]:
        def run() -> dict[str, float]:
            loglik = _summed_log_likelihood(model)
            data = (freq, rec * scale, age * scale, weights)
            total = weights.sum()
            result = minimize(
                lambda lp: -loglik(lp, *data) / total,
                start,
                method="Nelder-Mead",
                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20000, "maxfev": 40000},
            )
            if not result.success:
                raise ConvergenceError(f"Nelder-Mead: {result.message}")
            params = dict(zip(names, np.exp(result.x), strict=True))
            params["alpha"] /= scale
            if model == "pareto_nbd":
                params["beta"] /= scale
            return {k: float(v) for k, v in params.items()}

        return run

    if model == "pareto_nbd":
        fast = pareto_loglik_on_pairs(freq, rec * scale, age * scale, weights.astype(float))
        total = float(weights.sum())

        def bfgs_on_pairs() -> dict[str, float]:
            result = minimize(
                lambda lp: -fast(lp) / total,
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
            params = dict(zip(names, map(float, np.exp(result.x)), strict=True))
            params["alpha"] /= scale
            params["beta"] /= scale
            return params

        return [
            ("BFGS on log-parameters, lifetimes' likelihood on distinct pairs", bfgs_on_pairs),
            ("lifetimes Nelder-Mead, start 1, tol 1e-4", lifetimes_fit(initial_params=np.ones(4))),
            (
                "lifetimes Nelder-Mead, start (0.5, 5, 0.5, 5), tol 1e-6",
                lifetimes_fit(initial_params=np.array([0.5, 5.0, 0.5, 5.0]), tol=1e-6),
            ),
            ("Nelder-Mead on log-parameters, start 0", nelder_mead(np.zeros(4))),
            (
                "lifetimes Nelder-Mead, penalizer 0.01",
                lifetimes_fit(penalizer=0.01, initial_params=np.ones(4)),
            ),
        ]
    strategies: list[tuple[str, Callable[[], dict[str, float]]]] = []
    if model == "bgnbd":
        evaluate = bgnbd_loglik_and_gradient(freq, rec * scale, age * scale, weights)

        def bfgs_analytic() -> dict[str, float]:
            # lifetimes' start: 0.1 on the log scale, time rescaled to max T = 10
            log_params = _bfgs_with_gradient(evaluate, np.full(4, 0.1), float(weights.sum()))
            params = dict(zip(names, map(float, np.exp(log_params)), strict=True))
            params["alpha"] /= scale
            return params

        strategies.append(("BFGS with analytic gradient (lifetimes' likelihood)", bfgs_analytic))
    return strategies + [
        ("lifetimes BFGS, tol 1e-7", lifetimes_fit()),
        ("lifetimes BFGS, tol 1e-4", lifetimes_fit(tol=1e-4)),
        (
            "lifetimes BFGS, start log-params 0, tol 1e-4",
            lifetimes_fit(tol=1e-4, initial_params=np.zeros(4)),
        ),
        ("Nelder-Mead on log-parameters, start 0", nelder_mead(np.zeros(4))),
        ("lifetimes BFGS, penalizer 0.01, tol 1e-4", lifetimes_fit(penalizer=0.01, tol=1e-4)),
    ]


def _polish_pareto(
    params: dict[str, float], loglik: Callable[[np.ndarray], float]
) -> dict[str, float]:
    """Refine a Pareto/NBD optimum from lifetimes with a tight Nelder-Mead on log-parameters.

    lifetimes stops Pareto/NBD at ``tol=1e-4`` on a sum-scaled objective, so β wanders in the third
    decimal (reference/clv.md §3 item 6); polishing makes the estimate reproducible.
    """
    start = np.log([params[k] for k in PARAMETER_NAMES["pareto_nbd"]])
    base = abs(loglik(start)) or 1.0
    result = _run_quietly(
        lambda: minimize(
            lambda lp: -loglik(lp) / base,
            start,
            method="Nelder-Mead",
            options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 4000},
        )
    )
    if np.all(np.isfinite(result.x)) and -result.fun * base >= loglik(start):
        return dict(zip(PARAMETER_NAMES["pareto_nbd"], map(float, np.exp(result.x)), strict=True))
    return params


def _fit_with_retries(
    model: str,
    strategies: list[tuple[str, Callable[[], dict[str, float]]]],
    data: tuple[np.ndarray, ...],
    polish: Callable[[dict[str, float]], dict[str, float]] | None = None,
    fast_loglik: Callable[[np.ndarray], float] | None = None,
    fast_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
) -> tuple[dict[str, float], float, np.ndarray, tuple[FitAttempt, ...]]:
    loglik = _summed_log_likelihood(model)
    names = PARAMETER_NAMES[model]
    attempts: list[FitAttempt] = []
    for strategy, run in strategies:
        try:
            params = _run_quietly(run)
        except (ConvergenceError, ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
            reason = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            attempts.append(FitAttempt(strategy, False, f"optimiser failed: {reason}"))
            continue
        params = {key: float(value) for key, value in params.items()}
        problem = _check_params(params)
        if not problem and polish is not None and strategy.startswith("lifetimes"):
            params = polish(params)
            problem = _check_params(params)
        if problem:
            attempts.append(FitAttempt(strategy, False, problem, params))
            continue
        log_params = np.log([params[k] for k in names])
        with np.errstate(all="ignore"):
            value = float(_run_quietly(lambda lp=log_params: loglik(lp, *data)))
        if not math.isfinite(value):
            attempts.append(FitAttempt(strategy, False, "non-finite log-likelihood", params))
            continue
        steepest = _largest_gradient(model, log_params, data, fast_loglik, fast_gradient)
        if steepest > GRADIENT_TOLERANCE:
            attempts.append(
                FitAttempt(
                    strategy,
                    False,
                    f"not at an optimum: log-likelihood gradient {steepest:.1e} per customer "
                    f"(> {GRADIENT_TOLERANCE:g}); the optimiser stopped early",
                    params,
                    value,
                )
            )
            continue
        covariance, problem = _log_param_covariance(
            model, log_params, data, fast_loglik, fast_gradient
        )
        if covariance is None:
            attempts.append(FitAttempt(strategy, False, problem, params, value))
            continue
        attempts.append(FitAttempt(strategy, True, "converged", params, value))
        return params, value, covariance, tuple(attempts)
    details = "\n".join(f"  - {a.strategy}: {a.reason}" for a in attempts)
    raise ModelConvergenceError(
        f"{MODEL_LABELS[model]} did not converge to a usable optimum after {len(attempts)} "
        f"attempt(s):\n{details}\nCheck the data: e.g. customers with no repeat purchases at all, "
        "or a time unit that makes recency/T tiny or huge."
    )


def fit_transaction_model(
    summary: pd.DataFrame, model: str = "bgnbd", *, time_unit: str = "W"
) -> TransactionModelFit:
    """Fit a BG/NBD, Pareto/NBD or MBG/NBD model to a customer summary.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency`` (repeat purchase days), ``recency`` and ``T`` in
        the analysis unit (fractional, days / days-per-unit), e.g. from
        :func:`loyaltylab.customers.summarize_customers`.
    model : {"bgnbd", "pareto_nbd", "mbgnbd"}, default "bgnbd"
        BG/NBD (Fader, Hardie & Lee 2005), Pareto/NBD (Schmittlein, Morrison & Colombo 1987),
        MBG/NBD (Batislam, Denizel & Filiztekin 2007).
    time_unit : {"W", "D", "M"}, default "W"
        Unit of recency and T; recorded on the result (alpha, beta are per this unit).

    Returns
    -------
    TransactionModelFit

    Raises
    ------
    ParameterError
        Unknown model or time unit.
    DataValidationError
        Invalid summary (see :func:`validate_summary`).
    ModelConvergenceError
        No fit attempt gave finite, plausible parameters with a valid Hessian.

    Examples
    --------
    >>> fit = fit_transaction_model(summary, "bgnbd")  # doctest: +SKIP
    >>> fit.params["r"], fit.log_likelihood  # doctest: +SKIP
    (0.2426, -9582.43)
    """
    if model not in TRANSACTION_MODELS:
        raise ParameterError(
            f"parameter 'model' must be one of {TRANSACTION_MODELS}, got {model!r}"
        )
    if time_unit not in ("W", "D", "M"):
        raise ParameterError(f"parameter 'time_unit' must be 'W', 'D' or 'M', got {time_unit!r}")
    validate_summary(summary)
    rows = compress_customers(summary, ["frequency", "recency", "T"])
    freq = rows["frequency"].to_numpy(dtype=int)
    rec = rows["recency"].to_numpy(dtype=float)
    age = rows["T"].to_numpy(dtype=float)
    weights = rows["weight"].to_numpy(dtype=np.int64)
    data = (freq, rec, age, weights.astype(float))
    strategies = _lifetimes_strategies(model, freq, rec, age, weights)
    fast = None
    polish = None
    gradient = bgnbd_loglik_and_gradient(freq, rec, age, weights) if model == "bgnbd" else None
    if model == "pareto_nbd":
        fast = pareto_loglik_on_pairs(freq, rec, age, weights.astype(float))
        polish = lambda p: _polish_pareto(p, fast)  # noqa: E731
    params, loglik, covariance, attempts = _fit_with_retries(
        model, strategies, data, polish, fast, gradient
    )
    labels = [f"log_{k}" for k in PARAMETER_NAMES[model]]
    return TransactionModelFit(
        model=model,
        params=params,
        log_likelihood=loglik,
        covariance=pd.DataFrame(covariance, index=labels, columns=labels),
        n_customers=int(weights.sum()),
        n_unique_rows=len(rows),
        attempts=attempts,
        time_unit=time_unit,
    )


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
    """
    validate_summary(summary, require_monetary=True)
    repeat = summary["frequency"].to_numpy(dtype=float) > 0
    spend = summary["monetary_value"].to_numpy(dtype=float)
    nonpositive = repeat & (spend <= 0)
    fitted = repeat & ~nonpositive
    if fitted.sum() < 2:
        raise DataValidationError(
            f"summary has {int(fitted.sum())} repeat customer(s) (frequency > 0) with a positive "
            f"mean spend ({int(nonpositive.sum())} more with monetary_value <= 0); the "
            "Gamma-Gamma model needs at least 2"
        )
    repeaters = summary.loc[fitted]
    rows = compress_customers(repeaters, ["frequency", "monetary_value"])
    freq = rows["frequency"].to_numpy(dtype=float)
    mean_spend = rows["monetary_value"].to_numpy(dtype=float)
    weights = rows["weight"].to_numpy(dtype=float)
    data = (freq, mean_spend, weights)
    names = PARAMETER_NAMES["gamma_gamma"]
    bounds = {"q_constraint": True} if q_constraint else {}

    def gg(tol: float, start: np.ndarray | None = None) -> Callable[[], dict[str, float]]:
        def run() -> dict[str, float]:
            fitter = GammaGammaFitter().fit(
                freq, mean_spend, weights=weights, tol=tol, initial_params=start, **bounds
            )
            return {k: float(fitter.params_[k]) for k in names}

        return run

    def nelder_mead() -> dict[str, float]:
        loglik = _summed_log_likelihood("gamma_gamma")
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
        log_params = _bfgs_with_gradient(evaluate, np.full(3, 0.1), float(weights.sum()), bounds)
        return dict(zip(names, map(float, np.exp(log_params)), strict=True))

    strategies = [
        ("L-BFGS-B with analytic gradient (lifetimes' likelihood)", lbfgs_analytic),
        ("lifetimes L-BFGS-B, tol 1e-7", gg(1e-7)),
        # LT #396: BFGS reports "precision loss" although the gradient is ~0; a looser tol passes.
        ("lifetimes, tol 1e-4", gg(1e-4)),
        (
            "lifetimes, start log-params (0, 0.7, log median spend), tol 1e-4",
            gg(1e-4, np.log([1.0, 2.0, float(np.median(mean_spend))])),
        ),
        ("Nelder-Mead on log-parameters", nelder_mead),
    ]
    params, loglik, covariance, attempts = _fit_with_retries(
        "gamma_gamma", strategies, data, fast_gradient=evaluate
    )
    correlation = float(np.corrcoef(repeaters["frequency"], repeaters["monetary_value"])[0, 1])
    labels = [f"log_{k}" for k in names]
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


def lifetimes_fitter(fit: TransactionModelFit) -> Any:
    """Return a lifetimes fitter object carrying ``fit.params`` (for lifetimes' own formulas).

    Parameters
    ----------
    fit : TransactionModelFit
        A fitted transaction model.

    Returns
    -------
    lifetimes.BetaGeoFitter, lifetimes.ParetoNBDFitter or lifetimes.ModifiedBetaGeoFitter
    """
    fitter_class = {
        "bgnbd": BetaGeoFitter,
        "mbgnbd": ModifiedBetaGeoFitter,
        "pareto_nbd": ParetoNBDFitter,
    }[fit.model]
    fitter = fitter_class()
    fitter.params_ = pd.Series(fit.params)
    return fitter

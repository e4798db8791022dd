"""Generic fitting machinery shared by the model families of :mod:`loyaltylab.clv.models`.

The model families (``clv/models/``) own their likelihoods, gradients and fit strategies; this
module holds what every fit needs, written once:

* checking a customer summary (:func:`validate_summary`) and *compressing* it: customers with
  identical (frequency, recency, T) collapse to one row with their count as weight (lifetimes'
  ``weights=``), which gives the same estimates as one row per customer at a fraction of the
  cost (reference/clv.md §4);
* :class:`Likelihood`, a summed log-likelihood of the log-parameters with the gradient and
  Hessian a family computes it with, and (L-)BFGS on it (:func:`bfgs_with_gradient`);
* :func:`fit_with_retries`: runs a family's fit attempts in order until one passes every check,
  records every attempt, and returns the estimates, the log-likelihood and the covariance;
* the time limit of a fit (:func:`fit_deadline`, :func:`check_deadline`);
* the result classes, defined in :mod:`loyaltylab.clv.results` and re-exported here.

What the checks add to lifetimes (0.11.3, imported only inside ``loyaltylab.clv``):

* the log-likelihood **summed over customers** in the analysis unit, computed with lifetimes'
  function (lifetimes stores the mean negative log-likelihood of internally rescaled data; the
  papers report the sum in weeks, reference/clv.md §3 item 3);
* the covariance of the **log-parameters** from the Hessian of the summed log-likelihood, ready for
  drawing parameters (lifetimes' ``variance_matrix_`` multiplies by ``params**2`` column-wise, which
  is not the delta method, and ``ParetoNBDFitter`` has no Hessian at all);
* convergence checks and retries: lifetimes' ``ConvergenceError``, non-finite or absurd parameters
  such as r = 1e59, a gradient that is not ~0 (an optimiser that stopped early), a Hessian that is
  not negative definite; :class:`~loyaltylab.errors.ModelConvergenceError` is raised when no
  attempt gives a usable optimum.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from loyaltylab.clv.results import (
    MAX_DISPLAYED_LOG_SE,
    BoundaryFit,
    FitAttempt,
    SpendModelFit,
    TransactionModelFit,
    parameter_table,
)
from loyaltylab.errors import DataValidationError, ModelConvergenceError
from loyaltylab.rules import examples

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes.utils import ConvergenceError

if TYPE_CHECKING:
    pass

__all__ = [
    "FitAttempt",
    "FitFailure",
    "FitTimeoutError",
    "BoundaryReached",
    "EdgeReached",
    "check_edge",
    "DEFAULT_FIT_TIMEOUT_SECONDS",
    "fit_deadline",
    "check_deadline",
    "parameter_table",
    "BoundaryFit",
    "MAX_DISPLAYED_LOG_SE",
    "TransactionModelFit",
    "SpendModelFit",
    "Likelihood",
    "FitRun",
    "FitStrategy",
    "ConvergenceError",
    "compress_customers",
    "unique_rows",
    "validate_summary",
    "lifetimes_log_likelihood",
    "bfgs_with_gradient",
    "central_gradient",
    "hessian_from_gradient",
    "numeric_hessian",
    "fit_with_retries",
    "run_quietly",
]

# A parameter outside this range is a diverged optimiser, not an estimate (reference/clv.md §2:
# r = 1.0e59 from CLVTools' BFGS on CDNOW x 100).
PARAMETER_RANGE: tuple[float, float] = (1e-8, 1e6)
_ROUND_DECIMALS = 9
# An accepted optimum must have |d mean log-likelihood / d log θ| below this (a loose optimiser
# tolerance can stop far from the maximum, e.g. lifetimes' Gamma-Gamma with tol=1e-4).
GRADIENT_TOLERANCE = 1e-3
# An attempt whose log-likelihood is within this of the boundary model's (NBD) has found the
# boundary maximum: the full model adds nothing (log-likelihood units, summed over customers).
BOUNDARY_TOLERANCE = 0.01

# An optimiser whose parameters leave this range (wider than PARAMETER_RANGE, on the optimiser's
# own time scale) is stopped there: it was running to a boundary, which it would never reach.
EDGE_RANGE: tuple[float, float] = (1e-12, 1e9)

# Every fit has a time limit (seconds); checked in the optimisers' objectives and between attempts.
DEFAULT_FIT_TIMEOUT_SECONDS = 60.0

_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "fit_deadline", default=None
)


class FitFailure(ModelConvergenceError):
    """No fit attempt gave a usable optimum; ``attempts`` holds every attempt made."""

    def __init__(self, message: str, attempts: tuple[FitAttempt, ...] = ()) -> None:
        super().__init__(message)
        self.attempts = attempts


class FitTimeoutError(FitFailure):
    """A fit ran past its time limit (``timeout_seconds``); the attempts so far are listed."""


class EdgeReached(ConvergenceError):  # type: ignore[misc]
    """An optimiser left :data:`EDGE_RANGE`: the attempt ends there with ``params``.

    Raised inside an objective (whose optimiser would otherwise wander on towards 0 or ∞ for
    tens of seconds); the attempt returns the parameters it reached, which the checks of
    :func:`fit_with_retries` then reject as absurd, with their log-likelihood recorded.
    """

    def __init__(self, params: dict[str, float]) -> None:
        super().__init__(f"ran to the edge of the parameter space: {params}")
        self.params = params


def check_edge(names: Sequence[str], values: np.ndarray) -> None:
    """Raise :class:`EdgeReached` when a parameter value is outside :data:`EDGE_RANGE`."""
    low, high = EDGE_RANGE
    if np.all((values >= low) & (values <= high)):
        return
    raise EdgeReached(dict(zip(names, map(float, values), strict=True)))


class BoundaryReached(Exception):
    """Internal signal: an attempt reached the likelihood of the boundary model (stop retrying)."""

    def __init__(self, attempts: tuple[FitAttempt, ...]) -> None:
        super().__init__("boundary optimum")
        self.attempts = attempts


@contextlib.contextmanager
def fit_deadline(timeout_seconds: float | None) -> Iterator[None]:
    """Give the fits run inside this block a time limit of ``timeout_seconds`` (None: no limit).

    The limit is checked by :func:`check_deadline`, which the optimisers' objectives and the
    retry loop call; an inner limit never extends an outer one.

    Examples
    --------
    >>> with fit_deadline(60.0):
    ...     check_deadline()  # well within the limit: nothing happens
    """
    if timeout_seconds is None:
        yield
        return
    if not timeout_seconds > 0:
        from loyaltylab.errors import ParameterError

        raise ParameterError(
            f"parameter 'timeout_seconds' must be a positive number of seconds, got "
            f"{timeout_seconds!r}"
        )
    now = time.monotonic()
    outer = _DEADLINE.get()
    limit = (now + timeout_seconds, timeout_seconds)
    if outer is not None and outer[0] < limit[0]:
        limit = outer
    token = _DEADLINE.set(limit)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_deadline() -> None:
    """Raise :class:`FitTimeoutError` when the time limit of the current fit has passed."""
    limit = _DEADLINE.get()
    if limit is not None and time.monotonic() > limit[0]:
        raise FitTimeoutError(
            f"the fit ran past its time limit of {limit[1]:g} s (parameter "
            "'fit_timeout_seconds' / 'timeout_seconds' raises it)"
        )


FitRun = Callable[[], dict[str, float]]
"""A fit attempt: a function returning the parameter estimates by name."""
FitStrategy = tuple[str, FitRun]
"""A named fit attempt: (description, function returning the parameter estimates)."""


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
                + examples(summary, bad, ["customer_id", *needed])
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
                + examples(summary, mask, ["customer_id", *needed])
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


def unique_rows(summary: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct rows of ``columns`` (rounded to 9 decimals) and each customer's row number.

    Parameters
    ----------
    summary : pandas.DataFrame
        Customers.
    columns : sequence of str
        Columns that define identical customers.

    Returns
    -------
    tuple of (pandas.DataFrame, numpy.ndarray)
        The distinct rows in order of first appearance, and each input row's position in them.

    Examples
    --------
    >>> rows, codes = unique_rows(pd.DataFrame({"x": [1.0, 2.0, 1.0]}), ["x"])
    >>> rows["x"].tolist(), codes.tolist()
    ([1.0, 2.0], [0, 1, 0])
    """
    keys = pd.DataFrame(
        {c: np.round(summary[c].to_numpy(dtype=float), _ROUND_DECIMALS) for c in columns}
    )
    codes = keys.groupby(list(columns), sort=False).ngroup().to_numpy()
    # a row of each group (the rows of a group are equal), written backwards so that the first
    # row of the group is the one kept
    first = np.empty(int(codes.max()) + 1 if len(codes) else 0, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return keys.iloc[first].reset_index(drop=True), codes


# --------------------------------------------------------------------------------------------
# Log-likelihoods in the analysis unit, summed over customers, as functions of log-parameters


@dataclass(frozen=True)
class Likelihood:
    """A summed log-likelihood of the log-parameters on compressed rows, with its derivatives.

    Attributes
    ----------
    value : callable
        log-parameters -> log-likelihood summed over customers (the reported value).
    gradient : callable
        log-parameters -> gradient of the summed log-likelihood in the log-parameters, as the
        model family computes it (analytic, automatic or central differences).
    hessian : callable
        log-parameters -> Hessian in the log-parameters (for the covariance).
    n_customers : float
        Customers behind the rows (sum of the weights), to express the gradient per customer.
    """

    value: Callable[[np.ndarray], float]
    gradient: Callable[[np.ndarray], np.ndarray]
    hessian: Callable[[np.ndarray], np.ndarray]
    n_customers: float


def likelihood_from_evaluator(
    value: Callable[[np.ndarray], float],
    evaluate: Callable[[np.ndarray], tuple[float, np.ndarray]],
    weights: np.ndarray,
) -> Likelihood:
    """Return the :class:`Likelihood` of a family whose evaluator gives (value, gradient).

    The Hessian is the central difference of the analytic gradient.

    Parameters
    ----------
    value : callable
        log-parameters -> the reported summed log-likelihood.
    evaluate : callable
        log-parameters -> (summed log-likelihood, its gradient), analytic.
    weights : numpy.ndarray
        Customers behind each compressed row.

    Returns
    -------
    Likelihood
    """

    def gradient(log_params: np.ndarray) -> np.ndarray:
        return evaluate(log_params)[1]

    return Likelihood(
        value=value,
        gradient=gradient,
        hessian=lambda lp: hessian_from_gradient(gradient, lp),
        n_customers=float(weights.sum()),
    )


def lifetimes_log_likelihood(fitter_class: Any) -> Callable[..., Any]:
    """Return f(log_params, *data) = -N x lifetimes' mean negative log-likelihood (the sum).

    Parameters
    ----------
    fitter_class : type
        A lifetimes fitter with ``_negative_log_likelihood(log_params, *data, penalizer)``
        (BetaGeoFitter, ModifiedBetaGeoFitter, GammaGammaFitter); ``data`` ends with the weights.

    Returns
    -------
    callable
    """

    def loglik(log_params: Any, *data: Any) -> Any:
        weights = data[-1]
        return -fitter_class._negative_log_likelihood(log_params, *data, 0.0) * weights.sum()

    return loglik


def central_gradient(
    function: Callable[[np.ndarray], float], x0: np.ndarray, step: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of ``function`` at ``x0``.

    Examples
    --------
    >>> central_gradient(lambda v: float(v @ v), np.array([1.0, 2.0])).round(6).tolist()
    [2.0, 4.0]
    """
    return np.array(
        [
            (function(x0 + step * unit) - function(x0 - step * unit)) / (2 * step)
            for unit in np.eye(len(x0))
        ]
    )


def hessian_from_gradient(
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


def numeric_hessian(func: Callable[[np.ndarray], float], x0: np.ndarray) -> np.ndarray:
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


def bfgs_with_gradient(
    evaluate: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    total_weight: float,
    bounds: Sequence[tuple[float | None, float | None]] | None = None,
) -> np.ndarray:
    """Maximise a summed log-likelihood (as a mean per customer) with BFGS or L-BFGS-B.

    Parameters
    ----------
    evaluate : callable
        log-parameters -> (summed log-likelihood, its gradient).
    start : numpy.ndarray
        Starting log-parameters.
    total_weight : float
        Customers (the objective is the mean per customer).
    bounds : sequence of (low, high), optional
        Bounds on the log-parameters; L-BFGS-B is used when given.

    Returns
    -------
    numpy.ndarray
        The log-parameters at the maximum.

    Raises
    ------
    lifetimes.utils.ConvergenceError
        The optimiser did not converge (a small gradient at "precision loss" is accepted).
    """

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        check_deadline()
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
    return np.asarray(result.x)


def _log_param_covariance(
    likelihood: Likelihood, log_params: np.ndarray
) -> tuple[np.ndarray | None, str]:
    """Covariance of log-parameters = inverse of minus the Hessian of the summed log-likelihood."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            hess = np.asarray(likelihood.hessian(log_params), dtype=float)
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


def _largest_gradient(likelihood: Likelihood, log_params: np.ndarray) -> float:
    """Largest |d log-likelihood / d log-parameter| per customer at ``log_params``."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        gradient = likelihood.gradient(log_params)
    largest = float(np.max(np.abs(gradient))) / likelihood.n_customers
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


def _divergence(attempt: FitAttempt) -> frozenset[tuple[str, bool]]:
    """Parameters of an attempt outside :data:`PARAMETER_RANGE`, each with its direction."""
    low, high = PARAMETER_RANGE
    params = attempt.params or {}
    return frozenset(
        (name, value > high) for name, value in params.items() if not low <= value <= high
    )


def _same_divergence(attempts: Sequence[FitAttempt]) -> bool:
    """Whether the last two attempts ran the same parameters to the same edge of the range."""
    if len(attempts) < 2 or attempts[-2].success:
        return False
    last, before = _divergence(attempts[-1]), _divergence(attempts[-2])
    return bool(last) and last == before


def run_quietly(func: Callable[[], Any]) -> Any:
    """Run ``func`` with lifetimes' prints and numpy warnings silenced."""
    with (
        contextlib.redirect_stdout(io.StringIO()),
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
    ):
        warnings.simplefilter("ignore")
        return func()


def fit_with_retries(
    label: str,
    parameter_names: Sequence[str],
    strategies: Sequence[FitStrategy],
    likelihood: Likelihood,
    polish: Callable[[dict[str, float]], dict[str, float]] | None = None,
    *,
    stop_when: Callable[[FitAttempt], bool] | None = None,
    diagnosis: str = "",
) -> tuple[dict[str, float], float, np.ndarray, tuple[FitAttempt, ...]]:
    """Run fit attempts in order until one passes every check.

    An attempt is rejected when its optimiser fails, its parameters are non-finite or outside
    :data:`PARAMETER_RANGE`, its log-likelihood is not finite, its gradient per customer exceeds
    :data:`GRADIENT_TOLERANCE`, or the Hessian there is not negative definite. The time limit
    of the enclosing :func:`fit_deadline` is checked before every attempt.

    Parameters
    ----------
    label : str
        Model name for messages, e.g. ``"BG/NBD"``.
    parameter_names : sequence of str
        Names of the parameters, in the order of the log-parameter vector.
    strategies : sequence of (str, callable)
        Fit attempts in order; each callable returns the estimates by name.
    likelihood : Likelihood
        Summed log-likelihood with gradient and Hessian, on the data the estimates refer to.
    polish : callable, optional
        Refines the estimates of attempts whose name starts with ``"lifetimes"``.
    stop_when : callable, optional
        Called with every attempt that has a finite log-likelihood; True stops the retries with
        :class:`BoundaryReached` (the attempts so far attached), e.g. when the attempt reached
        the boundary model's likelihood.
    diagnosis : str, optional
        What the data say about the cause (counts), appended to the refusal message.

    Returns
    -------
    tuple
        Estimates, summed log-likelihood, log-parameter covariance, every attempt.

    Raises
    ------
    ModelConvergenceError
        No attempt gave a usable optimum; the message lists every attempt and why it failed.
    FitTimeoutError
        The time limit passed; the message lists the attempts made so far.
    BoundaryReached
        ``stop_when`` returned True for an attempt.
    """
    attempts: list[FitAttempt] = []

    def record(attempt: FitAttempt) -> None:
        attempts.append(attempt)
        if (
            stop_when is not None
            and attempt.log_likelihood is not None
            and math.isfinite(attempt.log_likelihood)
            and stop_when(attempt)
        ):
            raise BoundaryReached(tuple(attempts))

    try:
        for strategy, run in strategies:
            check_deadline()
            try:
                params = run_quietly(run)
            except FitTimeoutError:
                raise
            except (
                ConvergenceError,
                ValueError,
                FloatingPointError,
                np.linalg.LinAlgError,
            ) as error:
                text = str(error).strip()
                reason = text.splitlines()[0] if text else type(error).__name__
                attempts.append(FitAttempt(strategy, False, f"optimiser failed: {reason}"))
                continue
            params = {key: float(value) for key, value in params.items()}
            problem = _check_params(params)
            if not problem and polish is not None and strategy.startswith("lifetimes"):
                params = polish(params)
                problem = _check_params(params)
            log_params = np.log(np.clip([params[k] for k in parameter_names], 1e-300, None))
            with np.errstate(all="ignore"):
                value = float(run_quietly(functools.partial(likelihood.value, log_params)))
            if not math.isfinite(value):
                reason = problem or "non-finite log-likelihood"
                attempts.append(FitAttempt(strategy, False, reason, params))
                continue
            if problem:
                record(FitAttempt(strategy, False, problem, params, value))
                if _same_divergence(attempts):
                    break  # two attempts ran to the same edge: more starts will not help
                continue
            steepest = _largest_gradient(likelihood, log_params)
            if steepest > GRADIENT_TOLERANCE:
                record(
                    FitAttempt(
                        strategy,
                        False,
                        f"not at an optimum: log-likelihood gradient {steepest:.1e} per "
                        f"customer (> {GRADIENT_TOLERANCE:g}); the optimiser stopped early",
                        params,
                        value,
                    )
                )
                continue
            covariance, problem = _log_param_covariance(likelihood, log_params)
            if covariance is None:
                record(FitAttempt(strategy, False, problem, params, value))
                continue
            record(FitAttempt(strategy, True, "converged", params, value))
            return params, value, covariance, tuple(attempts)
    except FitTimeoutError as error:
        details = "".join(f"\n  - {a.strategy}: {a.reason}" for a in attempts)
        raise FitTimeoutError(
            f"{label}: {error} after {len(attempts)} attempt(s){details}", tuple(attempts)
        ) from None
    details = "\n".join(f"  - {a.strategy}: {a.reason}" for a in attempts)
    edge = ""
    if _same_divergence(attempts):
        went = ", ".join(
            f"{name} → {'∞' if up else '0'}" for name, up in sorted(_divergence(attempts[-1]))
        )
        edge = (
            f"\nThe last two attempts ran to the same edge of the parameter space ({went}): "
            f"the likelihood of {label} has its maximum there, outside the model's usable range."
        )
    raise FitFailure(
        f"{label} did not converge to a usable optimum after {len(attempts)} "
        f"attempt(s):\n{details}{edge}" + (f"\n{diagnosis}" if diagnosis else ""),
        tuple(attempts),
    )

"""The one idea every transaction model family shares: :class:`TransactionModel`.

A family (BG/NBD, MBG/NBD, Pareto/NBD) is a small stateless object with the same method names as
every other family, in the spirit of pymc-marketing's ``clv`` models:

* closed forms, taking the parameters as floats or as ``(n_draws, 1)`` columns of draws so the
  same code serves point estimates and parameter draws:
  :meth:`~TransactionModel.probability_alive`,
  :meth:`~TransactionModel.expected_purchases_if_alive`,
  :meth:`~TransactionModel.expected_purchases` and
  :meth:`~TransactionModel.expected_purchases_new_customer`;
* the likelihood on compressed rows (:func:`loyaltylab.clv.compress_customers`) as a function of
  the log-parameters: :meth:`~TransactionModel.likelihood` (with the gradient and Hessian the
  family computes it with), :meth:`~TransactionModel.log_likelihood`,
  :meth:`~TransactionModel.gradient`;
* the fit: :meth:`~TransactionModel.fit_strategies` (attempts in order) and
  :meth:`~TransactionModel.fit`, which runs them through
  :func:`loyaltylab.clv.fitting.fit_with_retries`;
* :meth:`~TransactionModel.lifetimes_fitter`, a lifetimes fitter carrying given parameters.

Families are registered once, by name, in :data:`loyaltylab.clv.models.TRANSACTION_MODELS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from loyaltylab.clv.fitting import (
    BOUNDARY_TOLERANCE,
    DEFAULT_FIT_TIMEOUT_SECONDS,
    PARAMETER_RANGE,
    BoundaryFit,
    BoundaryReached,
    ConvergenceError,
    EdgeReached,
    FitAttempt,
    FitFailure,
    FitRun,
    FitStrategy,
    FitTimeoutError,
    Likelihood,
    TransactionModelFit,
    check_deadline,
    check_edge,
    compress_customers,
    fit_deadline,
    fit_with_retries,
    lifetimes_log_likelihood,
    validate_summary,
)
from loyaltylab.errors import ModelConvergenceError, ParameterError
from loyaltylab.rules import TIME_UNIT_DAYS

__all__ = [
    "LIKELIHOOD_RATIO_CRITICAL",
    "ArrayLike",
    "Parameters",
    "TransactionModel",
    "compressed_arrays",
    "lifetimes_time_scale",
]

ArrayLike = np.ndarray | float

LIKELIHOOD_RATIO_CRITICAL = 5.99
"""95 % point of chi-square with 2 df: two dropout parameters that add less are not detected."""
Parameters = Sequence[Any]
"""Parameters in the family's order: floats, or ``(n_draws, 1)`` arrays of draws."""


def compressed_arrays(
    rows: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Frequency (int), recency, T and weight (int64) of compressed rows, as the fits use them.

    Parameters
    ----------
    rows : pandas.DataFrame
        Output of ``compress_customers(summary, ["frequency", "recency", "T"])``.

    Returns
    -------
    tuple of numpy.ndarray
    """
    return (
        rows["frequency"].to_numpy(dtype=int),
        rows["recency"].to_numpy(dtype=float),
        rows["T"].to_numpy(dtype=float),
        rows["weight"].to_numpy(dtype=np.int64),
    )


def lifetimes_time_scale(age: np.ndarray) -> float:
    """Factor lifetimes rescales time by before fitting (max T becomes 10)."""
    return 10.0 / age.max() if age.max() > 0 else 1.0


def _guarded(fitter_class: type) -> type:
    """Return a subclass of a lifetimes fitter whose likelihood checks the fit's time limit."""
    original = fitter_class._negative_log_likelihood  # type: ignore[attr-defined]

    def guarded(*args: Any, **kwargs: Any) -> Any:
        check_deadline()
        return original(*args, **kwargs)

    return type(
        fitter_class.__name__, (fitter_class,), {"_negative_log_likelihood": staticmethod(guarded)}
    )


class TransactionModel(ABC):
    """A transaction model family: closed forms, likelihood, gradient and fit strategy.

    Subclasses set the class attributes and implement the abstract methods; instances hold no
    state, so one instance per family lives in the registry.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"bgnbd"`` (the value of ``TransactionModelFit.model``).
    label : str
        Name for people, e.g. ``"BG/NBD"``.
    parameter_names : tuple of str
        Parameters in order, with lifetimes' names.
    lifetimes_class : type
        The lifetimes fitter of the family.
    time_scale_parameters : tuple of str
        Parameters in units of time (divided by lifetimes' time scale after a rescaled fit).
    dropout_parameters : tuple of str
        The two parameters of the dropout process, (shape, scale-like), e.g. ``("a", "b")``;
        empty for a model without dropout.
    boundary_model : str or None
        Name of the model this family reduces to when its dropout vanishes (``"nbd"``).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    parameter_names: ClassVar[tuple[str, ...]]
    lifetimes_class: ClassVar[type]
    time_scale_parameters: ClassVar[tuple[str, ...]] = ("alpha",)
    dropout_parameters: ClassVar[tuple[str, ...]] = ()
    boundary_model: ClassVar[str | None] = None
    dropout_mean_label: ClassVar[str] = "mean dropout rate s / beta per time unit"

    def dropout_scale_for_mean(self, shape: float, mean: float) -> float:
        """Return the scale parameter (b or β) giving mean dropout ``mean`` with shape ``shape``.

        Pareto/NBD's mean dropout rate is s / β, so β = s / mean; the BG/NBD family overrides
        this with its mean dropout probability a / (a + b).
        """
        return shape / mean

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # ------------------------------------------------------------------ closed forms

    @abstractmethod
    def probability_alive(
        self, params: Parameters, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """P(alive | x, t_x, T): the probability that a customer is still active at T."""

    @abstractmethod
    def expected_purchases_if_alive(
        self, params: Parameters, t: ArrayLike, frequency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """E[Y(t) | x, T, alive]: expected purchases in (T, T + t] of a customer still active."""

    def expected_purchases(
        self,
        params: Parameters,
        t: ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
    ) -> np.ndarray:
        """E[Y(t) | x, t_x, T] = E[Y(t) | x, T, alive] x P(alive | x, t_x, T).

        Parameters
        ----------
        params : sequence
            Parameters in :attr:`parameter_names` order (floats or draw columns).
        t : float or array
            Length of the future period, in the time unit of the parameters.
        frequency, recency, T : array
            Customer histories (repeat purchases, time of the last one, age).

        Returns
        -------
        numpy.ndarray
        """
        if_alive = self.expected_purchases_if_alive(params, t, frequency, T)
        return np.asarray(if_alive * self.probability_alive(params, frequency, recency, T))

    def lifetimes_fitter(self, params: Parameters, penalizer_coef: float = 0.0) -> Any:
        """Return a lifetimes fitter of this family carrying ``params`` (for lifetimes' formulas).

        Parameters
        ----------
        params : sequence of float
            Parameters in :attr:`parameter_names` order.
        penalizer_coef : float, default 0
            lifetimes' penalizer.

        Returns
        -------
        lifetimes.BetaGeoFitter, lifetimes.ModifiedBetaGeoFitter or lifetimes.ParetoNBDFitter
        """
        fitter = self.lifetimes_class(penalizer_coef=penalizer_coef)
        fitter.params_ = pd.Series(dict(zip(self.parameter_names, params, strict=True)))
        return fitter

    def expected_purchases_new_customer(self, params: Parameters, t: ArrayLike) -> np.ndarray:
        """E[X(t)], the expected repeat purchases of a new customer in its first t units.

        lifetimes' unconditional expectations (BG/NBD eq. 9, Pareto/NBD note 009 eq. 27,
        MBG/NBD), which are stable for the population parameters.
        """
        fitter = self.lifetimes_fitter(params)
        with np.errstate(all="ignore"):
            return np.asarray(fitter.expected_number_of_purchases_up_to_time(np.asarray(t, float)))

    # ------------------------------------------------------------------ likelihood

    def likelihood(self, rows: pd.DataFrame) -> Likelihood:
        """Return the summed log-likelihood of compressed rows with the family's derivatives.

        The value is lifetimes' likelihood summed with weights (the reported number).

        Parameters
        ----------
        rows : pandas.DataFrame
            Output of ``compress_customers(summary, ["frequency", "recency", "T"])``.

        Returns
        -------
        Likelihood
        """
        freq, rec, age, weights = compressed_arrays(rows)
        data = (freq, rec, age, weights.astype(float))
        reference = self.reference_log_likelihood()
        return self._derivatives(lambda lp: reference(lp, *data), data)

    @abstractmethod
    def _derivatives(
        self, value: Callable[[np.ndarray], float], data: tuple[np.ndarray, ...]
    ) -> Likelihood:
        """Bundle ``value`` with the family's gradient and Hessian on ``data``."""

    def reference_log_likelihood(self) -> Any:
        """f(log_params, freq, rec, age, weights): lifetimes' log-likelihood summed with weights."""
        return lifetimes_log_likelihood(self.lifetimes_class)

    def log_likelihood(self, log_params: np.ndarray, rows: pd.DataFrame) -> float:
        """Return the summed log-likelihood of compressed ``rows`` at ``log_params``."""
        return float(self.likelihood(rows).value(np.asarray(log_params, dtype=float)))

    def gradient(self, log_params: np.ndarray, rows: pd.DataFrame) -> np.ndarray:
        """Gradient of :meth:`log_likelihood` in the log-parameters, as the fit computes it."""
        return np.asarray(self.likelihood(rows).gradient(np.asarray(log_params, dtype=float)))

    # ------------------------------------------------------------------ fitting

    @abstractmethod
    def fit_strategies(self, rows: pd.DataFrame) -> list[FitStrategy]:
        """Fit attempts in order, each returning the estimates in the time unit of ``rows``."""

    def polish(self, params: dict[str, float], rows: pd.DataFrame) -> dict[str, float]:
        """Refine an optimum found by lifetimes (default: unchanged)."""
        return params

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        time_unit: str = "W",
        timeout_seconds: float | None = DEFAULT_FIT_TIMEOUT_SECONDS,
    ) -> TransactionModelFit:
        """Fit the family to a customer summary (see :func:`loyaltylab.clv.fit_transaction_model`).

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer: ``frequency``, ``recency``, ``T`` in the analysis unit.
        time_unit : {"W", "D", "M"}, default "W"
            Unit of recency and T, recorded on the result.
        timeout_seconds : float or None, default 60
            Time limit of the fit (None: none).

        Returns
        -------
        TransactionModelFit
            With ``boundary`` set when the maximum is on the boundary (no dropout detected).
        """
        if time_unit not in TIME_UNIT_DAYS:
            raise ParameterError(
                f"parameter 'time_unit' must be 'W', 'D' or 'M', got {time_unit!r}"
            )
        validate_summary(summary)
        rows = compress_customers(summary, ["frequency", "recency", "T"])
        with fit_deadline(timeout_seconds):
            return self.fit_rows(rows, time_unit=time_unit)

    def fit_rows(self, rows: pd.DataFrame, *, time_unit: str = "W") -> TransactionModelFit:
        """Fit compressed rows (:func:`loyaltylab.clv.compress_customers`); see :meth:`fit`.

        When the family has a boundary model, that model (the NBD) is fitted first; an attempt
        that reaches its log-likelihood (within :data:`~loyaltylab.clv.fitting.BOUNDARY_TOLERANCE`)
        ends the retries, and so does a refusal whose best attempt is no better than it: the
        result is then the boundary fit (:meth:`boundary_result`). Otherwise the refusal names
        the cause with the counts of :func:`loyaltylab.clv.boundary.describe_data`.
        """
        # imported here: the boundary module looks models up in the registry built on this one
        from loyaltylab.clv.boundary import describe_data

        weights = rows["weight"].to_numpy(dtype=np.int64)
        reduced = self.fit_boundary_model(rows, time_unit)

        def reached_boundary(attempt: FitAttempt) -> bool:
            if reduced is None or attempt.log_likelihood is None:
                return False
            gain = attempt.log_likelihood - reduced.log_likelihood
            if abs(gain) <= BOUNDARY_TOLERANCE:
                return True
            # an attempt held at the edge of the usable range in a dropout parameter and not
            # significantly better than the NBD: the maximum is beyond reach, dropout undetected
            return (
                not attempt.success
                and self._at_range_edge(attempt)
                and 2.0 * gain < LIKELIHOOD_RATIO_CRITICAL
            )

        try:
            params, loglik, covariance, attempts = fit_with_retries(
                self.label,
                self.parameter_names,
                self.fit_strategies(rows),
                self.likelihood(rows),
                lambda found: self.polish(found, rows),
                stop_when=reached_boundary,
                diagnosis=describe_data(rows, time_unit, self.label),
            )
        except BoundaryReached as reached:
            assert reduced is not None
            best = max(
                (a.log_likelihood for a in reached.attempts if a.log_likelihood is not None),
                default=reduced.log_likelihood,
            )
            return self.boundary_result(
                reduced,
                reached.attempts,
                time_unit,
                significant=best <= reduced.log_likelihood + BOUNDARY_TOLERANCE,
            )
        except FitTimeoutError:
            raise
        except FitFailure as error:
            tried = error.attempts
            if reduced is not None:
                # every attempt failed: if none beat the NBD, the maximum is the boundary
                best = max(
                    (a.log_likelihood for a in tried if a.log_likelihood is not None),
                    default=float("-inf"),
                )
                if best <= reduced.log_likelihood + BOUNDARY_TOLERANCE and tried:
                    return self.boundary_result(reduced, tried, time_unit)
                # no usable optimum and no attempt significantly better than the NBD: the data
                # cannot tell dropout from none, so the model is the NBD (a boundary result)
                if tried and 2.0 * (best - reduced.log_likelihood) < LIKELIHOOD_RATIO_CRITICAL:
                    return self.boundary_result(reduced, tried, time_unit, significant=False)
            raise
        labels = [f"log_{k}" for k in self.parameter_names]
        return TransactionModelFit(
            model=self.name,
            params=params,
            log_likelihood=loglik,
            covariance=pd.DataFrame(covariance, index=labels, columns=labels),
            n_customers=int(weights.sum()),
            n_unique_rows=len(rows),
            attempts=attempts,
            time_unit=time_unit,
        )

    def _at_range_edge(self, attempt: FitAttempt) -> bool:
        """Whether a dropout parameter of the attempt is at (1 % of) an end of the range."""
        low, high = PARAMETER_RANGE
        values = [float((attempt.params or {}).get(name, 1.0)) for name in self.dropout_parameters]
        return any(v <= low * 1.01 or v >= high / 1.01 for v in values)

    def fit_boundary_model(self, rows: pd.DataFrame, time_unit: str) -> TransactionModelFit | None:
        """Fit the model this family reduces to at its boundary (None if it has none)."""
        if self.boundary_model is None:
            return None
        from loyaltylab.clv.models import get_transaction_model

        try:
            return get_transaction_model(self.boundary_model).fit_rows(rows, time_unit=time_unit)
        except FitTimeoutError:
            raise
        except ModelConvergenceError:
            return None

    def boundary_result(
        self,
        reduced: TransactionModelFit,
        attempts: Sequence[FitAttempt],
        time_unit: str,
        *,
        significant: bool = True,
    ) -> TransactionModelFit:
        """Return the fit at the boundary: the boundary model's estimates, dropout switched off.

        The first dropout parameter (a or s) is set to 0, which switches dropout off in every
        closed form; the second (b or β) is not identified there and keeps the value of the
        best attempt. The covariance is the boundary model's for its parameters and 0 for the
        fixed ones, so parameter draws keep them fixed. ``significant=False``: no attempt
        reached a usable optimum and the best one improves on the boundary model by less than
        :data:`LIKELIHOOD_RATIO_CRITICAL` (likelihood ratio), which the note says.
        """
        check_deadline()
        shape, scale = self.dropout_parameters
        best = max(
            (a for a in attempts if a.params is not None and a.log_likelihood is not None),
            key=lambda a: float(a.log_likelihood or -np.inf),
            default=None,
        )
        found = dict(best.params) if best is not None and best.params else {}
        found_scale = float(found.get(scale, 1.0))
        if not (np.isfinite(found_scale) and 0 < found_scale < 1e12):
            found_scale = 1.0
        params = {
            name: float(reduced.params[name]) if name in reduced.params else 0.0
            for name in self.parameter_names
        }
        params[shape] = 0.0
        params[scale] = found_scale
        went = f"{shape} → 0" if float(found.get(shape, 0.0)) <= 1e-3 else f"{scale} → ∞"
        labels = [f"log_{k}" for k in self.parameter_names]
        covariance = pd.DataFrame(0.0, index=labels, columns=labels)
        kept = [f"log_{k}" for k in reduced.params]
        covariance.loc[kept, kept] = reduced.covariance.loc[kept, kept].to_numpy()
        best_ll = (
            float(best.log_likelihood) if best is not None and best.log_likelihood else float("nan")
        )
        label = reduced.transaction_model.label
        if significant:
            evidence = (
                f"The likelihood is largest at the boundary ({went}), where {self.label} "
                f"reduces to the {label} (log-likelihood {reduced.log_likelihood:,.2f}; best "
                f"{self.label} attempt {best_ll:,.2f})"
            )
        else:
            ratio = max(0.0, 2.0 * (best_ll - reduced.log_likelihood))
            evidence = (
                f"{self.label} has no usable optimum here and its best attempt "
                f"(log-likelihood {best_ll:,.2f}) is not significantly better than the {label} "
                f"it reduces to without dropout ({reduced.log_likelihood:,.2f}; likelihood "
                f"ratio {ratio:.2f} < {LIKELIHOOD_RATIO_CRITICAL:g}, chi-square 2 df at 5 %)"
            )
        note = (
            f"{self.label}: no dropout detected in this window; CLV is an upper bound. "
            f"{evidence}; the estimates shown are the {label}'s, with {shape} = 0."
        )
        if reduced.boundary is not None:
            note += f" {reduced.boundary.note}"
        boundary = BoundaryFit(
            parameter=went,
            reduces_to=reduced.model,
            fixed_parameters=(shape, scale),
            boundary_log_likelihood=reduced.log_likelihood,
            best_log_likelihood=best_ll,
            note=note,
        )
        return TransactionModelFit(
            model=self.name,
            params=params,
            log_likelihood=reduced.log_likelihood,
            covariance=covariance,
            n_customers=reduced.n_customers,
            n_unique_rows=reduced.n_unique_rows,
            attempts=tuple(attempts),
            time_unit=time_unit,
            boundary=boundary,
        )

    # ------------------------------------------------------------------ shared fit attempts

    def lifetimes_attempt(
        self, rows: pd.DataFrame, penalizer: float = 0.0, **fit_options: Any
    ) -> FitRun:
        """Return an attempt that runs the family's lifetimes fitter with ``fit_options``."""
        freq, rec, age, weights = compressed_arrays(rows)

        def run() -> dict[str, float]:
            fitter = _guarded(self.lifetimes_class)(penalizer_coef=penalizer)
            fitter.fit(freq, rec, age, weights=weights, **fit_options)
            return {k: float(fitter.params_[k]) for k in self.parameter_names}

        return run

    def nelder_mead_attempt(self, rows: pd.DataFrame, start: np.ndarray) -> FitRun:
        """Return an attempt: Nelder-Mead on lifetimes' likelihood in log-parameters, rescaled."""
        freq, rec, age, weights = compressed_arrays(rows)
        scale = lifetimes_time_scale(age)
        names = self.parameter_names

        def run() -> dict[str, float]:
            loglik = self.reference_log_likelihood()
            data = (freq, rec * scale, age * scale, weights)
            total = weights.sum()

            def objective(log_params: np.ndarray) -> float:
                check_deadline()
                check_edge(names, np.exp(log_params))
                return float(-loglik(log_params, *data) / total)

            try:
                result = minimize(
                    objective,
                    start,
                    method="Nelder-Mead",
                    options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20000, "maxfev": 40000},
                )
            except EdgeReached as edge:
                params = dict(edge.params)
            else:
                if not result.success:
                    raise ConvergenceError(f"Nelder-Mead: {result.message}")
                params = dict(zip(names, np.exp(result.x), strict=True))
            for key in self.time_scale_parameters:
                params[key] /= scale
            return {k: float(v) for k, v in params.items()}

        return run

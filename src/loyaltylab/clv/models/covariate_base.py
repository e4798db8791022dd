"""Static covariates for the transaction models, in CLVTools' parametrisation.

A covariate family (:class:`CovariateTransactionModel`) takes a plain family's closed forms and
gives every customer its own parameters from a linear index of its covariates x_i:

* purchase process (both families): α_i = α · exp(−γ_purchase · x_i), so a positive coefficient
  means a higher purchase rate (the mean rate is r / α_i);
* dropout process: Pareto/NBD β_i = β · exp(−γ_dropout · x_i) (positive: faster attrition, the
  mean dropout rate is s / β_i); BG/NBD a_i = a · exp(γ_dropout · x_i) and
  b_i = b · exp(γ_dropout · x_i), one coefficient on both (CLVTools' ``bgnbd`` with static
  covariates): the mean dropout probability a / (a + b) is unchanged and a positive coefficient
  makes the dropout probabilities of the group more alike (less heterogeneous).

The fit is maximum likelihood over (log r, log α, log s|a, log β|b, γ_purchase, γ_dropout),
started at the plain model's estimates with γ = 0, on customers compressed on (frequency,
recency, T, covariates) (identical rows weighted), with time rescaled so the largest T is 10 as
lifetimes does. Standard errors come from the numeric Hessian of the summed log-likelihood.
Without covariate columns the result is the plain fit itself (same parameters and
log-likelihood); a constant column is refused (its effect is not identified).

References: Fader & Hardie (2007), "Incorporating time-invariant covariates into the Pareto/NBD
and BG/NBD models" (note 019); CLVTools (Bachmann, Meierer & Näf), ``pnbd()`` / ``bgnbd()``
with ``SetStaticCovariates``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from loyaltylab.clv.covariates import CustomerCovariates, covariate_matrix
from loyaltylab.clv.fitting import (
    DEFAULT_FIT_TIMEOUT_SECONDS,
    TransactionModelFit,
    central_gradient,
    check_deadline,
    compress_customers,
    fit_deadline,
    numeric_hessian,
    run_quietly,
    validate_summary,
)
from loyaltylab.clv.results import SpendModelFit
from loyaltylab.errors import DataValidationError, ModelConvergenceError, ParameterError
from loyaltylab.rules import TIME_UNIT_DAYS

if TYPE_CHECKING:
    from loyaltylab.clv.predictions import CLVResult

__all__ = ["CovariateModelFit", "CovariateTransactionModel", "IndividualParameters"]

IndividualParameters = list[np.ndarray]
"""Per-customer parameters in the plain family's order, each an array of one value a customer."""

_GRADIENT_TOLERANCE = 1e-3
_TIME_COLUMNS = ("frequency", "recency", "T")


@dataclass(frozen=True)
class CovariateModelFit:
    """A BG/NBD or Pareto/NBD fit with static covariates (CLVTools' parametrisation).

    Attributes
    ----------
    model : str
        Covariate family name (``"pareto_nbd_covariates"``, ``"bgnbd_covariates"``).
    base_model : str
        The plain family (``"pareto_nbd"``, ``"bgnbd"``).
    params : dict of str to float
        Population parameters with the plain family's names (α, β are α_0, β_0: the values of a
        customer whose covariates are all 0), in the time unit of the summary.
    purchase_coefficients, dropout_coefficients : dict of str to float
        γ_purchase and γ_dropout by covariate column.
    log_likelihood : float
        Summed log-likelihood at the estimates.
    covariance : pandas.DataFrame
        Covariance of (log_r, log_alpha, ..., ``purchase.<column>``, ``dropout.<column>``).
    n_customers, n_unique_rows : int
        Customers fitted; distinct (frequency, recency, T, covariates) rows.
    time_unit : str
        Unit of recency and T.
    plain_fit : TransactionModelFit
        The plain model on the same customers (the start and the likelihood-ratio reference).
    """

    model: str
    base_model: str
    params: dict[str, float]
    purchase_coefficients: dict[str, float]
    dropout_coefficients: dict[str, float]
    log_likelihood: float
    covariance: pd.DataFrame
    n_customers: int
    n_unique_rows: int
    time_unit: str
    plain_fit: TransactionModelFit = field(repr=False)

    @property
    def covariate_model(self) -> CovariateTransactionModel:
        """The registered covariate family of this fit."""
        from loyaltylab.clv.models import get_covariate_model

        return get_covariate_model(self.model)

    @property
    def standard_errors(self) -> dict[str, float]:
        """Standard errors by covariance label (log-parameters and coefficients)."""
        diagonal = np.diag(self.covariance.to_numpy())
        with np.errstate(invalid="ignore"):
            values = np.sqrt(np.where(diagonal >= 0, diagonal, np.nan))
        return dict(zip(self.covariance.index, map(float, values), strict=True))

    @property
    def likelihood_ratio(self) -> float:
        """2 (LL - LL of the plain model): chi-square with one degree a coefficient under H0."""
        return 2.0 * (self.log_likelihood - self.plain_fit.log_likelihood)

    def coefficients(self) -> pd.DataFrame:
        """Return one row per coefficient: process, column, estimate, std_error, z, 95 % interval.

        A coefficient multiplies the covariate inside exp(·); for the purchase process
        exp(γ) is the factor on the mean purchase rate per unit of the covariate.
        """
        errors = self.standard_errors
        rows = []
        for process, values in (
            ("purchase", self.purchase_coefficients),
            ("dropout", self.dropout_coefficients),
        ):
            for column, estimate in values.items():
                se = errors[f"{process}.{column}"]
                rows.append(
                    {
                        "process": process,
                        "covariate": column,
                        "estimate": estimate,
                        "std_error": se,
                        "z": estimate / se if se and math.isfinite(se) else float("nan"),
                        "ci_lower": estimate - 1.96 * se,
                        "ci_upper": estimate + 1.96 * se,
                    }
                )
        columns = ["process", "covariate", "estimate", "std_error", "z", "ci_lower", "ci_upper"]
        return pd.DataFrame(rows, columns=columns)

    def summary(self) -> pd.DataFrame:
        """Return the population parameters then the coefficients, one row each.

        Columns: parameter, estimate, std_error (delta method for the positive parameters, on
        the log scale so intervals stay positive; direct for the coefficients).
        """
        errors = self.standard_errors
        rows = [
            {
                "parameter": name,
                "estimate": value,
                "std_error": value * errors[f"log_{name}"],
            }
            for name, value in self.params.items()
        ]
        rows += [
            {
                "parameter": f"{row.process}.{row.covariate}",
                "estimate": row.estimate,
                "std_error": row.std_error,
            }
            for row in self.coefficients().itertuples()
        ]
        frame = pd.DataFrame(rows, columns=["parameter", "estimate", "std_error"])
        frame.attrs["log_likelihood"] = self.log_likelihood
        frame.attrs["likelihood_ratio"] = self.likelihood_ratio
        return frame

    def metrics(self) -> dict[str, float]:
        """Flat metrics ``covariates.<process>.<column>.estimate`` / ``.se`` of this fit."""
        result: dict[str, float] = {}
        errors = self.standard_errors
        for process, values in (
            ("purchase", self.purchase_coefficients),
            ("dropout", self.dropout_coefficients),
        ):
            for column, estimate in values.items():
                result[f"covariates.{process}.{column}.estimate"] = float(estimate)
                result[f"covariates.{process}.{column}.se"] = errors[f"{process}.{column}"]
        return result

    # ------------------------------------------------------------------ predictions

    def individual_parameters(
        self, summary: pd.DataFrame, covariates: pd.DataFrame | CustomerCovariates
    ) -> pd.DataFrame:
        """Each customer's own parameters (one row per summary row, the family's names)."""
        family = self.covariate_model
        values = family.individual_parameters(self, self._design(summary, covariates))
        return pd.DataFrame(
            {
                name: np.broadcast_to(v, len(summary))
                for name, v in zip(family.parameter_names, values, strict=True)
            },
            index=summary.index,
        )

    def _design(
        self, summary: pd.DataFrame, covariates: pd.DataFrame | CustomerCovariates
    ) -> tuple[np.ndarray, np.ndarray]:
        purchase = covariate_matrix(summary, covariates, list(self.purchase_coefficients))
        dropout = covariate_matrix(summary, covariates, list(self.dropout_coefficients))
        return purchase, dropout

    def probability_alive(
        self, summary: pd.DataFrame, covariates: pd.DataFrame | CustomerCovariates
    ) -> pd.Series:
        """P(alive | x, t_x, T) with each customer's own parameters."""
        validate_summary(summary)
        family = self.covariate_model
        individual = family.individual_parameters(self, self._design(summary, covariates))
        x, t_x, age = (summary[c].to_numpy(dtype=float) for c in _TIME_COLUMNS)
        with np.errstate(all="ignore"):
            alive = family.probability_alive(individual, x, t_x, age)
        return pd.Series(alive, index=summary.index, name="probability_alive")

    def expected_purchases(
        self,
        summary: pd.DataFrame,
        covariates: pd.DataFrame | CustomerCovariates,
        t: float,
    ) -> pd.Series:
        """E[Y(t) | x, t_x, T] with each customer's own parameters (t in the fit's unit)."""
        validate_summary(summary)
        family = self.covariate_model
        individual = family.individual_parameters(self, self._design(summary, covariates))
        x, t_x, age = (summary[c].to_numpy(dtype=float) for c in _TIME_COLUMNS)
        with np.errstate(all="ignore"):
            values = family.expected_purchases(individual, float(t), x, t_x, age)
        return pd.Series(values, index=summary.index, name="expected_purchases")

    def customer_lifetime_value(
        self,
        spend_fit: SpendModelFit,
        summary: pd.DataFrame,
        covariates: pd.DataFrame | CustomerCovariates,
        *,
        horizon: float = 52.0,
        discount_rate: float = 0.10,
        step: float = 1.0,
    ) -> CLVResult:
        """Return the discounted CLV with each customer's own parameters.

        Computed as :func:`loyaltylab.clv.customer_lifetime_value` does for a plain fit:
        Σ_k (E[Y(t_k)] − E[Y(t_{k−1})]) (1 + d) ** (−t_k / units per year) × expected spend.
        """
        # imported here: predictions look models up in the registry built on this module
        from loyaltylab.clv.predictions import CLVResult, clv_tiers, expected_spend

        for name, value in (("horizon", horizon), ("discount_rate", discount_rate)):
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ParameterError(f"parameter {name!r} must be a finite number >= 0")
        if not isinstance(step, int | float) or not step > 0:
            raise ParameterError(f"parameter 'step' must be a number > 0, got {step!r}")
        validate_summary(summary, require_monetary=True)
        family = self.covariate_model
        individual = family.individual_parameters(self, self._design(summary, covariates))
        x, t_x, age = (summary[c].to_numpy(dtype=float) for c in _TIME_COLUMNS)
        units_per_year = 365.25 / TIME_UNIT_DAYS[self.time_unit]
        n_steps = max(1, math.ceil(horizon / step - 1e-9)) if horizon > 0 else 0
        times = np.minimum(np.arange(1, n_steps + 1) * step, horizon)
        with np.errstate(all="ignore"):
            alive = family.probability_alive(individual, x, t_x, age)
            discounted = np.zeros(len(summary))
            previous = np.zeros(len(summary))
            for t_k in times:
                current = family.expected_if_alive(individual, float(t_k), x, age) * alive
                discounted += (current - previous) * (1.0 + discount_rate) ** (
                    -t_k / units_per_year
                )
                previous = current
            purchases = family.expected_if_alive(individual, float(horizon), x, age) * alive
        spend = expected_spend(spend_fit, summary).to_numpy()
        frame = pd.DataFrame(index=summary.index)
        if "customer_id" in summary.columns:
            frame["customer_id"] = summary["customer_id"]
        for column in (*_TIME_COLUMNS, "monetary_value"):
            frame[column] = summary[column].to_numpy(dtype=float)
        frame["probability_alive"] = alive
        frame["expected_purchases"] = purchases if horizon > 0 else 0.0
        frame["expected_spend"] = spend
        frame["clv"] = discounted * spend
        frame["clv_tier"] = clv_tiers(frame["clv"]).values
        return CLVResult(
            per_customer=frame.reset_index(drop=True),
            model=self.base_model,
            horizon=float(horizon),
            discount_rate=float(discount_rate),
            time_unit=self.time_unit,
            step=float(step),
        )


class CovariateTransactionModel(ABC):
    """A plain family with per-customer parameters from static covariates (module docstring).

    Subclasses give the per-customer link (:meth:`individual_parameters`) and the plain
    family's per-customer log-likelihood and closed forms with array parameters.
    """

    name: ClassVar[str]
    base_model: ClassVar[str]
    label: ClassVar[str]
    parameter_names: ClassVar[tuple[str, ...]]
    time_scale_parameters: ClassVar[tuple[str, ...]]
    dropout_link: ClassVar[str]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @abstractmethod
    def link(
        self,
        params: Sequence[float],
        purchase_index: np.ndarray,
        dropout_index: np.ndarray,
    ) -> IndividualParameters:
        """Per-customer parameters from population ones and the indices γ·x of each process."""

    def individual_parameters(
        self, fit: CovariateModelFit, design: tuple[np.ndarray, np.ndarray]
    ) -> IndividualParameters:
        """Per-customer parameters of ``fit`` for design matrices (purchase, dropout)."""
        purchase, dropout = design
        gamma_p = np.array(list(fit.purchase_coefficients.values()), dtype=float)
        gamma_d = np.array(list(fit.dropout_coefficients.values()), dtype=float)
        params = [fit.params[k] for k in self.parameter_names]
        return self.link(params, purchase @ gamma_p, dropout @ gamma_d)

    @abstractmethod
    def row_log_likelihood(
        self, individual: IndividualParameters, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """Log-likelihood of each customer under its own parameters."""

    @abstractmethod
    def probability_alive(
        self, individual: IndividualParameters, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """P(alive | x, t_x, T) of each customer."""

    @abstractmethod
    def expected_if_alive(
        self, individual: IndividualParameters, t: float, x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """E[Y(t) | x, T, alive] of each customer."""

    def expected_purchases(
        self,
        individual: IndividualParameters,
        t: float,
        x: np.ndarray,
        t_x: np.ndarray,
        T: np.ndarray,
    ) -> np.ndarray:
        """E[Y(t) | x, t_x, T] = E[Y(t) | x, T, alive] × P(alive)."""
        return np.asarray(
            self.expected_if_alive(individual, t, x, T)
            * self.probability_alive(individual, x, t_x, T)
        )

    # ------------------------------------------------------------------ likelihood

    def log_likelihood(
        self,
        summary: pd.DataFrame,
        covariates: pd.DataFrame | CustomerCovariates,
        params: dict[str, float],
        purchase_coefficients: dict[str, float],
        dropout_coefficients: dict[str, float],
    ) -> float:
        """Return the summed log-likelihood of ``summary`` at given parameters and coefficients."""
        purchase = covariate_matrix(summary, covariates, list(purchase_coefficients))
        dropout = covariate_matrix(summary, covariates, list(dropout_coefficients))
        individual = self.link(
            [params[k] for k in self.parameter_names],
            purchase @ np.array(list(purchase_coefficients.values()), dtype=float),
            dropout @ np.array(list(dropout_coefficients.values()), dtype=float),
        )
        x, t_x, age = (summary[c].to_numpy(dtype=float) for c in _TIME_COLUMNS)
        with np.errstate(all="ignore"):
            return float(self.row_log_likelihood(individual, x, t_x, age).sum())

    # ------------------------------------------------------------------ fitting

    def fit(
        self,
        summary: pd.DataFrame,
        covariates: pd.DataFrame | CustomerCovariates | None = None,
        *,
        purchase_covariates: Sequence[str] = (),
        dropout_covariates: Sequence[str] = (),
        time_unit: str = "W",
        timeout_seconds: float | None = DEFAULT_FIT_TIMEOUT_SECONDS,
    ) -> CovariateModelFit:
        """Fit the family with covariates (see :func:`loyaltylab.clv.fit_covariate_model`)."""
        from loyaltylab.clv.models import get_transaction_model

        purchase_names = _names(purchase_covariates, "purchase_covariates")
        dropout_names = _names(dropout_covariates, "dropout_covariates")
        if (purchase_names or dropout_names) and covariates is None:
            raise ParameterError(
                "parameter 'covariates' is required when 'purchase_covariates' or "
                "'dropout_covariates' name columns"
            )
        validate_summary(summary)
        purchase = np.zeros((len(summary), 0))
        dropout = np.zeros((len(summary), 0))
        if covariates is not None:
            purchase = covariate_matrix(summary, covariates, purchase_names)
            dropout = covariate_matrix(summary, covariates, dropout_names)
        for names, matrix, option in (
            (purchase_names, purchase, "purchase_covariates"),
            (dropout_names, dropout, "dropout_covariates"),
        ):
            _check_identified(names, matrix, option)
        with fit_deadline(timeout_seconds):
            plain = get_transaction_model(self.base_model).fit(
                summary, time_unit=time_unit, timeout_seconds=timeout_seconds
            )
            if not purchase_names and not dropout_names:
                return self._from_plain(plain)
            if plain.boundary is not None:
                raise ModelConvergenceError(
                    f"{self.label} with covariates: the plain {plain.transaction_model.label} "
                    f"detects no dropout in this window ({plain.boundary.parameter}), so the "
                    f"covariate effects cannot be estimated around it; fit the plain model "
                    f"(no 'purchase_covariates' / 'dropout_covariates') or use a longer "
                    f"calibration period"
                )
            return self._fit_covariates(
                summary, plain, purchase, dropout, purchase_names, dropout_names, time_unit
            )

    def _from_plain(self, plain: TransactionModelFit) -> CovariateModelFit:
        return CovariateModelFit(
            model=self.name,
            base_model=self.base_model,
            params=dict(plain.params),
            purchase_coefficients={},
            dropout_coefficients={},
            log_likelihood=plain.log_likelihood,
            covariance=plain.covariance.copy(),
            n_customers=plain.n_customers,
            n_unique_rows=plain.n_unique_rows,
            time_unit=plain.time_unit,
            plain_fit=plain,
        )

    def _fit_covariates(
        self,
        summary: pd.DataFrame,
        plain: TransactionModelFit,
        purchase: np.ndarray,
        dropout: np.ndarray,
        purchase_names: list[str],
        dropout_names: list[str],
        time_unit: str,
    ) -> CovariateModelFit:
        n_p, n_d = purchase.shape[1], dropout.shape[1]
        frame = pd.DataFrame({c: summary[c].to_numpy(dtype=float) for c in _TIME_COLUMNS})
        cov_columns = [f"p{i}" for i in range(n_p)] + [f"d{i}" for i in range(n_d)]
        for i, column in enumerate(cov_columns):
            frame[column] = (purchase if i < n_p else dropout)[:, i if i < n_p else i - n_p]
        rows = compress_customers(frame, [*_TIME_COLUMNS, *cov_columns])
        x, t_x, age = (rows[c].to_numpy(dtype=float) for c in _TIME_COLUMNS)
        weights = rows["weight"].to_numpy(dtype=float)
        p_rows = rows[cov_columns[:n_p]].to_numpy(dtype=float).reshape(len(rows), n_p)
        d_rows = rows[cov_columns[n_p:]].to_numpy(dtype=float).reshape(len(rows), n_d)
        n_base = len(self.parameter_names)
        scaled = [self.parameter_names.index(k) for k in self.time_scale_parameters]
        total = float(weights.sum())

        def loglik(theta: np.ndarray, scale: float) -> float:
            check_deadline()
            params = np.exp(theta[:n_base])
            individual = self.link(
                params, p_rows @ theta[n_base : n_base + n_p], d_rows @ theta[n_base + n_p :]
            )
            with np.errstate(all="ignore"):
                values = self.row_log_likelihood(individual, x, t_x * scale, age * scale)
            result = float((weights * values).sum())
            return result if math.isfinite(result) else -1e300

        scale = 10.0 / age.max() if age.max() > 0 else 1.0
        start_base = np.log([plain.params[k] for k in self.parameter_names])
        start_base[scaled] += math.log(scale)
        start = np.concatenate([start_base, np.zeros(n_p + n_d)])
        result = run_quietly(
            lambda: minimize(
                lambda th: -loglik(th, scale) / total,
                start,
                jac=lambda th: -central_gradient(lambda v: loglik(v, scale), th) / total,
                method="BFGS",
                options={"gtol": 1e-8, "maxiter": 2000},
            )
        )
        theta = np.asarray(result.x, dtype=float)
        theta[scaled] -= math.log(scale)

        def unscaled(v: np.ndarray) -> float:
            return loglik(v, 1.0)

        value = unscaled(theta)
        gradient = central_gradient(unscaled, theta) / total
        hessian = numeric_hessian(unscaled, theta)
        labels = (
            [f"log_{k}" for k in self.parameter_names]
            + [f"purchase.{c}" for c in purchase_names]
            + [f"dropout.{c}" for c in dropout_names]
        )
        problem = ""
        if not (math.isfinite(value) and value > -1e299):
            problem = "the likelihood is not finite at the optimum"
        elif np.max(np.abs(gradient)) > _GRADIENT_TOLERANCE:
            problem = (
                f"the optimiser stopped with gradient {np.max(np.abs(gradient)):.2g} per customer "
                f"({result.message})"
            )
        else:
            eigenvalues = np.linalg.eigvalsh(hessian)
            if not np.all(eigenvalues < 0):
                problem = (
                    "the Hessian is not negative definite (a covariate may be collinear with "
                    "another or carry too little variation to identify its effect)"
                )
        if problem:
            raise ModelConvergenceError(
                f"{self.label} with covariates did not converge: {problem}; "
                f"{len(summary):,} customers, purchase covariates {purchase_names}, dropout "
                f"covariates {dropout_names}. Drop or rescale a covariate (e.g. standardise a "
                f"continuous one)."
            )
        covariance = np.linalg.inv(-hessian)
        estimates = np.exp(theta[:n_base])
        return CovariateModelFit(
            model=self.name,
            base_model=self.base_model,
            params=dict(zip(self.parameter_names, map(float, estimates), strict=True)),
            purchase_coefficients=dict(
                zip(purchase_names, map(float, theta[n_base : n_base + n_p]), strict=True)
            ),
            dropout_coefficients=dict(
                zip(dropout_names, map(float, theta[n_base + n_p :]), strict=True)
            ),
            log_likelihood=value,
            covariance=pd.DataFrame(covariance, index=labels, columns=labels),
            n_customers=int(total),
            n_unique_rows=len(rows),
            time_unit=time_unit,
            plain_fit=plain,
        )


def _names(columns: Sequence[str], option: str) -> list[str]:
    if isinstance(columns, str):
        columns = [columns]
    names = list(columns)
    if not all(isinstance(c, str) and c for c in names):
        raise ParameterError(f"parameter {option!r} must be a list of column names, got {names!r}")
    duplicated = sorted({c for c in names if names.count(c) > 1})
    if duplicated:
        raise ParameterError(f"parameter {option!r} names {duplicated} more than once")
    return names


def _check_identified(names: list[str], matrix: np.ndarray, option: str) -> None:
    """Refuse a constant covariate column (its effect is the intercept's: not identified)."""
    if matrix.shape[1] == 0:
        return
    constant = [n for n, column in zip(names, matrix.T, strict=True) if np.ptp(column) == 0]
    if constant:
        values = [float(matrix[0, names.index(n)]) for n in constant]
        raise DataValidationError(
            f"{option}: column(s) {constant} take one value for all {len(matrix):,} customers "
            f"(values {values}), so their effect cannot be told from the model's own "
            f"parameters; remove them from {option!r}"
        )

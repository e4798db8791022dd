"""Notebook 02_clv: its typed parameters, the report's metrics and the per-customer CLV table.

The notebook's ``remove-cell`` after the ``parameters`` cell calls
``params = CLVParameters.from_namespace(globals())``; the analysis itself is :mod:`loyaltylab.clv`
(:func:`~loyaltylab.clv.evaluate_models`, :func:`~loyaltylab.clv.customer_lifetime_value`,
:func:`~loyaltylab.clv.clv_intervals`). :func:`to_metrics` collects the key numbers the metrics
file, the scorecard and the metrics catalog read; :func:`clv_table` is the table the report saves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import pandas as pd
from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from loyaltylab.clv import (
    COVARIATE_MODELS,
    TRANSACTION_MODELS,
    CLVIntervals,
    CLVResult,
    CovariateModelFit,
    CustomerCovariates,
    ModelComparison,
    NewCustomerValue,
    RetentionFit,
    SpendModelFit,
    TransactionModelFit,
    fit_covariate_model,
    load_customer_covariates,
)
from loyaltylab.errors import LoyaltyLabError
from loyaltylab.reports.notebooks.clv_sections import (
    comparison_metrics,
    new_customer_metrics,
    retention_metrics,
)
from loyaltylab.reports.notebooks.loading import (
    UNIT_NAMES,
    Count,
    Number,
    TimeUnit,
    TransactionParameters,
)
from loyaltylab.reports.notebooks.parameters import Day, NameList, read_names

__all__ = ["CLVParameters", "clv_table", "to_metrics"]

CountList = Annotated[list[Annotated[Count, Field(ge=0)]], BeforeValidator(read_names)]
"""Whole numbers >= 0; also ``"1000, 631, 468"`` or ``"[1000, 631]"`` from papermill."""


def _registered_models(names: list[str]) -> list[str]:
    """Return the names in their registered spelling; refuse unknown names and an empty list."""
    registered = {name.lower(): name for name in TRANSACTION_MODELS}
    unknown = [name for name in names if name.lower() not in registered]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; registered: {list(TRANSACTION_MODELS)}")
    if not names:
        raise ValueError(f"name at least one transaction model of {list(TRANSACTION_MODELS)}")
    return [registered[name.lower()] for name in names]


ModelNames = Annotated[NameList, AfterValidator(_registered_models)]
"""Names of :data:`loyaltylab.clv.TRANSACTION_MODELS` (case ignored), at least one."""


class CLVParameters(TransactionParameters):
    """Validated parameters of notebook 02_clv (one field per line of its parameters cell).

    Papermill's strings are read the way each field says (``"26"``, ``"bgnbd,mbgnbd"``, a date);
    ``load`` holds options of :func:`loyaltylab.data.load_transactions`, passed through
    (:data:`~loyaltylab.reports.notebooks.loading.TRANSACTION_LOAD_OPTIONS`) by
    :meth:`~loyaltylab.reports.notebooks.loading.TransactionParameters.load_transactions`.

    Examples
    --------
    >>> params = CLVParameters.from_namespace(
    ...     {"models": "BGNBD, pareto_nbd", "horizon": "26", "time_unit": "w",
    ...      "load": '{"returns": "drop"}', "output_dir": ""})
    >>> params.models, params.horizon, params.time_unit, params.unit_name, params.load
    (['bgnbd', 'pareto_nbd'], 26.0, 'W', 'weeks', {'returns': 'drop'})
    >>> CLVParameters.from_namespace({"n_draws": 5})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ParameterError: notebook 02_clv: parameter n_draws: Input should be ...
    """

    notebook = "02_clv"

    calibration_end: Day = pd.Timestamp("1997-09-30")
    time_unit: TimeUnit = "W"
    models: ModelNames = ["bgnbd", "pareto_nbd", "mbgnbd"]
    horizon: Number = Field(52.0, ge=1)
    discount_rate: Number = Field(0.10, ge=0, le=1)
    n_draws: Count = Field(200, ge=20)
    interval_level: Number = Field(0.90, ge=0.5, le=0.99)
    seed: Count = Field(1, ge=0)
    currency: str = "$"
    covariates: str = ""
    purchase_covariates: NameList = []
    dropout_covariates: NameList = []
    fit_timeout_seconds: Number = Field(60.0, gt=0)
    retention_survivors: CountList = []
    retention_holdout: CountList = []
    retention_value: Number = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _retention_cohort_complete(self) -> CLVParameters:
        if self.retention_holdout and not self.retention_survivors:
            raise ValueError(
                "retention_holdout continues a cohort: set retention_survivors to its survivors "
                "per renewal period (the cohort size first), e.g. [1000, 631, 468]"
            )
        if len(self.retention_survivors) == 1:
            raise ValueError(
                "retention_survivors needs the cohort size and at least one later count, "
                f"got {self.retention_survivors}"
            )
        return self

    @model_validator(mode="after")
    def _covariates_named_with_a_file(self) -> CLVParameters:
        if (self.purchase_covariates or self.dropout_covariates) and not self.covariates.strip():
            raise ValueError(
                "purchase_covariates / dropout_covariates name columns of a covariate file: "
                "set covariates to its path (one row per customer, a customer_id column)"
            )
        return self

    @property
    def unit_name(self) -> str:
        """The time unit in words (``"weeks"``), for the report's sentences."""
        return UNIT_NAMES[self.time_unit]

    @property
    def covariate_columns(self) -> list[str]:
        """Covariate columns of either process, in order, each once."""
        return list(dict.fromkeys([*self.purchase_covariates, *self.dropout_covariates]))

    def load_covariates(self) -> CustomerCovariates | None:
        """Read the ``covariates`` file (None when not set), dummy-coding its text columns.

        The columns read are the source columns of ``purchase_covariates`` and
        ``dropout_covariates`` (``channel[shop]`` reads ``channel``).
        """
        if not self.covariates.strip():
            return None
        sources = list(dict.fromkeys(name.split("[", 1)[0] for name in self.covariate_columns))
        return load_customer_covariates(self.covariates.strip(), columns=sources or None)

    def fit_covariate_models(
        self,
        summary: pd.DataFrame,
        covariates: CustomerCovariates | None,
        *,
        timeout_seconds: float | None = 60.0,
    ) -> dict[str, CovariateModelFit | str]:
        """Fit each chosen model that has a covariate family with the named covariates.

        Returns model name -> fit, or the reason it failed (one failure never stops the rest).
        Empty without covariates.
        """
        if covariates is None or not self.covariate_columns:
            return {}
        fits: dict[str, CovariateModelFit | str] = {}
        for name in self.models:
            if name not in COVARIATE_MODELS:
                continue
            try:
                fits[name] = fit_covariate_model(
                    summary,
                    name,
                    covariates,
                    purchase_covariates=self.purchase_covariates,
                    dropout_covariates=self.dropout_covariates,
                    time_unit=self.time_unit,
                    timeout_seconds=timeout_seconds,
                )
            except LoyaltyLabError as error:
                fits[name] = f"{type(error).__name__}: {error}"
        return fits


def to_metrics(
    comparison: ModelComparison,
    calibration_spend: SpendModelFit,
    final_fit: TransactionModelFit,
    final_spend: SpendModelFit,
    result: CLVResult,
    intervals: CLVIntervals,
    *,
    active_threshold: float = 0.5,
    covariate_fits: Mapping[str, CovariateModelFit | str] | None = None,
    retention: RetentionFit | None = None,
    retention_holdout: Sequence[int] = (),
    retention_discount_rate: float = 0.10,
    retention_value: float = 0.0,
    new_customer: NewCustomerValue | str | None = None,
    fit_timeout_seconds: float | None = None,
    basis: str = "plain",
    plain_total: float | None = None,
) -> dict[str, Any]:
    """Collect the key numbers of a CLV analysis for the metrics file of notebook 02_clv.

    Parameters
    ----------
    comparison : ModelComparison
        From :func:`loyaltylab.clv.evaluate_models` (calibration fits and holdout validation).
    calibration_spend : SpendModelFit
        Gamma-Gamma fitted on the calibration period (comparable with published values).
    final_fit, final_spend : TransactionModelFit, SpendModelFit
        The fits on the full period used for the CLV.
    result : CLVResult
        Per-customer CLV from the final fits.
    intervals : CLVIntervals
        Its intervals.
    active_threshold : float, default 0.5
        A customer counts as "probably active" when P(alive) >= this.
    covariate_fits : mapping, optional
        From :meth:`CLVParameters.fit_covariate_models`: each fitted model's coefficients are
        written as ``models.<name>.covariates.purchase.<column>`` and ``.dropout.<column>``
        (``estimate``, ``se``), a failure as ``models.<name>.covariates.error``.
    retention : RetentionFit, optional
        The sBG fit of ``retention_survivors``: written as ``retention.*`` (γ, δ, their SE,
        DERL at ``retention_discount_rate`` per period, residual value at ``retention_value``
        a period, holdout error against ``retention_holdout``).
    new_customer : NewCustomerValue or str, optional
        :func:`~loyaltylab.reports.notebooks.clv_sections.new_customer` of the final fit:
        ``new_customer.*`` (``status`` "computed", or "n/a" with the ``reason``).
    fit_timeout_seconds : float, optional
        The time limit each fit had (``fit_timeout_seconds``).
    basis : {"plain", "covariates"}, default "plain"
        Which model ``result`` comes from (``clv.basis``,
        :func:`~loyaltylab.reports.notebooks.clv_sections.value_customers`).
    plain_total : float, optional
        Total CLV of the plain fit (``clv.plain_total``; default: ``result``'s total).

    Returns
    -------
    dict
        ``n_customers``, ``default_model``, ``models.<name>.{params, log_likelihood, ...}``,
        ``spend.gamma_gamma.{params, log_likelihood}``, ``holdout.{actual, predicted.<name>}``,
        ``clv.{total, total_low, total_high, ...}``, ``customers.{active_probable, ...}``;
        every compared model's ``status`` (fitted, boundary, failed) with its
        ``boundary_note`` or ``failure_reason``, ``default_model_why``; ``retention.*`` and
        ``new_customer.*`` when given (every key is in the metrics catalog).
    """
    models: dict[str, Any] = comparison_metrics(comparison)
    predicted: dict[str, float] = {}
    tracking: dict[str, float] = {}
    for name, fit in comparison.fits.items():
        validation = comparison.validations[name]
        models[name] |= {
            "params": dict(fit.params),
            "log_likelihood": fit.log_likelihood,
            "holdout_predicted": validation.predicted_total,
            "holdout_error_pct": 100 * validation.relative_error,
            "holdout_correlation": validation.correlation,
            "fit_attempts": len(fit.attempts),
        }
        predicted[name] = validation.predicted_total
        if validation.tracking is not None:
            tracking[name] = float(validation.tracking["predicted"].iloc[-1])
            models[name]["tracking_error_pct"] = 100 * validation.tracking_relative_error
    for name, covariate_fit in (covariate_fits or {}).items():
        entry = models.setdefault(name, {})
        if isinstance(covariate_fit, str):
            entry["covariates"] = {"error": covariate_fit}
            continue
        errors = covariate_fit.standard_errors
        entry["covariates"] = {
            process: {
                column: {"estimate": estimate, "se": errors[f"{process}.{column}"]}
                for column, estimate in coefficients.items()
            }
            for process, coefficients in (
                ("purchase", covariate_fit.purchase_coefficients),
                ("dropout", covariate_fit.dropout_coefficients),
            )
        }
        entry["covariates"]["log_likelihood"] = covariate_fit.log_likelihood
        entry["covariates"]["likelihood_ratio"] = covariate_fit.likelihood_ratio
        entry["covariates"]["error"] = ""  # the same keys whether the fit worked or not
    first = next(iter(comparison.validations.values()))
    holdout: dict[str, Any] = {
        "actual": first.actual_total,
        "predicted": predicted,
        "n_customers": len(first.forecast),
    }
    if first.tracking is not None:
        holdout["tracking_actual_end"] = float(first.tracking["actual"].iloc[-1])
        holdout["tracking_predicted_end"] = tracking
    per_customer = result.per_customer
    clv_values = per_customer["clv"].sort_values(ascending=False)
    total = float(clv_values.sum())

    def top_share(share: float) -> float:
        count = max(1, math.ceil(share * len(clv_values)))
        return float(clv_values.iloc[:count].sum() / total) if total else float("nan")

    active = per_customer["probability_alive"] >= active_threshold
    final: dict[str, Any] = {
        "model": final_fit.model,
        "status": "boundary" if final_fit.boundary is not None else "fitted",
        "params": dict(final_fit.params),
        "log_likelihood": final_fit.log_likelihood,
        "spend_params": dict(final_spend.params),
        "spend_status": final_spend.status,
        "spend_note": final_spend.note,
        "boundary_note": final_fit.boundary.note if final_fit.boundary is not None else "",
    }
    extra: dict[str, Any] = {}
    if fit_timeout_seconds is not None:
        extra["fit_timeout_seconds"] = fit_timeout_seconds
    if retention is not None:
        extra["retention"] = retention_metrics(
            retention, retention_holdout, retention_discount_rate, retention_value
        )
    if new_customer is not None:
        extra["new_customer"] = new_customer_metrics(new_customer)
    return {
        "n_customers": len(per_customer),
        "default_model": comparison.default_model,
        "default_model_rule": comparison.rule,
        "default_model_why": comparison.why,
        "models": models,
        "spend": {
            "gamma_gamma": {
                "params": dict(calibration_spend.params),
                "log_likelihood": calibration_spend.log_likelihood,
                "n_customers": calibration_spend.n_customers,
                "frequency_spend_correlation": calibration_spend.frequency_spend_correlation,
                "status": calibration_spend.status,
                "note": calibration_spend.note,
            }
        },
        "holdout": holdout,
        "final": final,
        "clv": {
            "basis": basis,
            "plain_total": total if plain_total is None else plain_total,
            "total": total,
            "total_low": intervals.total_low,
            "total_high": intervals.total_high,
            "interval_level": intervals.level,
            "n_draws": intervals.n_draws,
            "mean": float(per_customer["clv"].mean()),
            "median": float(per_customer["clv"].median()),
            "top_1pct_share": top_share(0.01),
            "top_10pct_share": top_share(0.10),
            "horizon": result.horizon,
            "time_unit": result.time_unit,
            "discount_rate": result.discount_rate,
            "model": result.model,
        },
        "customers": {
            "active_probable": int(active.sum()),
            "active_probable_share": float(active.mean()),
            "active_threshold": active_threshold,
            "probability_alive_mean": float(per_customer["probability_alive"].mean()),
            "expected_purchases_total": float(per_customer["expected_purchases"].sum()),
        },
        **extra,
    }


def clv_table(result: CLVResult, intervals: CLVIntervals | None = None) -> pd.DataFrame:
    """Return the per-customer CLV table, with the interval columns when given.

    Parameters
    ----------
    result : CLVResult
        Per-customer CLV.
    intervals : CLVIntervals, optional
        Intervals computed for the same customers (same order).

    Returns
    -------
    pandas.DataFrame
        ``result.per_customer`` plus ``clv_low`` and ``clv_high``, sorted by CLV descending.
    """
    table = result.per_customer.copy()
    if intervals is not None:
        table["clv_low"] = intervals.per_customer["clv_low"].to_numpy()
        table["clv_high"] = intervals.per_customer["clv_high"].to_numpy()
    return table.sort_values("clv", ascending=False, kind="stable").reset_index(drop=True)

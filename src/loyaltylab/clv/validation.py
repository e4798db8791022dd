"""Holdout validation of the transaction models and the model-comparison table.

A model fitted on the calibration period is judged on the holdout period in three ways, as in
Fader, Hardie & Lee (2005, *Marketing Science* §7):

* **cumulative tracking** - repeat transactions per period of the whole cohort, model vs actual
  (the model side is the *unconditional* expectation E[X(age)] of every customer, summed);
* **conditional expectations** - each customer's E[Y(holdout length) | calibration history]
  against the purchases they really made, in total (the holdout forecast error) and averaged by
  calibration frequency 0, 1, ..., 7+;
* the log-likelihood of the calibration fit (summed over customers).

:func:`compare_models` picks the default model with a stated rule (see its docstring).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.clv.fitting import TransactionModelFit
from loyaltylab.clv.models import (
    MODEL_LABELS,
    PARAMETER_NAMES,
    TRANSACTION_MODELS,
    fit_transaction_model,
)
from loyaltylab.clv.predictions import conditional_expected, expected_purchases_new_customer
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import TIME_UNIT_DAYS

__all__ = [
    "HoldoutValidation",
    "ModelComparison",
    "holdout_forecast",
    "conditional_expectation_by_frequency",
    "cumulative_tracking",
    "validate_holdout",
    "compare_models",
    "calibration_summary",
    "evaluate_models",
]

_SPLIT_COLUMNS = ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout")


def _split_frame(split: Any) -> pd.DataFrame:
    frame = getattr(split, "frame", split)
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            "split must be a CalibrationHoldout (loyaltylab.customers.split_calibration_holdout) "
            f"or its .frame, got {type(split).__name__}"
        )
    missing = [c for c in _SPLIT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"calibration/holdout frame lacks column(s) {missing}; it has {list(frame.columns)}"
        )
    return frame


def holdout_forecast(fit: TransactionModelFit, split: Any) -> pd.DataFrame:
    """Each customer's conditional forecast over the holdout next to the actual purchases.

    Parameters
    ----------
    fit : TransactionModelFit
        Model fitted on the calibration period.
    split : CalibrationHoldout or pandas.DataFrame
        Columns ``frequency_cal``, ``recency_cal``, ``T_cal``, ``frequency_holdout``,
        ``duration_holdout`` (holdout length in the fit's time unit).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (if present), ``frequency_cal``, ``actual`` (repeat purchases in the
        holdout) and ``predicted`` (E[Y(duration_holdout) | calibration history]).
    """
    frame = _split_frame(split)
    with np.errstate(all="ignore"):
        predicted = conditional_expected(
            fit.model,
            list(fit.params.values()),
            frame["duration_holdout"].to_numpy(dtype=float),
            frame["frequency_cal"].to_numpy(dtype=float),
            frame["recency_cal"].to_numpy(dtype=float),
            frame["T_cal"].to_numpy(dtype=float),
        )
    result = pd.DataFrame(
        {
            "frequency_cal": frame["frequency_cal"].to_numpy(dtype=int),
            "actual": frame["frequency_holdout"].to_numpy(dtype=float),
            "predicted": predicted,
        }
    )
    if "customer_id" in frame.columns:
        result.insert(0, "customer_id", frame["customer_id"].to_numpy())
    return result


def conditional_expectation_by_frequency(
    forecast: pd.DataFrame, max_frequency: int = 7
) -> pd.DataFrame:
    """Average actual vs predicted holdout purchases by calibration frequency 0, 1, ..., 7+.

    Parameters
    ----------
    forecast : pandas.DataFrame
        Output of :func:`holdout_forecast`.
    max_frequency : int, default 7
        Frequencies >= this are pooled into one ``"7+"`` group.

    Returns
    -------
    pandas.DataFrame
        ``frequency_cal`` (label), ``n_customers``, ``actual_mean``, ``predicted_mean``.
    """
    capped = np.minimum(forecast["frequency_cal"].to_numpy(), max_frequency)
    table = (
        forecast.assign(bin=capped)
        .groupby("bin")
        .agg(
            n_customers=("actual", "size"),
            actual_mean=("actual", "mean"),
            predicted_mean=("predicted", "mean"),
        )
        .reset_index()
    )
    table["frequency_cal"] = [
        f"{b}+" if b == max_frequency else str(b) for b in table["bin"].to_numpy()
    ]
    return table[["frequency_cal", "n_customers", "actual_mean", "predicted_mean"]]


def cumulative_tracking(
    fit: TransactionModelFit,
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any,
    time_unit: str | None = None,
) -> pd.DataFrame:
    """Cumulative repeat transactions per period of the calibration cohort: model vs actual.

    The cohort is every customer whose first purchase is on or before ``calibration_end``.
    Periods start at the cohort's first purchase day and last one time unit; period k covers the
    days in [start + (k-1)·unit, start + k·unit). A repeat transaction is a purchase day after
    the customer's first (same-day purchases merged). The model side of period k is
    Σ_customers E[X((start + k·unit - first purchase) / unit)], the unconditional expectation of
    each customer's repeat purchases up to the end of the period (lifetimes'
    ``expected_cumulative_transactions`` with ``freq="D", freq_multiplier=7`` for weeks).

    Parameters
    ----------
    fit : TransactionModelFit
        Model fitted on the calibration period.
    transactions : pandas.DataFrame
        Canonical transactions (``customer_id``, ``timestamp``) covering calibration and holdout.
    calibration_end, observation_end : date-like
        Last day of the calibration and of the holdout period (inclusive).
    time_unit : {"W", "D", "M"}, optional
        Period length; defaults to the fit's time unit.

    Returns
    -------
    pandas.DataFrame
        ``period`` (1, 2, ...), ``period_end`` (last day of the period), ``actual``,
        ``predicted`` (cumulative), ``actual_incremental``, ``predicted_incremental``,
        ``holdout`` (True for periods ending after ``calibration_end``).
    """
    unit = time_unit or fit.time_unit
    if unit not in TIME_UNIT_DAYS:
        raise ParameterError(f"parameter 'time_unit' must be one of {list(TIME_UNIT_DAYS)}")
    missing = [c for c in ("customer_id", "timestamp") if c not in transactions.columns]
    if missing:
        raise DataValidationError(f"transactions lack column(s) {missing}")
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = pd.Timestamp(observation_end).normalize()
    if obs_end <= cal_end:
        raise ParameterError(
            f"observation_end ({obs_end.date()}) must be after calibration_end ({cal_end.date()})"
        )
    days = pd.DataFrame(
        {
            "customer_id": transactions["customer_id"].to_numpy(),
            "day": pd.to_datetime(transactions["timestamp"]).dt.normalize().to_numpy(),
        }
    ).drop_duplicates()
    days = days[days["day"] <= obs_end]
    first = days.groupby("customer_id")["day"].transform("min")
    cohort = first <= cal_end
    if not cohort.any():
        raise DataValidationError(f"no customer made a first purchase by {cal_end.date()}")
    first_days = days.loc[cohort].groupby("customer_id")["day"].min()
    repeat_days = np.sort(days.loc[cohort & (days["day"] > first), "day"].to_numpy())
    start = first_days.min()
    unit_span = pd.Timedelta(days=TIME_UNIT_DAYS[unit])
    n_periods = math.ceil(((obs_end + pd.Timedelta(days=1)) - start) / unit_span - 1e-9)
    period_ends = [start + k * unit_span for k in range(1, n_periods + 1)]
    period_ends[-1] = min(period_ends[-1], obs_end + pd.Timedelta(days=1))
    ends = pd.DatetimeIndex(period_ends)
    cohort_sizes = first_days.value_counts()
    first_values = pd.DatetimeIndex(cohort_sizes.index)
    counts = cohort_sizes.to_numpy(dtype=float)
    predicted = []
    for end in ends:
        ages = np.asarray((end - first_values) / unit_span, dtype=float)
        mask = ages > 0
        predicted.append(
            float((expected_purchases_new_customer(fit, ages[mask]) * counts[mask]).sum())
        )
    actual = np.searchsorted(repeat_days, ends.to_numpy(dtype="datetime64[ns]"), side="left")
    table = pd.DataFrame(
        {
            "period": np.arange(1, n_periods + 1),
            "period_end": ends - pd.Timedelta(days=1),
            "actual": actual.astype(float),
            "predicted": predicted,
        }
    )
    table["period_end"] = table["period_end"].dt.normalize()
    table["actual_incremental"] = table["actual"].diff().fillna(table["actual"])
    table["predicted_incremental"] = table["predicted"].diff().fillna(table["predicted"])
    table["holdout"] = table["period_end"] > cal_end
    return table


@dataclass(frozen=True)
class HoldoutValidation:
    """How a calibration fit forecast the holdout period.

    Attributes
    ----------
    model : str
        Transaction model.
    log_likelihood : float
        Summed calibration log-likelihood.
    forecast : pandas.DataFrame
        Per customer: actual and predicted holdout purchases (:func:`holdout_forecast`).
    by_frequency : pandas.DataFrame
        :func:`conditional_expectation_by_frequency`.
    tracking : pandas.DataFrame or None
        :func:`cumulative_tracking` (None without transactions).
    """

    model: str
    log_likelihood: float
    forecast: pd.DataFrame
    by_frequency: pd.DataFrame
    tracking: pd.DataFrame | None

    @property
    def actual_total(self) -> float:
        """Repeat transactions in the holdout (sum over customers)."""
        return float(self.forecast["actual"].sum())

    @property
    def predicted_total(self) -> float:
        """Sum of the customers' conditional expected transactions over the holdout."""
        return float(self.forecast["predicted"].sum())

    @property
    def relative_error(self) -> float:
        """(predicted - actual) / actual of the holdout total."""
        actual = self.actual_total
        return (self.predicted_total - actual) / actual if actual else float("nan")

    @property
    def correlation(self) -> float:
        """Pearson correlation of predicted and actual holdout purchases across customers."""
        return float(np.corrcoef(self.forecast["predicted"], self.forecast["actual"])[0, 1])

    @property
    def tracking_relative_error(self) -> float:
        """Relative error of the cumulative tracking forecast at the end of the holdout."""
        if self.tracking is None or self.tracking.empty:
            return float("nan")
        last = self.tracking.iloc[-1]
        return float((last["predicted"] - last["actual"]) / last["actual"])

    def summary(self) -> pd.DataFrame:
        """Return one row: log-likelihood, holdout totals, errors and correlation."""
        row = {
            "model": MODEL_LABELS[self.model],
            "log_likelihood": self.log_likelihood,
            "holdout_actual": self.actual_total,
            "holdout_predicted": self.predicted_total,
            "holdout_error_pct": 100 * self.relative_error,
            "correlation": self.correlation,
        }
        if self.tracking is not None:
            row["tracking_actual_end"] = float(self.tracking["actual"].iloc[-1])
            row["tracking_predicted_end"] = float(self.tracking["predicted"].iloc[-1])
            row["tracking_error_pct"] = 100 * self.tracking_relative_error
        return pd.DataFrame([row])


def validate_holdout(
    fit: TransactionModelFit,
    split: Any,
    transactions: pd.DataFrame | None = None,
    *,
    calibration_end: Any = None,
    observation_end: Any = None,
    max_frequency: int = 7,
) -> HoldoutValidation:
    """Validate a calibration fit on the holdout period.

    Parameters
    ----------
    fit : TransactionModelFit
        Model fitted on the calibration summary (``split.frame`` calibration columns).
    split : CalibrationHoldout or pandas.DataFrame
        From :func:`loyaltylab.customers.split_calibration_holdout`.
    transactions : pandas.DataFrame, optional
        Canonical transactions; needed for the cumulative tracking.
    calibration_end, observation_end : date-like, optional
        Default to ``split.calibration_end`` / ``split.observation_end``.
    max_frequency : int, default 7
        Pooling threshold of the by-frequency table.

    Returns
    -------
    HoldoutValidation
    """
    forecast = holdout_forecast(fit, split)
    tracking = None
    if transactions is not None:
        cal_end = calibration_end if calibration_end is not None else split.calibration_end
        obs_end = observation_end if observation_end is not None else split.observation_end
        tracking = cumulative_tracking(
            fit, transactions, calibration_end=cal_end, observation_end=obs_end
        )
    return HoldoutValidation(
        model=fit.model,
        log_likelihood=fit.log_likelihood,
        forecast=forecast,
        by_frequency=conditional_expectation_by_frequency(forecast, max_frequency),
        tracking=tracking,
    )


@dataclass(frozen=True)
class ModelComparison:
    """Model comparison table and the chosen default model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model: parameters, log-likelihood, holdout totals and errors, ``default``.
    default_model : str
        The model chosen by ``rule``.
    rule : str
        The selection rule in words.
    fits : dict of str to TransactionModelFit
        The calibration fits compared (empty if not given).
    validations : dict of str to HoldoutValidation
        Their holdout validations (empty if not given).
    """

    table: pd.DataFrame
    default_model: str
    rule: str
    fits: dict[str, TransactionModelFit] = field(default_factory=dict)
    validations: dict[str, HoldoutValidation] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Return the comparison table."""
        return self.table.copy()


def compare_models(
    fits: Mapping[str, TransactionModelFit] | Sequence[TransactionModelFit],
    validations: Mapping[str, HoldoutValidation] | Sequence[HoldoutValidation],
    *,
    tie_margin: float = 0.01,
) -> ModelComparison:
    """Compare transaction models on fit and holdout forecast; choose the default model.

    Rule: the model whose holdout forecast (sum of conditional expectations, the quantity CLV is
    built on) has the smallest absolute relative error wins; models within ``tie_margin``
    (1 percentage point) of that error count as equally good, and among them the one with the
    highest calibration log-likelihood is chosen (all three models have four parameters, so
    this equals the lowest AIC/BIC).

    Parameters
    ----------
    fits : mapping or sequence of TransactionModelFit
        Calibration fits.
    validations : mapping or sequence of HoldoutValidation
        Their holdout validations (same models).
    tie_margin : float, default 0.01
        Margin of absolute relative error treated as a tie.

    Returns
    -------
    ModelComparison
    """
    fit_list = list(fits.values()) if isinstance(fits, Mapping) else list(fits)
    val_list = list(validations.values()) if isinstance(validations, Mapping) else list(validations)
    if not fit_list:
        raise ParameterError("compare_models needs at least one fitted model")
    by_model = {v.model: v for v in val_list}
    missing = [f.model for f in fit_list if f.model not in by_model]
    if missing:
        raise ParameterError(f"compare_models: no holdout validation for model(s) {missing}")
    rows = []
    for fit in fit_list:
        validation = by_model[fit.model]
        row: dict[str, Any] = {"model": fit.model, "label": MODEL_LABELS[fit.model]}
        for name in PARAMETER_NAMES[fit.model]:
            row[name] = fit.params[name]
        row["log_likelihood"] = fit.log_likelihood
        row.update(validation.summary().drop(columns=["model", "log_likelihood"]).iloc[0])
        rows.append(row)
    table = pd.DataFrame(rows)
    names = list(dict.fromkeys(n for fit in fit_list for n in PARAMETER_NAMES[fit.model]))
    table = table[
        ["model", "label", *names] + [c for c in table if c not in {"model", "label", *names}]
    ]
    abs_error = table["holdout_error_pct"].abs() / 100
    contenders = table[abs_error <= abs_error.min() + tie_margin]
    default = str(contenders.sort_values("log_likelihood", ascending=False)["model"].iloc[0])
    table["default"] = table["model"] == default
    rule = (
        "smallest absolute error of the holdout forecast (sum of conditional expectations); "
        f"models within {100 * tie_margin:g} percentage point(s) tie and the highest "
        "calibration log-likelihood among them wins"
    )
    return ModelComparison(
        table=table,
        default_model=default,
        rule=rule,
        fits={f.model: f for f in fit_list},
        validations={f.model: by_model[f.model] for f in fit_list},
    )


def calibration_summary(split: Any) -> pd.DataFrame:
    """Return the calibration columns of a split under the summary names the fitters take.

    Parameters
    ----------
    split : CalibrationHoldout or pandas.DataFrame
        From :func:`loyaltylab.customers.split_calibration_holdout`.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``frequency``, ``recency``, ``T``, ``monetary_value``.
    """
    frame = _split_frame(split)
    renamed = frame.rename(
        columns={
            "frequency_cal": "frequency",
            "recency_cal": "recency",
            "T_cal": "T",
            "monetary_value_cal": "monetary_value",
        }
    )
    keep = [
        c for c in ("customer_id", "frequency", "recency", "T", "monetary_value") if c in renamed
    ]
    return renamed[keep].reset_index(drop=True)


def evaluate_models(
    split: Any,
    transactions: pd.DataFrame | None = None,
    models: Sequence[str] = tuple(TRANSACTION_MODELS),
    *,
    tie_margin: float = 0.01,
) -> ModelComparison:
    """Fit each model on the calibration period, validate it on the holdout and compare.

    Parameters
    ----------
    split : CalibrationHoldout
        From :func:`loyaltylab.customers.split_calibration_holdout`.
    transactions : pandas.DataFrame, optional
        Canonical transactions, for the cumulative tracking.
    models : sequence of str, default all three
        Any of ``"bgnbd"``, ``"pareto_nbd"``, ``"mbgnbd"``.
    tie_margin : float, default 0.01
        See :func:`compare_models`.

    Returns
    -------
    ModelComparison
        With ``fits`` and ``validations`` filled in.
    """
    if not models:
        raise ParameterError("parameter 'models' must name at least one model")
    summary = calibration_summary(split)
    time_unit = getattr(split, "time_unit", "W")
    fits = {m: fit_transaction_model(summary, m, time_unit=time_unit) for m in models}
    validations = {m: validate_holdout(fit, split, transactions) for m, fit in fits.items()}
    return compare_models(fits, validations, tie_margin=tie_margin)

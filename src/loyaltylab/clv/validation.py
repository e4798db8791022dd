"""Holdout validation of the transaction models and the model-comparison table.

A model fitted on the calibration period is judged on the holdout period in three ways, as in
Fader, Hardie & Lee (2005, *Marketing Science* §7):

* **cumulative tracking** - repeat transactions per period of the whole cohort, model vs actual
  (the model side is the *unconditional* expectation E[X(age)] of every customer, summed);
* **conditional expectations** - each customer's E[Y(holdout length) | calibration history]
  against the purchases they really made, in total (the holdout forecast error) and averaged by
  calibration frequency 0, 1, ..., 7+;
* the log-likelihood of the calibration fit (summed over customers).

:func:`compare_models` picks the default model with a stated rule (see its docstring): by
default the forecast that is closest *by customer group* (calibration frequency 0, 1, ..., 7+),
ties broken by the weekly tracking error, so that errors of opposite sign in different groups
cannot cancel in a total. :func:`evaluate_models` fits each model in isolation, with a time
limit: a model that fails gives a failed row with its reason and the others go on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.clv.fitting import DEFAULT_FIT_TIMEOUT_SECONDS, TransactionModelFit
from loyaltylab.clv.models import (
    MODEL_LABELS,
    PARAMETER_NAMES,
    TRANSACTION_MODELS,
    fit_transaction_model,
)
from loyaltylab.clv.predictions import conditional_expected, expected_purchases_new_customer
from loyaltylab.errors import DataValidationError, ModelConvergenceError, ParameterError
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
    "SELECTION_RULES",
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
    def group_error(self) -> float:
        """Sum over frequency groups of |predicted - actual| group totals / actual total.

        The customer-weighted mean absolute error of the group means (calibration frequency
        0, 1, ..., 7+), relative to the mean actual holdout purchases: errors of opposite sign
        in different groups add up instead of cancelling as in the total.
        """
        table = self.by_frequency
        gaps = (table["predicted_mean"] - table["actual_mean"]).abs() * table["n_customers"]
        actual = self.actual_total
        return float(gaps.sum() / actual) if actual else float("nan")

    @property
    def tracking_mean_error(self) -> float:
        """Mean |predicted - actual| cumulative repeat transactions over the holdout periods.

        Relative to the actual cumulative count at the end of the holdout; NaN without tracking.
        """
        if self.tracking is None or self.tracking.empty:
            return float("nan")
        holdout = self.tracking[self.tracking["holdout"]]
        if holdout.empty:
            return float("nan")
        last = float(self.tracking["actual"].iloc[-1])
        gaps = (holdout["predicted"] - holdout["actual"]).abs()
        return float(gaps.mean() / last) if last else float("nan")

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
            "group_error_pct": 100 * self.group_error,
            "correlation": self.correlation,
        }
        if self.tracking is not None:
            row["tracking_actual_end"] = float(self.tracking["actual"].iloc[-1])
            row["tracking_predicted_end"] = float(self.tracking["predicted"].iloc[-1])
            row["tracking_error_pct"] = 100 * self.tracking_relative_error
            row["tracking_mean_error_pct"] = 100 * self.tracking_mean_error
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


SELECTION_RULES = ("groups", "total")
"""Rules of :func:`compare_models`: by frequency group (default) or by the holdout total."""


@dataclass(frozen=True)
class ModelComparison:
    """Model comparison table, the chosen default model and why it was chosen.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model: ``status`` ("fitted", "boundary" or "failed"), ``reason`` (why it
        failed, or the boundary note), parameters, log-likelihood, holdout totals and errors
        (``holdout_error_pct``, ``group_error_pct``, ``tracking_mean_error_pct``), ``default``.
    default_model : str
        The model chosen by ``rule``.
    rule : str
        The selection rule in words.
    fits : dict of str to TransactionModelFit
        The calibration fits compared (the models that did not fail).
    validations : dict of str to HoldoutValidation
        Their holdout validations.
    failures : dict of str to str
        Model -> why its fit or validation failed (timed out, no usable optimum, ...).
    why : str
        One paragraph saying why the default model was chosen, with the numbers.
    """

    table: pd.DataFrame
    default_model: str
    rule: str
    fits: dict[str, TransactionModelFit] = field(default_factory=dict)
    validations: dict[str, HoldoutValidation] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    why: str = ""

    def summary(self) -> pd.DataFrame:
        """Return the comparison table (failed models as rows with their reason)."""
        return self.table.copy()

    @property
    def boundary_notes(self) -> list[str]:
        """The boundary notes of the fitted models ("no dropout detected ..."), in order."""
        return [f.boundary.note for f in self.fits.values() if f.boundary is not None]


def _why(table: pd.DataFrame, default: str, rule: str, tie_margin: float) -> str:
    """Say in words why ``default`` won, with each contender's criteria."""
    fitted = table[table["status"] != "failed"].set_index("model")
    chosen = fitted.loc[default]
    criterion, name = (
        ("group_error_pct", "error by calibration-frequency group")
        if rule == "groups"
        else ("abs_holdout_error_pct", "absolute error of the holdout total")
    )
    others = [
        f"{row['label']} {row[criterion]:.1f} %"
        for model, row in fitted.iterrows()
        if model != default
    ]
    text = (
        f"{chosen['label']} was chosen because its {name} is the smallest or tied within "
        f"{100 * tie_margin:g} point(s): {chosen[criterion]:.1f} % of the holdout purchases"
        + (f" (vs {', '.join(others)})" if others else "")
        + "."
    )
    tied = fitted[fitted[criterion] <= fitted[criterion].min() + 100 * tie_margin]
    if len(tied) > 1:
        tiebreak = (
            "tracking_mean_error_pct"
            if "tracking_mean_error_pct" in tied and tied["tracking_mean_error_pct"].notna().all()
            else None
        )
        if tiebreak is not None:
            text += (
                " Tied models were separated by the mean weekly cumulative tracking error: "
                + ", ".join(f"{r['label']} {r[tiebreak]:.1f} %" for _, r in tied.iterrows())
                + "."
            )
        else:
            text += " Tied models were separated by the calibration log-likelihood."
    if rule == "groups":
        text += (
            f" The error of the holdout total is {chosen['holdout_error_pct']:+.1f} %; by "
            "group, errors of opposite sign cannot cancel."
        )
    failed = table[table["status"] == "failed"]
    if not failed.empty:
        text += " Not compared (failed): " + "; ".join(
            f"{r['label']}: {r['reason']}" for _, r in failed.iterrows()
        )
    return text


def compare_models(
    fits: Mapping[str, TransactionModelFit] | Sequence[TransactionModelFit],
    validations: Mapping[str, HoldoutValidation] | Sequence[HoldoutValidation],
    *,
    rule: str = "groups",
    tie_margin: float = 0.01,
    failures: Mapping[str, str] | None = None,
) -> ModelComparison:
    """Compare transaction models on fit and holdout forecast; choose the default model.

    Rules (``rule``):

    * ``"groups"`` (default): the smallest error by customer group - the sum over calibration
      frequency groups 0, 1, ..., 7+ of |predicted - actual| holdout purchases of the group,
      divided by the actual holdout purchases (:attr:`HoldoutValidation.group_error`, the
      customer-weighted mean absolute error of the group means). Models within ``tie_margin``
      (1 percentage point) of the smallest tie, and the smallest mean weekly cumulative
      tracking error among them wins (the highest log-likelihood without tracking).
    * ``"total"``: the smallest absolute relative error of the holdout total (sum of the
      conditional expectations); models within ``tie_margin`` tie and the highest calibration
      log-likelihood among them wins (all models have four parameters, so this is the lowest
      AIC/BIC). A total can be right for the wrong reasons (over- and under-forecast groups
      cancelling), which is why it is not the default.

    Parameters
    ----------
    fits : mapping or sequence of TransactionModelFit
        Calibration fits.
    validations : mapping or sequence of HoldoutValidation
        Their holdout validations (same models).
    rule : {"groups", "total"}, default "groups"
        Selection rule.
    tie_margin : float, default 0.01
        Margin of the relative error (as a fraction of the holdout purchases) treated as a tie.
    failures : mapping of str to str, optional
        Models that failed and why: shown as failed rows, never chosen.

    Returns
    -------
    ModelComparison
        With ``why``, the reason for the choice in words.
    """
    if rule not in SELECTION_RULES:
        raise ParameterError(
            f"parameter 'rule' must be one of {list(SELECTION_RULES)}, got {rule!r}"
        )
    fit_list = list(fits.values()) if isinstance(fits, Mapping) else list(fits)
    val_list = list(validations.values()) if isinstance(validations, Mapping) else list(validations)
    failed = dict(failures or {})
    if not fit_list:
        details = "; ".join(f"{MODEL_LABELS.get(m, m)}: {why}" for m, why in failed.items())
        raise ModelConvergenceError(
            "no transaction model could be fitted, so none can be compared"
            + (f" ({details})" if details else "")
        )
    by_model = {v.model: v for v in val_list}
    missing = [f.model for f in fit_list if f.model not in by_model]
    if missing:
        raise ParameterError(f"compare_models: no holdout validation for model(s) {missing}")
    rows = []
    for fit in fit_list:
        validation = by_model[fit.model]
        row: dict[str, Any] = {
            "model": fit.model,
            "label": MODEL_LABELS[fit.model],
            "status": "boundary" if fit.boundary is not None else "fitted",
            "reason": fit.boundary.note if fit.boundary is not None else "",
        }
        for name in PARAMETER_NAMES[fit.model]:
            row[name] = fit.params[name]
        row["log_likelihood"] = fit.log_likelihood
        row.update(validation.summary().drop(columns=["model", "log_likelihood"]).iloc[0])
        rows.append(row)
    for model, reason in failed.items():
        rows.append(
            {
                "model": model,
                "label": MODEL_LABELS.get(model, model),
                "status": "failed",
                "reason": reason,
            }
        )
    table = pd.DataFrame(rows)
    names = list(dict.fromkeys(n for fit in fit_list for n in PARAMETER_NAMES[fit.model]))
    lead = ["model", "label", "status", "reason", *names]
    table = table[lead + [c for c in table if c not in set(lead)]]
    table["abs_holdout_error_pct"] = table["holdout_error_pct"].abs()
    ok = table["status"] != "failed"
    criterion = "group_error_pct" if rule == "groups" else "abs_holdout_error_pct"
    values = table.loc[ok, criterion]
    contenders = table[ok & (table[criterion] <= values.min() + 100 * tie_margin)]
    use_tracking = (
        rule == "groups"
        and "tracking_mean_error_pct" in contenders
        and contenders["tracking_mean_error_pct"].notna().all()
    )
    if use_tracking:
        ordered = contenders.sort_values(
            ["tracking_mean_error_pct", "log_likelihood"], ascending=[True, False]
        )
    else:
        ordered = contenders.sort_values("log_likelihood", ascending=False)
    default = str(ordered["model"].iloc[0])
    table["default"] = table["model"] == default
    if rule == "groups":
        text = (
            "smallest error by customer group (sum over calibration-frequency groups 0, 1, ..., "
            "7+ of |predicted - actual| holdout purchases, relative to the actual total); models "
            f"within {100 * tie_margin:g} percentage point(s) tie and the smallest mean weekly "
            "cumulative tracking error among them wins"
        )
    else:
        text = (
            "smallest absolute error of the holdout forecast (sum of conditional expectations); "
            f"models within {100 * tie_margin:g} percentage point(s) tie and the highest "
            "calibration log-likelihood among them wins"
        )
    return ModelComparison(
        table=table,
        default_model=default,
        rule=text,
        fits={f.model: f for f in fit_list},
        validations={f.model: by_model[f.model] for f in fit_list},
        failures=failed,
        why=_why(table, default, rule, tie_margin),
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
    rule: str = "groups",
    tie_margin: float = 0.01,
    fit_timeout_seconds: float | None = DEFAULT_FIT_TIMEOUT_SECONDS,
) -> ModelComparison:
    """Fit each model on the calibration period, validate it on the holdout and compare.

    Each model is fitted and validated in isolation, with a time limit: a model whose fit
    fails, times out or cannot be validated becomes a failed row of the comparison with its
    reason (``comparison.failures``), and the other models go on. A boundary fit (no dropout
    detected) is compared like any other and flagged ``status == "boundary"``.

    Parameters
    ----------
    split : CalibrationHoldout
        From :func:`loyaltylab.customers.split_calibration_holdout`.
    transactions : pandas.DataFrame, optional
        Canonical transactions, for the cumulative tracking.
    models : sequence of str, default all three
        Any of ``"bgnbd"``, ``"pareto_nbd"``, ``"mbgnbd"``.
    rule : {"groups", "total"}, default "groups"
        See :func:`compare_models`.
    tie_margin : float, default 0.01
        See :func:`compare_models`.
    fit_timeout_seconds : float or None, default 60
        Time limit of each model's fit (None: none).

    Returns
    -------
    ModelComparison
        With ``fits``, ``validations``, ``failures`` and ``why`` filled in.

    Raises
    ------
    ModelConvergenceError
        Every model failed (the message gives each reason).
    """
    if not models:
        raise ParameterError("parameter 'models' must name at least one model")
    if rule not in SELECTION_RULES:
        raise ParameterError(
            f"parameter 'rule' must be one of {list(SELECTION_RULES)}, got {rule!r}"
        )
    summary = calibration_summary(split)
    time_unit = getattr(split, "time_unit", "W")
    fits: dict[str, TransactionModelFit] = {}
    validations: dict[str, HoldoutValidation] = {}
    failures: dict[str, str] = {}
    for model in models:
        try:
            fit = fit_transaction_model(
                summary, model, time_unit=time_unit, timeout_seconds=fit_timeout_seconds
            )
            validation = validate_holdout(fit, split, transactions)
        except (ParameterError, DataValidationError):
            raise  # a wrong argument or input is the caller's to fix, not a model failure
        except Exception as error:  # isolation: one model's failure never stops the others
            lines = str(error).strip().splitlines() or [""]
            cause = "".join(
                f" {line.strip()}"
                for line in lines[1:]
                if line.startswith(("Data:", "The last two attempts"))
            )
            failures[model] = f"{type(error).__name__}: {lines[0]}{cause}"
            continue
        fits[model] = fit
        validations[model] = validation
    return compare_models(fits, validations, rule=rule, tie_margin=tie_margin, failures=failures)

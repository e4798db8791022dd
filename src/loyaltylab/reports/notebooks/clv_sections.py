"""Notebook 02_clv: the sections that appear only when they apply, as Markdown and tables.

The notebook's cells hold no loops or definitions; each conditional part of the report is one
call here:

* :func:`choice_markdown` - the default model, its rule and "Why this model" (from
  :attr:`loyaltylab.clv.ModelComparison.why`), failed models with their reason;
* :func:`boundary_markdown` - the boundary notes ("no dropout detected in this window; CLV is an
  upper bound") of the calibration fits and of the final fit, empty when none applies;
  :func:`boundary_profile` - the profile likelihood of the final fit when it is on the boundary;
* :func:`covariate_table` - the coefficients (estimate, SE, 95 % interval) of the covariate fits,
  a failed fit as a row with its reason;
* :func:`fit_retention`, :func:`retention_table`, :func:`retention_markdown` - the contractual
  retention section (shifted-beta-geometric, Fader & Hardie 2007);
* :func:`value_customers` - the per-customer CLV and its intervals from the model the report
  uses: the covariate fit of the default family when ``covariates`` is set (the plain fit is
  kept for comparison), else the plain fit;
* :func:`new_customer`, :func:`new_customer_markdown` - what a newly acquired customer is
  expected to bring, or "n/a" when the spend model has no mean (q <= 1).

:func:`comparison_metrics`, :func:`retention_metrics` and :func:`new_customer_metrics` give the
metrics of these sections (:func:`loyaltylab.reports.notebooks.clv.to_metrics` adds them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from loyaltylab.clv import (
    MODEL_LABELS,
    CLVIntervals,
    CLVResult,
    CovariateModelFit,
    CustomerCovariates,
    ModelComparison,
    NewCustomerValue,
    ProfileLikelihood,
    RetentionFit,
    SpendModelFit,
    TransactionModelFit,
    clv_intervals,
    covariate_clv_intervals,
    customer_lifetime_value,
    fit_retention_model,
    new_customer_value,
    profile_likelihood,
)

__all__ = [
    "CustomerValuation",
    "value_customers",
    "boundary_markdown",
    "boundary_profile",
    "choice_markdown",
    "comparison_metrics",
    "covariate_table",
    "fit_retention",
    "NEW_CUSTOMER_UNDEFINED",
    "new_customer",
    "new_customer_markdown",
    "new_customer_metrics",
    "retention_markdown",
    "retention_metrics",
    "retention_table",
]


@dataclass(frozen=True)
class CustomerValuation:
    """The per-customer CLV the report shows, with the model it comes from.

    Attributes
    ----------
    result : CLVResult
        Per-customer P(alive), expected purchases and CLV of the model used.
    intervals : CLVIntervals
        Their parameter-uncertainty intervals.
    basis : str
        ``"covariates"`` (the covariate fit of the default family) or ``"plain"``.
    plain : CLVResult
        The plain fit's CLV of the same customers (equal to ``result`` when basis is plain).
    note : str
        The sentence that says which model the numbers come from.
    """

    result: CLVResult
    intervals: CLVIntervals
    basis: str
    plain: CLVResult
    note: str

    def summary(self) -> pd.DataFrame:
        """Return one row: basis, total CLV of the model used and of the plain fit."""
        return pd.DataFrame(
            [
                {
                    "basis": self.basis,
                    "model": MODEL_LABELS[self.result.model],
                    "clv_total": self.result.total,
                    "clv_total_plain": self.plain.total,
                }
            ]
        )


def value_customers(
    final_fit: TransactionModelFit,
    final_spend: SpendModelFit,
    summary: pd.DataFrame,
    *,
    horizon: float,
    discount_rate: float,
    n_draws: int,
    level: float,
    seed: int,
    covariate_fits: Mapping[str, CovariateModelFit | str] | None = None,
    covariates: CustomerCovariates | None = None,
) -> CustomerValuation:
    """Value every customer with the model the report uses, the plain fit kept for comparison.

    With covariates the covariate fit of the default family (``final_fit.model``) is the model
    (CLVTools' practice): each customer's own parameters give their P(alive), expected
    purchases and CLV, and the intervals draw its parameters and coefficients together. When
    that family has no covariate fit (none given, its fit failed, or no covariate family) the
    plain fit is used and the note says why.

    Parameters
    ----------
    final_fit, final_spend : TransactionModelFit, SpendModelFit
        The fits on all data.
    summary : pandas.DataFrame
        Customers on all data.
    horizon, discount_rate : float
        CLV horizon (time units) and annual discount rate.
    n_draws, level, seed
        Intervals: parameter draws, coverage, seed.
    covariate_fits : mapping, optional
        :meth:`~loyaltylab.reports.notebooks.clv.CLVParameters.fit_covariate_models`.
    covariates : CustomerCovariates, optional
        The covariates of ``summary``'s customers.

    Returns
    -------
    CustomerValuation
    """
    plain = customer_lifetime_value(
        final_fit, final_spend, summary, horizon=horizon, discount_rate=discount_rate
    )
    label = MODEL_LABELS[final_fit.model]
    fit = (covariate_fits or {}).get(final_fit.model)
    if isinstance(fit, CovariateModelFit) and covariates is not None:
        result = fit.customer_lifetime_value(
            final_spend, summary, covariates, horizon=horizon, discount_rate=discount_rate
        )
        intervals = covariate_clv_intervals(
            fit,
            final_spend,
            summary,
            covariates,
            point=result,
            n_draws=n_draws,
            level=level,
            seed=seed,
        )
        columns = ", ".join([*fit.purchase_coefficients, *fit.dropout_coefficients])
        note = (
            f"The CLV, P(alive) and expected purchases below come from {label} **with "
            f"covariates** ({columns}), each customer with their own parameters; the same "
            f"model without covariates gives a total of {plain.total:,.0f} for comparison."
        )
        return CustomerValuation(result, intervals, "covariates", plain, note)
    intervals = clv_intervals(
        final_fit, final_spend, summary, point=plain, n_draws=n_draws, level=level, seed=seed
    )
    if covariate_fits:
        why = (
            f"its covariate fit failed: {fit}"
            if isinstance(fit, str)
            else f"{label} has no covariate fit"
        )
        note = f"The CLV below comes from {label} without covariates ({why})."
    else:
        note = f"The CLV below comes from {label} (no covariates given)."
    return CustomerValuation(plain, intervals, "plain", plain, note)


def choice_markdown(comparison: ModelComparison) -> str:
    """Return the default model, its rule, "Why this model" and the failed models, as Markdown.

    Parameters
    ----------
    comparison : ModelComparison
        From :func:`loyaltylab.clv.evaluate_models`.

    Returns
    -------
    str
    """
    label = MODEL_LABELS[comparison.default_model]
    text = f"**Default model: {label}.** Rule: {comparison.rule}.\n\n"
    text += f"**Why this model.** {comparison.why}"
    if comparison.failures:
        text += "\n\n**Models that could not be compared** (the others went on):\n\n" + "\n".join(
            f"- {MODEL_LABELS.get(model, model)}: {reason}"
            for model, reason in comparison.failures.items()
        )
    return text


def boundary_markdown(
    comparison: ModelComparison,
    final_fit: TransactionModelFit,
    final_spend: SpendModelFit | None = None,
) -> str:
    """Return the boundary notes of the calibration fits and the final fits ("" when none).

    A boundary optimum is a result, not a failure: no dropout is detectable in the window, the
    model reduces to the NBD, and the CLV is an upper bound. The spend model has its own
    boundary (no variation in spend within customers: each customer's own mean) and its own
    note when q <= 1 (mean spend undefined).

    Parameters
    ----------
    comparison : ModelComparison
        The calibration comparison.
    final_fit : TransactionModelFit
        The default model refitted on all data.
    final_spend : SpendModelFit, optional
        The spend model fitted on all data.

    Returns
    -------
    str
        Markdown bullet list, or an empty string.
    """
    lines = [
        f"- {MODEL_LABELS[name]} (calibration period): {fit.boundary.note}"
        for name, fit in comparison.fits.items()
        if fit.boundary is not None
    ]
    if final_fit.boundary is not None:
        lines.append(
            f"- {MODEL_LABELS[final_fit.model]} (all data, used for the CLV): "
            f"{final_fit.boundary.note}"
        )
    if final_spend is not None and final_spend.note:
        lines.append(f"- Spend model (all data, used for the CLV): {final_spend.note}")
    if not lines:
        return ""
    return "**Boundary results.**\n\n" + "\n".join(lines)


def boundary_profile(
    final_fit: TransactionModelFit,
    summary: pd.DataFrame,
    *,
    timeout_seconds: float | None = 60.0,
) -> ProfileLikelihood | None:
    """Return the profile likelihood of the final fit's dropout when it is on the boundary.

    Parameters
    ----------
    final_fit : TransactionModelFit
        The final fit.
    summary : pandas.DataFrame
        The customers it was fitted on.
    timeout_seconds : float or None, default 60
        Time limit of the profile.

    Returns
    -------
    ProfileLikelihood or None
        None when the final fit is not on the boundary.
    """
    if final_fit.boundary is None:
        return None
    return profile_likelihood(
        summary, final_fit.model, time_unit=final_fit.time_unit, timeout_seconds=timeout_seconds
    )


def comparison_metrics(comparison: ModelComparison) -> dict[str, dict[str, str]]:
    """Return each compared model's ``status`` and its boundary note or failure reason.

    Returns
    -------
    dict
        Model -> ``status`` ("fitted", "boundary" or "failed"), ``boundary_note`` and
        ``failure_reason`` (each "" where it does not apply, so every run writes the same keys).
    """
    entries: dict[str, dict[str, str]] = {}
    for name, fit in comparison.fits.items():
        entries[name] = {
            "status": "boundary" if fit.boundary is not None else "fitted",
            "boundary_note": fit.boundary.note if fit.boundary is not None else "",
            "failure_reason": "",
        }
    for name, reason in comparison.failures.items():
        entries[name] = {"status": "failed", "boundary_note": "", "failure_reason": reason}
    return entries


def covariate_table(fits: Mapping[str, CovariateModelFit | str]) -> pd.DataFrame:
    """Return the covariate coefficients of every fit, a failed fit as a row with its reason.

    Parameters
    ----------
    fits : mapping
        Model -> fit or reason (:meth:`~loyaltylab.reports.notebooks.clv.CLVParameters.\
fit_covariate_models`).

    Returns
    -------
    pandas.DataFrame
        ``model``, ``process``, ``covariate``, ``estimate``, ``std_error``, ``z``,
        ``ci_lower``, ``ci_upper``, ``likelihood_ratio`` (vs the plain model) and ``reason``.
    """
    frames = []
    for name, fit in fits.items():
        if isinstance(fit, str):
            frames.append(pd.DataFrame([{"model": MODEL_LABELS.get(name, name), "reason": fit}]))
            continue
        table = fit.coefficients()
        table.insert(0, "model", MODEL_LABELS.get(name, name))
        table["likelihood_ratio"] = fit.likelihood_ratio
        table["reason"] = ""
        frames.append(table)
    columns = [
        "model",
        "process",
        "covariate",
        "estimate",
        "std_error",
        "z",
        "ci_lower",
        "ci_upper",
        "likelihood_ratio",
        "reason",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).reindex(columns=columns)


def fit_retention(survivors: Sequence[int]) -> RetentionFit | None:
    """Fit the shifted-beta-geometric model to a cohort's survivors (None when none are given).

    Parameters
    ----------
    survivors : sequence of int
        Members still active at the start of each renewal period, the cohort size first.

    Returns
    -------
    RetentionFit or None

    Examples
    --------
    >>> fit = fit_retention([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(fit.gamma, 3), round(fit.delta, 3)
    (0.704, 1.182)
    >>> fit_retention([]) is None
    True
    """
    if not survivors:
        return None
    return fit_retention_model([int(count) for count in survivors], model="sbg")


def retention_table(fit: RetentionFit, holdout: Sequence[int] = ()) -> pd.DataFrame:
    """Return survivors per period: actual, the sBG fit/projection and the retention rate.

    Parameters
    ----------
    fit : RetentionFit
        The fitted cohort.
    holdout : sequence of int, optional
        Actual survivors of the periods after the fitted ones.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``actual``, ``sbg``, ``retention_rate`` (share renewing at that period),
        ``part`` ("fitted" or "holdout").
    """
    fitted = list(fit.counts.survivors or ())
    actual = [*fitted, *(int(count) for count in holdout)]
    periods = list(range(len(actual)))
    size = fitted[0] if fitted else fit.n_members
    rate = [float("nan"), *map(float, fit.retention_rate(periods[1:]))] if periods else []
    return pd.DataFrame(
        {
            "period": periods,
            "actual": actual,
            "sbg": size * fit.survival(periods),
            "retention_rate": rate,
            "part": ["fitted"] * len(fitted) + ["holdout"] * (len(actual) - len(fitted)),
        }
    )


def retention_metrics(
    fit: RetentionFit,
    holdout: Sequence[int],
    discount_rate: float,
    value_per_period: float,
) -> dict[str, float | int]:
    """Return the ``retention.*`` metrics: γ, δ with SE, log-likelihood, DERL, value, holdout.

    Parameters
    ----------
    fit : RetentionFit
        The fitted cohort.
    holdout : sequence of int
        Actual survivors after the fitted periods (may be empty).
    discount_rate : float
        Discount rate per renewal period.
    value_per_period : float
        Value a member brings per period (0: the residual value is 0).

    Returns
    -------
    dict
    """
    errors = fit.standard_errors
    derl = fit.derl(discount_rate)
    metrics: dict[str, float | int] = {
        "gamma": fit.gamma,
        "delta": fit.delta,
        "gamma_se": errors["gamma"],
        "delta_se": errors["delta"],
        "log_likelihood": fit.log_likelihood,
        "n_members": fit.n_members,
        "n_periods": fit.counts.n_periods,
        "mean_churn": fit.mean_churn,
        "discount_rate": discount_rate,
        "derl": derl,
        "value_per_period": value_per_period,
        "residual_value": value_per_period * derl,
    }
    if holdout:
        projection = fit.projection(list(holdout))
        metrics["holdout_mape"] = projection.attrs["mean_absolute_percent_error"]
    return metrics


def retention_markdown(
    fit: RetentionFit,
    discount_rate: float,
    value_per_period: float,
    *,
    currency: str = "$",
    holdout: Sequence[int] = (),
) -> str:
    """Say in one paragraph what the sBG fit means for a member (churn, DERL, residual value)."""
    derl = fit.derl(discount_rate)
    text = (
        f"Shifted-beta-geometric fit to {fit.n_members:,} members over {fit.counts.n_periods} "
        f"renewal periods: γ = {fit.gamma:.3f}, δ = {fit.delta:.3f} (log-likelihood "
        f"{fit.log_likelihood:,.2f}); a new member churns at a renewal with mean probability "
        f"{100 * fit.mean_churn:.1f} %, and the retention rate rises with tenure as the members "
        "likely to churn leave first. A member in the first period is expected to make "
        f"**{derl:.2f} further payments** (discounted expected residual lifetime at "
        f"{100 * discount_rate:g} % per period)"
    )
    if value_per_period:
        text += (
            f", worth **{currency}{value_per_period * derl:,.2f}** at {currency}"
            f"{value_per_period:,.2f} a period"
        )
    text += "."
    if holdout:
        mape = fit.projection(list(holdout)).attrs["mean_absolute_percent_error"]
        text += (
            f" Projected into the {len(holdout)} holdout period(s) the fit misses the actual "
            f"survivors by {mape:.1f} % on average."
        )
    return text


NEW_CUSTOMER_UNDEFINED = "n/a: spend model has q <= 1 (mean spend undefined)"
"""What the report says instead of a new-customer value when the Gamma-Gamma mean does not exist."""


def new_customer(
    fit: TransactionModelFit,
    spend: SpendModelFit,
    *,
    horizon: float,
    discount_rate: float,
) -> NewCustomerValue | str:
    """Return :func:`loyaltylab.clv.new_customer_value`, or why it does not exist.

    A Gamma-Gamma fit with q <= 1 has no population mean spend, so a customer without history
    has no expected value: the report says :data:`NEW_CUSTOMER_UNDEFINED` and goes on.

    Examples
    --------
    >>> from loyaltylab.clv import SpendModelFit, TransactionModelFit
    >>> fit = TransactionModelFit("nbd", {"r": 0.5, "alpha": 4.0}, 0.0, pd.DataFrame(), 1, 1, ())
    >>> spend = SpendModelFit({"p": 3.0, "q": 0.7, "v": 5.0}, 0.0, pd.DataFrame(), 1, 1, 1, 0.0)
    >>> new_customer(fit, spend, horizon=52, discount_rate=0.1)
    'n/a: spend model has q <= 1 (mean spend undefined)'
    """
    if not spend.mean_spend_defined:
        return NEW_CUSTOMER_UNDEFINED
    return new_customer_value(fit, spend, horizon=horizon, discount_rate=discount_rate)


def new_customer_metrics(value: NewCustomerValue | str) -> dict[str, float | str]:
    """Return the ``new_customer.*`` metrics of :func:`new_customer` (``status`` first).

    ``status`` is "computed", or "n/a" with the ``reason`` and NaN numbers (written as null).
    """
    if isinstance(value, str):
        nan = float("nan")
        return {
            "status": "n/a",
            "reason": value,
            "model": "",
            "horizon": nan,
            "expected_purchases": nan,
            "discounted_purchases": nan,
            "mean_spend": nan,
            "value": nan,
        }
    return {
        "status": "computed",
        "reason": "",
        "model": value.model,
        "horizon": value.horizon,
        "expected_purchases": value.expected_purchases,
        "discounted_purchases": value.discounted_purchases,
        "mean_spend": value.mean_spend,
        "value": value.value,
    }


def new_customer_markdown(
    value: NewCustomerValue | str, *, currency: str = "$", unit: str = ""
) -> str:
    """Say what a newly acquired customer is expected to bring over the horizon (or why not).

    Examples
    --------
    >>> from loyaltylab.clv import TransactionModelFit, new_customer_value
    >>> fit = TransactionModelFit(
    ...     "bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4,
    ...     pd.DataFrame(), 2357, 2357, (),
    ... )
    >>> print(new_customer_markdown(new_customer_value(fit, 35.0, 52, 0.10), unit="weeks"))
    ... # doctest: +NORMALIZE_WHITESPACE
    A newly acquired customer is expected to make **1.45 repeat purchases** worth **$48.64**
    (discounted; $35.00 a purchase) over the next 52 weeks (BG/NBD); times the margin, the most
    acquiring one is worth.
    >>> print(new_customer_markdown(NEW_CUSTOMER_UNDEFINED))
    Value of a newly acquired customer: n/a: spend model has q <= 1 (mean spend undefined).
    """
    if isinstance(value, str):
        return f"Value of a newly acquired customer: {value}."
    return (
        f"A newly acquired customer is expected to make **{value.expected_purchases:.2f} repeat "
        f"purchases** worth **{currency}{value.value:,.2f}** (discounted; "
        f"{currency}{value.mean_spend:,.2f} a purchase) over the next {value.horizon:g} "
        f"{unit or value.time_unit} ({MODEL_LABELS[value.model]}); times the margin, the most "
        "acquiring one is worth."
    )


def total_markdown(
    intervals: CLVIntervals,
    *,
    horizon: float,
    unit: str,
    discount_rate: float,
    top_10pct_share: float,
    currency: str,
) -> str:
    """Return the CLV total with its interval (or why there is none) as one Markdown line.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltylab.clv.uncertainty import CLVIntervals
    >>> iv = CLVIntervals(pd.DataFrame(), 1000.0, float("nan"), float("nan"), 0.9, 200, 1,
    ...                   200, "no interval: only 0 of 200 parameter draws give a finite CLV")
    >>> print(total_markdown(iv, horizon=52, unit="weeks", discount_rate=0.1,
    ...                      top_10pct_share=0.5, currency="$"))
    **Total CLV over the next 52 weeks: $1,000** (no interval: only 0 of 200 parameter draws give a finite CLV), discounted at 10 % a year. The top 10 % of customers hold 50 % of it.
    """  # noqa: E501
    if math.isfinite(intervals.total_low) and math.isfinite(intervals.total_high):
        interval = (
            f"{100 * intervals.level:.0f} % interval {currency}{intervals.total_low:,.0f} - "
            f"{currency}{intervals.total_high:,.0f}"
            + (f"; {intervals.note}" if intervals.note else "")
        )
    else:
        interval = intervals.note or "no interval"
    return (
        f"**Total CLV over the next {horizon:g} {unit}: {currency}{intervals.total:,.0f}** "
        f"({interval}), discounted at {100 * discount_rate:g} % a year. "
        f"The top 10 % of customers hold {100 * top_10pct_share:.0f} % of it."
    )

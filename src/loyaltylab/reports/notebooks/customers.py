"""Notebook 01_customers: its typed parameters and the report's metrics.

The notebook's ``remove-cell`` after the ``parameters`` cell calls
``params = CustomersParameters.from_namespace(globals())``; the analysis itself is
:mod:`loyaltylab.kpi` (customer, period, segment, cohort and program KPIs),
:mod:`loyaltylab.segments` (top customers, purchase patterns, RFM) and, with ``with_clv``,
:mod:`loyaltylab.clv`. :func:`to_metrics` collects what the metrics file holds.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import Field

from loyaltylab.data import LoadedTransactions
from loyaltylab.display import format_number, format_percent
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.evaluation import ProgramEvaluation, evaluate_program
from loyaltylab.kpi import CohortRetention, CustomerKPIs, ProgramKPIs, period_series_metrics
from loyaltylab.reports.notebooks.answers import change_words, money
from loyaltylab.reports.notebooks.loading import Count, Number, ProgramDataParameters
from loyaltylab.segments import RFMSegments

__all__ = [
    "CustomersParameters",
    "answer",
    "program_effect",
    "program_effect_metrics",
    "program_effect_words",
    "to_metrics",
]


class CustomersParameters(ProgramDataParameters):
    """Validated parameters of notebook 01_customers (one field per line of its parameters cell).

    Papermill's strings are read the way each field says (``"no"``, ``"26"``, ``"q"``, a date);
    ``members`` and ``ledger`` come as a pair; ``load`` holds the transaction loader's options
    plus ``members`` / ``ledger`` mappings of the member and ledger loaders' options.

    Examples
    --------
    >>> params = CustomersParameters.from_namespace(
    ...     {"with_clv": "no", "top_n": "5", "period": "q", "load": "returns: drop",
    ...      "output_dir": ""})
    >>> params.with_clv, params.top_n, params.period, params.transaction_options
    (False, 5, 'Q', {'returns': 'drop'})
    >>> CustomersParameters.from_namespace({"members": "synthetic_loyalty"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ParameterError: notebook 01_customers: parameter ledger: parameter ...
    """

    notebook = "01_customers"

    active_days: Count = Field(90, ge=1)
    top_n: Count = Field(10, ge=1)
    with_clv: bool = True
    clv_horizon_weeks: Number = Field(52.0, ge=1)


def to_metrics(
    loaded: LoadedTransactions,
    kpis: CustomerKPIs,
    program: ProgramKPIs | None,
    by_period: pd.DataFrame,
    rfm: RFMSegments,
    value_risk: pd.DataFrame | None,
    cohorts: CohortRetention,
) -> dict[str, Any]:
    """Collect the key numbers of notebook 01_customers for its metrics file.

    Parameters
    ----------
    loaded : LoadedTransactions
        The transactions the report describes.
    kpis : CustomerKPIs
        From :func:`loyaltylab.kpi.customer_kpis`.
    program : ProgramKPIs or None
        From :func:`loyaltylab.kpi.program_kpis`; ``None`` without program data.
    by_period : pandas.DataFrame
        From :func:`loyaltylab.kpi.kpis_by_period`.
    rfm : RFMSegments
        From :func:`loyaltylab.segments.rfm_segments`.
    value_risk : pandas.DataFrame or None
        From :func:`loyaltylab.segments.value_risk_segments`; ``None`` without CLV.
    cohorts : CohortRetention
        From :func:`loyaltylab.kpi.cohort_retention`.

    Returns
    -------
    dict
        ``data`` (source, rows, customers, observation window), ``kpi`` (the customer KPIs and,
        with program data, the program KPIs), ``kpi_by_period``, ``segments``, ``value_risk``
        (customers per value/risk group) and ``cohorts.mean_retention`` (every key is in the
        metrics catalog).
    """
    tx = loaded.transactions
    return {
        "data": {
            "source": loaded.source,
            "rows": len(tx),
            "customers": tx["customer_id"].nunique(),
            "observation_start": kpis.observation_start,
            "observation_end": kpis.observation_end,
        },
        "kpi": {**kpis.to_metrics(), **(program.to_metrics() if program is not None else {})},
        "kpi_by_period": period_series_metrics(by_period),
        "segments": rfm.to_metrics(),
        "value_risk": value_risk["value_risk"].value_counts() if value_risk is not None else {},
        "cohorts": {"mean_retention": cohorts.mean_curve()},
    }


def answer(
    kpis: CustomerKPIs,
    by_period: pd.DataFrame,
    program: ProgramKPIs | None = None,
    *,
    currency: str | None = None,
) -> list[str]:
    """Write the opening answer of notebook 01_customers: three to five sentences with numbers.

    Parameters
    ----------
    kpis : CustomerKPIs
        From :func:`loyaltylab.kpi.customer_kpis` (the whole window).
    by_period : pandas.DataFrame
        From :func:`loyaltylab.kpi.kpis_by_period`; only complete periods are compared.
    program : ProgramKPIs, optional
        From :func:`loyaltylab.kpi.program_kpis`, with loyalty-program data.
    currency : str, optional
        Currency symbol; default the run's.

    Returns
    -------
    list of str
        Size and value of the base; how activity moved from the first to the last complete
        period (and why, when no new customers join); revenue concentration; with program
        data enrolment, redemption and breakage.
    """
    start = pd.Timestamp(kpis.observation_start).strftime("%d %b %Y")
    end = pd.Timestamp(kpis.observation_end).strftime("%d %b %Y")
    sentences = [
        f"**{kpis.active_customers:,} customers** placed {kpis.orders:,} orders worth "
        f"**{money(kpis.revenue, currency)}** between {start} and {end} "
        f"({money(kpis.aov, currency)} an order); "
        f"{format_percent(kpis.repeat_purchase_rate)} of them ordered more than once."
    ]
    complete = by_period[by_period["complete"]] if "complete" in by_period else by_period
    if len(complete) >= 2:
        first, last = complete.iloc[0], complete.iloc[-1]
        first_label = _period_label(complete.index[0])
        last_label = _period_label(complete.index[-1])
        active = change_words(float(first["active_customers"]), float(last["active_customers"]))
        sentence = f"Active customers per period {active} ({first_label} to {last_label})"
        falling = last["active_customers"] < 0.7 * first["active_customers"]
        if falling and float(last.get("new_customers", 1)) == 0:
            sentence += (
                f"; no new customers joined in {last_label}, so the decline is the existing base "
                "thinning out, not a measured loss of market"
            )
        sentences.append(sentence + ".")
        recent = complete.tail(3)
        sentences.append(
            f"Retention (buyers of one period who buy again in the next) averaged "
            f"**{format_percent(float(recent['retention_rate'].mean()))}** over the last "
            f"{len(recent)} complete periods, against "
            f"{format_percent(kpis.retention_rate)} over the whole window."
        )
    sentences.append(
        f"Revenue is concentrated: the top 10 % of customers bring "
        f"{format_percent(kpis.revenue_top10_share)} of it, the top 20 % "
        f"{format_percent(kpis.revenue_top20_share)}."
    )
    if program is not None:
        sentences.append(
            f"Loyalty program: {format_percent(program.enrolment_rate)} of customers are members "
            f"({program.members:,}); {format_percent(program.redemption_rate)} of the "
            f"{format_number(program.points_issued)} points issued were redeemed and "
            f"{format_percent(program.breakage_rate)} expired (breakage); rewards cost "
            f"{format_percent(program.reward_cost_share)} of revenue. Member/non-member gaps "
            "below are descriptive (members choose to join)."
        )
    return sentences


def program_effect(
    transactions: pd.DataFrame, members: pd.DataFrame | None, observation_end: Any
) -> tuple[ProgramEvaluation | None, str]:
    """Evaluate the running program for the section "Is the running program working?".

    Parameters
    ----------
    transactions : pandas.DataFrame
        The report's transactions (members and non-members).
    members : pandas.DataFrame or None
        The member base (``customer_id``, ``enrolled_at``); ``None`` without program data.
    observation_end : date-like

    Returns
    -------
    (ProgramEvaluation or None, str)
        The evaluation (:func:`loyaltylab.evaluation.evaluate_program`, default windows of six
        months, seeded bootstrap) and its reading in words; ``None`` and the reason when there
        is no member base or the data cannot support the design.
    """
    if members is None:
        return None, "No loyalty-program data was given."
    try:
        evaluation = evaluate_program(transactions, members, observation_end=observation_end)
    except (ParameterError, DataValidationError) as error:
        return None, f"The program effect cannot be estimated from these data: {error}"
    return evaluation, program_effect_words(evaluation)


def program_effect_words(evaluation: ProgramEvaluation) -> str:
    """Say the naive gap and the causal effect side by side, with the interval.

    Parameters
    ----------
    evaluation : ProgramEvaluation

    Returns
    -------
    str
    """
    low, high = evaluation.causal_low, evaluation.causal_high
    interval = f"{_signed(low)} to {_signed(high)}"
    if low > 0:
        verdict = "the program raises purchases"
    elif high < 0:
        verdict = "members buy less than they would have without the program"
    else:
        verdict = "the data cannot tell the program's effect from zero"
    more = "more" if evaluation.naive >= 0 else "fewer"
    return (
        f"Members place {format_percent(abs(evaluation.naive))} {more} orders per month than "
        f"non-members (the naive gap), but compared with look-alike non-members before and "
        f"after they joined, the program's own effect is "
        f"**{_signed(evaluation.causal)}** orders per customer-month "
        f"({100 * evaluation.confidence:.0f} % interval {interval}; "
        f"{evaluation.n_members:,} members, {evaluation.n_controls:,} comparison customers): "
        f"{verdict}. The rest of the naive "
        "gap is who joins, not what joining does."
    )


def _signed(value: float) -> str:
    """Format a relative lift with its sign: ``0.08`` -> ``'+8.0 %'``."""
    text = format_percent(value)
    return f"+{text}" if value > 0 else text


def program_effect_metrics(evaluation: ProgramEvaluation | None) -> dict[str, Any]:
    """Return the ``program_effect`` section of the metrics file (empty without an evaluation).

    Parameters
    ----------
    evaluation : ProgramEvaluation or None

    Returns
    -------
    dict
        ``{"program_effect": {naive, causal, causal_low, causal_high, spend_causal, spend_low,
        spend_high}}`` (relative lifts, 0.05 = +5 %), or ``{}``.
    """
    if evaluation is None:
        return {}
    keys = (
        "naive",
        "causal",
        "causal_low",
        "causal_high",
        "spend_causal",
        "spend_low",
        "spend_high",
    )
    values = evaluation.to_metrics()
    return {"program_effect": {key: values[key] for key in keys}}


def _period_label(start: object) -> str:
    """Return a period's start as ``Dec 2025``."""
    return pd.Timestamp(start).strftime("%b %Y")  # type: ignore[arg-type]

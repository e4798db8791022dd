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
from loyaltylab.kpi import CohortRetention, CustomerKPIs, ProgramKPIs, period_series_metrics
from loyaltylab.reports.notebooks.loading import Count, Number, ProgramDataParameters
from loyaltylab.segments import RFMSegments

__all__ = ["CustomersParameters", "to_metrics"]


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

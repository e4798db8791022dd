"""The KPI table (name, formula, unit), the calendar periods and the self-selection note.

Every KPI of Loyalty Lab is defined here once: :data:`KPI_DEFINITIONS` is the table the README,
the metrics catalog and every ``summary()`` read; :data:`CUSTOMER_KPIS` and :data:`PROGRAM_KPIS`
are the keys :meth:`CustomerKPIs.to_metrics <loyaltylab.kpi.CustomerKPIs.to_metrics>` and
:meth:`ProgramKPIs.to_metrics <loyaltylab.kpi.ProgramKPIs.to_metrics>` write to a metrics file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = [
    "CUSTOMER_KPIS",
    "KPI_DEFINITIONS",
    "KPI_FORMULAS",
    "KPI_UNITS",
    "PERIODS",
    "PROGRAM_KPIS",
    "SELF_SELECTION_NOTE",
    "kpi_definitions",
    "kpi_summary",
]

#: Period codes accepted by the per-period functions, with the DuckDB unit and pandas frequency.
PERIODS: dict[str, dict[str, str]] = {
    "W": {"duckdb": "week", "interval": "7 DAY", "pandas": "W-MON", "label": "week"},
    "M": {"duckdb": "month", "interval": "1 MONTH", "pandas": "MS", "label": "month"},
    "Q": {"duckdb": "quarter", "interval": "3 MONTH", "pandas": "QS", "label": "quarter"},
}

#: The KPI table: one row per KPI with its formula and unit (the README table is made from it).
KPI_DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    ("active_customers", "customers with >= 1 order in the window (or period)", "customers"),
    (
        "new_customers",
        "active customers whose first purchase ever falls in the window (or period)",
        "customers",
    ),
    (
        "retention_rate",
        "customers active in period t-1 who buy in period t / customers active in period t-1; "
        "for a window: summed over its consecutive complete periods",
        "share 0-1",
    ),
    ("churn_rate", "1 - retention_rate", "share 0-1"),
    (
        "repeat_purchase_rate",
        "active customers with >= 2 orders / active customers",
        "share 0-1",
    ),
    ("purchase_frequency", "orders / active customers", "orders per customer"),
    ("aov", "revenue / orders (average order value)", "currency per order"),
    ("revenue", "sum of amount", "currency"),
    ("orders", "number of orders (order_id, else customer-day)", "orders"),
    ("revenue_per_customer", "revenue / active customers", "currency per customer"),
    (
        "revenue_top10_share",
        "revenue of the top ceil(10 % x active customers) customers by revenue / revenue",
        "share 0-1",
    ),
    (
        "revenue_top20_share",
        "revenue of the top ceil(20 % x active customers) customers by revenue / revenue",
        "share 0-1",
    ),
    (
        "clv_mean",
        "mean of the per-customer CLV given (from loyaltylab.clv)",
        "currency per customer",
    ),
    ("clv_total", "sum of the per-customer CLV given (from loyaltylab.clv)", "currency"),
    ("members", "members enrolled on or before the window end", "customers"),
    ("enrolment_rate", "members / customers (transacting customers and members)", "share 0-1"),
    (
        "participation_rate",
        "members with an order in the last `active_days` days of the window / members",
        "share 0-1",
    ),
    ("points_issued", "sum of earn points", "points"),
    ("points_redeemed", "- sum of redeem points", "points"),
    ("points_expired", "- sum of expire points", "points"),
    ("points_adjusted", "sum of adjust points (either sign)", "points"),
    ("points_outstanding", "sum of all signed points (the members' balance)", "points"),
    ("redemption_rate", "points_redeemed / points_issued", "share 0-1"),
    ("breakage_rate", "points_expired / points_issued (breakage realised so far)", "share 0-1"),
    ("reward_cost", "points_redeemed x point_value", "currency"),
    ("reward_cost_share", "reward_cost / revenue of the window", "share 0-1"),
)

#: Unit of each KPI of :data:`KPI_DEFINITIONS`.
KPI_UNITS: dict[str, str] = {name: unit for name, _, unit in KPI_DEFINITIONS}
#: Formula of each KPI of :data:`KPI_DEFINITIONS`.
KPI_FORMULAS: dict[str, str] = {name: formula for name, formula, _ in KPI_DEFINITIONS}

#: The customer KPIs of a window or period (``clv_mean`` and ``clv_total`` join with a CLV).
CUSTOMER_KPIS: tuple[str, ...] = (
    "active_customers",
    "new_customers",
    "retention_rate",
    "churn_rate",
    "repeat_purchase_rate",
    "purchase_frequency",
    "aov",
    "revenue",
    "orders",
    "revenue_per_customer",
    "revenue_top10_share",
    "revenue_top20_share",
)

#: The loyalty-program KPIs of :class:`loyaltylab.kpi.ProgramKPIs`.
PROGRAM_KPIS: tuple[str, ...] = (
    "members",
    "enrolment_rate",
    "participation_rate",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_adjusted",
    "points_outstanding",
    "redemption_rate",
    "breakage_rate",
    "reward_cost",
    "reward_cost_share",
)

SELF_SELECTION_NOTE = (
    "Descriptive comparison only: customers choose to enrol, and those who enrol already buy "
    "more (self-selection), so the gap between members and non-members is not an effect of the "
    "program. Use an experiment (loyaltylab.experiments) to measure the effect."
)


def kpi_definitions() -> pd.DataFrame:
    """Return the KPI table (name, formula, unit) as a DataFrame.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi``, ``formula``, ``unit``, one row per KPI of :data:`KPI_DEFINITIONS`.

    Examples
    --------
    >>> kpi_definitions().set_index("kpi").loc["aov", "unit"]
    'currency per order'
    """
    return pd.DataFrame(list(KPI_DEFINITIONS), columns=["kpi", "formula", "unit"])


def kpi_summary(values: Mapping[str, Any]) -> pd.DataFrame:
    """Return one row per KPI value with its unit and formula from :data:`KPI_DEFINITIONS`.

    Parameters
    ----------
    values : mapping of str to value
        ``{kpi: value}``, e.g. the ``to_metrics()`` of a result.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi``, ``value``, ``unit``, ``formula``, in the order of ``values``.

    Examples
    --------
    >>> kpi_summary({"aov": 20.0})[["kpi", "value", "unit"]]
       kpi  value                unit
    0  aov   20.0  currency per order
    """
    return pd.DataFrame(
        [
            {"kpi": name, "value": value, "unit": KPI_UNITS[name], "formula": KPI_FORMULAS[name]}
            for name, value in values.items()
        ],
        columns=["kpi", "value", "unit", "formula"],
    )

"""Customer and loyalty-program KPIs, each defined once.

Every KPI of Loyalty Lab is defined in :data:`KPI_DEFINITIONS` (name, formula, unit) and computed
here from the canonical frames of ``DESIGN.md``: transactions (``customer_id``, ``timestamp``,
``amount`` [, ``order_id``]), members (``customer_id``, ``enrolled_at``, ``tier``, ``channel``) and
the points ledger (``customer_id``, ``timestamp``, ``kind``, signed ``points``).

Definitions shared by all KPIs
------------------------------
* **Window.** KPIs describe the window ``[observation_start, observation_end]`` (whole days,
  both ends inclusive). Transactions outside it are outside the question, not errors; the result
  records how many there were. ``observation_start`` defaults to the start of the calendar period
  holding the first purchase, ``observation_end`` to the day of the last purchase.
* **Order.** One ``order_id`` of a customer; rows without an ``order_id`` (or a frame without the
  column) are grouped into one order per customer and calendar day. An order's time is its first
  row's time and its value the sum of its rows' ``amount``.
* **Active customer.** A customer with at least one order in the window (or period).
* **Periods.** Calendar weeks (Monday to Sunday), months or quarters (``"W"``, ``"M"``, ``"Q"``).
  A period is *complete* when it lies inside the window; rates that compare consecutive periods
  (retention, churn) use complete periods only, so a half-observed last month does not look like
  churn.

All aggregation runs as embedded DuckDB queries over the pandas frames (no copy to a database
file), so the same code serves a 1,000-row sample and 10 M transactions.

Modules, in the order of the data flow
--------------------------------------
* :mod:`~loyaltylab.kpi.definitions` - the KPI table, units and formulas, the periods, the
  self-selection note.
* :mod:`~loyaltylab.kpi.validation` - checks of the input frames (rules from
  :mod:`loyaltylab.rules` and :mod:`loyaltylab.data`).
* :mod:`~loyaltylab.kpi.engine` - the window, the periods (:func:`as_period`, the one rule that
  reads a period code) and the DuckDB queries, written once.
* :mod:`~loyaltylab.kpi.customer` - :func:`customer_kpis` of a window, :func:`customer_orders`,
  :func:`order_table`.
* :mod:`~loyaltylab.kpi.periods` - :func:`kpis_by_period` and its metrics-file section.
* :mod:`~loyaltylab.kpi.segments` - :func:`kpis_by_segment`.
* :mod:`~loyaltylab.kpi.cohorts` - :func:`cohort_retention`.
* :mod:`~loyaltylab.kpi.program` - :func:`program_kpis`, :func:`member_comparison`.
* :mod:`~loyaltylab.kpi.plots` - the figures.

Results give their key numbers for the metrics file with ``to_metrics()``.
"""

from loyaltylab.kpi.cohorts import CohortRetention, cohort_retention
from loyaltylab.kpi.customer import CustomerKPIs, customer_kpis, customer_orders, order_table
from loyaltylab.kpi.definitions import (
    KPI_DEFINITIONS,
    PERIODS,
    SELF_SELECTION_NOTE,
    kpi_definitions,
)
from loyaltylab.kpi.engine import as_period
from loyaltylab.kpi.periods import (
    PANDAS_PERIOD_FREQ,
    kpis_by_period,
    period_series_metrics,
    read_period_series,
)
from loyaltylab.kpi.plots import plot_cohort_retention, plot_kpi_trend, plot_revenue_concentration
from loyaltylab.kpi.program import ProgramKPIs, member_comparison, program_kpis
from loyaltylab.kpi.segments import kpis_by_segment

__all__ = [
    "KPI_DEFINITIONS",
    "PANDAS_PERIOD_FREQ",
    "PERIODS",
    "SELF_SELECTION_NOTE",
    "CohortRetention",
    "CustomerKPIs",
    "ProgramKPIs",
    "as_period",
    "cohort_retention",
    "customer_kpis",
    "customer_orders",
    "kpi_definitions",
    "kpis_by_period",
    "kpis_by_segment",
    "member_comparison",
    "order_table",
    "period_series_metrics",
    "plot_cohort_retention",
    "plot_kpi_trend",
    "plot_revenue_concentration",
    "program_kpis",
    "read_period_series",
]

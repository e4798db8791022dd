"""Input rules shared by every loader and step: dates, customer ids, data quality, time units.

Each rule has one home here, so that a date, an id or a time unit means the same thing in the
transactions, the loyalty tables, the customer summary, the KPIs, CLV and the configuration:

* :mod:`loyaltylab.rules.dates` - one answer for a date or timestamp (ISO 8601; time zones
  converted to UTC and made naive): :func:`as_day`, :func:`as_timestamp`, :func:`end_of_day`,
  :func:`parse_timestamps`.
* :mod:`loyaltylab.rules.ids` - customer ids as normalised strings: :func:`customer_ids`,
  :func:`parse_customer_ids`; the NA-like id tokens every loader treats as missing
  (:data:`NA_ID_TOKENS`).
* :mod:`loyaltylab.rules.columns` - the column-mapping rule (canonical name -> your column;
  one source column per canonical name): :func:`column_mapping`.
* :mod:`loyaltylab.rules.hints` - :class:`LoadError`, a loader error that carries its fix as
  loader options (``error.fix == {"invalid": "drop"}``).
* :mod:`loyaltylab.rules.quality` - the data-quality table (:class:`QualityLog`) and the example
  rows of error messages (:func:`examples`).
* :mod:`loyaltylab.rules.units` - :data:`TIME_UNIT_DAYS` and :func:`time_unit`.

This package imports nothing of Loyalty Lab except :mod:`loyaltylab.errors`.
"""

from loyaltylab.rules.columns import ColumnMappingError, column_mapping
from loyaltylab.rules.dates import (
    ACCEPTED_DATE_FORMS,
    ParsedTimestamps,
    as_day,
    as_timestamp,
    end_of_day,
    parse_timestamps,
    timestamp_problem,
)
from loyaltylab.rules.hints import LoadError, render_options
from loyaltylab.rules.ids import (
    NA_ID_TOKENS,
    ParsedCustomerIds,
    customer_ids,
    inexact_id_problem,
    na_id_tokens,
    parse_customer_ids,
)
from loyaltylab.rules.quality import EXAMPLE_ROWS, QUALITY_COLUMNS, QualityLog, examples
from loyaltylab.rules.units import TIME_UNIT_DAYS, time_unit

__all__ = [
    "ACCEPTED_DATE_FORMS",
    "ColumnMappingError",
    "EXAMPLE_ROWS",
    "LoadError",
    "NA_ID_TOKENS",
    "QUALITY_COLUMNS",
    "TIME_UNIT_DAYS",
    "ParsedCustomerIds",
    "ParsedTimestamps",
    "QualityLog",
    "as_day",
    "as_timestamp",
    "column_mapping",
    "customer_ids",
    "end_of_day",
    "examples",
    "inexact_id_problem",
    "na_id_tokens",
    "parse_customer_ids",
    "parse_timestamps",
    "render_options",
    "time_unit",
    "timestamp_problem",
]

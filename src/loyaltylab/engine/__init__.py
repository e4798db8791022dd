"""The portable query layer: the heavy steps written once as Ibis expressions, run on an engine.

:mod:`loyaltylab.engine.expressions` defines orders, purchase days, the customer summary, the
calibration/holdout split, the KPI group statistics and the retention pairs over a canonical
transactions table; :mod:`loyaltylab.engine.backends` opens a source (a DataFrame, Parquet, a
PostgreSQL table or query, a Spark table) on its engine and fetches results;
:mod:`loyaltylab.engine.loading` maps the source's columns and applies the loader's data-quality
rules on the engine, with the same counted quality table. DuckDB is the default engine;
:mod:`loyaltylab.engine.spark` runs the same expressions on Spark.
"""

import warnings

# Ibis 12 asks pandas 3 for a deprecated option and DuckDB 2 for a deprecated fetch on every
# conversion; both are Ibis internals, not something a user can act on.
warnings.filterwarnings("ignore", message=".*future.infer_string.*", module=r"ibis\..*")
warnings.filterwarnings("ignore", message="fetch_arrow_table", module=r"ibis\..*")

from loyaltylab.engine.backends import (  # noqa: E402
    ENGINES,
    EngineTable,
    connect_duckdb,
    fetch,
    is_engine_source,
    open_source,
    parse_database_url,
)

__all__ = [
    "ENGINES",
    "EngineTable",
    "connect_duckdb",
    "fetch",
    "is_engine_source",
    "open_source",
    "parse_database_url",
]

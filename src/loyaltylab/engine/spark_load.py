"""Load a transaction log on Spark: read by Spark, checked by the engine loader's rules.

:func:`load_spark_transactions` reads the source with Spark
(:func:`loyaltylab.engine.spark.read_spark_source`: a table of the Spark catalog, a Parquet
file/folder/glob, a CSV file) and hands it, as an Ibis table on Spark
(:func:`open_spark_source`), to :func:`loyaltylab.engine.loading.load_engine_transactions`: the
``columns`` mapping and the loader's checks (ids, ISO timestamps, amounts, ``invalid``,
full-row ``duplicates``, ``after_end``, ``max_amount``) are the same expressions on every engine,
with the same counted quality table. The rows never come to pandas; the result's
``canonical`` table is on Spark, and :func:`loyaltylab.engine.spark_summary.
summarize_customers_spark` summarises it there.

Options of ``load_transactions`` that need pandas (``date_format``, ``decimal``, ``thousands``,
quantity x unit price, netting cancellation documents) are refused with the option named: load
such a file with :func:`loyaltylab.data.load_transactions`, or prepare it in the warehouse.

Examples
--------
>>> loaded = load_spark_transactions("lake/sales/*.parquet", {"customer_id": "member"},
...                                  observation_end="2025-12-31")  # doctest: +SKIP
>>> loaded.engine, loaded.quality[["check", "rows"]]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from loyaltylab.config.spark import SparkSettings
from loyaltylab.engine.backends import EngineTable
from loyaltylab.engine.loading import (
    ENGINE_LOAD_OPTIONS,
    EngineTransactions,
    load_engine_transactions,
)
from loyaltylab.engine.spark import read_spark_source, spark_session, spark_table
from loyaltylab.errors import ParameterError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["load_spark_transactions", "open_spark_source"]


def open_spark_source(
    source: str | os.PathLike[str] | DataFrame,
    spark: SparkSession | None = None,
    *,
    settings: SparkSettings | Mapping[str, Any] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> EngineTable:
    """Read a source with Spark and return it as an :class:`~loyaltylab.engine.EngineTable`.

    Parameters
    ----------
    source : str, path-like or pyspark.sql.DataFrame
        As for :func:`loyaltylab.engine.spark.read_spark_source`.
    spark : pyspark.sql.SparkSession, optional
        Default: :func:`loyaltylab.engine.spark.spark_session` of ``settings``.
    settings : SparkSettings or mapping, optional
    delimiter, encoding : str, optional
        CSV options.

    Returns
    -------
    EngineTable
        Engine ``"spark"``: the Ibis backend on the session and the source's table.
    """
    session = spark if spark is not None else spark_session(settings)
    read = read_spark_source(source, session, delimiter=delimiter, encoding=encoding)
    backend, table = spark_table(read.frame)
    return EngineTable(backend, table, "spark", read.name)


def load_spark_transactions(
    source: str | os.PathLike[str] | DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    spark: SparkSession | None = None,
    settings: SparkSettings | Mapping[str, Any] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    **options: Any,
) -> EngineTransactions:
    """Read a transaction log with Spark, map its columns and apply the loader's checks there.

    Parameters
    ----------
    source : str, path-like or pyspark.sql.DataFrame
        A Spark catalog table (``db.sales``), a Parquet file/folder/glob, a CSV file (read with
        a header, every column as text) or a Spark DataFrame.
    columns : mapping, optional
        Canonical name -> the source's column.
    spark : pyspark.sql.SparkSession, optional
        Default: :func:`loyaltylab.engine.spark.spark_session` of ``settings``.
    settings : SparkSettings or mapping, optional
    delimiter, encoding : str, optional
        CSV options.
    **options
        :data:`loyaltylab.engine.loading.ENGINE_LOAD_OPTIONS` (``observation_end``,
        ``duplicates``, ``after_end``, ``invalid``, ``max_amount``, ``na_ids``).

    Returns
    -------
    loyaltylab.engine.loading.EngineTransactions
        Engine ``"spark"``; the quality table as the loader's.

    Raises
    ------
    loyaltylab.errors.ParameterError
        An option the engine loader does not have (named, with where it is available).
    loyaltylab.errors.DataValidationError
        An unreadable source, missing columns, a check with policy ``"error"`` that found rows.
    """
    unknown = sorted(set(options) - set(ENGINE_LOAD_OPTIONS))
    if unknown:
        raise ParameterError(
            f"load option(s) {unknown} are not available on Spark (it applies "
            f"{list(ENGINE_LOAD_OPTIONS)}); load such a file with "
            "loyaltylab.data.load_transactions (engine duckdb), or prepare the column in the "
            "warehouse"
        )
    table = open_spark_source(
        source, spark, settings=settings, delimiter=delimiter, encoding=encoding
    )
    return load_engine_transactions(table, columns, engine="spark", **options)

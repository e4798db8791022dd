"""Load a transaction log on Spark with the rules and the quality table of the pandas loader.

:func:`load_spark_transactions` is :func:`loyaltylab.data.load_transactions` run by Spark: the
source is read by Spark (:func:`loyaltylab.engine.spark.read_spark_source`), the ``columns``
mapping is checked by the same function, and the checks run as Spark expressions in the same
order with the same names, reasons, counts and amounts (the quality table adds up the same way):

1. customer ids (whitespace stripped, ``123.0`` -> ``"123"``, NA-like tokens missing, floats
   above 2**53 refused), timestamps (ISO 8601 or ``date_format``; timezone-aware text converted
   to UTC), amounts (or ``quantity`` x ``unit_price``; ``decimal``/``thousands``); amounts above
   ``max_amount`` refused; missing or invalid values raise or are dropped (``invalid``);
2. full-row duplicates over every source column and the parsed values (``duplicates``);
3. rows after ``observation_end`` (``after_end``);
4. returns: ``"drop"`` and ``"error"`` as in pandas; ``"net"`` (the default) records the
   netting checks when the log has no negative amount, and refuses a log with returns, since
   netting cancellations against earlier purchases is not implemented on Spark (net them in
   the warehouse, or load with ``returns="drop"``, or on DuckDB);
5. orders totalling more than ``max_amount`` refused.

Not on Spark: ``is_return`` flags and ``mixed_timezones`` other than by its policy. Counts are
Spark aggregations (a few passes over the data); nothing but the quality table, five example
rows of an error, and the totals comes to the driver.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from loyaltylab.config.spark import SparkSettings
from loyaltylab.data.returns import apply_returns
from loyaltylab.data.rows import RowProblems
from loyaltylab.data.transactions import (
    DEFAULT_MAX_AMOUNT,
    REQUIRED_COLUMNS,
    _choice,
    _column_mapping,
)
from loyaltylab.data.values import ceiling_above, positive_option, text_option
from loyaltylab.engine.spark import read_spark_source, spark_session
from loyaltylab.engine.spark_values import finite, parse_amounts, parse_ids, parse_stamps
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import (
    QUALITY_COLUMNS,
    QualityLog,
    as_day,
    inexact_id_problem,
    timestamp_problem,
)
from loyaltylab.rules.hints import LoadError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["SparkTransactions", "load_spark_transactions"]


@dataclass(frozen=True)
class SparkTransactions:
    """A validated transaction log on Spark and what loading it changed.

    Attributes
    ----------
    frame : pyspark.sql.DataFrame
        Canonical columns ``customer_id`` (string), ``timestamp`` (timestamp, UTC session),
        ``amount`` (double) and whichever of ``order_id``, ``product``, ``quantity``,
        ``unit_price``, ``channel``, ``store``, ``member``, ``points_*`` are mapped.
    quality : pandas.DataFrame
        The data-quality table (:data:`loyaltylab.rules.QUALITY_COLUMNS`), as the pandas loader's.
    source : str
    rows_read : int
    rows_loaded : int
    amount_read, amount_loaded : float
    observation_end : pandas.Timestamp or None
    ignored_columns : tuple of str
    policy : dict
    """

    frame: DataFrame
    quality: pd.DataFrame
    source: str
    rows_read: int
    rows_loaded: int
    amount_read: float
    amount_loaded: float
    observation_end: pd.Timestamp | None = None
    ignored_columns: tuple[str, ...] = ()
    policy: dict[str, Any] = field(default_factory=dict)

    def reconcile(self) -> pd.DataFrame:
        """Return how rows and money get from the source to the loaded frame (see pandas')."""
        return QualityLog.reconcile(
            self.quality, self.rows_read, self.rows_loaded, self.amount_read, self.amount_loaded
        )

    def summary(self) -> pd.DataFrame:
        """Key facts of the load as a two-column table (``metric``, ``value``)."""
        rows = [
            ("source", self.source),
            ("engine", "spark"),
            ("rows read", self.rows_read),
            ("rows loaded", self.rows_loaded),
            ("rows removed", self.rows_read - self.rows_loaded),
            ("total amount", self.amount_loaded),
            ("observation end", self.observation_end),
            ("ignored columns", ", ".join(self.ignored_columns)),
        ]
        return pd.DataFrame(rows, columns=["metric", "value"])


def load_spark_transactions(
    source: str | os.PathLike[str] | DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    spark: SparkSession | None = None,
    settings: SparkSettings | Mapping[str, Any] | None = None,
    observation_end: str | pd.Timestamp | None = None,
    returns: str = "net",
    duplicates: str = "drop",
    after_end: str = "error",
    invalid: str = "error",
    mixed_timezones: str = "error",
    date_format: str | None = None,
    cancellation_prefix: str | None = "C",
    na_ids: Sequence[str] | None = None,
    max_amount: float = DEFAULT_MAX_AMOUNT,
    delimiter: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    encoding: str | None = None,
    source_name: str | None = None,
) -> SparkTransactions:
    """Load, map, validate and clean a transaction log on Spark (module docstring).

    Parameters
    ----------
    source : str, path-like or pyspark.sql.DataFrame
        A Spark table name, a Parquet file/folder/glob, a CSV file or a Spark DataFrame.
    columns : mapping, optional
        Canonical name -> the source's column, as for :func:`loyaltylab.data.load_transactions`.
    spark : pyspark.sql.SparkSession, optional
        Default: :func:`loyaltylab.engine.spark.spark_session` of ``settings``.
    settings : SparkSettings or mapping, optional
        Used when ``spark`` is not given.
    observation_end, returns, duplicates, after_end, invalid, mixed_timezones, date_format, \
cancellation_prefix, na_ids, max_amount, delimiter, decimal, thousands, encoding, source_name
        As for :func:`loyaltylab.data.load_transactions` (``returns="net"`` only for a log
        without negative amounts).

    Returns
    -------
    SparkTransactions

    Raises
    ------
    loyaltylab.rules.hints.LoadError
        A check whose policy is ``"error"`` found rows (count, five examples, the fixing option).
    loyaltylab.errors.DataValidationError
        Missing columns, an unreadable source, nothing left after the checks.
    loyaltylab.errors.ParameterError
        An unknown policy or option.
    """
    from pyspark.sql import functions as F

    policy: dict[str, Any] = {
        "returns": _choice(returns, "returns", ("net", "drop", "error")),
        "duplicates": _choice(duplicates, "duplicates", ("drop", "keep", "error")),
        "after_end": _choice(after_end, "after_end", ("error", "drop")),
        "invalid": _choice(invalid, "invalid", ("error", "drop")),
        "mixed_timezones": _choice(mixed_timezones, "mixed_timezones", ("error", "utc")),
        "cancellation_prefix": text_option(cancellation_prefix, "cancellation_prefix"),
        "max_amount": positive_option(max_amount, "max_amount"),
    }
    if decimal not in (".", ","):
        raise ParameterError(f"parameter 'decimal' must be '.' or ',', got {decimal!r}")
    end_day = as_day(observation_end, "observation_end", optional=True)
    session = spark if spark is not None else spark_session(settings)
    read = read_spark_source(source, session, delimiter=delimiter, encoding=encoding)
    raw, name = read.frame, source_name or read.name
    kept = _column_mapping(pd.DataFrame(columns=list(raw.columns)), columns, name)
    if "is_return" in kept:
        raise ParameterError(
            "column 'is_return' is not supported on Spark yet: make the returned lines' amounts "
            "negative in the source, or load on DuckDB"
        )
    ignored = tuple(str(col) for col in raw.columns if col not in set(kept.values()))
    types = dict(raw.dtypes)

    ids, id_missing, id_normalised, id_inexact = parse_ids(
        F.col(kept["customer_id"]), types[kept["customer_id"]], na_ids
    )
    stamps, stamp_bad, stamp_aware = parse_stamps(
        F.col(kept["timestamp"]), types[kept["timestamp"]], date_format
    )
    number_format = (decimal, thousands)
    lines: dict[str, Column] = {}
    for canonical in ("quantity", "unit_price"):
        if canonical in kept:
            lines[canonical] = parse_amounts(
                F.col(kept[canonical]), types[kept[canonical]], number_format
            )[0]
    if "amount" in kept:
        amount, amount_missing, amount_bad = parse_amounts(
            F.col(kept["amount"]), types[kept["amount"]], number_format
        )
    else:
        q, q_missing, q_bad = parse_amounts(
            F.col(kept["quantity"]), types[kept["quantity"]], number_format
        )
        p, p_missing, p_bad = parse_amounts(
            F.col(kept["unit_price"]), types[kept["unit_price"]], number_format
        )
        amount = q * p
        amount_missing = q_missing | p_missing
        amount_bad = ~amount_missing & (q_bad | p_bad | ~finite(amount))
    parsed = raw.select(
        "*",
        ids.alias("__id"),
        id_missing.alias("__id_missing"),
        id_normalised.alias("__id_normalised"),
        id_inexact.alias("__id_inexact"),
        stamps.alias("__ts"),
        stamp_bad.alias("__ts_bad"),
        stamp_aware.alias("__ts_aware"),
        amount.alias("__amount"),
        amount_missing.alias("__amount_missing"),
        amount_bad.alias("__amount_bad"),
        *(value.alias(f"__{canonical}") for canonical, value in lines.items()),
    )
    raw_amount = F.when(~F.col("__amount_missing") & ~F.col("__amount_bad"), F.col("__amount"))
    parsed = parsed.withColumn("__raw_amount", raw_amount)
    problems = _Problems(parsed, list(raw.columns), name)

    masks = [
        (
            "customer_id_missing",
            "customer id is missing, empty or NA-like",
            "customer_id",
            "__id_missing",
        ),
        ("timestamp_unparseable", timestamp_problem(date_format), "timestamp", "__ts_bad"),
        ("amount_missing", "amount is missing (empty or NaN)", "amount", "__amount_missing"),
        ("amount_not_numeric", "amount is not a finite number", "amount", "__amount_bad"),
    ]
    exclusive: list[Column] = []
    already = F.lit(False)
    for _, _, _, flag in masks:
        exclusive.append(F.col(flag) & ~already)
        already = already | F.col(flag)
    ceiling = float(policy["max_amount"])
    naive_valid = ~F.col("__ts_aware") & ~F.col("__ts_bad")
    counts = parsed.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.col("__raw_amount")).alias("amount"),
        F.max(F.abs(F.col("__raw_amount"))).alias("largest"),
        F.sum(F.col("__id_inexact").cast("long")).alias("inexact"),
        F.sum((F.abs(F.col("__raw_amount")) > ceiling).cast("long")).alias("too_large"),
        F.sum(naive_valid.cast("long")).alias("naive"),
        *(
            agg
            for i, (check, _, _, flag) in enumerate(masks)
            for agg in (
                F.sum(F.col(flag).cast("long")).alias(f"{check}_any"),
                F.sum(exclusive[i].cast("long")).alias(check),
                F.sum(F.when(exclusive[i], F.col("__raw_amount"))).alias(f"{check}_amount"),
            )
        ),
        F.sum(F.col("__id_normalised").cast("long")).alias("normalised"),
        F.sum(F.when(F.col("__id_normalised"), F.col("__raw_amount"))).alias("normalised_amount"),
        F.sum(F.col("__ts_aware").cast("long")).alias("aware"),
        F.sum(F.when(F.col("__ts_aware"), F.col("__raw_amount"))).alias("aware_amount"),
    ).first()
    assert counts is not None
    totals = counts.asDict()
    rows_read = int(totals["rows"])
    if rows_read == 0:
        raise DataValidationError(f"transactions source {name} has no rows (only a header)")
    if totals["inexact"]:
        raise problems.error(
            inexact_id_problem(int(totals["inexact"])),
            "customer_id",
            "__id_inexact",
            int(totals["inexact"]),
            source_col=kept["customer_id"],
        )
    if totals["too_large"]:
        largest = float(totals["largest"])
        fix = ceiling_above(largest)
        raise problems.error(
            f"amounts above max_amount {ceiling:g} in magnitude (largest {largest:g}; usually a "
            "unit or parsing error: check the column and its number format)",
            "amount",
            F.abs(F.col("__raw_amount")) > ceiling,
            int(totals["too_large"]),
            source_col=kept.get("amount"),
            remedy="if such amounts are real",
            fix=None if fix is None else {"max_amount": fix},
        )
    for check, reason, column, flag in masks:
        found = int(totals[f"{check}_any"] or 0)
        if found and policy["invalid"] == "error":
            fix_option: dict[str, Any] = {"invalid": "drop"}
            remedy = "to drop such rows (counted in the quality table)"
            alternatives: tuple[dict[str, Any], ...] = ()
            if check == "timestamp_unparseable" and date_format is None:
                remedy = "if the dates are written another way, give their format"
                fix_option = {"date_format": "%d/%m/%Y %H:%M"}
                alternatives = ({"invalid": "drop"},)
            raise problems.error(
                reason,
                column,
                flag,
                found,
                source_col=kept.get(column),
                remedy=remedy,
                fix=fix_option,
                alternatives=alternatives,
            )
    aware, naive = int(totals["aware"] or 0), int(totals["naive"] or 0)
    if aware and naive and policy["mixed_timezones"] == "error":
        raise problems.error(
            f"timezone-aware timestamps mixed with {naive} naive ones",
            "timestamp",
            "__ts_aware",
            aware,
            source_col=kept["timestamp"],
            remedy="to read naive values as UTC too",
            fix={"mixed_timezones": "utc"},
        )
    quality: list[dict[str, Any]] = []
    for check, reason, column, _ in masks:
        quality.append(
            _row(
                check,
                reason,
                column,
                totals[check],
                totals[f"{check}_amount"],
                "dropped",
                removes=True,
            )
        )
        if check == "customer_id_missing":
            quality.append(
                _row(
                    "customer_id_normalised",
                    "customer id written as a whole-number float (123.0 -> '123') or padded with "
                    "spaces",
                    "customer_id",
                    totals["normalised"],
                    totals["normalised_amount"],
                    "normalised",
                )
            )
        elif check == "timestamp_unparseable":
            mixed = " (column mixes aware and naive)" if aware and naive else ""
            quality.append(
                _row(
                    "timestamp_timezone",
                    "timezone-aware timestamp" + mixed,
                    "timestamp",
                    aware,
                    totals["aware_amount"],
                    "converted to UTC, made naive",
                )
            )

    selected = [
        F.col("__id").alias("customer_id"),
        F.col("__ts").alias("timestamp"),
        F.col("__amount").alias("amount"),
    ]
    optional = [c for c in kept if c not in REQUIRED_COLUMNS]
    for canonical in optional:
        source_col = f"__{canonical}" if canonical in lines else kept[canonical]
        selected.append(F.col(source_col).alias(canonical))
    extras = [F.col(col).alias(f"__source {col}") for col in ignored]
    valid = ~F.col("__id_missing") & ~F.col("__ts_bad") & ~F.col("__amount_missing")
    frame = parsed.filter(valid & ~F.col("__amount_bad")).select(*selected, *extras)

    frame = _duplicates(frame, policy["duplicates"], quality, problems)
    frame = frame.drop(*(f"__source {col}" for col in ignored))
    frame, rows_loaded, amount_loaded = _late_and_returns(frame, end_day, policy, quality, problems)
    if "order_id" in frame.columns:
        _order_totals(frame, ceiling, problems)
    if rows_loaded == 0:
        table = _quality_frame(quality)
        raise DataValidationError(
            f"no transactions left in {name} after the checks ({rows_read} rows read):\n"
            + table.to_string(index=False)
        )
    return SparkTransactions(
        frame=frame,
        quality=_quality_frame(quality),
        source=name,
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        amount_read=float(totals["amount"] or 0.0),
        amount_loaded=amount_loaded,
        observation_end=end_day,
        ignored_columns=ignored,
        policy=policy,
    )


# ----------------------------------------------------------------------------------------------
# policies


def _duplicates(
    frame: DataFrame, policy: str, quality: list[dict[str, Any]], problems: _Problems
) -> DataFrame:
    """Full-row duplicates: every source column (mapped or not) and the parsed values equal."""
    from pyspark.sql import functions as F

    keys = list(frame.columns)
    groups = frame.groupBy(*keys).agg(F.count(F.lit(1)).alias("__n"))
    extra = groups.agg(
        F.sum(F.col("__n") - 1).alias("rows"),
        F.sum((F.col("__n") - 1) * F.col("amount")).alias("amount"),
    ).first()
    assert extra is not None
    count = int(extra["rows"] or 0)
    if count and policy == "error":
        raise problems.error(
            "full-row duplicates (every source column equal to an earlier row)",
            "all columns",
            None,
            count,
            remedy="to drop the repeats (first kept), or to keep them all",
            fix={"duplicates": "drop"},
            alternatives=({"duplicates": "keep"},),
        )
    action = "dropped (first kept)" if policy == "drop" else "kept"
    quality.append(
        _row(
            "duplicate_rows",
            "duplicate of an earlier row in every source column",
            "all columns",
            count,
            extra["amount"],
            action,
            removes=policy == "drop",
        )
    )
    return frame.dropDuplicates(keys) if policy == "drop" and count else frame


def _late_and_returns(
    frame: DataFrame,
    end_day: pd.Timestamp | None,
    policy: dict[str, Any],
    quality: list[dict[str, Any]],
    problems: _Problems,
) -> tuple[DataFrame, int, float]:
    """Rows after ``end_day`` and returns, counted in one pass; the frame, rows and money kept."""
    from pyspark.sql import functions as F

    if end_day is None:
        late = F.lit(False)
    else:
        late = F.col("timestamp") >= F.lit(end_day + pd.Timedelta(days=1)).cast("timestamp")
    drop_late = end_day is not None
    negative = F.col("amount") < 0
    counted_negative = negative & ~late if drop_late else negative
    totals = frame.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum("amount").alias("amount"),
        F.sum(late.cast("long")).alias("late"),
        F.sum(F.when(late, F.col("amount"))).alias("late_amount"),
        F.sum(counted_negative.cast("long")).alias("negative"),
        F.sum(F.when(counted_negative, F.col("amount"))).alias("negative_amount"),
    ).first()
    assert totals is not None
    rows, money = int(totals["rows"]), float(totals["amount"] or 0.0)
    if end_day is None:
        quality.append(
            _row(
                "after_observation_end",
                "timestamp after observation_end",
                "timestamp",
                0,
                0.0,
                "not checked (no observation_end given)",
            )
        )
    else:
        n_late = int(totals["late"] or 0)
        if n_late and policy["after_end"] == "error":
            raise problems.frame_error(
                frame,
                f"timestamps after observation_end {end_day.date()}",
                "timestamp",
                late,
                n_late,
                remedy="to drop them",
                fix={"after_end": "drop"},
            )
        quality.append(
            _row(
                "after_observation_end",
                f"timestamp after observation_end {end_day.date()}",
                "timestamp",
                n_late,
                totals["late_amount"],
                "dropped",
                removes=True,
            )
        )
        if n_late:
            frame = frame.filter(~late)
            rows -= n_late
            money -= float(totals["late_amount"] or 0.0)
    n_negative = int(totals["negative"] or 0)
    returns = policy["returns"]
    if n_negative and returns == "error":
        raise problems.frame_error(
            frame,
            "negative amounts (returns) or cancellation documents",
            "amount",
            negative,
            n_negative,
            remedy="to net them against the purchases they return",
            fix={"returns": "net"},
            alternatives=({"returns": "drop"},),
        )
    if n_negative and returns == "net":
        raise problems.frame_error(
            frame,
            "negative amounts (returns): netting returns is not implemented on Spark",
            "amount",
            negative,
            n_negative,
            remedy="net them in the warehouse before loading, or on DuckDB; or",
            fix={"returns": "drop"},
        )
    # the rows of the returns checks as the pandas loader writes them when none are found
    template = QualityLog()
    empty = pd.DataFrame(
        {
            c: pd.Series(dtype=t)
            for c, t in (
                ("customer_id", "str"),
                ("timestamp", "datetime64[ns]"),
                ("amount", "float64"),
                ("order_id", "str"),
            )
        }
    )
    apply_returns(
        empty,
        returns,
        template,
        RowProblems(empty, pd.Series(dtype=str), ""),
        cancellation_prefix=policy["cancellation_prefix"],
    )
    for found in template.frame().to_dict("records"):
        record = {str(key): value for key, value in found.items()}
        if returns == "drop" and record["check"] == "returns":
            record = _row(
                record["check"],
                record["reason"],
                record["column"],
                n_negative,
                totals["negative_amount"],
                "dropped",
                removes=True,
            )
        quality.append(record)
    if n_negative and returns == "drop":
        frame = frame.filter(~negative)
        rows -= n_negative
        money -= float(totals["negative_amount"] or 0.0)
    return frame, rows, money


def _order_totals(frame: DataFrame, ceiling: float, problems: _Problems) -> None:
    from pyspark.sql import functions as F

    order = F.coalesce(F.col("order_id").cast("string"), F.lit(""))
    totals = frame.groupBy("customer_id", order.alias("__order")).agg(
        F.sum("amount").alias("__total")
    )
    largest = totals.agg(F.max(F.abs(F.col("__total"))).alias("largest")).first()
    value = float(largest["largest"] or 0.0) if largest is not None else 0.0
    if value > ceiling:
        fix = ceiling_above(value)
        large = totals.filter(F.abs(F.col("__total")) > ceiling)
        count = large.count()
        raise problems.frame_error(
            large,
            f"orders totalling more than max_amount {ceiling:g} (largest {value:g}; "
            "usually a unit or parsing error)",
            "amount",
            F.lit(True),
            count,
            remedy="if such orders are real",
            fix=None if fix is None else {"max_amount": fix},
        )


# ----------------------------------------------------------------------------------------------
# quality rows and errors


def _row(
    check: str,
    reason: str,
    column: str,
    rows: Any,
    amount: Any,
    action: str,
    *,
    removes: bool = False,
) -> dict[str, Any]:
    """One quality row with :meth:`QualityLog.add`'s conventions (counts instead of a mask)."""
    count = int(rows or 0)
    total = float(amount or 0.0) if count else 0.0
    shown = action if count or action.startswith("not checked") else "none found"
    return {
        "check": check,
        "reason": reason,
        "column": column,
        "rows": count,
        "amount": total,
        "action": shown,
        "rows_removed": count if removes else 0,
        "amount_removed": total if removes else 0.0,
    }


def _quality_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(QUALITY_COLUMNS))
    return table.astype(
        {"rows": "int64", "amount": "float64", "rows_removed": "int64", "amount_removed": "float64"}
    )


class _Problems:
    """Builds a :class:`LoadError` worded as the pandas loader's (count, five examples, fix)."""

    def __init__(self, parsed: DataFrame, columns: list[str], name: str) -> None:
        self.parsed, self.columns, self.name = parsed, columns, name
        self._rows: int | None = None

    def error(
        self,
        what: str,
        column: str,
        condition: Column | str | None,
        count: int,
        *,
        source_col: Any = None,
        remedy: str = "",
        fix: Mapping[str, Any] | None = None,
        alternatives: tuple[Mapping[str, Any], ...] = (),
    ) -> LoadError:
        from pyspark.sql import functions as F

        where = f"column {column!r}"
        if source_col is not None and source_col != column:
            where += f" (source column {source_col!r})"
        listed = ""
        shown = 0
        if condition is not None:
            mask = F.col(condition) if isinstance(condition, str) else condition
            rows = self.parsed.filter(mask).select(*self.columns).limit(5).collect()
            shown = len(rows)
            listed = "; ".join(str(row.asDict()) for row in rows)
        total = self.parsed.count()
        problem = (
            f"{self.name}, {where}: {what} in {count} of {total} rows. Examples ({shown}): {listed}"
        )
        return LoadError(problem, remedy, fix, alternatives)

    def frame_error(
        self,
        frame: DataFrame,
        what: str,
        column: str,
        condition: Column,
        count: int,
        *,
        remedy: str = "",
        fix: Mapping[str, Any] | None = None,
        alternatives: tuple[Mapping[str, Any], ...] = (),
    ) -> LoadError:
        rows = frame.filter(condition).limit(5).collect()
        listed = "; ".join(
            str({k: v for k, v in row.asDict().items() if not k.startswith("__")}) for row in rows
        )
        problem = (
            f"{self.name}, column {column!r}: {what} in {count} rows. "
            f"Examples ({len(rows)}): {listed}"
        )
        return LoadError(problem, remedy, fix, alternatives)

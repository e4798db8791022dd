"""Fit the CLV models on a compressed Spark summary, and score every customer back on Spark.

The models need only the distinct (frequency, recency, T) rows with their customer counts
(BG/NBD family) and the distinct (frequency, monetary value) rows of the repeat customers
(Gamma-Gamma): :func:`fit_clv_models_spark` brings those to the driver and fits them with
:mod:`loyaltylab.clv` (the same attempts, checks and results as a fit on a pandas summary).
:func:`score_customers_spark` then computes each customer's P(alive), expected purchases,
expected spend and discounted CLV with :func:`loyaltylab.clv.customer_lifetime_value` inside
``mapInPandas`` - one Arrow batch at a time on the workers - and the CLV tiers ("top 1%",
"top 1-10%", "rest") from exact Spark ranks, so a customer table of 100 M rows never passes
through pandas on the driver.

Examples
--------
>>> fits = fit_clv_models_spark(summary)  # doctest: +SKIP
>>> scored = score_customers_spark(summary, fits, horizon=52)  # doctest: +SKIP
>>> scored.groupBy("clv_tier").sum("clv").show()  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from loyaltylab.clv import (
    SpendModelFit,
    TransactionModelFit,
    clv_tiers,
    customer_lifetime_value,
    get_transaction_model,
)
from loyaltylab.clv.fitting import DEFAULT_FIT_TIMEOUT_SECONDS, fit_deadline, fit_with_retries
from loyaltylab.clv.models import SPEND_MODEL
from loyaltylab.engine.spark import quiet_pyspark, to_pandas
from loyaltylab.engine.spark_summary import compressed_summary
from loyaltylab.errors import DataValidationError, ParameterError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = [
    "SCORE_COLUMNS",
    "SparkCLVFits",
    "fit_clv_models_spark",
    "score_customers_spark",
    "scores_to_pandas",
]

#: Columns of :func:`score_customers_spark` (those of ``CLVResult.per_customer``).
SCORE_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "probability_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
    "clv_tier",
)


@dataclass(frozen=True)
class SparkCLVFits:
    """The transaction and spend models fitted on a Spark summary.

    Attributes
    ----------
    transaction : TransactionModelFit
    spend : SpendModelFit
    n_rows_transaction, n_rows_spend : int
        Compressed rows the driver received for each fit.
    """

    transaction: TransactionModelFit
    spend: SpendModelFit
    n_rows_transaction: int
    n_rows_spend: int

    def summary(self) -> pd.DataFrame:
        """Parameters of both fits as one table (``model``, ``parameter``, ``value``)."""
        rows = [
            (self.transaction.model, name, value) for name, value in self.transaction.params.items()
        ]
        rows += [("gamma_gamma", name, value) for name, value in self.spend.params.items()]
        return pd.DataFrame(rows, columns=["model", "parameter", "value"])


def _fit_spend(summary: DataFrame, q_constraint: bool) -> tuple[SpendModelFit, int]:
    """Fit Gamma-Gamma on the compressed repeat customers (as ``clv.fit_spend_model``)."""
    from pyspark.sql import functions as F

    repeat = F.col("frequency") > 0
    positive = F.col("monetary_value") > 0
    counts = summary.agg(
        F.sum((~repeat).cast("long")).alias("one_time"),
        F.sum((repeat & ~positive).cast("long")).alias("nonpositive"),
        F.sum((repeat & positive).cast("long")).alias("fitted"),
        F.corr(
            F.when(repeat & positive, F.col("frequency").cast("double")),
            F.when(repeat & positive, F.col("monetary_value")),
        ).alias("correlation"),
    ).first()
    assert counts is not None
    fitted = int(counts["fitted"] or 0)
    if fitted < 2:
        raise DataValidationError(
            f"summary has {fitted} repeat customer(s) (frequency > 0) with a positive mean spend "
            f"({int(counts['nonpositive'] or 0)} more with monetary_value <= 0); the "
            "Gamma-Gamma model needs at least 2"
        )
    rows = compressed_summary(summary.filter(repeat & positive), ("frequency", "monetary_value"))
    params, loglik, covariance, attempts = fit_with_retries(
        SPEND_MODEL.label,
        SPEND_MODEL.parameter_names,
        SPEND_MODEL.fit_strategies(rows, q_constraint=q_constraint),
        SPEND_MODEL.likelihood(rows),
    )
    labels = [f"log_{k}" for k in SPEND_MODEL.parameter_names]
    correlation = counts["correlation"]
    fit = SpendModelFit(
        params=params,
        log_likelihood=loglik,
        covariance=pd.DataFrame(covariance, index=labels, columns=labels),
        n_customers=fitted,
        n_excluded_one_time=int(counts["one_time"] or 0),
        n_unique_rows=len(rows),
        frequency_spend_correlation=float("nan") if correlation is None else float(correlation),
        attempts=attempts,
        n_excluded_nonpositive_spend=int(counts["nonpositive"] or 0),
    )
    return fit, len(rows)


def fit_clv_models_spark(
    summary: DataFrame,
    *,
    model: str = "bgnbd",
    time_unit: str = "W",
    timeout_seconds: float | None = DEFAULT_FIT_TIMEOUT_SECONDS,
    q_constraint: bool = True,
) -> SparkCLVFits:
    """Fit a transaction model and Gamma-Gamma on a Spark customer summary.

    Only the compressed rows come to the driver (:func:`~loyaltylab.engine.spark_summary.
    compressed_summary`); the fits are those of :func:`loyaltylab.clv.fit_transaction_model`
    and :func:`loyaltylab.clv.fit_spend_model` on the same customers.

    Parameters
    ----------
    summary : pyspark.sql.DataFrame
        From :func:`loyaltylab.engine.spark_summary.summarize_customers_spark`.
    model : {"bgnbd", "pareto_nbd", "mbgnbd"}, default "bgnbd"
    time_unit : {"W", "D", "M"}, default "W"
        The summary's time unit.
    timeout_seconds : float or None, default 60
        Time limit of the transaction-model fit.
    q_constraint : bool, default True
        Gamma-Gamma with q > 1.

    Returns
    -------
    SparkCLVFits
    """
    family = get_transaction_model(model)
    rows = compressed_summary(summary)
    if rows.empty:
        raise DataValidationError("summary has no customers (0 rows)")
    if (rows["recency"] > rows["T"] + 1e-9).any() or (rows["frequency"] < 0).any():
        raise DataValidationError(
            "summary has rows with recency > T or a negative frequency; make it with "
            "summarize_customers_spark"
        )
    with fit_deadline(timeout_seconds):
        transaction = family.fit_rows(rows, time_unit=time_unit)
    spend, n_spend = _fit_spend(summary, q_constraint)
    return SparkCLVFits(
        transaction=transaction, spend=spend, n_rows_transaction=len(rows), n_rows_spend=n_spend
    )


def _tier_labels(shares: Sequence[float]) -> list[str]:
    """Return the labels :func:`loyaltylab.clv.clv_tiers` gives (it checks ``shares``)."""
    labels = clv_tiers(pd.Series([0.0]), shares).cat.categories
    return [str(label) for label in labels]


def score_customers_spark(
    summary: DataFrame,
    fits: SparkCLVFits | tuple[TransactionModelFit, SpendModelFit],
    *,
    horizon: float = 52.0,
    discount_rate: float = 0.10,
    step: float = 1.0,
    time_unit: str | None = None,
    top_shares: Sequence[float] = (0.01, 0.10),
) -> DataFrame:
    """Score every customer of a Spark summary: P(alive), expected purchases, spend, CLV, tier.

    Each Arrow batch of customers is scored by :func:`loyaltylab.clv.customer_lifetime_value`
    on a worker (``mapInPandas``), so the numbers are those of the pandas path; the tiers rank
    all customers by CLV as :func:`loyaltylab.clv.clv_tiers` does (ties by ``customer_id``, the
    order of a summary), with exact cut-offs found by Spark.

    Parameters
    ----------
    summary : pyspark.sql.DataFrame
        ``customer_id``, ``frequency``, ``recency``, ``T``, ``monetary_value``.
    fits : SparkCLVFits or (TransactionModelFit, SpendModelFit)
    horizon, discount_rate, step, time_unit
        As for :func:`loyaltylab.clv.customer_lifetime_value`.
    top_shares : sequence of float, default (0.01, 0.10)
        As for :func:`loyaltylab.clv.clv_tiers`.

    Returns
    -------
    pyspark.sql.DataFrame
        Columns :data:`SCORE_COLUMNS` (``clv_tier`` as text), one row per customer. The scores
        are computed once and persisted (memory and disk) for the tier cut-offs; write the
        result to a table, then free them with ``spark.catalog.clearCache()`` if needed.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    if isinstance(fits, SparkCLVFits):
        transaction, spend = fits.transaction, fits.spend
    else:
        transaction, spend = fits
    labels = _tier_labels(top_shares)
    shares = [float(s) for s in top_shares]
    # checked once on the driver (the workers would fail batch by batch)
    customer_lifetime_value(
        transaction,
        spend,
        pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [1.0], "monetary_value": [0.0]}),
        horizon=horizon,
        discount_rate=discount_rate,
        step=step,
        time_unit=time_unit,
    )
    numbers = SCORE_COLUMNS[1:-1]
    schema = StructType(
        [StructField("customer_id", StringType())]
        + [StructField(c, LongType() if c == "frequency" else DoubleType()) for c in numbers]
    )

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if batch.empty:
                continue
            result = customer_lifetime_value(
                transaction,
                spend,
                batch,
                horizon=horizon,
                discount_rate=discount_rate,
                step=step,
                time_unit=time_unit,
            ).per_customer
            out = result[list(SCORE_COLUMNS[:-1])].copy()
            out["frequency"] = batch["frequency"].to_numpy(dtype=np.int64)
            yield out

    columns = summary.select(
        F.col("customer_id").cast("string"),
        F.col("frequency").cast("long"),
        *(F.col(c).cast("double") for c in ("recency", "T", "monetary_value")),
    )
    with quiet_pyspark():
        scored = columns.mapInPandas(score, schema)
    return _with_tiers(scored, shares, labels)


def _with_tiers(scored: DataFrame, shares: list[float], labels: list[str]) -> DataFrame:
    """Add ``clv_tier``: the top ceil(share * n) customers by CLV, ties by ``customer_id``."""
    from pyspark.sql import functions as F

    scored = scored.persist()
    n = scored.count()
    if n == 0:
        return scored.withColumn("clv_tier", F.lit(labels[-1]))
    members = []
    for share in shares:
        k = math.ceil(share * n)
        ordered = scored.select("clv", "customer_id").orderBy(F.desc("clv"), F.asc("customer_id"))
        last = ordered.limit(k).agg(F.min("clv").alias("clv")).first()
        threshold = float(last["clv"]) if last is not None and last["clv"] is not None else None
        if threshold is None or not math.isfinite(threshold):
            raise ParameterError("CLV has no finite values to rank into tiers")
        above = scored.filter(F.col("clv") > threshold).count()
        ties = scored.filter(F.col("clv") == threshold).select("customer_id")
        cut = ties.orderBy("customer_id").limit(k - above).agg(F.max("customer_id")).first()
        cut_id = cut[0] if cut is not None else None
        member = F.col("clv") > threshold
        if cut_id is not None:
            member = member | ((F.col("clv") == threshold) & (F.col("customer_id") <= cut_id))
        members.append(member)
    tier = F.lit(labels[-1])
    for member, label in reversed(list(zip(members, labels[:-1], strict=True))):
        tier = F.when(member, F.lit(label)).otherwise(tier)
    return scored.withColumn("clv_tier", tier).select(*SCORE_COLUMNS)


def scores_to_pandas(scored: DataFrame) -> pd.DataFrame:
    """Collect scores sorted by ``customer_id`` (small data and tests), ``clv_tier`` as text."""
    frame = to_pandas(scored.orderBy("customer_id"))
    frame["customer_id"] = frame["customer_id"].astype("str")
    return frame.reset_index(drop=True)

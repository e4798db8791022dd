"""Spark engine: CLV fits on the compressed Spark summary and per-customer scoring on Spark.

The fits must be those of :mod:`loyaltylab.clv` on the pandas summary of the same customers,
and the scores those of :func:`loyaltylab.clv.customer_lifetime_value` (itself tested against
lifetimes and the published CDNOW estimates in tests/test_clv.py), to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")

from loyaltylab.clv import (  # noqa: E402
    customer_lifetime_value,
    fit_spend_model,
    fit_transaction_model,
)
from loyaltylab.customers import summarize_customers  # noqa: E402
from loyaltylab.engine.spark import from_pandas, spark_session  # noqa: E402
from loyaltylab.engine.spark_scoring import (  # noqa: E402
    SCORE_COLUMNS,
    fit_clv_models_spark,
    score_customers_spark,
    scores_to_pandas,
)
from loyaltylab.engine.spark_summary import summarize_customers_spark  # noqa: E402
from loyaltylab.errors import ParameterError  # noqa: E402

pytestmark = pytest.mark.xdist_group("spark")

END = "1998-06-30"


@pytest.fixture(scope="module")
def spark():
    return spark_session()  # the session of tests/test_engine_spark.py, or a default one


@pytest.fixture(scope="module")
def summaries(spark, cdnow_sample):
    spark_summary = summarize_customers_spark(from_pandas(spark, cdnow_sample), END).cache()
    return spark_summary, summarize_customers(cdnow_sample, END)


@pytest.fixture(scope="module")
def fits(summaries):
    return fit_clv_models_spark(summaries[0])


def test_fits_equal_the_pandas_fits(summaries, fits):
    pandas_summary = summaries[1]
    transaction = fit_transaction_model(pandas_summary, "bgnbd")
    spend = fit_spend_model(pandas_summary)
    for got, want in ((fits.transaction, transaction), (fits.spend, spend)):
        assert got.params.keys() == want.params.keys()
        for name in want.params:
            assert got.params[name] == pytest.approx(want.params[name], rel=1e-9)
        assert got.log_likelihood == pytest.approx(want.log_likelihood, rel=1e-12)
    assert fits.transaction.n_customers == 2357 == transaction.n_customers
    assert fits.n_rows_transaction == transaction.n_unique_rows
    assert fits.spend.n_customers == spend.n_customers
    assert fits.spend.n_excluded_one_time == spend.n_excluded_one_time
    assert fits.spend.frequency_spend_correlation == pytest.approx(
        spend.frequency_spend_correlation, rel=1e-9
    )
    assert set(fits.summary()["model"]) == {"bgnbd", "gamma_gamma"}


def test_scores_equal_customer_lifetime_value(summaries, fits):
    scored = scores_to_pandas(score_customers_spark(summaries[0], fits, horizon=39))
    want = customer_lifetime_value(
        fits.transaction, fits.spend, summaries[1], horizon=39
    ).per_customer
    assert list(scored.columns) == list(SCORE_COLUMNS)
    assert scored["customer_id"].tolist() == want["customer_id"].tolist()
    assert scored["frequency"].tolist() == want["frequency"].astype(int).tolist()
    for column in ("probability_alive", "expected_purchases", "expected_spend", "clv"):
        np.testing.assert_allclose(scored[column], want[column], rtol=1e-9, atol=1e-12)
    assert scored["clv_tier"].tolist() == want["clv_tier"].astype(str).tolist()
    counts = scored["clv_tier"].value_counts()
    # ceil(1 % of 2357) = 24 and ceil(10 %) - 24 = 212 customers
    assert (counts["top 1%"], counts["top 1%-10%"]) == (24, 212)


def test_tiers_break_ties_by_customer_id(spark, fits):
    # 10 identical one-time customers: equal CLV, so the top 10 % (1) is the smallest id
    summary = pd.DataFrame(
        {
            "customer_id": [f"c{i:02d}" for i in range(9, -1, -1)],
            "frequency": 0,
            "recency": 0.0,
            "T": 10.0,
            "monetary_value": 0.0,
        }
    )
    scored = scores_to_pandas(
        score_customers_spark(from_pandas(spark, summary), fits, top_shares=(0.1,))
    )
    assert scored["clv_tier"].tolist() == ["top 10%"] + ["rest"] * 9
    assert scored["clv"].nunique() == 1
    with pytest.raises(ParameterError, match="top_shares"):
        score_customers_spark(from_pandas(spark, summary), fits, top_shares=(0.5, 0.1))

"""Spark engine: settings, session, sources read by Spark and the engine loader's rules there,
the customer summary.

One local Spark session (``local[2]``) serves every test of the module (the xdist group keeps
them in one worker). Spark numbers are compared with the pandas/DuckDB path, which is tested
against lifetimes and hand calculations (tests/test_customers.py), and with a hand calculation.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pyspark = pytest.importorskip("pyspark")

from loyaltylab.config.spark import SparkSettings  # noqa: E402
from loyaltylab.customers import summarize_customers  # noqa: E402
from loyaltylab.data import load_transactions  # noqa: E402
from loyaltylab.datasets.resolve import resolve_transactions, synthetic_dir  # noqa: E402
from loyaltylab.engine.loading import load_engine_transactions  # noqa: E402
from loyaltylab.engine.spark import (  # noqa: E402
    from_pandas,
    local_defaults,
    read_spark_source,
    spark_session,
)
from loyaltylab.engine.spark_load import load_spark_transactions  # noqa: E402
from loyaltylab.engine.spark_summary import (  # noqa: E402
    compressed_summary,
    summarize_customers_spark,
    summary_to_pandas,
)
from loyaltylab.errors import ConfigError, DataValidationError, ParameterError  # noqa: E402

pytestmark = pytest.mark.xdist_group("spark")

NUMBERS = ["frequency", "recency", "T", "monetary_value"]


# few shuffle partitions: the test data are tiny (one session for both Spark test modules)
SETTINGS = SparkSettings(
    master="local[2]",
    app_name="loyaltylab-tests",
    conf={"spark.sql.shuffle.partitions": 2, "spark.sql.adaptive.enabled": False},
)


@pytest.fixture(scope="module")
def spark():
    return spark_session(SETTINGS)


def assert_same_summary(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert got["frequency"].tolist() == want["frequency"].tolist()
    for column in ("recency", "T", "monetary_value"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-9, atol=1e-9)
    for column in ("first_purchase", "last_purchase"):
        assert (got[column] == want[column]).all()
    assert got.dtypes.to_dict() == want.dtypes.to_dict()


def assert_same_quality(got: pd.DataFrame, want: pd.DataFrame) -> None:
    text = ["check", "reason", "column", "action"]
    assert got[text].to_dict("records") == want[text].to_dict("records")
    assert got["rows"].tolist() == want["rows"].tolist()
    assert got["rows_removed"].tolist() == want["rows_removed"].tolist()
    for column in ("amount", "amount_removed"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------------------------
# settings (no Spark needed)


def test_settings_defaults_and_conf_as_text():
    settings = SparkSettings.model_validate(
        {"conf": {"spark.sql.shuffle.partitions": 8, "spark.sql.adaptive.enabled": True}}
    )
    assert settings.master == "local[2]" and settings.is_local
    assert settings.conf == {
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.adaptive.enabled": "true",
    }
    assert not SparkSettings(master="spark://head:7077").is_local


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"master": "localhost"}, "not a master URL"),
        ({"conf": {"executor.memory": "4g"}}, "must start with 'spark.'"),
        ({"conf": {"spark.jars": ["a.jar"]}}, "number, a boolean or text"),
        ({"mastr": "local[2]"}, "unknown key"),
    ],
)
def test_settings_refuse_bad_values(raw, message):
    from loyaltylab.config.base import validate_model

    with pytest.raises(ConfigError, match=message):
        validate_model(SparkSettings, raw, root="spark")


def test_reports_yaml_spark_section(tmp_path, monkeypatch):
    from loyaltylab.config import load_config
    from loyaltylab.engine.spark import configured_settings

    config = load_config({"spark": {"master": "local[1]", "conf": {"spark.driver.memory": "2g"}}})
    assert config.spark.master == "local[1]" and config.spark.conf["spark.driver.memory"] == "2g"
    assert load_config({}).spark == SparkSettings()
    with pytest.raises(ConfigError, match=r"spark\.master: .*not a master URL"):
        load_config({"spark": {"master": "my-laptop"}})
    (tmp_path / "reports.yaml").write_text("spark:\n  master: local[3]\n  app_name: shop\n")
    monkeypatch.chdir(tmp_path)
    assert configured_settings() == SparkSettings(master="local[3]", app_name="shop")


def test_local_defaults():
    defaults = local_defaults(SparkSettings(master="local[3]"))
    assert defaults["spark.sql.shuffle.partitions"] == "6"
    assert defaults["spark.sql.session.timeZone"] == "UTC"
    assert "spark.ui.enabled" not in local_defaults(SparkSettings(master="yarn"))


# ----------------------------------------------------------------------------------------------
# session


def test_session_is_cached_in_utc_and_uses_this_python(spark):
    assert spark_session(SETTINGS) is spark and spark_session() is spark
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"  # conf wins over defaults
    assert os.environ["PYSPARK_PYTHON"] == sys.executable
    # a Python worker runs this interpreter
    executable = spark.sparkContext.parallelize([0], 1).map(lambda _: sys.executable).collect()
    assert executable == [sys.executable]


# ----------------------------------------------------------------------------------------------
# summary


def test_summary_by_hand(spark):
    # a: one order over midnight (day 1) + day 15; b: one purchase; c: only after the end
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 23:50",
                    "2024-01-02 00:10",
                    "2024-01-15 10:00",
                    "2024-01-08 12:00",
                    "2024-02-01 00:00",
                ]
            ),
            "amount": [10.0, 5.0, 30.0, 7.0, 1.0],
            "order_id": ["o1", "o1", "o2", None, "o9"],
        }
    )
    got = summary_to_pandas(summarize_customers_spark(from_pandas(spark, tx), "2024-01-29"))
    assert got["customer_id"].tolist() == ["a", "b"]
    # a: days 1 and 15 -> frequency 1, recency 14/7, T 28/7, repeat spend 30
    assert got[NUMBERS].to_numpy().tolist() == [[1, 2.0, 4.0, 30.0], [0, 0.0, 3.0, 0.0]]
    assert got["first_purchase"].tolist() == pd.to_datetime(["2024-01-01", "2024-01-08"]).tolist()


def test_summary_and_compressed_rows_equal_pandas_on_cdnow(spark, cdnow_sample):
    from loyaltylab.clv import compress_customers

    summary = summarize_customers_spark(from_pandas(spark, cdnow_sample), "1998-06-30").cache()
    want = summarize_customers(cdnow_sample, "1998-06-30")
    assert_same_summary(summary_to_pandas(summary), want)
    rows = compress_customers(want, NUMBERS[:3]).astype({"weight": "int64"})
    pd.testing.assert_frame_equal(compressed_summary(summary), rows, check_exact=False)
    days = summarize_customers_spark(from_pandas(spark, cdnow_sample), "1998-06-30", time_unit="D")
    want_days = summarize_customers(cdnow_sample, "1998-06-30", time_unit="D")
    np.testing.assert_allclose(summary_to_pandas(days)["T"], want_days["T"], rtol=1e-12)


def test_summary_equals_pandas_on_synthetic_lines(spark):
    # the loaded line log (cancellations netted by the pandas loader), orders merged on Spark
    loaded = resolve_transactions("synthetic_lines")
    frame = loaded.transactions[["customer_id", "timestamp", "amount", "order_id"]]
    got = summarize_customers_spark(from_pandas(spark, frame), "2011-12-09")
    assert_same_summary(summary_to_pandas(got), summarize_customers(loaded, "2011-12-09"))


# ----------------------------------------------------------------------------------------------
# sources and the loader's rules


def test_load_parquet_cdnow_same_quality_and_summary(spark, cdnow_sample, tmp_path):
    path = tmp_path / "cdnow.parquet"
    cdnow_sample.to_parquet(path, coerce_timestamps="us", allow_truncated_timestamps=True)
    got = load_spark_transactions(str(path), spark=spark, duplicates="keep")
    assert got.engine == "spark"
    assert_same_quality(got.quality, load_engine_transactions(str(path), duplicates="keep").quality)
    want = load_transactions(cdnow_sample, duplicates="keep")
    checks = ["customer_id_missing", "timestamp_unparseable", "amount_missing", "duplicate_rows"]
    by_check = got.quality.set_index("check").loc[checks]
    assert by_check["rows"].tolist() == want.quality.set_index("check").loc[checks, "rows"].tolist()
    assert by_check.loc["duplicate_rows", "rows"] == 21  # CDNOW's identical lines, kept
    assert got.rows_read == want.rows_read and got.rows_loaded == len(want.transactions)
    assert got.reconcile().iloc[-1][["rows", "amount"]].tolist() == [0, 0.0]
    summary = summarize_customers_spark(got, "1998-06-30")
    assert_same_summary(summary_to_pandas(summary), summarize_customers(want, "1998-06-30"))


def test_load_csv_same_quality_as_duckdb(spark):
    # the synthetic snapshot's CSV read by Spark (text columns) and by pandas as text on DuckDB
    path = synthetic_dir() / "transactions.csv.gz"
    options = {"observation_end": "2025-06-30", "after_end": "drop"}
    got = load_spark_transactions(str(path), spark=spark, **options)
    text = pd.read_csv(path, dtype=str)
    want = load_engine_transactions(text, **options)
    assert_same_quality(got.quality, want.quality)
    assert got.quality.set_index("check").loc["after_observation_end", "rows"] > 0
    assert (got.rows_loaded, got.amount_loaded) == pytest.approx(
        (want.rows_loaded, want.amount_loaded), rel=1e-12
    )


MESSY = """customer,when,value,shop
 12 ,2024-01-05 10:00,10.5,A
12.0,2024-01-06,4,A
NA,2024-01-06,3,A
13,not a date,2,B
13,2024-01-07,,B
13,2024-01-07,abc,B
14,2024-01-08 09:00:00,5,C
14,2024-01-08 09:00:00,5,C
14,2024-01-08 09:00:00,5,D
15,2024-03-01,6,A
15,2024-01-09,-2,A
"""


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("messy") / "messy.csv"
    path.write_text(MESSY)
    return path


COLUMNS = {"customer_id": "customer", "timestamp": "when", "amount": "value"}


def test_messy_csv_same_quality_as_duckdb_by_hand(spark, messy):
    options = {"invalid": "drop", "after_end": "drop", "observation_end": "2024-01-31"}
    got = load_spark_transactions(str(messy), COLUMNS, spark=spark, **options)
    want = load_engine_transactions(pd.read_csv(messy, dtype=str), COLUMNS, **options)
    assert_same_quality(got.quality, want.quality)
    # by hand: 1 NA id, 1 bad date, 1 missing and 1 non-numeric amount, 1 duplicate (shop C),
    # 1 late row; " 12 " and "12.0" normalised; the return (-2) stays, netted in its day
    rows = got.quality.set_index("check")["rows"].to_dict()
    expected = {
        "customer_id_missing": 1,
        "timestamp_unparseable": 1,
        "amount_missing": 1,
        "amount_not_numeric": 1,
        "duplicate_rows": 1,
        "after_observation_end": 1,
        "customer_id_normalised": 2,
    }
    assert {check: rows[check] for check in expected} == expected
    loaded = got.to_pandas()
    assert loaded["customer_id"].tolist() == ["12", "12", "14", "14", "15"]
    assert got.rows_loaded == 5 and got.amount_loaded == pytest.approx(10.5 + 4 + 5 + 5 - 2)


@pytest.mark.parametrize(
    ("options", "fix"),
    [
        ({"after_end": "drop"}, "invalid='drop'"),
        ({"invalid": "drop"}, "after_end='drop'"),
        ({"invalid": "drop", "after_end": "drop", "duplicates": "error"}, "duplicates='drop'"),
    ],
)
def test_messy_csv_errors_name_the_fix(spark, messy, options, fix):
    with pytest.raises(DataValidationError, match=fix):
        load_spark_transactions(
            str(messy), COLUMNS, spark=spark, observation_end="2024-01-31", **options
        )


def test_pandas_only_options_are_refused(spark, messy):
    with pytest.raises(ParameterError, match=r"\['date_format'\] are not available on Spark"):
        load_spark_transactions(str(messy), COLUMNS, spark=spark, date_format="%d/%m/%Y")


def test_sources_tables_and_missing_files(spark, cdnow_sample, tmp_path):
    from_pandas(spark, cdnow_sample).createOrReplaceTempView("cdnow_view")
    source = read_spark_source("cdnow_view", spark)
    assert source.kind == "table" and source.frame.count() == len(cdnow_sample)
    with pytest.raises(DataValidationError, match="neither a file nor a table"):
        read_spark_source("no_such_table", spark)
    with pytest.raises(DataValidationError, match="does not exist"):
        read_spark_source("data/no_such_file.parquet", spark)
    nanos = tmp_path / "nanos.parquet"
    cdnow_sample.head().to_parquet(nanos)  # pandas writes nanoseconds
    with pytest.raises(DataValidationError, match="coerce_timestamps='us'"):
        read_spark_source(str(nanos), spark)
    with pytest.raises(DataValidationError, match="missing required column"):
        load_spark_transactions("cdnow_view", {"amount": "spend"}, spark=spark)


def test_open_source_spark_table_runs_the_portable_expressions(spark, cdnow_sample):
    from loyaltylab.engine import open_source

    from_pandas(spark, cdnow_sample).createOrReplaceTempView("cdnow_tx")
    table = open_source("spark:cdnow_tx")
    assert table.engine == "spark"
    assert table.backend.execute(table.table.count()) == len(cdnow_sample)
    # what a notebook does with an engine source: checked on Spark, then fetched
    loaded = load_engine_transactions("spark:cdnow_tx", duplicates="keep").to_loaded()
    want = load_transactions(cdnow_sample, duplicates="keep")
    assert_same_summary(
        summarize_customers(loaded, "1998-06-30"), summarize_customers(want, "1998-06-30")
    )

"""The same notebook on a CSV and on Spark gives the same numbers (issue 13, "done when").

The notebook parameter ``engine: spark`` (or ``transactions: "spark:<path>"``) makes 01_customers
read and check the purchases on Spark (local mode, the loader's rules on the engine, the same
counted quality table); the report's numbers must equal the CSV report key by key.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_engine import SYNTHETIC
from test_engine_postgres import assert_same_report, run_customers_report

pytest.importorskip("pyspark")

pytestmark = pytest.mark.slow


def test_customers_report_on_spark_equals_the_csv_report(tmp_path):
    parquet = tmp_path / "sales.parquet"
    pd.read_csv(SYNTHETIC, dtype=str).to_parquet(parquet, index=False)  # text, as exported
    on_spark = run_customers_report(tmp_path, str(parquet), "spark", engine="spark")
    assert on_spark["data"]["source"].startswith("spark:")
    assert_same_report(run_customers_report(tmp_path, str(SYNTHETIC), "csv"), on_spark)


def test_the_engine_parameter_names_a_source_it_cannot_read():
    from loyaltylab.errors import ParameterError
    from loyaltylab.reports.notebooks.customers import CustomersParameters
    from loyaltylab.reports.notebooks.sources import source_on_engine

    assert source_on_engine("sales.parquet", "spark") == "spark:sales.parquet"
    assert source_on_engine("spark:lake.sales", "spark") == "spark:lake.sales"
    with pytest.raises(
        ParameterError, match="engine 'postgres' needs transactions as a PostgreSQL"
    ):
        source_on_engine("sales.csv", "postgres")
    with pytest.raises(ParameterError, match="is read by Spark, not by DuckDB; set engine: auto"):
        source_on_engine("spark:lake.sales", "duckdb")
    with pytest.raises(ParameterError, match="engine"):
        CustomersParameters.from_namespace(
            {"transactions": "cdnow_sample", "engine": "spark", "output_dir": ""}
        )

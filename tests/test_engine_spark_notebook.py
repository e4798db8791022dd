"""The same notebook on a CSV and on Spark gives the same numbers (issue 13, "done when").

The notebook parameter ``engine: spark`` (or ``transactions: "spark:<path>"``) makes 01_customers
read and check the purchases on Spark (local mode, the loader's rules on the engine, the same
counted quality table); the report's numbers must equal the CSV report key by key.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_engine import END, SYNTHETIC
from test_engine_postgres import _numbers

pytest.importorskip("pyspark")

pytestmark = pytest.mark.slow


def test_customers_report_on_spark_equals_the_csv_report(tmp_path):
    import papermill

    from loyaltylab.paths import project_root

    parquet = tmp_path / "sales.parquet"
    pd.read_csv(SYNTHETIC, dtype=str).to_parquet(parquet, index=False)  # text, as exported

    def run(source: str, name: str, engine: str = "auto") -> dict:
        output = tmp_path / name
        papermill.execute_notebook(
            str(project_root() / "notebooks" / "01_customers.ipynb"),
            str(tmp_path / f"{name}.ipynb"),
            parameters={
                "transactions": source,
                "engine": engine,
                "observation_end": END,
                "with_clv": False,
                "output_dir": str(output),
            },
            kernel_name="python3",
            progress_bar=False,
            cwd=str(project_root()),
        )
        return json.loads((output / "01_customers.metrics.json").read_text())

    from_csv = _numbers(run(str(SYNTHETIC), "csv"))
    on_spark = _numbers(run(str(parquet), "spark", engine="spark"))
    assert on_spark["data.source"].startswith("spark:")
    assert from_csv.keys() == on_spark.keys()
    compared = 0
    for key, value in from_csv.items():
        if "source" in key.split("."):
            continue  # the source is named differently, by design
        if isinstance(value, float):
            assert on_spark[key] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), key
            compared += 1
        else:
            assert on_spark[key] == value, key
    assert compared > 20


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

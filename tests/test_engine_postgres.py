"""A PostgreSQL table as the transactions source: the same numbers as the CSV (1e-9).

The server comes from the ``postgres_url`` fixture (tests/conftest.py):
$LOYALTYLAB_TEST_POSTGRES_URL or a throwaway local cluster; without one these tests skip, or
fail when $LOYALTYLAB_REQUIRE_SERVICES=1 (CI). The expected numbers are the pandas path's on the
same file (load_transactions + the DataFrame functions, tested against lifetimes and by hand).
"""

import io

import pandas as pd
import pytest
from test_engine import END, SYNTHETIC, assert_frames_close

from loyaltylab.customers import split_calibration_holdout, summarize_customers
from loyaltylab.data import load_transactions
from loyaltylab.datasets import load_cdnow
from loyaltylab.engine.loading import load_engine_transactions
from loyaltylab.errors import DataValidationError
from loyaltylab.kpi import cohort_retention, customer_kpis, kpis_by_period


@pytest.fixture(scope="module")
def warehouse(postgres_url):
    """Tables ``sales_text`` (the CSV as text columns, COPY'd) and ``cdnow`` (typed columns)."""
    import psycopg

    raw = pd.read_csv(SYNTHETIC, dtype=str)
    cdnow = load_cdnow(sample=True)
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS sales_text, cdnow")
        con.execute("CREATE TABLE sales_text (customer_id text, timestamp text, amount text)")
        buffer = io.StringIO()
        raw.to_csv(buffer, index=False, header=False)
        with con.cursor().copy("COPY sales_text FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        con.execute("CREATE TABLE cdnow (cust text, purchased timestamp, spend double precision)")
        rows = cdnow[["customer_id", "timestamp", "amount"]].itertuples(index=False)
        with con.cursor().copy("COPY cdnow FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row.customer_id, row.timestamp.to_pydatetime(), row.amount))
    return postgres_url


def test_postgres_table_gives_the_csv_numbers(warehouse):
    csv = load_transactions(SYNTHETIC, observation_end=END)
    table = load_engine_transactions(f"{warehouse}?table=sales_text", observation_end=END)
    assert table.engine == "postgres"
    assert (table.rows_read, table.rows_loaded) == (csv.rows_read, len(csv.transactions))
    counted = ["check", "column", "rows", "amount", "rows_removed", "amount_removed"]
    pd.testing.assert_frame_equal(table.quality[counted], csv.quality[counted])
    assert_frames_close(summarize_customers(table, END), summarize_customers(csv, END))
    assert_frames_close(
        split_calibration_holdout(table, "2025-06-30", END).frame,
        split_calibration_holdout(csv, "2025-06-30", END).frame,
    )
    ours, theirs = customer_kpis(table), customer_kpis(csv.transactions)
    for name, value in theirs.to_metrics().items():
        assert getattr(ours, name) == pytest.approx(value, rel=1e-9, nan_ok=True), name
    cohorts, expected_cohorts = cohort_retention(table), cohort_retention(csv.transactions)
    pd.testing.assert_frame_equal(cohorts.counts, expected_cohorts.counts)
    for period in ("W", "M"):
        got, expected = kpis_by_period(table, period), kpis_by_period(csv.transactions, period)
        pd.testing.assert_index_equal(got.index, expected.index)
        assert_frames_close(got.reset_index(drop=True), expected.reset_index(drop=True))


def test_postgres_query_source_with_a_column_mapping(warehouse, cdnow_sample):
    query = "SELECT+*+FROM+cdnow+WHERE+spend+>=+0"
    table = load_engine_transactions(
        f"{warehouse}?query={query}",
        {"customer_id": "cust", "timestamp": "purchased", "amount": "spend"},
        duplicates="keep",  # the fixture keeps CDNOW's repeated rows too
    )
    end = "1998-06-30"
    expected = summarize_customers(cdnow_sample, end)
    assert_frames_close(summarize_customers(table, end, engine="postgres"), expected)


def test_postgres_errors_name_the_table(warehouse):
    with pytest.raises(DataValidationError, match="cannot read table 'no_such_table'"):
        load_engine_transactions(f"{warehouse}?table=no_such_table")
    with pytest.raises(DataValidationError, match="missing required column"):
        load_engine_transactions(f"{warehouse}?table=cdnow")


def _numbers(tree, prefix=""):
    """Flatten a metrics file to {dotted key: number or text}."""
    if isinstance(tree, dict):
        out = {}
        for key, value in tree.items():
            out.update(_numbers(value, f"{prefix}{key}."))
        return out
    if isinstance(tree, list):
        out = {}
        for index, value in enumerate(tree):
            out.update(_numbers(value, f"{prefix}{index}."))
        return out
    return {prefix.rstrip("."): tree}


def run_customers_report(tmp_path, source: str, name: str, **parameters) -> dict:
    """Run 01_customers on ``source`` (no CLV) and return its metrics."""
    import json

    import papermill

    from loyaltylab.paths import project_root

    output = tmp_path / name
    papermill.execute_notebook(
        str(project_root() / "notebooks" / "01_customers.ipynb"),
        str(tmp_path / f"{name}.ipynb"),
        parameters={
            "transactions": source,
            "observation_end": END,
            "with_clv": False,
            "output_dir": str(output),
            **parameters,
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(project_root()),
    )
    return json.loads((output / "01_customers.metrics.json").read_text())


def assert_same_report(expected: dict, got: dict) -> None:
    """Every key of two metrics files equal (numbers to 1e-9), the data source aside."""
    expected, got = _numbers(expected), _numbers(got)
    assert expected.keys() == got.keys()
    compared = 0
    for key, value in expected.items():
        if "source" in key.split("."):
            continue  # the source is named differently, by design
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), key
            compared += 1
        else:
            assert got[key] == value, key
    assert compared > 20


@pytest.mark.slow
def test_customers_report_from_postgres_equals_the_csv_report(warehouse, tmp_path):
    assert_same_report(
        run_customers_report(tmp_path, SYNTHETIC, "csv"),
        run_customers_report(tmp_path, f"{warehouse}?table=sales_text", "postgres"),
    )

"""loyaltylab.engine on DuckDB: sources, the loader's rules on the engine, the same numbers.

The engine path is checked against the pandas path (load_transactions + the DataFrame functions,
themselves tested against lifetimes and hand calculations in test_customers.py / test_kpi.py) and
against hand-computed counts of the quality table.
"""

import numpy as np
import pandas as pd
import pytest

from loyaltylab.customers import split_calibration_holdout, summarize_customers
from loyaltylab.data import load_transactions
from loyaltylab.engine import is_engine_source, open_source, parse_database_url
from loyaltylab.engine.loading import load_engine_transactions
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.kpi import cohort_retention, customer_kpis, kpis_by_period

SYNTHETIC = "data/synthetic/transactions.csv.gz"
END = "2025-12-31"
NUMBERS = ["frequency", "recency", "T", "monetary_value"]


def assert_frames_close(left: pd.DataFrame, right: pd.DataFrame, rtol: float = 1e-9) -> None:
    assert list(left.columns) == list(right.columns)
    assert len(left) == len(right)
    for column in left.columns:
        a, b = left[column], right[column]
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            np.testing.assert_allclose(
                a.to_numpy(dtype=float),
                b.to_numpy(dtype=float),
                rtol=rtol,
                atol=1e-12,
                err_msg=column,
            )
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), column


@pytest.fixture(scope="module")
def csv_loaded():
    return load_transactions(SYNTHETIC, observation_end=END)


@pytest.fixture(scope="module")
def parquet_glob(tmp_path_factory, csv_loaded):
    """The synthetic log as raw text columns in two Parquet files (read by DuckDB, not pandas)."""
    folder = tmp_path_factory.mktemp("parquet")
    raw = pd.read_csv(SYNTHETIC, dtype=str)
    half = len(raw) // 2
    raw.iloc[:half].to_parquet(folder / "part-0.parquet", index=False)
    raw.iloc[half:].to_parquet(folder / "part-1.parquet", index=False)
    return str(folder / "*.parquet")


def test_parquet_glob_gives_the_csv_numbers(csv_loaded, parquet_glob):
    on_engine = load_engine_transactions(parquet_glob, observation_end=END)
    assert on_engine.engine == "duckdb"
    assert on_engine.rows_read == csv_loaded.rows_read == on_engine.rows_loaded
    assert on_engine.amount_loaded == pytest.approx(csv_loaded.amount_read, rel=1e-12)
    expected = summarize_customers(csv_loaded, END)
    assert_frames_close(summarize_customers(on_engine, END), expected)
    cal = split_calibration_holdout(on_engine, "2025-06-30", END).frame
    assert_frames_close(cal, split_calibration_holdout(csv_loaded, "2025-06-30", END).frame)
    # the quality table: same checks, rows and money as the loader (the returns checks say
    # they did not run on the engine)
    counted = ["check", "column", "rows", "amount", "rows_removed", "amount_removed"]
    pd.testing.assert_frame_equal(on_engine.quality[counted], csv_loaded.quality[counted])
    assert on_engine.reconcile().set_index("step").loc["unexplained", "rows"] == 0


def test_kpis_on_the_engine_equal_the_dataframe_kpis(csv_loaded, parquet_glob):
    on_engine = load_engine_transactions(parquet_glob, observation_end=END)
    frame = csv_loaded.transactions
    ours = customer_kpis(on_engine, retention_period="M")
    theirs = customer_kpis(frame, retention_period="M")
    for name, value in theirs.to_metrics().items():
        assert getattr(ours, name) == pytest.approx(value, rel=1e-9, nan_ok=True), name
    assert ours.transactions_outside_window == theirs.transactions_outside_window
    for period in ("W", "M", "Q"):
        cohorts = cohort_retention(on_engine, period=period)
        expected_cohorts = cohort_retention(frame, period=period)
        pd.testing.assert_frame_equal(cohorts.counts, expected_cohorts.counts)
        pd.testing.assert_frame_equal(cohorts.matrix, expected_cohorts.matrix, rtol=1e-12)
    by_period = kpis_by_period(on_engine, "Q")
    expected = kpis_by_period(frame, "Q")
    pd.testing.assert_index_equal(by_period.index, expected.index)
    assert_frames_close(by_period.reset_index(drop=True), expected.reset_index(drop=True))


def test_loader_rules_on_the_engine_hand_counted():
    raw = pd.DataFrame(
        {
            "cust": [" 7.0", "7", "NA", "8", "8", "9", "9", "10"],
            "when": [
                "2024-01-05",
                "2024-01-06",
                "2024-01-06",
                "2024-01-07",
                "2024-01-07",
                "not a date",
                "2024-01-08",
                "2024-03-01",
            ],
            "sales": ["5", "5", "3", "2.5", "2.5", "4", "", "6"],
        }
    )
    loaded = load_engine_transactions(
        raw,
        {"customer_id": "cust", "timestamp": "when", "amount": "sales"},
        invalid="drop",
        after_end="drop",
        observation_end="2024-01-31",
    )
    quality = loaded.quality.set_index("check")
    # by hand: "NA" is a missing id (3.0), "not a date" unparseable (4.0), "" a missing amount,
    # " 7.0" normalised, the second "8" row a full duplicate (2.5), "10" after the end (6.0)
    assert quality.loc["customer_id_missing", ["rows", "amount"]].tolist() == [1, 3.0]
    assert quality.loc["customer_id_normalised", "rows"] == 1
    assert quality.loc["timestamp_unparseable", ["rows", "amount"]].tolist() == [1, 4.0]
    assert quality.loc["amount_missing", "rows"] == 1
    assert quality.loc["duplicate_rows", ["rows", "amount"]].tolist() == [1, 2.5]
    assert quality.loc["after_observation_end", ["rows", "amount"]].tolist() == [1, 6.0]
    assert (loaded.rows_read, loaded.rows_loaded) == (8, 3)
    assert loaded.amount_loaded == 12.5
    assert loaded.reconcile().set_index("step").loc["unexplained"].tolist() == [0, 0.0]
    assert sorted(loaded.to_pandas()["customer_id"]) == ["7", "7", "8"]


def test_policy_error_names_the_problem_and_the_fix():
    raw = pd.DataFrame(
        {
            "customer_id": ["a", None],
            "timestamp": pd.to_datetime(["2024-01-01"] * 2),
            "amount": [1.0, 2.0],
        }
    )
    with pytest.raises(DataValidationError, match="customer id is missing.*invalid='drop'"):
        load_engine_transactions(raw)
    with pytest.raises(DataValidationError, match="missing required column"):
        load_engine_transactions(raw.rename(columns={"amount": "sales"}))
    with pytest.raises(ParameterError, match="duplicates"):
        load_engine_transactions(raw, duplicates="maybe")


def test_orders_dated_at_their_first_line_on_the_engine():
    # an order that runs past midnight is one purchase on its first day (hand calculation)
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a"],
            "order_id": ["o1", "o1", None, "o2"],
            "timestamp": pd.to_datetime(
                ["2024-01-01 23:50", "2024-01-02 00:10", "2024-01-02 12:00", "2024-01-08 00:00"]
            ),
            "amount": [10.0, 5.0, 7.0, 30.0],
        }
    )
    summary = summarize_customers(tx, "2024-01-15", time_unit="D").iloc[0]
    # days: Jan 1 (o1: 15), Jan 2 (7), Jan 8 (30): frequency 2, repeat mean (7 + 30) / 2
    assert summary["frequency"] == 2
    assert summary["recency"] == 7.0 and summary["T"] == 14.0
    assert summary["monetary_value"] == 18.5
    numpy_path = summarize_customers(tx, "2024-01-15", time_unit="D", engine="numpy")
    assert_frames_close(summarize_customers(tx, "2024-01-15", time_unit="D"), numpy_path)


def test_source_syntax():
    assert parse_database_url("postgresql://me:pw@db:5432/shop?table=analytics.sales") == (
        "postgresql://me:pw@db:5432/shop",
        {"table": "analytics.sales"},
    )
    assert parse_database_url("postgres://me@db/shop?query=SELECT%20*%20FROM%20s")[1] == {
        "query": "SELECT * FROM s"
    }
    with pytest.raises(ParameterError, match="exactly one of"):
        parse_database_url("postgresql://me@db/shop")
    with pytest.raises(ParameterError, match="not a table name"):
        parse_database_url("postgresql://me@db/shop?table=x;drop")
    assert is_engine_source("postgresql://me@db/shop?table=s")
    assert is_engine_source("spark:sales")
    assert not is_engine_source(SYNTHETIC)
    with pytest.raises(DataValidationError, match="matches no Parquet"):
        open_source("nowhere/*.parquet")
    with pytest.raises(ParameterError, match="cannot read a DataFrame"):
        open_source(pd.DataFrame({"a": [1]}), engine="postgres")
    with pytest.raises(ParameterError, match="engine must be one of"):
        open_source(pd.DataFrame({"a": [1]}), engine="oracle")


def test_a_parquet_glob_reaches_notebooks_and_reports_yaml(csv_loaded, parquet_glob):
    from loyaltylab.config.data import DataSource
    from loyaltylab.reports.notebooks.sources import load_transactions_for_notebook

    loaded = load_transactions_for_notebook(
        parquet_glob, load={"duplicates": "drop"}, observation_end=END
    )
    pd.testing.assert_frame_equal(loaded.transactions, csv_loaded.transactions)
    assert loaded.notes == ("read and checked on the duckdb engine",)
    source = DataSource.model_validate({"transactions": parquet_glob, "load": {"returns": "net"}})
    assert len(source.load_transactions(observation_end=END).transactions) == loaded.rows_read
    with pytest.raises(ParameterError, match=r"\['date_format'\] do not apply"):
        load_transactions_for_notebook(parquet_glob, load={"date_format": "%d/%m/%Y"})


@pytest.mark.parametrize(
    "ids",
    [["a", "b", "c"], [" a", "b", "c"], ["1.0", "2", "3"], ["a", "b", "null"], ["-", "x", "y"]],
)
def test_the_id_shortcut_agrees_with_the_id_rule(ids):
    from loyaltylab.customers import _ids_unchanged
    from loyaltylab.rules import parse_customer_ids

    series = pd.Series(ids, dtype="str")
    parsed = parse_customer_ids(series)
    unchanged = not parsed.missing.any() and parsed.ids.tolist() == ids
    assert _ids_unchanged(series) == unchanged

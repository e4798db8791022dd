"""loyaltylab.customers: the DuckDB customer summary and calibration/holdout split.

References: lifetimes 0.11.3 ``summary_data_from_transaction_data`` (freq="D", freq_multiplier=7);
the CBS table Hardie ships with the CDNOW sample (``cdnow_customers_summary*.csv`` in the lifetimes
wheel, 2 decimals); Fader, Hardie & Lee 2005 counts via reference/clv.md §3 (Σ frequency 2,457 in
calibration, 1,882 repeat purchase days and 1,959 raw rows in the holdout, identical in BTYDplus
``elog2cbs`` and CLVTools ``clvdata``).
"""

import warnings
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from loyaltylab.customers import (
    HOLDOUT_COLUMNS,
    SUMMARY_COLUMNS,
    TIME_UNIT_DAYS,
    CalibrationHoldout,
    split_calibration_holdout,
    summarize_customers,
)
from loyaltylab.datasets import resolve_transactions
from loyaltylab.errors import DataValidationError, ParameterError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes.utils import summary_data_from_transaction_data


def _lifetimes_summary(tx: pd.DataFrame, end: str) -> pd.DataFrame:
    frame = tx.rename(columns={"timestamp": "date"})
    result = summary_data_from_transaction_data(
        frame,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=end,
        freq="D",
        freq_multiplier=7,
    )
    return result.sort_index()


@pytest.mark.parametrize("engine", ["duckdb", "numpy"])
@pytest.mark.parametrize("end", ["1997-09-30", "1998-06-30"])
def test_summary_equals_lifetimes_on_cdnow_sample(cdnow_sample, end, engine):
    ours = summarize_customers(cdnow_sample, end, engine=engine).set_index("customer_id")
    theirs = _lifetimes_summary(cdnow_sample, end)
    assert list(ours.index) == list(theirs.index)
    for column in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=0, atol=1e-9)


def test_summary_reproduces_the_published_calibration_counts(cdnow_sample):
    # reference/clv.md §3: 2,357 first-quarter customers, Σ frequency = 2,457, T_max = 38.857 weeks
    summary = summarize_customers(cdnow_sample, "1997-09-30")
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert len(summary) == 2357
    assert summary["first_purchase"].max() <= pd.Timestamp("1997-03-31")
    assert summary["frequency"].sum() == 2457
    assert summary["T"].max() == pytest.approx(272 / 7, abs=1e-12)
    assert summary["last_purchase"].max() <= pd.Timestamp("1997-09-30")


def test_summary_matches_hardies_cbs_table(cdnow_sample):
    # Hardie's CBS for the CDNOW sample, rounded to 2 decimals (ID = sample index 1..2357)
    folder = resources.files("lifetimes") / "datasets"
    with (folder / "CDNOW_sample.txt").open() as stream:
        ids = pd.read_csv(stream, sep=r"\s+", header=None, dtype=str)
    index_of = ids.drop_duplicates(0).set_index(0)[1].astype(int)
    with (folder / "cdnow_customers_summary_with_transactions.csv").open() as stream:
        cbs = pd.read_csv(stream).set_index("ID")
    ours = summarize_customers(cdnow_sample, "1997-09-30")
    ours.index = index_of.loc[ours["customer_id"]].to_numpy()
    joined = ours.join(cbs.rename(columns={"T": "T_hardie"}), how="inner")
    assert len(joined) == len(cbs) >= 2356
    assert (joined["frequency"] == joined["x"]).all()
    np.testing.assert_allclose(joined["recency"], joined["t_x"], atol=0.005 + 1e-12)
    np.testing.assert_allclose(joined["T"], joined["T_hardie"], atol=0.005 + 1e-12)
    repeaters = joined["x"] > 0
    np.testing.assert_allclose(
        joined.loc[repeaters, "monetary_value"], joined.loc[repeaters, "zbar"], atol=0.005 + 1e-9
    )


@pytest.mark.parametrize("engine", ["duckdb", "numpy"])
def test_same_day_purchases_are_merged_and_units_are_fractional(engine):
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 17:00",
                    "2024-01-04 00:00",
                    "2024-01-11 23:00",
                    "2024-01-10 00:00",
                ]
            ),
            "amount": [10.0, 5.0, 30.0, 12.0, 8.0],
        }
    )
    weeks = summarize_customers(tx, "2024-01-15", engine=engine).set_index("customer_id")
    # a: purchase days 01-01 (15), 01-04 (30), 01-11 (12); T = 14 days, recency = 10 days
    assert weeks.loc["a", "frequency"] == 2
    assert weeks.loc["a", "recency"] == pytest.approx(10 / 7, abs=1e-15)
    assert weeks.loc["a", "T"] == pytest.approx(2.0, abs=1e-15)
    assert weeks.loc["a", "monetary_value"] == pytest.approx(21.0)
    assert weeks.loc["a", "first_purchase"] == pd.Timestamp("2024-01-01")
    assert weeks.loc["a", "last_purchase"] == pd.Timestamp("2024-01-11")
    assert (weeks.loc["b", "frequency"], weeks.loc["b", "monetary_value"]) == (0, 0.0)
    assert weeks.loc["b", "T"] == pytest.approx(5 / 7, abs=1e-15)
    days = summarize_customers(tx, "2024-01-15", time_unit="D").set_index("customer_id")
    assert days.loc["a", "recency"] == 10.0 and days.loc["a", "T"] == 14.0
    months = summarize_customers(tx, "2024-01-15", time_unit="m").set_index("customer_id")
    assert months.loc["a", "T"] == pytest.approx(14 / (365.25 / 12), abs=1e-15)
    assert TIME_UNIT_DAYS == {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


def test_later_transactions_and_later_customers_are_ignored_not_removed():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-02"]),
            "amount": [10.0, 20.0, 5.0],
        }
    )
    summary = summarize_customers(tx, "2024-01-31")
    assert summary["customer_id"].tolist() == ["a"]
    assert summary.loc[0, "frequency"] == 0
    assert len(tx) == 3


def test_engines_agree_on_a_shuffled_synthetic_log():
    from loyaltylab.datasets import generate_transactions

    tx = generate_transactions(3000, seed=5).transactions.sample(frac=1.0, random_state=1)
    duck = summarize_customers(tx, "2025-12-31", engine="duckdb")
    sort = summarize_customers(tx, "2025-12-31", engine="numpy")
    pd.testing.assert_frame_equal(duck, sort, check_exact=False, rtol=0, atol=1e-9)
    with pytest.raises(ParameterError, match="engine"):
        summarize_customers(tx, "2025-12-31", engine="spark")


def test_loaded_transactions_are_accepted(cdnow_sample):
    loaded = resolve_transactions("cdnow_sample")
    pd.testing.assert_frame_equal(
        summarize_customers(loaded, "1997-09-30"), summarize_customers(cdnow_sample, "1997-09-30")
    )


def test_invalid_inputs_raise_clear_errors():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [1.0, np.nan],
        }
    )
    with pytest.raises(DataValidationError, match=r"'amount'.*1 of 2 rows"):
        summarize_customers(tx, "2024-01-31")
    with pytest.raises(DataValidationError, match="missing column"):
        summarize_customers(tx.drop(columns="amount"), "2024-01-31")
    with pytest.raises(DataValidationError, match="timezone-naive datetime64"):
        summarize_customers(tx.assign(timestamp=["2024-01-01", "x"]), "2024-01-31")
    with pytest.raises(ParameterError, match="time_unit"):
        summarize_customers(tx.fillna(1.0), "2024-01-31", time_unit="Q")
    with pytest.raises(ParameterError, match="observation_end"):
        summarize_customers(tx.fillna(1.0), "someday")
    with pytest.raises(DataValidationError, match="no customer"):
        summarize_customers(tx.fillna(1.0), "2023-12-31")


# ---------------------------------------------------------------- calibration / holdout


def _independent_split(tx: pd.DataFrame, cal_end: str, obs_end: str) -> pd.DataFrame:
    """lifetimes' calibration_and_holdout_data logic, written with plain pandas groupbys."""
    daily = (
        tx.assign(day=tx["timestamp"].dt.normalize())
        .groupby(["customer_id", "day"], as_index=False)["amount"]
        .sum()
    )
    daily = daily[daily["day"] <= pd.Timestamp(obs_end)]
    cal = daily[daily["day"] <= pd.Timestamp(cal_end)]
    hold = daily[daily["day"] > pd.Timestamp(cal_end)]
    holdout = hold.groupby("customer_id").agg(
        frequency_holdout=("day", "size"), monetary_value_holdout=("amount", "mean")
    )
    frame = pd.DataFrame(index=sorted(cal["customer_id"].unique())).join(holdout).fillna(0.0)
    frame["duration_holdout"] = (pd.Timestamp(obs_end) - pd.Timestamp(cal_end)).days / 7
    return frame


def test_split_reproduces_the_published_holdout_counts(cdnow_sample):
    split = split_calibration_holdout(cdnow_sample, "1997-09-30", "1998-06-30")
    assert isinstance(split, CalibrationHoldout)
    frame = split.frame
    assert list(frame.columns) == list(HOLDOUT_COLUMNS)
    assert len(frame) == 2357
    assert frame["frequency_cal"].sum() == 2457
    assert frame["frequency_holdout"].sum() == 1882
    raw_holdout_rows = cdnow_sample["timestamp"].between("1997-10-01", "1998-06-30").sum()
    assert raw_holdout_rows == 1959
    assert frame["duration_holdout"].unique().tolist() == [39.0]
    assert split.duration_holdout == 39.0 and split.time_unit == "W"
    totals = split.summary().set_index("metric")["value"]
    assert totals["repeat purchases, holdout"] == 1882


def test_split_equals_independent_computation(cdnow_sample):
    split = split_calibration_holdout(cdnow_sample, "1997-09-30", "1998-06-30")
    ours = split.frame.set_index("customer_id")
    expected = _independent_split(cdnow_sample, "1997-09-30", "1998-06-30")
    assert list(ours.index) == list(expected.index)
    for column in ("frequency_holdout", "monetary_value_holdout", "duration_holdout"):
        np.testing.assert_allclose(ours[column], expected[column], rtol=0, atol=1e-9)
    calibration = _lifetimes_summary(cdnow_sample, "1997-09-30")
    for column in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[f"{column}_cal"], calibration[column], atol=1e-9)


def test_split_excludes_customers_first_seen_in_the_holdout_and_checks_dates():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-20", "2024-01-25"]),
            "amount": [10.0, 3.0, 4.0, 9.0],
        }
    )
    split = split_calibration_holdout(tx, "2024-01-14", "2024-01-28", time_unit="D")
    assert split.frame["customer_id"].tolist() == ["a"]
    row = split.frame.iloc[0]
    assert (row["frequency_holdout"], row["monetary_value_holdout"]) == (1, 7.0)
    assert row["duration_holdout"] == 14.0 and row["T_cal"] == 13.0
    with pytest.raises(ParameterError, match="after 'calibration_end'"):
        split_calibration_holdout(tx, "2024-01-28", "2024-01-14")

"""loyaltylab.datasets: bundled CDNOW, name resolution, and the synthetic BG/NBD + Gamma-Gamma log.

References: CDNOW counts from reference/clv.md §3-§4 (23,570 customers / 69,659 transactions in
CDNOW_master.txt, 2,357 customers in the 1/10 sample, 1997-01-01..1998-06-30); parameter recovery
is checked against the parameters the data were drawn from, fitted with lifetimes' own
BetaGeoFitter / GammaGammaFitter (not through loyaltylab.clv).
"""

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltylab.customers import summarize_customers
from loyaltylab.datasets import (
    BUNDLED,
    SyntheticTransactions,
    generate_transactions,
    load_cdnow,
    read_synthetic,
    resolve_transactions,
    synthetic_dir,
    write_synthetic,
)
from loyaltylab.errors import DataValidationError, ParameterError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "synthetic"


# ---------------------------------------------------------------- CDNOW


def test_cdnow_master_counts_and_date_range():
    tx = load_cdnow()
    assert list(tx.columns) == ["customer_id", "timestamp", "amount"]
    assert len(tx) == 69659
    assert tx["customer_id"].nunique() == 23570
    assert tx["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert tx["timestamp"].max() == pd.Timestamp("1998-06-30")
    assert tx["timestamp"].dtype == "datetime64[ns]"
    assert tx["customer_id"].iloc[0] == "00001"  # read as strings, leading zeros kept
    assert tx["amount"].min() >= 0


def test_cdnow_sample_is_the_first_quarter_subset_of_master(cdnow_sample):
    assert len(cdnow_sample) == 6919
    assert cdnow_sample["customer_id"].nunique() == 2357
    assert cdnow_sample["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert cdnow_sample["timestamp"].max() == pd.Timestamp("1998-06-30")
    first = cdnow_sample.groupby("customer_id")["timestamp"].min()
    assert first.max() < pd.Timestamp("1997-04-01")
    master = load_cdnow()
    in_master = master[master["customer_id"].isin(set(cdnow_sample["customer_id"]))]
    key = ["customer_id", "timestamp", "amount"]
    pd.testing.assert_frame_equal(
        in_master.sort_values(key).reset_index(drop=True),
        cdnow_sample.sort_values(key).reset_index(drop=True),
    )


def test_resolve_bundled_names_keeps_cdnow_order_lines():
    assert BUNDLED == ("cdnow", "cdnow_sample")
    loaded = resolve_transactions("cdnow_sample")
    assert loaded.source == "cdnow_sample"
    assert len(loaded.transactions) == 6919 and loaded.rows_removed == 0
    duplicates = loaded.quality.set_index("check").loc["duplicate_rows"]
    assert duplicates["rows"] == 21 and duplicates["action"] == "kept"
    dropped = resolve_transactions("CDNOW_sample", duplicates="drop")
    assert len(dropped.transactions) == 6919 - 21


def test_resolve_passes_policies_and_paths_through(tmp_path):
    late = resolve_transactions("cdnow_sample", observation_end="1997-09-30", after_end="drop")
    assert late.transactions["timestamp"].max() <= pd.Timestamp("1997-09-30")
    with pytest.raises(DataValidationError, match="after observation_end"):
        resolve_transactions("cdnow_sample", observation_end="1997-09-30")
    path = tmp_path / "mine.csv"
    path.write_text("cust,day,value\n7,2024-01-01,3.5\n")
    loaded = resolve_transactions(
        str(path), {"customer_id": "cust", "timestamp": "day", "amount": "value"}
    )
    assert loaded.transactions["customer_id"].tolist() == ["7"]
    frame = pd.DataFrame({"customer_id": ["x"], "timestamp": ["2024-01-01"], "amount": [1]})
    assert resolve_transactions(frame).source == "DataFrame"


def test_resolve_rejects_unknown_names_and_mappings_for_bundled_data():
    with pytest.raises(DataValidationError, match="unknown data set 'cdnow_full'"):
        resolve_transactions("cdnow_full")
    with pytest.raises(ParameterError, match="columns"):
        resolve_transactions("cdnow", {"customer_id": "id"})


# ---------------------------------------------------------------- synthetic generator


def test_same_seed_gives_identical_frames_and_other_seeds_differ():
    one = generate_transactions(2000, seed=3)
    two = generate_transactions(2000, seed=3)
    pd.testing.assert_frame_equal(one.transactions, two.transactions)
    pd.testing.assert_frame_equal(one.customers, two.customers)
    assert one.truth == two.truth
    other = generate_transactions(2000, seed=4)
    assert not one.transactions["amount"].equals(other.transactions["amount"])


def test_synthetic_frames_follow_the_contract():
    synthetic = generate_transactions(3000, seed=11, start="2023-01-01", end="2023-12-31")
    assert isinstance(synthetic, SyntheticTransactions)
    tx, customers = synthetic.transactions, synthetic.customers
    assert list(tx.columns) == ["customer_id", "timestamp", "amount"]
    assert tx["timestamp"].dtype == "datetime64[ns]" and tx["amount"].dtype == "float64"
    assert tx["timestamp"].min() >= pd.Timestamp("2023-01-01")
    assert tx["timestamp"].max() < pd.Timestamp("2024-01-01")
    assert (tx["amount"] >= 0.01).all()
    assert tx.equals(tx.sort_values(["customer_id", "timestamp"], kind="stable"))
    for column in ("customer_id", "first_purchase", "lam", "p_drop", "mean_spend", "alive_until"):
        assert column in customers.columns
    counts = tx.groupby("customer_id").size()
    assert (
        counts.reindex(customers["customer_id"]).to_numpy() == customers["repeat_purchases"] + 1
    ).all()
    first = tx.groupby("customer_id")["timestamp"].min()
    assert (first.reindex(customers["customer_id"]).to_numpy() == customers["first_purchase"]).all()
    # acquisition in the first quarter of the window by default
    assert synthetic.truth["acquisition_end"] == "2023-04-01"  # days 1..91 (365 // 4)
    assert customers["first_purchase"].max() < pd.Timestamp("2023-04-02")
    # a customer who dropped out made exactly `dropout_after` repeat purchases; alive ones fewer
    dead = ~customers["alive_at_end"]
    assert (customers.loc[dead, "repeat_purchases"] == customers.loc[dead, "dropout_after"]).all()
    assert (customers.loc[~dead, "repeat_purchases"] < customers.loc[~dead, "dropout_after"]).all()
    last = tx.groupby("customer_id")["timestamp"].max().reindex(customers["customer_id"])
    assert (last.to_numpy()[dead] == customers.loc[dead, "alive_until"]).all()
    assert customers.loc[~dead, "alive_until"].isna().all()
    truth = synthetic.truth
    assert truth["time_unit"] == "W" and truth["n_transactions"] == len(tx)
    assert {"r", "alpha", "a", "b", "p", "q", "v", "seed"} <= set(truth)
    assert synthetic.summary().set_index("metric").loc["r", "value"] == 0.243


def test_generator_rejects_bad_parameters():
    with pytest.raises(ParameterError, match="n_customers"):
        generate_transactions(0)
    with pytest.raises(ParameterError, match="'alpha'"):
        generate_transactions(10, alpha=-1.0)
    with pytest.raises(ParameterError, match="'end'"):
        generate_transactions(10, start="2024-01-01", end="2023-01-01")


def _continuous_summary(synthetic: SyntheticTransactions) -> pd.DataFrame:
    """Frequency/recency/T in exact weeks from the raw timestamps, one row per transaction."""
    tx = synthetic.transactions
    end = pd.Timestamp(synthetic.truth["end"]) + pd.Timedelta(days=1)
    week = pd.Timedelta(weeks=1)
    grouped = tx.groupby("customer_id")
    first_amount = grouped["amount"].transform("first")
    is_first = ~tx.duplicated("customer_id")
    frame = pd.DataFrame(
        {
            "frequency": grouped.size() - 1,
            "recency": (grouped["timestamp"].max() - grouped["timestamp"].min()) / week,
            "T": (end - grouped["timestamp"].min()) / week,
            "monetary_value": tx.loc[~is_first].groupby("customer_id")["amount"].mean(),
        }
    )
    assert (first_amount[is_first] == tx.loc[is_first, "amount"]).all()
    return frame.fillna({"monetary_value": 0.0})


@pytest.fixture(scope="module")
def recovery_sample() -> SyntheticTransactions:
    return generate_transactions(20000, seed=0)


def test_bgnbd_and_gamma_gamma_parameters_are_recovered(recovery_sample):
    # exact (continuous-time) summary: the estimates must lie within 3 standard errors of truth
    truth = recovery_sample.truth
    summary = _continuous_summary(recovery_sample)
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    for name in ("r", "alpha", "a", "b"):
        estimate, se = bgf.summary.loc[name, "coef"], bgf.summary.loc[name, "se(coef)"]
        assert abs(estimate - truth[name]) < 3 * se, (name, estimate, se, truth[name])
    repeaters = summary[summary["frequency"] > 0]
    ggf = GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"], tol=1e-6)
    for name in ("p", "q", "v"):
        estimate, se = ggf.summary.loc[name, "coef"], ggf.summary.loc[name, "se(coef)"]
        assert abs(estimate - truth[name]) < 3 * se, (name, estimate, se, truth[name])


def test_parameters_recovered_from_the_daily_customer_summary(recovery_sample):
    # the project's summary merges same-day purchases (about 1.4 % of repeat purchases here),
    # which lowers the purchase rate slightly: allow 10 % relative error
    truth = recovery_sample.truth
    summary = summarize_customers(recovery_sample.transactions, truth["end"])
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    for name in ("r", "alpha", "a", "b"):
        assert bgf.params_[name] == pytest.approx(truth[name], rel=0.10), name
    repeaters = summary[summary["frequency"] > 0]
    ggf = GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"], tol=1e-6)
    for name in ("p", "q", "v"):
        assert ggf.params_[name] == pytest.approx(truth[name], rel=0.10), name


# ---------------------------------------------------------------- snapshot


def test_committed_snapshot_regenerates_byte_for_byte(tmp_path):
    # data/README.md: python -m loyaltylab.datasets.synthetic --out data/synthetic
    #                 --customers 5000 --seed 0
    truth = read_synthetic(SNAPSHOT).truth
    assert (truth["n_customers"], truth["seed"]) == (5000, 0)
    regenerated = generate_transactions(truth["n_customers"], seed=truth["seed"])
    paths = write_synthetic(regenerated, tmp_path)
    for key, path in paths.items():
        committed = SNAPSHOT / path.name
        assert (
            hashlib.sha256(path.read_bytes()).hexdigest()
            == hashlib.sha256(committed.read_bytes()).hexdigest()
        ), key


def test_snapshot_reads_back_and_resolves_by_name():
    snapshot = read_synthetic(SNAPSHOT)
    regenerated = generate_transactions(5000, seed=0)
    pd.testing.assert_frame_equal(snapshot.transactions, regenerated.transactions)
    pd.testing.assert_frame_equal(snapshot.customers, regenerated.customers, check_exact=False)
    assert synthetic_dir() == SNAPSHOT
    loaded = resolve_transactions("synthetic")
    assert loaded.rows_removed == 0 and len(loaded.transactions) == snapshot.truth["n_transactions"]
    np.testing.assert_array_equal(
        loaded.transactions["amount"].to_numpy(), snapshot.transactions["amount"].to_numpy()
    )


def test_parquet_snapshot_round_trip(tmp_path):
    synthetic = generate_transactions(300, seed=9)
    write_synthetic(synthetic, tmp_path, file_format="parquet")
    back = read_synthetic(tmp_path)
    pd.testing.assert_frame_equal(back.transactions, synthetic.transactions)
    assert back.truth == synthetic.truth


def test_command_line_writes_a_snapshot(tmp_path, capsys):
    from loyaltylab.datasets.synthetic import main

    assert main(["--out", str(tmp_path), "--customers", "50", "--seed", "2"]) == 0
    assert "transactions of 50 customers" in capsys.readouterr().out
    written = read_synthetic(tmp_path)
    pd.testing.assert_frame_equal(
        written.transactions, generate_transactions(50, seed=2).transactions
    )

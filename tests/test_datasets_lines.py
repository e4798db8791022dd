"""loyaltylab.datasets.lines: the synthetic invoice-line log ``synthetic_lines`` and its truth.

The truth (net revenue per customer, the counts of duplicates, guests' rows and unmatched
cancellations) is the generator's own bookkeeping in cents, never the loader's output; the tests
check that the loader, the quality table and the two reports of reports.yaml reproduce it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import papermill
import pytest

from loyaltylab.data import LoadedTransactions, load_transactions
from loyaltylab.datasets import (
    DATASET_NAMES,
    SYNTHETIC_LINES,
    SyntheticLines,
    generate_lines,
    read_lines_truth,
    resolve_transactions,
    synthetic_lines_dir,
    write_lines,
)
from loyaltylab.datasets.lines import DATE_FORMATS, LINES_COLUMNS, LINES_LOAD_OPTIONS, main
from loyaltylab.errors import ParameterError
from loyaltylab.paths import project_root
from loyaltylab.reports.config import load_config
from loyaltylab.rules import LoadError

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "synthetic_lines"
TOLERANCE = 1e-6
Truth = tuple[pd.DataFrame, dict[str, Any]]


@pytest.fixture(scope="module")
def snapshot_truth() -> Truth:
    return read_lines_truth(SNAPSHOT)


@pytest.fixture(scope="module")
def loaded_snapshot() -> LoadedTransactions:
    return resolve_transactions("synthetic_lines", observation_end="2011-11-30")


def _quality(loaded: LoadedTransactions) -> pd.DataFrame:
    return loaded.quality.set_index("check")


def _assert_matches_truth(
    loaded: LoadedTransactions, customers: pd.DataFrame, truth: dict[str, Any]
) -> None:
    """Loaded revenue, per-customer revenue and the quality table against the truth."""
    tx = loaded.transactions
    assert abs(tx["amount"].sum() - truth["net_revenue"]) < TOLERANCE
    per_customer = tx.groupby("customer_id")["amount"].sum()
    expected = customers.set_index("customer_id")["net_revenue"]
    assert set(per_customer.index) <= set(expected.index)
    difference = per_customer.reindex(expected.index, fill_value=0.0) - expected
    assert difference.abs().max() < TOLERANCE
    # the quality table adds up, in rows and in money
    steps = loaded.reconcile().set_index("step")
    assert steps.loc["unexplained", "rows"] == 0
    assert abs(float(steps.loc["unexplained", "amount"])) < TOLERANCE
    assert abs(loaded.amount_read - truth["file_amount"]) < TOLERANCE
    quality = _quality(loaded)
    assert quality["rows_removed"].sum() == loaded.rows_read - len(tx) == loaded.rows_removed
    # each trait is counted under its own check, with its money
    assert loaded.rows_read == truth["rows"]
    assert quality.loc["customer_id_missing", "rows"] == truth["guest_rows"]
    assert abs(quality.loc["customer_id_missing", "amount_removed"] - truth["guest_amount"]) < 1e-6
    assert quality.loc["duplicate_rows", "rows"] == truth["duplicate_rows"]
    assert abs(quality.loc["duplicate_rows", "amount"] - truth["duplicate_amount"]) < 1e-6
    assert quality.loc["cancellations_netted", "rows"] == truth["cancellation_lines_matched"]
    assert abs(float(quality.loc["cancellations_netted", "amount_removed"])) < 1e-6
    assert quality.loc["cancellations_unmatched", "rows"] == truth["cancellation_lines_unmatched"]
    unmatched_money = quality.loc["cancellations_unmatched", "amount_removed"]
    assert abs(unmatched_money - truth["unmatched_amount"]) < 1e-6
    # nothing else removed any money
    others = quality.drop(
        ["customer_id_missing", "duplicate_rows", "cancellations_netted", "cancellations_unmatched"]
    )
    assert others["rows_removed"].sum() == 0
    assert abs(others["amount_removed"].sum()) < 1e-9


# ---------------------------------------------------------------- the committed snapshot


def test_snapshot_regenerates_byte_for_byte(tmp_path: Path, snapshot_truth: Truth) -> None:
    # data/README.md: python -m loyaltylab.datasets.lines --out data/synthetic_lines
    #                 --customers 1500 --seed 0
    _, truth = snapshot_truth
    assert (truth["customers_of_the_model"], truth["seed"], truth["date_style"]) == (1500, 0, "us")
    regenerated = generate_lines(1500, seed=0)
    for key, path in write_lines(regenerated, tmp_path).items():
        committed = SNAPSHOT / path.name
        assert (
            hashlib.sha256(path.read_bytes()).hexdigest()
            == hashlib.sha256(committed.read_bytes()).hexdigest()
        ), key


def test_snapshot_resolves_by_name_and_equals_its_truth(
    loaded_snapshot: LoadedTransactions, snapshot_truth: Truth
) -> None:
    customers, truth = snapshot_truth
    assert SYNTHETIC_LINES in DATASET_NAMES and synthetic_lines_dir() == SNAPSHOT
    assert loaded_snapshot.source == "synthetic_lines"
    assert any("quantity x unit_price" in note for note in loaded_snapshot.notes)
    _assert_matches_truth(loaded_snapshot, customers, truth)
    # the log has every trait, in realistic amounts
    assert 0.2 < truth["guest_rows"] / truth["rows"] < 0.3
    assert truth["duplicate_rows"] >= 10 and truth["cancellation_lines_unmatched"] >= 3
    assert truth["invoices_with_same_amount_lines"] >= 100
    assert truth["net_revenue_with_guests"] == pytest.approx(
        truth["net_revenue"] + truth["guest_amount"], abs=1e-9
    )


def test_snapshot_truth_adds_up(snapshot_truth: Truth) -> None:
    customers, truth = snapshot_truth
    assert len(customers) == truth["customers"]
    assert customers["net_revenue"].sum() == pytest.approx(truth["net_revenue"], abs=1e-6)
    assert (customers["net_revenue"] >= -1e-9).all()
    parts = (
        truth["net_revenue"]
        + truth["guest_amount"]
        + truth["duplicate_amount"]
        + truth["unmatched_amount"]
    )
    assert parts == pytest.approx(truth["file_amount"], abs=1e-6)
    assert truth["purchases"] - truth["cancelled_matched"] == pytest.approx(truth["net_revenue"])


def test_snapshot_file_has_the_traits_of_a_real_export() -> None:
    raw = pd.read_csv(SNAPSHOT / "lines.csv.gz", dtype=str, keep_default_na=False)
    assert list(raw.columns) == [
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ]
    assert raw["InvoiceDate"].str.fullmatch(r"\d{1,2}/\d{1,2}/2\d{3} \d{1,2}:\d{2}").all()
    assert raw["InvoiceDate"].iloc[0].startswith("12/1/2010 ")
    cancelled = raw["InvoiceNo"].str.startswith("C")
    quantity = raw["Quantity"].astype(int)
    assert (quantity[cancelled] < 0).all() and (quantity[~cancelled] > 0).all()
    assert {"", "NA", "NaN", "null", "None"} <= set(raw["CustomerID"])
    # same-amount lines of different products on one invoice
    cents = (raw["UnitPrice"].astype(float) * 100).round().astype(int) * quantity
    twins = raw.assign(cents=cents).groupby(["InvoiceNo", "cents"])["StockCode"].nunique()
    assert (twins > 1).sum() >= 100


def test_cancellations_refer_to_earlier_purchases_except_the_unmatched(
    snapshot_truth: Truth,
) -> None:
    # checked from the file alone: a C line of an identified customer whose product that
    # customer bought on an earlier invoice, else it is one of the stated unmatched ones
    _, truth = snapshot_truth
    raw = pd.read_csv(SNAPSHOT / "lines.csv.gz", dtype=str, keep_default_na=False)
    raw = raw.loc[raw["CustomerID"].str.fullmatch(r"\d+")]
    when = pd.to_datetime(raw["InvoiceDate"], format=DATE_FORMATS["us"])
    raw = raw.assign(when=when, quantity=raw["Quantity"].astype(int))
    purchases = raw.loc[raw["quantity"] > 0].drop_duplicates()
    first_bought = purchases.groupby(["CustomerID", "StockCode"])["when"].min()
    cancels = raw.loc[raw["InvoiceNo"].str.startswith("C")]
    keys = pd.MultiIndex.from_frame(cancels[["CustomerID", "StockCode"]])
    earliest = first_bought.reindex(keys).to_numpy()
    earlier = ~pd.isna(earliest) & (earliest < cancels["when"].to_numpy())
    assert int((~earlier).sum()) == truth["cancellation_lines_unmatched"]
    bought = purchases.groupby(["CustomerID", "StockCode"])["quantity"].sum()
    returned = -cancels.loc[earlier].groupby(["CustomerID", "StockCode"])["quantity"].sum()
    assert (returned <= bought.reindex(returned.index)).all()


# ---------------------------------------------------------------- generated logs (the class)


@pytest.mark.parametrize(
    ("seed", "date_style", "guest_share"),
    [(1, "us", 0.25), (2, "iso", 0.25), (3, "us", 0.0), (4, "iso", 0.6)],
)
def test_generated_logs_load_to_their_truth(
    seed: int, date_style: Literal["us", "iso"], guest_share: float
) -> None:
    log = generate_lines(300, seed=seed, date_style=date_style, guest_share=guest_share)
    assert isinstance(log, SyntheticLines)
    options = {**LINES_LOAD_OPTIONS, "date_format": log.truth["date_format"]}
    loaded = load_transactions(log.lines, dict(LINES_COLUMNS), **options)
    _assert_matches_truth(loaded, log.customers, log.truth)
    if guest_share == 0.0:
        assert log.truth["guest_rows"] == 0


def test_generated_log_written_and_read_back(tmp_path: Path) -> None:
    log = generate_lines(200, seed=5)
    write_lines(log, tmp_path)
    customers, truth = read_lines_truth(tmp_path)
    assert truth == json.loads(json.dumps(log.truth))
    pd.testing.assert_frame_equal(customers, log.customers, check_exact=False, atol=1e-9)
    loaded = load_transactions(tmp_path / "lines.csv.gz", dict(LINES_COLUMNS), **LINES_LOAD_OPTIONS)
    _assert_matches_truth(loaded, customers, truth)
    assert log.summary().set_index("metric").loc["rows", "value"] == truth["rows"]


def test_same_seed_same_log_other_seed_other_log() -> None:
    first, again, other = (
        generate_lines(150, seed=8),
        generate_lines(150, seed=8),
        generate_lines(150, seed=9),
    )
    pd.testing.assert_frame_equal(first.lines, again.lines)
    assert not first.lines.equals(other.lines)


def test_generator_refuses_bad_options() -> None:
    with pytest.raises(ParameterError, match="date_style"):
        generate_lines(10, date_style="eu")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="guest_share"):
        generate_lines(10, guest_share=1.5)
    with pytest.raises(ParameterError, match="n_products"):
        generate_lines(10, n_products=5)


def test_command_line_writes_a_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--customers", "80", "--seed", "3"]) == 0
    assert (tmp_path / "lines.csv.gz").is_file() and "net revenue" in capsys.readouterr().out


# ---------------------------------------------------------------- options by name


def test_user_options_override_the_data_set_defaults(snapshot_truth: Truth) -> None:
    _, truth = snapshot_truth
    dropped = resolve_transactions("synthetic_lines", returns="drop")
    # every cancellation dropped: what is left is every identified purchase line
    assert dropped.transactions["amount"].sum() == pytest.approx(truth["purchases"], abs=1e-6)
    with pytest.raises(LoadError, match="customer") as caught:
        resolve_transactions("synthetic_lines", invalid="error")
    assert caught.value.fix == {"invalid": "drop"}
    with pytest.raises(ParameterError, match="columns"):
        resolve_transactions("synthetic_lines", {"customer_id": "CustomerID"})


@pytest.mark.parametrize("returns", ["net", "drop"])
@pytest.mark.parametrize("duplicates", ["drop", "keep"])
def test_quality_table_adds_up_under_every_policy(returns: str, duplicates: str) -> None:
    loaded = resolve_transactions("synthetic_lines", returns=returns, duplicates=duplicates)
    steps = loaded.reconcile().set_index("step")
    assert steps.loc["unexplained", "rows"] == 0
    assert abs(float(steps.loc["unexplained", "amount"])) < TOLERANCE
    assert loaded.quality["rows_removed"].sum() == loaded.rows_removed


def test_order_lines_become_one_purchase_per_invoice(loaded_snapshot: LoadedTransactions) -> None:
    from loyaltylab.customers import summarize_customers

    tx = loaded_snapshot.transactions
    summary = summarize_customers(tx, "2011-11-30")
    days = tx.assign(day=tx["timestamp"].dt.normalize()).groupby("customer_id")["day"].nunique()
    # frequency counts repeat purchase days, never lines
    assert (
        summary.set_index("customer_id")["frequency"]
        == days.reindex(summary["customer_id"]).to_numpy() - 1
    ).all()
    assert summary["frequency"].sum() < len(tx) - tx["customer_id"].nunique()


# ---------------------------------------------------------------- the two reports


def _report_parameters(name: str) -> tuple[Path, dict[str, Any]]:
    config = load_config(project_root() / "reports.yaml")
    spec = next(report for report in config.reports if report.name == name)
    return Path(spec.notebook), dict(spec.parameters)


def _run_report(name: str, tmp_path: Path) -> dict[str, Any]:
    notebook, parameters = _report_parameters(name)
    output = tmp_path / name
    papermill.execute_notebook(
        str(notebook),
        str(tmp_path / f"{name}.ipynb"),
        parameters={**parameters, "output_dir": str(output)},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(project_root()),
    )
    (metrics_file,) = output.glob("*.metrics.json")
    return json.loads(metrics_file.read_text())


@pytest.mark.slow
def test_customers_lines_report_revenue_equals_the_truth(
    tmp_path: Path, snapshot_truth: Truth
) -> None:
    customers, truth = snapshot_truth
    _, parameters = _report_parameters("customers_lines")
    assert parameters["transactions"] == "synthetic_lines"
    metrics = _run_report("customers_lines", tmp_path)
    assert metrics["data"]["source"] == "synthetic_lines"
    assert abs(metrics["kpi"]["revenue"] - truth["net_revenue"]) < TOLERANCE
    buyers = int((customers["net_revenue"] > 1e-9).sum())
    assert metrics["kpi"]["active_customers"] == metrics["data"]["customers"] == buyers


@pytest.mark.slow
def test_clv_lines_report_runs(tmp_path: Path) -> None:
    metrics = _run_report("clv_lines", tmp_path)
    clv = metrics["clv"]
    assert np.isfinite(clv["total"]) and 0 < clv["total_low"] <= clv["total"] <= clv["total_high"]


def test_report_dates_lie_inside_the_log(snapshot_truth: Truth) -> None:
    _, truth = snapshot_truth
    for name in ("customers_lines", "clv_lines"):
        _, parameters = _report_parameters(name)
        assert truth["start"] < parameters["observation_end"] <= truth["end"]
        if "calibration_end" in parameters:
            assert truth["start"] < parameters["calibration_end"] < parameters["observation_end"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", truth["end"])

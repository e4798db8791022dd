"""Execute notebooks/02_clv.ipynb with papermill on the CDNOW sample and check what it records.

Reference values: Fader, Hardie & Lee (2005) and the BTYD walkthrough via
/work/shared/reference/clv.md §3 (calibration 1997-09-30, observation end 1998-06-30, weeks).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02_clv.ipynb"


def _run(tmp_path: Path, **parameters) -> Path:
    out_dir = tmp_path / "out"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "executed.ipynb"),
        parameters={"output_dir": str(out_dir), **parameters},
        kernel_name="python3",
        progress_bar=False,
    )
    return out_dir


@pytest.fixture(scope="module")
def metrics_and_table(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("clv_nb")
    # papermill passes strings from the command line; models as a comma-separated string here
    out_dir = _run(tmp_path, models="bgnbd,pareto_nbd,mbgnbd", n_draws=50)
    metrics = json.loads((out_dir / "02_clv.metrics.json").read_text())
    table = pd.read_csv(out_dir / "clv_per_customer.csv", dtype={"customer_id": str})
    return metrics, table


def test_metrics_pin_published_cdnow_values(metrics_and_table):
    metrics, _ = metrics_and_table
    assert metrics["n_customers"] == 2357
    # FHL 2005: BG/NBD r=0.243, α=4.414, a=0.793, b=2.426, LL -9582.4
    bg = metrics["models"]["bgnbd"]
    assert bg["params"]["r"] == pytest.approx(0.243, abs=1.5e-3)
    assert bg["params"]["alpha"] == pytest.approx(4.414, abs=1.5e-3)
    assert bg["log_likelihood"] == pytest.approx(-9582.43, abs=0.05)
    # FHL 2005: Pareto/NBD r=0.553, s=0.606, LL -9595.0
    pnbd = metrics["models"]["pareto_nbd"]
    assert pnbd["params"]["r"] == pytest.approx(0.553, abs=1e-3)
    assert pnbd["params"]["s"] == pytest.approx(0.606, abs=1e-3)
    assert pnbd["log_likelihood"] == pytest.approx(-9594.98, abs=0.05)
    # BTYDplus MBG/NBD LL -9582.136
    assert metrics["models"]["mbgnbd"]["log_likelihood"] == pytest.approx(-9582.136, abs=0.01)
    # Fader & Hardie 2013: Gamma-Gamma p=6.25, q=3.74, γ=15.44
    assert metrics["spend"]["gamma_gamma"]["params"] == pytest.approx(
        {"p": 6.25, "q": 3.74, "v": 15.44}, abs=0.01
    )
    # ref §3 holdout: 1,882 actual; Σ E[Y(39)] BG 1,653.4, Pareto 1,665.5, MBG 1,576.7;
    # tracking at week 78: actual 4,339, BG 4,165.7, Pareto 4,275.4
    holdout = metrics["holdout"]
    assert holdout["actual"] == 1882
    assert holdout["predicted"]["bgnbd"] == pytest.approx(1653.4, abs=0.5)
    assert holdout["predicted"]["pareto_nbd"] == pytest.approx(1665.5, abs=0.5)
    assert holdout["predicted"]["mbgnbd"] == pytest.approx(1576.7, abs=0.5)
    assert holdout["tracking_actual_end"] == 4339
    assert holdout["tracking_predicted_end"]["bgnbd"] == pytest.approx(4165.7, abs=0.1)
    assert holdout["tracking_predicted_end"]["pareto_nbd"] == pytest.approx(4275.4, abs=0.1)
    assert metrics["default_model"] == "bgnbd"  # rule of compare_models, see test_clv.py


def test_clv_outputs_are_consistent(metrics_and_table):
    metrics, table = metrics_and_table
    clv = metrics["clv"]
    assert clv["total_low"] < clv["total"] < clv["total_high"]
    assert len(table) == 2357 and table["customer_id"].is_unique
    assert table["clv"].sum() == pytest.approx(clv["total"], rel=1e-9)
    assert (table["clv"] >= 0).all() and (table["clv_low"] <= table["clv_high"]).all()
    assert set(table["clv_tier"]) == {"top 1%", "top 1%-10%", "rest"}
    active = (table["probability_alive"] >= 0.5).sum()
    assert metrics["customers"]["active_probable"] == active
    assert metrics["final"]["model"] == metrics["default_model"]


def test_bad_model_name_fails_with_a_clear_error(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as error:
        _run(tmp_path, models=["nope"])
    assert "ParameterError" in error.value.ename
    assert "models" in error.value.evalue and "nope" in error.value.evalue


def _us_dated_cdnow(path: Path, cdnow_sample: pd.DataFrame) -> Path:
    """The CDNOW sample written with US dates ("1/1/1997 0:00"), as a user's export would be."""
    frame = cdnow_sample[["customer_id", "timestamp", "amount"]].copy()
    frame["timestamp"] = frame["timestamp"].map(lambda stamp: f"{stamp:%m/%d/%Y} 0:00")
    frame.to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_a_us_dated_file_names_the_load_option_and_loads_with_it(tmp_path, cdnow_sample):
    # issue 9: "the errors tell the user to pass them ... papermill says 'Passed unknown
    # parameter: invalid'. The US-dated file cannot be loaded from any notebook."
    path = _us_dated_cdnow(tmp_path / "cdnow_us.csv", cdnow_sample)
    (tmp_path / "bad").mkdir(), (tmp_path / "good").mkdir()
    with pytest.raises(pm.PapermillExecutionError) as error:
        _run(tmp_path / "bad", transactions=str(path))
    message = error.value.evalue
    assert "LoadError" in error.value.ename
    assert 'set `load: {date_format: "%m/%d/%Y %H:%M"}`' in message, message
    assert "in the notebook parameters" in message and "reports.yaml" in message
    assert "date_format=" not in message  # the option as the user types it, no Python keyword
    # the suggested option, as papermill -y '{load: {...}}' gives it; the CDNOW sample has its
    # same-day repeat rows kept (as the bundled name does), so the published fit comes back
    out_dir = _run(
        tmp_path / "good",
        transactions=str(path),
        load={"date_format": "%m/%d/%Y %H:%M", "duplicates": "keep"},
        models="bgnbd",
        n_draws=20,
    )
    metrics = json.loads((out_dir / "02_clv.metrics.json").read_text())
    assert metrics["n_customers"] == 2357
    # FHL 2005: BG/NBD LL -9582.4 on the calibration period (as test_metrics_pin_published...)
    assert metrics["models"]["bgnbd"]["log_likelihood"] == pytest.approx(-9582.43, abs=0.05)
    executed = nbformat.read(tmp_path / "good" / "executed.ipynb", as_version=4)
    shown = "".join(
        str(output.get("data", {}).get("text/plain", ""))
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    assert "unexplained" in shown  # the reconciliation is in the data-quality section

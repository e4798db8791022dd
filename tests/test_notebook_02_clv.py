"""Execute notebooks/02_clv.ipynb with papermill on the CDNOW sample and check what it records.

Reference values: Fader, Hardie & Lee (2005) and the BTYD walkthrough via
docs/reference/clv.md §3 (calibration 1997-09-30, observation end 1998-06-30, weeks).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
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


# ------------------------------------------------------------------ issue 10: what the models know


def _metrics(out_dir: Path) -> dict:
    return json.loads((out_dir / "02_clv.metrics.json").read_text())


def _shown(executed: Path) -> str:
    notebook = nbformat.read(executed, as_version=4)
    return "".join(
        str(output.get("data", {}).get("text/markdown", ""))
        + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def test_the_published_sbg_cohort_runs_to_the_retention_section(tmp_path):
    # Fader & Hardie (2007) "How to Project Customer Retention", "regular" segment, years 0-7
    # (reference/clv.md §7): gamma = 0.704, delta = 1.182, LL = -1,680.27; years 8-12 holdout.
    out_dir = _run(
        tmp_path,
        models="bgnbd",
        n_draws=20,
        retention_survivors=[1000, 631, 468, 382, 326, 289, 262, 241],
        retention_holdout="223, 207, 194, 183, 173",
        retention_value=100,
    )
    retention = _metrics(out_dir)["retention"]
    assert retention["gamma"] == pytest.approx(0.704, abs=5e-4)
    assert retention["delta"] == pytest.approx(1.182, abs=5e-4)
    assert retention["log_likelihood"] == pytest.approx(-1680.27, abs=0.01)
    assert retention["n_members"] == 1000 and retention["n_periods"] == 7
    assert retention["residual_value"] == pytest.approx(100 * retention["derl"])
    assert retention["holdout_mape"] < 5  # the paper's projection tracks years 8-12
    shown = _shown(tmp_path / "executed.ipynb")
    assert "γ = 0.704, δ = 1.182" in shown and "further payments" in shown
    new_customer = _metrics(out_dir)["new_customer"]
    assert new_customer["model"] == "bgnbd" and new_customer["expected_purchases"] > 0
    assert "A newly acquired customer is expected to make" in shown


def _no_dropout_log(path: Path, n: int = 300, seed: int = 4) -> Path:
    """A pure NBD log over one year: gamma weekly rates, Poisson purchases, no dropout."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    rows = []
    for customer in range(n):
        join = int(rng.integers(0, 180))
        rate = rng.gamma(0.8, 1 / 6.0) / 7  # per day
        scale = 1 / rng.gamma(4.0, 1 / 40.0)  # Gamma-Gamma spend: each customer's own scale
        extra = rng.integers(join + 1, 366, rng.poisson(rate * (365 - join)))
        for day in [join, *sorted(set(extra.tolist()))]:
            stamp = start + pd.Timedelta(days=int(day))
            rows.append((f"c{customer}", stamp, round(float(rng.gamma(6.0, scale)), 2)))
    pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"]).to_csv(path, index=False)
    return path


def test_a_log_without_dropout_ends_with_boundary_notes_not_a_crash(tmp_path):
    # issue 10: a one-year log with no detectable attrition is a result (maximum on the
    # boundary, the NBD), not a refusal; the notebook runs to the end and says so.
    path = _no_dropout_log(tmp_path / "nbd.csv")
    out_dir = _run(
        tmp_path,
        transactions=str(path),
        calibration_end="2024-09-30",
        observation_end="2024-12-31",
        n_draws=20,
    )
    metrics = _metrics(out_dir)
    statuses = {name: entry["status"] for name, entry in metrics["models"].items()}
    assert "fitted" in statuses.values() or "boundary" in statuses.values(), statuses
    assert metrics["final"]["status"] == "boundary", metrics["final"]
    assert "no dropout detected in this window" in metrics["final"]["boundary_note"]
    assert "CLV is an upper bound" in metrics["final"]["boundary_note"]
    assert metrics["clv"]["total"] > 0
    for entry in metrics["models"].values():  # a failed model says why, with the counts
        assert entry["status"] != "failed" or "300 customers" in entry["failure_reason"]
    shown = _shown(tmp_path / "executed.ipynb")
    assert "Boundary results" in shown and "Why this model" in shown
    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    boundary_cell = next(cell for cell in executed.cells if cell.get("id") == "boundary-02")
    assert any("image/png" in out.get("data", {}) for out in boundary_cell.outputs)  # profile


def test_a_failing_model_is_a_failed_row_and_the_report_goes_on(tmp_path):
    # issue 10: one model's failure never stops the comparison. Pareto/NBD is forced to fail by
    # a cell inserted after the parameters (the notebook itself is unchanged).
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    breaker = nbformat.v4.new_code_cell(
        "from loyaltylab.clv.models import get_transaction_model\n"
        "def _broken(*args, **kwargs):\n"
        "    raise FloatingPointError('overflow in a likelihood')\n"
        "type(get_transaction_model('pareto_nbd')).fit = _broken"
    )
    notebook.cells.insert(2, breaker)
    forced = tmp_path / "forced.ipynb"
    nbformat.write(notebook, forced)
    out_dir = tmp_path / "out"
    pm.execute_notebook(
        str(forced),
        str(tmp_path / "executed.ipynb"),
        parameters={"output_dir": str(out_dir), "models": "bgnbd,pareto_nbd", "n_draws": 20},
        kernel_name="python3",
        progress_bar=False,
    )
    metrics = _metrics(out_dir)
    assert metrics["models"]["pareto_nbd"]["status"] == "failed"
    assert "overflow in a likelihood" in metrics["models"]["pareto_nbd"]["failure_reason"]
    assert metrics["models"]["bgnbd"]["status"] == "fitted"
    assert metrics["default_model"] == "bgnbd"
    assert "Not compared (failed): Pareto/NBD" in metrics["default_model_why"]
    assert metrics["fit_timeout_seconds"] == 60
    shown = _shown(tmp_path / "executed.ipynb")
    assert "Models that could not be compared" in shown


def test_a_covariate_file_gives_the_coefficient_table(tmp_path, cdnow_sample):
    ids = cdnow_sample["customer_id"].drop_duplicates()
    path = tmp_path / "covariates.csv"
    channel = np.random.default_rng(5).choice(["online", "shop"], len(ids))
    pd.DataFrame({"customer_id": ids, "channel": channel}).to_csv(path, index=False)
    out_dir = _run(
        tmp_path,
        models="bgnbd",
        n_draws=20,
        covariates=str(path),
        purchase_covariates="channel[shop]",
        dropout_covariates="channel[shop]",
    )
    metrics = _metrics(out_dir)
    # the covariate fit is the model the CLV comes from; the plain total is kept beside it
    assert metrics["clv"]["basis"] == "covariates"
    assert metrics["clv"]["plain_total"] > 0 and metrics["clv"]["total"] > 0
    assert "with covariates" in _shown(tmp_path / "executed.ipynb")
    covariates = metrics["models"]["bgnbd"]["covariates"]
    assert covariates["error"] == ""  # the same keys as a failed fit, which says why
    # a channel drawn at random has no effect: the coefficients are within about 3 SE of 0
    for process in ("purchase", "dropout"):
        entry = covariates[process]["channel[shop]"]
        assert abs(entry["estimate"]) < 3 * entry["se"], covariates
    assert "likelihood_ratio" in _shown(tmp_path / "executed.ipynb")


def _poisson_log(path: Path, *, one_price: bool, n: int = 300, seed: int = 1) -> Path:
    """Poisson buyers who never die (one rate, 0.3 a week) over 2020.

    ``one_price``: every order costs 12.50 (no spend variation at all); else each customer's
    orders are Gamma(3, ν) with ν ~ Gamma(0.7, 1/5): Gamma-Gamma with q = 0.7 < 1.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-01")
    rows = []
    for customer in range(n):
        first = int(rng.integers(0, 182))
        rate = rng.gamma(0.7, 1 / 5.0)
        days = rng.integers(first + 1, 365, rng.poisson(0.3 * (365 - first) / 7))
        for day in [first, *sorted(set(days.tolist()))]:
            amount = 12.50 if one_price else round(float(rng.gamma(3.0, 1 / rate)), 2) + 0.01
            rows.append((f"c{customer}", start + pd.Timedelta(days=int(day)), amount))
    pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"]).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("one_price", [True, False], ids=["one-price", "heavy-tailed-spend"])
def test_poisson_buyers_end_with_notes_not_a_crash(tmp_path, one_price):
    # issue 10: the spend model's boundary (one price: no variation in spend) and q <= 1 (mean
    # spend undefined) are notes; Poisson buyers who never die are boundary rows, not failed
    path = _poisson_log(tmp_path / "poisson.csv", one_price=one_price)
    out_dir = _run(
        tmp_path,
        transactions=str(path),
        calibration_end="2020-09-30",
        observation_end="2020-12-30",
        n_draws=20,
    )
    metrics = _metrics(out_dir)
    statuses = {name: entry["status"] for name, entry in metrics["models"].items()}
    assert "failed" not in statuses.values(), metrics["models"]
    assert metrics["final"]["status"] == "boundary"
    assert metrics["clv"]["total"] > 0
    shown = _shown(tmp_path / "executed.ipynb")
    if one_price:
        assert metrics["final"]["spend_status"] == "boundary"
        assert "no variation in spend within customers" in metrics["final"]["spend_note"]
        assert "no variation in spend within customers" in shown
        assert metrics["new_customer"]["status"] == "computed"
        assert metrics["new_customer"]["mean_spend"] == pytest.approx(12.50)
    else:
        assert metrics["final"]["spend_params"]["q"] < 1
        assert "mean spend of a customer without repeat purchases is undefined" in shown
        assert metrics["new_customer"]["status"] == "n/a"
        assert metrics["new_customer"]["value"] is None
        assert "n/a: spend model has q <= 1 (mean spend undefined)" in shown

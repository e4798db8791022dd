"""Execute notebooks/05_scorecard.ipynb with papermill and check what it records.

Two runs: one with a run folder holding other reports' metrics (one report failed), one with no
run folder at all. Expected numbers are computed independently in the test: the KPI series with
``loyaltylab.kpi.kpis_by_period`` and the trend with ``numpy.polyfit``; the series read from a
report's metrics by hand (comment beside it).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import papermill as pm
import pytest

from loyaltylab.datasets import resolve_transactions
from loyaltylab.kpi import kpis_by_period

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_scorecard.ipynb"

TARGETS = """
targets:
  - name: retention_up
    metric: retention_rate
    baseline_start: 2024-07-01
    baseline_end: 2024-12-31
    relative_change: 0.20
    deadline: 2026-12-31
    owner: CRM lead
  - name: breakage_cap
    metric: breakage_rate
    target_value: 0.20
    direction: decrease
    deadline: 2026-12-31
    owner: Finance
  - name: clv_total
    metric: clv.total
    source: clv_cdnow
    target_value: 75000
    deadline: 2026-12-31
    owner: CFO
  - name: roi
    metric: roi.median
    source: reward_models
    target_value: 0.1
    deadline: 2026-12-31
    owner: CFO
  - name: frequency_double
    metric: kpi_by_period.purchase_frequency
    source: customers_loyalty
    baseline_start: 2024-01-01
    baseline_end: 2024-03-31
    relative_change: 1.0
    deadline: 2024-12-31
    owner: CRM lead
"""


def _write(path: Path, payload) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


def _run(tmp_path: Path, run_dir: str) -> dict:
    targets = tmp_path / "targets.yaml"
    targets.write_text(TARGETS)
    output_dir = tmp_path / "run" / "scorecard"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "05_scorecard.ipynb"),
        parameters={
            "targets_file": str(targets),
            "transactions": "synthetic",
            "members": "synthetic_loyalty",
            "ledger": "synthetic_loyalty",
            "observation_end": "2025-12-31",
            "period": "Q",
            "run_dir": run_dir,
            "output_dir": str(output_dir),
        },
        kernel_name="python3",
        progress_bar=False,
    )
    return json.loads((output_dir / "05_scorecard.metrics.json").read_text())


def _expected_retention() -> dict:
    tx = resolve_transactions("synthetic", observation_end="2025-12-31").transactions
    by_period = kpis_by_period(tx, "Q", observation_end="2025-12-31")
    series = by_period.loc[by_period["complete"], "retention_rate"].dropna()
    quarters = pd.PeriodIndex(series.index, freq="Q")
    middle = quarters.start_time + (quarters.end_time - quarters.start_time) / 2
    since = middle >= pd.Timestamp("2024-07-01")
    baseline = series[since & (middle <= pd.Timestamp("2024-12-31 23:59:59"))].mean()
    days = (middle[since] - middle[since][0]) / pd.Timedelta(days=1)
    slope, intercept = np.polyfit(np.asarray(days, float), series[since].to_numpy(float), 1)
    deadline_day = (pd.Timestamp("2026-12-31") - middle[since][0]) / pd.Timedelta(days=1)
    return {
        "baseline": baseline,
        "current": series.iloc[-1],
        "target": baseline * 1.2,
        "projected": intercept + slope * deadline_day,
    }


@pytest.mark.slow
def test_scorecard_reads_the_run_and_names_what_is_missing(tmp_path):
    run = tmp_path / "run"
    _write(run / "clv_cdnow" / "02_clv.metrics.json", {"clv": {"total": 80000.0}})
    series = {"freq": "Q-DEC", "periods": ["2024-01-01", "2024-04-01"], "values": [1.0, 1.5]}
    _write(
        run / "customers_loyalty" / "01_customers.metrics.json",
        {"kpi_by_period": {"purchase_frequency": series}},
    )
    _write(
        run / "status.json",
        {
            "reports": [
                {"name": "clv_cdnow", "status": "ok"},
                {"name": "customers_loyalty", "status": "ok"},
                {"name": "reward_models", "status": "failed"},
            ]
        },
    )
    metrics = _run(tmp_path, str(run))
    targets = metrics["targets"]
    assert metrics["n_targets"] == 5 and metrics["n_missing"] == 1
    assert sorted(metrics["run"]["reports_read"]) == ["clv_cdnow", "customers_loyalty"]
    assert metrics["run"]["reports_failed"] == ["reward_models"]

    expected = _expected_retention()
    for key, value in expected.items():
        assert targets["retention_rate"][key] == pytest.approx(value, rel=1e-9), key
    assert targets["retention_rate"]["on_track"] is bool(
        expected["projected"] >= expected["target"]
    )

    # breakage: a program KPI computed from members and ledger; by the end of 2025 it equals the
    # snapshot's true breakage (expired / issued over the whole ledger)
    truth = json.loads((ROOT / "data" / "synthetic_loyalty" / "truth.json").read_text())
    assert targets["breakage_rate"]["current"] == pytest.approx(truth["breakage_rate"])

    # clv.total read from the CLV report: 80,000 >= 75,000, no trend (no dated baseline)
    assert targets["clv.total"]["current"] == 80000.0 and targets["clv.total"]["on_track"] is True
    assert targets["clv.total"]["projected"] is None

    # the failed report's number is missing and said so
    assert targets["roi.median"]["current"] is None and targets["roi.median"]["on_track"] is None
    assert "report 'reward_models' failed" in targets["roi.median"]["missing"]

    # series from another report: 2024Q1 = 1.0 (baseline), 2024Q2 = 1.5 (current), goal 2.0 by
    # 2024-12-31. The data run to 2025-12-31, so the deadline has passed (issue 9: evaluated at the
    # deadline as ended - met / missed, never projected backwards): 1.5 < 2.0 is missed, half way
    frequency = targets["kpi_by_period.purchase_frequency"]
    assert frequency["baseline"] == 1.0 and frequency["current"] == 1.5
    assert frequency["target"] == 2.0 and frequency["progress"] == pytest.approx(0.5)
    assert frequency["projected"] is None and frequency["on_track"] is None
    assert frequency["ended"] is True and frequency["met"] is False
    assert frequency["status"] == "ended — missed"
    assert "2024-12-31 has passed" in frequency["note"]
    assert metrics["n_ended"] == 1


@pytest.mark.slow
def test_scorecard_renders_without_a_run(tmp_path):
    metrics = _run(tmp_path, "")
    targets = metrics["targets"]
    assert metrics["n_targets"] == 5 and metrics["n_missing"] == 3
    assert metrics["run"] == {"run_dir": "", "reports_read": [], "reports_failed": []}
    for metric in ("clv.total", "roi.median", "kpi_by_period.purchase_frequency"):
        assert "did not run or wrote no metrics" in targets[metric]["missing"], metric
        assert targets[metric]["current"] is None
    assert targets["retention_rate"]["current"] is not None
    assert targets["retention_rate"]["missing"] == ""

"""Execute notebooks/04_reward_models.ipynb with papermill on a small run and check its metrics.

Reference values: the KPMG IFRS 15 example and the literature effects are pinned in
tests/test_rewards*.py; here we check that the report runs end to end on the configured programs,
writes every required metric with its 80 % interval, and that the numbers obey identities that hold
whatever the assumptions (cashback has no points, so no breakage and no liability; the interval
brackets the median; costs are positive).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from loyaltylab.rewards import KEY_METRICS, load_programs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_reward_models.ipynb"


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("rewards_nb")
    out_dir = tmp_path / "out"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "executed.ipynb"),
        parameters={
            "output_dir": str(out_dir),
            "population_source": "published",
            "n_customers": "800",  # papermill -p passes strings
            "n_draws": 4,
            "horizon_years": 1,
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ROOT),
    )
    return json.loads((out_dir / "04_reward_models.metrics.json").read_text())


def test_every_configured_program_has_every_metric_with_interval(metrics):
    programs = {program.name for program in load_programs(ROOT / "reports.yaml")}
    assert set(metrics["programs"]) == programs
    for values in metrics["programs"].values():
        for key in KEY_METRICS:
            assert {key, f"{key}_low", f"{key}_high"} <= set(values)
            if values[key] is not None:
                assert values[f"{key}_low"] <= values[key] <= values[f"{key}_high"]
        assert values["reward_cost"] > 0
    cashback = metrics["programs"]["cashback_1pct"]
    assert cashback["breakage_rate"] is None  # no points issued
    assert cashback["liability_end"] == 0
    assert metrics["settings"] == {
        "n_customers": 800,
        "n_draws": 4,
        "horizon_weeks": 52,
        "population_model": "bgnbd",
        "population_source": metrics["settings"]["population_source"],
    }
    assert "published" in metrics["settings"]["population_source"]
    assert metrics["best_program"] in programs


def test_notebook_is_stored_clean_with_tagged_parameters():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert "remove-cell" in code[1].metadata.get("tags", [])
    assert code[1].source.count("RewardParameters.from_namespace(globals())") == 1
    assert all(not cell.get("outputs") and cell.get("execution_count") is None for cell in code)
    for cell in code:
        lines = cell.source.splitlines()
        assert not any(line.lstrip().startswith(("for ", "def ", "while ")) for line in lines)


def test_notebook_runs_on_the_users_own_transactions_with_pareto_nbd(tmp_path):
    from loyaltylab.datasets import load_cdnow

    own = load_cdnow(sample=True).rename(
        columns={"customer_id": "cust", "timestamp": "date", "amount": "sales"}
    )
    source = tmp_path / "my_transactions.csv"
    own.to_csv(source, index=False)
    out_dir = tmp_path / "out"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "executed.ipynb"),
        parameters={
            "output_dir": str(out_dir),
            "population_source": str(source),
            "columns": {"customer_id": "cust", "timestamp": "date", "amount": "sales"},
            "population_model": "pareto_nbd",
            "n_customers": 300,
            "n_draws": 2,
            "horizon_years": 1,
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ROOT),
    )
    metrics = json.loads((out_dir / "04_reward_models.metrics.json").read_text())
    assert metrics["settings"]["population_model"] == "pareto_nbd"
    assert "my_transactions.csv" in metrics["settings"]["population_source"]

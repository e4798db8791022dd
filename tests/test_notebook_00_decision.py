"""Execute notebooks/00_decision.ipynb with papermill on a small run and check its metrics.

The estimators are pinned against hand calculations, statsmodels and published values in
tests/test_rewards_decision.py; here the page runs end to end on the company's data (the
synthetic program), reads a pilot's result from a run folder, and writes every key of
00_decision.metrics.json with values that obey identities whatever the assumptions (P(best)
sums to one, the interval brackets the mean, the measured design names its evidence).
"""

from __future__ import annotations

import json
from pathlib import Path

import papermill as pm
import pytest

from loyaltylab.rewards import load_programs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00_decision.ipynb"
EXPERIMENT = {  # what 03_experiment writes for its double_points arm (relative lift in visits)
    "effects": {
        "double_points": {
            "visits": {
                "relative": 0.137,
                "relative_se": 0.053,
                "relative_ci_low": 0.033,
                "relative_ci_high": 0.241,
            }
        }
    }
}


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("decision_nb")
    run_dir = tmp_path / "run"
    (run_dir / "experiment_synthetic").mkdir(parents=True)
    (run_dir / "experiment_synthetic" / "03_experiment.metrics.json").write_text(
        json.dumps(EXPERIMENT)
    )
    out_dir = tmp_path / "out"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "executed.ipynb"),
        parameters={
            "output_dir": str(out_dir),
            "run_dir": str(run_dir),
            "n_customers": "400",  # papermill -p passes strings
            "n_draws": 6,
            "horizon_years": 1,
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ROOT),
    )
    executed = json.loads((tmp_path / "executed.ipynb").read_text())
    metrics = json.loads((out_dir / "00_decision.metrics.json").read_text())
    metrics["_opening"] = next(  # the first answer box of the page (not a metrics key)
        "".join(output.get("data", {}).get("text/html", ""))
        for cell in executed["cells"]
        for output in cell.get("outputs", [])
        if "ll-answer" in "".join(output.get("data", {}).get("text/html", ""))
    )
    return metrics


def test_the_page_opens_with_the_decision_in_words_and_numbers(metrics):
    opening = metrics["_opening"]
    words = {"launch": "Launch", "pilot": "Pilot", "do_not_launch": "Do not launch"}
    assert words[metrics["recommendation"]].lower() in opening.lower()
    assert metrics["design"] in opening
    assert f"{abs(metrics['designs'][metrics['design']]['margin']):,.0f}" in opening
    assert "Offers:" in opening  # who gets them: the run's uplift model, or why there is none


def test_the_decision_names_a_step_a_design_and_every_designs_numbers(metrics):
    names = {program.name for program in load_programs(ROOT / "reports.yaml")}
    assert metrics["recommendation"] in {"launch", "pilot", "do_not_launch"}
    assert metrics["design"] in names
    assert set(metrics["designs"]) == names
    assert sum(values["p_best"] for values in metrics["designs"].values()) == pytest.approx(1.0)
    for values in metrics["designs"].values():
        assert values["margin_low"] <= values["margin"] <= values["margin_high"]
        assert 0 <= values["p_profit"] <= 1 and 0 <= values["incremental_sales_share"] < 1
        assert values["break_even"] is None or values["break_even"] >= 0
    assert metrics["pilot"]["n_per_arm"] >= 2 and metrics["pilot"]["weeks"] in {8, 13, 26, 52}


def test_the_decision_says_which_evidence_it_used(metrics):
    evidence = metrics["evidence"]
    assert any("experiment_synthetic" in line and "double_points" in line for line in evidence)
    assert any(line.startswith("literature prior") for line in evidence)
    effect = metrics["program_effect"]
    assert effect["causal_low"] <= effect["causal"] <= effect["causal_high"]
    # the running program's true effect (the generator's truth) lies inside its interval
    truth = json.loads((ROOT / "data" / "synthetic_loyalty" / "truth.json").read_text())
    assert effect["causal_low"] <= truth["true_program_effect"] <= effect["causal_high"]
    assert effect["naive"] > effect["causal"]  # self-selection: the naive gap overstates
    assert metrics["settings"]["customers_in_base"] == 5000

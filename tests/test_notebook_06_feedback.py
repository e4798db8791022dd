"""Execute notebooks/06_feedback.ipynb with papermill and check what it records.

Run 1: the bundled synthetic surveys and referrals. The metrics are checked against numbers
worked out here directly from the CSV files with pandas (share of 9-10 answers minus share of
0-6 answers, the CSAT mean, referrers who bought / customers) and against the generator's truth
(data/synthetic_feedback/truth.json). Run 2: a hand-built survey file with a duplicate answer;
the report refuses it naming the `load` option, and with that option it runs and reports the
NPS of the answers kept (too few answers for the behaviour models: the report says so and
goes on).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import papermill
import pytest

from loyaltylab.datasets import read_feedback_truth
from loyaltylab.datasets.feedback import synthetic_feedback_dir
from loyaltylab.paths import project_root

NOTEBOOK = project_root() / "notebooks" / "06_feedback.ipynb"


def _run(tmp_path: Path, **parameters) -> dict:
    out = tmp_path / "out"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "06_feedback.ipynb"),
        parameters={"output_dir": str(out), **parameters},
        kernel_name="python3",
        progress_bar=False,
    )
    return json.loads((out / "06_feedback.metrics.json").read_text())


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    tmp = tmp_path_factory.mktemp("feedback")
    return _run(tmp), tmp


def test_bundled_run_records_the_nps_csat_and_referrals_by_hand(bundled):
    metrics, _ = bundled
    answers = pd.read_csv(synthetic_feedback_dir() / "surveys.csv")
    promoters = (answers["nps"] >= 9).mean()
    detractors = (answers["nps"] <= 6).mean()
    assert metrics["nps"]["n"] == len(answers)
    assert metrics["nps"]["value"] == pytest.approx(100 * (promoters - detractors))
    se = 100 * math.sqrt((promoters + detractors - (promoters - detractors) ** 2) / len(answers))
    assert metrics["nps"]["ci_low"] == pytest.approx(
        metrics["nps"]["value"] - 1.959964 * se, abs=1e-4
    )
    assert metrics["csat"]["mean"] == pytest.approx(answers["csat"].mean())
    assert metrics["csat"]["top2_share"] == pytest.approx((answers["csat"].dropna() >= 4).mean())
    referrals = pd.read_csv(synthetic_feedback_dir() / "referrals.csv")
    assert metrics["referral"]["referrals"] == len(referrals)
    assert metrics["referral"]["rate"] == pytest.approx(referrals["referrer_id"].nunique() / 5000)
    assert metrics["data"]["waves"] == 5


def test_bundled_run_recovers_the_generator_truth(bundled):
    metrics, _ = bundled
    truth = read_feedback_truth()
    retention = metrics["retention"]
    gap = truth["retention_by_group"]["promoter"] - truth["retention_by_group"]["detractor"]
    assert retention["promoter_ame_ci_low"] <= gap <= retention["promoter_ame_ci_high"]
    assert metrics["nps_change"]["ci_low"] <= truth["nps_change"]["change"]
    assert truth["nps_change"]["change"] <= metrics["nps_change"]["ci_high"]
    assert metrics["response_rate"] == pytest.approx(truth["response_rate"], abs=0.03)


def test_bundled_report_opens_with_its_answer(bundled):
    _, tmp = bundled
    notebook = json.loads((tmp / "06_feedback.ipynb").read_text())
    texts = [
        "".join(output.get("data", {}).get("text/html", ""))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
    ]
    opening = next(text for text in texts if "ll-answer" in text)  # the answer box comes first
    assert "net promoter score of" in opening and "Promoters keep buying at" in opening
    assert f"{round(bundled[0]['nps']['value']):+d} points" in opening


def test_a_duplicate_answer_is_refused_naming_the_load_option_then_counted(tmp_path):
    surveys = pd.DataFrame(
        {
            "customer_id": ["S000001", "S000001", "S000003", "S000006"],
            "answered_at": ["2024-08-01", "2024-08-20", "2024-08-02", "2024-09-01"],
            "nps": [10, 9, 3, 8],
        }
    )
    path = tmp_path / "answers.csv"
    surveys.to_csv(path, index=False)
    with pytest.raises(papermill.PapermillExecutionError) as raised:
        _run(tmp_path, surveys=str(path), referrals="")
    assert "load: {surveys: {duplicate_answers: first}}" in str(raised.value)
    metrics = _run(
        tmp_path, surveys=str(path), referrals="", load={"surveys": {"duplicate_answers": "first"}}
    )
    # kept: 10 (promoter), 3 (detractor), 8 (passive): NPS = 100 * (1/3 - 1/3) = 0
    assert metrics["nps"]["n"] == 3 and metrics["nps"]["value"] == pytest.approx(0.0)
    assert metrics["retention"] == {} and metrics["referral"] == {}

"""The running program's effect where a user reaches it: notebook 01_customers with members.

The notebook's ``program_effect`` metrics must be :func:`loyaltylab.evaluation.evaluate_program`
on the report's own data (whose correctness tests/test_evaluation.py checks against hand
calculations and the generator's truth), every key must be in the metrics catalog, and the
words must read naive and causal side by side.
"""

from __future__ import annotations

import json

import nbformat
import papermill
import pytest

from loyaltylab.datasets.loyalty import load_synthetic_loyalty
from loyaltylab.evaluation import ProgramEvaluation, evaluate_program
from loyaltylab.metrics import flatten_metrics
from loyaltylab.paths import project_root
from loyaltylab.reports.catalog import metrics_catalog
from loyaltylab.reports.notebooks import customers as page

NOTEBOOK = project_root() / "notebooks" / "01_customers.ipynb"


def _evaluation(naive: float, causal: float, low: float, high: float) -> ProgramEvaluation:
    import pandas as pd

    return ProgramEvaluation(
        naive=naive,
        causal=causal,
        causal_low=low,
        causal_high=high,
        spend_naive=naive,
        spend_causal=causal,
        spend_low=low,
        spend_high=high,
        n_members=1200,
        n_controls=950,
        n_unmatched=3,
        n_outside=10,
        method="matched DiD",
        pre_months=6,
        post_months=6,
        confidence=0.95,
        n_boot=400,
        cohorts=pd.DataFrame(),
    )


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (-0.05, 0.2, "the data cannot tell the program's effect from zero"),
        (0.02, 0.2, "the program raises purchases"),
        (-0.2, -0.01, "members buy less than they would have without the program"),
    ],
)
def test_words_put_naive_and_causal_side_by_side(low, high, verdict):
    words = page.program_effect_words(_evaluation(0.305, 0.063, low, high))
    assert words.startswith("Members place 30.5 % more orders per month than non-members")
    assert "**+6.3 %** orders per customer-month" in words
    assert f"95 % interval {page._signed(low)} to {page._signed(high)}" in words
    assert "1,200 members, 950 comparison customers" in words and verdict in words


def test_metrics_section_is_empty_without_an_evaluation():
    assert page.program_effect_metrics(None) == {}
    section = page.program_effect_metrics(_evaluation(0.3, 0.06, -0.1, 0.2))["program_effect"]
    assert section["naive"] == 0.3 and section["causal_low"] == -0.1
    assert set(section) == {
        "naive",
        "causal",
        "causal_low",
        "causal_high",
        "spend_causal",
        "spend_low",
        "spend_high",
    }


def test_short_data_give_the_reason_instead_of_a_number():
    data = load_synthetic_loyalty()
    early = data.transactions[data.transactions["timestamp"] < "2024-10-01"]
    effect, words = page.program_effect(early, data.members, "2024-09-30")
    assert effect is None
    assert "cannot be estimated from these data: no enrolment cohort has 6 observed months" in words
    assert page.program_effect(early, None, "2024-09-30") == (
        None,
        "No loyalty-program data was given.",
    )


@pytest.mark.slow
def test_the_customers_report_shows_the_program_effect(tmp_path):
    output_dir = tmp_path / "out"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "01_customers.ipynb"),
        parameters={
            "transactions": "synthetic_loyalty",
            "members": "synthetic_loyalty",
            "ledger": "synthetic_loyalty",
            "observation_end": "2025-12-31",
            "period": "M",
            "with_clv": "no",
            "output_dir": str(output_dir),
        },
        kernel_name="python3",
        progress_bar=False,
    )
    metrics = json.loads((output_dir / "01_customers.metrics.json").read_text())
    data = load_synthetic_loyalty()
    expected = evaluate_program(data.transactions, data.members, observation_end="2025-12-31")
    section = metrics["program_effect"]
    for key in ("naive", "causal", "causal_low", "causal_high", "spend_causal"):
        assert section[key] == pytest.approx(getattr(expected, key), rel=1e-9), key
    truth = json.loads((project_root() / "data" / "synthetic_loyalty" / "truth.json").read_text())
    assert section["causal_low"] <= truth["true_program_effect"] <= section["causal_high"]
    assert metrics["data"]["source"] == "synthetic_loyalty"
    assert metrics_catalog().missing("01_customers", flatten_metrics(metrics)) == []
    executed = nbformat.read(tmp_path / "01_customers.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in executed.cells)
    assert "## Is the running program working?" in text
    shown = "".join(
        str(output.get("data", {}).get("text/markdown", ""))
        for cell in executed.cells
        for output in cell.get("outputs", [])
    )
    assert "(the naive gap), but compared with look-alike non-members" in shown

"""Execute notebooks/01_customers.ipynb with papermill on a hand-built log and check its metrics.

The expected values are worked out by hand from the frames below (same purchases as
tests/test_kpi.py, default window = Dec 1 2023 .. Mar 31 2024, so e's December order counts).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from loyaltylab.paths import project_root

NOTEBOOK = project_root() / "notebooks" / "01_customers.ipynb"

TRANSACTIONS = pd.DataFrame(
    {
        "cust": ["a", "a", "a", "a", "b", "b", "c", "d", "e", "e"],
        "date": [
            "2024-01-02 09:00:00",
            "2024-01-02 17:00:00",
            "2024-02-10 00:00:00",
            "2024-03-05 00:00:00",
            "2024-01-15 00:00:00",
            "2024-03-20 00:00:00",
            "2024-02-01 00:00:00",
            "2024-03-31 23:00:00",
            "2023-12-20 00:00:00",
            "2024-02-14 00:00:00",
        ],
        "sales": [10.0, 5.0, 20.0, 30.0, 100.0, 50.0, 40.0, 10.0, 60.0, 25.0],
    }
)
MEMBERS = pd.DataFrame(
    {
        "customer_id": ["a", "b"],
        "enrolled_at": ["2024-01-01", "2024-01-10"],
        "tier": ["base", "gold"],
        "channel": ["web", "store"],
    }
)
LEDGER = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "a", "b", "b", "b"],
        "timestamp": [
            "2024-01-02",
            "2024-02-10",
            "2024-03-05",
            "2024-03-30",
            "2024-03-30",
            "2024-01-15",
            "2024-03-20",
            "2024-03-20",
        ],
        "kind": ["earn", "earn", "redeem", "expire", "adjust", "earn", "redeem", "earn"],
        "points": [15.0, 20.0, -10.0, -5.0, 2.0, 150.0, -100.0, 50.0],
    }
)


def _run(tmp_path: Path, **parameters: object) -> dict:
    output = tmp_path / "out"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "01_customers.ipynb"),
        parameters={**parameters, "output_dir": str(output)},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(project_root()),
    )
    return json.loads((output / "01_customers.metrics.json").read_text())


@pytest.mark.slow
def test_notebook_metrics_hand_computed(tmp_path: Path) -> None:
    TRANSACTIONS.to_csv(tmp_path / "tx.csv", index=False)
    MEMBERS.to_csv(tmp_path / "members.csv", index=False)
    LEDGER.to_csv(tmp_path / "ledger.csv", index=False)
    metrics = _run(
        tmp_path,
        transactions=str(tmp_path / "tx.csv"),
        columns={"customer_id": "cust", "timestamp": "date", "amount": "sales"},
        observation_end="2024-03-31",
        members=str(tmp_path / "members.csv"),
        ledger=str(tmp_path / "ledger.csv"),
        point_value=0.5,
        active_days=15,
        with_clv="no",
    )
    kpi = metrics["kpi"]
    # hand: 9 orders (a's two Jan 2 rows are one order), 350 revenue, 5 customers
    assert kpi["orders"] == 9
    assert kpi["aov"] == pytest.approx(350 / 9)
    assert kpi["purchase_frequency"] == pytest.approx(9 / 5)
    # hand: a (3 orders), b (2), e (Dec + Feb) repeat
    assert kpi["repeat_purchase_rate"] == pytest.approx(3 / 5)
    # hand: months Dec {e}, Jan {a,b}, Feb {a,c,e}, Mar {a,b,d}: (0 + 1 + 1) / (1 + 2 + 3)
    assert kpi["retention_rate"] == pytest.approx(2 / 6)
    # hand: top ceil(0.5) = 1 customer, b with 150 of 350
    assert kpi["revenue_top10_share"] == pytest.approx(150 / 350)
    # hand program: 2 members of 5 customers; in the last 15 days only b bought
    assert kpi["enrolment_rate"] == pytest.approx(0.4)
    assert kpi["participation_rate"] == pytest.approx(0.5)
    # hand: issued 15 + 20 + 150 + 50, redeemed 10 + 100, expired 5
    assert kpi["points_issued"] == pytest.approx(235.0)
    assert kpi["points_outstanding"] == pytest.approx(122.0)
    assert kpi["redemption_rate"] == pytest.approx(110 / 235)
    assert kpi["breakage_rate"] == pytest.approx(5 / 235)
    assert kpi["reward_cost_share"] == pytest.approx(110 * 0.5 / 350)
    series = metrics["kpi_by_period"]["retention_rate"]
    assert series == {
        "freq": "M",
        "periods": ["2024-01-01", "2024-02-01", "2024-03-01"],
        "values": pytest.approx([0.0, 0.5, 1 / 3]),
    }
    # hand RFM (recency 26, 11, 59, 0, 46; orders 3, 2, 1, 1, 2; revenue 65, 150, 40, 10, 85):
    # a 353 loyal, b 435 champions, c 112 lost, d 511 new, e 234 at risk
    counts = {name: entry["customers"] for name, entry in metrics["segments"].items()}
    assert counts == {
        "new": 1,
        "champions": 1,
        "loyal": 1,
        "potential": 0,
        "at risk": 1,
        "hibernating": 0,
        "lost": 1,
    }
    assert metrics["cohorts"]["mean_retention"]["1"] == pytest.approx(0.25)
    assert metrics["value_risk"] == {}


@pytest.mark.slow
def test_notebook_needs_members_and_ledger_together(tmp_path: Path) -> None:
    TRANSACTIONS.to_csv(tmp_path / "tx.csv", index=False)
    with pytest.raises(papermill.PapermillExecutionError, match="'ledger' is empty"):
        _run(
            tmp_path,
            transactions=str(tmp_path / "tx.csv"),
            columns={"customer_id": "cust", "timestamp": "date", "amount": "sales"},
            observation_end="2024-03-31",
            members="synthetic_loyalty",
            with_clv="no",
        )


@pytest.mark.slow
def test_a_missing_id_names_the_load_option_and_loads_with_it(tmp_path):
    # issue 9: "the errors tell the user to pass them: 'pass invalid='drop'' -> papermill says
    # 'Passed unknown parameter: invalid'". Truth: one guest row (no id, 40.0) of 10; dropping it
    # leaves 9 rows and 310 of the 350 revenue (the hand-computed log above).
    raw = TRANSACTIONS.copy()
    raw.loc[6, "cust"] = None  # c's only purchase, 40.0
    raw.to_csv(tmp_path / "tx.csv", index=False)
    parameters = {
        "transactions": str(tmp_path / "tx.csv"),
        "columns": {"customer_id": "cust", "timestamp": "date", "amount": "sales"},
        "observation_end": "2024-03-31",
        "with_clv": "no",
    }
    with pytest.raises(papermill.PapermillExecutionError) as error:
        _run(tmp_path, **parameters)
    message = error.value.evalue
    assert "LoadError" in error.value.ename
    assert "set `load: {invalid: drop}` in the notebook parameters" in message, message
    assert "papermill -y '{load: {invalid: drop}}'" in message and "reports.yaml" in message
    assert "invalid='drop'" not in message and "invalid=" not in message
    metrics = _run(tmp_path, **parameters, load={"invalid": "drop"})
    assert metrics["data"]["rows"] == 9 and metrics["data"]["customers"] == 4
    assert metrics["kpi"]["aov"] == pytest.approx(310 / 8)  # 9 orders less c's one
    executed = nbformat.read(tmp_path / "01_customers.ipynb", as_version=4)
    (quality,) = [cell for cell in executed.cells if "loaded.reconcile()" in cell.source]
    shown = "".join(str(output.get("data", {}).get("text/plain", "")) for output in quality.outputs)
    assert "customer_id_missing" in shown and "unexplained" in shown

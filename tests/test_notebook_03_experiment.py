"""Execute notebooks/03_experiment.ipynb with papermill and check what it records.

The default (synthetic) run is checked against the generator's truth: loyaltylab.datasets.campaign
computes the exact expected effects, independently of the analysis code.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import papermill as pm
import pytest

from loyaltylab.datasets.campaign import generate_campaign

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_experiment.ipynb"
pytestmark = pytest.mark.xdist_group("notebook_03")
OUTCOMES = ("visited", "visits", "spend")
ARMS = ("double_points", "personal_offer")
EFFECT_KEYS = {
    "control_mean",
    "treatment_mean",
    "absolute",
    "absolute_ci_low",
    "absolute_ci_high",
    "relative",
    "p_value",
}


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
def executed(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("experiment_nb")
    # papermill -p passes strings: give alpha as a string to exercise the coercion
    _run(tmp_path, synthetic_customers=20000, seed=5, alpha="0.05")
    return tmp_path


@pytest.fixture(scope="module")
def metrics(executed):
    return json.loads((executed / "out" / "03_experiment.metrics.json").read_text())


def test_metrics_have_every_arm_and_outcome(metrics):
    assert 0.001 <= metrics["srm"]["p_value"] <= 1
    for arm in ARMS:
        for outcome in OUTCOMES:
            assert EFFECT_KEYS <= set(metrics["effects"][arm][outcome])
            assert isinstance(metrics["uplift"][arm][outcome]["qini"], float)
        assert "spend_per_visit" in metrics["effects"][arm]
    assert metrics["data"] == {"source": "synthetic", "units": 20000}
    assert metrics["recommendation"]


def test_true_effects_inside_the_intervals(metrics):
    truth = generate_campaign(20000, seed=5).effects.set_index(["arm", "outcome"])
    for arm in ARMS:
        for outcome in OUTCOMES:
            effect = metrics["effects"][arm][outcome]
            true_absolute = truth.loc[(arm, outcome), "absolute"]
            assert metrics["truth"][arm][outcome]["absolute"] == pytest.approx(true_absolute)
            # 95 % interval widened to 99.9 % (z 3.29 / 1.96) so six checks stay honest
            half = (effect["absolute_ci_high"] - effect["absolute_ci_low"]) / 2
            centre = effect["absolute"]
            assert abs(centre - true_absolute) <= half * 3.2905 / 1.96, (arm, outcome)
            assert effect["control_mean"] == pytest.approx(
                truth.loc[(arm, outcome), "control_mean"], rel=0.25
            )


def test_strong_arm_detected_and_ranked(metrics):
    offer = metrics["effects"]["personal_offer"]["visits"]
    assert offer["p_adjusted"] < 0.01
    assert metrics["uplift"]["personal_offer"]["spend"]["qini"] > 0.03
    assert metrics["cuped"]["personal_offer"]["spend"]["variance_reduction"] > 0.05
    assert "personal_offer" in metrics["recommendation"]


def _write_bad_csv(path: Path, mutate) -> Path:
    frame = generate_campaign(1500, seed=1).frame
    mutate(frame)
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.__setitem__("arm", "control"), "only one value"),
        (
            lambda f: f.__setitem__("visited", np.where(f.index % 7 == 0, 2, f["visited"])),
            "must hold only 0/1",
        ),
    ],
)
def test_bad_input_fails_clearly(tmp_path, mutate, message):
    csv = _write_bad_csv(tmp_path / "bad.csv", mutate)
    with pytest.raises(pm.PapermillExecutionError, match=message):
        _run(tmp_path, data=str(csv), design_split={})


def test_notebook_is_stored_clean_with_one_validation_call():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert "remove-cell" in code[1].metadata.get("tags", [])
    assert code[1].source.count("ExperimentParameters.from_namespace(globals())") == 1
    assert all(not cell.get("outputs") and cell.get("execution_count") is None for cell in code)
    for cell in code:
        lines = cell.source.splitlines()
        assert not any(line.lstrip().startswith(("for ", "def ", "while ")) for line in lines)


def test_notebook_ends_with_where_these_numbers_come_from():
    # like 01/02/05: the catalog's table of every key written (the run above renders it; a key
    # missing from the catalog would fail the notebook)
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    heading, table = cells[-2], cells[-1]
    assert heading.cell_type == "markdown"
    assert heading.source.startswith("## Where these numbers come from")
    assert table.metadata.get("tags") == ["hide-input"]
    assert table.source == 'display(where_numbers_come_from("03_experiment", metrics))'
    code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    assert code.count("loaded = params.load_data()") == 1  # the one read, worded for notebooks
    assert "load_experiment_data(" not in code


def test_executed_report_shows_where_the_numbers_come_from(executed):
    cells = nbformat.read(executed / "executed.ipynb", as_version=4).cells
    shown = "".join(
        str(output.get("data", {}).get("text/plain", "")) for output in cells[-1].outputs
    )
    header = shown.splitlines()[0].split()
    assert header[:4] == ["key", "value", "unit", "formula"], header  # the frame wraps
    assert "function" in shown
    assert "loyaltylab.uplift.qini_coefficient" in shown  # a row of the catalog's table

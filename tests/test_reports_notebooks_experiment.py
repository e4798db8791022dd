"""Tests of loyaltylab.reports.notebooks.experiment: the typed parameters of notebook
03_experiment and its page helpers (data sentence, truth comparison, metrics)."""

from __future__ import annotations

import json
import re
from typing import get_args

import nbformat
import pytest

from loyaltylab.errors import ParameterError
from loyaltylab.experiments import CORRECTIONS, analyze_experiment, load_experiment_data
from loyaltylab.paths import project_root
from loyaltylab.reports.notebooks.experiment import (
    LOAD_OPTIONS,
    Correction,
    ExperimentParameters,
    UpliftMethod,
    compare_with_truth,
    data_description,
    truth_metrics,
)
from loyaltylab.uplift import UPLIFT_METHODS

NOTEBOOK = project_root() / "notebooks" / "03_experiment.ipynb"


def _validate(tmp_path, **values):
    return ExperimentParameters.from_namespace({"output_dir": str(tmp_path), **values})


def test_defaults_are_the_notebooks_parameters_cell(tmp_path):
    cell = nbformat.read(NOTEBOOK, as_version=4).cells[1]
    assert cell.metadata["tags"] == ["parameters"]
    namespace: dict = {}
    exec(cell.source, namespace)  # literal defaults only
    declared = {name for name in namespace if not name.startswith("__")}
    assert declared == set(ExperimentParameters.model_fields)
    from_cell = ExperimentParameters.from_namespace({**namespace, "output_dir": str(tmp_path)})
    assert from_cell == _validate(tmp_path)


def test_papermill_strings_are_coerced(tmp_path):
    params = _validate(
        tmp_path,
        alpha="0.1",
        binary_outcomes="visited",
        continuous_outcomes="visits, spend",
        offer_cost="0.4",
        design_split="{}",
        control=0,
        seed="3",
        synthetic_customers="26000",
        correction="BH",
        ratio_metrics='{"spend_per_visit": "spend,visits"}',
        load="read_options: {sep: ';'}",
    )
    assert params.alpha == 0.1
    assert params.continuous_outcomes == ["visits", "spend"]
    assert params.offer_cost == 0.4
    assert params.design_split is None  # {} = an equal split
    assert params.control == "0"
    assert (params.seed, params.synthetic_customers) == (3, 26000)
    assert params.correction == "bh"
    assert params.ratio_metrics == {"spend_per_visit": ("spend", "visits")}
    assert params.load == {"read_options": {"sep": ";"}}
    assert params.uplift_features == params.covariates + params.segments
    assert params.outcome_kinds == {"visited": True, "visits": False, "spend": False}


def test_yaml_and_json_mappings_are_read(tmp_path):
    params = _validate(
        tmp_path,
        design_split="{0: 0.5, 1: 0.5}",  # YAML reads arm 0 as a number; labels are text
        control=0,
        offer_cost='{"1": 0.25}',
        profit_outcome="visits",
    )
    assert params.design_split == {"0": 0.5, "1": 0.5}
    assert params.offer_cost == {"1": 0.25}
    assert _validate(tmp_path, offer_cost="personal_offer: 0.5").offer_cost == {
        "personal_offer": 0.5
    }


@pytest.mark.parametrize(
    ("change", "parameter", "message"),
    [
        ({"correction": "sidak"}, "correction", "'holm', 'bh', 'bonferroni' or 'none'"),
        ({"profit_outcome": "margin"}, "profit_outcome", "one of the outcomes"),
        ({"alpha": "high"}, "alpha", "valid number"),
        ({"alpha": 0.7}, "alpha", "less than or equal to 0.5"),
        ({"alpha": float("nan")}, "alpha", "finite"),
        ({"winsorize_quantile": 0.3}, "winsorize_quantile", "greater than or equal to 0.5"),
        ({"margin": 0}, "margin", "greater than 0"),
        ({"ratio_metrics": {"x": ["spend"]}}, r"ratio_metrics\.x", "numerator, denominator"),
        (
            {"binary_outcomes": [], "continuous_outcomes": []},
            "continuous_outcomes",
            "at least one outcome",
        ),
        ({"binary_outcomes": ["visited", " "]}, r"binary_outcomes\[1\]", "at least 1 character"),
        ({"uplift_method": "forest"}, "uplift_method", "t_learner"),
        ({"design_split": {"a": 0.5, "b": 0.5}}, "design_split", "control arm 'control'"),
        ({"design_split": {"control": -0.5}}, r"design_split\.control", "greater than or equal"),
        ({"offer_cost": "-1"}, "offer_cost", ">= 0"),
        ({"offer_cost": {"personal_offer": "a"}}, "offer_cost", "arm 'personal_offer'"),
        ({"control": True}, "control", "must be a name"),
        ({"arm_col": " "}, "arm_col", "non-empty name"),
        ({"data": ""}, "data", "non-empty name"),
        ({"synthetic_customers": "50"}, "synthetic_customers", "greater than or equal to 100"),
        ({"seed": -1}, "seed", "greater than or equal to 0"),
        ({"load": {"sep": ";"}}, "load", "read_options"),
    ],
)
def test_each_bad_parameter_gives_one_error_naming_it(tmp_path, change, parameter, message):
    with pytest.raises(ParameterError) as raised:
        _validate(tmp_path, **change)
    text = str(raised.value)
    assert text.startswith(f"notebook 03_experiment: parameter {parameter.replace(chr(92), '')}")
    assert "problems" not in text.splitlines()[0]  # one problem, not a list
    assert re.search(message, text), text
    assert "reports.yaml" in text  # where to set it


def test_duplicate_keys_in_a_json_mapping_parameter_are_rejected(tmp_path):
    # Drift fixed in issue 8: the old reader (json.loads) kept the last of two equal keys, so
    # '{"control": 0.5, "control": 0.4}' silently became {"control": 0.4}.
    text = '{"control": 0.5, "control": 0.4, "double_points": 0.3}'
    assert _validate(tmp_path, offer_cost='{"double_points": 0.3}').offer_cost == {
        "double_points": 0.3
    }  # the same text without the second key is read
    with pytest.raises(
        ParameterError, match=r"parameter design_split: .*'control' is written twice"
    ):
        _validate(tmp_path, design_split=text)
    with pytest.raises(ParameterError, match="offer_cost: .*'double_points' is written twice"):
        _validate(tmp_path, offer_cost='{"double_points": 0.3, "double_points": 0.1}')
    assert json.loads(text)["control"] == 0.4  # what the old reader did


def test_choices_are_the_domains_lists():
    assert get_args(get_args(Correction)[0]) == CORRECTIONS
    assert get_args(get_args(UpliftMethod)[0]) == UPLIFT_METHODS
    assert LOAD_OPTIONS == ("read_options",)


@pytest.fixture(scope="module")
def synthetic_run():
    loaded = load_experiment_data("synthetic", synthetic_customers=8000, seed=4)
    analysis = analyze_experiment(
        loaded.frame,
        arm_col="arm",
        control="control",
        binary_outcomes=["visited"],
        continuous_outcomes=["visits", "spend"],
        ratio_metrics={"spend_per_visit": ("spend", "visits")},
        covariates=["pre_visits", "pre_spend"],
        design_split=loaded.synthetic.truth["arms"],
    )
    return loaded, analysis


def test_truth_comparison(synthetic_run):
    loaded, analysis = synthetic_run
    table = compare_with_truth(analysis, loaded)
    assert len(table) == 8  # 2 arms x (3 outcomes + the ratio metric), each with its truth
    truth = truth_metrics(loaded)
    row = table.set_index(["arm", "outcome"]).loc[("personal_offer", "spend")]
    assert row["true_effect"] == pytest.approx(truth["personal_offer"]["spend"]["absolute"])
    effect = analysis.effects.set_index(["arm", "outcome"]).loc[("personal_offer", "spend")]
    assert row["estimate"] == effect["absolute"]
    low, high = effect["absolute_ci_low"], effect["absolute_ci_high"]
    assert (row["ci_low"], row["ci_high"]) == (low, high)
    assert row["covered"] == (low <= row["true_effect"] <= high)
    assert set(truth["double_points"]["visits"]) == {
        "control_mean",
        "treatment_mean",
        "absolute",
        "relative",
    }


def test_real_data_has_no_truth_and_a_plain_sentence(synthetic_run, tmp_path):
    loaded, analysis = synthetic_run
    assert "synthetic campaign" in data_description(loaded)
    path = tmp_path / "campaign.csv"
    loaded.frame.to_csv(path, index=False)
    from_csv = load_experiment_data(str(path))
    assert truth_metrics(from_csv) == {}
    assert compare_with_truth(analysis, from_csv).empty
    assert data_description(from_csv) == f"This report analyses **{path}** (8,000 customers)."

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


def _effect(absolute, low, high, relative, p, p_adjusted, chance):
    return {"absolute": absolute, "absolute_ci_low": low, "absolute_ci_high": high,
            "relative": relative, "p_value": p, "p_adjusted": p_adjusted, "chance_to_win": chance}


ANSWER_METRICS = {
    "alpha": 0.05,
    "srm": {"p_value": 0.46, "mismatch": False, "observed": {"control": 500, "a": 250, "b": 250}},
    "effects": {
        "a": {"spend": _effect(2.05, 1.43, 2.67, 0.457, 9e-11, 3.7e-10, 0.9999999)},
        "b": {"spend": _effect(0.30, -0.10, 0.70, 0.061, 0.14, 0.28, 0.93)},
    },
    "uplift": {"a": {"spend": {"best_share": 0.277, "best_profit": 11738.3,
                               "everyone_profit": -2564.0}}},
    "data": {"source": "synthetic", "units": 1000},
}


def test_answer_names_the_winner_with_its_interval_and_the_targeting_plan():
    from loyaltylab.reports.notebooks.experiment import answer, data_quality

    text = answer(ANSWER_METRICS, "spend", currency="$")
    assert text[0] == (
        "**Use a**: it raised spend per customer by **+$2.05** (+45.7 % relative; 95 % CI "
        "+$1.43 to +$2.67; p < 0.001; chance to beat control > 99 %)."
    )
    # b: adjusted p 0.28 >= 0.05, so not significant (the adjusted p is the one used)
    assert "b changed spend by +$0.30 (+6.1 %; 95 % CI -$0.10 to +$0.70; p = 0.28, not" in text[1]
    assert "**28 %** of customers" in text[2] and "$11,738" in text[2] and "-$2,564" in text[2]
    assert "per 1,000 customers" in text[2]
    assert "sample-ratio test p = 0.46" in text[3]
    assert not any(re.search(r"\de-\d", s) or "100 %" in s for s in text)
    assert data_quality(ANSWER_METRICS).startswith("1,000 customers (synthetic)")


def test_answer_refuses_to_recommend_when_the_split_is_broken_or_no_arm_wins():
    from loyaltylab.reports.notebooks.experiment import answer

    broken = {**ANSWER_METRICS, "srm": {**ANSWER_METRICS["srm"], "mismatch": True,
                                         "p_value": 1e-6}}
    text = answer(broken, "spend", currency="$")
    assert text[0].startswith("**Do not act on this test yet**") and "p = < 0.001" not in text[0]
    losing = {**ANSWER_METRICS, "effects": {"b": ANSWER_METRICS["effects"]["b"]}}
    text = answer(losing, "spend", currency="$")
    assert text[0].startswith("**No arm reliably improved spend**: the best, b, changed it by")

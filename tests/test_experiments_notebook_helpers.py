"""Tests of the helpers behind notebooks/03_experiment.ipynb: parameters, data loading, truth
comparison, planning table and plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.experiments import (
    analyze_experiment,
    compare_with_truth,
    experiment_parameters,
    load_experiment_data,
    mde_means,
    mde_proportions,
    planning_table,
    power_means,
    power_proportions,
    truth_metrics,
)
from loyaltylab.experiments.plots import plot_forest, plot_segment_effects
from loyaltylab.uplift import uplift_report
from loyaltylab.uplift.plots import (
    plot_profit_curves,
    plot_qini_curves,
    plot_uplift_by_decile,
)

DEFAULTS = dict(
    data="synthetic",
    arm_col="arm",
    control="control",
    binary_outcomes=["visited"],
    continuous_outcomes=["visits", "spend"],
    ratio_metrics={"spend_per_visit": ["spend", "visits"]},
    covariates=["pre_visited", "pre_visits", "pre_spend", "recency_weeks"],
    segments=["channel", "recency_group"],
    design_split={"control": 0.4, "double_points": 0.3, "personal_offer": 0.3},
    alpha=0.05,
    correction="holm",
    winsorize_quantile=0.99,
    uplift_features=[],
    uplift_method="t_learner",
    profit_outcome="spend",
    margin=0.3,
    offer_cost={"double_points": 0.3, "personal_offer": 0.5},
    synthetic_customers=3000,
    seed=0,
)


def test_parameters_accept_papermill_strings():
    params = experiment_parameters(
        **{
            **DEFAULTS,
            "alpha": "0.1",
            "binary_outcomes": "visited",
            "continuous_outcomes": "visits,spend",
            "offer_cost": "0.4",
            "design_split": "{}",
            "control": 0,
            "seed": "3",
        }
    )
    assert params.alpha == 0.1
    assert params.continuous_outcomes == ["visits", "spend"]
    assert params.offer_cost == 0.4
    assert params.design_split is None
    assert params.control == "0"
    assert params.uplift_features == DEFAULTS["covariates"] + DEFAULTS["segments"]
    assert params.outcome_kinds == {"visited": True, "visits": False, "spend": False}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"correction": "sidak"}, "correction"),
        ({"profit_outcome": "margin"}, "profit_outcome"),
        ({"alpha": "high"}, "alpha"),
        ({"ratio_metrics": {"x": ["spend"]}}, "numerator"),
        ({"binary_outcomes": [], "continuous_outcomes": []}, "at least one outcome"),
        ({"uplift_method": "forest"}, "uplift_method"),
    ],
)
def test_bad_parameters_name_the_parameter(change, message):
    with pytest.raises(ParameterError, match=message):
        experiment_parameters(**{**DEFAULTS, **change})


def test_load_experiment_data_from_files(tmp_path):
    synthetic = load_experiment_data("synthetic", synthetic_customers=1000, seed=2)
    assert synthetic.synthetic is not None and "synthetic campaign" in synthetic.description()
    path = tmp_path / "campaign.csv"
    synthetic.frame.to_csv(path, index=False)
    from_csv = load_experiment_data(str(path))
    assert from_csv.synthetic is None and len(from_csv.frame) == 1000
    assert truth_metrics(from_csv) == {}
    with pytest.raises(DataValidationError, match="does not exist"):
        load_experiment_data(str(tmp_path / "missing.csv"))
    (tmp_path / "empty.csv").write_text("arm,spend\n")
    with pytest.raises(DataValidationError, match="no rows"):
        load_experiment_data(str(tmp_path / "empty.csv"))


@pytest.fixture(scope="module")
def synthetic_run():
    loaded = load_experiment_data("synthetic", synthetic_customers=8000, seed=4)
    analysis = analyze_experiment(
        loaded.frame,
        arm_col="arm",
        control="control",
        binary_outcomes=["visited"],
        continuous_outcomes=["visits", "spend"],
        covariates=["pre_visits", "pre_spend"],
        segments=["channel"],
        design_split=loaded.synthetic.truth["arms"],
    )
    return loaded, analysis


def test_truth_comparison_and_planning(synthetic_run):
    loaded, analysis = synthetic_run
    table = compare_with_truth(analysis, loaded)
    assert len(table) == 6
    truth = truth_metrics(loaded)
    assert table.set_index(["arm", "outcome"]).loc[("personal_offer", "spend"), "true_effect"] == (
        pytest.approx(truth["personal_offer"]["spend"]["absolute"])
    )
    plan = planning_table(analysis).set_index(["arm", "outcome"])
    row = plan.loc[("personal_offer", "visited")]
    base = analysis.effects.set_index(["arm", "outcome"]).loc[
        ("personal_offer", "visited"), "control_mean"
    ]
    # the MDE is the effect detected with 80 % power (R power.prop.test convention)
    assert power_proportions(row["units_per_arm"], base, base + row["mde_absolute"]) == (
        pytest.approx(0.8, abs=1e-6)
    )
    assert row["mde_absolute"] == pytest.approx(mde_proportions(row["units_per_arm"], base))
    sd = analysis.effects.set_index(["arm", "outcome"]).loc[
        ("personal_offer", "spend"), "control_sd"
    ]
    spend = plan.loc[("personal_offer", "spend")]
    assert power_means(spend["units_per_arm"], spend["mde_absolute"], sd) == pytest.approx(0.8)
    assert spend["mde_absolute"] == pytest.approx(mde_means(spend["units_per_arm"], sd))


def test_plots_return_labelled_axes(synthetic_run):
    loaded, analysis = synthetic_run
    report = uplift_report(
        loaded.frame,
        arm_col="arm",
        control="control",
        outcomes={"visited": True, "spend": False},
        features=["pre_visits", "pre_spend", "recency_weeks", "channel"],
        profit_outcome="spend",
        offer_cost=0.4,
        margin=0.3,
    )
    axes = [
        plot_forest(analysis),
        plot_segment_effects(analysis, "spend"),
        plot_qini_curves(report.profit_targeting, outcome_unit="EUR of spend"),
        plot_uplift_by_decile(report.profit_targeting.evaluations["personal_offer"]),
        plot_profit_curves(report.profit_targeting, currency="EUR"),
    ]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    _, given = plt.subplots()
    assert plot_forest(analysis, ax=given) is given
    summary = report.summary()
    assert summary.loc[summary.outcome == "visited", "best_profit"].isna().all()
    assert set(report.metrics()["personal_offer"]) == {"visited", "spend"}
    assert "best_share" not in report.metrics()["personal_offer"]["visited"]
    assert isinstance(report.profit_summary(), pd.DataFrame)
    plt.close("all")

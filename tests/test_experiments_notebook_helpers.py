"""Tests of the domain pieces behind notebooks/03_experiment.ipynb: data loading, planning table
and plots (its parameters and page helpers: tests/test_reports_notebooks_experiment.py)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.experiments import (
    analyze_experiment,
    load_experiment_data,
    mde_means,
    mde_proportions,
    planning_table,
    power_means,
    power_proportions,
)
from loyaltylab.experiments.plots import plot_forest, plot_segment_effects
from loyaltylab.uplift import uplift_report
from loyaltylab.uplift.plots import (
    plot_profit_curves,
    plot_qini_curves,
    plot_uplift_by_decile,
)


def test_load_experiment_data_from_files(tmp_path):
    synthetic = load_experiment_data("synthetic", synthetic_customers=1000, seed=2)
    assert synthetic.synthetic is not None and synthetic.source == "synthetic"
    path = tmp_path / "campaign.csv"
    synthetic.frame.to_csv(path, index=False)
    from_csv = load_experiment_data(str(path))
    assert from_csv.synthetic is None and len(from_csv.frame) == 1000
    semicolon = tmp_path / "campaign_semicolon.csv"
    synthetic.frame.to_csv(semicolon, index=False, sep=";")
    read = load_experiment_data(str(semicolon), read_options={"sep": ";"})
    pd.testing.assert_frame_equal(read.frame, from_csv.frame)
    with pytest.raises(ParameterError, match="read_options"):
        load_experiment_data(str(semicolon), read_options={"separator_typo": ";"})
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


def test_planning_table_detects_with_80_percent_power(synthetic_run):
    _, analysis = synthetic_run
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

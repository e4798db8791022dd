"""Tests of the synthetic campaign generator (loyaltylab.datasets.campaign).

The truth is checked against the generator's own definition computed independently here (exact
expectations of Poisson visits) and recovered by the experiment analysis on a large sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyaltylab.datasets.campaign import DEFAULT_LIFTS, DEFAULT_RECENCY_SCALE, generate_campaign
from loyaltylab.errors import ParameterError
from loyaltylab.experiments import analyze_experiment, check_srm


@pytest.fixture(scope="module")
def campaign():
    return generate_campaign(60_000, seed=11)


def test_reproducible_and_seed_dependent():
    first = generate_campaign(2_000, seed=3)
    again = generate_campaign(2_000, seed=3)
    other = generate_campaign(2_000, seed=4)
    pd.testing.assert_frame_equal(first.frame, again.frame)
    assert not first.frame["arm"].equals(other.frame["arm"])


def test_columns_and_types(campaign):
    frame = campaign.frame
    assert list(frame.columns) == [
        "customer_id",
        "arm",
        "channel",
        "recency_group",
        "recency_weeks",
        "frequency",
        "tenure_weeks",
        "pre_visited",
        "pre_visits",
        "pre_spend",
        "visited",
        "visits",
        "spend",
    ]
    assert frame["customer_id"].is_unique
    assert set(frame["visited"].unique()) <= {0, 1}
    assert (frame["visited"] == (frame["visits"] > 0)).all()
    assert ((frame["spend"] > 0) == (frame["visits"] > 0)).all()
    assert (frame["recency_weeks"] >= 0).all() and (
        frame["recency_weeks"] <= frame["tenure_weeks"] + 1e-9
    ).all()


def test_assignment_follows_the_designed_split(campaign):
    counts = campaign.frame["arm"].value_counts().to_dict()
    assert not check_srm(counts, campaign.truth["arms"]).mismatch


def test_truth_is_the_exact_expectation(campaign):
    # recompute the expected visit rate of the personal offer from the documented formula
    customers, frame = campaign.customers, campaign.frame
    weeks = campaign.truth["campaign_weeks"]
    lift = frame["channel"].map(DEFAULT_LIFTS["personal_offer"]).to_numpy() * np.exp(
        -frame["recency_weeks"].to_numpy() / DEFAULT_RECENCY_SCALE["personal_offer"]
    )
    mu0 = weeks * customers["base_rate"].to_numpy()
    mu1 = mu0 * (1 + lift)
    assert campaign.true_uplift("personal_offer", "visits") == pytest.approx(mu1 - mu0)
    assert campaign.true_uplift("personal_offer", "visited") == pytest.approx(
        np.exp(-mu0) - np.exp(-mu1)
    )
    assert campaign.true_uplift("personal_offer", "spend") == pytest.approx(
        (mu1 - mu0) * customers["mean_spend"].to_numpy()
    )
    effects = campaign.effects.set_index(["arm", "outcome"])
    assert effects.loc[("personal_offer", "visits"), "absolute"] == pytest.approx(
        (mu1 - mu0).mean()
    )
    # the control arm's observed visits match the expected mean (Poisson: 4 SE)
    control = frame["arm"] == "control"
    se = np.sqrt(mu0[control].mean() / control.sum())
    assert frame.loc[control, "visits"].mean() == pytest.approx(mu0[control].mean(), abs=4 * se)


def test_effects_are_heterogeneous_by_segment(campaign):
    seg = campaign.segment_effects
    offer = seg[(seg.arm == "personal_offer") & (seg.outcome == "visits")].set_index(
        ["segment", "segment_value"]
    )["relative"]
    # relative lift = weighted lift table: email (1.0) > store (0.4) > app (0.3)
    assert offer[("channel", "email")] > offer[("channel", "store")] > offer[("channel", "app")]
    assert offer[("recency_group", "active")] > offer[("recency_group", "lapsed")]


def test_analysis_recovers_the_truth(campaign):
    result = analyze_experiment(
        campaign.frame,
        arm_col="arm",
        control="control",
        binary_outcomes=["visited"],
        continuous_outcomes=["visits", "spend"],
        ratio_metrics={"spend_per_visit": ("spend", "visits")},
        covariates=["pre_visited", "pre_visits", "pre_spend"],
        segments=["recency_group"],
        design_split=campaign.truth["arms"],
    )
    for row in result.effects.itertuples():
        truth = campaign.true_effect(row.arm, row.outcome)
        assert abs(row.absolute - truth) < 4 * row.absolute_se, (row.arm, row.outcome)
    adjusted = result.adjusted
    assert (adjusted["variance_reduction"] > 0.05).all()
    for row in adjusted.itertuples():
        truth = campaign.true_effect(row.arm, row.outcome)
        assert abs(row.absolute - truth) < 4 * row.absolute_se
    tests = result.heterogeneity_tests.set_index(["arm", "outcome"])
    assert tests.loc[("personal_offer", "visits"), "p_value"] < 1e-3


def test_bad_parameters():
    with pytest.raises(ParameterError, match="control label 'holdout'"):
        generate_campaign(100, control="holdout")
    with pytest.raises(ParameterError, match="lack a lift table"):
        generate_campaign(100, arms={"control": 0.5, "sms": 0.5})
    with pytest.raises(ParameterError, match="positive"):
        generate_campaign(100, arms={"control": 0.5, "double_points": 0.0, "personal_offer": 0.5})


def test_campaign_dates_are_days_read_by_the_one_date_rule():
    """Drift fix: ``campaign_start`` was read by ``pandas.Timestamp`` on its own, so a time of
    day moved the recency origin off midnight (recency and tenure shifted by half a day) and
    month-first text such as ``10/01/2025`` was guessed; now the three dates are days read by
    ``loyaltylab.rules.as_day`` like every other date."""
    plain = generate_campaign(500, seed=2)
    with_time = generate_campaign(
        500, seed=2, campaign_start="2025-10-01 12:00", history_start=20240101
    )
    pd.testing.assert_frame_equal(plain.frame, with_time.frame)
    assert with_time.truth["campaign_start"] == "2025-10-01"
    assert with_time.truth["history_start"] == "2024-01-01"
    assert plain.truth["acquisition_end"] == "2025-07-09"  # 12 weeks before the start
    with pytest.raises(ParameterError, match=r"parameter 'campaign_start' is not a date"):
        generate_campaign(100, campaign_start="10/01/2025")
    with pytest.raises(ParameterError, match=r"parameter 'acquisition_end' is not a date"):
        generate_campaign(100, acquisition_end="today")

"""Tests of Monte Carlo, tornado, the SMART-target comparison and the plots of rewards."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from loyaltylab.errors import ParameterError  # noqa: E402
from loyaltylab.rewards import (  # noqa: E402
    KEY_METRICS,
    Cashback,
    CashbackProgram,
    PointsProgram,
    PointsRules,
    PopulationModel,
    Tier,
    TieredProgram,
    TierRules,
    draw_population,
    simulate_programs,
)
from loyaltylab.rewards.plots import (  # noqa: E402
    plot_liability,
    plot_metric_intervals,
    plot_naive_vs_true,
    plot_retention,
    plot_tier_distribution,
    plot_tornado,
)
from loyaltylab.rewards.scorecard import compare_with_targets  # noqa: E402
from loyaltylab.rewards.uncertainty import monte_carlo, tornado  # noqa: E402
from loyaltylab.targets import load_targets  # noqa: E402

CDNOW = PopulationModel.cdnow_published()
PROGRAMS = [
    PointsProgram("points", points=PointsRules(redemption_threshold=200)),
    CashbackProgram("cashback", cashback=Cashback(0.01)),
    TieredProgram(
        "tiered",
        points=PointsRules(),
        tiers=TierRules((Tier("member", 0), Tier("gold", 200, earn_multiplier=2.0))),
    ),
]


@pytest.fixture(scope="module")
def draws():
    return monte_carlo(PROGRAMS, CDNOW, n_customers=1_500, n_draws=8, horizon_weeks=52, seed=3)


def test_monte_carlo_gives_median_and_interval_for_every_key_metric(draws):
    metrics = draws.metrics()
    assert set(metrics) == {"points", "cashback", "tiered"}
    for values in metrics.values():
        for key in KEY_METRICS:
            assert {key, f"{key}_low", f"{key}_high"} <= set(values)
    table = draws.summary()
    finite = table.dropna()
    assert (finite["low"] <= finite["median"]).all() and (finite["median"] <= finite["high"]).all()
    # the draws really vary the assumptions, inside their ranges
    assert draws.parameters["dropout_reduction"].between(0.15, 0.8).all()
    assert draws.parameters["dropout_reduction"].nunique() == 8
    # same seed, same draws
    again = monte_carlo(PROGRAMS, CDNOW, n_customers=1_500, n_draws=8, horizon_weeks=52, seed=3)
    assert again.draws.equals(draws.draws)


def test_tornado_isolates_each_assumption_with_common_random_numbers():
    people = draw_population(CDNOW, 2_000, seed=4)
    result = tornado(
        PROGRAMS,
        people,
        parameters=["dropout_reduction", "paid_uplift", "cashback_uplift"],
        horizon_weeks=52,
        seed=5,
    )
    table = result.table.set_index(["program", "parameter"])
    # an assumption a design does not use moves nothing - exactly, thanks to common random numbers
    assert table.loc[("points", "paid_uplift"), "swing"] == 0
    assert table.loc[("points", "cashback_uplift"), "swing"] == 0
    assert table.loc[("cashback", "cashback_uplift"), "swing"] > 0
    assert result.top("points", 1)["parameter"].iloc[0] == "dropout_reduction"
    with pytest.raises(ParameterError, match="unknown assumptions"):
        tornado(PROGRAMS, people, parameters=["nonsense"], horizon_weeks=4)


def test_targets_are_compared_with_the_simulated_effect(draws):
    targets = load_targets(
        {
            "targets": [
                {
                    "name": "ret",
                    "metric": "retention_rate",
                    "relative_change": 0.05,
                    "baseline": 0.4,
                    "deadline": "2027-01-01",
                    "owner": "CRM",
                },
                {
                    "name": "aov",
                    "metric": "aov",
                    "target_value": 46.0,
                    "baseline": 40.0,
                    "deadline": "2027-01-01",
                    "owner": "Category",
                },
                {
                    "name": "brk",
                    "metric": "breakage_rate",
                    "target_value": 0.99,
                    "direction": "decrease",
                    "deadline": "2027-01-01",
                    "owner": "Finance",
                },
            ]
        }
    )
    table = compare_with_targets(draws, targets).set_index(["program", "target"])
    # target_value 46 on a baseline of 40 is a +15 % relative goal
    assert table.loc[("points", "aov"), "goal"] == pytest.approx(0.15)
    assert table.loc[("points", "aov"), "meets"] is False
    row = table.loc[("points", "ret")]
    values = draws.draws.loc[draws.draws["program"] == "points", "retention_relative_change"]
    assert row["probability"] == pytest.approx((values >= 0.05).mean())
    assert row["simulated"] == pytest.approx(values.median())
    assert table.loc[("points", "brk"), "meets"] is True
    assert np.isnan(table.loc[("cashback", "brk"), "goal"])  # no points, no breakage


def test_plots_return_labelled_axes(draws):
    people = draw_population(CDNOW, 1_000, seed=6)
    result = simulate_programs(PROGRAMS, people, horizon_weeks=52, seed=7)
    small = tornado(
        PROGRAMS, people, parameters=["dropout_reduction", "goal_gradient"], horizon_weeks=26
    )
    axes = [
        plot_metric_intervals(draws, "incremental_margin"),
        plot_tornado(small, "points"),
        plot_liability(result),
        plot_retention(result),
        plot_tier_distribution(result, "tiered"),
        plot_naive_vs_true(result),
    ]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ParameterError, match="has no tiers"):
        plot_tier_distribution(result, "points")
    plt.close("all")

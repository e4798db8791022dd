"""Tests of loyaltylab.uplift: curve definitions pinned to scikit-uplift / hand computation, and
recovery of known individual uplift on the synthetic campaign (loyaltylab.datasets.campaign)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyaltylab.datasets.campaign import generate_campaign
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.uplift import (
    UPLIFT_METHODS,
    auuc,
    evaluate_uplift,
    fit_uplift_model,
    qini_coefficient,
    qini_curve,
    targeting_profit,
    targeting_sentence,
    true_targeting_profit,
    uplift_at_k,
    uplift_by_decile,
    uplift_curve,
    uplift_targeting,
)

FEATURES = ["recency_weeks", "frequency", "tenure_weeks", "pre_visits", "pre_spend", "channel"]


# --- H1 and hand-computed curves --------------------------------------------------------------


def test_h1_sklift_reference_values():
    # statistics.md §4 H1 (sklift/tests/test_metrics.py): y=[0,1], score=[.1,.3], t=[1,0]
    assert auuc([0, 1], [0.1, 0.3], [1, 0]) == pytest.approx(0.0)
    assert qini_coefficient([0, 1], [0.1, 0.3], [1, 0]) == pytest.approx(1.0)
    # y=[1,0], t=[0,1]
    assert auuc([1, 0], [0.1, 0.3], [0, 1]) == pytest.approx(1.0)
    assert qini_coefficient([1, 0], [0.1, 0.3], [0, 1]) == pytest.approx(1.0)


def test_curves_by_hand():
    y, t, score = [1, 0, 1, 0], [1, 1, 0, 0], [0.9, 0.8, 0.7, 0.6]
    # Qini Q(k) = Y_T - Y_C N_T / N_C: k=1: 1; k=2: 1; k=3: 1 - 1*2/1 = -1; k=4: 1 - 1*2/2 = 0
    x, q = qini_curve(y, score, t)
    assert x.tolist() == [0, 1, 2, 3, 4]
    assert q.tolist() == pytest.approx([0, 1, 1, -1, 0])
    # U(k) = (Y_T/N_T - Y_C/N_C) k: k=1: 1; k=2: 0.5*2 = 1; k=3: (0.5 - 1)*3; k=4: (0.5-0.5)*4
    _, u = uplift_curve(y, score, t)
    assert u.tolist() == pytest.approx([0, 1, 1, -1.5, 0])


def test_ties_are_grouped():
    # all scores equal: the curve has one point after the origin (sklift threshold handling)
    x, q = qini_curve([1, 0, 1, 0], [0.5] * 4, [1, 1, 0, 0])
    assert x.tolist() == [0, 4]


def test_uplift_at_k_and_deciles_by_hand():
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 1, 0])
    t = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
    score = np.arange(10, 0, -1, dtype=float)
    # top 40 %: units 0-3 -> treated y (1, 0), control y (1, 0) -> 0.5 - 0.5
    assert uplift_at_k(y, score, t, 0.4) == pytest.approx(0.0)
    # top 60 %: treated (1, 0, 1) vs control (1, 0, 0)
    assert uplift_at_k(y, score, t, 0.6) == pytest.approx(2 / 3 - 1 / 3)
    deciles = uplift_by_decile(y, score, t, bins=2)
    assert deciles["n_treatment"].tolist() == [3, 2]
    assert deciles["uplift"].tolist() == pytest.approx([2 / 3 - 1 / 2, 1 / 2 - 0.0])


def test_profit_by_hand():
    y, t, score = [1, 0, 1, 0], [1, 1, 0, 0], [0.9, 0.8, 0.7, 0.6]
    profit = targeting_profit(y, score, t, offer_cost=0.1, margin=2.0, population=400)
    # uplift curve (0, 1, 1, -1.5, 0) scaled x100; profit = 2 * U - 0.1 * n
    assert profit.curve["profit"].tolist() == pytest.approx(
        [0, 200 - 10, 200 - 20, -300 - 30, 0 - 40]
    )
    assert profit.best_share == pytest.approx(0.25)
    assert profit.everyone_profit == pytest.approx(-40)
    # scores x margin > cost for 0.9, 0.8, 0.7, 0.6 (all): break-even = everyone
    assert profit.breakeven_share == pytest.approx(1.0)
    truth = true_targeting_profit(
        [0.3, -0.1, 0.05, 0.2], [0.3, -0.1, 0.05, 0.2], offer_cost=0.1, margin=1.0
    )
    assert truth.best_share == pytest.approx(0.5)  # only 0.3 and 0.2 exceed the cost
    assert truth.best_profit == pytest.approx(0.3)
    assert truth.breakeven_share == pytest.approx(0.5)
    assert "25%" in targeting_sentence(profit, arm="the offer")


# --- recovery on the synthetic campaign ---------------------------------------------------------


@pytest.fixture(scope="module")
def campaign():
    return generate_campaign(40_000, seed=7)


@pytest.fixture(scope="module")
def visited_targeting(campaign):
    return uplift_targeting(
        campaign.frame,
        arm_col="arm",
        control="control",
        outcome="visited",
        features=FEATURES,
        binary=True,
        method="t_learner",
        offer_cost=0.3,
        margin=20.0,
        seed=1,
    )


def test_ranking_recovers_true_uplift(campaign, visited_targeting):
    arm = "personal_offer"
    positions = visited_targeting.holdout_positions[arm]
    score = visited_targeting.holdout_scores[arm]
    truth = campaign.true_uplift(arm, "visited")[positions]
    frame = campaign.frame.iloc[positions]
    y = frame["visited"].to_numpy()
    t = (frame["arm"] == arm).to_numpy().astype(float)
    qini = visited_targeting.evaluations[arm].qini
    # clearly above random: above every one of 200 random rankings (seeded)
    rng = np.random.default_rng(0)
    random_qini = [qini_coefficient(y, rng.random(y.size), t) for _ in range(200)]
    assert qini > max(random_qini)
    # as good as half the Qini of the oracle ranking by the true uplift
    assert qini > 0.5 * qini_coefficient(y, truth, t)
    # rank correlation with the truth (0.55 here; dead customers have ~0 uplift in any order)
    assert stats.spearmanr(score, truth).statistic > 0.45
    # deciles: the top decile's observed uplift exceeds the bottom half's
    deciles = visited_targeting.evaluations[arm].deciles
    assert deciles["uplift"].iloc[0] > deciles["uplift"].iloc[5:].mean()


def test_profit_optimum_near_the_true_one(campaign, visited_targeting):
    # "near" in profit: targeting by the model earns most of what the true optimum earns.
    arm = "personal_offer"
    positions = visited_targeting.holdout_positions[arm]
    truth = campaign.true_uplift(arm, "visited")[positions]
    estimated = visited_targeting.profits[arm]
    best = true_targeting_profit(truth, truth, offer_cost=0.3, margin=20.0)
    realised = true_targeting_profit(
        truth, visited_targeting.holdout_scores[arm], offer_cost=0.3, margin=20.0
    )
    assert 0.1 < best.best_share < 0.6  # the economics make partial targeting optimal
    # estimated optimum profit within 40 % of the true optimum profit
    assert estimated.best_profit == pytest.approx(best.best_profit, rel=0.4)
    # true profit earned by the chosen shares vs the true optimum
    k_best = int(round(estimated.best_share * truth.size))
    assert realised.curve["profit"].iloc[k_best] > 0.6 * best.best_profit
    assert realised.breakeven_profit > 0.7 * best.best_profit
    assert abs(estimated.breakeven_share - realised.breakeven_share) < 0.01
    assert estimated.best_profit > max(estimated.everyone_profit, 0.0)


@pytest.mark.parametrize("method", UPLIFT_METHODS)
@pytest.mark.parametrize(("outcome", "binary"), [("visited", True), ("spend", False)])
def test_every_method_ranks_better_than_random(campaign, method, outcome, binary):
    result = uplift_targeting(
        campaign.frame,
        arm_col="arm",
        control="control",
        outcome=outcome,
        features=FEATURES,
        binary=binary,
        method=method,
        seed=2,
    )
    arm = "personal_offer"
    truth = campaign.true_uplift(arm, outcome)[result.holdout_positions[arm]]
    assert result.evaluations[arm].qini > 0.03
    assert stats.spearmanr(result.holdout_scores[arm], truth).statistic > 0.3
    metrics = result.metrics()
    assert set(metrics) == {"double_points", "personal_offer"}
    assert metrics[arm][outcome]["qini"] == result.evaluations[arm].qini


def test_class_transformation_unbiased_under_unequal_split():
    # logistic truth with known uplift; 20 % treated: the balancing weights keep 2P(z=1)-1 right
    rng = np.random.default_rng(3)
    n = 60_000
    x = rng.normal(size=n)
    treated = (rng.random(n) < 0.2).astype(float)
    p0 = 1 / (1 + np.exp(-(-1.0 + 0.5 * x)))
    p1 = 1 / (1 + np.exp(-(-1.0 + 0.5 * x + 0.4 + 0.4 * x)))
    y = (rng.random(n) < np.where(treated == 1, p1, p0)).astype(float)
    frame = pd.DataFrame({"x": x, "y": y})
    model = fit_uplift_model(
        frame,
        treatment=treated,
        outcome="y",
        features=["x"],
        method="class_transformation",
        binary=True,
    )
    predicted = model.predict(frame)
    assert predicted.mean() == pytest.approx((p1 - p0).mean(), abs=0.02)
    assert np.corrcoef(predicted, p1 - p0)[0, 1] > 0.9
    t_model = fit_uplift_model(frame, treatment=treated, outcome="y", features=["x"])
    assert np.abs(t_model.predict(frame) - (p1 - p0)).mean() < 0.02
    assert set(model.summary()["model"]) == {"transformed"}


def test_evaluate_uplift_summary_columns():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 200)
    evaluation = evaluate_uplift(y, rng.random(200), rng.integers(0, 2, 200), k=0.2)
    assert list(evaluation.summary().columns) == ["qini", "auuc", "uplift_at_20"]
    assert evaluation.curve["share_targeted"].iloc[-1] == pytest.approx(1.0)


# --- bad input ----------------------------------------------------------------------------------


def test_bad_uplift_input_raises_clear_errors():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0.0, 1.0, 2.0, 0.0]})
    with pytest.raises(ParameterError, match="only one value"):
        fit_uplift_model(frame, treatment=np.ones(4), outcome="y", features=["x"])
    with pytest.raises(DataValidationError, match="declared binary"):
        fit_uplift_model(
            frame, treatment=np.array([0, 1, 0, 1]), outcome="y", features=["x"], binary=True
        )
    with pytest.raises(DataValidationError, match="missing"):
        fit_uplift_model(
            frame.assign(y=[0.0, np.nan, 1.0, 0.0]),
            treatment=np.array([0, 1, 0, 1]),
            outcome="y",
            features=["x"],
        )
    with pytest.raises(ParameterError, match="method"):
        fit_uplift_model(
            frame, treatment=np.array([0, 1, 0, 1]), outcome="y", features=["x"], method="x_learner"
        )
    with pytest.raises(DataValidationError, match="both treated"):
        qini_coefficient([0, 1], [0.2, 0.1], [1, 1])
    with pytest.raises(ParameterError, match="offer_cost"):
        targeting_profit([0, 1], [0.2, 0.1], [1, 0], offer_cost=-1.0, margin=1.0)

"""The opening answers of 02_clv and 04_reward_models, from hand-written metrics dicts."""

from __future__ import annotations

import pytest

from loyaltylab.metrics import flatten_metrics
from loyaltylab.reports.notebooks import clv_answer, rewards_answer

CLV = {
    "n_customers": 2357,
    "default_model": "bgnbd",
    "holdout": {"actual": 1200.0, "predicted": {"bgnbd": 1260.0}},
    "final": {"model": "bgnbd", "status": "fitted", "boundary_note": ""},
    "clv": {"total": 75123.4, "total_low": 70000.0, "total_high": 81000.0,
            "interval_level": 0.9, "horizon": 52, "time_unit": "W", "discount_rate": 0.1,
            "top_10pct_share": 0.5512, "top_1pct_share": 0.1234},
    "customers": {"active_probable": 1100, "active_probable_share": 1100 / 2357,
                  "active_threshold": 0.5},
    "new_customer": {"value": 12.345},
}


def test_clv_answer_from_nested_or_flat_metrics():
    text = clv_answer.answer(CLV, currency="$")
    assert text == clv_answer.answer(flatten_metrics(CLV), currency="$")
    assert 3 <= len(text) <= 5
    assert text[0] == (
        "The **2,357 customers** are expected to bring **$75,123** over the next 52 weeks "
        "(90 % interval $70,000 to $81,000; discounted at 10.0 % a year)."
    )
    assert text[1] == "The top 10 % of customers hold 55.1 % of it and the top 1 % 12.3 %."
    # 1,100 / 2,357 = 46.67 %
    assert text[2] == "1,100 customers (46.7 %) are probably still active (P(alive) at least 50 %)."
    # (1,260 - 1,200) / 1,200 = +5.0 %
    assert "forecast 1,260 repeat purchases in the holdout period against 1,200 observed " \
        "(+5.0 %)" in text[3]
    assert text[4].startswith("A customer acquired today is worth about $12.35")


def test_clv_answer_warns_on_a_boundary_fit_and_refuses_without_a_total():
    boundary = {**CLV, "final": {"model": "bgnbd", "status": "boundary",
                                 "boundary_note": "no dropout detected in this window."}}
    assert clv_answer.answer(boundary, currency="$")[-1] == (
        "Caution: the final fit detected no dropout, so the CLV is an upper bound "
        "(no dropout detected in this window)."
    )
    with pytest.raises(ValueError, match="clv.total"):
        clv_answer.answer({"n_customers": 3})


REWARDS = {
    "best_program": "points_basic",
    "programs": {
        "points_basic": {"incremental_margin": 10024.0, "incremental_margin_low": 4000.0,
                         "incremental_margin_high": 15000.0, "roi": 0.83,
                         "breakage_rate": 0.186, "liability_end": 2345.6},
        "cashback_1pct": {"incremental_margin": 8000.0, "incremental_margin_low": 2000.0,
                          "incremental_margin_high": 12000.0, "roi": 0.5},
        "paid_club": {"incremental_margin": -1500.0, "incremental_margin_low": -3000.0,
                      "incremental_margin_high": -200.0},
        "coalition_partners": {"incremental_margin": -100.0, "incremental_margin_low": -900.0,
                               "incremental_margin_high": 700.0},
    },
    "settings": {"n_customers": 2000, "horizon_weeks": 104, "n_draws": 50,
                 "population_source": "bgnbd fit on cdnow_sample"},
}


def test_rewards_answer_names_the_winner_the_runner_up_and_the_losers():
    text = rewards_answer.answer(REWARDS, currency="$")
    assert text[0] == (
        "**points_basic** earns the most: a median incremental margin of **$10,024** (80 % "
        "interval $4,000 to $15,000), a return of 83.0 % on its reward and running costs."
    )
    # 4,000 (winner's low end) < 12,000 (runner-up's high end): the order is not settled
    assert text[1].startswith("Next is cashback_1pct with $8,000 (80 % interval $2,000 to")
    assert "not settled" in text[1]
    assert text[2] == (
        "Losing money: paid_club in 80 % of the scenarios; coalition_partners probably "
        "(median below zero)."
    )
    assert text[3] == (
        "Under points_basic, 18.6 % of its points are never redeemed (breakage) and it leaves "
        "a points liability of $2,346 at the end."
    )
    assert text[4] == (
        "Simulated: 2,000 customers over 2.0 years, drawn from the bgnbd fit on cdnow_sample, "
        "50 draws over the assumption ranges; the run's decision page weighs the designs on "
        "the company's own data with P(best), break-even and the measured evidence."
    )
    with pytest.raises(ValueError, match="incremental_margin"):
        rewards_answer.answer({"programs": {}})

"""Tests of loyaltylab.feedback: the survey and referral loaders and each KPI by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from loyaltylab.errors import DataValidationError
from loyaltylab.feedback import (
    csat,
    csat_by,
    customer_stages,
    feedback_panel,
    lifecycle_funnel,
    lifecycle_movements,
    load_referrals,
    load_surveys,
    nps,
    nps_by,
    nps_change,
    referral_analysis,
    response_rate,
    reward_preference_shares,
)
from loyaltylab.rules import LoadError, QualityLog


def _surveys(**extra: list) -> pd.DataFrame:
    frame = {
        "customer_id": ["1", "2", "3", "4"],
        "answered_at": ["2024-07-03", "2024-07-09", "2024-08-01", "2024-10-02"],
        "nps": [10, 3, 8, 9],
        "csat": [5, 2, 4, None],
    }
    frame.update(extra)
    return pd.DataFrame(frame)


def _transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["1", "1", "2", "3", "3", "4"],
            "timestamp": pd.to_datetime(
                ["2024-01-10", "2024-04-02", "2024-02-01", "2024-02-03", "2024-02-20", "2024-05-01"]
            ),
            "amount": [10.0, 5.0, 8.0, 20.0, 4.0, 7.0],
        }
    )


# --- loaders ---------------------------------------------------------------------------------


def test_surveys_load_with_waves_from_the_quarter_and_a_full_quality_table():
    loaded = load_surveys(_surveys(), customers=_transactions(), observation_end="2024-12-31")
    frame = loaded.surveys
    assert frame["wave"].tolist() == ["2024Q3", "2024Q3", "2024Q3", "2024Q4"]
    assert frame["csat"].isna().sum() == 1
    quality = loaded.quality.set_index("check")
    for check in ("invalid_score", "after_end", "unknown_customer", "duplicate_answers"):
        assert quality.loc[check, "action"] == "none found"
    assert quality.loc["wave_column", "rows"] == 4  # derived from answered_at


@pytest.mark.parametrize(
    ("change", "option", "words"),
    [
        ({"nps": [10, 11, 8, 9]}, {"invalid_score": "drop"}, "outside 0-10"),
        ({"nps": [10, 3.5, 8, 9]}, {"invalid_score": "drop"}, "not whole"),
        ({"csat": [5, 0, 4, None]}, {"invalid_score": "drop"}, "CSAT outside 1-5"),
        ({"nps": [10, None, 8, 9]}, {"invalid_score": "drop"}, "missing"),
        (
            {"reward_preference": ["cash", "monetary", None, "none"]},
            {"invalid_preference": "missing"},
            "reward preference",
        ),
        ({"customer_id": ["1", "2", "3", "99"]}, {"unknown_customer": "drop"}, "not in the"),
        ({"customer_id": ["1", "1", "3", "4"]}, {"duplicate_answers": "first"}, "one wave"),
        (
            {"answered_at": ["2024-07-03", "2024-07-09", "2024-08-01", "2025-02-01"]},
            {"after_end": "drop"},
            "after observation_end",
        ),
    ],
)
def test_each_survey_problem_is_one_error_naming_rows_and_option_then_counted(
    change, option, words
):
    table = _surveys(**change)
    kwargs = {"customers": _transactions(), "observation_end": "2024-12-31"}
    with pytest.raises(LoadError) as raised:
        load_surveys(table, **kwargs)
    assert words in str(raised.value)
    assert raised.value.fix == option
    assert "examples" in str(raised.value)
    loaded = load_surveys(table, **kwargs, **option)
    quality = loaded.quality
    assert quality["rows"].sum() >= 1
    # the table adds up: rows read = rows loaded + rows removed
    assert len(table) == len(loaded.surveys) + quality["rows_removed"].sum()
    reconciled = QualityLog.reconcile(quality, len(table), len(loaded.surveys), 0.0, 0.0)
    assert reconciled.set_index("step").loc["unexplained", "rows"] == 0


def test_duplicate_answers_last_keeps_the_later_answer():
    table = _surveys(customer_id=["1", "1", "3", "4"])
    loaded = load_surveys(table, duplicate_answers="last")
    assert loaded.surveys.set_index("customer_id").loc["1", "nps"] == 3.0


def test_surveys_columns_mapping_and_missing_column():
    table = _surveys().rename(columns={"nps": "recommend"})
    with pytest.raises(DataValidationError, match="missing required column"):
        load_surveys(table)
    loaded = load_surveys(table, {"nps": "recommend"})
    assert loaded.surveys["nps"].tolist() == [10.0, 3.0, 8.0, 9.0]


def _referrals(**extra: list) -> pd.DataFrame:
    frame = {
        "referrer_id": ["1", "1", "3"],
        "referred_id": ["2", "4", "3"],
        "referred_at": ["2024-01-25", "2024-04-20", "2024-03-01"],
    }
    frame.update(extra)
    return pd.DataFrame(frame)


@pytest.mark.parametrize(
    ("change", "option", "words"),
    [
        ({}, {"self_referral": "drop"}, "referred themselves"),
        ({"referred_id": ["2", "2", "4"]}, {"duplicate_referred": "first"}, "more than once"),
        ({"referred_id": ["2", "99", "4"]}, {"unknown_customer": "drop"}, "not in the"),
        (
            {
                "referred_id": ["3", "4", "2"],
                "referred_at": ["2024-03-01", "2024-04-20", "2024-03-01"],
            },
            {"bought_before": "drop"},
            "bought before the referral",
        ),
    ],
)
def test_each_referral_problem_is_one_error_then_counted(change, option, words):
    table = _referrals(**change)
    if "self_referral" not in option:
        table = table.assign(referrer_id=["1", "1", "1"])
    with pytest.raises(LoadError) as raised:
        load_referrals(table, transactions=_transactions())
    assert words in str(raised.value)
    assert raised.value.fix == option
    loaded = load_referrals(table, transactions=_transactions(), **option)
    assert len(table) == len(loaded.referrals) + loaded.quality["rows_removed"].sum()


def test_referred_customer_who_never_bought_is_kept_as_not_converted():
    table = pd.DataFrame(
        {"referrer_id": ["1"], "referred_id": ["99"], "referred_at": ["2024-03-01"]}
    )
    loaded = load_referrals(table, transactions=_transactions(), unknown_customer="keep")
    assert loaded.referrals["referred_id"].tolist() == ["99"]
    assert loaded.quality.set_index("check").loc["unknown_customer", "rows_removed"] == 0


# --- NPS, CSAT, response rate, preferences ---------------------------------------------------


def test_nps_and_its_wald_interval_by_hand():
    # 5 promoters, 3 passives, 2 detractors of 10: NPS = 100 * (0.5 - 0.2) = 30 points;
    # var = (0.5 + 0.2 - 0.3^2) / 10 = 0.061; se = 100 * sqrt(0.061) = 24.698 points
    result = nps([9, 10, 10, 9, 9, 7, 8, 8, 6, 0])
    assert result.value == pytest.approx(30.0)
    assert result.se == pytest.approx(100 * math.sqrt(0.061))
    assert result.ci_low == pytest.approx(30.0 - 1.959964 * 24.6982, abs=1e-3)
    assert (result.promoters, result.passives, result.detractors) == (5, 3, 2)


def test_nps_variance_is_the_variance_of_the_plus_one_zero_minus_one_score():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 11, size=257)
    coded = np.select([scores >= 9, scores <= 6], [1.0, -1.0], 0.0)
    expected_se = 100 * coded.std(ddof=0) / math.sqrt(len(coded))
    assert nps(scores).se == pytest.approx(expected_se)
    assert nps(scores).value == pytest.approx(100 * coded.mean())


def test_nps_interval_is_clipped_to_the_scale():
    result = nps([10, 10, 9])
    assert result.value == 100.0 and result.ci_high == 100.0


def test_nps_change_has_the_sum_of_the_variances():
    before, after = [10, 9, 0, 5], [10, 10, 9, 3]
    # before: 0 points, var 1/4; after: 50 points, var (1 - 0.25)/4; se = 100 sqrt(0.25 + 0.1875)
    change = nps_change(before, after)
    assert change.change == pytest.approx(50.0)
    assert change.se == pytest.approx(100 * math.sqrt(0.25 + 0.1875))
    assert change.ci_low == pytest.approx(50.0 - 1.959964 * change.se, abs=1e-4)


def test_nps_by_group():
    table = pd.DataFrame({"tier": ["gold", "gold", "base", "base"], "nps": [10, 9, 0, 9]})
    result = nps_by(table, "tier").set_index("tier")
    assert result.loc["gold", "nps"] == 100.0
    assert result.loc["base", "nps"] == 0.0
    assert result.loc["base", "n"] == 2


def test_csat_mean_and_top2_by_hand():
    # 5, 4, 4, 2, 1: mean 3.2, sd sqrt(2.7) = 1.6432, t(0.975, 4) = 2.7764; top-2 = 3/5
    result = csat([5, 4, 4, 2, 1, None])
    assert result.n == 5
    assert result.mean == pytest.approx(3.2)
    assert result.mean_high - result.mean == pytest.approx(2.776445 * math.sqrt(2.7) / math.sqrt(5))
    assert result.top2_share == pytest.approx(0.6)
    # Wilson interval for 3 of 5 (statsmodels proportion_confint docs: 0.2307, 0.8824)
    assert (result.top2_low, result.top2_high) == pytest.approx((0.23072, 0.88238), abs=1e-4)


def test_csat_by_group_by_hand():
    table = pd.DataFrame({"tier": ["gold", "gold", "gold", "base"], "csat": [5, 3, None, 2]})
    result = csat_by(table, "tier").set_index("tier")
    assert result.loc["gold", "mean"] == 4.0 and result.loc["gold", "n"] == 2
    assert result.loc["gold", "top2_share"] == 0.5 and result.loc["base", "top2_share"] == 0.0


def test_response_rate_counts_invited_customers_only():
    answers = pd.DataFrame({"customer_id": ["1", "2", "9"], "wave": ["a", "a", "a"]})
    invited = pd.DataFrame({"customer_id": ["1", "2", "3", "4", "5"], "wave": ["a"] * 5})
    row = response_rate(answers, invited).iloc[0]
    assert (row["invited"], row["answers"], row["rate"]) == (5, 2, 0.4)


def test_reward_preference_shares_by_segment_sum_to_one():
    table = pd.DataFrame(
        {
            "segment": ["gold", "gold", "gold", "base", "base"],
            "reward_preference": ["experiential", "experiential", "monetary", "monetary", None],
        }
    )
    shares = reward_preference_shares(table, by="segment")
    gold = shares.loc[shares["segment"] == "gold"].set_index("reward_preference")["share"]
    assert gold.to_dict() == pytest.approx({"monetary": 1 / 3, "experiential": 2 / 3, "none": 0})
    base = shares.loc[shares["segment"] == "base"].set_index("reward_preference")
    assert base.loc["monetary", "answers"] == 1 and base["share"].sum() == pytest.approx(1.0)


# --- behaviour, referrals, lifecycle ---------------------------------------------------------


def test_feedback_panel_outcome_and_controls_by_hand():
    answers = load_surveys(_surveys()).surveys
    panel = feedback_panel(answers, _transactions(), period="Q", observation_end="2024-12-31")
    # the 2024Q4 answer's next quarter (2025Q1) is not observed: left out
    assert sorted(panel["customer_id"]) == ["1", "2", "3"]
    row = panel.set_index("customer_id").loc["3"]
    assert row["past_orders"] == 2 and row["past_spend"] == 24.0
    assert row["retained"] == 0 and row["next_spend"] == 0.0
    assert row["tenure_years"] == pytest.approx(
        (pd.Timestamp("2024-08-01") - pd.Timestamp("2024-02-03")).days / 365.25
    )
    assert row["nps_group"] == "passive"


def test_referral_analysis_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "b", "c", "d", "d"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-03-01", "2024-02-03", "2024-02-10", "2024-02-11"]
            ),
            "amount": [10.0, 20.0, 5.0, 8.0, 4.0, 6.0],
        }
    )
    refs = pd.DataFrame(
        {
            "referrer_id": ["a", "a"],
            "referred_id": ["b", "c"],
            "referred_at": pd.to_datetime(["2024-01-30", "2024-02-01"]),
        }
    )
    result = referral_analysis(refs, tx, observation_end="2024-12-31", horizon_days=90)
    assert result.rate == pytest.approx(1 / 4)  # one referrer among four customers
    assert result.referred_share == pytest.approx(2 / 4)
    groups = result.groups.set_index("group")
    # referred: b (25, bought again) and c (8, once); other new: a (10, once), d (10, again)
    assert groups.loc["referred", "value"] == pytest.approx(16.5)
    assert groups.loc["other new", "value"] == pytest.approx(10.0)
    assert groups.loc["referred", "retention"] == 0.5
    assert result.value == pytest.approx(16.5)
    assert result.value_difference == pytest.approx(6.5)


def test_lifecycle_funnel_and_movements_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "a"],
            "timestamp": pd.to_datetime(
                ["2024-01-05", "2024-04-05", "2024-04-09", "2024-02-01", "2024-07-01"]
            ),
            "amount": 1.0,
        }
    )
    members = pd.DataFrame({"customer_id": ["b"], "enrolled_at": pd.to_datetime(["2024-04-09"])})
    surveys = pd.DataFrame(
        {"customer_id": ["a"], "answered_at": pd.to_datetime(["2024-07-02"]), "nps": [10.0]}
    )
    refs = pd.DataFrame(
        {"referrer_id": ["a"], "referred_id": ["b"], "referred_at": pd.to_datetime(["2024-04-01"])}
    )
    funnel = lifecycle_funnel(
        tx,
        members=members,
        surveys=surveys,
        referrals=refs,
        period="Q",
        observation_end="2024-09-30",
    ).set_index("period")
    assert funnel.loc["2024Q1", ["active", "acquired"]].tolist() == [2, 2]
    assert funnel.loc["2024Q2", ["active", "acquired", "retained", "active_members"]].tolist() == [
        2,
        1,
        1,
        1,
    ]
    assert funnel.loc["2024Q2", "retention_rate"] == pytest.approx(1 / 2)
    assert funnel.loc["2024Q2", "referrers"] == 1 and funnel.loc["2024Q3", "promoters"] == 1
    stages = customer_stages(
        tx,
        members=members,
        surveys=surveys,
        referrals=refs,
        period="Q",
        observation_end="2024-09-30",
    )
    table = stages.pivot(index="customer_id", columns="period", values="stage")
    assert table.loc["a"].tolist() == ["acquired", "advocate", "advocate"]
    assert table.loc["b"].dropna().tolist() == ["engaged", "inactive"]
    assert table.loc["c"].tolist() == ["acquired", "inactive", "inactive"]
    moves = lifecycle_movements(stages)
    assert moves.loc["acquired", "inactive"] == 1 and moves.loc["advocate", "advocate"] == 1
    assert moves.to_numpy().sum() == 2 + 1 + 2  # a: 2 moves, b: 1, c: 2

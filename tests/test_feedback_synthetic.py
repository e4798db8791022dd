"""The feedback analyses recover the known truth of the synthetic surveys and referrals.

data/synthetic_feedback (loyaltylab.datasets.feedback) is generated for the customers of
data/synthetic with a known NPS effect on next-quarter retention (a log odds ratio), a known
expected NPS, CSAT and response rate per wave, known reward-preference shares per segment and
known referral probabilities; every estimate's 95 % interval must cover its truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyaltylab.datasets import read_feedback_truth, resolve_surveys, resolve_transactions
from loyaltylab.datasets.feedback import generate_feedback, resolve_referrals
from loyaltylab.feedback import (
    feedback_effects,
    feedback_panel,
    nps_by,
    nps_change,
    referral_analysis,
    response_rate,
    reward_preference_shares,
)

END = "2025-12-31"


@pytest.fixture(scope="module")
def truth() -> dict:
    return read_feedback_truth()


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return resolve_transactions("synthetic", observation_end=END).transactions


@pytest.fixture(scope="module")
def surveys(transactions: pd.DataFrame) -> pd.DataFrame:
    return resolve_surveys(
        "synthetic_feedback", customers=transactions, observation_end=END
    ).surveys


@pytest.fixture(scope="module")
def effects(surveys: pd.DataFrame, transactions: pd.DataFrame):
    return feedback_effects(feedback_panel(surveys, transactions, period="Q", observation_end=END))


def test_nps_per_wave_covers_the_expected_nps(surveys, truth):
    table = nps_by(surveys, "wave").set_index("wave")
    assert list(table.index) == list(truth["waves"])
    for wave, known in truth["waves"].items():
        row = table.loc[wave]
        assert row["ci_low"] <= known["nps"] <= row["ci_high"], wave


def test_nps_change_first_to_last_wave_covers_the_truth(surveys, truth):
    known = truth["nps_change"]
    change = nps_change(
        surveys.loc[surveys["wave"] == known["from"], "nps"],
        surveys.loc[surveys["wave"] == known["to"], "nps"],
    )
    assert change.ci_low <= known["change"] <= change.ci_high
    assert change.ci_low > 0  # the generator's NPS rises from wave to wave


def test_nps_effect_on_retention_is_the_known_log_odds_ratio(effects, truth):
    logit = effects.retention_logit.set_index("term")
    for group in ("passive", "promoter"):
        row = logit.loc[f"C(nps_group, Treatment('detractor'))[T.{group}]"]
        known = truth["nps_effect"]["log_odds_ratio"][group]
        assert row["ci_low"] <= known <= row["ci_high"], group


def test_retention_by_nps_group_covers_the_expected_rates(effects, truth):
    rates = effects.rates.set_index("nps_group")
    for group, known in truth["retention_by_group"].items():
        assert rates.loc[group, "ci_low"] <= known <= rates.loc[group, "ci_high"], group
    ame = effects.retention_ame.set_index("term").loc["promoter"]
    known_gap = truth["retention_by_group"]["promoter"] - truth["retention_by_group"]["detractor"]
    assert ame["ci_low"] <= known_gap <= ame["ci_high"]
    assert effects.sentence().startswith("Promoters keep buying at")


def test_csat_per_wave_covers_the_expected_mean_and_top2(surveys, truth):
    from loyaltylab.feedback import csat

    for wave, known in truth["waves"].items():
        result = csat(surveys.loc[surveys["wave"] == wave, "csat"])
        assert result.mean_low <= known["csat_mean"] <= result.mean_high, wave
        assert result.top2_low <= known["csat_top2_share"] <= result.top2_high, wave


def test_response_rate_covers_the_known_rate(surveys, transactions, truth):
    quarter = transactions["timestamp"].dt.to_period("Q-DEC").astype(str)
    invited = pd.DataFrame({"customer_id": transactions["customer_id"], "wave": quarter})
    invited = invited.loc[invited["wave"].isin(truth["waves"])]
    table = response_rate(surveys, invited).set_index("wave")
    for wave, known in truth["waves"].items():
        assert table.loc[wave, "invited"] == known["invited"]
        assert table.loc[wave, "ci_low"] <= truth["response_rate"] <= table.loc[wave, "ci_high"]


def test_reward_preference_shares_cover_the_known_shares(surveys, truth):
    shares = reward_preference_shares(surveys, by="segment")
    for segment, known in truth["preference_shares"].items():
        part = shares.loc[shares["segment"] == segment].set_index("reward_preference")
        for preference, share in known.items():
            row = part.loc[preference]
            assert row["ci_low"] <= share <= row["ci_high"], (segment, preference)


def test_referrals_cover_the_known_referral_probability(transactions, truth):
    loaded = resolve_referrals("synthetic_feedback", transactions=transactions, observation_end=END)
    known = truth["referrals"]
    assert len(loaded.referrals) == known["referrals"]
    result = referral_analysis(
        loaded.referrals, transactions, observation_end=END, window_start=known["from"]
    )
    assert result.new_customers == known["candidates"]
    expected = known["expected_referred_among_candidates"]
    assert result.referred_share_low <= expected <= result.referred_share_high
    # repeat buyers are referred more often, so referred customers come back more
    assert result.retention_difference_low > 0


def test_generator_is_reproducible_from_its_seed(transactions):
    customers = pd.DataFrame({"customer_id": transactions["customer_id"].unique()})
    customers = customers.assign(lam=1.0, repeat_purchases=np.arange(len(customers)) % 2)
    members = pd.DataFrame({"customer_id": customers["customer_id"].iloc[:50], "tier": "gold"})
    one = generate_feedback(transactions, customers, members, seed=3)
    two = generate_feedback(transactions, customers, members, seed=3)
    pd.testing.assert_frame_equal(one.surveys, two.surveys)
    pd.testing.assert_frame_equal(one.referrals, two.referrals)
    assert one.truth == two.truth


def test_spend_effect_and_average_marginal_effect_by_hand(surveys, transactions, effects):
    from scipy.special import expit

    panel = feedback_panel(surveys, transactions, period="Q", observation_end=END)
    periods = sorted(panel["answer_period"].unique())
    design = np.column_stack(
        [np.ones(len(panel))]
        + [(panel["nps_group"] == g).to_numpy(float) for g in ("passive", "promoter")]
        + [(panel["answer_period"] == p).to_numpy(float) for p in periods[1:]]
        + [panel[c].to_numpy(float) for c in ("log_past_orders", "log_past_spend", "tenure_years")]
    )
    # OLS by least squares: the promoter coefficient is the spend effect
    beta, *_ = np.linalg.lstsq(design, panel["next_spend"].to_numpy(float), rcond=None)
    spend = effects.spend.set_index("term")
    assert spend.loc["promoter", "effect"] == pytest.approx(beta[2], rel=1e-8)
    # AME from the logit coefficients: mean over answers of P(promoter) - P(detractor)
    logit = effects.retention_logit.set_index("term")["estimate"]
    coef = np.array(
        [logit["Intercept"]]
        + [logit[f"C(nps_group, Treatment('detractor'))[T.{g}]"] for g in ("passive", "promoter")]
        + [logit[f"C(answer_period)[T.{p}]"] for p in periods[1:]]
        + [logit[c] for c in ("log_past_orders", "log_past_spend", "tenure_years")]
    )
    as_promoter, as_detractor = design.copy(), design.copy()
    as_promoter[:, 1:3] = [0.0, 1.0]
    as_detractor[:, 1:3] = [0.0, 0.0]
    ame = float(np.mean(expit(as_promoter @ coef) - expit(as_detractor @ coef)))
    assert effects.retention_ame.set_index("term").loc["promoter", "effect"] == pytest.approx(ame)
    assert effects.rate("promoter", adjusted=True) == pytest.approx(
        float(np.mean(expit(as_promoter @ coef)))
    )

"""Tests of loyaltylab.rewards.mechanics: each mechanic's hooks on cases worked out by hand.

Every expected number below is computed in the comment beside it from the config and the
behaviour, not taken from a simulation run.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from loyaltylab.errors import ParameterError
from loyaltylab.rewards.behaviour import Behaviour, base_uplift
from loyaltylab.rewards.config import program_from_mapping
from loyaltylab.rewards.ledger import PointsLedger
from loyaltylab.rewards.mechanics import (
    CampaignMechanic,
    CashbackMechanic,
    CoalitionMechanic,
    PaidMechanic,
    PointsMechanic,
    SharedWeek,
    TierMechanic,
    Twin,
    TwinWeek,
    billing_weeks,
    campaign_factors,
    choose_rewards,
    goal_distance_to_reward,
    mechanics_for,
    points_for_purchases,
    weekly_churn,
)

HORIZON = 60


def _twin(raw: dict, n: int, behaviour: Behaviour | None = None) -> Twin:
    """A twin whose customers are all alive members, built with the program's mechanics."""
    program = program_from_mapping(raw)
    behaviour = behaviour or Behaviour()
    mechanics = mechanics_for(program, behaviour, n, HORIZON)
    twin = Twin(
        program=program,
        behaviour=behaviour,
        mechanics=mechanics,
        alive=np.ones(n, dtype=bool),
        member=np.ones(n, dtype=bool),
        active_member=np.ones(n, dtype=bool),
        response=np.ones(n, dtype=np.float32),
        last_buy=np.full(n, -10_000, dtype=np.int16),
        enrolled=np.arange(n),
        exit_week=np.full(n, HORIZON, dtype=np.int16),
        value=np.zeros(n),
        value_baseline=np.zeros(n),
        margin=np.zeros(n),
        margin_baseline=np.zeros(n),
        sales=np.zeros(n),
        sales_baseline=np.zeros(n),
        redeemed_any=np.zeros(n, dtype=bool),
        weekly={},
        goal_exposure=np.zeros(0),
        goal_purchases=np.zeros(0),
        dropout_factor=1 - behaviour.dropout_reduction_for(program.kind),
    )
    for mechanic in mechanics:
        mechanic.setup(twin)
    return twin


def _week(week: int, n: int, *, u_aux: np.ndarray | None = None, discount: float = 1.0):
    shared = SharedWeek(
        u_buy=np.zeros(n, dtype=np.float32),
        u_drop=np.zeros(n, dtype=np.float32),
        u_aux=np.zeros(n, dtype=np.float32) if u_aux is None else u_aux.astype(np.float32),
        z_spend=np.zeros(n, dtype=np.float32),
        buy_at_base_rate=np.zeros(n, dtype=bool),
        hazard=None,
        buyers0=np.zeros(0, dtype=np.intp),
        spend0=np.zeros(0),
        alive0=np.ones(n, dtype=bool),
        alive0_count=n,
        purchases0=0,
        revenue0=0.0,
    )
    return TwinWeek(week, shared, discount, members=np.arange(n))


def _buy(twin: Twin, tw: TwinWeek, buyers, counts, spend) -> None:
    """Members ``buyers`` buy; set the terms with the mechanics like the weekly step."""
    tw.buyers = np.asarray(buyers, dtype=np.intp)
    tw.counts = np.asarray(counts, dtype=np.int32)
    tw.spend = np.asarray(spend, dtype=np.float64)
    tw.is_member = np.ones(tw.buyers.size, dtype=bool)
    tw.position = tw.buyers.copy()
    tw.discount_rate = np.zeros(tw.buyers.size)
    if twin.ledger is not None:
        tw.earn_multiplier = np.full(tw.buyers.size, tw.earn_factor)
    for mechanic in twin.mechanics:
        mechanic.set_terms(twin, tw)
    tw.paid_amount = tw.spend - tw.spend * np.minimum(tw.discount_rate, 0.9)


def _run(twin: Twin, tw: TwinWeek, hook: str, *args) -> None:
    for mechanic in twin.mechanics:
        getattr(mechanic, hook)(twin, tw, *args)


# --------------------------------------------------------------------------- composition
def test_mechanics_follow_the_program_parts_in_hook_order():
    raw = {
        "name": "all",
        "kind": "coalition",
        "points": {"earn_rate": 1.0},
        "coalition": {"partner_points_per_week": 1.0, "partner_funding_per_point": 0.01},
        "tiers": [{"name": "a", "threshold": 0}, {"name": "b", "threshold": 10}],
        "cashback": {"rate": 0.01},
        "campaigns": [{"name": "c", "start_week": 0, "end_week": 2}],
    }
    kinds = [type(m) for m in _twin(raw, 1).mechanics]
    expected = [PointsMechanic, TierMechanic, CashbackMechanic, CoalitionMechanic]
    assert kinds == [*expected, CampaignMechanic]
    paid = program_from_mapping({"name": "p", "kind": "paid", "paid": {"fee": 1.0}})
    assert [type(m) for m in mechanics_for(paid, Behaviour(), 1, HORIZON)] == [PaidMechanic]


def test_base_uplift_by_kind_halves_with_the_half_life():
    b = Behaviour().with_overrides(
        frequency_uplift=0.08, cashback_uplift=0.02, paid_uplift=0.25, uplift_half_life_weeks=10
    )
    assert base_uplift(b, "points", 20) == pytest.approx(0.08 / 4)  # two half-lives
    assert base_uplift(b, "cashback", 10) == pytest.approx(0.01)
    assert base_uplift(b, "paid", 500) == 0.25  # paid members keep it while they pay


# --------------------------------------------------------------------------- points
POINTS = {
    "name": "p",
    "kind": "points",
    "points": {
        "earn_rate": 2.0,
        "points_per_purchase": 5.0,
        "expiry": "never",
        "catalogue": [
            {"name": "small", "points": 200, "value_to_customer": 2.0, "cost_to_firm": 1.5},
            {"name": "big", "points": 600, "value_to_customer": 8.0, "cost_to_firm": 5.0},
        ],
    },
}


def test_points_earned_on_a_known_basket():
    rules = program_from_mapping(POINTS).points
    # 2 points per unit on 30.00 + 5 per purchase x 2 purchases = 70; x 1.5 = 105
    points = points_for_purchases(rules, np.array([30.0]), np.array([2]), np.array([1.5]))
    assert points.tolist() == [105.0]


def test_points_mechanic_earns_redeems_the_dearest_affordable_reward_and_books_its_cost():
    behaviour = Behaviour().with_overrides(redemption_propensity=1.0, redemption_window_weeks=5)
    twin = _twin(POINTS, 3, behaviour)
    tw = _week(0, 3, discount=0.5)
    _run(twin, tw, "start_week")
    # customer 0 spends 300 once: 2 x 300 + 5 = 605 -> takes "big" (600), 5 left
    # customer 1 spends 100 twice: 2 x 100 + 5 x 2 = 210 -> takes "small" (200), 10 left
    # customer 2 does not buy and cannot afford anything
    _buy(twin, tw, [0, 1], [1, 2], [300.0, 100.0])
    _run(twin, tw, "on_purchases")
    assert tw.issued == 815.0 and tw.redeemed == 800.0 and tw.redemptions == 2
    assert twin.ledger is not None and twin.ledger.balance.tolist() == [5.0, 10.0, 0.0]
    assert tw.redemption_cost == 6.5 and tw.reward_value == 10.0  # 5 + 1.5; 8 + 2
    assert twin.margin.tolist() == [-2.5, -0.75, 0.0]  # cost x discount factor 0.5
    assert twin.redeemed_any.tolist() == [True, True, False]
    mechanic = twin.mechanics[0]
    assert isinstance(mechanic, PointsMechanic)
    assert mechanic.momentum_until.tolist() == [6, 6, -1]  # week 0 + 1 + 5 weeks
    assert mechanic.goals.tolist() == [1, 1, 0]


def test_points_goal_distance_and_reward_choice():
    # cheapest reward 200: balance 150 is three quarters there, 0 just starts
    distance = goal_distance_to_reward(np.array([150.0, 0.0], dtype=np.float32), 200.0)
    assert distance.tolist() == [0.25, 1.0]
    assert choose_rewards(np.array([250.0, 800.0]), np.array([200.0, 600.0])).tolist() == [0, 1]


def test_endowed_points_are_credited_to_members_before_week_0():
    raw = {"name": "e", "kind": "points", "points": {"expiry": "never", "endowed_points": 40}}
    twin = _twin(raw, 2)
    assert twin.ledger is not None and twin.ledger.balance.tolist() == [40.0, 40.0]
    assert twin.ledger.start_week(0) == 0.0  # the clock still starts at week 0


# --------------------------------------------------------------------------- tiers
TIERS = {
    "name": "t",
    "kind": "tiered",
    "points": {"earn_rate": 1.0, "expiry": "never"},
    "tiers": {
        "metric": "spend",
        "window_days": 28,
        "downgrade": "automatic",
        "tiers": [
            {"name": "base", "threshold": 0},
            {
                "name": "gold",
                "threshold": 100,
                "earn_multiplier": 2.0,
                "discount": 0.05,
                "status_dropout_reduction": 0.2,
            },
        ],
    },
}


def test_tier_upgrade_at_the_threshold_gives_its_discount_earn_multiplier_and_status():
    behaviour = Behaviour().with_overrides(redemption_propensity=0.0, status_effect=1.0)
    twin = _twin(TIERS, 2, behaviour)
    tw = _week(0, 2)
    _run(twin, tw, "start_week")
    _buy(twin, tw, [0, 1], [1, 1], [100.0, 99.0])  # exactly at the threshold, just below
    _run(twin, tw, "on_purchases")
    assert tw.upgrades == 1 and twin.tiers is not None and twin.tiers.rank.tolist() == [1, 0]
    assert twin.tier_counts is not None and twin.tier_counts[0].tolist() == [1.0, 1.0]
    # next week customer 0 buys as gold: 5 % off, points x 2 on the price paid; customer 1
    # reaches 99.5 in the window, still base
    tw = _week(1, 2)
    _run(twin, tw, "start_week")
    _buy(twin, tw, [0, 1], [1, 1], [100.0, 0.5])
    assert tw.discount_rate.tolist() == [0.05, 0.0]
    _run(twin, tw, "on_purchases")
    assert tw.points is not None and tw.points.tolist() == [190.0, 0.5]  # 2 x 95; 1 x 0.5
    assert tw.upgrades == 0
    factor = np.ones(2, dtype=np.float32)
    _run(twin, tw, "scale_dropout", np.array([0, 1]), factor)
    assert factor.tolist() == pytest.approx([0.8, 1.0])  # 1 - 0.2 status x effect 1


def test_tier_downgrade_when_the_rolling_window_empties_raises_dropout():
    behaviour = Behaviour().with_overrides(demotion_penalty=0.25, demotion_weeks=3)
    twin = _twin(TIERS, 1, behaviour)
    tw = _week(0, 1)
    _run(twin, tw, "start_week")
    _buy(twin, tw, [0], [1], [150.0])
    _run(twin, tw, "on_purchases")
    # window 28 days = 4 one-week buckets: week 0's spend leaves the window at week 4
    for week in range(1, 4):
        tw = _week(week, 1)
        _run(twin, tw, "start_week")
        assert tw.downgrades == 0
    tw = _week(4, 1)
    _run(twin, tw, "start_week")
    assert tw.downgrades == 1 and twin.tiers is not None and twin.tiers.rank.tolist() == [0]
    factor = np.ones(1, dtype=np.float32)
    _run(twin, tw, "scale_dropout", np.array([0]), factor)
    assert factor.tolist() == [1.25]  # 1 + 0.25 x previous rank 1, for 3 weeks
    tw = _week(7, 1)
    factor = np.ones(1, dtype=np.float32)
    _run(twin, tw, "scale_dropout", np.array([0]), factor)
    assert factor.tolist() == [1.0]


# --------------------------------------------------------------------------- cashback
def test_cashback_pays_back_and_instant_cashback_discounts():
    later = _twin({"name": "c", "kind": "cashback", "cashback": {"rate": 0.02}}, 1)
    tw = _week(0, 1)
    _buy(later, tw, [0], [1], [50.0])
    assert tw.cashback_rate == 0.02 and tw.discount_rate.tolist() == [0.0]
    instant = _twin(
        {"name": "i", "kind": "cashback", "cashback": {"rate": 0.02, "instant": True}}, 1
    )
    tw = _week(0, 1)
    _buy(instant, tw, [0], [1], [50.0])
    assert tw.cashback_rate == 0.0 and tw.discount_rate.tolist() == [0.02]
    assert tw.paid_amount.tolist() == [49.0]


# --------------------------------------------------------------------------- paid
PAID = {
    "name": "club",
    "kind": "paid",
    "paid": {"fee": 25.0, "period_days": 365, "discount": 0.05, "monthly_churn": 0.04},
}


def test_paid_fee_every_billing_period_and_weekly_churn():
    # 1 - 0.96 ** (12 / 52) = 1 - exp(12 / 52 x ln 0.96) = 1 - exp(-0.0094205) = 0.0093763
    assert weekly_churn(0.04) == pytest.approx(0.0093763, abs=1e-7)
    assert billing_weeks(365) == 52 and billing_weeks(30) == 4
    twin = _twin(PAID, 3)
    tw = _week(0, 3, discount=0.5)
    _run(twin, tw, "start_week")  # no churn in the launch week
    _run(twin, tw, "end_week")
    # the fee is fee income, never customer value: members' purchase margin stays 0
    assert tw.fee_income == 75.0 and twin.margin.tolist() == [0.0, 0.0, 0.0]
    # week 1: 1 - u_aux = 0.005 < 0.0094 leaves, 0.5 and 0.0095 stay; no fee until week 52
    tw = _week(1, 3, u_aux=np.array([0.995, 0.5, 0.9905]))
    _run(twin, tw, "start_week")
    assert twin.active_member.tolist() == [False, True, True]
    assert twin.exit_week.tolist() == [1, HORIZON, HORIZON]
    _run(twin, tw, "end_week")
    assert tw.fee_income == 0.0
    tw = _week(52, 3, discount=1.0)
    tw.members = np.array([1, 2])
    _run(twin, tw, "end_week")
    assert tw.fee_income == 50.0


def test_paid_discount_and_uptake_decides_enrolment():
    twin = _twin(PAID, 1)
    tw = _week(0, 1)
    _buy(twin, tw, [0], [1], [40.0])
    assert tw.discount_rate.tolist() == [0.05] and tw.paid_amount.tolist() == [38.0]
    paid = program_from_mapping(PAID).paid
    mechanic = PaidMechanic(paid, Behaviour())
    assert mechanic.enrolment_share() == paid.uptake()
    # without monthly_churn the behaviour's paid_monthly_churn applies
    default = program_from_mapping({"name": "d", "kind": "paid", "paid": {"fee": 1.0}}).paid
    assert PaidMechanic(default, Behaviour()).monthly_churn == Behaviour().paid_monthly_churn


# --------------------------------------------------------------------------- coalition
COALITION = {
    "name": "co",
    "kind": "coalition",
    "points": {"earn_rate": 1.0, "expiry": "never"},
    "coalition": {
        "partner_points_per_week": 3.0,
        "partner_funding_per_point": 0.008,
        "focal_effect_factor": 0.5,
    },
}


def test_coalition_partner_points_funding_and_focal_effects():
    behaviour = Behaviour().with_overrides(
        dropout_reduction=0.4, coalition_dropout_reduction=0.05, redemption_propensity=0.0
    )
    twin = _twin(COALITION, 3, behaviour)
    assert twin.response.tolist() == [0.5, 0.5, 0.5]
    # a coalition's own dropout reduction, not the points programs' one scaled [S21]
    assert twin.dropout_factor == pytest.approx(0.95)
    tw = _week(0, 3)
    _run(twin, tw, "start_week")
    _buy(twin, tw, [0], [1], [10.0])
    _run(twin, tw, "on_purchases")
    # 10 points at the focal firm; 3 members x 3 partner points = 9
    assert tw.partner_points == 9.0 and tw.issued == 19.0
    assert twin.ledger is not None and twin.ledger.balance.tolist() == [13.0, 3.0, 3.0]
    _run(twin, tw, "end_week")
    assert tw.partner_income == pytest.approx(0.072)  # 9 x 0.008
    assert twin.mechanics[1].member_funding_per_week() == pytest.approx(0.024)  # 3 x 0.008


# --------------------------------------------------------------------------- campaigns
def test_campaign_window_pull_forward_earn_multiplier_and_bonus():
    raw = {
        "name": "dp",
        "kind": "campaign",
        "points": {"earn_rate": 1.0, "expiry": "never"},
        "campaigns": [
            {
                "name": "double",
                "start_week": 2,
                "end_week": 4,
                "earn_multiplier": 2.0,
                "visit_uplift": 0.1,
                "pull_forward": 0.5,
                "bonus_points": 50,
                "bonus_min_spend": 20,
            }
        ],
    }
    program = program_from_mapping(raw)
    visit, earn = campaign_factors(program.campaigns, 7, response=1.0)
    # +10 % in weeks 2-3, then -10 % x 0.5 in the same number of weeks after (4-5)
    assert visit.tolist() == pytest.approx([1, 1, 1.1, 1.1, 0.95, 0.95, 1])
    assert earn.tolist() == [1, 1, 2, 2, 1, 1, 1]
    behaviour = Behaviour().with_overrides(redemption_propensity=0.0)
    twin = _twin(raw, 2, behaviour)
    for week in range(3):
        tw = _week(week, 2)
        _run(twin, tw, "start_week")
    multiplier = np.ones(2, dtype=np.float32)
    twin.mechanics[-1].scale_purchase_rate(twin, tw, twin.response, multiplier)
    assert multiplier.tolist() == pytest.approx([1.1, 1.1])
    _buy(twin, tw, [0, 1], [1, 1], [25.0, 15.0])  # only customer 0 reaches the bonus spend
    _run(twin, tw, "on_purchases")
    assert tw.points is not None and tw.points.tolist() == [100.0, 30.0]  # 2 x 25 + 50; 2 x 15


# --------------------------------------------------------------------------- ledger
def test_ledger_expires_idle_balances_on_the_weekly_clock():
    rules = SimpleNamespace(expiry="after_inactivity_days", expiry_days=14, lock_days=0)
    ledger = PointsLedger(rules, 2)  # 14 days = 2 idle weeks
    ledger.start_week(0)
    ledger.earn(np.array([0, 1]), np.array([10.0, 5.0]))
    ledger.start_week(1)
    ledger.earn(np.array([1]), np.array([1.0]))  # customer 1 is active again in week 1
    assert ledger.start_week(2) == 0.0
    assert ledger.start_week(3) == 10.0  # last earned week 0, idle through weeks 1 and 2
    assert ledger.start_week(4) == 6.0
    assert ledger.outstanding() == 0.0


def test_ledger_expires_idle_balances_on_event_times():
    rules = SimpleNamespace(expiry="after_inactivity_days", expiry_days=30, lock_days=0)
    day = np.timedelta64(1, "D") // np.timedelta64(1, "ns")
    ledger = PointsLedger(rules, 1, dtype=np.float64, tick=np.timedelta64(1, "ns"))
    ledger.earn(np.array([0]), np.array([7.0]), at=np.array([5 * day]))
    assert ledger.expire_inactive(np.array([0]), 35 * day)[0].size == 0  # exactly 30 days
    gone, points, when = ledger.expire_inactive(np.array([0]), 35 * day + 1)
    assert gone.tolist() == [0] and points.tolist() == [7.0] and when.tolist() == [35 * day]
    with pytest.raises(ParameterError, match="weekly clock"):
        PointsLedger(
            SimpleNamespace(expiry="after_days", expiry_days=30, lock_days=0),
            1,
            tick=np.timedelta64(1, "ns"),
        )

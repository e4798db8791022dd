"""Tests of loyaltylab.rewards: configs, ledger, tiers, IFRS 15 accounting, population draws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from loyaltylab.errors import ConfigError, ParameterError
from loyaltylab.rewards import (
    ASSUMPTIONS,
    Behaviour,
    Campaign,
    PointsLedger,
    PointsProgram,
    PointsRules,
    PopulationModel,
    Tier,
    TieredProgram,
    TierRules,
    TierState,
    allocate_to_points,
    draw_population,
    fit_population,
    ifrs15_schedule,
    load_programs,
    points_revenue_to_date,
    program_from_mapping,
)
from loyaltylab.rewards.simulate import poisson_inverse

# --------------------------------------------------------------------------- configuration


def test_negative_earn_rate_is_refused():
    with pytest.raises(ConfigError, match=r"points.earn_rate: .*greater than or equal to 0.*-1"):
        PointsRules(earn_rate=-1.0)


def test_tier_threshold_below_the_one_beneath_is_refused():
    tiers = (Tier("base", 0), Tier("gold", 500), Tier("silver", 200))
    with pytest.raises(
        ConfigError,
        match=r"tiers.tiers\[2\].threshold: threshold of 'silver' \(200\) is not above .*'gold'",
    ):
        TierRules(tiers)


def test_unknown_expiry_policy_is_refused():
    with pytest.raises(ConfigError, match=r"points.expiry: Input should be 'never'.*'monthly'"):
        PointsRules(expiry="monthly")


def test_campaign_ending_before_it_starts_is_refused():
    with pytest.raises(
        ConfigError, match=r"campaign.end_week: campaign 'dbl' ends \(week 3\) before it starts"
    ):
        Campaign("dbl", start_week=10, end_week=3)


def test_program_kind_needs_its_parts_and_known_behaviour():
    with pytest.raises(ConfigError, match=r"^program.tiers: Field required$"):
        TieredProgram("t")
    with pytest.raises(ConfigError, match=r"program.behaviour.gaol_gradient: unknown behaviour"):
        PointsProgram("p", points=PointsRules(), behaviour={"gaol_gradient": 0.1})


def test_program_from_mapping_reads_nested_parts_and_names_the_yaml_path_in_errors():
    program = program_from_mapping(
        {
            "name": "gold",
            "kind": "tiered",
            "points": {
                "earn_rate": 1,
                "catalogue": [
                    {"name": "v5", "points": 500, "value_to_customer": 5, "cost_to_firm": 5}
                ],
            },
            "tiers": {
                "metric": "spend",
                "tiers": [
                    {"name": "base", "threshold": 0},
                    {"name": "gold", "threshold": 1000, "earn_multiplier": 2},
                ],
            },
            "campaigns": [{"name": "x2", "start_week": 4, "end_week": 6}],
        }
    )
    assert program.tiers.tiers[1].earn_multiplier == 2
    assert program.points.catalogue[0].points == 500
    with pytest.raises(ConfigError, match=r"^program.points.earn: unknown key"):
        program_from_mapping({"name": "bad", "kind": "points", "points": {"earn": 1}})


def test_load_programs_from_yaml(tmp_path):
    path = tmp_path / "reports.yaml"
    path.write_text(
        "programs:\n"
        "  - {name: a, kind: cashback, cashback: {rate: 0.01}}\n"
        "  - {name: a, kind: cashback, cashback: {rate: 0.02}}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match=r"reports.yaml: programs\[1\].name: program name 'a' is also used"
    ):
        load_programs(path)
    path.write_text("reports: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no 'programs:' section"):
        load_programs(path)


def test_project_reports_yaml_configures_every_kind():
    programs = load_programs()
    assert {program.kind for program in programs} == {
        "points",
        "tiered",
        "cashback",
        "paid",
        "coalition",
        "campaign",
    }


def test_behaviour_defaults_match_the_assumptions_table():
    defaults = Behaviour()
    for item in ASSUMPTIONS:
        assert getattr(defaults, item.parameter) == pytest.approx(item.default), item.parameter
        assert item.low <= item.default <= item.high


# --------------------------------------------------------------------------- ledger


def test_ledger_redeems_oldest_lots_first():
    ledger = PointsLedger(PointsRules(expiry="after_days", expiry_days=70), 1)
    ledger.start_week(0)
    ledger.earn(np.array([0]), np.array([10.0]))
    ledger.start_week(1)
    ledger.earn(np.array([0]), np.array([20.0]))
    ledger.redeem(np.array([0]), np.array([15.0]))
    lots = ledger.lot_ages()[:, 0]
    nonzero = lots[lots > 0]
    # the week-0 lot (10) is used up first, 5 of the week-1 lot go next: 15 left of the newest
    assert nonzero.tolist() == [15.0]
    assert ledger.balance[0] == 15.0


def test_ledger_expiry_after_days_end_of_year_and_never():
    after = PointsLedger(PointsRules(expiry="after_days", expiry_days=14), 1)
    expired = []
    for week in range(4):
        expired.append(after.start_week(week))
        if week == 0:
            after.earn(np.array([0]), np.array([7.0]))
    assert expired == [0.0, 0.0, 7.0, 0.0]  # two weeks after issue

    yearly = PointsLedger(PointsRules(expiry="end_of_year"), 1)
    total = {}
    for week in range(157):
        total[week] = yearly.start_week(week)
        if week in (10, 60):
            yearly.earn(np.array([0]), np.array([1.0 if week == 10 else 2.0]))
    # earned in year 1 -> expires at the end of year 2 (week 104); year 2 -> week 156
    assert total[104] == 1.0 and total[156] == 2.0
    assert sum(total.values()) == 3.0

    never = PointsLedger(PointsRules(expiry="never"), 1)
    for week in range(300):
        assert never.start_week(week) == 0.0
        never.earn(np.array([0]), np.array([1.0]))
    assert never.balance[0] == 300.0


def test_ledger_lock_days_delay_availability():
    ledger = PointsLedger(PointsRules(lock_days=7, expiry="never"), 1)
    ledger.start_week(0)
    ledger.earn(np.array([0]), np.array([5.0]))
    assert ledger.balance[0] == 0.0 and ledger.outstanding() == 5.0
    with pytest.raises(ParameterError, match="more points than the available balance"):
        ledger.redeem(np.array([0]), np.array([5.0]))
    ledger.start_week(1)
    assert ledger.balance[0] == 5.0


# --------------------------------------------------------------------------- tiers


def test_tiers_upgrade_at_threshold_and_downgrade_modes():
    tiers = (Tier("base", 0), Tier("silver", 100), Tier("gold", 300))
    automatic = TierState(TierRules(tiers, window_days=28, downgrade="automatic"), 2)
    automatic.start_week(0)
    automatic.add(np.array([0, 1]), np.array([350.0, 150.0]))
    assert automatic.upgrade(np.array([0, 1])) == 2
    assert automatic.rank.tolist() == [2, 1]
    # window of 4 one-week buckets: the spend leaves the window in week 4 -> back to base
    for week in range(1, 5):
        down, previous = automatic.start_week(week)
    assert automatic.rank.tolist() == [0, 0]
    assert previous.tolist() == [2, 1]
    assert automatic.flows[2, 0] == 1 and automatic.flows[0, 2] == 1

    never = TierState(TierRules(tiers, window_days=28, downgrade="none"), 1)
    never.start_week(0)
    never.add(np.array([0]), np.array([400.0]))
    never.upgrade(np.array([0]))
    for week in range(1, 60):
        never.start_week(week)
    assert never.rank.tolist() == [2]


# --------------------------------------------------------------------------- IFRS 15


def test_kpmg_example_10a_exactly():
    """KPMG IFRS 15 handbook Ex. 10A (IFRS 15.IE267-IE270), reference/rewards.md §2 [S67]."""
    allocated = allocate_to_points(100_000, 10_000, 1.0, 0.97, ratio_decimals=2)
    assert allocated == 9_000
    schedule = ifrs15_schedule(
        ["year 1", "year 2", "year 3"],
        sales=[100_000, 0, 0],
        points_issued=[10_000, 0, 0],
        points_redeemed=[0, 4_500, 4_000],
        expected_redeemed_total=[9_700, 9_700, 9_900],
        point_value=1.0,
        expected_redemption=0.97,
        ratio_decimals=2,
        decimals=0,
    )
    assert schedule["allocated_to_points"].tolist() == [9_000, 0, 0]
    assert schedule["points_revenue"].tolist() == [0, 4_175, 3_552]
    assert schedule["contract_liability"].tolist() == [9_000, 4_825, 1_273]


def test_kpmg_example_10b_decrease_in_estimate():
    """KPMG Ex. 10B: estimate revised down to 9,200 -> 4,140 in year 3 [S67]."""
    year3 = points_revenue_to_date(9_000, 8_500, 9_200) - 4_175
    assert round(year3) == 4_140


def test_liability_is_fully_released_when_points_are_redeemed_or_expire():
    schedule = ifrs15_schedule(
        [0, 1],
        sales=[1_000, 0],
        points_issued=[1_000, 0],
        points_redeemed=[0, 600],
        expected_redeemed_total=[800, 600],  # the other 400 expired in period 1
        point_value=0.1,
        expected_redemption=0.8,
        points_expired=[0, 400],
    )
    assert schedule["contract_liability"].iloc[-1] == pytest.approx(0.0)
    # allocated = 1000 * 80 / 1080 (relative SSP, IFRS 15.B42) computed by hand
    assert schedule["allocated_to_points"].iloc[0] == pytest.approx(1000 * 80 / 1080)
    assert schedule["breakage_recognised"].iloc[-1] == pytest.approx(1000 * 80 / 1080 * 0.4)


# --------------------------------------------------------------------------- population


def test_poisson_inverse_matches_scipy_ppf():
    rng = np.random.default_rng(5)
    uniform = rng.random(20_000)
    mean = rng.gamma(1.0, 1.5, 20_000)
    expected = stats.poisson.ppf(uniform, mean)
    assert np.array_equal(poisson_inverse(uniform, mean), expected.astype(np.int32))


def test_population_draws_match_the_model_moments():
    """Gamma(r, alpha) mean r / alpha, Beta(a, b) mean a / (a + b), Gamma-Gamma p v / (q - 1)."""
    model = PopulationModel.cdnow_published()
    people = draw_population(model, 400_000, seed=11)
    assert people.rate.mean() == pytest.approx(0.243 / 4.414, rel=0.02)
    assert people.dropout.mean() == pytest.approx(0.793 / (0.793 + 2.426), rel=0.01)
    assert people.mean_spend.mean() == pytest.approx(6.25 * 15.44 / 2.74, rel=0.02)
    pareto = draw_population(PopulationModel.cdnow_published("pareto_nbd"), 400_000, seed=11)
    assert pareto.dropout.mean() == pytest.approx(0.606 / 11.669, rel=0.02)


def test_population_model_rejects_bad_parameters():
    with pytest.raises(ParameterError, match="must be positive"):
        PopulationModel("bgnbd", r=-1, alpha=1, a=1, b=1, p=1, q=2, v=1)
    with pytest.raises(ParameterError, match="n_customers"):
        draw_population(PopulationModel.cdnow_published(), 0)


def test_fit_population_on_cdnow_calibration_reproduces_the_published_estimates():
    """BG/NBD r, alpha, a, b = 0.243, 4.414, 0.793, 2.426 (Fader, Hardie & Lee 2005) and
    Gamma-Gamma p, q, v = 6.25, 3.74, 15.44 (Fader & Hardie 2013), via reference/clv.md §3."""
    model = fit_population("cdnow_sample", observation_end="1997-09-30")
    published = PopulationModel.cdnow_published()
    for name in ("r", "alpha", "a", "b"):
        assert getattr(model, name) == pytest.approx(getattr(published, name), abs=2e-3), name
    for name in ("p", "q", "v"):
        assert getattr(model, name) == pytest.approx(getattr(published, name), abs=0.01), name
    assert model.model == "bgnbd" and "cdnow_sample" in model.source

"""Decision under uncertainty: P(best) and its standard error, break-even, pilot size, evidence.

Every number is checked against a hand calculation, statsmodels, or a published value (sources:
reference/rewards.md [Sx]).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from loyaltylab.errors import ParameterError
from loyaltylab.rewards import load_programs
from loyaltylab.rewards.behaviour import Behaviour
from loyaltylab.rewards.config import program_from_mapping
from loyaltylab.rewards.decision import (
    BreakEven,
    EvidenceInput,
    break_even,
    decision_draws,
    decision_table,
    find_root,
    pilot_size,
    recommend,
)
from loyaltylab.rewards.evidence import (
    PUBLISHED,
    chen_value_change,
    experiment_evidence,
    program_evidence,
    published_checks,
)
from loyaltylab.rewards.population import PopulationModel, draw_population
from loyaltylab.rewards.simulate import simulate_programs

CDNOW = PopulationModel.cdnow_published()
NBD = PopulationModel("nbd", r=0.243, alpha=4.414, p=6.25, q=3.74, v=15.44, source="test")


def test_p_best_p_profit_and_standard_error_by_hand():
    # draw 1: a best (3 > 1); draw 2: b (2 > 1); draw 3: b (0.5 > -1); draw 4: a (2 > 1)
    margins = pd.DataFrame({"a": [3.0, 1.0, -1.0, 2.0], "b": [1.0, 2.0, 0.5, 1.0]})
    table = decision_table(margins)
    assert table.loc["a", "p_best"] == 0.5 and table.loc["b", "p_best"] == 0.5
    assert table.loc["a", "p_profit"] == 0.75 and table.loc["b", "p_profit"] == 1.0
    # MCSE = sqrt(0.5 x 0.5 / 4) = 0.25
    assert table.loc["a", "p_best_se"] == pytest.approx(0.25)
    assert table.loc["a", "margin"] == pytest.approx(1.25)  # (3 + 1 - 1 + 2) / 4
    # 10th percentile of [-1, 1, 2, 3] (linear): -1 + 0.3 x 2 = -0.4
    assert table.loc["a", "margin_low"] == pytest.approx(-0.4)
    three = pd.DataFrame({"a": [1.0] * 9 + [0.0], "b": [0.0] * 9 + [2.0]})
    assert decision_table(three).loc["a", "p_best_se"] == pytest.approx(math.sqrt(0.09 / 10))


def test_find_root_of_a_linear_margin_is_exact():
    # margin = 1000 x (x - 0.021): pays from 2.1 pp
    assert find_root(lambda x: 1000 * (x - 0.021), 0.0, 1.0, xtol=1e-10) == pytest.approx(0.021)
    assert find_root(lambda x: x + 1, 0.0, 1.0) == 0.0
    assert math.isinf(find_root(lambda x: x - 2, 0.0, 1.0))


def test_break_even_frequency_lift_of_cashback_is_c_over_gm_minus_c():
    """Margin linear in the lift: customers who never drop out (NBD), no costs, a lasting rate
    uplift delta for every member: incremental margin = gm x R delta - c x R (1 + delta), zero at
    delta = c / (gm - c) = 0.01 / 0.29 = 0.03448."""
    people = draw_population(NBD, 20_000, seed=5)
    program = program_from_mapping(
        {
            "name": "cash",
            "kind": "cashback",
            "cashback": {"rate": 0.01},
            "economics": {"gross_margin": 0.30, "cost_per_member_per_year": 0.0},
        }
    )
    # every member responds alike (heavy buyers too), the uplift does not decay
    behaviour = Behaviour.none().with_overrides(uplift_half_life_weeks=1e9, heavy_response=1.0)
    table = break_even(
        [program],
        people,
        horizon_weeks=52,
        behaviour=behaviour,
        parameter="cashback_uplift",
        seed=2,
    ).table
    # about 1,000 customer-weeks change their count at delta ~ 3.5 %: ~3 % sampling noise
    assert table.loc["cash", "break_even"] == pytest.approx(0.01 / 0.29, rel=0.06)
    # cashback_uplift's plausible range is 0-5 %: break-even inside it
    assert table.loc["cash", "position"] == "inside"


def test_break_even_sentence_and_position():
    table = pd.DataFrame(
        {
            "parameter": ["dropout_reduction"],
            "break_even": [0.2],
            "plausible_low": [0.15],
            "plausible_high": [0.8],
            "break_even_pp": [2.1],
            "plausible_low_pp": [0.5],
            "plausible_high_pp": [4.0],
            "position": ["inside"],
        },
        index=pd.Index(["x"], name="design"),
    )
    assert BreakEven(table).sentence("x") == (
        "**x** pays back if it cuts members' 12-month churn by at least 2.1 pp; "
        "the evidence says 0.5-4.0 pp."
    )


def test_pilot_size_matches_statsmodels_two_sample_t_test():
    from statsmodels.stats.power import TTestIndPower

    for delta, sd in [(0.034, 5.94), (0.1, 1.0), (0.5, 2.0)]:
        expected = TTestIndPower().solve_power(effect_size=delta / sd, alpha=0.05, power=0.8)
        # same noncentral t; statsmodels' solver stops within a unit of the root
        assert abs(pilot_size(delta, sd) - math.ceil(expected)) <= 1


def test_recommend_launch_pilot_and_no_clear_winner():
    clear = pd.DataFrame(
        {"p_profit": [0.95, 0.6], "p_best": [0.9, 0.1], "margin": [10.0, 2.0]}, index=["a", "b"]
    )
    breaks = BreakEven(
        pd.DataFrame(
            {"break_even": [0.05, 0.3], "break_even_pp": [1.0, 3.0], "position": ["below"] * 2},
            index=["a", "b"],
        )
    )
    assert recommend(clear, breaks).recommendation == "launch"
    # the same numbers but the break-even inside the plausible range: pilot first
    inside = BreakEven(breaks.table.assign(position=["inside", "inside"]))
    decision = recommend(clear, inside)
    assert (decision.recommendation, decision.design) == ("pilot", "a")
    assert recommend(clear, inside, measured=["a"]).recommendation == "launch"
    split = clear.assign(p_best=[0.55, 0.45])
    decision = recommend(split, breaks)
    assert decision.recommendation == "pilot" and not decision.clear_winner
    assert "No clear winner" in decision.reason


def test_experiment_metrics_become_the_campaign_response_of_the_same_design():
    # 03_experiment: double_points visits +13.7 % (se 5.3 %); configured visit_uplift 0.10
    metrics = {
        "effects": {
            "double_points": {"visits": {"relative": 0.137, "relative_se": 0.053}},
            "unknown_arm": {"visits": {"relative": 0.5, "relative_se": 0.1}},
        }
    }
    evidence = experiment_evidence(metrics, load_programs())
    assert len(evidence) == 1
    assert evidence[0].design == "double_points" and evidence[0].parameter == "campaign_response"
    assert evidence[0].mean == pytest.approx(1.37) and evidence[0].sd == pytest.approx(0.53)
    assert experiment_evidence({}, load_programs()) == []


def test_program_evaluation_rescales_the_dropout_reduction_of_the_same_kind():
    class Stub:  # the ProgramEvaluation interface: relative lifts in orders per customer-month
        naive = 0.30
        causal = 0.05
        causal_low = 0.02
        causal_high = 0.08

    people = draw_population(CDNOW, 3_000, seed=1)
    programs = load_programs()
    evidence = program_evidence(Stub(), programs, people)
    assert [item.design for item in evidence] == ["tiered_status"]
    tiered = next(p for p in programs if p.name == "tiered_status")
    simulated = simulate_programs([tiered], people, horizon_weeks=26).totals["true_lift"].iloc[0]
    assert evidence[0].mean == pytest.approx(0.05 * 0.60 / simulated)
    assert evidence[0].sd == pytest.approx(0.06 / 3.92 * 0.60 / simulated)
    assert "causal lift +5.0% [+2.0%, +8.0%]" in evidence[0].source


@pytest.fixture(scope="module")
def draws():
    return decision_draws(load_programs(), CDNOW, n_customers=2_000, n_draws=24, seed=3)


def test_draws_use_common_random_numbers_and_scale_to_the_base(draws):
    scaled = decision_draws(
        load_programs()[:2], CDNOW, n_customers=500, n_draws=2, customers_in_base=5_000, seed=1
    )
    raw = scaled.monte_carlo.draws.pivot(
        index="draw", columns="program", values="incremental_margin"
    )
    assert np.allclose(scaled.margins.to_numpy(), raw[scaled.margins.columns].to_numpy() * 10)
    table = draws.summary()
    assert set(table.index) == {p.name for p in load_programs()}
    assert table["p_best"].sum() == pytest.approx(1.0)
    with pytest.raises(ParameterError, match="not among the designs"):
        decision_draws(
            load_programs(), CDNOW, n_draws=2, evidence=[EvidenceInput("x", "a", 1, 1, "s")]
        )


def test_draws_are_the_same_in_one_or_two_processes():
    programs = load_programs()[:3]
    one = decision_draws(programs, CDNOW, n_customers=300, n_draws=4, horizon_weeks=26, seed=5)
    two = decision_draws(
        programs, CDNOW, n_customers=300, n_draws=4, horizon_weeks=26, seed=5, n_jobs=2
    )
    pd.testing.assert_frame_equal(one.margins, two.margins)


def test_default_case_margin_lies_inside_every_designs_interval(draws):
    """The intervals are built around the central case (issue: double_points' default margin
    once lay outside its own 80 % interval): two-sided ranges only, one-sided ones held."""
    people = draw_population(CDNOW, 20_000, seed=8)
    central = simulate_programs(load_programs(), people, seed=8).totals["incremental_margin"]
    per_customer = central / 20_000
    table = draws.summary()
    for design, row in table.iterrows():
        assert row["margin_low"] / 2_000 <= per_customer[design] <= row["margin_high"] / 2_000


def test_published_checks_reproduce_the_results_not_calibrated_to(draws):
    """Each row against the published value (reference/rewards.md):
    Nastasoiu et al. 2021 [S13] 1.74 % incentive-driven sales in a coalition; Leenheer et al.
    2007 [S19] naive gap ~7x the causal effect; Liu 2007 [S14] light/moderate buyers respond
    more than heavy ones; Colloquy 2011 [S60] ~1/3 of points unredeemed; Chen et al. 2021 [S17]
    +30 % five-year value (the calibration target)."""
    people = draw_population(CDNOW, 20_000, seed=3)
    checks = published_checks(
        draws.monte_carlo, load_programs(), five_year_value=chen_value_change(people, seed=4)
    )
    assert list(checks.index) == list(PUBLISHED)
    assert checks.loc["coalition_sales_share", "published"] == 0.0174
    assert checks.loc["naive_to_causal", "published"] == 7.0
    assert checks.loc["five_year_value", "calibrated"]
    reproduced = checks["reproduced"] == "yes"
    not_calibrated = ["coalition_sales_share", "naive_to_causal", "light_vs_heavy"]
    assert reproduced[not_calibrated].all(), checks[["ours", "ours_low", "ours_high"]]
    row = checks.loc["coalition_sales_share"]
    assert row["ours_low"] <= 0.0174 <= row["ours_high"]
    row = checks.loc["naive_to_causal"]
    assert row["ours_low"] <= 7.0 <= row["ours_high"]
    assert checks.loc["light_vs_heavy", "ours_low"] > 1
    assert checks.loc["five_year_value", "ours"] == pytest.approx(0.30, abs=0.04)
    # not reproduced, and said so: the configured 500-point threshold is years of a CDNOW
    # customer's spend, so more than the US third of points [S60] is never redeemed
    assert checks.loc["breakage", "reproduced"] == "no"
    assert checks.loc["breakage", "ours_low"] > 0.33


def test_nbd_population_has_no_dropout_and_dropout_effects_do_nothing():
    people = draw_population(NBD, 2_000, seed=1)
    assert (people.dropout == 0).all()
    program = program_from_mapping(
        {"name": "p", "kind": "points", "points": {"earn_rate": 1.0, "expiry": "never"}}
    )
    with_cut = simulate_programs(
        [program], people, horizon_weeks=52, behaviour=Behaviour.none(), seed=1
    ).totals
    without = simulate_programs(
        [program],
        people,
        horizon_weeks=52,
        behaviour=Behaviour.none().with_overrides(dropout_reduction=0.9),
        seed=1,
    ).totals
    assert with_cut["retention_12m"].iloc[0] == 1.0 == without["retention_12m"].iloc[0]
    assert with_cut["incremental_margin"].iloc[0] == without["incremental_margin"].iloc[0]


def test_a_design_that_pays_on_its_fee_gets_an_uptake_pilot():
    # the default run's paid_club pays back without a churn effect, so a pilot sized on orders
    # needed ~9.6 M customers per arm; what decides it is how many join at the fee
    from loyaltylab.rewards.decision import plan_next_pilot
    from loyaltylab.rewards.pilot import uptake_pilot_size

    # by hand: n = 1.96^2 (1 - p) / (0.2^2 p); p = 0.1 -> 864.3, p = 0.5 -> 96.04
    assert uptake_pilot_size(0.1) == 865
    assert uptake_pilot_size(0.5) == 97
    with pytest.raises(ParameterError, match="between 0 and 1"):
        uptake_pilot_size(0.0)
    paid = next(p for p in load_programs() if p.kind == "paid")
    table = pd.DataFrame(
        {
            "break_even": [-0.1],
            "plausible_low": [0.0],
            "plausible_high": [0.3],
            "position": ["below"],
        },
        index=[paid.name],
    )
    people = draw_population(CDNOW, 200, seed=1)
    plan = plan_next_pilot(paid, people, BreakEven(table), customers_in_base=5_000)
    assert plan.measure == "uptake"
    assert plan.delta == pytest.approx(paid.paid.uptake())
    assert plan.n_per_arm == uptake_pilot_size(paid.paid.uptake())
    assert "count who join" in plan.summary()
    decision = recommend(
        pd.DataFrame({"p_profit": [1.0], "p_best": [0.4], "margin": [5.0]}, index=[paid.name]),
        BreakEven(table.assign(break_even_pp=[-1.0])),
    )
    assert decision.recommendation == "pilot" and "how many customers join" in decision.reason

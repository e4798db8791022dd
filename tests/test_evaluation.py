"""Tests of loyaltylab.evaluation: the running program's effect against hand calculations and
the loyalty generator's known truth (datasets.loyalty, ``true_program_effect``)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltylab.datasets.loyalty import generate_loyalty, load_synthetic_loyalty
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.evaluation import evaluate_program, naive_gap, plot_program_effect

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "data" / "synthetic_loyalty"


def _hand_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Members A (joins 2024-05-10), C (joins 2024-08-10), E (joins 2024-05-10); B never joins.

    Every order is 10.00. Windows: 2 months before and after the enrolment month.
    """
    rows = []
    for month in range(1, 13):  # B: one order on the 15th of every month
        rows.append(("B", f"2024-{month:02d}-15"))
    # A: March, April one each (pre 1 a month), joins at a purchase in May, 2 a month in June-July
    rows += [("A", "2024-03-15"), ("A", "2024-04-15"), ("A", "2024-05-10")]
    rows += [("A", f"2024-{m:02d}-{d}") for m in (6, 7) for d in (5, 20)]
    # C: one order a month March-July, joins at a purchase in August, 3 a month in Sep-Oct
    rows += [("C", f"2024-{m:02d}-15") for m in range(3, 8)] + [("C", "2024-08-10")]
    rows += [("C", f"2024-{m:02d}-{d}") for m in (9, 10) for d in (5, 12, 20)]
    # E: an order in January, joins in May: no pre-window order, last order 4 months earlier;
    # no non-member looks like that, so E is unmatched
    rows += [("E", "2024-01-15"), ("E", "2024-05-10")]
    tx = pd.DataFrame(rows, columns=["customer_id", "timestamp"])
    tx["timestamp"] = pd.to_datetime(tx["timestamp"])
    tx["amount"] = 10.0
    members = pd.DataFrame(
        {
            "customer_id": ["A", "C", "E"],
            "enrolled_at": pd.to_datetime(["2024-05-10", "2024-08-10", "2024-05-10"]),
        }
    )
    return tx, members


def test_matched_did_equals_the_hand_calculation():
    tx, members = _hand_case()
    result = evaluate_program(
        tx, members, observation_end="2024-12-31", pre_months=2, post_months=2, n_boot=0
    )
    # May cohort: A changes 1 -> 2 orders a month; her control is C (joins only in August, after
    # the post window: not yet enrolled; B bought twice before the pre window, A never, so B is
    # in another cell), 1 -> 1: effect 1, counterfactual 1 + 0.
    # August cohort: C changes 1 -> 3; her control B (two orders before the window, like C),
    # 1 -> 1: effect 2, counterfactual 1.
    # Over both cohorts: (1 + 2) / (1 + 1) = +150 % orders per customer-month.
    cohorts = result.cohorts.set_index("cohort")
    assert cohorts.loc["2024-05", "lift"] == pytest.approx(1.0)
    assert cohorts.loc["2024-08", "lift"] == pytest.approx(2.0)
    assert cohorts.loc["2024-05", "controls"] == 1 and cohorts.loc["2024-08", "controls"] == 1
    assert cohorts.loc["2024-05", "unmatched"] == 1  # E
    assert cohorts.loc["2024-08", "members_post"] == pytest.approx(3.0)
    assert cohorts.loc["2024-08", "effect"] == pytest.approx(2.0)
    assert result.causal == pytest.approx(1.5)
    assert result.spend_causal == pytest.approx(1.5)  # every order 10.00: spend moves alike
    assert result.n_members == 2 and result.n_controls == 2 and result.n_unmatched == 1
    assert np.isnan(result.causal_low) and np.isnan(result.causal_high)  # no bootstrap
    assert result.summary()["causal"].tolist() == pytest.approx([1.5, 1.5])
    metrics = result.to_metrics()
    assert {"naive", "causal", "causal_low", "causal_high"} <= set(metrics)


def test_naive_gap_by_hand():
    tx, members = _hand_case()
    # after the launch (2024-05-10, the first enrolment) to 2024-12-31 (236 days to 2025-01-01):
    # members A 5 orders in 236 days, C 7 in 144 days, E 1 in 236 days: 13 / 616 a day;
    # non-member B 8 orders (May-Dec) from her first order after the launch (2024-05-15,
    # 231 days): 8 / 231 a day
    expected = (13 / 616) / (8 / 231) - 1
    gap = naive_gap(tx, members, program_start="2024-05-10", observation_end="2024-12-31")
    assert gap == pytest.approx(expected)
    result = evaluate_program(
        tx, members, observation_end="2024-12-31", pre_months=2, post_months=2, n_boot=0
    )
    assert result.naive == pytest.approx(expected)


def test_snapshot_interval_covers_the_true_effect_and_the_naive_gap_is_several_times_larger():
    data = load_synthetic_loyalty(SNAPSHOT)
    truth = json.loads((SNAPSHOT / "truth.json").read_text())
    result = evaluate_program(
        data.transactions,
        data.members,
        observation_end=truth["observation_end"],
        program_start=truth["program_start"],
        seed=0,
    )
    true_effect = truth["true_program_effect"]
    assert true_effect == truth["program_effect"] == 0.08
    assert result.causal_low <= true_effect <= result.causal_high
    assert result.naive == pytest.approx(truth["naive_program_gap"])
    assert result.naive >= 3 * true_effect  # the self-selection the generator put in
    assert result.naive > result.causal_high  # and the naive gap is outside the interval
    assert result.spend_low <= true_effect <= result.spend_high  # extra orders, same spend
    assert result.n_members > 700 and result.n_controls > 500


@pytest.mark.parametrize("seed", [0, 1])
def test_zero_true_effect_gives_an_interval_around_zero(seed):
    # a 95 % interval: over 30 seeds of this size it covered 0 in COVERAGE_ZERO of them
    data = generate_loyalty(
        20000,
        seed=seed,
        program_start="2024-07-01",
        enrol_base=0.5,
        selection="behaviour",
        program_effect=0.0,
    )
    assert data.truth["incremental_orders"] == 0
    result = evaluate_program(data.transactions, data.members, observation_end="2025-12-31")
    assert result.causal_low <= 0.0 <= result.causal_high
    assert result.naive > 0.15  # members still buy far more: all of it selection


def test_a_large_program_recovers_the_effect_and_tells_it_from_zero():
    data = generate_loyalty(
        50000,
        seed=0,
        program_start="2024-07-01",
        enrol_base=0.5,
        selection="behaviour",
        program_effect=0.08,
    )
    assert data.truth["realised_program_effect"] == pytest.approx(0.08, abs=0.01)
    result = evaluate_program(data.transactions, data.members, observation_end="2025-12-31")
    assert 0.0 < result.causal_low <= 0.08 <= result.causal_high
    assert result.causal_high - result.causal_low < 0.15
    assert result.naive > 3 * 0.08


def test_the_bootstrap_is_seeded():
    data = load_synthetic_loyalty(SNAPSHOT)
    first = evaluate_program(
        data.transactions, data.members, observation_end="2025-12-31", n_boot=50
    )
    second = evaluate_program(
        data.transactions, data.members, observation_end="2025-12-31", n_boot=50
    )
    assert (first.causal_low, first.causal_high) == (second.causal_low, second.causal_high)
    other = evaluate_program(
        data.transactions, data.members, observation_end="2025-12-31", n_boot=50, seed=1
    )
    assert other.causal == first.causal and other.causal_low != first.causal_low


def test_bad_input_is_named():
    tx, members = _hand_case()
    with pytest.raises(ParameterError, match="'pre_months' must be a whole number of months"):
        evaluate_program(tx, members, observation_end="2024-12-31", pre_months=0)
    with pytest.raises(DataValidationError, match=r"'members' lacks column\(s\) \['enrolled_at'\]"):
        evaluate_program(tx, members.drop(columns="enrolled_at"), observation_end="2024-12-31")
    with pytest.raises(ParameterError, match="no enrolment cohort has 6 observed months before"):
        evaluate_program(tx, members, observation_end="2024-12-31")
    with pytest.raises(ParameterError, match="'max_orders_bin' must be a whole number >= 1"):
        evaluate_program(tx, members, observation_end="2024-12-31", max_orders_bin=0)
    with pytest.raises(ParameterError, match="'members' has no member with an enrolment date"):
        evaluate_program(tx, members.iloc[:0], observation_end="2024-12-31")
    with pytest.raises(ParameterError, match="'anchor' must be 'purchase' or 'none'"):
        evaluate_program(tx, members, observation_end="2024-12-31", anchor="till")  # type: ignore[arg-type]


def test_plot_takes_an_axes_and_returns_it():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tx, members = _hand_case()
    result = evaluate_program(
        tx, members, observation_end="2024-12-31", pre_months=2, post_months=2, n_boot=20
    )
    _, ax = plt.subplots()
    assert plot_program_effect(result, ax=ax) is ax
    plt.close("all")

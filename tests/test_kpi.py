"""Tests of loyaltylab.kpi against hand-computed values.

Every expected number below is worked out by hand from the small frames in this file; the
working is written next to each assertion ("hand: ...").
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from loyaltylab import kpi
from loyaltylab.errors import DataValidationError, LoyaltyLabError, ParameterError

WINDOW = {"observation_start": "2024-01-01", "observation_end": "2024-03-31"}


@pytest.fixture
def tx() -> pd.DataFrame:
    """Five customers, 10 rows, Dec 2023 - Mar 2024.

    a: Jan 2 (two rows same day: 10 + 5 = one order of 15), Feb 10 (20), Mar 5 (30)
    b: Jan 15 (100), Mar 20 (50)
    c: Feb 1 (40)
    d: Mar 31 23:00 (10)
    e: Dec 20 2023 (60, before the window), Feb 14 (25)
    """
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b", "c", "d", "e", "e"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-02 09:00",
                    "2024-01-02 17:00",
                    "2024-02-10",
                    "2024-03-05",
                    "2024-01-15",
                    "2024-03-20",
                    "2024-02-01",
                    "2024-03-31 23:00",
                    "2023-12-20",
                    "2024-02-14",
                ],
                format="ISO8601",
            ),
            "amount": [10.0, 5.0, 20.0, 30.0, 100.0, 50.0, 40.0, 10.0, 60.0, 25.0],
        }
    )


@pytest.fixture
def members() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "enrolled_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-04-15"]),
            "tier": ["base", "gold", "base"],
            "channel": ["web", "store", "web"],
        }
    )


@pytest.fixture
def ledger() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "a", "b", "b", "b", "a"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-02",
                    "2024-02-10",
                    "2024-03-05",
                    "2024-03-30",
                    "2024-03-30",
                    "2024-01-15",
                    "2024-03-20",
                    "2024-03-20",
                    "2024-04-02",
                ]
            ),
            "kind": [
                "earn",
                "earn",
                "redeem",
                "expire",
                "adjust",
                "earn",
                "redeem",
                "earn",
                "earn",
            ],
            "points": [15.0, 20.0, -10.0, -5.0, 2.0, 150.0, -100.0, 50.0, 30.0],
        }
    )


# --------------------------------------------------------------------------- whole window


def test_customer_kpis_whole_window_hand_computed(tx: pd.DataFrame) -> None:
    result = kpi.customer_kpis(tx, **WINDOW)
    # hand: orders in window a 3 (15, 20, 30), b 2 (100, 50), c 1, d 1, e 1 -> 8 orders, 290
    assert result.active_customers == 5
    assert result.orders == 8
    assert result.revenue == pytest.approx(290.0)
    assert result.aov == pytest.approx(290.0 / 8)
    assert result.purchase_frequency == pytest.approx(8 / 5)
    assert result.revenue_per_customer == pytest.approx(58.0)
    # hand: a and b have >= 2 orders
    assert result.repeat_purchase_rate == pytest.approx(2 / 5)
    # hand: e bought first in Dec 2023, so new = a, b, c, d
    assert result.new_customers == 4
    # hand: top ceil(0.5)=1 and ceil(1.0)=1 customer: b with 150 of 290
    assert result.revenue_top10_share == pytest.approx(150 / 290)
    assert result.revenue_top20_share == pytest.approx(150 / 290)
    # hand: months active Jan {a,b}, Feb {a,c,e}, Mar {a,b,d}; Jan->Feb 1 of 2, Feb->Mar 1 of 3
    assert result.retention_rate == pytest.approx(2 / 5)
    assert result.churn_rate == pytest.approx(3 / 5)
    assert result.transactions_outside_window == 1
    assert result.clv_mean is None


def test_summary_lists_every_kpi_with_unit_and_formula(tx: pd.DataFrame) -> None:
    table = kpi.customer_kpis(tx, **WINDOW).summary()
    assert list(table.columns) == ["kpi", "value", "unit", "formula"]
    assert table.set_index("kpi").loc["aov", "value"] == pytest.approx(36.25)
    assert table["unit"].ne("").all() and table["formula"].ne("").all()
    definitions = kpi.kpi_definitions()
    assert definitions["kpi"].is_unique
    assert set(table["kpi"]) <= set(definitions["kpi"])


def test_order_id_defines_orders(tx: pd.DataFrame) -> None:
    # hand: with order ids the two Jan 2 rows of a are two orders -> 9 orders; b's two rows
    # share one order id across days -> 8 orders, 290 / 8
    with_ids = tx.assign(order_id=[f"o{i}" for i in range(len(tx))])
    assert kpi.customer_kpis(with_ids, **WINDOW).orders == 9
    with_ids.loc[5, "order_id"] = "o4"
    assert kpi.customer_kpis(with_ids, **WINDOW).orders == 8
    # rows without an order id fall back to one order per customer and day
    with_ids["order_id"] = None
    with_ids.loc[0, "order_id"] = "x1"
    assert kpi.customer_kpis(with_ids, **WINDOW).orders == 9


def test_partial_last_period_is_left_out_of_retention(tx: pd.DataFrame) -> None:
    # hand: window ends Mar 20, so March is incomplete; only Jan->Feb (1 of 2) counts
    result = kpi.customer_kpis(tx, observation_start="2024-01-01", observation_end="2024-03-20")
    assert result.retention_rate == pytest.approx(0.5)


def test_quarterly_retention_needs_two_complete_quarters(tx: pd.DataFrame) -> None:
    assert math.isnan(kpi.customer_kpis(tx, retention_period="Q", **WINDOW).retention_rate)


def test_default_window_starts_at_first_period(tx: pd.DataFrame) -> None:
    # hand: default window is Dec 1 2023 .. Mar 31 2024: 9 orders, 350; all 5 customers new
    result = kpi.customer_kpis(tx)
    assert result.observation_start == pd.Timestamp("2023-12-01")
    assert result.observation_end == pd.Timestamp("2024-03-31")
    assert result.orders == 9 and result.revenue == pytest.approx(350.0)
    assert result.new_customers == 5
    # hand: Dec {e} -> Jan {a,b}: 0 of 1; then 1 of 2, 1 of 3 -> 2 / 6
    assert result.retention_rate == pytest.approx(2 / 6)


def test_clv_input(tx: pd.DataFrame) -> None:
    clv = pd.Series({"a": 100.0, "b": 300.0, "c": 20.0})
    result = kpi.customer_kpis(tx, clv=clv, **WINDOW)
    assert result.clv_mean == pytest.approx(140.0)
    assert result.clv_total == pytest.approx(420.0)
    frame = pd.DataFrame({"customer_id": ["a", "b"], "clv": [1.0, 3.0]})
    assert kpi.customer_kpis(tx, clv=frame, **WINDOW).clv_mean == pytest.approx(2.0)


# --------------------------------------------------------------------------- per period


def test_kpis_by_month_hand_computed(tx: pd.DataFrame) -> None:
    table = kpi.kpis_by_period(tx, "M", **WINDOW)
    assert list(table.index) == list(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))
    assert table["active_customers"].tolist() == [2, 3, 3]
    # hand: new Jan a, b; Feb c (e is from Dec); Mar d
    assert table["new_customers"].tolist() == [2, 1, 1]
    assert table["revenue"].tolist() == pytest.approx([115.0, 85.0, 90.0])
    assert table["aov"].tolist() == pytest.approx([57.5, 85 / 3, 30.0])
    assert np.isnan(table["retention_rate"].iloc[0])
    assert table["retention_rate"].iloc[1:].tolist() == pytest.approx([0.5, 1 / 3])
    assert table["churn_rate"].iloc[1:].tolist() == pytest.approx([0.5, 2 / 3])
    # hand: Jan top customer b with 100 of 115
    assert table["revenue_top10_share"].iloc[0] == pytest.approx(100 / 115)
    assert table["complete"].all()


def test_kpis_by_week_includes_empty_weeks(tx: pd.DataFrame) -> None:
    table = kpi.kpis_by_period(
        tx, "W", observation_start="2024-01-01", observation_end="2024-01-21"
    )
    # hand: weeks start Mon Jan 1, 8, 15; a buys in week 1, nobody in week 2, b in week 3
    assert list(table.index) == list(pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15"]))
    assert table["active_customers"].tolist() == [1, 0, 1]
    # hand: week 2 keeps 0 of week 1's 1 customer; week 3 follows an empty week: undefined
    assert table["retention_rate"].iloc[1] == 0.0
    assert np.isnan(table["retention_rate"].iloc[2])
    assert np.isnan(table["aov"].iloc[1])


def test_kpis_by_quarter_marks_incomplete_quarter(tx: pd.DataFrame) -> None:
    table = kpi.kpis_by_period(tx, "Q", observation_end="2024-03-31")
    # hand: window starts Oct 1 2023 (quarter of the first purchase); Q4 2023 {e}, Q1 2024 all 5
    assert table["active_customers"].tolist() == [1, 5]
    assert table["retention_rate"].iloc[1] == pytest.approx(1.0)
    partial = kpi.kpis_by_period(tx, "Q", observation_end="2024-03-30")
    assert partial["complete"].tolist() == [True, False]
    assert np.isnan(partial["retention_rate"].iloc[1])


# --------------------------------------------------------------------------- per segment


def test_kpis_by_segment_hand_computed(tx: pd.DataFrame) -> None:
    segments = pd.Series({"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"})
    clv = pd.Series({"a": 10.0, "b": 30.0, "c": 5.0})
    table = kpi.kpis_by_segment(tx, segments, clv=clv, **WINDOW)
    x, y = table.loc["x"], table.loc["y"]
    # hand: x = a, b: 5 orders, 215; y = c, d, e: 3 orders, 75
    assert (x["active_customers"], x["orders"], x["revenue"]) == (2, 5, 215.0)
    assert (y["active_customers"], y["orders"], y["revenue"]) == (3, 3, 75.0)
    assert x["repeat_purchase_rate"] == 1.0 and y["repeat_purchase_rate"] == 0.0
    # hand: x months {a,b},{a},{a,b}: 1/2 and 1/1 -> 2/3; y {},{c,e},{d}: 0/2
    assert x["retention_rate"] == pytest.approx(2 / 3)
    assert y["retention_rate"] == pytest.approx(0.0)
    assert y["new_customers"] == 2
    assert x["customer_share"] == pytest.approx(0.4)
    assert x["clv_mean"] == pytest.approx(20.0) and y["clv_total"] == pytest.approx(5.0)


def test_segment_labels_must_cover_every_customer(tx: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match=r"no label for 2 customer"):
        kpi.kpis_by_segment(tx, pd.Series({"a": "x", "b": "x", "c": "y"}), **WINDOW)


# --------------------------------------------------------------------------- cohorts


def test_cohort_retention_hand_computed(tx: pd.DataFrame) -> None:
    cohorts = kpi.cohort_retention(tx, observation_end="2024-03-31")
    matrix = cohorts.matrix
    # hand: Dec cohort {e}: active Dec, Feb; Jan {a, b}: Feb a, Mar a b; Feb {c}; Mar {d}
    assert cohorts.cohort_sizes.tolist() == [1, 2, 1, 1]
    assert matrix.iloc[0].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert matrix.iloc[1, :3].tolist() == [1.0, 0.5, 1.0]
    assert np.isnan(matrix.iloc[1, 3])
    assert matrix.iloc[2, :2].tolist() == [1.0, 0.0]
    # hand: weighted mean at k=1: (0 + 1 + 0) / (1 + 2 + 1)
    assert cohorts.mean_curve()[1] == pytest.approx(0.25)
    assert cohorts.summary()["customers"].tolist() == [1, 2, 1, 1]


def test_cohort_cells_in_incomplete_month_are_missing(tx: pd.DataFrame) -> None:
    cohorts = kpi.cohort_retention(tx, observation_end="2024-03-25")
    # hand: d's Mar 31 purchase is after the end -> 3 cohorts; March incomplete -> Jan
    # cohort k=2 unknown, Dec cohort k=3 unknown, while the Dec cohort k=2 (Feb) is known
    assert cohorts.cohort_sizes.tolist() == [1, 2, 1]
    assert np.isnan(cohorts.matrix.iloc[1, 2]) and np.isnan(cohorts.matrix.iloc[0, 3])
    assert cohorts.matrix.iloc[0, 2] == 1.0


# --------------------------------------------------------------------------- program


def test_program_kpis_hand_computed(
    tx: pd.DataFrame, members: pd.DataFrame, ledger: pd.DataFrame
) -> None:
    result = kpi.program_kpis(tx, members, ledger, point_value=0.5, active_days=15, **WINDOW)
    # hand: c enrols after the window -> 2 members of 5 customers
    assert result.members == 2 and result.customers == 5
    assert result.enrolment_rate == pytest.approx(0.4)
    # hand: last 15 days = Mar 17..31: b buys Mar 20, a last bought Mar 5
    assert result.participation_rate == pytest.approx(0.5)
    # hand: earn 15 + 20 + 150 + 50 (the Apr 2 row is after the window)
    assert result.points_issued == pytest.approx(235.0)
    assert result.points_redeemed == pytest.approx(110.0)
    assert result.points_expired == pytest.approx(5.0)
    assert result.points_adjusted == pytest.approx(2.0)
    assert result.points_outstanding == pytest.approx(235 - 110 - 5 + 2)
    assert result.redemption_rate == pytest.approx(110 / 235)
    assert result.breakage_rate == pytest.approx(5 / 235)
    assert result.reward_cost == pytest.approx(55.0)
    assert result.reward_cost_share == pytest.approx(55 / 290)
    assert set(result.summary()["kpi"]) == set(result.to_metrics())


def test_member_comparison_is_labelled_descriptive(tx: pd.DataFrame, members: pd.DataFrame) -> None:
    table = kpi.member_comparison(tx, members, **WINDOW)
    assert "self-selection" in table.attrs["note"]
    # hand: members a, b (c enrols later): 215 of revenue over 5 orders
    assert table.loc["member", "revenue"] == pytest.approx(215.0)
    assert table.loc["non-member", "active_customers"] == 3


def test_ledger_sign_convention_enforced(
    tx: pd.DataFrame, members: pd.DataFrame, ledger: pd.DataFrame
) -> None:
    ledger.loc[2, "points"] = 10.0  # a redemption recorded as positive
    with pytest.raises(DataValidationError, match=r"1 value\(s\) with the wrong sign"):
        kpi.program_kpis(tx, members, ledger, **WINDOW)


def test_ledger_unknown_kind(tx: pd.DataFrame, members: pd.DataFrame, ledger: pd.DataFrame) -> None:
    ledger.loc[0, "kind"] = "bonus"
    with pytest.raises(DataValidationError, match="'kind' has 1 value"):
        kpi.program_kpis(tx, members, ledger, **WINDOW)


# --------------------------------------------------------------------------- validation


def test_missing_column_named(tx: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match=r"missing column\(s\) \['amount'\]"):
        kpi.customer_kpis(tx.drop(columns="amount"))


def test_string_timestamps_rejected(tx: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="'timestamp' must be a timezone-naive"):
        kpi.customer_kpis(tx.assign(timestamp=tx["timestamp"].astype(str)))


def test_missing_amounts_counted(tx: pd.DataFrame) -> None:
    tx.loc[[1, 3], "amount"] = np.nan
    with pytest.raises(DataValidationError, match="'amount' has 2 missing value"):
        kpi.customer_kpis(tx)


def test_bad_period_and_window(tx: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="'period'"):
        kpi.kpis_by_period(tx, "Y")
    with pytest.raises(LoyaltyLabError, match="after observation_end"):
        kpi.customer_kpis(tx, observation_start="2024-05-01", observation_end="2024-03-31")


# --------------------------------------------------------------------------- plots


def test_plots_return_labelled_axes(tx: pd.DataFrame) -> None:
    axes = [
        kpi.plot_cohort_retention(kpi.cohort_retention(tx)),
        kpi.plot_kpi_trend(kpi.kpis_by_period(tx, "M"), "retention_rate"),
        kpi.plot_revenue_concentration(tx),
    ]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close("all")


def test_period_series_round_trip(tx: pd.DataFrame) -> None:
    table = kpi.kpis_by_period(
        tx, "M", observation_start="2024-01-01", observation_end="2024-03-20"
    )
    section = kpi.period_series_metrics(table, ["retention_rate", "aov"])
    # hand: March is incomplete and January has no retention -> only February's 0.5
    assert section["retention_rate"] == {"freq": "M", "periods": ["2024-02-01"], "values": [0.5]}
    assert section["aov"]["values"] == pytest.approx([57.5, 85 / 3])
    series = kpi.read_period_series(section)
    assert str(series["aov"].index[1]) == "2024-02"
    with pytest.raises(ParameterError, match="unknown KPI"):
        kpi.period_series_metrics(table, ["nope"])


# --------------------------------------------------------------------------- synthetic truth


@pytest.mark.parametrize("seed", [3, 11])
def test_program_kpis_recover_synthetic_truth(seed: int) -> None:
    """Program KPIs equal the truth the loyalty generator stored (datasets.loyalty, owner F2)."""
    from loyaltylab.datasets.loyalty import SyntheticPointsProgram, generate_loyalty

    program = SyntheticPointsProgram().with_rules(point_value=0.02)
    data = generate_loyalty(300, seed=seed, program=program)
    truth = data.truth
    result = kpi.program_kpis(
        data.transactions,
        data.members,
        data.ledger,
        observation_end=truth["observation_end"],
        point_value=truth["program"]["point_value"],
        active_days=90,
    )
    assert result.members == truth["n_members"]
    assert result.enrolment_rate == pytest.approx(truth["enrolment_rate"])
    assert result.participation_rate == pytest.approx(truth["participation_rate_90d"])
    for name in ("points_issued", "points_redeemed", "points_expired", "points_outstanding"):
        assert getattr(result, name) == pytest.approx(truth[name]), name
    assert result.redemption_rate == pytest.approx(truth["redemption_rate"])
    assert result.breakage_rate == pytest.approx(truth["breakage_rate"])
    assert result.reward_cost == pytest.approx(truth["reward_cost"])
    assert result.reward_cost_share == pytest.approx(truth["reward_cost_share"])
    # the generator gives enrolment no effect on buying: the member gap is self-selection only
    assert truth["program_effect"] == 0.0
    assert "self-selection" in result.members_vs_non_members.attrs["note"]


def test_to_metrics_is_the_one_metrics_export(
    tx: pd.DataFrame, members: pd.DataFrame, ledger: pd.DataFrame
) -> None:
    # issue 8: the key numbers for the metrics file have one name, to_metrics(); keys unchanged
    customers = kpi.customer_kpis(tx, **WINDOW, clv=pd.Series({"a": 1.0, "b": 3.0}))
    assert list(customers.to_metrics()) == [
        "active_customers",
        "new_customers",
        "retention_rate",
        "churn_rate",
        "repeat_purchase_rate",
        "purchase_frequency",
        "aov",
        "revenue",
        "orders",
        "revenue_per_customer",
        "revenue_top10_share",
        "revenue_top20_share",
        "clv_mean",
        "clv_total",
    ]
    assert customers.to_metrics()["aov"] == customers.aov
    assert customers.to_metrics()["clv_total"] == pytest.approx(4.0)
    program = kpi.program_kpis(tx, members, ledger, **WINDOW)
    assert list(program.to_metrics()) == [
        "members",
        "enrolment_rate",
        "participation_rate",
        "points_issued",
        "points_redeemed",
        "points_expired",
        "points_adjusted",
        "points_outstanding",
        "redemption_rate",
        "breakage_rate",
        "reward_cost",
        "reward_cost_share",
    ]
    assert program.to_metrics()["points_issued"] == program.points_issued
    assert not hasattr(customers, "as_dict") and not hasattr(program, "as_dict")

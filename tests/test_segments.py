"""Tests of loyaltylab.segments against hand-computed values (working in the comments)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from loyaltylab import segments
from loyaltylab.errors import DataValidationError, ParameterError

WINDOW = {"observation_start": "2024-01-01", "observation_end": "2024-03-31"}


@pytest.fixture
def tx() -> pd.DataFrame:
    """Same frame as tests/test_kpi.py.

    In the window (Jan 1 - Mar 31 2024), orders per customer:
    a: Jan 2 (Tue, 15 in two rows), Feb 10 (Sat, 20), Mar 5 (Tue, 30)  -> 3 orders, 65
    b: Jan 15 (Mon, 100), Mar 20 (Wed, 50)                             -> 2 orders, 150
    c: Feb 1 (Thu, 40)                                                  -> 1 order, 40
    d: Mar 31 (Sun, 10)                                                 -> 1 order, 10
    e: Feb 14 (Wed, 25) (+ Dec 20 2023 before the window)               -> 1 order, 25
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


def test_quintile_scores_hand_computed() -> None:
    # hand: score = 1 + floor(5 * strictly-worse / n)
    assert segments.quintile_scores([1, 1, 1, 2, 5]).tolist() == [1, 1, 1, 4, 5]
    assert segments.quintile_scores(np.arange(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert segments.quintile_scores([3, 1, 2], higher_is_better=False).tolist() == [1, 4, 2]
    assert segments.quintile_scores([7.0, 7.0]).tolist() == [1, 1]


def test_rfm_scores_and_segments_hand_computed(tx: pd.DataFrame) -> None:
    rfm = segments.rfm_segments(tx, **WINDOW)
    table = rfm.table.set_index("customer_id")
    # hand: recency to Mar 31 in days: a 26, b 11, c 59, d 0, e 46
    assert table["recency_days"].to_dict() == {"a": 26, "b": 11, "c": 59, "d": 0, "e": 46}
    # hand: R: a beats c, e -> 3; b beats 3 -> 4; c 1; d 5; e 2
    # F (orders 3, 2, 1, 1, 1): a 5, b 4, others 1; M (65, 150, 40, 10, 25): a 4, b 5, c 3, d 1, e 2
    assert table["rfm"].to_dict() == {"a": "354", "b": "445", "c": "113", "d": "511", "e": "212"}
    # hand: a R3 FM4.5 loyal; b R4 FM4.5 champions; c R1 FM2 lost; d R5 one order new;
    # e R2 FM1.5 hibernating
    assert table["segment"].to_dict() == {
        "a": "loyal",
        "b": "champions",
        "c": "lost",
        "d": "new",
        "e": "hibernating",
    }
    summary = rfm.summary()
    assert list(summary.index) == list(segments.SEGMENT_ORDER)
    assert summary.loc["champions", "revenue_share"] == pytest.approx(150 / 290)
    assert summary.loc["at risk", "customers"] == 0


def test_average_monetary(tx: pd.DataFrame) -> None:
    rfm = segments.rfm_segments(tx, monetary="average", **WINDOW)
    # hand: revenue per order a 21.67, b 75, c 40, d 10, e 25 -> M scores a 2, b 5, c 4, d 1, e 3
    assert rfm.table.set_index("customer_id")["m_score"].to_dict() == {
        "a": 2,
        "b": 5,
        "c": 4,
        "d": 1,
        "e": 3,
    }


def test_rules_cover_every_score_combination() -> None:
    r, fm, orders = np.meshgrid(np.arange(1, 6), np.arange(2, 11) / 2, [1, 2, 9], indexing="ij")
    labels = segments._assign_segments(r.ravel(), fm.ravel(), orders.ravel())
    assert set(labels) == set(segments.SEGMENT_ORDER)
    # at risk: old but valuable; lost: oldest and low value
    assert segments._assign_segments(np.array([1]), np.array([4.0]), np.array([5]))[0] == "at risk"
    assert segments._assign_segments(np.array([1]), np.array([2.0]), np.array([5]))[0] == "lost"
    rules = segments.segment_rules()
    assert rules["segment"].tolist() == list(segments.SEGMENT_ORDER)
    assert rules.loc[rules["segment"] == "new", "rule"].item() == "R 4-5 and orders <= 1"


def test_top_customers_hand_computed(tx: pd.DataFrame) -> None:
    top = segments.top_customers(tx, 2, **WINDOW)
    assert top["customer_id"].tolist() == ["b", "a"]
    assert top["revenue_share"].tolist() == pytest.approx([150 / 290, 65 / 290])
    assert top["cumulative_share"].iloc[-1] == pytest.approx(215 / 290)
    assert top["aov"].tolist() == pytest.approx([75.0, 65 / 3])
    with pytest.raises(ParameterError, match="'n'"):
        segments.top_customers(tx, 0)


def test_purchase_patterns_hand_computed(tx: pd.DataFrame) -> None:
    patterns = segments.purchase_patterns(tx, **WINDOW)
    # hand: gaps a Jan 2 -> Feb 10 (39), Feb 10 -> Mar 5 (24); b Jan 15 -> Mar 20 (65)
    assert sorted(patterns.inter_purchase_days.tolist()) == [24.0, 39.0, 65.0]
    days = patterns.day_of_week
    # hand: Tue a, a; Wed b, e; Mon b; Thu c; Sat a; Sun d; Fri none
    assert days["orders"].tolist() == [1, 2, 2, 1, 0, 1, 1]
    assert days.loc["Wednesday", "revenue"] == pytest.approx(75.0)
    assert patterns.lines_per_order.sum() == 9 and patterns.lines_per_order.max() == 2
    assert patterns.orders_per_customer["customers"].tolist() == [3, 1, 1, 0, 0]
    summary = patterns.summary().set_index("measure")["value"]
    assert summary["median days between orders"] == pytest.approx(39.0)
    assert summary["mean order value"] == pytest.approx(36.25)


def test_value_risk_segments_hand_computed(tx: pd.DataFrame) -> None:
    rfm = segments.rfm_segments(tx, **WINDOW)
    clv = pd.Series({"a": 1.0, "b": 5.0, "c": 2.0, "d": 3.0, "e": 4.0})
    alive = pd.DataFrame({"customer_id": list("abcde"), "p_alive": [0.9, 0.2, 0.5, 0.1, 0.7]})
    out = segments.value_risk_segments(rfm, clv, alive, high_value_share=0.4).set_index(
        "customer_id"
    )
    # hand: 0.6 quantile of 1..5 (linear) = 3.4 -> high value b, e; at risk p < 0.5: b, d
    assert out["value_risk"].to_dict() == {
        "a": "other value, likely active",
        "b": "high value, at risk",
        "c": "other value, likely active",
        "d": "other value, at risk",
        "e": "high value, likely active",
    }
    assert out.loc["b", "segment"] == "champions"


def test_value_risk_needs_every_customer(tx: pd.DataFrame) -> None:
    rfm = segments.rfm_segments(tx, **WINDOW)
    with pytest.raises(DataValidationError, match="clv has no value for 2 segmented"):
        segments.value_risk_segments(
            rfm, pd.Series({"a": 1.0, "b": 2.0, "c": 3.0}), pd.Series(0.5, index=list("abcde"))
        )
    with pytest.raises(DataValidationError, match=r"outside \[0, 1\]"):
        segments.value_risk_segments(
            rfm, pd.Series(1.0, index=list("abcde")), pd.Series(1.5, index=list("abcde"))
        )


def test_plots_return_labelled_axes(tx: pd.DataFrame) -> None:
    rfm = segments.rfm_segments(tx, **WINDOW)
    patterns = segments.purchase_patterns(tx, **WINDOW)
    value_risk = segments.value_risk_segments(
        rfm, pd.Series(1.0, index=list("abcde")), pd.Series(0.3, index=list("abcde"))
    )
    axes = [
        segments.plot_segment_sizes(rfm),
        segments.plot_inter_purchase_days(patterns),
        segments.plot_day_of_week(patterns),
        segments.plot_value_risk(value_risk),
    ]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close("all")


def test_value_risk_reads_probability_alive_from_clv_frame(tx: pd.DataFrame) -> None:
    rfm = segments.rfm_segments(tx, **WINDOW)
    per_customer = pd.DataFrame(
        {
            "customer_id": list("abcde"),
            "clv": [1.0, 5.0, 2.0, 3.0, 4.0],
            "probability_alive": [0.9, 0.2, 0.5, 0.1, 0.7],
        }
    )
    out = segments.value_risk_segments(rfm, per_customer, high_value_share=0.4)
    # hand: as above, b is the only high-value customer at risk
    assert out.loc[out["value_risk"] == "high value, at risk", "customer_id"].tolist() == ["b"]
    with pytest.raises(ParameterError, match="'p_alive' is needed"):
        segments.value_risk_segments(rfm, per_customer.drop(columns="probability_alive"))

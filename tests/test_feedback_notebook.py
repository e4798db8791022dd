"""The notebook layer of 06_feedback: parameters, the opening answer and the metrics."""

from __future__ import annotations

import pandas as pd
import pytest

from loyaltylab.errors import ParameterError
from loyaltylab.reports.notebooks.feedback import (
    FeedbackParameters,
    answer,
    invited_by_wave,
    to_metrics,
    with_segment,
)


def test_load_and_columns_split_by_table():
    params = FeedbackParameters.from_namespace(
        {
            "load": "{invalid: drop, surveys: {duplicate_answers: last}, referrals: "
            "{self_referral: drop}}",
            "columns": {"customer_id": "cust", "surveys": {"nps": "recommend"}},
            "referrals": "",
            "output_dir": "",
        }
    )
    assert params.transaction_options == {"invalid": "drop"}
    assert params.survey_options == {"duplicate_answers": "last"}
    assert params.transaction_columns == {"customer_id": "cust"}
    assert params.columns["surveys"] == {"nps": "recommend"}
    assert params.referrals == ""


@pytest.mark.parametrize(
    ("load", "words"),
    [
        ("{surveys: {duplicates: drop}}", "unknown option(s) ['duplicates'] of load_surveys"),
        ("{referrals: {bought: keep}}", "of load_referrals"),
        ("{retrns: drop}", "'surveys'/'referrals'/'members'"),
    ],
)
def test_a_misspelt_load_option_stops_at_validation(load, words):
    with pytest.raises(ParameterError) as raised:
        FeedbackParameters.from_namespace({"load": load})
    assert words in str(raised.value)


def test_segment_is_the_tier_or_non_member_and_invited_are_the_period_buyers():
    from loyaltylab.data.loyalty import load_members

    members = load_members(
        pd.DataFrame({"customer_id": ["1"], "enrolled_at": ["2024-01-01"], "tier": ["gold"]})
    )
    answers = pd.DataFrame(
        {
            "customer_id": ["1", "2"],
            "segment": [None, "x"],
            "wave": ["w1", "w1"],
            "answered_at": pd.to_datetime(["2024-07-03", "2024-08-01"]),
        }
    )
    assert with_segment(answers, members)["segment"].tolist() == ["gold", "non-member"]
    assert with_segment(answers, None)["segment"].tolist() == ["all", "x"]
    tx = pd.DataFrame(
        {
            "customer_id": ["1", "3", "4"],
            "timestamp": pd.to_datetime(["2024-07-01", "2024-09-30", "2024-10-01"]),
        }
    )
    invited = invited_by_wave(tx, answers, "Q")
    assert sorted(invited["customer_id"]) == ["1", "3"]  # bought in 2024Q3, the wave's quarter


@pytest.fixture(scope="module")
def report():
    return FeedbackParameters.from_namespace({"output_dir": ""}).analyse()


def test_the_answer_is_written_from_the_results(report):
    sentences = answer(report, currency="$")
    text = " ".join(sentences)
    assert 3 <= len(sentences) <= 5
    assert f"{report.nps.value:+.0f} points" in text
    assert f"spend ${report.referral.value:,.0f} in" in text  # the run's currency
    assert f"{report.effects.rate('promoter'):.0%}".replace("%", " %") in text
    assert f"{report.referral.rate:.1%}".replace("%", " %") in text
    assert "predicts who stays" in text  # the promoter effect's interval is above 0


def test_metrics_hold_the_required_keys(report):
    metrics = to_metrics(report)
    assert set(metrics["nps"]) >= {"value", "ci_low", "ci_high", "n"}
    assert set(metrics["csat"]) >= {"mean", "top2_share"}
    assert set(metrics["referral"]) >= {"rate", "value"}
    assert metrics["nps"]["value"] == pytest.approx(report.nps.value)
    # lifecycle: the last period with answers (2025Q3), where advocacy is measured
    assert metrics["lifecycle"]["period"] == "2025Q3" and metrics["lifecycle"]["advocates"] > 0
    assert sum(metrics["preference"].values()) == pytest.approx(1.0)
    assert "de Haan" in report.effects.measure_comparison()
